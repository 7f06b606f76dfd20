"""Gaussian-process regression with GPyTorch (an optional dependency: ``pip install gpytorch``).

Public API
----------
GPRegressor      exact GP regression, hyperparameters by marginal likelihood; kernels "ntk", "nngp"
                 (the exact FC neural kernels), "rbf" (ARD) and "linear" (on features).
FCNeuralKernel   the exact FC NTK / NNGP as a ``gpytorch.kernels.Kernel`` with learnable variances.
"""

from ntkbench.gp.kernels import FCNeuralKernel
from ntkbench.gp.regression import KERNELS, GPRegressor

__all__ = ["FCNeuralKernel", "GPRegressor", "KERNELS"]
