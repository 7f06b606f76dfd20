"""The Gaussian/Laplace adapters and the generalised Nyström adapters: each approximates its own
target kernel, and bad parameters are clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from ntkbench.contracts import Split
from ntkbench.harness.metrics import relative_frobenius_error
from ntkbench.harness.registry import discover
from ntkbench.kernels import cntk_kernel

REGISTRY = discover(entry_points=False)


def _method(name, **params):
    return REGISTRY.method(name)(random_state=0, **params)


@pytest.mark.parametrize("kernel", ["gaussian", "laplace"])
def test_rff_stationary_converges_to_its_own_target_kernel(rng, kernel):
    X = rng.standard_normal((100, 4))
    errors = []
    for m in (64, 1024, 16384):
        method = _method("rff_stationary", n_components=m, kernel=kernel).fit(X)
        Phi = method.transform(X)
        errors.append(relative_frobenius_error(method.target_kernel()(X, X), Phi @ Phi.T))
    assert errors[0] > 2.5 * errors[1] > 6 * errors[2]
    assert method.target_kernel().name.startswith(f"{kernel}[bandwidth=")


@pytest.mark.parametrize("kernel", ["gaussian", "laplace"])
def test_nystrom_stationary_with_every_row_as_landmark_reproduces_its_target(rng, kernel):
    X = rng.standard_normal((50, 3))
    method = _method("nystrom_stationary", n_components=50, kernel=kernel, landmarks="rls").fit(X)
    Phi = method.transform(X)
    np.testing.assert_allclose(Phi @ Phi.T, method.target_kernel()(X, X), rtol=1e-7, atol=1e-8)


def test_exact_stationary_kernel_is_its_target_with_the_median_bandwidth(rng):
    X = rng.standard_normal((30, 3))
    method = _method("exact_stationary", kernel="laplace").fit(X)
    distances = np.linalg.norm(X[:, None] - X[None], axis=-1)[np.triu_indices(30, 1)]
    assert method.bandwidth_ == pytest.approx(np.median(distances))
    np.testing.assert_allclose(method.kernel(X, X), method.target_kernel()(X, X))
    np.testing.assert_allclose(method.kernel(X, X), np.exp(-np.linalg.norm(X[:, None] - X[None], axis=-1)
                                                           / method.bandwidth_))


def test_nystrom_cntk_with_every_image_as_landmark_reproduces_the_cntk(rng):
    X = rng.standard_normal((12, 1, 5, 5))
    method = _method("nystrom_cntk", n_components=12, depth=2).fit(X)
    Phi = method.transform(X)
    K = cntk_kernel(X, depth=2, filter_size=3, padding="same", pooling="gap", fix_first_last=True)
    np.testing.assert_allclose(Phi @ Phi.T, K, rtol=1e-6, atol=1e-8 * np.abs(K).max())
    assert method.target_kernel().name.startswith("cntk_ntk[")


def test_falkon_solver_turns_nystrom_into_a_predictor_that_follows_the_split(rng):
    X = rng.standard_normal((200, 3))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)
    split = Split(X[:160], y[:160], X[160:], y[160:], "classification")
    method = _method("nystrom_ntk", n_components=40, solver="falkon")
    assert method.output == "predictions" and _method("nystrom_ntk").output == "features"
    assert method.skip(split) is None
    prediction = method.fit(split.X_train, split.y_train).predict(split.X_test)
    assert set(np.unique(prediction)) <= {0, 1, 2}
    assert np.mean(prediction == split.y_test) > 0.7
    assert method.estimator_.ridge_relative_ in method.estimator_.ridge_scores_


@pytest.mark.parametrize("name, params, message", [
    ("nystrom_ntk", {"landmarks": "kmeans"}, "landmarks must be one of uniform, rls"),
    ("nystrom_ntk", {"n_components": 0}, "n_components must be an integer >= 1"),
    ("nystrom_ntk", {"get": "gp"}, "get must be 'ntk' or 'nngp'"),
    ("nystrom_myrtle", {}, "needs images of shape"),
    ("nystrom_stationary", {"bandwidth": -2.0}, "bandwidth must be 'median', 'select' or a positive number"),
    ("nystrom_stationary", {"kernel": "cauchy"}, "kernel must be one of gaussian, laplace"),
    ("exact_stationary", {"bandwidth": "auto"}, "bandwidth must be 'median', 'select' or a positive number"),
    ("rff_stationary", {"kernel": "rbf"}, "kernel must be one of gaussian, laplace"),
])
def test_bad_parameters_raise_clear_errors_at_fit(rng, name, params, message):
    with pytest.raises(ValueError, match=message):
        _method(name, **params).fit(rng.standard_normal((20, 3)), rng.standard_normal(20))


def test_an_unknown_solver_is_a_clear_error():
    with pytest.raises(ValueError, match="solver must be one of direct, falkon"):
        _method("nystrom_stationary", solver="cg").fit(np.eye(3))
