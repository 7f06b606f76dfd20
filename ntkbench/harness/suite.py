"""Suites: a TOML file of methods × datasets × parameter grids × seeds, expanded into cells.

Example (``reports/quick/suite.toml``)::

    [suite]
    description = "Smoke-sized comparison"
    seeds = [0, 1, 2]
    n_eval = 300            # points on which kernel quality is measured
    time_limit = 300        # seconds per cell

    [[datasets]]
    name = "digits"
    params = { n_train = 1000 }

    [[methods]]
    name = "rff"
    params = { n_components = [64, 256, 1024] }

Every parameter value may be a scalar or a list (a grid); cells are the Cartesian product.
Where only some methods suit some datasets, ``[[group]]`` tables each hold their own
``[[group.datasets]]`` and ``[[group.methods]]``; a suite's cells are the union of its groups
(top-level ``[[datasets]]``/``[[methods]]`` form one more group).
Each cell has a canonical key (sorted parameters after defaults, seed, evaluation settings, and
fingerprints of the code that computes it), so results can be cached and resumed independently of
run order, and a code change recomputes the cells it affects.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np

import ntkbench
from ntkbench.harness.fingerprint import harness_fingerprint, object_fingerprint
from ntkbench.harness.registry import Registry, discover, project_root

#: Dataset parameters every dataset accepts; the harness subsamples (seeded), 0 keeps all rows.
UNIVERSAL_DATASET_PARAMS = {"n_train": 0, "n_test": 0}


@dataclass(frozen=True)
class Settings:
    """Evaluation settings shared by all cells of a suite (part of every cell key)."""

    n_eval: int = 500
    spectral_ridge: float = 0.01
    val_fraction: float = 0.2
    ridge_grid: tuple[float, ...] = tuple(float(v) for v in np.logspace(-6, 1, 15))
    #: Where kernel quality is measured: on held-out test points ("test"), which no method has
    #: seen (Nyström draws its landmarks from the training rows), or on training rows ("train").
    kernel_eval_on: str = "test"

    def __post_init__(self) -> None:
        if self.n_eval < 0:
            raise ValueError(f"n_eval must be >= 0 (0 disables kernel metrics), got {self.n_eval}")
        if not self.spectral_ridge > 0:
            raise ValueError(f"spectral_ridge must be positive, got {self.spectral_ridge}")
        if not 0 < self.val_fraction < 1:
            raise ValueError(f"val_fraction must lie in (0, 1), got {self.val_fraction}")
        if not self.ridge_grid or min(self.ridge_grid) <= 0:
            raise ValueError("ridge_grid must be a non-empty list of positive relative ridges")
        if self.kernel_eval_on not in ("test", "train"):
            raise ValueError(f"kernel_eval_on must be 'test' or 'train', got {self.kernel_eval_on!r}")


@dataclass(frozen=True)
class Limits:
    """Hardware limits of a run: never part of a key."""

    time_limit: float = 600.0
    memory_limit_mb: float = 0.0  # 0: no limit


@dataclass(frozen=True)
class Cell:
    """One unit of work: a method with parameters on a dataset with parameters, for one seed."""

    method: str
    method_params: Mapping[str, Any]
    dataset: str
    dataset_params: Mapping[str, Any]
    seed: int
    settings: Settings
    method_version: str = "1"
    dataset_version: str = "1"
    #: Fingerprints of the code that computes the cell: the method adapter, the dataset adapter
    #: and the harness's measuring code, each with the ntkbench modules it imports.
    code: Mapping[str, str] = field(default_factory=dict)

    @property
    def identity(self) -> str:
        """A hash of what the cell is: method, dataset, their parameters, seed and settings."""
        payload = {
            "method": self.method, "method_params": dict(self.method_params),
            "dataset": self.dataset, "dataset_params": dict(self.dataset_params),
            "seed": self.seed, "settings": asdict(self.settings),
        }
        return _digest(payload)

    @property
    def key(self) -> str:
        """A hash of everything that determines the result: the identity and the code that computes
        it (fingerprints, adapter and package versions), never run order or hardware."""
        return _digest({
            "identity": self.identity, "code": dict(self.code), "method_version": self.method_version,
            "dataset_version": self.dataset_version, "ntkbench": ntkbench.__version__,
        })

    @property
    def method_label(self) -> str:
        return label(self.method, self.method_params)

    @property
    def dataset_label(self) -> str:
        return label(self.dataset, self.dataset_params)

    def to_payload(self) -> dict[str, Any]:
        """A plain dict that crosses process boundaries."""
        data = asdict(self)
        data["settings"] = asdict(self.settings)
        return data

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> "Cell":
        data = dict(data)
        settings = dict(data.pop("settings"))
        settings["ridge_grid"] = tuple(settings["ridge_grid"])
        return cls(settings=Settings(**settings), **data)


@dataclass
class Suite:
    """A parsed suite: its cells, evaluation settings and limits."""

    name: str
    path: Path
    description: str
    cells: list[Cell]
    settings: Settings
    limits: Limits
    raw: dict[str, Any] = field(default_factory=dict)


def _digest(payload: Mapping[str, Any]) -> str:
    blob = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def label(name: str, params: Mapping[str, Any]) -> str:
    """Canonical display name ``name[k=v,...]`` with sorted keys."""
    if not params:
        return name
    inner = ",".join(f"{k}={_fmt(v)}" for k, v in sorted(params.items()))
    return f"{name}[{inner}]"


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def resolve_suite_path(name_or_path: str | Path) -> Path:
    """``reports/<name>/suite.toml`` for a bare name, else the path given."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" or candidate.is_file():
        path = candidate
    elif candidate.is_dir():
        path = candidate / "suite.toml"
    else:
        path = project_root() / "reports" / str(name_or_path) / "suite.toml"
    if not path.is_file():
        available = sorted(p.parent.name for p in (project_root() / "reports").glob("*/suite.toml"))
        raise FileNotFoundError(f"suite file {path} not found; suites in reports/: {', '.join(available) or '(none)'}")
    return path


