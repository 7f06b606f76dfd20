"""Choosing the ridge on a validation split: the held-out rows, and the best ridge of a grid."""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from ntkbench.solvers.ridge import RidgePath


def holdout_indices(n: int, val_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted fit and validation row indices: a seeded random ``val_fraction`` of ``n`` rows is held out.

    Raises
    ------
    ValueError
        If either side would be empty.
    """
    n_val = int(round(val_fraction * n))
    if n_val < 1 or n - n_val < 1:
        raise ValueError(f"training set of {n} rows is too small to hold out a validation split")
    perm = np.random.default_rng([seed, 104729]).permutation(n)
    return np.sort(perm[n_val:]), np.sort(perm[:n_val])


def select_ridge(output: str, train_side: np.ndarray, targets: np.ndarray, fit_idx: np.ndarray,
                 val_idx: np.ndarray, grid: Sequence[float],
                 score: Callable[[np.ndarray], float]) -> tuple[float, dict[float, float]]:
    """The relative ridge of ``grid`` whose fit on ``fit_idx`` scores best on ``val_idx``.

    Parameters
    ----------
    output : {"features", "kernel"}
        What ``train_side`` holds: features Φ (n, D) or the kernel K (n, n) of all training rows.
    train_side : ndarray
        Features or kernel of every training row (fit and validation rows together).
    targets : ndarray of shape (n,) or (n, k)
        Encoded regression targets of every training row.
    fit_idx, val_idx : ndarray of int
        Rows the ridge regression is fitted on, and rows it is scored on.
    grid : sequence of float
        Relative ridges r (λ = r · tr(G)/n of the fit rows).
    score : callable
        ``score(predictions_on_val_rows) -> float``, higher is better.

    Returns
    -------
    best : float
        The best relative ridge; ties go to the larger, safer ridge.
    scores : dict
        The validation score of every ridge of the grid.
    """
    if output == "features":
        path = RidgePath.from_features(train_side[fit_idx], targets[fit_idx])
        val_side = train_side[val_idx]
    elif output == "kernel":
        path = RidgePath.from_kernel(train_side[np.ix_(fit_idx, fit_idx)], targets[fit_idx])
        val_side = train_side[np.ix_(val_idx, fit_idx)]
    else:
        raise ValueError(f"output must be 'features' or 'kernel', got {output!r}")
    scores = {r: score(path.predict(val_side, r * path.scale)) for r in grid}
    best = max(grid, key=lambda r: (scores[r], r))
    return best, scores
