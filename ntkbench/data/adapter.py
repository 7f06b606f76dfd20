"""Shared glue for dataset adapters: build a preprocessed Split, report missing files."""

from __future__ import annotations

from typing import Any, ClassVar, Sequence

import numpy as np

from ntkbench.data import home
from ntkbench.data.preprocess import INPUT_TRANSFORMS, apply_inputs
from ntkbench.contracts import Dataset, Split


def make_split(X: np.ndarray, y: np.ndarray, train_idx: np.ndarray, test_idx: np.ndarray, *,
               task: str, transform: str = "standardize", zca_reg: float = 0.1,
               val_idx: np.ndarray | None = None, metadata: dict[str, Any] | None = None) -> Split:
    """Index ``X``/``y`` into train/test(/validation), fit ``transform`` on train and return a Split.

    Parameters
    ----------
    X : ndarray of shape (n, d) or (n, C, H, W)
    y : ndarray of shape (n,)
        Integer labels (classification) or real targets in original units (regression).
    train_idx, test_idx, val_idx : ndarray of int
        Row indices of each part.
    task : {"regression", "classification"}
    transform : str, default="standardize"
        One of :data:`ntkbench.data.preprocess.INPUT_TRANSFORMS`, fitted on the training rows.
    metadata : dict, optional
        Stored on the Split; ``n`` and ``d`` are filled in.
    """
    X_tr, X_te = X[train_idx], X[test_idx]
    X_va = X[val_idx] if val_idx is not None else None
    X_tr, X_te, X_va = apply_inputs(transform, X_tr, X_te, X_va, zca_reg=zca_reg)
    ydtype = np.int64 if task == "classification" else np.float64
    y = np.asarray(y)
    meta = dict(metadata or {})
    meta.setdefault("n", int(X.shape[0]))
    meta.setdefault("d", int(np.prod(X.shape[1:])))
    meta["transform"] = transform
    return Split(X_train=X_tr, y_train=y[train_idx].astype(ydtype), X_test=X_te,
                 y_test=y[test_idx].astype(ydtype), task=task, X_val=X_va,
                 y_val=None if val_idx is None else y[val_idx].astype(ydtype), metadata=meta)


def check_choice(param: str, value: Any, valid: Sequence[Any]) -> None:
    """Raise a ValueError naming the valid values when ``value`` is not one of them."""
    if value not in valid:
        shown = ", ".join(map(str, valid))
        raise ValueError(f"invalid {param}={value!r}; valid values: {shown}")


class FileDataset(Dataset):
    """A dataset read from files in the data home.

    Subclasses list the files they need per parameter set in :meth:`files`; :meth:`unavailable`
    then reports the first missing one with the command that gets it.
    """

    #: Whether ``ntkbench prepare <name>`` can download it.
    downloadable: ClassVar[bool] = False
    #: Valid values of enumerated parameters (for messages and ``ntkbench list``).
    choices: ClassVar[dict[str, list]] = {}

    def files(self, **params: Any) -> list[list[str]]:
        """Required files relative to the data home; each entry lists alternatives (e.g. ``.gz``)."""
        return []

    def require(self, *alternatives: str) -> "home.Path":
        """Locate one file (first of ``alternatives`` found) or raise DataMissingError."""
        return home.require_any(list(alternatives), self.name, downloadable=self.downloadable)

    def unavailable(self, **params: Any) -> str | None:
        """Missing dependency or missing file (with path and fetch command), else None."""
        reason = self.missing_requirements()
        if reason:
            return reason
        try:
            for alternatives in self.files(**self.check_params(params)):
                self.require(*alternatives)
        except FileNotFoundError as exc:
            return str(exc)
        except ValueError as exc:  # invalid parameter value
            return str(exc)
        return None

    def prepare(self) -> None:
        """Download into the data home when a source is recorded; else check the files are present."""
        if self.downloadable:
            from ntkbench.data.download import prepare

            prepare(self.name)
            return
        reason = self.unavailable()
        if reason:
            raise FileNotFoundError(reason)

    def member_facts(self, member: Any) -> dict[str, Any]:
        """n, d, task (and n_classes ...) of one member of a collection, known without reading data.

        Collections (a ``name`` parameter) override this; ``ntkbench list NAME`` shows it per member.
        """
        return {}

    def describe(self) -> dict[str, Any]:
        """n, d, task, n_classes where known, and whether the default parameters' files are present."""
        info: dict[str, Any] = {"task": self.task, "present": self.unavailable() is None}
        info.update(getattr(self, "facts", {}))
        if self.choices:
            info["choices"] = {k: list(v) for k, v in self.choices.items()}
        if "name" in self.choices:  # a collection: how many of its members are here
            names = self.choices["name"]
            here = sum(self.unavailable(name=n) is None for n in names)
            info["members_present"] = f"{here} of {len(names)}"
        return info


def validate_transform(value: str) -> None:
    """Check an input-transform parameter value."""
    check_choice("transform", value, INPUT_TRANSFORMS)
