"""NTKSketch and NTKRandomFeatures for any activation of the registry: against the exact fc_kernel,
unbiased for the truncated dual off the sphere, error falling with n_components and with degree."""

from __future__ import annotations

import numpy as np
import pytest

from ntkbench.features import NTKRandomFeatures, NTKSketch
from ntkbench.features.hermite_duals import layer_duals
from ntkbench.kernels import fc_kernel, hermite_series

ACTIVATIONS = ["abs", "leaky_relu(slope=0.1)", "exp_normalized(gamma=1.0)", "gelu", "erf", "sin", "cos",
               "gaussian"]


def _rel(F: np.ndarray, K: np.ndarray) -> float:
    return float(np.linalg.norm(F @ F.T - K) / np.linalg.norm(K))


def _inputs(n=120, d=10, seed=0):
    """Rows with norms spread over [0.3, 3]: off the sphere on purpose."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    return X / np.linalg.norm(X, axis=1, keepdims=True) * rng.uniform(0.3, 3.0, (n, 1))


@pytest.mark.parametrize("cls", [NTKSketch, NTKRandomFeatures])
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("depth,get", [(1, "nngp"), (2, "ntk")])
def test_features_approximate_the_exact_kernel(cls, activation, depth, get):
    X = _inputs() / 1.5
    K = fc_kernel(X, depth=depth, activation=activation, get=get)
    extra = {"degree": 12} if cls is NTKSketch else {}
    errors = {D: np.mean([_rel(cls(n_components=D, depth=depth, get=get, activation=activation, random_state=s,
                                   **extra).fit_transform(X), K) for s in range(2)])
              for D in (256, 4096)}
    assert errors[4096] < 0.5 * errors[256]          # noise ∝ 1/√D: 4 times smaller in theory
    # oscillating or sharply peaked duals (sin, cos, normalised Gaussian) converge from higher errors
    assert errors[4096] < (0.25 if activation in ("sin", "cos") or activation.startswith("exp_") else 0.15)


@pytest.mark.parametrize("activation", ["gelu", "erf", "sin", "gaussian"])
def test_radial_sketch_is_unbiased_for_the_truncated_dual_off_the_sphere(activation):
    # depth 1 NNGP = w²·Σ_{l≤q} r_l(‖x‖) r_l(‖y‖) t^l in expectation, for any norms
    X = _inputs(n=12, d=6, seed=1)
    q = 4
    want = 2.0 * hermite_series(activation, q).kernel(X)            # w_std² = 2
    feats = [NTKSketch(n_components=64, get="nngp", activation=activation, degree=q,
                       random_state=s).fit_transform(X) for s in range(300)]
    grams = np.stack([F @ F.T for F in feats])
    mean, se = grams.mean(0), grams.std(0) / np.sqrt(len(feats))
    assert np.all(np.abs(mean - want) <= 5 * se + 1e-9)


def test_error_falls_with_degree():
    X = _inputs(n=100, d=8, seed=2)
    K = fc_kernel(X, depth=1, activation="sin", get="nngp")
    err = {q: np.mean([_rel(NTKSketch(n_components=8192, get="nngp", activation="sin", degree=q,
                                      random_state=s).fit_transform(X), K) for s in range(2)])
           for q in (2, 4, 10)}
    assert err[10] < err[4] < err[2]


def test_homogeneous_activations_use_hermite_coefficients_in_the_layerwise_recursion():
    duals = layer_duals("abs", 6)
    np.testing.assert_allclose(duals.nngp, hermite_series("abs", 6).dual_coefficients)
    assert duals.homogeneous and duals.gain == 1.0
    assert not layer_duals("gelu", 6).homogeneous
    relu = layer_duals("relu", 6)
    assert relu.name == "relu" and relu.gain == 0.5


@pytest.mark.parametrize("cls", [NTKSketch, NTKRandomFeatures])
def test_float32_and_small_budgets(cls):
    X = _inputs(n=30, d=5).astype(np.float32)
    F = cls(n_components=3, depth=2, activation="gelu", random_state=0).fit_transform(X)
    assert F.shape == (30, 3) and F.dtype == np.float32 and np.all(np.isfinite(F))


def test_clear_errors():
    X = _inputs(n=5, d=3)
    with pytest.raises(ValueError, match="unknown activation 'swishy'; known: .*gelu"):
        NTKSketch(activation="swishy").fit(X)
    with pytest.raises(ValueError, match="unknown activation"):
        NTKRandomFeatures(activation="swishy").fit(X)
    with pytest.raises(ValueError, match="method='one_pass' supports activation='relu' only"):
        NTKSketch(method="one_pass", activation="gelu").fit(X)


@pytest.mark.parametrize("name, extra", [
    ("ntk_sketch", {"method": "layerwise", "activation": "gelu"}),
    ("ntk_random_features", {"activation": "erf"}),
])
def test_adapters_score_general_activations_against_the_exact_kernel(name, extra):
    from ntkbench.harness.metrics import relative_frobenius_error
    from ntkbench.harness.registry import discover

    method = discover(entry_points=False).method(name)(random_state=0, n_components=2048, depth=2, **extra)
    X = _inputs(n=60, d=7)
    F = method.fit(X).transform(X)
    target = method.target_kernel()
    assert extra["activation"] in target.name
    assert relative_frobenius_error(target(X, X), F @ F.T) < 0.15


def test_one_pass_cells_with_other_activations_are_skipped_with_the_reason():
    from ntkbench.harness.registry import discover

    cls = discover(entry_points=False).method("ntk_sketch")
    split = None                                   # the reason does not depend on the data
    assert "relu' only" in cls(method="one_pass", activation="erf").skip(split)
