"""Nyström landmarks: drawn uniformly, or by approximate ridge leverage scores.

A kernel here is any callable ``kernel(A, B) -> Tensor`` on row blocks (Tensors of one dtype and
device), so the same code serves the exact neural kernels and the Gaussian/Laplace kernels.

Ridge leverage scores are sampled with a fixed-budget variant of the recursive scheme of Musco &
Musco (2017): scores of the whole set are estimated from a weighted sample of half of it, drawn the
same way, recursively. Written here with torch rather than taken from a package because no
maintained Python package offers it for a user-supplied kernel on blocks (scikit-learn's
``Nystroem`` samples uniformly, and the ``falkon`` package, whose ``center_selection`` is uniform,
is not installable here).
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch

KernelFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
LANDMARK_METHODS = ("uniform", "rls")


def uniform_landmarks(n: int, m: int, rng: np.random.Generator) -> np.ndarray:
    """Sorted indices of ``min(m, n)`` rows drawn uniformly without replacement."""
    _check_sizes(n, m)
    return np.sort(rng.choice(n, size=min(m, n), replace=False))


def kernel_diagonal(X: torch.Tensor, kernel: KernelFn, block_size: int = 16) -> torch.Tensor:
    """k(x_i, x_i) for every row, from the diagonals of small diagonal blocks of the kernel."""
    parts = [torch.diagonal(kernel(X[i:i + block_size], X[i:i + block_size])) for i in range(0, len(X), block_size)]
    return torch.cat(parts)


def ridge_leverage_scores(X: torch.Tensor, sample: torch.Tensor, weights: torch.Tensor, kernel: KernelFn,
                          ridge: float, diagonal: torch.Tensor, *, block_size: int = 4096) -> torch.Tensor:
    """Approximate λ-ridge leverage scores of the rows of ``X`` from a weighted landmark sample.

    With S the sample and W = diag(weights), the estimate of row i is
    (k_ii − k_iS W (W K_SS W + λI)⁻¹ W k_Si) / λ  (Musco & Musco 2017, Lemma 6); it is exact
    when S holds every row with weight 1 (then the scores sum to the statistical dimension).

    Parameters
    ----------
    X : Tensor of shape (n, ...)
    sample : Tensor of shape (s, ...)
    weights : Tensor of shape (s,)
    kernel : callable
    ridge : float
        Absolute λ > 0.
    diagonal : Tensor of shape (n,)
        k(x_i, x_i).
    block_size : int
        Rows of ``X`` per kernel block (the largest temporary is block_size × s).
    """
    S = weights[:, None] * kernel(sample, sample) * weights[None, :]
    S = (S + S.T) / 2
    S.diagonal().add_(ridge)
    chol = torch.linalg.cholesky(S)
    scores = torch.empty(len(X), dtype=S.dtype, device=S.device)
    for start in range(0, len(X), block_size):
        cross = weights[:, None] * kernel(sample, X[start:start + block_size])
        z = torch.linalg.solve_triangular(chol, cross, upper=False)
        scores[start:start + block_size] = diagonal[start:start + block_size] - (z * z).sum(0)
    return scores.clamp_(min=0.0) / ridge


def rls_landmarks(X: torch.Tensor, m: int, kernel: KernelFn, rng: np.random.Generator, *,
                  ridge: float | None = None, oversample: float = 2.0, diagonal: torch.Tensor | None = None,
                  block_size: int = 4096) -> np.ndarray:
    """Sorted indices of ``min(m, n)`` distinct rows drawn with probability ∝ their approximate
    ridge leverage scores.

    Recursive sampling (after Musco & Musco 2017, Algorithm 2, with a fixed budget): in a random
    order, the nested prefixes of n, n/2, n/4 ... rows down to about ``oversample·m`` rows; the
    smallest is the first sample, with unit weights. Going back up, the scores of each prefix are
    estimated from the sample of the one below, and each row is kept with probability
    p_i = min(1, c·l_i), c such that Σ p_i = oversample·m, and weight 1/√p_i. At the full set, ``m`` rows are drawn
    without replacement with probability ∝ l_i. The kernel is evaluated on about
    2·n·oversample·m pairs in all, never on n × n.

    Parameters
    ----------
    X : Tensor of shape (n, ...)
    m : int
        Number of landmarks; ``m >= n`` returns every row.
    kernel : callable
        ``kernel(A, B) -> Tensor`` on row blocks.
    rng : numpy Generator
    ridge : float, optional
        Absolute λ of the leverage scores. Default: Musco & Musco's choice at each level, the mean
        of the weighted sample's kernel eigenvalues beyond the k = ⌈m/4⌉ largest (so that the
        statistical dimension is about k, well below the sample's size), floored at 1e-10 of the
        mean diagonal.
    oversample : float, default=2.0
        Expected size of the intermediate samples, in multiples of ``m``.
    diagonal : Tensor of shape (n,), optional
        k(x_i, x_i); computed from the kernel when absent.
    block_size : int, default=4096

    Returns
    -------
    ndarray of int, sorted

    References
    ----------
    C. Musco and C. Musco, "Recursive sampling for the Nyström method", NeurIPS 2017.
    """
    n = len(X)
    _check_sizes(n, m)
    if not oversample >= 1:
        raise ValueError(f"oversample must be >= 1, got {oversample}")
    if ridge is not None and not ridge > 0:
        raise ValueError(f"ridge must be positive, got {ridge}")
    if m >= n:
        return np.arange(n)
    diag = kernel_diagonal(X, kernel) if diagonal is None else diagonal
    floor = 1e-10 * float(diag.mean()) + torch.finfo(diag.dtype).tiny
    budget = oversample * m
    rank = max(1, math.ceil(m / 4))
    perm = torch.as_tensor(rng.permutation(n), device=X.device)
    sizes = [n]
    while sizes[-1] > 2 * budget:
        sizes.append(math.ceil(sizes[-1] / 2))
    sample = perm[:sizes[-1]]
    weights = torch.ones(len(sample), dtype=diag.dtype, device=diag.device)
    for size in reversed(sizes):
        rows = perm[:size]
        lam = ridge if ridge is not None else _musco_ridge(X[sample], weights, kernel, rank, floor)
        scores = ridge_leverage_scores(X[rows], X[sample], weights, kernel, lam, diag[rows],
                                       block_size=block_size).cpu().numpy()
        scores = np.maximum(scores, 1e-12 * max(scores.max(), 1e-300))
        if size == n:
            chosen = rng.choice(n, size=m, replace=False, p=scores / scores.sum())
            return np.sort(rows.cpu().numpy()[chosen])
        keep_p = inclusion_probabilities(scores, budget)
        keep = rng.random(size) < keep_p
        keep[np.argmax(keep_p)] = True  # never an empty sample
        sample = rows[torch.as_tensor(keep, device=X.device)]
        weights = torch.as_tensor(1.0 / np.sqrt(keep_p[keep]), dtype=diag.dtype, device=diag.device)
    raise AssertionError("unreachable: the last level is the full set")


def inclusion_probabilities(scores: np.ndarray, expected: float) -> np.ndarray:
    """p_i = min(1, c·scores_i) with c such that Σ p_i = ``expected`` (bisection on c), so that a
    few large scores capped at 1 do not shrink the sample."""
    if expected >= np.count_nonzero(scores):
        return (scores > 0).astype(np.float64)
    low, high = 0.0, expected / scores.min(initial=np.inf, where=scores > 0)
    for _ in range(100):
        mid = (low + high) / 2
        low, high = (mid, high) if np.minimum(1.0, mid * scores).sum() < expected else (low, mid)
    return np.minimum(1.0, high * scores)


def _musco_ridge(sample: torch.Tensor, weights: torch.Tensor, kernel: KernelFn, k: int, floor: float) -> float:
    """(tr(W K_SS W) − sum of its k largest eigenvalues) / k, at least ``floor``."""
    S = weights[:, None] * kernel(sample, sample) * weights[None, :]
    eigenvalues = torch.linalg.eigvalsh((S + S.T) / 2).clamp(min=0.0)
    tail = float(eigenvalues.sum() - eigenvalues[-k:].sum()) if len(eigenvalues) > k else 0.0
    return max(tail / k, floor)


def select_landmarks(method: str, X: torch.Tensor, m: int, kernel: KernelFn, rng: np.random.Generator,
                     **options) -> np.ndarray:
    """Indices of ``m`` landmarks by ``method`` ("uniform" or "rls"; ``options`` go to :func:`rls_landmarks`)."""
    if method == "uniform":
        return uniform_landmarks(len(X), m, rng)
    if method == "rls":
        return rls_landmarks(X, m, kernel, rng, **options)
    raise ValueError(f"landmarks must be one of {', '.join(LANDMARK_METHODS)}, got {method!r}")


def _check_sizes(n: int, m: int) -> None:
    if not (isinstance(m, (int, np.integer)) and m >= 1):
        raise ValueError(f"the number of landmarks must be an integer >= 1, got {m!r}")
    if n < 1:
        raise ValueError("cannot draw landmarks from an empty set")
