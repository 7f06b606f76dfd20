"""Arc-cosine kernels of order 0 and 1 (Cho & Saul 2009), the dual activations of step and ReLU."""

from __future__ import annotations

import numpy as np


def kappa0(t: np.ndarray) -> np.ndarray:
    """Order-0 arc-cosine function κ0(t) = (π − arccos t)/π, with t clipped to [−1, 1]."""
    t = np.clip(t, -1.0, 1.0)
    return (np.pi - np.arccos(t)) / np.pi


def kappa1(t: np.ndarray) -> np.ndarray:
    """Order-1 arc-cosine function κ1(t) = (√(1 − t²) + t(π − arccos t))/π, t clipped to [−1, 1]."""
    t = np.clip(t, -1.0, 1.0)
    return (np.sqrt(1.0 - t * t) + t * (np.pi - np.arccos(t))) / np.pi
