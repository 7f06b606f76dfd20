"""Gradient features (GradRF): random projections of the per-example gradients of a random
finite-width network, whose inner products are unbiased for its empirical NTK (the baseline of
the NTK-sketch papers' MNIST experiment). Scored against the exact NTK of the same Arch."""

from __future__ import annotations

import math

from ntkbench.adapters import FCFeatureMethod
from ntkbench.nets import GradientFeatures


class GradRF(FCFeatureMethod):
    """``width`` units per hidden layer, ``projection`` "srht" (fast, any size) or "gaussian"
    (a P × n_components matrix, small networks only); ``n_components`` the feature dimension.
    Images are flattened (a fully-connected network)."""

    name = "grad_rf"
    params = {
        "n_components": [1024, 256, 4096],
        "width": [256, 64, 1024],
        "depth": [1, 2, 3],
        "projection": ["srht", "gaussian"],
        "activation": ["relu", "erf", "gelu"],
        "w_std": [math.sqrt(2.0)],
        "b_std": [0.0],
        "get": ["ntk"],
    }
    param_constraints = {"n_components": {"ge": 1}, "width": {"ge": 1}, "depth": {"ge": 1},
                         "projection": {"choices": ["srht", "gaussian"]}, "get": {"choices": ["ntk"]}}

    def _estimator(self) -> GradientFeatures:
        p = self.params
        return GradientFeatures(arch=self.arch, width=int(p["width"]), n_components=int(p["n_components"]),
                                projection=p["projection"], device=self.device, random_state=self.random_state)
