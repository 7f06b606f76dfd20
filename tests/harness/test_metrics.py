"""Kernel-quality and downstream metrics against naive numpy references."""

from __future__ import annotations

import numpy as np
import pytest

from ntkbench.harness import metrics


def _psd(rng: np.random.Generator, n: int = 30, rank: int = 12) -> np.ndarray:
    A = rng.standard_normal((n, rank))
    return A @ A.T


def _inv_sqrt(M: np.ndarray) -> np.ndarray:
    w, V = np.linalg.eigh(M)
    return (V / np.sqrt(w)) @ V.T


def test_spectral_error_matches_whitened_eigenvalues(rng):
    K = _psd(rng)
    noise = rng.standard_normal(K.shape) * 0.3
    K_approx = K + noise @ noise.T
    lam = 0.5
    W = _inv_sqrt(K + lam * np.eye(len(K)))
    naive = np.max(np.abs(np.linalg.eigvalsh(W @ (K_approx + lam * np.eye(len(K))) @ W) - 1))
    assert metrics.spectral_error(K, K_approx, lam) == pytest.approx(naive, rel=1e-9)


def test_spectral_error_is_zero_for_the_exact_kernel_and_exact_for_scaling(rng):
    K = _psd(rng)
    assert metrics.spectral_error(K, K, 1e-3) < 1e-10
    # (1+δ)K + λI = (1+δ)(K+λI) − δλI, so ε lies in (0, δ] and tends to δ as λ → 0.
    delta = 0.2
    eps = metrics.spectral_error(K, (1 + delta) * K, 1e-9)
    assert eps == pytest.approx(delta, rel=1e-5)


def test_spectral_error_is_the_smallest_valid_epsilon(rng):
    K = _psd(rng)
    K_approx = _psd(rng)
    lam = 1.0
    eps = metrics.spectral_error(K, K_approx, lam)
    I = np.eye(len(K))
    lower = K_approx + lam * I - (1 - eps) * (K + lam * I)
    upper = (1 + eps) * (K + lam * I) - (K_approx + lam * I)
    assert np.linalg.eigvalsh(lower).min() > -1e-8
    assert np.linalg.eigvalsh(upper).min() > -1e-8
    tighter = eps * 0.99
    lower = K_approx + lam * I - (1 - tighter) * (K + lam * I)
    upper = (1 + tighter) * (K + lam * I) - (K_approx + lam * I)
    assert min(np.linalg.eigvalsh(lower).min(), np.linalg.eigvalsh(upper).min()) < 0


def test_frobenius_and_operator_errors_match_numpy(rng):
    K = _psd(rng)
    K_approx = K + 0.1 * _psd(rng)
    assert metrics.relative_frobenius_error(K, K_approx) == pytest.approx(
        np.linalg.norm(K_approx - K, "fro") / np.linalg.norm(K, "fro"), rel=1e-12)
    assert metrics.relative_operator_error(K, K_approx) == pytest.approx(
        np.linalg.norm(K_approx - K, 2) / np.linalg.norm(K, 2), rel=1e-9)


def test_statistical_dimension_matches_trace_formula(rng):
    K = _psd(rng)
    lam = 0.7
    naive = np.trace(K @ np.linalg.inv(K + lam * np.eye(len(K))))
    assert metrics.statistical_dimension(K, lam) == pytest.approx(naive, rel=1e-9)
    # s_λ → rank as λ → 0 and → 0 as λ → ∞
    assert metrics.statistical_dimension(K, 1e-6) == pytest.approx(12, abs=1e-3)
    assert metrics.statistical_dimension(K, 1e12) < 1e-6


def test_downstream_metrics():
    assert metrics.accuracy(np.array([0, 1, 2, 2]), np.array([0, 1, 1, 2])) == 0.75
    assert metrics.mse(np.array([1.0, 2.0]), np.array([2.0, 4.0])) == pytest.approx(2.5)


@pytest.mark.parametrize("bad, message", [
    (np.full((3, 3), np.nan), "NaN"),
    (np.ones((3, 4)), "square"),
    (np.ones((0, 0)), "empty"),
])
def test_bad_matrices_raise_clear_errors(bad, message):
    with pytest.raises(ValueError, match=message):
        metrics.spectral_error(np.eye(3) if bad.shape != (3, 4) else np.ones((3, 4)), bad, 1.0)


def test_nonpositive_ridge_is_rejected():
    with pytest.raises(ValueError, match="ridge"):
        metrics.spectral_error(np.eye(3), np.eye(3), 0.0)
    with pytest.raises(ValueError, match="ridge"):
        metrics.statistical_dimension(np.eye(3), -1.0)


def test_mismatched_label_shapes_raise():
    with pytest.raises(ValueError, match="shape"):
        metrics.accuracy(np.array([0, 1]), np.array([0]))
