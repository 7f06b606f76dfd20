"""Exact NTK / NNGP of the Myrtle-5/7/10 convolutional networks (3×3 SAME convs, average pooling)."""

from __future__ import annotations

import math

from ntkbench.adapters import ExactKernelMethod


class ExactMyrtle(ExactKernelMethod):
    """Kernel ridge regression with the exact Myrtle NTK (paper 3's Myrtle-5 experiment uses the
    normalised Gaussian, ``activation="exp_normalized(gamma=1)"``)."""

    name = "exact_myrtle"
    input = "image"
    kind = "myrtle"
    fixed_arch = {"filter_size": 3, "padding": "same"}
    params = {
        "depth": [5, 7, 10],
        "activation": ["relu", "exp_normalized(gamma=1)", "gelu"],
        "w_std": [math.sqrt(2.0)],
        "b_std": [0.0],
        "fix_first_last": [False, True],
        "get": ["ntk", "nngp"],
    }
    param_constraints = {"depth": {"choices": [5, 7, 10]}, "get": {"choices": ["ntk", "nngp"]}}
