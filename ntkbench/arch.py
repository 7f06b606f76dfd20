"""One architecture spec shared by exact kernels, sketches, random features and trained nets.

Every method that approximates "the NTK of network X" takes an :class:`Arch`, so that the exact
kernel it is scored against and the approximation describe the same network.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any, Mapping

KINDS = ("fc", "conv", "myrtle")
PADDINGS = ("same", "valid")
POOLINGS = ("gap", "flatten")


@dataclass(frozen=True)
class Arch:
    """Architecture of an infinitely wide network.

    Parameters
    ----------
    kind : {"fc", "conv", "myrtle"}, default="fc"
        Fully connected, plain convolutional, or Myrtle (conv with average pooling).
    depth : int, default=1
        Number of hidden layers, i.e. of activations. ``depth=L`` gives the kernels
        Σ^(L) (NNGP) and Θ^(L) (NTK) of ``../shared/spec/algorithms.md`` §1.2.
    activation : str, default="relu"
        Name of the activation in the activation registry of :mod:`ntkbench.kernels`.
    w_std : float, default=sqrt(2)
        Weight standard deviation of the hidden layers (NTK parameterisation). With ReLU the
        default is the Arora et al. (2019) convention c_σ = 2, under which Θ(x, x) = (L+1)‖x‖².
    b_std : float, default=0.0
        Bias standard deviation (0 means no bias, as in the reference code of the papers).
    filter_size : int, default=3
        Convolution filter side f (f × f filters); conv kinds only.
    padding : {"same", "valid"}, default="same"
        Convolution padding; conv kinds only.
    pooling : {"gap", "flatten"}, default="gap"
        Readout of a conv net: global average pooling (CNTK-GAP) or flatten (CNTK-V).
    fix_first_last : bool, default=False
        Arora et al.'s ``--fix yes``: first and last layers are not trained.
    """

    kind: str = "fc"
    depth: int = 1
    activation: str = "relu"
    w_std: float = math.sqrt(2.0)
    b_std: float = 0.0
    filter_size: int = 3
    padding: str = "same"
    pooling: str = "gap"
    fix_first_last: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Arch.kind must be one of {KINDS}, got {self.kind!r}")
        if not isinstance(self.depth, int) or isinstance(self.depth, bool) or self.depth < 1:
            raise ValueError(f"Arch.depth must be an integer >= 1, got {self.depth!r}")
        if not (math.isfinite(self.w_std) and self.w_std > 0):
            raise ValueError(f"Arch.w_std must be a finite positive number, got {self.w_std!r}")
        if not (math.isfinite(self.b_std) and self.b_std >= 0):
            raise ValueError(f"Arch.b_std must be finite and >= 0, got {self.b_std!r}")
        if not isinstance(self.filter_size, int) or self.filter_size < 1:
            raise ValueError(f"Arch.filter_size must be an integer >= 1, got {self.filter_size!r}")
        if self.padding not in PADDINGS:
            raise ValueError(f"Arch.padding must be one of {PADDINGS}, got {self.padding!r}")
        if self.pooling not in POOLINGS:
            raise ValueError(f"Arch.pooling must be one of {POOLINGS}, got {self.pooling!r}")

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> "Arch":
        """Build an Arch from the entries of ``params`` that name Arch fields; ignore the rest."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in params.items() if k in names})

    def to_dict(self) -> dict[str, Any]:
        """The fields as a plain dict (JSON-serialisable)."""
        return asdict(self)
