"""Exact Gaussian-process regression with GPyTorch, as a scikit-learn regressor.

Hyperparameters (the kernel's, its output scale, a constant mean and the noise variance) are fitted
by maximising the exact marginal likelihood with Adam; solves and log-determinants use Cholesky
factors (no conjugate-gradient approximations), except for the linear kernel on m < n features,
whose low-rank structure GPyTorch solves in O(n m²) by the Woodbury identity.
"""

from __future__ import annotations

import math
from typing import Any

import gpytorch
import numpy as np
import torch
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from ntkbench.gp.kernels import FCNeuralKernel
from ntkbench.sketches import check_device

KERNELS = ("ntk", "nngp", "rbf", "linear")


class _ExactGP(gpytorch.models.ExactGP):
    def __init__(self, X: torch.Tensor, y: torch.Tensor, likelihood: gpytorch.likelihoods.Likelihood,
                 covariance: gpytorch.kernels.Kernel) -> None:
        super().__init__(X, y, likelihood)
        self.mean_module = gpytorch.means.ConstantMean()
        self.covar_module = covariance

    def forward(self, x: torch.Tensor) -> gpytorch.distributions.MultivariateNormal:
        return gpytorch.distributions.MultivariateNormal(self.mean_module(x), self.covar_module(x))


class GPRegressor(RegressorMixin, BaseEstimator):
    """Exact GP regression whose kernel is a neural kernel, an ARD RBF kernel, or a linear kernel.

    Parameters
    ----------
    kernel : {"ntk", "nngp", "rbf", "linear"}, default="ntk"
        ``"ntk"`` / ``"nngp"``: :class:`~ntkbench.gp.kernels.FCNeuralKernel` of the network
        (``depth``, ``activation``, ``w_std``, ``b_std``), times an output scale; ``"rbf"``: an RBF
        kernel with one length scale per input dimension (ARD), times an output scale;
        ``"linear"``: ⟨x, x′⟩ times a variance, for inputs that are features (e.g. NTKSketch),
        which makes the GP a Bayesian linear model costing O(n m²) for m features.
    depth, activation, w_std, b_std
        The network of the neural kernels (ignored by the others); ``w_std`` and ``b_std`` are
        initial values of hyperparameters (b_std = 0: no biases).
    n_iter : int, default=50
        Adam steps on the negative marginal log-likelihood.
    lr : float, default=0.1
        Adam's step size (on the raw, softplus-transformed hyperparameters).
    device : str, default="cpu"
    random_state : int, optional
        Seeds torch's generator during ``fit`` (GPyTorch draws probe vectors in some paths).

    Attributes
    ----------
    model_ : gpytorch.models.ExactGP
    likelihood_ : gpytorch.likelihoods.GaussianLikelihood
    loss_history_ : list of float
        Negative marginal log-likelihood per data point (standardised targets) at each step.
    hyperparameters_ : dict
        The fitted hyperparameters by name (floats), e.g. ``noise``, ``outputscale``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((40, 2)); y = np.sin(X[:, 0])
    >>> gp = GPRegressor(kernel="rbf", n_iter=20).fit(X, y)
    >>> mean, std = gp.predict(X[:3], return_std=True)
    >>> mean.shape, bool(np.all(std > 0))
    ((3,), True)
    """

    def __init__(self, kernel: str = "ntk", *, depth: int = 1, activation: str = "relu",
                 w_std: float = math.sqrt(2.0), b_std: float = 0.0, n_iter: int = 50, lr: float = 0.1,
                 device: str = "cpu", random_state: int | None = None) -> None:
        self.kernel = kernel
        self.depth = depth
        self.activation = activation
        self.w_std = w_std
        self.b_std = b_std
        self.n_iter = n_iter
        self.lr = lr
        self.device = device
        self.random_state = random_state

    def _covariance(self, d: int) -> gpytorch.kernels.Kernel:
        if self.kernel in ("ntk", "nngp"):
            base = FCNeuralKernel(depth=self.depth, activation=self.activation, get=self.kernel,
                                  w_std=self.w_std, b_std=self.b_std)
            return gpytorch.kernels.ScaleKernel(base)
        if self.kernel == "rbf":
            base = gpytorch.kernels.RBFKernel(ard_num_dims=d)
            base.lengthscale = math.sqrt(d)
            return gpytorch.kernels.ScaleKernel(base)
        return gpytorch.kernels.LinearKernel()

    def fit(self, X: Any, y: Any) -> "GPRegressor":
        """Fit the hyperparameters by marginal likelihood on (X, y); y of shape (n,)."""
        if self.kernel not in KERNELS:
            raise ValueError(f"the GP takes kernel in {', '.join(map(repr, KERNELS))}, got {self.kernel!r} "
                             "(convolutional kernels: use their features with kernel='linear')")
        if isinstance(self.n_iter, bool) or not isinstance(self.n_iter, int) or self.n_iter < 0:
            raise ValueError(f"n_iter must be a non-negative integer, got {self.n_iter!r}")
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"lr must be a finite positive number, got {self.lr!r}")
        X_np, y_np = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
        if X_np.ndim != 2 or y_np.ndim != 1 or len(X_np) != len(y_np):
            raise ValueError(f"GPRegressor takes X of shape (n, d) and y of shape (n,), got {X_np.shape} and "
                             f"{y_np.shape}")
        if not (np.all(np.isfinite(X_np)) and np.all(np.isfinite(y_np))):
            raise ValueError("X and y must be finite")
        device = check_device(self.device)
        self.y_mean_, self.y_std_ = float(y_np.mean()), float(y_np.std()) or 1.0
        X_t = torch.as_tensor(X_np, device=device)
        y_t = torch.as_tensor((y_np - self.y_mean_) / self.y_std_, device=device)
        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            if self.random_state is not None:
                torch.manual_seed(int(self.random_state))
            self.likelihood_ = gpytorch.likelihoods.GaussianLikelihood().to(device=device, dtype=torch.float64)
            self.model_ = _ExactGP(X_t, y_t, self.likelihood_, self._covariance(X_np.shape[1])).to(
                device=device, dtype=torch.float64)
            self.loss_history_ = self._optimise(y_t)
        self.hyperparameters_ = {name.replace("raw_", "").replace("covar_module.", "").replace("base_kernel.", ""):
                                 float(value.detach().reshape(-1)[0]) if value.numel() == 1 else
                                 value.detach().cpu().numpy()
                                 for name, value in self._constrained()}
        return self

    def _constrained(self):
        """(name, value) of every hyperparameter, in its constrained (natural) form."""
        for name, _, constraint in self.model_.named_parameters_and_constraints():
            raw = self.model_
            for part in name.split("."):
                raw = getattr(raw, part)
            yield name, constraint.transform(raw) if constraint is not None else raw

    def _optimise(self, y_t: torch.Tensor) -> list[float]:
        self.model_.train()
        self.likelihood_.train()
        mll = gpytorch.mlls.ExactMarginalLogLikelihood(self.likelihood_, self.model_)
        optimizer = torch.optim.Adam(self.model_.parameters(), lr=self.lr)
        history = []
        with gpytorch.settings.max_cholesky_size(10 ** 9):
            for _ in range(self.n_iter):
                optimizer.zero_grad()
                loss = -mll(self.model_(*self.model_.train_inputs), y_t)
                loss.backward()
                optimizer.step()
                history.append(float(loss.detach()))
        return history

    def predict(self, X: Any, return_std: bool = False, *, batch_size: int = 1024):
        """Predictive mean (and standard deviation of a new noisy observation) in the units of y.

        Parameters
        ----------
        X : array-like of shape (n, d)
        return_std : bool, default=False
            Also return the predictive standard deviation, noise included.
        batch_size : int, default=1024
            Test points per posterior evaluation.
        """
        check_is_fitted(self, "model_")
        X_t = torch.as_tensor(np.asarray(X, dtype=np.float64), device=self.model_.train_targets.device)
        self.model_.eval()
        self.likelihood_.eval()
        means, variances = [], []
        with torch.no_grad(), gpytorch.settings.max_cholesky_size(10 ** 9), gpytorch.settings.fast_pred_var(False):
            for start in range(0, len(X_t), batch_size):
                posterior = self.likelihood_(self.model_(X_t[start:start + batch_size]))
                means.append(posterior.mean)
                variances.append(posterior.variance)
        mean = torch.cat(means).cpu().numpy() * self.y_std_ + self.y_mean_
        if not return_std:
            return mean
        return mean, np.sqrt(torch.cat(variances).cpu().numpy()) * self.y_std_
