"""Columnar reading of a readsb snapshot's aircraft entries (the fast path).

:func:`snapshot_batch` builds the whole snapshot's columns at once, one list
comprehension or Arrow conversion per column instead of a dict per row, and
gives exactly the rows the per-entry reader
(:func:`skywitness.io.readsb.aircraft._entry`) would. It takes only snapshots
in which every entry reads cleanly: when any entry would be skipped, or holds
a value the per-entry reader treats specially (a non-number where a number
belongs, a number beyond float64, a lone latitude), it returns ``None`` and
the caller reads the snapshot entry by entry, so that each problem is named
with its record exactly as before. ``tests/test_snapshot_columns.py`` checks
the two paths agree, on the real samples and on drawn entries.

:func:`decode_snapshot` decodes a snapshot document straight into the keys
the columns read (:data:`Entry`; msgspec, in C), skipping the others without
making Python objects of them: a third less work than a dict per entry and a
walk over the dicts. What it does not take goes to the general loader.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from skywitness.io.base import READER_SCHEMA, RECORD_COLUMN, small_int, text
from skywitness.io.jsondoc import long_digit_runs
from skywitness.io.readsb.common import (
    EMERGENCIES,
    NAV_MODES,
    PLAIN_FIELDS,
    READSB_SOURCES,
    squawk,
)
from skywitness.model.units import NS_PER_US, US_PER_S

_astuple = msgspec.structs.astuple
NUMBER_TYPES = frozenset({int, float, type(None)})
_INT_TYPES = frozenset({int, type(None)})
#: Pairs read as "the first when a number, else the second".
_EITHER = (
    ("baro_rate", "geom_rate", "vrate_fpm"),
    ("true_heading", "mag_heading", "heading_deg"),
    ("nav_altitude_mcp", "nav_altitude_fms", "nav_altitude_ft"),
)
_CATEGORIES = (("nic", "nic"), ("nac_p", "nac_p"), ("nac_v", "nac_v"), ("sil", "sil"))


#: Every key the columns read, fetched from each entry in one pass (one walk
#: over the entries' dicts, not one per column: a task's entries far
#: outgrow the CPU's caches). alt_baro's default tells an absent key from null.
_ABSENT = msgspec.UNSET
_KEYS: tuple[str, ...] = (
    "hex", "seen", "lat", "lon", "seen_pos", "type", "mlat", "tisb", "flight", "alt_baro",
    *(key for key, _ in PLAIN_FIELDS),
    *(key for pair in _EITHER for key in pair[:2]),
    *(key for key, _ in _CATEGORIES),
    "squawk", "emergency", "nav_modes",
)  # fmt: skip
_DEFAULTS = tuple(_ABSENT if key == "alt_baro" else None for key in _KEYS)


#: An aircraft entry as :func:`decode_snapshot` decodes it: the keys of
#: :data:`_KEYS` only, each value as the standard parser gives it, absent
#: keys at their defaults (as ``.get`` of a dict with :data:`_DEFAULTS`).
Entry = msgspec.defstruct(
    "Entry", [(key, Any, d) for key, d in zip(_KEYS, _DEFAULTS, strict=True)], gc=False
)


class _Snapshot(msgspec.Struct):
    now: Any = msgspec.UNSET
    aircraft: list[Entry] | msgspec.UnsetType = msgspec.UNSET  # type: ignore[valid-type]
    ac: list[Entry] | msgspec.UnsetType = msgspec.UNSET  # type: ignore[valid-type]


_DECODER = msgspec.json.Decoder(_Snapshot)


def decode_snapshot(data: bytes | bytearray) -> tuple[Any, list[Any]] | None:
    """A snapshot document's ``now`` and its entries as :data:`Entry` (the
    ``aircraft`` array, else ``ac``), decoded in one pass in C without
    building the keys the columns do not read; None when the document needs
    the general loader (:func:`skywitness.io.jsondoc.load`): not valid UTF-8,
    an integer of 19 digits or more, anything the decoder refuses (NaN,
    a lone surrogate, a number beyond float64 in a key read), an entry that
    is not an object, no ``now`` or no array. On what it accepts it gives
    the standard parser's values (``tests/test_snapshot_decode.py``)."""
    if long_digit_runs(data):
        return None
    if not data.isascii():
        try:
            data.decode("utf-8")  # strict: the decoder does not check the keys it skips
        except UnicodeDecodeError:
            return None
    try:
        doc = _DECODER.decode(data)
    except (msgspec.DecodeError, RecursionError):
        return None
    entries = doc.aircraft if doc.aircraft is not msgspec.UNSET else doc.ac
    if doc.now is msgspec.UNSET or entries is msgspec.UNSET:
        return None
    return doc.now, entries


