"""Exact convolutional NTK / NNGP (CNTK-GAP, CNTK-V, Myrtle) by the pixel-pair dynamic program.

Every quantity is a pixel-pair tensor T[p, p′] between two images. For a block of b1 × b2 image
pairs the tensors have shape (b1, b2, H, W, H′, W′): for each pair a (pixels × pixels′) matrix, so
the activation is one batched elementwise pass whose per-pixel variances broadcast as a column
and a row, and the convolution ("patch sum" over aligned f × f offsets, Arora et al.'s tr over
D_{ij,i′j′}) is a sum of 2f shifted slices. The first layer is an im2col matrix product whose
result already has this layout. Small blocks (default: one image pair per block side of 1-2
images) keep the working set in the CPU cache; blocks run in parallel
(:func:`ntkbench.threads.parallel_map`).

Conventions (``../shared/spec/algorithms.md`` §1.3, Arora et al. 2019, generalised):

* Σ⁽⁰⁾ = patchsum(S) + b², S[p, p′] = Σ_c x_c[p] x′_c[p′]  (first conv on raw pixels).
* Activation h = 1..L: K = (w²/f²)·σ̂(Σ), K̇ = (w²/f²)·σ̂′(Σ); Θ ← Θ ⊙ K̇ + K.
* Conv after activations h < L: Σ ← patchsum(K) + b², Θ ← patchsum(Θ) + b².
* Readout: GAP = mean over all pixel pairs (+ b²), flatten = trace over p = p′ (+ b²), the CNTK-V
  of Arora et al. (neural-tangents' ``Flatten`` divides this by H·W).
* ``fix_first_last``: Θ⁽⁰⁾ = 0 (first layer not trained) and the last K is not added.

With ReLU, w = √2, b = 0, f = 3, SAME, GAP and ``fix_first_last=True`` this is the CNTK-GAP of
Arora et al.'s ``CNTK.py --gap yes --fix yes`` with their ``depth`` = L + 1.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import torch
import torch.nn.functional as F

from ntkbench.kernels import _conv_relu
from ntkbench.kernels._tensor import check_depth, check_stds, package, parse_get, resolve_dtype, to_tensor
from ntkbench.kernels.duals import DualActivation
from ntkbench.kernels.registry import get_activation
from ntkbench.threads import blockwise, parallel_map

Tensor = torch.Tensor
PADDINGS = ("same", "valid")
POOLINGS = ("gap", "flatten")
MYRTLE_BLOCKS = {5: (2, 1, 1), 7: (2, 2, 2), 10: (3, 3, 3)}


@dataclass(frozen=True)
class Layer:
    """One step of a conv-net plan: ``kind`` is "conv", "act" or "pool"."""

    kind: str
    size: int = 0
    padding: str = "same"


def cntk_plan(depth: int, filter_size: int, padding: str) -> list[Layer]:
    """[conv, act] × depth: the plain CNTK of Arora et al. with L = depth activations."""
    return [layer for _ in range(depth) for layer in (Layer("conv", filter_size, padding), Layer("act"))]


def myrtle_plan(depth: int, filter_size: int = 3, padding: str = "same") -> list[Layer]:
    """Myrtle-5/7/10 (Shankar et al. 2020; paper-3 code): three blocks of [conv, act] × k with
    k = (2,1,1), (2,2,2), (3,3,3), 2×2 average pooling after the first two blocks and global
    average pooling (readout) after the third."""
    if depth not in MYRTLE_BLOCKS:
        raise ValueError(f"Myrtle depth must be one of {sorted(MYRTLE_BLOCKS)}, got {depth!r}")
    plan: list[Layer] = []
    for block, count in enumerate(MYRTLE_BLOCKS[depth]):
        plan += [layer for _ in range(count) for layer in (Layer("conv", filter_size, padding), Layer("act"))]
        if block < 2:
            plan.append(Layer("pool", 2))
    return plan


def _pads(f: int, padding: str) -> tuple[int, int]:
    """(low, high) zero padding of a size-f filter (TensorFlow / neural-tangents SAME)."""
    if padding == "valid":
        return 0, 0
    return (f - 1) // 2, f - 1 - (f - 1) // 2


def _out_size(n: int, f: int, padding: str) -> int:
    return n if padding == "same" else n - f + 1


def _patchsum_axes(t: Tensor, ax1: int, ax2: int, f: int, padding: str,
                   take: Callable[[tuple[int, ...]], Tensor] | None = None) -> Tensor:
    """out[i, i′] = Σ_a t[i + a − lo, i′ + a − lo] along the axis pair (ax1, ax2), zero outside;
    ``take(shape)`` supplies the output tensor (default: a new one)."""
    n = t.shape[ax1]
    lo, _ = _pads(f, padding)
    m = n - f + 1 if padding == "valid" else n
    shape = list(t.shape)
    shape[ax1] = shape[ax2] = m
    out = take(tuple(shape)) if take is not None else t.new_empty(shape)
    if padding == "valid":
        if f == 1:
            return out.copy_(t)
        torch.add(t.narrow(ax1, 0, m).narrow(ax2, 0, m), t.narrow(ax1, 1, m).narrow(ax2, 1, m), out=out)
        for a in range(2, f):
            out += t.narrow(ax1, a, m).narrow(ax2, a, m)
        return out
    out.copy_(t)                                     # the a = lo (zero-shift) term
    for a in range(f):
        s = a - lo
        if s == 0:
            continue
        start, length = max(0, -s), n - abs(s)
        if length <= 0:
            continue
        dst = out.narrow(ax1, start, length).narrow(ax2, start, length)
        dst += t.narrow(ax1, start + s, length).narrow(ax2, start + s, length)
    return out


def patchsum(t: Tensor, f: int, padding: str, take: Callable[[tuple[int, ...]], Tensor] | None = None,
             give: Callable[[Tensor], None] | None = None) -> Tensor:
    """The f × f "conv" of a pixel-pair tensor of shape (b1, b2, H, W, H′, W′); ``take`` supplies
    the intermediate and output tensors and ``give`` takes the intermediate back (workspaces)."""
    half = _patchsum_axes(t, 2, 4, f, padding, take)
    out = _patchsum_axes(half, 3, 5, f, padding, take)
    if give is not None:
        give(half)
    return out


def _pool_pairs(t: Tensor, k: int) -> Tensor:
    """k × k average pooling (stride k, VALID) of both images of a (b1, b2, H, W, H′, W′) tensor."""
    b1, b2, h, w = t.shape[0], t.shape[1], t.shape[2] // k, t.shape[3] // k
    t = t[:, :, :h * k, :w * k, :h * k, :w * k]
    return t.reshape(b1, b2, h, k, h, k, w, k, w, k).mean(dim=(3, 5, 7, 9))


def _first_layer(x1: Tensor, x2: Tensor, f: int, padding: str, self_pairs: bool = False,
                 take: Callable[[tuple[int, ...]], Tensor] | None = None) -> Tensor:
    """Σ⁽⁰⁾ without bias, by im2col: ⟨patch(x1, p), patch(x2, p′)⟩, shape (b1, b2, H, W, H′, W′);
    with ``self_pairs`` each image only with itself: shape (b, 1, H, W, H′, W′). ``take(shape)``
    supplies the output where no permutation is needed (b2 = 1)."""
    lo, hi = _pads(f, padding)
    h, w = _out_size(x1.shape[2], f, padding), _out_size(x1.shape[3], f, padding)

    def cols(x: Tensor) -> Tensor:
        if lo or hi:
            x = F.pad(x, (lo, hi, lo, hi))
        return F.unfold(x, f).transpose(1, 2)                 # (b, Ho·Wo, C f²)

    if self_pairs:
        c1 = cols(x1)
        return torch.bmm(c1, c1.transpose(1, 2)).view(x1.shape[0], 1, h, w, h, w)
    c1 = cols(x1).reshape(-1, x1.shape[1] * f * f)
    c2 = c1 if x2 is x1 else cols(x2).reshape(-1, x2.shape[1] * f * f)
    if take is not None and x2.shape[0] == 1:
        return torch.mm(c1, c2.T, out=take((c1.shape[0], c2.shape[0]))).view(x1.shape[0], 1, h, w, h, w)
    gram = (c1 @ c2.T).view(x1.shape[0], h, w, x2.shape[0], h, w)
    return gram.permute(0, 3, 1, 2, 4, 5).contiguous()        # a copy only when b2 > 1


def _self_diag(t: Tensor) -> Tensor:
    """Pixel variances of self pairs: t of shape (B, 1, H, W, H′, W′) -> (B, H, W)."""
    return _pixel_diagonal(t)[:, 0]


def _views(v1: Tensor, v2: Tensor, self_pairs: bool, diagonal: bool) -> tuple[Tensor, Tensor]:
    """Broadcastable variance views for pair tensors (or their pixel diagonals)."""
    if diagonal:                       # tensors (b1, b2, H, W)
        return v1[:, None], (v2[:, None] if self_pairs else v2[None])
    q2 = v2[:, None, None, None, :, :] if self_pairs else v2[None, :, None, None, :, :]
    return v1[:, None, :, :, None, None], q2


def _pixel_diagonal(t: Tensor) -> Tensor:
    """(b1, b2, H, W, H′, W′) -> (b1, b2, H, W): entries with p = p′."""
    return torch.diagonal(torch.diagonal(t, dim1=2, dim2=4), dim1=2, dim2=3)


def _run_plan(x1: Tensor, x2: Tensor, plan: Sequence[Layer], dual: DualActivation, *, w2: float, b2: float,
              readout: str, fix: bool, want_ntk: bool, self_pairs: bool, want_nngp: bool = True,
              variances: tuple[list[Tensor], list[Tensor]] | None) -> tuple[Tensor, Tensor | None, list[Tensor]]:
    """Run ``plan`` on a block; returns NNGP (b1, b2) (None when not ``want_nngp`` allows skipping
    it), NTK (b1, b2) or None, and the recorded per-activation pixel variances (self pairs only)."""
    first = plan[0]
    sigma = _first_layer(x1, x2, first.size, first.padding, self_pairs)
    if b2:
        sigma.add_(b2)
    theta = None if (fix or not want_ntk) else sigma.clone()
    f_act = first.size
    recorded: list[Tensor] = []
    acts = [i for i, layer in enumerate(plan) if layer.kind == "act"]
    k = 0
    for i, layer in enumerate(plan[1:], start=1):
        if layer.kind == "conv":
            f_act = layer.size
            shared = theta is sigma               # fixed first layer: Θ⁽¹⁾ = Σ⁽¹⁾, convolve once
            sigma = patchsum(sigma, layer.size, layer.padding)
            if b2:
                sigma.add_(b2)
            if shared:
                theta = sigma
            elif theta is not None:
                theta = patchsum(theta, layer.size, layer.padding)
                if b2:
                    theta.add_(b2)
        elif layer.kind == "pool":
            shared = theta is sigma
            sigma = _pool_pairs(sigma, layer.size)
            theta = sigma if shared else (_pool_pairs(theta, layer.size) if theta is not None else None)
        else:
            last = i == acts[-1]
            diagonal = last and readout == "flatten"
            if self_pairs:
                v = _self_diag(sigma)
                recorded.append(v)
                v1, v2 = v, v
            else:
                v1, v2 = variances[0][k], variances[1][k]
            if diagonal:
                sigma = _pixel_diagonal(sigma)
                theta = _pixel_diagonal(theta) if theta is not None else None
            q1, q2 = _views(v1, v2, self_pairs, diagonal)
            scale = w2 / (f_act * f_act)
            if last and fix and want_ntk and not want_nngp:
                # Only Θ ⊙ K̇ is needed: no NNGP map (and for ReLU no square root) at the last layer.
                theta = theta * dual.dnngp(q1, q2, sigma).mul_(scale) if theta is not None else \
                    torch.zeros_like(sigma)
                nngp = None
            elif want_ntk:
                nngp, dnngp = dual.both(q1, q2, sigma, scale=scale)
                if theta is None:                       # fixed first layer: Θ⁽⁰⁾ = 0, so Θ = K
                    theta = torch.zeros_like(nngp) if (last and fix) else nngp
                else:
                    theta = theta * dnngp if (last and fix) else torch.addcmul(nngp, theta, dnngp)
                del dnngp
            else:
                nngp = dual.nngp(q1, q2, sigma).mul_(scale)
            sigma = nngp
            k += 1
    reduce = (lambda t: t.sum(dim=(2, 3))) if readout == "flatten" else (lambda t: t.mean(dim=(2, 3, 4, 5)))
    nngp_out = reduce(sigma) if sigma is not None else None
    ntk_out = reduce(theta) if want_ntk else None
    if b2 and nngp_out is not None:
        nngp_out.add_(b2)
        if want_ntk and not fix:
            ntk_out.add_(b2)
    return nngp_out, ntk_out, recorded


def _boxsum(v: Tensor, f: int, padding: str) -> Tensor:
    """Sum over f × f windows of per-pixel maps v of shape (n, H, W), zero outside."""
    lo, hi = _pads(f, padding)
    v = v[:, None]
    if lo or hi:
        v = F.pad(v, (lo, hi, lo, hi))
    return F.conv2d(v, torch.ones((1, 1, f, f), dtype=v.dtype, device=v.device))[:, 0]


def pixel_variances(x: Tensor, plan: Sequence[Layer], dual: DualActivation, w2: float, b2: float) -> list[Tensor]:
    """Σ⁽ʰ⁾(x, x)[p, p] at every activation, for plans without pooling, in O(pixels · f²) per image:
    the diagonal of a patch sum is the box sum of the diagonal."""
    if any(layer.kind == "pool" for layer in plan):
        raise ValueError("pixel_variances needs a plan without pooling")
    out: list[Tensor] = []
    v = (x * x).sum(1)
    f_act = 1
    for layer in plan:
        if layer.kind == "conv":
            v = _boxsum(v, layer.size, layer.padding) + b2
            f_act = layer.size
        else:
            out.append(v)
            v = dual.variance(v) * (w2 / (f_act * f_act))
    return out


def _block_size(shape: Sequence[int], plan: Sequence[Layer], itemsize: int, max_bytes: float) -> int:
    """Images per block side so that about 10 live pixel-pair tensors fit in ``max_bytes`` (small,
    cache-resident blocks run faster than big ones)."""
    first = plan[0]
    pixels = _out_size(shape[2], first.size, first.padding) * _out_size(shape[3], first.size, first.padding)
    per_pair = 10 * itemsize * pixels * pixels
    return max(1, int(math.isqrt(max(1, int(max_bytes // per_pair)))))


@blockwise
def conv_plan_kernel(x1: Any, x2: Any | None, plan: Sequence[Layer], *, activation: str | DualActivation,
                     w_std: float, b_std: float, readout: str, fix_first_last: bool,
                     get: str | Sequence[str], dtype: Any, device: Any, block_size: int | None,
                     max_block_bytes: float, threads: int | None = None) -> Any:
    """Kernel of any conv/act/pool ``plan`` on images (n, C, H, W); the engine behind
    :func:`cntk_kernel` and :func:`myrtle_kernel` (see them for the parameters)."""
    w, b = check_stds(w_std, b_std)
    names = parse_get(get)
    dual = get_activation(activation)
    if readout not in POOLINGS:
        raise ValueError(f"pooling must be one of {POOLINGS}, got {readout!r}")
    dt = resolve_dtype(dtype)
    as_numpy = not isinstance(x1, torch.Tensor)
    a = to_tensor(x1, "x1", ndim=4, dtype=dt, device=device)
    symmetric = x2 is None
    c = a if symmetric else to_tensor(x2, "x2", ndim=4, dtype=dt, device=a.device)
    if a.shape[1:] != c.shape[1:]:
        raise ValueError(f"x1 has image shape {tuple(a.shape[1:])} but x2 has {tuple(c.shape[1:])}")
    h, wd = a.shape[2], a.shape[3]
    for layer in plan:
        if layer.kind == "conv":
            if layer.padding not in PADDINGS:
                raise ValueError(f"padding must be one of {PADDINGS}, got {layer.padding!r}")
            if int(layer.size) != layer.size or layer.size < 1:
                raise ValueError(f"filter_size must be an integer >= 1, got {layer.size!r}")
            h, wd = _out_size(h, layer.size, layer.padding), _out_size(wd, layer.size, layer.padding)
        elif layer.kind == "pool":
            h, wd = h // layer.size, wd // layer.size
        if h < 1 or wd < 1:
            raise ValueError(f"images of shape {tuple(a.shape[1:])} are too small for this architecture "
                             f"(spatial size drops below 1 at a {layer.kind} layer)")
    want_ntk = "ntk" in names
    first = plan[0]
    pixels = _out_size(a.shape[2], first.size, first.padding) * _out_size(a.shape[3], first.size, first.padding)
    opts = dict(w2=w * w, b2=b * b, readout=readout, fix=bool(fix_first_last), want_ntk=want_ntk,
                want_nngp="nngp" in names)
    bs = int(block_size) if block_size else _block_size(a.shape, plan, a.element_size(), max_block_bytes)
    if bs < 1:
        raise ValueError(f"block_size must be >= 1, got {block_size!r}")

    def self_variances(x: Tensor) -> list[Tensor]:
        if not any(layer.kind == "pool" for layer in plan):
            return pixel_variances(x, plan, dual, w * w, b * b)
        chunks = [_run_plan(x[i:i + bs * bs], x[i:i + bs * bs], plan, dual,
                            **{**opts, "want_ntk": False, "want_nngp": True},
                            self_pairs=True, variances=None)[2] for i in range(0, x.shape[0], bs * bs)]
        return [torch.cat(parts) for parts in zip(*chunks)]

    n1, n2 = a.shape[0], c.shape[0]
    nngp_out = torch.empty((n1, n2), dtype=dt, device=a.device) if "nngp" in names else None
    ntk_out = torch.empty((n1, n2), dtype=dt, device=a.device) if want_ntk else None
    want_nngp = nngp_out is not None

    fast = _conv_relu.applies(dual, plan)
    workspaces = threading.local()

    def pair_block(ri: slice, rj: slice) -> tuple[Tensor | None, Tensor | None]:
        if not fast:
            return _run_plan(a[ri], c[rj], plan, dual, **opts, self_pairs=False,
                             variances=([v[ri] for v in v1], [v[rj] for v in v2]))[:2]
        ws = getattr(workspaces, "ws", None)
        if ws is None:
            ws = workspaces.ws = _conv_relu.Workspace(bs * bs * pixels * pixels, dt, a.device)
        ws.reset()
        first = plan[0]
        sigma = _first_layer(a[ri], c[rj], first.size, first.padding, take=ws.take)
        if b * b:
            sigma.add_(b * b)
        return _conv_relu.relu_block(sigma, plan, dual, [v[ri] for v in v1], [v[rj] for v in v2], ws,
                                     **opts, patchsum=patchsum, pixel_diagonal=_pixel_diagonal)

    def run(block: tuple[slice, slice]) -> None:
        ri, rj = block
        sig, th = pair_block(ri, rj)
        for out, val, wanted in ((nngp_out, sig, want_nngp), (ntk_out, th, want_ntk)):
            if not wanted:
                continue
            if symmetric and ri == rj:
                val = (val + val.T) / 2
            out[ri, rj] = val
            if symmetric and ri != rj:
                out[rj, ri] = val.T

    blocks = [(slice(i, min(i + bs, n1)), slice(j, min(j + bs, n2)))
              for i in range(0, n1, bs) for j in range(i if symmetric else 0, n2, bs)]
    with torch.no_grad():
        v1 = self_variances(a)
        v2 = v1 if symmetric else self_variances(c)
        if a.device.type == "cpu":
            parallel_map(run, blocks, threads)
        else:
            for block in blocks:
                run(block)
    return package({"nngp": nngp_out, "ntk": ntk_out}, get, as_numpy)


_HW_DOC = """
    get : {"ntk", "nngp"} or sequence of them, default="ntk"
        A string returns one matrix; a sequence returns a tuple in that order.
    dtype : torch dtype or str, default=torch.float64
    device : str or torch.device, optional
        Where to compute; default: the device of ``x1`` (CPU for numpy inputs).
    block_size : int, optional
        Images per block side (b1 = b2 = block_size pairs are computed together); by default
        chosen so that a block needs about ``max_block_bytes``.
    max_block_bytes : float, default=10 MiB
        Working-memory budget of one block (about 10 pixel-pair tensors; the output matrix comes on
        top). Blocks that stay in the CPU's L2/L3 cache measured fastest (8×8 images: 5×5 image
        pairs per block; 32×32: one pair); at least one pair is computed whatever the budget.
    threads : int, optional
        Blocks computed in parallel on CPU, each with one torch thread; default:
        :func:`ntkbench.threads.block_threads` (``NTKBENCH_THREADS``, else every core this process
        may use, capped by ``torch.get_num_threads()``).
