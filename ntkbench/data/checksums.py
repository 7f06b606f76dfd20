"""File hashes and checksum verification (single files and ``SHA256SUMS`` lists)."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path
from typing import Mapping

from ntkbench.data.errors import ChecksumError, MalformedDataError

CHUNK = 1 << 20


def file_hash(path: Path | str, algorithm: str = "sha256", *, gunzip: bool = False) -> str:
    """Hex digest of a file (with ``gunzip``, of its decompressed content), read in 1 MiB chunks."""
    h = hashlib.new(algorithm)
    with (gzip.open if gunzip else open)(path, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def verify(path: Path | str, *, sha256: str | None = None, md5: str | None = None,
           size: int | None = None) -> None:
    """Check a file's size, sha256 and md5 against the recorded values that are given.

    Raises
    ------
    ChecksumError
        On the first mismatch.
    """
    path = Path(path)
    if size is not None and path.stat().st_size != size:
        raise ChecksumError(path, f"{size} bytes", f"{path.stat().st_size} bytes")
    if sha256 is not None:
        actual = file_hash(path, "sha256")
        if actual != sha256.lower():
            raise ChecksumError(path, f"sha256 {sha256}", f"sha256 {actual}")
    if md5 is not None:
        actual = file_hash(path, "md5")
        if actual != md5.lower():
            raise ChecksumError(path, f"md5 {md5}", f"md5 {actual}")


def read_sums(path: Path | str) -> dict[str, str]:
    """``relative path -> sha256`` from a ``sha256sum``-style file (``<hex>  <path>`` per line)."""
    sums: dict[str, str] = {}
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            digest, _, name = line.strip().partition(" ")
            name = name.strip().lstrip("*")
            if len(digest) != 64 or not name:
                raise MalformedDataError(path, "expected '<sha256>  <path>'", lineno)
            sums[name] = digest.lower()
    return sums


def format_sums(sums: Mapping[str, str]) -> str:
    """``sha256sum``-format text of ``relative path -> sha256``, sorted by path (inverse of :func:`read_sums`)."""
    return "".join(f"{sums[name]}  {name}\n" for name in sorted(sums))


def verify_sums(folder: Path | str, sums_file: Path | str = "SHA256SUMS", *, prefix: str = "") -> int:
    """Verify every file listed in ``folder/sums_file`` (optionally only paths under ``prefix``).

    ``sums_file`` may be an absolute path elsewhere (e.g. a packaged manifest of
    :mod:`ntkbench.data.manifests`); the paths it lists are relative to ``folder`` either way.

    Returns
    -------
    int
        Number of files checked.

    Raises
    ------
    FileNotFoundError
        A listed file is missing.
    ChecksumError
        A file's sha256 differs from the list.
    """
    folder = Path(folder)
    checked = 0
    for name, digest in read_sums(folder / sums_file).items():
        if not name.startswith(prefix):
            continue
        path = folder / name
        if not path.is_file():
            raise FileNotFoundError(f"{path} is listed in {folder / sums_file} but missing")
        verify(path, sha256=digest)
        checked += 1
    return checked
