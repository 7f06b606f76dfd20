"""One-pass NTK sketch: a polynomial fit of the whole depth-L kernel function, sketched once.

Θ^(L)(x, y) = g^L‖x‖‖y‖·K_L(t) for bias 0 (spec §1.2, §2.3a), and K_L(t) ≈ Σ_k c_k t^k (minimax fit,
:mod:`.polyfit`). Features: ‖x‖·g^{L/2}·[√c_0, √c_1·x̂ (exact, or an SRHT when d > D/4),
√c_k·S_k(x̂) for k ≥ 2 (PolySketch, sizes ∝ c_k)]. Unlike the reference code there is no final SRHT
over the concatenation (it adds a second layer of noise) and the constant and linear terms are exact.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ntkbench.features._duals import PolynomialDualFeatures
from ntkbench.features._layerwise import linear_size
from ntkbench.sketches import SRHT


def one_pass_size(n_components: int, input_dim: int, coeffs: np.ndarray) -> int:
    """``n_components``, or the smallest larger size whose sketches get one coordinate per nonzero power."""
    size = n_components
    while size - 1 - linear_size(size, input_dim) < int(np.count_nonzero(coeffs[2:] > 0)):
        size += 1
    return size


class OnePassFeatureMap:
    """Fitted one-pass map: (n, d) tensor → (n, n_components) features."""

    def __init__(self, input_dim: int, n_components: int, coeffs: np.ndarray, scale2: float,
                 rs: np.random.RandomState, device: torch.device) -> None:
        if one_pass_size(n_components, input_dim, coeffs) != n_components:
            raise ValueError(f"n_components={n_components} is too small for {input_dim} input features")
        linear = linear_size(n_components, input_dim)
        rest = n_components - 1 - linear
        self.c0, self.c1, self.scale = float(coeffs[0]), float(coeffs[1]), math.sqrt(scale2)
        self.linear_sketch = SRHT(input_dim, linear, random_state=rs, device=device) if linear != input_dim else None
        self.higher = PolynomialDualFeatures(input_dim, coeffs, rest, rs, device)
        self.output_dim = n_components

    def __call__(self, x: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
        if out is None:
            out = torch.empty(x.shape[0], self.output_dim, dtype=x.dtype, device=x.device)
        norm = torch.linalg.vector_norm(x, dim=1, keepdim=True)
        xhat = x / torch.where(norm > 0, norm, torch.ones_like(norm))
        lin_dim = x.shape[1] if self.linear_sketch is None else self.linear_sketch.output_dim
        torch.mul(norm, math.sqrt(self.c0) * self.scale, out=out[:, :1])
        lin = out[:, 1:1 + lin_dim]
        if self.linear_sketch is None:
            torch.mul(x, math.sqrt(self.c1) * self.scale, out=lin)
        else:
            self.linear_sketch(x, out=lin).mul_(math.sqrt(self.c1) * self.scale)
        if self.higher.dim:
            self.higher(xhat, out=out[:, 1 + lin_dim:]).mul_(norm * self.scale)
        return out
