"""What every reader shares: the Reader protocol, the read context, batching.

A reader turns one file into a stream of bounded Arrow record batches in the
canonical schema (without ``record_id``, which :mod:`skywitness.io.reading`
adds), plus one internal column ``_record`` naming the record each row came
from (a line, frame or point number) for error messages. Records it cannot
use are reported through :meth:`ReadContext.skip` and reading goes on; a file
it cannot read at all raises :class:`~skywitness.errors.InputError`.
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import io
import math
import os
import re
import stat
import threading
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

import pyarrow as pa
from isal import igzip, isal_zlib

from skywitness.errors import InputError
from skywitness.model.schema import REPORT_SCHEMA

#: Rows per record batch. Bounds memory whatever the size of the input.
DEFAULT_BATCH_SIZE = 65_536
#: Bytes of (decompressed) content shown to readers for format detection.
SNIFF_BYTES = 65_536
#: How many skip reasons are kept verbatim per file (all are counted).
MAX_KEPT_ISSUES = 50
#: Bytes read (decompressed) per call when streaming a file: large enough that
#: the per-call cost vanishes, small enough to bound memory.
READ_CHUNK_BYTES = 1 << 20
#: Most bytes read per call by :func:`text_lines` (64 KiB: thousands of lines
#: per call, and blank runs are skipped at regex speed). It reads with
#: ``read1``, one decompression step at a time, because a gzip read that meets
#: damage loses everything it decompressed in that call.
TEXT_CHUNK_BYTES = 1 << 16
#: Bytes decompressed per call while reading the head for detection: small,
#: so that a corrupt gzip keeps most of what came before the damage.
SNIFF_CHUNK_BYTES = 8192
#: What a damaged compressed stream raises (gzip.BadGzipFile is an OSError;
#: ISA-L's inflate raises its own error where zlib's raises ``zlib.error``).
_ISAL_ERROR: type[BaseException] = isal_zlib.error  # type: ignore[assignment]  # (stubs)
DECOMPRESSION_ERRORS = (OSError, EOFError, zlib.error, _ISAL_ERROR)

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


def os_reason(exc: OSError) -> str:
    """What an OSError says about a path, in a few words (no path, no errno number)."""
    if exc.errno == errno.ENOENT:
        return "no such file"
    if exc.errno == errno.ELOOP:
        return "too many levels of symbolic links (a link loop)"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    return exc.strerror.lower() if exc.strerror else str(exc)


def file_problem(path: Path) -> str | None:
    """Why ``path`` cannot be read as a file, or None when it can: missing,
    a broken or looping symbolic link, a directory, a FIFO or device (reading
    one could block forever), not readable."""
    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ENOENT and os.path.islink(path):
            return f"broken symbolic link (to {os.readlink(path)})"
        return os_reason(exc)
    if stat.S_ISDIR(st.st_mode):
        return "is a directory"
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file (a FIFO, socket or device)"
    if not os.access(path, os.R_OK):
        return "permission denied"
    return None


#: Bytes read per call while digesting a pinned file (the digest pass).
DIGEST_CHUNK_BYTES = 1 << 20
#: A pinned file of at most this many bytes keeps the bytes of its digest pass
#: (one read), and is decompressed from them once for every later read.
KEPT_BYTES = DIGEST_CHUNK_BYTES
#: Largest content decompressed once and kept (a kept file that inflates to
#: more is read as a stream, as a larger file is).
KEPT_CONTENT_BYTES = 16 << 20


class PinnedFile:
    """One input file opened once: its digest and every later read come from
    the same open file and the same bytes.

    The file is opened and hashed (SHA-256) to its end once: ``size`` bytes,
    ``digest``. While :meth:`active`, :func:`open_binary` of its path reads
    through this open file (never the path again: a file renamed over it is
    not seen), and never past ``size`` (bytes appended meanwhile are not
    read). Each such read hashes the bytes it consumes, in order; one that
    consumes all ``size`` bytes checks them against ``digest``. :meth:`problem`
    then says whether what was read differs from what the digest names (the
    file was cut or rewritten while it was read); a read that never reached
    the end (a reader that opens the path itself) is checked by hashing the
    open file again.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        except OSError as exc:
            raise InputError(str(path), f"cannot open: {os_reason(exc)}") from None
        self._file = io.FileIO(fd, "rb", closefd=True)  # closes the descriptor when collected
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            self._file.close()
            raise InputError(str(path), "not a regular file (a FIFO, socket or device)")
        self.identity = (st.st_dev, st.st_ino)
        try:
            self.size, self.digest, self._kept = self._hash(None)
        except OSError as exc:
            self._file.close()
            raise InputError(str(path), f"cannot read: {os_reason(exc)}") from None
        self._content: bytes | None = None
        self._decoded = False  # content() has looked at the kept bytes
        self.verified = False  # a read consumed all `size` bytes and they matched
        self.short: int | None = None  # a read met the end of the file at this offset
        self.mismatch = False  # a read consumed all `size` bytes and they differ

    def _hash(self, limit: int | None) -> tuple[int, str, bytes | None]:
        """(bytes, SHA-256) of the open file's first ``limit`` bytes (all if
        None), and those bytes when they were read in one piece of at most
        :data:`KEPT_BYTES`."""
        h = hashlib.sha256()
        pos = 0
        fd = self._file.fileno()
        chunks = 0
        first = b""
        while limit is None or pos < limit:
            want = DIGEST_CHUNK_BYTES if limit is None else min(DIGEST_CHUNK_BYTES, limit - pos)
            chunk = os.pread(fd, want, pos)
            if not chunk:
                break
            if not chunks:
                first = chunk
            chunks += 1
            h.update(chunk)
            pos += len(chunk)
        kept = first if chunks <= 1 and pos <= KEPT_BYTES else None
        return pos, h.hexdigest(), kept

    def content(self) -> bytes | None:
        """The whole decompressed content, decoded once from the very bytes
        the digest was taken of, for a small file (:data:`KEPT_BYTES`): plain,
        or gzip of one member that inflates cleanly with nothing after it, to
        at most :data:`KEPT_CONTENT_BYTES`. None otherwise: the file is read
        as a stream (:meth:`view`), whose handling of damage and of several
        members stays the one that speaks for the file. Its bytes are the
        digest's, so a file that serves its content is verified."""
        if not self._decoded:
            self._decoded = True
            self._content = None if self._kept is None else _inflated(self._kept)
            self._kept = None
        if self._content is None:
            return None
        self.verified = True
        return self._content

    def prefix_digest(self, n: int) -> str | None:
        """SHA-256 of the first ``n`` bytes (None if the file holds fewer)."""
        got, digest, _ = self._hash(n)
        return digest if got == n else None

    def pread(self, n: int, offset: int) -> bytes:
        return os.pread(self._file.fileno(), n, offset)

    def view(self) -> IO[bytes]:
        """A new buffered reader of the pinned bytes, from the start."""
        return io.BufferedReader(_PinnedView(self), READ_CHUNK_BYTES)

    @contextmanager
    def active(self) -> Iterator[PinnedFile]:
        """Route :func:`open_binary` of this path through the pinned file."""
        pinned = _pinned()
        key = os.fspath(self.path)
        before = pinned.get(key)
        pinned[key] = self
        try:
            yield self
        finally:
            if before is None:
                pinned.pop(key, None)
            else:
                pinned[key] = before

    def problem(self) -> str | None:
        """Why the bytes read differ from those the digest names, or None."""
        if self.short is not None:
            return (
                f"changed while it was read: cut to {self.short} bytes "
                f"({self.size} when its digest was taken); nothing of it is kept"
            )
        if self.mismatch:
            return "changed while it was read: its bytes were rewritten; nothing of it is kept"
        if not self.verified:  # a reader that did not read it through: hash it again
            try:
                got, digest, _ = self._hash(self.size)
                here = os.stat(self.path)
            except OSError as exc:
                return f"changed while it was read: {os_reason(exc)}; nothing of it is kept"
            if got < self.size:
                return (
                    f"changed while it was read: cut to {got} bytes "
                    f"({self.size} when its digest was taken); nothing of it is kept"
                )
            if digest != self.digest:
                return "changed while it was read: its bytes were rewritten; nothing of it is kept"
            if (here.st_dev, here.st_ino) != self.identity:
                return "changed while it was read: replaced by another file; nothing of it is kept"
        return None

    def close(self) -> None:
        self._file.close()
        self._kept = self._content = None


