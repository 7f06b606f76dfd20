"""Exact NNGP and NTK of fully-connected networks of any depth and any activation with a dual."""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
import torch

from ntkbench.kernels._tensor import (
    check_depth, check_stds, package, parse_get, resolve_dtype, to_tensor,
)
from ntkbench.kernels._fc_relu import CosineRecursion
from ntkbench.kernels.duals import DualActivation
from ntkbench.kernels.registry import get_activation
from ntkbench.threads import blockwise, parallel_map

Tensor = torch.Tensor


def fc_layer_variances(q0: Tensor, dual: DualActivation, depth: int, w_std: float, b_std: float) -> list[Tensor]:
    """Per-input variances Σ^(h)(x, x), h = 0..depth−1, given Σ^(0)(x, x) = ``q0``."""
    out = [q0]
    for _ in range(depth - 1):
        out.append(dual.variance(out[-1]) * w_std ** 2 + b_std ** 2)
    return out


def _fc_block(x1: Tensor, x2: Tensor, v1: list[Tensor], v2: list[Tensor], dual: DualActivation,
              w2: float, b2: float, want_ntk: bool) -> tuple[Tensor, Tensor | None]:
    """NNGP and (optionally) NTK of one block of input pairs."""
    sigma = x1 @ x2.T
    if b2:
        sigma.add_(b2)
    theta = sigma.clone() if want_ntk else None
    for h in range(len(v1)):
        q1, q2 = v1[h][:, None], v2[h][None, :]
        if want_ntk:
            nngp, dnngp = dual.both(q1, q2, sigma, scale=w2)
        else:
            nngp = dual.nngp(q1, q2, sigma).mul_(w2)
        del sigma
        sigma = nngp.add_(b2) if b2 else nngp
        if want_ntk:
            theta = torch.addcmul(sigma, theta, dnngp)          # Θʰ = Θʰ⁻¹·Σ̇ʰ + Σʰ
            del dnngp
    return sigma, theta


