"""Hermite expansions of activations: truncated dual activations and their radial decomposition.

For g ~ N(0, 1) and the normalised probabilists' Hermite functions h_l = He_l/√(l!), an activation
with E[σ(g)²] < ∞ expands as σ = Σ_l a_l h_l with a_l = E[σ(g) h_l(g)]. By Mehler's formula, for
unit vectors x, y with cosine t,

    K_σ(x, y) = E_w[σ(wᵀx) σ(wᵀy)] = Σ_l a_l² t^l,        Σ_l a_l² = E[σ(g)²],

so truncating at degree q leaves the *tail mass* E[σ²] − Σ_{l≤q} a_l², which bounds the error
|K_σ − K_q| on all of [−1, 1]. Off the sphere the same formula holds with norm-dependent
coefficients (the *radial decomposition*, Han et al. 2022, §4.2 of the spec):

    K_σ(x, y) = Σ_l r_l(‖x‖) r_l(‖y‖) ⟨x̂, ŷ⟩^l.

Two radial functions are provided (:meth:`HermiteSeries.radial`):

* ``"exact"``: r_l(ρ) = E[σ(ρg) h_l(g)] (Mehler applied to σ(ρ·)), by Gauss–Hermite quadrature;
  truncating it at q errs by at most √(tail(‖x‖)·tail(‖y‖)) for every pair and any norm;
* ``"polynomial"``: the paper's formula, the exact dual of the polynomial σ_q = Σ_{k≤q} b_k t^k
  (the truncated series in the monomial basis):
  r_l(ρ) = Σ_{j ≥ 0, l+2j ≤ q} b_{l+2j}·(l+2j)!/(j!·2^j·√(l!))·ρ^{l+2j}, l = 0..q, the top degree
  l = q included (the reference code drops it). It matches the truncated dual at ‖x‖ = 1 only
  approximately, and σ_q is a poor approximation of σ far from the origin, so it degrades for
  large norms.

Activations homogeneous of degree p (σ(cx) = c^p σ(x) for c > 0: ReLU, leaky ReLU, abs, step,
rectified monomials; the normalised Gaussian by definition of its dual) have r_l(ρ) = a_l·ρ^p
exactly, which :meth:`HermiteSeries.radial` uses for them.

Coefficients are in closed form for the ReLU family, step, sign, sin, cos and the normalised
Gaussian, and by Gauss–Hermite quadrature (:func:`numpy.polynomial.hermite_e.hermegauss`) for any
other registered activation or torch callable.

References
----------
I. Han, A. Zandieh, J. Lee, R. Novak, L. Xiao, A. Karbasi, "Fast Neural Kernel Embeddings for General
Activations", NeurIPS 2022. A. Daniely, R. Frostig, Y. Singer, "Toward Deeper Understanding of Neural
Networks: The Power of Initialization and a Dual View on Expressivity", NeurIPS 2016.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable

import numpy as np
import torch
from scipy.special import gammaln

from ntkbench.kernels.duals import (
    ABReLU, Cos, DualActivation, ExpNormalized, Identity, RectifiedMonomial, Sign, Sin, Step,
)
from ntkbench.kernels.registry import get_activation

#: Gauss–Hermite nodes of the coefficient and radial quadratures.
QUADRATURE_NODES = 240


def homogeneity(dual: DualActivation) -> int | None:
    """Degree p with σ(cx) = c^p σ(x) for c > 0 (for the dual: K(cx, y) = c^p K(x, y)), else None."""
    if isinstance(dual, (ABReLU, ExpNormalized, Identity)):
        return 1
    if isinstance(dual, RectifiedMonomial):
        return dual.degree
    if isinstance(dual, (Step, Sign)):
        return 0
    return None


def normalized_hermite(x: np.ndarray, degree: int) -> np.ndarray:
    """h_0..h_q at ``x`` as an array (len(x), q + 1), by the stable three-term recurrence
    h_l = (x·h_{l−1} − √(l−1)·h_{l−2})/√l."""
    x = np.asarray(x, dtype=np.float64)
    out = np.empty((x.size, degree + 1))
    out[:, 0] = 1.0
    if degree >= 1:
        out[:, 1] = x
    for l in range(2, degree + 1):
        out[:, l] = (x * out[:, l - 1] - math.sqrt(l - 1) * out[:, l - 2]) / math.sqrt(l)
    return out


@lru_cache(maxsize=8)
def _quadrature(nodes: int) -> tuple[np.ndarray, np.ndarray]:
    z, w = np.polynomial.hermite_e.hermegauss(nodes)
    w = w / math.sqrt(2.0 * math.pi)
    return z, w


@lru_cache(maxsize=64)
def _projection(nodes: int, degree: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes z and the matrix w_k·h_l(z_k) (nodes × (q + 1)): a_l = Σ_k f(z_k)·P[k, l]."""
    z, w = _quadrature(nodes)
    P = w[:, None] * normalized_hermite(z, degree)
    P.flags.writeable = False
    return z, P


