"""pandas JSON as written by the ``traffic`` library (its samples, ``.json.gz``).

Two pandas orients are read: ``columns`` (``{"timestamp": {"0": ms, ...},
"icao24": {...}, ...}``, rows joined on the index keys of ``timestamp``) and
``records`` (``[{"timestamp": ms, "icao24": ..., ...}, ...]``). Columns follow
traffic's convention, already in aviation units: ``timestamp`` (epoch ms;
s, us and ns are told apart by magnitude), ``icao24``, ``callsign``,
``latitude``, ``longitude``, ``altitude`` (barometric, ft), ``geoaltitude``
(ft), ``groundspeed`` (kt), ``track`` (degrees), ``vertical_rate`` (ft/min),
``onground``, ``squawk``, and where present ``IAS``, ``TAS``, ``Mach``,
``heading``, ``roll``, ``selected_mcp``/``selected_fms`` and ``last_position``
(epoch ms of the last position update, from OpenSky): positions more than
:data:`POSITION_MAX_AGE_S` older than the row are nulled, as OpenSky repeats
the last known position. The source is not recorded in these files: ``other``.

Rows are handed on in time order: traffic collections are grouped by flight,
and one aircraft's flights need not follow each other in time (the sort is
stable; the record number stays the row's pandas index). Values are converted
column by column (no per-row dicts): the collections hold hundreds of
thousands of rows.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from skywitness.io.base import (
    DECOMPRESSION_ERRORS,
    READER_SCHEMA,
    RECORD_COLUMN,
    ReadContext,
    open_binary,
)
from skywitness.io.jsondoc import Bad, JsonPath, load, read_document
from skywitness.model.schema import TIME_TYPE
from skywitness.model.units import NS_PER_MS, NS_PER_S, NS_PER_US

NAME = "traffic-json"
SOURCE = "other"

#: Largest age (s) of ``last_position`` relative to the row's time for the
#: position to be kept: OpenSky's own staleness limit (its REST API nulls
#: ``time_position`` after 15 s without a position report), the same as
#: :data:`skywitness.io.opensky.POSITION_MAX_AGE_S`.
POSITION_MAX_AGE_S = 15.0
#: Epoch values below these bounds are in s, ms, us, else ns: 1e11 s is the
#: year 5138 and 1e11 ms is 1973, so any time from 1973 to 5138 is told apart.
EPOCH_S_BELOW = 1e11
EPOCH_MS_BELOW = 1e14
EPOCH_US_BELOW = 1e17
#: Marks an unknown time in the int64 ns arrays (no valid time is negative here).
NO_TIME = -1
#: Stop looking for the two required column names after this many bytes of a
#: column-oriented file (format detection only; the samples are < 30 MB).
SNIFF_SCAN_BYTES = 256 << 20
#: Largest document read (decompressed bytes). The largest traffic sample
#: (collections/quickstart.json.gz) is 66 MB decompressed, and Python's JSON
#: decoder holds ~3.6 times a document's size in objects (measured on it:
#: 234 MB); 512 MiB therefore needs ~2 GB, what a laptop spares, and bounds the
#: memory a hostile (decompressing) file can take.
MAX_DOCUMENT_BYTES = 512 << 20
#: FR24-derived data (many traffic samples) write squawk 0 when no code was
#: received; a real code 0000 comes as four digits and is kept.
NO_SQUAWK = "0"

#: canonical column -> accepted column names (first found wins), all numeric.
NUMERIC: dict[str, tuple[str, ...]] = {
    "lat": ("latitude",),
    "lon": ("longitude",),
    "alt_baro_ft": ("altitude",),
    "alt_geom_ft": ("geoaltitude",),
    "gs_kt": ("groundspeed",),
    "track_deg": ("track",),
    "vrate_fpm": ("vertical_rate",),
    "ias_kt": ("IAS", "ias"),
    "tas_kt": ("TAS", "tas"),
    "mach": ("Mach", "mach"),
    "heading_deg": ("heading",),
    "roll_deg": ("roll",),
    "nav_altitude_ft": ("selected_mcp", "selected_fms"),
}
_ANGLES = ("track_deg", "heading_deg")

_COLUMNS_HEAD = re.compile(rb'^\s*\{\s*"[^"]*"\s*:\s*\{\s*"-?[0-9]+"\s*:')
_RECORDS_HEAD = re.compile(rb"^\s*\[\s*(\{[^{}]*\})")
_KEY_ICAO = re.compile(rb'"icao24"\s*:\s*\{')
_KEY_TIME = re.compile(rb'"timestamp"\s*:\s*\{')
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_INT64_MAX = int(np.iinfo(np.int64).max)
_SCAN_CHUNK = 1 << 20
_OVERLAP = 64


class _Bad(Exception):
    """A column holds a value of the wrong type (internal to this module)."""


class TrafficJsonReader:
    name = NAME
    description = "pandas JSON of the traffic library (columns or records orient, plain or gzip)"

    def sniff(self, head: bytes, path: Path) -> bool:
        if m := _RECORDS_HEAD.match(head):
            return b'"icao24"' in m.group(1) and b'"timestamp"' in m.group(1)
        if _COLUMNS_HEAD.match(head):
            return _has_columns(path)
        return False

    def read(self, path: Path, ctx: ReadContext) -> Iterator[pa.RecordBatch]:
        data = read_document(path, ctx, MAX_DOCUMENT_BYTES, "traffic JSON collection")
        doc, bad = load(data, ctx, _is_record)
        del data
        if isinstance(doc, dict):
            columns, records = _from_columns(doc, ctx)
        elif isinstance(doc, list):
            columns, records = _from_records(doc, ctx)
        else:
            raise ctx.fail("not pandas JSON: top level is neither an object nor an array")
        del doc
        if bad:
            columns, records = _without_bad(columns, records, ctx)
        n = len(records)
        time_ns, _ = _times(columns.get("timestamp") or [None] * n)
        # Collections are grouped by flight, and one aircraft's flights are not
        # in time order: hand the rows on in time order (stable: equal times
        # keep the file's order), as a receiver would have seen them.
        if n and (np.diff(time_ns) < 0).any():
            order = np.argsort(time_ns, kind="stable")
            time_ns = time_ns[order]
            records = [records[i] for i in order]
            columns = {k: [v[i] for i in order] for k, v in columns.items()}
        for start in range(0, n, ctx.batch_size):
            stop = min(start + ctx.batch_size, n)
            part = {k: v[start:stop] for k, v in columns.items()}
            batch = _convert(part, records[start:stop], time_ns[start:stop], ctx)
            if batch is not None:
                yield batch


def _has_columns(path: Path) -> bool:
    """True when a column-oriented file has "icao24" and "timestamp" columns."""
    need = {"icao": _KEY_ICAO, "time": _KEY_TIME}
    tail = b""
    seen = 0
    try:
        with open_binary(path) as fh:
            while need and seen < SNIFF_SCAN_BYTES and (chunk := fh.read(_SCAN_CHUNK)):
                window = tail + chunk
                need = {k: rx for k, rx in need.items() if not rx.search(window)}
                tail = window[-_OVERLAP:]
                seen += len(chunk)
    except (*DECOMPRESSION_ERRORS, ValueError):
        return False
    return not need


# --------------------------------------------------------------------------- layout


def _is_record(path: JsonPath) -> bool:
    """A row of the records orient (``[i]``) or one cell of the columns orient
    (``column.index``): what :func:`~skywitness.io.jsondoc.load` isolates."""
    return (len(path) == 1 and isinstance(path[0], int)) or (
        len(path) == 2 and isinstance(path[0], str)
    )


def _without_bad(
    columns: dict[str, list[Any]], records: list[int], ctx: ReadContext
) -> tuple[dict[str, list[Any]], list[int]]:
    """The rows with no :class:`~skywitness.io.jsondoc.Bad` cell; the others
    are skipped with the first bad cell's reason."""
    keep = [True] * len(records)
    for name, values in columns.items():
        for i, v in enumerate(values):
            if keep[i] and isinstance(v, Bad):
                keep[i] = False
                ctx.skip(records[i], f"{name} cannot be decoded: {v.reason}")
    rows = [i for i, k in enumerate(keep) if k]
    return {k: [v[i] for i in rows] for k, v in columns.items()}, [records[i] for i in rows]


