"""GNSS spoofing of each aircraft, from its own reports.

Spoofing fools the aircraft's GNSS receiver: its quality fields often stay
good while its position is false. Each detector is a strategy behind
:class:`SpoofDetector`, chosen by name, and flags reports:

``frozen``     the position holds while the aircraft flies on
               (:mod:`skywitness.gnss.spoofing.position`);
``jump``       positions out of reach of the aircraft's own track (same module);
``kinematic``  positions against the reported velocity, ground speeds outside
               the flight envelope, ground speed against true airspeed
               (:mod:`skywitness.gnss.spoofing.motion`);
``altitude``   GNSS altitude off pressure altitude beyond weather (same module).

A combiner (``any``, ``vote``) turns the detectors' flags into ``spoofed``.
Every detector needs only positions, altitude and velocity (OpenSky state
vectors); NACp, when present, sets the position error allowances, and
NIC/NACp tell whether the aircraft still trusted its position while spoofed
(``trusted_quality``).

Missing positions are jamming's signature, not spoofing's: the position
tests (frozen, jump, dead reckoning) never judge a report without a
position, a gap is never a jump by itself, and a repeated position is taken
as a stale value unless the track shows it was not (see ``frozen``). MLAT
and TIS-B positions do not come from the aircraft's receiver and are left
out of every test.

Archives are often resampled: values repeated by a forward fill or drawn
on a straight line between two fixes are not observations
(:func:`~skywitness.gnss.spoofing.kernels.observed_rows`) and count as no
evidence; a velocity unchanged for a minute is taken as held; pressure
altitudes off the aircraft's own altitude track (on-ground rows included)
are garbage (:func:`~skywitness.gnss.spoofing.chain.altitude_consistent`).
Each detector debounces its flags: a flagged stretch lasts 30 s and rests
on three observations at least (:func:`~skywitness.gnss.spoofing.kernels.debounce`).

Several archives of one flight (FR24 and OpenSky, a receiver's raw frames
and ADS-B Exchange snapshots) are judged apart: every test compares
consecutive reports, and two archives' reports interleaved in time are not
consecutive reports of one receiver (their clocks, rounding, sampling and
forward fills differ: OpenSky's held position "resumed" by FR24's next fix
reads as a frozen solution). Each aircraft's reports are split into streams,
one per archive (the ``format`` column, or the column named by ``archive``),
every detector runs on each stream as if it were alone, and a report is
flagged when its own archive's stream flags it: the union of what each
archive gives alone. Where the archives disagree is
:func:`skywitness.track.sources.disagreements`'s to say.

Rows are the airborne reports (``on_ground`` true excluded, null counts as
airborne) sorted by icao24 and time, as in :func:`skywitness.gnss.jamming.state.gnss_state`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, runtime_checkable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from skywitness.errors import UsageError
from skywitness.gnss.jamming.state import (
    STATE_RESET_GAP_S,
    aircraft_keys,
    category_codes,
    column_np,
    gaps_ns,
    run_starts,
    sort_order,
)
from skywitness.gnss.spoofing.chain import altitude_consistent
from skywitness.gnss.spoofing.intervals import (
    FLAG_COLUMNS,
    INTERVAL_MERGE_S,
    SpoofInterval,
    SpoofSummary,
    detector_columns,
    spoof_intervals,
    spoof_summary,
)
from skywitness.gnss.spoofing.kernels import (
    Bool,
    SpoofBatch,
    dead_reckoning,
    observed_rows,
)
from skywitness.gnss.spoofing.motion import AltitudeDivergence, Kinematic
from skywitness.gnss.spoofing.position import FrozenPosition, PositionJump
from skywitness.track.reckon import last_index

#: A position is trusted by the aircraft while it reports NIC >= 7 (containment
#: radius < 0.2 NM) and NACp >= 8 (EPU < 0.05 NM): the ADS-B Out performance
#: that mandates require (14 CFR 91.227; EU 1207/2011 the same for NACp).
TRUSTED_NIC_MIN = 7
TRUSTED_NACP_MIN = 8
#: Sources whose positions do not come from the aircraft's GNSS receiver.
INDEPENDENT_SOURCES = ("mlat", "tisb")
#: The column naming each report's archive (the input format it was read
#: from): an aircraft's reports from different archives are judged apart.
ARCHIVE_COLUMN = "format"

TIME_NS = pa.timestamp("ns", tz="UTC")
T = TypeVar("T")
_MEASURED = ("lat", "lon", "alt_baro_ft", "alt_geom_ft", "gs_kt", "track_deg", "tas_kt")
_PASSED = ("icao24", "callsign", "time", "lat", "lon", "alt_baro_ft")
_OUTPUT_COLUMNS = (*_PASSED, *FLAG_COLUMNS, "record_id")


@runtime_checkable
class SpoofDetector(Protocol):
    """A strategy that flags each row of a batch as spoofed (after its own debouncing)."""

    @property
    def name(self) -> str: ...

    def flags(self, batch: SpoofBatch) -> Bool: ...


@runtime_checkable
class SpoofCombiner(Protocol):
    """A strategy that turns the detectors' flags into the combined ``spoofed``."""

    @property
    def name(self) -> str: ...

    def combine(self, flags: Mapping[str, Bool], n: int) -> Bool: ...


