"""The SQLite result store: finished rows, failures that are never finished, export."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

from ntkbench.harness.store import Store


def _row(key: str, status: str = "ok", **extra) -> dict:
    row = {
        "key": key, "suite": "s", "method": "m", "method_label": "m[a=1]", "method_params": {"a": 1},
        "dataset": "d", "dataset_label": "d", "dataset_params": {}, "seed": 0, "status": status,
        "error": None if status == "ok" else "boom", "metrics": {"test_rmse": 1.5}, "timings": {"fit": 0.1},
        "feature_dim": 8, "peak_mem_mb": 1.0, "environment": {"torch": "x"}, "finished_at": "now",
    }
    row.update(extra)
    return row


def test_only_ok_rows_count_as_finished(tmp_path):
    with Store(tmp_path / "r.sqlite") as store:
        store.put(_row("a"))
        store.put(_row("b", status="error"))
        store.put(_row("c", status="timeout"))
        store.put(_row("d", status="skipped"))
        assert store.finished_keys() == {"a"}


def test_retrying_a_failure_replaces_its_row_and_counts_attempts(tmp_path):
    with Store(tmp_path / "r.sqlite") as store:
        store.put(_row("a", status="error"))
        store.put(_row("a"))
        rows = store.rows()
    assert len(rows) == 1
    assert rows[0]["status"] == "ok" and rows[0]["attempts"] == 2


def test_rows_survive_reopening_and_json_roundtrips(tmp_path):
    path = tmp_path / "r.sqlite"
    with Store(path) as store:
        store.put(_row("a"))
    with Store(path) as store:
        (row,) = store.rows()
    assert row["metrics"] == {"test_rmse": 1.5} and row["method_params"] == {"a": 1}


def test_invalid_status_is_rejected_and_nothing_is_written(tmp_path):
    with Store(tmp_path / "r.sqlite") as store:
        with pytest.raises(ValueError, match="status"):
            store.put(_row("a", status="done"))
        assert store.rows() == []


def test_failed_insert_leaves_no_partial_row(tmp_path):
    with Store(tmp_path / "r.sqlite") as store:
        with pytest.raises(sqlite3.Error):
            store.put(_row("a", no_such_column=1))
        assert store.rows() == []


def test_frame_flattens_with_prefixes_and_exports(tmp_path):
    with Store(tmp_path / "r.sqlite") as store:
        store.put(_row("a"))
        store.put(_row("b", seed=1))
        frame = store.frame()
        assert {"p_a", "m_test_rmse", "t_fit", "env_torch"} <= set(frame.columns)
        csv = store.export(tmp_path / "out.csv")
        parquet = store.export(tmp_path / "out.parquet")
        assert len(pd.read_csv(csv)) == 2
        assert len(pd.read_parquet(parquet)) == 2
        only_b = store.frame(["b"])
        assert only_b["seed"].tolist() == [1]
        with pytest.raises(ValueError, match="csv' or 'parquet"):
            store.export(tmp_path / "out.xlsx")
