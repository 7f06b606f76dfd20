"""The method adapters in methods/ are thin, registered, and score against the shared exact kernel."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ntkbench.harness.metrics import relative_frobenius_error
from ntkbench.harness.registry import discover
from ntkbench.kernels import fc_target


@pytest.fixture(scope="module")
def registry():
    return discover(entry_points=False)


@pytest.mark.parametrize("name, extra", [
    ("ntk_random_features", {}),
    ("ntk_sketch", {"method": "one_pass"}),
    ("ntk_sketch", {"method": "layerwise", "b_std": 0.2}),
])
def test_adapter_features_approximate_the_target_kernel(registry, rng, name, extra):
    cls = registry.method(name)
    assert cls.output == "features"
    method = cls(random_state=3, **{"n_components": 2048, "depth": 2, **extra})
    X = rng.standard_normal((60, 7))
    F = method.fit(X).transform(X)
    assert F.shape == (60, 2048)
    target = method.target_kernel()
    assert target.name == fc_target(method.arch, "ntk").name  # shares the exact-kernel cache
    assert relative_frobenius_error(target(X, X), F @ F.T) < 0.1
    again = cls(random_state=3, **{"n_components": 2048, "depth": 2, **extra}).fit(X).transform(X)
    np.testing.assert_array_equal(F, again)


def test_adapter_grids_start_with_valid_defaults(registry):
    for name in ("ntk_random_features", "ntk_sketch"):
        cls = registry.method(name)
        method = cls(random_state=0)
        X = np.random.default_rng(0).standard_normal((10, 3))
        assert method.fit(X).transform(X).shape == (10, method.params["n_components"])
        with pytest.raises(ValueError, match="no parameter"):
            cls(random_state=0, n_feature=3)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message on a machine without CUDA")
@pytest.mark.parametrize("name", ["ntk_random_features", "ntk_sketch", "cntk_sketch"])
def test_adapters_on_a_missing_device_fail_when_built(registry, name):
    """A run cell with --device cuda on a machine without CUDA fails before its method is fitted."""
    with pytest.raises(ValueError, match="device='cuda:0': CUDA is not available here"):
        registry.method(name)(random_state=0, device="cuda:0")
    with pytest.raises(ValueError, match="device='gpu' is not a torch device"):
        registry.method(name)(random_state=0, device="gpu")
    assert registry.method(name)(random_state=0, device="cpu").device == "cpu"


def test_cntk_sketch_adapter_approximates_the_exact_cntk(registry, rng):
    cls = registry.method("cntk_sketch")
    assert (cls.output, cls.input) == ("features", "image")
    params = {"n_components": 2048, "depth": 2, "filter_size": 3, "degree": 4}
    method = cls(random_state=1, **params)
    X = rng.standard_normal((25, 3, 8, 8))
    F = method.fit(X).transform(X)
    assert F.shape == (25, 2048)
    exact = registry.method("exact_cntk")(**{k: v for k, v in method.params.items()
                                             if k in registry.method("exact_cntk").params})
    target = method.target_kernel()
    assert target.name == exact.target_kernel().name  # scored against the exact CNTK's cache
    assert relative_frobenius_error(target(X, X), F @ F.T) < 0.1
    np.testing.assert_array_equal(F, cls(random_state=1, **params).fit(X).transform(X))
    with pytest.raises(ValueError, match="no parameter"):
        cls(random_state=0, n_feature=3)
    with pytest.raises(ValueError, match="images"):
        cls(random_state=0).fit(rng.standard_normal((5, 12)))
