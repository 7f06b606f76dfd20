"""GP regression with GPyTorch: the neural GP kernel is the exact FC kernel and its variances get
the right gradients; GPs recover a known function with a finite NLPD below a constant
predictor's; kernels the GP cannot take are refused."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

pytest.importorskip("gpytorch")

from ntkbench.gp import FCNeuralKernel, GPRegressor  # noqa: E402
from ntkbench.harness.metrics import gaussian_nlpd  # noqa: E402
from ntkbench.kernels import fc_kernel  # noqa: E402


@pytest.mark.parametrize("get, activation, depth, b_std", [
    ("ntk", "relu", 2, 0.0), ("ntk", "erf", 3, 0.5), ("nngp", "gelu", 1, 0.2),
])
def test_neural_gp_kernel_equals_fc_kernel(rng, get, activation, depth, b_std):
    X, Z = rng.standard_normal((12, 4)), rng.standard_normal((5, 4))
    kernel = FCNeuralKernel(depth=depth, activation=activation, get=get, w_std=1.3, b_std=b_std)
    options = dict(depth=depth, activation=activation, get=get, w_std=1.3, b_std=b_std)
    x, z = torch.as_tensor(X), torch.as_tensor(Z)
    np.testing.assert_allclose(kernel(x).to_dense().detach().numpy(), fc_kernel(X, **options), rtol=1e-12)
    np.testing.assert_allclose(kernel(x, z).to_dense().detach().numpy(), fc_kernel(X, Z, **options), rtol=1e-12)
    np.testing.assert_allclose(kernel(x, diag=True).detach().numpy(), np.diag(fc_kernel(X, **options)), rtol=1e-12)
    np.testing.assert_allclose(kernel(x[:5], z, diag=True).detach().numpy(), np.diag(fc_kernel(X[:5], Z, **options)),
                               rtol=1e-12)


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_weight_variance_gradient_is_exact_for_relu_without_bias(rng, depth):
    # ReLU is positively homogeneous, so without biases the depth-L NTK is w^(2L) times the
    # w = 1 kernel: d(sum K)/d(w²) = L·sum(K)/w² exactly
    kernel = FCNeuralKernel(depth=depth, w_std=1.2)
    total = kernel(torch.as_tensor(rng.standard_normal((8, 3)))).to_dense().sum()
    (grad,) = torch.autograd.grad(total, kernel.raw_weight_variance)
    chain = torch.sigmoid(kernel.raw_weight_variance.detach())  # d softplus / d raw
    expected = depth * total.detach() / 1.44 * chain
    np.testing.assert_allclose(grad.numpy(), expected.numpy(), rtol=1e-6)


@pytest.mark.parametrize("b_std", [0.7, 1e-3])
def test_variance_gradients_agree_with_torch_gradcheck(rng, b_std):
    from ntkbench.gp.kernels import _FCKernelFunction

    x = torch.as_tensor(rng.standard_normal((6, 3)))
    w2 = torch.tensor(1.8, dtype=torch.float64, requires_grad=True)
    b2 = torch.tensor(b_std ** 2, dtype=torch.float64, requires_grad=True)
    options = {"depth": 2, "activation": "erf", "get": "ntk", "diag": False}
    assert torch.autograd.gradcheck(lambda a, b: _FCKernelFunction.apply(a, b, x, None, options), (w2, b2),
                                    eps=1e-7 if b_std < 0.01 else 1e-6, atol=1e-5)


def _problem(rng, n_train=120, n_test=200, noise=0.05):
    def f(X):
        return np.sin(2.0 * X[:, 0]) + 0.5 * X[:, 1] ** 2

    X, X_test = rng.standard_normal((n_train, 3)), rng.standard_normal((n_test, 3))
    return X, f(X) + noise * rng.standard_normal(n_train), X_test, f(X_test)


@pytest.mark.parametrize("kernel", ["ntk", "nngp", "rbf"])
def test_gp_recovers_a_known_function_with_a_better_nlpd_than_a_constant(rng, kernel):
    X, y, X_test, f_test = _problem(rng)
    gp = GPRegressor(kernel, depth=2, b_std=0.3, n_iter=40, random_state=0).fit(X, y)
    mean, std = gp.predict(X_test, return_std=True)
    rmse = float(np.sqrt(np.mean((mean - f_test) ** 2)))
    assert rmse < 0.35 * np.std(f_test)
    nlpd = gaussian_nlpd(f_test, mean, std ** 2)
    constant = gaussian_nlpd(f_test, np.full_like(f_test, y.mean()), np.full_like(f_test, y.var()))
    assert np.isfinite(nlpd) and nlpd < constant - 0.5
    assert gp.loss_history_[-1] < gp.loss_history_[0]          # the marginal likelihood went up
    assert gp.hyperparameters_["likelihood.noise_covar.noise"] < 0.05 * np.var(y)


def test_linear_gp_is_bayesian_linear_regression_on_features(rng):
    w = rng.standard_normal(20)
    Phi, Phi_test = rng.standard_normal((200, 20)), rng.standard_normal((50, 20))
    y = Phi @ w + 0.1 * rng.standard_normal(200)
    mean, std = GPRegressor("linear", n_iter=100, random_state=0).fit(Phi, y).predict(Phi_test, return_std=True)
    assert np.sqrt(np.mean((mean - Phi_test @ w) ** 2)) < 0.05 * np.std(Phi_test @ w)
    assert np.all(std > 0.05) and np.all(std < 0.5)     # about the noise level


def test_same_seed_same_gp(rng):
    X, y, X_test, _ = _problem(rng, n_train=40, n_test=10)
    a = GPRegressor("ntk", n_iter=5, random_state=1).fit(X, y).predict(X_test, return_std=True)
    b = GPRegressor("ntk", n_iter=5, random_state=1).fit(X, y).predict(X_test, return_std=True)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


@pytest.mark.parametrize("params, message", [
    ({"kernel": "cntk"}, "the GP takes kernel in 'ntk', 'nngp', 'rbf', 'linear', got 'cntk'"),
    ({"kernel": "ntk", "n_iter": -1}, "n_iter must be a non-negative integer"),
    ({"kernel": "ntk", "lr": math.inf}, "lr must be a finite positive number"),
    ({"kernel": "ntk", "activation": "swish"}, "swish"),
    ({"kernel": "ntk", "w_std": 0.0}, "w_std must be > 0"),
])
def test_bad_gp_parameters_are_refused(rng, params, message):
    kernel = params.pop("kernel")
    with pytest.raises(ValueError, match=message):
        GPRegressor(kernel, **params).fit(rng.standard_normal((5, 2)), rng.standard_normal(5))


def test_gp_refuses_targets_of_the_wrong_shape(rng):
    with pytest.raises(ValueError, match=r"y of shape \(n,\)"):
        GPRegressor("rbf").fit(rng.standard_normal((5, 2)), rng.standard_normal((5, 2)))
