"""Devices the transformers cannot use give one clear ValueError at fit."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ntkbench.features import NTKRandomFeatures, NTKSketch

CLASSES = [NTKRandomFeatures, NTKSketch]


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

