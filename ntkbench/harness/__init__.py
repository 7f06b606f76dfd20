"""The harness: contracts, registry, suites, runner, result store and metrics."""

from ntkbench.harness.contracts import Dataset, Method, Split, TargetKernel

__all__ = ["Dataset", "Method", "Split", "TargetKernel"]
