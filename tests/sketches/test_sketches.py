"""Properties of the sketch primitives: unbiased inner products, variance ∝ 1/m, sizes, seeding."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from _stats import assert_unbiased, gram_samples
from ntkbench.sketches import SRHT, CountSketch, PolySketch, TensorSketch, TensorSRHT, check_device

SEEDS = range(400)
# TensorSRHT factors on the FFT path (d > 256): output size, inputs_are_sketches, frequencies used
FFT_CASES = [(9, False, "full"), (601, False, "full"), (601, True, "ordered"), (9, True, "full")]


@pytest.fixture
def points(rng):
    x = rng.standard_normal((4, 12))
    y = rng.standard_normal((4, 7))
    return x, y


def _t(a):
    return torch.as_tensor(a)


@pytest.mark.parametrize("d, m", [(12, 10), (12, 7), (300, 9)])  # dense path, odd size, FFT path
def test_srht_is_unbiased(rng, d, m):
    x = rng.standard_normal((4, d))
    samples = gram_samples(lambda s: SRHT(d, m, random_state=s)(_t(x)).numpy(), SEEDS)
    assert_unbiased(samples, x @ x.T)


def test_countsketch_is_unbiased(points):
    x, _ = points
    samples = gram_samples(lambda s: CountSketch(12, 5, random_state=s)(_t(x)).numpy(), SEEDS)
    assert_unbiased(samples, x @ x.T)


@pytest.mark.parametrize("m", [8, 9])
def test_tensor_srht_is_unbiased_for_the_tensor_product(points, m):
    x, y = points

    def feats(s):
        return TensorSRHT(12, 7, m, random_state=s)(_t(x), _t(y)).numpy()

    assert_unbiased(gram_samples(feats, SEEDS), (x @ x.T) * (y @ y.T))


@pytest.mark.parametrize("m", [33, 34])  # M ≥ d₁: the spectrum of x broadcast into rounds of samples
def test_tensor_srht_with_more_samples_than_frequencies_is_unbiased(points, m):
    x, y = points
    assert TensorSRHT(12, 7, m, random_state=0)._rounds == 1

    def feats(s):
        return TensorSRHT(12, 7, m, random_state=s)(_t(x), _t(y)).numpy()

    assert_unbiased(gram_samples(feats, SEEDS), (x @ x.T) * (y @ y.T))


def _tensor_srht_output(parts, m):
    """TensorSRHT's documented output from each factor's (samples, zero frequency): interleaved
    (Re, Im) pairs of the products, scaled by √(2/m), then the zero-frequency product / √m."""
    (z1, zero1), (z2, zero2) = parts
    z = z1 * z2 * np.sqrt(2 / m)
    pairs = np.stack([z.real, z.imag], axis=2).reshape(len(z), -1)
    return np.concatenate([pairs, zero1 * zero2 / np.sqrt(m)], 1)


def test_tensor_srht_broadcast_path_matches_naive_dft(rng):
    d1, d2, m = 5, 7, 27  # M = 13: two full rounds of the 5 frequencies of x, then 3 more
    T = TensorSRHT(d1, d2, m, random_state=4)
    x, y = rng.standard_normal((3, d1)), rng.standard_normal((3, d2))
    freq1 = np.concatenate([np.arange(d1), np.arange(d1), T._rest.numpy()])
    parts = []
    for signs, v, d, freq in ((T._f1.signs, x, d1, freq1), (T._f2.signs, y, d2, T._f2.index.numpy())):
        F = np.exp(-2j * np.pi * np.outer(np.arange(d), freq) / d)
        parts.append(((v * signs.numpy()) @ F, (v * signs.numpy()).sum(axis=1, keepdims=True)))
    np.testing.assert_allclose(T(_t(x), _t(y)).numpy(), _tensor_srht_output(parts, m), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("m, sketched, frequencies", FFT_CASES[:3])
def test_tensor_srht_fft_paths_are_unbiased(rng, m, sketched, frequencies):
    x, y = rng.standard_normal((4, 300)), rng.standard_normal((4, 280))
    x[:, :10] += 3.0  # heavy neighbouring coordinates, as in layer-wise feature vectors

    def feats(s):
        return TensorSRHT(300, 280, m, inputs_are_sketches=sketched, random_state=s)(_t(x), _t(y)).numpy()

    assert_unbiased(gram_samples(feats, SEEDS), (x @ x.T) * (y @ y.T))


def test_tensor_sketch_is_unbiased_for_mixed_factors(points):
    x, y = points

    def feats(s):
        return TensorSketch([12, 7], 16, random_state=s)(_t(x), _t(y)).numpy()

    assert_unbiased(gram_samples(feats, SEEDS), (x @ x.T) * (y @ y.T))


@pytest.mark.parametrize("q", [3, 5])  # not powers of two
def test_polysketch_is_unbiased_for_every_power(rng, q):
    x = rng.standard_normal((4, 6))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    G = x @ x.T
    per_degree = {k: [] for k in range(1, q + 1)}
    for s in SEEDS:
        for k, S in enumerate(PolySketch(6, q, 16, random_state=s)(_t(x)), start=1):
            per_degree[k].append(S.numpy() @ S.numpy().T)
    for k, samples in per_degree.items():
        assert_unbiased(np.stack(samples), G ** k)


def test_tensor_sketch_power_is_unbiased(rng):
    x = rng.standard_normal((3, 6))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    samples = gram_samples(lambda s: TensorSketch(6, 32, degree=3, random_state=s).power(_t(x)).numpy(), SEEDS)
    assert_unbiased(samples, (x @ x.T) ** 3)


def _variance(make, x, seeds=range(150)):
    """Mean over off-diagonal pairs of the Monte-Carlo variance of the estimated inner products."""
    samples = gram_samples(lambda s: make(s)(_t(x)).numpy(), seeds)
    var = samples.var(axis=0, ddof=1)
    return var[~np.eye(len(x), dtype=bool)].mean()


@pytest.mark.parametrize("factory", [
    lambda m: (lambda s: SRHT(64, m, random_state=s)),  # stratified frequencies: below 1/m near m ≈ d
    lambda m: (lambda s: CountSketch(64, m, random_state=s)),
    lambda m: (lambda s: (lambda x: TensorSRHT(64, 64, m, random_state=s)(x, x))),
    lambda m: (lambda s: (lambda x: PolySketch(64, 3, m, random_state=s)(x)[2])),
], ids=["srht", "countsketch", "tensor_srht", "polysketch3"])
def test_variance_falls_like_one_over_m(rng, factory):
    x = rng.standard_normal((6, 64))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    ratio = _variance(factory(4), x) / _variance(factory(16), x)
    assert 2.5 < ratio < 6.5, f"variance ratio for 4× more features is {ratio:.2f}, expected ≈ 4"


def test_srht_with_all_frequencies_is_exact(rng):
    """m = d draws every complex frequency once (stratified): an orthogonal transform, no error."""
    x = rng.standard_normal((5, 301))
    z = SRHT(301, 301, random_state=0)(_t(x)).numpy()
    np.testing.assert_allclose(z @ z.T, x @ x.T, rtol=1e-10, atol=1e-9)


@pytest.mark.parametrize("m, sketched, frequencies", FFT_CASES)
def test_tensor_srht_fft_path_matches_naive_dft(rng, m, sketched, frequencies):
    """FFT factors against explicit DFT sums; the output holds interleaved (Re, Im) pairs."""
    d1, d2 = 300, 280
    T = TensorSRHT(d1, d2, m, inputs_are_sketches=sketched, random_state=3)
    x, y = rng.standard_normal((4, d1)), rng.standard_normal((4, d2))
    parts = []
    for f, v, d in ((T._f1, x, d1), (T._f2, y, d2)):
        assert not f.dense and f.frequencies == frequencies and f.fft_len >= d
        F = np.exp(-2j * np.pi * np.outer(np.arange(d), f.index.numpy()) / f.fft_len)
        parts.append(((v * f.signs.numpy()) @ F, (v * f.signs.numpy()).sum(axis=1, keepdims=True)))
    np.testing.assert_allclose(T(_t(x), _t(y)).numpy(), _tensor_srht_output(parts, m), rtol=1e-9, atol=1e-9)


def test_srht_fft_path_matches_naive_dft(rng):
    d, m = 300, 11
    S = SRHT(d, m, random_state=3)
    x = rng.standard_normal((5, d))
    f = S._f
    assert not f.dense
    F = np.exp(-2j * np.pi * np.outer(np.arange(d), f.index.numpy()) / d)
    z = (x * f.signs.numpy()) @ F
    zero = (x * f.signs.numpy()).sum(axis=1, keepdims=True)
    naive = np.concatenate([z.real, z.imag], axis=1) * np.sqrt(2 / m)
    naive = np.concatenate([naive, zero / np.sqrt(m)], axis=1)
    np.testing.assert_allclose(S(_t(x)).numpy(), naive, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("make, call, size", [
    (lambda rs: SRHT(12, 9, random_state=rs), lambda S, x, y: S(x), 9),
    (lambda rs: CountSketch(12, 5, random_state=rs), lambda S, x, y: S(x), 5),
    (lambda rs: TensorSRHT(12, 7, 10, random_state=rs), lambda S, x, y: S(x, y), 10),
    (lambda rs: TensorSketch([12, 7], 6, random_state=rs), lambda S, x, y: S(x, y), 6),
    (lambda rs: PolySketch(12, 3, [4, 0, 5], random_state=rs),
     lambda S, x, y: torch.cat([S(x)[0], S(x)[2]], dim=1), 9),
])
def test_sizes_seeding_and_dtypes(points, make, call, size):
    x, y = points
    a = call(make(0), _t(x), _t(y))
    assert a.shape == (4, size)
    assert torch.equal(a, call(make(0), _t(x), _t(y))), "same seed must give identical output"
    assert not torch.allclose(a, call(make(1), _t(x), _t(y))), "another seed must give another map"
    a32 = call(make(0), _t(x).float(), _t(y).float())
    assert a32.dtype == torch.float32 and a.dtype == torch.float64
    np.testing.assert_allclose(a32.numpy(), a.numpy(), rtol=1e-4, atol=1e-4 * float(a.abs().max()))
    rs = np.random.RandomState(5)
    assert torch.equal(call(make(rs), _t(x), _t(y)), call(make(np.random.RandomState(5)), _t(x), _t(y)))


def test_polysketch_returns_none_for_skipped_degrees(points):
    x, _ = points
    out = PolySketch(12, 3, [0, 4, 0], random_state=0)(_t(x))
    assert out[0] is None and out[2] is None and out[1].shape == (4, 4)


@pytest.mark.parametrize("make, match", [
    (lambda: SRHT(0, 4), "input_dim"),
    (lambda: SRHT(4, -1), "output_dim"),
    (lambda: TensorSRHT(3, 4, 0), "output_dim"),
    (lambda: CountSketch(3.5, 4), "input_dim"),
    (lambda: PolySketch(4, 3, [2, 2]), "one entry per degree"),
    (lambda: PolySketch(4, 0, 2), "degree"),
    (lambda: TensorSketch([], 4), "empty"),
])
def test_invalid_parameters_raise(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_wrong_input_shapes_raise(points):
    x, y = points
    with pytest.raises(ValueError, match=r"shape \(n, 13\)"):
        SRHT(13, 4, random_state=0)(_t(x))
    with pytest.raises(ValueError, match="same number of rows"):
        TensorSRHT(12, 7, 4, random_state=0)(_t(x), _t(y[:2]))
    with pytest.raises(ValueError, match="takes 2 inputs"):
        TensorSketch([12, 7], 4, random_state=0)(_t(x))


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message on a machine without CUDA")
def test_sketches_on_a_missing_device_fail_when_built():
    for make in (lambda dev: SRHT(12, 4, device=dev), lambda dev: TensorSRHT(12, 7, 4, device=dev),
                 lambda dev: CountSketch(12, 4, device=dev), lambda dev: PolySketch(12, 3, 8, device=dev)):
        with pytest.raises(ValueError, match=r"device='cuda:0': CUDA is not available here"):
            make("cuda:0")
        with pytest.raises(ValueError, match="device='gpu' is not a torch device"):
            make("gpu")
        assert make(torch.device("cpu")).device == torch.device("cpu")


def test_check_device_rejects_an_index_beyond_the_visible_devices(monkeypatch):
    """Stands in a one-GPU machine (torch's accelerator queries) to check the index rule without one."""
    monkeypatch.setattr(torch.accelerator, "current_accelerator", lambda check_available=False: torch.device("cuda"))
    monkeypatch.setattr(torch.accelerator, "device_count", lambda: 1)
    assert check_device("cuda:0") == torch.device("cuda", 0)
    assert check_device("cuda") == torch.device("cuda")
    with pytest.raises(ValueError, match=r"device='cuda:7' does not exist: 1 CUDA device\(s\) visible \(cuda:0\)"):
        check_device("cuda:7")
    with pytest.raises(ValueError, match="device='mps': MPS is not available here .*finds only CUDA"):
        check_device("mps")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_matches_cpu(points):
    x, y = points
    cpu = TensorSRHT(12, 7, 10, random_state=0)(_t(x), _t(y))
    gpu = TensorSRHT(12, 7, 10, random_state=0, device="cuda")(_t(x), _t(y))
    assert gpu.device.type == "cuda"
    np.testing.assert_allclose(gpu.cpu().numpy(), cpu.numpy(), rtol=1e-10, atol=1e-10)
    p_cpu = PolySketch(300, 3, 8, random_state=0)(_t(np.ones((2, 300))))[2]
    p_gpu = PolySketch(300, 3, 8, random_state=0, device="cuda")(_t(np.ones((2, 300))))[2]
    np.testing.assert_allclose(p_gpu.cpu().numpy(), p_cpu.numpy(), rtol=1e-8, atol=1e-8)
