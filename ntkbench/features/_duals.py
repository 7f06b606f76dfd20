"""Per-layer feature maps of the ReLU dual activations κ1 (NNGP step) and κ0 (derivative step).

Each map splits its dual activation f(t) of the cosine t = ⟨x̂, ŷ⟩ into a constant, a linear term
and a random *residual* ρ with E⟨ρ(x̂), ρ(ŷ)⟩ = f(t) − const − linear·t. The constant and linear terms
are represented exactly by the layer recursion (a norm coordinate and a pass-through of the layer's
input), so only the small residual carries sampling or sketching noise. For κ1 this removes
t/2 + (most of) 1/π of the kernel from the Monte-Carlo estimate (control variates).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from scipy.special import gammaln

from ntkbench.sketches import PolySketch


def _directions(rs: np.random.RandomState, dim: int, count: int, orthogonal: bool) -> np.ndarray:
    """``count`` unit vectors uniform on the sphere S^{dim−1}, as columns; in orthogonal blocks if asked.

    Orthogonal blocks (Yu et al. 2016) keep every column marginally uniform, so estimators stay
    unbiased, and make the columns of a block negatively correlated, which lowers the variance.
    """
    cols = []
    left = count
    while left > 0:
        k = min(dim, left)
        g = rs.standard_normal((dim, k))
        if orthogonal and k > 1:
            q, r = np.linalg.qr(g)
            g = q * np.sign(np.diag(r))  # Haar-distributed orthonormal columns
        cols.append(g)
        left -= k
    u = np.concatenate(cols, axis=1)
    return u / np.linalg.norm(u, axis=0, keepdims=True)


def mean_abs_projection(dim: int) -> float:
    """μ_d = E|uᵀx̂| for u uniform on S^{d−1} and a unit x̂: Γ(d/2) / (√π Γ((d+1)/2))."""
    return float(np.exp(gammaln(dim / 2.0) - gammaln((dim + 1) / 2.0)) / math.sqrt(math.pi))


class ArcCos1RandomFeatures:
    """Residual random features of κ1: const = d μ_d²/2 (≈ 1/π), linear = 1/2.

    From 2·ReLU(a)ReLU(b) = (ab + |a||b|)/2 + odd terms, κ1(t) = t/2 + E_w|wᵀx̂||wᵀŷ|/2. With
    leverage-score sampling (Zandieh et al. 2021: density ∝ ‖w‖²N(w; 0, I), importance weight
    √d/‖w‖), the weighted feature √d·ReLU(wᵀx)/‖w‖ depends only on the direction u = w/‖w‖, which is
    uniform on the sphere: the leverage distribution is sampled *exactly* (the reference code runs one
    Gibbs sweep). The residual ρ_j(x̂) = √(d/(2m))·(|u_jᵀx̂| − μ_d) is the antithetic (w, −w) pair of
    ReLU features minus its exact mean and linear part. ``sampling="gaussian"`` uses w ~ N(0, I)
    (ρ_j = √(1/(2m))(|w_jᵀx̂| − √(2/π)), const = 1/π) for comparison.
    """

    linear = 0.5

    def __init__(self, input_dim: int, size: int, rs: np.random.RandomState, device: torch.device,
                 sampling: str = "leverage", orthogonal: bool = True) -> None:
        self.dim = size
        if sampling == "leverage":
            u = _directions(rs, input_dim, size, orthogonal) * math.sqrt(input_dim)
            mu = mean_abs_projection(input_dim) * math.sqrt(input_dim)
        else:
            u = rs.standard_normal((input_dim, size))
            mu = math.sqrt(2.0 / math.pi)
        self.const = 0.5 * mu * mu
        self.weights = torch.as_tensor(u, device=device)
        self.mu = mu
        self.scale = math.sqrt(0.5 / size)

    def __call__(self, xhat: torch.Tensor) -> torch.Tensor:
        return ((xhat @ self.weights.to(xhat.dtype)).abs_() - self.mu) * self.scale


class ArcCos0RandomFeatures:
    """Residual random features of κ0: const = 1/2, no linear term, ρ_j(x̂) = sign(u_jᵀx̂)/√(2m).

    2·1{a>0}1{b>0} summed with its antithetic pair gives 1{sign a = sign b} = (1 + sign a·sign b)/2,
    so κ0(t) = 1/2 + E[sign(uᵀx̂) sign(uᵀŷ)]/2 (= 1/2 + arcsin(t)/π). Directions as in
    :class:`ArcCos1RandomFeatures` (the sign does not depend on ‖w‖).
    """

    const = 0.5
    linear = 0.0

    def __init__(self, input_dim: int, size: int, rs: np.random.RandomState, device: torch.device,
                 orthogonal: bool = True) -> None:
        self.dim = size
        self.weights = torch.as_tensor(_directions(rs, input_dim, size, orthogonal), device=device)
        self.scale = math.sqrt(0.5 / size)

    def __call__(self, xhat: torch.Tensor) -> torch.Tensor:
        return torch.sign(xhat @ self.weights.to(xhat.dtype)) * self.scale


def split_budget(coeffs: np.ndarray, total: int) -> list[int]:
    """Sizes m_k ∝ c_k summing to ``total`` (largest remainders), at least 1 where c_k > 0.

    A sketch of c_k⟨x, y⟩^k with m_k features has variance ∝ c_k²/m_k; minimising Σ_k c_k²/m_k under
    Σ_k m_k = total gives m_k ∝ c_k.
    """
    c = np.asarray(coeffs, dtype=np.float64)
    nz = np.flatnonzero(c > 0)
    if total < len(nz):
        raise ValueError(f"{total} features cannot hold {len(nz)} polynomial terms")
    sizes = np.zeros(len(c), dtype=int)
    if len(nz) == 0:
        return sizes.tolist()
    sizes[nz] = 1
    share = c[nz] / c[nz].sum() * (total - len(nz))
    base = np.floor(share).astype(int)
    sizes[nz] += base
    rest = total - sizes.sum()
    order = np.argsort(-(share - base), kind="stable")[:rest]
    sizes[nz[order]] += 1
    return sizes.tolist()


class PolynomialDualFeatures:
    """Features of Σ_k c_k t^k (a polynomial fit of κ0 or κ1) through a :class:`PolySketch`.

    const = c_0. The degree-1 term is either the layer's pass-through (``linear = c_1``, for κ1) or
    the exact input √c_1·x̂ inside the residual (``include_linear=True``, for κ0, whose residual is fed
    to a TensorSRHT anyway). Degrees k ≥ 2 get sketches of sizes ∝ c_k summing to ``size``.
    """

    def __init__(self, input_dim: int, coeffs: np.ndarray, size: int, rs: np.random.RandomState,
                 device: torch.device, include_linear: bool = False) -> None:
        c = np.asarray(coeffs, dtype=np.float64)
        self.const = float(c[0])
        self.include_linear = include_linear
        self.linear = 0.0 if include_linear else float(c[1])
        self.c1 = float(c[1])
        higher = c[2:]
        sizes = split_budget(higher, size) if higher.size else []
        self.degree = len(c) - 1
        self.sketch = (PolySketch(input_dim, self.degree, [0] + sizes, weights=np.sqrt(c[1:]), random_state=rs,
                                  device=device) if sum(sizes) else None)
        self.input_dim = input_dim
        self.dim = sum(sizes) + (input_dim if include_linear else 0)

    def __call__(self, xhat: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
        if out is None:
            out = torch.empty(xhat.shape[0], self.dim, dtype=xhat.dtype, device=xhat.device)
        start = 0
        if self.include_linear:
            torch.mul(xhat, math.sqrt(self.c1), out=out[:, :self.input_dim])
            start = self.input_dim
        if self.sketch is not None:
            self.sketch.concatenated(xhat, out=out[:, start:])
        return out