def _from_columns(doc: dict[str, Any], ctx: ReadContext) -> tuple[dict[str, list[Any]], list[int]]:
    """Column lists aligned on the index keys of ``timestamp``; row numbers are those keys."""
    for key in ("timestamp", "icao24"):
        if key not in doc:
            raise ctx.fail(f"no {key!r} column")
    for key, col in doc.items():
        if not isinstance(col, dict):
            raise ctx.fail(f"column {key!r} is not an object of index: value")
    index = list(doc["timestamp"])
    records = [_index_number(k, i) for i, k in enumerate(index)]
    columns = {name: [col.get(k) for k in index] for name, col in doc.items()}
    return columns, records


def _index_number(key: str, position: int) -> int:
    """The pandas index key as the record number (its position when not an integer)."""
    try:
        number = int(key)
    except ValueError:
        return position
    return number if 0 <= number < 2**63 else position  # a record number must fit int64


def _from_records(doc: list[Any], ctx: ReadContext) -> tuple[dict[str, list[Any]], list[int]]:
    good: list[dict[str, Any]] = []
    records: list[int] = []
    for i, rec in enumerate(doc):
        if isinstance(rec, Bad):
            ctx.skip(i, f"record cannot be decoded: {rec.reason}")
            continue
        if not isinstance(rec, dict):
            ctx.skip(i, "record is not an object")
            continue
        good.append(rec)
        records.append(i)
    names: dict[str, None] = {}
    for rec in good:
        names.update(dict.fromkeys(rec))
    if good and not {"timestamp", "icao24"} <= names.keys():
        missing = sorted({"timestamp", "icao24"} - names.keys())
        raise ctx.fail(f"no {', '.join(repr(m) for m in missing)} field in any record")
    return {name: [rec.get(name) for rec in good] for name in names}, records


