"""Gaussian and Laplace kernels, the median-distance bandwidth, and their TargetKernel.

Both are radial: k(x, y) = exp(-‖x − y‖² / (2σ²)) (Gaussian) and k(x, y) = exp(-‖x − y‖ / σ)
(Laplace, with the Euclidean norm). On the sphere the Laplace kernel and the ReLU NTK have the same
eigenvalue decay and the same reproducing kernel Hilbert space (Geifman et al. 2020; Chen & Xu
2021), which makes it the first non-neural baseline for the NTK. scikit-learn's
``laplacian_kernel`` uses the ℓ1 distance instead, a different kernel, hence these functions.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ntkbench.contracts import TargetKernel

STATIONARY_KERNELS = ("gaussian", "laplace")


def stationary_kernel(x1: Any, x2: Any | None = None, *, kernel: str, bandwidth: float,
                      block_size: int = 4096) -> Any:
    """The Gaussian or Laplace kernel matrix between the rows of ``x1`` and ``x2``.

    Parameters
    ----------
    x1 : array-like or Tensor of shape (n1, d)
    x2 : array-like or Tensor of shape (n2, d), optional
        Defaults to ``x1``.
    kernel : {"gaussian", "laplace"}
    bandwidth : float
        σ > 0.
    block_size : int, default=4096
        Rows of ``x1`` per block (bounds the temporary distance matrix).

    Returns
    -------
    ndarray (float64) for array inputs, or a Tensor of the inputs' dtype and device for Tensors.

    Examples
    --------
    >>> stationary_kernel(np.zeros((1, 2)), np.ones((1, 2)), kernel="laplace", bandwidth=np.sqrt(2)).round(4)
    array([[0.3679]])
    """
    check_kernel(kernel)
    if not (np.isfinite(bandwidth) and bandwidth > 0):
        raise ValueError(f"bandwidth must be a finite positive number, got {bandwidth!r}")
    as_numpy = not isinstance(x1, torch.Tensor)
    a = torch.as_tensor(np.asarray(x1, dtype=np.float64)) if as_numpy else x1
    b = a if x2 is None else (torch.as_tensor(np.asarray(x2, dtype=np.float64)) if as_numpy else x2)
    if a.shape[0] <= block_size:
        out = _radial(a, b, kernel, bandwidth)
    else:
        out = torch.empty((a.shape[0], b.shape[0]), dtype=a.dtype, device=a.device)
        for start in range(0, a.shape[0], block_size):
            out[start:start + block_size] = _radial(a[start:start + block_size], b, kernel, bandwidth)
    return out.numpy() if as_numpy else out


def _radial(a: torch.Tensor, b: torch.Tensor, kernel: str, bandwidth: float) -> torch.Tensor:
    """exp(-‖a_i − b_j‖²/(2σ²)) or exp(-‖a_i − b_j‖/σ), in place on one (len(a), len(b)) buffer."""
    sq = torch.addmm((a * a).sum(1, keepdim=True), a, b.T, alpha=-2.0)
    sq.add_((b * b).sum(1)).clamp_(min=0.0)
    if kernel == "gaussian":
        return sq.mul_(-0.5 / bandwidth ** 2).exp_()
    return sq.sqrt_().mul_(-1.0 / bandwidth).exp_()


def check_kernel(kernel: str) -> None:
    """Raise a ValueError naming the valid kernels when ``kernel`` is not one of them."""
    if kernel not in STATIONARY_KERNELS:
        raise ValueError(f"kernel must be one of {', '.join(STATIONARY_KERNELS)}, got {kernel!r}")


def median_bandwidth(X: np.ndarray, *, n_points: int = 1000, seed: int = 0) -> float:
    """The median heuristic: the median Euclidean distance between distinct rows of ``X``.

    Computed on at most ``n_points`` rows drawn with ``seed`` (O(n_points²) distances).

    Raises
    ------
    ValueError
        If every sampled pair of rows coincides (the median distance is 0).
    """
    X = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
    if len(X) > n_points:
        X = X[np.random.default_rng(seed).choice(len(X), n_points, replace=False)]
    t = torch.as_tensor(X)
    distances = torch.pdist(t) if len(X) > 1 else torch.zeros(1, dtype=t.dtype)
    value = float(torch.median(distances))
    if not value > 0:
        raise ValueError("the median distance between rows is 0 (duplicated inputs): give the bandwidth explicitly")
    return value


def stationary_target(kernel: str, bandwidth: float) -> TargetKernel:
    """The Gaussian or Laplace kernel of bandwidth σ as the TargetKernel approximations are scored against."""
    check_kernel(kernel)
    return TargetKernel(f"{kernel}[bandwidth={bandwidth:.12g}]",
                        lambda X1, X2: stationary_kernel(X1, X2, kernel=kernel, bandwidth=bandwidth))
