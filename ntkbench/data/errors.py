"""Errors raised by the data layer, each with a message that says what to do next."""

from __future__ import annotations

from pathlib import Path


class DataMissingError(FileNotFoundError):
    """A data file is absent; the message names the path and the command that fetches it.

    Parameters
    ----------
    dataset : str
        Name of the dataset (or collection) that needs the file.
    path : Path
        The file or folder that was looked for (in the first data-home entry).
    hint : str
        How to get it, e.g. ``"ntkbench prepare cifar10"``.
    """

    def __init__(self, dataset: str, path: Path | str, hint: str) -> None:
        self.dataset = dataset
        self.path = Path(path)
        self.hint = hint
        super().__init__(f"dataset '{dataset}': {self.path} not found; {hint}")


class ChecksumError(ValueError):
    """A file's sha256 does not match the recorded value (corrupt or altered download)."""

    def __init__(self, path: Path | str, expected: str, actual: str) -> None:
        self.path = Path(path)
        self.expected = expected
        self.actual = actual
        super().__init__(f"checksum mismatch for {self.path}: got {actual}, expected {expected} "
                         "(the file is corrupt or was altered; fetch it again)")


class MalformedDataError(ValueError):
    """A data file cannot be parsed; the message names the file and, where known, the line."""

    def __init__(self, path: Path | str, message: str, line: int | None = None) -> None:
        self.path = Path(path)
        self.line = line
        where = f"{self.path}, line {line}" if line is not None else f"{self.path}"
        super().__init__(f"{where}: {message}")
