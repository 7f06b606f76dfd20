"""Reports say which rows predate the current code, instead of hiding or silently reusing them."""

from __future__ import annotations

from ntkbench.harness.registry import discover
from ntkbench.harness.runner import RunOptions, run_suite
from ntkbench.harness.store import Store
from ntkbench.harness.suite import load_suite
from ntkbench.report import build_report

SUITE = """
[suite]
seeds = [0]
n_eval = 10
[[datasets]]
name = "toy"
[[methods]]
name = "linear"
[[methods]]
name = "linear_kernel"
"""


def _run_and_report(root, path, store_path):
    registry = discover(root, entry_points=False)
    suite = load_suite(path, registry)
    with Store(store_path) as store:
        summary = run_suite(suite, store, RunOptions(jobs=0, progress=False), registry=registry)
    with Store(store_path, readonly=True) as store:
        readme = build_report(suite, store, root / "out").read_text()
    return summary, readme


def test_rows_of_older_code_are_shown_marked_and_recomputed_by_the_next_run(toy_root, write_suite, tmp_path):
    path, store = write_suite("s", SUITE), tmp_path / "r.sqlite"
    summary, readme = _run_and_report(toy_root, path, store)
    assert len(summary.rows) == 2 and "predate" not in readme and "†" not in readme

    methods = toy_root / "methods" / "toy_methods.py"
    methods.write_text(methods.read_text() + "\n# a change to every toy method\n")
    registry = discover(toy_root, entry_points=False)
    with Store(store, readonly=True) as s:
        readme = build_report(load_suite(path, registry), s, toy_root / "out").read_text()
    assert "**2 of 2 rows predate the current code**" in readme
    assert sum(line.startswith("| ") and "†" in line for line in readme.splitlines()) == 2

    summary, readme = _run_and_report(toy_root, path, store)  # the code change recomputes both cells
    assert summary.cached == 0 and len(summary.rows) == 2
    assert "predate" not in readme and "†" not in readme
    summary, _ = _run_and_report(toy_root, path, store)  # and unchanged code reuses them
    assert summary.cached == 2 and not summary.rows
