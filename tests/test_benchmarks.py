"""The asv suite keeps a comparable history: units on every tracked value, a pinned matrix, and the
shared ``setup_cache`` of the feature-map benchmarks computing what each benchmark reported before."""

from __future__ import annotations

import importlib.util
import inspect
import json
import pickle
import sys
from importlib.metadata import version
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load(path: Path) -> ModuleType:
    """Import a benchmark file under its own name (in sys.modules, so pickle finds its classes)."""
    name = f"_asv_{path.stem}"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


def test_every_track_benchmark_has_a_unit():
    tracks = []
    for path in sorted((ROOT / "benchmarks").glob("bench_*.py")):
        for cls_name, cls in inspect.getmembers(_load(path), inspect.isclass):
            tracks += [(f"{path.stem}.{cls_name}.{name}", fn) for name, fn in vars(cls).items()
                       if name.startswith("track_")]
    assert len(tracks) >= 4
    missing = [name for name, fn in tracks if not isinstance(getattr(fn, "unit", None), str)]
    assert not missing, f"track_ benchmarks without a unit: {missing}"


def test_asv_matrix_pins_the_installed_versions():
    conf = json.loads((ROOT / "asv.conf.json").read_text())
    pins = conf["matrix"]["req"]
    for package in ("torch", "numpy", "scipy", "scikit-learn"):
        assert pins[package] == [version(package).split("+")[0]], package
    assert f"torch=={pins['torch'][0]}" in (ROOT / "requirements" / "constraints.txt").read_text()


@pytest.fixture
def bench_features(monkeypatch, tmp_path):
    """bench_features with a cheap method list, run from a scratch cache directory as asv does."""
    module = _load(ROOT / "benchmarks" / "bench_features.py")
    monkeypatch.setattr(module, "METHODS", ["ntk_sketch_one_pass", "reference_rf"])
    monkeypatch.setattr(module, "DEPTHS", [1, 3])
    monkeypatch.setattr(module, "FEATURIZE_DEPTH", 1)
    monkeypatch.chdir(tmp_path)
    return module


def test_setup_cache_gives_each_benchmark_its_own_errors_and_map(bench_features):
    m = bench_features
    errors = m.setup_cache()
    assert set(errors) == {("ntk_sketch_one_pass", 1), ("ntk_sketch_one_pass", 3), ("reference_rf", 1)}
    assert not any(isinstance(entry, str) for entry in errors.values()), errors
    X = m.gaussian_data(500)
    for depth in (1, 3):
        expected = m.kernel_errors(m.fc_kernel(X, depth=depth),
                                   m.make("ntk_sketch_one_pass", 4096, depth, 0).fit(X).transform(X))
        bench = m.KernelErrorFC()
        bench.setup(errors, "ntk_sketch_one_pass", depth)
        assert bench.track_rel_frobenius(errors, "ntk_sketch_one_pass", depth) == pytest.approx(expected[0])
        assert bench.track_spectral_eps(errors, "ntk_sketch_one_pass", depth) == pytest.approx(expected[1])
    with pytest.raises(NotImplementedError, match="reference table"):
        m.KernelErrorFC().setup(errors, "reference_rf", 3)

    featurize = m.FeaturizeFC()
    featurize.setup(errors, "ntk_sketch_one_pass", "float32")
    fresh = m.make("ntk_sketch_one_pass", 4096, 1, 0).fit(featurize.X[:10])
    np.testing.assert_array_equal(featurize.est.transform(featurize.X[:50]), fresh.transform(featurize.X[:50]))
    with open(m._map_file("reference_rf"), "rb") as fh:
        assert isinstance(pickle.load(fh), m.ReferenceNTKRandomFeatures)


def test_a_method_failing_in_setup_cache_fails_only_its_own_benchmarks(bench_features, monkeypatch):
    m = bench_features
    original = m.make

    def make(method, *args, **kwargs):
        if method == "reference_rf":
            raise ValueError("broken fit")
        return original(method, *args, **kwargs)

    monkeypatch.setattr(m, "make", make)
    errors = m.setup_cache()
    m.KernelErrorFC().setup(errors, "ntk_sketch_one_pass", 1)
    with pytest.raises(RuntimeError, match="(?s)reference_rf, depth 1:.*ValueError: broken fit"):
        m.KernelErrorFC().setup(errors, "reference_rf", 1)
    with pytest.raises(RuntimeError, match="broken fit"):
        m.FeaturizeFC().setup(errors, "reference_rf", "float64")


def test_compare_references_times_each_map_and_reports_ratios_and_load(capsys):
    """The issue-16 script on a tiny workload: one row per map, ratios against the reference."""
    module = _load(ROOT / "benchmarks" / "compare_references.py")
    module.main(["--n", "60", "--n-eval", "40", "--repeats", "2", "--depths", "1", "--dtypes", "float32",
                 "--maps", "reference", "reference_code", "ntk_sketch", "--reference-code", ""])
    out = capsys.readouterr().out
    assert "reference_code: skipped" in out and "load" in out
    rows = [line.split("|")[1:-1] for line in out.splitlines() if line.startswith("| 1 ")]
    assert [r[2].strip() for r in rows] == ["reference", "ntk_sketch"]
    reference, ours = rows
    assert reference[5].strip() == "1.00×" and ours[5].strip().endswith("×")
    assert float(ours[7]) < float(reference[7])  # relative Frobenius error
