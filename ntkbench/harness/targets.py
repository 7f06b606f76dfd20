"""Target kernels shared by adapters, so that every method of one architecture shares one exact-kernel cache."""

from __future__ import annotations

from ntkbench.arch import Arch
from ntkbench.harness.contracts import TargetKernel
from ntkbench.kernels import fc_kernel


def fc_target(arch: Arch, get: str = "ntk") -> TargetKernel:
    """The exact fully-connected NTK (``get="ntk"``) or NNGP of ``arch`` as a :class:`TargetKernel`."""
    if get not in ("ntk", "nngp"):
        raise ValueError(f"get must be 'ntk' or 'nngp', got {get!r}")
    name = (f"fc_{get}[depth={arch.depth},activation={arch.activation},"
            f"w_std={arch.w_std:.12g},b_std={arch.b_std:.12g}]")
    return TargetKernel(name, lambda X1, X2: fc_kernel(X1, X2, depth=arch.depth, activation=arch.activation,
                                                       w_std=arch.w_std, b_std=arch.b_std, get=get))
