"""Dual activations in closed form: the Gaussian expectations that drive every NNGP/NTK recursion.

For an activation σ and a centred Gaussian pair (u, v) with variances q1, q2 and covariance c, a
dual activation provides

* the NNGP map  ``nngp(q1, q2, c) = E[σ(u) σ(v)]``, and
* the derivative map  ``dnngp(q1, q2, c) = E[σ′(u) σ′(v)]`` (= ∂ nngp / ∂c), used by the NTK.

Arguments are torch tensors that broadcast against each other (typically q1 of shape (n1, 1), q2 of
shape (1, n2) and c of shape (n1, n2)). No weight variance is included: the layer recursions of
:mod:`ntkbench.kernels.fc` and :mod:`ntkbench.kernels.conv` multiply by w_std² themselves.

References
----------
Cho & Saul (2009), "Kernel methods for deep learning" (arc-cosine kernels, rectified monomials).
Williams (1997), "Computing with infinite networks" (erf). Han et al. (2022), "Fast neural kernel
embeddings for general activations" (GELU, sin, Gaussian, normalised Gaussian).
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch

Tensor = torch.Tensor
_PI = math.pi


def _fmt(value: float) -> str:
    return f"{float(value):.12g}"


def _ufunc_(t: Tensor, np_fn: Callable, torch_fn: Callable) -> Tensor:
    """Apply an elementwise function in place; on CPU through numpy, whose sqrt is about 2x faster
    than torch's here (measured with torch 2.13 on AMD EPYC)."""
    if t.device.type == "cpu" and t.is_contiguous() and not t.requires_grad:
        arr = t.numpy()
        np_fn(arr, out=arr)
        return t
    return torch_fn(t)


def acos_(t: Tensor) -> Tensor:
    """In-place arccos (torch's: 3-5x faster than numpy's on CPU, measured with torch 2.13 on AMD
    EPYC with AVX2, float32 and float64)."""
    return t.acos_()


def sqrt_(t: Tensor) -> Tensor:
    """In-place square root."""
    return _ufunc_(t, np.sqrt, torch.Tensor.sqrt_)


def one_minus_(t: Tensor) -> Tensor:
    """In place t ← 1 − t (one pass)."""
    return _ufunc_(t, lambda a, out: np.subtract(1.0, a, out=out), lambda x: x.neg_().add_(1.0))


def _inv(root: Tensor) -> Tensor:
    """1/root with 1/0 := 0 (a zero-variance input has cosine 0 with everything)."""
    return torch.where(root > 0, 1.0 / torch.where(root > 0, root, 1.0), 0.0)


def cosine(q1: Tensor, q2: Tensor, c: Tensor, sign: float = 1.0) -> tuple[Tensor, Tensor, Tensor]:
    """Return (√q1, √q2, ρ) with ρ = c/√(q1 q2) clipped to [−1, 1] and ρ = 0 where q1 q2 = 0
    (times ``sign``, which costs nothing here).

    Only ``c`` needs the full shape; √q1 and √q2 keep the (broadcastable) shapes of q1 and q2, so
    that callers can scale by √(q1 q2) with two broadcast multiplications.
    """
    r1, r2 = torch.sqrt(q1), torch.sqrt(q2)
    # A relative nudge of a few ulps, folded into the small factor, snaps cosines that rounding
    # left just inside ±1 to exactly ±1 (arccos amplifies an error δ there to √(2δ)).
    # Out of place with the second factor, in place with the first: torch's out-of-place kernel
    # is ~8x slower when the broadcast (stride-0) operand varies along the innermost axis.
    rho = c * (_inv(r2) * (sign * (1.0 + 8.0 * torch.finfo(c.dtype).eps)))
    rho.mul_(_inv(r1))
    return r1, r2, rho.clamp_(-1.0, 1.0)


