"""Penn Machine Learning Benchmarks subset (raw features), classification and regression.

PMLB has no fixed splits: a seeded random train/test split (stratified for classification) is drawn
from ``seed``. Class values are mapped to 0..c-1; regression targets stay in original units.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ntkbench.data.adapter import FileDataset, make_split, validate_transform
from ntkbench.data.cache import cached_arrays
from ntkbench.data.formats import pmlb as fmt
from ntkbench.data.pmlb_catalog import PMLB
from ntkbench.data.splits import random_split, stratified_split
from ntkbench.contracts import Split

GROUPS = {
    "classification": sorted(k for k, v in PMLB.items() if v[2] == "classification"),
    "regression": sorted(k for k, v in PMLB.items() if v[2] == "regression"),
}


class Pmlb(FileDataset):
    """One PMLB dataset (``name``) with a seeded ``test_size`` split; the task comes from its metadata."""

    name = "pmlb"
    task = "classification"
    version = "1"
    downloadable = True
    params = {"name": ["iris"], "test_size": [0.2], "transform": ["standardize"]}
    choices = {"name": sorted(PMLB)}
    param_constraints = {"name": {"choices": choices["name"]}}
    groups = {"name": GROUPS}

    def files(self, **params: Any) -> list[list[str]]:
        name = params["name"]
        return [[f"pmlb/{name}/{name}.tsv.gz"], [f"pmlb/{name}/metadata.yaml"]]

    def load(self, *, seed: int, **params: Any) -> Split:
        p = self.check_params(params)
        name = p["name"]
        validate_transform(p["transform"])
        table = self.require(f"pmlb/{name}/{name}.tsv.gz")
        meta_path = self.require(f"pmlb/{name}/metadata.yaml")
        task = fmt.read_task(meta_path)

        def build() -> dict[str, np.ndarray]:
            X, values, _ = fmt.read_table(table)
            return {"X": X, "values": values}

        arrays = cached_arrays("pmlb", [table], build, extra=name)
        X, values = np.asarray(arrays["X"]), np.asarray(arrays["values"])
        info: dict[str, Any] = {"name": f"pmlb/{name}", "source": "github.com/EpistasisLab/pmlb @ 0820182a",
                                "license": "PMLB MIT; data per original source"}
        if task == "classification":
            y, classes = fmt.encode_labels(values, table)
            info.update(n_classes=int(classes.size), classes=classes.tolist())
            train, test = stratified_split(y, p["test_size"], seed)
        else:
            y = values.astype(np.float64)
            train, test = random_split(X.shape[0], p["test_size"], seed)
        return make_split(X, y, train, test, task=task, transform=p["transform"], metadata=info)

    def member_facts(self, member: Any) -> dict[str, Any]:
        n, d, task, c = PMLB.get(member, (None, None, self.task, 0))
        return {"task": task, "n": n, "d": d, **({"n_classes": c} if c else {})}

    def describe(self) -> dict[str, Any]:
        info = super().describe()
        info.update(self.member_facts(self.defaults()["name"]), groups={"name": sorted(GROUPS)})
        return info
