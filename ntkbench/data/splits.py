"""Seeded train/test splits, k-fold partitions and subsamples, independent of call order."""

from __future__ import annotations

import numpy as np

from ntkbench.contracts import Split


def n_test_rows(n: int, test_size: float | int) -> int:
    """Test-row count for ``test_size`` (a fraction in (0, 1) or a count); both sides must be non-empty."""
    if isinstance(test_size, float) and not isinstance(test_size, bool):
        if not 0.0 < test_size < 1.0:
            raise ValueError(f"test_size as a fraction must be in (0, 1), got {test_size}")
        k = int(round(test_size * n))
    else:
        k = int(test_size)
    if not 0 < k < n:
        raise ValueError(f"test_size={test_size} leaves no train or no test rows out of {n}")
    return k


def random_split(n: int, test_size: float | int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted train and test row indices of a uniformly random split drawn from ``seed``."""
    k = n_test_rows(n, test_size)
    perm = np.random.default_rng(seed).permutation(n)
    return np.sort(perm[k:]), np.sort(perm[:k])


def stratified_split(y: np.ndarray, test_size: float | int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted train and test indices with each class split in proportion (largest remainder).

    Every class with at least two members keeps at least one row on each side.
    """
    y = np.asarray(y)
    n = y.shape[0]
    k = n_test_rows(n, test_size)
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(y, return_counts=True)
    exact = counts * (k / n)
    take = np.floor(exact).astype(int)
    remainder = k - take.sum()
    order = np.argsort(-(exact - take), kind="stable")
    take[order[:remainder]] += 1
    take = np.where((counts >= 2) & (take == 0), 1, take)
    take = np.where((counts >= 2) & (take == counts), counts - 1, take)
    test = []
    for cls, t in zip(classes, take):
        members = np.flatnonzero(y == cls)
        test.append(rng.permutation(members)[:t])
    test_idx = np.sort(np.concatenate(test)) if test else np.array([], dtype=int)
    train_idx = np.setdiff1d(np.arange(n), test_idx)
    return train_idx, test_idx


def kfold(n: int, n_splits: int, fold: int) -> tuple[np.ndarray, np.ndarray]:
    """Train and test indices of fold ``fold`` of contiguous, unshuffled k-fold.

    Same partition as ``sklearn.model_selection.KFold(n_splits)`` without shuffling (first
    ``n % n_splits`` folds get one extra row), which paper 1's UCI code uses.
    """
    if not 0 <= fold < n_splits:
        raise ValueError(f"fold must be in 0..{n_splits - 1}, got {fold}")
    sizes = np.full(n_splits, n // n_splits, dtype=int)
    sizes[: n % n_splits] += 1
    start = int(sizes[:fold].sum())
    test = np.arange(start, start + sizes[fold])
    train = np.concatenate([np.arange(0, start), np.arange(start + sizes[fold], n)])
    return train, test


def subsample(split: Split, *, n_train: int = 0, n_test: int = 0, seed: int = 0) -> Split:
    """Seeded random subsets of the train and test parts of ``split`` (0 keeps all rows)."""
    rng = np.random.default_rng([seed, 7919])

    def pick(X: np.ndarray, y: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        if not n or n >= X.shape[0]:
            return X, y
        idx = np.sort(rng.choice(X.shape[0], size=n, replace=False))
        return X[idx], y[idx]

    X_train, y_train = pick(split.X_train, split.y_train, n_train)
    X_test, y_test = pick(split.X_test, split.y_test, n_test)
    return Split(X_train, y_train, X_test, y_test, split.task, split.X_val, split.y_val, dict(split.metadata))
