"""readsb / tar1090 trace JSON (``trace_full_<icao>.json``, plain or gzip).

Top level ``{icao, timestamp, trace: [...]}``; each trace point is an array
(index: meaning): 0 seconds after ``timestamp``, 1-2 lat/lon, 3 barometric
altitude ft or "ground", 4 ground speed kt, 5 track, 6 flags (&1 stale, &2
new leg, &4 vertical rate geometric, &8 altitude geometric), 7 vertical rate,
8 null or the full aircraft dict, 9 source type, 10 geometric altitude,
11 geometric vertical rate, 12 IAS, 13 roll, 14 receiver id (some builds).
One report per point; quality fields come from the dict where it is present.

A point flagged stale that repeats the previous point's position exactly,
airborne, carries no position: readsb sets the stale flag when no position
message came for 20 s before the point, and a trace writer that fills every
point with the last position known (a convention met in converted archives;
the readsb sample here has 75 stale points and no such repeat) then writes it
again on every point while positions are lost (GNSS jamming, coverage). The repeat is not a fix: read as one it would be an
aircraft holding its position while it flies on, a frozen (spoofed) position
that never was. The report keeps everything else and ``stale`` true; the
read tells the user how many positions it so left out (a note).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from skywitness.io.base import BadValue, ReadContext, batches_of, num
from skywitness.io.jsondoc import Bad, JsonPath, load, read_document
from skywitness.io.readsb.common import aircraft_fields, altitude, source_of

NAME = "readsb-trace"
#: Top-level timestamps must be Unix seconds before 2100 (larger: a wrong unit).
MAX_EPOCH_S = 4_102_444_800
#: readsb writes one trace file per aircraft per day (plus overlap); offsets
#: beyond a year are corruption, not data.
MAX_OFFSET_S = 366 * 86_400
FLAG_STALE, FLAG_NEW_LEG, FLAG_RATE_GEOM, FLAG_ALT_GEOM = 1, 2, 4, 8
#: Largest trace file read (decompressed bytes). readsb writes one file per
#: aircraft and day; the traffic sample (2,500 points, 14 minutes of the full
#: dict every few points) is 0.44 MB, so a day at readsb's densest rate (a
#: point every 2 s with the dict, 43,200 points) is ~10 MB. 64 MiB is six
#: times that, and bounds the memory a hostile (decompressing) file can take.
MAX_DOCUMENT_BYTES = 64 << 20
_HEAD = re.compile(rb"^\s*\{")
_ICAO_KEY = re.compile(rb'"icao"\s*:')
_TRACE_KEY = re.compile(rb'"trace"\s*:\s*\[')


class TraceReader:
    name = NAME
    description = "readsb / tar1090 trace JSON (trace_full_*.json, plain or gzip)"

    def sniff(self, head: bytes, path: Path) -> bool:
        # Two searches, not one pattern with two ".*": that backtracks
        # quadratically (seconds on a 64 KiB head full of "icao":).
        if not _HEAD.match(head) or (icao := _ICAO_KEY.search(head)) is None:
            return False
        return _TRACE_KEY.search(head, icao.end()) is not None

    def read(self, path: Path, ctx: ReadContext) -> Iterator[pa.RecordBatch]:
        data = read_document(path, ctx, MAX_DOCUMENT_BYTES, "readsb trace")
        doc, _ = load(data, ctx, _is_point)
        del data
        if not isinstance(doc, dict) or not isinstance(doc.get("trace"), list):
            raise ctx.fail("not a readsb trace: no 'trace' array")
        icao = doc.get("icao")
        if not isinstance(icao, str):
            raise ctx.fail("no 'icao' string at top level")
        try:
            base = num(doc.get("timestamp"), "timestamp")
        except BadValue as exc:
            raise ctx.fail(exc.reason) from None
        if base is None or not 0 <= base < MAX_EPOCH_S:
            raise ctx.fail("no 'timestamp' in Unix seconds at top level")
        # Microsecond rounding: readsb writes milliseconds, floats add noise below.
        base_ns = round(base * 1e6) * 1000
        icao24 = icao.strip().lower()
        points = ((i, _point(point, base_ns, icao24)) for i, point in enumerate(doc["trace"]))
        yield from batches_of(ctx, NAME, _without_stale_repeats(points, ctx))


def _without_stale_repeats(
    rows: Iterator[tuple[int, dict[str, Any] | str]], ctx: ReadContext
) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """The rows, with the position of an airborne stale point that repeats the
    last position exactly taken out (see the module docstring)."""
    last: tuple[float, float] | None = None
    dropped = 0
    for record, row in rows:
        if not isinstance(row, str) and row["lat"] is not None and row["lon"] is not None:
            here = (row["lat"], row["lon"])
            if row["stale"] and here == last and not row.get("on_ground"):
                row["lat"] = row["lon"] = None
                dropped += 1
            else:
                last = here
        yield record, row
    if dropped:
        ctx.note(None, f"{dropped} stale point(s) repeating the last position read without one")


def _is_point(path: JsonPath) -> bool:
    return len(path) == 2 and path[0] == "trace"


def _point(p: Any, base_ns: int, icao24: str) -> dict[str, Any] | str:
    """The report for one trace point, or the reason it cannot be read."""
    if isinstance(p, Bad):
        return f"trace point cannot be decoded: {p.reason}"
    try:
        return _fields(p, base_ns, icao24)
    except BadValue as exc:
        return f"trace point has an {exc.reason}"


def _fields(p: Any, base_ns: int, icao24: str) -> dict[str, Any] | str:
    if not isinstance(p, list) or len(p) < 7:
        return "trace point is not an array of at least 7 values"
    dt = num(p[0], "time offset")
    if dt is None or abs(dt) > MAX_OFFSET_S:
        return "trace point has no plausible time offset"
    flags = p[6] if isinstance(p[6], int) and not isinstance(p[6], bool) else 0
    row: dict[str, Any] = {}
    extra = p[8] if len(p) > 8 and isinstance(p[8], dict) else None
    if extra is not None:
        row.update(aircraft_fields(extra))
    row["time"] = base_ns + round(dt * 1e6) * 1000
    row["icao24"] = icao24
    if not (_number_or_null(p[1]) and _number_or_null(p[2])):
        return "trace point has a non-numeric coordinate"
    # NaN passes through so that validation names it as such.
    row["lat"] = None if p[1] is None else float(p[1])
    row["lon"] = None if p[2] is None else float(p[2])
    alt, ground = altitude(p[3], "altitude")
    if flags & FLAG_ALT_GEOM:
        row["alt_geom_ft"] = alt
    else:
        row["alt_baro_ft"] = alt
    row["on_ground"] = ground
    row["gs_kt"], row["track_deg"] = num(p[4], "ground speed"), num(p[5], "track")
    row["vrate_fpm"] = num(p[7], "vertical rate") if len(p) > 7 else None
    row["stale"] = bool(flags & FLAG_STALE)
    row["new_leg"] = bool(flags & FLAG_NEW_LEG)
    row["source"] = source_of(p[9] if len(p) > 9 else (extra or {}).get("type"))
    if len(p) > 10 and (geom := num(p[10], "geometric altitude")) is not None:
        row["alt_geom_ft"] = geom
    if len(p) > 12 and (ias := num(p[12], "IAS")) is not None:
        row["ias_kt"] = ias
    if len(p) > 13 and (roll := num(p[13], "roll")) is not None:
        row["roll_deg"] = roll
    return row


def _number_or_null(v: Any) -> bool:
    if isinstance(v, int) and not isinstance(v, bool):
        return abs(v) < 2**63  # larger JSON integers do not fit a float64 usefully
    return v is None or isinstance(v, float)


READER = TraceReader()
