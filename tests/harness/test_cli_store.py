"""The command line and unusable store files: one clear line, exit 2, and readers that never change
a file; export to standard output."""

from __future__ import annotations

import io
import sqlite3

import numpy as np
import pandas as pd
import pytest

from ntkbench.cli import main
from ntkbench.harness.store import Store

SUITE = """
[suite]
seeds = [0]
n_eval = 10

[[datasets]]
name = "toy"

[[methods]]
name = "linear"
"""


@pytest.fixture
def unusable(tmp_path):
    """A corrupt file and another application's SQLite database (WAL journal, as a reader could switch it)."""
    corrupt = tmp_path / "corrupt.sqlite"
    corrupt.write_bytes(np.random.default_rng(1).bytes(4096))
    foreign = tmp_path / "foreign.sqlite"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.execute("INSERT INTO notes VALUES ('keep me')")
    conn.commit()
    conn.close()
    return {"corrupt": corrupt, "foreign": foreign}


def _assert_one_line_error(capsys, *fragments):
    err = capsys.readouterr().err
    assert err.startswith("ntkbench: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, err


@pytest.mark.parametrize("kind", ["corrupt", "foreign"])
def test_report_and_export_refuse_unusable_files_without_changing_them(toy_root, write_suite, unusable,
                                                                       tmp_path, capsys, kind):
    write_suite("demo", SUITE)
    path = unusable[kind]
    before = path.read_bytes()
    for command in (["report", "demo"], ["export", "-o", str(tmp_path / "out.csv")]):
        assert main([*command, "--store", str(path)]) == 2
        _assert_one_line_error(capsys, str(path), "--store")
        assert path.read_bytes() == before
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize("kind", ["corrupt", "foreign"])
def test_run_refuses_unusable_files(toy_root, write_suite, unusable, capsys, kind):
    write_suite("demo", SUITE)
    before = unusable[kind].read_bytes()
    assert main(["run", "demo", "--store", str(unusable[kind]), "--jobs", "0", "--no-progress"]) == 2
    _assert_one_line_error(capsys, str(unusable[kind]))
    assert unusable[kind].read_bytes() == before


def test_export_of_a_missing_store_is_an_error(tmp_path, capsys):
    missing = tmp_path / "nothing.sqlite"
    assert main(["export", "--store", str(missing), "-o", str(tmp_path / "out.csv")]) == 2
    _assert_one_line_error(capsys, f"no result store at {missing}")
    assert list(tmp_path.iterdir()) == []


def test_export_to_standard_output(tmp_path, capsys):
    store_path = tmp_path / "r.sqlite"
    with Store(store_path) as store:
        for seed in (0, 1):
            store.put({"key": f"k{seed}", "suite": "s", "method": "m", "method_label": "m", "method_params": {},
                       "dataset": "d", "dataset_label": "d", "dataset_params": {}, "seed": seed, "status": "ok",
                       "error": None, "metrics": {"test_rmse": 0.5 + seed}, "timings": {}, "feature_dim": 4,
                       "peak_mem_mb": None, "environment": {}, "finished_at": "now"})
    assert main(["export", "--store", str(store_path), "-o", "-"]) == 0
    frame = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert frame["key"].tolist() == ["k0", "k1"] and frame["m_test_rmse"].tolist() == [0.5, 1.5]

    assert main(["export", "--store", str(store_path), "-o", "-", "--format", "parquet"]) == 2
    _assert_one_line_error(capsys, "parquet cannot be written to standard output; give a file")
