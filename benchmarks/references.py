"""Independent references that tests and benchmarks compare ntkbench's fast paths with.

They are written for clarity, not speed, and are not part of the library.
"""

from __future__ import annotations

import numpy as np


def fc_kernel_numpy(x1: np.ndarray, x2: np.ndarray | None = None, *, depth: int) -> tuple[np.ndarray, np.ndarray]:
    """Plain numpy ReLU recursion of §1.2 (Arora convention), the independent reference of the FC kernel
    tests and the speed baseline of the asv benchmarks. Returns (NNGP, NTK)."""
    x1 = np.asarray(x1, dtype=np.float64)
    x2 = x1 if x2 is None else np.asarray(x2, dtype=np.float64)
    sigma = x1 @ x2.T
    n1, n2 = np.sqrt(np.einsum("ij,ij->i", x1, x1)), np.sqrt(np.einsum("ij,ij->i", x2, x2))
    scale = np.outer(n1, n2)
    theta = sigma.copy()
    for _ in range(depth):
        rho = np.clip(np.divide(sigma, scale, out=np.zeros_like(sigma), where=scale > 0), -1.0, 1.0)
        theta = theta * (np.pi - np.arccos(rho)) / np.pi
        sigma = scale * (np.sqrt(1.0 - rho * rho) + rho * (np.pi - np.arccos(rho))) / np.pi
        theta = theta + sigma
    return sigma, theta
