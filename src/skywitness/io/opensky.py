"""OpenSky Network state vectors, as CSV (plain or gzip) or Parquet.

The columns of the ``state_vectors_data4`` table (Trino/Impala history and the
public ``states_*.csv`` datasets): ``time`` (epoch s), ``icao24``, ``lat``,
``lon``, ``velocity`` (m/s), ``heading`` (true track, degrees), ``vertrate``
(m/s), ``callsign``, ``onground``, ``alert``, ``spi``, ``squawk``,
``baroaltitude`` (m), ``geoaltitude`` (m), ``lastposupdate`` (epoch s),
``lastcontact`` (epoch s), ``serials``, ``hour``. The spellings of the REST
API's state vectors (``latitude``, ``longitude``, ``true_track``,
``vertical_rate``, ``baro_altitude``, ``geo_altitude``, ``on_ground``,
``time_position``, ``last_contact``, ``position_source``) are read too; a
file without ``time`` is timed by its last contact.

Conversion is vectorised with pyarrow.compute, in bounded batches: CSV is
streamed with ``pyarrow.csv.open_csv`` (every column read as text, then
converted, so one bad value costs one row, not the file), Parquet with
``ParquetFile.iter_batches``. OpenSky repeats the last known position in every
state vector; when ``lastposupdate`` is more than :data:`POSITION_MAX_AGE_S`
older than the row's time, the position is nulled: a stale repeat is no
position. The source is ``adsb`` unless a ``position_source`` column says
otherwise.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from skywitness.errors import InputError
from skywitness.io.base import GZIP_MAGIC, READER_SCHEMA, RECORD_COLUMN, ReadContext, read_head
from skywitness.model.schema import TIME_TYPE
from skywitness.model.units import (
    FPM_PER_MPS,
    FT_PER_M,
    KT_PER_MPS,
    NS_PER_S,
    NS_PER_US,
    US_PER_S,
)

CSV_NAME = "opensky-csv"
PARQUET_NAME = "opensky-parquet"

#: Largest age (s) of the last position update, relative to the row's time,
#: for the position to be kept. OpenSky's own REST API sets ``time_position``
#: to null when no position report came within the past 15 s (API docs,
#: "State Vectors"); the history tables keep repeating the old position.
POSITION_MAX_AGE_S = 15.0
#: Epoch seconds outside [0, this) are not times: the last second whose
#: nanoseconds fit in int64 (2262-04-11), so the conversion cannot overflow.
MAX_EPOCH_S = float((2**63 - 1) // NS_PER_S)
#: Bytes of CSV parsed per block (pyarrow's default is 1 MiB); batches are
#: then sliced to ``ctx.batch_size`` rows.
CSV_BLOCK_BYTES = 1 << 22
#: The first four bytes of every Parquet file (Apache Parquet format spec).
PARQUET_MAGIC = b"PAR1"
#: What stands for bytes that are not UTF-8 (the Unicode replacement character).
REPLACEMENT = "\ufffd"
#: OpenSky's ``position_source`` codes (REST API docs): 0 ADS-B, 1 ASTERIX,
#: 2 MLAT, 3 FLARM.
POSITION_SOURCES: dict[int, str] = {0: "adsb", 1: "other", 2: "mlat", 3: "other"}

#: Canonical name used here -> spellings accepted, first found wins.
ALIASES: dict[str, tuple[str, ...]] = {
    "time": ("time",),
    "icao24": ("icao24",),
    "lat": ("lat", "latitude"),
    "lon": ("lon", "longitude"),
    "velocity": ("velocity",),
    "heading": ("heading", "true_track"),
    "vertrate": ("vertrate", "vertical_rate"),
    "callsign": ("callsign",),
    "onground": ("onground", "on_ground"),
    "squawk": ("squawk",),
    "baroaltitude": ("baroaltitude", "baro_altitude"),
    "geoaltitude": ("geoaltitude", "geo_altitude"),
    "lastposupdate": ("lastposupdate", "time_position"),
    "lastcontact": ("lastcontact", "last_contact"),
    "position_source": ("position_source",),
}
#: One of these must be present (with icao24) for a file to be OpenSky's.
_SIGNATURE = frozenset({"velocity", "baroaltitude", "baro_altitude"})
#: Numeric columns (converted to float64 first).
_FLOATS = (
    "lat",
    "lon",
    "velocity",
    "heading",
    "vertrate",
    "baroaltitude",
    "geoaltitude",
    "lastposupdate",
    "time",
    "lastcontact",
    "position_source",
)
#: What pyarrow's string -> float64 cast accepts (checked value by value only
#: when the whole-column cast fails).
_NUMBER = r"(?i)^[-+]?(nan|inf|infinity|([0-9]+\.?[0-9]*|\.[0-9]+)(e[-+]?[0-9]+)?)$"
_TRUE = pa.array(["true", "t", "1", "1.0", "yes"])
_FALSE = pa.array(["false", "f", "0", "0.0", "no"])


def _columns(names: list[str]) -> dict[str, str] | None:
    """Canonical name -> the file's column name; None when it is not OpenSky."""
    present = {n.strip().lower(): n for n in names}
    if "icao24" not in present or not _SIGNATURE & present.keys():
        return None
    found: dict[str, str] = {}
    for key, spellings in ALIASES.items():
        for spelling in spellings:
            if spelling in present:
                found[key] = present[spelling]
                break
    return found


