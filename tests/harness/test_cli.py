"""The command line end to end on toy adapters: list, run, report, export, and bad input."""

from __future__ import annotations

import pandas as pd

from ntkbench.cli import main

SUITE = """
[suite]
seeds = [0, 1]
n_eval = 20

[[datasets]]
name = "toy"

[[methods]]
name = "linear"
params = { scale = [1.0, 2.0] }

[[methods]]
name = "linear_kernel"

[[methods]]
name = "broken"
"""


def test_list_shows_adapters_and_availability(toy_root, capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "linear_kernel" in out and "toy" in out
    line = next(row for row in out.splitlines() if row.startswith("needs_missing"))
    assert "no: missing optional dependency" in line
    assert "a_module_that_does_not_exist_xyz" in out


def test_run_report_export(toy_root, write_suite, tmp_path, capsys):
    write_suite("demo", SUITE)
    store = str(tmp_path / "r.sqlite")
    assert main(["run", "demo", "--store", store, "--jobs", "0", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "ran 8: error 2, ok 6" in out and "linear_kernel" in out
    assert main(["run", "demo", "--store", store, "--jobs", "0", "--no-progress"]) == 0
    assert "6 cells already finished (skipped); ran 2: error 2" in capsys.readouterr().out

    assert main(["report", "demo", "--store", store]) == 0
    folder = toy_root / "reports" / "demo"
    readme = (folder / "README.md").read_text()
    assert "## toy" in readme and "spectral ε" in readme and "Cells that did not finish" in readme
    assert "this method always fails" in readme
    for png in ("error_vs_dimension.png", "metric_vs_time.png"):
        assert (folder / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    results = pd.read_csv(folder / "results.csv")
    assert len(results) == 8 and set(results["status"]) == {"ok", "error"}

    out_csv = tmp_path / "all.csv"
    assert main(["export", "--store", store, "--format", "csv", "-o", str(out_csv), "--suite", "demo"]) == 0
    assert len(pd.read_csv(out_csv)) == 8


def test_unknown_method_is_an_error_listing_valid_names(toy_root, write_suite, tmp_path, capsys):
    write_suite("bad", SUITE.replace('name = "linear_kernel"', 'name = "linear_kernal"'))
    assert main(["run", "bad", "--store", str(tmp_path / "r.sqlite")]) == 2
    err = capsys.readouterr().err
    assert "unknown method 'linear_kernal'" in err and "linear_kernel" in err


def test_report_without_results_says_what_to_run(toy_root, write_suite, tmp_path, capsys):
    write_suite("demo", SUITE)
    assert main(["report", "demo", "--store", str(tmp_path / "empty.sqlite")]) == 2
    assert "run `ntkbench run demo` first" in capsys.readouterr().err


SHELF = '''
from ntkbench.data.adapter import FileDataset


class Shelf(FileDataset):
    name = "shelf"
    task = "classification"
    params = {"name": ["a"], "fold": [0]}
    choices = {"name": ["a", "b", "c"]}
    groups = {"name": {"ab": ["a", "b"]}}
    SIZES = {"a": 11, "b": 22, "c": 33}

    def files(self, **params):
        return [[f"shelf/{params['name']}.csv"]]

    def member_facts(self, member):
        return {"n": self.SIZES[member], "d": 2}
'''


def test_list_collection_shows_members_facts_groups_and_presence(toy_root, tmp_path, monkeypatch, capsys):
    (toy_root / "datasets" / "shelf.py").write_text(SHELF)
    home = tmp_path / "data"
    (home / "shelf").mkdir(parents=True)
    for present in ("a", "c"):
        (home / "shelf" / f"{present}.csv").write_text("1,2,0\n")
    monkeypatch.setenv("NTKBENCH_DATA", str(home))
    assert main(["list", "shelf"]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()[3:] if line.strip()}
    assert rows["a"] == ["11", "2", "ab", "yes"] and rows["b"] == ["22", "2", "ab", "no"]
    assert rows["c"] == ["33", "2", "yes"]
    assert "shelf: 3 members, 2 present" in out and "group: ab (2)" in out
    assert f"not present: dataset 'shelf': {home / 'shelf' / 'b.csv'} not found" in out


def test_list_collection_by_grouped_parameter(toy_root, capsys):
    assert main(["list", "toy"]) == 0
    out = capsys.readouterr().out
    assert "toy: 3 members, 3 present; choose one with n = ..., or a group: small (2)" in out
    members = [line.split() for line in out.splitlines()[3:]]
    assert members == [["40", "small", "yes"], ["50", "small", "yes"], ["60", "yes"]]


def test_list_unknown_or_plain_name_is_an_error_listing_collections(toy_root, capsys):
    (toy_root / "datasets" / "plain.py").write_text(
        "from ntkbench.harness.contracts import Dataset\n\n\nclass Plain(Dataset):\n    name = 'plain'\n")
    assert main(["list", "tyo"]) == 2
    err = capsys.readouterr().err
    assert "unknown list 'tyo'; valid: all, methods, datasets or a collection: toy" in err
    assert main(["list", "plain"]) == 2
    assert "dataset 'plain' is not a collection" in capsys.readouterr().err


def test_list_methods_and_datasets_alone(toy_root, capsys):
    assert main(["list", "methods"]) == 0
    out = capsys.readouterr().out
    assert "linear_kernel" in out and "Datasets" not in out
    assert main(["list", "datasets"]) == 0
    out = capsys.readouterr().out
    assert "toy" in out and "Methods" not in out
