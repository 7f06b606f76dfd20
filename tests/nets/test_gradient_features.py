"""GradRF: projected per-example gradients whose inner products are unbiased for the network's
empirical NTK; a scikit-learn transformer, reproducible from its seed, with clear errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.base import clone

from ntkbench.arch import Arch
from ntkbench.harness.metrics import relative_frobenius_error
from ntkbench.nets import GradientFeatures, empirical_ntk


@pytest.mark.parametrize("projection", ["gaussian", "srht"])
def test_feature_inner_products_are_unbiased_for_the_empirical_ntk(rng, projection):
    X = rng.standard_normal((6, 4))
    base = GradientFeatures(arch=Arch(depth=1, b_std=0.3), width=8, n_components=16, projection=projection,
                            init_seed=7)
    K = empirical_ntk(clone(base).set_params(random_state=0).fit(X).network_, torch.as_tensor(X)).numpy()
    draws = [F @ F.T for F in (clone(base).set_params(random_state=r).fit_transform(X) for r in range(200))]
    single = np.mean([relative_frobenius_error(K, G) for G in draws])
    averaged = relative_frobenius_error(K, np.mean(draws, axis=0))
    # unbiased: the error of the mean of R draws shrinks like 1/sqrt(R) (here sqrt(200) ≈ 14)
    assert averaged < 2.5 * single / np.sqrt(len(draws))
    assert single > 0.05  # the projections are random (16 features for 48 parameters)


def test_features_approximate_the_exact_ntk_of_a_wide_network(rng):
    from ntkbench.kernels import fc_kernel

    X = rng.standard_normal((20, 5))
    F = GradientFeatures(arch=Arch(depth=2), width=512, n_components=4096, random_state=0).fit_transform(X)
    assert relative_frobenius_error(fc_kernel(X, depth=2), F @ F.T) < 0.15


def test_same_seed_same_features_and_float32_stays_float32(rng):
    X = rng.standard_normal((5, 3)).astype(np.float32)
    a = GradientFeatures(width=8, n_components=32, random_state=3).fit_transform(X)
    b = GradientFeatures(width=8, n_components=32, random_state=3).fit_transform(X)
    c = GradientFeatures(width=8, n_components=32, random_state=4).fit_transform(X)
    assert a.dtype == np.float32 and a.shape == (5, 32)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("params, message", [
    ({"width": 0}, "width must be a positive integer"),
    ({"n_components": 0}, "n_components must be a positive integer"),
    ({"projection": "countsketch"}, "projection must be one of 'srht', 'gaussian'"),
    ({"width": 2048, "n_components": 4096, "projection": "gaussian"}, "use projection='srht'"),
    ({"device": "gpu"}, "not a torch device"),
])
def test_bad_parameters_are_refused_when_fitted(rng, params, message):
    with pytest.raises(ValueError, match=message):
        GradientFeatures(arch=Arch(depth=2), **params).fit(rng.standard_normal((3, 40)))
