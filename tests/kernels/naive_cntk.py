"""A deliberately naive CNTK: explicit loops over pixel pairs, following Arora et al. (2019) literally.

Independent of ntkbench.kernels: numpy only, its own ReLU/erf duals, its own zero padding.
"""

from __future__ import annotations

import itertools
import math

import numpy as np


def _dual(name: str, qa: float, qb: float, c: float) -> tuple[float, float]:
    if name == "relu":
        rho = min(1.0, max(-1.0, c / math.sqrt(qa * qb))) if qa * qb > 0 else 0.0
        theta = math.acos(rho)
        e = math.sqrt(qa * qb) * (math.sin(theta) + (math.pi - theta) * rho) / (2 * math.pi)
        return e, (math.pi - theta) / (2 * math.pi)
    if name == "erf":
        e = 2 / math.pi * math.asin(2 * c / math.sqrt((1 + 2 * qa) * (1 + 2 * qb)))
        return e, 4 / math.pi / math.sqrt((1 + 2 * qa) * (1 + 2 * qb) - 4 * c * c)
    raise ValueError(name)


def _conv(t: np.ndarray, f: int, padding: str, b2: float) -> np.ndarray:
    """out[i,j,k,l] = Σ_{a,b} t[i+a-lo, j+b-lo, k+a-lo, l+b-lo] (zero outside) + b²."""
    h, w = t.shape[0], t.shape[1]
    lo = (f - 1) // 2 if padding == "same" else 0
    ho, wo = (h, w) if padding == "same" else (h - f + 1, w - f + 1)
    out = np.zeros((ho, wo, ho, wo))
    for i, j, k, l in itertools.product(range(ho), range(wo), range(ho), range(wo)):
        total = 0.0
        for a, b in itertools.product(range(f), range(f)):
            p, q, r, s = i + a - lo, j + b - lo, k + a - lo, l + b - lo
            if 0 <= p < h and 0 <= q < w and 0 <= r < h and 0 <= s < w:
                total += t[p, q, r, s]
        out[i, j, k, l] = total + b2
    return out


def _pool(t: np.ndarray, k: int) -> np.ndarray:
    h, w = t.shape[0] // k, t.shape[1] // k
    out = np.zeros((h, w, h, w))
    for i, j, m, n in itertools.product(range(h), range(w), range(h), range(w)):
        out[i, j, m, n] = np.mean([t[i * k + a, j * k + b, m * k + c, n * k + d]
                                   for a, b, c, d in itertools.product(range(k), repeat=4)])
    return out


def naive_cntk(x: np.ndarray, y: np.ndarray, *, depth: int, f: int, padding: str, pooling: str, fix: bool,
               activation: str = "relu", w_std: float = math.sqrt(2), b_std: float = 0.0,
               pool_after: tuple[int, ...] = ()) -> tuple[float, float]:
    """(NNGP, NTK) of one image pair x, y of shape (C, H, W); ``pool_after`` lists activation
    indices (1-based) followed by 2×2 average pooling."""
    w2, b2 = w_std ** 2, b_std ** 2
    gram = {key: np.einsum("cij,ckl->ijkl", u, v) for key, (u, v) in
            {"xy": (x, y), "xx": (x, x), "yy": (y, y)}.items()}
    sig = {key: _conv(g, f, padding, b2) for key, g in gram.items()}
    theta = np.zeros_like(sig["xy"]) if fix else sig["xy"].copy()
    for h in range(1, depth + 1):
        shape = sig["xy"].shape
        new = {key: np.zeros(shape) for key in sig}
        dot = np.zeros(shape)
        for i, j, k, l in itertools.product(*(range(n) for n in shape)):
            for key, (ka, kb) in {"xy": ("xx", "yy"), "xx": ("xx", "xx"), "yy": ("yy", "yy")}.items():
                e, ed = _dual(activation, sig[ka][i, j, i, j], sig[kb][k, l, k, l], sig[key][i, j, k, l])
                new[key][i, j, k, l] = w2 / f ** 2 * e
                if key == "xy":
                    dot[i, j, k, l] = w2 / f ** 2 * ed
        theta = theta * dot if (h == depth and fix) else theta * dot + new["xy"]
        if h in pool_after:
            new = {key: _pool(v, 2) for key, v in new.items()}
            theta = _pool(theta, 2)
        if h < depth:
            sig = {key: _conv(v, f, padding, b2) for key, v in new.items()}
            theta = _conv(theta, f, padding, b2)
        else:
            sig = new
    ho, wo = theta.shape[0], theta.shape[1]
    if pooling == "gap":
        nngp, ntk = sig["xy"].mean(), theta.mean()
    else:
        nngp = sum(sig["xy"][i, j, i, j] for i in range(ho) for j in range(wo))
        ntk = sum(theta[i, j, i, j] for i in range(ho) for j in range(wo))
    return nngp + b2, ntk + (0.0 if fix else b2)
