"""Exact NTK / NNGP of the Myrtle-5/7/10 convolutional networks (3×3 SAME convs, average pooling)."""

from __future__ import annotations

import math

import numpy as np

from ntkbench.arch import Arch
from ntkbench.harness.contracts import Method, TargetKernel
from ntkbench.kernels import arch_kernel, kernel_name


class ExactMyrtle(Method):
    """Kernel ridge regression with the exact Myrtle NTK (paper 3's Myrtle-5 experiment uses the
    normalised Gaussian, ``activation="exp_normalized(gamma=1)"``)."""

    name = "exact_myrtle"
    output = "kernel"
    input = "image"
    params = {
        "depth": [5, 7, 10],
        "activation": ["relu", "exp_normalized(gamma=1)", "gelu"],
        "w_std": [math.sqrt(2.0)],
        "b_std": [0.0],
        "fix_first_last": [False, True],
        "get": ["ntk", "nngp"],
    }

    @property
    def arch(self) -> Arch:
        return Arch.from_params({**self.params, "kind": "myrtle", "filter_size": 3, "padding": "same"})

    def fit(self, X: np.ndarray, y: np.ndarray | None = None) -> "ExactMyrtle":
        if self.params["get"] not in ("ntk", "nngp"):
            raise ValueError(f"get must be 'ntk' or 'nngp', got {self.params['get']!r}")
        if np.ndim(X) != 4:
            raise ValueError(f"exact_myrtle needs images of shape (n, C, H, W), got shape {np.shape(X)}")
        self.arch_ = self.arch
        return self

    def kernel(self, X1: np.ndarray, X2: np.ndarray) -> np.ndarray:
        return arch_kernel(self.arch_, X1, None if X2 is X1 else X2, get=self.params["get"], device=self.device)

    def target_kernel(self) -> TargetKernel:
        arch, get = self.arch, self.params["get"]
        return TargetKernel(kernel_name(arch, get), lambda X1, X2: arch_kernel(arch, X1, X2, get=get))
