"""The flight job: one aircraft's reports -> its flights, timeline, path through
the gaps, approaches, oscillation, failure and end -> files.

As for the other jobs: :func:`compute_flight` computes a :class:`FlightResult`
from the reports of one aircraft (and, optionally, the traffic around it for
the jamming areas), :func:`write_flight_files` writes files from it,
:func:`flight_analysis` (the CLI's) reads the store, computes and writes.

The kernels, in order (each a pure function of one aircraft's reports, see
:mod:`skywitness.track`): values no aircraft could have
(:func:`~skywitness.track.envelope.flag_bad_values`), flights
(:func:`~skywitness.track.flights.split_flights`), phases
(:func:`~skywitness.track.phases.label_phases`), the GNSS detectors on the
aircraft alone (:func:`~skywitness.gnss.jamming.state.gnss_state`,
:func:`~skywitness.gnss.spoofing.detectors.spoof_states`), per flight the
path through its gaps (:func:`~skywitness.track.gaps.reconstruct_gaps`, with
the spoofed positions set aside), approaches, oscillation, the end of the
flight, diversion and failure; the signal events (squawks, emergency, nav
modes, position loss, bad values). Jamming *areas* need other aircraft: with
``region`` (the reports of every aircraft around the flight), the jamming
detector's events there (:func:`~skywitness.gnss.jamming.events.interference_events`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from skywitness.errors import UsageError
from skywitness.gnss.jamming.events import interference_events
from skywitness.gnss.jamming.state import BAD, gnss_state
from skywitness.gnss.spoofing.detectors import spoof_states
from skywitness.gnss.spoofing.intervals import SpoofInterval, spoof_intervals
from skywitness.jobs import tables
from skywitness.jobs.jamming import event_kinds
from skywitness.jobs.reports import canonical, data_window
from skywitness.model.schema import REPORT_SCHEMA, TIME_TYPE
from skywitness.model.timefmt import iso_utc
from skywitness.model.units import NS_PER_S
from skywitness.progress import Progress, no_progress
from skywitness.report.flight_files import EXTENSIONS, check_outputs
from skywitness.report.provenance import Provenance
from skywitness.store import Store
from skywitness.track.approaches import Approach, approach_events, find_approaches
from skywitness.track.end import end_events
from skywitness.track.envelope import BadValues, flag_bad_values
from skywitness.track.events import Event, signal_events, timeline
from skywitness.track.flights import Flights, split_flights
from skywitness.track.gaps import reconstruct_gaps
from skywitness.track.oscillation import (
    Oscillation,
    VerticalRate,
    abnormal_vertical_rates,
    find_oscillations,
    oscillation_events,
    vertical_rate_events,
)
from skywitness.track.phases import Phases, label_phases
from skywitness.track.sources import disagreements, merge_sources

__all__ = [
    "EXTENSIONS",
    "FlightResult",
    "FlightRun",
    "compute_flight",
    "flight_analysis",
    "flight_reports",
    "write_flight_files",
]

#: An ICAO 24-bit address as users write it (readsb's ``~`` marks a non-ICAO one).
ICAO24_RE = re.compile(r"^~?[0-9a-fA-F]{6}$")
#: The traffic read around the flight for the jamming areas: its positions'
#: box widened by this much, degrees (a jammer's reach is 100-300 km at
#: altitude: the areas a flight crossed have their edges within it;
#: modelling choice), and its time span widened by ``REGION_MARGIN_S``.
REGION_MARGIN_DEG = 2.0
REGION_MARGIN_S = 1800.0
#: A GNSS-detector state must hold this long to make a ``gnss_lost`` /
#: ``gnss_regained`` pair, s: shorter flickers are the counters' noise
#: (the counters need 18 messages, about 9 s at 2 Hz; modelling choice).
GNSS_MIN_S = 30.0


# -- which aircraft ------------------------------------------------------------------


def _hex(ident: str) -> bool:
    return bool(ICAO24_RE.match(ident.strip()))


def _callsign_matches(table: pa.Table, ident: str) -> pa.Table:
    want = ident.strip().upper()
    cs = pc.utf8_upper(pc.utf8_trim_whitespace(table["callsign"]))
    return table.filter(pc.fill_null(pc.equal(cs, want), False))


def resolve_aircraft(candidates: pa.Table, ident: str) -> tuple[str, str | None]:
    """The icao24 ``ident`` names in ``candidates`` (columns icao24, callsign):
    an address (six hex digits, any case) first, else a callsign (any case).
    ``(icao24, callsign or None)``; a :class:`UsageError` when nothing or
    several aircraft match (naming them)."""
    text = ident.strip()
    if not text:
        raise UsageError("no aircraft given (an ICAO 24-bit address or a callsign)")
    if _hex(text):
        addr = text.lower()
        if pc.any(pc.equal(candidates["icao24"], addr)).as_py():
            return addr, None
    rows = _callsign_matches(candidates, text)
    found = sorted(set(rows["icao24"].to_pylist()))
    if not found:
        what = "address or callsign" if _hex(text) else "callsign"
        raise UsageError(f"no reports of {what} {text!r} in the window")
    if len(found) > 1:
        raise UsageError(
            f"callsign {text!r} was sent by {len(found)} aircraft ({', '.join(found[:10])}"
            f"{', ...' if len(found) > 10 else ''}): give the address, or a narrower --from/--to"
        )
    return found[0], text.upper()


def flight_reports(
    store: Store, ident: str, start_ns: int | None, end_ns: int | None
) -> tuple[pa.Table, str | None]:
    """The reports of the aircraft ``ident`` names (:func:`resolve_aircraft`) in the
    window, in time order, and the callsign it was named by (None for an address)."""
    if _hex(ident):
        table = store.query(start=start_ns, end=end_ns, icao24=[ident.strip().lower()])
        if table.num_rows:
            return table, None
    seen = store.query(start=start_ns, end=end_ns, columns=["icao24", "callsign"])
    addr, callsign = resolve_aircraft(seen, ident)
    return store.query(start=start_ns, end=end_ns, icao24=[addr]), callsign


def region_reports(store: Store, reports: pa.Table) -> pa.Table:
    """Every aircraft's reports around ``reports`` (one flight): its time span and
    position box widened by :data:`REGION_MARGIN_S` and :data:`REGION_MARGIN_DEG`."""
    box = _region_box(reports)
    lo, hi = data_window(reports)
    if box is None or lo is None or hi is None:
        return REPORT_SCHEMA.empty_table()
    margin = int(REGION_MARGIN_S * NS_PER_S)
    inside = store.query(start=lo - margin, end=hi + margin, bbox=box, columns=["icao24"])
    aircraft = pc.unique(inside["icao24"]).to_pylist()
    if not aircraft:
        return REPORT_SCHEMA.empty_table()
    return store.query(start=lo - margin, end=hi + margin, icao24=aircraft)


def _region_box(reports: pa.Table) -> tuple[float, float, float, float] | None:
    lat = reports["lat"].to_numpy(zero_copy_only=False).astype(float)
    lon = reports["lon"].to_numpy(zero_copy_only=False).astype(float)
    ok = np.isfinite(lat) & np.isfinite(lon)
    if not ok.any():
        return None
    m = REGION_MARGIN_DEG
    south, north = max(-90.0, lat[ok].min() - m), min(90.0, lat[ok].max() + m)
    west, east = lon[ok].min() - m, lon[ok].max() + m
    if east - west >= 360.0 - 2 * m:  # around the world (or across the antimeridian)
        return None
    return (max(-180.0, west), south, min(180.0, east), north)


# -- the result ----------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class FlightResult:
    """One aircraft's flights: the timeline (``events``), the path through its
    gaps (``track``: one row per report), approaches, the oscillation, the
    failure and the end, and the jamming areas around it (``areas``).

    ``as_json`` is what ``skywitness flight --json`` prints; ``to_arrow`` /
    ``to_pandas`` give the ``track`` (default), ``events``, ``approaches`` or
    ``flights`` table; ``to_geojson`` the track, events and end as one
    FeatureCollection; ``write`` the files (``.html`` report, ``.geojson``,
    ``.csv``, ``.parquet``).
    """

    icao24: str
    callsign: str | None
    flights: tuple[Mapping[str, Any], ...]
    events: tuple[Event, ...]
    track: pa.Table
    series: pa.Table
    approaches: tuple[Mapping[str, Any], ...]
    oscillation: Mapping[str, Any] | None
    failure: Mapping[str, Any] | None
    end: Mapping[str, Any] | None
    areas: tuple[Mapping[str, Any], ...]
    reports: int
    start_ns: int | None
    end_ns: int | None
    provenance: Provenance | None = None
    #: The aircraft's reports the result was computed from (canonical schema plus
    #: ``archive`` and ``archives``; copies across archives merged), in time order.
    records: pa.Table | None = None

    TABLES: ClassVar[tuple[str, ...]] = ("track", "events", "approaches", "flights")

    def as_json(self) -> dict[str, Any]:
        """The documented JSON object (README, "skywitness flight")."""
        return {
            "icao24": self.icao24,
            "callsign": self.callsign,
            "flights": [dict(f) for f in self.flights],
            "events": [e.as_json() for e in self.events],
            "track": track_json(self.track),
            "approaches": [dict(a) for a in self.approaches],
            "oscillation": None if self.oscillation is None else dict(self.oscillation),
            "failure": None if self.failure is None else _plain(self.failure),
            "end": None if self.end is None else dict(self.end),
        }

    def to_arrow(self, table: str | None = None) -> pa.Table:
        """``track`` (default), ``events``, ``approaches`` or ``flights``."""
        name = tables.pick(table, self.TABLES)
        if name == "events":
            return events_table(self.events)
        if name == "approaches":
            return _rows_table(self.approaches, ("start", "time"))
        if name == "flights":
            return _rows_table(self.flights, ("start", "end"))
        return self.track

    def to_pandas(self, table: str | None = None) -> Any:
        """:meth:`to_arrow` as a pandas DataFrame (needs the ``pandas`` extra)."""
        return tables.to_pandas(self.to_arrow(table))

    def to_geojson(self) -> dict[str, Any]:
        """The track (one LineString per run of one source), events with a position
        and the end as one FeatureCollection."""
        from skywitness.report.flight_files import flight_geojson

        return flight_geojson(self)

    def write(
        self,
        *outputs: str | Path,
        provenance: Provenance | None = None,
        progress: Progress | None = None,
    ) -> tuple[dict[str, Any], ...]:
        """Write each of ``outputs`` (by extension: .html, .geojson, .csv, .parquet)."""
        return write_flight_files(
            self, [Path(o) for o in outputs], provenance=provenance, progress=progress
        )

    def summary_lines(self) -> list[str]:
        """What happened, in a few lines (the CLI prints them; the repr starts with them)."""
        from skywitness.report.flight_files import summary_lines

        return summary_lines(self)

    def __repr__(self) -> str:
        lines = [f"  {e.time[:19]}Z  {e.kind:<22} {_detail_text(e.detail)}" for e in self.events]
        return "\n".join(self.summary_lines() + tables.shown(lines, len(lines)))

    def _repr_html_(self) -> str:
        rows = [[e.time, e.kind, _detail_text(e.detail)] for e in self.events]
        return tables.html_table(
            tables.caption(self.summary_lines()), ["time (UTC)", "event", "detail"], rows
        )


@dataclass(frozen=True, repr=False)
class FlightRun(FlightResult):
    """A result and the files written from it (what :func:`flight_analysis` returns)."""

    written: tuple[dict[str, Any], ...] = ()


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _detail_text(detail: Mapping[str, Any]) -> str:
    parts = []
    for k, v in detail.items():
        if isinstance(v, float):
            v = f"{v:.6g}"
        elif isinstance(v, list | tuple):
            v = ", ".join(str(x) for x in v)
        parts.append(f"{k} {v}")
    return "; ".join(parts)


def track_json(track: pa.Table) -> list[dict[str, Any]]:
    """The ``track`` member: time, lat, lon, alt_baro_ft, source, error_km per row."""
    t = track["time"].cast(pa.int64()).to_pylist()
    cols = {c: track[c].to_pylist() for c in ("lat", "lon", "alt_baro_ft", "source", "error_km")}
    out = []
    for i, ns in enumerate(t):
        lat, lon, err = cols["lat"][i], cols["lon"][i], cols["error_km"][i]
        alt = cols["alt_baro_ft"][i]
        out.append(
            {
                "time": iso_utc(ns),
                "lat": None if lat is None else round(lat, 6),
                "lon": None if lon is None else round(lon, 6),
                "alt_baro_ft": None if alt is None or alt != alt else round(alt, 1),
                "source": cols["source"][i],
                "error_km": None if err is None or err != err else round(err, 3),
            }
        )
    return out


def events_table(events: Sequence[Event]) -> pa.Table:
    """One row per event: time, kind, detail (JSON text)."""
    import json

    return pa.table(
        {
            "time": tables.times([e.time_ns for e in events]),
            "kind": pa.array([e.kind for e in events], pa.string()),
            "detail": pa.array(
                [json.dumps(_plain(e.detail), sort_keys=True) for e in events], pa.string()
            ),
        }
    )


def _rows_table(rows: Sequence[Mapping[str, Any]], time_keys: Sequence[str]) -> pa.Table:
    if not rows:
        return pa.table({k: pa.array([], pa.string()) for k in time_keys})
    table = pa.Table.from_pylist([dict(r) for r in rows])
    for k in time_keys:
        if k in table.column_names:
            i = table.schema.get_field_index(k)
            table = table.set_column(i, k, table[k].cast(TIME_TYPE))
    return table


# -- compute -------------------------------------------------------------------------


def _np(table: pa.Table, name: str, dtype: Any = float) -> np.ndarray[Any, Any]:
    return np.asarray(table[name].to_numpy(zero_copy_only=False), dtype)


def _by_record(reports: pa.Table, rows: pa.Table, column: str) -> np.ndarray[Any, Any]:
    """``rows[column]`` (bool or state) mapped onto ``reports`` by record_id (False /
    -1 where the detector gave no row: reports on the ground)."""
    ids = _np(reports, "record_id", np.int64)
    got = _np(rows, "record_id", np.int64)
    values = rows[column].to_numpy(zero_copy_only=False)
    order = np.argsort(got, kind="stable")
    pos = np.clip(np.searchsorted(got[order], ids), 0, max(len(got) - 1, 0))
    hit = (got[order][pos] == ids) if len(got) else np.zeros(len(ids), bool)
    fill: Any = False if values.dtype == bool else -1
    out = np.full(len(ids), fill, values.dtype if len(got) else np.int8)
    if len(got):
        out[hit] = values[order][pos[hit]]
    return out


def _runs(mask: np.ndarray[Any, Any]) -> list[tuple[int, int]]:
    """``[first, last]`` rows of each run of True."""
    if not mask.any():
        return []
    d = np.diff(np.r_[0, mask.astype(np.int8), 0])
    return list(
        zip(np.flatnonzero(d == 1).tolist(), (np.flatnonzero(d == -1) - 1).tolist(), strict=True)
    )


def gnss_events(reports: pa.Table, states: pa.Table) -> list[Event]:
    """``gnss_lost`` / ``gnss_regained`` from the GNSS detectors' combined state of
    this aircraft (:func:`~skywitness.gnss.jamming.state.gnss_state`): each bad
    stretch of at least :data:`GNSS_MIN_S`, with the detectors that said bad."""
    if states.num_rows == 0:
        return []
    t = np.asarray(states["time"].cast(pa.int64()).to_numpy(zero_copy_only=False), np.int64)
    bad = _np(states, "state", np.int8) == BAD
    names = [c for c in states.column_names if c.startswith("state_")]
    per = {c[6:]: _np(states, c, np.int8) == BAD for c in names}
    out: list[Event] = []
    for a, b in _runs(bad):
        if (t[b] - t[a]) / NS_PER_S < GNSS_MIN_S:
            continue
        said = [k for k, v in per.items() if v[a : b + 1].any()]
        span_s = float(t[b] - t[a]) / NS_PER_S
        out.append(Event(int(t[a]), "gnss_lost", {"detectors": said, "end": iso_utc(int(t[b])),
                                                  "duration_s": round(span_s, 1)}))  # fmt: skip
        if b + 1 < len(t):
            after_s = float(t[b + 1] - t[a]) / NS_PER_S
            out.append(Event(int(t[b + 1]), "gnss_regained", {"after_s": round(after_s, 1)}))
    return out


def positions_only(spoof: pa.Table, reports: pa.Table, bad: BadValues) -> pa.Table:
    """The spoofing detectors' flags kept on reports that carry a position whose
    speed and altitude the envelope accepted: a report without a position
    shows no spoofed position, and values no aircraft could have (a frozen
    52 kt at 14,000 ft) are a failing air-data source, already rejected as
    such (``bad_values``), not evidence of spoofing. (The detectors run on the
    whole record elsewhere; the flight's timeline keeps the distinction.)"""
    if spoof.num_rows == 0:
        return spoof
    lat = _np(reports, "lat")
    ok = np.isfinite(lat) & ~bad.speed_bad & ~bad.alt_bad
    ids = _np(reports, "record_id", np.int64)
    keep_ids = ids[ok]
    keep = np.isin(_np(spoof, "record_id", np.int64), keep_ids)
    from skywitness.gnss.spoofing.intervals import detector_columns

    for name in [*detector_columns(spoof), "spoofed"]:
        i = spoof.schema.get_field_index(name)
        values = np.asarray(spoof[name].to_numpy(zero_copy_only=False), bool) & keep
        spoof = spoof.set_column(i, name, pa.array(values))
    return spoof


def spoofed_events(intervals: Sequence[SpoofInterval]) -> list[Event]:
    """One ``spoofed`` event per interval of the spoofing detectors."""
    return [
        Event(
            iv.start_ns,
            "spoofed",
            {
                "end": iso_utc(iv.end_ns),
                "detectors": list(iv.kinds),
                "quality_still_good": iv.trusted_quality,
            },
        )
        for iv in intervals
    ]


def bad_values_per_archive(table: pa.Table) -> BadValues:
    """The envelope's flags, each archive judged on its own reports (two archives
    interleaved make speed and track steps no aircraft flew: their clocks and
    rounding differ), put back in the table's order."""
    names = pc.unique(table["archive"]).to_pylist()
    if len(names) <= 1:
        return flag_bad_values(table)
    from dataclasses import replace

    n = table.num_rows
    codes = {
        k: np.zeros(n, np.int8) for k in ("alt_rule", "speed_rule", "vrate_rule", "track_rule")
    }
    first: BadValues | None = None
    archive = np.asarray(table["archive"].to_pylist(), object)
    for name in names:
        rows = np.flatnonzero(archive == name)
        part = flag_bad_values(table.take(pa.array(rows)))
        first = part if first is None else first
        for k, v in codes.items():
            v[rows] = getattr(part, k)
    assert first is not None
    return replace(
        first,
        alt_rule=codes["alt_rule"],
        speed_rule=codes["speed_rule"],
        vrate_rule=codes["vrate_rule"],
        track_rule=codes["track_rule"],
    )


def _slice_bad(bad: BadValues, a: int, b: int) -> BadValues:
    from dataclasses import replace

    return replace(
        bad,
        alt_rule=bad.alt_rule[a:b],
        speed_rule=bad.speed_rule[a:b],
        vrate_rule=bad.vrate_rule[a:b],
        track_rule=bad.track_rule[a:b],
    )


def _one_aircraft(reports: pa.Table, ident: str | None) -> tuple[pa.Table, str | None]:
    table = canonical(reports)
    named: str | None = None
    aircraft = pc.unique(table["icao24"]).to_pylist()
    if ident is not None:
        addr, named = resolve_aircraft(table.select(["icao24", "callsign"]), ident)
        table = table.filter(pc.equal(table["icao24"], addr))
    elif len(aircraft) > 1:
        raise UsageError(
            f"the reports hold {len(aircraft)} aircraft: name one (an address or a callsign)"
        )
    if table.num_rows == 0:
        raise UsageError("no reports of the aircraft in the window")
    order = pc.sort_indices(table, [("time", "ascending"), ("record_id", "ascending")])
    return table.take(order), named


def _legs_of_callsign(table: pa.Table, callsign: str) -> pa.Table:
    """The flights (legs) of ``table`` in which ``callsign`` was sent."""
    flights = split_flights(table, bad=flag_bad_values(table))
    cs = pc.fill_null(
        pc.equal(pc.utf8_upper(pc.utf8_trim_whitespace(table["callsign"])), callsign), False
    )
    hit = np.asarray(cs.to_numpy(zero_copy_only=False), bool)
    keep = np.isin(flights.flight, np.unique(flights.flight[hit]))
    return table.filter(pa.array(keep))


def compute_flight(
    reports: pa.Table,
    *,
    ident: str | None = None,
    region: pa.Table | None = None,
    start_ns: int | None = None,
    end_ns: int | None = None,
    provenance: Provenance | None = None,
    progress: Progress | None = None,
) -> FlightResult:
    """The flight result of one aircraft's ``reports`` (canonical schema).

    ``ident`` (an address or a callsign) picks the aircraft when ``reports`` hold
    several; named by callsign, only the flights that sent it are kept.
    ``region``: every aircraft's reports around the flight, for the jamming
    areas (none drawn without it). ``start_ns`` / ``end_ns``: the window the
    reports were selected for (recorded; an open side is the data's own).
    """
    report = progress or no_progress
    table, callsign = _one_aircraft(reports, ident)
    if callsign is not None:
        table = _legs_of_callsign(table, callsign)
    icao24 = str(table["icao24"][0].as_py())
    stages = ("envelope", "flights", "gnss", "gaps", "events", "areas")
    step = iter(range(len(stages) + 1))

    def stage(name: str) -> None:
        report("flight", next(step), len(stages))

    stage("envelope")
    merged = merge_sources(table)
    table = merged.reports
    bad = bad_values_per_archive(table)
    stage("flights")
    flights = split_flights(table, bad=bad)
    phases = label_phases(
        table, bad=bad, starts=flights.starts, ground_alt_ft=flights.ground_alt_ft()
    )
    stage("gnss")
    states = gnss_state(table)
    spoof = positions_only(spoof_states(table), table, bad)
    intervals = spoof_intervals(spoof)
    spoofed = _by_record(table, spoof, "spoofed").astype(bool)
    stage("gaps")
    track, legs = _paths(table, bad, flights, phases, spoofed)
    stage("events")
    context = [*gnss_events(table, states), *spoofed_events(intervals)]
    found = _kernels(table, bad, flights, phases, legs, context)
    disagree = disagreements(merged) if len(merged.archives) > 1 else []
    events = timeline(context, found.events, disagree)
    stage("areas")
    areas = jamming_areas(region) if region is not None and region.num_rows else ()
    stage("done")
    first, last = data_window(table)
    return FlightResult(
        icao24=icao24,
        callsign=callsign or _first_callsign(table),
        flights=tuple(_flight_json(f) for f in flights),
        events=events,
        track=track,
        series=_series(table, bad),
        approaches=found.approaches,
        oscillation=found.oscillation,
        failure=found.failure,
        end=found.end,
        areas=areas,
        reports=table.num_rows,
        records=table,
        start_ns=first if start_ns is None else start_ns,
        end_ns=last if end_ns is None else end_ns,
        provenance=None
        if provenance is None
        else provenance.with_window(
            provenance.start_ns if provenance.start_ns is not None else first,
            provenance.end_ns if provenance.end_ns is not None else last,
        ),
    )


def _first_callsign(table: pa.Table) -> str | None:
    cs = table["callsign"].drop_null()
    return None if len(cs) == 0 else str(cs[0].as_py())


def _flight_json(f: Any) -> dict[str, Any]:
    return {
        "start": iso_utc(f.start_ns),
        "end": iso_utc(f.end_ns),
        "origin": None if f.origin is None else f.origin.icao,
        "destination": None if f.destination is None else f.destination.icao,
    }


def _series(table: pa.Table, bad: BadValues) -> pa.Table:
    """Per report, what the report's plots draw, and which values were rejected."""
    cols = ["time", "alt_baro_ft", "gs_kt", "tas_kt", "ias_kt", "vrate_fpm", "nic", "nac_p"]
    flags = bad.to_arrow()
    return (
        table.select(cols)
        .append_column("rejected", pa.array(bad.any_bad))
        .append_column("rule", flags["rule"])
    )


def _paths(
    table: pa.Table, bad: BadValues, flights: Flights, phases: Phases, spoofed: np.ndarray[Any, Any]
) -> tuple[pa.Table, list[Any]]:
    """The path of every flight through its gaps, as one table (a row per report):
    time, lat, lon, alt_baro_ft, source, error_km, method, gap_id (numbered
    across flights), flight, phase, rule (of a rejected value), format (the
    archive the report came from)."""
    parts, legs = [], []
    offset = 0
    for f in flights:
        a, b = f.start_row, f.end_row
        rec = reconstruct_gaps(
            table.slice(a, b - a), bad=_slice_bad(bad, a, b), spoofed=spoofed[a:b]
        )
        gid = rec.table["gap_id"]
        rec_table = rec.table.set_column(
            rec.table.schema.get_field_index("gap_id"), "gap_id", pc.add(gid, offset)
        )
        offset += len(rec.gaps)
        parts.append(rec_table)
        legs.append(rec)
    track = pa.concat_tables(parts) if parts else _empty_track()
    n = table.num_rows
    return (
        track.append_column(
            "flight", pa.array(flights.flight if n else np.zeros(0, np.int64), pa.int32())
        )
        .append_column("phase", pa.array(phases.names.tolist() if n else [], pa.string()))
        .append_column("rule", bad.to_arrow()["rule"])
        .append_column("archive", table["archive"]),
        legs,
    )


def _empty_track() -> pa.Table:
    return reconstruct_gaps(REPORT_SCHEMA.empty_table()).table


@dataclass(frozen=True)
class _Found:
    events: tuple[Event, ...] = ()
    approaches: tuple[Mapping[str, Any], ...] = ()
    oscillation: Mapping[str, Any] | None = None
    failure: Mapping[str, Any] | None = None
    end: Mapping[str, Any] | None = None


def _kernels(
    table: pa.Table,
    bad: BadValues,
    flights: Flights,
    phases: Phases,
    legs: list[Any],
    context: Sequence[Event],
) -> _Found:
    """Every per-aircraft kernel after the gaps: their events and findings.
    ``context``: the GNSS detectors' events (a loss of GNSS is trouble that
    makes a change of airport a diversion)."""
    approaches: list[Approach] = []
    for f, rec in zip(flights, legs, strict=True):
        a, b = f.start_row, f.end_row
        approaches += find_approaches(
            table.slice(a, b - a), _slice_phases(phases, a, b), rec, bad=_slice_bad(bad, a, b)
        )
    # per flight: the kernels grid a flight's time span (a store can hold years of one
    # aircraft; flights split at long silences)
    oscillations: list[Oscillation] = []
    rates: list[VerticalRate] = []
    for f in flights:
        a, b = f.start_row, f.end_row
        leg, leg_bad, leg_phases = (
            table.slice(a, b - a),
            _slice_bad(bad, a, b),
            _slice_phases(phases, a, b),
        )
        oscillations += find_oscillations(leg, bad=leg_bad, phases=leg_phases)
        rates += abnormal_vertical_rates(leg, bad=leg_bad, phases=leg_phases)
    found = [
        *approach_events(approaches),
        *_with_rates(oscillation_events(oscillations), rates),
        *vertical_rate_events([r for r in rates if not any(_inside(r, o) for o in oscillations)]),
    ]
    ends: list[Event] = []
    for f, rec in zip(flights, legs, strict=True):
        a, b = f.start_row, f.end_row
        leg, leg_bad, leg_phases = (
            table.slice(a, b - a),
            _slice_bad(bad, a, b),
            _slice_phases(phases, a, b),
        )
        signals = signal_events(leg, bad=leg_bad, phases=leg_phases, reconstruction=rec)
        mine = [e for e in [*found, *context] if f.start_ns <= e.time_ns <= f.end_ns] + signals
        ends += signals
        ends += end_events(
            leg, rec, leg_phases, events=mine, bad=leg_bad,
            origin=None if f.origin is None else f.origin.icao,
        )  # fmt: skip
    events = [*found, *ends]
    last_end = next((e for e in reversed(events) if e.kind == "end"), None)
    first_failure = min(
        (e for e in events if e.kind == "failure"), key=lambda e: e.time_ns, default=None
    )
    return _Found(
        events=tuple(events),
        end=None if last_end is None else _end_json(last_end, approaches),
        failure=None if first_failure is None else _failure_json(first_failure),
        approaches=tuple(_approach_json(x) for x in approaches),
        oscillation=_oscillation_json(oscillations),
    )


def _end_json(e: Event, approaches: Sequence[Approach] = ()) -> dict[str, Any]:
    """The ``end`` member, from the last flight's ``end`` event (a landing's runway,
    when the end's look-up found none, from the approach that landed)."""
    d = dict(e.detail)
    if d.get("kind") == "landed" and d.get("runway") is None:
        landed = [a for a in approaches if a.landed and a.airport == d.get("airport")]
        if landed:
            d["runway"] = landed[-1].runway
    return {"kind": d["kind"], "time": e.time, "lat": d.get("lat"), "lon": d.get("lon"),
            "airport": d.get("airport"), "runway": d.get("runway"), "error_km": d.get("error_km")}  # fmt: skip


def _failure_json(e: Event) -> dict[str, Any]:
    """The ``failure`` member: its time and the evidence, each with its time."""
    said = [f"{str(x['time'])[11:19]}Z {x['what']}" for x in e.detail.get("evidence", [])]
    return {"time": e.time, "evidence": said}


def _approach_json(a: Approach) -> dict[str, Any]:
    """The ``approaches`` member: ``time`` is the lowest point."""
    return {
        "airport": a.airport,
        "runway": a.runway,
        "start": iso_utc(a.start_ns),
        "min_height_ft": None
        if not np.isfinite(a.min_height_ft)
        else round(float(a.min_height_ft), 1),
        "go_around": a.go_around,
        "time": iso_utc(a.low_ns),
    }


def _slice_phases(phases: Phases, a: int, b: int) -> Phases:
    from dataclasses import replace

    cut = {f.name: getattr(phases, f.name)[a:b] for f in fields(phases)}
    out = replace(phases, **cut)
    starts = np.array(out.starts, bool)
    if len(starts):
        starts[0] = True
    return replace(out, starts=starts)


def _inside(rate: VerticalRate, o: Oscillation) -> bool:
    return o.start_ns <= rate.start_ns and rate.end_ns <= o.end_ns


def _with_rates(events: list[Event], rates: Sequence[VerticalRate]) -> list[Event]:
    """Oscillation events with the abnormal vertical rates inside them (the rates of
    each cycle's steepest part: one line in the timeline, not one per cycle)."""
    out = []
    for e in events:
        end = e.time_ns + int(float(e.detail["duration_s"]) * NS_PER_S)
        inside = [r for r in rates if e.time_ns <= r.start_ns and r.end_ns <= end]
        if inside:
            climb = max(r.max_fpm for r in inside)
            descent = min(r.min_fpm for r in inside)
            extra = {
                "abnormal_vertical_rates": len(inside),
                "max_climb_fpm": round(climb) if climb > 0 else None,
                "max_descent_fpm": round(descent) if descent < 0 else None,
            }
            e = Event(e.time_ns, e.kind, {**e.detail, **extra})
        out.append(e)
    return out


def _oscillation_json(found: Sequence[Oscillation]) -> dict[str, Any] | None:
    """The ``oscillation`` member: the one with the most cycles (the others are events)."""
    if not found:
        return None
    o = max(found, key=lambda x: (x.cycles, x.amplitude_ft))
    return {
        "start": iso_utc(o.start_ns),
        "end": iso_utc(o.end_ns),
        "period_s": round(o.period_s, 1),
        "amplitude_ft": round(o.amplitude_ft, 1),
    }


def jamming_areas(region: pa.Table) -> tuple[dict[str, Any], ...]:
    """The jamming detector's events in ``region`` (every aircraft around the flight)
    as circles: the emitter's range where it was located, else the circle
    round the event's polygon; kind jamming or spoofing."""
    from skywitness.model.geo import distance_m

    states = gnss_state(region)
    found = interference_events(states, region)
    if not found:
        return ()
    kinds = event_kinds(found, spoof_intervals(spoof_states(region)))
    out = []
    for ev in kinds:
        e = ev.emitter
        if e is not None:
            lat, lon, r = e.lat, e.lon, e.range_km
            label = f"{ev.kind} {ev.id}: emitter {e.lat:.3f}, {e.lon:.3f} +/- {e.error_km_95:.1f} km (95 %)"
        else:
            ring = np.asarray(ev.polygon["coordinates"][0], float)
            lon, lat = float(ring[:, 0].mean()), float(ring[:, 1].mean())
            r = float(distance_m(lat, lon, ring[:, 1], ring[:, 0]).max()) / 1000.0
            label = (
                f"{ev.kind} {ev.id}: area seen by {len(ev.aircraft)} aircraft (emitter not located)"
            )
        out.append({"kind": ev.kind, "lat": float(lat), "lon": float(lon), "radius_km": float(r),
                    "start": iso_utc(ev.start_ns), "end": iso_utc(ev.end_ns), "label": label,
                    "aircraft": len(ev.aircraft)})  # fmt: skip
    return tuple(out)


# -- write, and the CLI's job -----------------------------------------------------------


def write_flight_files(
    result: FlightResult,
    outputs: Sequence[Path] = (),
    *,
    provenance: Provenance | None = None,
    progress: Progress | None = None,
) -> tuple[dict[str, Any], ...]:
    """Write each of ``outputs`` (by extension); one dict per file written.
    ``provenance`` (default: the result's) is recorded in every file."""
    from skywitness.report.flight_files import write_flight

    check_outputs(outputs)
    report = progress or no_progress
    made = provenance if provenance is not None else result.provenance
    if made is not None and made.start_ns is None and made.end_ns is None:
        made = made.with_window(result.start_ns, result.end_ns)
    written = []
    report("write", 0, len(outputs))
    for k, out in enumerate(outputs):
        written.append(write_flight(result, out, provenance=made))
        report("write", k + 1, len(outputs))
    return tuple(written)


def flight_analysis(
    store: Store,
    ident: str,
    *,
    start_ns: int | None = None,
    end_ns: int | None = None,
    outputs: Sequence[Path] = (),
    areas: bool = True,
    provenance: Provenance | None = None,
    progress: Progress | None = None,
) -> FlightRun:
    """One aircraft's flights in the store's window: read its reports (and with
    ``areas`` the traffic around it), compute (:func:`compute_flight`) and
    write ``outputs`` by extension (:func:`write_flight_files`)."""
    outs = [Path(o) for o in outputs]
    check_outputs(outs)
    report = progress or no_progress
    report("read", 0, 1)
    reports, callsign = flight_reports(store, ident, start_ns, end_ns)
    region = region_reports(store, reports) if areas else None
    report("read", 1, 1)
    result = compute_flight(
        reports, ident=callsign or ident, region=region, start_ns=start_ns, end_ns=end_ns,
        provenance=provenance, progress=progress,
    )  # fmt: skip
    written = write_flight_files(result, outs, progress=progress)
    values = {f.name: getattr(result, f.name) for f in fields(result)}
    return FlightRun(**values, written=written)
