"""The result store: one SQLite file, one row per attempt at a cell, every write its own transaction.

A row is written whole or not at all (SQLite transactions, WAL journal), so a run killed at any
moment loses no finished row and leaves no half row. Every attempt at a cell key is kept as its own
row; the *current* row of a key is its newest ``ok`` attempt if there is one, else its newest
attempt, so recomputing a finished cell (``--force``) never hides its result behind a failure.
Failures are rows too, but only ``ok`` rows count as finished.

Readers (``report``, ``export``) open the file read-only and never change it; files written by the
first schema (one row per key) are migrated in place by the first writer that opens them.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path
from typing import Any, Iterable, Iterator

import pandas as pd

from ntkbench.harness.registry import project_root

STATUSES = ("ok", "error", "timeout", "skipped")
SCHEMA_VERSION = 2

# Written by the store itself, never taken from a row dict.
_MANAGED = ("id", "attempt", "attempts", "current")
_JSON_COLUMNS = ("method_params", "dataset_params", "metrics", "timings", "environment")
_CELL_COLUMNS = ("suite", "method", "method_label", "method_params", "dataset", "dataset_label",
                 "dataset_params", "seed", "status", "error", "metrics", "timings", "feature_dim",
                 "peak_mem_mb", "environment", "finished_at")

_TABLE = """
CREATE TABLE {name} (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    identity TEXT NOT NULL,
    code TEXT NOT NULL DEFAULT '',
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
    attempt INTEGER NOT NULL,
    current INTEGER NOT NULL DEFAULT 0,
    finished_at TEXT NOT NULL
)
"""
_INDEXES = (
    "CREATE INDEX runs_by_key ON runs (key)",
    "CREATE INDEX runs_by_identity ON runs (identity)",
    "CREATE UNIQUE INDEX runs_current_of_key ON runs (key) WHERE current = 1",
)

# The first schema's table (``key TEXT PRIMARY KEY``, an ``attempts`` count) seen as the current one:
# every old row is the current row of its key, its identity is its key and its code is unknown.
_LEGACY_COLUMNS = frozenset(("key", "attempts") + _CELL_COLUMNS)
_FROM_LEGACY = ("SELECT rowid AS id, key, key AS identity, '' AS code, " + ", ".join(_CELL_COLUMNS)
                + ", attempts AS attempt, 1 AS current FROM main.runs ORDER BY rowid")
_COLUMNS = ("id", "key", "identity", "code") + _CELL_COLUMNS + ("attempt", "current")

# Rank 1 = the current row of a partition: newest ok attempt, else newest attempt.
_RANK = "ROW_NUMBER() OVER (PARTITION BY {by} ORDER BY status = 'ok' DESC, id DESC)"


class StoreError(ValueError):
    """The store file cannot be used: missing, corrupt, another application's or not writable."""


def default_store_path() -> Path:
    """``results/ntkbench.sqlite`` under the project root."""
    return project_root() / "results" / "ntkbench.sqlite"


def missing_store_message(path: Path, suite: str = "SUITE") -> str:
    """What to tell someone who asks to read a store file that does not exist."""
    return f"no result store at {path}: run `ntkbench run {suite}` first, or pass --store with an existing result file"


