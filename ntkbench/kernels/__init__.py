"""Exact neural kernels: dual activations, fully-connected NTK/NNGP, convolutional NTK/NNGP.

Public API
----------
fc_kernel            NNGP / NTK of a fully-connected network of any depth and activation.
cntk_kernel          NNGP / NTK of a convolutional network (CNTK-GAP, CNTK-V, Arora's ``fix``).
myrtle_kernel        NNGP / NTK of the Myrtle-5/7/10 networks (conv + average pooling).
arch_kernel          the exact kernel of an :class:`ntkbench.arch.Arch`; kernel_name its cache key.
arch_target          that kernel as the TargetKernel approximations are scored against (fc_target: FC only).
get_activation       a dual activation from a registry name such as ``"leaky_relu(slope=0.1)"``.
NumericDual          Gauss–Hermite dual of any callable activation.
hermite_series       truncated Hermite expansion of an activation: its dual, tail-mass bound, radial functions.
derivative_series    the same for σ′ (the NTK's derivative map).
kappa0, kappa1       arc-cosine functions of order 0 and 1.
"""

from ntkbench.kernels.arccos import kappa0, kappa1
from ntkbench.kernels.arch_kernel import arch_kernel, arch_target, fc_target, kernel_name
from ntkbench.kernels.conv import cntk_kernel, myrtle_kernel
from ntkbench.kernels.duals import DualActivation
from ntkbench.kernels.fc import fc_kernel
from ntkbench.kernels.hermite import HermiteSeries, derivative_series, hermite_coefficients, hermite_series
from ntkbench.kernels.quadrature import NumericDual
from ntkbench.kernels.registry import available_activations, get_activation, register_activation

__all__ = [
    "DualActivation",
    "HermiteSeries",
    "NumericDual",
    "arch_kernel",
    "arch_target",
    "available_activations",
    "cntk_kernel",
    "derivative_series",
    "fc_kernel",
    "fc_target",
    "get_activation",
    "hermite_coefficients",
    "hermite_series",
    "kappa0",
    "kappa1",
    "kernel_name",
    "myrtle_kernel",
    "register_activation",
]
