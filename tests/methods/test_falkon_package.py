"""The in-project FALKON against the ``falkon`` package on the same centres (skipped without it)."""

from __future__ import annotations

import numpy as np
import pytest

from ntkbench.harness.registry import discover

REGISTRY = discover(entry_points=False)


def test_falkon_package_adapter_is_listed_and_skipped_without_the_package():
    cls = REGISTRY.method("falkon_package")
    assert cls.requires == ("falkon",)
    try:
        import falkon  # noqa: F401
    except ImportError:
        assert "missing optional dependency: falkon" in cls.missing_requirements()


@pytest.mark.parametrize("kernel", ["gaussian", "laplace"])
def test_in_project_falkon_matches_the_package_on_the_same_centres(rng, kernel):
    pytest.importorskip("falkon")
    X = rng.standard_normal((600, 4))
    y = np.sin(X[:, 0]) + 0.1 * rng.standard_normal(600)
    common = {"n_components": 80, "kernel": kernel, "bandwidth": 2.0, "landmarks": "uniform", "max_iter": 200}
    package = REGISTRY.method("falkon_package")(random_state=0, ridge=1e-3, **common).fit(X, y)
    ours = REGISTRY.method("nystrom_stationary")(random_state=0, solver="falkon", ridge=1e-3, **common).fit(X, y)
    np.testing.assert_allclose(ours.predict(X), package.predict(X), rtol=1e-4, atol=1e-4)
