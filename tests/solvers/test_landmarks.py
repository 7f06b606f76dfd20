"""Nyström landmarks: exactness at m = n, exact leverage scores from a full sample, and
leverage-score landmarks beating uniform ones on clustered data."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ntkbench.harness.metrics import relative_frobenius_error
from ntkbench.kernels import fc_kernel
from ntkbench.kernels.stationary import stationary_kernel
from ntkbench.solvers.landmarks import ridge_leverage_scores, rls_landmarks, select_landmarks, uniform_landmarks
from ntkbench.solvers.nystrom import Nystrom


def gaussian(bandwidth):
    return lambda A, B: stationary_kernel(A, B, kernel="gaussian", bandwidth=bandwidth)


def ntk(A, B):
    return fc_kernel(A, None if B is A else B, depth=2, dtype=A.dtype)


@pytest.mark.parametrize("landmarks", ["uniform", "rls"])
@pytest.mark.parametrize("kernel", [ntk, gaussian(1.0)], ids=["fc_ntk", "gaussian"])
def test_nystrom_with_every_row_as_landmark_reproduces_the_kernel(rng, landmarks, kernel):
    X = rng.standard_normal((40, 5))
    Phi = Nystrom(kernel=kernel, n_components=40, landmarks=landmarks).fit(X).transform(X)
    K = kernel(torch.as_tensor(X), torch.as_tensor(X)).numpy()
    np.testing.assert_allclose(Phi @ Phi.T, K, rtol=1e-7, atol=1e-8)


def test_leverage_scores_from_every_row_with_unit_weights_are_exact(rng):
    X = torch.as_tensor(rng.standard_normal((60, 3)))
    K = gaussian(1.0)(X, X)
    exact = torch.diagonal(K @ torch.linalg.inv(K + 0.1 * torch.eye(60)))
    approx = ridge_leverage_scores(X, X, torch.ones(60, dtype=X.dtype), gaussian(1.0), 0.1, torch.diagonal(K),
                                   block_size=7)
    torch.testing.assert_close(approx, exact, rtol=1e-6, atol=1e-8)


def _clustered(seed: int) -> np.ndarray:
    """One large blob and twenty small far-apart ones of four points: uniform sampling misses most
    small blobs, which a narrow kernel cannot reconstruct from elsewhere."""
    rng = np.random.default_rng(seed)
    big = 0.3 * rng.standard_normal((920, 2))
    centres = 8.0 * rng.standard_normal((20, 2)) + 6.0
    small = np.repeat(centres, 4, axis=0) + 0.05 * rng.standard_normal((80, 2))
    return np.concatenate([big, small])


def test_leverage_score_landmarks_beat_uniform_ones_on_clustered_data():
    kernel = gaussian(0.5)
    wins, ratios = 0, []
    for seed in range(5):
        X = _clustered(seed)
        K = kernel(torch.as_tensor(X), torch.as_tensor(X)).numpy()
        errors = {}
        for rule in ("uniform", "rls"):
            Phi = Nystrom(kernel=kernel, n_components=60, landmarks=rule, random_state=seed).fit(X).transform(X)
            errors[rule] = relative_frobenius_error(K, Phi @ Phi.T)
        wins += errors["rls"] < errors["uniform"]
        ratios.append(errors["rls"] / errors["uniform"])
    assert wins == 5
    assert np.median(ratios) < 0.5


def test_rls_landmarks_are_distinct_sorted_and_seeded(rng):
    X = torch.as_tensor(rng.standard_normal((500, 3)))
    a = rls_landmarks(X, 50, gaussian(1.0), np.random.default_rng(3))
    b = rls_landmarks(X, 50, gaussian(1.0), np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    assert len(np.unique(a)) == 50 and np.all(np.diff(a) > 0)
    np.testing.assert_array_equal(rls_landmarks(X, 500, gaussian(1.0), rng), np.arange(500))


def test_rls_evaluates_the_kernel_on_far_fewer_pairs_than_n_squared(rng):
    X = torch.as_tensor(rng.standard_normal((4000, 3)))
    pairs = []

    def counting(A, B):
        pairs.append(len(A) * len(B))
        return gaussian(1.0)(A, B)

    rls_landmarks(X, 20, counting, rng, diagonal=torch.ones(4000, dtype=X.dtype))
    assert sum(pairs) < 0.05 * 4000 ** 2


@pytest.mark.parametrize("call, message", [
    (lambda X: uniform_landmarks(10, 0, np.random.default_rng(0)), "number of landmarks must be an integer >= 1"),
    (lambda X: select_landmarks("kmeans", X, 3, ntk, np.random.default_rng(0)),
     "landmarks must be one of uniform, rls"),
    (lambda X: rls_landmarks(X, 3, ntk, np.random.default_rng(0), ridge=-1.0), "ridge must be positive"),
    (lambda X: rls_landmarks(X, 3, ntk, np.random.default_rng(0), oversample=0.5), "oversample must be >= 1"),
    (lambda X: Nystrom(kernel=ntk, solver="cg").fit(X), "solver must be one of direct, falkon"),
    (lambda X: Nystrom(kernel=ntk, n_components=0).fit(X), "n_components must be an integer >= 1"),
    (lambda X: Nystrom(kernel=ntk, solver="falkon").fit(X), "needs the targets y"),
    (lambda X: Nystrom(kernel=ntk, solver="falkon", ridge=-1).fit(X, X[:, 0]), "ridge must be 'select' or a positive"),
    (lambda X: Nystrom(kernel=ntk).fit(X).predict(X), "predict needs a Nystrom fitted with solver='falkon'"),
])
def test_bad_landmark_and_nystrom_parameters_raise_clear_errors(call, message):
    X = torch.as_tensor(np.random.default_rng(0).standard_normal((10, 2)))
    with pytest.raises(ValueError, match=message):
        call(X)


def test_nystrom_falkon_gives_the_same_fit_with_the_kernel_matrix_kept_or_streamed(rng):
    from ntkbench.solvers.falkon import FalkonOptions

    X = rng.standard_normal((300, 3))
    y = np.sin(X[:, 0])
    fits = [Nystrom(kernel=gaussian(1.0), n_components=40, solver="falkon", tol=1e-12, max_iter=200,
                    options=FalkonOptions(max_cached_numbers=limit)).fit(X, y) for limit in (0, 10 ** 6)]
    assert fits[0].ridge_relative_ == fits[1].ridge_relative_
    np.testing.assert_allclose(fits[0].predict(X), fits[1].predict(X), rtol=1e-8, atol=1e-10)
