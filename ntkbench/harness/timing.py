"""Honest timing and memory: device-synchronised wall time per phase, per-cell peak memory."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import resource
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")
_M_MMAP_THRESHOLD = -3


def synchronize(device: str) -> None:
    """Wait for queued GPU work, so that the clock measures it (no-op on CPU)."""
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize(torch.device(device))


class PhaseTimer:
    """Collects wall time per named phase.

    Examples
    --------
    >>> timer = PhaseTimer("cpu")
    >>> with timer("fit"):
    ...     pass
    >>> sorted(timer.times)
    ['fit']
    """

    def __init__(self, device: str = "cpu") -> None:
        self.device = device
        self.times: dict[str, float] = {}

    @contextmanager
    def __call__(self, phase: str) -> Iterator[None]:
        synchronize(self.device)
        start = time.perf_counter()
        try:
            yield
        finally:
            synchronize(self.device)
            self.times[phase] = self.times.get(phase, 0.0) + time.perf_counter() - start


@functools.lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim  # glibc only
        return libc
    except (OSError, AttributeError):
        return None


def use_exact_allocation() -> None:
    """Make freed large blocks go back to the operating system at once (glibc), so that resident
    memory tracks live arrays and per-cell peaks are not hidden by memory kept from earlier cells.

    glibc raises its mmap threshold dynamically after large frees, after which big arrays come from
    the heap and their memory stays resident; fixing the threshold at 1 MiB switches that off.
    """
    libc = _libc()
    if libc is not None:
        libc.mallopt(_M_MMAP_THRESHOLD, 1 << 20)


def reset_peak_memory() -> float:
    """Release free heap memory, reset the peak resident set size (Linux), return the RSS in MiB."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
    try:
        _CLEAR_REFS.write_text("5")
    except OSError:
        pass
    return _status_mib("VmRSS")


def peak_memory_mib() -> float:
    """Peak resident set size since the last :func:`reset_peak_memory` (Linux), else since start."""
    value = _status_mib("VmHWM")
    if value > 0:
        return value
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _status_mib(field: str) -> float:
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith(field + ":"):
                return float(line.split()[1]) / 1024.0
    except OSError:
        pass
    return 0.0
