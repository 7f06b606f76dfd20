"""Speed-up of every method over a baseline (a suite's ``[report] baseline``) at each training size.

The seed papers state their case as "the approximation matches the exact kernel's accuracy at a
fraction of its time". This module turns a suite that runs both at several training sizes into
that statement: per dataset and training size, each method's test metric and total time next to
the baseline's, the speed-up measured in the same run, the training size from which the method
is the cheaper one, and, at sizes the baseline did not run (e.g. a full training set), the
baseline's kernel cost extrapolated from its measured time per kernel entry (marked as an
estimate). Pure functions of the results frame.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ntkbench.report.tables import test_metric

_N_TRAIN = re.compile(r"n_train=\d+,?")


def family_display(display: str) -> str:
    """A dataset's display label without its training size: ``cifar10[n_train=500]`` → ``cifar10``."""
    return _N_TRAIN.sub("", display).replace(",]", "]").replace("[]", "")


def size_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Median over seeds of total time, featurize time and the test metric per dataset family,
    training size and method configuration (rows that finished only)."""
    ok = frame[(frame["status"] == "ok") & frame["m_n_train"].notna()].copy()
    if ok.empty:
        return pd.DataFrame()
    ok["family"] = ok["dataset_display"].map(family_display)
    ok["n_train"] = ok["m_n_train"].astype(int)
    parts = []
    for family, rows in ok.groupby("family", sort=False):
        column, name = test_metric(rows)
        grouped = rows.groupby(["n_train", "method", "method_display"], sort=True)
        part = grouped.agg(total=("t_total", "median"), featurize=("t_featurize", "median"),
                           metric=(column, "median"), n_test=("m_n_test", "median"),
                           seeds=("seed", "nunique")).reset_index()
        part.insert(0, "family", family)
        part["metric_name"] = name
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def seconds_per_entry(table: pd.DataFrame, baseline: str) -> pd.Series:
    """The baseline's featurize (kernel) time per kernel entry, n_train·(n_train + n_test), at the
    largest training size it ran, per family: the rate used to extrapolate its cost."""
    rows = table[table["method"] == baseline].sort_values("n_train").groupby("family").tail(1)
    entries = rows["n_train"] * (rows["n_train"] + rows["n_test"])
    return pd.Series((rows["featurize"] / entries).to_numpy(), index=rows["family"].to_numpy())


def with_speedups(table: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """``table`` with the baseline's time at the same family and size (``baseline_total``; where
    the baseline did not run, its kernel time extrapolated from :func:`seconds_per_entry`, flagged
    ``estimated``) and ``speedup`` = baseline time / method time."""
    measured = table[table["method"] == baseline].groupby(["family", "n_train"])["total"].median()
    rate = seconds_per_entry(table, baseline)
    out = table[table["method"] != baseline].copy()
    keys = list(zip(out["family"], out["n_train"]))
    out["baseline_total"] = [measured.get(k, np.nan) for k in keys]
    out["estimated"] = out["baseline_total"].isna()
    estimate = out["family"].map(rate) * out["n_train"] * (out["n_train"] + out["n_test"])
    out["baseline_total"] = out["baseline_total"].fillna(estimate)
    out["speedup"] = out["baseline_total"] / out["total"]
    return out


def crossover(sizes: np.ndarray, method_time: np.ndarray, baseline_time: np.ndarray) -> tuple[float, str]:
    """The training size from which the method's time is below the baseline's, and how it was found.

    Where the order changes between two measured sizes, the crossing is interpolated linearly in
    log–log; where it never changes, power laws fitted to each side's times are extrapolated
    (needs two sizes each). Returns ``(nan, reason)`` when no crossing can be stated.
    """
    sizes, ratio = np.asarray(sizes, float), np.asarray(method_time, float) / np.asarray(baseline_time, float)
    if len(sizes) == 0:
        return np.nan, "no size run by both"
    cheaper = ratio < 1
    if cheaper.all():
        return sizes[0], "cheaper at every measured size"
    flips = np.flatnonzero(~cheaper[:-1] & cheaper[1:])
    if len(flips):
        i = flips[-1]
        lr = np.log(ratio[i:i + 2])
        ln = np.log(sizes[i:i + 2])
        return float(np.exp(ln[0] - lr[0] * (ln[1] - ln[0]) / (lr[1] - lr[0]))), "interpolated"
    if len(sizes) < 2:
        return np.nan, "one size only: no trend to extrapolate"
    slope_m, icpt_m = np.polyfit(np.log(sizes), np.log(method_time), 1)
    slope_b, icpt_b = np.polyfit(np.log(sizes), np.log(baseline_time), 1)
    if slope_b <= slope_m:
        return np.nan, f"the baseline's time grows no faster (slopes {slope_b:.2f} vs {slope_m:.2f})"
    n_star = float(np.exp((icpt_m - icpt_b) / (slope_b - slope_m)))
    return n_star, f"extrapolated (log–log slopes {slope_m:.2f} vs {slope_b:.2f})"


def crossovers(speedups: pd.DataFrame) -> pd.DataFrame:
    """One row per family and method configuration: the crossover size and how it was found."""
    rows = []
    for (family, display), group in speedups.groupby(["family", "method_display"], sort=False):
        both = group[~group["estimated"]].sort_values("n_train")
        n_star, how = crossover(both["n_train"].to_numpy(), both["total"].to_numpy(),
                                both["baseline_total"].to_numpy())
        rows.append({"family": family, "method_display": display, "crossover": n_star, "how": how})
    return pd.DataFrame(rows)
