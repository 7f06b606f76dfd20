"""Kernel-error helpers for the feature-map tests (the definitions of the harness metrics)."""

from __future__ import annotations

import numpy as np
import scipy.linalg


def rel_frobenius(K: np.ndarray, K_approx: np.ndarray) -> float:
    return float(np.linalg.norm(K_approx - K) / np.linalg.norm(K))


def spectral_eps(K: np.ndarray, K_approx: np.ndarray, scale: float = 0.01) -> float:
    lam = scale * np.trace(K) / len(K)
    eye = lam * np.eye(len(K))
    mu = scipy.linalg.eigh(K_approx + eye, K + eye, eigvals_only=True)
    return float(np.max(np.abs(mu - 1.0)))
