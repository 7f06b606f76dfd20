"""The fast paths of issue 16 against plain formulas: spectrum gathers, in-place products, padded
FFT lengths, tree splits and even block sizes (their unbiasedness is tested in test_sketches.py)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.fft
import torch

from _stats import assert_unbiased, gram_samples
from ntkbench.features._duals import split_budget
from ntkbench.sketches import PolySketch, TensorSRHT
from ntkbench.sketches.polysketch import _Tree

SEEDS = range(400)


def _naive(f, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One factor's samples and zero frequency from the explicit DFT of length ``f.fft_len``."""
    F = np.exp(-2j * np.pi * np.outer(np.arange(v.shape[1]), f.index.numpy()) / f.fft_len)
    signed = v * f.signs.numpy()
    return signed @ F, signed.sum(axis=1, keepdims=True)


def test_small_inputs_with_many_samples_gather_from_the_spectrum(rng):
    """d = 90 with M = 500 > d samples: the 90 × 92 half-spectrum product, then a gather."""
    T = TensorSRHT(90, 90, 1001, random_state=5)
    f = T._f2
    assert f.spectrum and f._operator.shape == (90, 92)
    y = rng.standard_normal((3, 90))
    z, zero = f(torch.as_tensor(y))
    want_z, want_zero = _naive(f, y)
    np.testing.assert_allclose(z.numpy(), want_z, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(zero.numpy(), want_zero, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("d", [758, 2093])
def test_full_frequencies_pad_to_a_fast_length_and_stay_unbiased(rng, d):
    T = TensorSRHT(d, 20, 41, random_state=0)
    assert T._f1.fft_len == scipy.fft.next_fast_len(d, real=True) > d
    x = rng.standard_normal((2, d))
    z, zero = T._f1(torch.as_tensor(x))
    want_z, want_zero = _naive(T._f1, x)
    scale = np.sqrt(2 / 41)
    np.testing.assert_allclose(z.numpy(), want_z * scale, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(zero.numpy(), want_zero * scale, rtol=1e-9, atol=1e-9)
    y = rng.standard_normal((2, 20))
    samples = gram_samples(lambda s: TensorSRHT(d, 20, 41, random_state=s)(torch.as_tensor(x),
                                                                          torch.as_tensor(y)).numpy(), SEEDS)
    assert_unbiased(samples, (x @ x.T) * (y @ y.T))


@pytest.mark.parametrize("offset, width", [(0, 64), (1, 64), (2, 63), (1, 65)])
def test_products_written_in_place_equal_a_fresh_output(rng, offset, width):
    """Even offsets and strides take the complex view of ``out``, odd ones the copy: same values."""
    T = TensorSRHT(40, 30, 21, random_state=2)
    x, y = torch.as_tensor(rng.standard_normal((5, 40))), torch.as_tensor(rng.standard_normal((5, 30)))
    big = torch.full((5, width), np.nan, dtype=torch.float64)
    T(x, y, out=big[:, offset:offset + 21])
    np.testing.assert_array_equal(big[:, offset:offset + 21].numpy(), T(x, y).numpy())
    assert torch.isnan(big[:, :offset]).all() and torch.isnan(big[:, offset + 21:]).all()


@pytest.mark.parametrize("degree, left, right", [(2, 1, 1), (3, 2, 1), (5, 4, 1), (6, 4, 2), (7, 4, 3), (8, 4, 4)])
def test_trees_split_off_the_largest_power_of_two(degree, left, right):
    tree = _Tree(np.random.RandomState(0), 90, degree, 600, torch.device("cpu"))  # sketches > 256: FFTs
    assert (tree.left.degree, tree.right.degree) == (left, right)
    expected = ("ordered" if left >= 2 else "full", "ordered" if right >= 2 else "full")
    node = tree.node
    if node._rounds:  # both raw: the first factor's whole spectrum, broadcast
        assert expected == ("full", "full")
    else:
        assert (node._f1.frequencies, node._f2.frequencies) == expected


def test_degree_six_sketch_is_unbiased(rng):
    x = rng.standard_normal((4, 12))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    samples = gram_samples(lambda s: PolySketch(12, 6, [0, 0, 0, 0, 0, 64], random_state=s)(torch.as_tensor(x))[5]
                           .numpy(), SEEDS)
    assert_unbiased(samples, (x @ x.T) ** 6)


def test_even_split_keeps_the_proportions_and_the_total():
    c = np.array([0.3, 0.0, 0.0, 0.3, 0.7])
    even = split_budget(c, 4005, even=True)
    assert sum(even) == 4005 and [m % 2 for m in even] == [0, 0, 0, 0, 1]
    assert np.abs(np.array(even) - np.array(split_budget(c, 4005))).max() <= 2
    assert split_budget(np.array([0.3, 0.2]), 3, even=True) == split_budget(np.array([0.3, 0.2]), 3)
