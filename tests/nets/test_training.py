"""The training loop: it fits, keeps the parameters of the best validation loss, stops early,
is reproducible from its seed, and refuses unknown options with a clear message."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ntkbench.arch import Arch
from ntkbench.nets import build_network, train_network


def _data(rng, n=256, noise=0.0):
    X = torch.as_tensor(rng.standard_normal((n, 3)), dtype=torch.float32)
    y = torch.sin(2 * X[:, :1]) + noise * torch.as_tensor(rng.standard_normal((n, 1)), dtype=torch.float32)
    return X, y


def _net(seed=0, width=64):
    return build_network(Arch(depth=2, b_std=0.1), (3,), width=width, random_state=seed)


def test_training_fits_a_smooth_function(rng):
    X, y = _data(rng)
    net = _net()
    with torch.no_grad():  # the loop turns gradients back on for itself
        before = float(torch.nn.functional.mse_loss(net(X), y))
        result = train_network(net, X, y, lr=1e-2, epochs=60, batch_size=32)
        after = float(torch.nn.functional.mse_loss(net(X), y))
    assert after < 0.02 * before and after < 0.02
    assert result.epochs == 60 and len(result.history) == 60


def test_early_stopping_keeps_the_best_validation_parameters(rng):
    X, y = _data(rng, n=64)
    X_val, _ = _data(rng, n=64)
    y_val = torch.as_tensor(rng.standard_normal((64, 1)), dtype=torch.float32)  # nothing to learn
    net = _net()
    result = train_network(net, X, y, lr=1e-2, epochs=200, batch_size=16, patience=3, validation=(X_val, y_val))
    assert result.epochs < 200                              # stopped early
    assert result.epochs - result.best_epoch == 3          # after `patience` epochs without a better one
    with torch.no_grad():
        held = float(torch.nn.functional.mse_loss(net(X_val), y_val))
    assert held == pytest.approx(result.best_val_loss, rel=1e-5)
    assert result.best_val_loss == min(v for _, v in result.history)


def test_cross_entropy_and_sgd_learn_a_separable_problem(rng):
    X = torch.as_tensor(rng.standard_normal((200, 3)), dtype=torch.float32)
    labels = (X[:, 0] > 0).long()
    net = build_network(Arch(depth=1), (3,), width=32, n_outputs=2, random_state=0)
    train_network(net, X, labels, loss="cross_entropy", optimizer="sgd", lr=0.05, epochs=30, batch_size=20)
    assert float((net(X).argmax(1) == labels).float().mean()) > 0.95


def test_same_seed_same_trained_network(rng):
    X, y = _data(rng, n=64)
    a, b = _net(), _net()
    train_network(a, X, y, epochs=3, batch_size=8, random_state=5)
    train_network(b, X, y, epochs=3, batch_size=8, random_state=5)
    for p, q in zip(a.parameters(), b.parameters()):
        assert torch.equal(p, q)


@pytest.mark.parametrize("options, message", [
    ({"optimizer": "rmsprop"}, "optimizer must be one of 'adam', 'sgd', got 'rmsprop'"),
    ({"loss": "hinge"}, "loss must be one of 'mse', 'cross_entropy'"),
    ({"lr": 0.0}, "lr must be a finite positive number"),
    ({"epochs": 0}, "epochs must be a positive integer"),
    ({"batch_size": 1.5}, "batch_size must be a positive integer"),
])
def test_bad_training_options_are_refused(rng, options, message):
    X, y = _data(rng, n=8)
    with pytest.raises(ValueError, match=message):
        train_network(_net(), X, y, **options)


def test_a_diverging_run_says_to_lower_the_learning_rate(rng):
    X, y = _data(rng, n=64)
    with pytest.raises(FloatingPointError, match="lower lr"):
        train_network(_net(), X * 1e3, y, optimizer="sgd", lr=1e6, epochs=5)
