"""Where data live: the data home(s) for source files and a writable cache for parsed arrays.

* ``$NTKBENCH_DATA`` — one folder, or several separated by ``os.pathsep`` (``:`` on POSIX), that hold
  datasets in their source layouts (``mnist/train-images-idx3-ubyte.gz``, ``uci_gal/yacht/...``).
  Files are looked up in each folder in turn; ``ntkbench prepare`` writes into the first writable one.
  Default: ``~/.cache/ntkbench``.
* ``$NTKBENCH_CACHE`` — writable folder for parsed-once ``.npy`` caches (the data home may be
  read-only). Default: ``~/.cache/ntkbench/cache``.
"""

from __future__ import annotations

import os
from pathlib import Path

from ntkbench.data.errors import DataMissingError

DEFAULT_HOME = Path("~/.cache/ntkbench")
DEFAULT_CACHE = Path("~/.cache/ntkbench/cache")


def data_homes() -> list[Path]:
    """All data-home folders, in lookup order (``$NTKBENCH_DATA`` or the default)."""
    value = os.environ.get("NTKBENCH_DATA", "")
    entries = [e for e in value.split(os.pathsep) if e.strip()]
    if not entries:
        return [DEFAULT_HOME.expanduser()]
    return [Path(e).expanduser() for e in entries]


def data_home() -> Path:
    """The first data-home folder (where messages point and where downloads go by default)."""
    return data_homes()[0]


def cache_dir() -> Path:
    """The writable cache folder for parsed arrays (``$NTKBENCH_CACHE``); created on demand."""
    value = os.environ.get("NTKBENCH_CACHE", "").strip()
    return Path(value).expanduser() if value else DEFAULT_CACHE.expanduser()


def writable_home() -> Path:
    """The first data-home folder that exists and is writable, or can be created.

    Raises
    ------
    PermissionError
        If no data-home entry is writable.
    """
    for home in data_homes():
        if home.is_dir():
            if os.access(home, os.W_OK):
                return home
            continue
        try:
            home.mkdir(parents=True, exist_ok=True)
            return home
        except OSError:
            continue
    raise PermissionError(
        f"no writable data home among {', '.join(map(str, data_homes()))}; add a writable folder to "
        f"NTKBENCH_DATA (entries separated by '{os.pathsep}'), e.g. NTKBENCH_DATA=<shared/data>{os.pathsep}"
        f"{DEFAULT_HOME}")


def find(relpath: str | Path) -> Path | None:
    """The first existing ``home / relpath`` over all data homes, or None."""
    for home in data_homes():
        candidate = home / relpath
        if candidate.exists():
            return candidate
    return None


def get_hint(dataset: str, downloadable: bool) -> str:
    """The sentence that tells a user how to get a missing dataset."""
    if downloadable:
        return (f"run `ntkbench prepare {dataset}` (downloads into the data home), "
                "or set NTKBENCH_DATA to a folder that holds it")
    return ("set NTKBENCH_DATA to a folder that holds it (e.g. the repository's ../shared/data; "
            "see the data README for the layout)")


def require(relpath: str | Path, dataset: str, *, downloadable: bool = False) -> Path:
    """Path of a data file or folder, looked up in every data home.

    Parameters
    ----------
    relpath : str or Path
        Path relative to the data home, e.g. ``"mnist/train-images-idx3-ubyte.gz"``.
    dataset : str
        Dataset name used in the error message (and in the ``ntkbench prepare`` command).
    downloadable : bool, default=False
        Whether ``ntkbench prepare DATASET`` can fetch it.

    Raises
    ------
    DataMissingError
        If no data home holds it; the message names the path and how to get it.
    """
    found = find(relpath)
    if found is None:
        raise DataMissingError(dataset, data_home() / relpath, get_hint(dataset, downloadable))
    return found


def require_any(relpaths: list[str], dataset: str, *, downloadable: bool = False) -> Path:
    """Like :func:`require` for the first of several alternative paths (e.g. ``x.txt`` or ``x.txt.gz``)."""
    for rel in relpaths:
        found = find(rel)
        if found is not None:
            return found
    raise DataMissingError(dataset, data_home() / relpaths[0], get_hint(dataset, downloadable))


def resolve_user_path(path: str | Path, dataset: str) -> Path:
    """A user-supplied data path: absolute, else relative to the working directory, else to a data home.

    Raises
    ------
    DataMissingError
        Naming the path and the folders searched.
    """
    if not str(path).strip():
        raise ValueError(f"dataset '{dataset}' needs a 'path' parameter (the file to load)")
    p = Path(path).expanduser()
    if p.is_absolute():
        if p.exists():
            return p
    else:
        if p.exists():
            return p.resolve()
        found = find(p)
        if found is not None:
            return found
    searched = "" if p.is_absolute() else f" (looked in {Path.cwd()} and {', '.join(map(str, data_homes()))})"
    raise DataMissingError(dataset, p, f"check the path in the suite file{searched}")
