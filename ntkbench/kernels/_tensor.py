"""Conversions between user inputs (numpy arrays or torch tensors) and float torch tensors."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import torch

GETS = ("nngp", "ntk")


def resolve_dtype(dtype: Any) -> torch.dtype:
    """Map ``dtype`` (torch dtype, numpy dtype or string) to torch.float32 or torch.float64."""
    if dtype is None:
        return torch.float64
    if isinstance(dtype, torch.dtype):
        out = dtype
    else:
        out = {"float32": torch.float32, "float64": torch.float64}.get(np.dtype(dtype).name)
    if out not in (torch.float32, torch.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dtype!r}")
    return out


def to_tensor(x: Any, name: str, *, ndim: int, dtype: torch.dtype,
              device: str | torch.device | None) -> torch.Tensor:
    """Return ``x`` as a finite floating tensor with ``ndim`` dimensions on ``device``.

    Raises
    ------
    ValueError
        If ``x`` is not numeric, has the wrong number of dimensions, is empty or not finite.
    """
    if isinstance(x, torch.Tensor):
        t = x.detach()
    else:
        arr = np.asarray(x)
        if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
            raise ValueError(f"{name} must be a numeric array, got dtype {arr.dtype}")
        t = torch.from_numpy(np.ascontiguousarray(arr))
    if t.is_complex():
        raise ValueError(f"{name} must be real, got dtype {t.dtype}")
    if t.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {tuple(t.shape)}")
    if t.numel() == 0:
        raise ValueError(f"{name} is empty (shape {tuple(t.shape)})")
    t = t.to(device=device if device is not None else t.device, dtype=dtype)
    if not bool(torch.isfinite(t).all()):
        raise ValueError(f"{name} contains NaN or infinite values")
    return t


def parse_get(get: str | Sequence[str]) -> tuple[str, ...]:
    """Validate ``get`` and return it as a tuple of names from ("nngp", "ntk")."""
    names = (get,) if isinstance(get, str) else tuple(get)
    if not names:
        raise ValueError("get must name at least one of 'nngp', 'ntk'")
    for name in names:
        if name not in GETS:
            raise ValueError(f"get must name 'ntk' or 'nngp', got {name!r}")
    return names


def check_depth(depth: Any) -> int:
    """Return ``depth`` if it is an integer >= 1, else raise ValueError."""
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or depth < 1:
        raise ValueError(f"depth must be an integer >= 1, got {depth!r}")
    return int(depth)


def check_stds(w_std: float, b_std: float) -> tuple[float, float]:
    """Validate weight (> 0) and bias (>= 0) standard deviations."""
    w, b = float(w_std), float(b_std)
    if not (np.isfinite(w) and w > 0):
        raise ValueError(f"w_std must be a finite positive number, got {w_std!r}")
    if not (np.isfinite(b) and b >= 0):
        raise ValueError(f"b_std must be finite and >= 0, got {b_std!r}")
    return w, b


def package(results: dict[str, torch.Tensor], get: str | Sequence[str], as_numpy: bool):
    """Return the requested kernels in the order of ``get``: one array for a str, else a tuple."""
    names = parse_get(get)
    out = tuple(results[n].cpu().numpy() if as_numpy else results[n] for n in names)
    return out[0] if isinstance(get, str) else out
