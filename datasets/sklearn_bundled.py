"""scikit-learn's bundled datasets (no download): digits, breast_cancer, wine, diabetes, iris.

A seeded random train/test split (stratified for classification) is drawn from ``seed``;
inputs are standardised with training statistics by default.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from ntkbench.data.adapter import make_split, validate_transform
from ntkbench.data.splits import random_split, stratified_split
from ntkbench.contracts import Dataset, Split


class _SklearnBundled(Dataset):
    """Common loader; subclasses set ``name``, ``task``, ``loader`` and ``facts``."""

    requires = ("sklearn",)
    params: ClassVar[dict[str, list]] = {"test_size": [0.2], "transform": ["standardize"]}
    loader: ClassVar[str]
    facts: ClassVar[dict[str, Any]]

    def _arrays(self) -> tuple[np.ndarray, np.ndarray]:
        import sklearn.datasets

        bunch = getattr(sklearn.datasets, self.loader)()
        return np.asarray(bunch.data, dtype=np.float32), np.asarray(bunch.target)

    def load(self, *, seed: int, **params: Any) -> Split:
        p = self.check_params(params)
        validate_transform(p["transform"])
        X, y = self._arrays()
        if self.task == "classification":
            train, test = stratified_split(y, p["test_size"], seed)
        else:
            train, test = random_split(X.shape[0], p["test_size"], seed)
        meta = {"name": self.name, "source": f"sklearn.datasets.{self.loader}",
                "license": "BSD-3-Clause (scikit-learn); see the dataset's DESCR for its origin"}
        return make_split(X, y, train, test, task=self.task, transform=p["transform"], metadata=meta)

    def describe(self) -> dict[str, Any]:
        return {"task": self.task, "present": self.missing_requirements() is None, **self.facts}


class Digits(_SklearnBundled):
    """8x8 handwritten digits (UCI optdigits test part), 1797 x 64, 10 classes.

    ``as_image=True`` returns (n, 1, 8, 8) images for convolutional methods.
    """

    name = "digits"
    task = "classification"
    loader = "load_digits"
    params = {**_SklearnBundled.params, "as_image": [False]}
    facts = {"n": 1797, "d": 64, "n_classes": 10, "image_shape": (1, 8, 8)}

    def load(self, *, seed: int, **params: Any) -> Split:
        p = self.check_params(params)
        as_image = bool(p.pop("as_image"))
        split = super().load(seed=seed, **p)
        split.metadata["image_shape"] = (1, 8, 8)
        if as_image:
            for attr in ("X_train", "X_test"):
                setattr(split, attr, getattr(split, attr).reshape(-1, 1, 8, 8))
        return split


class BreastCancer(_SklearnBundled):
    """Wisconsin diagnostic breast cancer (UCI WDBC), 569 x 30, 2 classes."""

    name = "breast_cancer"
    task = "classification"
    loader = "load_breast_cancer"
    facts = {"n": 569, "d": 30, "n_classes": 2}


class Wine(_SklearnBundled):
    """UCI Wine recognition, 178 x 13, 3 classes."""

    name = "wine"
    task = "classification"
    loader = "load_wine"
    facts = {"n": 178, "d": 13, "n_classes": 3}


class Iris(_SklearnBundled):
    """Fisher's iris, 150 x 4, 3 classes."""

    name = "iris"
    task = "classification"
    loader = "load_iris"
    facts = {"n": 150, "d": 4, "n_classes": 3}


class Diabetes(_SklearnBundled):
    """Efron et al. diabetes progression (LARS data), 442 x 10, regression (targets in original units)."""

    name = "diabetes"
    task = "regression"
    loader = "load_diabetes"
    facts = {"n": 442, "d": 10}

    def _arrays(self) -> tuple[np.ndarray, np.ndarray]:
        import sklearn.datasets

        bunch = sklearn.datasets.load_diabetes(scaled=False)
        return np.asarray(bunch.data, dtype=np.float32), np.asarray(bunch.target, dtype=np.float64)
