"""The import graph of the package: no cycles, and every arrow points down the layers.

CLI → report → harness → plug-ins (methods/, datasets/) → adapters → features/solvers →
kernels/sketches/data → the package's ``__init__`` → contracts/arch. A package may import its own modules and any package of
a lower layer, never one of its own layer or above (so data and kernels stay independent).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: The layer of each part of the library (top-level modules and subpackages of ``ntkbench``).
LAYERS = {
    "arch": 0, "contracts": 0, "threads": 0,
    "ntkbench": 1,  # the package's own __init__ (version, re-exports)
    "sketches": 2, "kernels": 2, "data": 2,
    "features": 3, "solvers": 3,
    # finite networks (arch, activations and conv plans of kernels, SRHT of sketches) and GP
    # regression (kernels): libraries over layer 2, used by adapters, independent of features/solvers
    "nets": 3, "gp": 3,
    "adapters": 4,
    "plugins": 5,
    "harness": 6,
    "report": 7,
    "cli": 8,
}


def _part(module: str) -> str:
    """The layer entry of a module name such as ``ntkbench.harness.store`` (``harness``)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "ntkbench"


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every ``ntkbench`` module ``path`` imports, at module level or inside functions.

    ``from package import module`` counts as importing the module, ``from package import name``
    as importing the package.
    """
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "ntkbench"}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] == "ntkbench":
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    found.add(full if _is_module(full) else node.module)
    return found


def _is_module(name: str) -> bool:
    base = ROOT.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _library_graph() -> dict[str, set[str]]:
    files = sorted((ROOT / "ntkbench").rglob("*.py"))
    modules = {_module_name(f): f for f in files}
    graph = {}
    for name, path in modules.items():
        # keep only names that are modules (``from pkg import function`` names the package)
        graph[name] = {m for m in _imports(path) if m in modules and m != name}
    return graph


def _upward_imports(source_part: str, imported: set[str]) -> list[str]:
    return [m for m in sorted(imported)
            if _part(m) != source_part and LAYERS[_part(m)] >= LAYERS[source_part]]


def test_every_library_part_has_a_layer():
    parts = {_part(m) for m in _library_graph()}
    assert parts <= set(LAYERS), f"add {sorted(parts - set(LAYERS))} to LAYERS"


def test_library_imports_point_down():
    bad = {name: up for name, imported in _library_graph().items()
           if (up := _upward_imports(_part(name), imported))}
    assert not bad, f"imports of a layer at or above the importer's: {bad}"


@pytest.mark.parametrize("folder", ["methods", "datasets"])
def test_plugins_import_only_the_library_below_the_harness(folder):
    bad = {path.name: up for path in sorted((ROOT / folder).glob("*.py"))
           if (up := _upward_imports("plugins", _imports(path)))}
    assert not bad, f"plug-ins importing the harness or above: {bad}"


def test_library_import_graph_has_no_cycle():
    graph = _library_graph()
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path + [node, nxt]
            if nxt not in state and (cycle := visit(nxt, path + [node])):
                return cycle
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            cycle = visit(start, [])
            assert cycle is None, f"import cycle: {' -> '.join(cycle)}"


def test_the_checks_catch_an_upward_import_and_a_cycle():
    assert _upward_imports("data", {"ntkbench.harness.contracts"}) == ["ntkbench.harness.contracts"]
    assert _upward_imports("data", {"ntkbench.kernels.fc"}) == ["ntkbench.kernels.fc"]
    assert _upward_imports("harness", {"ntkbench.data.errors", "ntkbench.harness.store"}) == []