def _inflated(raw: bytes) -> bytes | None:
    """``raw`` decompressed when it is gzip of one clean member and nothing
    after it (zlib checks the header, the CRC and the length), ``raw`` itself
    when it is not gzip, None otherwise (damage, several members, trailing
    bytes, or more than :data:`KEPT_CONTENT_BYTES`)."""
    if raw[:2] != GZIP_MAGIC:
        return raw
    inflate = isal_zlib.decompressobj(31)
    try:
        out = inflate.decompress(raw, KEPT_CONTENT_BYTES + 1)
    except DECOMPRESSION_ERRORS:
        return None
    if not inflate.eof or inflate.unused_data or len(out) > KEPT_CONTENT_BYTES:
        return None
    return bytes(out)


class _PinnedView(io.RawIOBase):
    """Reads of a :class:`PinnedFile` (positioned reads: views are independent),
    hashing the bytes consumed in order."""

    def __init__(self, pinned: PinnedFile) -> None:
        self._pinned = pinned
        self._pos = 0
        self._hashed = 0
        self._sha = hashlib.sha256()
        self._checked = False

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._pinned.size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer: Any) -> int:
        pinned = self._pinned
        want = min(len(buffer), pinned.size - self._pos)
        if want <= 0:
            self._check()
            return 0
        data = pinned.pread(want, self._pos)
        if len(data) < want:
            pinned.short = self._pos + len(data)
        n = len(data)
        buffer[:n] = data
        if self._pos <= self._hashed < self._pos + n:
            self._sha.update(memoryview(data)[self._hashed - self._pos :])
            self._hashed = self._pos + n
        self._pos += n
        if self._pos >= pinned.size:
            self._check()
        return n

    def _check(self) -> None:
        if self._checked or self._hashed != self._pinned.size:
            return
        self._checked = True
        if self._sha.hexdigest() == self._pinned.digest:
            self._pinned.verified = True
        else:
            self._pinned.mismatch = True


