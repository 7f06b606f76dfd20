"""Fernández-Delgado et al. (2014) UCI classification sets with the splits Arora et al. (2020) used.

``fold`` selects the split:

* ``0``..``3``: train/test lines of ``conxuntos_kfold.dat`` (Arora et al. report the mean test
  accuracy over these four);
* ``"validation"``: the train/validation lines of ``conxuntos.dat`` as train/test, used by
  Arora et al. to choose hyper-parameters before the four folds;
* ``"official"``: fich1 as train and fich2 as test, only for sets with a separate test file.

``name`` is one dataset; :data:`GROUPS` maps ``"arora2020"`` to the list of 90 for suites.
The features are already standardised by the source, so the default transform is ``"none"``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ntkbench.data.adapter import FileDataset, check_choice, make_split, validate_transform
from ntkbench.data.cache import cached_arrays
from ntkbench.data.home import data_home
from ntkbench.data.fd121_catalog import ARORA2020, FD121
from ntkbench.data.formats import fd121 as fmt
from ntkbench.contracts import Split

#: Named groups a suite can give as ``name`` (expanded by the runner to one cell per dataset).
GROUPS = {"arora2020": list(ARORA2020), "fd121": sorted(FD121)}
FOLDS = [0, 1, 2, 3, "validation", "official"]
#: Why a listed dataset may be missing from the shared data.
NOTES = {"pima": "pima is left out of the shared data on purpose (PMLB deprecated it: usage was never "
                 "granted; it is no longer on UCI); supply your own copy in uci_fd121/pima/ to include it"}


class UciFd121(FileDataset):
    """One dataset of the Fernández-Delgado collection with one Arora et al. split."""

    name = "uci_fd121"
    task = "classification"
    version = "1"
    downloadable = True
    params = {"name": ["abalone"], "fold": [0, 1, 2, 3], "transform": ["none"]}
    choices = {"name": sorted(FD121), "fold": FOLDS}
    param_constraints = {"name": {"choices": choices["name"]}, "fold": {"choices": FOLDS}}
    groups = {"name": GROUPS}

    def files(self, **params: Any) -> list[list[str]]:
        name = params["name"]
        check_choice("name", name, sorted(FD121))
        return [[f"uci_fd121/{name}/{name}.txt"], [f"uci_fd121/{name}/conxuntos_kfold.dat"]]

    def unavailable(self, **params: Any) -> str | None:
        reason = super().unavailable(**params)
        name = self.check_params(params)["name"]
        if reason and name in NOTES:  # not fetched by `ntkbench prepare uci_fd121` either
            return f"dataset 'uci_fd121': {data_home() / 'uci_fd121' / name / f'{name}.txt'} not found; {NOTES[name]}"
        return reason

    def load(self, *, seed: int, **params: Any) -> Split:
        p = self.check_params(params)
        name, fold = p["name"], p["fold"]
        check_choice("name", name, sorted(FD121))
        check_choice("fold", fold, FOLDS)
        validate_transform(p["transform"])
        meta_path = self.require(f"uci_fd121/{name}/{name}.txt")
        folder = meta_path.parent
        meta = fmt.read_meta(meta_path)
        d, c = int(meta["n_entradas"]), int(meta["n_clases"])
        fich1 = fmt.locate(folder, meta["fich1"])
        sources = [meta_path, fich1]
        if "fich2" in meta:
            sources.append(fmt.locate(folder, meta["fich2"]))

        def build() -> dict[str, np.ndarray]:
            X, y = fmt.read_data(fich1, d, c, int(meta["n_patrons1"]))
            out = {"X": X, "y": y}
            if "fich2" in meta:
                out["X2"], out["y2"] = fmt.read_data(sources[2], d, c, int(meta["n_patrons2"]))
            return out

        arrays = cached_arrays("uci_fd121", sources, build, extra=name)
        X, y = np.asarray(arrays["X"]), np.asarray(arrays["y"])
        info = {"name": f"uci_fd121/{name}", "fold": fold, "n_classes": c, "arora2020": name in ARORA2020,
                "source": "Fernández-Delgado et al. JMLR 2014 data.tar.gz (UCI), via "
                          "CameronDiao/GLVQ-For-Classification-In-Randomized-NN-And-HDC @ dec0fe31",
                "license": "UCI terms per dataset"}
        if fold == "official":
            if "X2" not in arrays:
                raise ValueError(f"uci_fd121 '{name}' has no official test file (fich2); use fold 0..3")
            X2, y2 = np.asarray(arrays["X2"]), np.asarray(arrays["y2"])
            n1 = X.shape[0]
            return make_split(np.concatenate([X, X2]), np.concatenate([y, y2]), np.arange(n1),
                              np.arange(n1, n1 + X2.shape[0]), task="classification",
                              transform=p["transform"], metadata=info)
        if fold == "validation":
            train, test = fmt.read_index_sets(folder / "conxuntos.dat", 2, X.shape[0])
        else:
            lines = fmt.read_index_sets(folder / "conxuntos_kfold.dat", 8, X.shape[0])
            train, test = lines[2 * int(fold)], lines[2 * int(fold) + 1]
        return make_split(X, y, train, test, task="classification", transform=p["transform"], metadata=info)

    def member_facts(self, member: Any) -> dict[str, Any]:
        n1, n2, d, c = FD121[member]
        return {"task": "classification", "n": n1 + n2, "d": d, "n_classes": c}

    def describe(self) -> dict[str, Any]:
        info = super().describe()
        info.update(self.member_facts(self.defaults()["name"]), groups={"name": sorted(GROUPS)})
        return info
