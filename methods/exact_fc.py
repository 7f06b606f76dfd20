"""Exact fully-connected NTK / NNGP (closed-form recursion): the reference every FC approximation is scored against."""

from __future__ import annotations

import math

import numpy as np

from ntkbench.harness.contracts import Method, TargetKernel
from ntkbench.kernels import fc_kernel


class ExactFC(Method):
    """Kernel ridge regression with the exact NTK or NNGP of a fully-connected network."""

    name = "exact_fc"
    output = "kernel"
    params = {
        "depth": [1, 2, 3],
        "activation": ["relu"],
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
        a = self.arch_
        return fc_kernel(X1, X2, depth=a.depth, activation=a.activation, w_std=a.w_std,
                         b_std=a.b_std, get=self.params["get"])

    def target_kernel(self) -> TargetKernel:
        a, get = self.arch, self.params["get"]
        return TargetKernel(
            f"fc_{get}[depth={a.depth},activation={a.activation},w_std={a.w_std:.12g},b_std={a.b_std:.12g}]",
            lambda X1, X2: fc_kernel(X1, X2, depth=a.depth, activation=a.activation,
                                     w_std=a.w_std, b_std=a.b_std, get=get),
        )
