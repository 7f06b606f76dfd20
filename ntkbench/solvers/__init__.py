"""Solvers: ridge regression in the primal or the dual along a path of ridge values."""

from ntkbench.solvers.ridge import RidgeFit, RidgePath

__all__ = ["RidgeFit", "RidgePath"]
