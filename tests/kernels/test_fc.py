"""Fully-connected NNGP/NTK: reference table, independent implementations, finite-width limits."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from ntkbench.kernels import fc_kernel
from benchmarks.references import fc_kernel_numpy
from ntkbench.kernels.registry import get_activation
from tests.kernels.networks import empirical_fc

# ../shared/spec/algorithms.md §1.2: (L, t) -> (NNGP, NTK) for unit vectors at cosine t.
TABLE = {
    1: [(0, 0), (0.1089977810, -0.0576688856), (0.3183098862, 0.3183098862), (0.6089977810, 0.9423311144),
        (0.9095383988, 1.6803287350), (1, 2)],
    2: [(0.3183098862, 0.3183098862), (0.3747014983, 0.3438622463), (0.4937310902, 0.6857086363),
        (0.6839056509, 1.3514795611), (0.9177411442, 2.3688136627), (1, 3)],
    3: [(0.4937310902, 0.6857086363), (0.5282793877, 0.7422493226), (0.6048257201, 1.0603881068),
        (0.7381281923, 1.7378446792), (0.9248508954, 2.9856931874), (1, 4)],
    4: [(0.6048257201, 1.0603881068), (0.6279986269, 1.1306221309), (0.6809535334, 1.4303904972),
        (0.7788951374, 2.1071125384), (0.9310568465, 3.5459581576), (1, 5)],
}
COSINES = [-1.0, -0.5, 0.0, 0.5, 0.9, 1.0]


def _pair_at_cosine(t: float, r1: float, r2: float, rng) -> tuple[np.ndarray, np.ndarray]:
    """Two vectors in R^5 with norms r1, r2 and cosine exactly representable as t."""
    q, _ = np.linalg.qr(rng.normal(size=(5, 2)))
    e1, e2 = q[:, 0], q[:, 1]
    return r1 * e1, r2 * (t * e1 + math.sqrt(max(0.0, 1 - t * t)) * e2)


@pytest.mark.parametrize("depth", [1, 2, 3, 4])
def test_reference_table_on_the_sphere(depth):
    x1 = np.array([[1.0, 0.0]] * len(COSINES))
    x2 = np.array([[t, math.sqrt(1 - t * t)] for t in COSINES])
    nngp, ntk = fc_kernel(x1, x2, depth=depth, get=("nngp", "ntk"))
    want = np.array(TABLE[depth])
    np.testing.assert_allclose(np.diag(nngp), want[:, 0], atol=1e-9, rtol=0)
    np.testing.assert_allclose(np.diag(ntk), want[:, 1], atol=1e-9, rtol=0)


@pytest.mark.parametrize("depth", [1, 3])
def test_reference_table_off_the_sphere_scales_by_norms(depth, rng):
    for (nngp_ref, ntk_ref), t in zip(TABLE[depth], COSINES):
        x, y = _pair_at_cosine(t, 2.5, 0.3, rng)
        nngp, ntk = fc_kernel(x[None], y[None], depth=depth, get=["nngp", "ntk"])
        assert nngp[0, 0] == pytest.approx(0.75 * nngp_ref, abs=1e-8)
        assert ntk[0, 0] == pytest.approx(0.75 * ntk_ref, abs=1e-8)


def test_diagonal_is_depth_plus_one_times_squared_norm(rng):
    x = rng.normal(size=(7, 4)) * rng.uniform(0.1, 10, size=(7, 1))
    for depth in (1, 5):
        np.testing.assert_allclose(np.diag(fc_kernel(x, depth=depth)), (depth + 1) * (x * x).sum(1), rtol=1e-12)
        np.testing.assert_allclose(np.diag(fc_kernel(x, depth=depth, get="nngp")), (x * x).sum(1), rtol=1e-12)


def test_matches_independent_numpy_recursion(rng):
    x, y = rng.normal(size=(40, 6)), rng.normal(size=(25, 6))
    nngp, ntk = fc_kernel(x, y, depth=3, get=("nngp", "ntk"))
    ref_nngp, ref_ntk = fc_kernel_numpy(x, y, depth=3)
    np.testing.assert_allclose(nngp, ref_nngp, rtol=1e-11, atol=1e-11)
    np.testing.assert_allclose(ntk, ref_ntk, rtol=1e-11, atol=1e-11)


def test_bias_depth_one_by_hand():
    """Σ¹ = w²E[σ(u)σ(v)] + b², Θ¹ = (⟨x,y⟩ + b²)·w²E[σ′σ′] + Σ¹ with erf's closed form."""
    x, y = np.array([[0.3, -0.2]]), np.array([[0.5, 0.4]])
    w, b = 1.3, 0.7
    q1, q2, c = 0.13 + b * b, 0.41 + b * b, 0.07 + b * b
    e = 2 / np.pi * np.arcsin(2 * c / np.sqrt((1 + 2 * q1) * (1 + 2 * q2)))
    ed = 4 / np.pi / np.sqrt((1 + 2 * q1) * (1 + 2 * q2) - 4 * c * c)
    nngp, ntk = fc_kernel(x, y, depth=1, activation="erf", w_std=w, b_std=b, get=("nngp", "ntk"))
    assert nngp[0, 0] == pytest.approx(w * w * e + b * b, rel=1e-13)
    assert ntk[0, 0] == pytest.approx(c * w * w * ed + w * w * e + b * b, rel=1e-13)


