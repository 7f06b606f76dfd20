"""What the harness measures: the ridge it selects, the memory it charges to a method, and where it
measures kernel quality. Each test fails on a harness that takes the easy way out."""

from __future__ import annotations

import numpy as np
import pytest

from ntkbench.harness.execute import execute_cell
from ntkbench.harness.registry import discover
from ntkbench.harness.suite import load_suite
from ntkbench.harness.timing import use_exact_allocation
from ntkbench.solvers.selection import holdout_indices, select_ridge

GRID = (1e-6, 1e-4, 1e-2, 1.0, 100.0)

# Random ReLU features: enough of them to interpolate the training rows at a tiny ridge.
WIDE_METHOD = '''
import numpy as np
from ntkbench.contracts import Method


class Wide(Method):
    name = "wide"
    params = {"width": [400]}

    def fit(self, X, y=None):
        self.W_ = np.random.default_rng(self.random_state).standard_normal((X.shape[1], self.params["width"]))
        return self

    def transform(self, X):
        return np.maximum(X @ self.W_, 0.0)
'''

NOISE_DATASET = '''
import numpy as np
from ntkbench.contracts import Dataset, Split


class Noise(Dataset):
    """Targets that are pure noise (signal = 0) or a noiseless linear function (signal = 1)."""

    name = "noise"
    params = {"signal": [0, 1]}

    def load(self, *, seed, **params):
        p = self.check_params(params)
        rng = np.random.default_rng(seed)
        X = rng.standard_normal((250, 5))
        y = X @ np.arange(1.0, 6.0) if p["signal"] else rng.standard_normal(250)
        return Split(X[:200], y[:200], X[200:], y[200:], "regression")
'''

# A method whose fit holds ~200 MiB at its peak, scored against a target kernel whose evaluation
# holds ~400 MiB: only the first belongs to the method.
MEMORY_METHOD = '''
import numpy as np
from ntkbench.contracts import Method, TargetKernel


def _hungry_kernel(A, B):
    scratch = np.ones(50_000_000)  # 400 MB of harness-side work
    return A @ B.T + 0.0 * scratch[0]


class Hungry(Method):
    name = "hungry"

    def fit(self, X, y=None):
        scratch = np.ones(25_000_000)  # 200 MB, freed when fit returns
        self.offset_ = float(scratch[0]) - 1.0
        return self

    def transform(self, X):
        return X + self.offset_

    def target_kernel(self):
        return TargetKernel("linear", _hungry_kernel)
'''


def _cells(toy_root, write_suite, body):
    registry = discover(toy_root, entry_points=False)
    return load_suite(write_suite("m", body), registry).cells, registry


def _run_on_toy(toy_root, write_suite, name, source):
    """Write the method file ``source``, run method ``name`` on the toy data with n_eval = 10,
    and return its row (asserted ok) and the registry."""
    (toy_root / "methods" / f"{name}.py").write_text(source)
    cells, registry = _cells(toy_root, write_suite, f"""
        [suite]
        n_eval = 10
        [[datasets]]
        name = "toy"
        [[methods]]
        name = "{name}"
    """)
    row = execute_cell(cells[0], registry, suite="m")
    assert row["status"] == "ok", row["error"]
    return row, registry


# ------------------------------------------------------------------------------------ ridge selection

