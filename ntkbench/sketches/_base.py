"""What every sketch shares: seeding, device/dtype handling, argument checks."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import torch
from sklearn.utils import check_random_state

RandomStateLike = Any  # None | int | np.random.RandomState (what sklearn's check_random_state takes)


def check_dim(value: Any, name: str, *, even: bool = False) -> int:
    """Return ``value`` as a positive int; raise a clear ValueError otherwise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if even and value % 2:
        raise ValueError(f"{name} must be even (real and imaginary parts of complex samples), got {value}")
    return int(value)


def check_device(device: str | torch.device) -> torch.device:
    """``device`` as a :class:`torch.device` that exists here; a clear ValueError otherwise.

    Catches a misspelt device ("gpu"), an accelerator this machine or torch build lacks ("cuda:0"
    without CUDA) and an index beyond the visible devices ("cuda:7" on a one-GPU machine), which
    torch would only report at the first tensor copy, as an AssertionError or a CUDA error.
    """
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"device={device!r} is not a torch device; use 'cpu' or e.g. 'cuda:0'") from None
    if dev.type == "cpu":
        return dev
    if dev.type == "meta":
        raise ValueError("device='meta' holds no data to compute on; use 'cpu' or e.g. 'cuda:0'")
    accelerator = torch.accelerator.current_accelerator(check_available=True)
    if accelerator is None or accelerator.type != dev.type:
        found = "no accelerator" if accelerator is None else f"only {accelerator.type.upper()}"
        raise ValueError(f"device='{dev}': {dev.type.upper()} is not available here (torch {torch.__version__} "
                         f"finds {found}); use device='cpu'")
    count = torch.accelerator.device_count()
    if dev.index is not None and dev.index >= count:
        visible = f"{dev.type}:0" if count == 1 else f"{dev.type}:0 to {dev.type}:{count - 1}"
        raise ValueError(f"device='{dev}' does not exist: {count} {dev.type.upper()} device(s) visible ({visible})")
    return dev


def stratified_indices(rs: np.random.RandomState, population: int, size: int) -> np.ndarray:
    """``size`` indices in ``range(population)``, each marginally uniform.

    Concatenated random permutations: without replacement while ``size <= population`` and every index
    used ⌊size/population⌋ or ⌈size/population⌉ times otherwise. Lower variance than sampling with
    replacement, same marginals, so every estimator built on it stays unbiased.
    """
    if size == 0:
        return np.zeros(0, dtype=np.int64)
    reps = -(-size // population)
    return np.concatenate([rs.permutation(population) for _ in range(reps)])[:size]


def random_signs(rs: np.random.RandomState, size: int) -> np.ndarray:
    """i.i.d. Rademacher (±1) signs as float64."""
    return rs.randint(0, 2, size=size).astype(np.float64) * 2.0 - 1.0


def as_input(x: Any, input_dim: int, device: torch.device, name: str = "x") -> torch.Tensor:
    """A floating (n, input_dim) tensor on ``device``; float32/float64 kept, other dtypes → float64."""
    t = x if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x))
    if not t.is_floating_point():
        t = t.to(torch.float64)
    elif t.dtype not in (torch.float32, torch.float64):
        t = t.to(torch.float32)
    if t.ndim != 2 or t.shape[1] != input_dim:
        raise ValueError(f"{name} must have shape (n, {input_dim}), got {tuple(t.shape)}")
    return t.to(device)


class Sketch:
    """Base class: a random linear (or multilinear) map drawn once at construction.

    Subclasses draw their randomness in ``__init__`` from ``random_state`` (on the CPU, with numpy,
    so a seed gives the same map on every device) and keep it as tensors on ``device``.
    """

    input_dim: int
    output_dim: int
    device: torch.device

    def _setup(self, random_state: RandomStateLike, device: str | torch.device) -> np.random.RandomState:
        self.device = check_device(device)
        return check_random_state(random_state)

    def _put(self, array: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(array, device=self.device)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(input_dim={self.input_dim}, output_dim={self.output_dim})"
