"""The median heuristic and the bandwidth chosen on a validation split."""

from __future__ import annotations

import numpy as np
import pytest

from ntkbench.kernels.stationary import median_bandwidth, stationary_kernel
from ntkbench.solvers.bandwidth import BANDWIDTH_FACTORS, resolve_bandwidth
from ntkbench.solvers.protocol import ValidationProtocol


def test_median_heuristic_is_the_median_pairwise_distance():
    X = np.array([[0.0], [1.0], [3.0]])  # distances 1, 2, 3
    assert median_bandwidth(X) == pytest.approx(2.0)
    bandwidth, scores = resolve_bandwidth("median", X, None, kernel="laplace")
    assert bandwidth == pytest.approx(2.0) and scores == {}


def _wave(frequency: float, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-3, 3, (600, 1))
    return X, np.sin(frequency * X[:, 0]) + 0.05 * rng.standard_normal(600)


def test_selection_follows_the_scale_of_the_target():
    """A fast wave needs a Gaussian bandwidth well below the median distance (about 2 here), a slow
    one a larger bandwidth. (In one dimension a Laplace kernel of any bandwidth interpolates like a
    piecewise-linear spline, so its choice says little here.)"""
    kernel = "gaussian"
    chosen = {}
    for frequency in (6.0, 0.5):
        X, y = _wave(frequency)
        chosen[frequency], scores = resolve_bandwidth("select", X, y, kernel=kernel, seed=0)
        median = median_bandwidth(X)
        assert set(scores) == {median * f for f in BANDWIDTH_FACTORS}
    assert chosen[6.0] <= 0.5 * median_bandwidth(_wave(6.0)[0])
    assert chosen[0.5] > 2 * chosen[6.0]


def test_the_selected_bandwidth_predicts_better_than_the_median_on_held_out_rows():
    X, y = _wave(6.0)
    fit, test = np.arange(500), np.arange(500, 600)
    errors = {}
    for rule in ("median", "select"):
        bandwidth, _ = resolve_bandwidth(rule, X[fit], y[fit], kernel="gaussian")
        K = stationary_kernel(X[fit], kernel="gaussian", bandwidth=bandwidth)
        coef = np.linalg.solve(K + 1e-3 * np.eye(500), y[fit])
        prediction = stationary_kernel(X[test], X[fit], kernel="gaussian", bandwidth=bandwidth) @ coef
        errors[rule] = np.mean((prediction - y[test]) ** 2)
    assert errors["select"] < 0.2 * errors["median"]


def test_selection_uses_the_given_validation_rows():
    protocol = ValidationProtocol(n_given_val=100)
    assert [len(r) for r in protocol.rows(600, 0)] == [500, 100]
    assert protocol.rows(600, 0)[1][0] == 500


@pytest.mark.parametrize("setting, y, message", [
    (-1.0, None, "bandwidth must be 'median', 'select' or a positive number, got -1.0"),
    ("widest", None, "bandwidth must be 'median', 'select' or a positive number, got 'widest'"),
    ("select", None, "needs y"),
])
def test_bad_bandwidths_raise_clear_errors(setting, y, message):
    with pytest.raises(ValueError, match=message):
        resolve_bandwidth(setting, np.eye(3), y, kernel="gaussian")


def test_unknown_kernel_and_duplicated_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="kernel must be one of gaussian, laplace, got 'cauchy'"):
        resolve_bandwidth(1.0, np.eye(3), None, kernel="cauchy")
    with pytest.raises(ValueError, match="median distance between rows is 0"):
        median_bandwidth(np.ones((5, 2)))
