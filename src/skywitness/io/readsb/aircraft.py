"""readsb ``aircraft.json`` and ADS-B Exchange ``readsb-hist`` snapshots (plain or gzip).

Top level ``{now, messages, aircraft: [...]}``: one snapshot of every aircraft
the receiver (or the aggregator) knows, ``now`` in epoch seconds. Each entry is
readsb's aircraft dict (see :mod:`skywitness.io.readsb.common`) with two ages
relative to ``now``: ``seen`` (last message of any kind) and ``seen_pos`` (last
position). ADS-B Exchange's API v2 writes the same entries under ``ac`` and
``now`` in milliseconds; both spellings are read.

One report per entry, at the time of the aircraft's last message
(``now - seen``). The position goes with it only when it is at most
:data:`POSITION_MAX_LAG_S` older than that message; otherwise, and for entries
without ``lat``/``lon``, the report has a null position: altitude and speed
still arriving while positions do not is what GNSS jamming looks like.
A directory of snapshots is expanded by the caller, one file at a time.
A snapshot whose every entry reads cleanly is read column by column
(:mod:`skywitness.io.readsb.columns`), with the same result.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from skywitness.io.base import BadValue, ReadContext, batches_of, num, text
from skywitness.io.jsondoc import Bad, JsonPath, load, read_document
from skywitness.io.readsb.columns import Entry, decode_snapshot, snapshot_batch
from skywitness.io.readsb.common import aircraft_fields, source_of
from skywitness.model.units import NS_PER_US, US_PER_S

NAME = "readsb-aircraft"

#: Largest age of the position relative to the aircraft's last message (s) for
#: the position to be kept. readsb itself calls a position stale when none came
#: for 20 s (trace flag 1, readsb README-json.md); beyond that the aircraft is
#: treated as having lost its position. readsb keeps showing a position for up
#: to 60 s, which at 250 m/s would put it 15 km behind the aircraft.
POSITION_MAX_LAG_S = 20.0
#: ``now`` values above this are milliseconds (ADS-B Exchange API v2): 1e11 s is
#: the year 5138, 1e11 ms is 1973, so the two ranges cannot be confused.
NOW_MS_THRESHOLD = 1e11

#: readsb drops an aircraft from aircraft.json after 300 s without messages
#: (its --json-stale default is far lower); a day bounds any build's setting.
MAX_SEEN_S = 86_400.0
#: Largest snapshot read (decompressed bytes). An ADS-B Exchange globe
#: snapshot of ~10,000 aircraft is 4-8 MB (about 500 bytes per aircraft); 64 MiB
#: holds eight times the world's traffic, and bounds the memory a hostile
#: (decompressing) file can take.
MAX_DOCUMENT_BYTES = 64 << 20

_INT64_MAX = 2**63 - 1
_HEAD = re.compile(rb"^\s*\{")
_NOW = re.compile(rb'"now"\s*:\s*-?[0-9]')
_LIST = re.compile(rb'"(?:aircraft|ac)"\s*:\s*\[')
_NOW_FIRST = re.compile(rb'\s*\{\s*"now"\s*:\s*-?[0-9]')
_POSITION = ("lat", "lon")


def starts_as_snapshot(head: bytes) -> bool:
    """Whether ``head`` begins as readsb and ADS-B Exchange write a snapshot
    (a numeric ``now`` its first key) and holds the entries' array: then
    :meth:`AircraftJsonReader.sniff` takes it too. Cheap on a snapshot: the
    first key is matched in place and the array follows it."""
    return bool(_NOW_FIRST.match(head) and _LIST.search(head))


class AircraftJsonReader:
    name = NAME
    description = "readsb aircraft.json / ADS-B Exchange readsb-hist snapshots (plain or gzip)"

    def sniff(self, head: bytes, path: Path) -> bool:
        return bool(_HEAD.match(head) and _NOW.search(head) and _LIST.search(head))

    def read(self, path: Path, ctx: ReadContext) -> Iterator[pa.RecordBatch]:
        data = _document(path, ctx)
        entries, now_us = _decode(data, ctx, quick=True)
        fast = snapshot_batch(entries, now_us, NAME, POSITION_MAX_LAG_S)
        if fast is not None:
            for start in range(0, fast.num_rows, ctx.batch_size):
                yield fast.slice(start, ctx.batch_size)
            return
        if entries and type(entries[0]) is Entry:
            # The per-entry reader takes dicts (and names an entry it cannot
            # decode): the same document through the general loader.
            entries, now_us = _decode(data, ctx, quick=False)
        del data
        yield from batches_of(ctx, NAME, ((i, _entry(ac, now_us)) for i, ac in enumerate(entries)))


def snapshot_entries(path: Path, ctx: ReadContext) -> tuple[list[Any], int]:
    """The aircraft entries of a snapshot (dicts, or :data:`Entry` when
    :func:`decode_snapshot` takes the document) and its ``now`` (UTC
    microseconds)."""
    return _decode(_document(path, ctx), ctx, quick=True)


def _document(path: Path, ctx: ReadContext) -> bytearray:
    return read_document(path, ctx, MAX_DOCUMENT_BYTES, "readsb aircraft.json snapshot")


def _decode(data: bytearray, ctx: ReadContext, quick: bool) -> tuple[list[Any], int]:
    decoded = decode_snapshot(data) if quick else None
    entries: Any
    if decoded is not None:
        now_value, entries = decoded
    else:
        doc, _ = load(data, ctx, _is_entry)
        if not isinstance(doc, dict):
            raise ctx.fail("not a readsb aircraft.json: top level is not an object")
        entries = doc.get("aircraft", doc.get("ac"))
        if not isinstance(entries, list):
            raise ctx.fail("not a readsb aircraft.json: no 'aircraft' array")
        now_value = doc.get("now")
    try:
        now = num(now_value, "now")
    except BadValue as exc:
        raise ctx.fail(exc.reason) from None
    if now is None:
        raise ctx.fail("no numeric 'now' at top level")
    if now > NOW_MS_THRESHOLD:
        now /= 1000.0
    if not 0.0 <= now < NOW_MS_THRESHOLD:
        raise ctx.fail(f"'now' is not an epoch time in seconds or milliseconds: {now}")
    return entries, round(now * US_PER_S)


def _is_entry(path: JsonPath) -> bool:
    return len(path) == 2 and path[0] in ("aircraft", "ac")


def _entry(ac: Any, now_us: int) -> dict[str, Any] | str:
    """The report for one aircraft entry, or the reason it cannot be read."""
    if isinstance(ac, Bad):
        return f"aircraft entry cannot be decoded: {ac.reason}"
    try:
        return _fields(ac, now_us)
    except BadValue as exc:
        return f"aircraft entry has an {exc.reason}"


def _fields(ac: Any, now_us: int) -> dict[str, Any] | str:
    if not isinstance(ac, dict):
        return "aircraft entry is not an object"
    hex_ = text(ac.get("hex"))
    if hex_ is None:
        return "aircraft entry has no 'hex' address"
    for key in (*_POSITION, "seen", "seen_pos"):
        if ac.get(key) is not None and num(ac[key], key) is None:
            return f"aircraft entry has a non-numeric '{key}'"
    seen = num(ac.get("seen"), "seen") or 0.0  # absent: the entry is as of 'now'
    if not 0.0 <= seen <= MAX_SEEN_S:
        return "aircraft entry has an implausible 'seen' age"
    time_ns = (now_us - round(seen * US_PER_S)) * NS_PER_US
    if not 0 <= time_ns <= _INT64_MAX:
        return "aircraft entry time (now - seen) is out of range"
    row = aircraft_fields(ac)
    row["time"] = time_ns
    row["icao24"] = hex_.lower()  # keeps readsb's '~' marking a non-ICAO address
    lat, lon = num(ac.get("lat"), "lat"), num(ac.get("lon"), "lon")
    seen_pos = num(ac.get("seen_pos"), "seen_pos")
    fresh = seen_pos is None or seen_pos - seen <= POSITION_MAX_LAG_S
    # A lone lat or lon is passed on as it is, for the validator to reject.
    has_position = (lat is not None or lon is not None) and fresh
    row["lat"], row["lon"] = (lat, lon) if has_position else (None, None)
    row["source"] = _source(ac, has_position)
    return row


def _source(ac: dict[str, Any], has_position: bool) -> str:
    """readsb's type, refined by its per-field lists when the position came by MLAT/TIS-B."""
    if has_position:
        for key, source in (("mlat", "mlat"), ("tisb", "tisb")):
            fields = ac.get(key)
            if isinstance(fields, list) and "lat" in fields:
                return source
    return source_of(ac.get("type"))


READER = AircraftJsonReader()
