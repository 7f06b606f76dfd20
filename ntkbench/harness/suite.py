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
A dataset entry may carry a short ``label = "..."`` shown in reports instead of its parameters.
Where only some methods suit some datasets, ``[[group]]`` tables each hold their own
``[[group.datasets]]`` and ``[[group.methods]]``; a suite's cells are the union of its groups
(top-level ``[[datasets]]``/``[[methods]]`` form one more group).
An optional ``[report]`` table sets how the report presents the results (never part of a key):
``baseline = "exact_cntk"`` adds a speed-up section comparing every other method with that one
at each training size (see :mod:`ntkbench.report.speedup`).
Each cell has a canonical key (sorted parameters after defaults, seed, evaluation settings, and
fingerprints of the code that computes it), so results can be cached and resumed independently of
run order, and a code change recomputes the cells it affects.
"""

from __future__ import annotations

import fnmatch
import hashlib
import itertools
import json
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

import ntkbench
from ntkbench.harness.fingerprint import harness_fingerprint, object_fingerprint
from ntkbench.harness.params import Spec, as_toml, check_value, spec_of
from ntkbench.harness.registry import Registry, discover, project_root

#: Dataset parameters every dataset accepts; the harness subsamples (seeded), 0 keeps all rows.
#: A size above the rows there are keeps them all; the row's metrics n_train/n_test say how many.
UNIVERSAL_DATASET_PARAMS = {"n_train": 0, "n_test": 0}
UNIVERSAL_SPEC = Spec((int,), ge=0)

#: The keys of the ``[suite]`` table and the values they take.
SUITE_KEYS = {
    "name": Spec((str,)), "description": Spec((str,)),
    "seeds": Spec((int,), ge=0, many=True),
    "n_eval": Spec((int,), ge=0),
    "spectral_ridge": Spec((float,), gt=0),
    "val_fraction": Spec((float,), gt=0, lt=1),
    "ridge_grid": Spec((float,), gt=0, many=True),
    "time_limit": Spec((float,), ge=0),
    "memory_limit_mb": Spec((float,), ge=0),
    "kernel_eval_on": Spec(choices=("test", "train")),
}
#: The keys of the optional ``[report]`` table (presentation only, never in a key).
REPORT_KEYS = {"baseline": Spec((str,))}
#: The keys of each ``[[methods]]`` and ``[[datasets]]`` table (``label``: display only, never in a key).
ENTRY_KEYS = {"methods": {"name", "params", "tune"}, "datasets": {"name", "params", "label"}}


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
    #: The suite's short ``label`` of the dataset (display only: not part of the key).
    dataset_title: str = ""

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

    @property
    def dataset_display(self) -> str:
        """The suite's label of the dataset where it gives one, else the canonical label."""
        return self.dataset_title or self.dataset_label

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
    #: The ``[report]`` table: presentation options of the report.
    report: dict[str, Any] = field(default_factory=dict)
    #: ``(method, parameters)`` of every ``[[methods]]`` entry with ``tune = [...]``: the report adds
    #: a row choosing those parameters on the validation split (:mod:`ntkbench.report.tuning`).
    tuning: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)


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
    """Parse and validate a suite.

    Every error names the file and the table and key at fault: unknown names or parameters (listing
    the valid ones), values of the wrong type or out of range (see :mod:`ntkbench.harness.params`).
    """
    path = resolve_suite_path(name_or_path)
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML: {exc}") from exc
    registry = discover() if registry is None else registry
    _check_keys(raw, {"suite", "report", "datasets", "methods", "group"}, f"{path} (top level)")
    head = raw.get("suite", {})
    if not isinstance(head, dict):
        raise ValueError(f"{path}: suite = {as_toml(head)}: expected a [suite] table")
    _check_keys(head, set(SUITE_KEYS), f"{path} [suite]")
    for key, value in head.items():
        check_value(SUITE_KEYS[key], value, f"{path} [suite]", key)
    settings = Settings(
        n_eval=head.get("n_eval", Settings.n_eval),
        spectral_ridge=float(head.get("spectral_ridge", Settings.spectral_ridge)),
        val_fraction=float(head.get("val_fraction", Settings.val_fraction)),
        ridge_grid=tuple(float(v) for v in head.get("ridge_grid", Settings.ridge_grid)),
        kernel_eval_on=head.get("kernel_eval_on", Settings.kernel_eval_on),
    )
    limits = Limits(time_limit=float(head.get("time_limit", Limits.time_limit)),
                    memory_limit_mb=float(head.get("memory_limit_mb", Limits.memory_limit_mb)))
    seeds = head.get("seeds", [0])
    blocks = []
    if "datasets" in raw or "methods" in raw:
        blocks.append(({"datasets": raw.get("datasets"), "methods": raw.get("methods")}, str(path), ""))
    groups = raw.get("group", [])
    if not _is_tables(groups):
        raise ValueError(f"{path}: group = {as_toml(groups)}: expected [[group]] tables")
    blocks += [(group, f"{path} [[group]] {index}", "group.") for index, group in enumerate(groups, 1)]
    if not blocks:
        raise ValueError(f"{path}: the suite lists no methods and datasets (add [[methods]] and [[datasets]] tables)")
    cells = [cell for group, where, prefix in blocks
             for cell in _group_cells(group, where, prefix, registry, settings, seeds)]
    unique = list({c.key: c for c in cells}.values())
    name = head.get("name", path.parent.name)
    report = _report_options(raw.get("report", {}), unique, f"{path} [report]")
    tuning = list(dict.fromkeys((entry["name"], tuple(entry["tune"])) for group, _, _ in blocks
                                for entry in (group.get("methods") or []) if "tune" in entry))
    return Suite(name, path, head.get("description", ""), unique, settings, limits, raw, report, tuning)


