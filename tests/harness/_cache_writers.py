"""A worker for the concurrency test of the exact-kernel cache, importable by spawned processes."""

from __future__ import annotations

import numpy as np

from ntkbench.contracts import TargetKernel
from ntkbench.harness.kernel_cache import ExactKernelCache


def points(round_: int) -> np.ndarray:
    """The evaluation points of round ``round_`` (one cache key per round)."""
    return np.arange(120.0).reshape(40, 3) + round_


def linear(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    return A @ B.T


def write_rounds(directory: str, barrier, rounds: int) -> None:
    """Compute round after round the same matrices as the other writers, starting each round together
    so that every round's key is written by all of them at once."""
    cache = ExactKernelCache(directory)
    for round_ in range(rounds):
        barrier.wait(timeout=60)
        cache.gram(TargetKernel("linear", linear), points(round_))
