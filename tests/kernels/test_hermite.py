"""Hermite expansions: coefficients (closed form vs quadrature vs Monte Carlo), truncated duals against
the exact duals with their tail-mass bound, and the radial decomposition off the sphere."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from ntkbench.kernels import NumericDual, get_activation
from ntkbench.kernels.hermite import (
    derivative_series, hermite_coefficients, hermite_series, homogeneity, min_degree, normalized_hermite,
)

ACTIVATIONS = ["relu", "abs", "sin", "cos", "erf", "gelu", "gaussian", "exp_normalized(gamma=1.0)",
               "leaky_relu(slope=0.1)"]
SMOOTH = ["sin", "cos", "erf", "gelu", "gaussian"]


def _exact_dual(activation: str, q1, q2, c, derivative: bool = False) -> np.ndarray:
    dual = get_activation(activation)
    args = [torch.as_tensor(np.asarray(v, dtype=np.float64)) for v in (q1, q2, c)]
    return (dual.dnngp if derivative else dual.nngp)(*args).numpy()


def test_relu_closed_form_matches_spec_values():
    # spec §4.2: c_k = E[σ He_k]/k! for ReLU, c_0..c_8
    c = hermite_coefficients("relu", 8) / np.sqrt([math.factorial(k) for k in range(9)])
    np.testing.assert_allclose(c, [0.398942, 0.5, 0.199471, 0, -0.016623, 0, 0.0016623, 0, -0.00014842],
                               atol=2e-6)


@pytest.mark.parametrize("activation,atol", [("relu", 2e-3), ("abs", 3e-3), ("leaky_relu(slope=0.1)", 2e-3),
                                             ("step", 3e-3), ("sin", 1e-13), ("cos", 1e-13),
                                             ("exp_normalized(gamma=0.7)", 1e-13)])
def test_closed_forms_match_quadrature(activation, atol):
    closed = hermite_coefficients(activation, 16)
    numeric = hermite_coefficients(activation, 16, closed_form=False)
    np.testing.assert_allclose(closed, numeric, atol=atol)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_coefficients_match_monte_carlo(activation):
    g = np.random.default_rng(0).standard_normal(400_000)
    values = get_activation(activation).fn(torch.from_numpy(g)).numpy()
    h = normalized_hermite(g, 5) * values[:, None]
    mc, se = h.mean(0), h.std(0) / math.sqrt(g.size)
    a = hermite_coefficients(activation, 5)
    assert np.all(np.abs(a - mc) <= 5 * se + 1e-12)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_truncated_dual_converges_within_tail_mass(activation):
    t = np.linspace(-1.0, 1.0, 101)
    exact = _exact_dual(activation, 1.0, 1.0, t)
    previous = math.inf
    for q in (1, 2, 4, 8, 16):
        s = hermite_series(activation, q)
        err = np.max(np.abs(s.dual(t) - exact))
        assert err <= s.tail_mass + 1e-9
        assert s.tail_mass <= previous + 1e-15
        previous = s.tail_mass
    assert np.all(s.dual_coefficients >= 0)
    assert s.relative_error_bound < (1e-3 if activation in SMOOTH + ["exp_normalized(gamma=1.0)"] else 2e-2)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_derivative_series_is_the_ntk_derivative_map(activation):
    t = np.linspace(-0.9, 0.9, 37)     # κ0-type maps have a √(1 − t) cusp at t = ±1
    s = derivative_series(activation, 30)
    exact = _exact_dual(activation, 1.0, 1.0, t, derivative=True)
    assert np.max(np.abs(s.dual(t) - exact)) <= s.tail_mass + 1e-9
    assert np.max(np.abs(s.dual(t) - exact)) < 0.02 * s.second_moment


def _points(norms, d=6, seed=3):
    x = np.random.default_rng(seed).standard_normal((len(norms), d))
    return x / np.linalg.norm(x, axis=1, keepdims=True) * np.asarray(norms)[:, None]


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_radial_decomposition_off_the_sphere(activation):
    # |K − K_q| ≤ √(tail(‖x‖)·tail(‖y‖)) with tail(ρ) = K(x, x) − Σ_l r_l(ρ)², for any norms
    norms = np.array([0.3, 0.8, 1.0, 1.7, 2.5, 4.0])
    X = _points(norms)
    q = (X * X).sum(1)
    exact = _exact_dual(activation, q[:, None], q[None, :], X @ X.T)
    s = hermite_series(activation, 40)
    tail = np.diag(exact) - (s.radial(norms) ** 2).sum(1)
    assert np.all(tail >= -1e-9)
    bound = np.sqrt(np.outer(tail.clip(0), tail.clip(0)))
    assert np.all(np.abs(s.kernel(X) - exact) <= bound + 1e-7)   # + quadrature error of r_l
    small = slice(0, 3)                    # norms ≤ 1: the series has converged
    tol = 1e-6 if activation in SMOOTH + ["exp_normalized(gamma=1.0)"] else 2e-3
    np.testing.assert_allclose(s.kernel(X)[small, small], exact[small, small], atol=tol * np.abs(exact).max())


@pytest.mark.parametrize("activation", ["sin", "erf", "gelu", "gaussian", "cos"])
@pytest.mark.parametrize("degree", [1, 2, 5, 8])
def test_polynomial_radial_is_the_dual_of_the_truncated_polynomial(activation, degree):
    # independent check: 2-D Gauss–Hermite quadrature of E[σ_q(u) σ_q(v)] for the polynomial σ_q,
    # which is exact; dropping the top degree l = q (as the reference code does) fails this
    s = hermite_series(activation, degree)
    b = s.monomial_coefficients()
    poly = NumericDual(lambda x: sum(bk * x ** k for k, bk in enumerate(b)), degree=2 * degree + 4)
    X = _points([0.5, 1.0, 1.5, 2.0])
    q = torch.from_numpy((X * X).sum(1))
    want = poly.nngp(q[:, None], q[None, :], torch.from_numpy(X @ X.T)).numpy()
    np.testing.assert_allclose(s.kernel(X, method="polynomial"), want, rtol=1e-9, atol=1e-12)


def test_polynomial_radial_matches_spec_figure1_values():
    # spec §4.4 [COMPUTED]: seed 1, n = 1000, d = 256, N(0, 1/256) entries, correct full expansion
    X = np.random.default_rng(1).standard_normal((1000, 256)) / 16.0
    q = (X * X).sum(1)
    expected = {"relu": {1: "0.0635", 2: "0.0036", 8: "0.0004"}, "sin": {1: "0.096", 4: "6.8e-3"},
                "erf": {4: "1.1e-2", 8: "9.8e-4"}, "gaussian": {2: "2.3e-3", 8: "1.6e-5"}}
    for activation, values in expected.items():
        K = _exact_dual(activation, q[:, None], q[None, :], X @ X.T)
        for degree, text in values.items():
            s = hermite_series(activation, degree)
            s = type(s)(s.coefficients, s.second_moment, s.fn, None, s.name)   # the paper's formula, even for ReLU
            err = np.linalg.norm(s.kernel(X, method="polynomial") - K) / np.linalg.norm(K)
            digits = len(text.split("e")[0].replace(".", "").lstrip("0"))   # the spec's significant digits
            assert f"{err:.{digits - 1}e}" == f"{float(text):.{digits - 1}e}", (activation, degree, err)


def test_homogeneous_radial_is_exact_scaling():
    assert homogeneity(get_activation("relu")) == 1 and homogeneity(get_activation("gelu")) is None
    s = hermite_series("abs", 6)
    np.testing.assert_allclose(s.radial(np.array([2.0, 3.0])), np.outer([2.0, 3.0], s.coefficients))
    assert derivative_series("relu", 6).homogeneity == 0


def test_step_and_sign_have_zero_derivative_series():
    np.testing.assert_array_equal(derivative_series("sign", 5).coefficients, 0.0)


def test_min_degree_and_rtol_error():
    s = hermite_series("sin", 3)
    need = min_degree(s, 1e-6)
    assert need is not None and hermite_series("sin", need).relative_error_bound <= 1e-6
    assert hermite_series("sin", need - 1).relative_error_bound > 1e-6
    with pytest.raises(ValueError, match=rf"degree 3 .* rtol=1e-06 .* use degree >= {need}"):
        hermite_series("sin", 3, rtol=1e-6)


def test_bad_input_errors():
    with pytest.raises(ValueError, match="unknown activation 'swishy'"):
        hermite_series("swishy", 4)
    with pytest.raises(ValueError, match="degree must be an integer >= 0"):
        hermite_series("relu", -1)
    with pytest.raises(ValueError, match="grows too fast.*dual activation does not exist"), \
            np.errstate(over="ignore", invalid="ignore"):
        hermite_series(lambda x: torch.exp(x * x), 4)
    with pytest.raises(ValueError, match="radial method"):
        hermite_series("gelu", 3).radial(np.ones(2), method="taylor")
