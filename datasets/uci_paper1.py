"""The large UCI regression sets of the seed papers, downloaded by ``ntkbench prepare NAME``.

``ct_slice``, ``workloads`` and ``msd`` follow paper 1's protocol (spec §2.4): zero-variance
columns removed on the full data, 4-fold ``KFold`` without shuffling (``fold`` 0..3), inputs
standardised with training-fold statistics — CT slices only mean-centred (``metadata["y_center_only"]``
asks the harness to centre, not scale, the targets as well). ``msd`` regresses the release year
(the reference code drops it by mistake) and also offers the producers' split (``fold="official"``:
first 463,715 rows train, last 51,630 test, no artist in both).
"""

from __future__ import annotations

from typing import Any, Callable, ClassVar

import numpy as np

from ntkbench.data.adapter import FileDataset, check_choice, make_split, validate_transform
from ntkbench.data.cache import cached_arrays
from ntkbench.data.formats import uci_paper1 as fmt
from ntkbench.data.sources import SOURCES
from ntkbench.data.splits import kfold
from ntkbench.contracts import Split


class _Paper1Regression(FileDataset):
    """One downloaded CSV, paper-1 preprocessing, 4 contiguous folds."""

    task = "regression"
    version = "1"
    downloadable = True
    folds: ClassVar[list] = [0, 1, 2, 3]
    param_constraints: ClassVar[dict] = {"fold": {"choices": folds}}
    reader: ClassVar[Callable]
    facts: ClassVar[dict[str, Any]]

    @property
    def relpath(self) -> str:
        source = SOURCES[self.name][0]
        return f"{source.folder}/{source.expected[0]}"

    def files(self, **params: Any) -> list[list[str]]:
        return [[self.relpath]]

    def load(self, *, seed: int, **params: Any) -> Split:
        p = self.check_params(params)
        check_choice("fold", p["fold"], self.folds)
        validate_transform(p["transform"])
        path = self.require(self.relpath)
        reader = type(self).reader

        def build() -> dict[str, np.ndarray]:
            X, y = reader(path)
            X, keep = fmt.drop_constant_columns(X)
            return {"X": X.astype(np.float32), "y": y, "kept_columns": keep}

        arrays = cached_arrays(self.name, [path], build)
        X, y = arrays["X"], np.asarray(arrays["y"])
        if p["fold"] == "official":
            n_train = self.facts["n_train_official"]
            train, test = np.arange(n_train), np.arange(n_train, X.shape[0])
        else:
            train, test = kfold(X.shape[0], 4, int(p["fold"]))
        source = SOURCES[self.name][0]
        meta = {"name": self.name, "fold": p["fold"], "source": source.urls[0], "license": source.citation,
                "kept_columns": np.asarray(arrays["kept_columns"]).tolist()}
        meta.update(self.extra_metadata())
        return make_split(X, y, train, test, task="regression", transform=p["transform"], metadata=meta)

    def extra_metadata(self) -> dict[str, Any]:
        return {}

    def describe(self) -> dict[str, Any]:
        info = super().describe()
        info.update({k: v for k, v in self.facts.items() if k in ("n", "d")})
        info["prepare"] = f"ntkbench prepare {self.name}"
        return info


class CtSlice(_Paper1Regression):
    """UCI relative location of CT slices (53,500 x 384): axial position from image descriptors."""

    name = "ct_slice"
    params = {"fold": [0, 1, 2, 3], "transform": ["center"]}
    reader = staticmethod(fmt.read_ct)
    facts = {"n": 53500, "d": 384}

    def extra_metadata(self) -> dict[str, Any]:
        return {"y_center_only": True}


class Workloads(_Paper1Regression):
    """UCI Query Analytics Workloads, range-query aggregates (about 200,000 rows before deduplication)."""

    name = "workloads"
    params = {"fold": [0, 1, 2, 3], "transform": ["standardize"]}
    reader = staticmethod(fmt.read_workloads)
    facts: ClassVar[dict[str, Any]] = {}  # n after deduplication is not known before the first download


class Msd(_Paper1Regression):
    """YearPredictionMSD / MillionSongs (515,345 x 90): release year from timbre features."""

    name = "msd"
    params = {"fold": [0, 1, 2, 3], "transform": ["standardize"]}
    folds = [0, 1, 2, 3, "official"]
    param_constraints = {"fold": {"choices": folds}}
    reader = staticmethod(fmt.read_msd)
    facts = {"n": 515345, "d": 90, "n_train_official": 463715}