def _apply(fn: Callable[[torch.Tensor], torch.Tensor], x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return fn(torch.as_tensor(x, dtype=torch.float64)).detach().cpu().numpy().astype(np.float64)


def check_square_integrable(fn: Callable[[torch.Tensor], torch.Tensor], name: str) -> None:
    """Raise ValueError unless σ(x)²·e^{−x²/2} vanishes for large |x| (else E[σ(g)²] = ∞ and σ has no dual)."""
    x = np.array([-40.0, -20.0, 20.0, 40.0])
    mass = _apply(fn, x) ** 2 * np.exp(-x * x / 2.0)
    if not np.all(np.isfinite(mass)) or np.max(mass[[0, 3]]) > 1e-12 * max(1.0, float(np.max(mass[[1, 2]]))):
        raise ValueError(f"activation {name!r} grows too fast: E[σ(g)²] is infinite for g ~ N(0, 1), so its "
                         "dual activation does not exist; use an activation that grows slower than e^{x²/4}")


def _relu_coefficients(degree: int) -> np.ndarray:
    """a_l of max(0, x): a_0 = 1/√(2π), a_1 = 1/2, odd l ≥ 3: 0, even l = 2k:
    (−1)^{k−1}·√((2k)!)/(√(2π)·2k·(2k−1)·(2k−2)!!)."""
    a = np.zeros(degree + 1)
    a[0] = 1.0 / math.sqrt(2.0 * math.pi)
    if degree >= 1:
        a[1] = 0.5
    for l in range(2, degree + 1, 2):
        k = l // 2
        log_dfact = (k - 1) * math.log(2.0) + gammaln(k)          # (2k−2)!! = 2^{k−1}(k−1)!
        log_mag = 0.5 * gammaln(l + 1) - 0.5 * math.log(2.0 * math.pi) - math.log(l * (l - 1)) - log_dfact
        a[l] = (-1.0) ** (k - 1) * math.exp(log_mag)
    return a


def _closed_form(dual: DualActivation, degree: int) -> np.ndarray | None:
    """Coefficients a_0..a_q where a closed form is known, else None."""
    l = np.arange(degree + 1)
    inv_sqrt_fact = np.exp(-0.5 * gammaln(l + 1))
    if isinstance(dual, ABReLU):       # σ = b·relu(x) − a·relu(−x) and relu(−x) has (−1)^l·a_l
        return (dual.b - dual.a * (-1.0) ** l) * _relu_coefficients(degree)
    if isinstance(dual, (Step, Sign)):  # step = relu′ and E[σ′h_l] = √(l+1)·E[σ h_{l+1}] (Stein)
        step = np.sqrt(l + 1.0) * _relu_coefficients(degree + 1)[1:]
        if isinstance(dual, Step):
            return step
        sign = 2.0 * step
        sign[0] -= 1.0
        return sign
    if isinstance(dual, (Sin, Cos)):    # E[e^{ig} He_l(g)] = i^l e^{−1/2}
        phase = (l % 4 == 1) * 1.0 - (l % 4 == 3) if isinstance(dual, Sin) else (l % 4 == 0) * 1.0 - (l % 4 == 2)
        return phase * math.exp(-0.5) * inv_sqrt_fact
    if isinstance(dual, ExpNormalized):  # its unit-variance σ = e^{√γ x − γ}: a_l = e^{−γ/2} γ^{l/2}/√(l!)
        return np.exp(-dual.gamma / 2.0 + l * math.log(dual.gamma) / 2.0) * inv_sqrt_fact
    if isinstance(dual, Identity):
        return (l == 1) * 1.0
    return None


def hermite_coefficients(activation: str | DualActivation | Callable, degree: int, *,
                         nodes: int = QUADRATURE_NODES, closed_form: bool = True) -> np.ndarray:
    """Normalised Hermite coefficients a_0..a_q of an activation, a_l = E[σ(g) h_l(g)].

    Parameters
    ----------
    activation : str, DualActivation or callable
        A registry name (``"gelu"``, ``"leaky_relu(slope=0.1)"``), a dual activation or a torch callable.
    degree : int
        Largest degree q >= 0.
    nodes : int, default=240
        Gauss–Hermite nodes of the quadrature (exact for polynomials of degree < 2·nodes − q).
    closed_form : bool, default=True
        Use the closed forms where known (set False to compare them with the quadrature).

    Returns
    -------
    ndarray of shape (q + 1,)

    Raises
    ------
    ValueError
        For an unknown activation, a negative degree, or an activation without a dual.
    """
    dual = get_activation(activation)
    degree = _check_degree(degree)
    if closed_form and (a := _closed_form(dual, degree)) is not None:
        return a
    check_square_integrable(dual.fn, dual.name)
    z, P = _projection(nodes, degree)
    return _apply(dual.fn, z) @ P


def _check_degree(degree: int) -> int:
    if isinstance(degree, bool) or int(degree) != degree or degree < 0:
        raise ValueError(f"degree must be an integer >= 0, got {degree!r}")
    return int(degree)


@dataclass(frozen=True)
class HermiteSeries:
    """The degree-q truncation of σ = Σ a_l h_l and of its dual activation.

    Build it with :func:`hermite_series` (σ) or :func:`derivative_series` (σ′, for the NTK).

    Attributes
    ----------
    coefficients : ndarray of shape (q + 1,)
        a_0..a_q (normalised basis).
    second_moment : float
        E[σ(g)²] = K_σ(x, x) for a unit x, from the exact dual.
    fn : callable
        σ on torch tensors (for the exact radial functions).
    homogeneity : int or None
        p if σ is positively homogeneous of degree p.
    name : str
    coefficients_of : callable
        Degree → coefficients up to that degree (for :func:`min_degree`).
    """

    coefficients: np.ndarray
    second_moment: float
    fn: Callable[[torch.Tensor], torch.Tensor]
    homogeneity: int | None
    name: str
    coefficients_of: Callable[[int], np.ndarray] = field(repr=False, compare=False, default=None)

    @property
    def degree(self) -> int:
        return len(self.coefficients) - 1

    @property
    def dual_coefficients(self) -> np.ndarray:
        """a_l², the coefficients of the truncated dual K_q(t) = Σ_{l≤q} a_l² t^l (nonnegative)."""
        return self.coefficients ** 2

    @property
    def tail_mass(self) -> float:
        """E[σ²] − Σ_{l≤q} a_l² ≥ 0: the bound max_{|t|≤1} |K_σ(t) − K_q(t)| on the unit sphere."""
        return max(self.second_moment - float(np.sum(self.dual_coefficients)), 0.0)

    @property
    def relative_error_bound(self) -> float:
        """tail_mass / E[σ²]: bound on |K_σ − K_q| relative to the kernel's diagonal."""
        return self.tail_mass / self.second_moment if self.second_moment > 0 else 0.0

    def dual(self, t: np.ndarray) -> np.ndarray:
        """K_q(t) = Σ_{l≤q} a_l² t^l, the truncated dual on the unit sphere."""
        return np.polynomial.polynomial.polyval(np.asarray(t, dtype=np.float64), self.dual_coefficients)

    def monomial_coefficients(self) -> np.ndarray:
        """b_0..b_q with σ_q(x) = Σ_l a_l h_l(x) = Σ_k b_k x^k."""
        out = np.zeros(self.degree + 1)
        for l, a in enumerate(self.coefficients):
            if a != 0.0:
                he = np.polynomial.hermite_e.herme2poly(np.eye(l + 1)[l])
                out[:l + 1] += a * np.exp(-0.5 * gammaln(l + 1)) * he
        return out

    def radial(self, norms: np.ndarray, method: str = "exact", *, nodes: int = QUADRATURE_NODES) -> np.ndarray:
        """Radial functions r_0..r_q at ``norms``: an array (len(norms), q + 1).

        Homogeneous activations give a_l·ρ^p whatever ``method``; otherwise ``method="exact"``
        gives r_l(ρ) = E[σ(ρg) h_l(g)] by quadrature and ``"polynomial"`` the paper's formula
        (module docstring).
        """
        rho = np.asarray(norms, dtype=np.float64).reshape(-1)
        if self.homogeneity is not None:
            return rho[:, None] ** self.homogeneity * self.coefficients[None, :]
        if method == "exact":
            z, P = _projection(nodes, self.degree)
            return _apply(self.fn, rho[:, None] * z[None, :]) @ P
        if method == "polynomial":
            return self._polynomial_radial(rho)
        raise ValueError(f"radial method must be 'exact' or 'polynomial', got {method!r}")

    def _polynomial_radial(self, rho: np.ndarray) -> np.ndarray:
        b = self.monomial_coefficients()
        q = self.degree
        out = np.zeros((rho.size, q + 1))
        for l in range(q + 1):              # l = q included: the reference code stops at q − 1
            for j in range((q - l) // 2 + 1):
                k = l + 2 * j
                if b[k] != 0.0:
                    log_c = gammaln(k + 1) - gammaln(j + 1) - j * math.log(2.0) - 0.5 * gammaln(l + 1)
                    out[:, l] += b[k] * math.exp(log_c) * rho ** k
        return out

    def kernel(self, X: np.ndarray, Y: np.ndarray | None = None, method: str = "exact") -> np.ndarray:
        """Σ_{l≤q} r_l(‖x‖) r_l(‖y‖) ⟨x̂, ŷ⟩^l for the rows of X and Y (the truncated dual off the sphere)."""
        X = np.asarray(X, dtype=np.float64)
        Y = X if Y is None else np.asarray(Y, dtype=np.float64)
        nx, ny = np.linalg.norm(X, axis=1), np.linalg.norm(Y, axis=1)
        t = (X / np.where(nx > 0, nx, 1.0)[:, None]) @ (Y / np.where(ny > 0, ny, 1.0)[:, None]).T
        np.clip(t, -1.0, 1.0, out=t)
        rx, ry = self.radial(nx, method), self.radial(ny, method)
        out = np.zeros_like(t)
        for l in range(self.degree, -1, -1):      # Horner in t
            out *= t
            out += np.outer(rx[:, l], ry[:, l])
        return out


def _check_accuracy(series: HermiteSeries, rtol: float | None) -> HermiteSeries:
    if rtol is not None and series.relative_error_bound > rtol:
        needed = min_degree(series, rtol)
        hint = f"use degree >= {needed}" if needed is not None else "no degree up to 200 reaches it"
        raise ValueError(f"degree {series.degree} leaves a relative error bound (tail mass) of "
                         f"{series.relative_error_bound:.3g} > rtol={rtol:g} for {series.name}; {hint}")
    return series


def hermite_series(activation: str | DualActivation | Callable, degree: int, *,
                   rtol: float | None = None) -> HermiteSeries:
    """The degree-``degree`` Hermite truncation of an activation and of its dual.

    Parameters
    ----------
    activation : str, DualActivation or callable
    degree : int
    rtol : float, optional
        Required relative accuracy of the truncated dual on the sphere (tail mass / E[σ²]); a degree
        too low for it is a ValueError that names the lowest degree that reaches it.

    Examples
    --------
    >>> s = hermite_series("relu", 2)
    >>> [round(float(a), 4) for a in s.coefficients]
    [0.3989, 0.5, 0.2821]
    >>> round(s.tail_mass, 4)
    0.0113
    """
    dual = get_activation(activation)
    coefficients = hermite_coefficients(dual, degree)
    one = torch.ones(1, dtype=torch.float64)
    second = float(dual.variance(one)[0])
    series = HermiteSeries(coefficients, second, dual.fn, homogeneity(dual), dual.name,
                           lambda q: hermite_coefficients(dual, q))
    return _check_accuracy(series, rtol)


def derivative_series(activation: str | DualActivation | Callable, degree: int, *,
                      rtol: float | None = None) -> HermiteSeries:
    """The Hermite truncation of σ′, whose dual E[σ′(u)σ′(v)] is the NTK's derivative map.

    Its coefficients follow from σ's by Gaussian integration by parts, a′_l = √(l+1)·a_{l+1}, so they
    need no differentiation (and hold for kinks such as ReLU's). E[σ′(g)²] comes from the exact dual.
    """
    dual = get_activation(activation)
    degree = _check_degree(degree)
    hermite_coefficients(dual, 0)          # checks that σ has a dual
    one = torch.ones(1, dtype=torch.float64)
    second = float(dual.dnngp(one, one, one)[0])
    p = homogeneity(dual)
    series = HermiteSeries(_derivative_coefficients(dual, degree, second), second, dual.derivative,
                           None if p is None else max(p - 1, 0), f"{dual.name}′",
                           lambda q: _derivative_coefficients(dual, q, second))
    return _check_accuracy(series, rtol)


def _derivative_coefficients(dual: DualActivation, degree: int, second_moment: float) -> np.ndarray:
    """a′_l = √(l+1)·a_{l+1}; zero where the dual's derivative map is (step, sign: σ′ = 0 a.e.)."""
    if second_moment == 0.0:
        return np.zeros(degree + 1)
    return np.sqrt(np.arange(1, degree + 2)) * hermite_coefficients(dual, degree + 1)[1:]


def min_degree(series: HermiteSeries, rtol: float, max_degree: int = 200) -> int | None:
    """Smallest q ≤ ``max_degree`` whose truncation has relative tail mass ≤ ``rtol`` (None if none)."""
    a = series.coefficients_of(max_degree)
    tails = series.second_moment - np.cumsum(a ** 2)
    ok = np.flatnonzero(tails <= rtol * series.second_moment)
    return int(ok[0]) if ok.size else None

