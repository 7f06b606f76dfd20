"""Penn Machine Learning Benchmarks layout: ``<name>/<name>.tsv.gz`` plus ``metadata.yaml``.

The TSV has a header row; the label column is named ``target`` (its position varies).
Only the ``task:`` line of ``metadata.yaml`` is needed, so it is read without a YAML library.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ntkbench.data.errors import MalformedDataError
from ntkbench.data.formats.text import open_text, read_numeric_table

TARGET = "target"


def read_task(path: Path) -> str:
    """``classification`` or ``regression`` from the ``task:`` line of ``metadata.yaml``."""
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            match = re.match(r"^task:\s*(\w+)", line)
            if match:
                task = match.group(1)
                if task not in ("classification", "regression"):
                    raise MalformedDataError(path, f"unknown task {task!r}")
                return task
    raise MalformedDataError(path, "no 'task:' line")


def read_table(path: Path) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Features (float32), raw target values (float64) and feature names of a PMLB ``.tsv.gz``."""
    with open_text(path) as fh:
        header = fh.readline().rstrip("\r\n").split("\t")
    if TARGET not in header:
        raise MalformedDataError(path, f"no '{TARGET}' column in the header", 1)
    table = read_numeric_table(path, delimiter="\t", skip_rows=1)
    if table.shape[1] != len(header):
        raise MalformedDataError(path, f"header has {len(header)} columns, rows have {table.shape[1]}")
    t = header.index(TARGET)
    features = [i for i in range(len(header)) if i != t]
    return table[:, features].astype(np.float32), table[:, t], [header[i] for i in features]


def encode_labels(values: np.ndarray, path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Map integer-coded class values (e.g. 1..3) to 0..c-1; returns (labels, original classes)."""
    if np.any(values != np.round(values)):
        raise MalformedDataError(path, "classification target holds non-integer values")
    classes, labels = np.unique(values, return_inverse=True)
    return labels.astype(np.int64), classes
