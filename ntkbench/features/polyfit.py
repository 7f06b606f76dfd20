"""Polynomial approximations with nonnegative coefficients of the ReLU dual activations (spec §1.5).

A dot-product kernel f(⟨x̂, ŷ⟩) can be sketched with PolySketch when f ≈ p(t) = Σ_k c_k t^k with
c_k ≥ 0 (then p(⟨x, y⟩) is a PSD kernel). The reference code fits p by weighted least squares (a QP,
no constraint at t = 1), which leaves large errors where the target has its √(1 − t) singularity,
e.g. K_2(1) ≈ 2.58 instead of 3 with a degree-2 fit.

Here every fit is a **minimax** (Chebyshev) fit solved as a linear program:

    min_c max_{t ∈ grid} |p(t) − f(t)|   subject to   c ≥ 0,   p(1) = f(1),   p(0) = f(0),

on a grid of 2,001 Chebyshev–Lobatto points of [−1, 1] (dense near ±1, where the targets bend).

* p(1) = f(1) makes the diagonal of the kernel exact (‖x‖²·f(1)); the spectral error is most
  sensitive to it.
* p(0) = f(0), i.e. c_0 = f(0), makes the constant term exact. The feature maps represent c_0 by one
  deterministic coordinate, so it costs no variance, and in high dimension most pairs of inputs are
  nearly orthogonal (t ≈ 0), where the constant dominates the kernel. The constraint raises the max
  error very little (K_2, q = 8: 0.080 → 0.083).
* The minimax objective bounds the error of every off-diagonal entry by ``max_error``·‖x‖‖y‖.

With c ≥ 0, p is increasing on [0, 1]; :func:`fit_report` measures the errors, and the tests and the
``NTKSketch`` docstring list them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np
from scipy.optimize import linprog

from ntkbench.kernels.arccos import kappa0, kappa1

GRID_SIZE = 2001


def chebyshev_grid(size: int = GRID_SIZE) -> np.ndarray:
    """Chebyshev–Lobatto points cos(πk/(size−1)) of [−1, 1], ascending, endpoints included."""
    return np.sort(np.cos(np.pi * np.arange(size) / (size - 1)))


def fit_nonnegative_minimax(f: Callable[[np.ndarray], np.ndarray], degree: int,
                            grid: np.ndarray | None = None) -> np.ndarray:
    """Coefficients c_0..c_q ≥ 0 minimising max |Σ c_k t^k − f(t)| on ``grid``, p(1) = f(1), p(0) = f(0).

    Parameters
    ----------
    f : callable
        Target function of t ∈ [−1, 1].
    degree : int
        Polynomial degree q >= 0.
    grid : ndarray, optional
        Points of [−1, 1]; default :func:`chebyshev_grid`.

    Returns
    -------
    ndarray of shape (q + 1,), nonnegative, lowest degree first.
    """
    if degree < 0:
        raise ValueError(f"degree must be >= 0, got {degree}")
    t = chebyshev_grid() if grid is None else np.asarray(grid, dtype=np.float64)
    V = np.vander(t, degree + 1, increasing=True)
    y = f(t)
    n, q1 = V.shape
    # variables [c_0..c_q, e]; minimise e
    cost = np.zeros(q1 + 1)
    cost[-1] = 1.0
    A_ub = np.block([[V, -np.ones((n, 1))], [-V, -np.ones((n, 1))]])
    b_ub = np.concatenate([y, -y])
    A_eq = np.zeros((2, q1 + 1))
    A_eq[0, :q1] = 1.0  # p(1)
    A_eq[1, 0] = 1.0  # p(0) = c_0
    b_eq = np.array([float(f(np.array([1.0]))[0]), float(f(np.array([0.0]))[0])])
    res = linprog(cost, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq,
                  bounds=[(0, None)] * (q1 + 1), method="highs")
    if not res.success:  # pragma: no cover - HiGHS solves these small LPs reliably
        raise RuntimeError(f"polynomial fit failed: {res.message}")
    c = np.clip(res.x[:q1], 0.0, None)
    c[c < 1e-9] = 0.0  # solver round-off; keeps zero-size sketches out of the feature maps
    return c


def ntk_dual(depth: int, get: str = "ntk") -> Callable[[np.ndarray], np.ndarray]:
    """The scalar functions K_L (NTK) or k_L (NNGP) of the cosine, spec §1.2 (c_σ = 2, no bias)."""

    def f(t: np.ndarray) -> np.ndarray:
        y = np.asarray(t, dtype=np.float64)
        theta = y.copy()
        for _ in range(depth):
            theta = theta * kappa0(y)
            y = kappa1(y)
            theta = theta + y
        return theta if get == "ntk" else y

    return f


@lru_cache(maxsize=None)
def _cached(kind: str, degree: int, depth: int) -> tuple[float, ...]:
    if kind == "kappa0":
        f = kappa0
    elif kind == "kappa1":
        f = kappa1
    else:
        f = ntk_dual(depth, kind)
    return tuple(fit_nonnegative_minimax(f, degree))


def kappa0_coeffs(degree: int) -> np.ndarray:
    """Minimax nonnegative fit of κ0 of degree ``degree`` (cached)."""
    return np.array(_cached("kappa0", degree, 0))


def kappa1_coeffs(degree: int) -> np.ndarray:
    """Minimax nonnegative fit of κ1 of degree ``degree`` (cached)."""
    return np.array(_cached("kappa1", degree, 0))


def ntk_coeffs(depth: int, degree: int, get: str = "ntk") -> np.ndarray:
    """Minimax nonnegative fit of the whole depth-L function K_L (``get="ntk"``) or k_L ("nngp")."""
    if get not in ("ntk", "nngp"):
        raise ValueError(f"get must be 'ntk' or 'nngp', got {get!r}")
    return np.array(_cached(get, degree, depth))


@dataclass(frozen=True)
class FitReport:
    """Errors of a polynomial fit p ≈ f on a fine grid of [−1, 1]."""

    max_error: float
    error_at_0: float
    value_at_1: float
    target_at_1: float
    monotone: bool


def fit_report(coeffs: np.ndarray, f: Callable[[np.ndarray], np.ndarray], size: int = 20001) -> FitReport:
    """Measure a fit: max |p − f| on ``size`` equispaced points, p(0) − f(0), p(1), f(1), monotonicity."""
    t = np.linspace(-1.0, 1.0, size)
    p = np.polynomial.polynomial.polyval(t, coeffs)
    ft = f(t)
    return FitReport(float(np.max(np.abs(p - ft))), float(p[size // 2] - ft[size // 2]), float(p[-1]),
                     float(ft[-1]), bool(np.all(np.diff(p) >= -1e-12)))
