"""Discovery of method and dataset adapters.

Adapters live in the plug-in folders ``methods/`` and ``datasets/`` (one file each, loaded by
path under a private module name, so they never clash with installed packages called ``methods``
or ``datasets``) and in installed packages through the entry-point groups ``ntkbench.methods``
and ``ntkbench.datasets``.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import inspect
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from ntkbench.contracts import Dataset, Method

ENTRY_POINT_GROUPS = {"methods": "ntkbench.methods", "datasets": "ntkbench.datasets"}


def project_root() -> Path:
    """The checkout that holds the plug-in folders: ``$NTKBENCH_ROOT``, else the package's parent
    when it has ``methods/`` (editable install), else the current directory."""
    if os.environ.get("NTKBENCH_ROOT"):
        return Path(os.environ["NTKBENCH_ROOT"]).resolve()
    package_parent = Path(__file__).resolve().parents[2]
    if (package_parent / "methods").is_dir():
        return package_parent
    return Path.cwd()


@dataclass(eq=False)  # hashed by identity, so caches can key on the registry in use
class Registry:
    """Every method and dataset adapter found, by name; load errors are kept, not raised."""

    methods: dict[str, type[Method]] = field(default_factory=dict)
    datasets: dict[str, type[Dataset]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)

    def method(self, name: str) -> type[Method]:
        """The method adapter called ``name``; an unknown name raises a ValueError listing valid names."""
        return _lookup(self.methods, name, "method", self.errors)

    def dataset(self, name: str) -> type[Dataset]:
        """The dataset adapter called ``name``; an unknown name raises a ValueError listing valid names."""
        return _lookup(self.datasets, name, "dataset", self.errors)


def _lookup(table: dict, name: str, kind: str, errors: dict[str, str]):
    if name in table:
        return table[name]
    hint = ""
    broken = [src for src in errors if Path(src).stem == name]
    if broken:
        hint = f" (the file {broken[0]} failed to load: {errors[broken[0]]})"
    raise ValueError(f"unknown {kind} {name!r}{hint}; valid {kind}s: {', '.join(sorted(table)) or '(none)'}")


def discover(root: Path | None = None, *, entry_points: bool = True) -> Registry:
    """Find all adapters under ``root`` (default :func:`project_root`) and in entry points."""
    root = project_root() if root is None else Path(root)
    registry = Registry()
    for folder, base, table in (("methods", Method, registry.methods), ("datasets", Dataset, registry.datasets)):
        for path in sorted((root / folder).glob("*.py")):
            if path.name.startswith("_"):
                continue
            try:
                module = _load_file(path, folder)
            except Exception as exc:  # a broken adapter must not hide the others
                registry.errors[str(path)] = f"{type(exc).__name__}: {exc}"
                continue
            _collect(module, base, table, registry, str(path))
        if entry_points:
            for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUPS[folder]):
                try:
                    obj = ep.load()
                except Exception as exc:
                    registry.errors[f"entry point {ep.name}"] = f"{type(exc).__name__}: {exc}"
                    continue
                if inspect.ismodule(obj):
                    _collect(obj, base, table, registry, f"entry point {ep.name}")
                elif inspect.isclass(obj) and issubclass(obj, base):
                    _add(obj, base, table, registry, f"entry point {ep.name}")
    return registry


def _load_file(path: Path, folder: str) -> ModuleType:
    module_name = f"_ntkbench_plugins.{folder}.{path.stem}"
    if module_name in sys.modules and getattr(sys.modules[module_name], "__file__", None) == str(path):
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # needed so pickling and dataclasses see the module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module


def _collect(module: ModuleType, base: type, table: dict, registry: Registry, source: str) -> None:
    for obj in vars(module).values():
        if inspect.isclass(obj) and issubclass(obj, base) and obj.__module__ == module.__name__:
            if "name" in vars(obj):
                _add(obj, base, table, registry, source)


def _add(cls: type, base: type, table: dict, registry: Registry, source: str) -> None:
    slot = f"{base.__name__}:{cls.name}"
    if cls.name in table and table[cls.name] is not cls:
        registry.errors[source] = f"duplicate name {cls.name!r}, already defined in {registry.sources[slot]}"
        return
    table[cls.name] = cls
    registry.sources[slot] = source
