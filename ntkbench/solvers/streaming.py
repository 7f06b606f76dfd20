"""Ridge regression on features that do not fit in memory: normal equations streamed in chunks.

Features Φ (n, D) may be any array that can be sliced by rows: a numpy memory map of a
``transform(out=...)`` file, an ``.npy`` file opened with ``mmap_mode="r"``, or an in-memory array.
Rows are read ``chunk_rows`` at a time and ΦᵀΦ, ΦᵀY are accumulated in float64, so memory is
O(D² + chunk_rows·D), independent of n. One eigendecomposition of ΦᵀΦ then serves the whole ridge
grid (:class:`~ntkbench.solvers.ridge.RidgePath`), and the validation predictions for every ridge
come from one more pass over the validation rows. The result equals the in-memory primal solve of
:mod:`ntkbench.solvers.ridge` up to rounding.

scikit-learn's ``SGDRegressor.partial_fit`` streams too, but solves one ridge value only
approximately; dask-ml's solvers need a cluster array. The accumulation is a few lines, so it is
written here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from ntkbench.solvers.ridge import RidgeFit, RidgePath, _as_2d

#: Rows read per chunk: 4,096 rows of 8,192 float64 features are 256 MiB.
DEFAULT_CHUNK_ROWS = 4096


@dataclass
class NormalEquations:
    """ΦᵀΦ, ΦᵀY and the row count of a set of rows."""

    gram: np.ndarray
    moment: np.ndarray
    n: int

    def path(self) -> RidgePath:
        """One eigendecomposition for every ridge value."""
        return RidgePath.from_normal_equations(self.gram, self.moment, self.n)

    def fit(self, relative_ridge: float) -> RidgeFit:
        """The solve for one relative ridge (λ = relative_ridge · tr(ΦᵀΦ)/n)."""
        return RidgeFit.from_normal_equations(self.gram, self.moment, self.n, relative_ridge)


def _chunks(rows: np.ndarray, chunk_rows: int):
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows must be >= 1, got {chunk_rows}")
    for start in range(0, len(rows), chunk_rows):
        yield rows[start:start + chunk_rows]


def _rows(features, rows: np.ndarray | None) -> np.ndarray:
    if np.ndim(features) != 2:
        raise ValueError(f"features must be a 2-d array (n, D), got shape {np.shape(features)}")
    n = features.shape[0]
    if rows is None:
        return np.arange(n)
    rows = np.asarray(rows)
    if rows.size and (rows.min() < 0 or rows.max() >= n):
        raise ValueError(f"row indices must lie in [0, {n}), got [{rows.min()}, {rows.max()}]")
    return rows


def normal_equations(features, targets: np.ndarray, rows: np.ndarray | None = None,
                     chunk_rows: int = DEFAULT_CHUNK_ROWS) -> NormalEquations:
    """Accumulate ΦᵀΦ and ΦᵀY over ``rows`` (default: all) of ``features``, ``chunk_rows`` at a time.

    Parameters
    ----------
    features : array-like of shape (n, D)
        Any row-sliceable array; a memory map is read chunk by chunk, never whole.
    targets : ndarray of shape (n,) or (n, k)
        Targets of all n rows (small: k is 1 or the number of classes).
    rows : ndarray of int, optional
        The rows to use, best sorted (memory maps then read forward).
    chunk_rows : int, default=4096
    """
    rows = _rows(features, rows)
    Y = _as_2d(targets)
    if Y.shape[0] != features.shape[0]:
        raise ValueError(f"features have {features.shape[0]} rows but targets {Y.shape[0]}")
    D = features.shape[1]
    gram, moment = np.zeros((D, D)), np.zeros((D, Y.shape[1]))
    for chunk in _chunks(rows, chunk_rows):
        block = np.asarray(features[chunk], dtype=np.float64)
        gram += block.T @ block
        moment += block.T @ Y[chunk]
    return NormalEquations(gram, moment, len(rows))


def streamed_predict(features, weights: np.ndarray, rows: np.ndarray | None = None,
                     chunk_rows: int = DEFAULT_CHUNK_ROWS) -> np.ndarray:
    """Φ[rows] @ weights, chunk by chunk; ``weights`` (D, k) or (D, k, r) for r ridge values at once."""
    rows = _rows(features, rows)
    out = np.empty((len(rows),) + weights.shape[1:])
    done = 0
    for chunk in _chunks(rows, chunk_rows):
        block = np.asarray(features[chunk], dtype=np.float64)
        out[done:done + len(chunk)] = np.tensordot(block, weights, axes=1)
        done += len(chunk)
    return out


def select_ridge_streamed(features, targets: np.ndarray, fit_idx: np.ndarray, val_idx: np.ndarray,
                          grid: Sequence[float], score: Callable[[np.ndarray], float],
                          chunk_rows: int = DEFAULT_CHUNK_ROWS) -> tuple[float, dict[float, float]]:
    """:func:`ntkbench.solvers.selection.select_ridge` for features, streamed: the best relative
    ridge of ``grid`` fitted on ``fit_idx`` and scored by ``score(predictions)`` on ``val_idx``.

    One pass over the fit rows, one eigendecomposition, one pass over the validation rows for
    every ridge together. Ties go to the larger ridge.
    """
    path = normal_equations(features, targets, fit_idx, chunk_rows).path()
    # Weights of every ridge stacked on a last axis: U diag(1/(s + λ)) Uᵀ ΦᵀY.
    shrink = 1.0 / (path.eigenvalues[:, None] + np.asarray(grid)[None, :] * path.scale)
    weights = np.einsum("dr,rk,rg->dkg", path.basis, path.projected_targets, shrink)
    predictions = streamed_predict(features, weights, val_idx, chunk_rows)
    scores = {r: score(predictions[..., i]) for i, r in enumerate(grid)}
    best = max(grid, key=lambda r: (scores[r], r))
    return best, scores
