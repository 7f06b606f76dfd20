"""The GP, trained-network and GradRF adapters under the harness: each runs a cell to the end with
the metrics of its output kind, reproducibly from its seed, and bad parameters fail clearly."""

from __future__ import annotations

import importlib.util
import textwrap

import numpy as np
import pytest

from ntkbench.harness.execute import execute_cell
from ntkbench.harness.registry import discover
from ntkbench.harness.suite import load_suite

REGISTRY = discover(entry_points=False)
REGRESSION = ("synthetic", "{ n = 160, d = 4 }")
DIGITS = ("digits", "{ n_train = 200, n_test = 60 }")
DIGIT_IMAGES = ("digits", "{ n_train = 200, n_test = 60, as_image = true }")
needs_gpytorch = pytest.mark.skipif(importlib.util.find_spec("gpytorch") is None, reason="gpytorch not installed")


def _run(tmp_path, method, params, dataset):
    name, dataset_params = dataset
    path = tmp_path / "suite.toml"
    path.write_text(textwrap.dedent(f"""
        [suite]
        n_eval = 20
        [[datasets]]
        name = "{name}"
        params = {dataset_params}
        [[methods]]
        name = "{method}"
        params = {params}
    """))
    return execute_cell(load_suite(path, REGISTRY).cells[0], REGISTRY, suite="t")


CASES = [
    pytest.param("gp_ntk", "{ n_iter = 5 }", REGRESSION, marks=needs_gpytorch),
    pytest.param("gp_ntk", "{ n_iter = 5, get = 'nngp', b_std = 0.0 }", REGRESSION, marks=needs_gpytorch),
    pytest.param("gp_rbf", "{ n_iter = 5 }", REGRESSION, marks=needs_gpytorch),
    pytest.param("gp_ntk_sketch", "{ n_iter = 5, n_components = 128 }", REGRESSION, marks=needs_gpytorch),
    ("trained_mlp", "{ width = 32, epochs = 3 }", REGRESSION),
    ("trained_mlp", "{ width = 32, epochs = 3, loss = 'cross_entropy', optimizer = 'sgd', lr = 0.01 }", DIGITS),
    ("trained_mlp", "{ width = 32, epochs = 3 }", DIGITS),
    ("trained_mlp", "{ width = 32, rank = 8, epochs = 3 }", DIGITS),
    ("trained_cnn", "{ width = 8, depth = 2, epochs = 2, loss = 'cross_entropy' }", DIGIT_IMAGES),
    ("trained_myrtle", "{ width = 8, epochs = 2, loss = 'cross_entropy' }", DIGIT_IMAGES),
    ("grad_rf", "{ width = 32, depth = 2, n_components = 128 }", REGRESSION),
]


@pytest.mark.parametrize("method, params, dataset", CASES)
def test_adapter_runs_a_harness_cell_reproducibly(tmp_path, method, params, dataset):
    row = _run(tmp_path, method, params, dataset)
    assert row["status"] == "ok", row["error"]
    m = row["metrics"]
    assert ("test_rmse" in m) == (dataset[0] == "synthetic") and ("test_accuracy" in m) == (dataset[0] == "digits")
    assert ("test_nlpd" in m) == method.startswith("gp_")
    if "test_nlpd" in m:
        assert np.isfinite(m["test_nlpd"])
    if method == "grad_rf":
        assert row["feature_dim"] == 128 and m["target_kernel"].startswith("fc_ntk[depth=2")
    assert row["timings"]["fit"] > 0 and row["peak_mem_mb"] >= 0
    again = _run(tmp_path, method, params, dataset)
    score = "test_rmse" if "test_rmse" in m else "test_accuracy"
    assert again["metrics"][score] == m[score]


def test_trained_mlp_beats_the_mean_on_a_smooth_function(tmp_path):
    row = _run(tmp_path, "trained_mlp", "{ width = 64, epochs = 40, lr = 0.01 }", ("synthetic", "{ n = 400, d = 4 }"))
    assert row["status"] == "ok", row["error"]
    split = REGISTRY.dataset("synthetic")().load(seed=0, n=400, d=4)
    assert row["metrics"]["test_rmse"] < 0.6 * np.std(split.y_test)


@needs_gpytorch
def test_gp_methods_skip_classification_with_the_reason(tmp_path):
    row = _run(tmp_path, "gp_rbf", "{ n_iter = 1 }", DIGITS)
    assert row["status"] == "skipped" and "GP regression" in row["error"]


@pytest.mark.parametrize("method, params, message", [
    ("trained_mlp", {"width": 0}, "width must be a positive integer"),
    ("trained_mlp", {"width": 64, "rank": 128}, "rank 128 is above the width 64"),
    ("trained_cnn", {"optimizer": "adagrad"}, "optimizer must be one of 'adam', 'sgd', got 'adagrad'"),
    ("trained_myrtle", {"device": "gpu"}, "not a torch device"),
])
def test_bad_network_parameters_fail_when_the_method_is_built(method, params, message):
    with pytest.raises(ValueError, match=message):
        REGISTRY.method(method)(random_state=0, **params)


def test_cross_entropy_on_a_regression_task_fails_the_cell_clearly(tmp_path):
    row = _run(tmp_path, "trained_mlp", "{ loss = 'cross_entropy', epochs = 1 }", REGRESSION)
    assert row["status"] == "error" and "loss='cross_entropy' needs a classification task" in row["error"]


def test_suites_check_network_grids_when_loaded(tmp_path):
    with pytest.raises(ValueError, match="width"):
        _run(tmp_path, "trained_mlp", "{ width = 0 }", REGRESSION)