def dict_columns(entries: Sequence[Any]) -> dict[str, tuple[Any, ...]]:
    """Each key of :data:`_KEYS` to its values over the entries: dicts
    (``.get``) or :data:`Entry`, or both."""
    if all(type(ac) is Entry for ac in entries):
        rows = list(map(_astuple, entries))
    else:
        rows = [
            _astuple(ac) if type(ac) is Entry else tuple(map(ac.get, _KEYS, _DEFAULTS))
            for ac in entries
        ]
    if not rows:
        return {key: () for key in _KEYS}
    return dict(zip(_KEYS, zip(*rows, strict=True), strict=True))


class Unclean(Exception):
    """An entry the columnar path leaves to the per-entry reader."""


def _numbers(values: Sequence[Any]) -> pa.Array:
    """float64 of JSON numbers (null for None and non-finite), as :func:`num`
    reads them; anything else (bool, string, an integer beyond float64) is
    :class:`Unclean`."""
    if not NUMBER_TYPES.issuperset(map(type, values)):
        raise Unclean
    try:
        arr = pa.array(values, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError, ValueError):
        raise Unclean from None
    if arr.null_count < len(arr):
        finite = pc.is_finite(arr)
        if not pc.all(finite).as_py():
            arr = pc.if_else(finite, arr, pa.scalar(None, pa.float64()))
    return arr


def _exact(values: Sequence[Any]) -> pa.Array:
    """As :func:`_numbers`, but a non-finite number is :class:`Unclean` too
    (the per-entry reader skips an entry whose lat, lon, seen or seen_pos is
    not a finite number)."""
    arr = _numbers(values)
    if arr.null_count != values.count(None):
        raise Unclean
    return arr


def lenient(values: Sequence[Any]) -> pa.Array:
    """float64 as :func:`num` reads a value no entry is skipped for: bools and
    other non-numbers are null (an integer beyond float64 is :class:`Unclean`)."""
    if not NUMBER_TYPES.issuperset(map(type, values)):
        values = [v if type(v) is int or type(v) is float else None for v in values]
    return _numbers(values)


def _categories(values: Sequence[Any]) -> pa.Array:
    """int8 as :func:`small_int` reads it: an integer category 0-15, else null."""
    if _INT_TYPES.issuperset(map(type, values)):
        try:
            arr = pa.array(values, pa.int64())
        except (pa.ArrowInvalid, OverflowError):
            return pa.array([small_int(v) for v in values], pa.int8())
        bad = pc.or_(pc.less(arr, 0), pc.greater(arr, 15))
        if arr.null_count < len(arr) and pc.any(bad).as_py():
            arr = pc.if_else(bad, pa.scalar(None, pa.int64()), arr)
        return arr.cast(pa.int8())
    return pa.array([small_int(v) for v in values], pa.int8())


def _memo(values: Sequence[Any], fn: Any) -> list[Any]:
    """``fn`` of each value, computed once per distinct string."""
    table: dict[Any, Any] = {}
    out = []
    for v in values:
        if type(v) is str:
            r = table.get(v, table)
            if r is table:
                r = table[v] = fn(v)
            out.append(r)
        else:
            out.append(fn(v))
    return out


def snapshot_batch(
    entries: list[Any],
    now_us: int | NDArray[np.int64],
    fmt: str,
    max_lag_s: float,
    records: NDArray[np.int64] | None = None,
) -> pa.RecordBatch | None:
    """All entries of one snapshot as one batch in ``READER_SCHEMA``, or None
    when any entry needs the per-entry reader (see the module's docstring).
    The entries of several snapshots read as one give ``now_us`` and the
    record number (the entry's place in its file) per entry."""
    n = len(entries)
    if n == 0:
        return None
    if not all(type(ac) is dict or type(ac) is Entry for ac in entries):
        return None
    try:
        return _batch(entries, now_us, fmt, max_lag_s, records)
    except Unclean:
        return None