class DualActivation:
    """Base class: an activation together with its NNGP and derivative dual maps.

    Subclasses implement :meth:`nngp`, :meth:`dnngp` and :meth:`fn` (the activation itself, used by
    Monte Carlo checks and finite-width networks); they may override :meth:`both` to share work.

    Attributes
    ----------
    name : str
        Canonical name with parameters, e.g. ``"leaky_relu(slope=0.1)"``; it parses back through
        :func:`ntkbench.kernels.get_activation` and is used in cache keys.
    elementwise : bool
        False for kernels (such as the normalised Gaussian) whose dual is defined directly and that
        equal an elementwise activation only for unit-variance inputs.
    """

    name: str = "dual"
    elementwise: bool = True

    def nngp(self, q1: Tensor, q2: Tensor, c: Tensor) -> Tensor:
        """E[σ(u) σ(v)] for (u, v) centred Gaussian with Var u = q1, Var v = q2, Cov = c."""
        raise NotImplementedError

    def dnngp(self, q1: Tensor, q2: Tensor, c: Tensor) -> Tensor:
        """E[σ′(u) σ′(v)] for the same Gaussian pair (the NTK derivative map)."""
        raise NotImplementedError

    def both(self, q1: Tensor, q2: Tensor, c: Tensor, scale: float = 1.0) -> tuple[Tensor, Tensor]:
        """Both maps at once, each multiplied by ``scale`` (subclasses share work such as arccos
        and fold ``scale`` into their constants). ``c`` is not modified."""
        nngp, dnngp = self.nngp(q1, q2, c), self.dnngp(q1, q2, c)
        if scale != 1.0:
            nngp, dnngp = nngp * scale, dnngp * scale
        return nngp, dnngp

    def variance(self, q: Tensor) -> Tensor:
        """E[σ(u)²] for u ~ N(0, q): the diagonal of the NNGP map."""
        return self.nngp(q, q, q)

    def fn(self, x: Tensor) -> Tensor:
        """The activation σ applied elementwise (torch, differentiable where σ is)."""
        raise NotImplementedError

    def derivative(self, x: Tensor) -> Tensor:
        """σ′ applied elementwise (almost-everywhere derivative), by autograd unless overridden."""
        with torch.enable_grad():
            t = x.detach().clone().requires_grad_(True)
            y = self.fn(t)
            if not y.requires_grad:          # piecewise constant (step): σ′ = 0 a.e.
                return torch.zeros_like(x)
            (grad,) = torch.autograd.grad(y.sum(), t)
        return grad

    def __repr__(self) -> str:
        return f"<dual activation {self.name}>"


class ABReLU(DualActivation):
    """σ(x) = a·x for x < 0 and b·x for x ≥ 0 (ReLU: a=0, b=1; leaky ReLU: a=slope; abs: a=−1).

    NNGP = (a−b)²·√(q1q2)·κ1(ρ)/2 + ab·c and derivative map = (a−b)²·κ0(ρ)/2 + ab, from
    E[ReLU(u)ReLU(v)] = √(q1q2)κ1(ρ)/2, E[1{u>0}1{v>0}] = κ0(ρ)/2 and κ1(ρ) − κ1(−ρ) = ρ.
    """

    def __init__(self, a: float = 0.0, b: float = 1.0, name: str | None = None) -> None:
        self.a, self.b = float(a), float(b)
        self.name = name or f"ab_relu(a={_fmt(a)},b={_fmt(b)})"

    def both(self, q1: Tensor, q2: Tensor, c: Tensor, scale: float = 1.0) -> tuple[Tensor, Tensor]:
        # Hot path of every ReLU kernel: one arccos and one sqrt per entry, few passes, no copies.
        # The cosine is formed negated (ρn = −ρ), so that φ = π − arccos ρ = arccos ρn needs no
        # extra pass, and π κ1(ρ) = √(1 − ρn²) − ρn φ.
        r1, r2, rho = cosine(q1, q2, c, sign=-1.0)
        phi = torch.acos(rho)
        k1 = torch.mul(rho, rho)
        sqrt_(one_minus_(k1)).addcmul_(rho, phi, value=-1.0)
        del rho
        gain = scale * (self.a - self.b) ** 2 / (2.0 * _PI)
        ab = scale * self.a * self.b
        nngp = k1.mul_(r1 * gain).mul_(r2)
        dnngp = phi.mul_(gain)
        if ab != 0.0:
            nngp.add_(c, alpha=ab)
            dnngp.add_(ab)
        return nngp, dnngp

    def nngp(self, q1: Tensor, q2: Tensor, c: Tensor) -> Tensor:
        return self.both(q1, q2, c)[0]

    def dnngp(self, q1: Tensor, q2: Tensor, c: Tensor) -> Tensor:
        rho = cosine(q1, q2, c)[2]
        gain = (self.a - self.b) ** 2 / (2.0 * _PI)
        return acos_(rho.neg_()).mul_(gain).add_(self.a * self.b)

    def variance(self, q: Tensor) -> Tensor:
        return q * ((self.a ** 2 + self.b ** 2) / 2.0)

    def fn(self, x: Tensor) -> Tensor:
        return torch.where(x >= 0, self.b * x, self.a * x)

    def derivative(self, x: Tensor) -> Tensor:
        return torch.where(x >= 0, torch.full_like(x, self.b), torch.full_like(x, self.a))


