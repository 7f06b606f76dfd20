"""The exact-kernel cache: concurrent writers, code fingerprints in the key, a size bound with
least-recently-used eviction, and `ntkbench cache list | clear`."""

from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

import numpy as np
import pytest

from ntkbench.cli import main
from ntkbench.contracts import TargetKernel
from ntkbench.harness import kernel_cache
from ntkbench.harness.kernel_cache import ExactKernelCache


def _target(name: str = "linear") -> TargetKernel:
    return TargetKernel(name, lambda A, B: A @ B.T)


def _fill(cache: ExactKernelCache, count: int, ages_s: list[float]) -> list[Path]:
    """Cache ``count`` 20×20 float64 matrices (3200 bytes of data each), last used ``ages_s`` ago."""
    paths = []
    for i, age in zip(range(count), ages_s):
        X = np.full((20, 2), float(i))
        cache.gram(_target(), X)
        path = cache.directory / f"{cache.key(_target(), X)}.npy"
        os.utime(path, (time.time() - age, time.time() - age))
        paths.append(path)
    return paths


def test_two_processes_writing_the_same_keys_at_once_never_fail(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    import _cache_writers

    rounds = 60
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    workers = [context.Process(target=_cache_writers.write_rounds, args=(str(tmp_path), barrier, rounds))
               for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=240)
    assert [w.exitcode for w in workers] == [0, 0]
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".npy"] * rounds  # no temporary file left
    cache = ExactKernelCache(tmp_path)
    for round_ in range(rounds):
        X = _cache_writers.points(round_)
        stored = np.load(tmp_path / f"{cache.key(_target(), X)}.npy")
        np.testing.assert_array_equal(stored, X @ X.T)


def test_a_failed_write_leaves_no_file(tmp_path, monkeypatch):
    def broken_save(file, array):
        with open(file, "wb") if isinstance(file, (str, os.PathLike)) else file as handle:
            handle.write(b"half a matrix")
        raise OSError("disk full")

    monkeypatch.setattr(kernel_cache.np, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        ExactKernelCache(tmp_path).gram(_target(), np.ones((4, 2)))
    assert list(tmp_path.iterdir()) == []


def test_a_damaged_file_is_recomputed_and_rewritten(tmp_path):
    X = np.ones((5, 2))
    path = tmp_path / f"{ExactKernelCache.key(_target(), X)}.npy"
    path.write_bytes(b"\x93NUMPY garbage")
    np.testing.assert_array_equal(ExactKernelCache(tmp_path).gram(_target(), X), X @ X.T)
    np.testing.assert_array_equal(np.load(path), X @ X.T)


def test_the_code_fingerprint_is_part_of_the_key(tmp_path):
    X = np.ones((5, 2))
    keys = {ExactKernelCache.key(_target(), X, code) for code in ("", '{"linear": "abc"}', '{"linear": "abd"}')}
    assert len(keys) == 3
    assert ExactKernelCache.key(_target(), X, "v1") == ExactKernelCache.key(_target(), X, "v1")
    calls = []
    target = TargetKernel("linear", lambda A, B: calls.append(1) or A @ B.T)
    ExactKernelCache(tmp_path).gram(target, X, code="v1")
    ExactKernelCache(tmp_path).gram(target, X, code="v1")
    assert len(calls) == 1  # read back from disk by a new cache object
    ExactKernelCache(tmp_path).gram(target, X, code="v2")
    assert len(calls) == 2  # changed code: recomputed


def test_over_the_bound_the_least_recently_used_matrices_go(tmp_path):
    size = 3200 + 128  # data + .npy header
    cache = ExactKernelCache(tmp_path, max_mb=3.5 * size / 2**20)
    a, b, c = _fill(cache, 3, [300, 200, 100])
    ExactKernelCache(tmp_path).gram(_target(), np.full((20, 2), 0.0))  # a hit makes `a` the newest use
    assert os.stat(a).st_mtime > time.time() - 60
    fourth = np.full((20, 2), 9.0)
    cache.gram(_target(), fourth)  # does not fit: `b`, now the least recently used, goes
    assert {p.name for p in tmp_path.iterdir()} == {a.name, c.name, f"{cache.key(_target(), fourth)}.npy"}


def test_the_bound_comes_from_the_environment_or_the_constructor(tmp_path, monkeypatch):
    monkeypatch.delenv("NTKBENCH_KERNEL_CACHE_MB", raising=False)
    assert ExactKernelCache(tmp_path).max_bytes == 4096 * 2**20
    monkeypatch.setenv("NTKBENCH_KERNEL_CACHE_MB", "1.5")
    assert ExactKernelCache(tmp_path).max_bytes == int(1.5 * 2**20)
    assert ExactKernelCache(tmp_path, max_mb=2).max_bytes == 2 * 2**20
    monkeypatch.setenv("NTKBENCH_KERNEL_CACHE_MB", "lots")
    with pytest.raises(ValueError, match="NTKBENCH_KERNEL_CACHE_MB must be a size in MiB"):
        ExactKernelCache(tmp_path)


def test_cache_list_and_clear_commands(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("NTKBENCH_KERNEL_CACHE_MB", raising=False)
    store = tmp_path / "results" / "r.sqlite"
    folder = store.parent / "kernel_cache"
    old, recent = _fill(ExactKernelCache(folder), 2, [10 * 86400, 60])
    stale = folder / "abc.123.npy.tmp"
    stale.write_bytes(b"killed mid-write")
    os.utime(stale, (time.time() - 2 * 86400,) * 2)

    assert main(["cache", "list", "--store", str(store)]) == 0
    out = capsys.readouterr().out
    assert old.name in out and recent.name in out and "3,328" in out
    assert "2 files, 6.5 KiB of the 4 GiB bound" in out

    assert main(["cache", "clear", "--older-than", "5", "--store", str(store)]) == 0
    assert "removed 1 file (3.25 KiB)" in capsys.readouterr().out
    assert sorted(p.name for p in folder.iterdir()) == [recent.name]
    assert main(["cache", "clear", "--store", str(store)]) == 0
    assert list(folder.iterdir()) == []

    assert main(["cache", "list", "--store", str(tmp_path / "elsewhere" / "r.sqlite")]) == 0
    assert "no cached kernel matrices" in capsys.readouterr().out


def test_clear_refuses_a_negative_age(tmp_path):
    with pytest.raises(ValueError, match="older_than_days must be a number of days >= 0"):
        ExactKernelCache(tmp_path).clear(-1)


def test_a_bad_size_bound_stops_a_run_before_any_cell(toy_root, write_suite, tmp_path, monkeypatch):
    from ntkbench.harness.registry import discover
    from ntkbench.harness.runner import RunOptions, run_suite
    from ntkbench.harness.store import Store
    from ntkbench.harness.suite import load_suite

    monkeypatch.setenv("NTKBENCH_KERNEL_CACHE_MB", "lots")
    suite = load_suite(write_suite("s", '[[datasets]]\nname = "toy"\n[[methods]]\nname = "linear"\n'),
                       discover(toy_root, entry_points=False))
    with Store(tmp_path / "r.sqlite") as store, pytest.raises(ValueError, match="NTKBENCH_KERNEL_CACHE_MB"):
        run_suite(suite, store, RunOptions(jobs=0, progress=False))
    with Store(tmp_path / "r.sqlite") as store:
        assert store.rows() == []
