"""Exact NNGP and NTK of fully-connected networks of any depth (closed-form recursion)."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from ntkbench.kernels.arccos import kappa0, kappa1


def fc_kernel(
    x1: np.ndarray,
    x2: np.ndarray | None = None,
    *,
    depth: int,
    activation: str = "relu",
    w_std: float = math.sqrt(2.0),
    b_std: float = 0.0,
    get: str | Sequence[str] = "ntk",
) -> np.ndarray | tuple[np.ndarray, ...]:
    """NNGP and/or NTK of a depth-``depth`` fully-connected network, in float64.

    Recursion (``../shared/spec/algorithms.md`` §1.2; Arora et al. 2019 with the defaults):
    Σ⁰ = ⟨x, y⟩ + b², Θ⁰ = Σ⁰, and for h = 1..L
    Σʰ = w²/2 · √(qq′) κ1(ρ) + b², Σ̇ʰ = w²/2 · κ0(ρ), Θʰ = Θʰ⁻¹ Σ̇ʰ + Σʰ.

    Parameters
    ----------
    x1 : ndarray of shape (n1, d)
    x2 : ndarray of shape (n2, d), optional
        Defaults to ``x1``.
    depth : int
        Number of hidden (activation) layers L >= 1.
    activation : str, default="relu"
    w_std, b_std : float
        Weight and bias standard deviations; the defaults give Θ(x, x) = (L+1)‖x‖².
    get : {"ntk", "nngp"} or a sequence of them, default="ntk"

    Returns
    -------
    ndarray of shape (n1, n2), or a tuple of them in the order of ``get``.
    """
    if activation != "relu":
        raise ValueError(f"fc_kernel supports activation 'relu' only, got {activation!r}")
    if depth < 1:
        raise ValueError(f"depth must be >= 1, got {depth}")
    x1 = np.asarray(x1, dtype=np.float64)
    x2 = x1 if x2 is None else np.asarray(x2, dtype=np.float64)
    names = (get,) if isinstance(get, str) else tuple(get)
    for name in names:
        if name not in ("ntk", "nngp"):
            raise ValueError(f"get must name 'ntk' or 'nngp', got {name!r}")
    bias = b_std ** 2
    gain = w_std ** 2 / 2.0
    sigma = x1 @ x2.T + bias
    q1 = np.einsum("ij,ij->i", x1, x1) + bias
    q2 = np.einsum("ij,ij->i", x2, x2) + bias
    theta = sigma.copy()
    for _ in range(depth):
        scale = np.sqrt(np.outer(q1, q2))
        rho = np.divide(sigma, scale, out=np.zeros_like(sigma), where=scale > 0)
        sigma = gain * scale * kappa1(rho) + bias
        theta = theta * (gain * kappa0(rho)) + sigma
        q1 = gain * q1 + bias
        q2 = gain * q2 + bias
    out = {"ntk": theta, "nngp": sigma}
    result = tuple(out[name] for name in names)
    return result[0] if isinstance(get, str) else result
