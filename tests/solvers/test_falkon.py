"""FALKON against the direct Nyström solve on the same landmarks, and its memory bound."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ntkbench.kernels import fc_kernel
from ntkbench.kernels.stationary import stationary_kernel
from ntkbench.solvers.falkon import FalkonOptions, falkon, kernel_matrix, kernel_predict, nystrom_direct
from ntkbench.solvers.landmarks import uniform_landmarks


def gaussian(A, B):
    return stationary_kernel(A, B, kernel="gaussian", bandwidth=1.5)


def ntk(A, B):
    return fc_kernel(A, None if B is A else B, depth=2, dtype=A.dtype)


def _problem(n=1200, d=5, m=60, seed=0):
    rng = np.random.default_rng(seed)
    X = torch.as_tensor(rng.standard_normal((n, d)))
    Y = torch.stack([torch.sin(X[:, 0]), X[:, 1] * X[:, 2]], 1) + 0.1 * torch.as_tensor(rng.standard_normal((n, 2)))
    return X, Y, X[uniform_landmarks(n, m, rng)]


@pytest.mark.parametrize("kernel", [gaussian, ntk], ids=["gaussian", "fc_ntk"])
@pytest.mark.parametrize("ridge", [1e-2, 1e-4])
def test_falkon_matches_the_direct_nystrom_solve_on_the_same_landmarks(kernel, ridge):
    X, Y, C = _problem()
    direct = nystrom_direct(X, Y, C, kernel, ridge)
    result = falkon(X, Y, C, kernel, ridge, max_iter=200, tol=1e-12, options=FalkonOptions(block_size=97))
    fitted_direct = kernel(X, C) @ direct
    fitted = kernel_predict(X, C, result.coef, kernel, options=FalkonOptions(block_size=97))
    assert float((fitted - fitted_direct).norm() / fitted_direct.norm()) < 1e-8
    assert result.residuals[-1] <= 1e-12 and result.n_iter < 200


def test_falkon_preconditioning_converges_in_few_iterations():
    """The preconditioned system is well conditioned: a moderate ridge needs far fewer than m iterations."""
    X, Y, C = _problem(m=200)
    result = falkon(X, Y, C, gaussian, 1e-3, max_iter=200, tol=1e-8)
    assert result.n_iter <= 40


def test_falkon_never_asks_for_more_than_a_block_of_rows_against_the_centres():
    """Memory bound: every kernel evaluation is at most block_size × m (or the m × m centres),
    so the largest kernel block is block_size · m numbers whatever n, never n × n or n × m."""
    X, Y, C = _problem(n=2000, m=40)
    shapes = []

    def recording(A, B):
        shapes.append((len(A), len(B)))
        return gaussian(A, B)

    falkon(X, Y, C, recording, 1e-3, max_iter=5, options=FalkonOptions(block_size=128))
    assert max(rows * cols for rows, cols in shapes) <= 128 * 40
    assert all(cols == 40 for _, cols in shapes)
    assert sum(rows for rows, cols in shapes if rows != 40) % 2000 == 0  # whole passes over the rows


def test_the_default_block_holds_a_bounded_number_of_kernel_entries():
    assert FalkonOptions().rows(10_000) * 10_000 <= 2 ** 22
    assert FalkonOptions(max_block_numbers=1000).rows(10_000) == 1


def test_single_target_vector_and_multi_target_give_the_same_column():
    X, Y, C = _problem(n=300, m=30)
    both = falkon(X, Y, C, gaussian, 1e-3, max_iter=100, tol=1e-12).coef
    one = falkon(X, Y[:, 0], C, gaussian, 1e-3, max_iter=100, tol=1e-12).coef
    torch.testing.assert_close(one[:, 0], both[:, 0], rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("kwargs, message", [
    ({"ridge": 0.0}, "ridge must be positive"),
    ({"max_iter": 0}, "max_iter must be >= 1"),
    ({"options": FalkonOptions(block_size=0)}, "block_size must be >= 1"),
])
def test_bad_falkon_parameters_raise_clear_errors(kwargs, message):
    X, Y, C = _problem(n=50, m=5)
    args = {"ridge": 1e-3, **kwargs}
    ridge = args.pop("ridge")
    with pytest.raises(ValueError, match=message):
        falkon(X, Y, C, gaussian, ridge, **args)


def test_falkon_rejects_targets_of_another_length():
    X, Y, C = _problem(n=50, m=5)
    with pytest.raises(ValueError, match="X has 50 rows but Y has 49"):
        falkon(X, Y[:49], C, gaussian, 1e-3)


def test_a_kernel_matrix_in_memory_gives_the_same_solve_and_spares_the_kernel_calls_on_x():
    X, Y, C = _problem(n=400, m=30)
    calls = []

    def recording(A, B):
        calls.append(len(A))
        return gaussian(A, B)

    streamed = falkon(X, Y, C, gaussian, 1e-3, max_iter=100, tol=1e-12).coef
    cached = falkon(X, Y, C, recording, 1e-3, max_iter=100, tol=1e-12,
                    kernel_matrix=kernel_matrix(X, C, gaussian)).coef
    torch.testing.assert_close(cached, streamed, rtol=1e-10, atol=1e-12)
    assert calls == [30]  # only K_MM, for the preconditioner
    with pytest.raises(ValueError, match=r"kernel_matrix has shape \(400, 29\), expected \(400, 30\)"):
        falkon(X, Y, C, gaussian, 1e-3, kernel_matrix=torch.zeros(400, 29, dtype=X.dtype))
