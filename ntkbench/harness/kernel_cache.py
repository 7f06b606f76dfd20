"""The exact-kernel cache: exact kernel matrices of evaluation subsets, kept on disk next to the store.

A matrix is stored as ``<key>.npy`` where the key hashes the kernel's canonical name, a fingerprint
of the code that computes it and the evaluation points, so every method scored against the same
kernel on the same points shares it. Writers go through their own temporary file and an atomic
rename, so processes computing the same matrix at once never clash and readers never see half a
file. The folder is bounded: when it grows past the bound, the least recently used matrices go.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ntkbench.contracts import TargetKernel

SIZE_VARIABLE = "NTKBENCH_KERNEL_CACHE_MB"
DEFAULT_MAX_MB = 4096.0
# A temporary file this old belongs to a write that was killed, not to one in progress.
_STALE_WRITE_S = 3600.0


@dataclass(frozen=True)
class CacheEntry:
    """One cached matrix on disk: its file, size in bytes and last use (Unix time)."""

    path: Path
    size: int
    last_used: float

    @property
    def last_used_text(self) -> str:
        """Last use as an ISO date and time (UTC, to the second)."""
        return _dt.datetime.fromtimestamp(self.last_used, _dt.timezone.utc).isoformat(timespec="seconds")


def max_mb_from_environment() -> float:
    """The size bound in MiB from ``$NTKBENCH_KERNEL_CACHE_MB`` (default 4096).

    Raises
    ------
    ValueError
        If the variable is set but is not a non-negative number.
    """
    text = os.environ.get(SIZE_VARIABLE, "").strip()
    if not text:
        return DEFAULT_MAX_MB
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:  # also rejects nan
        raise ValueError(f"{SIZE_VARIABLE} must be a size in MiB (a number >= 0), got {text!r}")
    return value


class ExactKernelCache:
    """Exact kernel matrices by kernel name, code and data, in memory (the last one) and on disk.

    Parameters
    ----------
    directory : path-like, optional
        Folder of the ``.npy`` files; None keeps only the in-memory copy.
    max_mb : float, optional
        Bound on the folder's ``.npy`` files in MiB; after each write the least recently used
        files (other than the one just written) are removed until the folder fits. Default:
        ``$NTKBENCH_KERNEL_CACHE_MB``, else 4096.
    """

    def __init__(self, directory: str | Path | None, max_mb: float | None = None) -> None:
        self.directory = None if directory is None else Path(directory)
        self.max_bytes = int((max_mb_from_environment() if max_mb is None else max_mb) * 2**20)
        self._last: tuple[str, np.ndarray] | None = None

    @staticmethod
    def key(target: TargetKernel, X: np.ndarray, code: str = "") -> str:
        """Hash of the kernel's canonical name, of ``code`` (a fingerprint of the kernel's
        implementation) and of ``X`` (shape, dtype and bytes)."""
        digest = hashlib.sha256(target.name.encode())
        if code:  # without one, keys stay those of caches written before fingerprints existed
            digest.update(b"\0" + code.encode() + b"\0")
        digest.update(str((X.shape, X.dtype.str)).encode())
        digest.update(np.ascontiguousarray(X).tobytes())
        return digest.hexdigest()[:32]

    def gram(self, target: TargetKernel, X: np.ndarray, code: str = "") -> np.ndarray:
        """``target(X, X)``, computed once and then read from the cache."""
        key = self.key(target, X, code)
        if self._last is not None and self._last[0] == key:
            return self._last[1]
        K = None if self.directory is None else self._load(self.directory / f"{key}.npy")
        if K is None:
            K = target(X, X)
            if self.directory is not None:
                self._save(self.directory / f"{key}.npy", K)
        self._last = (key, K)
        return K

    def entries(self) -> list[CacheEntry]:
        """The cached matrices on disk, least recently used first."""
        if self.directory is None or not self.directory.is_dir():
            return []
        found = []
        for path in self.directory.glob("*.npy"):
            try:
                stat = path.stat()
            except FileNotFoundError:  # removed by another process meanwhile
                continue
            found.append(CacheEntry(path, stat.st_size, stat.st_mtime))
        return sorted(found, key=lambda entry: (entry.last_used, entry.path.name))

    def clear(self, older_than_days: float | None = None) -> list[CacheEntry]:
        """Remove the cached matrices (all, or those last used more than ``older_than_days`` ago)
        and the temporary files that interrupted writes left over an hour ago; return the removed
        matrices."""
        if older_than_days is not None and not older_than_days >= 0:
            raise ValueError(f"older_than_days must be a number of days >= 0, got {older_than_days}")
        if self.directory is None or not self.directory.is_dir():
            return []
        cutoff = None if older_than_days is None else time.time() - older_than_days * 86400
        removed = [e for e in self.entries() if cutoff is None or e.last_used < cutoff]
        for entry in removed:
            entry.path.unlink(missing_ok=True)
        for stale in self.directory.glob("*.npy.tmp"):
            try:
                if stale.stat().st_mtime < time.time() - _STALE_WRITE_S:
                    stale.unlink()
            except FileNotFoundError:  # its write just finished
                continue
        return removed

    @staticmethod
    def _load(path: Path) -> np.ndarray | None:
        """The matrix at ``path`` with its last use set to now, or None if there is none (or it is
        not a readable matrix)."""
        try:
            K = np.load(path)
            os.utime(path)  # least recently used order: a hit counts as a use
        except FileNotFoundError:  # never written, or evicted by another process meanwhile
            return None
        except (ValueError, EOFError):  # damaged (e.g. by a disk error): computed and written anew
            return None
        return K

    def _save(self, path: Path, K: np.ndarray) -> None:
        """Write ``K`` through a temporary file of this writer alone, then rename it atomically."""
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile(dir=path.parent, prefix=path.stem + ".", suffix=".npy.tmp",
                                             delete=False)
        try:
            with handle:
                np.save(handle, K)
            os.replace(handle.name, path)  # a killed or concurrent writer never leaves a truncated file
        except BaseException:
            Path(handle.name).unlink(missing_ok=True)
            raise
        self._evict(keep=path)

    def _evict(self, keep: Path) -> None:
        """Remove least recently used matrices, never ``keep``, until the folder fits the bound."""
        entries = self.entries()
        excess = sum(e.size for e in entries) - self.max_bytes
        for entry in entries:
            if excess <= 0:
                break
            if entry.path != keep:
                entry.path.unlink(missing_ok=True)
                excess -= entry.size
