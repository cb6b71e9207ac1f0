"""One flight's events on one timeline: what happened, when, with its evidence.

An :class:`Event` is a time (UTC ns), a kind (one of :data:`KINDS`, each
documented there and in the README) and a detail: a mapping of JSON values
(strings, numbers, booleans, None, lists and mappings of them; times inside
it are ISO-8601 strings with a Z). A state that holds for a while is either
two events (``gnss_lost`` / ``gnss_regained``) when the two ends matter on
their own, or one event with ``end`` (and ``duration_s``) in its detail.

Events are made by the kernels that see them (signals in the reports below,
approaches, oscillation, the end of the flight, the GNSS detectors in the
flight job) and merged in time order with :func:`timeline`.

**Signals** (:func:`signal_events`, or one family at a time): what the
aircraft's own reports say, per aircraft, vectorised over the reports.

- Coded states (squawk, emergency status, autopilot and approach modes,
  GNSS integrity) are read from the reports that carry them only: a missing
  value (null) was not transmitted and is never a change. A value *settles*
  when it comes in at least :data:`SETTLE_REPORTS` reports in a row; a change
  is an event when the new value settles, at its first report (a single
  garbled squawk between two of the same code is no change).
- ``position_lost`` / ``position_regained``: a stretch of airborne reports
  without a trusted position (with a :class:`~skywitness.track.gaps.Reconstruction`:
  the rows it did not take as reported) lasting more than
  :data:`POSITION_GAP_S` from the last position before it.
- ``takeoff`` / ``landing``: the air/ground state's changes inside a flight
  (:class:`~skywitness.track.phases.Phases`), with the airport there.
- ``holding``: the phases' holding spans, merged across short interruptions.
- ``bad_values``: the envelope's rejected values
  (:class:`~skywitness.track.envelope.BadValues`), merged into intervals.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from skywitness.errors import UsageError
from skywitness.model.timefmt import iso_utc
from skywitness.model.units import NS_PER_S
from skywitness.track.envelope import RULES, BadValues, Series, flag_bad_values, on_ground
from skywitness.track.flights import (
    AIRPORT_MAX_DISTANCE_M,
    AIRPORT_MAX_HEIGHT_FT,
    Airport,
    AirportIndex,
    airports,
)
from skywitness.track.gaps import Reconstruction
from skywitness.track.phases import PHASES, RUN_GAP_S, Phases, label_phases

Float = NDArray[np.float64]
Int = NDArray[np.int64]
Bool = NDArray[np.bool_]

#: Every event kind, with what it means (the README's table is checked against this).
KINDS: Mapping[str, str] = MappingProxyType(
    {
        "takeoff": "lift-off: the first airborne report after a ground roll",
        "landing": "touchdown: the first report on the ground after flight",
        "gnss_lost": "GNSS quality lost (NIC/NACp fell below what jamming leaves, or positions stopped with the GNSS detectors' state 'lost')",
        "gnss_regained": "GNSS quality back after a loss",
        "spoofed": "an interval of spoofed positions (detail: end, detectors)",
        "position_lost": "the last position before a stretch without trusted positions (detail: end, duration_s, cause)",
        "position_regained": "the first trusted position after such a stretch",
        "squawk": "a squawk change (detail: code, previous, meaning: hijack, radio failure, emergency or none)",
        "emergency": "an emergency status broadcast (detail: status: general, lifeguard, minfuel, nordo, unlawful, downed)",
        "autopilot_off": "the nav modes stop saying autopilot",
        "autopilot_on": "the nav modes say autopilot again",
        "approach_mode_on": "the approach mode (ILS/RNAV approach) engaged",
        "approach_mode_off": "the approach mode disengaged",
        "approach": "an approach towards an airport (detail: airport, runway, min_height_ft, aligned, go_around)",
        "go_around": "a climb away after an approach's lowest point",
        "holding": "holding or orbiting: a sustained turn (detail: end, turns)",
        "oscillation": "an altitude oscillation (detail: end, period_s, amplitude_ft, speed anti-phase)",
        "abnormal_vertical_rate": "a vertical rate beyond what normal flight uses (detail: end, max/min fpm)",
        "bad_values": "values no aircraft could have, rejected (detail: end, fields, rule)",
        "sources_disagree": "two archives disagree about the same interval (detail: end, sources, what)",
        "diversion": "the flight turned away from its evident destination towards another airport",
        "failure": "the earliest evidence of a sudden failure (detail: evidence)",
        "end": "the end of the flight: landed, crashed or lost (detail: kind, airport, runway, lat, lon, error_km)",
    }
)


@dataclass(frozen=True, order=True)
class Event:
    """One event: ``time_ns`` (UTC ns), ``kind`` (one of :data:`KINDS`) and ``detail``
    (JSON values; read-only)."""

    time_ns: int
    kind: str = field(compare=False)
    detail: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise UsageError(f"unknown event kind {self.kind!r}")
        object.__setattr__(self, "time_ns", int(self.time_ns))
        object.__setattr__(self, "detail", MappingProxyType(dict(self.detail)))

    @property
    def time(self) -> str:
        """The time as ISO-8601 UTC."""
        return iso_utc(self.time_ns)

    def as_json(self) -> dict[str, Any]:
        """``{"time": ISO, "kind": str, "detail": {...}}``."""
        return {"time": self.time, "kind": self.kind, "detail": _plain(self.detail)}


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def timeline(*groups: Iterable[Event]) -> tuple[Event, ...]:
    """All events of the groups in time order (stable: equal times keep their order)."""
    return tuple(sorted((e for g in groups for e in g), key=lambda e: e.time_ns))


# -- signals in the reports -------------------------------------------------------------------

#: A coded value (squawk, emergency status, nav mode, GNSS integrity) settles when it
#: comes in at least this many reports in a row. No duration is asked for instead:
#: in sparse data one garbled code stands for as long as the next report is away
#: (FR24 sample 34a8254b: squawk 3712 once, 32 s between two 3016s; the
#: zero_gravity sample: 3705 and 7645 once each between 2630s).
SETTLE_REPORTS = 2
#: Squawks with a meaning (ICAO Annex 10 vol. IV, 2.1.4.2 and Doc 4444, 15.1.3).
SQUAWK_MEANINGS: Mapping[str, str] = MappingProxyType(
    {"7500": "hijack", "7600": "radio failure", "7700": "emergency"}
)
#: A stretch without a trusted position is an event when it lasts longer than this
#: (s) while airborne: readsb marks a position stale after 20 s without one (trace
#: flag 1) and FR24's feed sends a position every 10-60 s in cruise; a minute
#: without one is no ordinary reception gap (modelling choice).
POSITION_GAP_S = 60.0
#: The airport of a takeoff or landing is looked up from the position nearest in time
#: within this long (s), within the flights' AIRPORT_MAX_DISTANCE_M (modelling choice:
#: a minute is 2-5 km at rolling and initial-climb speeds).
NEAR_POSITION_S = 60.0
#: Holding spans less than this far apart (s) are one hold: a phase label breaking a
#: hold for less than a rate-one 360-degree turn (2 min) is an interruption of it,
#: not a new one (modelling choice).
HOLD_MERGE_S = 120.0
#: Rejected values less than this far apart (s) are one ``bad_values`` interval
#: (the envelope's neighbours vote over NEIGHBOUR_MAX_S = 120 s; half of it,
#: modelling choice).
BAD_MERGE_S = 60.0
#: The canonical column each of the envelope's fields checks.
BAD_FIELDS = ("alt_baro_ft", "gs_kt", "vrate_fpm", "track_deg")


def _ns(reports: pa.Table) -> Int:
    col = reports.column("time")
    if pa.types.is_timestamp(col.type):
        col = pc.cast(col, pa.int64())
    return np.asarray(col.to_numpy(zero_copy_only=False), np.int64)


def _values(reports: pa.Table, name: str) -> NDArray[np.object_]:
    """A column as Python values (None where null or absent)."""
    if name not in reports.column_names:
        return np.full(reports.num_rows, None, dtype=object)
    return np.asarray([*reports.column(name).to_pylist(), None], dtype=object)[:-1]


def _given(values: NDArray[np.object_]) -> Bool:
    """Where a value was transmitted (not None)."""
    return np.asarray(np.not_equal(values, np.array(None, dtype=object)), bool)


def _iso(ns: int | None) -> str | None:
    return None if ns is None else iso_utc(int(ns))


@dataclass(frozen=True)
class Change:
    """A settled coded value: its first and last rows (of the reports given), the value,
    the settled value before it (None: the first), and the first row of the next
    settled value (None: it held to the end)."""

    first_row: int
    last_row: int
    value: Any
    previous: Any
    next_row: int | None


def settled_changes(values: NDArray[np.object_]) -> list[Change]:
    """The settled values of a coded column, in order (module docstring): runs of at
    least :data:`SETTLE_REPORTS` equal values among the non-null ones, with
    consecutive runs of one value merged. The first is the initial state."""
    idx = np.flatnonzero(_given(values))
    if idx.size == 0:
        return []
    v = values[idx]
    brk = np.flatnonzero(v[1:] != v[:-1]) + 1
    starts = np.r_[0, brk]
    ends = np.r_[brk, v.size] - 1
    keep = (ends - starts + 1) >= SETTLE_REPORTS
    starts, ends = starts[keep], ends[keep]
    if starts.size == 0:
        return []
    sv = v[starts]
    new = np.r_[True, sv[1:] != sv[:-1]]
    group = np.cumsum(new) - 1
    first = starts[new]
    last = np.zeros(first.size, np.int64)
    np.maximum.at(last, group, ends)
    out = []
    for k in range(first.size):
        out.append(
            Change(
                first_row=int(idx[first[k]]),
                last_row=int(idx[last[k]]),
                value=v[first[k]],
                previous=v[first[k - 1]] if k else None,
                next_row=int(idx[first[k + 1]]) if k + 1 < first.size else None,
            )
        )
    return out


def squawk_events(reports: pa.Table) -> list[Event]:
    """``squawk``: every settled change of the Mode A code (detail: code, previous,
    meaning, end), and the first code when it has a meaning (an aircraft first
    seen squawking 7700)."""
    t = _ns(reports)
    out = []
    for c in settled_changes(_values(reports, "squawk")):
        meaning = SQUAWK_MEANINGS.get(str(c.value), "none")
        if c.previous is None and meaning == "none":
            continue
        detail = {
            "code": str(c.value),
            "previous": c.previous,
            "meaning": meaning,
            "end": _iso(None if c.next_row is None else int(t[c.next_row])),
        }
        out.append(Event(int(t[c.first_row]), "squawk", detail))
    return out


def emergency_events(reports: pa.Table) -> list[Event]:
    """``emergency``: each settled emergency status other than ``none`` (detail: status,
    previous, end: when the status changed again, None if it held)."""
    t = _ns(reports)
    out = []
    for c in settled_changes(_values(reports, "emergency")):
        if str(c.value) == "none":
            continue
        detail = {
            "status": str(c.value),
            "previous": c.previous,
            "end": _iso(None if c.next_row is None else int(t[c.next_row])),
        }
        out.append(Event(int(t[c.first_row]), "emergency", detail))
    return out


def nav_mode_events(reports: pa.Table) -> list[Event]:
    """``autopilot_off`` / ``autopilot_on`` and ``approach_mode_on`` / ``approach_mode_off``:
    settled changes of ``nav_autopilot`` and ``nav_approach`` (the first state is
    no event; detail: end, when the mode changed back)."""
    t = _ns(reports)
    out = []
    for column, on, off in (
        ("nav_autopilot", "autopilot_on", "autopilot_off"),
        ("nav_approach", "approach_mode_on", "approach_mode_off"),
    ):
        for c in settled_changes(_values(reports, column)):
            if c.previous is None:
                continue
            end = _iso(None if c.next_row is None else int(t[c.next_row]))
            out.append(Event(int(t[c.first_row]), on if c.value else off, {"end": end}))
    return out


def _trusted(reports: pa.Table, s: Series, reconstruction: Reconstruction | None) -> Bool:
    if reconstruction is None:
        return np.asarray(np.isfinite(s.lat) & np.isfinite(s.lon))
    if len(reconstruction) != len(s):
        raise UsageError(f"a reconstruction of {len(reconstruction)} rows for {len(s)} reports")
    src = np.asarray(reconstruction.table.column("source").to_pylist(), dtype=object)
    return np.asarray(src == "reported")


#: What each non-reported source of a reconstruction says about the missing positions.
_CAUSES = {"reconstructed": "no position", "spoofed": "spoofed", "rejected": "rejected"}


def position_events(
    reports: pa.Table,
    *,
    reconstruction: Reconstruction | None = None,
    ground: Bool | None = None,
) -> list[Event]:
    """``position_lost`` (at the last trusted position before a stretch of airborne reports
    without one lasting over :data:`POSITION_GAP_S`; at the stretch's first report
    when the record starts without positions) and ``position_regained`` (at the
    first trusted one after it). Detail: end, duration_s, cause (``no position``,
    ``spoofed``, ``rejected``: the reconstruction's sources, most rows first).
    ``ground``: the air/ground state per report (default: the envelope's)."""
    s = Series.from_table(reports)
    n = len(s)
    if n == 0:
        return []
    t = s.time_ns
    trusted = _trusted(reports, s, reconstruction)
    gnd = on_ground(s) if ground is None else np.asarray(ground, bool)
    src = (
        None
        if reconstruction is None
        else np.asarray(reconstruction.table.column("source").to_pylist(), dtype=object)
    )
    m = np.r_[False, ~trusted, False].astype(np.int8)
    edges = np.flatnonzero(np.diff(m))
    out = []
    for first, stop in zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True):
        if gnd[first:stop].all():
            continue
        lost = first - 1 if first > 0 else first
        back = stop if stop < n else None
        t_end = int(t[back]) if back is not None else int(t[stop - 1])
        duration = (t_end - int(t[lost])) / NS_PER_S
        if duration <= POSITION_GAP_S:
            continue
        cause = "no position"
        if src is not None:
            kinds, counts = np.unique(src[first:stop].astype(str), return_counts=True)
            cause = _CAUSES.get(str(kinds[np.argmax(counts)]), "no position")
        detail = {
            "end": _iso(None if back is None else t_end),
            "duration_s": round(duration, 1),
            "cause": cause,
            "last_seen": _iso(int(t[stop - 1])) if back is None else None,
        }
        out.append(Event(int(t[lost]), "position_lost", detail))
        if back is not None:
            detail = {"since": iso_utc(int(t[lost])), "duration_s": round(duration, 1)}
            out.append(Event(t_end, "position_regained", detail))
    return out


def _airport_near(
    s: Series, row: int, index: AirportIndex | None
) -> tuple[Airport | None, float | None, float | None]:
    """The airport within AIRPORT_MAX_DISTANCE_M of the position nearest in time to
    ``row`` (within NEAR_POSITION_S), and that position."""
    if index is None:
        return None, None, None
    pos = np.flatnonzero(np.isfinite(s.lat) & np.isfinite(s.lon))
    if pos.size == 0:
        return None, None, None
    k = int(pos[np.argmin(np.abs(s.time_ns[pos] - s.time_ns[row]))])
    if abs(int(s.time_ns[k]) - int(s.time_ns[row])) > NEAR_POSITION_S * NS_PER_S:
        return None, None, None
    lat, lon = float(s.lat[k]), float(s.lon[k])
    a = index.nearest(lat, lon)
    return (a if a is not None and a.distance_m <= AIRPORT_MAX_DISTANCE_M else None), lat, lon


def ground_events(
    reports: pa.Table, phases: Phases, *, airport_index: AirportIndex | bool | None = True
) -> list[Event]:
    """``takeoff`` (first airborne report) and ``landing`` (first report on the ground)
    where the settled air/ground state (:func:`settled_changes`) changes inside a
    flight, the two sides at most RUN_GAP_S apart, and the airborne side's
    smoothed altitude at most the flights' ``AIRPORT_MAX_HEIGHT_FT`` above the
    airport's elevation (else above the phases' ground): the noisy_takeoff sample
    interleaves a parked aircraft with one at FL360 under one address. Detail:
    airport, lat, lon (the position nearest in time), phase (the phases' label)."""
    s = Series.from_table(reports)
    n = len(s)
    if len(phases) != n:
        raise UsageError(f"phases of {len(phases)} reports for {n} reports")
    if n < 2 * SETTLE_REPORTS:
        return []
    index = airports() if airport_index is True else (airport_index or None)
    g = phases.on_ground
    seg = np.cumsum(phases.starts) - 1
    out = []
    changes = settled_changes(np.asarray(g, dtype=object))
    for prev, c in itertools.pairwise(changes):
        row, before = c.first_row, prev.last_row
        if seg[row] != seg[before]:
            continue
        if (s.time_ns[row] - s.time_ns[before]) / NS_PER_S > RUN_GAP_S:
            continue
        kind = "landing" if g[row] else "takeoff"
        a, lat, lon = _airport_near(s, row, index)
        air_row = before if g[row] else row
        h = phases.height_ft[air_row] if a is None else phases.alt_ft[air_row] - a.elevation_ft
        if np.isfinite(h) and h > AIRPORT_MAX_HEIGHT_FT:
            continue  # airborne far above the ground next to it: another aircraft's reports
        icao = None if a is None else a.icao
        detail = {"airport": icao, "lat": lat, "lon": lon, "phase": PHASES[phases.code[row]]}
        out.append(Event(int(s.time_ns[row]), kind, detail))
    return out


def _centre(lat: Float, lon: Float) -> tuple[float | None, float | None]:
    ok = np.isfinite(lat) & np.isfinite(lon)
    if not ok.any():
        return None, None
    la, lo = np.radians(lat[ok]), np.radians(lon[ok])
    x, y, z = (
        np.mean(np.cos(la) * np.cos(lo)),
        np.mean(np.cos(la) * np.sin(lo)),
        np.mean(np.sin(la)),
    )
    return round(float(np.degrees(np.arctan2(z, np.hypot(x, y)))), 5), round(
        float(np.degrees(np.arctan2(y, x))), 5
    )


def holding_events(
    reports: pa.Table, phases: Phases, *, reconstruction: Reconstruction | None = None
) -> list[Event]:
    """``holding``: the phases' holding spans, merged when less than :data:`HOLD_MERGE_S`
    apart. Detail: end, duration_s, turns (the track's net turn over the span /
    360, signed: positive clockwise), centre lat/lon (mean of the reconstruction's
    positions in it, else the reported ones; None without)."""
    s = Series.from_table(reports)
    spans = [sp for sp in phases.spans() if sp.phase == "holding"]
    merged: list[list[int]] = []
    for sp in spans:
        if merged and (sp.start_ns - merged[-1][3]) / NS_PER_S <= HOLD_MERGE_S:
            merged[-1][1], merged[-1][3] = sp.end_row, sp.end_ns
        else:
            merged.append([sp.start_row, sp.end_row, sp.start_ns, sp.end_ns])
    if reconstruction is not None:
        lat = np.asarray(reconstruction.table.column("lat").to_numpy(zero_copy_only=False), float)
        lon = np.asarray(reconstruction.table.column("lon").to_numpy(zero_copy_only=False), float)
    else:
        lat, lon = s.lat, s.lon
    track = np.where(np.isfinite(s.track_deg), s.track_deg, s.heading_deg)
    out = []
    for a, b, t0, t1 in merged:
        tr = track[a:b][np.isfinite(track[a:b])]
        turn = float(np.sum((np.diff(tr) + 180.0) % 360.0 - 180.0)) if tr.size > 1 else 0.0
        clat, clon = _centre(lat[a:b], lon[a:b])
        detail = {
            "end": iso_utc(t1),
            "duration_s": round((t1 - t0) / NS_PER_S, 1),
            "turns": round(turn / 360.0, 2),
            "lat": clat,
            "lon": clon,
        }
        out.append(Event(t0, "holding", detail))
    return out


def bad_value_events(reports: pa.Table, bad: BadValues) -> list[Event]:
    """``bad_values``: the envelope's rejected values, rows less than :data:`BAD_MERGE_S`
    apart merged into one interval. Detail: end, duration_s, fields (canonical
    column names), rule (the rules that fired, comma-separated), count (rows)."""
    t = _ns(reports)
    if len(bad) != t.shape[0]:
        raise UsageError(f"{len(bad)} envelope flags for {t.shape[0]} reports")
    rows = np.flatnonzero(bad.any_bad)
    if rows.size == 0:
        return []
    brk = np.flatnonzero(np.diff(t[rows]) > BAD_MERGE_S * NS_PER_S) + 1
    codes = (bad.alt_rule, bad.speed_rule, bad.vrate_rule, bad.track_rule)
    out = []
    for group in np.split(rows, brk):
        fields = [BAD_FIELDS[i] for i, c in enumerate(codes) if (c[group] > 0).any()]
        fired = sorted({RULES[int(x)] for c in codes for x in np.unique(c[group]) if x})
        t0, t1 = int(t[group[0]]), int(t[group[-1]])
        detail = {
            "end": iso_utc(t1),
            "duration_s": round((t1 - t0) / NS_PER_S, 1),
            "fields": fields,
            "rule": ",".join(fired),
            "count": int(group.size),
        }
        out.append(Event(t0, "bad_values", detail))
    return out


def signal_events(
    reports: pa.Table,
    *,
    bad: BadValues | None = None,
    phases: Phases | None = None,
    reconstruction: Reconstruction | None = None,
    airport_index: AirportIndex | bool | None = True,
) -> list[Event]:
    """Every signal event of one aircraft's reports (sorted by time), in time order:
    squawk, emergency, nav modes, GNSS integrity, positions lost and regained,
    takeoffs and landings, holds and bad values (module docstring). ``bad`` and
    ``phases`` are computed (as one flight) when not given."""
    if bad is None:
        bad = flag_bad_values(reports)
    if phases is None:
        phases = label_phases(reports, bad=bad)
    return list(
        timeline(
            squawk_events(reports),
            emergency_events(reports),
            nav_mode_events(reports),
            position_events(reports, reconstruction=reconstruction, ground=phases.on_ground),
            ground_events(reports, phases, airport_index=airport_index),
            holding_events(reports, phases, reconstruction=reconstruction),
            bad_value_events(reports, bad),
        )
    )


__all__ = [
    "BAD_MERGE_S",
    "HOLD_MERGE_S",
    "KINDS",
    "NEAR_POSITION_S",
    "POSITION_GAP_S",
    "SETTLE_REPORTS",
    "SQUAWK_MEANINGS",
    "Change",
    "Event",
    "bad_value_events",
    "emergency_events",
    "ground_events",
    "holding_events",
    "nav_mode_events",
    "position_events",
    "settled_changes",
    "signal_events",
    "squawk_events",
    "timeline",
]
