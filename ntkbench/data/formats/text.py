"""Plain numeric text tables (whitespace- or tab-separated, optionally gzipped)."""

from __future__ import annotations

import gzip
import io
import re
from pathlib import Path
from typing import IO

import numpy as np

from ntkbench.data.errors import MalformedDataError

_SEPARATORS = re.compile(r"[,;\s]+")


def is_number(text: str) -> bool:
    """Whether ``text`` parses as a float."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def open_text(path: Path | str) -> IO[str]:
    """Open a text file for reading, transparently gunzipping ``*.gz``."""
    path = Path(path)
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="strict")
    return open(path, encoding="utf-8")


def read_numeric_table(path: Path | str, *, delimiter: str | None = None, skip_rows: int = 0,
                       dtype: type = np.float64) -> np.ndarray:
    """Parse a numeric table into a 2-d array, naming the file and line of any malformed row.

    Parameters
    ----------
    path : Path or str
        Text file (``.gz`` allowed). Blank lines are ignored.
    delimiter : str, optional
        Column separator; None means any whitespace.
    skip_rows : int, default=0
        Header lines to skip.

    Raises
    ------
    MalformedDataError
        On a non-numeric field or a row whose column count differs from the first row.
    """
    rows: list[list[str]] = []
    width = None
    with open_text(path) as fh:
        for lineno, line in enumerate(fh, start=1):
            if lineno <= skip_rows:
                continue
            stripped = line.strip("\r\n")
            if not stripped.strip():
                continue
            fields = stripped.split(delimiter) if delimiter else stripped.split()
            if width is None:
                width = len(fields)
            elif len(fields) != width:
                raise MalformedDataError(path, f"expected {width} columns, found {len(fields)}", lineno)
            rows.append(fields)
    if not rows:
        raise MalformedDataError(path, "no data rows")
    try:
        return np.array(rows, dtype=dtype)
    except ValueError:
        for i, fields in enumerate(rows):
            try:
                np.array(fields, dtype=dtype)
            except ValueError as exc:
                lineno = _line_of_row(path, i, skip_rows)
                raise MalformedDataError(path, f"non-numeric value ({exc})", lineno) from None
        raise


def _line_of_row(path: Path | str, row: int, skip_rows: int) -> int:
    """1-based line number of the ``row``-th non-blank data row."""
    seen = -1
    with open_text(path) as fh:
        for lineno, line in enumerate(fh, start=1):
            if lineno <= skip_rows or not line.strip():
                continue
            seen += 1
            if seen == row:
                return lineno
    return -1


def read_index_list(path: Path | str) -> np.ndarray:
    """Integers, one per line or whitespace-separated (0-based indices); malformed ones name the line."""
    out: list[int] = []
    with open_text(path) as fh:
        for lineno, line in enumerate(fh, start=1):
            for tok in line.split():
                try:
                    value = float(tok)
                except ValueError:
                    raise MalformedDataError(path, f"not an integer: {tok!r}", lineno) from None
                if value != int(value):
                    raise MalformedDataError(path, f"not an integer: {tok!r}", lineno)
                out.append(int(value))
    return np.asarray(out, dtype=np.int64)


def read_index_lines(path: Path | str) -> list[np.ndarray]:
    """One integer array per non-blank line (e.g. ``conxuntos.dat``: train line, validation line)."""
    out: list[np.ndarray] = []
    with open_text(path) as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                out.append(np.array([int(t) for t in line.split()], dtype=np.int64))
            except ValueError as exc:
                raise MalformedDataError(path, f"not a list of integers ({exc})", lineno) from None
    return out


def read_integer_columns(path: Path | str) -> np.ndarray:
    """Integer table, shape (rows, columns), of a file with columns separated by ``,;`` or whitespace.

    Blank lines are ignored; a first line that is not all numbers is a header and is skipped.

    Raises
    ------
    MalformedDataError
        Naming the file and line of a row with a different column count or a non-integer value.
    """
    rows: list[tuple[int, list[str]]] = []
    with open_text(path) as fh:
        for lineno, line in enumerate(fh, start=1):
            fields = [f.strip("\"'") for f in _SEPARATORS.split(line.strip()) if f]
            if fields:
                rows.append((lineno, fields))
    if rows and not all(is_number(f) for f in rows[0][1]):
        rows = rows[1:]
    if not rows:
        raise MalformedDataError(path, "no rows of integers")
    width = len(rows[0][1])
    table = np.empty((len(rows), width), dtype=np.int64)
    for r, (lineno, fields) in enumerate(rows):
        if len(fields) != width:
            raise MalformedDataError(path, f"expected {width} columns, found {len(fields)}", lineno)
        for c, text in enumerate(fields):
            value = float(text) if is_number(text) else np.nan
            if not (np.isfinite(value) and value == int(value)):
                raise MalformedDataError(path, f"not an integer: {text!r}", lineno)
            table[r, c] = int(value)
    return table