_LOCAL = threading.local()


def _pinned() -> dict[str, PinnedFile]:
    """Pinned files of this thread, by path."""
    pinned: dict[str, PinnedFile] | None = getattr(_LOCAL, "pinned", None)
    if pinned is None:
        pinned = _LOCAL.pinned = {}
    return pinned


def _open_raw(path: Path) -> IO[bytes]:
    pinned = _pinned().get(os.fspath(path))
    if pinned is not None:
        return pinned.view()
    return path.open("rb")


def open_binary(path: Path, *, whole: bool = False) -> IO[bytes]:
    """Open a file for reading bytes, decompressing gzip transparently (by content).

    A file pinned by :meth:`PinnedFile.active` is read through its pinned bytes.
    ``whole``: the caller reads the whole content or fails the file, so a
    damaged stream may lose what it decompressed last: then gzip is inflated
    by ISA-L (the gzip module's own reader on a faster engine, about three
    times zlib's speed), which decompresses more per step than zlib's reader
    and so keeps less of what came before damage."""
    pinned = _pinned().get(os.fspath(path))
    if pinned is not None and (content := pinned.content()) is not None:
        return io.BytesIO(content)
    try:
        raw = _open_raw(path)
    except OSError as exc:
        raise InputError(str(path), f"cannot open: {os_reason(exc)}") from None
    try:
        magic = raw.read(2)
        raw.seek(0)
    except OSError as exc:
        raw.close()
        raise InputError(str(path), f"cannot read: {os_reason(exc)}") from None
    if magic == GZIP_MAGIC:
        if whole:
            return igzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[no-untyped-call,return-value]
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    return raw


