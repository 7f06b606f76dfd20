"""The exact kernel of an :class:`ntkbench.arch.Arch`, its canonical name (a cache key), and the
:class:`~ntkbench.contracts.TargetKernel` that approximations of the architecture are scored against."""

from __future__ import annotations

import dataclasses
from typing import Any, Sequence

from ntkbench.arch import Arch
from ntkbench.contracts import TargetKernel
from ntkbench.kernels.conv import cntk_kernel, myrtle_kernel
from ntkbench.kernels.fc import fc_kernel


def kernel_name(arch: Arch, get: str = "ntk") -> str:
    """Canonical description of the exact kernel of ``arch``: every parameter that changes it.

    The fully-connected form equals :func:`fc_target`'s, so exact and
    approximate methods of one architecture share one cached exact kernel.
    """
    if get not in ("ntk", "nngp"):
        raise ValueError(f"get must be 'ntk' or 'nngp', got {get!r}")
    common = f"depth={arch.depth},activation={arch.activation},w_std={arch.w_std:.12g},b_std={arch.b_std:.12g}"
    if arch.kind == "fc":
        return f"fc_{get}[{common}]"
    if arch.kind == "conv":
        return (f"cntk_{get}[{common},filter_size={arch.filter_size},padding={arch.padding},"
                f"pooling={arch.pooling},fix_first_last={bool(arch.fix_first_last)}]")
    return f"myrtle_{get}[{common},fix_first_last={bool(arch.fix_first_last)}]"


def arch_kernel(arch: Arch, x1: Any, x2: Any | None = None, *, get: str | Sequence[str] = "ntk",
                **hardware: Any) -> Any:
    """NNGP and/or NTK of the network described by ``arch``.

    Parameters
    ----------
    arch : Arch
        ``kind="fc"`` takes inputs (n, d) (images are flattened); ``"conv"`` and ``"myrtle"`` take
        images (n, C, H, W).
    x1, x2 : array-like or Tensor
        ``x2=None`` computes the symmetric Gram matrix of ``x1`` (each block once).
    get : {"ntk", "nngp"} or sequence of them, default="ntk"
    **hardware
        ``dtype``, ``device`` and block-size options of :func:`fc_kernel` / :func:`cntk_kernel`;
        they never change the result beyond rounding.

    Returns
    -------
    ndarray or Tensor of shape (n1, n2), or a tuple of them
    """
    common = dict(depth=arch.depth, activation=arch.activation, w_std=arch.w_std, b_std=arch.b_std, get=get)
    if arch.kind == "fc":
        def flat(x: Any) -> Any:
            return x.reshape(x.shape[0], -1) if getattr(x, "ndim", 2) > 2 else x
        return fc_kernel(flat(x1), None if x2 is None else flat(x2), **common, **hardware)
    if arch.kind == "conv":
        return cntk_kernel(x1, x2, filter_size=arch.filter_size, padding=arch.padding, pooling=arch.pooling,
                           fix_first_last=arch.fix_first_last, **common, **hardware)
    return myrtle_kernel(x1, x2, fix_first_last=arch.fix_first_last, **common, **hardware)


def arch_target(arch: Arch, get: str = "ntk") -> TargetKernel:
    """The exact NTK (``get="ntk"``) or NNGP of ``arch`` (fc, conv or Myrtle) as a :class:`TargetKernel`."""
    return TargetKernel(kernel_name(arch, get), lambda X1, X2: arch_kernel(arch, X1, X2, get=get))


def fc_target(arch: Arch, get: str = "ntk") -> TargetKernel:
    """The exact fully-connected NTK or NNGP of ``arch``'s depth, activation and weight/bias scales."""
    return arch_target(dataclasses.replace(arch, kind="fc"), get)
