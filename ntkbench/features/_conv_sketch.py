"""The per-pixel feature recursion of CNTKSketch: sketches of the exact CNTK's dynamic program.

Exact recursion (:mod:`ntkbench.kernels.conv`, spec §1.3), for pixel pairs (p, p′) of two images and
s = w²/(2f²) (ReLU: E[σ(u)σ(v)] = √(qq′)κ1/2):

    Σ⁰ = patchsum(S) + b²,  K = s·√(q q′)·κ1(t),  K̇ = s·κ0(t),  Θ ← Θ ⊙ K̇ + K,
    then (before every activation but the first) Σ = patchsum(K) + b², Θ = patchsum(Θ) + b²,

read out by the mean (GAP) or the trace (flatten) over pixel pairs. Features follow it per pixel:
every pixel holds a row φ_p with ⟨φ_p, φ′_p′⟩ ≈ Σ[p, p′] and a row ψ_p with ⟨ψ_p, ψ′_p′⟩ ≈ Θ[p, p′].
Per activation, as in the fully-connected layer-wise sketch (:mod:`._layerwise`), with r = ‖φ_p‖ and
the polynomial fits κ1 ≈ Σ c_k t^k, κ0 ≈ Σ c′_k t^k (:func:`dual_coeffs`):

    K-features   = √s·[r√c_0, √c_1·φ, r·ρ1(φ/r)]            (ρ1: PolySketch of the powers k ≥ 2)
    ψ_new        = √(s c′_0)·ψ ⊕ √s·TensorSRHT(ψ, ρ0(φ/r)) ⊕ K-features

The features are kept as *weighted blocks* (name → squared weight) so that pass-through copies of
the same block merge. The f × f neighbourhood sum (patch sum) of a block is :class:`PatchSum`: a
random signed sum of the f² shifted copies placed into g groups, E⟨z_p, z′_p′⟩ = Σ_a ⟨y_{p+a},
y′_{p′+a}⟩; with g = f² it is the exact concatenation, with g = 1 a sign-sum that keeps the block's
size and costs f² additions per coordinate (no transform). Sketch blocks (ρ1, TensorSRHT outputs)
use g = 1; small exact blocks (patches, norms, biases) grow up to ``width`` coordinates. The flatten
readout (trace over pixels) is the same construction over all pixels; GAP is the pixel mean.

Costs per image: O(L · pixels · (f²·D + D log D)) for D = ``n_components``: linear in pixels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.fft
import scipy.optimize
import torch
import torch.nn.functional as F

from ntkbench.features._duals import PolynomialDualFeatures, split_budget
from ntkbench.features.polyfit import chebyshev_grid, fit_nonnegative_minimax, kappa0_coeffs, kappa1_coeffs
from ntkbench.kernels.arccos import kappa0, kappa1
from ntkbench.sketches import TensorSRHT
from ntkbench.sketches._base import random_signs
from ntkbench.sketches.srht import DENSE_MAX_DIM

EXACT_SHARE = 0.3  # most of the output that exact blocks may take (see plan_sizes)
Blocks = dict  # block name -> squared weight; insertion order is the output order


@lru_cache(maxsize=None)
def _minimax_on_unit_interval(kind: str, degree: int) -> tuple[float, ...]:
    grid = (chebyshev_grid() + 1.0) / 2.0
    return tuple(fit_nonnegative_minimax(kappa0 if kind == "kappa0" else kappa1, degree, grid))


@lru_cache(maxsize=None)
def _least_squares_kappa0(degree: int, low: float) -> tuple[float, ...]:
    """Nonnegative least-squares fit of κ0 on 2,001 equispaced points of [low, 1], no equality at t = 1."""
    t = np.linspace(low, 1.0, 2001)
    coeffs, _ = scipy.optimize.nnls(np.vander(t, degree + 1, increasing=True), kappa0(t))
    return tuple(coeffs)


def dual_coeffs(kind: str, degree: int, layer: int, pooling: str) -> np.ndarray:
    """Polynomial fit (c ≥ 0) of κ0 or κ1 used at activation ``layer`` (1-based) for a ``pooling`` readout.

    Only the first activation sees cosines in [−1, 1]; after a ReLU every pixel-pair covariance is
    ≥ 0 (κ1 ≥ 0 and b² ≥ 0), so later layers fit on [0, 1], where the same degree is more accurate
    (degree 2: max error of κ0 0.053 instead of 0.097, of κ1 0.0037 instead of 0.0075).

    κ1 is smooth: minimax fits (:mod:`.polyfit`, exact at t = 0 and 1). κ0 has a √(1 − t)
    singularity at t = 1 that a low degree cannot follow, and forcing p(1) = κ0(1) costs accuracy
    everywhere else. GAP averages all pixel pairs, most with t < 1, so for GAP κ0 gets a least-squares
    fit with no constraint at 1: the kernel bias of degree-2 fits, measured against the exact CNTK
    (depth 3, 4×4 VALID, fixed first/last layers) on 40 CIFAR-10 images pooled to 16×16, falls from
    0.047 to 0.014 (Gaussian 8×8 images, 3×3 filters: 0.08 to 0.007–0.03). The flatten readout sums
    aligned pixel pairs, whose t is 1 on a kernel's diagonal, so there κ0 keeps the minimax fit
    exact at 1 (there least squares measured worse: 0.058 against 0.051).
    """
    if kind == "kappa0" and pooling == "gap":
        return np.array(_least_squares_kappa0(degree, -1.0 if layer == 1 else 0.0))
    if layer == 1:
        return kappa0_coeffs(degree) if kind == "kappa0" else kappa1_coeffs(degree)
    return np.array(_minimax_on_unit_interval(kind, degree))


def pads(filter_size: int, padding: str) -> tuple[int, int]:
    """(low, high) zero padding of a filter (TensorFlow SAME, as in :mod:`ntkbench.kernels.conv`)."""
    if padding == "valid":
        return 0, 0
    return (filter_size - 1) // 2, filter_size - 1 - (filter_size - 1) // 2


def is_sketch_block(name: str) -> bool:
    """Blocks of sketched coordinates (κ1 residuals ``r*``, TensorSRHT outputs ``t*``) never grow."""
    return name[0] in "rt"


def groups_for(name: str, dim: int, count: int, width: int) -> int:
    """Number of groups of a patch/pixel sum of ``count`` copies of a ``dim``-wide block."""
    return 1 if is_sketch_block(name) else min(count, max(1, width // dim))


class PatchSum:
    """z_p = Σ_a s_a ⊙ y_{p+a} over the f × f offsets a, offset a added into group a mod g.

    E_s⟨z_p, z′_p′⟩ = Σ_a ⟨y_{p+a}, y′_{p′+a}⟩ (the patch sum) for any g, since the random signs s_a
    of different offsets are independent; g = f² is the exact concatenation. Input and output are
    (n, H, W, d) and (n, H′, W′, g·d) tensors (zero padding for SAME).
    """

    def __init__(self, dim: int, groups: int, filter_size: int, padding: str, rs: np.random.RandomState,
                 device: torch.device) -> None:
        self.dim, self.groups, self.filter_size, self.padding = dim, groups, filter_size, padding
        self.output_dim = dim * groups
        self.signs = torch.as_tensor(random_signs(rs, filter_size * filter_size * dim).reshape(-1, dim),
                                     device=device)

    def __call__(self, y: torch.Tensor) -> torch.Tensor:
        f = self.filter_size
        lo, hi = pads(f, self.padding)
        if lo or hi:
            y = F.pad(y, (0, 0, lo, hi, lo, hi))
        n, h, w = y.shape[0], y.shape[1] - f + 1, y.shape[2] - f + 1
        out = torch.zeros(n, h, w, self.groups, self.dim, dtype=y.dtype, device=y.device)
        signs = self.signs.to(y.dtype)
        for a in range(f * f):
            i, j = divmod(a, f)
            out[:, :, :, a % self.groups].addcmul_(y[:, i:i + h, j:j + w], signs[a])
        return out.view(n, h, w, self.output_dim)


class PixelSum:
    """Flatten readout: z = Σ_p s_p ⊙ y_p over all P pixels, pixel p added into group p mod g.

    E⟨z, z′⟩ = Σ_p ⟨y_p, y′_p⟩, the trace over pixels (CNTK-V); g = P is the exact flattening.
    """

    def __init__(self, dim: int, groups: int, pixels: int, rs: np.random.RandomState, device: torch.device) -> None:
        self.dim, self.groups, self.pixels = dim, groups, pixels
        self.output_dim = dim * groups
        self.signs = torch.as_tensor(random_signs(rs, pixels * dim).reshape(pixels, dim), device=device)

    def __call__(self, y: torch.Tensor) -> torch.Tensor:
        n = y.shape[0]
        signed = y.reshape(n, self.pixels, self.dim) * self.signs.to(y.dtype)
        rows = -(-self.pixels // self.groups)
        signed = F.pad(signed, (0, 0, 0, rows * self.groups - self.pixels))
        return signed.view(n, rows, self.output_dim).sum(dim=1)


@dataclass(frozen=True)
class ConvArch:
    """The architecture fields the recursion needs (a ReLU conv net, see :class:`~ntkbench.arch.Arch`)."""

    depth: int
    filter_size: int
    padding: str
    pooling: str
    fix_first_last: bool
    w_std: float
    b_std: float
    get: str


def _activation_step(h: int, arch: ConvArch, phi: Blocks, psi: Blocks | None, k1_const: float, k1_linear: float,
                     k0_const: float) -> tuple[Blocks, Blocks | None]:
    """Block weights after activation ``h``: K-features (new φ before the conv) and ψ ⊙ K̇ + K."""
    s = arch.w_std ** 2 / (2.0 * arch.filter_size ** 2)
    last = h == arch.depth
    new_phi: Blocks = {}
    if needs_kappa1(h, arch):
        new_phi[f"n{h}"] = s * k1_const
        for key, w2 in phi.items():
            new_phi[key] = new_phi.get(key, 0.0) + s * k1_linear * w2
        new_phi[f"r{h}"] = s
    if arch.get == "nngp":
        return new_phi, None
    if psi is None:  # fixed first layer: Θ⁽⁰⁾ = 0, so Θ = K
        return new_phi, dict(new_phi)
    new_psi: Blocks = {key: s * k0_const * w2 for key, w2 in psi.items()}
    new_psi[f"t{h}"] = s
    if not (last and arch.fix_first_last):
        for key, w2 in new_phi.items():
            new_psi[key] = new_psi.get(key, 0.0) + w2
    return new_phi, new_psi


def needs_kappa1(h: int, arch: ConvArch) -> bool:
    """The NNGP term K of activation h is needed unless it is the fixed last layer of an NTK."""
    return not (h == arch.depth and arch.fix_first_last and arch.get == "ntk")


def _initial(arch: ConvArch) -> tuple[Blocks, Blocks | None]:
    phi: Blocks = {"x": 1.0}
    if arch.b_std > 0:
        phi["b0"] = arch.b_std ** 2
    psi = None if (arch.fix_first_last or arch.get == "nngp") else dict(phi)
    return phi, psi


def _readout_bias(arch: ConvArch) -> bool:
    return arch.b_std > 0 and (arch.get == "nngp" or not arch.fix_first_last)


@dataclass(frozen=True)
class SizePlan:
    """Sizes of the sketched blocks: κ1 residuals ``kappa1[h−1]`` and TensorSRHTs ``tensor[h−1]`` (0: none)."""

    kappa1: tuple[int, ...]
    tensor: tuple[int, ...]
    width: int


def _trace_dims(arch: ConvArch, channels: int, pixels: list[int], plan: SizePlan) -> int:
    """Output dimension of the recursion with the sizes of ``plan`` (no randomness, no data)."""
    f2 = arch.filter_size ** 2
    dims = {"x": channels * f2, "b0": 1}
    phi, psi = _initial(arch)
    for h in range(1, arch.depth + 1):
        dims[f"n{h}"], dims[f"r{h}"], dims[f"t{h}"] = 1, plan.kappa1[h - 1], plan.tensor[h - 1]
        phi, psi = _activation_step(h, arch, phi, psi, 1.0, 1.0, 1.0)
        if h < arch.depth:
            for key in {**phi, **(psi or {})}:
                dims[key] *= groups_for(key, dims[key], f2, plan.width)
            if arch.b_std > 0:
                phi[f"b{h}"] = 1.0
                dims[f"b{h}"] = 1
                if psi is not None:
                    psi[f"b{h}"] = 1.0
    final = psi if arch.get == "ntk" else phi
    if arch.pooling == "flatten":
        for key in final:
            dims[key] *= groups_for(key, dims[key], pixels[-1], plan.width)
    return sum(dims[key] for key in final) + int(_readout_bias(arch))


def plan_sizes(n_components: int, arch: ConvArch, channels: int, pixels: list[int]) -> SizePlan:
    """Split ``n_components`` between the exact blocks and the sketched ones.

    Exact blocks (patches, norms, biases) may grow through the patch sums up to ``width``
    coordinates, the largest n_components/2^k for which they take at most ``EXACT_SHARE`` of the
    output (exact coordinates carry no noise, but too many starve the sketches: on CIFAR-10 pooled
    to 16×16, width 64 instead of 128 at n_components = 1,024 raised the error from 0.09 to 0.24).
    The rest goes to the sketches, in proportion 1 for a κ1 residual and 2h for the TensorSRHT of
    layer h (it carries Θ, whose size grows with the depth; as in the FC sketch).
    """
    zero = (0,) * arch.depth

    def exact_dims(width: int) -> int:
        return _trace_dims(arch, channels, pixels, SizePlan(zero, zero, width))

    width = n_components // 2
    while width > 1 and exact_dims(width) > EXACT_SHARE * n_components:
        width //= 2
    needs_r = [needs_kappa1(h, arch) for h in range(1, arch.depth + 1)]
    needs_t = [arch.get == "ntk" and not (h == 1 and arch.fix_first_last) for h in range(1, arch.depth + 1)]
    fixed = exact_dims(width)
    weights = [1.0 * r for r in needs_r] + [2.0 * h * t for h, t in enumerate(needs_t, start=1)]
    rest = n_components - fixed
    if rest < 2 * sum(w > 0 for w in weights):
        raise ValueError(f"n_components={n_components} is too small for this architecture and {channels} "
                         f"channels: need at least {fixed + 2 * sum(w > 0 for w in weights)}")
    sizes = split_budget(np.array(weights), rest)
    plan = SizePlan(tuple(sizes[:arch.depth]), tuple(sizes[arch.depth:]), width)
    if _trace_dims(arch, channels, pixels, plan) != n_components:  # pragma: no cover - sketch blocks never grow
        raise RuntimeError("internal size mismatch in the CNTK sketch plan")
    return plan


def fast_length(dim: int) -> int:
    """The input width given to the FFT-based sketches: ``dim`` zero-padded to a 5-smooth length
    (zeros change no inner product; FFTs of lengths with large prime factors run several times slower)."""
    return dim if dim <= DENSE_MAX_DIM else scipy.fft.next_fast_len(dim, real=True)


def _materialize(weights: Blocks, blocks: dict[str, torch.Tensor]) -> torch.Tensor:
    """The weighted blocks side by side along the last axis, zero-padded to :func:`fast_length`."""
    first = blocks[next(iter(weights))]
    width = sum(blocks[key].shape[-1] for key in weights)
    out = torch.empty(*first.shape[:-1], fast_length(width), dtype=first.dtype, device=first.device)
    start = 0
    for key, w2 in weights.items():
        block = blocks[key]
        torch.mul(block, math.sqrt(w2), out=out[..., start:start + block.shape[-1]])
        start += block.shape[-1]
    out[..., start:].zero_()
    return out


def _rows(t: torch.Tensor) -> torch.Tensor:
    return t.reshape(-1, t.shape[-1])


class ConvSketchMap:
    """A fitted CNTK sketch: (n, C, H, W) images → (n, n_components) features.

    Parameters
    ----------
    channels : int
    image_size : (int, int)
    arch : ConvArch
    n_components, degree : int
    rs : RandomState
    device : torch.device
    """

    def __init__(self, channels: int, image_size: tuple[int, int], arch: ConvArch, n_components: int, degree: int,
                 rs: np.random.RandomState, device: torch.device) -> None:
        self.arch, self.device = arch, device
        f = arch.filter_size
        lo, hi = pads(f, arch.padding)
        sides = [image_size]
        for _ in range(arch.depth):
            hs, ws = sides[-1]
            sides.append((hs + lo + hi - f + 1, ws + lo + hi - f + 1))
        if min(min(s) for s in sides) < 1:
            raise ValueError(f"images of size {image_size[0]}×{image_size[1]} are too small for {arch.depth} "
                             f"{f}×{f} {arch.padding.upper()} convolutions; use larger images, a smaller "
                             "filter_size or depth, or padding='same'")
        self.sides = sides[1:]
        self.pixels = pixels = [h * w for h, w in self.sides]
        self.plan = plan_sizes(n_components, arch, channels, pixels)
        self.layers: list[tuple] = []
        dims = {"x": channels * f * f, "b0": 1}
        phi, psi = _initial(arch)
        for h in range(1, arch.depth + 1):
            phi_dim = fast_length(sum(dims[k] for k in phi))
            k1 = k0 = ts = None
            c1 = dual_coeffs("kappa1", degree, h, arch.pooling)
            c0 = dual_coeffs("kappa0", degree, h, arch.pooling)
            if needs_kappa1(h, arch):
                k1 = PolynomialDualFeatures(phi_dim, c1, self.plan.kappa1[h - 1], rs, device)
                dims[f"n{h}"], dims[f"r{h}"] = 1, k1.dim
            if psi is not None:
                k0 = PolynomialDualFeatures(phi_dim, c0, self.plan.tensor[h - 1], rs, device,
                                            include_linear=bool(c0[1] > 0))
                ts = TensorSRHT(fast_length(sum(dims[k] for k in psi)), k0.dim, self.plan.tensor[h - 1],
                                random_state=rs, device=device)
                dims[f"t{h}"] = self.plan.tensor[h - 1]
            phi, psi = _activation_step(h, arch, phi, psi, float(c1[0]), float(c1[1]), float(c0[0]))
            convs = {}
            if h < arch.depth:
                for key in {**phi, **(psi or {})}:
                    convs[key] = PatchSum(dims[key], groups_for(key, dims[key], f * f, self.plan.width), f,
                                          arch.padding, rs, device)
                    dims[key] = convs[key].output_dim
                if arch.b_std > 0:
                    phi[f"b{h}"] = arch.b_std ** 2
                    dims[f"b{h}"] = 1
                    if psi is not None:
                        psi[f"b{h}"] = arch.b_std ** 2
            self.layers.append((k1, k0, ts, convs, dict(phi), None if psi is None else dict(psi)))
        self.final = psi if arch.get == "ntk" else phi
        self.readouts = {}
        if arch.pooling == "flatten":
            for key in self.final:
                self.readouts[key] = PixelSum(dims[key], groups_for(key, dims[key], pixels[-1], self.plan.width),
                                              pixels[-1], rs, device)
        self.output_dim = sum(dims[key] if arch.pooling == "gap" else self.readouts[key].output_dim
                              for key in self.final) + int(_readout_bias(arch))
        if self.output_dim != n_components:  # pragma: no cover - plan_sizes traces the same recursion
            raise RuntimeError(f"internal size mismatch: {self.output_dim} != {n_components}")

    def __call__(self, x: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
        arch, f = self.arch, self.arch.filter_size
        n = x.shape[0]
        lo, hi = pads(f, arch.padding)
        padded = F.pad(x, (lo, hi, lo, hi)) if lo or hi else x
        h0, w0 = self.sides[0]
        patches = F.unfold(padded, f).view(n, -1, h0, w0).permute(0, 2, 3, 1)
        blocks = {"x": patches}
        if arch.b_std > 0:
            blocks["b0"] = torch.ones(n, h0, w0, 1, dtype=x.dtype, device=x.device)
        phi, psi = _initial(arch)
        for h, (k1, k0, ts, convs, next_phi, next_psi) in enumerate(self.layers, start=1):
            Phi = _materialize(phi, blocks)
            shape = Phi.shape[:-1]
            rows = _rows(Phi)
            norm = torch.linalg.vector_norm(rows, dim=1, keepdim=True)
            unit = rows / torch.where(norm > 0, norm, torch.ones_like(norm))
            del Phi, rows
            if k1 is not None:
                blocks[f"n{h}"] = norm.view(*shape, 1)
                blocks[f"r{h}"] = (k1(unit) * norm).view(*shape, -1)
            if ts is not None:
                blocks[f"t{h}"] = ts(_rows(_materialize(psi, blocks)), k0(unit)).view(*shape, -1)
            del unit, norm
            for key, conv in convs.items():
                blocks[key] = conv(blocks[key])
            if convs and arch.b_std > 0:
                blocks[f"b{h}"] = torch.ones(n, *self.sides[h], 1, dtype=x.dtype, device=x.device)
            phi, psi = next_phi, next_psi
            live = set(phi) | set(psi or {})
            blocks = {k: v for k, v in blocks.items() if k in live}
        parts = []
        for key, w2 in self.final.items():
            block = blocks[key]
            pooled = self.readouts[key](block) if self.readouts else block.mean(dim=(1, 2))
            parts.append(pooled * math.sqrt(w2))
        if _readout_bias(arch):
            parts.append(torch.full((n, 1), arch.b_std, dtype=x.dtype, device=x.device))
        if out is None:
            return torch.cat(parts, dim=1)
        return torch.cat(parts, dim=1, out=out)

