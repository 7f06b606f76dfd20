"""Discovery of adapter files and entry points."""

from __future__ import annotations

import pytest

from ntkbench.harness import registry as registry_module
from ntkbench.contracts import Method
from ntkbench.harness.registry import discover


def test_discovers_adapter_files(toy_root):
    reg = discover(toy_root, entry_points=False)
    assert {"linear", "linear_kernel", "broken", "hang", "needs_missing"} <= set(reg.methods)
    assert set(reg.datasets) == {"toy"}
    assert reg.methods["linear"].__module__.startswith("_ntkbench_plugins.")


def test_broken_adapter_file_is_reported_not_raised(toy_root):
    (toy_root / "methods" / "oops.py").write_text("raise ImportError('no such thing')\n")
    reg = discover(toy_root, entry_points=False)
    assert "linear" in reg.methods
    assert any("oops.py" in source and "no such thing" in err for source, err in reg.errors.items())
    with pytest.raises(ValueError, match="oops.py failed to load"):
        reg.method("oops")


def test_missing_optional_dependency_is_a_reason(toy_root):
    reg = discover(toy_root, entry_points=False)
    reason = reg.methods["needs_missing"].missing_requirements()
    assert "a_module_that_does_not_exist_xyz" in reason
    assert reg.methods["linear"].missing_requirements() is None


def test_entry_point_methods_are_discovered(toy_root, monkeypatch):
    class ThirdParty(Method):
        name = "third_party"

    class FakeEntryPoint:
        name = "third_party"

        def load(self):
            return ThirdParty

    def fake_entry_points(group):
        return [FakeEntryPoint()] if group == "ntkbench.methods" else []

    monkeypatch.setattr(registry_module.importlib.metadata, "entry_points", fake_entry_points)
    reg = discover(toy_root)
    assert reg.methods["third_party"] is ThirdParty


def test_the_repository_adapters_load_cleanly():
    reg = discover(entry_points=False)
    assert not reg.errors, reg.errors
    assert {"exact_fc", "rff", "nystrom_ntk"} <= set(reg.methods)
    assert {"digits", "breast_cancer", "wine", "diabetes", "uci_gal"} <= set(reg.datasets)
