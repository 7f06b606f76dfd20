"""The packaged checksum manifests (``ntkbench/data/manifests/*.SHA256SUMS``) and their generator."""

from __future__ import annotations

import gzip
import hashlib
import re
import shutil
import subprocess
from importlib.resources import files
from pathlib import Path

import pytest

from ntkbench.data import ChecksumError, MalformedDataError
from ntkbench.data.checksums import read_sums, verify, verify_sums
from ntkbench.data.manifests import collections, generate, load

#: (collection, path, sha256) recorded by the former Python manifests; the uci_gal entry is the
#: decompressed content of the shared copy's ``data.txt.gz``, under the upstream name.
KNOWN = [
    ("uci_gal", "protein-tertiary-structure/data.txt",
     "d35f332707e8a73f21e021039250a1e7b26e14f7dd826a0337ffa8e8e48b9727"),
    ("uci_gal", "bostonHousing/data.txt", "baadf72995725d76efe787b664e1f083388c79ba21ef9a7990d87f774184735a"),
    ("uci_fd121", "abalone/abalone_R.dat", "9482d91170a61aaec44708c9118df7773e2d75d2cb58f538576135ca0bd25e88"),
    ("pmlb", "1028_SWD/metadata.yaml", "85d00092948b6514446cc503db0410e6f0ea63ad97adbfdcbe4b48c66f091188"),
    ("pmlb", "yeast/yeast.tsv.gz", "705c335a0d7edb3edf247ea313f2ae334086ce3e6bf4e1b64a8b306befd1c816"),
]


def _packaged(collection: str) -> Path:
    return Path(str(files("ntkbench.data.manifests") / f"{collection}.SHA256SUMS"))


def test_packaged_manifests_hold_the_known_entries():
    assert collections() == ["pmlb", "uci_fd121", "uci_gal"]
    assert {c: len(load(c)) for c in collections()} == {"pmlb": 106, "uci_fd121": 477, "uci_gal": 366}
    for collection, rel, digest in KNOWN:
        assert load(collection)[rel] == digest
    assert "protein-tertiary-structure/data.txt.gz" not in load("uci_gal")


@pytest.mark.parametrize("collection", ["pmlb", "uci_fd121", "uci_gal"])
def test_packaged_manifests_are_sorted_sha256sum_text(collection):
    lines = _packaged(collection).read_text(encoding="utf-8").splitlines(keepends=True)
    assert all(re.fullmatch(r"[0-9a-f]{64}  [^ /\n][^\n]*\n", line) for line in lines)
    names = [line[66:-1] for line in lines]
    assert names == sorted(names)


def test_unknown_collection_names_the_packaged_ones():
    with pytest.raises(ValueError, match="no checksum manifest for collection 'mnist'.*pmlb, uci_fd121, uci_gal"):
        load("mnist")


def test_file_sets_use_the_packaged_manifests():
    from ntkbench.data.sources import FILE_SETS

    assert all(FILE_SETS[c].files == load(c) for c in collections())


def test_wrong_hash_in_a_manifest_is_reported_with_both_hashes(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.txt").write_bytes(b"altered\n")
    good = hashlib.sha256(b"original\n").hexdigest()
    manifest = tmp_path / "m.SHA256SUMS"
    manifest.write_text(f"{good}  a/x.txt\n")
    actual = hashlib.sha256(b"altered\n").hexdigest()
    with pytest.raises(ChecksumError, match=rf"a/x.txt: got sha256 {actual}, expected sha256 {good}"):
        verify_sums(tmp_path, manifest)


def test_malformed_manifest_line_is_named(tmp_path):
    manifest = tmp_path / "m.SHA256SUMS"
    manifest.write_text(f"{'0' * 64}  a.txt\nnot-a-hash  b.txt\n")
    with pytest.raises(MalformedDataError, match=r"m.SHA256SUMS, line 2: expected '<sha256>  <path>'"):
        read_sums(manifest)


def test_generate_records_gzipped_copies_under_upstream_names(tmp_path, capsys):
    root = tmp_path / "data"
    for collection in ("uci_gal", "pmlb"):
        (root / collection / "set").mkdir(parents=True)
        (root / collection / "set" / "data.txt.gz").write_bytes(gzip.compress(b"1 2\n3 4\n", mtime=0))
        (root / collection / "set" / "n_splits.txt").write_bytes(b"20\n")
        (root / collection / "set" / ".data.txt.partial").write_bytes(b"junk")
    out = tmp_path / "out.SHA256SUMS"
    assert generate.main(["uci_gal", str(root), "-o", str(out)]) == 0
    assert f"wrote {out} (2 files)" in capsys.readouterr().out
    content, splits = hashlib.sha256(b"1 2\n3 4\n").hexdigest(), hashlib.sha256(b"20\n").hexdigest()
    assert out.read_text() == f"{content}  set/data.txt\n{splits}  set/n_splits.txt\n"
    assert generate.main(["pmlb", str(root), "-o", str(out)]) == 0  # pmlb serves .gz files upstream
    gz = (root / "pmlb" / "set" / "data.txt.gz").read_bytes()
    assert read_sums(out) == {"set/data.txt.gz": hashlib.sha256(gz).hexdigest(), "set/n_splits.txt": splits}


def test_generate_on_a_missing_folder_says_which(tmp_path, capsys):
    assert generate.main(["uci_gal", str(tmp_path), "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{tmp_path / 'uci_gal'} is not a folder" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.data
@pytest.mark.parametrize("collection", ["uci_gal", "pmlb"])
def test_generate_reproduces_the_committed_manifest(real_home, tmp_path, collection):
    if not (real_home / collection).is_dir():
        pytest.skip(f"{real_home / collection} is absent")
    out = tmp_path / f"{collection}.SHA256SUMS"
    assert generate.main([collection, str(real_home), "-o", str(out)]) == 0
    assert out.read_bytes() == _packaged(collection).read_bytes()


@pytest.mark.data
def test_packaged_manifest_checks_the_shared_copy(real_home, tmp_path):
    """``sha256sum -c`` and :func:`verify_sums` accept pmlb as shared; one altered byte is caught."""
    folder = real_home / "pmlb"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    assert verify_sums(folder, _packaged("pmlb")) == 106
    if shutil.which("sha256sum"):
        subprocess.run(["sha256sum", "--check", "--quiet", str(_packaged("pmlb"))], cwd=folder, check=True)
    rel = "1028_SWD/metadata.yaml"
    copy = tmp_path / rel
    copy.parent.mkdir()
    copy.write_bytes((folder / rel).read_bytes() + b"#")
    with pytest.raises(ChecksumError, match=rf"{copy}: got sha256 [0-9a-f]{{64}}, expected sha256 {load('pmlb')[rel]}"):
        verify(copy, sha256=load("pmlb")[rel])
