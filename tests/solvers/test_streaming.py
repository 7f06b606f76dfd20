"""Streamed normal equations give the in-memory ridge solutions, reading a memory map chunk by chunk."""

from __future__ import annotations

import numpy as np
import pytest

from ntkbench.solvers import RidgeFit
from ntkbench.solvers.selection import select_ridge
from ntkbench.solvers.streaming import normal_equations, select_ridge_streamed, streamed_predict


@pytest.fixture
def problem(tmp_path):
    rng = np.random.default_rng(0)
    Phi = rng.standard_normal((1000, 24)).astype(np.float32)
    Y = Phi @ rng.standard_normal((24, 3)) + 0.5 * rng.standard_normal((1000, 3))
    np.save(tmp_path / "phi.npy", Phi)
    return np.load(tmp_path / "phi.npy", mmap_mode="r"), Phi, Y


@pytest.mark.parametrize("chunk_rows", [1, 37, 4096])
def test_normal_equations_match_the_in_memory_products_for_any_chunking(problem, chunk_rows):
    mapped, Phi, Y = problem
    rows = np.arange(3, 1000, 3)
    eq = normal_equations(mapped, Y, rows, chunk_rows=chunk_rows)
    block = Phi[rows].astype(np.float64)
    np.testing.assert_allclose(eq.gram, block.T @ block, rtol=1e-12)
    np.testing.assert_allclose(eq.moment, block.T @ Y[rows], rtol=1e-12)
    assert eq.n == len(rows)


def test_streamed_fit_equals_the_in_memory_ridge(problem):
    mapped, Phi, Y = problem
    streamed = normal_equations(mapped, Y, chunk_rows=64).fit(0.01)
    direct = RidgeFit.from_features(Phi, Y, 0.01)
    np.testing.assert_allclose(streamed.coef, direct.coef, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(streamed_predict(mapped, streamed.coef, chunk_rows=100), Phi @ direct.coef,
                               rtol=1e-9, atol=1e-9)


def test_streamed_selection_scores_every_ridge_as_the_in_memory_selection(problem):
    mapped, Phi, Y = problem
    fit_idx, val_idx = np.arange(800), np.arange(800, 1000)
    grid = list(np.logspace(-6, 2, 9))

    def score(predictions):
        return -float(np.mean((predictions - Y[val_idx]) ** 2))

    best, scores = select_ridge_streamed(mapped, Y, fit_idx, val_idx, grid, score, chunk_rows=50)
    best_ref, scores_ref = select_ridge("features", Phi, Y, fit_idx, val_idx, grid, score)
    assert best == best_ref
    np.testing.assert_allclose([scores[r] for r in grid], [scores_ref[r] for r in grid], rtol=1e-9)
    assert len(set(np.round(list(scores.values()), 6))) > 1  # the grid matters on this problem


def test_bad_input_is_a_clear_error(problem):
    mapped, _, Y = problem
    with pytest.raises(ValueError, match="2-d array"):
        normal_equations(np.ones(5), np.ones(5))
    with pytest.raises(ValueError, match="rows but targets"):
        normal_equations(mapped, Y[:10])
    with pytest.raises(ValueError, match=r"row indices must lie in \[0, 1000\)"):
        normal_equations(mapped, Y, np.array([0, 1000]))
    with pytest.raises(ValueError, match="chunk_rows"):
        normal_equations(mapped, Y, chunk_rows=0)
