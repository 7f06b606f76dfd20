"""Code fingerprints: hashes of the source code that produces a result.

A cell's key and the exact-kernel cache key include the fingerprint of the code that computes
them, so that changing that code recomputes exactly what it affects, and re-running unchanged code
reuses what is stored. A fingerprint hashes a source file together with every ``ntkbench`` module
it imports, transitively (found by reading the ``import`` statements, at module level or inside
functions). A module counts when an import names it, or defines a name imported from it:
``from ntkbench.kernels import fc_target`` follows ``kernels/arch_kernel.py``, where the package's
``__init__`` takes ``fc_target`` from, and ``from ntkbench.data.errors import ...`` only
``data/errors.py`` (a package's ``__init__`` runs too, but what else it re-exports is not used).

Modules outside ``ntkbench`` (numpy, torch, a third-party plug-in's own helpers) are not
followed: their versions are recorded with each row instead. Written here because no library
hashes an import closure; ``ast`` does the parsing.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import inspect
from pathlib import Path
from typing import Callable, Iterable

import ntkbench

PACKAGE_DIR = Path(ntkbench.__file__).resolve().parent

#: Harness modules that organise a run but compute nothing that enters a result: not followed by
#: :func:`harness_fingerprint`, so editing them does not recompute every cell.
INFRASTRUCTURE = frozenset({
    "ntkbench.harness.registry", "ntkbench.harness.suite", "ntkbench.harness.rows",
    "ntkbench.harness.environment", "ntkbench.harness.timing", "ntkbench.harness.kernel_cache",
    "ntkbench.harness.store", "ntkbench.harness.runner", "ntkbench.harness.fingerprint",
    "ntkbench.harness.params",
})


def module_file(name: str) -> Path | None:
    """The source file of the ``ntkbench`` module ``name`` (a package's ``__init__.py``), or None."""
    parts = name.split(".")
    if parts[0] != "ntkbench":
        return None
    base = PACKAGE_DIR.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _module_name(path: Path) -> str | None:
    try:
        rel = path.resolve().relative_to(PACKAGE_DIR.parent).with_suffix("")
    except ValueError:
        return None
    parts = list(rel.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@functools.lru_cache(maxsize=None)
def _statements(path: Path, stamp: tuple[int, int]) -> tuple[tuple[str, tuple[tuple[str, str], ...] | None], ...]:
    """The file's imports as ``(module, ((name, as_name), ...))``, ``names`` None for ``import
    module``; relative imports resolved (``stamp`` keys the cache on edits)."""
    own = _module_name(path)
    package = own.rsplit(".", 1)[0] if own and path.name != "__init__.py" else own
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level and package:  # relative import inside ntkbench
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*anchor, module] if module else anchor)
            found.append((module, tuple((a.name, a.asname or a.name) for a in node.names)))
    return tuple(found)


def _defining_module(module: str, name: str, depth: int = 0) -> str:
    """Where ``name``, imported from ``module``, is defined: a package's ``__init__`` that only
    re-exports it points to the module it comes from, so adding an export elsewhere in the
    package changes no fingerprint of code that does not use it."""
    path = module_file(module)
    if path is None or path.name != "__init__.py" or depth > 8:
        return module
    for source, names in _statements(path, _stamp(path)):
        for original, as_name in names or ():
            if as_name == name and module_file(source) is not None:
                if module_file(f"{source}.{original}") is not None:
                    return f"{source}.{original}"
                return _defining_module(source, original, depth + 1)
    return module


def _imports(path: Path) -> tuple[str, ...]:
    """The ``ntkbench`` modules that the file's imports name (see :func:`_defining_module`)."""
    found = set()
    for module, names in _statements(path, _stamp(path)):
        if module.split(".")[0] != "ntkbench":
            continue
        if names is None:
            found.add(module)
            continue
        for name, _ in names:
            submodule = f"{module}.{name}"
            found.add(submodule if module_file(submodule) is not None else _defining_module(module, name))
    return tuple(sorted(n for n in found if module_file(n) is not None))


def closure(files: Iterable[Path], exclude: frozenset[str] = frozenset()) -> list[Path]:
    """``files`` and the files of every ``ntkbench`` module they import, transitively, sorted.

    Modules named in ``exclude`` are neither included nor followed.
    """
    seen: dict[Path, None] = {}
    stack = [Path(f).resolve() for f in files]
    while stack:
        path = stack.pop()
        if path in seen:
            continue
        seen[path] = None
        for name in _imports(path):
            if name not in exclude:
                stack.append(module_file(name).resolve())
    return sorted(seen)


def fingerprint(files: Iterable[Path], exclude: frozenset[str] = frozenset()) -> str:
    """A short sha256 of the contents of :func:`closure` ``(files)`` (paths relative to the package,
    so the same code hashes alike in any checkout)."""
    return _hash_files(tuple((path, _stamp(path)) for path in closure(files, exclude)))


def _stamp(path: Path) -> tuple[int, int]:
    """Modification time and size: what keys the caches of this module on edits."""
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


@functools.lru_cache(maxsize=256)
def _hash_files(files: tuple[tuple[Path, tuple[int, int]], ...]) -> str:
    """Hash of the files' names and bytes (their stamps key the cache on edits)."""
    digest = hashlib.sha256()
    for path, _ in files:
        name = _module_name(path) or path.name  # a plug-in file outside the package: its name
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def object_fingerprint(obj: type | Callable) -> str:
    """The fingerprint of the file that defines ``obj`` (a class or function) and its imports;
    ``""`` when the source file cannot be found (built-ins, interactive sessions)."""
    try:
        source = inspect.getsourcefile(obj)
    except TypeError:
        source = None
    return fingerprint([Path(source)]) if source else ""


def harness_fingerprint() -> str:
    """The fingerprint of the code that measures a cell (execution, metrics, ridge solvers,
    subsampling, target encoding), leaving out :data:`INFRASTRUCTURE`."""
    return fingerprint([module_file("ntkbench.harness.execute")], INFRASTRUCTURE)
