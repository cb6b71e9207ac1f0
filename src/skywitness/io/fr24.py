"""Flightradar24: flight-detail JSON, the web CSV export, and a CSV writer.

JSON (``JSON_READER``): ``result.response.data.flight`` (any leading part of
that wrapper may be missing) with ``identification.callsign``,
``aircraft.identification.modes`` (the 24-bit address) and ``track[]``: one
point per FR24 position with latitude/longitude, ``altitude.feet``,
``speed.kts``, ``verticalSpeed.fpm``, ``heading`` (FR24's name for the track
over ground), ``squawk``, ``timestamp`` (epoch s) and ``ems``: an Enhanced
Mode S snapshot (ias, tas, mach in thousandths, altGPS ft, heading, rollAngle,
mcp/fms selected altitude) with its own time ``ts``.

CSV (``CSV_READER``): the "Download CSV" export of the FR24 web site,
``Timestamp,UTC,Callsign,Position,Altitude,Speed,Direction`` with Position
quoted as "lat,lon". The export holds no aircraft address, and skywitness
never invents one: the address must be in the file name as ``icao24-<6 hex
digits>`` (``_`` or ``=`` also work, e.g. ``JL516_3376ab31_icao24-8467d8.csv``);
without it the file is refused with that instruction. A bare 6-hex token in
the name is not trusted: FR24 names files after flight numbers such as
``AC1234``, which read as hex.

FR24 merges ADS-B, MLAT and other feeds and does not say which one gave a
point, so the source is ``other``. FR24 writes altitude 0 for aircraft on the
ground (Zurich, elevation 1,416 ft, shows 0 while taxiing in the samples):
0 ft is read as on the ground with no barometric altitude, and written back
as 0. Squawk "0" is FR24's "no code received" (before the first reply on the
ground) and is read as null; shorter codes lost their leading zeros and are
padded ("416" is 0416).
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from skywitness.errors import UsageError
from skywitness.io.base import BatchBuilder, ReadContext, text, text_lines
from skywitness.io.jsondoc import Bad, JsonPath, load, read_document
from skywitness.model.units import NS_PER_S, NS_PER_US, US_PER_S

JSON_NAME = "fr24-json"
CSV_NAME = "fr24-csv"
SOURCE = "other"

#: Largest gap (s) between a track point and the EMS snapshot FR24 attached to
#: it for the EMS values to be kept on that point. FR24 pairs each point with
#: an EMS snapshot up to 30 s away (measured on the four traffic samples:
#: |ems.ts - timestamp| <= 30 s, 0 for about two thirds). At 3,000 ft/min a
#: 30 s skew is 1,500 ft of GNSS altitude, which would fake a baro/GNSS
#: disagreement; 1 s allows for the whole-second timestamps only.
EMS_MAX_SKEW_S = 1.0
#: FR24 stores the Mach number in thousandths (292 is M0.292), as traffic's
#: FlightRadar24.from_json also reads it.
EMS_MACH_SCALE = 1000.0
#: FR24 writes this altitude (ft) for aircraft on the ground.
GROUND_ALTITUDE_FT = 0.0
#: FR24 writes this squawk when no Mode A code was received.
NO_SQUAWK = "0"
#: Decimal places of positions in the CSV export (as FR24 writes them).
CSV_POSITION_DECIMALS = 6
#: Epoch seconds at or beyond which a time is unusable: the last second whose
#: nanoseconds fit in int64 (2262-04-11).
MAX_EPOCH_S = float((2**63 - 1) // NS_PER_S)
#: Largest flight-detail JSON read (decompressed bytes). One flight is one
#: document: the largest traffic sample (34a8254b, a 14-hour flight with EMS
#: data) is 1.4 MB; 64 MiB is forty times that, and bounds the memory a
#: hostile (decompressing) file can take.
MAX_DOCUMENT_BYTES = 64 << 20
#: Longest CSV line read (bytes). An export line is under 100 bytes; longer
#: lines are skipped one by one, never the whole file.
MAX_CSV_LINE_BYTES = 1 << 20

CSV_HEADER = ("Timestamp", "UTC", "Callsign", "Position", "Altitude", "Speed", "Direction")

_JSON_HEAD = re.compile(rb"^\s*\{")
_JSON_KEY = re.compile(rb'"(?:identification|flight)"\s*:')
_JSON_TRACK = re.compile(rb'"track"\s*:\s*\[')
_JSON_WRAPPER = ("result", "response", "data", "flight")
_ADDRESS_IN_NAME = re.compile(r"icao24[-_=]([0-9a-f]{6})(?![0-9a-z])", re.IGNORECASE)
_ICAO = re.compile(r"^[0-9a-f]{6}$")


class _Bad(Exception):
    """A field holds a value of the wrong type (internal to this module)."""


def _number(value: Any, name: str) -> float | None:
    """A finite number, None when absent; _Bad when present but not a number."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Bad(f"non-numeric {name}")
    try:
        f = float(value)
    except OverflowError:
        raise _Bad(f"out-of-range {name}") from None
    return f if math.isfinite(f) else None


