"""uci_gal, uci_fd121 and PMLB adapters on small fixture files written into a private data home."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from ntkbench.data import DataMissingError, MalformedDataError


def write_uci_gal(home: Path, name: str = "yacht", n: int = 20, d: int = 3) -> np.ndarray:
    folder = home / "uci_gal" / name
    folder.mkdir(parents=True)
    data = np.round(np.random.default_rng(0).normal(size=(n, d + 1)) * 10, 3)
    (folder / "data.txt").write_text("\n".join(" ".join(map(str, r)) for r in data) + "\n\n")
    (folder / "index_features.txt").write_text("\n".join(map(str, range(d))) + "\n")
    (folder / "index_target.txt").write_text(f"{d}\n")
    (folder / "n_splits.txt").write_text("2\n")
    for k in range(2):
        test = np.arange(k, n, 5)
        train = np.setdiff1d(np.arange(n), test)
        (folder / f"index_train_{k}.txt").write_text("\n".join(map(str, train)) + "\n")
        (folder / f"index_test_{k}.txt").write_text("\n".join(map(str, test)) + "\n")
    return data


def test_uci_gal_fixture_split_and_standardisation(home, adapters):
    data = write_uci_gal(home)
    ds = adapters["uci_gal"]()
    assert ds.unavailable(name="yacht") is None
    s = ds.load(seed=0, name="yacht", split=1)
    test = np.arange(1, 20, 5)
    train = np.setdiff1d(np.arange(20), test)
    assert s.X_train.shape == (16, 3) and s.X_test.shape == (4, 3)
    np.testing.assert_allclose(s.y_test, data[test, 3])  # targets in original units
    mean, std = data[train, :3].mean(axis=0), data[train, :3].std(axis=0)
    np.testing.assert_allclose(s.X_test, (data[test, :3] - mean) / std, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="splits 0..1"):
        ds.load(seed=0, name="yacht", split=2)
    with pytest.raises(ValueError, match="valid values"):
        ds.load(seed=0, name="yachtz")


def test_uci_gal_missing_and_malformed(home, adapters):
    ds = adapters["uci_gal"]()
    reason = ds.unavailable(name="concrete")
    assert str(home / "uci_gal" / "concrete" / "data.txt") in reason and "NTKBENCH_DATA" in reason
    with pytest.raises(DataMissingError, match="concrete"):
        ds.load(seed=0, name="concrete")
    write_uci_gal(home)
    path = home / "uci_gal" / "yacht" / "data.txt"
    lines = path.read_text().splitlines()
    lines[6] = lines[6].replace(lines[6].split()[1], "abc", 1)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(MalformedDataError, match=r"data\.txt, line 7"):
        ds.load(seed=0, name="yacht")


def write_fd121(home: Path, name: str = "toy", n: int = 24, d: int = 2, c: int = 3,
                fich2: int = 0) -> tuple[np.ndarray, np.ndarray]:
    folder = home / "uci_fd121" / name
    folder.mkdir(parents=True)
    rng = np.random.default_rng(1)
    X = np.round(rng.normal(size=(n, d)), 4)
    y = np.arange(n) % c

    def table(X, y):
        head = "\t" + "\t".join(f"f{i + 1}" for i in range(d)) + "\tclase\n"
        body = [f"{i + 1}\t" + "\t".join(map(str, r)) + f"\t{lab}\n" for i, (r, lab) in enumerate(zip(X, y))]
        return head + "".join(body)

    meta = [f"n_entradas= {d}", f"n_clases= {c}", f"n_arquivos= {2 if fich2 else 1}", f"fich1= {name}_R.dat",
            f"n_patrons1= {n}"]
    (folder / f"{name}_R.dat").write_text(table(X, y))
    if fich2:
        meta += [f"fich2= {name}_test_R.dat", f"n_patrons2= {fich2}"]
        (folder / f"{name}_test_R.dat").write_text(table(X[:fich2] + 1, y[:fich2]))
    meta += [f"n_patrons_entrena= {n // 2}", f"n_patrons_valida= {n - n // 2}", "n_conxuntos= 1"]
    (folder / f"{name}.txt").write_text("\n".join(meta) + "\n")
    perm = rng.permutation(n)
    halves = (perm[:n // 2], perm[n // 2:])
    (folder / "conxuntos.dat").write_text("".join(" ".join(map(str, h)) + "\n" for h in halves))
    lines = []
    for k in range(4):
        test = np.arange(k, n, 4)
        lines += [" ".join(map(str, np.setdiff1d(np.arange(n), test))), " ".join(map(str, test))]
    (folder / "conxuntos_kfold.dat").write_text("\n".join(lines) + "\n")
    return X, y


def test_fd121_folds_validation_and_official(home, adapters, monkeypatch):
    cls = adapters["uci_fd121"]
    import ntkbench.data.fd121_catalog as catalog

    monkeypatch.setitem(catalog.FD121, "toy", (24, 6, 2, 3))
    X, y = write_fd121(home, fich2=6)
    ds = cls()
    s = ds.load(seed=0, name="toy", fold=2)
    np.testing.assert_array_equal(s.y_test, y[2::4])
    np.testing.assert_allclose(s.X_test, X[2::4], rtol=1e-6)  # default transform "none"
    assert s.X_train.shape == (18, 2) and s.metadata["n_classes"] == 3
    v = ds.load(seed=0, name="toy", fold="validation")
    assert v.X_train.shape[0] == 12 and v.X_test.shape[0] == 12
    o = ds.load(seed=0, name="toy", fold="official")
    assert o.X_train.shape == (24, 2) and o.X_test.shape == (6, 2)
    np.testing.assert_allclose(o.X_test, X[:6] + 1, rtol=1e-6)


def test_fd121_bad_label_names_file(home, adapters, monkeypatch):
    import ntkbench.data.fd121_catalog as catalog

    monkeypatch.setitem(catalog.FD121, "toy", (24, 0, 2, 3))
    write_fd121(home)
    path = home / "uci_fd121" / "toy" / "toy_R.dat"
    path.write_text(path.read_text().replace("\t2\n", "\t7\n", 1))
    with pytest.raises(MalformedDataError, match=r"toy_R\.dat.*0\.\.2"):
        adapters["uci_fd121"]().load(seed=0, name="toy", fold=0)


def test_fd121_arora_group_has_90_and_pima():
    from ntkbench.data.fd121_catalog import ARORA2020, FD121

    assert len(ARORA2020) == 90 == len(set(ARORA2020)) and "pima" in ARORA2020
    assert all(FD121[n][1] == 0 and FD121[n][0] <= 5000 for n in ARORA2020)
    # every single-file set with at most 5000 rows is in the list, nothing else
    assert sorted(ARORA2020) == sorted(n for n, v in FD121.items() if v[1] == 0 and v[0] <= 5000)


def test_pmlb_fixture_target_column_and_label_mapping(home, adapters):
    folder = home / "pmlb" / "toy"
    folder.mkdir(parents=True)
    rows = ["target\ta\tb"] + [f"{1 + i % 2}\t{i}\t{i * 0.5}" for i in range(20)]
    with gzip.open(folder / "toy.tsv.gz", "wt") as fh:
        fh.write("\n".join(rows) + "\n")
    (folder / "metadata.yaml").write_text("dataset: toy\ntask: classification\n")
    s = adapters["pmlb"]().load(seed=0, name="toy", test_size=0.25, transform="none")
    assert s.metadata["classes"] == [1.0, 2.0] and set(np.unique(s.y_train)) == {0, 1}
    assert s.X_train.shape == (15, 2) and sorted(np.bincount(s.y_test).tolist()) == [2, 3]
    np.testing.assert_array_equal(s.X_train[:, 1], s.X_train[:, 0] * 0.5)  # target column removed
    (folder / "metadata.yaml").write_text("dataset: toy\ntask: regression\n")
    r = adapters["pmlb"]().load(seed=0, name="toy")
    assert r.task == "regression" and set(np.unique(r.y_train)) <= {1.0, 2.0}


def test_sklearn_bundled_shapes_and_stratification(adapters):
    pytest.importorskip("sklearn")
    expected = {"digits": (1797, 64, 10), "breast_cancer": (569, 30, 2), "wine": (178, 13, 3),
                "iris": (150, 4, 3), "diabetes": (442, 10, 0)}
    for name, (n, d, c) in expected.items():
        s = adapters[name]().load(seed=0)
        assert s.X_train.shape[0] + s.X_test.shape[0] == n and s.X_train.shape[1] == d
        assert s.X_test.shape[0] == round(0.2 * n)
        if c:
            assert s.n_classes == c and s.task == "classification"
            full = np.bincount(np.concatenate([s.y_train, s.y_test]))
            assert np.all(np.abs(np.bincount(s.y_test, minlength=c) - 0.2 * full) <= 1)
        else:
            assert s.task == "regression" and s.y_train.max() > 20  # original units (not scaled)
    a, b = adapters["iris"]().load(seed=7), adapters["iris"]().load(seed=7)
    np.testing.assert_array_equal(a.X_test, b.X_test)
    assert not np.array_equal(a.X_test, adapters["iris"]().load(seed=8).X_test)
    img = adapters["digits"]().load(seed=0, as_image=True)
    assert img.X_train.shape[1:] == (1, 8, 8) and img.image_shape == (1, 8, 8)
