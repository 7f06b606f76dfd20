"""The exact-kernel cache: exact kernel matrices of evaluation subsets, kept on disk next to the store.

A matrix is stored as ``<key>.npy`` where the key hashes the kernel's canonical name and the
evaluation points, so every method scored against the same kernel on the same points shares it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from ntkbench.contracts import TargetKernel


class ExactKernelCache:
    """Exact kernel matrices by kernel name and data, in memory (the last one) and on disk.

    Parameters
    ----------
    directory : path-like, optional
        Folder of the ``.npy`` files; None keeps only the in-memory copy.
    """

    def __init__(self, directory: str | Path | None) -> None:
        self.directory = None if directory is None else Path(directory)
        self._last: tuple[str, np.ndarray] | None = None

    @staticmethod
    def key(target: TargetKernel, X: np.ndarray) -> str:
        """Hash of the kernel's canonical name and of ``X`` (shape, dtype and bytes)."""
        digest = hashlib.sha256(target.name.encode())
        digest.update(str((X.shape, X.dtype.str)).encode())
        digest.update(np.ascontiguousarray(X).tobytes())
        return digest.hexdigest()[:32]

    def gram(self, target: TargetKernel, X: np.ndarray) -> np.ndarray:
        """``target(X, X)``, computed once and then read from the cache."""
        key = self.key(target, X)
        if self._last is not None and self._last[0] == key:
            return self._last[1]
        path = None if self.directory is None else self.directory / f"{key}.npy"
        if path is not None and path.is_file():
            K = np.load(path)
        else:
            K = target(X, X)
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(".tmp.npy")
                np.save(tmp, K)
                tmp.replace(path)  # atomic: a killed run never leaves a truncated cache file
        self._last = (key, K)
        return K
