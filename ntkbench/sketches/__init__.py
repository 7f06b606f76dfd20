"""Sketching primitives (torch, CPU or CUDA, float32 or float64), spec §1.4.

Every sketch draws its randomness once, at construction, from ``random_state`` and is then a pure
function of its input rows, so it can be applied batch by batch.
"""

from ntkbench.sketches._base import check_device
from ntkbench.sketches.countsketch import CountSketch, TensorSketch
from ntkbench.sketches.polysketch import PolySketch
from ntkbench.sketches.srht import SRHT, TensorSRHT

__all__ = ["CountSketch", "PolySketch", "SRHT", "TensorSRHT", "TensorSketch", "check_device"]
