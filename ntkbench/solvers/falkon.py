"""FALKON: Nyström kernel ridge regression solved by preconditioned conjugate gradients.

Rudi, Carratino & Rosasco (2017) minimise (1/n)‖K_nM α − y‖² + λ αᵀ K_MM α over the coefficients
α of m centres. The normal equations H α = K_nMᵀ y / n, H = K_nMᵀ K_nM / n + λ K_MM, are solved by
conjugate gradients on BᵀHB β = Bᵀ K_nMᵀ y / n with the preconditioner B = T⁻¹ A⁻¹ / √n, where
Tᵀ T = K_MM and Aᵀ A = T Tᵀ / m + λ I (two m × m Cholesky factors). Each iteration needs one
product K_nMᵀ (K_nM u), computed over blocks of rows of X whose kernel block is formed, used and
dropped: memory O(m² + block · m), never n × m or n × n.

Written with torch because the ``falkon`` package (which does the same with CUDA kernels and
out-of-core options) is not installable from the package index here; ``methods/falkon_package.py``
uses it where it is.

A kernel is any callable ``kernel(A, B) -> Tensor`` on row blocks (:mod:`ntkbench.solvers.landmarks`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import torch

from ntkbench.solvers.landmarks import KernelFn


@dataclass(frozen=True)
class FalkonOptions:
    """Hardware knobs of FALKON: they bound memory and never change the result beyond rounding.

    Parameters
    ----------
    block_size : int, optional
        Rows of X per kernel block. Default: as many as keep a block at ``max_block_numbers``.
    max_block_numbers : int, default=2**22
        Numbers in one block × centres kernel block when ``block_size`` is not given (32 MiB in
        float64; the kernel's own temporaries come on top, a few times that for the NTK).
    max_cached_numbers : int, default=2**25
        :class:`~ntkbench.solvers.nystrom.Nystrom` keeps K(X, centres) in memory for all its
        FALKON runs (one per ridge tried) when it holds at most this many numbers (256 MiB in
        float64); above, every conjugate-gradient iteration forms the blocks afresh.
    """

    block_size: int | None = None
    max_block_numbers: int = 2 ** 22
    max_cached_numbers: int = 2 ** 25

    def rows(self, n_centres: int) -> int:
        """Rows per block for ``n_centres`` centres."""
        if self.block_size is not None:
            if self.block_size < 1:
                raise ValueError(f"block_size must be >= 1, got {self.block_size}")
            return int(self.block_size)
        return max(1, self.max_block_numbers // max(n_centres, 1))


@dataclass
class FalkonResult:
    """Coefficients of the centres and how conjugate gradients went.

    Attributes
    ----------
    coef : Tensor of shape (m, k)
    n_iter : int
        Conjugate-gradient iterations run.
    residuals : list of float
        Largest relative residual ‖r‖/‖r₀‖ over the target columns, after each iteration.
    """

    coef: torch.Tensor
    n_iter: int
    residuals: list[float] = field(default_factory=list)


def falkon(X: torch.Tensor, Y: torch.Tensor, centres: torch.Tensor, kernel: KernelFn, ridge: float, *,
           max_iter: int = 50, tol: float = 1e-8, options: FalkonOptions = FalkonOptions(),
           kernel_matrix: torch.Tensor | None = None) -> FalkonResult:
    """Solve Nyström kernel ridge regression with FALKON.

    Parameters
    ----------
    X : Tensor of shape (n, ...)
        Training inputs; the dtype and device of the computation.
    Y : Tensor of shape (n,) or (n, k)
    centres : Tensor of shape (m, ...)
        Nyström centres (landmarks), e.g. rows of X.
    kernel : callable
        ``kernel(A, B) -> Tensor`` of shape (len(A), len(B)).
    ridge : float
        λ > 0 of the objective (1/n)‖K_nM α − y‖² + λ αᵀ K_MM α (a ridge λ' on the unnormalised
        squared loss is λ = λ'/n).
    max_iter : int, default=50
        Conjugate-gradient iterations at most; the paper's analysis needs about log(n) of them.
    tol : float, default=1e-8
        Stop when every column's residual has fallen by this factor.
    options : FalkonOptions
        Block size (memory bound).
    kernel_matrix : Tensor of shape (n, m), optional
        K(X, centres) where it fits in memory and is reused (several ridges on the same rows):
        the kernel is then only evaluated on the centres.

    Returns
    -------
    FalkonResult

    References
    ----------
    A. Rudi, L. Carratino, L. Rosasco, "FALKON: An optimal large scale kernel method", NeurIPS 2017.
    """
    if not ridge > 0:
        raise ValueError(f"ridge must be positive, got {ridge}")
    if max_iter < 1:
        raise ValueError(f"max_iter must be >= 1, got {max_iter}")
    Y2 = Y[:, None] if Y.ndim == 1 else Y
    if len(Y2) != len(X):
        raise ValueError(f"X has {len(X)} rows but Y has {len(Y2)}")
    n, m = len(X), len(centres)
    if kernel_matrix is not None and tuple(kernel_matrix.shape) != (n, m):
        raise ValueError(f"kernel_matrix has shape {tuple(kernel_matrix.shape)}, expected {(n, m)}")
    rows = options.rows(m)
    T, A = _preconditioner(centres, kernel, ridge)
    blocks = _Blocks(X, centres, kernel, rows, kernel_matrix)

    def apply_b(u: torch.Tensor) -> torch.Tensor:  # √n · B u = T⁻¹ A⁻¹ u
        return _solve(T, _solve(A, u))

    def apply_bt(v: torch.Tensor) -> torch.Tensor:  # √n · Bᵀ v = A⁻ᵀ T⁻ᵀ v
        return _solve(A, _solve(T, v, transpose=True), transpose=True)

    def normal_operator(u: torch.Tensor) -> torch.Tensor:  # n · BᵀHB u
        return apply_bt(blocks.gram_product(apply_b(u)) / n) + ridge * _solve(A, _solve(A, u), transpose=True)

    rhs = apply_bt(blocks.cross_product(Y2.to(X.dtype)) / n)
    beta, n_iter, residuals = conjugate_gradients(normal_operator, rhs, max_iter=max_iter, tol=tol)
    coef = apply_b(beta)
    return FalkonResult(coef, n_iter, residuals)


def nystrom_direct(X: torch.Tensor, Y: torch.Tensor, centres: torch.Tensor, kernel: KernelFn, ridge: float, *,
                   options: FalkonOptions = FalkonOptions()) -> torch.Tensor:
    """The same minimiser as :func:`falkon`, by forming H = K_nMᵀ K_nM / n + λ K_MM (m × m, in
    blocks of rows) and solving H α = K_nMᵀ y / n directly: O(n m²) time, for small m."""
    if not ridge > 0:
        raise ValueError(f"ridge must be positive, got {ridge}")
    Y2 = (Y[:, None] if Y.ndim == 1 else Y).to(X.dtype)
    n, m = len(X), len(centres)
    rows = options.rows(m)
    H = ridge * kernel(centres, centres)
    rhs = torch.zeros((m, Y2.shape[1]), dtype=X.dtype, device=X.device)
    for start in range(0, n, rows):
        block = kernel(X[start:start + rows], centres)
        H += block.T @ block / n
        rhs += block.T @ Y2[start:start + rows] / n
    return torch.linalg.solve((H + H.T) / 2, rhs)


def kernel_predict(X: torch.Tensor, centres: torch.Tensor, coef: torch.Tensor, kernel: KernelFn, *,
                   options: FalkonOptions = FalkonOptions()) -> torch.Tensor:
    """K(X, centres) · coef, in blocks of rows of X."""
    rows = options.rows(len(centres))
    return torch.cat([kernel(X[s:s + rows], centres) @ coef for s in range(0, len(X), rows)])


def kernel_matrix(X: torch.Tensor, centres: torch.Tensor, kernel: KernelFn, *,
                  options: FalkonOptions = FalkonOptions()) -> torch.Tensor:
    """K(X, centres) of shape (n, m), formed in blocks of rows (the kernel's temporaries stay one block)."""
    rows = options.rows(len(centres))
    return torch.cat([kernel(X[s:s + rows], centres) for s in range(0, len(X), rows)])


def conjugate_gradients(operator: Callable[[torch.Tensor], torch.Tensor], rhs: torch.Tensor, *, max_iter: int,
                        tol: float) -> tuple[torch.Tensor, int, list[float]]:
    """Conjugate gradients for a symmetric positive definite ``operator``, one run per column of ``rhs``
    (the columns share the operator's products, each has its own step sizes)."""
    x = torch.zeros_like(rhs)
    r = rhs.clone()
    p = r.clone()
    rs = (r * r).sum(0)
    rs0 = rs.clamp(min=torch.finfo(rhs.dtype).tiny)
    residuals: list[float] = []
    for it in range(1, max_iter + 1):
        Ap = operator(p)
        curvature = (p * Ap).sum(0)
        step = torch.where(curvature > 0, rs / curvature.clamp(min=torch.finfo(rhs.dtype).tiny),
                           torch.zeros_like(rs))
        x += step * p
        r -= step * Ap
        rs_new = (r * r).sum(0)
        residuals.append(float(torch.sqrt(rs_new / rs0).max()))
        if residuals[-1] <= tol:
            return x, it, residuals
        p = r + (rs_new / rs.clamp(min=torch.finfo(rhs.dtype).tiny)) * p
        rs = rs_new
    return x, max_iter, residuals


def _preconditioner(centres: torch.Tensor, kernel: KernelFn, ridge: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Upper Cholesky factors T (Tᵀ T = K_MM + jitter) and A (Aᵀ A = T Tᵀ / m + λ I).

    Built in place (the Cholesky factorisations read one triangle), so at most two m × m matrices
    live at once besides a transient product: 3 m² numbers at the peak.
    """
    m = len(centres)
    T = kernel(centres, centres)
    jitter = torch.finfo(T.dtype).eps * m * float(T.diagonal().mean().clamp(min=1.0))
    T.diagonal().add_(jitter)
    T = torch.linalg.cholesky(T, upper=True, out=T)
    A = T @ T.T
    A.div_(m).diagonal().add_(ridge)
    A = torch.linalg.cholesky(A, upper=True, out=A)
    return T, A


def _solve(U: torch.Tensor, v: torch.Tensor, *, transpose: bool = False) -> torch.Tensor:
    """U⁻¹ v (or U⁻ᵀ v) for an upper-triangular U."""
    if transpose:
        return torch.linalg.solve_triangular(U.T, v, upper=False)
    return torch.linalg.solve_triangular(U, v, upper=True)


class _Blocks:
    """K(X, centres) one block of rows at a time: formed from the kernel and dropped, or sliced
    from a kernel matrix already in memory."""

    def __init__(self, X: torch.Tensor, centres: torch.Tensor, kernel: KernelFn, rows: int,
                 kernel_matrix: torch.Tensor | None) -> None:
        self.X, self.centres, self.kernel, self.rows, self.matrix = X, centres, kernel, rows, kernel_matrix

    def __iter__(self):
        for start in range(0, len(self.X), self.rows):
            stop = start + self.rows
            block = self.matrix[start:stop] if self.matrix is not None else self.kernel(self.X[start:stop],
                                                                                      self.centres)
            yield start, stop, block

    def gram_product(self, u: torch.Tensor) -> torch.Tensor:
        """K_nMᵀ (K_nM u)."""
        out = torch.zeros_like(u)
        for _, _, block in self:
            out += block.T @ (block @ u)
        return out

    def cross_product(self, Y: torch.Tensor) -> torch.Tensor:
        """K_nMᵀ Y."""
        out = torch.zeros((len(self.centres), Y.shape[1]), dtype=self.X.dtype, device=self.X.device)
        for start, stop, block in self:
            out += block.T @ Y[start:stop]
        return out