# --------------------------------------------------------------------------- values


def _convert(
    columns: dict[str, list[Any]], records: list[int], time_ns: np.ndarray, ctx: ReadContext
) -> pa.RecordBatch | None:
    n = len(records)
    if n == 0:
        return None
    reasons: list[str | None] = [None] * n

    def flag(bad: list[int], reason: str) -> None:
        for i in bad:
            if reasons[i] is None:
                reasons[i] = reason

    def column(name: str) -> list[Any] | None:
        return columns.get(name)

    flag(np.flatnonzero(time_ns == NO_TIME).tolist(), "no valid timestamp")
    icao, bad = _addresses(column("icao24") or [None] * n)
    flag(bad, "no valid icao24")
    callsigns = _texts(column("callsign"), n)
    flag(_not_text(icao), "icao24 is not text (a lone surrogate)")
    flag(_not_text(callsigns), "callsign is not text (a lone surrogate)")

    out: dict[str, pa.Array] = {}
    for canonical, names in NUMERIC.items():
        name = next((c for c in names if c in columns), None)
        if name is None:
            continue
        values, bad = _floats(columns[name])
        flag(bad, f"non-numeric {name}")
        if canonical in _ANGLES:
            values = _wrap360(values)
        out[canonical] = values
    onground, bad = _bools(column("onground"), n)
    flag(bad, "non-boolean onground")

    if "lat" in out and "last_position" in columns:
        last_ns, bad = _times(columns["last_position"], missing_ok=True)
        flag(bad, "non-numeric last_position")
        known = (last_ns != NO_TIME) & (time_ns != NO_TIME)
        stale = pa.array(known & ((time_ns - last_ns) > POSITION_MAX_AGE_S * NS_PER_S))
        out["lat"] = pc.if_else(stale, None, out["lat"])
        out["lon"] = pc.if_else(stale, None, out.get("lon", pa.nulls(n, pa.float64())))

    ok = np.array([r is None for r in reasons], dtype=bool)
    for i in np.flatnonzero(~ok):
        ctx.skip(records[i], str(reasons[i]))
    if not ok.any():
        return None

    out["time"] = pa.array(np.where(ok, time_ns, 0), pa.int64()).cast(TIME_TYPE)
    out["callsign"] = pa.array([c if k else None for c, k in zip(callsigns, ok, strict=True)],
                               pa.string())  # fmt: skip
    icao = [a if k else None for a, k in zip(icao, ok, strict=True)]
    out["icao24"] = pa.array(icao, pa.string())
    out["squawk"] = pa.array(_squawks(column("squawk"), n), pa.string())
    out["on_ground"] = onground
    out["source"] = pa.array([SOURCE] * n, pa.string())
    out["format"] = pa.array([NAME] * n, pa.string())
    out[RECORD_COLUMN] = pa.array(records, pa.int64())
    arrays = [
        pc.cast(out[f.name], f.type, safe=False) if f.name in out else pa.nulls(n, f.type)
        for f in READER_SCHEMA
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=READER_SCHEMA).filter(pa.array(ok))


