"""Typed errors, rooted in one base class that subclasses ValueError."""

from __future__ import annotations


class SkywitnessError(ValueError):
    """Base of every error skywitness raises on purpose."""


class InputError(SkywitnessError):
    """An input could not be read. Names the file, the record and what was wrong."""

    def __init__(self, file: str, reason: str, record: str | int | None = None) -> None:
        self.file = file
        self.record = record
        self.reason = reason
        super().__init__(self.one_line())

    def one_line(self) -> str:
        where = self.file if self.record is None else f"{self.file} (record {self.record})"
        return f"{where}: {self.reason}"


class UnknownFormatError(InputError):
    """The content matches no supported format."""


class StoreError(SkywitnessError):
    """The store is missing, corrupt or cannot be written."""


class UsageError(SkywitnessError):
    """A command-line or API argument is invalid."""