def _check(cols: dict[str, str] | None, ctx: ReadContext) -> dict[str, str]:
    if cols is None:
        raise ctx.fail("not OpenSky state vectors: no icao24 and velocity/baroaltitude columns")
    if "time" not in cols and "lastcontact" not in cols:
        raise ctx.fail("no time column (time or lastcontact)")
    return cols


# --------------------------------------------------------------------------- CSV


class CsvReader:
    name = CSV_NAME
    description = "OpenSky state vectors as CSV (state_vectors_data4 columns, plain or gzip)"

    def sniff(self, head: bytes, path: Path) -> bool:
        return _columns(_csv_header(head)) is not None

    def read(self, path: Path, ctx: ReadContext) -> Iterator[pa.RecordBatch]:
        import pyarrow.csv as pacsv

        header = _csv_header(read_head(path))
        cols = _check(_columns(header), ctx)
        wanted = list(cols.values())
        invalid: list[int] = []

        def on_invalid(row: Any) -> str:
            number = int(row.number) - 1 if row.number is not None else None
            if number is not None:
                invalid.append(number)
            ctx.skip(number, f"expected {row.expected_columns} fields, got {row.actual_columns}")
            return "skip"

        next_row = 1  # 1-based data row number of the next row
        try:
            with _input_stream(path) as stream:
                reader = pacsv.open_csv(
                    stream,
                    read_options=pacsv.ReadOptions(use_threads=False, block_size=CSV_BLOCK_BYTES),
                    parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid),
                    convert_options=pacsv.ConvertOptions(
                        column_types={name: pa.string() for name in header},
                        include_columns=wanted,
                        strings_can_be_null=True,
                    ),
                )
                for block in reader:
                    undecodable = _replaced(block)
                    records, next_row = _row_numbers(block.num_rows, next_row, invalid)
                    for start in range(0, block.num_rows, ctx.batch_size):
                        part = block.slice(start, ctx.batch_size)
                        rec = records[start : start + ctx.batch_size]
                        pre = undecodable[start : start + ctx.batch_size]
                        batch = _convert(part, cols, rec, CSV_NAME, ctx, pre)
                        if batch is not None:
                            yield batch
        except InputError:
            raise
        except (pa.ArrowException, OSError, EOFError, UnicodeDecodeError) as exc:
            raise ctx.fail(f"unreadable CSV: {_one_line(exc)}") from None


def _replaced(block: pa.RecordBatch) -> np.ndarray:
    """Per row, why it cannot be read (None when it can): a value holding
    U+FFFD, which :class:`_Utf8Replacing` put for bytes that are not UTF-8."""
    reasons = np.full(block.num_rows, None, dtype=object)
    for name, arr in zip(block.schema.names, block.columns, strict=True):
        hit = _np_true(pc.match_substring(arr, REPLACEMENT))
        if hit.any():
            reasons[hit & (reasons == None)] = f"bytes that are not UTF-8 in {name}"  # noqa: E711
    return reasons