def _check_tune(entry: Mapping[str, Any], cls: type, where: str) -> None:
    """``tune`` names parameters of the method that the entry gives several values."""
    tune, params = entry["tune"], entry.get("params", {})
    check_value(Spec((str,), many=True), tune, where, "tune")
    if not isinstance(tune, list) or not tune:
        raise ValueError(f"{where}: tune = {as_toml(tune)}: expected a non-empty list of parameter names")
    for name in tune:
        if name not in cls.params:
            raise ValueError(f"{where}: tune names {name!r}, not a parameter of {cls.name}; "
                             f"its parameters: {', '.join(sorted(cls.params))}")
        if len(cls.expand_values(name, params.get(name, cls.params[name][0]))) < 2:
            raise ValueError(f"{where}: tune names {name!r} but params gives it one value; give a list to "
                             f"choose from, e.g. {name} = [1, 2, 3]")


def _report_options(table: Any, cells: list[Cell], where: str) -> dict[str, Any]:
    """The checked ``[report]`` table: known keys, and a baseline that is one of the suite's methods."""
    if not isinstance(table, dict):
        raise ValueError(f"{where}: expected a table, e.g. [report] then baseline = \"exact_cntk\"")
    _check_keys(table, set(REPORT_KEYS), where)
    for key, value in table.items():
        check_value(REPORT_KEYS[key], value, where, key)
    methods = sorted({cell.method for cell in cells})
    if "baseline" in table and table["baseline"] not in methods:
        raise ValueError(f"{where}: baseline = {table['baseline']!r} is not a method of the suite; "
                         f"its methods: {', '.join(methods)}")
    return dict(table)


def select_cells(cells: list[Cell], patterns: Sequence[str]) -> list[Cell]:
    """The cells that ``patterns`` select (``ntkbench run --only``).

    A pattern is a substring or a glob (case-insensitive) of a method's name or label, or of a
    dataset's name, label or display label. Patterns that match methods select methods and those
    that match datasets select datasets; a cell is kept when it is selected on every side that
    some pattern addresses (``--only rff --only digits``: rff on digits).

    Raises
    ------
    ValueError
        If a pattern matches no method and no dataset of ``cells``.
    """
    sides: dict[str, list[str]] = {}
    for pattern in patterns:
        hits = [side for side in ("method", "dataset") if any(_selects(pattern, c, side) for c in cells)]
        if not hits:
            methods = ", ".join(sorted({c.method for c in cells}))
            datasets = ", ".join(sorted({c.dataset for c in cells}))
            raise ValueError(f"--only {pattern!r} matches no method or dataset of the suite; "
                             f"methods: {methods}; datasets: {datasets}")
        for side in hits:
            sides.setdefault(side, []).append(pattern)
    return [c for c in cells if all(any(_selects(p, c, side) for p in found) for side, found in sides.items())]


def _selects(pattern: str, cell: Cell, side: str) -> bool:
    names = ((cell.method, cell.method_label) if side == "method"
             else (cell.dataset, cell.dataset_label, cell.dataset_title))
    pattern = pattern.lower()
    return any(pattern in n.lower() or fnmatch.fnmatchcase(n.lower(), pattern) for n in names if n)


