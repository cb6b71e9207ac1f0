"""AVR text captures (dump1090 / readsb port 30002 output, plain or gzip).

One frame per line: ``*<hex>;`` (no timestamp), ``@<12 hex timestamp><hex>;``
(AVR-MLAT: the 12 MHz receiver counter, or the GPS time of day of
GPS-synchronised receivers, see :mod:`~skywitness.io.modes.clock`), or
``<<12 hex timestamp><2 hex signal><hex>;`` (the Radarcape / mlat-client
variant with a signal byte). The final ``;`` is optional. 4-digit payloads
are Mode A/C replies: no address, skipped.

Plain ``*`` lines have no time at all. They get the time of the last
timestamped line before them, or the file's start time (given, else its
modification time), and a note says so: no time is invented. Rows keep file
order. CPR pairs are still formed in line order (frames of one aircraft on
nearby lines are seconds apart in a live capture), without the checks that
need time: pair and reference ages are not limited, and a position is only
refused when it is :data:`~skywitness.io.modes.track.UNTIMED_MAX_JUMP_NM`
from the previous one. Use a timestamped format when times matter.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from skywitness.io.base import ReadContext, read_head
from skywitness.io.modes.clock import Clock, make_clock
from skywitness.io.modes.decode import ModeSDecoder
from skywitness.io.modes.frames import text_lines

NAME = "avr"
_LINE = re.compile(
    r"(?:\*(?P<plain>[0-9A-Fa-f]+)"
    r"|@(?P<ts>[0-9A-Fa-f]{12})(?P<mlat>[0-9A-Fa-f]+)"
    r"|<(?P<ts2>[0-9A-Fa-f]{12})[0-9A-Fa-f]{2}(?P<sig>[0-9A-Fa-f]+))"
    r";?"
)
MODE_AC_HEX = 4
#: sniff() wants this share of the first complete non-empty lines to be AVR.
SNIFF_MIN_SHARE = 0.8
#: Bytes scanned first to tell the kind of timestamps (12 MHz counter or GPS
#: time of day, :mod:`~skywitness.io.modes.clock`): about 25,000 lines.
CLOCK_SCAN_BYTES = 1 << 20


class AvrReader:
    name = NAME
    description = "AVR text frames (*hex; or @timestamp+hex;), plain or gzip"

    def sniff(self, head: bytes, path: Path) -> bool:
        text = head.decode("utf-8", errors="replace")
        lines = text.splitlines()
        if len(lines) > 1 and not text.endswith(("\n", "\r")):
            lines = lines[:-1]  # the last line may be cut by the head limit
        lines = [ln.strip() for ln in lines if ln.strip()][:50]
        if not lines or not _LINE.fullmatch(lines[0]):
            return False
        good = sum(1 for ln in lines if _LINE.fullmatch(ln))
        return good >= SNIFF_MIN_SHARE * len(lines)

    def read(self, path: Path, ctx: ReadContext) -> Iterator[pa.RecordBatch]:
        clock = _clock(path, ctx)
        decoder = ModeSDecoder(ctx, NAME)
        noted_untimed = False
        for number, raw in text_lines(path, ctx):
            line = raw.strip()
            if not line:
                continue
            m = _LINE.fullmatch(line)
            if m is None:
                ctx.skip(number, f"not an AVR line: {line[:40]!r}")
                continue
            plain, ts = m["plain"], m["ts"] or m["ts2"]
            frame = plain or m["mlat"] or m["sig"]
            if len(frame) == MODE_AC_HEX:
                ctx.skip(number, "Mode A/C reply: no aircraft address")
                continue
            mlat, timed = False, ts is not None
            if ts is None:
                if not noted_untimed:
                    noted_untimed = True
                    ctx.note(
                        number,
                        "AVR lines without timestamp: they get the previous "
                        "timestamped line's time, or the file's start time",
                    )
                t_ns = clock.last_ns if clock.last_ns is not None else clock.start_ns()
            else:
                t_ns, mlat = clock.time_ns(int(ts, 16), number)
            decoder.add(t_ns, frame, number, mlat, timed)
            if decoder.full:
                yield from decoder.decode()
        yield from decoder.finish()


def _clock(path: Path, ctx: ReadContext) -> Clock:
    """The file's clock, from the timestamps of its first lines."""
    text = read_head(path, CLOCK_SCAN_BYTES).decode("utf-8", errors="replace")
    counters = []
    for line in text.splitlines()[:-1]:  # the last line may be cut
        m = _LINE.fullmatch(line.strip())
        if m is not None and (ts := m["ts"] or m["ts2"]) is not None:
            counters.append(int(ts, 16))
    return make_clock(ctx, counters)


READER = AvrReader()
