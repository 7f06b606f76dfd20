"""The result store: one SQLite file, one row per cell key, every write its own transaction.

A row is written whole or not at all (SQLite transactions, WAL journal), so a run killed at any
moment loses no finished row and leaves no half row. Failures are rows too, but only rows with
status ``ok`` count as finished.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from ntkbench.harness.registry import project_root

STATUSES = ("ok", "error", "timeout", "skipped")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    key TEXT PRIMARY KEY,
    suite TEXT NOT NULL,
    method TEXT NOT NULL,
    method_label TEXT NOT NULL,
    method_params TEXT NOT NULL,
    dataset TEXT NOT NULL,
    dataset_label TEXT NOT NULL,
    dataset_params TEXT NOT NULL,
    seed INTEGER NOT NULL,
    status TEXT NOT NULL,
    error TEXT,
    metrics TEXT NOT NULL,
    timings TEXT NOT NULL,
    feature_dim INTEGER,
    peak_mem_mb REAL,
    environment TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 1,
    finished_at TEXT NOT NULL
)
"""

_JSON_COLUMNS = ("method_params", "dataset_params", "metrics", "timings", "environment")


def default_store_path() -> Path:
    """``results/ntkbench.sqlite`` under the project root."""
    return project_root() / "results" / "ntkbench.sqlite"


class Store:
    """SQLite result store.

    Parameters
    ----------
    path : path-like, optional
        The database file (created with its folder); default :func:`default_store_path`.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_store_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute(_SCHEMA)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def finished_keys(self) -> set[str]:
        """Keys of the rows with status ``ok``."""
        return {k for (k,) in self._conn.execute("SELECT key FROM runs WHERE status = 'ok'")}

    def put(self, row: dict[str, Any]) -> None:
        """Insert or replace the row of ``row['key']`` in one transaction."""
        if row["status"] not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {row['status']!r}")
        values = {k: (json.dumps(v, sort_keys=True, default=_json_default) if k in _JSON_COLUMNS else v)
                  for k, v in row.items()}
        with self._conn:  # BEGIN ... COMMIT, or ROLLBACK on error
            self._conn.execute("BEGIN IMMEDIATE")
            previous = self._conn.execute("SELECT attempts FROM runs WHERE key = ?", (row["key"],)).fetchone()
            values["attempts"] = (previous[0] + 1) if previous else 1
            columns = ", ".join(values)
            marks = ", ".join("?" for _ in values)
            self._conn.execute(f"INSERT OR REPLACE INTO runs ({columns}) VALUES ({marks})", tuple(values.values()))

    def rows(self, keys: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """All rows (or those with the given keys), JSON columns decoded."""
        cursor = self._conn.execute("SELECT * FROM runs ORDER BY rowid")
        names = [d[0] for d in cursor.description]
        wanted = None if keys is None else set(keys)
        out = []
        for record in cursor:
            row = dict(zip(names, record))
            if wanted is not None and row["key"] not in wanted:
                continue
            for col in _JSON_COLUMNS:
                row[col] = json.loads(row[col]) if row[col] else {}
            out.append(row)
        return out

    def frame(self, keys: Iterable[str] | None = None) -> pd.DataFrame:
        """One tidy table: a row per cell, with prefixed columns ``p_*`` (method params), ``d_*``
        (dataset params), ``m_*`` (metrics), ``t_*`` (timings) and ``env_*``; the parameters are
        also kept whole as JSON text in ``method_params`` and ``dataset_params``."""
        records = []
        for row in self.rows(keys):
            flat = {k: v for k, v in row.items() if k not in _JSON_COLUMNS}
            flat["method_params"] = json.dumps(row["method_params"], sort_keys=True, default=_json_default)
            flat["dataset_params"] = json.dumps(row["dataset_params"], sort_keys=True, default=_json_default)
            for col, prefix in (("method_params", "p_"), ("dataset_params", "d_"), ("metrics", "m_"),
                                ("timings", "t_"), ("environment", "env_")):
                flat.update({prefix + k: v for k, v in row[col].items()})
            records.append(flat)
        return pd.DataFrame.from_records(records)

    def export(self, path: str | Path, fmt: str | None = None, keys: Iterable[str] | None = None) -> Path:
        """Write :meth:`frame` as CSV or Parquet (format from ``fmt`` or the file suffix)."""
        path = Path(path)
        fmt = (fmt or path.suffix.lstrip(".")).lower()
        frame = self.frame(keys)
        path.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "csv":
            frame.to_csv(path, index=False)
        elif fmt == "parquet":
            frame.astype({c: str for c in frame.columns if frame[c].dtype == object}).to_parquet(path, index=False)
        else:
            raise ValueError(f"export format must be 'csv' or 'parquet', got {fmt!r}")
        return path


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)
