"""Exact fully-connected NTK / NNGP (any activation of the registry): the reference every FC
approximation is scored against, and a kernel-ridge baseline in its own right."""

from __future__ import annotations

import math

import numpy as np

from ntkbench.harness.contracts import Method, TargetKernel
from ntkbench.kernels import arch_kernel, kernel_name


class ExactFC(Method):
    """Kernel ridge regression with the exact NTK or NNGP of a fully-connected network.

    Parameters (grid; the first value is the default): ``depth`` (hidden layers L), ``activation``
    (a registry name, e.g. ``"relu"``, ``"erf"``, ``"leaky_relu(slope=0.1)"``), ``w_std``,
    ``b_std``, ``get`` ("ntk" or "nngp"). Image inputs are flattened.
    """

    name = "exact_fc"
    output = "kernel"
    input = "flat"
    params = {
        "depth": [1, 2, 3, 4],
        "activation": ["relu", "erf", "gelu", "abs", "sin"],
        "w_std": [math.sqrt(2.0)],
        "b_std": [0.0],
        "get": ["ntk", "nngp"],
    }

    def fit(self, X: np.ndarray, y: np.ndarray | None = None) -> "ExactFC":
        if self.params["get"] not in ("ntk", "nngp"):
            raise ValueError(f"get must be 'ntk' or 'nngp', got {self.params['get']!r}")
        self.arch_ = self.arch
        return self

    def kernel(self, X1: np.ndarray, X2: np.ndarray) -> np.ndarray:
        # The same array on both sides is a Gram matrix: compute each symmetric block once.
        return arch_kernel(self.arch_, X1, None if X2 is X1 else X2, get=self.params["get"], device=self.device)

    def target_kernel(self) -> TargetKernel:
        arch, get = self.arch, self.params["get"]
        return TargetKernel(kernel_name(arch, get), lambda X1, X2: arch_kernel(arch, X1, X2, get=get))
