"""Bring your own data: CSV/TSV, svmlight/LIBSVM and ``.npz`` files named by path in the suite.

Common parameters: ``path`` (absolute, or relative to the working directory or a data home),
``test_path`` (optional separate test file), ``test_mask`` or ``test_index`` with ``split`` (a fixed
split read from a file, see :mod:`ntkbench.data.split_files`); with none of these, a seeded
``test_size`` split (stratified for classification). ``task`` (``"auto"``, ``"classification"`` or
``"regression"``; auto means classification for non-numeric targets or integers with at most 50
distinct values) and ``transform`` (fitted on the training rows).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from ntkbench.data.adapter import check_choice, make_split, validate_transform
from ntkbench.data.cache import cached_arrays
from ntkbench.data.formats import tabular as fmt
from ntkbench.data.home import resolve_user_path
from ntkbench.data.split_files import KINDS, PLACEHOLDER, fixed_split, split_path
from ntkbench.data.splits import random_split, stratified_split
from ntkbench.contracts import Dataset, Split

TASKS = ["auto", "classification", "regression"]
COMMON = {"path": [""], "test_path": [""], "test_mask": [""], "test_index": [""], "split": [0], "task": ["auto"],
          "test_size": [0.2], "transform": ["standardize"]}


class _UserFile(Dataset):
    """Shared logic: read train (and test) file, encode the target, split, transform."""

    version = "1"

    def read(self, paths: list[Path], p: dict[str, Any]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Features and raw target values of the data file and, when given, the test file."""
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
            self.split_file(p)
        except (FileNotFoundError, ValueError) as exc:
            return str(exc)
        return None

    def split_file(self, p: dict[str, Any]) -> tuple[str, Path] | None:
        """The kind and path of the fixed-split file the parameters name, or None.

        Raises
        ------
        ValueError
            If both kinds are given, one is combined with ``test_path``, or ``split`` is not a
            non-negative integer or is set without a split file.
        """
        given = [k for k in KINDS if p[k]]
        split = p["split"]
        if isinstance(split, bool) or not isinstance(split, int) or split < 0:
            raise ValueError(f"dataset '{self.name}': split must be a non-negative integer, got {split!r}")
        if not given:
            if split:
                raise ValueError(f"dataset '{self.name}': split={split} needs a split file "
                                 f"(test_mask or test_index)")
            return None
        if len(given) > 1:
            raise ValueError(f"dataset '{self.name}': give test_mask or test_index, not both")
        if p.get("test_path"):
            raise ValueError(f"dataset '{self.name}': {given[0]} and test_path both define the test rows; "
                             f"give one of them")
        kind = given[0]
        return kind, resolve_user_path(split_path(p[kind], split), self.name)

    @staticmethod
    def split_rows(fixed: tuple[str, Path] | None, p: dict[str, Any], task: str, y: np.ndarray, seed: int,
                   meta: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        """Train and test rows: from the split file ``fixed`` (noted in ``meta``), else a seeded split."""
        if fixed:
            kind, path = fixed
            meta.update(split=p["split"], split_file=str(path))
            return fixed_split(path, kind, p["split"], len(y), per_split_file=PLACEHOLDER in p[kind])
        if task == "classification":
            return stratified_split(y, p["test_size"], seed)
        return random_split(len(y), p["test_size"], seed)

    def load(self, *, seed: int, **params: Any) -> Split:
        p = self.check_params(params)
        check_choice("task", p["task"], TASKS)
        validate_transform(p["transform"])
        path = resolve_user_path(p["path"], self.name)
        fixed = self.split_file(p)  # parameter errors before any parsing
        paths = [path] + ([resolve_user_path(p["test_path"], self.name)] if p["test_path"] else [])
        parts = self.read(paths, p)
        X, raw = parts[0]
        n_train = X.shape[0]
        if p["test_path"]:
            test_path = paths[1]
            X2, raw2 = parts[1]
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
        else:
            train, test = self.split_rows(fixed, p, task, y, seed, meta)
        return make_split(X, y, train, test, task=task, transform=p["transform"], metadata=meta)

    def describe(self) -> dict[str, Any]:
        return {"task": "auto", "present": False, "note": "bring your own: set path in the suite"}


class Csv(_UserFile):
    """A delimited text file (CSV, TSV, ``.gz`` allowed); ``target`` is a column name or position."""

    name = "csv"
    params = {**COMMON, "target": [-1], "delimiter": ["auto"], "header": ["auto"]}
    param_constraints = {"target": {"type": (int, str)}, "header": {"type": (str, bool)}}

    def read(self, paths: list[Path], p: dict[str, Any]) -> list[tuple[np.ndarray, np.ndarray]]:
        key = f"{p['target']}|{p['delimiter']}|{p['header']}"

        def parse(path: Path) -> dict[str, np.ndarray]:
            X, y, _ = fmt.read_delimited(path, target=p["target"], delimiter=p["delimiter"], header=p["header"])
            return {"X": X, "y": y}

        # version 2: space-delimited rows no longer gain an empty field from trailing spaces
        arrays = [cached_arrays("csv", [path], partial(parse, path), version="2", extra=key, mmap=False)
                  for path in paths]
        return [(a["X"], a["y"]) for a in arrays]


class Svmlight(_UserFile):
    """An svmlight/LIBSVM file (sparse rows ``label idx:value ...``), densified to float32."""

    name = "svmlight"
    requires = ("sklearn",)
    params = {**COMMON, "n_features": [0]}

    def read(self, paths: list[Path], p: dict[str, Any]) -> list[tuple[np.ndarray, np.ndarray]]:
        # one call, so the test file gets the same feature count and index base as the training file
        return fmt.read_svmlight(paths, int(p["n_features"]) or None)


class Npz(_UserFile):
    """A ``.npz`` with ``X_train, y_train, X_test, y_test`` (+ ``X_val, y_val``), ``arr_0..arr_3``, or ``X, y``.

    Images may be (n, C, H, W). Two-dimensional classification targets (one-hot, shifted one-hot,
    ±1) are turned into labels by argmax. ``test_mask``/``test_index`` apply to the ``X, y`` layout.
    """

    name = "npz"
    params = {k: v for k, v in COMMON.items() if k != "test_path"}

    def load(self, *, seed: int, **params: Any) -> Split:
        p = self.check_params(params)
        check_choice("task", p["task"], TASKS)
        validate_transform(p["transform"])
        path = resolve_user_path(p["path"], self.name)
        fixed = self.split_file(p)
        arrays = fmt.read_npz(path)
        if fixed and "X" not in arrays:
            raise ValueError(f"{path} holds its own train/test split; {fixed[0]} applies only to an .npz "
                             f"with arrays X and y")
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
            train, test = self.split_rows(fixed, p, task, y, seed, meta)
            return make_split(X, y, train, test, task=task, transform=p["transform"], metadata=meta)
        return make_split(X, y, idx["train"], idx["test"], task=task, transform=p["transform"],
                          val_idx=idx.get("val"), metadata=meta)
