"""The UCI regression benchmark layout of Hernández-Lobato & Adams (2015) / Gal & Ghahramani (2016).

One folder per dataset: ``data.txt[.gz]`` (whitespace table), ``index_features.txt``,
``index_target.txt`` (0-based columns), ``n_splits.txt`` and ``index_{train,test}_<k>.txt``
(0-based rows).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ntkbench.data.errors import MalformedDataError
from ntkbench.data.formats.text import read_index_list, read_numeric_table


def data_file(folder: Path) -> Path:
    """``data.txt`` or, when gzipped, ``data.txt.gz`` in ``folder``."""
    plain = folder / "data.txt"
    return plain if plain.exists() else folder / "data.txt.gz"


def read_xy(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    """Features (float32) and target (float64) of all rows, selected by the index files."""
    table = read_numeric_table(data_file(folder))
    features = read_index_list(folder / "index_features.txt")
    target = read_index_list(folder / "index_target.txt")
    if target.size != 1:
        raise MalformedDataError(folder / "index_target.txt", f"expected one target column, got {target.size}")
    for path, cols in ((folder / "index_features.txt", features), (folder / "index_target.txt", target)):
        if cols.min() < 0 or cols.max() >= table.shape[1]:
            raise MalformedDataError(path, f"column index out of range for {table.shape[1]} columns")
    return table[:, features].astype(np.float32), table[:, int(target[0])].astype(np.float64)


def n_splits(folder: Path) -> int:
    """Number of fixed splits (``n_splits.txt``)."""
    values = read_index_list(folder / "n_splits.txt")
    if values.size != 1:
        raise MalformedDataError(folder / "n_splits.txt", "expected a single integer")
    return int(values[0])


def read_split(folder: Path, k: int, n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Train and test row indices of split ``k``, checked to be in range and disjoint."""
    train = read_index_list(folder / f"index_train_{k}.txt")
    test = read_index_list(folder / f"index_test_{k}.txt")
    for name, idx in (("train", train), ("test", test)):
        if idx.size == 0 or idx.min() < 0 or idx.max() >= n_rows:
            raise MalformedDataError(folder / f"index_{name}_{k}.txt",
                                     f"row indices must lie in 0..{n_rows - 1}")
    if np.intersect1d(train, test).size:
        raise MalformedDataError(folder / f"index_test_{k}.txt", "test rows overlap the training rows")
    return train, test