"""


def cntk_kernel(
    x1: Any,
    x2: Any | None = None,
    *,
    depth: int,
    activation: str | DualActivation = "relu",
    w_std: float = math.sqrt(2.0),
    b_std: float = 0.0,
    filter_size: int = 3,
    padding: str = "same",
    pooling: str = "gap",
    fix_first_last: bool = False,
    get: str | Sequence[str] = "ntk",
    dtype: Any = torch.float64,
    device: str | torch.device | None = None,
    block_size: int | None = None,
    max_block_bytes: float = 10 * 2 ** 20,
    threads: int | None = None,
) -> Any:
    """Exact CNTK / CNN-GP of a network of ``depth`` [conv f×f, activation] layers and a readout.

    See the module docstring for the recursion. Symmetric Gram matrices (``x2=None``) compute each
    block of image pairs once.

    Parameters
    ----------
    x1 : array-like or Tensor of shape (n1, C, H, W)
    x2 : array-like or Tensor of shape (n2, C, H, W), optional
        Defaults to ``x1``.
    depth : int
        Number of conv + activation layers L >= 1 (Arora et al.'s ``--depth`` is L + 1).
    activation : str or DualActivation, default="relu"
        Any activation of the registry (:func:`ntkbench.kernels.get_activation`).
    w_std, b_std : float, default=√2, 0
        Weight and bias standard deviations; each activation is scaled by w²/f².
    filter_size : int, default=3
    padding : {"same", "valid"}, default="same"
    pooling : {"gap", "flatten"}, default="gap"
        Global average pooling (CNTK-GAP) or flatten (CNTK-V, the trace over pixels).
    fix_first_last : bool, default=False
        Arora et al.'s ``--fix yes``: the first and last layers are not trained (NTK only).
    """ + _HW_DOC + """
    Returns
    -------
    ndarray or Tensor of shape (n1, n2), or a tuple of them

    Raises
    ------
    ValueError
        For non-4-D, empty or non-finite inputs, mismatched image shapes, images too small for the
        filters, or invalid parameters.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=(3, 1, 5, 5))
    >>> cntk_kernel(x, depth=2).shape
    (3, 3)
    """
    depth = check_depth(depth)
    if padding not in PADDINGS:
        raise ValueError(f"padding must be one of {PADDINGS}, got {padding!r}")
    if isinstance(filter_size, bool) or int(filter_size) != filter_size or filter_size < 1:
        raise ValueError(f"filter_size must be an integer >= 1, got {filter_size!r}")
    return conv_plan_kernel(x1, x2, cntk_plan(depth, int(filter_size), padding), activation=activation,
                            w_std=w_std, b_std=b_std, readout=pooling, fix_first_last=fix_first_last,
                            get=get, dtype=dtype, device=device, block_size=block_size,
                            max_block_bytes=max_block_bytes, threads=threads)


def myrtle_kernel(
    x1: Any,
    x2: Any | None = None,
    *,
    depth: int = 5,
    activation: str | DualActivation = "relu",
    w_std: float = math.sqrt(2.0),
    b_std: float = 0.0,
    fix_first_last: bool = False,
    get: str | Sequence[str] = "ntk",
    dtype: Any = torch.float64,
    device: str | torch.device | None = None,
    block_size: int | None = None,
    max_block_bytes: float = 10 * 2 ** 20,
    threads: int | None = None,
) -> Any:
    """Exact NTK / NNGP of the Myrtle-5/7/10 networks (3×3 SAME convs, average pooling).

    Three blocks of [conv, activation] × (2,1,1) / (2,2,2) / (3,3,3), 2×2 average pooling after the
    first two blocks and global average pooling then a dense readout after the third (for 32×32
    inputs this is the paper-3 code's three further 2×2 poolings). Same conventions as
    :func:`cntk_kernel` (each activation scaled by w²/9).

    Parameters
    ----------
    x1 : array-like or Tensor of shape (n1, C, H, W)
    x2 : array-like or Tensor of shape (n2, C, H, W), optional
    depth : {5, 7, 10}, default=5
    activation, w_std, b_std, fix_first_last
        As in :func:`cntk_kernel`.
    """ + _HW_DOC + """
    Returns
    -------
    ndarray or Tensor of shape (n1, n2), or a tuple of them
    """
    return conv_plan_kernel(x1, x2, myrtle_plan(depth), activation=activation, w_std=w_std, b_std=b_std,
                            readout="gap", fix_first_last=fix_first_last, get=get, dtype=dtype,
                            device=device, block_size=block_size, max_block_bytes=max_block_bytes,
                            threads=threads)
