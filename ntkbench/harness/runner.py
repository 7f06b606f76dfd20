"""Run a suite: skip finished cells, run the rest in worker processes, store every row as it ends.

Each cell runs in a worker process (``jobs`` of them), so one cell that crashes, hangs past the
time limit or exceeds the memory limit is recorded and killed without stopping the suite. Only
the parent process writes to the store.
"""

from __future__ import annotations

import multiprocessing as mp
import multiprocessing.connection
import os
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import psutil
from tqdm.auto import tqdm

from ntkbench.harness.execute import execute_cell
from ntkbench.harness.kernel_cache import max_mb_from_environment
from ntkbench.harness.registry import Registry, discover, project_root
from ntkbench.harness.rows import make_row
from ntkbench.harness.store import Store
from ntkbench.harness.suite import Cell, Suite
from ntkbench.harness.timing import use_exact_allocation
from ntkbench.threads import default_threads

_POLL_SECONDS = 0.5
#: Time a new worker may take to start (imports) before its first cell's clock starts.
_STARTUP_SECONDS = 180.0
_STARTED = "started"


@dataclass
class RunOptions:
    """How to run a suite (hardware knobs; none of them enters a cell key).

    Parameters
    ----------
    jobs : int, default=1
        Worker processes. 0 runs cells in this process (for debugging; no time or memory limit).
    force : bool, default=False
        Recompute cells that already have a finished row.
    device : str, default="cpu"
        Torch device handed to every method.
    time_limit, memory_limit_mb : float, optional
        Override the suite's per-cell limits (seconds; MiB, 0 = none).
    progress : bool, default=True
        Show a progress bar.
    threads : int, optional
        Torch/BLAS threads per worker; default: the thread rule of :mod:`ntkbench.threads`
        (``NTKBENCH_THREADS``, else the cores free now) divided among the workers.
    scheduler : str, optional
        Run the cells on a Dask cluster: the address of its scheduler (``tcp://HOST:PORT``), or
        ``"local"`` for a local cluster of ``jobs`` worker processes (:mod:`ntkbench.harness.dask_runner`).
    """

    jobs: int = 1
    force: bool = False
    device: str = "cpu"
    time_limit: float | None = None
    memory_limit_mb: float | None = None
    progress: bool = True
    threads: int | None = None
    scheduler: str | None = None


#: Statuses of cells that failed (a skip, e.g. for missing data, is not a failure).
FAILED = ("error", "timeout")


@dataclass
class RunSummary:
    """What a run did: cells skipped as finished, and the rows it wrote."""

    total: int
    cached: int
    rows: list[dict[str, Any]] = field(default_factory=list)

    def counts(self) -> Counter:
        return Counter(row["status"] for row in self.rows)

    @property
    def failed(self) -> list[dict[str, Any]]:
        """Rows of cells that raised, crashed or ran out of time or memory."""
        return [row for row in self.rows if row["status"] in FAILED]

    @property
    def skipped(self) -> list[dict[str, Any]]:
        """Rows of cells skipped with a reason (missing data or dependency, unsuitable input)."""
        return [row for row in self.rows if row["status"] == "skipped"]


def pending_cells(suite: Suite, finished: set[str], force: bool = False) -> list[Cell]:
    """The cells of ``suite`` a run computes: those without a finished row, or all with ``force``."""
    return list(suite.cells) if force else [cell for cell in suite.cells if cell.key not in finished]


def run_suite(suite: Suite, store: Store, options: RunOptions | None = None,
              registry: Registry | None = None) -> RunSummary:
    """Run every unfinished cell of ``suite`` and write its row to ``store``."""
    options = options or RunOptions()
    todo = pending_cells(suite, store.finished_keys(), options.force)
    summary = RunSummary(total=len(suite.cells), cached=len(suite.cells) - len(todo))
    if not todo:
        return summary
    cache_dir = store.path.parent / "kernel_cache"
    max_mb_from_environment()  # a bad $NTKBENCH_KERNEL_CACHE_MB stops the run once, not every cell
    time_limit = options.time_limit if options.time_limit is not None else suite.limits.time_limit
    memory_limit = options.memory_limit_mb if options.memory_limit_mb is not None else suite.limits.memory_limit_mb
    bar = tqdm(total=len(todo), desc=f"suite {suite.name}", unit="cell", disable=not options.progress,
               dynamic_ncols=True)

    def record(row: dict[str, Any]) -> None:
        store.put(row)
        summary.rows.append(row)
        bar.update(1)
        bar.set_postfix(dict(summary.counts()), refresh=False)

    try:
        if options.scheduler:
            from ntkbench.harness.dask_runner import run_on_dask

            run_on_dask(todo, suite.name, options.scheduler, jobs=options.jobs, device=options.device,
                        threads=options.threads, cache_dir=cache_dir, time_limit=time_limit,
                        memory_limit_mb=memory_limit, record=record)
        elif options.jobs <= 0:
            registry = registry or discover()
            for cell in todo:
                record(execute_cell(cell, registry, suite=suite.name, cache_dir=cache_dir, device=options.device))
        else:
            _run_in_workers(todo, suite.name, options, cache_dir, time_limit, memory_limit, record)
    finally:
        bar.close()
    return summary


