"""Parsed-once array cache: source files are parsed the first time, then memory-mapped from ``.npy``.

Entries live in :func:`ntkbench.data.home.cache_dir` under ``<dataset>/<key>/``, where the key hashes
the source files' absolute paths, sizes and modification times and a parser version, so editing or
replacing a source file (or changing a parser) invalidates the entry. Writes are atomic (a temporary
folder renamed into place), so concurrent workers never read a half-written cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np

from ntkbench.data.home import cache_dir


def cache_key(sources: Sequence[Path], extra: str = "") -> str:
    """A short hash of the source files' identity (path, size, mtime) and ``extra``."""
    h = hashlib.sha256(extra.encode())
    for src in sources:
        st = Path(src).stat()
        h.update(f"{Path(src).resolve()}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:20]


def cached_arrays(dataset: str, sources: Sequence[Path], build: Callable[[], Mapping[str, np.ndarray]],
                  *, version: str = "1", extra: str = "", mmap: bool = True) -> dict[str, np.ndarray]:
    """Arrays built from ``sources`` by ``build``, parsed once and then read from the cache.

    Parameters
    ----------
    dataset : str
        Folder name inside the cache.
    sources : sequence of Path
        Files ``build`` reads; their identity is part of the key.
    build : callable
        Returns a mapping of array name -> ndarray (numeric, not object).
    version : str
        Parser version; bump it when ``build`` changes its output.
    extra : str
        Further key material (e.g. a sub-dataset name or a decoding option).
    mmap : bool, default=True
        Return read-only memory maps (cheap for large arrays) instead of in-memory copies.

    Returns
    -------
    dict of str -> ndarray
    """
    key = cache_key(sources, f"{version}|{extra}")
    folder = cache_dir() / dataset / key
    manifest = folder / "arrays.json"
    if manifest.is_file():
        try:
            names = json.loads(manifest.read_text())
            return {n: np.load(folder / f"{n}.npy", mmap_mode="r" if mmap else None) for n in names}
        except (OSError, ValueError):
            pass  # damaged entry: rebuild below
    arrays = {k: np.asarray(v) for k, v in build().items()}
    try:
        _write(folder, arrays)
    except OSError as exc:
        warnings.warn(f"could not write the data cache at {folder} ({exc}); set NTKBENCH_CACHE to a "
                      "writable folder to parse this dataset only once", RuntimeWarning, stacklevel=2)
        return arrays
    if not mmap:
        return arrays
    return {n: np.load(folder / f"{n}.npy", mmap_mode="r") for n in arrays}


def _write(folder: Path, arrays: Mapping[str, np.ndarray]) -> None:
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=folder.parent))
    try:
        for name, arr in arrays.items():
            np.save(tmp / f"{name}.npy", arr, allow_pickle=False)
        (tmp / "arrays.json").write_text(json.dumps(list(arrays)))
        try:
            os.replace(tmp, folder)
        except OSError:
            if not (folder / "arrays.json").is_file():  # lost a race to another writer: theirs is fine
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
