"""The harness contract, run end to end: each adapter listed here runs one cell through
``execute_cell`` on small data and gives a finished row with the metrics its output promises.

Register a new adapter by adding a line to CASES (method, its parameters, the dataset table)."""

from __future__ import annotations

import importlib.util

import pytest

from ntkbench.harness.execute import execute_cell
from ntkbench.harness.registry import discover
from ntkbench.harness.suite import load_suite

REGISTRY = discover(entry_points=False)

FLAT = 'name = "synthetic"\nparams = { n = 160, d = 4, test_size = 40 }'
FLAT_CLASSES = 'name = "synthetic"\nparams = { n = 160, d = 4, test_size = 40, task = "classification", n_classes = 3 }'
IMAGES = 'name = "digits"\nparams = { n_train = 60, n_test = 20 }'

CASES = [
    ("nystrom_ntk", "n_components = 30, landmarks = 'rls'", FLAT),
    ("nystrom_ntk", "n_components = 30, solver = 'falkon'", FLAT),
    ("nystrom_ntk", "n_components = 30, solver = 'falkon', ridge = 0.001", FLAT_CLASSES),
    ("nystrom_cntk", "n_components = 10, depth = 2, landmarks = 'rls'", IMAGES),
    ("nystrom_myrtle", "n_components = 10, solver = 'falkon', max_iter = 5", IMAGES),
    ("nystrom_stationary", "n_components = 30, kernel = 'laplace', landmarks = 'rls'", FLAT),
    ("nystrom_stationary", "n_components = 30, solver = 'falkon', bandwidth = 'select'", FLAT_CLASSES),
    ("exact_stationary", "kernel = 'gaussian', bandwidth = 'select'", FLAT),
    ("exact_stationary", "kernel = 'laplace'", FLAT_CLASSES),
    ("rff_stationary", "n_components = 64, kernel = 'laplace'", FLAT),
    ("rff_stationary", "n_components = 64, kernel = 'gaussian', bandwidth = 2.0", FLAT_CLASSES),
    pytest.param("falkon_package", "n_components = 30, kernel = 'laplace'", FLAT,
                 marks=pytest.mark.skipif(importlib.util.find_spec("falkon") is None, reason="falkon not installed")),
]


@pytest.mark.parametrize("method, params, dataset", CASES)
def test_adapter_runs_one_cell_through_the_harness(tmp_path, method, params, dataset):
    path = tmp_path / "suite.toml"
    path.write_text(f"[suite]\nn_eval = 12\n[[datasets]]\n{dataset}\n[[methods]]\nname = \"{method}\"\n"
                    f"params = {{ {params} }}\n")
    (cell,) = load_suite(path, REGISTRY).cells
    row = execute_cell(cell, REGISTRY, suite="contract", cache_dir=tmp_path / "cache")
    assert row["status"] == "ok", row["error"]
    metrics = row["metrics"]
    assert ("test_accuracy" in metrics) or ("test_rmse" in metrics)
    instance = REGISTRY.method(method)(**cell.method_params)
    if instance.output == "predictions":
        assert "rel_frobenius" not in metrics
    else:
        assert metrics["n_eval"] == 12 and metrics["rel_frobenius"] >= 0
        assert metrics["target_kernel"].split("[")[0] in (
            "fc_ntk", "cntk_ntk", "myrtle_ntk", "gaussian", "laplace")
    assert row["timings"]["fit"] > 0
