"""asv benchmarks of the data layer: parse-once cache, image preprocessing, synthetic generation.

``NTKBENCH_BENCH_PROFILE=full`` runs the large sizes; the default quick profile keeps asv fast.
The IDX benchmark writes a 60,000-image MNIST-sized fixture (random pixels) into a temporary data
home, so it needs no downloaded data.
"""

from __future__ import annotations

import gzip
import os
import shutil
import struct
import tempfile
from pathlib import Path

import numpy as np

from ntkbench.data import preprocess, synthetic
from ntkbench.data.cache import cached_arrays
from ntkbench.data.formats.idx import read_idx
from ntkbench.data.images import image_split

FULL = os.environ.get("NTKBENCH_BENCH_PROFILE", "quick") == "full"


def _write_idx(path: Path, arr: np.ndarray) -> None:
    header = bytes([0, 0, 0x08, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    with gzip.open(path, "wb", compresslevel=1) as fh:
        fh.write(header + arr.astype(np.uint8).tobytes())


class IdxLoad:
    """Load a 60,000 x 28 x 28 IDX set: first parse (gunzip + decode) vs memory-mapped cache."""

    timeout = 300

    def setup(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="ntkbench-bench-"))
        os.environ["NTKBENCH_CACHE"] = str(self.tmp / "cache")
        rng = np.random.default_rng(0)
        self.images = self.tmp / "train-images-idx3-ubyte.gz"
        self.labels = self.tmp / "train-labels-idx1-ubyte.gz"
        _write_idx(self.images, rng.integers(0, 256, (60000, 28, 28)))
        _write_idx(self.labels, rng.integers(0, 10, 60000))
        self._load()  # warm the cache for time_cached_load

    def teardown(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _load(self) -> dict[str, np.ndarray]:
        return cached_arrays("bench_idx", [self.images, self.labels],
                             lambda: {"X": read_idx(self.images)[:, None], "y": read_idx(self.labels)})

    def time_first_parse(self) -> None:
        read_idx(self.images)
        read_idx(self.labels)

    def time_cached_load(self) -> None:
        a = self._load()
        image_split(a["X"][:50000], a["y"][:50000], a["X"][50000:], a["y"][50000:], transform="channel",
                    zca_reg=0.1, flatten=False, metadata={})


class ImagePreprocess:
    """Per-channel normalisation and ZCA whitening on CIFAR-shaped float32 images."""

    params = [["channel", "zca"]]
    param_names = ["transform"]
    timeout = 300

    def setup(self, transform: str) -> None:
        n, side = (10000, 32) if FULL else (2000, 16)
        self.X = np.random.default_rng(0).random((n, 3, side, side), dtype=np.float32)

    def time_transform(self, transform: str) -> None:
        preprocess.apply_inputs(transform, self.X, self.X[:100], zca_reg=0.1)

    def peakmem_transform(self, transform: str) -> None:
        preprocess.apply_inputs(transform, self.X, self.X[:100], zca_reg=0.1)


class SyntheticInputs:
    """Generating n x d synthetic inputs on the fly (the scaling-benchmark data source)."""

    params = [[100_000, 1_000_000] if FULL else [100_000], ["gaussian", "sphere"]]
    param_names = ["n", "distribution"]

    def time_inputs(self, n: int, distribution: str) -> None:
        synthetic.inputs(0, n, 32, distribution=distribution, seed=0)

    def peakmem_inputs(self, n: int, distribution: str) -> None:
        synthetic.inputs(0, n, 32, distribution=distribution, seed=0)
