"""Validation of the values a suite gives: types inferred from default grids, declared ranges and choices.

The type of a plug-in parameter is inferred from its default grid: booleans stay booleans, integers
stay integers (a boolean is not an integer), a float parameter also takes integers, strings stay
strings, and a grid that mixes kinds (``[0, "official"]``) takes any of them. A plug-in may state
more with the optional class attribute ``param_constraints``::

    param_constraints = {
        "n_components": {"ge": 1},                       # bounds: ge, gt, le, lt (numbers only)
        "get": {"choices": ["ntk", "nngp"]},             # an enumeration: only these values
        "gamma": {"choices": ["scale"], "type": float, "gt": 0},  # "scale" or a positive number
        "target": {"type": (int, str)},                  # overrides the type inferred from the grid
    }

``type`` is one of ``bool``, ``int``, ``float``, ``str`` or a tuple of them. With ``choices`` and
no ``type`` the choices are the only valid values; with both, a value is valid when it is one of the
choices or has the type and lies within the bounds.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

_NAMES = {bool: "a boolean (true or false)", int: "an integer", float: "a number", str: "a string"}
_GOT = {bool: "a boolean", int: "an integer", float: "a float", str: "a string"}
#: Choices listed in full in a message; longer lists are cut, with the closest matches named.
_SHOWN = 12
_BOUNDS = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}


def _kind(value: Any) -> type | None:
    """The TOML scalar kind of ``value`` (bool is not int), or None for anything else."""
    for kind in (bool, int, float, str):
        if isinstance(value, kind):
            return kind
    return None


def _is(value: Any, kind: type) -> bool:
    """Whether ``value`` is of ``kind``; an integer counts as a float, a boolean never as a number."""
    actual = _kind(value)
    return actual is kind or (kind is float and actual is int)


@dataclass(frozen=True)
class Spec:
    """What values one parameter or setting accepts.

    Parameters
    ----------
    types : tuple of type
        Accepted kinds among bool, int, float, str; empty: any value.
    choices : tuple
        Valid values; alone they are the only valid ones, with ``types`` they are valid besides.
    ge, gt, le, lt : float, optional
        Bounds on numeric values.
    many : bool, default=False
        The value is a non-empty list whose every item obeys the rest of the spec.
    """

    types: tuple[type, ...] = ()
    choices: tuple[Any, ...] = ()
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None
    many: bool = False

    def problem(self, value: Any) -> str | None:
        """Why ``value`` is not valid, or None when it is."""
        if self.many:
            if not isinstance(value, list) or not value:
                return f"expected a non-empty list, each {self._expected()}"
            single = Spec(self.types, self.choices, self.ge, self.gt, self.le, self.lt)
            return next((f"item {as_toml(v)}: {p}" for v in value for p in [single.problem(v)] if p), None)
        if any(_is(value, _kind(c) or object) and value == c for c in self.choices):
            return None
        if self.choices and not self.types:
            return f"expected one of {self._choices(value)}"
        if self.types and isinstance(value, list):
            return f"expected {self._expected()}, got a list (a grid holds scalars; nested lists are not grids)"
        if self.types and isinstance(value, dict):
            return f"expected {self._expected()}, got a table"
        if self.types and not any(_is(value, t) for t in self.types):
            return f"expected {self._expected()}, got {_GOT.get(_kind(value), type(value).__name__)}"
        if _kind(value) in (int, float):
            for name, symbol in _BOUNDS.items():
                bound = getattr(self, name)
                if bound is not None and not _compare(value, name, bound):
                    return f"must be {symbol} {bound:g}"
        return None

    def _expected(self) -> str:
        kinds = [_NAMES[t] for t in self.types]
        bounds = [f"{s} {getattr(self, n):g}" for n, s in _BOUNDS.items() if getattr(self, n) is not None]
        text = " or ".join(kinds) or "a value"
        if bounds:
            text += f" {' and '.join(bounds)}"
        if self.choices:
            text = f"one of {self._choices()} or {text}"
        return text

    def _choices(self, value: Any = None) -> str:
        """The choices in TOML spelling, cut after a dozen, and those closest to a string ``value``."""
        text = ", ".join(as_toml(c) for c in self.choices[:_SHOWN])
        if len(self.choices) > _SHOWN:
            text += f", … ({len(self.choices)} in all)"
        if isinstance(value, str):
            close = difflib.get_close_matches(value, [c for c in self.choices if isinstance(c, str)], n=3)
            if close:
                text += f"; did you mean {' or '.join(as_toml(c) for c in close)}?"
        return text


def _compare(value: float, name: str, bound: float) -> bool:
    return {"ge": value >= bound, "gt": value > bound, "le": value <= bound, "lt": value < bound}[name]


def infer_types(grid: list[Any]) -> tuple[type, ...]:
    """The kinds a default grid stands for; empty (any value) when it holds no scalar or a non-scalar."""
    kinds = {_kind(v) for v in grid}
    if not kinds or None in kinds:
        return ()
    if float in kinds:
        kinds.discard(int)
    return tuple(k for k in (bool, int, float, str) if k in kinds)


def spec_of(cls: type, param: str) -> Spec:
    """The spec of ``param`` of the plug-in class ``cls``: its default grid's types, then its
    ``param_constraints`` entry."""
    declared = dict(getattr(cls, "param_constraints", {}).get(param, {}))
    unknown = sorted(set(declared) - {"type", "choices", *_BOUNDS})
    if unknown:
        raise ValueError(f"{cls.__name__}.param_constraints[{param!r}] has unknown key(s) {', '.join(unknown)}; "
                         f"valid keys: type, choices, {', '.join(_BOUNDS)}")
    if "type" in declared:
        given = declared.pop("type")
        types = tuple(given) if isinstance(given, tuple) else (given,)
        if not set(types) <= set(_NAMES):
            raise ValueError(f"{cls.__name__}.param_constraints[{param!r}]: type must be bool, int, float, str "
                             f"or a tuple of them, got {given!r}")
    elif "choices" in declared:
        types = ()
    else:
        types = infer_types(list(cls.params.get(param, [])))
    return Spec(types, tuple(declared.pop("choices", ())), **declared)


def check_value(spec: Spec, value: Any, where: str, key: str) -> None:
    """Raise a ValueError naming ``where`` and ``key`` when ``value`` breaks ``spec``."""
    problem = spec.problem(value)
    if problem:
        raise ValueError(f"{where}: {key} = {as_toml(value)}: {problem}")



def as_toml(value: Any) -> str:
    """``value`` written as in a TOML file, so that a message shows what the user wrote."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(as_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {as_toml(v)}" for k, v in value.items()) + " }"
    return repr(value)
