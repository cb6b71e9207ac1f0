"""JSON lines of raw Mode S frames, as written by jet1090 / rs1090 and others.

One JSON object per line with a hex frame (``frame``, or ``rawmsg``, ``msg``,
``hex``) and a reception time in unix seconds (``timestamp``, or ``ts``,
``time``). Any decoded fields already on the line are ignored: the frame is
decoded here, so every raw format gives the same fields the same way. A line
that is not a JSON object, or has no hex frame or no numeric time, is skipped
(record = line number, from 1).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from skywitness.io.base import ReadContext
from skywitness.io.jsondoc import Bad, loads_line
from skywitness.io.modes.decode import ModeSDecoder
from skywitness.io.modes.frames import text_lines

NAME = "modes-jsonl"
FRAME_KEYS = ("frame", "rawmsg", "msg", "hex")
TIME_KEYS = ("timestamp", "ts", "time")
#: Unix seconds beyond this (year 5138) are milliseconds or garbage.
MAX_UNIX_S = 1e11
_SNIFF_LINE = re.compile(r'^\s*\{.*"(frame|rawmsg|msg|hex)"\s*:\s*"[0-9A-Fa-f]+"')


class ModeSJsonlReader:
    name = NAME
    description = "JSON lines with a raw Mode S hex frame and a unix time (jet1090, rs1090)"

    def sniff(self, head: bytes, path: Path) -> bool:
        text = head.decode("utf-8", errors="replace")
        lines = [ln for ln in text.splitlines()[:20] if ln.strip()]
        if not lines:
            return False
        complete = lines[:-1] if len(lines) > 1 and not text.endswith("\n") else lines
        return all(_SNIFF_LINE.match(ln) and isinstance(_line(ln), tuple) for ln in complete[:5])

    def read(self, path: Path, ctx: ReadContext) -> Iterator[pa.RecordBatch]:
        decoder = ModeSDecoder(ctx, NAME)
        for number, line in text_lines(path, ctx):
            if not line.strip():
                continue
            parsed = _line(line)
            if isinstance(parsed, str):
                ctx.skip(number, parsed)
                continue
            decoder.add(parsed[0], parsed[1], number)
            if decoder.full:
                yield from decoder.decode()
        yield from decoder.finish()


def _line(line: str) -> tuple[int, str] | str:
    """(time ns, frame) from one line, or why it cannot be used."""
    obj = loads_line(line)  # never raises: huge integers, deep nesting are a Bad
    if isinstance(obj, Bad):
        return obj.reason
    if not isinstance(obj, dict):
        return "line is not a JSON object"
    frame = _first(obj, FRAME_KEYS)
    if not isinstance(frame, str) or not frame.strip():
        return f"no hex frame (looked for {', '.join(FRAME_KEYS)})"
    t = _first(obj, TIME_KEYS)
    if isinstance(t, str):
        try:
            t = float(t)
        except ValueError:
            return f"time is not a number: {t[:40]!r}"
    if isinstance(t, bool) or not isinstance(t, int | float):
        return f"no numeric time in unix seconds (looked for {', '.join(TIME_KEYS)})"
    if abs(t) > MAX_UNIX_S:  # also catches huge integers before any float conversion
        return "time is not in unix seconds (too large: milliseconds?)"
    if not math.isfinite(t):
        return "time is not a finite number"
    # Microsecond rounding: float64 unix seconds carry ~0.2 us of noise.
    return round(t * 1e6) * 1000, frame.strip()


def _first(obj: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if key in obj:
            return obj[key]
    return None


READER = ModeSJsonlReader()
