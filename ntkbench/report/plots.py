"""Plots of a suite's results (pure functions of the results frame; matplotlib, no display needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ntkbench.report.speedup import seconds_per_entry, size_table  # noqa: E402
from ntkbench.report.style import method_colour, series_marker, wrap_title  # noqa: E402
from ntkbench.report.tables import display_labels, target_notes, test_metric  # noqa: E402


EXACT_BELOW = 1e-8  # errors below this are rounding: drawn as ▼ at the bottom, off the log scale


def _grid(n: int) -> tuple[plt.Figure, np.ndarray]:
    cols = min(n, 3)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 4.0 * rows), squeeze=False)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    return fig, axes.ravel()


def error_vs_dimension(frame: pd.DataFrame, path: Path, metric: str = "m_rel_frobenius",
                       ylabel: str = "relative Frobenius error") -> Path | None:
    """Approximation error against feature dimension: a panel per dataset, a line per method
    configuration (all parameters but ``n_components``), median over seeds with min–max bars."""
    ok = frame[(frame["status"] == "ok") & frame["feature_dim"].notna()]
    if metric not in ok or ok[metric].notna().sum() == 0:
        return None
    ok = ok[ok[metric].notna()].copy()
    ok["series"] = display_labels(ok, drop=("n_components",))
    # The budget asked for, where a method has one: the realised dimension can vary by seed
    # (Nyström drops null directions), which would split one configuration into several points.
    if "p_n_components" in ok:
        ok["feature_dim"] = ok["p_n_components"].fillna(ok["feature_dim"])
    datasets = list(dict.fromkeys(ok["dataset_display"]))
    fig, axes = _grid(len(datasets))
    for ax, dataset in zip(axes, datasets):
        sub = ok[ok["dataset_display"] == dataset]
        approximate = sub.loc[sub[metric] >= EXACT_BELOW, metric]
        bottom = approximate.min() / 3 if len(approximate) else EXACT_BELOW
        notes = target_notes(sub)
        for (series, method, group), marker in _series(sub):
            stats = group.groupby("feature_dim")[metric].agg(["median", "min", "max"]).sort_index()
            colour = method_colour(method)
            ax.errorbar(stats.index, stats["median"],
                        yerr=[stats["median"] - stats["min"], stats["max"] - stats["median"]],
                        marker=marker, capsize=3, color=colour, label=series + notes.get(method, ""))
            exact = stats.index[stats["median"] < EXACT_BELOW]
            ax.plot(exact, np.full(len(exact), bottom * 1.25), linestyle="none", marker="v", markersize=9,
                    color=colour)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        if len(approximate) < sub[metric].notna().sum():  # keep the axis on the approximations
            ax.set_ylim(bottom=bottom)
            ax.annotate(f"▼ exact (error < {EXACT_BELOW:g})", (0.98, 0.02), xycoords="axes fraction",
                        ha="right", fontsize=7)
        _label(ax, "feature dimension (n_components)", ylabel, dataset)
    return _save(fig, path)


def metric_vs_time(frame: pd.DataFrame, path: Path) -> Path | None:
    """Test metric against total method time (fit + featurize + solve + predict), a panel per
    dataset; each point is one method configuration, median over seeds with min–max bars on
    both axes."""
    ok = frame[frame["status"] == "ok"].copy()
    if ok.empty or "t_total" not in ok:
        return None
    ok["series"] = display_labels(ok, drop=("n_components",))
    datasets = list(dict.fromkeys(ok["dataset_display"]))
    fig, axes = _grid(len(datasets))
    for ax, dataset in zip(axes, datasets):
        sub = ok[ok["dataset_display"] == dataset]
        column, label = test_metric(sub)
        for (series, method, group), marker in _series(sub):
            stats = group.groupby("method_label")[["t_total", column]].agg(["median", "min", "max"])
            stats = stats.sort_values(("t_total", "median"))
            time, value = stats["t_total"], stats[column]
            ax.errorbar(time["median"], value["median"], marker=marker, capsize=3, color=method_colour(method),
                        xerr=[time["median"] - time["min"], time["max"] - time["median"]],
                        yerr=[value["median"] - value["min"], value["max"] - value["median"]], label=series)
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        better = " (higher is better)" if "accuracy" in label else " (lower is better)"
        _label(ax, "total time per cell (s)", label + better, dataset)
    return _save(fig, path)


def time_vs_size(frame: pd.DataFrame, path: Path, baseline: str) -> Path | None:
    """Total time (top) and test metric (bottom) against training size, a column per dataset, a
    line per method configuration (median over seeds); the baseline's estimated time at sizes it
    did not run (its kernel time per entry, extrapolated) is the dashed line."""
    table = size_table(frame)
    if table.empty:
        return None
    rates = seconds_per_entry(table, baseline)
    families = list(dict.fromkeys(table["family"]))
    fig, axes = plt.subplots(2, len(families), figsize=(5.2 * len(families), 7.6), squeeze=False)
    for col, family in enumerate(families):
        rows = table[table["family"] == family]
        top, bottom = axes[0, col], axes[1, col]
        for position, (display, group) in enumerate(rows.groupby("method_display", sort=True)):
            method = group["method"].iloc[0]
            group = group.sort_values("n_train")
            style = {"color": method_colour(method), "marker": series_marker(position), "label": display}
            top.plot(group["n_train"], group["total"], **style)
            bottom.plot(group["n_train"], group["metric"], **style)
        if family in rates.index:
            sizes = np.unique(rows["n_train"])
            n_test = rows["n_test"].median()
            top.plot(sizes, rates[family] * sizes * (sizes + n_test), linestyle="--", color=method_colour(baseline),
                     label=f"{baseline}: kernel time extrapolated")
        for ax in (top, bottom):
            ax.set_xscale("log")
        top.set_yscale("log")
        _label(top, "training points (n_train)", "total time per cell (s)", family)
        better = " (higher is better)" if "accuracy" in rows["metric_name"].iloc[0] else " (lower is better)"
        _label(bottom, "training points (n_train)", rows["metric_name"].iloc[0] + better, family)
    return _save(fig, path)


def _series(panel: pd.DataFrame):
    """``((series label, method, rows), marker)`` per configuration: the colour is the method's,
    the marker tells its configurations apart."""
    out = []
    for method, rows in panel.groupby("method", sort=True):
        for position, (series, group) in enumerate(rows.groupby("series", sort=True)):
            out.append(((series, method, group), series_marker(position)))
    return out


def _label(ax: plt.Axes, xlabel: str, ylabel: str, title: str) -> None:
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(wrap_title(title), fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)


def _save(fig: plt.Figure, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path

