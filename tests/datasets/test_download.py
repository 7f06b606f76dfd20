"""``prepare`` against a local HTTP server on 127.0.0.1 (no test reaches the internet)."""

from __future__ import annotations

import functools
import hashlib
import http.server
import io
import threading
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest

from ntkbench.data import ChecksumError, download
from ntkbench.data.sources import SOURCES


class _Handler(http.server.SimpleHTTPRequestHandler):
    hits: list[str]

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:  # noqa: N802
        self.hits.append(self.path)
        super().do_GET()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path, list[str]]]:
    """A bounded, self-stopping HTTP server serving ``tmp_path/served``: (base url, folder, hits)."""
    served = tmp_path / "served"
    served.mkdir()
    hits: list[str] = []
    handler = functools.partial(type("H", (_Handler,), {"hits": hits}), directory=str(served))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.timeout = 5
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", served, hits
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def ct_zip(n: int = 40) -> bytes:
    rng = np.random.default_rng(0)
    rows = ["patientId," + ",".join(f"value{i}" for i in range(4)) + ",reference"]
    for i in range(n):
        v = rng.normal(size=4)
        v[1] = 0.0  # a constant column, removed by the paper-1 preprocessing
        rows.append(f"{i % 3}," + ",".join(f"{x:.5f}" for x in v) + f",{10 + i * 0.5:.2f}")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("slice_localization_data.csv", "\n".join(rows) + "\n")
    return buf.getvalue()


def test_prepare_downloads_verifies_unpacks_and_is_idempotent(home, server, adapters, monkeypatch):
    base, served, hits = server
    blob = ct_zip()
    (served / "ct.zip").write_bytes(blob)
    src = replace(SOURCES["ct_slice"][0], urls=(f"{base}/missing.zip", f"{base}/ct.zip"),
                  sha256=hashlib.sha256(blob).hexdigest())
    monkeypatch.setitem(SOURCES, "ct_slice", (src,))
    ds = adapters["ct_slice"]()
    reason = ds.unavailable()
    assert "ntkbench prepare ct_slice" in reason and str(home / "ct_slice") in reason
    from ntkbench.data import prepare

    prepare("ct_slice")
    assert (home / "ct_slice" / "slice_localization_data.csv").is_file()
    assert hits == ["/missing.zip", "/ct.zip"]  # the first mirror 404s, the second serves
    prepare("ct_slice")
    assert len(hits) == 2  # already prepared: no new request
    assert ds.unavailable() is None
    s = ds.load(seed=0, fold=0)
    assert s.X_train.shape == (30, 3) and s.X_test.shape == (10, 3)  # 4 - 1 constant column
    assert s.metadata["y_center_only"] is True
    np.testing.assert_allclose(s.y_test, 10 + np.arange(10) * 0.5)  # fold 0 = first quarter, unshuffled
    np.testing.assert_allclose(s.X_train.mean(axis=0), 0, atol=1e-5)  # centred ...
    assert not np.allclose(s.X_train.std(axis=0), 1)  # ... but not scaled (CT protocol)


def test_prepare_checksum_mismatch_deletes_download(home, server, monkeypatch):
    base, served, _ = server
    (served / "ct.zip").write_bytes(ct_zip())
    src = replace(SOURCES["ct_slice"][0], urls=(f"{base}/ct.zip",), sha256="0" * 64)
    with pytest.raises(ChecksumError, match="checksum mismatch.*expected sha256 0000"):
        download.prepare("ct_slice", source=src, quiet=True)
    assert not (home / "ct_slice" / "slice_localization_data.zip").exists()
    assert not (home / "ct_slice" / "slice_localization_data.csv").exists()


def test_prepare_without_recorded_hash_trusts_first_use(home, server):
    base, served, _ = server
    (served / "ct.zip").write_bytes(ct_zip())
    src = replace(SOURCES["ct_slice"][0], urls=(f"{base}/ct.zip",), sha256=None)
    with pytest.warns(RuntimeWarning, match="trust on first use"):
        download.prepare("ct_slice", source=src, quiet=True)
    sidecar = home / "ct_slice" / "slice_localization_data.zip.sha256"
    assert sidecar.read_text().split()[0] == hashlib.sha256(ct_zip()).hexdigest()
    # an altered archive is caught against the recorded hash
    (home / "ct_slice" / "slice_localization_data.csv").unlink()
    (home / "ct_slice" / "slice_localization_data.zip").write_bytes(ct_zip(n=41))
    with pytest.raises(ChecksumError, match="recorded in"):
        download.prepare("ct_slice", source=src, quiet=True)


def test_prepare_unknown_name_and_unreachable_server(home, server):
    names = "cifar10, ct_slice, fashion_mnist, mnist, msd, pmlb, uci_fd121, uci_gal, workloads"
    with pytest.raises(ValueError, match=f"downloadable: {names}"):
        download.prepare("mnist2")
    base, _, _ = server
    src = replace(SOURCES["msd"][0], urls=(f"{base}/nothing.zip",))
    with pytest.raises(ConnectionError, match="could not download 'msd'"):
        download.prepare("msd", source=src, quiet=True)


