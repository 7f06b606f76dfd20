"""Reports: tables and plots from the result store (no computation of results here)."""

from ntkbench.report.build import build_report

__all__ = ["build_report"]
