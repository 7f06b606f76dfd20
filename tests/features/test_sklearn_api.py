"""The feature maps are real scikit-learn transformers: params, clone, Pipeline, validation, out=."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import Ridge, RidgeClassifier
from sklearn.pipeline import make_pipeline

from ntkbench.arch import Arch
from ntkbench.features import NTKRandomFeatures, NTKSketch

CLASSES = [NTKRandomFeatures, NTKSketch]


@pytest.mark.parametrize("cls", CLASSES)
def test_params_clone_and_pipeline(rng, cls):
    est = cls(n_components=64, depth=2, random_state=0)
    params = est.get_params()
    assert params["n_components"] == 64 and params["depth"] == 2
    assert clone(est).get_params() == params
    X = rng.standard_normal((80, 5))
    y = X[:, 0] ** 2
    reg = make_pipeline(clone(est), Ridge(alpha=1e-3)).fit(X, y)
    assert reg.score(X, y) > 0.5
    clf = make_pipeline(clone(est), RidgeClassifier(alpha=1e-3)).fit(X, y > np.median(y))
    assert clf.score(X, y > np.median(y)) > 0.7
    assert list(est.fit(X).get_feature_names_out())[:2] == [f"{cls.__name__.lower()}0", f"{cls.__name__.lower()}1"]


@pytest.mark.parametrize("cls", CLASSES)
def test_from_arch(cls):
    est = cls.from_arch(Arch(depth=3, w_std=1.5, b_std=0.1), n_components=32)
    assert (est.depth, est.w_std, est.b_std) == (3, 1.5, 0.1)
    with pytest.raises(ValueError, match="fully-connected"):
        cls.from_arch(Arch(kind="conv"))


@pytest.mark.parametrize("cls", CLASSES)
def test_transform_into_preallocated_array_and_memmap(rng, tmp_path, cls):
    X = rng.standard_normal((23, 4)).astype(np.float32)
    est = cls(n_components=40, batch_size=5, random_state=1).fit(X)
    expected = est.transform(X)
    out = np.lib.format.open_memmap(tmp_path / "f.npy", mode="w+", dtype=np.float32, shape=(23, 40))
    assert est.transform(X, out=out) is out
    out.flush()
    np.testing.assert_array_equal(np.load(tmp_path / "f.npy"), expected)
    with pytest.raises(ValueError, match="shape"):
        est.transform(X, out=np.empty((23, 41), dtype=np.float32))


@pytest.mark.parametrize("cls", CLASSES)
@pytest.mark.parametrize("param, value", [
    ("n_components", 0), ("depth", 0), ("get", "cntk"), ("activation", "swishy"), ("w_std", -1.0),
    ("b_std", -0.5), ("batch_size", 0), ("w_std", math.inf),
])
def test_invalid_parameters_raise_value_errors(rng, cls, param, value):
    with pytest.raises(ValueError, match=param):
        cls(**{param: value}).fit(rng.standard_normal((5, 3)))


def test_estimator_specific_invalid_parameters(rng):
    X = rng.standard_normal((5, 3))
    with pytest.raises(ValueError, match="degree"):
        NTKSketch(degree=1).fit(X)
    with pytest.raises(ValueError, match="method"):
        NTKSketch(method="two_pass").fit(X)
    with pytest.raises(ValueError, match="sampling"):
        NTKRandomFeatures(sampling="gibbs").fit(X)
    with pytest.raises(ValueError, match="b_std=0"):
        NTKSketch(method="one_pass", b_std=0.1).fit(X)


@pytest.mark.parametrize("cls", CLASSES)
def test_invalid_inputs_raise(rng, cls):
    X = rng.standard_normal((5, 3))
    with pytest.raises(NotFittedError):
        cls().transform(X)
    with pytest.raises(ValueError, match="NaN"):
        cls().fit(np.array([[0.0, np.nan, 1.0]]))
    with pytest.raises(ValueError, match="3 features"):
        cls(n_components=32).fit(X).transform(rng.standard_normal((2, 4)))


_COMMON_CHECKS = """
import json
from sklearn.utils.estimator_checks import check_estimator
from ntkbench.features import NTKRandomFeatures, NTKSketch

estimators = [NTKRandomFeatures(), NTKSketch(), NTKSketch(method="one_pass", depth=2, degree=4),
              NTKSketch(n_components=40, depth=3, b_std=0.1)]
results = [r for est in estimators for r in check_estimator(est, on_fail=None)]
print(json.dumps({"run": len(results), "not_passed": [f"{r['estimator']!r} {r['check_name']}: {r['status']} "
                                                      f"{r['exception']!r}" for r in results
                                                      if r["status"] != "passed"]}))
"""


@pytest.mark.slow
def test_sklearn_common_checks_all_pass():
    """Every check of ``check_estimator`` passes: none is expected to fail, none skipped (sklearn sets
    n_components=1 in several checks: that is compressed, see test_estimators). A fresh interpreter,
    because check_array_api_input only runs with SCIPY_ARRAY_API=1 set before scipy is imported."""
    root = Path(__file__).parents[2]
    env = {**os.environ, "SCIPY_ARRAY_API": "1",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.run([sys.executable, "-c", _COMMON_CHECKS], cwd=root, env=env, capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.splitlines()[-1])
    assert report["not_passed"] == [] and report["run"] >= 4 * 40, report