def load_suite(name_or_path: str | Path, registry: Registry | None = None) -> Suite:
    """Parse and validate a suite; unknown names or parameters raise a ValueError listing valid ones."""
    path = resolve_suite_path(name_or_path)
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML: {exc}") from exc
    registry = discover() if registry is None else registry
    head = raw.get("suite", {})
    _check_keys(head, {"description", "seeds", "n_eval", "spectral_ridge", "val_fraction", "ridge_grid",
                       "time_limit", "memory_limit_mb", "name", "kernel_eval_on"}, f"{path} [suite]")
    settings = Settings(
        n_eval=int(head.get("n_eval", Settings.n_eval)),
        spectral_ridge=float(head.get("spectral_ridge", Settings.spectral_ridge)),
        val_fraction=float(head.get("val_fraction", Settings.val_fraction)),
        ridge_grid=tuple(float(v) for v in head.get("ridge_grid", Settings.ridge_grid)),
        kernel_eval_on=head.get("kernel_eval_on", Settings.kernel_eval_on),
    )
    limits = Limits(time_limit=float(head.get("time_limit", Limits.time_limit)),
                    memory_limit_mb=float(head.get("memory_limit_mb", Limits.memory_limit_mb)))
    seeds = head.get("seeds", [0])
    if not isinstance(seeds, list) or not seeds or not all(isinstance(s, int) for s in seeds):
        raise ValueError(f"{path}: [suite] seeds must be a non-empty list of integers, got {seeds!r}")
    _check_keys(raw, {"suite", "datasets", "methods", "group"}, f"{path} (top level)")
    groups = list(raw.get("group", []))
    if raw.get("datasets") or raw.get("methods"):
        groups.insert(0, {"datasets": raw.get("datasets", []), "methods": raw.get("methods", [])})
    if not groups:
        raise ValueError(f"{path}: the suite lists no methods and datasets (add [[methods]] and [[datasets]] tables)")
    cells = []
    for index, group in enumerate(groups):
        where = f"{path} [[group]] {index + 1}" if "group" in raw else str(path)
        cells += _group_cells(group, where, registry, settings, seeds)
    unique = list({c.key: c for c in cells}.values())
    name = head.get("name", path.parent.name)
    return Suite(name, path, head.get("description", ""), unique, settings, limits, raw)


def _group_cells(group: Mapping[str, Any], where: str, registry: Registry, settings: Settings,
                 seeds: list[int]) -> list[Cell]:
    """The cells of one block: every method on every dataset of the block, for every seed."""
    _check_keys(group, {"datasets", "methods"}, where)
    for section in ("methods", "datasets"):
        if not group.get(section):
            raise ValueError(f"{where}: the suite lists no {section} (add a [[{section}]] table)")
        for entry in group[section]:
            _check_keys(entry, {"name", "params"}, f"{where} [[{section}]]")
    methods = [(cls, cls.check_params(grid)) for e in group["methods"] for cls in [registry.method(e["name"])]
               for grid in _expand(cls, e.get("params", {}))]
    datasets = [(cls, _dataset_params(cls, grid)) for e in group["datasets"]
                for cls in [registry.dataset(e["name"])] for grid in _expand(cls, e.get("params", {}))]
    harness = harness_fingerprint()
    return [Cell(m.name, mp, d.name, dp, seed, settings, m.version, d.version,
                 {"method": object_fingerprint(m), "dataset": object_fingerprint(d), "harness": harness})
            for (d, dp), (m, mp), seed in itertools.product(datasets, methods, seeds)]


def _check_keys(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {', '.join(unknown)}; valid keys: {', '.join(sorted(allowed))}")


def _expand(cls: type, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    if not isinstance(params, Mapping):
        raise ValueError(f"params must be a table of name = value or [values], got {params!r}")
    names = sorted(params)
    grids = [cls.expand_values(k, params[k]) for k in names]
    for k, grid in zip(names, grids):
        if not grid:
            raise ValueError(f"parameter {k!r} has an empty list of values")
    return [dict(zip(names, combo)) for combo in itertools.product(*grids)]


def _dataset_params(cls: type, params: dict[str, Any]) -> dict[str, Any]:
    universal = {k: params.pop(k) for k in list(params) if k in UNIVERSAL_DATASET_PARAMS and k not in cls.params}
    checked = cls.check_params(params)
    for k, default in UNIVERSAL_DATASET_PARAMS.items():
        value = universal.get(k, default)
        if not isinstance(value, int) or value < 0:
            raise ValueError(f"dataset parameter {k} must be an integer >= 0, got {value!r}")
        if value:
            checked[k] = value
    return checked