class Step(DualActivation):
    """Heaviside step σ(x) = 1{x > 0}: NNGP = κ0(ρ)/2; derivative 0 almost everywhere.

    The derivative map is taken as 0 (the gradient of a step is 0 wherever it exists), as
    neural-tangents does and as torch autograd sees a finite network.
    """

    name = "step"

    def nngp(self, q1: Tensor, q2: Tensor, c: Tensor) -> Tensor:
        rho = cosine(q1, q2, c)[2]
        return acos_(rho.neg_()).div_(2.0 * _PI)

    def dnngp(self, q1: Tensor, q2: Tensor, c: Tensor) -> Tensor:
        return torch.zeros_like(c * q1 * q2)

    def fn(self, x: Tensor) -> Tensor:
        return (x > 0).to(x.dtype)


class Sign(DualActivation):
    """σ(x) = sign(x): NNGP = (2/π)·arcsin ρ; derivative 0 almost everywhere (see :class:`Step`)."""

    name = "sign"

    def nngp(self, q1: Tensor, q2: Tensor, c: Tensor) -> Tensor:
        rho = cosine(q1, q2, c)[2]
        return torch.asin(rho).mul_(2.0 / _PI)

    def dnngp(self, q1: Tensor, q2: Tensor, c: Tensor) -> Tensor:
        return torch.zeros_like(c * q1 * q2)

    def fn(self, x: Tensor) -> Tensor:
        return torch.sign(x)


class Erf(DualActivation):
    """σ(x) = erf(x) (Williams 1997): NNGP = (2/π)·arcsin(2c/√((1+2q1)(1+2q2))),
    derivative map = (4/π)/√((1+2q1)(1+2q2) − 4c²)."""

    name = "erf"

    def nngp(self, q1: Tensor, q2: Tensor, c: Tensor) -> Tensor:
        ratio = (2.0 * c) / torch.sqrt((1.0 + 2.0 * q1) * (1.0 + 2.0 * q2))
        return torch.asin(ratio.clamp_(-1.0, 1.0)).mul_(2.0 / _PI)

    def dnngp(self, q1: Tensor, q2: Tensor, c: Tensor) -> Tensor:
        det = (1.0 + 2.0 * q1) * (1.0 + 2.0 * q2) - 4.0 * c * c
        return torch.rsqrt(det).mul_(4.0 / _PI)

    def fn(self, x: Tensor) -> Tensor:
        return torch.erf(x)

    def derivative(self, x: Tensor) -> Tensor:
        return torch.exp(-x * x) * (2.0 / math.sqrt(_PI))


