"""Per-example parameter gradients of a network, its empirical NTK, and gradient features (GradRF).

The empirical NTK of a network f with trainable parameters θ is Θ̂(x, x′) = ⟨∇θ f(x), ∇θ f(x′)⟩.
At initialisation, in the NTK parameterisation, it tends to the exact NTK as the width grows
(Jacot et al. 2018). Projecting the gradients to ``n_components`` with a random map S that keeps
inner products in expectation, E⟨S g, S g′⟩ = ⟨g, g′⟩, gives features whose inner products are
unbiased for Θ̂: the gradient features used as a baseline in the NTK-sketch papers.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted
from torch import nn
from torch.func import functional_call, grad, vmap

from ntkbench.arch import Arch
from ntkbench.nets.build import build_network, check_width
from ntkbench.sketches import SRHT, check_device

PROJECTIONS = ("srht", "gaussian")
#: Largest Gaussian projection matrix (entries) that ``projection="gaussian"`` builds.
GAUSSIAN_MAX_ENTRIES = 2 ** 28


def trainable_parameters(model: nn.Module) -> dict[str, torch.Tensor]:
    """The parameters that carry gradients (``requires_grad``), detached, by name."""
    return {name: p.detach() for name, p in model.named_parameters() if p.requires_grad}


def per_example_gradients(model: nn.Module, X: torch.Tensor, *, batch_size: int = 64) -> torch.Tensor:
    """∇θ f(x) for every row of ``X``, flattened: an (n, P) tensor, P the number of trainable entries.

    ``model`` must have one output. Computed with ``torch.func`` (``vmap`` of ``grad``), ``batch_size``
    examples at a time, in the dtype and on the device of the parameters.
    """
    params = trainable_parameters(model)
    frozen = {name: p.detach() for name, p in model.named_parameters() if not p.requires_grad}
    buffers = dict(model.named_buffers())

    def output(theta: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
        out = functional_call(model, ({**theta, **frozen}, buffers), (x.unsqueeze(0),))
        if out.numel() != 1:
            raise ValueError(f"per-example gradients need a network with one output, got {out.shape[-1]}")
        return out.reshape(())

    per_example = vmap(grad(output), in_dims=(None, 0))
    rows = []
    for start in range(0, len(X), batch_size):
        g = per_example(params, X[start:start + batch_size])
        rows.append(torch.cat([g[name].reshape(g[name].shape[0], -1) for name in params], dim=1))
    return torch.cat(rows)


def empirical_ntk(model: nn.Module, X1: torch.Tensor, X2: torch.Tensor | None = None, *,
                  batch_size: int = 64) -> torch.Tensor:
    """The empirical NTK ⟨∇θ f(x), ∇θ f(x′)⟩ of a one-output ``model``: (n1, n2), or (n1, n1) for X2=None."""
    J1 = per_example_gradients(model, X1, batch_size=batch_size)
    J2 = J1 if X2 is None else per_example_gradients(model, X2, batch_size=batch_size)
    return J1 @ J2.T


class GradientFeatures(TransformerMixin, BaseEstimator):
    """Random projections of the per-example gradients of a random network (GradRF).

    ``transform(X)[i] = S ∇θ f(x_i)`` for the finite-width network f of ``arch`` at initialisation
    and a random map S from the P parameters to ``n_components`` with E[SᵀS] = I, so that the
    features' inner products are unbiased for the network's empirical NTK, which in turn
    approximates the exact NTK of ``arch``.

    Parameters
    ----------
    arch : Arch, default=Arch()
        The network; fully connected (``kind="fc"``) on (n, d) inputs, conv kinds on (n, C, H, W).
    width : int, default=256
        Units (or channels) per hidden layer.
    n_components : int, default=1024
        Feature dimension.
    projection : {"srht", "gaussian"}, default="srht"
        ``"srht"``: :class:`ntkbench.sketches.SRHT` (O(P log P) per example, no P × m matrix);
        ``"gaussian"``: i.i.d. N(0, 1/m) entries (a P × m matrix; only for small networks).
    init_seed : int, optional
        Seed of the network's initialisation; default: drawn from ``random_state``. Fixing it
        while ``random_state`` varies draws new projections of one network's gradients.
    batch_size : int, default=64
        Examples whose gradients are held at once (memory ≈ batch_size × P × itemsize).
    device : str, default="cpu"
    random_state : int, optional

    Attributes
    ----------
    network_ : torch.nn.Module
        The random network (one output), on ``device``.
    n_parameters_ : int
        P, the number of trainable parameters.

    Examples
    --------
    >>> X = np.random.default_rng(0).standard_normal((4, 3))
    >>> GradientFeatures(width=8, n_components=16, random_state=0).fit_transform(X).shape
    (4, 16)
    """

    def __init__(self, *, arch: Arch | None = None, width: int = 256, n_components: int = 1024,
                 projection: str = "srht", init_seed: int | None = None, batch_size: int = 64,
                 device: str = "cpu", random_state: int | None = None) -> None:
        self.arch = arch
        self.width = width
        self.n_components = n_components
        self.projection = projection
        self.init_seed = init_seed
        self.batch_size = batch_size
        self.device = device
        self.random_state = random_state

    def fit(self, X: Any, y: Any = None) -> "GradientFeatures":
        """Draw the network (from the shape of ``X``) and the projection."""
        arch = self.arch if self.arch is not None else Arch()
        check_width(self.width)
        if isinstance(self.n_components, bool) or not isinstance(self.n_components, int) or self.n_components < 1:
            raise ValueError(f"n_components must be a positive integer, got {self.n_components!r}")
        if self.projection not in PROJECTIONS:
            raise ValueError(f"projection must be one of {', '.join(map(repr, PROJECTIONS))}, got {self.projection!r}")
        device = check_device(self.device)
        X = np.asarray(X)
        dtype = torch.float64 if X.dtype == np.float64 else torch.float32
        seeds = np.random.default_rng(self.random_state).integers(0, 2 ** 31 - 1, size=2)
        init_seed = int(seeds[0]) if self.init_seed is None else int(self.init_seed)
        self.network_ = build_network(arch, X.shape[1:], width=self.width, random_state=init_seed,
                                      dtype=dtype).to(device)
        self.n_parameters_ = sum(p.numel() for p in trainable_parameters(self.network_).values())
        P, m = self.n_parameters_, self.n_components
        if self.projection == "srht":
            self.projector_ = SRHT(P, m, random_state=int(seeds[1]), device=device)
        else:
            if P * m > GAUSSIAN_MAX_ENTRIES:
                raise ValueError(f"projection='gaussian' needs a {P} × {m} matrix ({P * m * 8 / 2 ** 30:.1f} GiB "
                                 "in float64); use projection='srht' or a smaller network")
            gen = torch.Generator().manual_seed(int(seeds[1]))
            self.projector_ = (torch.randn(P, m, generator=gen, dtype=dtype) / math.sqrt(m)).to(device)
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Projected gradients of the rows of ``X``: (n, n_components), in the dtype of the network."""
        check_is_fitted(self, "network_")
        param = next(iter(self.network_.parameters()))
        X_t = torch.as_tensor(np.asarray(X), dtype=param.dtype, device=param.device)
        out = torch.empty(len(X_t), self.n_components, dtype=param.dtype, device=param.device)
        for start in range(0, len(X_t), self.batch_size):
            J = per_example_gradients(self.network_, X_t[start:start + self.batch_size], batch_size=self.batch_size)
            rows = slice(start, start + len(J))
            if isinstance(self.projector_, SRHT):
                self.projector_(J, out=out[rows])
            else:
                torch.matmul(J, self.projector_, out=out[rows])
        return out.cpu().numpy()
