"""The layer-by-layer feature recursion shared by NTKSketch and NTKRandomFeatures.

With gain g = w_std²/2 and bias b², the exact recursion (spec §1.2, ``fc_kernel``) is
Σ⁰ = ⟨x, y⟩ + b², Θ⁰ = Σ⁰ and, for h = 1..L,

    Σʰ = g·‖φ‖‖φ′‖·κ1(t) + b²,   Θʰ = Θʰ⁻¹ · g·κ0(t) + Σʰ,   t = cos∠(φ, φ′).

NNGP features φ and NTK features ψ follow it one layer at a time (Zandieh et al. 2021, Alg. 1):

    φʰ = √(g c₀)‖φ‖ ⊕ √(g c₁)·φ ⊕ √g‖φ‖·ρ₁(φ̂) ⊕ b            (κ1 = c₀ + c₁t + residual)
    ψʰ = √(g c₀′)·ψ ⊕ √g·TensorSRHT(ψ, ρ₀(φ̂)) ⊕ φʰ          (κ0 = c₀′ + residual)

where ρ₁, ρ₀ are the random residual maps of :mod:`._duals`. The pass-through terms (φ inside φʰ,
ψ inside ψʰ) are exact, and since ψ contains φ, the same block appears several times: the
recursion keeps features as *weighted blocks* (name → squared weight) and merges equal blocks, so
the output holds each block once, e.g. x with weight 1 at L = 1, which represents ⟨x, y⟩ exactly.

Sizes (:func:`plan_sizes`), for a budget D = ``n_components``, input dimension d, depth L:

* the input block x: d coordinates (exact) when d ≤ D/4, else an SRHT of x to ⌊D/4⌋ coordinates;
* one norm coordinate per layer and one bias coordinate when b > 0;
* the rest R is split evenly over the layers; in layer h the TensorSRHT gets 2h/(2h+1) of the
  layer's share and the κ1 residual the remainder (NNGP: all to the κ1 residual). The TensorSRHT
  carries ‖ψ‖² ≈ h‖φ‖², whose noise grows with h, hence the growing share.
* internal (not output) size of the κ0 residual: equal to the layer's TensorSRHT size;
* a budget too small to give every block its minimum (one coordinate; for a polynomial sketch, one
  per nonzero power) is raised to the smallest that fits, and the transformer compresses the
  features back to D with a final SRHT (:class:`~ntkbench.features._base.BaseNTKFeatures`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from ntkbench.sketches import SRHT, TensorSRHT


@dataclass(frozen=True)
class SizePlan:
    """Internal sizes derived from ``n_components`` (see module docstring)."""

    linear: int
    kappa1: tuple[int, ...]
    tensor: tuple[int, ...]
    kappa0: tuple[int, ...]
    bias: bool

    @property
    def total(self) -> int:
        return self.linear + len(self.kappa1) + int(self.bias) + sum(self.kappa1) + sum(self.tensor)


def linear_size(n_components: int, input_dim: int) -> int:
    """Size of the input block: d (x exactly) when d ≤ D/4, else ⌊D/4⌋ (an SRHT of x), at least 1."""
    return input_dim if input_dim <= n_components // 4 else max(n_components // 4, 1)


def plan_sizes(n_components: int, input_dim: int, depth: int, get: str, bias: bool, *,
               min_kappa1: int = 1, min_tensor: int = 1) -> SizePlan:
    """Split a budget into the block sizes of the layer-wise recursion.

    The budget is ``n_components`` when it gives every κ1 residual at least ``min_kappa1`` and (NTK)
    every TensorSRHT at least ``min_tensor`` coordinates, else the smallest larger budget that does;
    ``SizePlan.total`` says which, and the caller compresses the features to ``n_components``.
    """
    size = n_components
    while (plan := _split(size, input_dim, depth, get, bias, min_kappa1, min_tensor)) is None:
        size += 1
    return plan


def _split(n_components: int, input_dim: int, depth: int, get: str, bias: bool, min_kappa1: int,
           min_tensor: int) -> SizePlan | None:
    """The plan for exactly ``n_components`` (module docstring), or None if a block falls below its minimum."""
    linear = linear_size(n_components, input_dim)
    rest = n_components - linear - depth - int(bias)
    if rest < (2 if get == "ntk" else 1) * depth:
        return None
    shares = [rest // depth + (1 if h >= depth - rest % depth else 0) for h in range(depth)]
    k1, ts = [], []
    for h, share in enumerate(shares, start=1):
        if get == "ntk":
            s = min(max(int(round(share * 2 * h / (2 * h + 1))), 1), share - 1)
        else:
            s = 0
        ts.append(s)
        k1.append(share - s)
    if min(k1) < min_kappa1 or (get == "ntk" and min(ts) < min_tensor):
        return None
    return SizePlan(linear, tuple(k1), tuple(ts), tuple(ts), bias)


Blocks = dict  # block name -> squared weight; insertion order is the output order


def _add(into: Blocks, blocks: Blocks, scale2: float) -> None:
    for key, w2 in blocks.items():
        into[key] = into.get(key, 0.0) + scale2 * w2


def _materialize(blocks: Blocks, tensors: dict[str, torch.Tensor], out: torch.Tensor | None = None) -> torch.Tensor:
    """The weighted blocks side by side, written into ``out`` (allocated if None)."""
    first = tensors["x"]
    if out is None:
        out = torch.empty(first.shape[0], sum(tensors[k].shape[1] for k in blocks), dtype=first.dtype,
                          device=first.device)
    start = 0
    for key, w2 in blocks.items():
        t = tensors[key]
        torch.mul(t, math.sqrt(w2), out=out[:, start:start + t.shape[1]])
        start += t.shape[1]
    return out


class LayerwiseFeatureMap:
    """A fitted layer-wise map; call it on a batch (n, d) tensor to get (n, plan.total) features.

    Parameters
    ----------
    input_dim, depth : int
    get : {"ntk", "nngp"}
    gain, bias2 : float
        w_std²/2 and b_std².
    plan : SizePlan
    make_kappa1, make_kappa0 : callable(input_dim, size, rs) -> residual map
        Factories of the per-layer κ1 / κ0 maps (random features or polynomial sketches).
    rs : RandomState
    device : torch.device
    """

    def __init__(self, input_dim: int, depth: int, get: str, gain: float, bias2: float, plan: SizePlan,
                 make_kappa1: Callable, make_kappa0: Callable, rs: np.random.RandomState,
                 device: torch.device) -> None:
        self.depth, self.get, self.gain, self.bias2, self.plan = depth, get, gain, bias2, plan
        self.device = device
        self.linear_sketch = (SRHT(input_dim, plan.linear, random_state=rs, device=device)
                              if plan.linear != input_dim else None)
        dims = {"x": input_dim, "one": 1}
        phi: Blocks = self._initial()
        psi: Blocks = dict(phi)
        self.layers = []
        for h in range(1, depth + 1):
            phi_dim = sum(dims[k] for k in phi)
            k1 = make_kappa1(phi_dim, plan.kappa1[h - 1], rs)
            k0 = ts = None
            if get == "ntk":
                k0 = make_kappa0(phi_dim, plan.kappa0[h - 1], rs)
                ts = TensorSRHT(sum(dims[k] for k in psi), k0.dim, plan.tensor[h - 1], random_state=rs,
                                device=device)
                dims[f"s{h}"] = plan.tensor[h - 1]
            dims[f"n{h}"], dims[f"r{h}"] = 1, k1.dim
            self.layers.append((k1, k0, ts))
            phi, psi = self._step(h, phi, psi, k1, k0)
        self.blocks_ = psi if get == "ntk" else phi
        dims["x"] = plan.linear
        self.output_dim = sum(dims[k] for k in self.blocks_)
        if self.output_dim != plan.total:  # pragma: no cover - guarded by plan_sizes
            raise RuntimeError(f"internal size mismatch: {self.output_dim} != {plan.total}")

    def _initial(self) -> Blocks:
        return {"x": 1.0, "one": self.bias2} if self.bias2 > 0 else {"x": 1.0}

    def _step(self, h: int, phi: Blocks, psi: Blocks, k1, k0) -> tuple[Blocks, Blocks]:
        g = self.gain
        new_phi: Blocks = {f"n{h}": g * k1.const}
        _add(new_phi, phi, g * k1.linear)
        new_phi[f"r{h}"] = g
        if self.bias2 > 0:
            _add(new_phi, {"one": self.bias2}, 1.0)
        new_psi: Blocks = {}
        if k0 is not None:
            _add(new_psi, psi, g * k0.const)
            new_psi[f"s{h}"] = g
            _add(new_psi, new_phi, 1.0)
        return new_phi, new_psi

    def __call__(self, x: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
        tensors = {"x": x, "one": torch.ones(x.shape[0], 1, dtype=x.dtype, device=x.device)}
        phi = self._initial()
        psi = dict(phi)
        for h, (k1, k0, ts) in enumerate(self.layers, start=1):
            Phi = _materialize(phi, tensors)
            norm = torch.linalg.vector_norm(Phi, dim=1, keepdim=True)
            phi_hat = Phi / torch.where(norm > 0, norm, torch.ones_like(norm))
            del Phi
            tensors[f"n{h}"] = norm
            tensors[f"r{h}"] = k1(phi_hat) * norm
            if ts is not None:
                tensors[f"s{h}"] = ts(_materialize(psi, tensors), k0(phi_hat))
            phi, psi = self._step(h, phi, psi, k1, k0)
        if self.linear_sketch is not None:
            tensors["x"] = self.linear_sketch(x)
        return _materialize(self.blocks_, tensors, out)
