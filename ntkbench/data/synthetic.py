"""Seeded synthetic data of any size, generated on the fly (nothing stored).

Rows are drawn in fixed blocks of :data:`BLOCK` rows, block ``b`` from
``numpy.random.default_rng([seed, b])``, so row ``i`` is the same whatever ``n`` is and any
range of rows can be produced without the ones before it.
"""

from __future__ import annotations

import numpy as np

BLOCK = 65536
DISTRIBUTIONS = ("gaussian", "sphere")


def inputs(start: int, stop: int, d: int, *, distribution: str = "gaussian", seed: int = 0) -> np.ndarray:
    """Rows ``start:stop`` of the synthetic input matrix, float32 of shape (stop - start, d).

    Parameters
    ----------
    distribution : {"gaussian", "sphere"}
        ``"gaussian"``: entries i.i.d. N(0, 1/d), so E||x||² = 1 (paper 3's Figure-1 inputs);
        ``"sphere"``: uniform on the unit sphere S^{d-1} (normalised Gaussians).
    seed : int
        Selects the data stream.
    """
    if distribution not in DISTRIBUTIONS:
        raise ValueError(f"unknown distribution {distribution!r}; valid: {', '.join(DISTRIBUTIONS)}")
    if not 0 <= start <= stop:
        raise ValueError(f"need 0 <= start <= stop, got {start}, {stop}")
    if d < 1:
        raise ValueError(f"d must be >= 1, got {d}")
    out = np.empty((stop - start, d), dtype=np.float32)
    first, last = start // BLOCK, (stop - 1) // BLOCK if stop > start else start // BLOCK - 1
    for b in range(first, last + 1):
        block = np.random.default_rng([seed, b]).standard_normal((BLOCK, d), dtype=np.float32)
        lo, hi = max(start, b * BLOCK), min(stop, (b + 1) * BLOCK)
        rows = block[lo - b * BLOCK:hi - b * BLOCK]
        if distribution == "sphere":
            rows = rows / np.linalg.norm(rows, axis=1, keepdims=True)
        else:
            rows = rows / np.float32(np.sqrt(d))
        out[lo - start:hi - start] = rows
    return out


class Teacher:
    """A random one-hidden-layer ReLU network that labels synthetic inputs.

    Parameters
    ----------
    d : int
        Input dimension.
    n_outputs : int
        1 for regression, the number of classes for classification (label = argmax).
    seed : int
    width : int, default=64
    """

    def __init__(self, d: int, n_outputs: int, seed: int, width: int = 64) -> None:
        rng = np.random.default_rng([seed, 2**31 - 1])
        self.W = rng.standard_normal((d, width)) * np.sqrt(2.0)  # He scale for unit-norm inputs
        self.b = rng.standard_normal(width) * 0.1
        self.a = rng.standard_normal((width, n_outputs)) / np.sqrt(width)

    def __call__(self, X: np.ndarray) -> np.ndarray:
        hidden = np.maximum(np.asarray(X, dtype=np.float64) @ self.W + self.b, 0.0)
        return hidden @ self.a


def make(n: int, d: int, *, distribution: str = "gaussian", task: str = "regression", n_classes: int = 2,
         noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (n, d) float32 and targets: teacher output plus Gaussian noise, or argmax class labels."""
    if task not in ("regression", "classification"):
        raise ValueError(f"task must be 'regression' or 'classification', got {task!r}")
    X = inputs(0, n, d, distribution=distribution, seed=seed)
    outputs = 1 if task == "regression" else int(n_classes)
    if task == "classification" and outputs < 2:
        raise ValueError(f"n_classes must be >= 2, got {n_classes}")
    teacher = Teacher(d, outputs, seed)
    f = np.concatenate([teacher(X[i:i + BLOCK]) for i in range(0, n, BLOCK)]) if n else np.zeros((0, outputs))
    if task == "regression":
        eps = np.random.default_rng([seed, 2**31 - 2]).standard_normal(n)
        return X, f[:, 0] + noise * eps
    return X, np.argmax(f, axis=1).astype(np.int64)
