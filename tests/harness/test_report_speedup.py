"""The speed-up section of a report: every method against a baseline at each training size."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ntkbench.harness.registry import discover
from ntkbench.harness.runner import RunOptions, run_suite
from ntkbench.harness.store import Store
from ntkbench.harness.suite import load_suite
from ntkbench.report import build_report
from ntkbench.report.speedup import crossover, family_display, size_table, with_speedups

SUITE = """
[suite]
seeds = [0]
n_eval = 10
[report]
baseline = "linear_kernel"
[[datasets]]
name = "toy"
label = "toy set"
params = { n = 200, n_train = [40, 80], n_test = 20 }
[[methods]]
name = "linear"
[[methods]]
name = "linear_kernel"
"""


def test_crossover_is_interpolated_between_sizes_or_extrapolated_beyond_them():
    sizes = np.array([10.0, 100.0, 1000.0])
    method, baseline = 100.0 * sizes, sizes ** 1.5  # ratio 100/√n > 1 at every measured size, 1 at 10,000
    n_star, how = crossover(sizes, method, baseline)
    assert how.startswith("extrapolated")
    assert n_star == pytest.approx(10_000, rel=1e-9)
    sizes = np.array([100.0, 400.0])
    n_star, how = crossover(sizes, np.array([2.0, 2.0]), np.array([1.0, 4.0]))  # ratio 2 → 0.5
    assert how == "interpolated" and n_star == pytest.approx(200.0)


def test_crossover_states_when_there_is_none():
    sizes = np.array([10.0, 20.0])
    assert crossover(sizes, np.array([1.0, 2.0]), np.array([2.0, 4.0])) == (10.0, "cheaper at every measured size")
    n_star, how = crossover(sizes, np.array([4.0, 16.0]), np.array([2.0, 4.0]))
    assert np.isnan(n_star) and "grows no faster" in how
    n_star, how = crossover(sizes[:1], np.array([4.0]), np.array([2.0]))
    assert np.isnan(n_star) and "one size" in how


def test_family_display_drops_only_the_training_size():
    assert family_display("toy set[n_train=40]") == "toy set"
    assert family_display("cifar10[n_test=10,n_train=500]") == "cifar10[n_test=10]"
    assert family_display("cifar10[n_train=500,source=jpeg]") == "cifar10[source=jpeg]"


def test_baseline_cost_at_unmeasured_sizes_is_extrapolated_per_kernel_entry():
    frame = pd.DataFrame({
        "status": "ok", "seed": 0, "dataset_display": ["d[n_train=10]", "d[n_train=10]", "d[n_train=100]"],
        "method": ["exact", "sketch", "sketch"], "method_display": ["exact", "sketch", "sketch"],
        "m_n_train": [10, 10, 100], "m_n_test": [10, 10, 10], "t_total": [3.0, 1.0, 2.0],
        "t_featurize": [2.0, 0.5, 1.0], "m_test_accuracy": [0.5, 0.4, 0.6]})
    ups = with_speedups(size_table(frame), "exact").set_index("n_train")
    assert not ups.loc[10, "estimated"] and ups.loc[10, "speedup"] == pytest.approx(3.0)
    rate = 2.0 / (10 * 20)  # featurize seconds per kernel entry at the baseline's largest size
    assert ups.loc[100, "estimated"]
    assert ups.loc[100, "baseline_total"] == pytest.approx(rate * 100 * 110)
    assert ups.loc[100, "speedup"] == pytest.approx(rate * 100 * 110 / 2.0)


def test_report_compares_every_method_with_the_baseline_at_each_size(toy_root, write_suite, tmp_path):
    path = write_suite("s", SUITE)
    registry = discover(toy_root, entry_points=False)
    suite = load_suite(path, registry)
    assert suite.report == {"baseline": "linear_kernel"}
    with Store(tmp_path / "r.sqlite") as store:
        run_suite(suite, store, RunOptions(jobs=0, progress=False), registry=registry)
    with Store(tmp_path / "r.sqlite", readonly=True) as store:
        readme = build_report(suite, store, toy_root / "out").read_text()
    assert "## Speed-up over `linear_kernel`" in readme and "### toy set" in readme
    assert (toy_root / "out" / "time_vs_size.png").stat().st_size > 0
    rows = pd.read_csv(toy_root / "out" / "results.csv")
    for n_train in (40, 80):
        at = rows[rows["m_n_train"] == n_train].set_index("method")["t_total"]
        speedup = at["linear_kernel"] / at["linear"]
        line = next(x for x in readme.splitlines() if x.startswith(f"| {n_train:>9} | linear "))
        assert line.rstrip(" |").endswith(f"{speedup:.3g}×")
    assert "- `linear` is cheaper than `linear_kernel`" in readme


@pytest.mark.parametrize("table, message", [
    ('baseline = "exact_cntk"', "is not a method of the suite"),
    ('baseline = 3', "baseline"),
    ('colour = "red"', "unknown key(s) colour"),
])
def test_bad_report_table_is_a_clear_error(toy_root, write_suite, table, message):
    body = SUITE.replace('baseline = "linear_kernel"', table)
    with pytest.raises(ValueError, match=r"\[report\].*" + message.replace("(", r"\(").replace(")", r"\)")):
        load_suite(write_suite("s", body), discover(toy_root, entry_points=False))
