"""The spine's baseline adapters: Nyström on the NTK and random Fourier features."""

from __future__ import annotations

import numpy as np
import pytest

from ntkbench.harness.metrics import relative_frobenius_error
from ntkbench.harness.registry import discover
from ntkbench.kernels import fc_kernel

REGISTRY = discover(entry_points=False)


def _method(name, **params):
    return REGISTRY.method(name)(random_state=0, **params)


def test_nystrom_with_every_point_as_landmark_reproduces_the_ntk(rng):
    X = rng.standard_normal((40, 5))
    method = _method("nystrom_ntk", n_components=40, depth=2).fit(X)
    Phi = method.transform(X)
    np.testing.assert_allclose(Phi @ Phi.T, fc_kernel(X, depth=2), rtol=1e-7, atol=1e-8)


def test_nystrom_error_shrinks_with_more_landmarks(rng):
    X = rng.standard_normal((200, 6))
    K = fc_kernel(X, depth=1)
    errors = []
    for m in (10, 40, 160):
        Phi = _method("nystrom_ntk", n_components=m, depth=1).fit(X).transform(X)
        errors.append(relative_frobenius_error(K, Phi @ Phi.T))
    assert errors[0] > errors[1] > errors[2]


def test_nystrom_same_seed_same_features(rng):
    X = rng.standard_normal((50, 3))
    a = _method("nystrom_ntk", n_components=10).fit(X).transform(X)
    b = _method("nystrom_ntk", n_components=10).fit(X).transform(X)
    np.testing.assert_array_equal(a, b)


def test_rff_converges_to_its_rbf_target(rng):
    X = rng.standard_normal((100, 4))
    errors = []
    for m in (64, 1024, 16384):
        method = _method("rff", n_components=m).fit(X)
        Phi = method.transform(X)
        errors.append(relative_frobenius_error(method.target_kernel()(X, X), Phi @ Phi.T))
    # Monte Carlo error falls like 1/sqrt(m): 16x more features, about 4x less error
    assert errors[0] > 2.5 * errors[1] > 6 * errors[2]
    assert method.gamma_ == pytest.approx(1.0 / (4 * X.var()))


def test_rff_rejects_a_bad_gamma(rng):
    with pytest.raises(ValueError, match="gamma must be 'scale' or a positive number"):
        _method("rff", gamma=-1.0).fit(rng.standard_normal((5, 2)))


def test_exact_and_nystrom_share_the_exact_kernel_cache_name():
    exact = _method("exact_fc", depth=3, get="ntk").fit(np.eye(2))
    nystrom = _method("nystrom_ntk", depth=3)
    assert exact.target_kernel().name == nystrom.target_kernel().name
    X = np.random.default_rng(1).standard_normal((6, 3))
    np.testing.assert_allclose(exact.kernel(X, X), nystrom.target_kernel()(X, X))
