"""``prepare``: download a dataset archive, verify it, unpack it into the data home (idempotent)."""

from __future__ import annotations

import os
import shutil
import sys
import tarfile
import tempfile
import urllib.request
import warnings
import zipfile
from pathlib import Path
from typing import Callable

from ntkbench.data.checksums import file_hash, verify
from ntkbench.data.errors import ChecksumError
from ntkbench.data.home import find, writable_home
from ntkbench.data.sources import FILE_SETS, SOURCES, FileSet, Source

CHUNK = 1 << 20  # download block size


def fetch(url: str, dest: Path, *, timeout: float = 60.0,
          progress: Callable[[int, int | None], None] | None = None) -> None:
    """Download ``url`` to ``dest`` atomically (temporary file renamed on success)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    request = urllib.request.Request(url, headers={"User-Agent": "ntkbench-prepare"})
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", dir=dest.parent)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response, os.fdopen(fd, "wb") as out:
            total = response.headers.get("Content-Length")
            total_n = int(total) if total and total.isdigit() else None
            done = 0
            for block in iter(lambda: response.read(CHUNK), b""):
                out.write(block)
                done += len(block)
                if progress:
                    progress(done, total_n)
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _safe_members(names: list[str], root: Path) -> None:
    for name in names:
        target = (root / name).resolve()
        if root.resolve() not in target.parents and target != root.resolve():
            raise ValueError(f"archive member {name!r} would be written outside {root}")


def extract(archive: Path, into: Path) -> None:
    """Unpack a zip or tar(.gz) archive into ``into``, refusing members that escape it."""
    into.mkdir(parents=True, exist_ok=True)
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zf:
            _safe_members(zf.namelist(), into)
            zf.extractall(into)
    elif tarfile.is_tarfile(archive):
        with tarfile.open(archive, "r:*") as tf:
            members = [m for m in tf.getmembers() if m.isfile() or m.isdir()]
            _safe_members([m.name for m in members], into)
            tf.extractall(into, members=members)
    else:
        raise ValueError(f"{archive} is neither a zip nor a tar archive")


def _place_expected(source: Source, staging: Path, folder: Path) -> None:
    """Move the expected files from the unpacked tree (searching nested archives) into ``folder``."""
    for rel in source.expected:
        target = folder / rel
        if target.exists():
            continue
        name = Path(rel).name
        hits = [p for p in staging.rglob(name) if p.is_file() and p.as_posix().endswith(rel)]
        if not hits:
            for nested in [p for p in staging.rglob("*") if p.suffix in (".zip", ".gz", ".tgz", ".tar")]:
                extract(nested, nested.parent / f"{nested.name}.d")
            hits = [p for p in staging.rglob(name) if p.is_file() and p.as_posix().endswith(rel)]
        if not hits:
            raise FileNotFoundError(f"{source.filename} did not contain {rel}")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(hits[0]), target)


def is_prepared(source: Source) -> Path | None:
    """The data-home folder holding every expected file of ``source``, or None."""
    first = find(Path(source.folder) / source.expected[0])
    if first is None:
        return None
    folder = first
    for _ in Path(source.expected[0]).parts:
        folder = folder.parent
    return folder if all((folder / rel).exists() for rel in source.expected) else None


def prepare(name: str, *, source: Source | tuple[Source, ...] | FileSet | None = None, home: Path | None = None,
            quiet: bool = False) -> Path:
    """Download, verify and unpack dataset ``name``; a no-op when its files are already present.

    Parameters
    ----------
    name : str
        A key of :data:`ntkbench.data.sources.SOURCES`.
    source : Source, tuple of Source or FileSet, optional
        Override the recorded source(s) (tests point them at a local server).
    home : Path, optional
        Data home to write into; default the first writable ``$NTKBENCH_DATA`` entry.
    quiet : bool
        No progress output.

    Returns
    -------
    Path
        The folder holding the prepared files.

    Raises
    ------
    ValueError
        Unknown name (the message lists the downloadable ones).
    ChecksumError
        Downloaded bytes differ from the recorded checksum; the bad file is deleted.
    ConnectionError
        No mirror could be reached.
    """
    if source is None:
        if name in FILE_SETS:
            source = FILE_SETS[name]
        elif name in SOURCES:
            source = SOURCES[name]
        else:
            raise ValueError(f"no download source for '{name}'; downloadable: {', '.join(downloadable())}. "
                             "The other datasets come with scikit-learn or are generated (synthetic)")
    if isinstance(source, FileSet):
        return prepare_file_set(source, home=home, quiet=quiet)
    parts = (source,) if isinstance(source, Source) else tuple(source)
    folder = None
    for part in parts:
        folder = _prepare_one(part, home, quiet)
    if not quiet:
        print(f"prepared {name} in {folder}", file=sys.stderr)
    assert folder is not None
    return folder


def _prepare_one(source: Source, home: Path | None, quiet: bool) -> Path:
    if home is None:
        done = is_prepared(source)
        if done is not None:
            return done
        home = writable_home()
    folder = Path(home) / source.folder
    if all((folder / rel).exists() for rel in source.expected):
        return folder
    archive = folder / source.filename
    if not archive.exists():
        _download_any(source, archive, quiet)
    _check(source, archive)
    if not source.unpack:
        return folder
    staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=folder))
    try:
        extract(archive, staging)
        _place_expected(source, staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def _download_any(source: Source, archive: Path, quiet: bool) -> None:
    errors = []
    for url in source.urls:
        if not quiet:
            print(f"downloading {url} -> {archive}", file=sys.stderr)
        try:
            fetch(url, archive, progress=None if quiet else _progress)
            if not quiet:
                print(file=sys.stderr)
            return
        except OSError as exc:  # URLError, HTTPError, timeouts
            errors.append(f"{url}: {exc}")
    raise ConnectionError(f"could not download '{source.name}':\n  " + "\n  ".join(errors) +
                          f"\nDownload it by hand into {archive} and run `ntkbench prepare {source.name}` again")


def _progress(done: int, total: int | None) -> None:
    if total:
        print(f"\r  {done / 2**20:8.1f} / {total / 2**20:.1f} MiB", end="", file=sys.stderr)
    else:
        print(f"\r  {done / 2**20:8.1f} MiB", end="", file=sys.stderr)


def _check(source: Source, archive: Path) -> None:
    """Verify against the recorded checksums, or trust on first use with a sidecar ``.sha256``."""
    try:
        if source.sha256 or source.md5 or source.size or source.content_sha256:
            verify(archive, sha256=source.sha256, md5=source.md5, size=source.size)
            if source.content_sha256:
                actual = file_hash(archive, gunzip=True)
                if actual != source.content_sha256:
                    raise ChecksumError(archive, f"content sha256 {source.content_sha256}",
                                        f"content sha256 {actual}")
            return
        sidecar = archive.with_name(archive.name + ".sha256")
        actual = file_hash(archive)
        if sidecar.exists():
            recorded = sidecar.read_text().split()[0]
            if actual != recorded:
                raise ChecksumError(archive, f"sha256 {recorded} (recorded in {sidecar.name})", f"sha256 {actual}")
            return
        sidecar.write_text(f"{actual}  {archive.name}\n")
        warnings.warn(f"no sha256 is recorded for {source.name}; recorded {actual} in {sidecar} "
                      "(trust on first use)", RuntimeWarning, stacklevel=4)
    except ChecksumError:
        archive.unlink(missing_ok=True)
        raise


def downloadable() -> list[str]:
    """Names ``prepare`` can fetch."""
    return sorted({*SOURCES, *FILE_SETS})


def _present(folder: str, rel: str) -> bool:
    """Whether ``folder/rel`` (or its gzipped twin, as in ../shared/data) exists in a data home."""
    return find(Path(folder) / rel) is not None or find(Path(folder) / f"{rel}.gz") is not None


def prepare_file_set(file_set: FileSet, *, home: Path | None = None, quiet: bool = False,
                     workers: int = 8) -> Path:
    """Fetch every missing file of a collection, checking each against its manifest sha256.

    Files already present in a data home (plain or gzipped) are skipped. A file whose sha256 differs
    is deleted and :class:`ChecksumError` is raised after the other downloads finish.
    """
    from concurrent.futures import ThreadPoolExecutor

    if home is not None:
        root = Path(home) / file_set.folder

        def present(rel: str) -> bool:
            return (root / rel).exists() or (root / f"{rel}.gz").exists()
    else:
        def present(rel: str) -> bool:
            return _present(file_set.folder, rel)

    missing = [rel for rel in sorted(file_set.files) if not present(rel)]
    if not missing:
        found = find(file_set.folder)
        return found if found is not None else Path(home or writable_home()) / file_set.folder
    target = Path(home if home is not None else writable_home()) / file_set.folder
    if not quiet:
        print(f"downloading {len(missing)} files of {file_set.name} into {target}", file=sys.stderr)

    def one(rel: str) -> str | None:
        dest = target / rel
        try:
            fetch(file_set.url_of(rel), dest)
        except OSError as exc:
            return f"{file_set.url_of(rel)}: {exc}"
        actual = file_hash(dest)
        if actual != file_set.files[rel]:
            dest.unlink(missing_ok=True)
            raise ChecksumError(dest, f"sha256 {file_set.files[rel]}", f"sha256 {actual}")
        return None

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(one, rel) for rel in missing]
        errors = [f.result() for f in futures]  # re-raises a ChecksumError
    failed = [e for e in errors if e]
    if failed:
        raise ConnectionError(f"could not download {len(failed)} of {len(missing)} files of '{file_set.name}':\n  "
                              + "\n  ".join(failed[:5]) + ("\n  ..." if len(failed) > 5 else "")
                              + f"\nRun `ntkbench prepare {file_set.name}` again to fetch the rest")
    if not quiet:
        print(f"prepared {file_set.name} in {target}", file=sys.stderr)
    return target