def _unit(value: Any, unit: str, name: str) -> float | None:
    """FR24 gives some values as ``{unit: value, ...}``; a bare number is also read."""
    if isinstance(value, dict):
        return _number(value.get(unit), name)
    return _number(value, name)


def squawk(value: Any) -> str | None:
    """FR24's squawk (string or number) as 4 octal digits, None for "0" or garbage."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    s = text(value)
    if s is None or s == NO_SQUAWK or not 1 <= len(s) <= 4 or any(c not in "01234567" for c in s):
        return None
    return s.zfill(4)


def _altitude(value: float | None) -> tuple[float | None, bool | None]:
    """(barometric altitude, on_ground) from FR24's altitude in ft."""
    if value is None:
        return None, None
    if value == GROUND_ALTITUDE_FT:
        return None, True
    return value, False


def _track(value: float | None) -> float | None:
    return None if value is None else value % 360.0


def _time_ns(seconds: float) -> int:
    if not abs(seconds) < MAX_EPOCH_S:
        raise _Bad("time out of range")
    return round(seconds * US_PER_S) * NS_PER_US


# --------------------------------------------------------------------------- JSON


class JsonReader:
    name = JSON_NAME
    description = "Flightradar24 flight-detail JSON (track with EMS data)"

    def sniff(self, head: bytes, path: Path) -> bool:
        # Two searches, not one pattern with two ".*" (quadratic backtracking).
        if not _JSON_HEAD.match(head) or (key := _JSON_KEY.search(head)) is None:
            return False
        return _JSON_TRACK.search(head, key.end()) is not None

    def read(self, path: Path, ctx: ReadContext) -> Iterator[pa.RecordBatch]:
        data = read_document(path, ctx, MAX_DOCUMENT_BYTES, "FR24 flight")
        doc, _ = load(data, ctx, _is_point)
        del data
        flight = doc
        for key in _JSON_WRAPPER:
            if isinstance(flight, dict) and key in flight:
                flight = flight[key]
        if not isinstance(flight, dict) or not isinstance(flight.get("track"), list):
            raise ctx.fail("not an FR24 flight: no result.response.data.flight.track array")
        icao24 = _json_address(flight)
        if icao24 is None:
            raise ctx.fail(
                "FR24 flight has no 6-hex aircraft address at aircraft.identification.modes"
            )
        ident = flight.get("identification")
        callsign = text(ident.get("callsign")) if isinstance(ident, dict) else None
        out = BatchBuilder(ctx, JSON_NAME)
        for i, point in enumerate(flight["track"]):
            if isinstance(point, Bad):
                ctx.skip(i, f"track point cannot be decoded: {point.reason}")
                continue
            try:
                row = _json_point(point)
            except _Bad as exc:
                ctx.skip(i, f"track point has a {exc}")
                continue
            if row is None:
                ctx.skip(i, "track point is not an object with a timestamp")
                continue
            row["icao24"] = icao24
            row["callsign"] = callsign
            if (batch := out.add(i, row)) is not None:
                yield batch
        if (batch := out.flush()) is not None:
            yield batch


def _is_point(path: JsonPath) -> bool:
    return len(path) >= 2 and path[-2] == "track" and isinstance(path[-1], int)


def _json_address(flight: dict[str, Any]) -> str | None:
    aircraft = flight.get("aircraft")
    if not isinstance(aircraft, dict):
        return None
    ident = aircraft.get("identification")
    value = ident.get("modes") if isinstance(ident, dict) else None
    address = text(value if value is not None else aircraft.get("hex"))
    if address is None or not _ICAO.match(address.lower()):
        return None
    return address.lower()


