"""Packaging: the package's own dependencies stay loose; exact pins live only in the constraints file."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def _all_dependencies() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project.get("optional-dependencies", {})
    return [*project["dependencies"], *(dep for group in extras.values() for dep in group)]


def test_pyproject_pins_no_dependency_exactly():
    # an exact pin (e.g. torch==x) would make `pip install ntkbench` replace a user's CUDA torch
    pinned = [dep for dep in _all_dependencies()
              if any(spec.operator in ("==", "===") for spec in Requirement(dep).specifier)]
    assert not pinned, f"pin these in requirements/constraints.txt instead: {pinned}"


def test_every_makefile_install_applies_the_constraints():
    constraints = (ROOT / "requirements" / "constraints.txt").read_text()
    assert re.search(r"^torch==\S+", constraints, flags=re.M), "constraints.txt must pin torch"
    installs = [line for line in (ROOT / "Makefile").read_text().splitlines() if "pip install" in line]
    assert installs and all("-c requirements/constraints.txt" in line for line in installs)
