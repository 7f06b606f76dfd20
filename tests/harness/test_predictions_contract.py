"""The "predictions" contract: methods that return predictive variances get their negative log
predictive density recorded, and methods that ask for the validation split, the task or the number
of classes get them (fitted on the other training rows only)."""

from __future__ import annotations

import numpy as np
import pytest

from ntkbench.harness import metrics
from ntkbench.harness.execute import execute_cell
from ntkbench.harness.registry import discover
from ntkbench.harness.suite import load_suite

PREDICTION_METHODS = '''
import numpy as np
from ntkbench.contracts import Method


class MeanWithVariance(Method):
    """Predicts the training mean with the training variance (a Gaussian constant predictor)."""

    name = "mean_var"
    output = "predictions"

    def fit(self, X, y=None):
        self.mean_, self.var_ = float(np.mean(y)), float(np.var(y))
        return self

    def predict(self, X):
        return np.full(len(X), self.mean_)

    def predict_with_variance(self, X):
        return self.predict(X), np.full(len(X), self.var_)


class Plain(Method):
    """Predicts zero; the default predict_with_variance gives no variances."""

    name = "plain"
    output = "predictions"

    def fit(self, X, y=None):
        if len(X) != 45:  # every training row of the toy split (3/4 of 60)
            raise AssertionError(f"fit got {len(X)} rows")
        return self

    def predict(self, X):
        return np.zeros(len(X))


class Requests(Method):
    """Checks what the harness passes to fit when asked."""

    name = "requests"
    output = "predictions"
    fit_requests = ("validation", "task", "n_classes")

    def fit(self, X, y=None, *, validation, task, n_classes):
        X_val, y_val = validation
        rows = {tuple(r) for r in X} | {tuple(r) for r in X_val}
        if len(X) + len(X_val) != 45 or len(rows) != 45 or task != "regression" or n_classes is not None:
            raise AssertionError(f"fit got {len(X)} + {len(X_val)} rows, task {task}, n_classes {n_classes}")
        self.n_fit_ = len(X)
        return self

    def predict(self, X):
        return np.full(len(X), float(self.n_fit_))


class Unknown(Method):
    name = "unknown_request"
    output = "predictions"
    fit_requests = ("test_set",)
'''


def _row(toy_root, write_suite, method, val_fraction=0.2):
    (toy_root / "methods" / "prediction_methods.py").write_text(PREDICTION_METHODS)
    registry = discover(toy_root, entry_points=False)
    suite = load_suite(write_suite("p", f"""
        [suite]
        n_eval = 0
        val_fraction = {val_fraction}
        [[datasets]]
        name = "toy"
        [[methods]]
        name = "{method}"
    """), registry)
    cell = suite.cells[0]
    split = registry.dataset("toy")().load(seed=cell.seed)
    return execute_cell(cell, registry, suite="p"), split


def test_predictive_variances_give_the_nlpd(toy_root, write_suite):
    row, split = _row(toy_root, write_suite, "mean_var")
    assert row["status"] == "ok", row["error"]
    y_train, y_test = split.y_train, split.y_test
    expected = metrics.gaussian_nlpd(y_test, np.full(len(y_test), y_train.mean()), np.full(len(y_test), y_train.var()))
    assert row["metrics"]["test_nlpd"] == pytest.approx(expected, rel=1e-12)


def test_methods_without_variances_have_no_nlpd_and_get_every_training_row(toy_root, write_suite):
    row, _ = _row(toy_root, write_suite, "plain")
    assert row["status"] == "ok", row["error"]
    assert "test_nlpd" not in row["metrics"] and "test_rmse" in row["metrics"]


def test_requested_validation_split_is_held_out_of_the_fit_rows(toy_root, write_suite):
    row, split = _row(toy_root, write_suite, "requests", val_fraction=0.2)
    assert row["status"] == "ok", row["error"]
    predicted = np.full(len(split.y_test), 36.0)  # 45 rows, 9 held out for validation
    assert row["metrics"]["test_mse"] == pytest.approx(metrics.mse(split.y_test, predicted))


def test_an_unknown_fit_request_fails_the_cell_with_its_name(toy_root, write_suite):
    row, _ = _row(toy_root, write_suite, "unknown_request")
    assert row["status"] == "error" and "requests unknown fit arguments ['test_set']" in row["error"]


def test_gaussian_nlpd_values_and_errors():
    # at the mean, the NLPD is the entropy term ½ log(2πσ²); one standard deviation away adds ½
    assert metrics.gaussian_nlpd([1.0], [1.0], [2.0]) == pytest.approx(0.5 * np.log(4 * np.pi))
    assert metrics.gaussian_nlpd([3.0], [1.0], [4.0]) == pytest.approx(0.5 * np.log(8 * np.pi) + 0.5)
    with pytest.raises(ValueError, match="finite and positive"):
        metrics.gaussian_nlpd([1.0, 2.0], [1.0, 2.0], [1.0, 0.0])
    with pytest.raises(ValueError, match="of one size"):
        metrics.gaussian_nlpd([1.0, 2.0], [1.0, 2.0], [1.0])


def test_the_report_shows_the_nlpd_column_when_a_method_has_it(toy_root, write_suite, tmp_path, monkeypatch):
    from ntkbench.cli import main
    from ntkbench.report import plots

    (toy_root / "methods" / "prediction_methods.py").write_text(PREDICTION_METHODS)
    write_suite("nlpd", """
        [suite]
        n_eval = 0
        [[datasets]]
        name = "toy"
        [[methods]]
        name = "mean_var"
        [[methods]]
        name = "plain"
    """)
    store = str(tmp_path / "r.sqlite")
    monkeypatch.setattr(plots, "_save", lambda fig, path: path)
    assert main(["run", "nlpd", "--store", store, "--jobs", "0", "--no-progress"]) == 0
    assert main(["report", "nlpd", "--store", store]) == 0
    text = (toy_root / "reports" / "nlpd" / "README.md").read_text()
    header = [cell.strip() for cell in next(line for line in text.splitlines() if line.startswith("| method")).split("|")]
    assert header[2:4] == ["test RMSE", "test NLPD"]
    cells = {line.split("|")[1].strip(): line.split("|")[3].strip() for line in text.splitlines()
             if line.startswith(("| mean_var", "| plain"))}
    assert cells["plain"] == "—" and float(cells["mean_var"]) > 0
