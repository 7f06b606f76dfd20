"""The exact NTK / NNGP of a fully-connected network as a GPyTorch kernel with learnable variances.

:func:`ntkbench.kernels.fc_kernel` computes the kernel values. Its dual activations work in place
for speed, so autograd cannot run through them; the derivatives of the kernel with respect to the
two hyperparameters, the weight variance w² and the bias variance b², are forward differences of
``fc_kernel`` in float64 from the values the forward pass computed (one more kernel evaluation per
hyperparameter; relative error about 1e-7, far below what the marginal-likelihood optimiser
resolves). The inputs get no gradient. The output scale is a ``ScaleKernel`` around this
kernel, differentiated by autograd as usual.
"""

from __future__ import annotations

import math
from typing import Any

import gpytorch
import torch

from ntkbench.kernels import fc_kernel, get_activation
from ntkbench.kernels.fc import fc_layer_variances

Tensor = torch.Tensor
#: Relative step of the forward differences: truncation error ~1e-7 and rounding error ~1e-9, relative.
REL_STEP = 1e-7


def fc_kernel_values(x1: Tensor, x2: Tensor | None, *, depth: int, activation: str, get: str,
                     weight_variance: float, bias_variance: float, diag: bool = False) -> Tensor:
    """``fc_kernel`` at the given variances (float64); ``x2=None`` is the Gram matrix of ``x1``, and
    ``diag`` returns only k(x1_i, x2_i) for inputs of one length."""
    kwargs = dict(depth=depth, activation=activation, get=get, w_std=math.sqrt(weight_variance),
                  b_std=math.sqrt(bias_variance), dtype=torch.float64)
    if diag:
        return _fc_diagonal(x1, x1 if x2 is None else x2, **kwargs)
    return fc_kernel(x1, x2, **kwargs)


def _fc_diagonal(x1: Tensor, x2: Tensor, *, depth: int, activation: str, get: str, w_std: float, b_std: float,
                 dtype: torch.dtype) -> Tensor:
    """k(x1_i, x2_i) for each i: ``fc_kernel``'s recursion on the n pairs, not on all n1 × n2 of them."""
    dual = get_activation(activation)
    w2, b2 = w_std ** 2, b_std ** 2
    a, c = x1.to(dtype), x2.to(dtype)
    q1 = fc_layer_variances((a * a).sum(1) + b2, dual, depth, w_std, b_std)
    q2 = q1 if a is c or torch.equal(a, c) else fc_layer_variances((c * c).sum(1) + b2, dual, depth, w_std, b_std)
    sigma = (a * c).sum(1) + b2
    theta = sigma
    for h in range(depth):
        nngp, dnngp = dual.both(q1[h], q2[h], sigma, scale=w2)
        sigma = nngp + b2
        theta = theta * dnngp + sigma
    return theta if get == "ntk" else sigma


class _FCKernelFunction(torch.autograd.Function):
    """K(w², b²) with gradients for w² and b² by forward differences of :func:`fc_kernel_values`."""

    @staticmethod
    def forward(ctx: Any, weight_variance: Tensor, bias_variance: Tensor, x1: Tensor, x2: Tensor | None,
                options: dict[str, Any]) -> Tensor:
        values = fc_kernel_values(x1, x2, weight_variance=float(weight_variance),
                                  bias_variance=float(bias_variance), **options)
        ctx.x1, ctx.x2, ctx.options, ctx.values = x1, x2, options, values
        ctx.save_for_backward(weight_variance, bias_variance)
        return values

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor):
        point = [float(v) for v in ctx.saved_tensors]
        grads = []
        for index, value in enumerate(point):
            if not ctx.needs_input_grad[index]:
                grads.append(None)
                continue
            step = REL_STEP * max(value, 1e-3)
            shifted = list(point)
            shifted[index] = value + step
            moved = fc_kernel_values(ctx.x1, ctx.x2, weight_variance=shifted[0], bias_variance=shifted[1],
                                     **ctx.options)
            derivative = (moved - ctx.values) / step
            grads.append((grad_output * derivative).sum().reshape(ctx.saved_tensors[index].shape))
        return grads[0], grads[1], None, None, None