def _floats(values: list[Any]) -> tuple[pa.Array, list[int]]:
    """float64 (non-finite -> null) and the rows whose value is not a number."""
    kinds = set(map(type, values))
    if kinds <= {int, float, type(None)}:
        try:
            arr = pa.array(values, pa.float64(), from_pandas=True)
            return pc.if_else(pc.is_finite(arr), arr, None), []
        except (pa.ArrowInvalid, OverflowError):
            pass  # an integer beyond float64: value by value below
    out: list[float | None] = []
    bad: list[int] = []
    for i, v in enumerate(values):
        try:
            out.append(_number(v))
        except _Bad:
            out.append(None)
            bad.append(i)
    return pa.array(out, pa.float64()), bad


def _number(v: Any) -> float | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise _Bad
    try:
        f = float(v)
    except OverflowError:
        raise _Bad from None
    return f if math.isfinite(f) else None


def _times(values: list[Any], missing_ok: bool = False) -> tuple[np.ndarray, list[int]]:
    """Epoch times (number scaled by magnitude, or ISO 8601 text) as int64 ns.

    Unknown times are :data:`NO_TIME` (then listed as bad unless ``missing_ok``).
    """
    kinds = set(map(type, values))
    if kinds <= {int, type(None)}:
        missing = [v is None for v in values]
        try:
            x = np.array([0 if v is None else v for v in values], dtype=np.int64)
        except OverflowError:
            pass  # beyond int64: value by value below
        else:
            scaled = np.where(missing, NO_TIME, _scale(x))
            return scaled, [] if missing_ok else np.flatnonzero(missing).tolist()
    out = np.full(len(values), NO_TIME, dtype=np.int64)
    bad: list[int] = []
    for i, v in enumerate(values):
        try:
            ns = _time_ns(v)
        except _Bad:
            bad.append(i)
            continue
        if ns is None:
            if not missing_ok:
                bad.append(i)
            continue
        out[i] = ns
    return out, bad


