"""Exact convolutional NTK / NNGP (CNTK-GAP, CNTK-V, Arora et al.'s fixed first/last layers)."""

from __future__ import annotations

import math

import numpy as np

from ntkbench.arch import Arch
from ntkbench.harness.contracts import Method, TargetKernel
from ntkbench.kernels import arch_kernel, kernel_name


class ExactCNTK(Method):
    """Kernel ridge regression with the exact CNTK / CNN-GP of [conv f×f, activation] × depth.

    ``pooling="gap", fix_first_last=True, filter_size=3, padding="same"`` is Arora et al.'s
    CNTK-GAP (their depth = ``depth`` + 1); ``filter_size=4, padding="valid"`` is the architecture
    that CNTKSketch approximates (paper 1, §2.5 of the spec).
    """

    name = "exact_cntk"
    output = "kernel"
    input = "image"
    params = {
        "depth": [3, 1, 2, 4, 5],
        "activation": ["relu", "erf", "gelu"],
        "w_std": [math.sqrt(2.0)],
        "b_std": [0.0],
        "filter_size": [3, 4],
        "padding": ["same", "valid"],
        "pooling": ["gap", "flatten"],
        "fix_first_last": [True, False],
        "get": ["ntk", "nngp"],
    }

    @property
    def arch(self) -> Arch:
        return Arch.from_params({**self.params, "kind": "conv"})

    def fit(self, X: np.ndarray, y: np.ndarray | None = None) -> "ExactCNTK":
        if self.params["get"] not in ("ntk", "nngp"):
            raise ValueError(f"get must be 'ntk' or 'nngp', got {self.params['get']!r}")
        if np.ndim(X) != 4:
            raise ValueError(f"exact_cntk needs images of shape (n, C, H, W), got shape {np.shape(X)}")
        self.arch_ = self.arch
        return self

    def kernel(self, X1: np.ndarray, X2: np.ndarray) -> np.ndarray:
        return arch_kernel(self.arch_, X1, None if X2 is X1 else X2, get=self.params["get"], device=self.device)

    def target_kernel(self) -> TargetKernel:
        arch, get = self.arch, self.params["get"]
        return TargetKernel(kernel_name(arch, get), lambda X1, X2: arch_kernel(arch, X1, X2, get=get))
