"""Suites on Dask: a local cluster, and a real scheduler with two workers on loopback, one of them
killed mid-run; the rows equal those of a serial run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from ntkbench.harness.dask_runner import SchedulerError
from ntkbench.harness.registry import discover
from ntkbench.harness.runner import RunOptions, run_suite
from ntkbench.harness.store import Store
from ntkbench.harness.suite import load_suite

pytest.importorskip("distributed")

SUITE = """
[suite]
seeds = [0, 1]
n_eval = 20
[[datasets]]
name = "toy"
[[datasets]]
name = "toy"
params = { task = "classification" }
[[methods]]
name = "linear"
params = { sleep = SLEEP, scale = [1.0, 3.0] }
"""

HANG = """
[suite]
seeds = [0]
time_limit = 5
[[datasets]]
name = "toy"
[[methods]]
name = "hang"
[[methods]]
name = "linear"
"""


def _rows(toy_root, path, store_path, **options):
    registry = discover(toy_root, entry_points=False)
    with Store(store_path) as store:
        summary = run_suite(load_suite(path, registry), store, RunOptions(progress=False, **options),
                            registry=registry)
        return summary, {row["key"]: row for row in store.rows()}


def _same_results(a: dict, b: dict) -> None:
    assert set(a) == set(b)
    for key, row in a.items():
        assert row["status"] == b[key]["status"] == "ok"
        for metric in ("test_accuracy", "test_rmse", "rel_frobenius", "ridge_relative"):
            if metric in row["metrics"]:
                assert b[key]["metrics"][metric] == pytest.approx(row["metrics"][metric], rel=1e-9)


def test_a_local_cluster_gives_the_serial_rows(toy_root, write_suite, tmp_path):
    path = write_suite("s", SUITE.replace("SLEEP", "0.0"))
    _, serial = _rows(toy_root, path, tmp_path / "a.sqlite", jobs=0)
    summary, on_dask = _rows(toy_root, path, tmp_path / "b.sqlite", jobs=2, scheduler="local")
    assert summary.counts() == {"ok": 8}
    _same_results(serial, on_dask)


def test_a_hanging_cell_times_out_and_the_suite_finishes(toy_root, write_suite, tmp_path):
    summary, rows = _rows(toy_root, write_suite("h", HANG), tmp_path / "h.sqlite", jobs=1, scheduler="local")
    status = {row["method"]: (row["status"], row["error"]) for row in rows.values()}
    assert status["hang"][0] == "timeout" and "time limit of 5 s" in status["hang"][1]
    assert status["linear"][0] == "ok"


def _spawn(args, env, log):
    return subprocess.Popen([sys.executable, "-m", "dask", *args], env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def _wait_for(path, seconds=120):
    deadline = time.monotonic() + seconds
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} did not appear within {seconds} s")
        time.sleep(0.2)


def test_a_real_cluster_survives_a_killed_worker(toy_root, write_suite, tmp_path):
    env = {**os.environ, "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1", "OMP_NUM_THREADS": "1"}
    scheduler_file = tmp_path / "scheduler.json"
    log = open(tmp_path / "dask.log", "w")
    procs = [_spawn(["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                     "--scheduler-file", str(scheduler_file)], env, log)]
    try:
        _wait_for(scheduler_file)
        import json

        address = json.loads(scheduler_file.read_text())["address"]
        procs += [_spawn(["worker", address, "--nthreads", "1", "--no-dashboard", "--name", f"w{i}"], env, log)
                  for i in range(2)]
        from distributed import Client

        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        path = write_suite("s", SUITE.replace("SLEEP", "1.5"))
        _, serial = _rows(toy_root, path, tmp_path / "a.sqlite", jobs=0)
        victim = procs[1]
        killer = threading.Timer(4.0, lambda: os.killpg(victim.pid, signal.SIGKILL))
        killer.start()
        summary, on_dask = _rows(toy_root, path, tmp_path / "b.sqlite", scheduler=address)
        killer.join()
        assert victim.poll() is not None  # the worker really died during the run
        assert summary.counts() == {"ok": 8}
        _same_results(serial, on_dask)
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        log.close()


def test_no_scheduler_is_a_clear_error(toy_root, write_suite, tmp_path):
    path = write_suite("s", SUITE.replace("SLEEP", "0.0"))
    with pytest.raises(SchedulerError, match="no Dask scheduler answers at tcp://127.0.0.1:9"):
        _rows(toy_root, path, tmp_path / "a.sqlite", scheduler="tcp://127.0.0.1:9")
