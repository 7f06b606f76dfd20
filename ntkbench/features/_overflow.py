"""Inputs too large for the working dtype: overflow turned into one clear error instead of inf/NaN.

Every feature map starts from the row norms ‖x‖ (``torch.linalg.vector_norm`` sums the squares in
the input's dtype), so a row whose squared norm exceeds the largest float (‖x‖ > 1.8e19 in float32,
1.3e154 in float64) overflows at once. Deeper layers take norms of their own features, whose squares
grow by about w_std²/2 per layer (plus sampling noise): they can overflow for rows just below that
bound, which only the computed features reveal.
"""

from __future__ import annotations

import math

import numpy as np
import torch


def norm_limit(dtype: np.dtype) -> float:
    """The largest row norm whose square is finite in ``dtype``."""
    return math.sqrt(float(np.finfo(dtype).max))


def check_row_norms(X: np.ndarray) -> None:
    """Raise a ValueError if the squared norm of a row of ``X`` overflows ``X.dtype``."""
    with np.errstate(over="ignore"):
        squares = np.einsum("ij,ij->i", X, X)
    bad = np.flatnonzero(~np.isfinite(squares))
    if bad.size:
        row = int(bad[0])
        raise ValueError(f"X has entries too large for {X.dtype}: row {row} has norm {_norm(X[row]):.4g}, whose "
                         f"square overflows (row norms must stay below {norm_limit(X.dtype):.4g}); "
                         f"rescale the inputs")


def check_features_finite(features: torch.Tensor, X: np.ndarray, first_row: int, gain: float) -> None:
    """Raise a ValueError if the features of rows ``first_row``… (those of ``X``) overflowed."""
    # Fast path: a sum costs ~1/15 of isfinite and is finite only if every feature is; finite features
    # whose sum passes the largest float fall through to the exact check.
    if bool(torch.isfinite(features.sum())):
        return
    finite = torch.isfinite(features).all(dim=1)
    if bool(finite.all()):
        return
    row = int(torch.nonzero(~finite)[0, 0])
    raise ValueError(f"X has entries too large for {X.dtype}: the features of row {first_row + row} (norm "
                     f"{_norm(X[row]):.4g}) overflow in the deeper layers, where squared norms grow by about "
                     f"w_std²/2 = {gain:.4g} per layer; rescale the inputs")


def _norm(row: np.ndarray) -> float:
    """The Euclidean norm of ``row`` without overflow (only for messages)."""
    return math.hypot(*row.astype(np.float64).tolist())
