"""NTKSketch (Zandieh et al. 2021; Zandieh 2021): thin glue over :class:`ntkbench.features.NTKSketch`."""

from __future__ import annotations

import math
from typing import Any

from ntkbench.features import NTKSketch
from ntkbench.harness.targets import FCFeatureMethod
from ntkbench.sketches import check_device


class NTKSketchMethod(FCFeatureMethod):
    """Polynomial sketches of the FC ReLU NTK/NNGP: ``method="one_pass"`` (one fit of K_L, as in the
    reference experiments, improved) or ``"layerwise"`` (κ0/κ1 fits per layer; supports biases).

    ``degree`` is the degree of the polynomial fits; ``n_components`` the feature dimension.
    """

    name = "ntk_sketch"
    version = "1"
    params = {
        "n_components": [1024, 256, 512, 2048, 4096, 8192],
        "depth": [1, 2, 3],
        "degree": [8, 2, 4, 6, 12, 16],
        "method": ["one_pass", "layerwise"],
        "activation": ["relu"],
        "w_std": [math.sqrt(2.0)],
        "b_std": [0.0],
        "get": ["ntk", "nngp"],
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        check_device(self.device)  # a cell with a bad device fails when built, before any fit

    def _estimator(self) -> NTKSketch:
        p = self.params
        return NTKSketch.from_arch(self.arch, n_components=int(p["n_components"]), get=p["get"],
                                   degree=int(p["degree"]), method=p["method"], device=self.device,
                                   random_state=self.random_state)
