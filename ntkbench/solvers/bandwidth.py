"""Choosing the bandwidth of a Gaussian or Laplace kernel: the median heuristic, or kernel ridge
regression on a validation split for every bandwidth of a grid and every ridge of a grid (one
eigendecomposition per bandwidth)."""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from ntkbench.kernels.stationary import check_kernel, median_bandwidth, stationary_kernel
from ntkbench.solvers.protocol import ValidationProtocol
from ntkbench.solvers.ridge import RidgePath

#: The grid of ``bandwidth="select"``: the median-heuristic bandwidth times these factors.
BANDWIDTH_FACTORS = (0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
#: Relative ridges each bandwidth is fitted with (the harness's default grid).
BANDWIDTH_RIDGE_GRID = tuple(float(v) for v in np.logspace(-6, 1, 15))
BANDWIDTH_RULES = ("median", "select")


def resolve_bandwidth(setting: str | float, X: np.ndarray, y: np.ndarray | None, *, kernel: str,
                      protocol: ValidationProtocol | None = None, seed: int = 0) -> tuple[float, dict[float, float]]:
    """The bandwidth σ that ``setting`` stands for on the training data, and the validation scores.

    Parameters
    ----------
    setting : "median", "select" or float
        ``"median"``: the median heuristic, σ = the median distance between training rows (at most
        1,000 of them, :func:`~ntkbench.kernels.stationary.median_bandwidth`); ``"select"``: the best
        of the median times :data:`BANDWIDTH_FACTORS` by exact kernel ridge on the validation rows
        of ``protocol`` (:func:`select_bandwidth`); a positive number is used as it is.
    X : ndarray of shape (n, d)
    y : ndarray, optional
        Needed by ``"select"``.
    kernel : {"gaussian", "laplace"}
    protocol : ValidationProtocol, optional
        Validation rows, target encoding and score (default: regression, 20 % hold-out).
    seed : int

    Returns
    -------
    bandwidth : float
    scores : dict
        Validation score of each bandwidth tried (empty unless ``"select"``).
    """
    check_kernel(kernel)
    if isinstance(setting, str):
        if setting not in BANDWIDTH_RULES:
            raise ValueError(f"bandwidth must be 'median', 'select' or a positive number, got {setting!r}")
        median = median_bandwidth(X, seed=seed)
        if setting == "median":
            return median, {}
        if y is None:
            raise ValueError("bandwidth='select' scores bandwidths on validation rows: fit(X, y) needs y")
        protocol = protocol or ValidationProtocol()
        y = np.asarray(y)
        targets, decode = protocol.targets(y)
        fit_idx, val_idx = protocol.rows(len(X), seed)
        return select_bandwidth(np.asarray(X, dtype=np.float64), targets, fit_idx, val_idx,
                                lambda A, B, s: stationary_kernel(A, B, kernel=kernel, bandwidth=s),
                                [median * f for f in BANDWIDTH_FACTORS], BANDWIDTH_RIDGE_GRID,
                                lambda scores, rows: protocol.score(y[rows], decode(scores)), seed=seed)
    if isinstance(setting, bool) or not (isinstance(setting, (int, float)) and np.isfinite(setting) and setting > 0):
        raise ValueError(f"bandwidth must be 'median', 'select' or a positive number, got {setting!r}")
    return float(setting), {}


def select_bandwidth(X: np.ndarray, targets: np.ndarray, fit_idx: np.ndarray, val_idx: np.ndarray,
                     kernel: Callable[[np.ndarray, np.ndarray, float], np.ndarray], bandwidths: Sequence[float],
                     ridge_grid: Sequence[float], score: Callable[[np.ndarray], float], *,
                     max_rows: int = 2000, seed: int = 0) -> tuple[float, dict[float, float]]:
    """The bandwidth whose kernel ridge fit on ``fit_idx`` scores best on ``val_idx``, each
    bandwidth at its own best ridge of ``ridge_grid``.

    Parameters
    ----------
    X : ndarray of shape (n, d)
    targets : ndarray of shape (n,) or (n, k)
        Encoded targets of every row.
    fit_idx, val_idx : ndarray of int
    kernel : callable
        ``kernel(A, B, bandwidth) -> ndarray``.
    bandwidths : sequence of float
    ridge_grid : sequence of float
        Relative ridges r (λ = r · tr(K)/n of the fit rows).
    score : callable
        ``score(predictions_on_the_scored_validation_rows, rows) -> float``, higher is better; ``rows``
        are the validation rows scored (a subset of ``val_idx`` when it exceeds ``max_rows``).
    max_rows : int, default=2000
        At most this many fit rows and validation rows (seeded subsets), so the cost stays
        O(max_rows³) per bandwidth whatever n.

    Returns
    -------
    best : float
        Ties go to the larger, smoother bandwidth.
    scores : dict
        The best validation score of every bandwidth.
    """
    if not len(bandwidths) or min(bandwidths) <= 0:
        raise ValueError("bandwidths must be a non-empty list of positive numbers")
    rng = np.random.default_rng([seed, 7919])
    fit_rows = _at_most(fit_idx, max_rows, rng)
    val_rows = _at_most(val_idx, max_rows, rng)
    scores = {}
    for bandwidth in bandwidths:
        path = RidgePath.from_kernel(kernel(X[fit_rows], X[fit_rows], bandwidth), targets[fit_rows])
        cross = kernel(X[val_rows], X[fit_rows], bandwidth)
        scores[bandwidth] = max(score(path.predict(cross, r * path.scale), val_rows) for r in ridge_grid)
    best = max(bandwidths, key=lambda b: (scores[b], b))
    return best, scores


def _at_most(idx: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    return np.sort(rng.choice(idx, size=k, replace=False)) if len(idx) > k else np.asarray(idx)
