"""Bring-your-own files (CSV/TSV, svmlight, npz), the parse-once cache and data-home lookup."""

from __future__ import annotations

import os

import numpy as np
import pytest

from ntkbench.data import DataMissingError, MalformedDataError, cache, home as homes


def test_csv_named_target_header_and_test_file(home, adapters, tmp_path):
    (tmp_path / "train.csv").write_text("x1,label,x2\n1,a,2\n2,b,3\n3,a,4\n4,b,5\n")
    (tmp_path / "test.csv").write_text("x1,label,x2\n5,b,6\n6,a,7\n")
    s = adapters["csv"]().load(seed=0, path=str(tmp_path / "train.csv"), test_path=str(tmp_path / "test.csv"),
                               target="label", transform="none")
    assert s.task == "classification" and s.metadata["classes"] == ["a", "b"]
    np.testing.assert_array_equal(s.X_train, [[1, 2], [2, 3], [3, 4], [4, 5]])
    np.testing.assert_array_equal(s.y_test, [1, 0])


def test_tsv_regression_by_position_and_relative_path_in_data_home(home, adapters):
    rows = "\n".join(f"{i}\t{i * 2.5}\t{i * 0.1 + 0.05}" for i in range(10))
    (home / "mine.tsv").write_text(rows + "\n")
    s = adapters["csv"]().load(seed=1, path="mine.tsv", target=-1, test_size=0.3, transform="none")
    assert s.task == "regression" and s.X_train.shape == (7, 2)
    np.testing.assert_allclose(s.y_train, s.X_train[:, 0] * 0.1 + 0.05, rtol=1e-5)


def test_csv_errors_name_file_and_line(home, adapters, tmp_path):
    (tmp_path / "bad.csv").write_text("a,b,y\n1,2,0\n1,2\n")
    with pytest.raises(MalformedDataError, match=r"bad\.csv, line 3: expected 3 fields"):
        adapters["csv"]().load(seed=0, path=str(tmp_path / "bad.csv"))
    with pytest.raises(ValueError, match="no column named 'target'"):
        (tmp_path / "ok.csv").write_text("a,y\n1,0\n2,1\n")
        adapters["csv"]().load(seed=0, path=str(tmp_path / "ok.csv"), target="target")
    reason = adapters["csv"]().unavailable(path="nowhere.csv")
    assert "nowhere.csv" in reason and "suite file" in reason


def test_svmlight(home, adapters, tmp_path):
    pytest.importorskip("sklearn")
    lines = [f"{1 if i % 2 else -1} 1:{i} 3:{i * 2}" for i in range(10)]
    (tmp_path / "a.svm").write_text("\n".join(lines) + "\n")
    s = adapters["svmlight"]().load(seed=0, path=str(tmp_path / "a.svm"), transform="none")
    assert s.X_train.shape == (8, 3) and s.task == "classification" and s.metadata["classes"] == [-1.0, 1.0]
    assert np.all(s.X_train[:, 1] == 0)
    (tmp_path / "b.svm").write_text("1 1:2\nfoo bar\n")
    with pytest.raises(MalformedDataError, match=r"b\.svm"):
        adapters["svmlight"]().load(seed=0, path=str(tmp_path / "b.svm"))


def test_npz_layouts(home, adapters, tmp_path, rng):
    Xtr, Xte = rng.normal(size=(20, 1, 4, 4)), rng.normal(size=(6, 1, 4, 4))
    ytr, yte = np.arange(20) % 3, np.arange(6) % 3
    np.savez(tmp_path / "p2.npz", Xtr, np.eye(3)[ytr] - 0.1, Xte, np.eye(3)[yte] - 0.1)  # paper-2 layout
    s = adapters["npz"]().load(seed=0, path=str(tmp_path / "p2.npz"), transform="none")
    assert s.task == "classification" and s.X_train.shape == (20, 1, 4, 4)
    np.testing.assert_array_equal(s.y_test, yte)
    np.savez(tmp_path / "xy.npz", X=rng.normal(size=(50, 3)), y=rng.normal(size=50))
    r = adapters["npz"]().load(seed=0, path=str(tmp_path / "xy.npz"))
    assert r.task == "regression" and r.X_train.shape == (40, 3)
    np.savez(tmp_path / "odd.npz", A=np.zeros(3))
    with pytest.raises(MalformedDataError, match="found A"):
        adapters["npz"]().load(seed=0, path=str(tmp_path / "odd.npz"))


def test_cache_parses_once_and_invalidates_on_change(home, tmp_path):
    src = tmp_path / "src.txt"
    src.write_text("1 2\n")
    calls = []

    def build():
        calls.append(1)
        return {"a": np.loadtxt(src, ndmin=2)}

    first = cache.cached_arrays("t", [src], build)
    second = cache.cached_arrays("t", [src], build)
    assert len(calls) == 1 and isinstance(second["a"], np.memmap)
    np.testing.assert_array_equal(first["a"], second["a"])
    src.write_text("1 2 3\n")
    os.utime(src, ns=(src.stat().st_atime_ns, src.stat().st_mtime_ns + 10**9))
    third = cache.cached_arrays("t", [src], build)
    assert len(calls) == 2 and third["a"].shape == (1, 3)