class _Utf8Replacing:
    """A binary stream whose bytes that are not UTF-8 are replaced by U+FFFD.

    pyarrow's CSV reader fails the whole read on one invalid byte (and its
    invalid-row handler raises on one): the rows holding a replacement are
    skipped instead (:func:`_replaced`). Valid UTF-8 passes unchanged.
    """

    def __init__(self, raw: Any) -> None:
        import codecs

        self._raw = raw
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.closed = False

    def read(self, n: int = -1) -> bytes:
        chunk = self._raw.read(n)
        final = not chunk
        return self._decoder.decode(chunk, final=final).encode("utf-8")

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self.closed = True
        self._raw.close()

    def __enter__(self) -> _Utf8Replacing:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _csv_header(head: bytes) -> list[str]:
    line = head.split(b"\n", 1)[0].decode("utf-8", errors="replace").lstrip("\ufeff")
    try:
        return [f.strip() for f in next(csv.reader([line.rstrip("\r")]), [])]
    except csv.Error:  # not CSV at all (binary content being sniffed)
        return []


def _input_stream(path: Path) -> _Utf8Replacing:
    """The file's bytes (gunzipped when the content is gzip), made UTF-8."""
    with path.open("rb") as fh:
        magic = fh.read(2)
    raw = pa.input_stream(str(path), compression="gzip" if magic == GZIP_MAGIC else None)
    return _Utf8Replacing(raw)


def _row_numbers(n: int, next_row: int, invalid: list[int]) -> tuple[np.ndarray, int]:
    """Data row numbers of the next ``n`` good rows, stepping over skipped malformed rows."""
    numbers = np.arange(next_row, next_row + n, dtype=np.int64)
    for bad in sorted(v for v in invalid if v >= next_row):
        if n == 0 or bad > numbers[-1]:
            break
        numbers[numbers >= bad] += 1
    last = int(numbers[-1]) + 1 if n else next_row
    invalid[:] = [v for v in invalid if v >= last]
    return numbers, last


# --------------------------------------------------------------------------- Parquet


class ParquetReader:
    name = PARQUET_NAME
    description = "OpenSky state vectors as Parquet (state_vectors_data4 columns)"

    def sniff(self, head: bytes, path: Path) -> bool:
        """Parquet with OpenSky's columns; also a Parquet file whose footer
        cannot be read (truncated, damaged), so that reading it says so
        instead of "not a supported format"."""
        if not head.startswith(PARQUET_MAGIC):
            return False
        try:
            import pyarrow.parquet as pq

            names = pq.read_schema(path).names
        except (pa.ArrowException, OSError, ValueError):
            return True
        return _columns(names) is not None

    def read(self, path: Path, ctx: ReadContext) -> Iterator[pa.RecordBatch]:
        import pyarrow.parquet as pq

        try:
            pf = pq.ParquetFile(path)
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise ctx.fail(f"damaged or truncated Parquet file: {_one_line(exc)}") from None
        try:
            cols = _check(_columns(pf.schema_arrow.names), ctx)
            first = 1
            for raw in pf.iter_batches(batch_size=ctx.batch_size, columns=list(cols.values())):
                records = np.arange(first, first + raw.num_rows, dtype=np.int64)
                first += raw.num_rows
                if (batch := _convert(raw, cols, records, PARQUET_NAME, ctx)) is not None:
                    yield batch
        except InputError:
            raise
        except (pa.ArrowException, OSError, EOFError, UnicodeDecodeError) as exc:
            raise ctx.fail(f"unreadable Parquet: {_one_line(exc)}") from None


# --------------------------------------------------------------------------- conversion