@dataclass(frozen=True)
class AnyOf:
    """Spoofed where any detector flags."""

    @property
    def name(self) -> str:
        return "any"

    def combine(self, flags: Mapping[str, Bool], n: int) -> Bool:
        out = np.zeros(n, dtype=bool)
        for values in flags.values():
            out |= values
        return out


@dataclass(frozen=True)
class Vote:
    """Spoofed where at least ``min_detectors`` detectors flag at once."""

    min_detectors: int = 2

    @property
    def name(self) -> str:
        return "vote"

    def combine(self, flags: Mapping[str, Bool], n: int) -> Bool:
        count = np.zeros(n, dtype=np.int16)
        for values in flags.values():
            count += values
        return np.asarray(count >= self.min_detectors)


#: Detectors by name, each with its documented defaults.
DETECTORS: dict[str, Callable[..., SpoofDetector]] = {
    "frozen": FrozenPosition,
    "jump": PositionJump,
    "kinematic": Kinematic,
    "altitude": AltitudeDivergence,
}
#: Combiners by name.
COMBINERS: dict[str, Callable[..., SpoofCombiner]] = {"any": AnyOf, "vote": Vote}


def spoof_detector(name: str, **parameters: Any) -> SpoofDetector:
    """The spoofing detector registered as ``name``, with optional parameter overrides."""
    return _make(DETECTORS, "spoofing detector", name, parameters)


def spoof_combiner(name: str, **parameters: Any) -> SpoofCombiner:
    """The combiner registered as ``name``, with optional parameter overrides."""
    return _make(COMBINERS, "spoofing combiner", name, parameters)


def _make(registry: Mapping[str, Callable[..., T]], what: str, name: str, kw: Any) -> T:
    try:
        factory = registry[name]
    except KeyError:
        raise UsageError(f"unknown {what} {name!r} (use {', '.join(registry)})") from None
    try:
        return factory(**kw)
    except TypeError as exc:
        raise UsageError(f"{what} {name!r}: {exc}") from None


# -- from reports to the batch ---------------------------------------------------


def prepare(
    reports: pa.Table, *, archive: str | None = ARCHIVE_COLUMN
) -> tuple[pa.Table, SpoofBatch]:
    """Airborne reports sorted by (icao24, archive, time, record_id) and their kernel batch.

    Each aircraft's reports from one archive (the values of the column
    ``archive``; None, or a table without it: one archive) are one stream,
    which the batch treats as an aircraft of its own (``aircraft_start``
    opens each stream): no kernel compares reports of two archives. With one
    archive per aircraft the order is (icao24, time, record_id).

    The table holds the output's pass-through columns (icao24, callsign, time,
    lat, lon, alt_baro_ft, record_id when present), row for row with the batch.
    """
    table, batch, _ = _prepare(reports, archive)
    return table, batch


