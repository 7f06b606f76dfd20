"""Checksum manifests of the collections that ``ntkbench prepare`` fetches file by file.

One text file per collection, ``<collection>.SHA256SUMS`` beside this module (package data), in
``sha256sum`` format: ``<sha256>  <path>`` per line, the path relative to the collection folder and
the hash that of the file as its upstream repository serves it. A folder filled by ``prepare`` can
therefore be checked with ``sha256sum -c <this folder>/<collection>.SHA256SUMS`` run inside it.
In ../shared/data that works for ``pmlb`` as is; ``uci_gal`` and ``uci_fd121`` hold their large text
files gzipped there (``data.txt.gz``), and the manifest records the sha256 of the decompressed content
under the upstream name (``data.txt``).

The files are written by :mod:`ntkbench.data.manifests.generate`; do not edit them by hand.
"""

from __future__ import annotations

from importlib.resources import as_file, files

from ntkbench.data.checksums import read_sums

SUFFIX = ".SHA256SUMS"


def collections() -> list[str]:
    """Names of the collections that have a packaged manifest."""
    return sorted(entry.name[:-len(SUFFIX)] for entry in files(__name__).iterdir()
                  if entry.name.endswith(SUFFIX))


def load(collection: str) -> dict[str, str]:
    """The manifest of one collection: path relative to its folder -> sha256.

    Parameters
    ----------
    collection : str
        Collection name, e.g. ``"uci_gal"``.

    Returns
    -------
    dict of str -> str
        Relative path -> lower-case hex sha256.

    Raises
    ------
    ValueError
        No manifest is packaged for ``collection`` (the message lists those that are).
    """
    resource = files(__name__) / f"{collection}{SUFFIX}"
    if not resource.is_file():
        raise ValueError(f"no checksum manifest for collection '{collection}'; "
                         f"packaged: {', '.join(collections())}")
    with as_file(resource) as path:
        return read_sums(path)
