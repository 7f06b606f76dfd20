"""Suites over the real data in $NTKBENCH_DATA: groups of datasets and data that is missing."""

from __future__ import annotations

import pytest

from ntkbench.data.fd121_catalog import ARORA2020
from ntkbench.harness.execute import execute_cell
from ntkbench.harness.registry import discover
from ntkbench.harness.suite import load_suite

REGISTRY = discover(entry_points=False)


def test_arora2020_group_expands_and_missing_members_are_skipped(data_home, tmp_path, monkeypatch):
    monkeypatch.setenv("NTKBENCH_DATA", str(data_home))
    path = tmp_path / "suite.toml"
    path.write_text('[suite]\nseeds = [0]\nn_eval = 50\n[[datasets]]\nname = "uci_fd121"\n'
                    'params = { name = "arora2020", fold = 0 }\n[[methods]]\nname = "exact_fc"\n'
                    'params = { depth = 1, get = "ntk" }\n')
    suite = load_suite(path, REGISTRY)
    assert len(suite.cells) == len(ARORA2020) == 90
    pima = next(c for c in suite.cells if c.dataset_params["name"] == "pima")
    row = execute_cell(pima, REGISTRY, suite="t")
    assert row["status"] == "skipped" and "pima" in row["error"]
    iris = next(c for c in suite.cells if c.dataset_params["name"] == "iris")
    row = execute_cell(iris, REGISTRY, suite="t")
    assert row["status"] == "ok", row["error"]
    assert row["metrics"]["test_accuracy"] > 0.8


def test_missing_data_home_gives_a_skip_naming_the_file_and_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("NTKBENCH_DATA", str(tmp_path / "empty"))
    path = tmp_path / "suite.toml"
    path.write_text('[suite]\nseeds = [0]\n[[datasets]]\nname = "uci_gal"\nparams = { name = "concrete" }\n'
                    '[[methods]]\nname = "rff"\nparams = { n_components = 8 }\n')
    (cell,) = load_suite(path, REGISTRY).cells
    row = execute_cell(cell, REGISTRY, suite="t")
    assert row["status"] == "skipped"
    assert "concrete" in row["error"] and "data.txt" in row["error"] and "NTKBENCH_DATA" in row["error"]


@pytest.mark.parametrize("name", ["mnist"])
def test_image_data_feeds_flat_methods(data_home, tmp_path, monkeypatch, name):
    monkeypatch.setenv("NTKBENCH_DATA", str(data_home))
    monkeypatch.setenv("NTKBENCH_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "suite.toml"
    path.write_text(f'[suite]\nseeds = [0]\nn_eval = 50\n[[datasets]]\nname = "{name}"\n'
                    'params = { n_train = 300, n_test = 100 }\n[[methods]]\nname = "nystrom_ntk"\n'
                    'params = { n_components = 64, depth = 1 }\n')
    (cell,) = load_suite(path, REGISTRY).cells
    row = execute_cell(cell, REGISTRY, suite="t")
    assert row["status"] == "ok", row["error"]
    assert row["metrics"]["test_accuracy"] > 0.6 and row["feature_dim"] == 64
