"""Finite-width torch networks in the NTK parameterisation, for empirical NNGP/NTK checks."""

from __future__ import annotations

import math
from typing import Callable

import torch

Tensor = torch.Tensor


def empirical_fc(x: Tensor, *, depth: int, act: Callable[[Tensor], Tensor], w_std: float, b_std: float,
                 width: int, seed: int) -> tuple[Tensor, Tensor]:
    """Empirical NNGP (last-layer feature Gram) and NTK (J Jᵀ by autograd) of one random MLP.

    The network is h¹ = W¹x + b·β¹, hˡ⁺¹ = (w/√n)·Wˡ⁺¹σ(hˡ) + b·βˡ⁺¹, f = (w/√n)·wᵀσ(hᴸ) + b·β with
    all entries of W, β standard normal: the parameterisation whose infinite-width limit is
    :func:`ntkbench.kernels.fc_kernel` (Σ⁰ = ⟨x, y⟩ + b²).
    """
    gen = torch.Generator().manual_seed(seed)
    dt = x.dtype
    shapes = [(width, x.shape[1])] + [(width, width)] * (depth - 1) + [(1, width)]
    weights = [torch.randn(s, generator=gen, dtype=dt).requires_grad_(True) for s in shapes]
    biases = [torch.randn(s[0], generator=gen, dtype=dt).requires_grad_(True) for s in shapes]
    scale = w_std / math.sqrt(width)

    def forward(inp: Tensor) -> tuple[Tensor, Tensor]:
        h = inp @ weights[0].T + b_std * biases[0]
        for W, beta in zip(weights[1:-1], biases[1:-1]):
            h = scale * act(h) @ W.T + b_std * beta
        feat = act(h)
        return scale * feat @ weights[-1].T + b_std * biases[-1], feat

    out, feat = forward(x)
    nngp = (w_std ** 2 / width) * feat @ feat.T + b_std ** 2
    params = weights + biases
    rows = []
    for i in range(x.shape[0]):
        grads = torch.autograd.grad(out[i, 0], params, allow_unused=True, retain_graph=True)
        rows.append(torch.cat([(g if g is not None else torch.zeros_like(p)).reshape(-1)
                               for g, p in zip(grads, params)]))
    jac = torch.stack(rows)
    return nngp.detach(), (jac @ jac.T).detach()


def empirical_cnn(x: Tensor, *, depth: int, act: Callable[[Tensor], Tensor], f: int, padding: str,
                  fix: bool, width: int, seed: int, w_std: float = math.sqrt(2.0)) -> tuple[Tensor, Tensor]:
    """Empirical NNGP and NTK of a random CNN [conv f×f, act] × depth + GAP + dense readout.

    h¹ = W¹ ⋆ x, hˡ⁺¹ = w/(f√n)·Wˡ⁺¹ ⋆ σ(hˡ), f(x) = w/(f√n)·vᵀ mean_p σ(hᴸ)_p, all weights
    standard normal (no biases): the finite-width network of :func:`ntkbench.kernels.cntk_kernel`.
    With ``fix`` the first conv and the readout are not differentiated (Arora et al.'s ``fix``).
    """
    import torch.nn.functional as F

    gen = torch.Generator().manual_seed(seed)
    dt = x.dtype
    pad = "same" if padding == "same" else 0
    convs = [torch.randn((width, x.shape[1], f, f), generator=gen, dtype=dt)]
    convs += [torch.randn((width, width, f, f), generator=gen, dtype=dt) for _ in range(depth - 1)]
    readout = torch.randn((width,), generator=gen, dtype=dt)
    params = convs + [readout]
    for p in params:
        p.requires_grad_(True)
    scale = w_std / (f * math.sqrt(width))
    h = F.conv2d(x, convs[0], padding=pad)
    for weight in convs[1:]:
        h = scale * F.conv2d(act(h), weight, padding=pad)
    feat = act(h).mean(dim=(2, 3))
    out = scale * feat @ readout
    nngp = scale ** 2 * width * (feat @ feat.T) / width
    trained = params[1:-1] if fix else params
    rows = []
    for i in range(x.shape[0]):
        grads = torch.autograd.grad(out[i], trained, retain_graph=True)
        rows.append(torch.cat([g.reshape(-1) for g in grads]))
    jac = torch.stack(rows)
    return nngp.detach(), (jac @ jac.T).detach()