@pytest.mark.parametrize("activation", ["relu", "erf", "gelu", "sin", "leaky_relu(slope=0.1)", "tanh"])
def test_symmetric_psd_and_blocking(activation, rng):
    x = rng.normal(size=(37 if activation != "tanh" else 12, 5)) / math.sqrt(5)   # quadrature is slow
    full = fc_kernel(x, depth=2, activation=activation, b_std=0.3, get=("nngp", "ntk"))
    blocked = fc_kernel(x, depth=2, activation=activation, b_std=0.3, get=("nngp", "ntk"), block_size=8)
    rect = fc_kernel(x, x.copy(), depth=2, activation=activation, b_std=0.3, get=("nngp", "ntk"), block_size=5)
    tol = 1e-5 if activation == "tanh" else 1e-12   # quadrature treats u and v differently
    for k, kb, kr in zip(full, blocked, rect):
        np.testing.assert_allclose(k, k.T, rtol=0, atol=0)
        np.testing.assert_allclose(kb, k, rtol=tol, atol=tol)
        np.testing.assert_allclose(kr, k, rtol=tol, atol=tol)
        assert np.linalg.eigvalsh(k).min() > -1e-10 * np.abs(k).max()
    one_by_one = np.array([[fc_kernel(x[i:i + 1], x[j:j + 1], depth=2, activation=activation, b_std=0.3)[0, 0]
                            for j in range(5)] for i in range(5)])
    np.testing.assert_allclose(one_by_one, full[1][:5, :5], rtol=tol, atol=tol)


def test_float32_close_to_float64_and_torch_in_torch_out(rng):
    x = rng.normal(size=(30, 8))
    k64 = fc_kernel(x, depth=3, activation="gelu")
    k32 = fc_kernel(torch.from_numpy(x), depth=3, activation="gelu", dtype=torch.float32)
    assert isinstance(k32, torch.Tensor) and k32.dtype == torch.float32
    assert isinstance(k64, np.ndarray) and k64.dtype == np.float64
    np.testing.assert_allclose(k32.numpy(), k64, rtol=1e-4, atol=1e-4 * np.abs(k64).max())


def test_get_as_string_or_sequence(rng):
    x = rng.normal(size=(4, 3))
    single = fc_kernel(x, depth=2, get="nngp")
    pair = fc_kernel(x, depth=2, get=["ntk", "nngp"])
    assert isinstance(single, np.ndarray) and isinstance(pair, tuple) and len(pair) == 2
    np.testing.assert_allclose(pair[1], single, rtol=1e-13, atol=1e-13)


def test_zero_input_is_handled(rng):
    x = np.vstack([np.zeros(3), rng.normal(size=(2, 3))])
    k = fc_kernel(x, depth=2, activation="erf", b_std=0.5)
    assert np.all(np.isfinite(k))
    k0 = fc_kernel(x, depth=2)
    assert np.all(np.isfinite(k0)) and np.all(k0[0] == 0)


@pytest.mark.parametrize("kwargs, match", [
    ({"depth": 0}, "depth"),
    ({"depth": 1.5}, "depth"),
    ({"depth": 2, "w_std": 0.0}, "w_std"),
    ({"depth": 2, "b_std": -1.0}, "b_std"),
    ({"depth": 2, "get": "cntk"}, "get"),
    ({"depth": 2, "activation": "nope"}, "unknown activation"),
    ({"depth": 2, "dtype": "int32"}, "dtype"),
])
def test_bad_arguments_raise(kwargs, match, rng):
    with pytest.raises(ValueError, match=match):
        fc_kernel(rng.normal(size=(3, 2)), **kwargs)


def test_bad_inputs_raise(rng):
    with pytest.raises(ValueError, match="2 dimensions"):
        fc_kernel(rng.normal(size=3), depth=1)
    with pytest.raises(ValueError, match="features"):
        fc_kernel(rng.normal(size=(3, 2)), rng.normal(size=(3, 4)), depth=1)
    with pytest.raises(ValueError, match="NaN"):
        fc_kernel(np.array([[np.nan, 1.0]]), depth=1)
    with pytest.raises(ValueError, match="empty"):
        fc_kernel(np.zeros((0, 2)), depth=1)


def _relative_error(a: torch.Tensor, b: np.ndarray) -> float:
    return float(np.linalg.norm(a.numpy() - b) / np.linalg.norm(b))


@pytest.mark.parametrize("activation, b_std", [("relu", 0.0), ("erf", 0.4), ("gelu", 0.2)])
def test_finite_width_networks_converge_to_the_kernels(activation, b_std, rng):
    """Empirical NTK (torch autograd) and NNGP of random MLPs approach the limits as width grows."""
    x = rng.normal(size=(5, 3)) / math.sqrt(3) * 1.5
    act = get_activation(activation).fn
    w = 1.4
    nngp, ntk = fc_kernel(x, depth=2, activation=activation, w_std=w, b_std=b_std, get=("nngp", "ntk"))
    errors = {}
    for width in (32, 2048):
        runs = [empirical_fc(torch.from_numpy(x), depth=2, act=act, w_std=w, b_std=b_std, width=width, seed=s)
                for s in range(3)]
        errors[width] = (np.mean([_relative_error(r[0], nngp) for r in runs]),
                         np.mean([_relative_error(r[1], ntk) for r in runs]))
    for idx in (0, 1):
        assert errors[2048][idx] < 0.4 * errors[32][idx]
        assert errors[2048][idx] < 0.08


@pytest.mark.slow
def test_empirical_ntk_wide_relu_network_is_close():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(6, 4)) / 2
    ntk = fc_kernel(x, depth=3)
    emp = np.mean([empirical_fc(torch.from_numpy(x), depth=3, act=torch.relu, w_std=math.sqrt(2), b_std=0.0,
                                width=4096, seed=s)[1].numpy() for s in range(2)], axis=0)
    assert np.linalg.norm(emp - ntk) / np.linalg.norm(ntk) < 0.06     # fluctuations grow with depth
