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

import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from skywitness.io.base import READER_SCHEMA, RECORD_COLUMN, BadValue, ReadContext, batches_of, num
from skywitness.io.jsondoc import Bad, JsonPath, load, read_document
from skywitness.io.readsb.aircraft import starts_as_snapshot
from skywitness.io.readsb.columns import (
    NUMBER_TYPES,
    Unclean,
    aircraft_columns,
    dict_columns,
    lenient,
)
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
        # A snapshot is given up first (it would be, after a search of its
        # whole head for a key it does not hold: 2 % of a snapshot ingest).
        # Only a head the snapshot reader takes is given up so, and no trace
        # starts with "now".
        if starts_as_snapshot(head):
            return False
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
        fast = trace_batch(doc["trace"], base_ns, icao24)
        if fast is not None:
            batch, dropped = fast
            if dropped:
                ctx.note(None, _dropped_note(dropped))
            for start in range(0, batch.num_rows, ctx.batch_size):
                yield batch.slice(start, ctx.batch_size)
            return
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
        ctx.note(None, _dropped_note(dropped))


def _dropped_note(dropped: int) -> str:
    return f"{dropped} stale point(s) repeating the last position read without one"


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


# -- the columnar path ---------------------------------------------------------


def trace_batch(points: list[Any], base_ns: int, icao24: str) -> tuple[pa.RecordBatch, int] | None:
    """Every point of a trace as one batch in ``READER_SCHEMA`` and how many
    stale repeats lost their position, exactly the rows the per-point reader
    (:func:`_point`, :func:`_without_stale_repeats`) gives; None when any
    point would be skipped or holds a value that reader treats specially
    (then it reads the trace point by point, naming each problem). One list
    per column instead of a dict per point."""
    n = len(points)
    if n == 0 or not all(type(p) is list and len(p) >= 7 for p in points):
        return None
    try:
        return _trace_batch(points, base_ns, icao24)
    except (Unclean, BadValue, pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError,
            ValueError):  # fmt: skip
        return None