def _convert(
    raw: pa.RecordBatch,
    cols: dict[str, str],
    records: np.ndarray,
    fmt: str,
    ctx: ReadContext,
    pre: np.ndarray | None = None,
) -> pa.RecordBatch | None:
    """One batch of OpenSky columns -> READER_SCHEMA; bad rows are skipped with
    reasons (``pre``: reasons found before, None where there is none)."""
    n = raw.num_rows
    if n == 0:
        return None
    reasons = np.full(n, None, dtype=object) if pre is None else pre.copy()

    def flag(mask: np.ndarray, reason: str) -> None:
        reasons[mask & (reasons == None)] = reason  # noqa: E711 (element-wise)

    def col(key: str) -> pa.Array | None:
        if key not in cols:
            return None
        arr = raw.column(cols[key])
        return arr.dictionary_decode() if pa.types.is_dictionary(arr.type) else arr

    values: dict[str, pa.Array] = {}
    for key in _FLOATS:
        arr = col(key)
        if arr is None:
            continue
        converted, bad = _seconds(arr) if pa.types.is_timestamp(arr.type) else _floats(arr)
        flag(bad, f"non-numeric {cols[key]}")
        values[key] = converted

    time_s = values["time"] if "time" in values else values["lastcontact"]
    in_range = pc.and_(pc.greater_equal(time_s, 0.0), pc.less(time_s, MAX_EPOCH_S))
    time_s = pc.if_else(in_range, time_s, None)
    time_us = pc.round(pc.multiply(time_s, float(US_PER_S))).cast(pa.int64())
    time_ns = pc.multiply(time_us, NS_PER_US)
    flag(_np_null(time_ns), "no valid time")

    icao = col("icao24")
    assert icao is not None
    icao = pc.utf8_lower(pc.utf8_trim_whitespace(icao.cast(pa.string())))
    flag(_np_null(icao), "no icao24")

    onground, bad = _bools(col("onground"), n)
    flag(bad, f"non-boolean {cols.get('onground')}")

    lat, lon = values.get("lat"), values.get("lon")
    if lat is not None and lon is not None and "lastposupdate" in values:
        age = pc.subtract(time_s, values["lastposupdate"])
        stale = _np_true(pc.greater(age, POSITION_MAX_AGE_S))
        lat = pc.if_else(pa.array(stale), None, lat)
        lon = pc.if_else(pa.array(stale), None, lon)

    ok = reasons == None  # noqa: E711
    for i in np.flatnonzero(~ok):
        ctx.skip(int(records[i]), str(reasons[i]))
    if not ok.any():
        return None
    keep = pa.array(ok)

    out: dict[str, Any] = {
        "time": time_ns,
        "icao24": icao,
        "callsign": _text(col("callsign")),
        "lat": lat,
        "lon": lon,
        "alt_baro_ft": _scaled(values.get("baroaltitude"), FT_PER_M),
        "alt_geom_ft": _scaled(values.get("geoaltitude"), FT_PER_M),
        "gs_kt": _scaled(values.get("velocity"), KT_PER_MPS),
        "track_deg": _wrap360(values.get("heading")),
        "vrate_fpm": _scaled(values.get("vertrate"), FPM_PER_MPS),
        "squawk": _squawk(col("squawk")),
        "on_ground": onground,
        "source": _source(values.get("position_source"), n),
        "format": pa.array(np.full(n, fmt, dtype=object), pa.string()),
        RECORD_COLUMN: pa.array(records, pa.int64()),
    }
    arrays = []
    for field in READER_SCHEMA:
        arr = out.get(field.name)
        if arr is None:
            arrays.append(pa.nulls(n, field.type))
        elif field.name == "time":
            arrays.append(pc.cast(arr, pa.int64()).cast(TIME_TYPE))
        else:
            arrays.append(pc.cast(arr, field.type, safe=False))
    return pa.RecordBatch.from_arrays(arrays, schema=READER_SCHEMA).filter(keep)


