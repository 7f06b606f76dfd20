"""Nyström on the exact neural kernels: fully-connected NTK/NNGP, CNTK and Myrtle, with uniform or
ridge-leverage-score landmarks, and a direct or a FALKON solve (:class:`ntkbench.solvers.nystrom.Nystrom`).

The three adapters are one method on three kernels, so they share this file (the registry takes
every adapter of a file).
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np
import torch

from ntkbench.adapters import ArchMethod
from ntkbench.arch import Arch
from ntkbench.contracts import Split, TargetKernel
from ntkbench.kernels import arch_kernel, arch_target
from ntkbench.solvers.nystrom import SOLVERS, Nystrom
from ntkbench.solvers.landmarks import LANDMARK_METHODS
from ntkbench.solvers.protocol import ValidationProtocol

NYSTROM_PARAMS = {"n_components": [256, 1024, 4096], "landmarks": ["uniform", "rls"], "solver": ["direct", "falkon"],
                  "rcond": [1e-10], "ridge": ["select"], "max_iter": [50]}
NYSTROM_CONSTRAINTS = {"n_components": {"ge": 1}, "rcond": {"ge": 0}, "max_iter": {"ge": 1},
                       "landmarks": {"choices": list(LANDMARK_METHODS)}, "solver": {"choices": list(SOLVERS)},
                       "ridge": {"choices": ["select"], "type": float, "gt": 0}}


class NystromNTK(ArchMethod):
    """Nyström approximation of the exact fully-connected NTK (``get="ntk"``) or NNGP.

    Parameters (grid; the first value is the default): ``n_components`` (landmarks m),
    ``landmarks`` ("uniform" or "rls": approximate ridge leverage scores), ``solver`` ("direct":
    features Φ(x) = K(x, S) K_SS^{-1/2} solved by the harness's ridge; "falkon": FALKON's
    preconditioned conjugate gradients, the method then outputs predictions and has no
    kernel-quality metrics), ``rcond`` (eigenvalue cut-off of K_SS, direct), ``ridge`` ("select":
    FALKON's ridge chosen on the validation split, or a relative ridge), ``max_iter`` (FALKON's
    iterations at most), and the Arch fields. Written here rather than with
    ``sklearn.kernel_approximation.Nystroem``, which evaluates a callable kernel one pair of points
    at a time. With ``n_components >= n_train`` Φ Φᵀ reproduces K on the training rows.
    """

    name = "nystrom_ntk"
    output = "features"
    kind: ClassVar[str] = "fc"
    fixed_arch: ClassVar[dict[str, Any]] = {}
    params = {**NYSTROM_PARAMS, "depth": [1, 2, 3], "activation": ["relu"], "w_std": [math.sqrt(2.0)],
              "b_std": [0.0], "get": ["ntk"]}
    param_constraints = {**NYSTROM_CONSTRAINTS, "depth": {"ge": 1}, "get": {"choices": ["ntk", "nngp"]}}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if self.params["solver"] == "falkon":
            self.output = "predictions"

    @property
    def arch(self) -> Arch:
        return Arch.from_params({**self.params, "kind": self.kind, **self.fixed_arch})

    def skip(self, split: Split) -> str | None:
        self.protocol_ = ValidationProtocol.from_split(split)
        return super().skip(split)

    def fit(self, X: np.ndarray, y: np.ndarray | None = None) -> "NystromNTK":
        get = self.params["get"]
        if get not in ("ntk", "nngp"):
            raise ValueError(f"get must be 'ntk' or 'nngp', got {get!r}")
        if self.input == "image" and np.ndim(X) != 4:
            raise ValueError(f"{self.name} needs images of shape (n, C, H, W), got shape {np.shape(X)}")
        arch = self.arch

        def kernel(A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
            return arch_kernel(arch, A, None if B is A else B, get=get, dtype=A.dtype, device=A.device)

        p = self.params
        self.estimator_ = Nystrom(kernel=kernel, n_components=p["n_components"], landmarks=p["landmarks"],
                                  solver=p["solver"], rcond=p["rcond"], ridge=p["ridge"], max_iter=p["max_iter"],
                                  random_state=self.random_state, device=self.device)
        self.estimator_.fit(X, y, protocol=getattr(self, "protocol_", None))
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        if self.output != "features":
            return super().transform(X)
        return self.estimator_.transform(X)

    def predict(self, X: np.ndarray) -> np.ndarray:
        if self.output != "predictions":
            return super().predict(X)
        return self.estimator_.predict(X)

    def target_kernel(self) -> TargetKernel:
        return arch_target(self.arch, self.params["get"])


class NystromCNTK(NystromNTK):
    """Nyström on the exact CNTK / CNN-GP of [conv f×f, activation] × depth (the Arch fields of
    ``exact_cntk``; its default is Arora et al.'s CNTK-GAP), scored against that kernel."""

    name = "nystrom_cntk"
    input = "image"
    kind = "conv"
    params = {**NYSTROM_PARAMS, "depth": [3, 1, 2, 4, 5], "activation": ["relu"], "w_std": [math.sqrt(2.0)],
              "b_std": [0.0], "filter_size": [3, 4], "padding": ["same", "valid"], "pooling": ["gap", "flatten"],
              "fix_first_last": [True, False], "get": ["ntk"]}
    param_constraints = {**NYSTROM_CONSTRAINTS, "depth": {"ge": 1}, "filter_size": {"ge": 1},
                         "padding": {"choices": ["same", "valid"]}, "pooling": {"choices": ["gap", "flatten"]},
                         "get": {"choices": ["ntk", "nngp"]}}


class NystromMyrtle(NystromNTK):
    """Nyström on the exact NTK / NNGP of the Myrtle-5/7/10 networks, scored against that kernel."""

    name = "nystrom_myrtle"
    input = "image"
    kind = "myrtle"
    fixed_arch = {"filter_size": 3, "padding": "same"}
    params = {**NYSTROM_PARAMS, "depth": [5, 7, 10], "activation": ["relu"], "w_std": [math.sqrt(2.0)],
              "b_std": [0.0], "fix_first_last": [False, True], "get": ["ntk"]}
    param_constraints = {**NYSTROM_CONSTRAINTS, "depth": {"choices": [5, 7, 10]}, "get": {"choices": ["ntk", "nngp"]}}
