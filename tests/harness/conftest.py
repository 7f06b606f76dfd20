"""A throw-away project root with toy adapters, so harness tests do not depend on real methods or data."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

TOY_DATASET = '''
import numpy as np
from ntkbench.contracts import Dataset, Split


class Toy(Dataset):
    name = "toy"
    task = "regression"
    params = {"n": [60], "d": [3], "task": ["regression"]}
    groups = {"n": {"small": [40, 50]}}

    def load(self, *, seed, **params):
        p = self.check_params(params)
        rng = np.random.default_rng(seed)
        X = rng.standard_normal((p["n"], p["d"]))
        y = X @ np.arange(1, p["d"] + 1) + 0.01 * rng.standard_normal(p["n"])
        if p["task"] == "classification":
            y = (y > 0).astype(int)
        half = p["n"] * 3 // 4
        return Split(X[:half], y[:half], X[half:], y[half:], p["task"])
'''

TOY_METHODS = '''
import time
import numpy as np
from ntkbench.contracts import Method, TargetKernel


class Linear(Method):
    """Identity features, optionally slowed down; its target is the linear kernel."""

    name = "linear"
    params = {"sleep": [0.0], "scale": [1.0]}

    def fit(self, X, y=None):
        time.sleep(self.params["sleep"])
        return self

    def transform(self, X):
        return self.params["scale"] * X

    def target_kernel(self):
        return TargetKernel("linear", lambda A, B: A @ B.T)


class Sized(Method):
    """Random features of a declared size, for the validation of typed and bounded parameters."""

    name = "sized"
    params = {"n_components": [8, 16], "depth": [1, 2], "flag": [False], "gamma": ["scale"]}
    param_constraints = {"n_components": {"ge": 1}, "gamma": {"choices": ["scale"], "type": float, "gt": 0}}

    def transform(self, X):
        rng = np.random.default_rng(self.random_state)
        return X @ rng.standard_normal((X.shape[1], self.params["n_components"]))


class LinearKernel(Method):
    name = "linear_kernel"
    output = "kernel"

    def kernel(self, X1, X2):
        return X1 @ X2.T


class Broken(Method):
    name = "broken"

    def fit(self, X, y=None):
        raise RuntimeError("this method always fails")


class Hang(Method):
    name = "hang"

    def fit(self, X, y=None):
        time.sleep(600)
        return self


class NeedsMissing(Method):
    name = "needs_missing"
    requires = ("a_module_that_does_not_exist_xyz",)
'''


@pytest.fixture
def toy_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project root holding toy methods/ and datasets/ and a reports/ folder; NTKBENCH_ROOT points at it."""
    (tmp_path / "methods").mkdir()
    (tmp_path / "datasets").mkdir()
    (tmp_path / "reports").mkdir()
    (tmp_path / "methods" / "toy_methods.py").write_text(TOY_METHODS)
    (tmp_path / "datasets" / "toy.py").write_text(TOY_DATASET)
    monkeypatch.setenv("NTKBENCH_ROOT", str(tmp_path))
    return tmp_path


@pytest.fixture
def write_suite(toy_root: Path):
    """``write_suite(name, body)`` writes ``reports/<name>/suite.toml`` under the toy root."""

    def write(name: str, body: str) -> Path:
        folder = toy_root / "reports" / name
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "suite.toml"
        path.write_text(textwrap.dedent(body))
        return path

    return write
