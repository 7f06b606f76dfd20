"""Targets that ridge regression fits, and the map from its outputs back to labels or original units."""

from __future__ import annotations

from typing import Callable

import numpy as np

from ntkbench.data.preprocess import TargetStandardizer, one_hot


def ridge_targets(task: str, y: np.ndarray, *, n_classes: int | None = None,
                  center_only: bool = False) -> tuple[np.ndarray, Callable[[np.ndarray], np.ndarray]]:
    """Encoded training targets and the decoder of predictions.

    Classification: centred one-hot rows; the decoder returns the arg-max class. Regression:
    targets standardised with their own mean and std (only centred with ``center_only``, as paper 1
    does for CT slices); the decoder maps predictions back to original units and shape.

    Parameters
    ----------
    task : {"regression", "classification"}
    y : ndarray
        Class labels 0..c-1 of shape (n,), or regression targets of shape (n,) or (n, k).
    n_classes : int, optional
        Number of classes (classification); default one more than the largest label.
    center_only : bool, default=False
        Regression: subtract the mean but keep the scale.
    """
    if task == "classification":
        onehot = one_hot(y, n_classes).astype(np.float64)
        mean = onehot.mean(axis=0)
        return onehot - mean, lambda scores: np.argmax(scores + mean, axis=1)
    shape = np.shape(y)
    standardizer = TargetStandardizer(center_only=center_only).fit(y)
    return (standardizer.transform(y),
            lambda scores: standardizer.inverse_transform(scores).reshape((-1, *shape[1:])))
