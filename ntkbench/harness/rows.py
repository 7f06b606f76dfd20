"""Store rows: a cell's identity, its outcome and the environment it ran in."""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any

from ntkbench.harness.environment import environment
from ntkbench.harness.suite import Cell


def make_row(cell: Cell, suite: str, device: str = "cpu", **outcome: Any) -> dict[str, Any]:
    """A complete store row for ``cell``: identity, then ``outcome`` (status, error, metrics ...)."""
    row: dict[str, Any] = {
        "key": cell.key, "identity": cell.identity, "code": json.dumps(dict(cell.code), sort_keys=True),
        "suite": suite, "method": cell.method, "method_label": cell.method_label,
        "method_params": dict(cell.method_params), "dataset": cell.dataset,
        "dataset_label": cell.dataset_label, "dataset_params": dict(cell.dataset_params), "seed": cell.seed,
        "status": "ok", "error": None, "metrics": {}, "timings": {}, "feature_dim": None, "peak_mem_mb": None,
    }
    row.update(outcome)
    row["environment"] = environment(device)
    row["finished_at"] = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    return row
