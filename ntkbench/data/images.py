"""Shared handling of image datasets: uint8 (n, C, H, W) in, preprocessed float32 Split out."""

from __future__ import annotations

from typing import Any

import numpy as np

from ntkbench.data.adapter import check_choice
from ntkbench.data.preprocess import INPUT_TRANSFORMS, apply_inputs
from ntkbench.contracts import Split

#: Parameters every image adapter accepts (first value = default).
IMAGE_PARAMS: dict[str, list] = {"transform": ["channel"], "zca_reg": [0.1], "flatten": [False]}


def to_unit_float(images: np.ndarray, chunk: int = 8192) -> np.ndarray:
    """uint8 pixels -> float32 in [0, 1], chunk by chunk (works on memory maps)."""
    out = np.empty(images.shape, dtype=np.float32)
    for start in range(0, images.shape[0], chunk):
        out[start:start + chunk] = np.asarray(images[start:start + chunk], dtype=np.float32) / 255.0
    return out


def channel_lookup(X_train: np.ndarray, chunk: int = 8192) -> np.ndarray:
    """Per-channel lookup tables (C, 256) mapping uint8 pixels to standardised float32 values.

    Mean and std of each channel of ``X_train / 255`` are computed exactly from 256-bin histograms,
    so no float copy of the training set is needed.
    """
    C = X_train.shape[1]
    counts = np.zeros((C, 256), dtype=np.int64)
    for start in range(0, X_train.shape[0], chunk):
        block = np.asarray(X_train[start:start + chunk])
        for c in range(C):
            counts[c] += np.bincount(block[:, c].ravel(), minlength=256)
    values = np.arange(256, dtype=np.float64) / 255.0
    total = counts.sum(axis=1, keepdims=True)
    mean = (counts * values).sum(axis=1, keepdims=True) / total
    var = (counts * (values - mean) ** 2).sum(axis=1, keepdims=True) / total
    std = np.sqrt(var)
    return ((values - mean) / np.where(std > 0, std, 1.0)).astype(np.float32)


def _lookup_transform(transform: str, X_train: np.ndarray, X_test: np.ndarray,
                      chunk: int = 8192) -> list[np.ndarray]:
    """Fast exact path for ``"none"`` (pixels / 255) and ``"channel"`` via per-channel lookup tables."""
    C = X_train.shape[1]
    if transform == "channel":
        lut = channel_lookup(X_train, chunk)
    else:
        lut = np.tile((np.arange(256, dtype=np.float64) / 255.0).astype(np.float32), (C, 1))
    out = []
    for X in (X_train, X_test):
        Y = np.empty(X.shape, dtype=np.float32)
        for start in range(0, X.shape[0], chunk):
            block = np.asarray(X[start:start + chunk])
            for c in range(C):
                Y[start:start + chunk, c] = lut[c][block[:, c]]
        out.append(Y)
    return out


def image_split(X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray, y_test: np.ndarray, *,
                transform: str, zca_reg: float, flatten: bool, metadata: dict[str, Any]) -> Split:
    """Scale pixels to [0, 1], apply ``transform`` fitted on the training images, optionally flatten.

    Parameters
    ----------
    X_train, X_test : ndarray of uint8, shape (n, C, H, W)
    y_train, y_test : ndarray of int
    transform : str
        One of :data:`ntkbench.data.preprocess.INPUT_TRANSFORMS`; ``"channel"`` standardises each
        colour channel with training mean and std, ``"none"`` keeps pixels in [0, 1].
    zca_reg : float
        Regulariser of the ZCA transforms (fraction of the mean eigenvalue).
    flatten : bool
        Return (n, C*H*W) rows instead of (n, C, H, W); ``metadata["image_shape"]`` keeps (C, H, W).
    """
    check_choice("transform", transform, INPUT_TRANSFORMS)
    if transform in ("none", "channel") and X_train.dtype == np.uint8:
        tr, te = _lookup_transform(transform, X_train, X_test)
    else:
        tr, te = apply_inputs(transform, to_unit_float(X_train), to_unit_float(X_test), zca_reg=zca_reg)
    shape = tuple(int(s) for s in X_train.shape[1:])
    meta = {**metadata, "image_shape": shape, "n": int(X_train.shape[0] + X_test.shape[0]),
            "d": int(np.prod(shape)), "transform": transform, "n_classes": 10}
    if flatten:
        tr, te = tr.reshape(tr.shape[0], -1), te.reshape(te.shape[0], -1)
    return Split(X_train=tr, y_train=np.asarray(y_train, dtype=np.int64), X_test=te,
                 y_test=np.asarray(y_test, dtype=np.int64), task="classification", metadata=meta)
