"""User files: delimited text (CSV/TSV), svmlight/LIBSVM and ``.npz`` arrays."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import numpy as np

from ntkbench.data.errors import MalformedDataError
from ntkbench.data.formats.text import is_number, open_text

_NPZ_LAYOUTS = (("X_train", "y_train", "X_test", "y_test"), ("arr_0", "arr_1", "arr_2", "arr_3"))


def read_delimited(path: Path, *, target: str | int = -1, delimiter: str = "auto",
                   header: str | bool = "auto") -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Parse a CSV/TSV file (``.gz`` allowed) into features, raw target strings and column names.

    Parameters
    ----------
    target : str or int, default=-1
        Target column: a header name, or a 0-based position (negative counts from the end).
    delimiter : str, default="auto"
        One character; ``" "`` means any run of spaces and tabs. ``"auto"``: tab for ``.tsv``/``.tab``
        files, else sniffed from the first line among ``,;\\t`` and space.
    header : bool or "auto", default="auto"
        Whether the first line names the columns; ``"auto"``: yes if any of its fields is not a number.

    Returns
    -------
    X : ndarray of float32, shape (n, d)
    target_values : ndarray of str, shape (n,)
    names : list of str
        Feature column names (``c<i>`` when there is no header).

    Raises
    ------
    MalformedDataError
        Naming the file and line of a row with the wrong field count or a non-numeric feature.
    ValueError
        For an invalid ``delimiter`` or ``header``, or a ``target`` that names no column.
    """
    if delimiter != "auto" and (not isinstance(delimiter, str) or len(delimiter) != 1):
        raise ValueError(f"{path}: delimiter must be 'auto' or one character such as ',', ';', '\\t' or ' ', "
                         f"got {delimiter!r}")
    if header not in ("auto", True, False):
        raise ValueError(f"{path}: header must be true, false or 'auto', got {header!r}")
    with open_text(path) as fh:
        sample = fh.read(65536)
    suffixes = [s.lower() for s in Path(path).suffixes]
    if delimiter == "auto":
        if ".tsv" in suffixes or ".tab" in suffixes:
            delimiter = "\t"
        else:
            try:
                delimiter = csv.Sniffer().sniff(sample.splitlines()[0] if sample else ",", ",;\t ").delimiter
            except csv.Error:
                delimiter = ","
    whitespace = delimiter == " "  # any run of spaces and tabs, leading and trailing ones ignored
    rows: list[tuple[int, list[str]]] = []
    with open_text(path) as fh:
        lines = (line.replace("\t", " ") for line in fh) if whitespace else fh
        reader = csv.reader(lines, delimiter=delimiter, skipinitialspace=whitespace)
        for fields in reader:
            if whitespace:
                fields = [f for f in fields if f]
            if fields and any(f.strip() for f in fields):
                rows.append((reader.line_num, [f.strip() for f in fields]))
    if not rows:
        raise MalformedDataError(path, "no rows")
    first = rows[0][1]
    has_header = (not all(is_number(f) for f in first)) if header == "auto" else bool(header)
    names = first if has_header else [f"c{i}" for i in range(len(first))]
    body = rows[1:] if has_header else rows
    width = len(names)
    if isinstance(target, str) and not re.fullmatch(r"\s*[+-]?\d+\s*", target):
        if target not in names:
            raise ValueError(f"{path}: no column named {target!r}; columns: {', '.join(names)}")
        t = names.index(target)
    else:
        t = int(target)
        if not -width <= t < width:
            raise ValueError(f"{path}: target column {t} out of range for {width} columns")
        t %= width
    feats = [i for i in range(width) if i != t]
    X = np.empty((len(body), width - 1), dtype=np.float32)
    y = np.empty(len(body), dtype=object)
    for r, (line, fields) in enumerate(body):
        if len(fields) != width:
            raise MalformedDataError(path, f"expected {width} fields, found {len(fields)}", line)
        try:
            X[r] = [float(fields[i]) for i in feats]
        except ValueError:
            bad = next(fields[i] for i in feats if not is_number(fields[i]))
            raise MalformedDataError(path, f"non-numeric feature value {bad!r}", line) from None
        y[r] = fields[t]
    return X, y.astype(str), [names[i] for i in feats]


def infer_task(values: np.ndarray, max_classes: int = 50) -> str:
    """``classification`` for non-numeric targets or integers with at most ``max_classes`` values."""
    values = np.asarray(values)
    if values.dtype.kind in "US":
        if not all(is_number(v) for v in values):
            return "classification"
        values = values.astype(np.float64)
    numeric = np.asarray(values, dtype=np.float64)
    if np.all(numeric == np.round(numeric)) and np.unique(numeric).size <= max_classes:
        return "classification"
    return "regression"


def encode_target(values: np.ndarray, task: str, path: Path) -> tuple[np.ndarray, list[Any]]:
    """Class labels 0..c-1 (classes sorted, numerically when numeric) or float targets."""
    values = np.asarray(values)
    if task == "regression":
        try:
            return values.astype(np.float64), []
        except ValueError:
            raise MalformedDataError(path, "regression target holds non-numeric values") from None
    if values.dtype.kind in "US" and all(is_number(v) for v in values):
        values = values.astype(np.float64)
    classes, labels = np.unique(values, return_inverse=True)
    return labels.astype(np.int64), classes.tolist()


def read_svmlight(paths: list[Path], n_features: int | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """Dense float32 features and raw targets of svmlight/LIBSVM files read together (via scikit-learn).

    Reading the files in one call makes them agree: the feature count is the largest over all files
    (unless ``n_features`` is given) and whether indices start at 0 or 1 is decided once for all of
    them (one-based unless some file uses index 0), so a test file lines up with its training file.
    """
    from sklearn.datasets import load_svmlight_files

    try:
        loaded = load_svmlight_files([str(p) for p in paths], n_features=n_features, dtype=np.float32)
    except ValueError as exc:
        where = ", ".join(map(str, paths))
        raise MalformedDataError(where, f"not a valid svmlight/LIBSVM file ({exc})") from None
    return [(np.asarray(X.toarray(), dtype=np.float32), np.asarray(y, dtype=np.float64))
            for X, y in zip(loaded[::2], loaded[1::2])]


def read_npz(path: Path) -> dict[str, np.ndarray]:
    """Arrays of an ``.npz`` file in one of the accepted layouts (no pickled objects).

    Accepted: ``X_train, y_train, X_test, y_test`` (+ optional ``X_val, y_val``); paper 2's
    ``arr_0..arr_3`` (Xtrain, Ytrain, Xtest, Ytest); or ``X, y`` (split by the adapter).
    Returned keys are ``X_train ...`` or ``X, y``.
    """
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
    except (OSError, ValueError) as exc:
        raise MalformedDataError(path, f"cannot read as .npz ({exc})") from None
    for layout in _NPZ_LAYOUTS:
        if all(k in arrays for k in layout):
            out = dict(zip(_NPZ_LAYOUTS[0], (arrays[k] for k in layout)))
            if "X_val" in arrays and "y_val" in arrays:
                out["X_val"], out["y_val"] = arrays["X_val"], arrays["y_val"]
            return out
    if "X" in arrays and "y" in arrays:
        return {"X": arrays["X"], "y": arrays["y"]}
    raise MalformedDataError(path, f"expected arrays X_train/y_train/X_test/y_test, arr_0..arr_3 or X/y; "
                                   f"found {', '.join(sorted(arrays)) or 'none'}")