@blockwise
def fc_kernel(
    x1: Any,
    x2: Any | None = None,
    *,
    depth: int,
    activation: str | DualActivation = "relu",
    w_std: float = math.sqrt(2.0),
    b_std: float = 0.0,
    get: str | Sequence[str] = "ntk",
    dtype: Any = torch.float64,
    device: str | torch.device | None = None,
    block_size: int = 256,
    threads: int | None = None,
) -> Any:
    """NNGP and/or NTK of a depth-``depth`` fully-connected network.

    Recursion (``../shared/spec/algorithms.md`` §1.2, generalised), with σ̂ and σ̂′ the NNGP and
    derivative maps of the activation (:mod:`ntkbench.kernels.duals`)::

        Σ⁰ = ⟨x, y⟩ + b²,  Θ⁰ = Σ⁰
        Σʰ = w²·σ̂(Σʰ⁻¹) + b²,  Σ̇ʰ = w²·σ̂′(Σʰ⁻¹),  Θʰ = Θʰ⁻¹·Σ̇ʰ + Σʰ      (h = 1..L)

    NNGP = Σᴸ, NTK = Θᴸ. With ReLU, w = √2 and b = 0 this is the Arora et al. (2019) convention:
    Θ(x, x) = (L+1)‖x‖² and Σ(x, x) = ‖x‖², and the table of §1.2 is reproduced.

    Mapping to neural-tangents (NTK parameterisation): the result equals ``kernel_fn(x, y)`` of ::

        stax.serial(Dense(k, W_std=sqrt(d), b_std=b), act,
                    *[Dense(k, W_std=w, b_std=b), act] * (L - 1),
                    Dense(1, W_std=w, b_std=b))

    for inputs of dimension d (neural-tangents divides ⟨x, y⟩ by d; the first W_std = √d undoes
    that), where ``act`` is the neural-tangents layer of the same activation (``Relu()``, ``Erf()``
    ...). Note that neural-tangents' ``Relu()`` dual is √(qq′)κ1/2, so w = √2 gives §1.2.

    Parameters
    ----------
    x1 : array-like or Tensor of shape (n1, d)
        Inputs anywhere in R^d (not only on the sphere).
    x2 : array-like or Tensor of shape (n2, d), optional
        Defaults to ``x1``; then only the upper block triangle is computed and mirrored. For
        (a, b)-ReLUs (ReLU, leaky ReLU, abs) without bias the recursion runs on cosines alone
        (:mod:`ntkbench.kernels._fc_relu`).
    depth : int
        Number of hidden (activation) layers L >= 1.
    activation : str or DualActivation, default="relu"
        A name from :func:`ntkbench.kernels.available_activations` (with parameters, e.g.
        ``"leaky_relu(slope=0.1)"``), a :class:`DualActivation` or a torch callable (numeric dual).
    w_std, b_std : float, default=√2, 0
        Weight and bias standard deviations of the hidden and readout layers.
    get : {"ntk", "nngp"} or sequence of them, default="ntk"
        A string returns one matrix; a sequence returns a tuple in that order.
    dtype : torch dtype or str, default=torch.float64
    device : str or torch.device, optional
        Where to compute; default: the device of ``x1`` (CPU for numpy inputs).
    block_size : int, default=256
        Rows and columns per block; working memory is about 6 × block_size² × itemsize per
        thread (blocks that stay in the CPU cache run fastest: 256 measured 5-10% faster than 512).
    threads : int, optional
        Blocks computed in parallel on CPU, each with one torch thread; default:
        :func:`ntkbench.threads.block_threads` (``NTKBENCH_THREADS``, else every core this process
        may use, capped by ``torch.get_num_threads()``).

    Returns
    -------
    ndarray or Tensor of shape (n1, n2), or a tuple of them
        numpy arrays for numpy inputs, tensors on ``device`` for tensor inputs.

    Raises
    ------
    ValueError
        For non-2-D, empty or non-finite inputs, mismatched dimensions, depth < 1, w_std <= 0,
        b_std < 0, an unknown activation or an unknown ``get``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[3.0, 4.0]])
    >>> float(fc_kernel(x, depth=3)[0, 0])      # (L + 1)·‖x‖²
    100.0
    """
    depth = check_depth(depth)
    w, b = check_stds(w_std, b_std)
    names = parse_get(get)
    dual = get_activation(activation)
    if int(block_size) < 1:
        raise ValueError(f"block_size must be >= 1, got {block_size!r}")
    dt = resolve_dtype(dtype)
    as_numpy = not isinstance(x1, torch.Tensor)
    a = to_tensor(x1, "x1", ndim=2, dtype=dt, device=device)
    symmetric = x2 is None
    c = a if symmetric else to_tensor(x2, "x2", ndim=2, dtype=dt, device=a.device)
    if a.shape[1] != c.shape[1]:
        raise ValueError(f"x1 has {a.shape[1]} features but x2 has {c.shape[1]}")
    want_ntk = "ntk" in names
    w2, b2 = w * w, b * b
    v1 = fc_layer_variances((a * a).sum(1) + b2, dual, depth, w, b)
    v2 = v1 if symmetric else fc_layer_variances((c * c).sum(1) + b2, dual, depth, w, b)
    n1, n2 = a.shape[0], c.shape[0]
    want_nngp = "nngp" in names
    nngp_out = torch.empty((n1, n2), dtype=dt, device=a.device) if want_nngp else None
    ntk_out = torch.empty((n1, n2), dtype=dt, device=a.device) if want_ntk else None
    outs = [(out, k) for k, out in enumerate((nngp_out, ntk_out)) if out is not None]
    bs = int(block_size)
    if CosineRecursion.applies(dual, b2):
        fast = CosineRecursion(dual, w, depth)
        r1 = v1[0].sqrt()
        r2 = r1 if symmetric else v2[0].sqrt()
        u1 = a / torch.where(r1 > 0, r1, 1.0)[:, None]
        u2 = u1 if symmetric else c / torch.where(r2 > 0, r2, 1.0)[:, None]
        col, row = r1[:, None] * -fast.scale, r2[None, :]

        def compute(ri: slice, rj: slice) -> tuple[Tensor, Tensor | None]:
            rn, nu = fast.block(u1[ri], u2[rj], want_ntk)            # −ρᴸ, −τᴸ
            return tuple(t.mul_(col[ri]).mul_(row[:, rj]) if wanted else None
                         for t, wanted in ((rn, want_nngp), (nu, want_ntk)))
    else:
        def compute(ri: slice, rj: slice) -> tuple[Tensor, Tensor | None]:
            return _fc_block(a[ri], c[rj], [v[ri] for v in v1], [v[rj] for v in v2], dual, w2, b2, want_ntk)

    def run(block: tuple[slice, slice]) -> None:
        ri, rj = block
        results = compute(ri, rj)
        for out, k in outs:
            val = results[k]
            if symmetric and ri == rj:          # exact symmetry despite rounding (e.g. in BLAS)
                val = (val + val.T) / 2
            out[ri, rj] = val
            if symmetric and ri != rj:
                out[rj, ri] = val.T

    blocks = [(slice(i, min(i + bs, n1)), slice(j, min(j + bs, n2)))
              for i in range(0, n1, bs) for j in range(i if symmetric else 0, n2, bs)]
    with torch.no_grad():
        if a.device.type == "cpu":
            parallel_map(run, blocks, threads)
        else:
            for block in blocks:
                run(block)
    return package({"nngp": nngp_out, "ntk": ntk_out}, get, as_numpy)