def _prepare(
    reports: pa.Table, archive: str | None
) -> tuple[pa.Table, SpoofBatch, np.ndarray[Any, Any] | None]:
    """:func:`prepare`, and the permutation that puts its rows in (icao24, time,
    record_id) order (None when no aircraft has reports from two archives)."""
    keys = aircraft_keys(reports)
    t_all, code_all, rid_all, names, by_name = (
        keys.time_ns,
        keys.code,
        keys.record_id,
        keys.names,
        keys.by_name,
    )
    stream_all = _streams(reports, code_all, archive)
    # Sort every row: on-ground rows are left out of the result but their
    # altitudes tell which airborne altitudes are garbage.
    full = sort_order(stream_all, t_all, rid_all)
    stream_full, t_full = stream_all[full], t_all[full]
    starts_full = np.ones(full.shape[0], dtype=bool)
    starts_full[1:] = stream_full[1:] != stream_full[:-1]
    values_full = {name: _floats(reports, name, full) for name in _MEASURED}
    alt_full = values_full["alt_baro_ft"]
    segments_full = run_starts(gaps_ns(t_full, starts_full), starts_full, STATE_RESET_GAP_S)
    seen_full = observed_rows(segments_full, t_full, values_full)
    alt_ok_full = altitude_consistent(t_full, alt_full, starts_full, seen_full)
    air = np.ones(full.shape[0], dtype=bool)
    if "on_ground" in reports.column_names:
        ground = column_np(pc.fill_null(reports["on_ground"], False), np.bool_, False)
        air = ~ground[full]
    order = full[air]
    t = t_all[order]
    code = code_all[order]
    stream = stream_all[order]
    n = order.shape[0]
    aircraft_start = np.ones(n, dtype=bool)
    aircraft_start[1:] = stream[1:] != stream[:-1]
    segment_start = run_starts(gaps_ns(t, aircraft_start), aircraft_start, STATE_RESET_GAP_S)

    values = {name: v[air] for name, v in values_full.items()}
    reported_lat, reported_lon = values["lat"], values["lon"]
    if "source" in reports.column_names:
        independent = pc.is_in(reports["source"], pa.array(INDEPENDENT_SOURCES))
        own = ~column_np(independent, np.bool_, False)[order]
        values["lat"] = np.where(own, values["lat"], np.nan)
        values["lon"] = np.where(own, values["lon"], np.nan)
    observed = observed_rows(segment_start, t, values)
    north, east, path, uncovered = dead_reckoning(
        t, segment_start, values["gs_kt"], values["track_deg"], observed
    )
    batch = SpoofBatch(
        time_ns=t,
        aircraft_start=aircraft_start,
        segment_start=segment_start,
        lat=values["lat"],
        lon=values["lon"],
        alt_baro_ft=values["alt_baro_ft"],
        alt_geom_ft=values["alt_geom_ft"],
        gs_kt=values["gs_kt"],
        track_deg=values["track_deg"],
        tas_kt=values["tas_kt"],
        nic=_latest(category_codes(reports, "nic")[order], segment_start),
        nac_p=_latest(category_codes(reports, "nac_p")[order], segment_start),
        alt_consistent=alt_ok_full[air],
        observed=observed,
        dr_north_m=north,
        dr_east_m=east,
        dr_path_m=path,
        dr_uncovered_s=uncovered,
    )
    sorted_names = names.take(pa.array(by_name))
    columns: dict[str, Any] = {
        "icao24": pa.DictionaryArray.from_arrays(pa.array(code, pa.int32()), sorted_names).cast(
            pa.string()
        ),
        "callsign": _strings(reports, "callsign", order),
        "time": pa.array(t, pa.int64()).cast(TIME_NS),
        "lat": pa.array(reported_lat, mask=np.isnan(reported_lat)),
        "lon": pa.array(reported_lon, mask=np.isnan(reported_lon)),
        "alt_baro_ft": pa.array(
            values["alt_baro_ft"].astype(np.float32), mask=np.isnan(values["alt_baro_ft"])
        ),
    }
    if rid_all is not None:
        columns["record_id"] = pa.array(rid_all[order], pa.int64())
    merge = None
    if n and np.any(aircraft_start[1:] & (code[1:] == code[:-1])):
        merge = sort_order(code, t, None if rid_all is None else rid_all[order])
    return pa.table(columns), batch, merge


def _streams(
    reports: pa.Table, code: np.ndarray[Any, Any], archive: str | None
) -> np.ndarray[Any, Any]:
    """Each row's stream: its aircraft code, refined by the rank of its archive's name
    (streams sort by aircraft, then archive name; a missing name is an archive "")."""
    if archive is None or archive not in reports.column_names or reports.num_rows == 0:
        return code
    values = pc.fill_null(reports[archive].cast(pa.string()), "")
    encoded = pc.dictionary_encode(values).combine_chunks()
    names = encoded.dictionary
    if len(names) < 2:
        return code
    rank = np.empty(len(names), dtype=np.int64)
    rank[column_np(pc.sort_indices(names), np.int64, 0)] = np.arange(len(names))
    which = rank[column_np(encoded.indices, np.int64, 0)]
    return np.asarray(code * len(names) + which, dtype=np.int64)


