"""The harness's validation protocol, for methods that choose a hyperparameter themselves (FALKON's
ridge, a kernel bandwidth): which training rows are held out, how targets are encoded, how
predictions are scored."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ntkbench.contracts import Split
from ntkbench.solvers.encoding import ridge_targets
from ntkbench.solvers.selection import holdout_indices


@dataclass(frozen=True)
class ValidationProtocol:
    """How the harness validates on a split.

    The harness hands a method every training row (fit rows, then given validation rows) and shows
    it the split first, in ``Method.skip``: adapters build the protocol there with
    :meth:`from_split`. The held-out fraction is the harness's default (0.2); a suite's
    ``val_fraction`` and ``ridge_grid`` do not reach a method. The default protocol (regression,
    seeded 20 % hold-out) serves methods used outside the harness.
    """

    task: str = "regression"
    n_classes: int | None = None
    n_given_val: int = 0
    center_only: bool = False
    val_fraction: float = 0.2

    @classmethod
    def from_split(cls, split: Split) -> "ValidationProtocol":
        """The protocol of the harness on ``split``."""
        return cls(task=split.task, n_classes=split.n_classes if split.task == "classification" else None,
                   n_given_val=0 if split.X_val is None else len(split.X_val),
                   center_only=bool(split.metadata.get("y_center_only")))

    def rows(self, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """Fit and validation row indices of a training set of ``n`` rows (given ones come last)."""
        if self.n_given_val:
            return np.arange(n - self.n_given_val), np.arange(n - self.n_given_val, n)
        return holdout_indices(n, self.val_fraction, seed)

    def targets(self, y: np.ndarray) -> tuple[np.ndarray, Callable[[np.ndarray], np.ndarray]]:
        """Encoded ridge targets of ``y`` and the decoder of predictions, as the harness makes them."""
        return ridge_targets(self.task, y, n_classes=self.n_classes, center_only=self.center_only)

    def score(self, y_true: np.ndarray, y_pred: np.ndarray) -> float:
        """Accuracy (classification) or minus the mean squared error: higher is better."""
        if self.task == "classification":
            return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))
        diff = np.asarray(y_true, dtype=np.float64) - np.asarray(y_pred, dtype=np.float64)
        return -float(np.mean(diff ** 2))
