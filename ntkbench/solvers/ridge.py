"""Ridge regression along a path of ridge values, in the primal (features) or the dual (kernel).

One eigendecomposition serves every λ of the grid: with G = U diag(s) Uᵀ (G = ΦᵀΦ in the primal,
G = K in the dual), the predictions for λ are B diag(1/(s+λ)) A with A = Uᵀ(targets side) and
B = (test side) U. scikit-learn's ``Ridge``/``KernelRidge`` refactor for every λ, and its
``RidgeCV`` scores by leave-one-out rather than on a given validation split, so this small path
solver is written here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg


@dataclass
class RidgePath:
    """Predictions of ridge regression for many ridge values from one eigendecomposition.

    Use :meth:`from_features` or :meth:`from_kernel`; then :meth:`predict` for any λ.

    Attributes
    ----------
    eigenvalues : ndarray of shape (r,)
        Eigenvalues of the Gram matrix (ΦᵀΦ or K), clipped at 0.
    projected_targets : ndarray of shape (r, k)
        Uᵀ Φᵀ Y (primal) or Uᵀ Y (dual).
    scale : float
        tr(G)/n, so that a relative ridge r means λ = r · tr(G)/n.
    """

    eigenvalues: np.ndarray
    projected_targets: np.ndarray
    basis: np.ndarray
    scale: float
    #: Training features kept when features were solved through the dual (D > n).
    train_features: np.ndarray | None = None

    @classmethod
    def from_features(cls, features: np.ndarray, targets: np.ndarray) -> "RidgePath":
        """Fit on features Φ (n, D) and targets Y (n, k); the primal is used when D <= n."""
        Phi = np.asarray(features, dtype=np.float64)
        Y = _as_2d(targets)
        n, D = Phi.shape
        if D > n:
            path = cls.from_kernel(Phi @ Phi.T, Y)
            path.train_features = Phi
            return path
        return cls.from_normal_equations(Phi.T @ Phi, Phi.T @ Y, n)

    @classmethod
    def from_normal_equations(cls, gram: np.ndarray, moment: np.ndarray, n: int) -> "RidgePath":
        """Fit from ΦᵀΦ (D, D) and ΦᵀY (D, k) of ``n`` rows, e.g. accumulated chunk by chunk
        (:mod:`ntkbench.solvers.streaming`); predictions then take test features."""
        s, U = np.linalg.eigh(np.asarray(gram, dtype=np.float64))
        return cls(np.clip(s, 0.0, None), U.T @ _as_2d(moment), U, float(np.trace(gram) / n))

    @classmethod
    def from_kernel(cls, kernel: np.ndarray, targets: np.ndarray) -> "RidgePath":
        """Fit on a training kernel matrix K (n, n) and targets Y (n, k)."""
        K = np.asarray(kernel, dtype=np.float64)
        Y = _as_2d(targets)
        s, U = np.linalg.eigh((K + K.T) / 2.0)
        return cls(np.clip(s, 0.0, None), U.T @ Y, U, float(np.trace(K) / K.shape[0]))

    def predict(self, test_side: np.ndarray, lam: float) -> np.ndarray:
        """Predictions for ridge ``lam``.

        Parameters
        ----------
        test_side : ndarray
            Test features Φ_test (n_test, D) when fitted from features, or the cross-kernel
            K(X_test, X_train) (n_test, n) when fitted from a kernel.
        lam : float
            Absolute ridge λ > 0.
        """
        if not lam > 0:
            raise ValueError(f"ridge λ must be positive, got {lam}")
        T = np.asarray(test_side, dtype=np.float64)
        if self.train_features is not None:
            T = T @ self.train_features.T
        coef = self.projected_targets / (self.eigenvalues + lam)[:, None]
        return (T @ self.basis) @ coef


def _as_2d(y: np.ndarray) -> np.ndarray:
    y = np.asarray(y, dtype=np.float64)
    return y[:, None] if y.ndim == 1 else y


@dataclass
class RidgeFit:
    """Ridge regression for one ridge value, solved by a Cholesky factorisation (cheaper than the
    eigendecomposition of :class:`RidgePath` once λ is chosen).

    Use :meth:`from_features` or :meth:`from_kernel`, then :meth:`predict`.
    """

    coef: np.ndarray
    #: Training features kept when features were solved through the dual (D > n).
    train_features: np.ndarray | None = None

    @classmethod
    def from_features(cls, features: np.ndarray, targets: np.ndarray, relative_ridge: float) -> "RidgeFit":
        """Fit on Φ (n, D) with λ = relative_ridge · ‖Φ‖²_F / n, in the primal when D <= n."""
        Phi = np.asarray(features, dtype=np.float64)
        Y = _as_2d(targets)
        n, D = Phi.shape
        if D > n:
            lam = relative_ridge * float(np.sum(Phi * Phi) / n)
            return cls(_solve_shifted(Phi @ Phi.T, Y, lam), Phi)
        return cls.from_normal_equations(Phi.T @ Phi, Phi.T @ Y, n, relative_ridge)

    @classmethod
    def from_normal_equations(cls, gram: np.ndarray, moment: np.ndarray, n: int,
                              relative_ridge: float) -> "RidgeFit":
        """Fit from ΦᵀΦ (D, D) and ΦᵀY (D, k) of ``n`` rows with λ = relative_ridge · tr(ΦᵀΦ) / n."""
        gram = np.asarray(gram, dtype=np.float64)
        return cls(_solve_shifted(gram, _as_2d(moment), relative_ridge * float(np.trace(gram) / n)))

    @classmethod
    def from_kernel(cls, kernel: np.ndarray, targets: np.ndarray, relative_ridge: float) -> "RidgeFit":
        """Fit on a training kernel matrix K (n, n) with λ = relative_ridge · tr(K) / n."""
        K = np.asarray(kernel, dtype=np.float64)
        lam = relative_ridge * float(np.trace(K) / K.shape[0])
        return cls(_solve_shifted(K, _as_2d(targets), lam))

    def predict(self, test_side: np.ndarray) -> np.ndarray:
        """Predictions from test features Φ_test, or from the cross-kernel K(X_test, X_train)."""
        T = np.asarray(test_side, dtype=np.float64)
        if self.train_features is not None:
            T = T @ self.train_features.T
        return T @ self.coef


def _solve_shifted(gram: np.ndarray, rhs: np.ndarray, lam: float) -> np.ndarray:
    """(G + λI)⁻¹ rhs for a symmetric positive semi-definite G and λ > 0."""
    if not lam > 0:
        raise ValueError(f"ridge λ must be positive, got {lam}")
    A = (gram + gram.T) / 2.0
    A[np.diag_indices_from(A)] += lam
    return scipy.linalg.cho_solve(scipy.linalg.cho_factor(A, overwrite_a=True), rhs)
