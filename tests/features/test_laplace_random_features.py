"""Random Cauchy features converge to the Euclidean Laplace kernel."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

from ntkbench.features.cauchy import LaplaceRandomFeatures
from ntkbench.harness.metrics import relative_frobenius_error
from ntkbench.kernels.stationary import stationary_kernel


def test_laplace_features_converge_to_the_laplace_kernel(rng):
    X = rng.standard_normal((80, 3))
    K = stationary_kernel(X, kernel="laplace", bandwidth=1.5)
    errors = [relative_frobenius_error(K, (Phi := LaplaceRandomFeatures(bandwidth=1.5, n_components=m,
                                                                          random_state=0).fit_transform(X)) @ Phi.T)
              for m in (64, 1024, 16384)]
    assert errors[0] > 2.5 * errors[1] > 6 * errors[2]
    assert errors[2] < 0.03


def test_laplace_features_keep_float32_and_clone(rng):
    X = rng.standard_normal((5, 2)).astype(np.float32)
    model = LaplaceRandomFeatures(n_components=8, random_state=1)
    assert clone(model).fit_transform(X).dtype == np.float32


def test_laplace_features_reject_a_bad_bandwidth(rng):
    with pytest.raises(ValueError, match="bandwidth"):
        LaplaceRandomFeatures(bandwidth=0.0).fit(rng.standard_normal((4, 2)))
