"""What can go wrong with a store, as typed errors (all :class:`StoreError`).

Each names the file concerned and says what is wrong in one line. The CLI
turns every :class:`~skywitness.errors.SkywitnessError` into exit code 2.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from skywitness.errors import StoreError

__all__ = [
    "StoreBusyError",
    "StoreCorruptError",
    "StoreError",
    "StoreMissingError",
    "StoreWriteError",
]


class StoreMissingError(StoreError):
    """No store at a directory opened without creating one."""


class StoreCorruptError(StoreError):
    """A file of the store is damaged, missing or not what its records say.

    Nothing of a damaged part is ever read as data.
    """

    def __init__(self, file: str | os.PathLike[str], reason: str) -> None:
        self.file = str(file)
        self.reason = reason
        super().__init__(f"{self.file}: {reason}")


class StoreBusyError(StoreError):
    """Another process is writing to the store and the caller chose not to wait."""

    def __init__(self, root: str | os.PathLike[str], holder: str) -> None:
        self.root = str(root)
        self.holder = holder
        super().__init__(f"{self.root}: busy: {holder} is writing to this store; try again later")


#: Error numbers that mean "the store's file system refuses the write" rather than
#: a bug: no space or quota left, file too large for a limit, read-only or
#: permission denied.
_REFUSALS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES, errno.EPERM}


class StoreWriteError(StoreError):
    """The store could not be written (disk full, read-only, permission denied...)."""

    def __init__(self, file: str | os.PathLike[str], reason: str) -> None:
        self.file = str(file)
        self.reason = reason
        super().__init__(f"{self.file}: cannot write to the store: {reason}")

    @classmethod
    def from_os(
        cls, exc: OSError, fallback: str | os.PathLike[str], outcome: str = ""
    ) -> StoreWriteError:
        """From an OSError (pyarrow's I/O errors are OSErrors too), naming its file."""
        file = exc.filename if isinstance(exc.filename, str) else str(Path(fallback))
        reason = exc.strerror or str(exc) or type(exc).__name__
        if exc.errno is not None and exc.errno not in _REFUSALS:
            reason = f"{reason} (errno {exc.errno})"
        return cls(file, f"{reason}{outcome}")
