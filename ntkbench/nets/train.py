"""Minibatch training with early stopping on a validation split: the loop every trained-network
baseline shares (seeded, CPU or CUDA)."""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

import torch
from torch import nn

OPTIMIZERS = ("adam", "sgd")
LOSSES = ("mse", "cross_entropy")


@dataclass
class TrainingResult:
    """What :func:`train_network` did.

    Attributes
    ----------
    epochs : int
        Epochs run (fewer than asked when early stopping ended the run).
    best_epoch : int
        The epoch (1-based) whose parameters the network holds at the end; 0 means the
        initialisation was never improved on.
    best_val_loss : float
        Validation loss of those parameters (the training loss when there is no validation split).
    history : list of (train_loss, val_loss)
        Mean training loss over each epoch's minibatches and the validation loss after it.
    """

    epochs: int = 0
    best_epoch: int = 0
    best_val_loss: float = math.inf
    history: list[tuple[float, float]] = field(default_factory=list)


def check_training_options(optimizer: str, loss: str, lr: float, epochs: int, batch_size: int, patience: int) -> None:
    """Raise a ValueError naming the first bad option of :func:`train_network`."""
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {', '.join(map(repr, OPTIMIZERS))}, got {optimizer!r}")
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(map(repr, LOSSES))}, got {loss!r}")
    if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a finite positive number, got {lr!r}")
    for name, value in (("epochs", epochs), ("batch_size", batch_size), ("patience", patience)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")


def _loss_fn(loss: str):
    return nn.functional.mse_loss if loss == "mse" else nn.functional.cross_entropy


def _mean_loss(model: nn.Module, X: torch.Tensor, y: torch.Tensor, loss_fn, batch_size: int) -> float:
    """The loss of the whole of (X, y), in the units of the training loss (a mean over entries)."""
    model.eval()
    total = 0.0
    with torch.no_grad():
        for start in range(0, len(X), batch_size):
            total += float(loss_fn(model(X[start:start + batch_size]), y[start:start + batch_size], reduction="sum"))
    entries = len(X) if loss_fn is nn.functional.cross_entropy else y.numel()
    return total / entries


def train_network(model: nn.Module, X: torch.Tensor, y: torch.Tensor, *, loss: str = "mse",
                  optimizer: str = "adam", lr: float = 1e-3, epochs: int = 100, batch_size: int = 128,
                  patience: int = 10, validation: tuple[torch.Tensor, torch.Tensor] | None = None,
                  random_state: int = 0) -> TrainingResult:
    """Train ``model`` in place; with ``validation``, keep the parameters of the best validation
    loss and stop after ``patience`` epochs without improvement.

    Parameters
    ----------
    model : torch.nn.Module
        Already on the device of ``X``; its trainable parameters are those with ``requires_grad``.
    X, y : Tensor
        Training inputs and targets: float targets of the output's shape for ``loss="mse"``, class
        indices (int64) for ``"cross_entropy"``.
    loss : {"mse", "cross_entropy"}, default="mse"
    optimizer : {"adam", "sgd"}, default="adam"
        SGD uses momentum 0.9.
    lr : float, default=1e-3
    epochs : int, default=100
        Most epochs to run.
    batch_size : int, default=128
    patience : int, default=10
        Epochs without a lower validation loss before stopping (ignored without ``validation``).
    validation : (Tensor, Tensor), optional
        Held-out inputs and targets, in the form of ``X`` and ``y``.
    random_state : int, default=0
        Seed of the minibatch order.

    Returns
    -------
    TrainingResult

    Raises
    ------
    ValueError
        For an unknown optimizer or loss, or a non-positive lr, epochs, batch size or patience.
    """
    check_training_options(optimizer, loss, lr, epochs, batch_size, patience)
    with torch.enable_grad():
        return _train(model, X, y, loss, optimizer, lr, epochs, batch_size, patience, validation, random_state)


def _train(model: nn.Module, X: torch.Tensor, y: torch.Tensor, loss: str, optimizer: str, lr: float, epochs: int,
           batch_size: int, patience: int, validation: tuple[torch.Tensor, torch.Tensor] | None,
           random_state: int) -> TrainingResult:
    trainable = [p for p in model.parameters() if p.requires_grad]
    opt = (torch.optim.Adam(trainable, lr=lr) if optimizer == "adam"
           else torch.optim.SGD(trainable, lr=lr, momentum=0.9))
    loss_fn = _loss_fn(loss)
    gen = torch.Generator().manual_seed(int(random_state))
    result = TrainingResult()
    if validation is not None:
        result.best_val_loss = _mean_loss(model, *validation, loss_fn, batch_size)
    best_state = copy.deepcopy(model.state_dict())
    stale = 0
    for epoch in range(1, epochs + 1):
        model.train()
        order = torch.randperm(len(X), generator=gen).to(X.device)
        running, batches = 0.0, 0
        for start in range(0, len(X), batch_size):
            idx = order[start:start + batch_size]
            opt.zero_grad(set_to_none=True)
            value = loss_fn(model(X[idx]), y[idx])
            value.backward()
            opt.step()
            running, batches = running + float(value.detach()), batches + 1
        train_loss = running / batches
        if not math.isfinite(train_loss):
            raise FloatingPointError(f"the training loss diverged at epoch {epoch} (lr={lr} too large for "
                                     f"{optimizer}?); lower lr")
        val_loss = _mean_loss(model, *validation, loss_fn, batch_size) if validation is not None else train_loss
        result.history.append((train_loss, val_loss))
        result.epochs = epoch
        if val_loss < result.best_val_loss:
            result.best_val_loss, result.best_epoch, stale = val_loss, epoch, 0
            best_state = copy.deepcopy(model.state_dict())
        elif validation is not None:
            stale += 1
            if stale >= patience:
                break
    model.load_state_dict(best_state)
    return result