def _batch(
    entries: list[Any],
    now_us: int | NDArray[np.int64],
    fmt: str,
    max_lag_s: float,
    records: NDArray[np.int64] | None,
) -> pa.RecordBatch:
    n = len(entries)
    cols: dict[str, Any] = {}
    got = dict_columns(entries)

    hexes = got["hex"]
    if not all(type(h) is str for h in hexes):
        raise Unclean
    icao = [str(h).strip().lower() for h in hexes]
    if not all(icao):
        raise Unclean
    cols["icao24"] = pa.array(icao, pa.string())

    seen = _exact(got["seen"]).to_numpy(zero_copy_only=False)
    seen = np.where(np.isnan(seen), 0.0, seen)  # absent: the entry is as of 'now'
    if ((seen < 0.0) | (seen > 86_400.0)).any():
        raise Unclean
    # round() as the per-entry reader does: half to even, as np.rint.
    time_us = now_us - np.rint(seen * US_PER_S).astype(np.int64)
    if (time_us < 0).any() or (time_us > (2**63 - 1) // NS_PER_US).any():
        raise Unclean
    cols["time"] = pa.array(time_us * NS_PER_US, pa.int64())

    lat, lon = _exact(got["lat"]), _exact(got["lon"])
    if lat.null_count != lon.null_count or (
        lat.null_count and not pc.all(pc.equal(lat.is_null(), lon.is_null())).as_py()
    ):
        raise Unclean  # a lone coordinate: the validator names it
    seen_pos = _exact(got["seen_pos"]).to_numpy(zero_copy_only=False)
    stale = ~np.isnan(seen_pos) & ~(seen_pos - seen <= max_lag_s)
    has_pos = ~np.asarray(lat.is_null().to_numpy(zero_copy_only=False)) & ~stale
    keep = pa.array(has_pos)
    none = pa.scalar(None, pa.float64())
    cols["lat"] = pc.if_else(keep, lat, none)
    cols["lon"] = pc.if_else(keep, lon, none)

    source = [READSB_SOURCES.get(t, "other") if type(t) is str else "other" for t in got["type"]]
    mlat, tisb = got["mlat"], got["tisb"]
    for i in np.flatnonzero(has_pos).tolist():
        if mlat[i] is None and tisb[i] is None:
            continue
        for fields, src in ((mlat[i], "mlat"), (tisb[i], "tisb")):
            if isinstance(fields, list) and "lat" in fields:
                source[i] = src
                break
    cols["source"] = pa.array(source, pa.string())

    cols.update(aircraft_columns(got))
    cols["format"] = pa.array([fmt] * n, pa.string())
    cols[RECORD_COLUMN] = pa.array(np.arange(n, dtype=np.int64) if records is None else records)
    arrays = []
    for field in READER_SCHEMA:
        arr = cols.get(field.name)
        if arr is None:
            arrays.append(pa.nulls(n, field.type))
        else:
            arrays.append(arr.cast(field.type) if arr.type != field.type else arr)
    return pa.RecordBatch.from_arrays(arrays, schema=READER_SCHEMA)


def aircraft_columns(got: dict[str, tuple[Any, ...]]) -> dict[str, pa.Array]:
    """The columns :func:`~skywitness.io.readsb.common.aircraft_fields` reads
    from each aircraft dict (callsign, altitude and on_ground, the plain
    numbers, the either-or pairs, the categories, squawk, emergency, nav
    modes), from :func:`dict_columns` of the dicts; :class:`Unclean` where one
    needs the per-dict reader."""
    cols: dict[str, pa.Array] = {}
    cols["callsign"] = pa.array(_memo(got["flight"], text), pa.string())
    present = [v is not _ABSENT for v in got["alt_baro"]]
    alt = [None if v is _ABSENT else v for v in got["alt_baro"]]
    ground = [v == "ground" for v in alt]
    alt_arr = lenient([None if g else v for v, g in zip(alt, ground, strict=True)])
    cols["alt_baro_ft"] = alt_arr
    cols["on_ground"] = pa.array(
        [
            True if g else (None if not p or a is None else False)
            for g, p, a in zip(ground, present, alt_arr.to_pylist(), strict=True)
        ],
        pa.bool_(),
    )
    for key, col in PLAIN_FIELDS:
        cols[col] = lenient(list(got[key]))
    for first, second, col in _EITHER:
        a = lenient(list(got[first]))
        if a.null_count:
            b = lenient(list(got[second]))
            a = pc.coalesce(a, b)
        cols[col] = a
    for key, col in _CATEGORIES:
        cols[col] = _categories(list(got[key]))
    cols["squawk"] = pa.array(_memo(got["squawk"], squawk), pa.string())
    cols["emergency"] = pa.array(_memo(got["emergency"], _emergency), pa.string())
    modes = got["nav_modes"]
    if any(type(m) is list for m in modes):
        for mode in NAV_MODES:
            cols[f"nav_{mode}"] = pa.array(
                [(mode in m) if type(m) is list else None for m in modes], pa.bool_()
            )
    return cols


def _emergency(value: Any) -> str | None:
    e = text(value)
    return e if e in EMERGENCIES else None
