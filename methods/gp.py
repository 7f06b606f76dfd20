"""Gaussian-process regression with GPyTorch: the exact FC NTK/NNGP, an ARD RBF kernel, and a
linear kernel on NTKSketch features (a scalable GP). Hyperparameters by marginal likelihood; the
harness records test RMSE and the negative log predictive density (``test_nlpd``)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ntkbench.adapters import ArchMethod
from ntkbench.contracts import Method, Split
from ntkbench.features import NTKSketch
from ntkbench.sketches import check_device


class _GPRegression(Method):
    """Shared glue: regression only; predictions with predictive variances."""

    output = "predictions"
    requires = ("gpytorch",)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        check_device(self.device)

    def skip(self, split: Split) -> str | None:
        if split.task != "regression":
            return f"method '{self.name}' is GP regression; the dataset is a {split.task} task"
        if split.y_train.ndim != 1:
            return f"method '{self.name}' fits one output; the dataset has {split.y_train.shape[1]}"
        return super().skip(split)

    def _regressor(self, **kernel: Any):
        from ntkbench.gp import GPRegressor

        return GPRegressor(n_iter=int(self.params["n_iter"]), lr=float(self.params["lr"]), device=self.device,
                           random_state=self.random_state, **kernel)

    def _inputs(self, X: np.ndarray) -> np.ndarray:
        return X

    def fit(self, X: np.ndarray, y: np.ndarray | None = None) -> "_GPRegression":
        if y is None:
            raise ValueError(f"method '{self.name}' needs training targets y")
        self.gp_ = self._make_regressor(X).fit(self._inputs(X), y)
        return self

    def _make_regressor(self, X: np.ndarray):
        raise NotImplementedError

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.gp_.predict(self._inputs(X))

    def predict_with_variance(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mean, std = self.gp_.predict(self._inputs(X), return_std=True)
        return mean, std ** 2


class GPNeuralKernel(_GPRegression, ArchMethod):
    """Exact GP whose kernel is the exact NTK (or NNGP) of a fully-connected network, times an
    output scale; the weight variance, the bias variance (when ``b_std`` > 0), the output scale,
    a constant mean and the noise are fitted by marginal likelihood (``n_iter`` Adam steps with
    step ``lr``). ``w_std`` and ``b_std`` are initial values. O(n³) time, O(n²) memory."""

    name = "gp_ntk"
    params = {
        "get": ["ntk", "nngp"],
        "depth": [2, 1, 3],
        "activation": ["relu", "erf", "gelu"],
        "w_std": [math.sqrt(2.0)],
        "b_std": [0.1, 0.0],
        "n_iter": [50],
        "lr": [0.1],
    }
    param_constraints = {"get": {"choices": ["ntk", "nngp"]}, "depth": {"ge": 1}, "w_std": {"gt": 0},
                         "b_std": {"ge": 0}, "n_iter": {"ge": 0}, "lr": {"gt": 0}}

    def _make_regressor(self, X: np.ndarray):
        arch = self.arch
        if arch.kind != "fc":
            raise ValueError(f"gp_ntk takes fully-connected kernels, got Arch.kind={arch.kind!r}")
        return self._regressor(kernel=self.params["get"], depth=arch.depth, activation=arch.activation,
                               w_std=arch.w_std, b_std=arch.b_std)


class GPRBF(_GPRegression):
    """Exact GP with an RBF kernel with one length scale per input dimension (ARD), times an
    output scale: the usual GP baseline. Hyperparameters by marginal likelihood."""

    name = "gp_rbf"
    params = {"n_iter": [50], "lr": [0.1]}
    param_constraints = {"n_iter": {"ge": 0}, "lr": {"gt": 0}}

    def _make_regressor(self, X: np.ndarray):
        return self._regressor(kernel="rbf")


class GPNTKSketch(_GPRegression, ArchMethod):
    """A scalable GP: a linear kernel on NTKSketch features of the FC ReLU NTK (Bayesian linear
    regression on n_components features: O(n m²) time, O(n m) memory), with its variance, a
    constant mean and the noise fitted by marginal likelihood."""

    name = "gp_ntk_sketch"
    params = {
        "n_components": [1024, 256, 4096],
        "depth": [2, 1, 3],
        "get": ["ntk", "nngp"],
        "w_std": [math.sqrt(2.0)],
        "b_std": [0.0],
        "n_iter": [50],
        "lr": [0.1],
    }
    param_constraints = {"n_components": {"ge": 1}, "depth": {"ge": 1}, "get": {"choices": ["ntk", "nngp"]},
                         "n_iter": {"ge": 0}, "lr": {"gt": 0}}

    def _make_regressor(self, X: np.ndarray):
        p = self.params
        self.sketch_ = NTKSketch.from_arch(self.arch, n_components=int(p["n_components"]), get=p["get"],
                                           method="layerwise", device=self.device,
                                           random_state=self.random_state).fit(X)
        return self._regressor(kernel="linear")

    def _inputs(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(self.sketch_.transform(X), dtype=np.float64)
