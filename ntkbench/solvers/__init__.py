"""Solvers: ridge regression in the primal or the dual along a path of ridge values."""

from ntkbench.solvers.ridge import RidgePath

__all__ = ["RidgePath"]