class _Worker:
    """A worker process with a pipe; it runs one cell at a time."""

    def __init__(self, ctx: Any, suite: str, cache_dir: Path, device: str, threads: int) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, daemon=True,
                                   args=(child, str(project_root()), suite, str(cache_dir), device, threads))
        self.process.start()
        child.close()
        self.cell: Cell | None = None
        self.running = False
        self.deadline = 0.0

    def assign(self, cell: Cell) -> None:
        """Send ``cell``; its time limit starts when the worker reports it has started it."""
        self.cell = cell
        self.running = False
        self.deadline = time.monotonic() + _STARTUP_SECONDS
        self.conn.send(cell.to_payload())

    def started(self, time_limit: float) -> None:
        self.running = True
        self.deadline = time.monotonic() + time_limit if time_limit > 0 else float("inf")

    def rss_mib(self) -> float:
        try:
            proc = psutil.Process(self.process.pid)
            return sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)]) / 2**20
        except psutil.Error:
            return 0.0

    def kill(self) -> None:
        self.process.kill()
        self.process.join(timeout=10)
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.kill()


def _run_in_workers(todo: list[Cell], suite: str, options: RunOptions, cache_dir: Path, time_limit: float,
                    memory_limit: float, record: Callable[[dict[str, Any]], None]) -> None:
    ctx = mp.get_context("spawn")  # fork is unsafe with torch and BLAS thread pools
    jobs = min(options.jobs, len(todo))
    threads = options.threads or default_threads(jobs)

    def start() -> _Worker:
        return _Worker(ctx, suite, cache_dir, options.device, threads)

    workers = [start() for _ in range(jobs)]
    pending = deque(todo)
    try:
        while pending or any(w.cell is not None for w in workers):
            for w in workers:
                if w.cell is None and pending:
                    w.assign(pending.popleft())
            busy = [w for w in workers if w.cell is not None]
            ready = mp.connection.wait([w.conn for w in busy], timeout=_POLL_SECONDS)
            for i, w in enumerate(workers):
                if w.cell is None:
                    continue
                failure = None
                if w.conn in ready:
                    try:
                        message = w.conn.recv()
                        if message == _STARTED:
                            w.started(time_limit)
                        else:
                            record(message)
                            w.cell = None
                        continue
                    except (EOFError, OSError):
                        failure = ("error", f"worker process died (exit code {w.process.exitcode}); "
                                            "likely killed by the operating system for memory")
                elif time.monotonic() > w.deadline:
                    failure = (("timeout", f"exceeded the time limit of {time_limit:g} s") if w.running else
                               ("error", f"the worker process did not start within {_STARTUP_SECONDS:g} s"))
                elif memory_limit and w.rss_mib() > memory_limit:
                    failure = ("error", f"exceeded the memory limit of {memory_limit:g} MiB")
                if failure:
                    status, message = failure
                    record(make_row(w.cell, suite, options.device, status=status, error=message))
                    w.kill()
                    workers[i] = start()
    finally:
        for w in workers:
            w.stop()


def _worker_main(conn: Any, root: str, suite: str, cache_dir: str, device: str, threads: int) -> None:
    """Loop of a worker process: receive a cell, run it, send its row; stop on None or a closed pipe."""
    os.environ["NTKBENCH_ROOT"] = root
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(threads)
    threadpool_limits(threads)
    use_exact_allocation()
    registry = discover(Path(root))
    while True:
        try:
            payload = conn.recv()
        except (EOFError, OSError):
            return
        if payload is None:
            return
        conn.send(_STARTED)
        row = execute_cell(Cell.from_payload(payload), registry, suite=suite, cache_dir=Path(cache_dir), device=device)
        try:
            conn.send(row)
        except (BrokenPipeError, OSError):
            return
