"""Readers for the UCI files of paper 1's regression experiment (spec §2.4), parsed with pandas.

* CT slices (UCI 206): ``slice_localization_data.csv``, header; column 0 = patientId (dropped),
  last column = ``reference`` (target), 384 features in between.
* WorkLoads (UCI 493): ``Range-Queries-Aggregates.csv``, header; column 0 is an index (dropped);
  duplicate rows removed (``np.unique``), rows with a missing value removed; target = last column.
* YearPredictionMSD (UCI 203): ``YearPredictionMSD.txt``, no header; column 0 = year (the target here,
  unlike paper 1's code, which drops it and regresses the first timbre feature), 90 features.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ntkbench.data.errors import MalformedDataError


def _read_csv(path: Path, header: int | None) -> np.ndarray:
    import pandas as pd

    try:
        frame = pd.read_csv(path, header=header, sep=",", engine="c", low_memory=False)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise MalformedDataError(path, f"cannot parse as CSV ({exc})") from None
    bad = [c for c in frame.columns if not np.issubdtype(frame[c].dtype, np.number)]
    if bad:
        column = bad[0]
        values = pd.to_numeric(frame[column], errors="coerce")
        row = int(np.flatnonzero(values.isna() & frame[column].notna())[0])
        line = row + 1 + (1 if header is not None else 0)
        raise MalformedDataError(path, f"non-numeric value {frame[column].iloc[row]!r} in column {column!r}",
                                 line)
    return frame.to_numpy(dtype=np.float64)


def read_ct(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """CT slices: (53500, 384) features and the axial location (``reference``)."""
    table = _read_csv(path, header=0)
    if table.shape[1] < 3:
        raise MalformedDataError(path, f"expected patientId, features and reference; got {table.shape[1]} columns")
    return table[:, 1:-1].astype(np.float32), table[:, -1]


def read_workloads(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """WorkLoads range-query aggregates: unique rows without missing values, target = last column."""
    table = _read_csv(path, header=0)[:, 1:]
    table = np.unique(table, axis=0)
    table = table[~np.isnan(table).any(axis=1)]
    return table[:, :-1].astype(np.float32), table[:, -1]


def read_msd(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """YearPredictionMSD: (515345, 90) timbre features and the release year (target)."""
    table = _read_csv(path, header=None)
    if table.shape[1] != 91:
        raise MalformedDataError(path, f"expected 91 columns (year + 90 features), got {table.shape[1]}")
    return table[:, 1:].astype(np.float32), table[:, 0]


def drop_constant_columns(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Remove zero-variance columns (computed on all rows, as paper 1 does); returns (X, kept columns)."""
    keep = np.flatnonzero(np.asarray(X).std(axis=0) > 0)
    return np.asarray(X)[:, keep], keep
