"""Seeded splits and synthetic data are reproducible and have the promised shapes."""

from __future__ import annotations

import numpy as np
import pytest

from ntkbench.data import synthetic
from ntkbench.data.splits import kfold, random_split, stratified_split


def test_stratified_split_sizes_proportions_and_seed():
    y = np.repeat([0, 1, 2], [50, 30, 20])
    tr, te = stratified_split(y, 0.2, seed=3)
    assert len(te) == 20 and len(tr) == 80
    assert np.intersect1d(tr, te).size == 0 and np.union1d(tr, te).size == 100
    np.testing.assert_array_equal(np.bincount(y[te]), [10, 6, 4])
    tr2, te2 = stratified_split(y, 0.2, seed=3)
    np.testing.assert_array_equal(te, te2)
    _, te3 = stratified_split(y, 0.2, seed=4)
    assert not np.array_equal(te, te3)


def test_stratified_split_keeps_rare_class_on_both_sides():
    y = np.array([0] * 98 + [1, 1])
    tr, te = stratified_split(y, 0.1, seed=0)
    assert 1 in y[tr] and 1 in y[te]


def test_random_split_and_bad_sizes():
    tr, te = random_split(10, 3, seed=0)
    assert len(te) == 3 and len(tr) == 7
    with pytest.raises(ValueError, match="test_size"):
        random_split(10, 1.5, seed=0)
    with pytest.raises(ValueError, match="leaves no"):
        random_split(10, 10, seed=0)


def test_kfold_matches_sklearn_unshuffled():
    from sklearn.model_selection import KFold

    for n in (10, 13):
        for k, (tr_ref, te_ref) in enumerate(KFold(4).split(np.zeros(n))):
            tr, te = kfold(n, 4, k)
            np.testing.assert_array_equal(tr, tr_ref)
            np.testing.assert_array_equal(te, te_ref)
    with pytest.raises(ValueError, match="fold"):
        kfold(10, 4, 4)


def test_synthetic_rows_do_not_depend_on_n_or_range():
    full = synthetic.inputs(0, synthetic.BLOCK + 100, 3, seed=5)
    part = synthetic.inputs(synthetic.BLOCK - 10, synthetic.BLOCK + 20, 3, seed=5)
    np.testing.assert_array_equal(full[synthetic.BLOCK - 10:synthetic.BLOCK + 20], part)
    assert not np.array_equal(synthetic.inputs(0, 5, 3, seed=6), full[:5])
    assert full.dtype == np.float32


def test_synthetic_distributions():
    sphere = synthetic.inputs(0, 500, 20, distribution="sphere", seed=1)
    np.testing.assert_allclose(np.linalg.norm(sphere, axis=1), 1, rtol=1e-5)
    gauss = synthetic.inputs(0, 20000, 20, distribution="gaussian", seed=1)
    assert abs(np.mean(np.sum(gauss.astype(np.float64) ** 2, axis=1)) - 1) < 0.02
    with pytest.raises(ValueError, match="distribution"):
        synthetic.inputs(0, 5, 2, distribution="cube")


def test_synthetic_adapter(adapters):
    ds = adapters["synthetic"]()
    a = ds.load(seed=2, n=1000, d=8, task="classification", n_classes=3)
    b = ds.load(seed=2, n=1000, d=8, task="classification", n_classes=3)
    assert a.X_train.shape == (800, 8) and a.X_test.shape == (200, 8)
    np.testing.assert_array_equal(a.X_train, b.X_train)
    assert set(np.unique(a.y_train)) == {0, 1, 2} and a.task == "classification"
    r = ds.load(seed=2, n=100, d=3)
    assert r.task == "regression" and r.y_train.dtype == np.float64