def test_extract_refuses_path_traversal(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("../evil.txt", "x")
    (tmp_path / "a.zip").write_bytes(buf.getvalue())
    with pytest.raises(ValueError, match="outside"):
        download.extract(tmp_path / "a.zip", tmp_path / "out")
    assert not (tmp_path / "evil.txt").exists()


def test_prepare_idx_files_checks_md5_and_content_hash(home, server, adapters):
    import gzip

    base, served, _ = server
    rng = np.random.default_rng(0)
    contents = {"train-images-idx3-ubyte.gz": bytes([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28])
                + rng.integers(0, 256, 2 * 784, dtype=np.uint8).tobytes(),
                "train-labels-idx1-ubyte.gz": bytes([0, 0, 8, 1, 0, 0, 0, 2, 3, 7]),
                "t10k-images-idx3-ubyte.gz": bytes([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 28, 0, 0, 0, 28])
                + rng.integers(0, 256, 784, dtype=np.uint8).tobytes(),
                "t10k-labels-idx1-ubyte.gz": bytes([0, 0, 8, 1, 0, 0, 0, 1, 5])}
    parts = []
    for name, raw in contents.items():
        blob = gzip.compress(raw, mtime=0)
        (served / name).write_bytes(blob)
        parts.append(replace(SOURCES["mnist"][0], urls=(f"{base}/{name}",), filename=name, expected=(name,),
                             md5=hashlib.md5(blob).hexdigest(), content_sha256=hashlib.sha256(raw).hexdigest()))
    bad = replace(parts[1], content_sha256="f" * 64)
    with pytest.raises(ChecksumError, match="content sha256"):
        download.prepare("mnist", source=(parts[0], bad), quiet=True)
    assert (home / "mnist" / "train-images-idx3-ubyte.gz").exists()  # verified parts are kept
    assert not (home / "mnist" / "train-labels-idx1-ubyte.gz").exists()
    download.prepare("mnist", source=tuple(parts), quiet=True)
    s = adapters["mnist"]().load(seed=0, transform="none")
    assert s.X_train.shape == (2, 1, 28, 28) and s.y_train.tolist() == [3, 7] and s.y_test.tolist() == [5]


def test_prepare_file_set_fetches_missing_files_and_checks_each(home, server, adapters):
    from ntkbench.data.sources import FileSet

    base, served, hits = server
    files = {"yacht/data.txt": b"1 2 3\n4 5 6\n7 8 9\n", "yacht/index_features.txt": b"0\n1\n",
             "yacht/index_target.txt": b"2\n", "yacht/n_splits.txt": b"1\n",
             "yacht/index_train_0.txt": b"0\n1\n", "yacht/index_test_0.txt": b"2\n"}
    for rel, blob in files.items():
        (served / "repo" / rel).parent.mkdir(parents=True, exist_ok=True)
        (served / "repo" / rel).write_bytes(blob)
    manifest = {rel: hashlib.sha256(blob).hexdigest() for rel, blob in files.items()}
    fs = FileSet("uci_gal", "uci_gal", base + "/repo/{dataset}/{file}", manifest)
    assert "ntkbench prepare uci_gal" in adapters["uci_gal"]().unavailable(name="yacht")
    (home / "uci_gal" / "yacht").mkdir(parents=True)
    (home / "uci_gal" / "yacht" / "data.txt.gz").write_bytes(b"")  # a gzipped twin counts as present
    download.prepare("uci_gal", source=fs, quiet=True)
    assert len(hits) == 5 and "/repo/yacht/data.txt" not in hits
    (home / "uci_gal" / "yacht" / "data.txt.gz").unlink()
    download.prepare("uci_gal", source=fs, quiet=True)
    assert hits[-1] == "/repo/yacht/data.txt" and len(hits) == 6  # only the missing file
    s = adapters["uci_gal"]().load(seed=0, name="yacht", split=0, transform="none")
    assert s.y_test.tolist() == [9.0] and s.X_train.tolist() == [[1, 2], [4, 5]]
    bad = FileSet("uci_gal", "uci_gal", fs.url, {**manifest, "yacht/n_splits.txt": "0" * 64})
    (home / "uci_gal" / "yacht" / "n_splits.txt").unlink()
    with pytest.raises(ChecksumError, match="n_splits.txt"):
        download.prepare("uci_gal", source=bad, quiet=True)
    assert not (home / "uci_gal" / "yacht" / "n_splits.txt").exists()


def test_file_set_manifests_cover_the_documented_collections():
    from ntkbench.data.sources import FILE_SETS

    fd = FILE_SETS["uci_fd121"].files
    assert len({rel.split("/")[0] for rel in fd}) == 115 and "pima/pima.txt" not in fd
    assert len({rel.split("/")[0] for rel in FILE_SETS["pmlb"].files}) == 53
    gal = FILE_SETS["uci_gal"].files
    assert len({rel.split("/")[0] for rel in gal}) == 9
    assert "protein-tertiary-structure/data.txt" in gal  # upstream name, not the .gz of the shared copy
    assert FILE_SETS["pmlb"].url_of("iris/metadata.yaml") != FILE_SETS["pmlb"].url_of("iris/iris.tsv.gz")
