"""Honest timing and memory: device-synchronised wall time and peak memory per phase."""

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
    """Collects wall time and peak memory per named phase.

    The memory of a phase is the peak resident set size of the process during the phase minus the
    resident size when the phase started (free heap memory released first): what the phase itself
    allocated at its peak, whatever the process held before. On a CUDA device the same is recorded
    for the device's allocated memory (``gpu_memory``). Work done outside the phases (the harness's
    kernel-quality measurements) is in neither.

    Examples
    --------
    >>> timer = PhaseTimer("cpu")
    >>> with timer("fit"):
    ...     pass
    >>> sorted(timer.times), sorted(timer.memory)
    (['fit'], ['fit'])
    """

    def __init__(self, device: str = "cpu") -> None:
        self.device = device
        self.times: dict[str, float] = {}
        self.memory: dict[str, float] = {}
        self.gpu_memory: dict[str, float] = {}

    @contextmanager
    def __call__(self, phase: str) -> Iterator[None]:
        synchronize(self.device)
        gpu_before = _reset_gpu_peak(self.device)
        rss_before = reset_peak_memory()
        start = time.perf_counter()
        try:
            yield
        finally:
            synchronize(self.device)
            self.times[phase] = self.times.get(phase, 0.0) + time.perf_counter() - start
            used = max(peak_memory_mib() - rss_before, 0.0)
            self.memory[phase] = max(self.memory.get(phase, 0.0), used)
            if gpu_before is not None:
                gpu_used = max(_gpu_peak(self.device) - gpu_before, 0.0)
                self.gpu_memory[phase] = max(self.gpu_memory.get(phase, 0.0), gpu_used)


def _reset_gpu_peak(device: str) -> float | None:
    """Reset the CUDA peak-memory counter; the allocated MiB now (None off CUDA)."""
    if not device.startswith("cuda"):
        return None
    import torch

    torch.cuda.reset_peak_memory_stats(torch.device(device))
    return torch.cuda.memory_allocated(torch.device(device)) / 2**20


def _gpu_peak(device: str) -> float:
    import torch

    return torch.cuda.max_memory_allocated(torch.device(device)) / 2**20


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
