"""Target kernels and adapter base classes shared by methods, so one architecture has one exact-kernel cache."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import numpy as np

from ntkbench.arch import Arch
from ntkbench.harness.contracts import Method, TargetKernel
from ntkbench.kernels import arch_kernel, kernel_name


def arch_target(arch: Arch, get: str = "ntk") -> TargetKernel:
    """The exact NTK (``get="ntk"``) or NNGP of ``arch`` (fc, conv or Myrtle) as a :class:`TargetKernel`."""
    return TargetKernel(kernel_name(arch, get), lambda X1, X2: arch_kernel(arch, X1, X2, get=get))


def fc_target(arch: Arch, get: str = "ntk") -> TargetKernel:
    """The exact fully-connected NTK or NNGP of ``arch``'s depth, activation and weight/bias scales."""
    return arch_target(dataclasses.replace(arch, kind="fc"), get)


class FCFeatureMethod(Method):
    """Base of adapters over a fully-connected feature-map transformer (scikit-learn style):
    subclasses build the unfitted transformer in ``_estimator()``; the target is the exact FC
    kernel of the same architecture (``get`` = "ntk" or "nngp")."""

    output = "features"

    def _estimator(self) -> Any:
        raise NotImplementedError

    def fit(self, X: np.ndarray, y: np.ndarray | None = None) -> "FCFeatureMethod":
        self.estimator_ = self._estimator().fit(X)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        return self.estimator_.transform(X)

    def target_kernel(self) -> TargetKernel:
        return fc_target(self.arch, self.params["get"])


class ExactKernelMethod(Method):
    """Base of the exact-kernel adapters: kernel ridge regression with the exact kernel of
    ``self.arch``, scored against that same kernel (so its kernel errors show round-off only).

    Subclasses set ``name``, ``params`` (Arch fields and ``get``), ``input`` and ``kind``, and
    ``fixed_arch`` for Arch fields the architecture pins.
    """

    output = "kernel"
    kind: ClassVar[str] = "fc"
    fixed_arch: ClassVar[dict[str, Any]] = {}

    @property
    def arch(self) -> Arch:
        return Arch.from_params({**self.params, "kind": self.kind, **self.fixed_arch})

    def fit(self, X: np.ndarray, y: np.ndarray | None = None) -> "ExactKernelMethod":
        if self.params["get"] not in ("ntk", "nngp"):
            raise ValueError(f"get must be 'ntk' or 'nngp', got {self.params['get']!r}")
        if self.input == "image" and np.ndim(X) != 4:
            raise ValueError(f"{self.name} needs images of shape (n, C, H, W), got shape {np.shape(X)}")
        self.arch_ = self.arch
        return self

    def kernel(self, X1: np.ndarray, X2: np.ndarray) -> np.ndarray:
        # The same array on both sides is a Gram matrix: each symmetric block is computed once.
        return arch_kernel(self.arch_, X1, None if X2 is X1 else X2, get=self.params["get"], device=self.device)

    def target_kernel(self) -> TargetKernel:
        return arch_target(self.arch, self.params["get"])
