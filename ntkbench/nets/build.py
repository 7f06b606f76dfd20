"""Finite-width torch networks built from an :class:`~ntkbench.arch.Arch`: the networks whose
infinite-width NNGP and NTK are the exact kernels of the same Arch.

* ``kind="fc"``: an MLP, ``depth`` hidden layers of ``width`` units (the network of
  :func:`ntkbench.kernels.fc_kernel`).
* ``kind="conv"``: a CNN, [conv f×f, activation] × ``depth`` then global average pooling or
  flatten and a dense readout (:func:`ntkbench.kernels.cntk_kernel`).
* ``kind="myrtle"``: Myrtle-5/7/10, 3×3 SAME convs with 2×2 average pooling between blocks
  (:func:`ntkbench.kernels.myrtle_kernel`).

All layers are in the NTK parameterisation (:mod:`ntkbench.nets.layers`), so the empirical NTK at
initialisation tends to the exact NTK as ``width`` grows.
"""

from __future__ import annotations

import math
import numbers
from typing import Sequence

import torch
from torch import nn

from ntkbench.arch import Arch
from ntkbench.kernels import get_activation
from ntkbench.kernels.conv import Layer, cntk_plan, myrtle_plan
from ntkbench.nets.layers import Activation, FactorisedLinear, NTKConv2d, NTKLinear


def check_width(width: object) -> int:
    """``width`` as a positive int; a ValueError that says so otherwise."""
    if isinstance(width, bool) or not isinstance(width, numbers.Integral) or width < 1:
        raise ValueError(f"width must be a positive integer (units or channels per hidden layer), got {width!r}")
    return int(width)


def build_network(arch: Arch, input_shape: Sequence[int], *, width: int, n_outputs: int = 1,
                  random_state: int = 0, dtype: torch.dtype = torch.float32, rank: int | None = None) -> nn.Sequential:
    """The finite-width network of ``arch``, initialised from ``random_state``.

    Parameters
    ----------
    arch : Arch
        ``depth``, ``activation``, ``w_std``, ``b_std`` and, for conv kinds, ``filter_size``,
        ``padding``, ``pooling``; ``fix_first_last`` freezes the first layer and the readout
        (``requires_grad=False``), as in Arora et al.'s ``--fix yes``.
    input_shape : sequence of int
        (d,) for ``kind="fc"`` (images are flattened by the caller), (C, H, W) for conv kinds.
    width : int
        Units of each hidden layer, or channels of each conv.
    n_outputs : int, default=1
    random_state : int, default=0
        Seed of the initial parameters (drawn on the CPU, so one seed is one network everywhere).
    dtype : torch dtype, default=torch.float32
    rank : int, optional
        ``kind="fc"`` only: replace every dense layer with more than ``rank`` inputs, except the
        readout, by a :class:`~ntkbench.nets.layers.FactorisedLinear` of that rank (a factorised
        wide network); default: dense layers.

    Returns
    -------
    torch.nn.Sequential
        On the CPU; move it with ``.to(device)``.

    Raises
    ------
    ValueError
        For a width below 1, an input shape that does not fit the kind, an activation with no
        elementwise form, or a rank that is not between 1 and the width.

    Examples
    --------
    >>> net = build_network(Arch(depth=2), (5,), width=16)
    >>> net(torch.zeros(3, 5)).shape
    torch.Size([3, 1])
    """
    width = check_width(width)
    if int(n_outputs) < 1:
        raise ValueError(f"n_outputs must be >= 1, got {n_outputs!r}")
    shape = tuple(int(s) for s in input_shape)
    gen = torch.Generator().manual_seed(int(random_state))
    act = get_activation(arch.activation)
    if arch.kind == "fc":
        if len(shape) != 1:
            raise ValueError(f"an fc network takes inputs of shape (d,), got {shape}; flatten images first")
        if rank is not None and (isinstance(rank, bool) or not isinstance(rank, numbers.Integral)
                                 or not 1 <= rank <= width):
            raise ValueError(f"rank must be an integer between 1 and the width {width}, got {rank!r}")
        layers = _mlp(arch, shape[0], width, n_outputs, gen, dtype, act, rank)
    else:
        if rank is not None:
            raise ValueError(f"rank (factorised layers) applies to fc networks, not {arch.kind!r}")
        if len(shape) != 3:
            raise ValueError(f"a {arch.kind} network takes images of shape (C, H, W), got {shape}")
        plan = (cntk_plan(arch.depth, arch.filter_size, arch.padding) if arch.kind == "conv"
                else myrtle_plan(arch.depth))
        pooling = arch.pooling if arch.kind == "conv" else "gap"
        layers = _convnet(arch, plan, shape, pooling, width, n_outputs, gen, dtype, act)
    net = nn.Sequential(*layers)
    if arch.fix_first_last:
        for layer in (layers[0], layers[-1]):
            layer.requires_grad_(False)
    return net


def _mlp(arch: Arch, d: int, width: int, n_outputs: int, gen: torch.Generator, dtype: torch.dtype,
         act, rank: int | None) -> list[nn.Module]:
    hidden = arch.w_std / math.sqrt(width)

    def dense(fan_in: int, scale: float) -> nn.Module:
        if rank is not None and fan_in > rank:
            return FactorisedLinear(fan_in, width, rank, weight_scale=scale, bias_scale=arch.b_std, generator=gen,
                                    dtype=dtype)
        return NTKLinear(fan_in, width, weight_scale=scale, bias_scale=arch.b_std, generator=gen, dtype=dtype)

    layers: list[nn.Module] = [dense(d, 1.0)]
    for _ in range(arch.depth - 1):
        layers += [Activation(act), dense(width, hidden)]
    layers += [Activation(act), NTKLinear(width, n_outputs, weight_scale=hidden, bias_scale=arch.b_std,
                                          generator=gen, dtype=dtype)]
    return layers


def _convnet(arch: Arch, plan: list[Layer], shape: tuple[int, ...], pooling: str, width: int, n_outputs: int,
             gen: torch.Generator, dtype: torch.dtype, act) -> list[nn.Module]:
    channels, height, wide = shape
    layers: list[nn.Module] = []
    scale, last_filter = 1.0, 1
    for step in plan:
        if step.kind == "conv":
            layers.append(NTKConv2d(channels, width, step.size, padding=step.padding, weight_scale=scale,
                                    bias_scale=arch.b_std, generator=gen, dtype=dtype))
            channels, last_filter = width, step.size
            if step.padding == "valid":
                height, wide = height - step.size + 1, wide - step.size + 1
                if min(height, wide) < 1:
                    raise ValueError(f"images of shape {shape} are too small for {arch.depth} VALID "
                                     f"{step.size}×{step.size} convolutions")
        elif step.kind == "pool":
            layers.append(nn.AvgPool2d(step.size))
            height, wide = height // step.size, wide // step.size
        else:
            layers.append(Activation(act))
            # the next layer (conv or readout) sees an activation of f×f patches: the kernels' w²/f²
            scale = arch.w_std / (last_filter * math.sqrt(width))
    if pooling == "gap":
        layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
        features = width
    else:
        layers.append(nn.Flatten())
        features = width * height * wide
    layers.append(NTKLinear(features, n_outputs, weight_scale=scale, bias_scale=arch.b_std, generator=gen,
                            dtype=dtype))
    return layers
