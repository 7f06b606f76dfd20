"""Data layer: data home, file formats, parsed-array cache, downloads, preprocessing, synthetic data.

Dataset adapters in the ``datasets/`` plug-in folder are thin glue over these helpers.
"""

from ntkbench.data.errors import ChecksumError, DataMissingError, MalformedDataError
from ntkbench.data.home import cache_dir, data_home, data_homes

__all__ = ["ChecksumError", "DataMissingError", "MalformedDataError", "cache_dir", "data_home",
           "data_homes", "prepare"]


def prepare(name: str) -> None:
    """Download dataset ``name`` into the data home, verify its sha256 and unpack it (idempotent).

    Raises
    ------
    ValueError
        If ``name`` has no download source (the message lists those that have one).
    ChecksumError
        If the downloaded bytes do not match the recorded sha256.
    """
    from ntkbench.data.download import prepare as _prepare

    _prepare(name)
