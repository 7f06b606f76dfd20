"""A cell's features in memory, or in a ``.npy`` file when they would not fit.

The harness asks a features method for its training and test features. When n × D of them would
take more than the feature memory budget, they are written chunk by chunk into files in the
cell's scratch folder (:func:`ntkbench.features.chunked.transform_to_file`) and the ridge solve
streams them (:mod:`ntkbench.solvers.streaming`). Both paths compute the same numbers up to
rounding, so the budget is a hardware setting and not part of a cell's key.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import psutil

from ntkbench.contracts import Method
from ntkbench.features.chunked import transform_to_file

#: Environment variable: the feature memory budget in MiB (default: a quarter of the memory
#: available when the cell starts).
BUDGET_ENV = "NTKBENCH_FEATURE_MEMORY_MB"
#: Bytes of features per chunk on the out-of-core path.
CHUNK_BYTES = 64 * 2 ** 20


def feature_budget_bytes() -> float:
    """The feature memory budget: ``NTKBENCH_FEATURE_MEMORY_MB`` MiB, else a quarter of available memory.

    Raises
    ------
    ValueError
        If the variable is set to something other than a non-negative number.
    """
    value = os.environ.get(BUDGET_ENV)
    if value is None or not value.strip():
        return psutil.virtual_memory().available / 4
    try:
        megabytes = float(value)
    except ValueError:
        megabytes = -1.0
    if not megabytes >= 0:
        raise ValueError(f"{BUDGET_ENV}={value!r}: expected a number of MiB >= 0")
    return megabytes * 2 ** 20


def featurize(method: Method, X: np.ndarray, *, name: str, directory: Path, budget: float) -> np.ndarray:
    """``method.transform(X)``: an in-memory array when n × D fits in ``budget`` bytes, else a
    read-only memory map of ``directory/<name>.npy`` written chunk by chunk.

    Two rows are transformed first to learn D and the dtype (negligible next to the whole).
    """
    probe = np.asarray(method.transform(X[:2]))
    if probe.ndim != 2:
        raise ValueError(f"transform returned shape {probe.shape}, expected (rows, n_features_out)")
    row_bytes = probe.shape[1] * probe.dtype.itemsize
    if len(X) * row_bytes <= budget:
        return np.asarray(method.transform(X))
    directory.mkdir(parents=True, exist_ok=True)
    return transform_to_file(method, X, directory / f"{name}.npy", chunk_rows=max(1, CHUNK_BYTES // row_bytes))