def test_data_home_list_and_missing_error(tmp_path, monkeypatch):
    a, b = tmp_path / "a", tmp_path / "b"
    (b / "mnist").mkdir(parents=True)
    (b / "mnist" / "f").write_text("x")
    monkeypatch.setenv("NTKBENCH_DATA", f"{a}{os.pathsep}{b}")
    assert homes.data_homes() == [a, b]
    assert homes.require("mnist/f", "mnist") == b / "mnist" / "f"
    with pytest.raises(DataMissingError) as err:
        homes.require("ct_slice/x.csv", "ct_slice", downloadable=True)
    assert str(a / "ct_slice" / "x.csv") in str(err.value) and "ntkbench prepare ct_slice" in str(err.value)
    assert homes.writable_home() == a and a.is_dir()
    monkeypatch.delenv("NTKBENCH_DATA")
    assert homes.data_home() == homes.DEFAULT_HOME.expanduser()


def test_cache_unwritable_still_returns_arrays(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    monkeypatch.setenv("NTKBENCH_CACHE", str(blocker / "cache"))
    src = tmp_path / "s.txt"
    src.write_text("1\n")
    with pytest.warns(RuntimeWarning, match="NTKBENCH_CACHE"):
        out = cache.cached_arrays("t", [src], lambda: {"a": np.arange(3)})
    np.testing.assert_array_equal(out["a"], [0, 1, 2])


def test_space_delimited_file_with_trailing_spaces_and_tabs(home, adapters, tmp_path):
    # the layout of the public UCI regression files: spaces, sometimes tabs, stray trailing blanks
    (tmp_path / "data.txt").write_text("1 2 0.5\n2\t 3   1.5 \n 3 4 2.5\n4 5 3.5\t\n5 6 4.5\n")
    s = adapters["csv"]().load(seed=0, path=str(tmp_path / "data.txt"), test_size=2, transform="none")
    assert s.task == "regression" and s.X_train.shape == (3, 2)
    np.testing.assert_allclose(s.y_train, s.X_train[:, 0] - 0.5)


def test_gzipped_csv_without_header_and_explicit_delimiter(home, adapters, tmp_path):
    import gzip

    with gzip.open(tmp_path / "d.csv.gz", "wt") as fh:
        fh.write("".join(f"{i};{i % 2};{i * 3}\n" for i in range(10)))
    s = adapters["csv"]().load(seed=0, path=str(tmp_path / "d.csv.gz"), delimiter=";", header=False, target="1",
                               transform="none")
    assert s.task == "classification" and s.metadata["classes"] == [0.0, 1.0]
    np.testing.assert_array_equal(s.y_train, s.X_train[:, 0] % 2)
    np.testing.assert_array_equal(s.X_train[:, 1], s.X_train[:, 0] * 3)


def test_default_transform_standardises_inputs_on_training_rows_and_keeps_targets(home, adapters, tmp_path):
    (tmp_path / "r.csv").write_text("a,b,y\n" + "".join(f"{i},{i * i},{1000.5 + 10 * i}\n" for i in range(20)))
    s = adapters["csv"]().load(seed=3, path=str(tmp_path / "r.csv"), target="y")
    np.testing.assert_allclose(s.X_train.mean(axis=0), 0, atol=1e-6)
    np.testing.assert_allclose(s.X_train.std(axis=0), 1, atol=1e-5)
    raw = np.loadtxt(tmp_path / "r.csv", delimiter=",", skiprows=1)
    assert s.task == "regression" and set(s.y_test) <= set(raw[:, 2]) and s.y_train.min() > 1000


@pytest.mark.parametrize("params, message", [
    ({"delimiter": "tab"}, r"delimiter must be 'auto' or one character"),
    ({"header": "false"}, r"header must be true, false or 'auto', got 'false'"),
])
def test_invalid_csv_options_are_clear_errors(home, adapters, tmp_path, params, message):
    (tmp_path / "ok.csv").write_text("a,y\n1,0\n2,1\n3,0\n4,1\n5,0\n")
    with pytest.raises(ValueError, match=message):
        adapters["csv"]().load(seed=0, path=str(tmp_path / "ok.csv"), **params)


def test_svmlight_test_file_shares_the_training_file_index_base(home, adapters, tmp_path):
    pytest.importorskip("sklearn")
    # the training file uses index 0, so both files are zero-based; the test file alone looks one-based
    (tmp_path / "tr.svm").write_text("1 0:5 1:1\n0 1:2 2:3\n1 0:1 2:1\n0 1:1\n")
    (tmp_path / "te.svm").write_text("1 1:7 2:8\n0 2:9\n")
    s = adapters["svmlight"]().load(seed=0, path=str(tmp_path / "tr.svm"), test_path=str(tmp_path / "te.svm"),
                                    transform="none")
    np.testing.assert_array_equal(s.X_test, [[0, 7, 8], [0, 0, 9]])
    assert s.X_train.shape == (4, 3)
