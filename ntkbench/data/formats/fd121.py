"""Fernández-Delgado et al. (JMLR 2014) preprocessed UCI classification layout (``uci_fd121``).

Per dataset folder ``<name>/``: ``<name>.txt`` (``key= value`` metadata), ``fich1`` data file
(``*_R.dat[.gz]``: header line, then ``row-id  features...  label`` tab-separated), optional
``fich2`` (official test file), ``conxuntos.dat`` (train line, validation line) and
``conxuntos_kfold.dat`` (4 x (train line, test line)); indices are 0-based rows of ``fich1``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ntkbench.data.errors import MalformedDataError
from ntkbench.data.formats.text import read_index_lines, read_numeric_table


def read_meta(path: Path) -> dict[str, str]:
    """The ``key= value`` pairs of ``<name>.txt`` (keys without the ``=``)."""
    meta: dict[str, str] = {}
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            key, sep, value = line.partition("=")
            if not sep:
                raise MalformedDataError(path, f"expected 'key= value', got {line.strip()!r}", lineno)
            meta[key.strip()] = value.strip()
    for key in ("n_entradas", "n_clases", "fich1", "n_patrons1"):
        if key not in meta:
            raise MalformedDataError(path, f"missing key '{key}='")
    return meta


def locate(folder: Path, filename: str) -> Path:
    """``folder/filename`` or its gzipped copy ``filename.gz`` (files > 1 MiB were gzipped)."""
    plain = folder / filename
    return plain if plain.exists() else folder / f"{filename}.gz"


def read_data(path: Path, d: int, n_classes: int, n_rows: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Features (float32, (n, d)) and labels (int64) of one ``*_R.dat`` file, checked against the metadata."""
    table = read_numeric_table(path, delimiter="\t", skip_rows=1)
    if table.shape[1] != d + 2:
        raise MalformedDataError(path, f"expected {d + 2} columns (id, {d} features, class), got {table.shape[1]}")
    if n_rows is not None and table.shape[0] != n_rows:
        raise MalformedDataError(path, f"expected {n_rows} rows (n_patrons), got {table.shape[0]}")
    labels = table[:, -1]
    if np.any(labels != np.round(labels)) or labels.min() < 0 or labels.max() >= n_classes:
        raise MalformedDataError(path, f"class labels must be integers in 0..{n_classes - 1}")
    return table[:, 1:-1].astype(np.float32), labels.astype(np.int64)


def read_index_sets(path: Path, expected_lines: int, n_rows: int) -> list[np.ndarray]:
    """Index lines of ``conxuntos*.dat``, checked for count and range."""
    lines = read_index_lines(path)
    if len(lines) != expected_lines:
        raise MalformedDataError(path, f"expected {expected_lines} index lines, got {len(lines)}")
    for i, idx in enumerate(lines, start=1):
        if idx.size == 0 or idx.min() < 0 or idx.max() >= n_rows:
            raise MalformedDataError(path, f"row indices must lie in 0..{n_rows - 1}", i)
    return lines
