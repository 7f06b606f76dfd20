"""The real datasets in $NTKBENCH_DATA (../shared/data): checksums, shapes, class counts, split sizes.

Every expected number below is from the data README. Skipped, with the reason, when NTKBENCH_DATA
is unset.
"""

from __future__ import annotations

import numpy as np
import pytest

from ntkbench.data.checksums import verify_sums
from ntkbench.data.fd121_catalog import ARORA2020, FD121
from ntkbench.data.pmlb_catalog import PMLB

pytestmark = pytest.mark.data

#: uci_gal name -> (n, d, n_splits), README table.
UCI_GAL = {"bostonHousing": (506, 13, 20), "concrete": (1030, 8, 20), "energy": (768, 8, 20),
           "kin8nm": (8192, 8, 20), "naval-propulsion-plant": (11934, 16, 20), "power-plant": (9568, 4, 20),
           "protein-tertiary-structure": (45730, 9, 5), "wine-quality-red": (1599, 11, 20), "yacht": (308, 6, 20)}
MNIST_TRAIN = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_shared_data_checksums(real_home):
    """Every file listed in SHA256SUMS is present with the listed sha256."""
    if not (real_home / "SHA256SUMS").is_file():
        pytest.skip(f"{real_home} has no SHA256SUMS")
    assert verify_sums(real_home) >= 950


@pytest.mark.parametrize("name", ["yacht", "energy", "protein-tertiary-structure"])
def test_uci_gal_real_split_sizes(real_home, adapters, name):
    n, d, splits = UCI_GAL[name]
    ds = adapters["uci_gal"]()
    for k in (0, splits - 1):
        s = ds.load(seed=0, name=name, split=k)
        assert s.X_train.shape[1] == d and s.X_train.shape[0] + s.X_test.shape[0] == n
        assert abs(s.X_test.shape[0] / n - 0.1) < 0.002
    with pytest.raises(ValueError, match=f"splits 0..{splits - 1}"):
        ds.load(seed=0, name=name, split=splits)


@pytest.mark.slow
def test_uci_gal_real_all(real_home, adapters):
    ds = adapters["uci_gal"]()
    for name, (n, d, splits) in UCI_GAL.items():
        for k in range(splits):
            s = ds.load(seed=0, name=name, split=k)
            assert s.X_train.shape[0] + s.X_test.shape[0] == n and s.X_train.shape[1] == d
            assert np.all(np.isfinite(s.X_train))


def test_uci_gal_aliases(real_home, adapters):
    a = adapters["uci_gal"]().load(seed=0, name="naval", split=3)
    b = adapters["uci_gal"]().load(seed=0, name="naval-propulsion-plant", split=3)
    np.testing.assert_array_equal(a.y_test, b.y_test)


@pytest.mark.parametrize("name", ["abalone", "iris", "annealing"])
def test_fd121_real_folds(real_home, adapters, name):
    n1, n2, d, c = FD121[name]
    ds = adapters["uci_fd121"]()
    for fold in range(4):
        s = ds.load(seed=0, name=name, fold=fold)
        assert s.X_train.shape[1] == d and s.X_train.shape[0] + s.X_test.shape[0] == n1
        assert s.metadata["n_classes"] == c and int(max(s.y_train.max(), s.y_test.max())) < c
    if n2:
        o = ds.load(seed=0, name=name, fold="official")
        assert o.X_test.shape[0] == n2
    else:
        with pytest.raises(ValueError, match="no official test file"):
            ds.load(seed=0, name=name, fold="official")


def test_fd121_abalone_fold_sizes(real_home, adapters):
    s = adapters["uci_fd121"]().load(seed=0, name="abalone", fold=1)
    assert (s.X_train.shape[0], s.X_test.shape[0]) == (3133, 1044)
    v = adapters["uci_fd121"]().load(seed=0, name="abalone", fold="validation")
    assert (v.X_train.shape[0], v.X_test.shape[0]) == (2089, 2088)  # n_patrons_entrena / valida


def test_fd121_arora_present_except_pima(real_home, adapters):
    ds = adapters["uci_fd121"]()
    missing = [n for n in ARORA2020 if ds.unavailable(name=n)]
    assert missing == ["pima"]
    assert str(real_home / "uci_fd121" / "pima") in ds.unavailable(name="pima")


@pytest.mark.slow
def test_fd121_real_all_arora_folds(real_home, adapters):
    ds = adapters["uci_fd121"]()
    for name in ARORA2020:
        if name == "pima":
            continue
        n1, _, d, c = FD121[name]
        for fold in range(4):
            s = ds.load(seed=0, name=name, fold=fold)
            assert s.X_train.shape[0] + s.X_test.shape[0] == n1 and s.X_train.shape[1] == d


@pytest.mark.parametrize("name", ["wine_recognition", "537_houses", "ecoli"])
def test_pmlb_real(real_home, adapters, name):
    n, d, task, c = PMLB[name]
    s = adapters["pmlb"]().load(seed=0, name=name)
    assert s.task == task and s.X_train.shape[1] == d and s.X_train.shape[0] + s.X_test.shape[0] == n
    if task == "classification":
        assert s.metadata["n_classes"] == c


@pytest.mark.slow
def test_pmlb_real_all(real_home, adapters):
    for name, (n, d, task, c) in PMLB.items():
        s = adapters["pmlb"]().load(seed=0, name=name)
        assert s.task == task and s.X_train.shape[0] + s.X_test.shape[0] == n and s.X_train.shape[1] == d
        if task == "classification":
            assert s.metadata["n_classes"] == c


@pytest.mark.slow
@pytest.mark.parametrize("name,train_counts,test_counts,mean", [
    ("mnist", MNIST_TRAIN, MNIST_TEST, 0.1307),
    ("fashion_mnist", [6000] * 10, [1000] * 10, 0.2860),
])
def test_idx_real(real_home, adapters, name, train_counts, test_counts, mean):
    s = adapters[name]().load(seed=0, transform="none")
    assert s.X_train.shape == (60000, 1, 28, 28) and s.X_test.shape == (10000, 1, 28, 28)
    assert np.bincount(s.y_train).tolist() == train_counts
    assert np.bincount(s.y_test).tolist() == test_counts
    assert round(float(s.X_train.mean()), 4) == mean


@pytest.mark.slow
def test_cifar10_jpeg_real_test_split(real_home):
    pytest.importorskip("PIL")
    from ntkbench.data.formats.cifar import read_jpeg_tar

    images, labels = read_jpeg_tar(real_home / "cifar10_jpeg" / "test.tar.gz")
    assert images.shape == (10000, 3, 32, 32) and images.dtype == np.uint8
    assert np.bincount(labels).tolist() == [1000] * 10


def test_cifar10_auto_uses_lossy_jpeg_when_no_pickles(real_home, adapters):
    ds = adapters["cifar10"]()
    if ds.resolve_source("auto") == "pickle":
        pytest.skip("official CIFAR-10 batches are present in the data home")
    assert ds.unavailable() is None and ds.describe()["lossy"] is True
    assert "ntkbench prepare cifar10" in ds.unavailable(source="pickle")


def test_collections_report_members_present(real_home, adapters):
    assert adapters["uci_gal"]().describe()["members_present"] == "9 of 9"
    assert adapters["uci_fd121"]().describe()["members_present"] == "115 of 116"  # all but pima
    assert adapters["pmlb"]().describe()["members_present"] == "53 of 53"
