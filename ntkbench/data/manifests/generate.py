"""Write a collection's checksum manifest from a data folder laid out like ../shared/data.

Usage::

    python -m ntkbench.data.manifests.generate COLLECTION DATA_DIR [-o OUTPUT]

hashes every file under ``DATA_DIR/COLLECTION`` (dot-files, e.g. partial downloads, are skipped) and
writes ``<COLLECTION>.SHA256SUMS`` beside this module, or to ``OUTPUT``. The shared copy gzipped the
large text files of some collections (:data:`GZIPPED_HERE`): such a ``<name>.gz`` is recorded as
``<name>``, the file its upstream serves, with the sha256 of its decompressed content. Every other
file is recorded as it is. Run on /work/shared/data, it reproduces the committed manifests byte for
byte; after re-running it, review the diff like any other change.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ntkbench.data.checksums import file_hash, format_sums
from ntkbench.data.manifests import SUFFIX

#: Collections whose ``*.gz`` files were gzipped by the shared copy (upstream serves them plain).
GZIPPED_HERE = frozenset({"uci_gal", "uci_fd121"})


def manifest(collection: str, data_dir: Path | str) -> dict[str, str]:
    """Upstream path relative to the collection folder -> sha256, for every file of ``collection``.

    Parameters
    ----------
    collection : str
        Collection name; its files are under ``data_dir/collection``.
    data_dir : Path or str
        A data home laid out like ../shared/data.

    Returns
    -------
    dict of str -> str
        Relative POSIX path -> hex sha256.

    Raises
    ------
    FileNotFoundError
        ``data_dir/collection`` is not a folder.
    """
    folder = Path(data_dir) / collection
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder; pass the data home that holds '{collection}/'")
    sums = {}
    for path in folder.rglob("*"):
        rel = path.relative_to(folder)
        if not path.is_file() or any(part.startswith(".") for part in rel.parts):
            continue
        name = rel.as_posix()
        if collection in GZIPPED_HERE and name.endswith(".gz"):
            sums[name[:-len(".gz")]] = file_hash(path, gunzip=True)
        else:
            sums[name] = file_hash(path)
    return sums


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m ntkbench.data.manifests.generate",
                                     description="Write a collection's checksum manifest from a data folder.")
    parser.add_argument("collection", help="collection folder name, e.g. uci_gal")
    parser.add_argument("data_dir", type=Path, help="data home holding COLLECTION/, e.g. /work/shared/data")
    parser.add_argument("-o", "--output", type=Path,
                        help=f"where to write (default: COLLECTION{SUFFIX} beside this module)")
    args = parser.parse_args(argv)
    try:
        sums = manifest(args.collection, args.data_dir)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    output = args.output or Path(__file__).with_name(f"{args.collection}{SUFFIX}")
    output.write_text(format_sums(sums), encoding="utf-8")
    print(f"wrote {output} ({len(sums)} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
