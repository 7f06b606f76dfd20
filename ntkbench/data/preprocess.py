"""Input and target preprocessing shared by every dataset adapter.

Every input transform is fitted on the training rows only and then applied to all splits, so no
test statistic leaks into training. Functions take and return float32 arrays.
"""

from __future__ import annotations


import numpy as np

__all__ = [
    "standardize", "center", "unit_norm", "channel_normalize", "zca_whiten", "layer_normalize", "apply_inputs",
    "one_hot", "plus_minus_one", "shifted_one_hot", "encode_targets", "TargetStandardizer",
    "INPUT_TRANSFORMS", "TARGET_ENCODINGS",
]

INPUT_TRANSFORMS = ("none", "center", "standardize", "unit_norm", "standardize+unit_norm", "channel", "zca",
                    "channel+zca", "layer+zca")
TARGET_ENCODINGS = ("labels", "onehot", "pm1", "shifted_onehot")


def _f32(X: np.ndarray) -> np.ndarray:
    return np.asarray(X, dtype=np.float32)


_CHUNK = 4096


def _moments(X: np.ndarray, axes: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std over ``axes`` (which include axis 0), accumulated in float64 in row chunks."""
    X = np.asarray(X)
    inner = tuple(a - 1 for a in axes if a != 0)
    count = 0
    total = 0.0
    for start in range(0, X.shape[0], _CHUNK):
        block = np.asarray(X[start:start + _CHUNK], dtype=np.float64)
        total = total + block.sum(axis=(0, *[a + 1 for a in inner]))
        count += block.shape[0] * int(np.prod([X.shape[a] for a in axes if a != 0]))
    mean = total / count
    sq = 0.0
    shape = [1] * X.ndim
    for a in range(1, X.ndim):
        if a not in axes:
            shape[a] = X.shape[a]
    m = mean.reshape(shape)
    for start in range(0, X.shape[0], _CHUNK):
        block = np.asarray(X[start:start + _CHUNK], dtype=np.float64) - m
        sq = sq + np.square(block).sum(axis=(0, *[a + 1 for a in inner]))
    return mean.reshape(shape), np.sqrt(sq / count).reshape(shape)


def _affine(X: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """``(X - mean) / scale`` in float32, chunk by chunk (never a float64 copy of X)."""
    X = np.asarray(X)
    out = np.empty(X.shape, dtype=np.float32)
    mean32, scale32 = mean.astype(np.float32), scale.astype(np.float32)
    for start in range(0, X.shape[0], _CHUNK):
        out[start:start + _CHUNK] = (np.asarray(X[start:start + _CHUNK], dtype=np.float32) - mean32) / scale32
    return out


def standardize(train: np.ndarray, *others: np.ndarray, eps: float = 1e-12) -> list[np.ndarray]:
    """Subtract the training mean and divide by the training std, column by column.

    Columns with zero training variance are only centred (divided by 1), so constants become 0
    rather than NaN. Statistics are computed in float64; the outputs are float32.

    Parameters
    ----------
    train : ndarray of shape (n, ...)
        Training inputs; statistics are over axis 0 (per feature, or per pixel for images).
    *others : ndarray
        Further splits transformed with the training statistics.

    Returns
    -------
    list of ndarray
        ``[train, *others]`` standardised, float32.
    """
    mean, std = _moments(train, (0,))
    std = np.where(std > eps, std, 1.0)
    return [_affine(X, mean[0], std[0]) for X in (train, *others)]


def center(train: np.ndarray, *others: np.ndarray) -> list[np.ndarray]:
    """Subtract the training mean column by column (no scaling; paper 1's CT-slice preprocessing)."""
    mean, _ = _moments(train, (0,))
    return [_affine(X, mean[0], np.ones_like(mean[0])) for X in (train, *others)]


def _row_scale(X: np.ndarray, center: bool, eps: float) -> np.ndarray:
    X = np.asarray(X)
    out = np.empty(X.shape, dtype=np.float32)
    for start in range(0, X.shape[0], _CHUNK):
        block = np.asarray(X[start:start + _CHUNK], dtype=np.float64)
        flat = block.reshape(block.shape[0], -1)
        if center:
            flat = flat - flat.mean(axis=1, keepdims=True)
        norms = np.linalg.norm(flat, axis=1, keepdims=True)
        out[start:start + _CHUNK] = (flat / np.where(norms > eps, norms, 1.0)).reshape(block.shape)
    return out


def unit_norm(*arrays: np.ndarray, eps: float = 1e-12) -> list[np.ndarray]:
    """Scale every row (flattened sample) to unit Euclidean norm; all-zero rows stay zero."""
    return [_row_scale(X, False, eps) for X in arrays]


def channel_normalize(train: np.ndarray, *others: np.ndarray) -> list[np.ndarray]:
    """Per-channel standardisation of (n, C, H, W) images with training-set mean and std per channel."""
    if np.ndim(train) != 4:
        raise ValueError(f"channel normalisation needs (n, C, H, W) images, got shape {np.shape(train)}")
    mean, std = _moments(train, (0, 2, 3))
    std = np.where(std > 0, std, 1.0)
    return [_affine(X, mean, std) for X in (train, *others)]


def layer_normalize(*arrays: np.ndarray, eps: float = 1e-12) -> list[np.ndarray]:
    """Centre every sample (over all its entries) and scale it to unit norm (paper-3 ``layer_norm``)."""
    return [_row_scale(X, True, eps) for X in arrays]


def zca_whiten(train: np.ndarray, *others: np.ndarray, reg: float = 0.1) -> list[np.ndarray]:
    """ZCA whitening fitted on the training set, with a relative regulariser.

    With the training covariance ``C = U diag(s) U^T`` of the flattened, centred samples, every split
    is mapped to ``(X - mean) U diag(1/sqrt(s + reg * tr(C)/dim)) U^T``; shapes are kept. This is the
    ``zca_reg`` convention of neural-tangents' ``get_preprocess_op`` (paper 3, Myrtle-5 CIFAR-10).

    Parameters
    ----------
    train : ndarray of shape (n, ...)
    *others : ndarray
    reg : float, default=0.1
        Regulariser as a fraction of the mean eigenvalue ``tr(C)/dim``; must be > 0 when the
        covariance is rank-deficient.
    """
    if reg < 0:
        raise ValueError(f"zca reg must be >= 0, got {reg}")
    train = np.asarray(train)
    n, dim = train.shape[0], int(np.prod(train.shape[1:]))
    mean = np.zeros(dim)
    for start in range(0, n, _CHUNK):
        mean += np.asarray(train[start:start + _CHUNK], dtype=np.float64).reshape(-1, dim).sum(axis=0)
    mean /= n
    cov = np.zeros((dim, dim))
    for start in range(0, n, _CHUNK):
        block = np.asarray(train[start:start + _CHUNK], dtype=np.float64).reshape(-1, dim) - mean
        cov += block.T @ block
    cov /= n
    s, U = np.linalg.eigh(cov)
    s = np.clip(s, 0.0, None)
    ridge = reg * np.trace(cov) / dim
    if np.min(s) + ridge <= 0:
        raise ValueError("ZCA: covariance is singular; use reg > 0")
    W = ((U / np.sqrt(s + ridge)) @ U.T).astype(np.float32)
    mean32 = mean.astype(np.float32)
    out = []
    for X in (train, *others):
        X = np.asarray(X)
        Y = np.empty(X.shape, dtype=np.float32)
        for start in range(0, X.shape[0], _CHUNK):
            block = np.asarray(X[start:start + _CHUNK], dtype=np.float32).reshape(-1, dim) - mean32
            Y[start:start + _CHUNK] = (block @ W).reshape((-1, *X.shape[1:]))
        out.append(Y)
    return out


def apply_inputs(transform: str, train: np.ndarray, *others: np.ndarray,
                 zca_reg: float = 0.1) -> list[np.ndarray]:
    """Apply a named input transform (one of :data:`INPUT_TRANSFORMS`), fitted on ``train``.

    ``"channel+zca"`` is per-channel standardisation then ZCA; ``"layer+zca"`` is the paper-3
    pipeline: per-channel standardisation, per-sample centring and unit norm, then ZCA.
    ``None`` entries in ``others`` (an absent validation split) pass through as None.
    """
    if transform not in INPUT_TRANSFORMS:
        raise ValueError(f"unknown input transform {transform!r}; valid: {', '.join(INPUT_TRANSFORMS)}")
    present = [X for X in others if X is not None]
    arrays = [train, *present]
    for step in transform.split("+"):
        if step == "none":
            arrays = [_f32(X) for X in arrays]
        elif step == "standardize":
            arrays = standardize(*arrays)
        elif step == "center":
            arrays = center(*arrays)
        elif step == "unit_norm":
            arrays = unit_norm(*arrays)
        elif step == "channel":
            arrays = channel_normalize(*arrays) if np.ndim(train) == 4 else standardize(*arrays)
        elif step == "layer":
            arrays = channel_normalize(*arrays) if np.ndim(train) == 4 else standardize(*arrays)
            arrays = layer_normalize(*arrays)
        elif step == "zca":
            arrays = zca_whiten(*arrays, reg=zca_reg)
    it = iter(arrays[1:])
    return [arrays[0], *[next(it) if X is not None else None for X in others]]


# ----------------------------------------------------------------------------------------- targets

def _labels(y: np.ndarray, n_classes: int | None) -> tuple[np.ndarray, int]:
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"class labels must be 1-d, got shape {y.shape}")
    if y.size and (np.any(y < 0) or np.any(np.mod(y, 1) != 0)):
        raise ValueError("class labels must be integers 0..c-1")
    labels = y.astype(np.int64)
    c = int(labels.max()) + 1 if n_classes is None else int(n_classes)
    if labels.size and labels.max() >= c:
        raise ValueError(f"label {int(labels.max())} out of range for {c} classes")
    return labels, c


def one_hot(y: np.ndarray, n_classes: int | None = None, *, low: float = 0.0,
            high: float = 1.0) -> np.ndarray:
    """Encode integer labels as (n, c) float32 rows with ``high`` at the label and ``low`` elsewhere."""
    labels, c = _labels(y, n_classes)
    out = np.full((labels.shape[0], c), low, dtype=np.float32)
    out[np.arange(labels.shape[0]), labels] = high
    return out


def plus_minus_one(y: np.ndarray, n_classes: int | None = None) -> np.ndarray:
    """±1 targets: (n,) for two classes (class 1 → +1, class 0 → −1), else (n, c) one-vs-rest ±1."""
    labels, c = _labels(y, n_classes)
    if c == 2:
        return np.where(labels == 1, 1.0, -1.0).astype(np.float32)
    return one_hot(labels, c, low=-1.0, high=1.0)


def shifted_one_hot(y: np.ndarray, n_classes: int | None = None) -> np.ndarray:
    """One-hot minus 0.1 (0.9 at the label, −0.1 elsewhere), as in the papers' CIFAR/MNIST code."""
    return one_hot(y, n_classes, low=-0.1, high=0.9)


def encode_targets(y: np.ndarray, encoding: str, n_classes: int | None = None) -> np.ndarray:
    """Encode class labels by name: ``"labels"`` (unchanged), ``"onehot"``, ``"pm1"``, ``"shifted_onehot"``."""
    if encoding == "labels":
        return np.asarray(y)
    if encoding == "onehot":
        return one_hot(y, n_classes)
    if encoding == "pm1":
        return plus_minus_one(y, n_classes)
    if encoding == "shifted_onehot":
        return shifted_one_hot(y, n_classes)
    raise ValueError(f"unknown target encoding {encoding!r}; valid: {', '.join(TARGET_ENCODINGS)}")


class TargetStandardizer:
    """Standardise regression targets with training statistics and map predictions back.

    Parameters
    ----------
    center_only : bool, default=False
        Subtract the mean but keep the scale (paper 1 does this for CT slices).

    Attributes
    ----------
    mean_, scale_ : ndarray
        Training mean and std (1 where the std is 0 or ``center_only``).
    """

    def __init__(self, *, center_only: bool = False) -> None:
        self.center_only = center_only

    def fit(self, y: np.ndarray) -> "TargetStandardizer":
        y = np.asarray(y, dtype=np.float64)
        self.mean_ = y.mean(axis=0)
        std = y.std(axis=0)
        self.scale_ = np.ones_like(std) if self.center_only else np.where(std > 0, std, 1.0)
        return self

    def transform(self, y: np.ndarray) -> np.ndarray:
        return (np.asarray(y, dtype=np.float64) - self.mean_) / self.scale_

    def inverse_transform(self, y: np.ndarray) -> np.ndarray:
        return np.asarray(y, dtype=np.float64) * self.scale_ + self.mean_
