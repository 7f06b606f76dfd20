"""NTKSketch (Zandieh et al. 2021; Zandieh 2021): thin glue over :class:`ntkbench.features.NTKSketch`."""

from __future__ import annotations

import math

from ntkbench.adapters import FCFeatureMethod
from ntkbench.contracts import Split
from ntkbench.features import NTKSketch
from ntkbench.kernels import get_activation


class NTKSketchMethod(FCFeatureMethod):
    """Polynomial sketches of the FC NTK/NNGP: ``method="one_pass"`` (ReLU only: one fit of K_L, as in
    the reference experiments, improved) or ``"layerwise"`` (κ0/κ1 fits per layer for ReLU, truncated
    Hermite expansions for any other activation of the registry; supports biases); ``"auto"``
    (default) is one-pass for ReLU without a bias, layer-wise otherwise.

    ``degree`` is the degree of the polynomial fits or Hermite expansions (``"auto"``: chosen by
    method and depth, see ``ntkbench.features.ntk_sketch.AUTO_DEGREE``); ``n_components`` the
    feature dimension. The first value of each grid is the library's default. Cells pairing
    ``one_pass`` with another activation are skipped with the reason.
    """

    name = "ntk_sketch"
    version = "1"
    params = {
        "n_components": [1024, 256, 512, 2048, 4096, 8192],
        "depth": [1, 2, 3],
        "degree": ["auto", 2, 4, 6, 8, 12, 16],
        "method": ["auto", "one_pass", "layerwise"],
        "activation": ["relu", "erf", "gelu", "abs", "sin"],
        "w_std": [math.sqrt(2.0)],
        "b_std": [0.0],
        "get": ["ntk", "nngp"],
    }
    param_constraints = {"n_components": {"ge": 1}, "depth": {"ge": 1},
                         "degree": {"choices": ["auto"], "type": int, "ge": 2},
                         "method": {"choices": ["auto", "one_pass", "layerwise"]}, "get": {"choices": ["ntk", "nngp"]}}

    def skip(self, split: Split) -> str | None:
        if self.params["method"] == "one_pass" and get_activation(self.params["activation"]).name != "relu":
            return f"method='one_pass' supports activation='relu' only, got {self.params['activation']!r}"
        return super().skip(split)

    def _estimator(self) -> NTKSketch:
        p = self.params
        return NTKSketch.from_arch(self.arch, n_components=int(p["n_components"]), get=p["get"],
                                   degree=p["degree"], method=p["method"], device=self.device,
                                   random_state=self.random_state)
