"""IDX, CIFAR-10 pickle and JPEG readers and the image adapters, on tiny fixture files."""

from __future__ import annotations

import gzip
import io
import pickle
import struct
import tarfile
from pathlib import Path

import numpy as np
import pytest

from ntkbench.data import MalformedDataError
from ntkbench.data.formats.idx import read_idx


def write_idx(path: Path, arr: np.ndarray) -> None:
    header = bytes([0, 0, 0x08, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wb") as fh:
        fh.write(header + arr.astype(np.uint8).tobytes())


def write_mnist(folder: Path, n_train: int = 30, n_test: int = 10) -> dict[str, np.ndarray]:
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    arrays = {"train-images-idx3-ubyte.gz": rng.integers(0, 256, (n_train, 28, 28)),
              "train-labels-idx1-ubyte.gz": np.arange(n_train) % 10,
              "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (n_test, 28, 28)),
              "t10k-labels-idx1-ubyte.gz": np.arange(n_test) % 10}
    for name, arr in arrays.items():
        write_idx(folder / name, arr)
    return arrays


def test_idx_round_trip_and_errors(tmp_path):
    arr = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(tmp_path / "a.idx", arr)
    np.testing.assert_array_equal(read_idx(tmp_path / "a.idx"), arr)
    (tmp_path / "bad").write_bytes(b"\x01\x02\x08\x01\x00\x00\x00\x01\x05")
    with pytest.raises(MalformedDataError, match="magic"):
        read_idx(tmp_path / "bad")
    raw = (tmp_path / "a.idx").read_bytes()
    (tmp_path / "short").write_bytes(raw[:-1])
    with pytest.raises(MalformedDataError, match=r"short: header declares shape \(2, 3, 4\)"):
        read_idx(tmp_path / "short")


@pytest.mark.parametrize("name", ["mnist", "fashion_mnist"])
def test_idx_adapter_shapes_transform_and_cache(home, adapters, name):
    arrays = write_mnist(home / name)
    ds = adapters[name]()
    assert ds.unavailable() is None
    s = ds.load(seed=0)
    assert s.X_train.shape == (30, 1, 28, 28) and s.X_test.shape == (10, 1, 28, 28)
    assert s.X_train.dtype == np.float32 and s.image_shape == (1, 28, 28)
    assert abs(float(s.X_train.mean())) < 1e-5 and abs(float(s.X_train.std()) - 1) < 1e-4
    raw = ds.load(seed=0, transform="none", flatten=True)
    assert raw.X_train.shape == (30, 784)
    np.testing.assert_allclose(raw.X_test, arrays["t10k-images-idx3-ubyte.gz"].reshape(10, -1) / 255, rtol=1e-6)
    np.testing.assert_array_equal(raw.y_train, arrays["train-labels-idx1-ubyte.gz"])
    assert list((Path(str(home.parent / "cache")) / name).glob("*/X_train.npy"))  # parsed once


def test_idx_adapter_missing_file_message(home, adapters):
    reason = adapters["mnist"]().unavailable()
    assert str(home / "mnist" / "train-images-idx3-ubyte.gz") in reason


def write_cifar_pickles(folder: Path, per_batch: int = 4) -> tuple[np.ndarray, np.ndarray]:
    folder.mkdir(parents=True)
    rng = np.random.default_rng(3)
    images, labels = [], []
    for name in ["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch"]:
        data = rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8)
        labs = [int(v) for v in rng.integers(0, 10, per_batch)]
        with open(folder / name, "wb") as fh:
            pickle.dump({b"batch_label": name.encode(), b"labels": labs, b"data": data}, fh)
        images.append(data)
        labels.append(labs)
    return np.concatenate(images).reshape(-1, 3, 32, 32), np.concatenate(labels)


def test_cifar_pickle_adapter_is_exact_and_not_lossy(home, adapters):
    images, labels = write_cifar_pickles(home / "cifar10" / "cifar-10-batches-py")
    ds = adapters["cifar10"]()
    s = ds.load(seed=0, transform="none")
    assert s.metadata["lossy"] is False and s.X_train.shape == (20, 3, 32, 32)
    np.testing.assert_allclose(s.X_train, images[:20] / 255, rtol=1e-6)
    np.testing.assert_array_equal(s.y_test, labels[20:])
    c = ds.load(seed=0)
    np.testing.assert_allclose(c.X_train.mean(axis=(0, 2, 3)), 0, atol=1e-5)


def test_cifar_pickle_refuses_foreign_globals(tmp_path):
    from ntkbench.data.formats.cifar import read_batch

    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    (tmp_path / "test_batch").write_bytes(pickle.dumps({b"data": Evil(), b"labels": []}))
    with pytest.raises(MalformedDataError, match="refusing"):
        read_batch(tmp_path / "test_batch")


def write_jpeg_tar(path: Path, split: str, per_class: int) -> np.ndarray:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(4)
    colours = []
    with tarfile.open(path, "w:gz") as tar:
        for cls in ("airplane", "cat"):
            for i in range(per_class):
                colour = rng.integers(0, 256, 3)
                colours.append(colour)
                img = Image.fromarray(np.broadcast_to(colour, (32, 32, 3)).astype(np.uint8))
                buf = io.BytesIO()
                img.save(buf, format="JPEG", quality=75)
                info = tarfile.TarInfo(f"{split}/{cls}/{i:04d}.jpg")
                info.size = buf.tell()
                buf.seek(0)
                tar.addfile(info, buf)
    return np.array(colours)


def test_cifar_jpeg_fallback_marks_lossy(home, adapters):
    pytest.importorskip("PIL")
    colours = write_jpeg_tar(home / "cifar10_jpeg" / "train.tar.gz", "train", 3)
    write_jpeg_tar(home / "cifar10_jpeg" / "test.tar.gz", "test", 1)
    ds = adapters["cifar10"]()
    assert ds.unavailable() is None
    s = ds.load(seed=0, transform="none")
    assert s.metadata["lossy"] is True and "LOSSY" in s.metadata["source"]
    assert s.X_train.shape == (6, 3, 32, 32)
    np.testing.assert_array_equal(s.y_train, [0, 0, 0, 3, 3, 3])  # airplane = 0, cat = 3
    np.testing.assert_allclose(s.X_train.mean(axis=(2, 3)), colours / 255, atol=4 / 255)  # lossy but close
    assert "cifar-10-batches-py" in ds.unavailable(source="pickle")
