"""Reading files into canonical reports: detection, validation, record ids."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from skywitness.errors import InputError, UnknownFormatError
from skywitness.io import registry
from skywitness.io.base import (
    DEFAULT_BATCH_SIZE,
    GZIP_MAGIC,
    RECORD_COLUMN,
    ReadContext,
    Reader,
    read_head,
)
from skywitness.io.ids import file_digest, record_ids
from skywitness.io.validate import Validator
from skywitness.model.schema import REPORT_SCHEMA


@dataclass
class FileRead:
    """One file being read: its reader, digest and, once consumed, its tally."""

    path: Path
    reader: Reader
    digest: str
    ctx: ReadContext
    rows: int = 0

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        """Canonical batches (with record_id), validated."""
        validator = Validator(self.ctx)
        ordinal = 0
        try:
            for raw in self.reader.read(self.path, self.ctx):
                n = raw.num_rows
                ids = record_ids(self.digest, ordinal, n)
                ordinal += n
                with_ids = raw.append_column("record_id", pa.array(ids, pa.int64()))
                good = validator.check(with_ids)
                if good.num_rows:
                    self.rows += good.num_rows
                    yield (
                        good.drop_columns([RECORD_COLUMN])
                        .select(REPORT_SCHEMA.names)
                        .cast(REPORT_SCHEMA)
                    )
        except InputError:
            raise
        except (OSError, EOFError) as exc:
            raise self.ctx.fail(f"read error: {exc}") from None


def open_file(
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    reference: tuple[float, float] | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    start_time_ns: int | None = None,
    digest: str | None = None,
) -> FileRead:
    """Prepare to read one file: detect (or take) its format and digest its bytes."""
    p = Path(path)
    if not p.exists():
        raise InputError(str(p), "no such file")
    if not p.is_file():
        raise InputError(str(p), "not a regular file")
    if not os.access(p, os.R_OK):
        raise InputError(str(p), "permission denied")
    reader = registry.get(format) if format else registry.detect(p)
    ctx = ReadContext(
        path=p, batch_size=batch_size, reference=reference, start_time_ns=start_time_ns
    )
    return FileRead(p, reader, digest or file_digest(p), ctx)


def read_table(path: str | os.PathLike[str], **options: object) -> pa.Table:
    """All reports of one file as one Arrow table (small files, tests, notebooks)."""
    fr = open_file(path, **options)  # type: ignore[arg-type]
    return pa.Table.from_batches(list(fr), schema=REPORT_SCHEMA)


def expand(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Files named directly, and files under directories (recursively, sorted).

    Hidden files and directories (``.`` prefix) under a directory are skipped.
    Paths that do not exist are returned as they are, so the caller reports them.
    """
    return [path for path, _ in _walk(paths)]


def _walk(paths: Iterable[str | os.PathLike[str]]) -> Iterator[tuple[Path, bool]]:
    """``(file, found under a directory)`` for :func:`expand` and :class:`Inputs`."""
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for f in sorted(files):
                    if not f.startswith("."):
                        yield Path(root) / f, True
        else:
            yield p, False


@dataclass
class Inputs:
    """The files to read from paths people give (files and directories).

    A file named directly is always read: if its format cannot be told, opening
    it fails with :class:`~skywitness.errors.UnknownFormatError`. A file found
    under a directory whose content is of no supported format (``truth.json``
    next to simulated data, scripts, notes) is skipped and listed in
    :attr:`unsupported` instead, unless ``format`` forces one. Unreadable files
    and damaged compressed files under a directory still fail when opened:
    they are damaged data, not other files.

    :meth:`openers` detects each format as it goes (for a store's ingest);
    :attr:`unsupported` is complete once it is exhausted.
    """

    paths: Sequence[str | os.PathLike[str]]
    format: str | None = None
    reference: tuple[float, float] | None = None
    start_time_ns: int | None = None
    files: list[tuple[Path, bool]] = field(init=False)
    unsupported: list[Path] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        self.files = list(_walk(self.paths))
        if self.format is not None:
            registry.get(self.format)  # an unknown name fails before any file is read

    def __len__(self) -> int:
        return len(self.files)

    def openers(
        self, on_skip: Callable[[Path], None] | None = None
    ) -> Iterator[Callable[[], FileRead]]:
        """One callable per file to read, which opens it (:func:`open_file`);
        ``on_skip`` is called for each file skipped as of no supported format."""
        for path, in_directory in self.files:
            fmt = self.format
            if fmt is None and in_directory:
                try:
                    fmt = _directory_file_format(path)
                except InputError as exc:
                    yield _failing(exc)
                    continue
                if fmt is None:
                    self.unsupported.append(path)
                    if on_skip is not None:
                        on_skip(path)
                    continue
            yield self._opener(path, fmt)

    def _opener(self, path: Path, fmt: str | None) -> Callable[[], FileRead]:
        return lambda: open_file(
            path, format=fmt, reference=self.reference, start_time_ns=self.start_time_ns
        )


def _directory_file_format(path: Path) -> str | None:
    """The format of a file found under a directory; ``None`` when its content
    is of no supported format (an empty file included). Raises
    :class:`InputError` when it cannot be read, and
    :class:`UnknownFormatError` for a gzip stream that decompresses to nothing
    (a damaged download), as :func:`open_file` would."""
    try:
        return registry.detect(path).name
    except UnknownFormatError:
        with path.open("rb") as fh:
            compressed = fh.read(len(GZIP_MAGIC)) == GZIP_MAGIC
        if compressed and not read_head(path).strip():
            raise
        return None


def _failing(exc: InputError) -> Callable[[], FileRead]:
    def fail() -> FileRead:
        raise exc

    return fail
