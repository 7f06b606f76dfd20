"""Exact neural kernels: dual activations, fully-connected NTK/NNGP, convolutional NTK."""

from ntkbench.kernels.arccos import kappa0, kappa1
from ntkbench.kernels.fc import fc_kernel

__all__ = ["fc_kernel", "kappa0", "kappa1"]