def _json_point(p: Any) -> dict[str, Any] | None:
    """The report for one track point; None without a timestamp; _Bad on wrong types."""
    if not isinstance(p, dict):
        return None
    t = _number(p.get("timestamp"), "timestamp")
    if t is None:
        return None
    row: dict[str, Any] = {"time": _time_ns(t), "source": SOURCE}
    row["lat"] = _number(p.get("latitude"), "latitude")
    row["lon"] = _number(p.get("longitude"), "longitude")
    row["alt_baro_ft"], row["on_ground"] = _altitude(_unit(p.get("altitude"), "feet", "altitude"))
    row["gs_kt"] = _unit(p.get("speed"), "kts", "speed")
    row["vrate_fpm"] = _unit(p.get("verticalSpeed"), "fpm", "verticalSpeed")
    row["track_deg"] = _track(_number(p.get("heading"), "heading"))
    row["squawk"] = squawk(p.get("squawk"))
    ems = p.get("ems")
    if ems is not None and not isinstance(ems, dict):
        raise _Bad("non-object ems")
    if ems:
        ts = _number(ems.get("ts"), "ems.ts")
        if ts is not None and abs(ts - t) <= EMS_MAX_SKEW_S:
            row.update(_ems(ems))
    return row


def _gnss_altitude(value: float | None) -> float | None:
    """FR24's altGPS, with its "no value" placeholder 0 read as missing.

    In all the sample flights 17-46 % of the snapshots aloft carry altGPS 0,
    interleaved with values within weather of the pressure altitude: FR24 fills
    0 when it has no GNSS altitude. A true GNSS altitude of exactly 0 ft is an
    aircraft on the ground at sea level, where it says nothing about GNSS.
    """
    return None if value == 0 else value


def _ems(ems: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ias_kt": _number(ems.get("ias"), "ems.ias"),
        "tas_kt": _number(ems.get("tas"), "ems.tas"),
        "alt_geom_ft": _gnss_altitude(_number(ems.get("altGPS"), "ems.altGPS")),
        "heading_deg": _track(_number(ems.get("heading"), "ems.heading")),
        "roll_deg": _number(ems.get("rollAngle"), "ems.rollAngle"),
    }
    mach = _number(ems.get("mach"), "ems.mach")
    out["mach"] = None if mach is None else mach / EMS_MACH_SCALE
    mcp = _number(ems.get("mcp"), "ems.mcp")
    out["nav_altitude_ft"] = mcp if mcp is not None else _number(ems.get("fms"), "ems.fms")
    return out


# --------------------------------------------------------------------------- CSV


class CsvReader:
    name = CSV_NAME
    description = "Flightradar24 CSV export (Timestamp,UTC,Callsign,Position,...)"

    def sniff(self, head: bytes, path: Path) -> bool:
        first = head.split(b"\n", 1)[0].decode("utf-8", errors="replace").lstrip("\ufeff")
        return _header(first) == [h.lower() for h in CSV_HEADER]

    def read(self, path: Path, ctx: ReadContext) -> Iterator[pa.RecordBatch]:
        icao24 = address_from_name(path)
        if icao24 is None:
            raise ctx.fail(
                "the FR24 CSV export holds no aircraft address: put it in the file name "
                "as icao24-<6 hex digits>, e.g. JL516_3376ab31_icao24-8467d8.csv"
            )
        out = BatchBuilder(ctx, CSV_NAME)
        lines = text_lines(path, ctx, MAX_CSV_LINE_BYTES)
        first = next(lines, None)
        if first is None:
            raise ctx.fail("empty file")
        cols = _header(first[1].lstrip("\ufeff"))
        missing = [h for h in ("timestamp", "position") if h not in cols]
        if missing:
            raise ctx.fail(f"not an FR24 CSV export: no {', '.join(missing)} column")
        index = {name: cols.index(name) for name in cols}
        for number, line in lines:
            n = number - first[0]  # data row number, from 1 after the header
            try:
                values = next(csv.reader((line,)), [])
            except csv.Error as exc:  # a field beyond the csv module's limit, a stray quote
                ctx.skip(n, f"malformed CSV row: {exc}")
                continue
            if len(values) != len(cols):
                ctx.skip(n, f"expected {len(cols)} fields, got {len(values)}")
                continue
            try:
                row = _csv_row(values, index)
            except _Bad as exc:
                ctx.skip(n, str(exc))
                continue
            row["icao24"] = icao24
            if (batch := out.add(n, row)) is not None:
                yield batch
        if (batch := out.flush()) is not None:
            yield batch


