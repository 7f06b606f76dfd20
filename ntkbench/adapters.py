"""Base classes that keep method adapters short.

:class:`ArchMethod` is a method whose parameters describe an :class:`~ntkbench.arch.Arch` (only
methods that approximate or compute a neural kernel have one; random Fourier features, for
instance, derive from :class:`~ntkbench.contracts.Method` directly). :class:`FCFeatureMethod` wraps
a fully-connected feature-map transformer and :class:`ExactKernelMethod` the exact kernel of an
architecture; both are scored against the exact kernel of the same architecture, so exact and
approximate methods share one exact-kernel cache.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from ntkbench.arch import Arch
from ntkbench.contracts import Method, TargetKernel
from ntkbench.kernels import arch_kernel, arch_target, fc_target
from ntkbench.sketches import check_device


class ArchMethod(Method):
    """A method whose parameters hold :class:`~ntkbench.arch.Arch` fields (``depth``,
    ``activation``, ``w_std``, ``b_std`` ...). Its torch ``device`` is checked when it is built, so a
    cell with a misspelt or missing device fails before any work."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        check_device(self.device)

    @property
    def arch(self) -> Arch:
        """The architecture described by this method's parameters."""
        return Arch.from_params(self.params)


class FCFeatureMethod(ArchMethod):
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


class ExactKernelMethod(ArchMethod):
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