def open_text(path: Path) -> IO[str]:
    """Open a (possibly gzip-compressed) file as UTF-8 text; bad bytes are replaced."""
    return io.TextIOWrapper(open_binary(path), encoding="utf-8", errors="replace", newline="")


def sniff_head(path: Path, n: int = SNIFF_BYTES) -> tuple[bytes, str | None]:
    """The first ``n`` bytes of the decompressed content, and what was wrong
    with the compressed data if it broke before ``n`` bytes (None when not):
    a truncated or corrupt gzip keeps what came before the damage."""
    out = bytearray()
    with open_binary(path) as fh:
        try:
            while len(out) < n and (chunk := fh.read(min(SNIFF_CHUNK_BYTES, n - len(out)))):
                out += chunk
        except DECOMPRESSION_ERRORS as exc:
            return bytes(out), str(exc) or type(exc).__name__
    return bytes(out), None


def read_head(path: Path, n: int = SNIFF_BYTES) -> bytes:
    """The first ``n`` bytes of the decompressed content (what could be
    decompressed, for a damaged gzip; see :func:`sniff_head`)."""
    return sniff_head(path, n)[0]


_NONBLANK = re.compile(rb"[^ \t\r\n\f\v]")
_EOL = re.compile(rb"[\r\n]")
#: Blank stretches longer than this are scanned with NumPy (the regex engine
#: steps one byte at a time: 0.6 ms per 64 KiB, ten times slower).
_VECTOR_SCAN_BYTES = 256


def _first_nonblank(buf: bytes | bytearray, pos: int) -> int:
    """Position of the first byte at or after ``pos`` that is not blank, or ``len(buf)``."""
    m = _NONBLANK.search(buf, pos, pos + _VECTOR_SCAN_BYTES)
    if m is not None:
        return m.start()
    if pos + _VECTOR_SCAN_BYTES >= len(buf):
        return len(buf)
    import numpy as np

    a = np.frombuffer(buf, np.uint8, offset=pos)
    blank = (a == 10) | (a == 32) | (a == 13) | (a == 9) | (a == 12) | (a == 11)
    i = int(np.argmin(blank))
    return len(buf) if blank[i] else pos + i


def _line_ends(buf: bytes | bytearray, pos: int, stop: int) -> int:
    """Line ends (LF, CR, CRLF counting once) in ``buf[pos:stop]``."""
    if stop - pos <= _VECTOR_SCAN_BYTES:
        return (
            buf.count(b"\n", pos, stop)
            + buf.count(b"\r", pos, stop)
            - buf.count(b"\r\n", pos, stop)
        )
    import numpy as np

    a = np.frombuffer(buf, np.uint8, count=stop - pos, offset=pos)
    ends = int(np.count_nonzero(a == 10))
    if buf.find(b"\r", pos, stop) >= 0:
        ends += int(np.count_nonzero(a == 13)) - buf.count(b"\r\n", pos, stop)
    return ends


