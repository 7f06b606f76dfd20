"""Convolutional NTK / NNGP: naive-loop reference, FC equivalence, Myrtle, structure and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from ntkbench.kernels import fc_kernel
from ntkbench.kernels.conv import cntk_kernel, myrtle_kernel, myrtle_plan
from tests.kernels.naive_cntk import naive_cntk

CASES = [
    # depth, filter, padding, pooling, fix, activation, b_std
    (2, 3, "same", "gap", False, "relu", 0.0),
    (2, 3, "same", "gap", True, "relu", 0.0),
    (3, 2, "valid", "gap", True, "relu", 0.0),
    (2, 2, "valid", "flatten", False, "erf", 0.5),
    (3, 2, "same", "gap", True, "erf", 0.3),
    (1, 4, "same", "flatten", False, "relu", 0.2),
    (2, 3, "valid", "flatten", True, "relu", 0.0),
]


@pytest.fixture
def images(rng):
    return rng.normal(size=(3, 2, 5, 6))       # non-square, two channels


@pytest.mark.parametrize("depth, f, padding, pooling, fix, activation, b_std", CASES)
def test_matches_naive_loop_implementation(images, depth, f, padding, pooling, fix, activation, b_std):
    nngp, ntk = cntk_kernel(images, depth=depth, filter_size=f, padding=padding, pooling=pooling,
                            fix_first_last=fix, activation=activation, b_std=b_std, get=("nngp", "ntk"),
                            block_size=2)
    for i, j in [(0, 1), (2, 2), (1, 2)]:
        ref_nngp, ref_ntk = naive_cntk(images[i], images[j], depth=depth, f=f, padding=padding, pooling=pooling,
                                       fix=fix, activation=activation, b_std=b_std)
        assert nngp[i, j] == pytest.approx(ref_nngp, rel=1e-12, abs=1e-12)
        assert ntk[i, j] == pytest.approx(ref_ntk, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("activation, b_std", [("relu", 0.0), ("gelu", 0.4), ("sin", 0.1)])
def test_one_by_one_images_reduce_to_the_fc_kernel(activation, b_std, rng):
    x = rng.normal(size=(6, 4))
    for depth in (1, 3):
        conv = cntk_kernel(x[:, :, None, None], depth=depth, filter_size=1, activation=activation,
                           b_std=b_std, get=("nngp", "ntk"))
        fc = fc_kernel(x, depth=depth, activation=activation, b_std=b_std, get=("nngp", "ntk"))
        for a, b in zip(conv, fc):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_symmetric_psd_and_blocking(rng):
    x = rng.normal(size=(7, 3, 6, 6))
    kw = dict(depth=2, filter_size=3, padding="valid", fix_first_last=True, get=("nngp", "ntk"))
    full = cntk_kernel(x, **kw)
    for k in full:
        np.testing.assert_array_equal(k, k.T)
        assert np.linalg.eigvalsh(k).min() > -1e-10 * np.abs(k).max()
    for other in (cntk_kernel(x, block_size=1, **kw), cntk_kernel(x, block_size=3, **kw),
                  cntk_kernel(x[:4], x, block_size=2, **kw)):
        for k, ref in zip(other, full):
            np.testing.assert_allclose(k, ref[:k.shape[0]], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("depth, fix, pooling", [(1, True, "gap"), (3, True, "gap"), (2, True, "flatten"),
                                                 (2, False, "gap")])
def test_ntk_only_path_equals_joint_path(depth, fix, pooling, rng):
    x = rng.normal(size=(3, 1, 6, 5))
    kw = dict(depth=depth, filter_size=2, padding="valid", fix_first_last=fix, pooling=pooling)
    both = cntk_kernel(x, get=("ntk", "nngp"), **kw)
    np.testing.assert_allclose(cntk_kernel(x, get="ntk", **kw), both[0], rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(cntk_kernel(x, get="nngp", **kw), both[1], rtol=1e-13, atol=1e-13)
    if depth == 1 and fix:
        assert np.all(both[0] == 0)        # nothing is trained


def test_float32_close_to_float64_and_torch_in_torch_out(rng):
    x = rng.normal(size=(3, 3, 8, 8))
    k64 = cntk_kernel(x, depth=2, filter_size=3)
    k32 = cntk_kernel(torch.from_numpy(x), depth=2, filter_size=3, dtype=torch.float32)
    assert isinstance(k32, torch.Tensor) and k32.dtype == torch.float32
    np.testing.assert_allclose(k32.numpy(), k64, rtol=1e-4, atol=1e-5 * np.abs(k64).max())


def test_relu_kernel_is_positively_homogeneous(rng):
    x, y = rng.normal(size=(2, 2, 6, 6)), rng.normal(size=(3, 2, 6, 6))
    k = cntk_kernel(x, y, depth=2, filter_size=3)
    np.testing.assert_allclose(cntk_kernel(2.5 * x, 0.4 * y, depth=2, filter_size=3), k, rtol=1e-12)


def test_gap_is_invariant_to_shifts_away_from_the_border(rng):
    """With SAME padding, an image and its shift by zero-padded pixels give equal self-kernels only
    when the content stays away from the border: a sanity property of GAP."""
    base = np.zeros((1, 1, 9, 9))
    base[0, 0, 3:5, 3:5] = rng.normal(size=(2, 2))
    shifted = np.roll(base, 1, axis=3)
    k = cntk_kernel(np.concatenate([base, shifted]), depth=1, filter_size=3, padding="same")
    assert k[0, 0] == pytest.approx(k[1, 1], rel=1e-12)


def test_myrtle_plan_layers():
    for depth, convs in [(5, 4), (7, 6), (10, 9)]:
        plan = myrtle_plan(depth)
        assert sum(layer.kind == "conv" for layer in plan) == convs
        assert sum(layer.kind == "pool" for layer in plan) == 2
    with pytest.raises(ValueError, match="Myrtle depth"):
        myrtle_plan(6)


def test_myrtle_matches_naive_with_pooling(rng):
    """Myrtle-5 = conv-act ×2, pool, conv-act, pool, conv-act, global average: the naive loop with
    2×2 pools after activations 2 and 3 (GAP readout) is the same network."""
    x = rng.normal(size=(2, 1, 4, 4))
    nngp, ntk = myrtle_kernel(x, depth=5, b_std=0.2, get=("nngp", "ntk"))
    ref = naive_cntk(x[0], x[1], depth=4, f=3, padding="same", pooling="gap", fix=False, b_std=0.2,
                     pool_after=(2, 3))
    assert nngp[0, 1] == pytest.approx(ref[0], rel=1e-12)
    assert ntk[0, 1] == pytest.approx(ref[1], rel=1e-12)
    assert np.linalg.eigvalsh(ntk).min() > 0


@pytest.mark.parametrize("kwargs, match", [
    ({"depth": 0}, "depth"),
    ({"depth": 2, "padding": "full"}, "padding"),
    ({"depth": 2, "pooling": "max"}, "pooling"),
    ({"depth": 2, "filter_size": 0}, "filter_size"),
    ({"depth": 3, "filter_size": 3, "padding": "valid"}, "too small"),
    ({"depth": 2, "activation": "nope"}, "unknown activation"),
])
def test_bad_arguments_raise(kwargs, match, rng):
    with pytest.raises(ValueError, match=match):
        cntk_kernel(rng.normal(size=(2, 1, 5, 5)), **kwargs)


def test_bad_inputs_raise(rng):
    with pytest.raises(ValueError, match="4 dimensions"):
        cntk_kernel(rng.normal(size=(2, 25)), depth=1)
    with pytest.raises(ValueError, match="image shape"):
        cntk_kernel(rng.normal(size=(2, 1, 5, 5)), rng.normal(size=(2, 1, 6, 6)), depth=1)


def test_cheap_pixel_variances_equal_the_self_pair_diagonal(rng):
    """The O(pixels) variance recursion equals the diagonal of the full self-pair dynamic program."""
    from ntkbench.kernels.conv import _run_plan, cntk_plan, pixel_variances
    from ntkbench.kernels.registry import get_activation

    x = torch.from_numpy(rng.normal(size=(3, 2, 7, 6)))
    for f, padding in [(3, "same"), (2, "valid"), (4, "same")]:
        plan = cntk_plan(3, f, padding)
        dual = get_activation("gelu")
        fast = pixel_variances(x, plan, dual, 1.7, 0.2)
        _, _, full = _run_plan(x, x, plan, dual, w2=1.7, b2=0.2, readout="gap", fix=False, want_ntk=False,
                               self_pairs=True, variances=None)
        for a, b in zip(fast, full):
            torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("fix, padding", [pytest.param(False, "same", marks=pytest.mark.slow), (True, "valid")])
def test_finite_width_cnns_converge_to_the_cntk(fix, padding, rng):
    """Empirical NTK (torch autograd) and NNGP of random CNNs approach cntk_kernel as width grows."""
    from tests.kernels.networks import empirical_cnn

    x = rng.normal(size=(3, 2, 5, 5))
    nngp, ntk = cntk_kernel(x, depth=2, filter_size=3, padding=padding, fix_first_last=fix, get=("nngp", "ntk"))
    errors = {}
    for width in (8, 1024):
        runs = [empirical_cnn(torch.from_numpy(x), depth=2, act=torch.relu, f=3, padding=padding, fix=fix,
                              width=width, seed=s) for s in range(3)]
        errors[width] = [np.mean([np.linalg.norm(r[i].numpy() - ref) / np.linalg.norm(ref) for r in runs])
                         for i, ref in enumerate((nngp, ntk))]
    for idx in (0, 1):
        assert errors[1024][idx] < 0.3 * errors[8][idx]
        assert errors[1024][idx] < 0.1
