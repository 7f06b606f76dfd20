"""Input transforms use training statistics only; target encodings have the documented values."""

from __future__ import annotations

import numpy as np
import pytest

from ntkbench.data import preprocess as pp


def test_standardize_uses_training_statistics_only(rng):
    train = rng.normal(5.0, 3.0, size=(200, 4))
    test = rng.normal(-2.0, 0.5, size=(50, 4))
    tr, te = pp.standardize(train, test)
    assert tr.dtype == np.float32 and te.dtype == np.float32
    np.testing.assert_allclose(tr.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(tr.std(axis=0), 1, atol=1e-5)
    expected = (test - train.mean(axis=0)) / train.std(axis=0)
    np.testing.assert_allclose(te, expected, rtol=1e-5, atol=1e-5)
    assert abs(te.mean()) > 0.5  # test data are not re-centred on their own statistics


def test_standardize_constant_column_becomes_zero_not_nan(rng):
    X = rng.normal(size=(30, 3))
    X[:, 1] = 7.0
    (tr,) = pp.standardize(X)
    assert np.all(np.isfinite(tr)) and np.all(tr[:, 1] == 0)


def test_center_keeps_scale(rng):
    X = rng.normal(3.0, 4.0, size=(100, 2))
    tr, te = pp.center(X, X[:5])
    np.testing.assert_allclose(tr.std(axis=0), X.std(axis=0), rtol=1e-5)
    np.testing.assert_allclose(te, X[:5] - X.mean(axis=0), rtol=1e-5, atol=1e-5)


def test_unit_norm_rows_and_zero_rows(rng):
    X = rng.normal(size=(10, 2, 3, 3))
    X[3] = 0
    (out,) = pp.unit_norm(X)
    norms = np.linalg.norm(out.reshape(10, -1), axis=1)
    np.testing.assert_allclose(np.delete(norms, 3), 1, rtol=1e-6)
    assert norms[3] == 0 and out.shape == X.shape


def test_channel_normalize_per_channel(rng):
    X = rng.normal(size=(64, 3, 4, 4)) * np.array([1.0, 5.0, 0.1])[None, :, None, None] + 2
    tr, te = pp.channel_normalize(X, X[:2] + 1)
    np.testing.assert_allclose(tr.mean(axis=(0, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(tr.std(axis=(0, 2, 3)), 1, atol=1e-5)
    std = X.std(axis=(0, 2, 3))[None, :, None, None]
    np.testing.assert_allclose(te - tr[:2], 1 / std * np.ones_like(te), rtol=1e-4)
    with pytest.raises(ValueError, match="channel"):
        pp.channel_normalize(X.reshape(64, -1))


def test_zca_whitens_training_covariance(rng):
    A = rng.normal(size=(5, 5))
    X = rng.normal(size=(4000, 5)) @ A
    (Z,) = pp.zca_whiten(X, reg=0.0)
    np.testing.assert_allclose(np.cov(Z.T, bias=True), np.eye(5), atol=1e-3)
    (Zr,) = pp.zca_whiten(X, reg=1.0)
    assert np.all(np.linalg.eigvalsh(np.cov(Zr.T, bias=True)) < 1)  # the regulariser shrinks
    Zi, Zt = pp.zca_whiten(X.reshape(-1, 1, 1, 5), X[:3].reshape(-1, 1, 1, 5), reg=0.1)
    assert Zi.shape == (4000, 1, 1, 5) and Zt.shape == (3, 1, 1, 5)


def test_layer_plus_zca_pipeline_runs_on_images(rng):
    X = rng.normal(size=(40, 3, 4, 4))
    tr, te = pp.apply_inputs("layer+zca", X, X[:4], zca_reg=0.1)
    assert tr.shape == X.shape and te.shape == (4, 3, 4, 4) and tr.dtype == np.float32


def test_apply_inputs_rejects_unknown_and_passes_none(rng):
    with pytest.raises(ValueError, match="unknown input transform"):
        pp.apply_inputs("whiten-ish", rng.normal(size=(3, 2)))
    tr, te, va = pp.apply_inputs("standardize", rng.normal(size=(6, 2)), rng.normal(size=(2, 2)), None)
    assert va is None and te.shape == (2, 2)


def test_target_encodings():
    y = np.array([0, 2, 1])
    np.testing.assert_array_equal(pp.one_hot(y), [[1, 0, 0], [0, 0, 1], [0, 1, 0]])
    np.testing.assert_allclose(pp.shifted_one_hot(y), [[0.9, -0.1, -0.1], [-0.1, -0.1, 0.9], [-0.1, 0.9, -0.1]])
    np.testing.assert_array_equal(pp.plus_minus_one(np.array([0, 1, 1])), [-1, 1, 1])
    np.testing.assert_array_equal(pp.plus_minus_one(y)[0], [1, -1, -1])
    assert pp.one_hot(y, 5).shape == (3, 5)
    np.testing.assert_array_equal(pp.encode_targets(y, "onehot"), pp.one_hot(y))
    with pytest.raises(ValueError, match="unknown target encoding"):
        pp.encode_targets(y, "onehotish")
    with pytest.raises(ValueError, match="out of range"):
        pp.one_hot(y, 2)
    with pytest.raises(ValueError, match="integers"):
        pp.one_hot(np.array([0.5, 1.0]))


def test_target_standardizer_round_trip(rng):
    y = rng.normal(40, 9, size=100)
    s = pp.TargetStandardizer().fit(y)
    z = s.transform(y)
    assert abs(z.mean()) < 1e-12 and abs(z.std() - 1) < 1e-12
    np.testing.assert_allclose(s.inverse_transform(z), y)
    c = pp.TargetStandardizer(center_only=True).fit(y)
    np.testing.assert_allclose(c.transform(y), y - y.mean())
