"""The asv benchmarks of the GELU / erf feature maps report what they measure."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def bench(monkeypatch):
    name = "_asv_bench_general_activations"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / "bench_general_activations.py")
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    module = sys.modules[name]
    monkeypatch.setattr(module, "SIZES", [256, 2048])
    return module


def test_tracked_errors_are_the_feature_maps_and_fall_with_n_components(bench, monkeypatch):
    monkeypatch.setattr(bench, "gaussian_data", lambda n, d=90, seed=0: bench.__dict__["np"].random.default_rng(
        seed).standard_normal((min(n, 300), d)))
    errors = bench.setup_cache()
    assert set(errors) == {(a, m) for a in ("gelu", "erf") for m in (256, 2048)}
    X = bench.gaussian_data(300, seed=1)
    expected = bench.kernel_errors(bench.exact("gelu", X), bench.sketch("gelu", 256).fit_transform(X))
    track = bench.KernelErrorGeneralActivation()
    assert track.track_rel_frobenius(errors, "gelu", 256) == pytest.approx(expected[0])
    assert track.track_spectral_eps(errors, "gelu", 256) == pytest.approx(expected[1])
    for activation in ("gelu", "erf"):
        assert errors[activation, 2048][0] < errors[activation, 256][0]
    featurize = bench.FeaturizeGeneralActivation()
    featurize.setup(errors, "erf", 256)
    assert featurize.est.transform(featurize.X[:20]).shape == (20, 256)
