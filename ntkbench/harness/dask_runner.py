"""Run a suite's cells on a Dask cluster: an existing one, or a local one started for the run.

``ntkbench run SUITE --scheduler tcp://HOST:PORT`` sends every unfinished cell to the workers of a
running ``dask.distributed`` scheduler; ``--scheduler local`` starts a ``LocalCluster`` of ``--jobs``
worker processes (one thread each) for the run. The client (this process) alone writes the result
store, as each cell ends, so a killed client resumes like any run.

Faults, as with the worker pool of :mod:`ntkbench.harness.runner`:

* a cell past the time limit: its row is recorded as ``timeout`` and its worker restarted (the
  workers must run under a nanny, Dask's default, for a restart to end the cell);
* a worker lost mid-cell: the scheduler runs the cell again on another worker, as often as its
  ``distributed.scheduler.allowed-failures`` allows (this module sets 1 for the local cluster:
  one retry; start an external scheduler with ``DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES=1``
  for the same), then the row is recorded as ``error``;
* an exception inside a cell is a row with status ``error``, as everywhere.

Workers need this package installed at the same commit, and the data under the same path
(``NTKBENCH_DATA``); the project root is sent with every cell.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Callable

from ntkbench.harness.execute import execute_cell
from ntkbench.harness.registry import discover, project_root
from ntkbench.harness.rows import make_row
from ntkbench.harness.suite import Cell
from ntkbench.harness.timing import use_exact_allocation
from ntkbench.threads import default_threads

_POLL_SECONDS = 0.5
#: The event topic on which a worker announces that it starts a cell (its time limit starts then).
_STARTED_TOPIC = "ntkbench-cell-started"


class SchedulerError(ValueError):
    """``--scheduler`` cannot be used: dask.distributed is missing, or no scheduler answers."""


def run_on_dask(todo: list[Cell], suite: str, scheduler: str, *, jobs: int, device: str, threads: int | None,
                cache_dir: Path, time_limit: float, memory_limit_mb: float,
                record: Callable[[dict[str, Any]], None]) -> None:
    """Run ``todo`` on the cluster at ``scheduler`` (an address, or ``"local"``) and ``record`` each row.

    Raises
    ------
    SchedulerError
        If ``dask.distributed`` is not installed, or no scheduler answers at ``scheduler``.
    """
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError:
        raise SchedulerError('--scheduler needs dask.distributed: pip install "dask[distributed]"') from None
    cluster = None
    if scheduler == "local":
        with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
            cluster = LocalCluster(n_workers=max(1, jobs), threads_per_worker=1, processes=True,
                                   dashboard_address=None,
                                   memory_limit=f"{memory_limit_mb}MiB" if memory_limit_mb else "auto")
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise SchedulerError(f"no Dask scheduler answers at {scheduler} ({exc}); start one with `dask scheduler` "
                          "and workers with `dask worker ADDRESS`") from None
    try:
        per_host = _workers_per_host(client)
        root = str(project_root())
        futures = {client.submit(_run_cell, cell.to_payload(), root, suite, str(cache_dir), device, threads,
                                 per_host, key=f"ntkbench-cell-{cell.key}-{time.monotonic_ns()}", pure=False): cell
                   for cell in todo}
        started: dict[str, tuple[float, str]] = {}  # key -> (when, worker) of its latest start

        def on_start(event: tuple[float, dict[str, str]]) -> None:
            started[event[1]["key"]] = (time.monotonic(), event[1]["worker"])

        client.subscribe_topic(_STARTED_TOPIC, on_start)
        while futures:
            done = [future for future in futures if future.done()]
            if not done:
                time.sleep(_POLL_SECONDS)
            for future in done:
                cell = futures.pop(future)
                record(_row_of(future, cell, suite, device))
            if time_limit > 0:
                _enforce_time_limit(client, futures, started, time_limit, suite, device, record)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _row_of(future: Any, cell: Cell, suite: str, device: str) -> dict[str, Any]:
    """The row a finished future carries, or an error row for a cell whose workers kept dying."""
    if future.status == "finished":
        return future.result()
    try:
        future.result()
    except Exception as exc:  # KilledWorker, or a worker that could not import the package
        name = type(exc).__name__
        reason = ("its worker died, and again on the retry; likely killed for memory" if name == "KilledWorker"
                  else f"{name}: {exc}")
        return make_row(cell, suite, device, status="error", error=f"worker failure: {reason}")
    return make_row(cell, suite, device, status="error", error=f"the cell ended as {future.status}")


def _enforce_time_limit(client: Any, futures: dict, started: dict[str, tuple[float, str]], time_limit: float,
                        suite: str, device: str, record: Callable[[dict[str, Any]], None]) -> None:
    """Time each cell from when a worker started it (the event it logs); past the limit, record a
    timeout and restart its worker."""
    now = time.monotonic()
    for future, cell in list(futures.items()):
        began, worker = started.get(future.key, (now, ""))
        if now - began > time_limit:
            futures.pop(future)
            future.cancel()
            record(make_row(cell, suite, device, status="timeout",
                            error=f"exceeded the time limit of {time_limit:g} s"))
            _restart(client, worker)


def _restart(client: Any, worker: str) -> None:
    """Replace the worker process at ``worker`` by a fresh one (a running task cannot be interrupted)."""
    try:
        client.restart_workers([worker], raise_for_error=False)
    except KeyError:  # distributed 2026.8 looks the result up under the old address after a restart
        pass


def _workers_per_host(client: Any) -> dict[str, int]:
    """How many workers of the cluster run on each host (they share its cores)."""
    hosts: dict[str, int] = {}
    for info in client.scheduler_info(n_workers=-1)["workers"].values():
        hosts[info["host"]] = hosts.get(info["host"], 0) + 1
    return hosts


def _run_cell(payload: dict[str, Any], root: str, suite: str, cache_dir: str, device: str, threads: int | None,
              per_host: dict[str, int]) -> dict[str, Any]:
    """Run one cell inside a Dask worker and return its row; torch/BLAS threads: ``threads``, else
    the thread rule of :mod:`ntkbench.threads` with the host's cores shared among its workers."""
    import torch
    from distributed import get_worker
    from threadpoolctl import threadpool_limits

    os.environ["NTKBENCH_ROOT"] = root
    use_exact_allocation()
    worker = get_worker()
    worker.log_event(_STARTED_TOPIC, {"key": worker.get_current_task(), "worker": worker.address})
    threads = threads or default_threads(per_host.get(worker.address.split("://")[-1].rsplit(":", 1)[0], 1))
    torch.set_num_threads(threads)
    with threadpool_limits(threads):
        return execute_cell(Cell.from_payload(payload), _registry(root), suite=suite, cache_dir=Path(cache_dir),
                            device=device)


_REGISTRIES: dict[str, Any] = {}


def _registry(root: str) -> Any:
    """The plug-in registry of ``root``, discovered once per worker process."""
    if root not in _REGISTRIES:
        _REGISTRIES[root] = discover(Path(root))
    return _REGISTRIES[root]
