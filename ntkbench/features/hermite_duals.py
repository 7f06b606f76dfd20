"""Feature maps of the FC NNGP/NTK for any activation of the registry (Han et al. 2022).

Which map a layer gets depends on the activation's dual (:mod:`ntkbench.kernels.hermite`):

* **ReLU**: the minimax polynomial fits of κ1 and κ0 (:mod:`.polyfit`), unchanged.
* **Homogeneous of degree 1** (leaky ReLU, abs, ab-ReLU, the normalised Gaussian): the dual is
  ‖x‖‖y‖·Σ a_l² t^l, so the layer-wise recursion of :mod:`._layerwise` applies as for ReLU with the
  truncated Hermite coefficients a_l² of σ (NNGP step) and a′_l² of σ′ (derivative step) in place of
  the κ1/κ0 fits, gain w² instead of w²/2. They are nonnegative by construction.
* **Any other activation** (GELU, erf, sin, cos, Gaussian, tanh, …): the dual depends on the norms,
  K(x, y) = Σ_l r_l(‖x‖) r_l(‖y‖) ⟨x̂, ŷ⟩^l. Each layer maps φ to r_0(‖φ‖) ⊕ r_1(‖φ‖)·φ̂ ⊕
  r_l(‖φ‖)·S_l(φ̂) (l ≥ 2, S_l a PolySketch of degree l): the inner products of these features
  estimate the degree-q truncation of the dual without bias, at any input norm
  (:class:`RadialSketchFeatures`, :class:`GeneralLayerwiseFeatureMap`).

Random features of a general activation are plain Monte Carlo: σ(Wφ)/√m with Gaussian W drawn in
orthogonal blocks (:class:`MonteCarloFeatures`), unbiased for every norm.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from ntkbench.features._duals import _directions, split_budget
from ntkbench.features.polyfit import kappa0_coeffs, kappa1_coeffs
from ntkbench.kernels import get_activation
from ntkbench.kernels.duals import ABReLU, DualActivation
from ntkbench.kernels.hermite import HermiteSeries, derivative_series, hermite_series, homogeneity
from ntkbench.sketches import PolySketch, TensorSRHT


@dataclass(frozen=True)
class LayerDuals:
    """What the feature maps need from an activation at a given degree.

    Attributes
    ----------
    name : str
        Canonical activation name.
    gain : float
        Multiplies w_std² (1/2 for ReLU, whose κ1/κ0 carry the factor 2; 1 otherwise).
    nngp, dnngp : ndarray or None
        Nonnegative polynomial coefficients of the NNGP and derivative maps in the cosine, for
        activations homogeneous of degree 1 (None otherwise).
    series, derivative : HermiteSeries
        The Hermite truncations of σ and σ′ (radial functions for the general case).
    """

    name: str
    gain: float
    nngp: np.ndarray | None
    dnngp: np.ndarray | None
    series: HermiteSeries
    derivative: HermiteSeries

    @property
    def homogeneous(self) -> bool:
        return self.nngp is not None


def layer_duals(activation: str, degree: int) -> LayerDuals:
    """The coefficients of ``activation`` truncated at ``degree`` (see module docstring).

    Raises
    ------
    ValueError
        For an unknown activation (the message lists the known ones) or one without a dual.
    """
    dual = get_activation(activation)
    series, derivative = hermite_series(dual, degree), derivative_series(dual, degree)
    if isinstance(dual, ABReLU) and dual.name == "relu":
        return LayerDuals("relu", 0.5, kappa1_coeffs(degree), kappa0_coeffs(degree), series, derivative)
    nngp, dnngp = series.dual_coefficients, derivative.dual_coefficients
    if homogeneity(dual) == 1 and np.any(nngp[2:] > 0) and np.any(dnngp[2:] > 0):
        return LayerDuals(dual.name, 1.0, nngp, dnngp, series, derivative)
    return LayerDuals(dual.name, 1.0, None, None, series, derivative)


def _live_degrees(series: HermiteSeries) -> np.ndarray:
    """Mask of the degrees whose radial function is not identically zero (odd/even symmetry)."""
    probe = np.abs(series.radial(np.array([0.5, 1.0, 2.0])))
    return probe.max(axis=0) > 1e-12 * max(float(probe.max()), 1e-300)


class RadialSketchFeatures:
    """Features of Σ_{l≤q} r_l(‖φ‖) r_l(‖φ′‖) ⟨φ̂, φ̂′⟩^l with ``size`` coordinates.

    r_0 is one exact coordinate; the degree-1 term r_1·φ̂ is exact when the input has at most a
    quarter of ``size`` coordinates (or is the last term: the unused coordinates are then zero), else
    sketched with the higher degrees, whose sketch sizes are ∝ the mean of r_l(ρ)² over ``norms``,
    the typical input norms (default 1), cf. :func:`~ntkbench.features._duals.split_budget`: at
    large norms the mass of the dual moves to high degrees.
    """

    def __init__(self, input_dim: int, series: HermiteSeries, size: int, rs: np.random.RandomState,
                 device: torch.device, norms: np.ndarray | None = None) -> None:
        live = _live_degrees(series)
        self.series, self.input_dim, self.dim = series, input_dim, size
        self.const = bool(live[0])
        rest = size - int(self.const)
        higher = [l for l in range(2, series.degree + 1) if live[l]]
        # r_1·φ̂ exactly when it takes at most a quarter of the budget, or all of it (zero-padded) when
        # it is the only term left to represent
        self.exact_linear = bool(live[1]) and (input_dim <= rest // 4 if higher else input_dim <= rest)
        sketched = ([1] if live[1] and not self.exact_linear else []) + higher
        budget = rest - (input_dim if self.exact_linear else 0)
        if budget < len(sketched):
            raise ValueError(f"{size} features cannot hold the {len(sketched) + int(self.const)} terms of "
                             f"{series.name}")
        self.blocks: list[tuple[int, int, int]] = []
        self.sketch = None
        if sketched:
            weights = np.mean(series.radial(np.ones(1) if norms is None else norms) ** 2, axis=0)
            sizes = split_budget(np.array([max(weights[l], 1e-300) for l in sketched]), budget)
            dims = [0] * max(sketched)
            for l, m in zip(sketched, sizes):
                dims[l - 1] = m
            self.sketch = PolySketch(input_dim, max(sketched), dims, random_state=rs, device=device)
            start = size - budget
            for l, m in zip(sketched, sizes):
                self.blocks.append((l, start, start + m))
                start += m

    @staticmethod
    def minimum_size(series: HermiteSeries) -> int:
        """One coordinate per live degree."""
        return int(np.count_nonzero(_live_degrees(series)))

    def __call__(self, phi_hat: torch.Tensor, norm: torch.Tensor) -> torch.Tensor:
        r = torch.as_tensor(self.series.radial(norm.detach().cpu().numpy().reshape(-1)), dtype=phi_hat.dtype,
                            device=phi_hat.device)
        out = torch.empty(phi_hat.shape[0], self.dim, dtype=phi_hat.dtype, device=phi_hat.device)
        if self.sketch is None:
            out.zero_()
        col = 0
        if self.const:
            out[:, 0] = r[:, 0]
            col = 1
        if self.exact_linear:
            torch.mul(phi_hat, r[:, 1:2], out=out[:, col:col + self.input_dim])
        if self.sketch is not None:
            lo = self.blocks[0][1]
            self.sketch.concatenated(phi_hat, out=out[:, lo:])
            for l, start, stop in self.blocks:
                out[:, start:stop].mul_(r[:, l:l + 1])
        return out


class MonteCarloFeatures:
    """σ(Wᵀφ)/√m with Gaussian W (orthogonal directions, χ-distributed lengths), or
    ‖φ‖^p·σ(Wᵀφ̂)/√m for a dual homogeneous of degree p (the normalised Gaussian is only defined so)."""

    def __init__(self, input_dim: int, fn: Callable[[torch.Tensor], torch.Tensor], power: int | None, size: int,
                 rs: np.random.RandomState, device: torch.device) -> None:
        u = _directions(rs, input_dim, size, orthogonal=True) * np.sqrt(rs.chisquare(input_dim, size))[None, :]
        self.weights = torch.as_tensor(u, device=device)
        self.fn, self.power, self.dim = fn, power, size
        self.scale = 1.0 / math.sqrt(size)

    def __call__(self, phi_hat: torch.Tensor, norm: torch.Tensor) -> torch.Tensor:
        w = self.weights.to(phi_hat.dtype)
        if self.power is None:
            return self.fn((phi_hat * norm) @ w) * self.scale
        return self.fn(phi_hat @ w) * (norm ** self.power * self.scale)


def general_sizes(n_components: int, depth: int, get: str, bias: bool, min_phi: int,
                  min_deriv: int) -> tuple[list[tuple[int, int, int]], int]:
    """Per layer (φ size, TensorSRHT size, σ′-feature size), and the output dimension.

    φ and the TensorSRHT share the budget minus the bias coordinate, 2h/(2h+1) of it to the
    TensorSRHT in layer h (its input ψ carries ‖ψ‖² ≈ h‖φ‖²); the σ′ features get the TensorSRHT's
    size. A budget below the minimum is raised (the transformer compresses back with an SRHT).
    """
    total = n_components
    while True:
        avail = total - int(bias)
        plan = []
        for h in range(1, depth + 1):
            s = 0 if get == "nngp" else min(max(int(round(avail * 2 * h / (2 * h + 1))), 1), avail - min_phi)
            plan.append((avail - s, s, max(s, min_deriv)))
        if all(m >= min_phi and (get == "nngp" or s >= 1) for m, s, _ in plan):
            return plan, total
        total += 1


class GeneralLayerwiseFeatureMap:
    """NNGP/NTK features of a depth-L FC network whose dual depends on the norms.

    With φ⁰ = x (⊕ b), ψ⁰ = φ⁰ and R, R′ the feature maps of the duals of σ and σ′, for h = 1..L:

        φʰ = w·R(φʰ⁻¹) ⊕ b,    ψʰ = TensorSRHT(ψʰ⁻¹, w·R′(φʰ⁻¹)) ⊕ φʰ,

    so E⟨φʰ, φʰ′⟩ = w²·K_σ + b² = Σʰ and E⟨ψʰ, ψʰ′⟩ = Θʰ⁻¹·w²·K_σ′ + Σʰ = Θʰ (given the previous layer).

    Parameters
    ----------
    input_dim, depth : int
    get : {"ntk", "nngp"}
    w_std, b_std : float
    n_components : int
        Output size; raised to the minimum the activation needs (``output_dim`` says which).
    make_nngp, make_dnngp : callable(input_dim, size, rs, norms) -> map
        Per-layer maps called as ``map(φ̂, ‖φ‖)``, with a ``dim``; ``norms`` are the layer's typical
        input norms (or None).
    min_sizes : (int, int)
        Smallest sizes of the two maps.
    rs : RandomState
    device : torch.device
    dual : DualActivation, optional
        Propagates ``norms`` through the layers (Σʰ(x, x) = w²·E[σ(u)²] + b²).
    norms : ndarray, optional
        Typical norms of the inputs x (e.g. quantiles over the training set).
    """

    def __init__(self, input_dim: int, depth: int, get: str, w_std: float, b_std: float, n_components: int,
                 make_nngp: Callable, make_dnngp: Callable, min_sizes: tuple[int, int],
                 rs: np.random.RandomState, device: torch.device, dual: DualActivation | None = None,
                 norms: np.ndarray | None = None) -> None:
        self.get, self.w, self.b = get, float(w_std), float(b_std)
        plan, self.output_dim = general_sizes(n_components, depth, get, self.b > 0, *min_sizes)
        self.layers = []
        phi_dim = input_dim + int(self.b > 0)
        psi_dim = phi_dim
        q = None if norms is None else torch.as_tensor(np.asarray(norms, dtype=np.float64) ** 2 + self.b ** 2)
        for m, s, m_deriv in plan:
            rho = None if q is None else q.sqrt().numpy()
            nngp = make_nngp(phi_dim, m, rs, rho)
            if q is not None:                      # typical norms of the next layer's input: Σʰ(x, x)
                q = dual.variance(q) * self.w ** 2 + self.b ** 2
            tensor = dnngp = None
            if get == "ntk":
                dnngp = make_dnngp(phi_dim, m_deriv, rs, rho)
                tensor = TensorSRHT(psi_dim, m_deriv, s, random_state=rs, device=device)
            self.layers.append((nngp, dnngp, tensor))
            phi_dim = m + int(self.b > 0)
            psi_dim = s + phi_dim

    def _with_bias(self, t: torch.Tensor) -> torch.Tensor:
        if self.b > 0:
            return torch.cat([t, torch.full((t.shape[0], 1), self.b, dtype=t.dtype, device=t.device)], dim=1)
        return t

    def __call__(self, x: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
        phi = self._with_bias(x)
        psi = phi
        for nngp, dnngp, tensor in self.layers:
            norm = torch.linalg.vector_norm(phi, dim=1, keepdim=True)
            phi_hat = phi / torch.where(norm > 0, norm, torch.ones_like(norm))
            new_phi = self._with_bias(nngp(phi_hat, norm).mul_(self.w))
            if tensor is not None:
                psi = torch.cat([tensor(psi, dnngp(phi_hat, norm).mul_(self.w)), new_phi], dim=1)
            phi = new_phi
        result = psi if self.get == "ntk" else phi
        if out is not None:
            out.copy_(result)
            return out
        return result


def general_sketch_map(input_dim: int, n_components: int, depth: int, get: str, w_std: float, b_std: float,
                       duals: LayerDuals, rs: np.random.RandomState, device: torch.device,
                       norms: np.ndarray | None = None) -> GeneralLayerwiseFeatureMap:
    """The NTKSketch map of a non-homogeneous activation: radial PolySketch features per layer,
    sketch sizes weighted for inputs of typical norms ``norms``."""
    return GeneralLayerwiseFeatureMap(
        input_dim, depth, get, w_std, b_std, n_components,
        lambda dim, size, r, rho: RadialSketchFeatures(dim, duals.series, size, r, device, rho),
        lambda dim, size, r, rho: RadialSketchFeatures(dim, duals.derivative, size, r, device, rho),
        (RadialSketchFeatures.minimum_size(duals.series), RadialSketchFeatures.minimum_size(duals.derivative)),
        rs, device, get_activation(duals.name), norms)


def monte_carlo_map(input_dim: int, n_components: int, depth: int, get: str, w_std: float, b_std: float,
                    activation: str, rs: np.random.RandomState, device: torch.device) -> GeneralLayerwiseFeatureMap:
    """The NTKRandomFeatures map of a general activation: Monte Carlo features of σ and σ′ per layer."""
    dual = get_activation(activation)
    p = homogeneity(dual)
    return GeneralLayerwiseFeatureMap(
        input_dim, depth, get, w_std, b_std, n_components,
        lambda dim, size, r, rho: MonteCarloFeatures(dim, dual.fn, p, size, r, device),
        lambda dim, size, r, rho: MonteCarloFeatures(dim, dual.derivative, None if p is None else max(p - 1, 0),
                                                     size, r, device),
        (1, 1), rs, device)
