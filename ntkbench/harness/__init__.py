"""The harness: registry, suites, cell execution, runner, result store, kernel cache and metrics.

The contracts it shares with the plug-ins live in :mod:`ntkbench.contracts`.
"""
