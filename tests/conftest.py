"""Shared fixtures: the real-data home and seeded random inputs."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest


@pytest.fixture(scope="session")
def data_home() -> Path:
    """The real-data home ($NTKBENCH_DATA); tests that need it skip, with the reason, when absent."""
    value = os.environ.get("NTKBENCH_DATA")
    if not value:
        pytest.skip("NTKBENCH_DATA is not set (point it at ../shared/data to run real-data tests)")
    path = Path(value)
    if not path.is_dir():
        pytest.skip(f"NTKBENCH_DATA={value} is not a directory")
    return path


@pytest.fixture
def rng() -> np.random.Generator:
    """A fixed-seed generator, so a failing test fails the same way every time."""
    return np.random.default_rng(12345)
