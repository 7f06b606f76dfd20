"""Exact fully-connected NTK / NNGP (any activation of the registry): the reference every FC
approximation is scored against, and a kernel-ridge baseline in its own right."""

from __future__ import annotations

import math

from ntkbench.adapters import ExactKernelMethod


class ExactFC(ExactKernelMethod):
    """Kernel ridge regression with the exact NTK or NNGP of a fully-connected network.

    Parameters (grid; the first value is the default): ``depth`` (hidden layers L), ``activation``
    (a registry name, e.g. ``"relu"``, ``"erf"``, ``"leaky_relu(slope=0.1)"``), ``w_std``,
    ``b_std``, ``get`` ("ntk" or "nngp"). Image inputs are flattened.
    """

    name = "exact_fc"
    input = "flat"
    kind = "fc"
    params = {
        "depth": [1, 2, 3, 4],
        "activation": ["relu", "erf", "gelu", "abs", "sin"],
        "w_std": [math.sqrt(2.0)],
        "b_std": [0.0],
        "get": ["ntk", "nngp"],
    }
    param_constraints = {"depth": {"ge": 1}, "get": {"choices": ["ntk", "nngp"]}}