def text_lines(
    path: Path, ctx: ReadContext, max_line_bytes: int, unit: str = "bytes"
) -> Iterator[tuple[int, str]]:
    """(line number from 1, line without its end and leading blanks) of the
    lines of a text file (plain or gzip) that are not blank, in bounded memory
    and fast over blanks.

    Lines end at LF, CR or CRLF (as text files are read in universal-newline
    mode), and are decoded as UTF-8 with bad bytes replaced. Runs of blank
    lines are stepped over by the regex engine, never one line at a time, so
    gigabytes of newlines cost seconds. A line longer than ``max_line_bytes``
    is skipped (one skip naming it, ``unit`` naming the limit's unit); a
    corrupt or truncated gzip ends the file with a skip instead of an error.
    """
    line = 1  # number of the line at `pos`
    carry = bytearray()  # a line not yet ended, from its first non-blank byte
    skip_lf = False  # the last buffer ended with CR: an LF first is its pair
    discarding = False  # inside a line too long, until its end
    too_long = f"line longer than {max_line_bytes} {unit}"
    with open_binary(path) as fh:
        read = getattr(fh, "read1", fh.read)
        while True:
            failure: BaseException | None = None
            try:
                chunk = read(TEXT_CHUNK_BYTES)
            except DECOMPRESSION_ERRORS as exc:
                chunk, failure = b"", exc
            eof = not chunk
            # A carried line start is extended in place (no copy per chunk) and
            # not scanned again: it holds no line end.
            resume: int | None = None  # where to look for the carried line's end
            buf: bytes | bytearray = chunk
            if carry:
                resume = len(carry)
                carry += chunk
                buf, carry = carry, bytearray()
            pos = 1 if skip_lf and buf[:1] == b"\n" else 0
            skip_lf = False
            n = len(buf)
            while pos < n:
                if resume is not None:
                    start, eol_from, resume = 0, resume, None
                else:
                    if discarding:
                        e = _EOL.search(buf, pos)
                        if e is None:
                            break
                        discarding = False
                        pos = e.start()
                    stop = _first_nonblank(buf, pos)
                    line += _line_ends(buf, pos, stop)
                    if stop == n:
                        skip_lf = buf.endswith(b"\r")
                        break
                    start = eol_from = stop  # the line's leading blanks are dropped
                e = _EOL.search(buf, eol_from)
                if e is None:
                    if n - start > max_line_bytes:
                        ctx.skip(line, too_long)
                        discarding = not eof
                    elif eof and failure is None:  # a line cut by damage is not kept
                        yield line, buf[start:].decode("utf-8", "replace")
                    else:
                        carry = buf if start == 0 and isinstance(buf, bytearray) else bytearray()
                        if not carry:
                            carry += buf[start:]
                    break
                t = e.start()
                if t - start > max_line_bytes:
                    ctx.skip(line, too_long)
                else:
                    yield line, buf[start:t].decode("utf-8", "replace")
                line += 1
                if buf[t] == 0x0D and t + 1 < n and buf[t + 1] == 0x0A:
                    pos = t + 2
                else:
                    pos = t + 1
                    skip_lf = buf[t] == 0x0D and pos == n
            if failure is not None:
                ctx.skip(line, f"corrupt or truncated compressed data: {failure}")
                return
            if eof:
                return


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


class BadValue(Exception):
    """A value no record can hold (an integer beyond float64); the reader skips
    the record with :attr:`reason` (internal to the readers)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def num(value: Any, name: str = "value") -> float | None:
    """A finite number from a JSON/CSV value, or None (bools and strings are
    not numbers; NaN and infinities are unknown). An integer beyond float64
    (more than 308 digits) raises :class:`BadValue` naming ``name``: it is
    garbage, not a value to drop silently."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        try:
            f = float(value)
        except OverflowError:
            raise BadValue(f"out-of-range {name} (an integer of {_digits(value)} digits)") from None
    elif isinstance(value, float):
        f = value
    else:
        return None
    return f if math.isfinite(f) else None


def _digits(value: int) -> str:
    """Decimal digits of a large integer ("~N" beyond Python's conversion limit)."""
    try:
        return str(len(str(abs(value))))
    except ValueError:  # more digits than int -> str converts
        return f"~{int(abs(value).bit_length() * math.log10(2)) + 1}"


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
