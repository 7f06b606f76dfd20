"""The (a, b)-ReLU fast paths of the exact kernels equal the generic recursions, and blocking,
parallel blocks and symmetry change nothing."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ntkbench.kernels import cntk_kernel, fc_kernel, get_activation
from ntkbench.kernels._conv_relu import Workspace
from ntkbench.kernels.duals import DualActivation


class Delegate(DualActivation):
    """The same dual as ``inner`` under another type, so the kernels take their generic path."""

    def __init__(self, inner: DualActivation) -> None:
        self.inner, self.name = inner, inner.name

    def nngp(self, q1, q2, c):
        return self.inner.nngp(q1, q2, c)

    def dnngp(self, q1, q2, c):
        return self.inner.dnngp(q1, q2, c)

    def both(self, q1, q2, c, scale=1.0):
        return self.inner.both(q1, q2, c, scale)

    def variance(self, q):
        return self.inner.variance(q)


ACTIVATIONS = ["relu", "leaky_relu(slope=0.2)", "abs", "ab_relu(a=0.5,b=-1.5)"]


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("depth", [1, 3])
def test_fc_cosine_recursion_equals_generic_path(rng, activation, depth):
    x = rng.normal(size=(40, 7)) * rng.uniform(0.2, 5.0, size=(40, 1))
    x[5] = 0.0                               # a zero input: kernel 0 with everything
    y = rng.normal(size=(23, 7))
    dual = get_activation(activation)
    for args in ((x,), (x, y)):
        fast = fc_kernel(*args, depth=depth, activation=dual, get=("nngp", "ntk"), block_size=16)
        slow = fc_kernel(*args, depth=depth, activation=Delegate(dual), get=("nngp", "ntk"), block_size=16)
        for f, s in zip(fast, slow):
            np.testing.assert_allclose(f, s, rtol=1e-12, atol=1e-12 * np.abs(s).max())
    assert np.all(fast[1][5] == 0)


def test_fc_symmetric_parallel_and_blocked_equal_the_general_product(rng):
    x = rng.normal(size=(50, 9))
    whole = fc_kernel(x, x.copy(), depth=2, get=("nngp", "ntk"), block_size=64, threads=1)
    for bs, threads in [(7, 1), (7, 2), (16, 3)]:
        sym = fc_kernel(x, depth=2, get=("nngp", "ntk"), block_size=bs, threads=threads)
        for s, w in zip(sym, whole):
            np.testing.assert_allclose(s, w, rtol=1e-13, atol=1e-13)
            np.testing.assert_array_equal(s, s.T)


CONV_CASES = [
    # depth, filter, padding, pooling, fix, b_std
    (3, 2, "valid", "gap", True, 0.0),
    (2, 3, "same", "gap", False, 0.3),
    (2, 2, "valid", "flatten", True, 0.0),
    (3, 2, "same", "flatten", False, 0.2),
    (1, 3, "same", "gap", True, 0.0),
    (1, 2, "valid", "flatten", False, 0.0),
]


@pytest.mark.parametrize("activation", ["relu", "leaky_relu(slope=0.2)"])
@pytest.mark.parametrize("depth, f, padding, pooling, fix, b_std", CONV_CASES)
def test_cntk_in_place_path_equals_generic_path(rng, activation, depth, f, padding, pooling, fix, b_std):
    x, y = rng.normal(size=(3, 2, 6, 5)), rng.normal(size=(2, 2, 6, 5))
    dual = get_activation(activation)
    kw = dict(depth=depth, filter_size=f, padding=padding, pooling=pooling, fix_first_last=fix, b_std=b_std)
    for get in [("nngp", "ntk"), "ntk", "nngp"]:
        for args, bs in [((x,), 2), ((x, y), 1), ((x, y), 2)]:
            fast = cntk_kernel(*args, activation=dual, get=get, block_size=bs, **kw)
            slow = cntk_kernel(*args, activation=Delegate(dual), get=get, block_size=bs, **kw)
            np.testing.assert_allclose(fast, slow, rtol=1e-11, atol=1e-12)


def test_cntk_parallel_blocks_and_symmetry_change_nothing(rng):
    x = rng.normal(size=(5, 3, 7, 7))
    kw = dict(depth=2, filter_size=3, padding="valid", get=("nngp", "ntk"))
    general = cntk_kernel(x, x.copy(), block_size=5, threads=1, **kw)
    for bs, threads in [(1, 1), (1, 2), (2, 2), (3, 3)]:
        sym = cntk_kernel(x, block_size=bs, threads=threads, **kw)
        for s, g in zip(sym, general):
            np.testing.assert_allclose(s, g, rtol=1e-12, atol=1e-12)
            np.testing.assert_array_equal(s, s.T)


def test_cntk_float32_close_to_float64(rng):
    x = rng.normal(size=(3, 3, 10, 10))
    kw = dict(depth=3, filter_size=4, padding="valid", fix_first_last=True)
    k32 = cntk_kernel(x, dtype=torch.float32, **kw)
    k64 = cntk_kernel(x, dtype=torch.float64, **kw)
    assert k32.dtype == np.float32
    np.testing.assert_allclose(k32, k64, rtol=2e-5)


def test_workspace_reuses_buffers_and_refuses_oversized_requests():
    ws = Workspace(24, torch.float64, torch.device("cpu"))
    a = ws.take((2, 3, 4))
    ws.give(a)
    b = ws.take((4, 5))
    assert b.data_ptr() == a.data_ptr()                 # the same buffer, another shape
    c = ws.take((3,))
    assert c.data_ptr() != b.data_ptr()
    ws.give(torch.empty(3))                             # not ours: ignored
    ws.reset()
    assert {ws.take((1,)).data_ptr(), ws.take((1,)).data_ptr()} == {b.data_ptr(), c.data_ptr()}
    assert torch.equal(ws.ones((2, 2)), torch.ones(2, 2))
    with pytest.raises(ValueError, match="hold 24 entries"):
        ws.take((5, 5))