def _trace_batch(points: list[list[Any]], base_ns: int, icao24: str) -> tuple[pa.RecordBatch, int]:
    n = len(points)
    c = list(itertools.zip_longest(*points))  # the points' places, None where one is short
    c += [(None,) * n] * (14 - len(c))
    if not NUMBER_TYPES.issuperset(map(type, c[0])) or any(v is None for v in c[0]):
        raise Unclean
    dt = np.asarray(pa.array(c[0], pa.float64()).to_numpy(zero_copy_only=False))
    if not (np.isfinite(dt) & (np.abs(dt) <= MAX_OFFSET_S)).all():
        raise Unclean
    time_ns = base_ns + np.rint(dt * 1e6).astype(np.int64) * 1000
    for k in (1, 2):  # coordinates: numbers (NaN passes, for validation to name) or null
        if not NUMBER_TYPES.issuperset(map(type, c[k])):
            raise Unclean
        if any(type(v) is int and abs(v) >= 2**63 for v in c[k]):
            raise Unclean
    lat, lon = pa.array(c[1], pa.float64()), pa.array(c[2], pa.float64())
    if pc.any(pc.is_nan(lat)).as_py() or pc.any(pc.is_nan(lon)).as_py():
        raise Unclean  # NaN: the per-point reader keeps it for validation to name
    alt_in = c[3]
    if not NUMBER_TYPES.issuperset(t for t in map(type, alt_in) if t is not str) or any(
        type(v) is str and v != "ground" for v in alt_in
    ):
        raise Unclean
    ground = [v == "ground" for v in alt_in]
    alt = lenient([None if g else v for v, g in zip(alt_in, ground, strict=True)])
    on_ground = pa.array(
        [True if g else (None if a is None else False)
         for g, a in zip(ground, alt.to_pylist(), strict=True)],
        pa.bool_(),
    )  # fmt: skip
    flags = [f if type(f) is int else 0 for f in c[6]]
    stale = [bool(f & FLAG_STALE) for f in flags]
    geom_flag = np.array([bool(f & FLAG_ALT_GEOM) for f in flags])

    # The aircraft dicts (every few points): read as a snapshot's entries are,
    # then spread to their points.
    at = [i for i, x in enumerate(c[8]) if type(x) is dict]
    cols: dict[str, pa.Array] = {}
    types: list[Any] = [None] * n
    if at:
        got = dict_columns([c[8][i] for i in at])
        where = np.full(n, len(at), dtype=np.int64)
        where[at] = np.arange(len(at))
        take = pa.array(where)
        for name, arr in aircraft_columns(got).items():
            cols[name] = pa.concat_arrays([arr, pa.nulls(1, arr.type)]).take(take)
        for i, t in zip(at, got["type"], strict=True):
            types[i] = t
    lengths = [len(p) for p in points]
    source = [source_of(c[9][i] if lengths[i] > 9 else types[i]) for i in range(n)]

    def field(name: str) -> pa.Array:
        arr = cols.get(name)
        return pa.nulls(n, READER_SCHEMA.field(name).type) if arr is None else arr

    keep_geom = pa.array(geom_flag)
    cols_out: dict[str, pa.Array] = {}
    cols_out["alt_geom_ft"] = pc.if_else(keep_geom, alt, field("alt_geom_ft"))
    cols_out["alt_baro_ft"] = pc.if_else(keep_geom, field("alt_baro_ft"), alt)
    geom = lenient(list(c[10]))
    cols_out["alt_geom_ft"] = pc.coalesce(geom, cols_out["alt_geom_ft"])
    cols_out["ias_kt"] = pc.coalesce(lenient(list(c[12])), field("ias_kt"))
    cols_out["roll_deg"] = pc.coalesce(lenient(list(c[13])), field("roll_deg"))
    cols_out["on_ground"] = on_ground
    cols_out["gs_kt"], cols_out["track_deg"] = lenient(list(c[4])), lenient(list(c[5]))
    cols_out["vrate_fpm"] = lenient(list(c[7]))
    cols_out["stale"] = pa.array(stale, pa.bool_())
    cols_out["new_leg"] = pa.array([bool(f & FLAG_NEW_LEG) for f in flags], pa.bool_())
    cols_out["source"] = pa.array(source, pa.string())
    cols_out["time"] = pa.array(time_ns, pa.int64())
    cols_out["icao24"] = pa.array([icao24] * n, pa.string())

    # Stale repeats (_without_stale_repeats): an airborne stale point at the
    # position of the last point with one carries none.
    has = ~np.asarray(lat.is_null().to_numpy(zero_copy_only=False)) & ~np.asarray(
        lon.is_null().to_numpy(zero_copy_only=False)
    )
    rows = np.flatnonzero(has)
    la = np.asarray(lat.to_numpy(zero_copy_only=False), np.float64)
    lo = np.asarray(lon.to_numpy(zero_copy_only=False), np.float64)
    same = np.zeros(rows.size, dtype=bool)
    same[1:] = (la[rows[1:]] == la[rows[:-1]]) & (lo[rows[1:]] == lo[rows[:-1]])
    airborne = ~np.asarray(on_ground.fill_null(False).to_numpy(zero_copy_only=False), bool)
    drop = np.zeros(n, dtype=bool)
    drop[rows] = same & np.asarray(stale, bool)[rows] & airborne[rows]
    if drop.any():
        none = pa.scalar(None, pa.float64())
        lat = pc.if_else(pa.array(drop), none, lat)
        lon = pc.if_else(pa.array(drop), none, lon)
    cols_out["lat"], cols_out["lon"] = lat, lon
    cols_out["format"] = pa.array([NAME] * n, pa.string())
    cols_out[RECORD_COLUMN] = pa.array(np.arange(n, dtype=np.int64))
    arrays = []
    for f in READER_SCHEMA:
        arr = cols_out.get(f.name)
        if arr is None:
            arr = field(f.name) if f.name in cols else pa.nulls(n, f.type)
        arrays.append(arr.cast(f.type) if arr.type != f.type else arr)
    return pa.RecordBatch.from_arrays(arrays, schema=READER_SCHEMA), int(drop.sum())
