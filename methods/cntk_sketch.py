"""CNTKSketch (Zandieh et al. 2021): thin glue over :class:`ntkbench.features.CNTKSketch`."""

from __future__ import annotations

import math

from ntkbench.adapters import ArchMethod
from ntkbench.arch import Arch
from ntkbench.contracts import TargetKernel
from ntkbench.features import CNTKSketch
from ntkbench.kernels import arch_target


class CNTKSketchMethod(ArchMethod):
    """Per-pixel polynomial sketches of the convolutional NTK / CNN-GP of [conv f×f, ReLU] × depth.

    The default grid point is the paper's architecture (4×4 VALID filters, first and last layer
    fixed, global average pooling, degree-2 fits); scored against the exact CNTK of the same
    architecture (the ``exact_cntk`` method's cache).
    """

    name = "cntk_sketch"
    version = "1"
    input = "image"
    output = "features"
    params = {
        "n_components": [1024, 256, 512, 2048, 4096, 8192, 16384],
        "depth": [3, 1, 2, 4, 5],
        "degree": [2, 3, 4, 6, 8],
        "filter_size": [4, 3],
        "padding": ["valid", "same"],
        "pooling": ["gap", "flatten"],
        "fix_first_last": [True, False],
        "activation": ["relu"],
        "w_std": [math.sqrt(2.0)],
        "b_std": [0.0],
        "get": ["ntk", "nngp"],
    }
    param_constraints = {"n_components": {"ge": 1}, "depth": {"ge": 1}, "degree": {"ge": 2}, "filter_size": {"ge": 1},
                         "padding": {"choices": ["valid", "same"]}, "pooling": {"choices": ["gap", "flatten"]},
                         "activation": {"choices": ["relu"]}, "get": {"choices": ["ntk", "nngp"]}}

    @property
    def arch(self) -> Arch:
        return Arch.from_params({**self.params, "kind": "conv"})

    def fit(self, X, y=None) -> "CNTKSketchMethod":
        p = self.params
        self.estimator_ = CNTKSketch.from_arch(self.arch, n_components=int(p["n_components"]), get=p["get"],
                                               degree=int(p["degree"]), device=self.device,
                                               random_state=self.random_state).fit(X)
        return self

    def transform(self, X):
        return self.estimator_.transform(X)

    def target_kernel(self) -> TargetKernel:
        return arch_target(self.arch, self.params["get"])
