"""Bring your own data: CSV/TSV, svmlight/LIBSVM and ``.npz`` files named by path in the suite.

Common parameters: ``path`` (absolute, or relative to the working directory or a data home),
``test_path`` (optional separate test file; otherwise a seeded ``test_size`` split, stratified for
classification), ``task`` (``"auto"``, ``"classification"`` or ``"regression"``; auto means
classification for non-numeric targets or integers with at most 50 distinct values) and
``transform`` (fitted on the training rows).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ntkbench.data.adapter import check_choice, make_split, validate_transform
from ntkbench.data.cache import cached_arrays
from ntkbench.data.formats import tabular as fmt
from ntkbench.data.home import resolve_user_path
from ntkbench.data.splits import random_split, stratified_split
from ntkbench.harness.contracts import Dataset, Split

TASKS = ["auto", "classification", "regression"]
COMMON = {"path": [""], "test_path": [""], "task": ["auto"], "test_size": [0.2], "transform": ["standardize"]}


class _UserFile(Dataset):
    """Shared logic: read train (and test) file, encode the target, split, transform."""

    version = "1"

    def read(self, path: Path, p: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        """Features and raw target values of one file."""
        raise NotImplementedError

    def unavailable(self, **params: Any) -> str | None:
        reason = self.missing_requirements()
        if reason:
            return reason
        p = self.check_params(params)
        try:
            resolve_user_path(p["path"], self.name)
            if p.get("test_path"):  # npz files carry their own test split
                resolve_user_path(p["test_path"], self.name)
        except (FileNotFoundError, ValueError) as exc:
            return str(exc)
        return None

    def load(self, *, seed: int, **params: Any) -> Split:
        p = self.check_params(params)
        check_choice("task", p["task"], TASKS)
        validate_transform(p["transform"])
        path = resolve_user_path(p["path"], self.name)
        X, raw = self.read(path, p)
        n_train = X.shape[0]
        if p["test_path"]:
            test_path = resolve_user_path(p["test_path"], self.name)
            X2, raw2 = self.read(test_path, p)
            if X2.shape[1:] != X.shape[1:]:
                raise ValueError(f"{test_path} has {X2.shape[1:]} features, {path} has {X.shape[1:]}")
            X, raw = np.concatenate([X, X2]), np.concatenate([raw, raw2])
        task = fmt.infer_task(raw) if p["task"] == "auto" else p["task"]
        y, classes = fmt.encode_target(raw, task, path)
        meta: dict[str, Any] = {"name": f"{self.name}:{path.name}", "source": str(path), "license": "user data"}
        if task == "classification":
            meta.update(n_classes=len(classes), classes=classes)
        if p["test_path"]:
            train, test = np.arange(n_train), np.arange(n_train, X.shape[0])
        elif task == "classification":
            train, test = stratified_split(y, p["test_size"], seed)
        else:
            train, test = random_split(X.shape[0], p["test_size"], seed)
        return make_split(X, y, train, test, task=task, transform=p["transform"], metadata=meta)

    def describe(self) -> dict[str, Any]:
        return {"task": "auto", "present": False, "note": "bring your own: set path in the suite"}


class Csv(_UserFile):
    """A delimited text file (CSV, TSV, ``.gz`` allowed); ``target`` is a column name or position."""

    name = "csv"
    params = {**COMMON, "target": [-1], "delimiter": ["auto"], "header": ["auto"]}
    param_constraints = {"target": {"type": (int, str)}, "header": {"type": (str, bool)}}

    def read(self, path: Path, p: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        key = f"{p['target']}|{p['delimiter']}|{p['header']}"

        def build() -> dict[str, np.ndarray]:
            X, y, _ = fmt.read_delimited(path, target=p["target"], delimiter=p["delimiter"], header=p["header"])
            return {"X": X, "y": y}

        a = cached_arrays("csv", [path], build, extra=key, mmap=False)
        return a["X"], a["y"]


class Svmlight(_UserFile):
    """An svmlight/LIBSVM file (sparse rows ``label idx:value ...``), densified to float32."""

    name = "svmlight"
    requires = ("sklearn",)
    params = {**COMMON, "n_features": [0]}

    def read(self, path: Path, p: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        return fmt.read_svmlight(path, int(p["n_features"]) or None)

    def load(self, *, seed: int, **params: Any) -> Split:
        p = self.check_params(params)
        if p["test_path"] and not p["n_features"]:
            # both files must agree on the feature count: use the larger of the two maxima
            a = fmt.read_svmlight(resolve_user_path(p["path"], self.name))[0].shape[1]
            b = fmt.read_svmlight(resolve_user_path(p["test_path"], self.name))[0].shape[1]
            p["n_features"] = max(a, b)
        return super().load(seed=seed, **p)


class Npz(_UserFile):
    """A ``.npz`` with ``X_train, y_train, X_test, y_test`` (+ ``X_val, y_val``), ``arr_0..arr_3``, or ``X, y``.

    Images may be (n, C, H, W). Two-dimensional classification targets (one-hot, shifted one-hot,
    ±1) are turned into labels by argmax.
    """

    name = "npz"
    params = {k: v for k, v in COMMON.items() if k != "test_path"}

    def load(self, *, seed: int, **params: Any) -> Split:
        p = self.check_params(params)
        check_choice("task", p["task"], TASKS)
        validate_transform(p["transform"])
        path = resolve_user_path(p["path"], self.name)
        arrays = fmt.read_npz(path)
        if "X" in arrays:
            parts = {"all": (arrays["X"], arrays["y"])}
        else:
            parts = {s: (arrays[f"X_{s}"], arrays[f"y_{s}"]) for s in ("train", "test", "val") if f"X_{s}" in arrays}
        ys = [np.asarray(y) for _, y in parts.values()]
        if p["task"] == "auto":
            task = "classification" if all(y.ndim == 2 and y.shape[1] > 1 for y in ys) else fmt.infer_task(
                np.concatenate([y.ravel() for y in ys]))
        else:
            task = p["task"]
        if task == "classification":
            ys = [np.argmax(y, axis=1) if y.ndim == 2 else y for y in ys]
        X = np.concatenate([np.asarray(x, dtype=np.float32) for x, _ in parts.values()])
        y = np.concatenate(ys)
        if task == "classification":
            y, classes = fmt.encode_target(y, task, path)
        sizes = np.cumsum([0] + [len(v[0]) for v in parts.values()])
        idx = {k: np.arange(sizes[i], sizes[i + 1]) for i, k in enumerate(parts)}
        meta: dict[str, Any] = {"name": f"npz:{path.name}", "source": str(path), "license": "user data"}
        if task == "classification":
            meta.update(n_classes=len(classes), classes=classes)
        if "all" in idx:
            split = stratified_split if task == "classification" else None
            train, test = (split(y, p["test_size"], seed) if split
                           else random_split(X.shape[0], p["test_size"], seed))
            return make_split(X, y, train, test, task=task, transform=p["transform"], metadata=meta)
        return make_split(X, y, idx["train"], idx["test"], task=task, transform=p["transform"],
                          val_idx=idx.get("val"), metadata=meta)
