"""Feature maps (scikit-learn transformers) whose inner products approximate neural kernels."""

from ntkbench.features.cntk_sketch import CNTKSketch
from ntkbench.features.ntk_random_features import NTKRandomFeatures
from ntkbench.features.ntk_sketch import NTKSketch

__all__ = ["CNTKSketch", "NTKRandomFeatures", "NTKSketch"]
