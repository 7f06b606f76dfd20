"""NTK random features (Zandieh et al. 2021): thin glue over :class:`ntkbench.features.NTKRandomFeatures`."""

from __future__ import annotations

import math

from ntkbench.adapters import FCFeatureMethod
from ntkbench.features import NTKRandomFeatures


class NTKRandomFeaturesMethod(FCFeatureMethod):
    """Arc-cosine random features (leverage-sampled order 1, order 0) combined by TensorSRHT per layer;
    for an activation other than ReLU, Monte Carlo features σ(Wφ)/√m and σ′(Wφ)/√m per layer.

    ``n_components`` is the feature dimension; the internal split is documented on the transformer.
    ``sampling="gaussian"`` turns the leverage-score sampling off (for ablations).
    """

    name = "ntk_random_features"
    version = "1"
    params = {
        "n_components": [1024, 256, 512, 2048, 4096, 8192],
        "depth": [1, 2, 3],
        "activation": ["relu", "erf", "gelu", "abs", "sin"],
        "w_std": [math.sqrt(2.0)],
        "b_std": [0.0],
        "get": ["ntk", "nngp"],
        "sampling": ["leverage", "gaussian"],
    }
    param_constraints = {"n_components": {"ge": 1}, "depth": {"ge": 1}, "get": {"choices": ["ntk", "nngp"]},
                         "sampling": {"choices": ["leverage", "gaussian"]}}

    def _estimator(self) -> NTKRandomFeatures:
        p = self.params
        return NTKRandomFeatures.from_arch(self.arch, n_components=int(p["n_components"]), get=p["get"],
                                           sampling=p["sampling"], device=self.device,
                                           random_state=self.random_state)
