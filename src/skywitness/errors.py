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

    def __reduce__(self) -> tuple[type[InputError], tuple[str, str, str | int | None]]:
        # Read in a worker process, raised in the writer's (io.readahead).
        return (type(self), (self.file, self.reason, self.record))

    def one_line(self) -> str:
        where = self.file if self.record is None else f"{self.file} (record {self.record})"
        return f"{where}: {self.reason}"


class UnknownFormatError(InputError):
    """The content matches no supported format."""


class ReaderBugError(InputError):
    """A reader failed in a way it should not have (a bug in skywitness, not
    in the file). An InputError so that the other files of a run are still
    read; callers that can tell the user should exit as for a bug."""

    def __init__(self, file: str, reason: str, record: str | int | None = None) -> None:
        prefix = "internal error while reading (a bug in skywitness: please report it): "
        super().__init__(file, reason if reason.startswith(prefix) else prefix + reason, record)


class StoreError(SkywitnessError):
    """The store is missing, corrupt or cannot be written."""


class OutputError(SkywitnessError):
    """An output file could not be written (disk full, read-only, permission denied)."""


class UsageError(SkywitnessError):
    """A command-line or API argument is invalid."""


class EngineError(SkywitnessError):
    """An engine cannot run here: an optional package missing (pyspark), or a
    runtime it needs that does not start (Java, a cluster that cannot be reached)."""
