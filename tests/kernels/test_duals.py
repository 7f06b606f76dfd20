"""Dual activations: closed forms vs Gauss–Hermite quadrature vs Monte Carlo, and their identities."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from ntkbench.kernels import NumericDual, available_activations, get_activation, kappa0, kappa1
from ntkbench.kernels.duals import CLOSED_FORMS

SMOOTH = ["erf", "gelu", "sin", "cos", "gaussian", "identity"]
KINKED = ["relu", "leaky_relu(slope=0.2)", "ab_relu(a=-0.5,b=2.0)", "abs", "rect_monomial(2)", "rect_monomial(3)"]
DISCONTINUOUS = ["step", "sign", "rect_monomial(0)"]
ELEMENTWISE = SMOOTH + KINKED + DISCONTINUOUS


def _pairs(dtype=torch.float64):
    """Variances (3,1), (1,2) and valid covariances (3,2) with cosines spread over (−1, 1)."""
    q1 = torch.tensor([[0.3], [1.0], [2.5]], dtype=dtype)
    q2 = torch.tensor([[0.7, 1.6]], dtype=dtype)
    rho = torch.tensor([[0.3, -0.6], [0.85, 0.0], [-0.85, 0.5]], dtype=dtype)
    return q1, q2, rho * torch.sqrt(q1 * q2)


def test_kappa_facts():
    t = np.array([-1.0, 0.0, 1.0])
    np.testing.assert_allclose(kappa0(t), [0.0, 0.5, 1.0], atol=1e-15)
    np.testing.assert_allclose(kappa1(t), [0.0, 1.0 / np.pi, 1.0], atol=1e-15)
    s = np.linspace(-0.95, 0.95, 9)
    h = 1e-6
    np.testing.assert_allclose((kappa1(s + h) - kappa1(s - h)) / (2 * h), kappa0(s), atol=1e-8)
    np.testing.assert_allclose(kappa1(torch.from_numpy(s)).numpy(), kappa1(s), atol=1e-15)


def test_kappa0_taylor_coefficients():
    t = 0.3
    a = [math.factorial(2 * i) / (4 ** i * math.factorial(i) ** 2 * (2 * i + 1)) for i in range(60)]
    series = 0.5 + sum(ai * t ** (2 * i + 1) for i, ai in enumerate(a)) / np.pi
    assert abs(kappa0(np.array(t)) - series) < 1e-14


@pytest.mark.parametrize("name", SMOOTH)
def test_closed_form_matches_quadrature_smooth(name):
    dual = get_activation(name)
    quad = NumericDual(dual.fn, derivative=dual.derivative, degree=80)
    q1, q2, c = _pairs()
    for closed, numeric in zip(dual.both(q1, q2, c), quad.both(q1, q2, c)):
        torch.testing.assert_close(closed, numeric, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("name", KINKED + DISCONTINUOUS)
def test_closed_form_matches_quadrature_nonsmooth(name):
    """Kinks slow Gauss–Hermite down to algebraic convergence: the error must shrink with degree."""
    dual = get_activation(name)
    q1, q2, c = _pairs()
    exact = dual.nngp(q1, q2, c)
    errs = [float((NumericDual(dual.fn, degree=k).nngp(q1, q2, c) - exact).abs().max()) for k in (20, 160)]
    assert errs[1] < 0.6 * errs[0] or errs[1] < 1e-9
    tol = 1e-2 if name in KINKED else 6e-2   # jumps converge more slowly than kinks
    assert errs[1] < tol * float(exact.abs().max())


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_closed_form_matches_monte_carlo(name):
    dual = get_activation(name)
    gen = torch.Generator().manual_seed(0)
    m = 200_000
    for qa, qb, rho in [(0.5, 2.0, 0.7), (1.5, 1.0, -0.4)]:
        z1 = torch.randn(m, generator=gen, dtype=torch.float64)
        z2 = torch.randn(m, generator=gen, dtype=torch.float64)
        u = math.sqrt(qa) * z1
        v = math.sqrt(qb) * (rho * z1 + math.sqrt(1 - rho * rho) * z2)
        q1, q2 = torch.tensor(qa, dtype=torch.float64), torch.tensor(qb, dtype=torch.float64)
        c = torch.tensor(rho * math.sqrt(qa * qb), dtype=torch.float64)
        for sample, closed in [(dual.fn(u) * dual.fn(v), dual.nngp(q1, q2, c)),
                               (dual.derivative(u) * dual.derivative(v), dual.dnngp(q1, q2, c))]:
            se = float(sample.std()) / math.sqrt(m)
            assert abs(float(sample.mean()) - float(closed)) <= 5 * se + 1e-12


@pytest.mark.parametrize("name", SMOOTH + KINKED + ["exp_normalized(gamma=0.7)"])
def test_derivative_map_is_derivative_of_nngp_map(name):
    """E[σ′(u)σ′(v)] = ∂/∂c E[σ(u)σ(v)] (Price's theorem)."""
    dual = get_activation(name)
    q1, q2, c = _pairs()
    h = 1e-6
    fd = (dual.nngp(q1, q2, c + h) - dual.nngp(q1, q2, c - h)) / (2 * h)
    torch.testing.assert_close(dual.dnngp(q1, q2, c), fd, rtol=1e-6, atol=1e-7)


def test_variance_is_diagonal_of_nngp():
    q = torch.tensor([0.2, 1.0, 3.0], dtype=torch.float64)
    for name in ELEMENTWISE + ["exp_normalized"]:
        dual = get_activation(name)
        torch.testing.assert_close(dual.variance(q), dual.nngp(q, q, q), rtol=1e-12, atol=1e-12)


def test_exp_normalized_is_dual_of_shifted_exponential_on_unit_variance():
    dual = get_activation("exp_normalized(gamma=1.3)")
    quad = NumericDual(dual.fn, degree=80)
    q = torch.ones((1, 1), dtype=torch.float64)
    c = torch.tensor([[-0.7, 0.0, 0.4, 0.95]], dtype=torch.float64)
    torch.testing.assert_close(dual.nngp(q, q, c), quad.nngp(q, q, c), rtol=1e-10, atol=1e-12)


def test_dual_maps_are_positive_definite_kernels():
    """The NNGP map of a dual is itself a kernel: PSD on random Gram matrices."""
    rng = np.random.default_rng(3)
    x = torch.from_numpy(rng.normal(size=(30, 4)))
    gram = x @ x.T
    q = torch.diagonal(gram)
    for name in ELEMENTWISE:
        k = get_activation(name).nngp(q[:, None], q[None, :], gram)
        assert float(torch.linalg.eigvalsh(k).min()) > -1e-9 * float(k.abs().max())


def test_registry_names_and_parameters():
    assert set(CLOSED_FORMS) <= set(available_activations())
    leaky = get_activation("leaky_relu(slope=0.25)")
    assert leaky.name == "leaky_relu(slope=0.25)"
    assert get_activation(leaky.name).name == leaky.name
    assert get_activation("rect_monomial(2)").name == "rect_monomial(degree=2)"
    assert get_activation(torch.tanh).name.startswith("numeric(tanh")
    x = torch.tensor([-2.0, 3.0], dtype=torch.float64)
    torch.testing.assert_close(leaky.fn(x), torch.tensor([-0.5, 3.0], dtype=torch.float64))


@pytest.mark.parametrize("spec, match", [
    ("swish_of_doom", "unknown activation"),
    ("relu(", "cannot parse"),
    ("leaky_relu(slope=x)", "literals"),
    ("relu(3)", "bad parameters"),
    ("rect_monomial(degree=5)", "0..3"),
])
def test_registry_rejects_bad_names(spec, match):
    with pytest.raises(ValueError, match=match):
        get_activation(spec)


def test_numeric_dual_tanh_matches_monte_carlo():
    dual = get_activation("tanh")
    gen = torch.Generator().manual_seed(1)
    m = 400_000
    z1, z2 = torch.randn(m, generator=gen, dtype=torch.float64), torch.randn(m, generator=gen, dtype=torch.float64)
    u, v = 1.2 * z1, 0.8 * (0.5 * z1 + math.sqrt(0.75) * z2)
    sample = torch.tanh(u) * torch.tanh(v)
    got = dual.nngp(torch.tensor(1.44, dtype=torch.float64), torch.tensor(0.64, dtype=torch.float64),
                    torch.tensor(0.5 * 1.2 * 0.8, dtype=torch.float64))
    assert abs(float(sample.mean()) - float(got)) < 5 * float(sample.std()) / math.sqrt(m)


@pytest.mark.parametrize("name", ["sin", "cos"])
def test_trigonometric_duals_stay_finite_and_exact_for_large_variances(name):
    # sinh(c) and cosh(c) overflow beyond c ≈ 710; the dual itself is bounded by 1.
    dual = get_activation(name)
    q = torch.tensor([800.0, 900.0], dtype=torch.float64)
    c = torch.tensor([790.0, -850.0], dtype=torch.float64)
    for value in (dual.nngp(q, q, c), dual.dnngp(q, q, c)):
        assert torch.all(torch.isfinite(value)) and torch.all(value.abs() <= 1.0)
    small_q = torch.tensor([0.7], dtype=torch.float64)
    small_c = torch.tensor([0.3], dtype=torch.float64)
    damp = math.exp(-0.7)
    expected = (damp * math.sinh(0.3), damp * math.cosh(0.3))
    if name == "cos":
        expected = expected[::-1]
    got = (dual.nngp(small_q, small_q, small_c).item(), dual.dnngp(small_q, small_q, small_c).item())
    assert got == pytest.approx(expected, rel=1e-12)
