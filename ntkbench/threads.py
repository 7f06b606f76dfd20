"""The thread rule: how many threads ntkbench's heavy work uses, and the helpers that apply it.

On a shared machine, torch's default of one thread per core collapses when another process is
busy: every small parallel region waits at a barrier for the thread that was descheduled (measured:
CNTKSketch 3-5x slower at 2 threads than at 1 with one busy process on 2 cores). So:

* torch's own (intra-op) threads, for feature maps built from large torch operations, follow
  :func:`default_threads`, run through :func:`torch_threads`: ``NTKBENCH_THREADS`` when set to
  a positive integer, otherwise the cores that are free right now: the CPUs this process may run
  on (``os.sched_getaffinity``) minus the tasks of other processes that are running (the
  ``running`` count of ``/proc/loadavg``, minimum of a few samples, less this process's own
  running threads), never more than ``torch.get_num_threads()`` and never fewer than 1. The
  harness divides the same count among its workers.
* block-parallel work (the exact kernels, :func:`parallel_map`, :func:`blockwise`) has no
  barriers: a descheduled worker delays only its own block, so it uses :func:`block_threads`,
  ``NTKBENCH_THREADS`` or every core it may run on (capped by ``torch.get_num_threads()``, so a
  harness worker's share holds), each worker with one torch thread (measured: with one busy
  process on 2 cores, 2 workers ran the CNTK 1.7x faster than 1).
"""

from __future__ import annotations

import functools
import os
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator, TypeVar

import torch

ENV = "NTKBENCH_THREADS"
_SAMPLES = 3
_SAMPLE_GAP_S = 0.001
_CACHE_S = 0.5
_cache: tuple[float, int] | None = None

T = TypeVar("T")
R = TypeVar("R")


def available_cores() -> int:
    """CPUs this process may run on (its affinity mask; ``os.cpu_count()`` where there is none)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _own_running_threads() -> int:
    """Threads of this process in the running state (they appear in the /proc/loadavg count)."""
    count = 0
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return 1
    for tid in tasks:
        try:
            with open(f"/proc/self/task/{tid}/stat", "rb") as fh:
                state = fh.read().rsplit(b")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        count += state == b"R"
    return max(1, count)


def busy_elsewhere() -> int | None:
    """Running tasks of other processes now (minimum over a few samples, so that short-lived tasks
    do not count), or None where /proc/loadavg cannot be read."""
    counts = []
    for i in range(_SAMPLES):
        if i:
            time.sleep(_SAMPLE_GAP_S)
        try:
            with open("/proc/loadavg") as fh:
                running = int(fh.read().split()[3].split("/")[0])
        except (OSError, ValueError, IndexError):
            return None
        counts.append(max(0, running - _own_running_threads()))
    return min(counts)


def free_cores() -> int:
    """Cores of this process's affinity not taken by other running processes (at least 1)."""
    global _cache
    now = time.monotonic()
    if _cache is not None and now - _cache[0] < _CACHE_S:
        return _cache[1]
    cores = available_cores()
    busy = busy_elsewhere()
    free = cores if busy is None else max(1, cores - busy)
    _cache = (now, free)
    return free


def env_threads() -> int | None:
    """The ``NTKBENCH_THREADS`` setting, or None when it is unset, empty or ``auto``.

    Raises
    ------
    ValueError
        If it is set to anything but a positive integer or ``auto``.
    """
    raw = os.environ.get(ENV, "").strip()
    if raw in ("", "auto"):
        return None
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"{ENV} must be a positive integer or 'auto', got {raw!r}")
    return value


def default_threads(jobs: int = 1) -> int:
    """Threads per job under the thread rule of this module (``jobs`` share the free cores).

    Parameters
    ----------
    jobs : int, default=1
        Processes that will run at the same time and share the cores.

    Returns
    -------
    int
        ``NTKBENCH_THREADS`` if set, else the free cores (capped by ``torch.get_num_threads()``)
        divided among ``jobs``; at least 1.
    """
    fixed = env_threads()
    if fixed is not None:
        return fixed
    return max(1, min(free_cores(), torch.get_num_threads()) // max(1, int(jobs)))


def block_threads() -> int:
    """Workers for block-parallel work: ``NTKBENCH_THREADS`` if set, else the cores of this
    process's affinity mask, capped by ``torch.get_num_threads()``; at least 1."""
    fixed = env_threads()
    if fixed is not None:
        return fixed
    return max(1, min(available_cores(), torch.get_num_threads()))


@contextmanager
def torch_threads(threads: int | None = None) -> Iterator[int]:
    """Run the body with ``torch.set_num_threads(threads)`` (default: :func:`default_threads`),
    and restore the previous count afterwards. The setting is process-wide, as torch's is."""
    n = default_threads() if threads is None else max(1, int(threads))
    previous = torch.get_num_threads()
    if n != previous:
        torch.set_num_threads(n)
    try:
        yield n
    finally:
        if n != previous:
            torch.set_num_threads(previous)


def parallel_map(fn: Callable[[T], R], items: Iterable[T], threads: int | None = None) -> list[R]:
    """``[fn(item) for item in items]``, computed by ``threads`` workers (default:
    :func:`block_threads`) that each take the next item when done, with one torch thread each.

    Torch releases the GIL in its operations, so blocks of tensor work run in parallel; without
    barriers between blocks a descheduled worker delays only its own block.
    """
    todo = list(items)
    n = block_threads() if threads is None else max(1, int(threads))
    n = min(n, len(todo))
    if n <= 1:
        with torch_threads(1):
            return [fn(item) for item in todo]
    with torch_threads(1), ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(fn, todo))


def blockwise(fn: Callable[..., R]) -> Callable[..., R]:
    """Decorator of block-parallel functions with a ``threads`` keyword: resolve it by the rule
    (None: :func:`block_threads`) and run the whole function with one torch thread, so that its
    only parallelism is the blocks of :func:`parallel_map` (small setup operations with several
    torch threads stall for many milliseconds on a loaded machine)."""
    @functools.wraps(fn)
    def wrapper(*args, threads: int | None = None, **kwargs):
        n = block_threads() if threads is None else max(1, int(threads))
        with torch_threads(1):
            return fn(*args, threads=n, **kwargs)
    return wrapper

