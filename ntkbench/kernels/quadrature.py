"""Numeric dual activation of any callable by two-dimensional Gauss–Hermite quadrature."""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch

from ntkbench.kernels.duals import DualActivation, cosine

Tensor = torch.Tensor


class NumericDual(DualActivation):
    """Dual activation of an arbitrary elementwise ``fn`` by Gauss–Hermite quadrature.

    With (u, v) = (√q1·z1, √q2·(ρ z1 + √(1−ρ²) z2)) for independent standard normals z1, z2,
    ``E[σ(u)σ(v)] ≈ Σ_ij w_i w_j σ(u_i) σ(v_ij)`` on the probabilists' Hermite nodes
    (:func:`numpy.polynomial.hermite_e.hermegauss`). Exact for polynomial σ of degree < ``degree``;
    for smooth σ the error falls exponentially with ``degree``, for kinks (ReLU) only
    polynomially.

    Parameters
    ----------
    fn : callable
        Elementwise activation on torch tensors, e.g. ``torch.tanh``.
    derivative : callable, optional
        σ′ on torch tensors. By default it is obtained with torch autograd from ``fn``.
    degree : int, default=64
        Number of quadrature nodes per dimension.
    name : str, optional
        Canonical name (used in cache keys); defaults to ``numeric(<fn name>)``.
    chunk : int, default=2**16
        Bounds memory: at most ``chunk × degree`` function values are evaluated at once.

    Examples
    --------
    >>> import torch
    >>> dual = NumericDual(torch.tanh, degree=48)
    >>> q = torch.tensor([1.0], dtype=torch.float64)
    >>> float(dual.nngp(q, q, 0.5 * q)) > 0
    True
    """

    def __init__(self, fn: Callable[[Tensor], Tensor], *, derivative: Callable[[Tensor], Tensor] | None = None,
                 degree: int = 64, name: str | None = None, chunk: int = 2 ** 16) -> None:
        if not callable(fn):
            raise ValueError(f"fn must be callable, got {fn!r}")
        if int(degree) != degree or degree < 2:
            raise ValueError(f"degree must be an integer >= 2, got {degree!r}")
        self._fn = fn
        self._derivative = derivative
        self.degree = int(degree)
        self.chunk = int(chunk)
        label = getattr(fn, "__name__", type(fn).__name__)
        self.name = name or f"numeric({label},degree={self.degree})"
        nodes, weights = np.polynomial.hermite_e.hermegauss(self.degree)
        self._nodes = nodes
        self._weights = weights / math.sqrt(2.0 * math.pi)

    def fn(self, x: Tensor) -> Tensor:
        return self._fn(x)

    def derivative(self, x: Tensor) -> Tensor:
        if self._derivative is not None:
            return self._derivative(x)
        return super().derivative(x)

    def _expect(self, g: Callable[[Tensor], Tensor], q1: Tensor, q2: Tensor, c: Tensor) -> Tensor:
        shape = torch.broadcast_shapes(q1.shape, q2.shape, c.shape)
        r1, r2, rho = cosine(q1.expand(shape), q2.expand(shape), c.expand(shape))
        r1, r2, rho = r1.reshape(-1), r2.reshape(-1), rho.reshape(-1)
        s = torch.sqrt((1.0 - rho * rho).clamp(min=0.0))
        z = torch.as_tensor(self._nodes, dtype=c.dtype, device=c.device)
        w = torch.as_tensor(self._weights, dtype=c.dtype, device=c.device)
        out = torch.empty_like(rho)
        k = self.degree
        rows = max(1, self.chunk // k)                       # entries per chunk: rows × k² values
        for lo in range(0, rho.numel(), rows):
            sl = slice(lo, lo + rows)
            gu = g(r1[sl, None] * z[None, :])                                    # σ(u_i): (m, k)
            v = r2[sl, None, None] * (rho[sl, None, None] * z[None, :, None] + s[sl, None, None] * z[None, None, :])
            out[sl] = (gu * (g(v) @ w)) @ w                                      # Σ_ij w_i w_j σ(u_i) σ(v_ij)
        return out.reshape(shape)

    def nngp(self, q1: Tensor, q2: Tensor, c: Tensor) -> Tensor:
        return self._expect(self.fn, q1, q2, c)

    def dnngp(self, q1: Tensor, q2: Tensor, c: Tensor) -> Tensor:
        return self._expect(self.derivative, q1, q2, c)
