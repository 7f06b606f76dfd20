"""The thread rule: NTKBENCH_THREADS, else the free cores; helpers that apply it and restore torch."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

from ntkbench import threads
from ntkbench.features import NTKRandomFeatures, NTKSketch


@pytest.fixture(autouse=True)
def _fresh_rule(monkeypatch):
    monkeypatch.delenv(threads.ENV, raising=False)
    monkeypatch.setattr(threads, "_cache", None)
    before = torch.get_num_threads()
    torch.set_num_threads(4)
    yield
    torch.set_num_threads(before)


def test_setting_wins_and_bad_settings_are_one_clear_error(monkeypatch):
    monkeypatch.setenv(threads.ENV, "3")
    assert threads.default_threads() == 3
    monkeypatch.setenv(threads.ENV, "auto")
    monkeypatch.setattr(threads, "busy_elsewhere", lambda: 0)
    monkeypatch.setattr(threads, "available_cores", lambda: 2)
    assert threads.default_threads() == 2
    for bad in ("0", "-1", "two"):
        monkeypatch.setenv(threads.ENV, bad)
        with pytest.raises(ValueError, match="NTKBENCH_THREADS must be a positive integer or 'auto'"):
            threads.default_threads()


@pytest.mark.parametrize("cores, busy, jobs, torch_threads, expected", [
    (2, 0, 1, 4, 2),       # quiet: every core
    (2, 1, 1, 4, 1),       # one busy process on two cores: one thread
    (2, 5, 1, 4, 1),       # never fewer than one
    (8, 2, 2, 16, 3),      # six free cores shared by two jobs
    (8, 0, 1, 3, 3),       # never more than torch's own setting
    (2, None, 1, 4, 2),    # no /proc: the affinity mask
])
def test_free_cores_divided_among_jobs(monkeypatch, cores, busy, jobs, torch_threads, expected):
    monkeypatch.setattr(threads, "available_cores", lambda: cores)
    monkeypatch.setattr(threads, "busy_elsewhere", lambda: busy)
    torch.set_num_threads(torch_threads)
    assert threads.default_threads(jobs) == expected


def test_free_cores_read_from_proc_stay_within_the_affinity_mask():
    assert threads._own_running_threads() >= 1          # this thread is running
    busy = threads.busy_elsewhere()
    assert busy is None or busy >= 0
    assert 1 <= threads.free_cores() <= threads.available_cores()


def test_torch_threads_sets_and_restores():
    with threads.torch_threads(2) as n:
        assert n == 2 and torch.get_num_threads() == 2
    assert torch.get_num_threads() == 4
    with pytest.raises(RuntimeError):
        with threads.torch_threads(1):
            raise RuntimeError("boom")
    assert torch.get_num_threads() == 4


def test_parallel_map_keeps_order_uses_workers_and_one_torch_thread_each():
    seen = set()

    def work(i):
        seen.add((threading.get_ident(), torch.get_num_threads()))
        return i * i

    assert threads.parallel_map(work, range(20), threads=3) == [i * i for i in range(20)]
    assert {n for _, n in seen} == {1}
    assert torch.get_num_threads() == 4
    assert threads.parallel_map(work, [], threads=2) == []


def test_block_parallel_work_uses_every_core_without_barriers(monkeypatch):
    monkeypatch.setattr(threads, "available_cores", lambda: 2)
    monkeypatch.setattr(threads, "busy_elsewhere", lambda: 1)       # one busy process
    assert threads.default_threads() == 1                             # torch's own threads: the free core
    assert threads.block_threads() == 2                               # blocks: both cores
    torch.set_num_threads(1)                                          # e.g. a harness worker's share
    assert threads.block_threads() == 1
    monkeypatch.setenv(threads.ENV, "3")
    assert threads.block_threads() == 3


def test_blockwise_resolves_threads_and_runs_at_one_torch_thread(monkeypatch):
    monkeypatch.setattr(threads, "available_cores", lambda: 3)

    @threads.blockwise
    def work(*, threads: int):
        return threads, torch.get_num_threads()

    assert work() == (3, 1)
    assert work(threads=2) == (2, 1)
    assert torch.get_num_threads() == 4


@pytest.mark.parametrize("estimator", [NTKSketch, NTKRandomFeatures])
def test_feature_maps_transform_under_the_thread_rule(monkeypatch, estimator):
    monkeypatch.setenv("NTKBENCH_THREADS", "1")
    X = np.random.default_rng(0).standard_normal((8, 5))
    est = estimator(n_components=64, random_state=0).fit(X)
    inner, seen = est.map_, []

    def spy(*args, **kwargs):
        seen.append(torch.get_num_threads())
        return inner(*args, **kwargs)

    before = torch.get_num_threads()
    with torch.no_grad():
        torch.set_num_threads(2)
        est.map_ = spy
        est.transform(X)
        assert seen == [1] and torch.get_num_threads() == 2  # applied inside, restored after
        torch.set_num_threads(before)