def _floats(table: pa.Table, name: str, order: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """A numeric column as float64 in ``order``, NaN where null (Arrow converts nulls
    of a float array to NaN itself, so no fill pass is needed)."""
    if name not in table.column_names:
        return np.full(order.shape[0], np.nan)
    column = table[name].combine_chunks()
    if not pa.types.is_floating(column.type):
        column = column.cast(pa.float64())
    values = np.asarray(column.to_numpy(zero_copy_only=False), np.float64)
    out: np.ndarray[Any, Any] = values[order]
    return out


def _strings(table: pa.Table, name: str, order: np.ndarray[Any, Any]) -> pa.Array:
    if name not in table.column_names:
        return pa.nulls(order.shape[0], pa.string())
    column = table[name].cast(pa.string()).combine_chunks()
    return column.take(pa.array(order, pa.int64()))


def _latest(values: np.ndarray[Any, Any], segment_start: Bool) -> np.ndarray[Any, Any]:
    """Each row's latest known category value in its segment (-1 when none yet)."""
    known = values >= 0
    last = last_index(known, segment_start)
    return np.where(last >= 0, values[np.maximum(last, 0)], -1).astype(np.int16)


# -- states and intervals -------------------------------------------------------


def spoof_states(
    reports: pa.Table,
    *,
    detectors: Sequence[str | SpoofDetector] | None = None,
    combine: str | SpoofCombiner = "any",
    archive: str | None = ARCHIVE_COLUMN,
) -> pa.Table:
    """Spoofing flags of each airborne report; see the module docstring.

    ``detectors`` are names from :data:`DETECTORS` or detector objects (all
    four by default); ``combine`` a name from :data:`COMBINERS` or a combiner.
    ``archive`` names the column that tells an aircraft's archives apart
    (each judged on its own reports, see :func:`prepare`); None judges all
    of an aircraft's reports as one stream.

    Columns: icao24, callsign, time, lat, lon, alt_baro_ft, one bool column per
    detector (named after it), ``spoofed``, ``trusted_quality`` (on spoofed
    rows: true while NIC/NACp still said the position was good, false when
    they said it was degraded; null elsewhere or when the aircraft sent
    neither), ``own_position`` (the row has a position from the aircraft's own
    GNSS receiver: not MLAT or TIS-B, which spoofing cannot touch), and
    record_id when the input has it; nothing in the schema metadata. Counts:
    :func:`spoof_summary`.
    """
    chosen = [
        spoof_detector(d) if isinstance(d, str) else d
        for d in (DETECTORS if detectors is None else detectors)
    ]
    names = [d.name for d in chosen]
    if len(set(names)) != len(names):
        raise UsageError(f"spoofing detectors named twice: {names}")
    clash = set(names) & set(_OUTPUT_COLUMNS)
    if clash:
        raise UsageError(f"spoofing detector names clash with output columns: {sorted(clash)}")
    combiner = spoof_combiner(combine) if isinstance(combine, str) else combine
    table, batch, merge = _prepare(reports, archive)
    n = len(batch)
    flags = {d.name: d.flags(batch) for d in chosen}
    spoofed = combiner.combine(flags, n)
    known = (batch.nic >= 0) | (batch.nac_p >= 0)
    good = ((batch.nic < 0) | (batch.nic >= TRUSTED_NIC_MIN)) & (
        (batch.nac_p < 0) | (batch.nac_p >= TRUSTED_NACP_MIN)
    )
    columns: dict[str, Any] = {name: table[name] for name in _PASSED}
    for name, values in flags.items():
        columns[name] = pa.array(values, pa.bool_())
    columns["spoofed"] = pa.array(spoofed, pa.bool_())
    columns["trusted_quality"] = pa.array(good, pa.bool_(), mask=~(spoofed & known))
    columns["own_position"] = pa.array(np.isfinite(batch.lat) & np.isfinite(batch.lon), pa.bool_())
    if "record_id" in table.column_names:
        columns["record_id"] = table["record_id"]
    out = pa.table(columns)
    # Streams were judged apart; the result interleaves them again in time.
    return out if merge is None else out.take(pa.array(merge, pa.int64()))


__all__ = [
    "ARCHIVE_COLUMN",
    "COMBINERS",
    "DETECTORS",
    "INTERVAL_MERGE_S",
    "AnyOf",
    "SpoofCombiner",
    "SpoofDetector",
    "SpoofInterval",
    "SpoofSummary",
    "Vote",
    "detector_columns",
    "prepare",
    "spoof_combiner",
    "spoof_detector",
    "spoof_intervals",
    "spoof_states",
    "spoof_summary",
]
