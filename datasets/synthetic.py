"""Synthetic data for scaling benchmarks: any n and d, seeded, generated on the fly (never stored)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ntkbench.data import synthetic
from ntkbench.data.adapter import check_choice, make_split, validate_transform
from ntkbench.data.splits import n_test_rows
from ntkbench.contracts import Dataset, Split


class Synthetic(Dataset):
    """Gaussian (N(0, I/d)) or uniform-on-the-sphere inputs labelled by a random ReLU teacher.

    The first ``n - n_test`` rows are the training set and the rest the test set (rows are i.i.d.);
    ``seed`` selects the data and the teacher.
    """

    name = "synthetic"
    task = "regression"
    version = "1"
    params = {"n": [10000], "d": [16], "distribution": ["gaussian"], "task": ["regression"],
              "n_classes": [2], "noise": [0.1], "test_size": [0.2], "transform": ["none"]}
    choices = {"distribution": list(synthetic.DISTRIBUTIONS), "task": ["regression", "classification"]}
    param_constraints = {"n": {"ge": 2}, "d": {"ge": 1}, "n_classes": {"ge": 2}, "noise": {"ge": 0},
                         "distribution": {"choices": choices["distribution"]}, "task": {"choices": choices["task"]}}

    def load(self, *, seed: int, **params: Any) -> Split:
        p = self.check_params(params)
        check_choice("distribution", p["distribution"], synthetic.DISTRIBUTIONS)
        check_choice("task", p["task"], ["regression", "classification"])
        validate_transform(p["transform"])
        n, d = int(p["n"]), int(p["d"])
        X, y = synthetic.make(n, d, distribution=p["distribution"], task=p["task"],
                              n_classes=int(p["n_classes"]), noise=float(p["noise"]), seed=seed)
        k = n_test_rows(n, p["test_size"])
        meta = {"name": "synthetic", "distribution": p["distribution"], "seed": seed,
                "source": "generated (ntkbench.data.synthetic)", "license": "none needed"}
        if p["task"] == "classification":
            meta["n_classes"] = int(p["n_classes"])
        return make_split(X, y, np.arange(n - k), np.arange(n - k, n), task=p["task"],
                          transform=p["transform"], metadata=meta)

    def describe(self) -> dict[str, Any]:
        p = self.defaults()
        return {"task": p["task"], "n": p["n"], "d": p["d"], "present": True,
                "note": "generated on the fly; any n, d"}