def _floats(arr: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """float64 values (NaN -> null) and the mask of values that are not numbers."""
    n = len(arr)
    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        trimmed = pc.utf8_trim_whitespace(arr)
        try:
            out = pc.cast(trimmed, pa.float64())
            bad = np.zeros(n, dtype=bool)
        except pa.ArrowInvalid:
            empty = pc.equal(trimmed, "")
            numeric = pc.match_substring_regex(trimmed, _NUMBER)
            usable = pc.and_(numeric, pc.invert(empty))
            out = pc.cast(pc.if_else(usable, trimmed, None), pa.float64())
            bad = _np_true(pc.and_(pc.invert(numeric), pc.invert(empty)))
    elif (
        pa.types.is_integer(arr.type)
        or pa.types.is_floating(arr.type)
        or pa.types.is_decimal(arr.type)
        or pa.types.is_null(arr.type)
    ):
        out = pc.cast(arr, pa.float64(), safe=False)
        bad = np.zeros(n, dtype=bool)
    else:  # booleans, binary, nested: not numbers
        out = pa.nulls(n, pa.float64())
        bad = ~_np_null(arr)
    return pc.if_else(pc.is_nan(out), None, out), bad


def _seconds(arr: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """A timestamp column (naive is read as UTC) as float64 epoch seconds."""
    us = pc.cast(arr.cast(pa.timestamp("us", tz="UTC"), safe=False), pa.int64())
    return pc.divide(us.cast(pa.float64()), float(US_PER_S)), np.zeros(len(arr), dtype=bool)


def _bools(arr: pa.Array | None, n: int) -> tuple[pa.Array, np.ndarray]:
    if arr is None:
        return pa.nulls(n, pa.bool_()), np.zeros(n, dtype=bool)
    if pa.types.is_boolean(arr.type):
        return arr, np.zeros(n, dtype=bool)
    if pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type):
        return pc.not_equal(arr, 0), np.zeros(n, dtype=bool)
    s = pc.utf8_lower(pc.utf8_trim_whitespace(arr.cast(pa.string())))
    s = pc.if_else(pc.equal(s, ""), None, s)
    is_true, is_false = pc.is_in(s, _TRUE), pc.is_in(s, _FALSE)
    out = pc.if_else(is_true, True, pc.if_else(is_false, False, None))
    bad = ~_np_null(s) & ~_np_true(is_true) & ~_np_true(is_false)
    return out, bad


def _text(arr: pa.Array | None) -> pa.Array | None:
    if arr is None:
        return None
    s = pc.utf8_trim_whitespace(arr.cast(pa.string()))
    return pc.if_else(pc.equal(s, ""), None, s)


def _squawk(arr: pa.Array | None) -> pa.Array | None:
    """4 octal digits (leading zeros restored), null otherwise."""
    if arr is None:
        return None
    if pa.types.is_floating(arr.type):
        whole = pc.equal(pc.floor(arr), arr)
        arr = pc.if_else(whole, arr, None).cast(pa.int64(), safe=False)
    s = pc.utf8_trim_whitespace(arr.cast(pa.string()))
    s = pc.replace_substring_regex(s, r"\.0+$", "")
    octal = pc.match_substring_regex(s, r"^[0-7]{1,4}$")
    return pc.utf8_lpad(pc.if_else(octal, s, None), width=4, padding="0")


def _scaled(arr: pa.Array | None, factor: float) -> pa.Array | None:
    return None if arr is None else pc.multiply(arr, factor)


def _wrap360(arr: pa.Array | None) -> pa.Array | None:
    """Angles folded into [0, 360): -90 and 270 are the same track."""
    if arr is None:
        return None
    x = arr.to_numpy(zero_copy_only=False)
    with np.errstate(invalid="ignore"):  # inf -> NaN -> null
        return pa.array(np.mod(x, 360.0), pa.float64(), from_pandas=True)


def _source(codes: pa.Array | None, n: int) -> pa.Array:
    if codes is None:
        return pa.array(np.full(n, "adsb", dtype=object), pa.string())
    keys = pa.array(list(POSITION_SOURCES), pa.float64())
    labels = pa.array(list(POSITION_SOURCES.values()), pa.string())
    index = pc.index_in(codes, keys)
    mapped = pc.take(labels, index)
    # Unknown codes are "other"; a missing code says nothing, so ADS-B stays.
    unknown = pc.if_else(pc.is_null(codes), "adsb", "other")
    return pc.coalesce(mapped, unknown)


def _np_null(arr: pa.Array) -> np.ndarray:
    return np.asarray(arr.is_null().to_numpy(zero_copy_only=False), dtype=bool)


def _np_true(arr: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]


CSV_READER = CsvReader()
PARQUET_READER = ParquetReader()
