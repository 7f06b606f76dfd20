"""The ridge path solver against scikit-learn and against itself (primal == dual)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.kernel_ridge import KernelRidge
from sklearn.linear_model import Ridge

from ntkbench.solvers import RidgeFit, RidgePath


@pytest.mark.parametrize("n, D", [(40, 8), (10, 25)])
def test_feature_path_matches_sklearn_ridge(rng, n, D):
    Phi, Phi_test = rng.standard_normal((n, D)), rng.standard_normal((7, D))
    Y = rng.standard_normal((n, 2))
    path = RidgePath.from_features(Phi, Y)
    for lam in (1e-3, 0.1, 10.0):
        expected = Ridge(alpha=lam, fit_intercept=False).fit(Phi, Y).predict(Phi_test)
        np.testing.assert_allclose(path.predict(Phi_test, lam), expected, rtol=1e-7, atol=1e-9)


def test_kernel_path_matches_sklearn_kernel_ridge(rng):
    X, X_test = rng.standard_normal((30, 4)), rng.standard_normal((5, 4))
    y = rng.standard_normal(30)
    K = np.exp(-((X[:, None] - X[None]) ** 2).sum(-1))
    K_test = np.exp(-((X_test[:, None] - X[None]) ** 2).sum(-1))
    path = RidgePath.from_kernel(K, y)
    expected = KernelRidge(alpha=0.05, kernel="precomputed").fit(K, y).predict(K_test)
    np.testing.assert_allclose(path.predict(K_test, 0.05).ravel(), expected, rtol=1e-7, atol=1e-9)


def test_primal_and_dual_agree(rng):
    Phi, Phi_test = rng.standard_normal((20, 6)), rng.standard_normal((4, 6))
    y = rng.standard_normal(20)
    primal = RidgePath.from_features(Phi, y).predict(Phi_test, 0.3)
    dual = RidgePath.from_kernel(Phi @ Phi.T, y).predict(Phi_test @ Phi.T, 0.3)
    np.testing.assert_allclose(primal, dual, rtol=1e-8)
    assert RidgePath.from_features(Phi, y).scale == pytest.approx(np.trace(Phi @ Phi.T) / 20)


def test_nonpositive_ridge_is_rejected(rng):
    path = RidgePath.from_features(rng.standard_normal((5, 2)), np.ones(5))
    with pytest.raises(ValueError, match="positive"):
        path.predict(np.ones((1, 2)), 0.0)


@pytest.mark.parametrize("n, D", [(40, 8), (10, 25)])
def test_single_ridge_fit_equals_the_path_at_that_ridge(rng, n, D):
    Phi, Phi_test = rng.standard_normal((n, D)), rng.standard_normal((6, D))
    Y = rng.standard_normal((n, 3))
    path = RidgePath.from_features(Phi, Y)
    for relative in (1e-4, 0.1):
        fit = RidgeFit.from_features(Phi, Y, relative)
        np.testing.assert_allclose(fit.predict(Phi_test), path.predict(Phi_test, relative * path.scale),
                                   rtol=1e-7, atol=1e-9)
    K, K_test = Phi @ Phi.T, Phi_test @ Phi.T
    np.testing.assert_allclose(RidgeFit.from_kernel(K, Y, 0.1).predict(K_test),
                               RidgeFit.from_features(Phi, Y, 0.1).predict(Phi_test), rtol=1e-7, atol=1e-9)
