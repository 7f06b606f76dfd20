"""Inputs and devices the transformers cannot use give one clear ValueError, never inf/NaN features."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch

from ntkbench.features import NTKRandomFeatures, NTKSketch

CLASSES = [NTKRandomFeatures, NTKSketch]
# maps whose only overflow is the first one, ‖x‖² (depth 1, or the one-pass sketch at any depth)
SHALLOW = {
    "rf": lambda: NTKRandomFeatures(n_components=64, random_state=0),
    "sketch_bias": lambda: NTKSketch(n_components=64, b_std=0.5, random_state=0),
    "one_pass": lambda: NTKSketch(n_components=64, depth=3, method="one_pass", random_state=0),
}


def _rows_of_norm(rng, n: int, d: int, norm: float, dtype) -> np.ndarray:
    X = rng.standard_normal((n, d))
    return (X / np.linalg.norm(X, axis=1, keepdims=True) * norm).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(SHALLOW))
def test_rows_whose_squared_norm_overflows_are_rejected(rng, dtype, name):
    """The bound is ‖x‖² ≤ the largest float (‖x‖ ≤ 1.8e19 in float32, 1.3e154 in float64): just
    below it the features are finite, just above it fit and transform say which row is too large."""
    limit = math.sqrt(np.finfo(dtype).max)
    below = _rows_of_norm(rng, 6, 5, 0.999 * limit, dtype)
    above = below.copy()
    above[3] *= dtype(1.002)
    est = SHALLOW[name]().fit(below)
    assert np.isfinite(est.transform(below)).all()
    message = re.escape(f"too large for {np.dtype(dtype).name}: row 3 has norm {limit * 1.001:.4g}, whose square "
                        f"overflows (row norms must stay below {limit:.4g})")
    with pytest.raises(ValueError, match=message):
        SHALLOW[name]().fit(above)
    with pytest.raises(ValueError, match=message + r".*rescale the inputs"):
        est.transform(above)


def test_overflow_in_a_deeper_layer_is_reported_with_its_row(rng):
    """Each layer multiplies squared norms by about w_std²/2 = 4.5 here, so rows at half the bound,
    accepted by fit, overflow in layer 2; the error names the first such row across batches."""
    X = _rows_of_norm(rng, 6, 5, 1.0, np.float64)
    X[3:] *= 0.5 * math.sqrt(np.finfo(np.float64).max)
    est = NTKRandomFeatures(n_components=64, depth=2, w_std=3.0, batch_size=2, random_state=0).fit(X)
    with pytest.raises(ValueError, match=r"features of row 3 \(norm 6\.704e\+153\) overflow in the deeper layers, "
                                         r"where squared norms grow by about w_std²/2 = 4\.5 per layer"):
        est.transform(X)
    assert np.isfinite(est.transform(X[:3])).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("cls, params", [
    (NTKRandomFeatures, {"depth": 3}), (NTKSketch, {"depth": 3}), (NTKSketch, {"depth": 2, "b_std": 0.3}),
    (NTKRandomFeatures, {"depth": 2, "get": "nngp", "w_std": 2.0}), (NTKSketch, {"depth": 3, "method": "one_pass"}),
])
def test_features_are_finite_or_an_error_near_the_bound(rng, dtype, cls, params):
    limit = math.sqrt(np.finfo(dtype).max)
    for scale in (1e-3, 0.5, 0.9, 0.99, 0.999, 1.001, 10.0):
        X = _rows_of_norm(rng, 20, 7, scale * limit, dtype)
        est = cls(n_components=64, random_state=0, **params)
        try:
            F = est.fit(X).transform(X)
        except ValueError as exc:
            assert f"too large for {np.dtype(dtype).name}" in str(exc) and "rescale the inputs" in str(exc)
        else:
            assert np.isfinite(F).all(), (scale, params)


@pytest.mark.parametrize("cls", CLASSES)
def test_cpu_given_as_a_string_or_a_torch_device(rng, cls):
    X = rng.standard_normal((7, 4))
    expected = cls(n_components=32, random_state=0).fit_transform(X)
    for device in ("cpu", torch.device("cpu")):
        est = cls(n_components=32, device=device, random_state=0).fit(X)
        assert est.device_ == torch.device("cpu")
        np.testing.assert_array_equal(est.transform(X), expected)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message on a machine without CUDA")
@pytest.mark.parametrize("cls", CLASSES)
@pytest.mark.parametrize("device", ["cuda:0", "cuda", torch.device("cuda", 0)])
def test_cuda_without_cuda_is_an_error_at_fit(rng, cls, device):
    """Construction only stores the parameter (scikit-learn's rule); fit checks it first, which also
    covers ``set_params``."""
    X = rng.standard_normal((7, 4))
    with pytest.raises(ValueError, match=r"device='cuda(:0)?': CUDA is not available here .*use device='cpu'"):
        cls(device=device).fit(X)
    with pytest.raises(ValueError, match="CUDA is not available"):
        cls().set_params(device=device).fit(X)


@pytest.mark.parametrize("cls", CLASSES)
@pytest.mark.parametrize("device, message", [
    ("gpu", "device='gpu' is not a torch device; use 'cpu' or e.g. 'cuda:0'"),
    ("CUDA:0", "device='CUDA:0' is not a torch device"),
    ("meta", "device='meta' holds no data"),
])
def test_unknown_devices_are_errors_at_fit(rng, cls, device, message):
    with pytest.raises(ValueError, match=message):
        cls(device=device).fit(rng.standard_normal((7, 4)))


def test_finite_features_whose_sum_overflows_pass_the_check():
    """The check's fast path (a sum) overflows here, and its exact fallback finds every feature finite."""
    from ntkbench.features._overflow import check_features_finite

    X = np.ones((2, 3), dtype=np.float32)
    check_features_finite(torch.full((2, 4), 3e38, dtype=torch.float32), X, 0, 1.0)
    with pytest.raises(ValueError, match="features of row 6 "):
        check_features_finite(torch.tensor([[1.0, 2.0], [1.0, float("nan")]]), X, 5, 1.0)
