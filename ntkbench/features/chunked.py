"""Out-of-core featurization: any transformer applied chunk by chunk into a ``.npy`` file on disk.

The NTK feature maps of this package already write into a preallocated ``out=`` array batch by
batch; this module does the same for any object with a ``transform`` method (a scikit-learn
transformer, a method adapter), reading inputs that are themselves larger than memory (a numpy
memory map, or a Dask array, whose chunks are computed one slice at a time). Memory beyond the
output file stays O(chunk_rows × n_features_out).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np


def transform_to_file(transformer: Any, X: Any, path: str | Path, *, chunk_rows: int = 4096,
                      first: np.ndarray | None = None) -> np.memmap:
    """Write ``transformer.transform(X)`` into the ``.npy`` file ``path``, ``chunk_rows`` rows at a time.

    The file is written under a temporary name and renamed to ``path`` only once every chunk is in
    and finite, so a file at ``path`` is always complete; on any error the partial file is removed.

    Parameters
    ----------
    transformer : object with ``transform(X_chunk) -> (rows, D) array``
    X : array-like of shape (n, ...)
        Sliced by rows; a numpy memory map or a Dask array is read one chunk at a time.
    path : str or Path
        Destination ``.npy`` file (opened afterwards with ``numpy.load(path, mmap_mode="r")``).
    chunk_rows : int, default=4096
    first : ndarray, optional
        ``transformer.transform(X[:k])`` if the caller already has it (its rows are not recomputed).

    Returns
    -------
    numpy.memmap of shape (n, D), read-only.

    Raises
    ------
    ValueError
        If a chunk's features are not 2-d with n rows of the same width, or not finite.
    """
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows must be >= 1, got {chunk_rows}")
    path = Path(path)
    n = len(X)
    head = _chunk_features(transformer, X, 0, min(chunk_rows, n)) if first is None else np.asarray(first)
    if head.ndim != 2:
        raise ValueError(f"transform returned shape {head.shape}, expected (rows, n_features_out)")
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        out = np.lib.format.open_memmap(partial, mode="w+", dtype=head.dtype, shape=(n, head.shape[1]))
        _store(out, 0, head)
        for start in range(len(head), n, chunk_rows):
            stop = min(start + chunk_rows, n)
            _store(out, start, _chunk_features(transformer, X, start, stop))
        out.flush()
        del out
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return np.load(path, mmap_mode="r")


def _chunk_features(transformer: Any, X: Any, start: int, stop: int) -> np.ndarray:
    return np.asarray(transformer.transform(np.asarray(X[start:stop])))


def _store(out: np.ndarray, start: int, features: np.ndarray) -> None:
    rows = slice(start, start + len(features))
    if features.ndim != 2 or features.shape[1] != out.shape[1] or rows.stop > len(out):
        raise ValueError(f"transform of rows {start}.. returned shape {features.shape}, "
                         f"expected ({min(len(out) - start, len(features))}, {out.shape[1]})")
    if not np.all(np.isfinite(features)):
        raise ValueError(f"transform of rows {start}..{rows.stop} returned NaN or infinite values")
    out[rows] = features
