"""The feature maps are real scikit-learn transformers: params, clone, Pipeline, validation, out=."""

from __future__ import annotations

import math

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
    ("n_components", 0), ("depth", 0), ("get", "cntk"), ("activation", "tanh"), ("w_std", -1.0),
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
    with pytest.raises(ValueError, match="too small"):
        cls(n_components=4, depth=3).fit(X)


# sklearn's common checks set n_components=1, below the minimum (input block + norm coordinate + one
# random feature per layer); everything else passes.
_TOO_SMALL = {name: "n_components=1 is below the minimum size" for name in (
    "check_dont_overwrite_parameters", "check_methods_sample_order_invariance", "check_methods_subset_invariance",
    "check_fit2d_1sample", "check_fit2d_1feature", "check_fit2d_predict1d")}


@pytest.mark.slow
@pytest.mark.parametrize("cls", CLASSES)
def test_sklearn_common_checks(cls):
    from sklearn.utils.estimator_checks import check_estimator

    results = check_estimator(cls(n_components=32, random_state=0), expected_failed_checks=_TOO_SMALL,
                              on_fail=None)
    failed = [r["check_name"] for r in results if r["status"] == "failed"]
    assert not failed, failed