def _group_cells(group: Mapping[str, Any], where: str, prefix: str, registry: Registry, settings: Settings,
                 seeds: list[int]) -> list[Cell]:
    """The cells of one block: every method on every dataset of the block, for every seed."""
    _check_keys(group, {"datasets", "methods"}, where)
    methods = []
    for entry, here in _entries(group, "methods", where, prefix):
        cls = _plugin(registry.method, entry["name"], here)
        methods += [(cls, cls.check_params(grid)) for grid in _expand(cls, entry.get("params", {}), here, {})]
        if "tune" in entry:
            _check_tune(entry, cls, here)
    datasets = []
    for entry, here in _entries(group, "datasets", where, prefix):
        cls = _plugin(registry.dataset, entry["name"], here)
        grids = _expand(cls, entry.get("params", {}), here, UNIVERSAL_DATASET_PARAMS)
        varying = [k for k in grids[0] if len({json.dumps(g[k]) for g in grids}) > 1]
        title = entry.get("label", "")
        datasets += [(cls, _dataset_params(cls, dict(grid)), title and label(title, {k: grid[k] for k in varying}))
                     for grid in grids]
    harness = harness_fingerprint()
    return [Cell(m.name, mp, d.name, dp, seed, settings, m.version, d.version,
                 {"method": object_fingerprint(m), "dataset": object_fingerprint(d), "harness": harness},
                 dataset_title=title)
            for (d, dp, title), (m, mp), seed in itertools.product(datasets, methods, seeds)]


def _is_tables(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, dict) for v in value)


def _entries(group: Mapping[str, Any], section: str, where: str, prefix: str) -> list[tuple[dict, str]]:
    """The ``[[methods]]`` or ``[[datasets]]`` tables of a block, each with its place for messages."""
    entries = group.get(section)
    if not entries:
        raise ValueError(f"{where}: the suite lists no {section} (add a [[{prefix}{section}]] table)")
    if not _is_tables(entries):
        raise ValueError(f"{where}: {prefix}{section} = {as_toml(entries)}: "
                         f"expected [[{prefix}{section}]] tables")
    out = []
    for index, entry in enumerate(entries, 1):
        here = f"{where} [[{prefix}{section}]] {index}"
        _check_keys(entry, ENTRY_KEYS[section], here)
        if "name" not in entry:
            raise ValueError(f"{here}: no name; add name = \"...\" (`ntkbench list {section}` shows the names)")
        for key in ("name", "label"):
            if key in entry:
                check_value(Spec((str,)), entry[key], here, key)
        if not isinstance(entry.get("params", {}), dict):
            raise ValueError(f"{here}: params = {as_toml(entry['params'])}: "
                             "expected a table, e.g. params = { k = 1 }")
        out.append((entry, f"{here} ({entry['name']})"))
    return out


def _plugin(lookup: Callable[[str], type], name: str, where: str) -> type:
    try:
        return lookup(name)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


def _check_keys(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {', '.join(unknown)}; valid keys: {', '.join(sorted(allowed))}")


def _expand(cls: type, params: Mapping[str, Any], where: str, universal: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The grid points of ``params`` after checking names and every value (``universal``: parameters
    the harness adds to every plug-in of this kind)."""
    unknown = sorted(set(params) - set(cls.params) - set(universal))
    if unknown:
        valid = ", ".join(sorted({*cls.params, *universal})) or "(none)"
        raise ValueError(f"{where}: {cls.__name__} '{cls.name}' has no parameter(s) {', '.join(unknown)}; "
                         f"valid parameters: {valid}")
    names = sorted(params)
    grids = [cls.expand_values(k, params[k]) for k in names]
    for k, grid in zip(names, grids):
        if not grid:
            raise ValueError(f"{where} params: {k} = []: an empty list of values gives no cells")
        spec = spec_of(cls, k) if k in cls.params else UNIVERSAL_SPEC
        for value in grid:
            check_value(spec, value, f"{where} params", k)
    return [dict(zip(names, combo)) for combo in itertools.product(*grids)]


def _dataset_params(cls: type, params: dict[str, Any]) -> dict[str, Any]:
    """Defaults updated with ``params``; the universal parameters only where they are not 0."""
    universal = {k: params.pop(k) for k in list(params) if k in UNIVERSAL_DATASET_PARAMS and k not in cls.params}
    checked = cls.check_params(params)
    checked.update({k: v for k, v in universal.items() if v})
    return checked