def address_from_name(path: Path) -> str | None:
    """The aircraft address written in a file name as ``icao24-<6 hex>``, or None."""
    match = _ADDRESS_IN_NAME.search(path.name)
    return match.group(1).lower() if match else None


def _header(line: str) -> list[str]:
    try:
        fields = next(csv.reader([line.rstrip("\r\n")]), [])
    except csv.Error:  # not CSV at all (binary content being sniffed)
        return []
    return [f.strip().lower() for f in fields]


def _csv_number(value: str, name: str) -> float | None:
    s = value.strip()
    if not s:
        return None
    try:
        f = float(s)
    except ValueError:
        raise _Bad(f"non-numeric {name}: {s[:20]!r}") from None
    return f if math.isfinite(f) else None


def _utc_seconds(utc: str) -> float:
    """Epoch seconds from the UTC column (used only when Timestamp is empty)."""
    if not utc:
        raise _Bad("no time")
    try:
        dt = datetime.fromisoformat(utc.replace("Z", "+00:00"))
    except ValueError:
        raise _Bad(f"unreadable UTC time: {utc[:30]!r}") from None
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).timestamp()


def _csv_row(values: list[str], index: dict[str, int]) -> dict[str, Any]:
    def get(name: str) -> str:
        return values[index[name]] if name in index else ""

    t = _csv_number(get("timestamp"), "Timestamp")
    if t is None:
        t = _utc_seconds(get("utc").strip())
    row: dict[str, Any] = {"time": _time_ns(t), "source": SOURCE}
    row["callsign"] = text(get("callsign"))
    position = get("position").strip()
    if position:
        parts = position.split(",")
        if len(parts) != 2:
            raise _Bad(f"Position is not 'lat,lon': {position[:40]!r}")
        row["lat"] = _csv_number(parts[0], "latitude")
        row["lon"] = _csv_number(parts[1], "longitude")
    row["alt_baro_ft"], row["on_ground"] = _altitude(_csv_number(get("altitude"), "Altitude"))
    row["gs_kt"] = _csv_number(get("speed"), "Speed")
    row["track_deg"] = _track(_csv_number(get("direction"), "Direction"))
    return row


# --------------------------------------------------------------------------- writer


def write_csv(table: pa.Table, path: str | Path) -> int:
    """Write canonical reports of one aircraft as an FR24 CSV export; return the row count.

    Times are truncated to whole seconds, positions rounded to
    :data:`CSV_POSITION_DECIMALS` decimals, altitude, speed and direction to
    whole numbers (FR24's own precision). A report on the ground without an
    altitude is written with altitude 0, as FR24 does; a report without a
    position gets an empty Position. Name the file with ``icao24-<address>``
    so that :data:`CSV_READER` can read it back.
    """
    addresses = table.column("icao24").unique().to_pylist() if table.num_rows else []
    if len(addresses) > 1:
        raise UsageError(
            f"an FR24 CSV holds one aircraft; this table holds {len(addresses)}: "
            "filter it by icao24 first"
        )
    columns = ("callsign", "lat", "lon", "alt_baro_ft", "on_ground", "gs_kt", "track_deg")
    written = 0
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(CSV_HEADER)
        for batch in table.to_batches():
            times = batch.column("time").cast(pa.int64()).to_pylist()
            data = [batch.column(c).to_pylist() for c in columns]
            for ns, call, lat, lon, alt, ground, gs, track in zip(times, *data, strict=True):
                seconds = ns // NS_PER_S  # floor, as epoch seconds are
                out.writerow(
                    [
                        seconds,
                        datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                        call or "",
                        _position(lat, lon),
                        _whole(alt if alt is not None or not ground else GROUND_ALTITUDE_FT),
                        _whole(gs),
                        "" if track is None else round(track) % 360,
                    ]
                )
                written += 1
    return written


def _whole(value: float | None) -> str:
    return "" if value is None or not math.isfinite(value) else str(round(value))


def _position(lat: float | None, lon: float | None) -> str:
    if lat is None or lon is None:
        return ""
    d = CSV_POSITION_DECIMALS
    return f"{lat:.{d}f},{lon:.{d}f}"


JSON_READER = JsonReader()
CSV_READER = CsvReader()
