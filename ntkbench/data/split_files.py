"""Fixed train/test splits shipped as files: a test mask or a list of test rows, one column per split.

Two layouts are read:

* one file per split, its path holding ``{split}`` (the UCI layout of Hernández-Lobato & Adams 2015 /
  Gal & Ghahramani 2016: ``index_test_{split}.txt``, one row index per line); the file has one column;
* one file for all splits, one column per split (``split`` selects the column).

A *mask* column has one 0/1 entry per data row (1 = test row); an *index* column lists the 0-based
test rows. Every row not in the test set is a training row. Columns are separated by commas,
semicolons, tabs or spaces; a first line that is not all numbers is a header and is skipped.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ntkbench.data.formats.text import read_integer_columns

#: The two kinds of split file: 0/1 masks over the data rows, or 0-based test-row indices.
KINDS = ("test_mask", "test_index")
PLACEHOLDER = "{split}"


def split_path(template: str, split: int) -> str:
    """The file of split ``split``: ``{split}`` in ``template`` replaced by the number (else unchanged)."""
    return template.replace(PLACEHOLDER, str(split))


def fixed_split(path: Path, kind: str, split: int, n_rows: int, *,
                per_split_file: bool) -> tuple[np.ndarray, np.ndarray]:
    """Sorted train and test row indices of split ``split`` read from a split file.

    Parameters
    ----------
    path : Path
        The split file (for ``per_split_file``, already the file of this split).
    kind : {"test_mask", "test_index"}
        0/1 mask over the data rows, or 0-based test-row indices.
    split : int
        The split; selects the column unless ``per_split_file``.
    n_rows : int
        Number of data rows the split refers to.
    per_split_file : bool
        Whether the file holds this one split only (then it must have one column).

    Raises
    ------
    ValueError
        Naming the file and what is wrong: a split number beyond its columns, a mask whose length
        differs from ``n_rows`` or holding values other than 0/1, an index outside 0..n_rows-1 or
        repeated, or a split that leaves no training or no test row.
    """
    if kind not in KINDS:
        raise ValueError(f"split file kind must be one of {', '.join(KINDS)}, got {kind!r}")
    table = read_integer_columns(path)
    columns = table.shape[1]
    if per_split_file and columns != 1:
        raise ValueError(f"{path}: expected one column (the path names one file per split), found {columns}")
    column = 0 if per_split_file else split
    if not 0 <= column < columns:
        raise ValueError(f"{path}: split={split} is out of range; the file has {columns} column(s), "
                         f"splits 0..{columns - 1}")
    values = table[:, column]
    where = f"{path}, split {split}"
    if kind == "test_mask":
        if values.size != n_rows:
            raise ValueError(f"{where}: the mask has {values.size} entries but the data has {n_rows} rows")
        bad = values[(values != 0) & (values != 1)]
        if bad.size:
            raise ValueError(f"{where}: a mask holds only 0 (train) and 1 (test), found {bad[0]}")
        test = np.flatnonzero(values == 1)
    else:
        outside = values[(values < 0) | (values >= n_rows)]
        if outside.size:
            raise ValueError(f"{where}: test index {outside[0]} is out of range for {n_rows} data rows "
                             f"(0-based, 0..{n_rows - 1})")
        test, counts = np.unique(values, return_counts=True)
        if np.any(counts > 1):
            raise ValueError(f"{where}: test index {test[counts > 1][0]} is listed more than once")
    if test.size == 0 or test.size == n_rows:
        side = "no test" if test.size == 0 else "no training"
        raise ValueError(f"{where}: the split leaves {side} rows out of {n_rows}")
    return np.setdiff1d(np.arange(n_rows), test), test