class Gelu(DualActivation):
    """σ(x) = x·Φ(x) (exact GELU). Closed forms from Stein's lemma with D = (1+q1)(1+q2) − c²:

    NNGP = c/4 + c·arcsin(c/√((1+q1)(1+q2)))/(2π) + (q1q2 + c²(1 − q1/(1+q1) − q2/(1+q2)))/(2π√D),
    derivative map = 1/4 + arcsin(c/√((1+q1)(1+q2)))/(2π)
    + c(2+q1+q2)/((1+q1)(1+q2)·2π√D) + c/(2π D^{3/2}).
    """

    name = "gelu"

    @staticmethod
    def _parts(q1: Tensor, q2: Tensor, c: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        p1, p2 = 1.0 + q1, 1.0 + q2
        det = p1 * p2 - c * c
        arcsin = torch.asin((c / torch.sqrt(p1 * p2)).clamp(-1.0, 1.0))
        return p1, p2, det, arcsin

    def nngp(self, q1: Tensor, q2: Tensor, c: Tensor) -> Tensor:
        p1, p2, det, arcsin = self._parts(q1, q2, c)
        poly = q1 * q2 + c * c * (1.0 - q1 / p1 - q2 / p2)
        return c / 4.0 + c * arcsin / (2.0 * _PI) + poly / (2.0 * _PI * torch.sqrt(det))

    def dnngp(self, q1: Tensor, q2: Tensor, c: Tensor) -> Tensor:
        p1, p2, det, arcsin = self._parts(q1, q2, c)
        root = torch.sqrt(det)
        return (0.25 + arcsin / (2.0 * _PI) + c * (p1 + p2) / (p1 * p2 * 2.0 * _PI * root)
                + c / (2.0 * _PI * det * root))

    def fn(self, x: Tensor) -> Tensor:
        return torch.nn.functional.gelu(x)


def _damped_hyperbolic(q1: Tensor, q2: Tensor, c: Tensor, sign: float) -> Tensor:
    """e^{−(q1+q2)/2}·(e^c + sign·e^{−c})/2, i.e. the damped cosh (sign=+1) or sinh (sign=−1).

    Written with both exponents ≤ 0 (|c| ≤ √(q1q2) ≤ (q1+q2)/2), so large input norms, where
    sinh c and cosh c overflow, stay finite.
    """
    half = (q1 + q2) / 2.0
    return (torch.exp(c - half) + sign * torch.exp(-c - half)) / 2.0


class Sin(DualActivation):
    """σ(x) = sin(x): NNGP = e^{−(q1+q2)/2}·sinh c, derivative map = e^{−(q1+q2)/2}·cosh c."""

    name = "sin"

    def nngp(self, q1: Tensor, q2: Tensor, c: Tensor) -> Tensor:
        return _damped_hyperbolic(q1, q2, c, -1.0)

    def dnngp(self, q1: Tensor, q2: Tensor, c: Tensor) -> Tensor:
        return _damped_hyperbolic(q1, q2, c, 1.0)

    def fn(self, x: Tensor) -> Tensor:
        return torch.sin(x)

    def derivative(self, x: Tensor) -> Tensor:
        return torch.cos(x)


class Cos(DualActivation):
    """σ(x) = cos(x): NNGP = e^{−(q1+q2)/2}·cosh c, derivative map = e^{−(q1+q2)/2}·sinh c."""

    name = "cos"

    def nngp(self, q1: Tensor, q2: Tensor, c: Tensor) -> Tensor:
        return _damped_hyperbolic(q1, q2, c, 1.0)

    def dnngp(self, q1: Tensor, q2: Tensor, c: Tensor) -> Tensor:
        return _damped_hyperbolic(q1, q2, c, -1.0)

    def fn(self, x: Tensor) -> Tensor:
        return torch.cos(x)

    def derivative(self, x: Tensor) -> Tensor:
        return -torch.sin(x)


class Gaussian(DualActivation):
    """σ(x) = exp(−x²/2): NNGP = 1/√D, derivative map = c/D^{3/2}, D = (1+q1)(1+q2) − c²."""

    name = "gaussian"

    def nngp(self, q1: Tensor, q2: Tensor, c: Tensor) -> Tensor:
        return torch.rsqrt((1.0 + q1) * (1.0 + q2) - c * c)

    def dnngp(self, q1: Tensor, q2: Tensor, c: Tensor) -> Tensor:
        det = (1.0 + q1) * (1.0 + q2) - c * c
        return c * torch.rsqrt(det) / det

    def fn(self, x: Tensor) -> Tensor:
        return torch.exp(-x * x / 2.0)

    def derivative(self, x: Tensor) -> Tensor:
        return -x * torch.exp(-x * x / 2.0)


class ExpNormalized(DualActivation):
    """Normalised Gaussian (neural-tangents ``ExpNormalized``): NNGP = √(q1q2)·exp(γ(ρ − 1)),
    derivative map = γ·exp(γ(ρ − 1)) (= ∂NNGP/∂c).

    Defined through its dual, so it is homogeneous of degree 1 in the inputs. For unit-variance
    inputs it is the dual of the elementwise σ(x) = exp(√γ·x − γ), which :meth:`fn` returns.
    """

    elementwise = False

    def __init__(self, gamma: float = 1.0) -> None:
        if not gamma > 0:
            raise ValueError(f"exp_normalized gamma must be > 0, got {gamma!r}")
        self.gamma = float(gamma)
        self.name = f"exp_normalized(gamma={_fmt(gamma)})"

    def both(self, q1: Tensor, q2: Tensor, c: Tensor, scale: float = 1.0) -> tuple[Tensor, Tensor]:
        r1, r2, rho = cosine(q1, q2, c)
        e = torch.exp(rho.sub_(1.0).mul_(self.gamma))
        return e * (r1 * scale) * r2, e.mul_(self.gamma * scale)

    def nngp(self, q1: Tensor, q2: Tensor, c: Tensor) -> Tensor:
        return self.both(q1, q2, c)[0]

    def dnngp(self, q1: Tensor, q2: Tensor, c: Tensor) -> Tensor:
        return self.both(q1, q2, c)[1]

    def variance(self, q: Tensor) -> Tensor:
        return q.clone()

    def fn(self, x: Tensor) -> Tensor:
        return torch.exp(math.sqrt(self.gamma) * x - self.gamma)


def _arccos_j(n: int, rho: Tensor, phi: Tensor, s: Tensor) -> Tensor:
    """Cho & Saul's J_n(θ) with cos θ = ρ, π − θ = φ, sin θ = s, for n = 0..3."""
    if n == 0:
        return phi.clone()
    if n == 1:
        return s + rho * phi
    if n == 2:
        return 3.0 * s * rho + phi * (1.0 + 2.0 * rho * rho)
    if n == 3:
        s2 = s * s
        return 15.0 * s - 11.0 * s2 * s + phi * (9.0 * s2 * rho + 15.0 * rho ** 3)
    raise ValueError(f"rectified monomial degree must be 0..3, got {n}")


class RectifiedMonomial(DualActivation):
    """σ(x) = max(0, x)^n, n ∈ {0, 1, 2, 3} (Cho & Saul's arc-cosine kernels):
    NNGP = (q1q2)^{n/2}·J_n(θ)/(2π), derivative map = n²·(q1q2)^{(n−1)/2}·J_{n−1}(θ)/(2π).
    """

    def __init__(self, degree: int = 2) -> None:
        if int(degree) != degree or not 0 <= degree <= 3:
            raise ValueError(f"rect_monomial degree must be an integer in 0..3, got {degree!r}")
        self.degree = int(degree)
        self.name = f"rect_monomial(degree={self.degree})"

    def both(self, q1: Tensor, q2: Tensor, c: Tensor, scale: float = 1.0) -> tuple[Tensor, Tensor]:
        n = self.degree
        r1, r2, rho = cosine(q1, q2, c)
        root = r1 * r2
        phi = acos_(rho.neg())
        s = torch.sqrt((1.0 - rho * rho).clamp_(min=0.0))
        nngp = _arccos_j(n, rho, phi, s) * root ** n * (scale / (2.0 * _PI))
        if n == 0:
            return nngp, torch.zeros_like(nngp)
        dnngp = _arccos_j(n - 1, rho, phi, s) * root ** (n - 1) * (scale * n * n / (2.0 * _PI))
        return nngp, dnngp

    def nngp(self, q1: Tensor, q2: Tensor, c: Tensor) -> Tensor:
        return self.both(q1, q2, c)[0]

    def dnngp(self, q1: Tensor, q2: Tensor, c: Tensor) -> Tensor:
        return self.both(q1, q2, c)[1]

    def fn(self, x: Tensor) -> Tensor:
        r = torch.clamp(x, min=0.0)
        return (x > 0).to(x.dtype) if self.degree == 0 else r ** self.degree


class Identity(DualActivation):
    """σ(x) = x: NNGP = c, derivative map = 1 (a linear network)."""

    name = "identity"

    def nngp(self, q1: Tensor, q2: Tensor, c: Tensor) -> Tensor:
        return c * torch.ones_like(q1 * q2)

    def dnngp(self, q1: Tensor, q2: Tensor, c: Tensor) -> Tensor:
        return torch.ones_like(c * q1 * q2)

    def fn(self, x: Tensor) -> Tensor:
        return x.clone()


def relu() -> ABReLU:
    """ReLU σ(x) = max(0, x)."""
    return ABReLU(0.0, 1.0, name="relu")


def leaky_relu(slope: float = 0.01) -> ABReLU:
    """Leaky ReLU with negative slope ``slope``."""
    return ABReLU(slope, 1.0, name=f"leaky_relu(slope={_fmt(slope)})")


def abs_() -> ABReLU:
    """σ(x) = |x|."""
    return ABReLU(-1.0, 1.0, name="abs")


CLOSED_FORMS: dict[str, Callable[..., DualActivation]] = {
    "relu": relu,
    "leaky_relu": leaky_relu,
    "ab_relu": ABReLU,
    "abs": abs_,
    "step": Step,
    "sign": Sign,
    "erf": Erf,
    "gelu": Gelu,
    "sin": Sin,
    "cos": Cos,
    "gaussian": Gaussian,
    "exp_normalized": ExpNormalized,
    "rect_monomial": RectifiedMonomial,
    "identity": Identity,
}
