"""CIFAR-10 in its two distributed forms: the official python pickle batches and a JPEG-folder tar.

* ``cifar-10-batches-py/data_batch_{1..5}``, ``test_batch``: pickled dicts with ``b"data"``
  ((10000, 3072) uint8, channel-major rows) and ``b"labels"``. Loaded with a restricted unpickler
  that only accepts builtin containers and numpy arrays.
* ``{train,test}.tar.gz`` holding ``<split>/<class name>/<number>.jpg`` 32x32 images (lossy).
"""

from __future__ import annotations

import io
import pickle
import tarfile
from pathlib import Path

import numpy as np

from ntkbench.data.errors import MalformedDataError

CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCHES = ("test_batch",)


class _SafeUnpickler(pickle.Unpickler):
    """Unpickler that refuses every global except numpy's array reconstruction helpers."""

    _ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
                ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "scalar"),
                ("numpy._core.multiarray", "scalar")}

    def find_class(self, module: str, name: str):  # noqa: D102
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load global {module}.{name}")


def read_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Images ((n, 3, 32, 32) uint8) and labels (int64) of one pickle batch."""
    try:
        with open(path, "rb") as fh:
            batch = _SafeUnpickler(fh, encoding="bytes").load()
    except (pickle.UnpicklingError, EOFError, ValueError) as exc:
        raise MalformedDataError(path, f"not a CIFAR-10 python batch ({exc})") from None
    if not isinstance(batch, dict) or b"data" not in batch or b"labels" not in batch:
        raise MalformedDataError(path, "batch dict lacks b'data' or b'labels'")
    data = np.asarray(batch[b"data"], dtype=np.uint8)
    labels = np.asarray(batch[b"labels"], dtype=np.int64)
    if data.ndim != 2 or data.shape[1] != 3072 or data.shape[0] != labels.shape[0]:
        raise MalformedDataError(path, f"expected (n, 3072) data and n labels, got {data.shape} and "
                                       f"{labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise MalformedDataError(path, "labels outside 0..9")
    return data.reshape(-1, 3, 32, 32), labels


def read_batches(folder: Path, names: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Concatenated images and labels of several batches in ``folder``."""
    parts = [read_batch(folder / name) for name in names]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def read_jpeg_tar(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Decode every ``<class>/<file>.jpg`` member of a tar(.gz) into (n, 3, 32, 32) uint8 and labels.

    Members are sorted by (class, numeric file name) so the order is deterministic. Needs Pillow.
    """
    from PIL import Image

    items: list[tuple[int, int, str, bytes]] = []
    with tarfile.open(path, "r:*") as tar:
        for member in tar:
            if not member.isfile() or not member.name.lower().endswith((".jpg", ".jpeg")):
                continue
            parts = Path(member.name).parts
            if len(parts) < 2 or parts[-2] not in CLASSES:
                raise MalformedDataError(path, f"member {member.name} is not under a CIFAR-10 class folder")
            stem = Path(parts[-1]).stem
            number = int(stem) if stem.isdigit() else -1
            fh = tar.extractfile(member)
            assert fh is not None
            items.append((CLASSES.index(parts[-2]), number, member.name, fh.read()))
    if not items:
        raise MalformedDataError(path, "no JPEG images found")
    items.sort()
    images = np.empty((len(items), 3, 32, 32), dtype=np.uint8)
    labels = np.empty(len(items), dtype=np.int64)
    for i, (label, _, name, blob) in enumerate(items):
        with Image.open(io.BytesIO(blob)) as img:
            arr = np.asarray(img.convert("RGB"))
        if arr.shape != (32, 32, 3):
            raise MalformedDataError(path, f"member {name} has shape {arr.shape}, expected 32x32 RGB")
        images[i] = arr.transpose(2, 0, 1)
        labels[i] = label
    return images, labels
