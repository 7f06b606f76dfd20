"""The SQLite result store: finished rows, every attempt kept, migration, refusing unusable files, export."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ntkbench.harness.store import Store, StoreError


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


def test_retrying_a_failure_makes_the_success_current_and_counts_attempts(tmp_path):
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


# The table of the first schema (one row per key, replaced by every attempt), as files written by
# earlier versions hold it.
FIRST_SCHEMA = """
CREATE TABLE runs (
    key TEXT PRIMARY KEY, suite TEXT NOT NULL, method TEXT NOT NULL, method_label TEXT NOT NULL,
    method_params TEXT NOT NULL, dataset TEXT NOT NULL, dataset_label TEXT NOT NULL,
    dataset_params TEXT NOT NULL, seed INTEGER NOT NULL, status TEXT NOT NULL, error TEXT,
    metrics TEXT NOT NULL, timings TEXT NOT NULL, feature_dim INTEGER, peak_mem_mb REAL,
    environment TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 1, finished_at TEXT NOT NULL
)
"""


def _first_schema_file(path: Path) -> Path:
    """A store written by the first schema: `a` finished on its second attempt, `b` failed once."""
    conn = sqlite3.connect(path)
    conn.execute(FIRST_SCHEMA)
    for key, status, attempts in (("a", "ok", 2), ("b", "error", 1)):
        row = _row(key, status)
        values = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in row.items()}
        values["attempts"] = attempts
        conn.execute(f"INSERT INTO runs ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
                     tuple(values.values()))
    conn.commit()
    conn.close()
    return path


def _foreign_file(path: Path) -> Path:
    """Another application's SQLite database."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE bookmarks (url TEXT, title TEXT)")
    conn.execute("INSERT INTO bookmarks VALUES ('https://example.org', 'example')")
    conn.commit()
    conn.close()
    return path


def test_a_failed_recompute_never_hides_a_finished_row(tmp_path):
    with Store(tmp_path / "r.sqlite") as store:
        store.put(_row("a", metrics={"test_rmse": 1.0}))
        store.put(_row("a", status="error"))
        store.put(_row("a", status="timeout"))
        assert store.finished_keys() == {"a"}
        (row,) = store.rows()
        assert (row["status"], row["metrics"], row["attempt"], row["attempts"]) == ("ok", {"test_rmse": 1.0}, 1, 3)
        every = store.rows(all_attempts=True)
        assert [(r["attempt"], r["status"], r["current"]) for r in every] == [
            (1, "ok", 1), (2, "error", 0), (3, "timeout", 0)]
        assert len(store.frame(all_attempts=True)) == 3 and len(store.frame()) == 1
        store.put(_row("a", metrics={"test_rmse": 2.0}))  # a newer success becomes current
        (row,) = store.rows()
        assert (row["metrics"], row["attempt"], row["attempts"]) == ({"test_rmse": 2.0}, 4, 4)


def test_without_success_the_newest_attempt_is_current(tmp_path):
    with Store(tmp_path / "r.sqlite") as store:
        store.put(_row("a", status="error", error="first"))
        store.put(_row("a", status="timeout", error="second"))
        (row,) = store.rows()
        assert store.finished_keys() == set()
    assert (row["status"], row["error"], row["attempts"]) == ("timeout", "second", 2)


def test_identity_and_code_default_to_the_key_and_nothing(tmp_path):
    with Store(tmp_path / "r.sqlite") as store:
        store.put(_row("a"))
        store.put(_row("b", identity="cell-b", code='{"m": "abc"}'))
        rows = {r["key"]: r for r in store.rows()}
    assert (rows["a"]["identity"], rows["a"]["code"]) == ("a", "")
    assert (rows["b"]["identity"], rows["b"]["code"]) == ("cell-b", '{"m": "abc"}')


def test_rows_by_identity_give_the_newest_success_across_code_versions(tmp_path):
    with Store(tmp_path / "r.sqlite") as store:
        store.put(_row("a-v1", identity="a", code="v1", seed=1))
        store.put(_row("b-v1", identity="b", code="v1", status="error"))
        store.put(_row("a-v2", identity="a", code="v2", status="error", seed=2))
        assert [r["key"] for r in store.rows(identities=["a"])] == ["a-v1"]  # v2 failed: v1 stays
        assert [r["key"] for r in store.rows(identities=["b"])] == ["b-v1"]
        store.put(_row("a-v2", identity="a", code="v2", seed=2))
        assert [r["key"] for r in store.rows(identities=["a", "b"])] == ["b-v1", "a-v2"]
        assert store.frame(identities=["a"])["seed"].tolist() == [2]
        assert len(store.rows(identities=["a"], all_attempts=True)) == 3
        with pytest.raises(ValueError, match="keys or by identities"):
            store.rows(["a-v1"], identities=["a"])


