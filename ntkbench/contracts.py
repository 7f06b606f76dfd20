"""The contracts between the harness and its plug-ins: Split, Dataset, Method, TargetKernel.

A dataset adapter turns parameters and a seed into a :class:`Split`; a method adapter turns
training data into features, a kernel or predictions. The harness, never the adapter, computes
metrics, so that every method is measured the same way.

This module sits at the bottom of the package (it imports nothing from ``ntkbench``), so the data
layer, the kernels and the harness can all depend on it without depending on each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Mapping

import numpy as np

TASKS = ("regression", "classification")
OUTPUTS = ("features", "kernel", "predictions")
INPUTS = ("flat", "image")


def check_array(X: Any, name: str, *, ndim: tuple[int, ...] = (2,), allow_empty: bool = False) -> np.ndarray:
    """Return ``X`` as a numpy array after checking it is numeric, finite and well-shaped.

    Raises
    ------
    ValueError
        If ``X`` is not numeric, has the wrong number of dimensions, no rows or non-finite values.
    """
    arr = np.asarray(X)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise ValueError(f"{name} must be a numeric array, got dtype {arr.dtype}")
    if arr.ndim not in ndim:
        raise ValueError(f"{name} must have {' or '.join(map(str, ndim))} dimensions, got shape {arr.shape}")
    if not allow_empty and (arr.shape[0] == 0 or arr.size == 0):
        raise ValueError(f"{name} is empty (shape {arr.shape})")
    if np.issubdtype(arr.dtype, np.floating) and not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} contains {bad} NaN or infinite values")
    return arr


@dataclass
class Split:
    """Train/test (and optional validation) data of one dataset cell.

    Parameters
    ----------
    X_train, y_train, X_test, y_test : ndarray
        Inputs of shape (n, d) or, for images, (n, C, H, W); targets of shape (n,) (class labels
        0..c-1 for classification, real values for regression) or (n, k) for multi-output regression.
    task : {"regression", "classification"}
    X_val, y_val : ndarray, optional
        A validation split; when absent the harness holds out part of the training set.
    metadata : dict
        Free-form description: ``name``, ``source``, ``license``, ``lossy`` ...
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    task: str
    X_val: np.ndarray | None = None
    y_val: np.ndarray | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise ValueError(f"Split.task must be one of {TASKS}, got {self.task!r}")
        parts = [("train", "X_train", "y_train"), ("test", "X_test", "y_test")]
        if self.X_val is not None or self.y_val is not None:
            parts.append(("validation", "X_val", "y_val"))
        for label, xname, yname in parts:
            X = check_array(getattr(self, xname), xname, ndim=(2, 4))
            y = check_array(getattr(self, yname), yname, ndim=(1, 2))
            if X.shape[0] != y.shape[0]:
                raise ValueError(f"{label} split: {xname} has {X.shape[0]} rows but {yname} has {y.shape[0]}")
            setattr(self, xname, X)
            setattr(self, yname, y)
        if self.X_train.shape[1:] != self.X_test.shape[1:]:
            raise ValueError(f"X_train has feature shape {self.X_train.shape[1:]} "
                             f"but X_test has {self.X_test.shape[1:]}")
        if self.task == "classification":
            for yname in ("y_train", "y_test", "y_val"):
                y = getattr(self, yname)
                if y is not None and (y.ndim != 1 or not np.all(np.equal(np.mod(y, 1), 0))):
                    raise ValueError(f"{yname} must hold integer class labels for classification")

    @property
    def n_classes(self) -> int:
        """Number of classes (classification only): ``metadata["n_classes"]`` when the dataset
        states it, else one more than the largest label present."""
        if "n_classes" in self.metadata:
            return int(self.metadata["n_classes"])
        labels = [self.y_train, self.y_test] + ([self.y_val] if self.y_val is not None else [])
        return int(max(int(np.max(y)) for y in labels)) + 1

    @property
    def image_shape(self) -> tuple[int, ...] | None:
        """(C, H, W) for image data, else the metadata entry or None."""
        if self.X_train.ndim == 4:
            return tuple(self.X_train.shape[1:])
        shape = self.metadata.get("image_shape")
        return tuple(shape) if shape is not None else None


