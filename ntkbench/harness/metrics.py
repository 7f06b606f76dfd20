"""Metrics the harness computes for every method alike.

Kernel quality compares an approximate kernel matrix K̃ with the exact K on an evaluation subset
(``../shared/spec/algorithms.md`` §6); downstream metrics score predictions in original units.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

from ntkbench.contracts import check_array


def _pair(K: np.ndarray, K_approx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    K = check_array(K, "K").astype(np.float64, copy=False)
    K_approx = check_array(K_approx, "K_approx").astype(np.float64, copy=False)
    if K.shape != K_approx.shape or K.shape[0] != K.shape[1]:
        raise ValueError(f"K and K_approx must be square and of one shape, got {K.shape} and {K_approx.shape}")
    return K, K_approx


def _check_ridge(lam: float) -> float:
    if not (np.isfinite(lam) and lam > 0):
        raise ValueError(f"the ridge λ must be a finite positive number, got {lam!r}")
    return float(lam)


def spectral_error(K: np.ndarray, K_approx: np.ndarray, lam: float) -> float:
    """Smallest ε with (1−ε)(K+λI) ⪯ K̃+λI ⪯ (1+ε)(K+λI).

    Computed as max |μ − 1| over the generalised eigenvalues μ of (K̃+λI, K+λI), which are the
    eigenvalues of (K+λI)^{-1/2}(K̃+λI)(K+λI)^{-1/2} without forming the inverse square root.
    """
    K, K_approx = _pair(K, K_approx)
    lam = _check_ridge(lam)
    shift = lam * np.eye(K.shape[0])
    mu = scipy.linalg.eigh(_sym(K_approx) + shift, _sym(K) + shift, eigvals_only=True)
    return float(np.max(np.abs(mu - 1.0)))


def relative_frobenius_error(K: np.ndarray, K_approx: np.ndarray) -> float:
    """‖K̃ − K‖_F / ‖K‖_F."""
    K, K_approx = _pair(K, K_approx)
    return float(np.linalg.norm(K_approx - K) / np.linalg.norm(K))


def relative_operator_error(K: np.ndarray, K_approx: np.ndarray) -> float:
    """‖K̃ − K‖₂ / ‖K‖₂ (spectral norms of the symmetrised matrices)."""
    K, K_approx = _pair(K, K_approx)
    diff = np.max(np.abs(np.linalg.eigvalsh(_sym(K_approx - K))))
    return float(diff / np.max(np.abs(np.linalg.eigvalsh(_sym(K)))))


def statistical_dimension(K: np.ndarray, lam: float) -> float:
    """s_λ = tr(K (K + λI)^{-1}) = Σ_i μ_i / (μ_i + λ) over the eigenvalues μ_i of K."""
    K = check_array(K, "K").astype(np.float64, copy=False)
    lam = _check_ridge(lam)
    mu = np.clip(np.linalg.eigvalsh(_sym(K)), 0.0, None)
    return float(np.sum(mu / (mu + lam)))


def relative_ridge(K: np.ndarray, scale: float) -> float:
    """The ridge λ = scale · tr(K)/n, a λ that means the same thing across datasets."""
    return float(scale * np.trace(K) / K.shape[0])


def kernel_quality(K: np.ndarray, K_approx: np.ndarray, lam: float) -> dict[str, float]:
    """All kernel-quality metrics of one approximation, as a dict of floats."""
    return {
        "spectral_eps": spectral_error(K, K_approx, lam),
        "rel_frobenius": relative_frobenius_error(K, K_approx),
        "rel_operator": relative_operator_error(K, K_approx),
        "stat_dim": statistical_dimension(K, lam),
        "stat_dim_approx": statistical_dimension(K_approx, lam),
        "spectral_ridge": lam,
    }


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Fraction of labels predicted correctly."""
    y_true, y_pred = np.asarray(y_true).ravel(), np.asarray(y_pred).ravel()
    if y_true.shape != y_pred.shape or y_true.size == 0:
        raise ValueError(f"labels must be non-empty and of one shape, got {y_true.shape} and {y_pred.shape}")
    return float(np.mean(y_true == y_pred))


def mse(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Mean squared error (over all outputs)."""
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64).reshape(y_true.shape)
    if y_true.size == 0:
        raise ValueError("cannot compute the MSE of empty arrays")
    return float(np.mean((y_true - y_pred) ** 2))


def gaussian_nlpd(y_true: np.ndarray, mean: np.ndarray, variance: np.ndarray) -> float:
    """Negative log predictive density of ``y_true`` under independent N(mean, variance), averaged
    over all entries: mean of ½ log(2π σ²) + (y − μ)² / (2σ²). Lower is better; it rewards
    calibrated uncertainty, not only an accurate mean.

    Raises
    ------
    ValueError
        For shapes that differ, no entries, or variances that are not finite and positive.
    """
    y_true = np.asarray(y_true, dtype=np.float64)
    mean = np.asarray(mean, dtype=np.float64).reshape(y_true.shape)
    variance = np.asarray(variance, dtype=np.float64)
    if variance.size != y_true.size or y_true.size == 0:
        raise ValueError(f"y_true, mean and variance must be non-empty and of one size, got {y_true.shape} "
                         f"and {variance.shape}")
    variance = variance.reshape(y_true.shape)
    if not np.all(np.isfinite(variance) & (variance > 0)):
        raise ValueError("predictive variances must be finite and positive")
    return float(np.mean(0.5 * np.log(2 * np.pi * variance) + (y_true - mean) ** 2 / (2 * variance)))


def _sym(A: np.ndarray) -> np.ndarray:
    return (A + A.T) / 2.0
