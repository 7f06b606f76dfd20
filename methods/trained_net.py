"""Trained finite-width networks of an Arch, in the NTK parameterisation: an MLP (dense or
factorised), a CNN and Myrtle-5/7/10, trained with Adam or SGD on MSE or cross-entropy with early
stopping on the validation split. ``width`` as a grid shows the approach to the kernel methods of
the same Arch."""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np
import torch

from ntkbench.adapters import ArchMethod
from ntkbench.arch import Arch
from ntkbench.data.preprocess import TargetStandardizer, one_hot
from ntkbench.nets import build_network, check_training_options, check_width, train_network

_TRAINING = {
    "width": [256, 64, 1024, 4096],
    "optimizer": ["adam", "sgd"],
    "lr": [1e-3],
    "loss": ["mse", "cross_entropy"],
    "epochs": [100],
    "batch_size": [128],
    "patience": [10],
}
_CONSTRAINTS = {"width": {"ge": 1}, "optimizer": {"choices": ["adam", "sgd"]}, "lr": {"gt": 0},
                "loss": {"choices": ["mse", "cross_entropy"]}, "epochs": {"ge": 1}, "batch_size": {"ge": 1},
                "patience": {"ge": 1}}


class _TrainedNetwork(ArchMethod):
    """Shared glue: targets in, network trained, predictions out (regression in original units,
    classification as labels). MSE on classification fits one-hot targets."""

    output = "predictions"
    fit_requests = ("validation", "task", "n_classes")
    kind: ClassVar[str] = "fc"
    fixed_arch: ClassVar[dict[str, Any]] = {}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        p = self.params
        check_width(p["width"])
        check_training_options(p["optimizer"], p["loss"], p["lr"], p["epochs"], p["batch_size"], p["patience"])

    @property
    def arch(self) -> Arch:
        return Arch.from_params({**self.params, "kind": self.kind, **self.fixed_arch})

    def _rank(self) -> int | None:
        """The rank of factorised layers (None: dense)."""
        return None

    def _targets(self, y: np.ndarray) -> torch.Tensor:
        if self.task_ == "regression":
            return torch.as_tensor(self.standardizer_.transform(y).reshape(len(y), -1), dtype=torch.float32)
        if self.params["loss"] == "cross_entropy":
            return torch.as_tensor(np.asarray(y), dtype=torch.int64)
        return torch.as_tensor(one_hot(y, self.n_outputs_), dtype=torch.float32)

    def fit(self, X: np.ndarray, y: np.ndarray | None = None, *, validation: tuple[np.ndarray, np.ndarray] | None = None,
            task: str = "regression", n_classes: int | None = None) -> "_TrainedNetwork":
        p = self.params
        if y is None:
            raise ValueError(f"method '{self.name}' needs training targets y")
        if task == "regression" and p["loss"] == "cross_entropy":
            raise ValueError("loss='cross_entropy' needs a classification task; use loss='mse' for regression")
        self.task_ = task
        if task == "regression":
            self.standardizer_ = TargetStandardizer().fit(y)
            self.n_outputs_ = int(np.prod(np.shape(y)[1:], dtype=int))
        else:
            self.n_outputs_ = int(n_classes) if n_classes is not None else int(np.max(y)) + 1
        device = torch.device(self.device)
        self.network_ = build_network(self.arch, np.shape(X)[1:], width=int(p["width"]), n_outputs=self.n_outputs_,
                                      random_state=self.random_state, rank=self._rank()).to(device)

        def tensors(inputs: np.ndarray, targets: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
            return (torch.as_tensor(np.asarray(inputs), dtype=torch.float32, device=device),
                    self._targets(targets).to(device))

        held_out = tensors(*validation) if validation is not None else None
        self.training_ = train_network(self.network_, *tensors(X, y), loss=p["loss"], optimizer=p["optimizer"],
                                       lr=float(p["lr"]), epochs=int(p["epochs"]), batch_size=int(p["batch_size"]),
                                       patience=int(p["patience"]), validation=held_out,
                                       random_state=self.random_state)
        self.shape_ = np.shape(y)[1:]
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        param = next(self.network_.parameters())
        batch = int(self.params["batch_size"])
        self.network_.eval()
        with torch.no_grad():
            outputs = torch.cat([self.network_(torch.as_tensor(np.asarray(X[i:i + batch]), dtype=param.dtype,
                                                               device=param.device))
                                 for i in range(0, len(X), batch)]).cpu().numpy().astype(np.float64)
        if self.task_ == "classification":
            return np.argmax(outputs, axis=1)
        return self.standardizer_.inverse_transform(outputs).reshape((-1, *self.shape_))


class TrainedMLP(_TrainedNetwork):
    """An MLP of ``depth`` hidden layers of ``width`` units (the network of exact_fc).

    ``rank`` > 0 makes it a factorised wide network (Ailon & Shit 2022): every dense layer with
    more than ``rank`` inputs except the readout is a trainable (width × rank) factor times a fixed
    random (rank × inputs) map; 0 keeps dense layers.
    """

    name = "trained_mlp"
    input = "flat"
    params = {"depth": [2, 1, 3], "activation": ["relu", "erf", "gelu"], "w_std": [math.sqrt(2.0)],
              "b_std": [0.1, 0.0], **_TRAINING, "rank": [0, 64, 256]}
    param_constraints = {"depth": {"ge": 1}, **_CONSTRAINTS, "rank": {"ge": 0}}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if self.params["rank"] > self.params["width"]:
            raise ValueError(f"rank {self.params['rank']} is above the width {self.params['width']}; "
                             "a factorised layer's rank must be at most its width (0: dense layers)")

    def _rank(self) -> int | None:
        return int(self.params["rank"]) or None


class TrainedCNN(_TrainedNetwork):
    """A CNN of ``depth`` [conv f×f, activation] layers of ``width`` channels, GAP or flatten, a
    dense readout (the network of exact_cntk)."""

    name = "trained_cnn"
    input = "image"
    kind = "conv"
    params = {"depth": [3, 1, 2, 4], "activation": ["relu", "erf", "gelu"], "w_std": [math.sqrt(2.0)],
              "b_std": [0.0, 0.1], "filter_size": [3, 4], "padding": ["same", "valid"],
              "pooling": ["gap", "flatten"], "fix_first_last": [False, True], **_TRAINING}
    param_constraints = {"depth": {"ge": 1}, "filter_size": {"ge": 1}, "padding": {"choices": ["same", "valid"]},
                         "pooling": {"choices": ["gap", "flatten"]}, **_CONSTRAINTS}


class TrainedMyrtle(_TrainedNetwork):
    """Myrtle-5/7/10 of ``width`` channels: 3×3 SAME convs, 2×2 average pooling between the three
    blocks, GAP and a dense readout (the network of exact_myrtle)."""

    name = "trained_myrtle"
    input = "image"
    kind = "myrtle"
    fixed_arch = {"filter_size": 3, "padding": "same"}
    params = {"depth": [5, 7, 10], "activation": ["relu", "erf", "gelu"], "w_std": [math.sqrt(2.0)],
              "b_std": [0.0, 0.1], "fix_first_last": [False, True], **_TRAINING}
    param_constraints = {"depth": {"choices": [5, 7, 10]}, **_CONSTRAINTS}
