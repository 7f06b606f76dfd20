"""Bad inputs to the contracts raise ValueErrors that say what is wrong."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ntkbench.arch import Arch
from ntkbench.adapters import ArchMethod
from ntkbench.contracts import Method, Split


def _split(**overrides):
    rng = np.random.default_rng(0)
    parts = dict(X_train=rng.standard_normal((10, 3)), y_train=rng.standard_normal(10),
                 X_test=rng.standard_normal((4, 3)), y_test=rng.standard_normal(4), task="regression")
    parts.update(overrides)
    return Split(**parts)


def test_valid_split_passes_and_reports_shapes():
    split = _split(X_train=np.zeros((6, 1, 2, 2)), X_test=np.zeros((2, 1, 2, 2)),
                   y_train=np.arange(6) % 2, y_test=np.array([0, 1]), task="classification")
    assert split.image_shape == (1, 2, 2) and split.n_classes == 2


@pytest.mark.parametrize("overrides, message", [
    ({"X_train": np.full((10, 3), np.nan)}, "X_train contains 30 NaN or infinite values"),
    ({"X_test": np.array([[1.0, np.inf, 0.0]] * 4)}, "X_test contains 4 NaN"),
    ({"X_train": np.zeros((0, 3)), "y_train": np.zeros(0)}, "X_train is empty"),
    ({"y_train": np.zeros(9)}, "X_train has 10 rows but y_train has 9"),
    ({"X_test": np.zeros((4, 5))}, r"X_train has feature shape \(3,\) but X_test has \(5,\)"),
    ({"X_train": np.zeros(10)}, "X_train must have 2 or 4 dimensions"),
    ({"X_train": np.array([["a"] * 3] * 10)}, "X_train must be a numeric array"),
    ({"task": "ranking"}, "task must be one of"),
    ({"task": "classification"}, "y_train must hold integer class labels"),
])
def test_bad_splits_raise_clear_errors(overrides, message):
    with pytest.raises(ValueError, match=message):
        _split(**overrides)


class _Toy(ArchMethod):
    name = "toy"
    params = {"alpha": [1.0, 2.0], "depth": [2]}


def test_method_params_fill_defaults_and_reject_unknown_names():
    method = _Toy(random_state=3, alpha=2.0)
    assert method.params == {"alpha": 2.0, "depth": 2} and method.random_state == 3
    assert method.arch == Arch(depth=2)
    with pytest.raises(ValueError, match="no parameter\\(s\\) beta; valid parameters: alpha, depth"):
        _Toy(beta=1)


def test_a_plain_method_carries_no_architecture():
    class Plain(Method):
        name = "plain"
        params = {"gamma": [0.5]}

    assert not hasattr(Plain(), "arch")


@pytest.mark.parametrize("fields, message", [
    ({"kind": "rnn"}, "kind must be one of"),
    ({"depth": 0}, "depth must be an integer >= 1"),
    ({"w_std": -1.0}, "w_std must be a finite positive"),
    ({"b_std": math.nan}, "b_std must be finite"),
    ({"padding": "full"}, "padding must be one of"),
])
def test_bad_architectures_raise(fields, message):
    with pytest.raises(ValueError, match=message):
        Arch(**fields)
