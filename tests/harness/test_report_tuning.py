"""Tuned rows: a method's parameters chosen on the validation split, shown next to the fixed ones."""

from __future__ import annotations

import pandas as pd
import pytest

from ntkbench.harness.registry import discover
from ntkbench.harness.runner import RunOptions, run_suite
from ntkbench.harness.store import Store
from ntkbench.harness.suite import load_suite
from ntkbench.report import build_report
from ntkbench.report.build import suite_frame

SUITE = """
[suite]
seeds = [0, 1]
n_eval = 10
[[datasets]]
name = "toy"
params = { n = 200 }
[[methods]]
name = "sized"
params = { n_components = [1, 16], depth = 1 }
tune = ["n_components"]
"""


def test_the_tuned_row_is_the_candidate_with_the_best_validation_score(toy_root, write_suite, tmp_path):
    registry = discover(toy_root, entry_points=False)
    suite = load_suite(write_suite("t", SUITE), registry)
    assert suite.tuning == [("sized", ("n_components",))]
    with Store(tmp_path / "r.sqlite") as store:
        run_suite(suite, store, RunOptions(jobs=0, progress=False), registry=registry)
    with Store(tmp_path / "r.sqlite", readonly=True) as store:
        frame = suite_frame(suite, store)
        readme = build_report(suite, store, toy_root / "out").read_text()
    measured = frame[frame["tuned_choice"].isna()]
    tuned = frame[frame["tuned_choice"].notna()]
    assert len(measured) == 4 and len(tuned) == 2  # one tuned row per seed
    for seed, row in tuned.set_index("seed").iterrows():
        candidates = measured[measured["seed"] == seed]
        best = candidates.loc[candidates["m_val_score"].idxmax()]
        # y is linear in 3 inputs: one random direction cannot fit it, 16 can
        assert best["p_n_components"] == 16 and row["tuned_choice"] == "n_components=16"
        assert row["m_test_rmse"] == best["m_test_rmse"]
        assert row["t_total"] == pytest.approx(candidates["t_total"].sum())
    line = next(x for x in readme.splitlines() if "→" in x and x.startswith("| "))
    assert "n_components=16 (seeds 0, 1)" in line and "tuned" in line
    assert "Tuned rows (`sized` over n_components)" in readme
    written = pd.read_csv(toy_root / "out" / "results.csv")
    assert len(written) == 4 and "tuned_choice" not in written


@pytest.mark.parametrize("tune, message", [
    ('["width"]', "not a parameter of sized"),
    ('["depth"]', "gives it one value"),
    ('[]', "non-empty list"),
    ('"n_components"', "tune"),
])
def test_bad_tune_is_a_clear_error(toy_root, write_suite, tune, message):
    body = SUITE.replace('tune = ["n_components"]', f"tune = {tune}")
    with pytest.raises(ValueError, match=message):
        load_suite(write_suite("t", body), discover(toy_root, entry_points=False))
