"""Nyström approximation of any kernel on torch row blocks: features (direct solve by the caller's
ridge) or a FALKON regression, with uniform or ridge-leverage-score landmarks."""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch
from sklearn.base import BaseEstimator

from ntkbench.solvers.falkon import FalkonOptions, FalkonResult, falkon, kernel_matrix, kernel_predict
from ntkbench.solvers.landmarks import LANDMARK_METHODS, KernelFn, kernel_diagonal, select_landmarks
from ntkbench.solvers.protocol import ValidationProtocol

SOLVERS = ("direct", "falkon")
#: FALKON's ridge scale, the mean of k(x, x), is estimated on at most this many training rows.
SCALE_ROWS = 10_000
#: Relative ridges FALKON chooses from with ``ridge="select"`` (the harness's default range, one
#: value a decade: each value costs one FALKON run).
FALKON_RIDGE_GRID = tuple(float(v) for v in np.logspace(-6, 1, 8))


class Nystrom(BaseEstimator):
    """Nyström approximation of ``kernel`` with m landmarks.

    * ``solver="direct"``: :meth:`transform` gives Φ(x) = K(x, S) K_SS^{-1/2} (eigenvalues below
      ``rcond`` times the largest are dropped), for any ridge solver on features; with
      ``n_components >= n`` every row is a landmark and Φ Φᵀ = K on the training rows.
    * ``solver="falkon"``: :meth:`fit` also solves the Nyström kernel ridge regression with
      :func:`~ntkbench.solvers.falkon.falkon` and :meth:`predict` applies it. ``ridge`` is a
      relative ridge r, λ = r · mean k(x, x) / n in FALKON's objective (the mean over at most
      :data:`SCALE_ROWS` rows) (the harness's λ = r·tr(K)/n
      on the unnormalised loss), or ``"select"``: the best of :data:`FALKON_RIDGE_GRID` on the
      validation rows of ``protocol`` (one FALKON run per value, then one on every row).

    Parameters
    ----------
    kernel : callable
        ``kernel(A, B) -> Tensor`` on row blocks; ``kernel(A, A)`` (the same object) may use symmetry.
    n_components : int, default=256
        Number of landmarks m.
    landmarks : {"uniform", "rls"}, default="uniform"
        Uniform without replacement, or by approximate ridge leverage scores
        (:func:`~ntkbench.solvers.landmarks.rls_landmarks`).
    solver : {"direct", "falkon"}, default="direct"
    rcond : float, default=1e-10
    ridge : float or "select", default="select"
    max_iter : int, default=50
        FALKON's conjugate-gradient iterations at most (it stops earlier at residual ``tol``).
    tol : float, default=1e-6
    diagonal : callable, optional
        ``diagonal(X) -> Tensor`` of k(x_i, x_i); default from small diagonal blocks of the kernel.
    options : FalkonOptions, optional
        FALKON's block size (memory bound).
    random_state : int, default=0
    device : str, default="cpu"

    Attributes
    ----------
    landmark_indices_ : ndarray of shape (m,)
    landmarks_ : Tensor of shape (m, ...)
    normalization_ : ndarray of shape (m, r)
        K_SS^{-1/2} on its kept eigenvectors (direct solver).
    coef_ : Tensor of shape (m, k)
        FALKON's coefficients of the landmarks (falkon solver).
    ridge_relative_, ridge_scores_, n_iter_
        The relative ridge used, the validation score of each ridge tried, CG iterations.
    """

    def __init__(self, *, kernel: KernelFn, n_components: int = 256, landmarks: str = "uniform",
                 solver: str = "direct", rcond: float = 1e-10, ridge: float | str = "select", max_iter: int = 50,
                 tol: float = 1e-6, diagonal: Callable[[torch.Tensor], torch.Tensor] | None = None,
                 options: FalkonOptions | None = None, random_state: int = 0, device: str = "cpu") -> None:
        self.kernel = kernel
        self.n_components = n_components
        self.landmarks = landmarks
        self.solver = solver
        self.rcond = rcond
        self.ridge = ridge
        self.max_iter = max_iter
        self.tol = tol
        self.diagonal = diagonal
        self.options = options
        self.random_state = random_state
        self.device = device

    def _check_params(self, y: np.ndarray | None) -> None:
        m = self.n_components
        if isinstance(m, bool) or not (isinstance(m, (int, np.integer)) and m >= 1):
            raise ValueError(f"n_components must be an integer >= 1, got {m!r}")
        if self.landmarks not in LANDMARK_METHODS:
            raise ValueError(f"landmarks must be one of {', '.join(LANDMARK_METHODS)}, got {self.landmarks!r}")
        if self.solver not in SOLVERS:
            raise ValueError(f"solver must be one of {', '.join(SOLVERS)}, got {self.solver!r}")
        if self.ridge != "select" and not (isinstance(self.ridge, (int, float)) and self.ridge > 0):
            raise ValueError(f"ridge must be 'select' or a positive relative ridge, got {self.ridge!r}")
        if not (isinstance(self.max_iter, (int, np.integer)) and self.max_iter >= 1):
            raise ValueError(f"max_iter must be an integer >= 1, got {self.max_iter!r}")
        if self.solver == "falkon" and y is None:
            raise ValueError("solver='falkon' fits a regression: fit(X, y) needs the targets y")

    def fit(self, X: np.ndarray, y: np.ndarray | None = None, *,
            protocol: ValidationProtocol | None = None) -> "Nystrom":
        """Draw the landmarks and, with ``solver="falkon"``, solve the regression on ``y``.

        ``protocol`` says how ``y`` is encoded and which rows validate the ridge (default:
        regression, a seeded 20 % hold-out).
        """
        self._check_params(y)
        Xt = torch.as_tensor(np.asarray(X, dtype=np.float64), device=self.device)
        rng = np.random.default_rng(self.random_state)
        extra = {"diagonal": self._diagonal(Xt)} if self.landmarks == "rls" else {}
        self.landmark_indices_ = select_landmarks(self.landmarks, Xt, int(self.n_components), self.kernel, rng,
                                                  **extra)
        self.landmarks_ = Xt[torch.as_tensor(self.landmark_indices_, device=Xt.device)]
        if self.solver == "direct":
            K = self.kernel(self.landmarks_, self.landmarks_).cpu().numpy()
            eigenvalues, eigenvectors = np.linalg.eigh((K + K.T) / 2)
            if not eigenvalues.max() > 0:
                raise ValueError("the kernel is zero on every landmark (check the kernel's parameters)")
            keep = eigenvalues > self.rcond * eigenvalues.max()
            self.normalization_ = eigenvectors[:, keep] / np.sqrt(eigenvalues[keep])
        else:
            # the ridge's scale, mean k(x, x), from at most SCALE_ROWS rows (the diagonal of an exact
            # neural kernel costs a kernel call per small block of rows)
            rows = Xt
            if len(Xt) > SCALE_ROWS:
                rows = Xt[torch.as_tensor(rng.choice(len(Xt), SCALE_ROWS, replace=False), device=Xt.device)]
            self._fit_falkon(Xt, np.asarray(y), float(self._diagonal(rows).mean()), protocol or ValidationProtocol())
        return self

    def _diagonal(self, X: torch.Tensor) -> torch.Tensor:
        return self.diagonal(X) if self.diagonal is not None else kernel_diagonal(X, self.kernel)

    def _fit_falkon(self, X: torch.Tensor, y: np.ndarray, scale: float, protocol: ValidationProtocol) -> None:
        targets, self.decode_ = protocol.targets(y)
        T = torch.as_tensor(targets, device=X.device)
        options = self.options or FalkonOptions()
        matrix = None
        if len(X) * len(self.landmarks_) <= options.max_cached_numbers:
            matrix = kernel_matrix(X, self.landmarks_, self.kernel, options=options)

        def solve(rows: np.ndarray, relative: float) -> FalkonResult:
            index = torch.as_tensor(rows, device=X.device)
            return falkon(X[index], T[index], self.landmarks_, self.kernel, relative * scale / len(rows),
                          max_iter=int(self.max_iter), tol=self.tol, options=options,
                          kernel_matrix=None if matrix is None else matrix[index])

        best = self.ridge
        self.ridge_scores_ = {}
        if best == "select":
            fit_idx, val_idx = protocol.rows(len(X), self.random_state)
            index = torch.as_tensor(val_idx, device=X.device)
            for relative in FALKON_RIDGE_GRID:
                coef = solve(fit_idx, relative).coef
                if matrix is None:
                    scores = kernel_predict(X[index], self.landmarks_, coef, self.kernel, options=options)
                else:
                    scores = matrix[index] @ coef
                self.ridge_scores_[relative] = protocol.score(y[val_idx], self.decode_(scores.cpu().numpy()))
            best = max(FALKON_RIDGE_GRID, key=lambda r: (self.ridge_scores_[r], r))
        result = solve(np.arange(len(X)), float(best))
        self.ridge_relative_, self.coef_, self.n_iter_ = float(best), result.coef, result.n_iter

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Nyström features Φ(X) of shape (n, r) (direct solver)."""
        if not hasattr(self, "normalization_"):
            raise ValueError("transform needs a Nystrom fitted with solver='direct'")
        Xt = torch.as_tensor(np.asarray(X, dtype=np.float64), device=self.device)
        return self.kernel(Xt, self.landmarks_).cpu().numpy() @ self.normalization_

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predictions of the FALKON fit (labels or original units, as ``protocol`` decodes them)."""
        if not hasattr(self, "coef_"):
            raise ValueError("predict needs a Nystrom fitted with solver='falkon'")
        Xt = torch.as_tensor(np.asarray(X, dtype=np.float64), device=self.device)
        scores = kernel_predict(Xt, self.landmarks_, self.coef_, self.kernel, options=self.options or FalkonOptions())
        return self.decode_(scores.cpu().numpy())