class TargetKernel:
    """An exact kernel that an approximation is scored against.

    Parameters
    ----------
    name : str
        Canonical description (used in the cache key of the exact kernel matrix).
    function : callable
        ``function(X1, X2) -> ndarray`` of shape (n1, n2), computed in float64.
    """

    def __init__(self, name: str, function: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> None:
        self.name = name
        self.function = function

    def __call__(self, X1: np.ndarray, X2: np.ndarray) -> np.ndarray:
        return np.asarray(self.function(X1, X2), dtype=np.float64)

    def __repr__(self) -> str:
        return f"TargetKernel({self.name!r})"


class _Plugin:
    """What methods and datasets share: a name, a parameter grid, optional dependencies."""

    name: ClassVar[str]
    #: Accepted parameters and their default grid; the first value is the default.
    params: ClassVar[Mapping[str, list]] = {}
    #: Importable modules this plug-in needs; a missing one makes it unavailable, not a crash.
    requires: ClassVar[tuple[str, ...]] = ()
    #: Bump when a change alters results, so cached rows are recomputed.
    version: ClassVar[str] = "1"
    #: Named groups of parameter values, e.g. ``{"name": {"arora2020": [...]}}``: a suite may give
    #: a group name (or a list mixing groups and values) and gets one cell per member.
    groups: ClassVar[Mapping[str, Mapping[str, list]]] = {}

    @classmethod
    def expand_values(cls, param: str, value: Any) -> list[Any]:
        """The values that ``param = value`` in a suite stands for, with group names expanded.

        Examples
        --------
        >>> class D(Dataset):
        ...     name = "d"
        ...     groups = {"name": {"small": ["a", "b"]}}
        >>> D.expand_values("name", "small"), D.expand_values("name", ["c", "small"])
        (['a', 'b'], ['c', 'a', 'b'])
        """
        groups = cls.groups.get(param, {})
        out: list[Any] = []
        for v in value if isinstance(value, list) else [value]:
            out.extend(groups[v] if isinstance(v, str) and v in groups else [v])
        return out

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        """Default value of every parameter (the first value of its grid)."""
        return {k: v[0] for k, v in cls.params.items() if len(v)}

    @classmethod
    def check_params(cls, params: Mapping[str, Any]) -> dict[str, Any]:
        """Return defaults updated with ``params``; unknown names raise a ValueError that lists valid ones."""
        unknown = sorted(set(params) - set(cls.params))
        if unknown:
            valid = ", ".join(sorted(cls.params)) or "(none)"
            raise ValueError(f"{cls.__name__} '{cls.name}' has no parameter(s) {', '.join(unknown)}; "
                             f"valid parameters: {valid}")
        return {**cls.defaults(), **params}

    @classmethod
    def missing_requirements(cls) -> str | None:
        """A reason string if an optional dependency is missing, else None."""
        import importlib.util

        missing = [m for m in cls.requires if importlib.util.find_spec(m) is None]
        if missing:
            return f"missing optional dependency: {', '.join(missing)} (pip install {' '.join(missing)})"
        return None


class Dataset(_Plugin):
    """A dataset adapter: ``load(seed=..., **params) -> Split``.

    Subclasses set ``name``, ``params`` (grid), ``task`` and implement :meth:`load`. The harness
    adds the universal parameters ``n_train`` and ``n_test`` (seeded subsampling, 0 = all).
    """

    task: ClassVar[str] = "regression"

    def load(self, *, seed: int, **params: Any) -> Split:
        """Load the split for ``params``; ``seed`` selects random splits where the dataset has them."""
        raise NotImplementedError

    def prepare(self) -> None:
        """Fetch the data into the data home (idempotent). Datasets shipped locally need nothing."""

    def unavailable(self, **params: Any) -> str | None:
        """Why this dataset cannot load ``params`` here (missing file or dependency), or None."""
        return self.missing_requirements()

    def describe(self) -> dict[str, Any]:
        """Short facts for ``ntkbench list`` (n, d, task ...)."""
        return {"task": self.task}


class Method(_Plugin):
    """A method adapter.

    ``output`` says what the harness gets from it:

    * ``"features"``: ``fit(X, y)`` then ``transform(X) -> (n, D)``; the harness forms Φ Φᵀ.
    * ``"kernel"``: ``fit(X, y)`` then ``kernel(X1, X2) -> (n1, n2)``.
    * ``"predictions"``: ``fit(X, y)`` then ``predict(X)`` (no kernel-quality metrics).

    Constructor: ``Method(random_state=seed, device="cpu", **params)``; randomness is drawn in
    ``fit`` from ``random_state``. ``device`` is a hardware knob and never part of a cache key.
    """

    output: ClassVar[str] = "features"
    #: "flat" takes (n, d) inputs; "image" takes (n, C, H, W).
    input: ClassVar[str] = "flat"
    #: What a "predictions" method's ``fit`` wants from the harness besides (X, y), as keyword
    #: arguments: ``"validation"`` (``(X_val, y_val)``, held out of X and y, e.g. for early stopping),
    #: ``"task"`` (``"regression"`` or ``"classification"``), ``"n_classes"`` (int or None).
    fit_requests: ClassVar[tuple[str, ...]] = ()

    def __init__(self, *, random_state: int = 0, device: str = "cpu", **params: Any) -> None:
        self.random_state = random_state
        self.device = device
        self.params = self.check_params(params)

    def skip(self, split: Split) -> str | None:
        """A reason to skip this method on ``split`` (e.g. a conv method on tabular data), or None."""
        if self.input == "image" and split.image_shape is None:
            return f"method '{self.name}' needs image inputs; dataset has no image shape"
        return None

    def fit(self, X: np.ndarray, y: np.ndarray | None = None) -> "Method":
        """Fit on training inputs (and targets where the method uses them)."""
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Features of ``X`` (output == "features")."""
        raise NotImplementedError(f"method '{self.name}' has output {self.output!r}, not features")

    def kernel(self, X1: np.ndarray, X2: np.ndarray) -> np.ndarray:
        """Kernel matrix between ``X1`` and ``X2`` (output == "kernel")."""
        raise NotImplementedError(f"method '{self.name}' has output {self.output!r}, not a kernel")

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predictions for ``X`` (output == "predictions")."""
        raise NotImplementedError(f"method '{self.name}' has output {self.output!r}, not predictions")

    def predict_with_variance(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Predictions for ``X`` and, for probabilistic regression methods, their predictive
        variances (of a new noisy observation, in the units of y; the harness then records the
        negative log predictive density). The default has no variances: ``(predict(X), None)``."""
        return self.predict(X), None

    def target_kernel(self) -> TargetKernel | None:
        """The exact kernel this method approximates, or None (no kernel-quality metrics)."""
        return None
