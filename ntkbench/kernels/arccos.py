"""Arc-cosine kernels of order 0 and 1 (Cho & Saul 2009), the dual activations of step and ReLU."""

from __future__ import annotations

import math
from typing import TypeVar

import numpy as np
import torch

ArrayT = TypeVar("ArrayT", np.ndarray, torch.Tensor)


def kappa0(t: ArrayT) -> ArrayT:
    """Order-0 arc-cosine function κ0(t) = (π − arccos t)/π, with t clipped to [−1, 1].

    Parameters
    ----------
    t : ndarray or Tensor
        Cosines of angles.

    Returns
    -------
    ndarray or Tensor
        Same type and shape as ``t``. κ0(−1) = 0, κ0(0) = ½, κ0(1) = 1.
    """
    if isinstance(t, torch.Tensor):
        return torch.acos(-t.clamp(-1.0, 1.0)) / math.pi
    t = np.clip(t, -1.0, 1.0)
    return (np.pi - np.arccos(t)) / np.pi


def kappa1(t: ArrayT) -> ArrayT:
    """Order-1 arc-cosine function κ1(t) = (√(1 − t²) + t(π − arccos t))/π, t clipped to [−1, 1].

    Parameters
    ----------
    t : ndarray or Tensor
        Cosines of angles.

    Returns
    -------
    ndarray or Tensor
        Same type and shape as ``t``. κ1(−1) = 0, κ1(0) = 1/π, κ1(1) = 1 and κ1′ = κ0.
    """
    if isinstance(t, torch.Tensor):
        t = t.clamp(-1.0, 1.0)
        return (torch.sqrt(1.0 - t * t) + t * torch.acos(-t)) / math.pi
    t = np.clip(t, -1.0, 1.0)
    return (np.sqrt(1.0 - t * t) + t * (np.pi - np.arccos(t))) / np.pi
