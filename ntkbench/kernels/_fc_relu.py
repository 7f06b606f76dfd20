"""The FC recursion of (a, b)-ReLUs without biases, in cosines: the fast path of ``fc_kernel``.

For σ(x) = a·x (x < 0), b·x (x ≥ 0) and b_std = 0 every layer scales the input variances by the
same c = w²(a² + b²)/2, so Σʰ(x, y) = cʰ‖x‖‖y‖·ρʰ and Θʰ = cʰ‖x‖‖y‖·τʰ with the cosines ρʰ and
the normalised NTK τʰ depending only on ρ⁰ = ⟨x, y⟩/(‖x‖‖y‖). With m = (a² + b²)/2,
g = (a − b)²/(2π), φ = π − arccos ρ and P = √(1 − ρ²) + ρφ (= π κ1(ρ)), the recursion
(:class:`ntkbench.kernels.duals.ABReLU` divided by cʰ) is ::

    ρʰ = (g·P + ab·ρʰ⁻¹)/m,      τʰ = τʰ⁻¹·(g·φ + ab)/m + ρʰ,      τ⁰ = ρ⁰.

It needs no per-entry variances: one arccos, one square root and about seven other passes per
entry and layer, computed on the negated cosine (−ρ) so that φ = arccos(−ρ) needs no extra pass.
"""

from __future__ import annotations

import math

import torch

from ntkbench.kernels.duals import ABReLU, one_minus_, sqrt_

Tensor = torch.Tensor


class CosineRecursion:
    """The normalised recursion of one (a, b)-ReLU with weight std ``w`` and no bias."""

    def __init__(self, dual: ABReLU, w: float, depth: int) -> None:
        m = (dual.a ** 2 + dual.b ** 2) / 2.0
        self.depth = depth
        self.g_m = (dual.a - dual.b) ** 2 / (2.0 * math.pi) / m
        self.ab_m = dual.a * dual.b / m
        self.scale = (w * w * m) ** depth        # cᴸ

    @staticmethod
    def applies(dual: object, b2: float) -> bool:
        """Whether ``dual`` and the bias variance ``b2`` admit the recursion in cosines."""
        return type(dual) is ABReLU and b2 == 0.0 and (dual.a != 0.0 or dual.b != 0.0)

    def block(self, u1: Tensor, u2: Tensor, want_ntk: bool) -> tuple[Tensor, Tensor | None]:
        """−ρᴸ and −τᴸ (None unless ``want_ntk``) for unit rows (or zero rows) u1, u2."""
        # Every cosine is nudged up by a few ulps and clipped: this snaps the cosines of self-pairs,
        # which rounding leaves just inside ±1, to exactly ±1 (arccos would amplify an error δ
        # there to √(2δ)).
        nudge = 1.0 + 8.0 * torch.finfo(u1.dtype).eps
        rn = (u1 @ u2.T).mul_(-nudge).clamp_(-1.0, 1.0)
        phi, p = torch.empty_like(rn), torch.empty_like(rn)
        nu = torch.empty_like(rn) if want_ntk else None      # −τʰ; −τ⁰ = −ρ⁰ is rn itself
        for h in range(self.depth):
            torch.acos(rn, out=phi)                                  # φ = π − arccos ρ
            sqrt_(one_minus_(torch.mul(rn, rn, out=p))).addcmul_(rn, phi, value=-1.0)    # P
            p.mul_(-self.g_m * nudge)
            if self.ab_m:
                p.add_(rn, alpha=self.ab_m * nudge)
            p.clamp_(-1.0, 1.0)                                      # −ρʰ
            if want_ntk:
                prev = rn if h == 0 else nu
                if self.ab_m:
                    phi.mul_(self.g_m).add_(self.ab_m)
                    torch.addcmul(p, prev, phi, out=nu)
                else:
                    torch.addcmul(p, prev, phi, value=self.g_m, out=nu)
            rn, p = p, rn
        return rn, nu
