"""Code fingerprints: a cell's key changes with the code that computes it, and only with that code."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ntkbench.harness import fingerprint as fp
from ntkbench.harness.registry import discover
from ntkbench.harness.suite import load_suite

REPO = Path(__file__).resolve().parents[2]

SUITE = """
[suite]
n_eval = 0
[[datasets]]
name = "toy"
[[methods]]
name = "linear"
[[methods]]
name = "other"
"""

OTHER_METHOD = '''
from ntkbench.contracts import Method


class Other(Method):
    name = "other"

    def transform(self, X):
        return X
'''


def _keys(root: Path, suite_path: Path) -> dict[str, tuple[str, str]]:
    suite = load_suite(suite_path, discover(root, entry_points=False))
    return {cell.method: (cell.key, cell.identity) for cell in suite.cells}


def test_editing_an_adapter_changes_the_keys_of_its_cells_only(toy_root, write_suite):
    (toy_root / "methods" / "other.py").write_text(OTHER_METHOD)
    path = write_suite("f", SUITE)
    before = _keys(toy_root, path)
    assert _keys(toy_root, path) == before  # same code, same keys
    with open(toy_root / "methods" / "other.py", "a") as f:
        f.write("\n# a change to the adapter\n")
    after = _keys(toy_root, path)
    assert after["linear"] == before["linear"]
    assert after["other"][0] != before["other"][0]
    assert after["other"][1] == before["other"][1]  # the identity is the same cell


def test_editing_a_dataset_adapter_changes_every_key_on_it(toy_root, write_suite):
    path = write_suite("f", SUITE.replace('[[methods]]\nname = "other"\n', ""))
    before = _keys(toy_root, path)
    with open(toy_root / "datasets" / "toy.py", "a") as f:
        f.write("\nEXTRA = 1\n")
    assert _keys(toy_root, path)["linear"][0] != before["linear"][0]


def test_the_closure_follows_imports_transitively_and_only_them():
    sketch = {p.name for p in fp.closure([REPO / "methods" / "ntk_sketch.py"])}
    assert {"ntk_sketch.py", "srht.py", "polysketch.py", "fc.py", "contracts.py"} <= sketch
    rff = {p.name for p in fp.closure([REPO / "methods" / "rff.py"])}
    assert "srht.py" not in rff and "fc.py" not in rff
    harness = {str(p.relative_to(fp.PACKAGE_DIR)) for p in fp.closure(
        [fp.module_file("ntkbench.harness.execute")], fp.INFRASTRUCTURE)}
    assert {"harness/execute.py", "harness/metrics.py", "harness/quality.py", "solvers/ridge.py",
            "solvers/selection.py", "data/splits.py"} <= harness
    assert not {"harness/store.py", "harness/runner.py", "harness/suite.py", "cli.py"} & harness


@pytest.fixture
def package_copy(tmp_path, monkeypatch):
    """A copy of the ntkbench package that the fingerprint reads instead of the real one."""
    copy = tmp_path / "ntkbench"
    shutil.copytree(fp.PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(fp, "PACKAGE_DIR", copy)
    return copy


def test_a_library_change_reaches_the_methods_that_import_it(package_copy):
    sketch, rff = REPO / "methods" / "ntk_sketch.py", REPO / "methods" / "rff.py"
    before = fp.fingerprint([sketch]), fp.fingerprint([rff]), fp.harness_fingerprint()
    srht = package_copy / "sketches" / "srht.py"
    srht.write_text(srht.read_text() + "\n# a change three imports away from the adapter\n")
    after = fp.fingerprint([sketch]), fp.fingerprint([rff]), fp.harness_fingerprint()
    assert after[0] != before[0]
    assert after[1:] == before[1:]
    ridge = package_copy / "solvers" / "ridge.py"
    ridge.write_text(ridge.read_text() + "\n# a change to the solver\n")
    assert fp.harness_fingerprint() != before[2]


def test_object_fingerprint_of_a_function_follows_its_module():
    from ntkbench.kernels import fc_target
    from ntkbench.arch import Arch

    target = fc_target(Arch(depth=2))
    assert fp.object_fingerprint(target.function) == fp.fingerprint([fp.module_file("ntkbench.kernels.arch_kernel")])
    assert fp.object_fingerprint(len) == ""


def test_a_new_export_in_a_package_changes_no_fingerprint_that_does_not_use_it(package_copy):
    """Adding a feature map (a module and its export in ``features/__init__.py``) must not make
    every stored NTK Sketch row look stale."""
    sketch = REPO / "methods" / "ntk_sketch.py"
    before = fp.fingerprint([sketch])
    (package_copy / "features" / "new_map.py").write_text("class NewMap:\n    pass\n")
    init = package_copy / "features" / "__init__.py"
    init.write_text(init.read_text() + "\nfrom ntkbench.features.new_map import NewMap  # noqa: E402\n")
    assert fp.fingerprint([sketch]) == before
    one_pass = package_copy / "features" / "_one_pass.py"
    one_pass.write_text(one_pass.read_text() + "\n# a change the sketch uses\n")
    assert fp.fingerprint([sketch]) != before
