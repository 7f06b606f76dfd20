"""Target kernels shared by adapters, so that every method of one architecture shares one exact-kernel cache."""

from __future__ import annotations

import dataclasses

from ntkbench.arch import Arch
from ntkbench.harness.contracts import TargetKernel
from ntkbench.kernels import arch_kernel, kernel_name


def arch_target(arch: Arch, get: str = "ntk") -> TargetKernel:
    """The exact NTK (``get="ntk"``) or NNGP of ``arch`` (fc, conv or Myrtle) as a :class:`TargetKernel`."""
    return TargetKernel(kernel_name(arch, get), lambda X1, X2: arch_kernel(arch, X1, X2, get=get))


def fc_target(arch: Arch, get: str = "ntk") -> TargetKernel:
    """The exact fully-connected NTK or NNGP of ``arch``'s depth, activation and weight/bias scales."""
    return arch_target(dataclasses.replace(arch, kind="fc"), get)