class FCNeuralKernel(gpytorch.kernels.Kernel):
    """The NTK or NNGP of a depth-``depth`` fully-connected network, with the weight and bias
    variances of its layers as hyperparameters.

    Parameters
    ----------
    depth : int, default=1
        Hidden layers L.
    activation : str, default="relu"
        A name from :func:`ntkbench.kernels.available_activations`.
    get : {"ntk", "nngp"}, default="ntk"
    w_std : float, default=√2
        Initial weight standard deviation (the hyperparameter is its square, ``weight_variance``).
    b_std : float, default=0.0
        Initial bias standard deviation. With 0 the network has no biases and the bias variance
        stays 0 (not a hyperparameter), as in the papers' reference code.
    **kwargs
        Passed on to :class:`gpytorch.kernels.Kernel`.

    Examples
    --------
    >>> k = FCNeuralKernel(depth=2)
    >>> x = torch.tensor([[3.0, 4.0]], dtype=torch.float64)
    >>> round(float(k(x).to_dense()[0, 0]), 9)       # (L + 1)·‖x‖² for ReLU, w² = 2
    75.0
    """

    is_stationary = False
    has_lengthscale = False

    def __init__(self, *, depth: int = 1, activation: str = "relu", get: str = "ntk", w_std: float = math.sqrt(2.0),
                 b_std: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if get not in ("ntk", "nngp"):
            raise ValueError(f"get must be 'ntk' or 'nngp', got {get!r}")
        get_activation(activation)  # an unknown name fails here, not in the first forward pass
        if not (math.isfinite(w_std) and w_std > 0) or not (math.isfinite(b_std) and b_std >= 0):
            raise ValueError(f"w_std must be > 0 and b_std >= 0, got {w_std!r} and {b_std!r}")
        self.options = {"depth": int(depth), "activation": activation, "get": get}
        positive = gpytorch.constraints.Positive()
        self.register_parameter("raw_weight_variance", torch.nn.Parameter(torch.zeros(1, dtype=torch.float64)))
        self.register_constraint("raw_weight_variance", positive)
        self.weight_variance = torch.tensor([w_std ** 2], dtype=torch.float64)
        self.learn_bias = b_std > 0
        if self.learn_bias:
            self.register_parameter("raw_bias_variance", torch.nn.Parameter(torch.zeros(1, dtype=torch.float64)))
            self.register_constraint("raw_bias_variance", gpytorch.constraints.Positive())
            self.bias_variance = torch.tensor([b_std ** 2], dtype=torch.float64)

    @property
    def weight_variance(self) -> Tensor:
        return self.raw_weight_variance_constraint.transform(self.raw_weight_variance)

    @weight_variance.setter
    def weight_variance(self, value: Tensor) -> None:
        self.initialize(raw_weight_variance=self.raw_weight_variance_constraint.inverse_transform(
            torch.as_tensor(value, dtype=torch.float64)))

    @property
    def bias_variance(self) -> Tensor:
        if not self.learn_bias:
            return torch.zeros(1, dtype=torch.float64)
        return self.raw_bias_variance_constraint.transform(self.raw_bias_variance)

    @bias_variance.setter
    def bias_variance(self, value: Tensor) -> None:
        self.initialize(raw_bias_variance=self.raw_bias_variance_constraint.inverse_transform(
            torch.as_tensor(value, dtype=torch.float64)))

    def forward(self, x1: Tensor, x2: Tensor, diag: bool = False, **params: Any) -> Tensor:
        if x1.ndim != 2 or x2.ndim != 2:
            raise ValueError(f"FCNeuralKernel takes (n, d) inputs without batch dimensions, got shapes "
                             f"{tuple(x1.shape)} and {tuple(x2.shape)}")
        same = x1 is x2 or (x1.shape == x2.shape and torch.equal(x1, x2))
        options = {**self.options, "diag": diag}
        return _FCKernelFunction.apply(self.weight_variance.reshape(()), self.bias_variance.reshape(()),
                                       x1.detach(), None if same else x2.detach(), options)