class Store:
    """SQLite result store.

    Parameters
    ----------
    path : path-like, optional
        The database file (created with its folder unless ``readonly``); default
        :func:`default_store_path`.
    readonly : bool, default False
        Open for reading only (SQLite ``mode=ro``): the file must exist and is never changed.

    Raises
    ------
    StoreError
        If the file is missing (read-only), not an SQLite database, another application's
        database, or (for writing) not writable.
    """

    def __init__(self, path: str | Path | None = None, *, readonly: bool = False) -> None:
        self.path = Path(path) if path is not None else default_store_path()
        self.readonly = readonly
        if readonly:
            if not self.path.is_file():
                raise StoreError(missing_store_message(self.path))
            uri = self.path.resolve().as_uri() + "?mode=ro"
            self._conn = sqlite3.connect(uri, uri=True, timeout=60, isolation_level=None)
        else:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._conn = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            except (OSError, sqlite3.Error) as exc:
                raise StoreError(f"cannot create the result store {self.path} ({exc}); "
                                 "pass --store with a writable location") from None
        try:
            self._table = self._open()
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            raise StoreError(self._explain(exc)) from None
        except StoreError:
            self._conn.close()
            raise

    def _open(self) -> str:
        """Check what the file holds, prepare it, and return the table (or view) that rows are read from."""
        columns = self._runs_columns()
        if self.readonly:
            if not columns:  # an empty database: no rows
                self._conn.execute(_TABLE.format(name="temp.runs_view"))
                return "runs_view"
            if "identity" not in columns:
                self._conn.execute(f"CREATE TEMP VIEW runs_view AS {_FROM_LEGACY}")
                return "runs_view"
            return "runs"
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        with self._write():
            columns = self._runs_columns()  # again, now that no other writer can change it
            if not columns:
                self._conn.execute(_TABLE.format(name="runs"))
                for statement in _INDEXES:
                    self._conn.execute(statement)
            elif "identity" not in columns:
                self._migrate_from_first_schema()
            # Also proves that the file is writable before any result is computed.
            self._conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        return "runs"

    def _runs_columns(self) -> set[str]:
        """Columns of the ``runs`` table (empty if the database has no table at all).

        Raises :class:`StoreError` for another application's database; reading the schema raises
        :class:`sqlite3.DatabaseError` for a file that is not an SQLite database.
        """
        tables = {name for (name,) in self._conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        columns = {row[1] for row in self._conn.execute("PRAGMA table_info(runs)")}
        ours = columns >= set(_COLUMNS) or columns >= _LEGACY_COLUMNS
        if tables - {"sqlite_sequence"} and not ours:
            raise StoreError(f"{self.path} is not an ntkbench result store (an SQLite database without "
                             "ntkbench's `runs` table); leave it alone and pass --store with another file")
        return columns

    def _migrate_from_first_schema(self) -> None:
        """Copy every row of the first schema into the current one (inside the caller's transaction)."""
        self._conn.execute(_TABLE.format(name="runs_migrated"))
        self._conn.execute(f"INSERT INTO runs_migrated ({', '.join(_COLUMNS)}) {_FROM_LEGACY}")
        self._conn.execute("DROP TABLE runs")
        self._conn.execute("ALTER TABLE runs_migrated RENAME TO runs")
        for statement in _INDEXES:
            self._conn.execute(statement)

    @contextlib.contextmanager
    def _write(self) -> Iterator[None]:
        """One write transaction: BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error."""
        if self.readonly:
            raise StoreError(f"the result store {self.path} was opened read-only")
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def _explain(self, exc: sqlite3.DatabaseError) -> str:
        text = str(exc)
        if "readonly" in text or "read-only" in text:
            return (f"cannot write the result store {self.path} ({text}); make the file and its folder "
                    "writable, or pass --store with another file")
        if "locked" in text:
            return (f"the result store {self.path} is locked by another process ({text}); "
                    "wait for it to finish, or pass --store with another file")
        return (f"{self.path} is not a usable SQLite result store ({text}); move it away, "
                "or pass --store with another file")

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def finished_keys(self) -> set[str]:
        """Keys with at least one ``ok`` attempt."""
        return {k for (k,) in self._conn.execute(f"SELECT DISTINCT key FROM {self._table} WHERE status = 'ok'")}

    def put(self, row: dict[str, Any]) -> None:
        """Add ``row`` as a new attempt at ``row['key']`` and update which attempt is current, in one
        transaction.

        ``row`` may lack ``identity`` (then the key) and ``code`` (then ``""``); the store numbers
        the attempt itself. The current row of the key becomes the newest ``ok`` attempt, else the
        newest attempt: a failed recompute never hides a finished result.
        """
        if row["status"] not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {row['status']!r}")
        values = {"identity": row["key"], "code": ""}
        values.update({k: (json.dumps(v, sort_keys=True, default=_json_default) if k in _JSON_COLUMNS else v)
                       for k, v in row.items() if k not in _MANAGED})
        with self._write():
            (previous,) = self._conn.execute("SELECT MAX(attempt) FROM runs WHERE key = ?", (row["key"],)).fetchone()
            values["attempt"] = (previous or 0) + 1
            columns = ", ".join(values)
            marks = ", ".join("?" for _ in values)
            self._conn.execute(f"INSERT INTO runs ({columns}) VALUES ({marks})", tuple(values.values()))
            (current,) = self._conn.execute(
                "SELECT id FROM runs WHERE key = ? ORDER BY status = 'ok' DESC, id DESC LIMIT 1",
                (row["key"],)).fetchone()
            self._conn.execute("UPDATE runs SET current = 0 WHERE key = ? AND current = 1", (row["key"],))
            self._conn.execute("UPDATE runs SET current = 1 WHERE id = ?", (current,))

    def rows(self, keys: Iterable[str] | None = None, *, identities: Iterable[str] | None = None,
             all_attempts: bool = False) -> list[dict[str, Any]]:
        """Rows in the order they were written, JSON columns decoded.

        Parameters
        ----------
        keys : iterable of str, optional
            Only rows of these cell keys.
        identities : iterable of str, optional
            Only rows of these cell identities (cells regardless of code version); without
            ``all_attempts``, one row per identity: its newest ``ok`` attempt, else its newest.
            Cannot be combined with ``keys``.
        all_attempts : bool, default False
            Every attempt instead of the current row of each key (or identity).

        Returns
        -------
        list of dict
            One dict per row, with ``attempt`` (its number within its key), ``attempts`` (how many
            attempts its key has had) and ``current`` (1 for the current row of its key).
        """
        if keys is not None and identities is not None:
            raise ValueError("select rows by keys or by identities, not both")
        column, wanted = ("key", keys) if identities is None else ("identity", identities)
        wanted = None if wanted is None else set(wanted)
        attempts = f"(SELECT MAX(attempt) FROM {self._table} AS a WHERE a.key = r.key) AS attempts"
        if all_attempts:
            query = f"SELECT r.*, {attempts} FROM {self._table} AS r"
        elif identities is None:
            query = f"SELECT r.*, {attempts} FROM {self._table} AS r WHERE current = 1"
        else:
            query = (f"SELECT * FROM (SELECT r.*, {attempts}, {_RANK.format(by='identity')} AS rank "
                     f"FROM {self._table} AS r) WHERE rank = 1")
        cursor = self._conn.execute(query + " ORDER BY id")
        names = [d[0] for d in cursor.description]
        out = []
        for record in cursor:
            row = dict(zip(names, record))
            if wanted is not None and row[column] not in wanted:
                continue
            for name in ("id", "rank"):
                row.pop(name, None)
            for col in _JSON_COLUMNS:
                row[col] = json.loads(row[col]) if row[col] else {}
            out.append(row)
        return out

    def frame(self, keys: Iterable[str] | None = None, *, identities: Iterable[str] | None = None,
              all_attempts: bool = False) -> pd.DataFrame:
        """One tidy table of :meth:`rows` (same selection): a row per cell, with prefixed columns
        ``p_*`` (method params), ``d_*`` (dataset params), ``m_*`` (metrics), ``t_*`` (timings) and
        ``env_*``; the parameters are also kept whole as JSON text in ``method_params`` and
        ``dataset_params``."""
        records = []
        for row in self.rows(keys, identities=identities, all_attempts=all_attempts):
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
        if fmt not in ("csv", "parquet"):
            raise ValueError(f"export format must be 'csv' or 'parquet', got {fmt!r}")
        frame = self.frame(keys)
        path.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "csv":
            frame.to_csv(path, index=False)
        else:
            frame.astype({c: str for c in frame.columns if frame[c].dtype == object}).to_parquet(path, index=False)
        return path


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)
