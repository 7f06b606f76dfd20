"""Model selection as the papers do it: a method's parameters chosen on the validation split.

A suite's ``[[methods]]`` entry with ``tune = ["depth", ...]`` runs every grid point as usual;
the report then adds, per dataset and seed, one "tuned" row: the grid point with the best
validation score (the ridge selection's own score on the held-out validation rows, never the
test set), with its test metric and kernel errors, and as its time the sum over all the grid
points it chose from (the honest cost of tuning). Pure functions of the results frame.
"""

from __future__ import annotations

import json

import pandas as pd

from ntkbench.harness.suite import label

#: Timing columns summed over the candidates of a tuned row.
_SUMMED = ("t_fit", "t_featurize", "t_solve", "t_predict", "t_total")


def _params(value) -> dict:
    return value if isinstance(value, dict) else json.loads(value)


def tuned_rows(frame: pd.DataFrame, tuning: list[tuple[str, tuple[str, ...]]]) -> pd.DataFrame:
    """One row per (method entry with ``tune``, other parameters, dataset, seed): the candidate with
    the best ``m_val_score`` (ties: the first in grid order), times summed over the candidates.

    The row's ``method_params`` are the fixed parameters plus ``tuned`` (the names, comma-joined);
    ``tuned_choice`` holds the chosen values, ``tuned_candidates`` how many rows it chose from.
    """
    out = []
    ok = frame[(frame["status"] == "ok") & frame.get("m_val_score", pd.Series(dtype=float)).notna()]
    for method, names in tuning:
        rows = ok[ok["method"] == method]
        if rows.empty:
            continue
        params = rows["method_params"].map(_params)
        fixed = params.map(lambda p: json.dumps({k: v for k, v in p.items() if k not in names}, sort_keys=True,
                                                default=str))
        for (_, _, fixed_key), group in rows.groupby(["dataset_label", "seed", fixed], sort=False):
            best = group.loc[group["m_val_score"].idxmax()].copy()
            chosen = params[best.name]
            tuned_params = {**json.loads(fixed_key), "tuned": ",".join(names)}
            for column in _SUMMED:
                if column in group:
                    best[column] = group[column].sum()
            best["method_params"] = json.dumps(tuned_params, sort_keys=True)
            best["method_label"] = label(method, tuned_params)
            best["tuned_choice"] = ", ".join(f"{k}={chosen[k]}" for k in names)
            best["tuned_candidates"] = len(group)
            best["stale"] = bool(group["stale"].any()) if "stale" in group else False
            out.append(best)
    return pd.DataFrame(out)


def choices(frame: pd.DataFrame) -> dict[tuple[str, str], str]:
    """``(dataset_label, method_label) -> "depth=2 (seeds 0, 1); depth=3 (seed 2)"`` for the tuned rows."""
    if "tuned_choice" not in frame:
        return {}
    tuned = frame[frame["tuned_choice"].notna()]
    text = {}
    for key, group in tuned.groupby(["dataset_label", "method_label"], sort=False):
        parts = []
        for choice, seeds in group.groupby("tuned_choice", sort=True)["seed"]:
            listed = ", ".join(str(s) for s in sorted(seeds))
            parts.append(f"{choice} (seed{'s' if len(seeds) > 1 else ''} {listed})")
        text[key] = "; ".join(parts)
    return text