def _problem(signal: bool, seed: int = 0):
    """Pure noise on 400 random ReLU features, or a noiseless linear function of linear features."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((200, 5))
    if signal:
        features, y = X, X @ np.arange(1.0, 6.0)
    else:
        features, y = np.maximum(X @ rng.standard_normal((5, 400)), 0.0), rng.standard_normal(200)
    fit_idx, val_idx = holdout_indices(200, 0.2, seed)
    return features, y - y.mean(), fit_idx, val_idx


@pytest.mark.parametrize("signal, expected", [(False, max(GRID)), (True, min(GRID))])
def test_selection_picks_the_edge_of_the_grid_the_validation_rows_prefer(signal, expected):
    """Pure noise wants the largest ridge, a noiseless function the smallest: a selection that
    always takes the middle of the grid fails both."""
    features, targets, fit_idx, val_idx = _problem(signal)
    best, scores = select_ridge("features", features, targets, fit_idx, val_idx, GRID,
                                lambda pred: -np.mean((pred.ravel() - targets[val_idx]) ** 2))
    assert best == expected
    assert set(scores) == set(GRID)


def test_selection_scores_on_the_validation_rows_not_the_fit_rows():
    """With 400 features for 160 rows, fit rows prefer the smallest ridge (interpolation) while
    held-out rows of pure noise prefer the largest: scoring the wrong rows picks the wrong edge."""
    features, targets, fit_idx, val_idx = _problem(False)
    assert not set(fit_idx) & set(val_idx)
    seen = []

    def score(pred):
        seen.append(pred.shape[0])
        return -np.mean((pred.ravel() - targets[val_idx]) ** 2)

    best, _ = select_ridge("features", features, targets, fit_idx, val_idx, GRID, score)
    assert set(seen) == {len(val_idx)} and best == max(GRID)
    # the same selection scored on the fit rows goes to the other edge
    best_on_fit, _ = select_ridge("features", features, targets, fit_idx, fit_idx, GRID,
                                  lambda pred: -np.mean((pred.ravel() - targets[fit_idx]) ** 2))
    assert best_on_fit == min(GRID)


HARNESS_GRID = (1e-6, 1e-3, 1e3)


@pytest.mark.parametrize("signal, method, expected", [(0, "wide", 1e3), (1, "linear", 1e-6)])
def test_the_harness_selects_the_ridge_on_held_out_rows(toy_root, write_suite, signal, method, expected):
    (toy_root / "methods" / "wide.py").write_text(WIDE_METHOD)
    (toy_root / "datasets" / "noise.py").write_text(NOISE_DATASET)
    cells, registry = _cells(toy_root, write_suite, f"""
        [suite]
        n_eval = 0
        ridge_grid = {list(HARNESS_GRID)}
        [[datasets]]
        name = "noise"
        params = {{ signal = {signal} }}
        [[methods]]
        name = "{method}"
    """)
    row = execute_cell(cells[0], registry, suite="m")
    assert row["status"] == "ok", row["error"]
    assert row["metrics"]["ridge_relative"] == expected


# ------------------------------------------------------------------------------------ memory per phase

def test_peak_memory_is_the_methods_own_and_excludes_kernel_quality(toy_root, write_suite):
    use_exact_allocation()
    row, _ = _run_on_toy(toy_root, write_suite, "hungry", MEMORY_METHOD)
    m = row["metrics"]
    assert 150 < m["mem_fit_mb"] < 300  # the 200 MB (190.7 MiB) array of fit
    assert m["mem_featurize_mb"] < 50 and m["mem_predict_mb"] < 50
    assert row["peak_mem_mb"] == max(m[f"mem_{p}_mb"] for p in ("fit", "featurize", "solve", "predict"))
    assert row["peak_mem_mb"] < 300  # the target kernel's 400 MB are the harness's, not the method's
    assert m["spectral_eps"] < 1e-8  # kernel quality was measured all the same


# ------------------------------------------------------------------------------------ held-out quality

NYSTROM_SUITE = """
    [suite]
    n_eval = 40
    {extra}
    [[datasets]]
    name = "synthetic"
    params = {{ n = 150, d = 4, test_size = 50 }}
    [[methods]]
    name = "nystrom_ntk"
    params = {{ n_components = 200, depth = 1 }}
"""


def test_kernel_quality_is_measured_on_held_out_points_by_default(tmp_path):
    """Nyström with every training row as a landmark is exact on the training rows by
    construction; on held-out points it is not, and that is what the default reports."""
    registry = discover(entry_points=False)
    rows = {}
    for where, extra in (("default", ""), ("train", 'kernel_eval_on = "train"')):
        path = tmp_path / f"{where}.toml"
        path.write_text(NYSTROM_SUITE.format(extra=extra))
        (cell,) = load_suite(path, registry).cells
        rows[where] = execute_cell(cell, registry, suite="m")
        assert rows[where]["status"] == "ok", rows[where]["error"]
    assert rows["train"]["metrics"]["rel_frobenius"] < 1e-6
    assert rows["default"]["metrics"]["rel_frobenius"] > 1e-3
    assert rows["default"]["metrics"]["n_eval"] == 40
    assert rows["default"]["key"] != rows["train"]["key"]


GRAM_METHOD = '''
from ntkbench.contracts import Method, TargetKernel


class Gram(Method):
    name = "gram"
    output = "kernel"
    shapes = []

    def kernel(self, X1, X2):
        Gram.shapes.append((len(X1), len(X2)))
        return X1 @ X2.T

    def target_kernel(self):
        return TargetKernel("linear", lambda A, B: A @ B.T)
'''


def test_held_out_quality_of_a_kernel_method_asks_it_for_the_held_out_gram(toy_root, write_suite):
    row, registry = _run_on_toy(toy_root, write_suite, "gram", GRAM_METHOD)
    assert row["metrics"]["n_eval"] == 10 and row["metrics"]["rel_frobenius"] < 1e-12
    # train Gram (45 × 45), test × train (15 × 45), then the held-out evaluation Gram (10 × 10)
    assert registry.method("gram").shapes == [(45, 45), (15, 45), (10, 10)]
