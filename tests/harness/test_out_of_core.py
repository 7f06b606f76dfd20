"""Features larger than the memory budget go to files and are solved by streaming, with the same results."""

from __future__ import annotations

import numpy as np
import pytest

from ntkbench.features.chunked import transform_to_file
from ntkbench.harness.featurize import feature_budget_bytes
from ntkbench.harness.registry import discover
from ntkbench.harness.runner import RunOptions, run_suite
from ntkbench.harness.store import Store
from ntkbench.harness.suite import load_suite

SUITE = """
[suite]
seeds = [0, 1]
n_eval = 20
[[datasets]]
name = "toy"
params = { n = 400 }
[[datasets]]
name = "toy"
params = { n = 400, task = "classification" }
[[methods]]
name = "linear"
"""


class Doubling:
    """A transformer that fails on the rows from ``fail_at`` on."""

    def __init__(self, fail_at: int | None = None) -> None:
        self.fail_at, self.seen = fail_at, 0

    def transform(self, X):
        self.seen += len(X)
        if self.fail_at is not None and self.seen > self.fail_at:
            raise RuntimeError("disk full")
        return np.hstack([X, 2 * X])


def _metrics(toy_root, path, store_path):
    registry = discover(toy_root, entry_points=False)
    with Store(store_path) as store:
        run_suite(load_suite(path, registry), store, RunOptions(jobs=0, progress=False), registry=registry)
        return {(r["dataset_label"], r["seed"]): r["metrics"] for r in store.rows()}


def test_cells_over_the_budget_stream_from_files_and_give_the_in_memory_results(toy_root, write_suite, tmp_path,
                                                                                  monkeypatch):
    path = write_suite("s", SUITE)
    in_memory = _metrics(toy_root, path, tmp_path / "a.sqlite")
    monkeypatch.setenv("NTKBENCH_FEATURE_MEMORY_MB", "0")
    streamed = _metrics(toy_root, path, tmp_path / "b.sqlite")
    assert len(in_memory) == 4 and set(in_memory) == set(streamed)
    for cell, m in in_memory.items():
        assert not m["out_of_core"] and streamed[cell]["out_of_core"]
        for key in ("test_accuracy", "test_rmse", "val_score", "ridge_relative", "rel_frobenius"):
            if key in m:
                assert streamed[cell][key] == pytest.approx(m[key], rel=1e-7, abs=1e-12), key


def test_transform_to_file_writes_every_chunk_from_a_memory_map(tmp_path):
    X = np.random.default_rng(0).standard_normal((103, 4))
    np.save(tmp_path / "x.npy", X)
    mapped = np.load(tmp_path / "x.npy", mmap_mode="r")
    out = transform_to_file(Doubling(), mapped, tmp_path / "phi.npy", chunk_rows=10)
    assert isinstance(out, np.memmap) and out.shape == (103, 8)
    np.testing.assert_array_equal(out, np.hstack([X, 2 * X]))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["phi.npy", "x.npy"]


def test_a_failing_chunk_leaves_no_feature_file_behind(tmp_path):
    X = np.ones((50, 3))
    with pytest.raises(RuntimeError, match="disk full"):
        transform_to_file(Doubling(fail_at=25), X, tmp_path / "phi.npy", chunk_rows=10)
    assert list(tmp_path.iterdir()) == []


def test_non_finite_features_are_a_clear_error(tmp_path):
    X = np.ones((30, 2))
    X[17, 1] = np.nan
    with pytest.raises(ValueError, match=r"rows 10\.\.20 returned NaN"):
        transform_to_file(Doubling(), X, tmp_path / "phi.npy", chunk_rows=10)
    assert list(tmp_path.iterdir()) == []


def test_dask_arrays_are_read_chunk_by_chunk(tmp_path):
    da = pytest.importorskip("dask.array")
    X = np.arange(60.0).reshape(20, 3)
    out = transform_to_file(Doubling(), da.from_array(X, chunks=(7, 3)), tmp_path / "phi.npy", chunk_rows=6)
    np.testing.assert_array_equal(out, np.hstack([X, 2 * X]))


@pytest.mark.parametrize("value", ["lots", "-1"])
def test_a_bad_budget_setting_is_a_clear_error(monkeypatch, value):
    monkeypatch.setenv("NTKBENCH_FEATURE_MEMORY_MB", value)
    with pytest.raises(ValueError, match="NTKBENCH_FEATURE_MEMORY_MB"):
        feature_budget_bytes()
