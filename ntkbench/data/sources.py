"""Canonical public download sources for ``ntkbench prepare NAME``.

Each :class:`Source` downloads one archive into ``<data home>/<folder>/`` and unpacks it so that the
files the adapter reads (``expected``) lie directly in that folder. Where a sha256 is recorded the
download is verified against it; where none is known (the UCI archives could not be fetched while
this was written — no network), the first download's sha256 is written next to the archive
(``<file>.sha256``) and later downloads are checked against it (trust on first use), with a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Source:
    """Where a dataset comes from and what ``prepare`` leaves in the data home.

    Parameters
    ----------
    name : str
        Dataset name (``ntkbench prepare <name>``).
    folder : str
        Folder under the data home.
    urls : tuple of str
        Mirrors of the same archive, tried in order.
    filename : str
        Name the archive is saved under.
    expected : tuple of str
        Files (relative to ``folder``) that exist after unpacking; their presence makes prepare a no-op.
    sha256 : str, optional
        Recorded sha256 of the archive.
    size : int, optional
        Recorded size in bytes (checked before hashing when known).
    md5 : str, optional
        Published md5, checked as well when recorded.
    citation : str
        Who to cite / the license.
    """

    name: str
    folder: str
    urls: tuple[str, ...]
    filename: str
    expected: tuple[str, ...]
    sha256: str | None = None
    size: int | None = None
    md5: str | None = None
    citation: str = ""
    unpack: bool = True
    extra: dict = field(default_factory=dict)


_UCI = "https://archive.ics.uci.edu/ml/machine-learning-databases"

SOURCES: dict[str, Source] = {
    "cifar10": Source(
        name="cifar10", folder="cifar10",
        urls=("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",),
        filename="cifar-10-python.tar.gz",
        expected=tuple(f"cifar-10-batches-py/{b}" for b in
                       ("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5",
                        "test_batch")),
        # sha256 as used by keras.datasets.cifar10; size and md5 as published on the CIFAR page.
        sha256="6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
        size=170498071, md5="c58f30108f718f92721af3b95e74349a",
        citation="Krizhevsky (2009), Learning Multiple Layers of Features from Tiny Images",
    ),
    "ct_slice": Source(
        name="ct_slice", folder="ct_slice",
        urls=(f"{_UCI}/00206/slice_localization_data.zip",
              "https://archive.ics.uci.edu/static/public/206/relative+location+of+ct+slices+on+axial+axis.zip"),
        filename="slice_localization_data.zip", expected=("slice_localization_data.csv",),
        citation="UCI #206 Relative location of CT slices on axial axis (Graf et al. 2011), CC BY 4.0",
    ),
    "workloads": Source(
        name="workloads", folder="workloads",
        urls=(f"{_UCI}/00493/datasets.zip",
              "https://archive.ics.uci.edu/static/public/493/query+analytics+workloads+dataset.zip"),
        filename="datasets.zip", expected=("Range-Queries-Aggregates.csv",),
        citation="UCI #493 Query Analytics Workloads (Savva et al. 2018), CC BY 4.0",
    ),
    "msd": Source(
        name="msd", folder="msd",
        urls=(f"{_UCI}/00203/YearPredictionMSD.txt.zip",
              "https://archive.ics.uci.edu/static/public/203/yearpredictionmsd.zip"),
        filename="YearPredictionMSD.txt.zip", expected=("YearPredictionMSD.txt",),
        citation="UCI #203 YearPredictionMSD (Bertin-Mahieux et al. 2011), CC BY 4.0",
    ),
}
