"""Summary tables from the tidy results frame (pure functions: no computation of results here)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from ntkbench.harness.suite import label

#: Metric columns of the report: (frame column, header, lower is better).
KERNEL_COLUMNS = [("m_spectral_eps", "spectral ε"), ("m_rel_frobenius", "rel. Frobenius")]
TIME_COLUMNS = [("t_featurize", "featurize s"), ("t_total", "total s")]


def test_metric(task_frame: pd.DataFrame) -> tuple[str, str]:
    """The headline test metric column of a dataset's rows: accuracy or RMSE."""
    if "m_test_accuracy" in task_frame and task_frame["m_test_accuracy"].notna().any():
        return "m_test_accuracy", "test accuracy"
    return "m_test_rmse", "test RMSE"


def display_labels(frame: pd.DataFrame, column: str = "method_params", name_column: str = "method",
                   drop: tuple[str, ...] = ()) -> pd.Series:
    """Short labels: the name plus only the parameters that vary among rows of the same name."""
    params = frame[column].map(lambda p: p if isinstance(p, dict) else json.loads(p))
    labels = pd.Series(index=frame.index, dtype=object)
    for name, group in params.groupby(frame[name_column]):
        keys = sorted({k for p in group for k in p})
        varying = [k for k in keys if k not in drop and len({json.dumps(p.get(k), default=str) for p in group}) > 1]
        for idx, p in group.items():
            labels[idx] = label(name, {k: p[k] for k in varying if k in p})
    return labels


def target_families(frame: pd.DataFrame) -> dict[str, str]:
    """The kind of exact kernel each method is scored against (``fc_ntk``, ``rbf`` ...), from the
    target kernels' canonical names."""
    if "m_target_kernel" not in frame:
        return {}
    named = frame[frame["m_target_kernel"].notna()]
    families = named["m_target_kernel"].astype(str).str.split("[", n=1).str[0]
    return families.groupby(named["method"]).agg(lambda f: f.mode().iloc[0]).to_dict()


def target_notes(frame: pd.DataFrame) -> dict[str, str]:
    """`` (vs <kernel>)`` for every method scored against another kind of kernel than most methods
    of ``frame`` (e.g. random Fourier features against the Gaussian kernel among NTK methods)."""
    families = target_families(frame)
    if len(set(families.values())) < 2:
        return {}
    common = pd.Series(list(families.values())).mode().iloc[0]
    return {method: f" (vs {family} kernel)" for method, family in families.items() if family != common}


def summarize(frame: pd.DataFrame) -> pd.DataFrame:
    """Median, minimum and maximum over seeds of every numeric metric, per method × dataset label."""
    ok = frame[frame["status"] == "ok"]
    numeric = [c for c in ok.columns if c.startswith(("m_", "t_")) or c in ("feature_dim", "peak_mem_mb")]
    numeric = [c for c in numeric if pd.api.types.is_numeric_dtype(ok[c])]
    grouped = ok.groupby(["dataset", "dataset_label", "method", "method_label"], sort=False)[numeric]
    summary = grouped.median().add_suffix("_median")
    summary = summary.join(grouped.min().add_suffix("_min")).join(grouped.max().add_suffix("_max"))
    summary["seeds"] = grouped.size()
    return summary.reset_index()


def cell_text(row: pd.Series, column: str, digits: int = 3) -> str:
    """``median ±h`` of one summarised column, h = half the min–max range over seeds; ``—`` when absent."""
    median = row.get(f"{column}_median", np.nan)
    if median is None or not np.isfinite(median):
        return "—"
    low, high = row.get(f"{column}_min"), row.get(f"{column}_max")
    text = _num(median, digits)
    if low is not None and high is not None and np.isfinite(low) and high > low:
        text += f" ±{_num((high - low) / 2, 2)}"
    return text


def _num(value: float, digits: int) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 1e4 or abs(value) < 1e-3:
        return f"{value:.{digits - 1}e}"
    return f"{value:.{digits}g}"
