"""What every reader shares: the Reader protocol, the read context, batching.

A reader turns one file into a stream of bounded Arrow record batches in the
canonical schema (without ``record_id``, which :mod:`skywitness.io.reading`
adds), plus one internal column ``_record`` naming the record each row came
from (a line, frame or point number) for error messages. Records it cannot
use are reported through :meth:`ReadContext.skip` and reading goes on; a file
it cannot read at all raises :class:`~skywitness.errors.InputError`.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

import pyarrow as pa

from skywitness.errors import InputError
from skywitness.model.schema import REPORT_SCHEMA

#: Rows per record batch. Bounds memory whatever the size of the input.
DEFAULT_BATCH_SIZE = 65_536
#: Bytes of (decompressed) content shown to readers for format detection.
SNIFF_BYTES = 65_536
#: How many skip reasons are kept verbatim per file (all are counted).
MAX_KEPT_ISSUES = 50

RECORD_COLUMN = "_record"
#: Schema of what readers yield: canonical columns minus record_id, plus _record.
READER_SCHEMA = pa.schema(
    [f for f in REPORT_SCHEMA if f.name != "record_id"] + [pa.field(RECORD_COLUMN, pa.int64())]
)
GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class Issue:
    """One record that was skipped, and why."""

    file: str
    record: str | int | None
    reason: str

    def one_line(self) -> str:
        where = self.file if self.record is None else f"{self.file} (record {self.record})"
        return f"{where}: {self.reason}"


@dataclass
class ReadContext:
    """Options for one read and the tally of what was skipped."""

    path: Path
    batch_size: int = DEFAULT_BATCH_SIZE
    #: Receiver or user-given position (lat, lon) for CPR decoding of raw frames.
    reference: tuple[float, float] | None = None
    #: For formats whose clock is relative (Beast 12 MHz counters): the absolute
    #: UTC time of the file's start, in ns. None: the file's modification time.
    start_time_ns: int | None = None
    skipped: int = 0
    issues: list[Issue] = field(default_factory=list)
    #: Facts about the read that are not skipped records (assumed clocks,
    #: positions left out of otherwise kept rows), shown to the user.
    notes: list[Issue] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.path)

    def skip(self, record: str | int | None, reason: str, count: int = 1) -> None:
        """Count ``count`` skipped records; keep the first reasons verbatim."""
        self.skipped += count
        if len(self.issues) < MAX_KEPT_ISSUES:
            self.issues.append(Issue(self.name, record, reason))

    def note(self, record: str | int | None, text: str) -> None:
        """Tell the user something about this read that is not a skipped record."""
        if len(self.notes) < MAX_KEPT_ISSUES:
            self.notes.append(Issue(self.name, record, text))

    def fail(self, reason: str, record: str | int | None = None) -> InputError:
        """An error for the whole file, to be raised by the reader."""
        return InputError(self.name, reason, record)


class Reader(Protocol):
    """One input format. Registered in :mod:`skywitness.io.registry`."""

    #: Short name, used by ``--format`` and stored in the ``format`` column.
    name: str
    description: str

    def sniff(self, head: bytes, path: Path) -> bool:
        """True when ``head`` (first decompressed bytes of the file) is this format."""
        ...

    def read(self, path: Path, ctx: ReadContext) -> Iterator[pa.RecordBatch]:
        """Yield batches in :data:`READER_SCHEMA`, at most ``ctx.batch_size`` rows each."""
        ...


def open_binary(path: Path) -> IO[bytes]:
    """Open a file for reading bytes, decompressing gzip transparently (by content)."""
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise InputError(str(path), f"cannot open: {exc.strerror or exc}") from None
    magic = raw.read(2)
    raw.seek(0)
    if magic == GZIP_MAGIC:
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    return raw


def open_text(path: Path) -> IO[str]:
    """Open a (possibly gzip-compressed) file as UTF-8 text; bad bytes are replaced."""
    return io.TextIOWrapper(open_binary(path), encoding="utf-8", errors="replace", newline="")


def read_head(path: Path, n: int = SNIFF_BYTES) -> bytes:
    """The first ``n`` bytes of the decompressed content ('' for a corrupt gzip)."""
    with open_binary(path) as fh:
        try:
            return fh.read(n)
        except (OSError, EOFError, zlib.error):
            # A truncated gzip: show what could be decompressed.
            return b""


def read_all_bytes(path: Path, ctx: ReadContext) -> bytes:
    """The whole decompressed content, with a one-line error on corruption."""
    with open_binary(path) as fh:
        try:
            return fh.read()
        except (OSError, EOFError, zlib.error) as exc:
            raise ctx.fail(f"corrupt or truncated compressed data: {exc}") from None


class BatchBuilder:
    """Collects rows (dicts keyed by column name) and emits bounded batches.

    Missing keys become nulls. ``time`` is integer nanoseconds since the epoch.
    """

    def __init__(self, ctx: ReadContext, fmt: str) -> None:
        self._ctx = ctx
        self._fmt = fmt
        self._rows: list[dict[str, Any]] = []

    def __len__(self) -> int:
        return len(self._rows)

    def add(self, record: int, row: dict[str, Any]) -> pa.RecordBatch | None:
        """Add one row; return a full batch when ``batch_size`` rows are waiting."""
        row["format"] = self._fmt
        row[RECORD_COLUMN] = record
        self._rows.append(row)
        if len(self._rows) >= self._ctx.batch_size:
            return self.flush()
        return None

    def flush(self) -> pa.RecordBatch | None:
        if not self._rows:
            return None
        rows, self._rows = self._rows, []
        try:
            return pa.RecordBatch.from_pylist(rows, schema=READER_SCHEMA)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError, ValueError):
            return self._flush_row_by_row(rows)

    def _flush_row_by_row(self, rows: list[dict[str, Any]]) -> pa.RecordBatch | None:
        """Slow path: find the rows Arrow rejects, skip them with a reason."""
        good: list[dict[str, Any]] = []
        for row in rows:
            try:
                pa.RecordBatch.from_pylist([row], schema=READER_SCHEMA)
            except (
                pa.ArrowInvalid,
                pa.ArrowTypeError,
                OverflowError,
                TypeError,
                ValueError,
            ) as exc:
                self._ctx.skip(row.get(RECORD_COLUMN), f"wrong type of value: {exc}")
                continue
            good.append(row)
        return pa.RecordBatch.from_pylist(good, schema=READER_SCHEMA) if good else None


def batches_of(
    ctx: ReadContext, fmt: str, rows: Iterable[tuple[int, dict[str, Any] | str]]
) -> Iterator[pa.RecordBatch]:
    """Bounded batches from (record number, row or the reason it is skipped) pairs."""
    out = BatchBuilder(ctx, fmt)
    for record, row in rows:
        if isinstance(row, str):
            ctx.skip(record, row)
        elif (batch := out.add(record, row)) is not None:
            yield batch
    if (batch := out.flush()) is not None:
        yield batch


def num(value: Any) -> float | None:
    """A finite number from a JSON/CSV value, or None (bools and strings are not numbers)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        f = float(value)
        return f if f == f and f not in (float("inf"), float("-inf")) else None
    return None


def small_int(value: Any) -> int | None:
    """An integer category (nic, nac_p, ...) in 0..15, or None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if value != value or not 0 <= value <= 15:
        return None
    return int(value)


def text(value: Any) -> str | None:
    """A stripped non-empty string, or None."""
    if not isinstance(value, str):
        return None
    s = value.strip()
    return s or None