def test_a_first_schema_file_is_migrated_in_place_losing_nothing(tmp_path):
    path = _first_schema_file(tmp_path / "old.sqlite")
    with Store(path) as store:
        rows = {r["key"]: r for r in store.rows()}
        assert set(rows) == {"a", "b"} and store.finished_keys() == {"a"}
        assert (rows["a"]["attempts"], rows["a"]["identity"], rows["a"]["code"]) == (2, "a", "")
        assert rows["a"]["metrics"] == {"test_rmse": 1.5} and rows["b"]["error"] == "boom"
        store.put(_row("a", status="error"))  # the migrated row stays current
        (a,) = store.rows(["a"])
        assert (a["status"], a["attempts"]) == ("ok", 3)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone() == (2,)
    assert conn.execute("SELECT COUNT(*) FROM runs").fetchone() == (3,)
    conn.close()


def test_a_migration_that_fails_midway_leaves_the_first_schema_intact(tmp_path, monkeypatch):
    path = _first_schema_file(tmp_path / "old.sqlite")
    migrate = Store._migrate_from_first_schema

    def migrate_then_fail(store):
        migrate(store)
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(Store, "_migrate_from_first_schema", migrate_then_fail)
    with pytest.raises(StoreError, match="disk I/O error"):
        Store(path)
    conn = sqlite3.connect(path)
    assert "attempts" in {row[1] for row in conn.execute("PRAGMA table_info(runs)")}
    assert conn.execute("SELECT key, attempts FROM runs ORDER BY key").fetchall() == [("a", 2), ("b", 1)]
    conn.close()


def test_a_first_schema_file_reads_without_being_changed(tmp_path):
    path = _first_schema_file(tmp_path / "old.sqlite")
    before = path.read_bytes()
    with Store(path, readonly=True) as store:
        assert {r["key"]: r["attempts"] for r in store.rows()} == {"a": 2, "b": 1}
        assert store.finished_keys() == {"a"}
    assert path.read_bytes() == before


@pytest.mark.parametrize("readonly", [False, True])
def test_corrupt_and_foreign_files_are_refused_untouched(tmp_path, readonly):
    corrupt = tmp_path / "corrupt.sqlite"
    corrupt.write_bytes(np.random.default_rng(0).bytes(8192))
    foreign = _foreign_file(tmp_path / "foreign.sqlite")
    for path, reason in ((corrupt, "not a usable SQLite result store"), (foreign, "not an ntkbench result store")):
        before = path.read_bytes()
        with pytest.raises(StoreError, match=reason) as info:
            Store(path, readonly=readonly)
        assert str(path) in str(info.value) and "--store" in str(info.value)
        assert path.read_bytes() == before


def test_reading_a_missing_store_is_an_error_and_creates_nothing(tmp_path):
    with pytest.raises(StoreError, match="no result store at .*missing.sqlite.*ntkbench run"):
        Store(tmp_path / "missing.sqlite", readonly=True)
    assert list(tmp_path.iterdir()) == []


def test_a_read_only_store_cannot_be_opened_for_writing(tmp_path):
    folder = Path(tempfile.mkdtemp(prefix="ntkbench-ro-"))  # readable by the user the test may switch to
    try:
        folder.chmod(0o755)
        path = folder / "r.sqlite"
        with Store(path) as store:
            store.put(_row("a"))
        path.chmod(0o444)
        with _as_unprivileged_user():
            with pytest.raises(StoreError, match=f"cannot write the result store {path}.*writable"):
                Store(path)
    finally:
        shutil.rmtree(folder)


@contextlib.contextmanager
def _as_unprivileged_user():
    """Run the block as `nobody` when the tests run as root (root may write any file)."""
    if os.geteuid() != 0:
        yield
        return
    os.seteuid(65534)
    try:
        yield
    finally:
        os.seteuid(0)
