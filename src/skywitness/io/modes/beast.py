"""Mode-S Beast binary captures (dump1090/readsb port 30005 output, plain or gzip).

Each frame: ``0x1a``, a type byte, a 6-byte big-endian timestamp, one
signal byte, then the payload: type ``'1'`` Mode A/C (2 bytes), ``'2'`` Mode S
short (7), ``'3'`` Mode S long (14), ``'4'`` receiver status (14, Radarcape).
A ``0x1a`` byte inside a frame is sent twice. Timestamps are a 12 MHz counter
or, from GPS-synchronised receivers, the GPS time of day: the first
:data:`CLOCK_SCAN_BYTES` of the file tell which (see
:mod:`~skywitness.io.modes.clock`; a GPS file needs a start time or date).

The file is read in chunks of :data:`READ_CHUNK` bytes, so memory does not
grow with its size. A frame cut short by the start of another (``0x1a``
followed by anything but ``0x1a``), a truncated last frame, or bytes between
frames are skipped with their reason, and parsing resumes at the next
``0x1a`` and valid type byte. Mode A/C replies carry no address: skipped.
Record numbers are frame ordinals (from 0, counting skipped frames).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from skywitness.io.base import ReadContext, open_binary, read_head
from skywitness.io.modes.clock import Clock, make_clock
from skywitness.io.modes.decode import ModeSDecoder

NAME = "beast"
ESC = 0x1A
#: Payload bytes by type byte (after the 6 timestamp bytes and 1 signal byte).
PAYLOAD: dict[int, int] = {0x31: 2, 0x32: 7, 0x33: 14, 0x34: 14}
MODE_AC, STATUS = 0x31, 0x34
HEADER = 7  # timestamp + signal
#: Bytes read at a time: bounds memory for any file size.
READ_CHUNK = 1 << 20
#: sniff() wants this many consecutive clean frames (or the whole head).
SNIFF_FRAMES = 3
#: Bytes scanned first to tell the kind of timestamps: about 40,000 frames,
#: tens of seconds even of a busy receiver's output.
CLOCK_SCAN_BYTES = 1 << 20


class _Frame:
    __slots__ = ("counter", "kind", "payload")

    def __init__(self, kind: int, counter: int, payload: bytes) -> None:
        self.kind, self.counter, self.payload = kind, counter, payload


def parse(buf: bytes, start: int, final: bool) -> tuple[list[_Frame | str], int]:
    """Frames (or skip reasons) from ``buf[start:]``, and where parsing stopped.

    Parsing stops before an incomplete frame at the end of ``buf`` unless
    ``final``, when that frame is reported as truncated.
    """
    out: list[_Frame | str] = []
    p, n = start, len(buf)
    while p < n:
        if buf[p] != ESC or p + 1 >= n or buf[p + 1] not in PAYLOAD:
            if p + 1 >= n and buf[p] == ESC and not final:
                break
            q = _resync(buf, p + 1)
            out.append(f"{q - p} bytes between frames are not Beast data")
            p = q
            continue
        kind = buf[p + 1]
        size = HEADER + PAYLOAD[kind]
        body = buf[p + 2 : p + 2 + size]
        if len(body) == size and ESC not in body:  # fast path: nothing escaped
            out.append(_Frame(kind, int.from_bytes(body[:6], "big"), body[HEADER:]))
            p += 2 + size
            continue
        frame, q = _unescape(buf, p + 2, size)
        if frame is None:  # ran out of bytes
            if not final:
                break
            out.append("truncated frame at the end of the file")
            p = n
        elif isinstance(frame, int):  # a new frame started inside this one
            out.append("truncated frame (another frame starts inside it)")
            p = frame
        else:
            out.append(_Frame(kind, int.from_bytes(frame[:6], "big"), frame[HEADER:]))
            p = q
    return out, p


def _resync(buf: bytes, p: int) -> int:
    """Position of the next 0x1a followed by a valid type byte (or the end)."""
    n = len(buf)
    while True:
        p = buf.find(ESC, p)
        if p < 0 or p + 1 >= n:
            return n if p < 0 else p
        if buf[p + 1] in PAYLOAD:
            return p
        p += 1 if buf[p + 1] != ESC else 2


def _unescape(buf: bytes, p: int, size: int) -> tuple[bytes | int | None, int]:
    """Read ``size`` unescaped bytes from ``p``: (bytes, next position), (int
    position of a new frame, _) when one starts inside, (None, _) at the end."""
    out = bytearray()
    n = len(buf)
    while len(out) < size:
        if p >= n:
            return None, p
        b = buf[p]
        if b == ESC:
            if p + 1 >= n:
                return None, p
            if buf[p + 1] != ESC:
                return p, p
            p += 1
        out.append(b)
        p += 1
    return bytes(out), p


class BeastReader:
    name = NAME
    description = "Mode-S Beast binary (dump1090 / readsb port 30005), plain or gzip"

    def sniff(self, head: bytes, path: Path) -> bool:
        if len(head) < 2 or head[0] != ESC or head[1] not in PAYLOAD:
            return False
        items, _ = parse(head[: 64 * (HEADER + 16)], 0, final=False)
        first = items[:SNIFF_FRAMES]
        return bool(first) and all(isinstance(x, _Frame) for x in first)

    def read(self, path: Path, ctx: ReadContext) -> Iterator[pa.RecordBatch]:
        clock = _clock(path, ctx)
        decoder = ModeSDecoder(ctx, NAME)
        record = 0
        buf = b""
        with open_binary(path) as fh:
            while True:
                try:
                    chunk = fh.read(READ_CHUNK)
                except (OSError, EOFError, zlib.error) as exc:
                    ctx.skip(record, f"corrupt or truncated compressed data: {exc}")
                    chunk = b""
                final = not chunk
                buf += chunk
                items, stop = parse(buf, 0, final)
                buf = buf[stop:]
                for item in items:
                    if isinstance(item, str):
                        ctx.skip(record, item)
                    elif item.kind == MODE_AC:
                        ctx.skip(record, "Mode A/C reply: no aircraft address")
                    elif item.kind == STATUS:
                        ctx.skip(record, "receiver status frame: no aircraft data")
                    else:
                        t_ns, mlat = clock.time_ns(item.counter, record)
                        decoder.add(t_ns, item.payload.hex(), record, mlat)
                        if decoder.full:
                            yield from decoder.decode()
                    record += 1
                if final:
                    break
        yield from decoder.finish()


def _clock(path: Path, ctx: ReadContext) -> Clock:
    """The file's clock, from the timestamps and status frames at its start."""
    items, _ = parse(read_head(path, CLOCK_SCAN_BYTES), 0, final=False)
    counters: list[int] = []
    status: bytes | None = None
    for item in items:
        if isinstance(item, str):
            continue
        if item.kind != STATUS:
            counters.append(item.counter)
        elif status is None:
            status = item.payload
    return make_clock(ctx, counters, status)


READER = BeastReader()
