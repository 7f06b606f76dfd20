"""Exact convolutional NTK / NNGP (CNTK-GAP, CNTK-V, Arora et al.'s fixed first/last layers)."""

from __future__ import annotations

import math

from ntkbench.adapters import ExactKernelMethod


class ExactCNTK(ExactKernelMethod):
    """Kernel ridge regression with the exact CNTK / CNN-GP of [conv f×f, activation] × depth.

    ``pooling="gap", fix_first_last=True, filter_size=3, padding="same"`` is Arora et al.'s
    CNTK-GAP (their depth = ``depth`` + 1); ``filter_size=4, padding="valid"`` is the architecture
    that CNTKSketch approximates (paper 1, §2.5 of the spec).
    """

    name = "exact_cntk"
    input = "image"
    kind = "conv"
    params = {
        "depth": [3, 1, 2, 4, 5],
        "activation": ["relu", "erf", "gelu"],
        "w_std": [math.sqrt(2.0)],
        "b_std": [0.0],
        "filter_size": [3, 4],
        "padding": ["same", "valid"],
        "pooling": ["gap", "flatten"],
        "fix_first_last": [True, False],
        "get": ["ntk", "nngp"],
    }
    param_constraints = {"depth": {"ge": 1}, "filter_size": {"ge": 1}, "padding": {"choices": ["same", "valid"]},
                         "pooling": {"choices": ["gap", "flatten"]}, "get": {"choices": ["ntk", "nngp"]}}
