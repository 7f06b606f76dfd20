"""Helpers for the dataset tests: load adapters from the plug-in folder, isolate the data home."""

from __future__ import annotations

import importlib.util
import inspect
import sys
from pathlib import Path

import pytest

from ntkbench.contracts import Dataset

DATASETS_DIR = Path(__file__).resolve().parents[2] / "datasets"


def load_adapters() -> dict[str, type[Dataset]]:
    """Every Dataset subclass with a ``name`` in ``datasets/*.py``, keyed by name."""
    found: dict[str, type[Dataset]] = {}
    for path in sorted(DATASETS_DIR.glob("*.py")):
        module_name = f"_ntkbench_test_datasets_{path.stem}"
        module = sys.modules.get(module_name)
        if module is None:
            spec = importlib.util.spec_from_file_location(module_name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[module_name] = module
            spec.loader.exec_module(module)
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, Dataset) and "name" in obj.__dict__ and obj.__module__ == module_name:
                found[obj.name] = obj
    return found


@pytest.fixture(scope="session")
def adapters() -> dict[str, type[Dataset]]:
    """Adapter classes by dataset name."""
    return load_adapters()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty, private data home and cache (fixture files go here)."""
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("NTKBENCH_DATA", str(data))
    monkeypatch.setenv("NTKBENCH_CACHE", str(tmp_path / "cache"))
    return data


@pytest.fixture
def real_home(data_home: Path, tmp_path_factory: pytest.TempPathFactory,
              monkeypatch: pytest.MonkeyPatch) -> Path:
    """The real shared data home with a per-session writable cache."""
    monkeypatch.setenv("NTKBENCH_DATA", str(data_home))
    cache = tmp_path_factory.getbasetemp() / "ntkbench-cache"
    monkeypatch.setenv("NTKBENCH_CACHE", str(cache))
    return data_home
