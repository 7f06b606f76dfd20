"""The polynomial fits: constraints hold, errors fall with the degree and beat the reference fits."""

from __future__ import annotations

import numpy as np
import pytest

from ntkbench.features.polyfit import (fit_nonnegative_minimax, fit_report, kappa0_coeffs, kappa1_coeffs,
                                       ntk_coeffs, ntk_dual)
from ntkbench.kernels import fc_kernel, kappa0, kappa1

TARGETS = [("kappa0", kappa0, kappa0_coeffs), ("kappa1", kappa1, kappa1_coeffs),
           ("K2", ntk_dual(2), lambda q: ntk_coeffs(2, q)), ("k3", ntk_dual(3, "nngp"), lambda q: ntk_coeffs(3, q, "nngp"))]


@pytest.mark.parametrize("name, f, coeffs", TARGETS, ids=[t[0] for t in TARGETS])
def test_fits_are_nonnegative_exact_at_0_and_1_and_improve_with_degree(name, f, coeffs):
    errors = []
    for q in (2, 4, 8):
        c = coeffs(q)
        assert c.shape == (q + 1,) and np.all(c >= 0)
        r = fit_report(c, f)
        assert r.value_at_1 == pytest.approx(r.target_at_1, abs=1e-8)
        assert abs(r.error_at_0) < 1e-8
        p = np.polynomial.polynomial.polyval(np.linspace(0, 1, 1001), c)
        assert np.all(np.diff(p) >= 0)  # c ≥ 0: increasing on [0, 1] like every target
        errors.append(r.max_error)
    assert errors[0] > errors[1] > errors[2]


@pytest.mark.parametrize("name, f, coeffs", TARGETS, ids=[t[0] for t in TARGETS])
def test_minimax_beats_the_lumped_taylor_polynomial(name, f, coeffs):
    """Taylor coefficients of degree < q with the rest of f(1) lumped into t^q satisfy every constraint
    (c ≥ 0, p(0) = f(0), p(1) = f(1)), so the minimax fit can be no worse than it."""
    q = 6
    t = np.polynomial.chebyshev.chebpts2(400)
    taylor = np.polynomial.polynomial.polyfit(t * 1e-2, f(t * 1e-2), q - 1) * (1e2 ** np.arange(q))  # numeric Taylor
    taylor = np.clip(taylor, 0, None)
    taylor[0] = f(np.array([0.0]))[0]
    lumped = np.append(taylor, max(f(np.array([1.0]))[0] - taylor.sum(), 0.0))
    assert fit_report(coeffs(q), f).max_error <= fit_report(lumped, f).max_error + 1e-9


def test_fits_fix_the_reference_defects():
    """Reference degree-2 QP fit of K_2: max error 0.42 and K_2(1) ≈ 2.58 instead of 3 (spec §1.5)."""
    r = fit_report(ntk_coeffs(2, 2), ntk_dual(2))
    assert r.max_error < 0.423 and r.value_at_1 == pytest.approx(3.0)
    assert fit_report(kappa0_coeffs(4), kappa0).max_error < 0.069  # reference kdotrelu q = 4
    assert fit_report(kappa1_coeffs(4), kappa1).max_error < 0.0015  # reference krelu q = 4


def test_ntk_dual_matches_the_exact_kernel(rng):
    x = rng.standard_normal((5, 4))
    norms = np.linalg.norm(x, axis=1)
    t = np.clip((x @ x.T) / np.outer(norms, norms), -1, 1)
    for depth in (1, 3):
        for get in ("ntk", "nngp"):
            np.testing.assert_allclose(np.outer(norms, norms) * ntk_dual(depth, get)(t),
                                       fc_kernel(x, depth=depth, get=get), rtol=1e-7, atol=1e-9)


def test_invalid_fit_arguments():
    with pytest.raises(ValueError, match="degree"):
        fit_nonnegative_minimax(kappa1, -1)
    with pytest.raises(ValueError, match="get"):
        ntk_coeffs(2, 4, "cntk")
