"""Activation registry: a name in a suite file (``"relu"``, ``"leaky_relu(slope=0.1)"``) selects a dual."""

from __future__ import annotations

import ast
from typing import Any, Callable

import torch

from ntkbench.kernels.duals import CLOSED_FORMS, DualActivation
from ntkbench.kernels.quadrature import NumericDual

#: Activations without a closed-form dual: evaluated by Gauss–Hermite quadrature.
NUMERIC: dict[str, Callable[..., DualActivation]] = {
    "tanh": lambda degree=64: NumericDual(torch.tanh, degree=degree, name=f"tanh(degree={int(degree)})"),
    "sigmoid": lambda degree=64: NumericDual(torch.sigmoid, degree=degree,
                                             name=f"sigmoid(degree={int(degree)})"),
    "softplus": lambda degree=64: NumericDual(torch.nn.functional.softplus, degree=degree,
                                              name=f"softplus(degree={int(degree)})"),
    "silu": lambda degree=64: NumericDual(torch.nn.functional.silu, degree=degree,
                                          name=f"silu(degree={int(degree)})"),
}

_REGISTRY: dict[str, Callable[..., DualActivation]] = {**CLOSED_FORMS, **NUMERIC}


def available_activations() -> list[str]:
    """Names accepted by :func:`get_activation` (parameters go in parentheses)."""
    return sorted(_REGISTRY)


def register_activation(name: str, factory: Callable[..., DualActivation], *, overwrite: bool = False) -> None:
    """Make ``factory(**params)`` available as ``name`` (e.g. from a plug-in).

    Raises
    ------
    ValueError
        If ``name`` is not an identifier or is taken and ``overwrite`` is False.
    """
    if not name.isidentifier():
        raise ValueError(f"activation name must be an identifier, got {name!r}")
    if name in _REGISTRY and not overwrite:
        raise ValueError(f"activation {name!r} is already registered")
    _REGISTRY[name] = factory


def _literal(node: ast.AST, spec: str) -> Any:
    try:
        return ast.literal_eval(node)
    except ValueError:
        raise ValueError(f"activation {spec!r}: parameters must be literals") from None


def get_activation(spec: str | DualActivation | Callable[[torch.Tensor], torch.Tensor]) -> DualActivation:
    """Return the dual activation named by ``spec``.

    Parameters
    ----------
    spec : str, DualActivation or callable
        A registered name, optionally with literal parameters (``"leaky_relu(slope=0.2)"``,
        ``"rect_monomial(2)"``); a :class:`DualActivation` (returned as is); or any elementwise
        torch callable, which gets a :class:`NumericDual` (Gauss–Hermite quadrature).

    Raises
    ------
    ValueError
        For an unknown name (the message lists the known ones) or bad parameters.
    """
    if isinstance(spec, DualActivation):
        return spec
    if not isinstance(spec, str):
        if callable(spec):
            return NumericDual(spec)
        raise ValueError(f"activation must be a name, a DualActivation or a callable, got {spec!r}")
    try:
        tree = ast.parse(spec.strip(), mode="eval").body
    except SyntaxError:
        raise ValueError(f"cannot parse activation {spec!r}") from None
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    if isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name):
        name = tree.func.id
        args = [_literal(a, spec) for a in tree.args]
        kwargs = {k.arg: _literal(k.value, spec) for k in tree.keywords if k.arg is not None}
    elif isinstance(tree, ast.Name):
        name = tree.id
    else:
        raise ValueError(f"cannot parse activation {spec!r}")
    if name not in _REGISTRY:
        raise ValueError(f"unknown activation {name!r}; known: {', '.join(available_activations())}")
    try:
        return _REGISTRY[name](*args, **kwargs)
    except TypeError as err:
        raise ValueError(f"bad parameters for activation {name!r}: {err}") from None
