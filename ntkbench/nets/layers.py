"""Layers in the NTK parameterisation: standard-normal parameters, scales applied in the forward pass.

With every weight and bias entry drawn from N(0, 1) and the scales ``weight_scale`` and
``bias_scale`` multiplying the layer's output, gradient descent on the parameters is the
parameterisation whose infinite-width limit has the kernels of :mod:`ntkbench.kernels`
(Jacot et al. 2018).
"""

from __future__ import annotations

import torch
from torch import nn

from ntkbench.kernels.duals import DualActivation

Tensor = torch.Tensor


def _standard_normal(shape: tuple[int, ...], generator: torch.Generator, dtype: torch.dtype) -> nn.Parameter:
    return nn.Parameter(torch.randn(shape, generator=generator, dtype=dtype))


class NTKLinear(nn.Module):
    """``y = weight_scale · x Wᵀ + bias_scale · β`` with W and β standard normal.

    Parameters
    ----------
    in_features, out_features : int
    weight_scale : float
        ``w_std / √in_features`` for a hidden or readout layer; 1 for the first layer on raw inputs
        (the kernels' Σ⁰ = ⟨x, y⟩ + b²).
    bias_scale : float
        ``b_std``; 0 means no bias parameter.
    generator : torch.Generator
        Source of the initial values (CPU), so that one seed gives one network on every device.
    dtype : torch dtype, default=torch.float32
    """

    def __init__(self, in_features: int, out_features: int, *, weight_scale: float, bias_scale: float,
                 generator: torch.Generator, dtype: torch.dtype = torch.float32) -> None:
        super().__init__()
        self.weight_scale, self.bias_scale = float(weight_scale), float(bias_scale)
        self.weight = _standard_normal((out_features, in_features), generator, dtype)
        self.bias = _standard_normal((out_features,), generator, dtype) if bias_scale > 0 else None

    def forward(self, x: Tensor) -> Tensor:
        out = (x @ self.weight.T) * self.weight_scale
        return out + self.bias_scale * self.bias if self.bias is not None else out


class FactorisedLinear(nn.Module):
    """A dense layer whose weight is a trainable factor times a fixed random map (Ailon & Shit 2022):
    ``y = weight_scale · (x Rᵀ) Uᵀ + bias_scale · β``.

    R (rank × in_features, entries N(0, 1/rank), not trained) reduces the input to ``rank``
    dimensions with ‖R x‖ ≈ ‖x‖, and U (out_features × rank, standard normal) is trained, so a step
    costs O((in + out)·rank) per example instead of O(in·out), and at initialisation each output
    has about the variance of the dense layer's.

    Parameters
    ----------
    in_features, out_features, rank : int
        ``rank`` at most ``in_features``.
    weight_scale, bias_scale, generator, dtype
        As in :class:`NTKLinear`.
    """

    def __init__(self, in_features: int, out_features: int, rank: int, *, weight_scale: float, bias_scale: float,
                 generator: torch.Generator, dtype: torch.dtype = torch.float32) -> None:
        super().__init__()
        if not 1 <= rank <= in_features:
            raise ValueError(f"rank must be between 1 and the layer's input size {in_features}, got {rank}")
        self.weight_scale, self.bias_scale = float(weight_scale), float(bias_scale)
        self.register_buffer("reduction", torch.randn((rank, in_features), generator=generator, dtype=dtype)
                             / rank ** 0.5)
        self.factor = _standard_normal((out_features, rank), generator, dtype)
        self.bias = _standard_normal((out_features,), generator, dtype) if bias_scale > 0 else None

    def forward(self, x: Tensor) -> Tensor:
        out = ((x @ self.reduction.T) @ self.factor.T) * self.weight_scale
        return out + self.bias_scale * self.bias if self.bias is not None else out


class NTKConv2d(nn.Module):
    """``y = weight_scale · (W ⋆ x) + bias_scale · β`` (f × f filters), W and β standard normal.

    Parameters
    ----------
    in_channels, out_channels, filter_size : int
    padding : {"same", "valid"}
    weight_scale, bias_scale, generator, dtype
        As in :class:`NTKLinear`; a conv after an activation that followed f × f filters takes
        ``w_std / (f √in_channels)`` (the kernels' w²/f² per activation).
    """

    def __init__(self, in_channels: int, out_channels: int, filter_size: int, *, padding: str,
                 weight_scale: float, bias_scale: float, generator: torch.Generator,
                 dtype: torch.dtype = torch.float32) -> None:
        super().__init__()
        self.padding = padding
        self.weight_scale, self.bias_scale = float(weight_scale), float(bias_scale)
        self.weight = _standard_normal((out_channels, in_channels, filter_size, filter_size), generator, dtype)
        self.bias = _standard_normal((out_channels,), generator, dtype) if bias_scale > 0 else None

    def forward(self, x: Tensor) -> Tensor:
        out = nn.functional.conv2d(x, self.weight, padding=self.padding) * self.weight_scale
        return out + self.bias_scale * self.bias[:, None, None] if self.bias is not None else out


class Activation(nn.Module):
    """The elementwise activation of a :class:`~ntkbench.kernels.duals.DualActivation` as a module."""

    def __init__(self, dual: DualActivation) -> None:
        super().__init__()
        if not dual.elementwise:
            raise ValueError(f"activation {dual.name!r} is a kernel, not an elementwise function, so no finite "
                             "network has it; choose an elementwise activation such as 'relu' or 'erf'")
        self.dual = dual

    def forward(self, x: Tensor) -> Tensor:
        return self.dual.fn(x)

    def extra_repr(self) -> str:
        return self.dual.name