def _scale(x: np.ndarray) -> np.ndarray:
    """Integer epoch values in s, ms, us or ns (told apart by magnitude) as ns."""
    factor = np.select(
        [x < EPOCH_S_BELOW, x < EPOCH_MS_BELOW, x < EPOCH_US_BELOW],
        [NS_PER_S, NS_PER_MS, NS_PER_US],
        1,
    )
    # Beyond int64 nanoseconds (the year 2262) is no time either.
    valid = (x >= 0) & (x <= _INT64_MAX // factor)
    return np.where(valid, x * np.where(valid, factor, 0), NO_TIME)


def _time_ns(v: Any) -> int | None:
    """One epoch time as ns; None when absent; _Bad when unreadable or beyond int64 ns."""
    if v is None:
        return None
    if isinstance(v, str):
        try:
            dt = datetime.fromisoformat(v.strip().replace("Z", "+00:00"))
        except ValueError:
            raise _Bad from None
        dt = dt if dt.tzinfo else dt.replace(tzinfo=UTC)
        ns = (dt - _EPOCH) // timedelta(microseconds=1) * NS_PER_US
    elif isinstance(v, int) and not isinstance(v, bool):
        ns = v * _factor(v)
    else:
        x = _number(v)
        if x is None:  # NaN: pandas' missing value
            return None
        scaled = x * _factor(x) / NS_PER_US
        if not math.isfinite(scaled):  # 1e308 ms and the like
            raise _Bad
        ns = round(scaled) * NS_PER_US  # to the microsecond
    if not 0 <= ns <= _INT64_MAX:
        raise _Bad
    return ns


def _factor(x: float) -> int:
    """Nanoseconds per unit of an epoch value, the unit told by its magnitude."""
    if x < EPOCH_S_BELOW:
        return NS_PER_S
    if x < EPOCH_MS_BELOW:
        return NS_PER_MS
    return NS_PER_US if x < EPOCH_US_BELOW else 1


def _addresses(values: list[Any]) -> tuple[list[str | None], list[int]]:
    """Lower-case addresses. Integers (pandas read "012345" as 12345) get their zeros back."""
    out: list[str | None] = []
    bad: list[int] = []
    for i, v in enumerate(values):
        s: str | None = None
        if isinstance(v, str):
            s = v.strip().lower() or None
        elif isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 999_999:
            s = str(v).zfill(6)
        if s is None:
            bad.append(i)
        out.append(s)
    return out, bad


def _not_text(values: list[str | None]) -> list[int]:
    """Rows whose string cannot be UTF-8: a lone surrogate, which JSON can
    write (``"\\ud800"``) and Arrow cannot hold."""
    try:
        "".join(v for v in values if v is not None).encode("utf-8")
    except UnicodeEncodeError:
        pass
    else:
        return []
    bad = []
    for i, v in enumerate(values):
        try:
            if v is not None:
                v.encode("utf-8")
        except UnicodeEncodeError:
            bad.append(i)
    return bad


def _texts(values: list[Any] | None, n: int) -> list[str | None]:
    if values is None:
        return [None] * n
    return [(v.strip() or None) if isinstance(v, str) else None for v in values]


def _squawks(values: list[Any] | None, n: int) -> list[str | None]:
    """4 octal digits; numbers and short strings get their leading zeros back; "0" is none."""
    if values is None:
        return [None] * n
    memo: dict[tuple[type, Any], str | None] = {}  # a flight has few distinct codes
    out: list[str | None] = []
    for v in values:
        key = (type(v), v)
        try:
            out.append(memo[key])
        except KeyError:
            out.append(memo.setdefault(key, _squawk(v)))
        except TypeError:  # unhashable: a list or an object
            out.append(None)
    return out


def _squawk(v: Any) -> str | None:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, int) and not isinstance(v, bool):
        s = str(v)
    elif isinstance(v, str):
        s = v.strip()
    else:
        return None
    if not s or s == NO_SQUAWK or len(s) > 4 or any(c not in "01234567" for c in s):
        return None
    return s.zfill(4)


def _bools(values: list[Any] | None, n: int) -> tuple[pa.Array, list[int]]:
    if values is None:
        return pa.nulls(n, pa.bool_()), []
    out: list[bool | None] = []
    bad: list[int] = []
    for i, v in enumerate(values):
        if v is None or isinstance(v, bool):
            out.append(v)
        elif isinstance(v, int | float) and v in (0, 1):
            out.append(bool(v))
        else:
            out.append(None)
            bad.append(i)
    return pa.array(out, pa.bool_()), bad


def _wrap360(arr: pa.Array) -> pa.Array:
    """Angles folded into [0, 360): traffic keeps some tracks as -47 for 313."""
    x = arr.to_numpy(zero_copy_only=False)
    with np.errstate(invalid="ignore"):  # inf -> NaN -> null
        return pa.array(np.mod(x, 360.0), pa.float64(), from_pandas=True)


READER = TrafficJsonReader()
