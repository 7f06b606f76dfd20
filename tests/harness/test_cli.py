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
    assert main(["run", "demo", "--store", store, "--jobs", "0", "--no-progress"]) == 1  # broken failed
    out = capsys.readouterr().out
    assert "ran 8: error 2, ok 6" in out and "linear_kernel" in out
    assert main(["run", "demo", "--store", store, "--jobs", "0", "--no-progress"]) == 1
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
        "from ntkbench.contracts import Dataset\n\n\nclass Plain(Dataset):\n    name = 'plain'\n")
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


def test_run_prints_each_failure_and_skip_and_exits_1_only_on_failures(toy_root, write_suite, tmp_path, capsys):
    write_suite("demo", SUITE + '\n[[methods]]\nname = "needs_missing"\n')
    store = str(tmp_path / "r.sqlite")
    assert main(["run", "demo", "--store", store, "--jobs", "0", "--no-progress"]) == 1
    lines = capsys.readouterr().out.splitlines()
    for seed in (0, 1):
        assert f"error: broken on toy, seed {seed}: RuntimeError: this method always fails" in lines
        skip = next(line for line in lines if line.startswith(f"skipped: needs_missing on toy, seed {seed}: "))
        assert "a_module_that_does_not_exist_xyz" in skip
    assert not any("Traceback" in line for line in lines)
    assert "2 cells skipped (missing data or dependency, or unsuitable input): not failures; " \
           "the next run tries them again" in lines
    assert "2 cells failed (error or timeout): exit status 1" in lines

    write_suite("skips", SUITE.replace('name = "broken"', 'name = "needs_missing"'))
    assert main(["run", "skips", "--store", store, "--jobs", "0", "--no-progress"]) == 0  # skips only
    out = capsys.readouterr().out
    assert "2 cells skipped" in out and "failed" not in out


def test_only_runs_the_selected_methods_and_datasets(toy_root, write_suite, tmp_path, capsys):
    write_suite("demo", SUITE + '\n[[datasets]]\nname = "toy"\nlabel = "big toy"\nparams = { n = 80 }\n')
    store = str(tmp_path / "r.sqlite")
    assert main(["run", "demo", "--store", store, "--jobs", "0", "--no-progress", "--only", "linear_k*"]) == 0
    assert "16 cells, 4 selected by --only" in capsys.readouterr().out
    assert main(["run", "demo", "--store", store, "--jobs", "0", "--no-progress",
                 "--only", "scale=2", "--only", "BIG"]) == 0
    assert "ran 2: ok 2" in capsys.readouterr().out
    from ntkbench.harness.store import Store

    with Store(store) as s:
        rows = s.rows()
    ran = sorted((r["method_label"], r["dataset_params"]["n"], r["seed"]) for r in rows)
    assert ran == sorted([("linear_kernel", n, seed) for n in (60, 80) for seed in (0, 1)]
                         + [("linear[scale=2,sleep=0]", 80, seed) for seed in (0, 1)])
    assert main(["run", "demo", "--store", store, "--only", "rff"]) == 2
    assert "--only 'rff' matches no method or dataset" in capsys.readouterr().err


def test_dry_run_lists_cells_and_their_state_and_runs_nothing(toy_root, write_suite, tmp_path, capsys):
    write_suite("demo", SUITE)
    store = tmp_path / "r.sqlite"
    assert main(["run", "demo", "--store", str(store), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "dry run: 0 cells finished, 8 to run; nothing was run" in out and not store.exists()
    assert main(["run", "demo", "--store", str(store), "--jobs", "0", "--no-progress", "--only", "linear_kernel"]) == 0
    capsys.readouterr()
    from ntkbench.harness.store import Store

    with Store(store) as s:
        before = s.rows()
    assert main(["run", "demo", "--store", str(store), "--dry-run"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "dry run: 2 cells finished, 6 to run; nothing was run" in lines
    table = {tuple(line.split()[:2]): line.split()[2:] for line in lines if line.startswith("toy ")}
    assert table == {("toy", "linear[scale=1]"): ["0,", "1"], ("toy", "linear[scale=2]"): ["0,", "1"],
                     ("toy", "linear_kernel"): ["0,", "1"], ("toy", "broken"): ["0,", "1"]}
    header = next(line for line in lines if "seeds to run" in line)
    for line in lines:  # linear_kernel's seeds stand in the finished column, the others' in the other
        if line.startswith("toy "):
            finished = line.index("0, 1") < header.index("seeds to run")
            assert finished == ("linear_kernel" in line)
    with Store(store) as s:
        assert s.rows() == before


def test_n_train_above_the_data_uses_every_row_and_says_so(toy_root, write_suite, tmp_path, capsys):
    write_suite("big", SUITE.replace('name = "toy"', 'name = "toy"\nparams = { n_train = 1000 }')
                .replace('\n[[methods]]\nname = "broken"\n', ""))
    store = str(tmp_path / "r.sqlite")
    assert main(["run", "big", "--store", store, "--jobs", "0", "--no-progress"]) == 0
    out = capsys.readouterr().out
    # toy has 60 rows, 45 of them training rows: all are used and the row records it
    assert "note: toy: n_train = 1000 asked, but the data has 45 such rows; all 45 were used" in out
    from ntkbench.harness.store import Store

    with Store(store) as s:
        rows = s.rows()
    assert rows and all(r["status"] == "ok" and r["metrics"]["n_train"] == 45 for r in rows)
    assert all(r["dataset_params"]["n_train"] == 1000 for r in rows)


def test_unknown_dataset_is_an_error_at_load_not_missing_data(toy_root, write_suite, tmp_path, capsys):
    write_suite("bad", SUITE.replace('name = "toy"', 'name = "toy_data"'))
    store = tmp_path / "r.sqlite"
    assert main(["run", "bad", "--store", str(store)]) == 2
    err = capsys.readouterr().err
    assert "[[datasets]] 1 (toy_data): unknown dataset 'toy_data'; valid datasets: toy" in err
    assert not store.exists()
