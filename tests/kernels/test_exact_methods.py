"""Exact-kernel method adapters: found by the registry, equal to the library, honest cache names."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from ntkbench.arch import Arch
from ntkbench.harness.registry import discover
from ntkbench.kernels import fc_target
from ntkbench.kernels import cntk_kernel, fc_kernel, myrtle_kernel


@pytest.fixture(scope="module")
def registry():
    return discover(entry_points=False)


def test_adapters_are_registered(registry):
    for name, inp in [("exact_fc", "flat"), ("exact_cntk", "image"), ("exact_myrtle", "image")]:
        cls = registry.method(name)
        assert cls.output == "kernel" and cls.input == inp
    assert not [err for src, err in registry.errors.items() if "exact_" in src]


def test_exact_fc_equals_library_and_shares_the_harness_target_name(registry, rng):
    X, Z = rng.normal(size=(12, 5)), rng.normal(size=(4, 5))
    method = registry.method("exact_fc")(depth=2, activation="erf", b_std=0.1, get="nngp").fit(X)
    np.testing.assert_allclose(method.kernel(X, X), fc_kernel(X, depth=2, activation="erf", b_std=0.1,
                                                              get="nngp"), rtol=1e-13)
    np.testing.assert_allclose(method.kernel(Z, X), fc_kernel(Z, X, depth=2, activation="erf", b_std=0.1,
                                                              get="nngp"), rtol=1e-13)
    target = method.target_kernel()
    assert target.name == fc_target(method.arch, "nngp").name
    np.testing.assert_allclose(target(Z, X), method.kernel(Z, X), rtol=1e-13)


def test_exact_cntk_and_myrtle_equal_library(registry, rng):
    X = rng.normal(size=(4, 2, 8, 8))
    cntk = registry.method("exact_cntk")(depth=2, filter_size=4, padding="valid").fit(X)
    np.testing.assert_allclose(cntk.kernel(X, X), cntk_kernel(X, depth=2, filter_size=4, padding="valid",
                                                              fix_first_last=True), rtol=1e-13)
    assert cntk.arch.kind == "conv"
    myrtle = registry.method("exact_myrtle")(depth=5, get="nngp").fit(X)
    np.testing.assert_allclose(myrtle.kernel(X[:2], X), myrtle_kernel(X[:2], X, depth=5, get="nngp"), rtol=1e-13)
    assert myrtle.arch == Arch(kind="myrtle", depth=5)


def test_target_names_differ_whenever_a_parameter_differs(registry):
    for name in ("exact_fc", "exact_cntk", "exact_myrtle"):
        cls = registry.method(name)
        grid = [dict(zip(cls.params, values)) for values in itertools.product(*cls.params.values())]
        names = {cls(**params).target_kernel().name for params in grid}
        assert len(names) == len(grid)


def test_image_methods_reject_flat_inputs(registry, rng):
    with pytest.raises(ValueError, match="images"):
        registry.method("exact_cntk")().fit(rng.normal(size=(3, 10)))


def test_bad_get_raises(registry, rng):
    with pytest.raises(ValueError, match="get"):
        registry.method("exact_fc")(get="ntk2").fit(rng.normal(size=(3, 2)))
