"""Monte-Carlo helpers shared by the sketch and feature tests."""

from __future__ import annotations

from typing import Callable

import numpy as np


def gram_samples(make_features: Callable[[int], np.ndarray], seeds: range) -> np.ndarray:
    """Stack of Φ_s Φ_sᵀ over seeds s: shape (len(seeds), n, n)."""
    out = []
    for s in seeds:
        F = np.asarray(make_features(s), dtype=np.float64)
        out.append(F @ F.T)
    return np.stack(out)


def assert_unbiased(samples: np.ndarray, target: np.ndarray, z: float = 4.5) -> None:
    """Every entry of the Monte-Carlo mean lies within ``z`` standard errors of ``target``.

    A small absolute slack (1e-9 of the target scale) covers entries with zero variance.
    """
    mean = samples.mean(axis=0)
    se = samples.std(axis=0, ddof=1) / np.sqrt(samples.shape[0])
    slack = 1e-9 * np.abs(target).max()
    bad = np.abs(mean - target) > z * se + slack
    assert not bad.any(), (f"{bad.sum()} entries biased; worst |mean−target|/se = "
                           f"{np.max(np.abs(mean - target) / (se + 1e-300)):.2f}")
