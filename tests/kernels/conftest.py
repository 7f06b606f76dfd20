"""Kernel tests run torch single-threaded: the matrices are small, and on a shared 2-core machine
OpenMP threads that wait on each other make small ops many times slower."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True)
def _single_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
