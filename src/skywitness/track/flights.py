"""One aircraft's reports split into flights, with where each began and ended.

:func:`split_flights` cuts the reports of one aircraft (sorted by time) into
flights. A new flight starts at a report when (the rule's name in
:attr:`Flight.split`):

``new_leg``  the sender marked it as the start of a new leg (readsb traces);
``ground``   a landing then a takeoff: between two airborne reports, reports
             on the ground spanning at least :data:`MIN_GROUND_S` with the
             aircraft slower than :data:`~skywitness.track.phases.ROLL_MIN_KT`
             at least once (a full-stop landing, not a touch-and-go);
``gap``      no report for more than :data:`GAP_S` between two airborne
             reports, the aircraft descending into the gap and climbing out of
             it (it landed unseen: a cruise through a gap in coverage is level);
``max_gap``  no report for more than :data:`MAX_GAP_S`, whatever the state
             (no aircraft stays airborne that long).

A ``ground`` or ``gap`` cut falls on the sender's new-leg mark inside the
stretch if there is one, else after the longest silence in it (while parked).

Each :class:`Flight` has its row range, start and end times, first and last
airborne time, first and last position, and the airports it left and reached:
the airport nearest the first (last) position whose air/ground state or
altitude is known, when the aircraft is on the ground there or less than
:data:`AIRPORT_MAX_HEIGHT_FT` above the airport's elevation, within
:data:`AIRPORT_MAX_DISTANCE_M` (airports from ``airportsdata``, MIT, bundled:
no network). A flight whose first (last) position is higher has no origin
(destination): the nearest airport is then often the wrong one.

Vectorised over the reports; only the flights themselves are Python objects.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from skywitness.model.geo import distance_m
from skywitness.model.schema import TIME_TYPE
from skywitness.track.envelope import BadValues, Series, on_ground
from skywitness.track.phases import LEVEL_FPM, ROLL_MIN_KT, SMOOTH_S, rolling_median

Float = NDArray[np.float64]
Int = NDArray[np.int64]
Bool = NDArray[np.bool_]

#: Least time on the ground (s, from the last airborne report before to the first
#: after) for a landing then a takeoff: readsb's leg logic asks for one minute
#: on the ground between a descent and a climb (globe_index.c, mark_legs); a
#: touch-and-go spends 10-20 s.
MIN_GROUND_S = 60.0
#: A silence longer than this (s) between airborne reports, descending before and
#: climbing after, is a landing unseen: readsb starts a new leg after 25 min
#: without reception on the ground (mark_legs), shorter than an airliner's
#: quickest turnaround (about 25-30 min).
GAP_S = 25 * 60.0
#: The vertical trend at the edge of a silence is the last (first) one known
#: at most this long (s) before (after) it: two of :data:`SMOOTH_S`.
TREND_MAX_AGE_S = 2 * SMOOTH_S
#: A silence longer than this (s) always ends a flight: the longest scheduled
#: flights (Singapore-New York) last under 19 h.
MAX_GAP_S = 20 * 3600.0
#: An airport is the origin (destination) when the first (last) position is at
#: most this high above its elevation, ft: 1,500 ft (a traffic circuit's height
#: and where departures are commonly first received) plus 1,000 ft for the
#: difference between pressure altitude and elevation (QNH 980-1,050 hPa spans
#: about -900..+1,000 ft; at Minneapolis in the readsb sample, pressure
#: altitude read 600 ft below the field).
AIRPORT_MAX_HEIGHT_FT = 2500.0
#: ... and at most this far from its reference point, m: a 3-degree approach is
#: 2,500 ft above the threshold 7.8 NM (14.5 km) out.
AIRPORT_MAX_DISTANCE_M = 15_000.0
#: Why a flight starts, by priority.
SPLIT_RULES: tuple[str, ...] = ("start", "new_leg", "ground", "gap", "max_gap")


# -- airports ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Airport:
    """An airport, with the distance (m) from the position it was found for."""

    icao: str
    iata: str | None
    name: str
    lat: float
    lon: float
    elevation_ft: float
    distance_m: float


@dataclass(frozen=True)
class AirportIndex:
    """Airports as arrays, for nearest-airport look-ups."""

    code: tuple[str, ...]
    iata: tuple[str, ...]
    name: tuple[str, ...]
    lat: Float
    lon: Float
    elevation_ft: Float

    @classmethod
    def from_records(cls, records: list[dict[str, object]]) -> AirportIndex:
        """From dicts with ``icao``, ``iata``, ``name``, ``lat``, ``lon``, ``elevation``
        (ft), as airportsdata gives them."""
        return cls(
            code=tuple(str(r["icao"]) for r in records),
            iata=tuple(str(r.get("iata") or "") for r in records),
            name=tuple(str(r.get("name") or "") for r in records),
            lat=np.array([float(str(r["lat"])) for r in records], np.float64),
            lon=np.array([float(str(r["lon"])) for r in records], np.float64),
            elevation_ft=np.array([float(str(r.get("elevation") or 0.0)) for r in records]),
        )

    def nearest(self, lat: float, lon: float) -> Airport | None:
        """The airport nearest to a position (None when there are none)."""
        if not self.code:
            return None
        d = distance_m(lat, lon, self.lat, self.lon)
        i = int(np.argmin(d))
        return Airport(
            icao=self.code[i],
            iata=self.iata[i] or None,
            name=self.name[i],
            lat=float(self.lat[i]),
            lon=float(self.lon[i]),
            elevation_ft=float(self.elevation_ft[i]),
            distance_m=float(d[i]),
        )


@lru_cache(maxsize=1)
def airports() -> AirportIndex:
    """Every airport of airportsdata's ICAO table (about 28,000, landing strips
    included), loaded once."""
    from skywitness.model.airports import icao_airports

    return AirportIndex.from_records([dict(v) for v in icao_airports().values()])


# -- flights ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Position:
    """A report with a position: its row, time (UTC ns), latitude, longitude,
    altitude (ft, None when not reported) and whether on the ground."""

    row: int
    time_ns: int
    lat: float
    lon: float
    alt_ft: float | None
    on_ground: bool


@dataclass(frozen=True)
class Flight:
    """One flight: reports ``[start_row, end_row)``, their first and last times (UTC
    ns), first and last airborne times (None when never airborne), first and last
    positions, origin and destination airports, and why it starts (``split``,
    comma-separated names of :data:`SPLIT_RULES`)."""

    index: int
    start_row: int
    end_row: int
    start_ns: int
    end_ns: int
    first_airborne_ns: int | None
    last_airborne_ns: int | None
    first_position: Position | None
    last_position: Position | None
    origin: Airport | None
    destination: Airport | None
    split: str

    @property
    def rows(self) -> int:
        return self.end_row - self.start_row


@dataclass(frozen=True)
class Flights:
    """The flights of one aircraft; per report, the index of its flight and its time."""

    flights: tuple[Flight, ...]
    flight: Int
    time_ns: Int

    def __len__(self) -> int:
        return len(self.flights)

    def __iter__(self) -> Iterator[Flight]:
        return iter(self.flights)

    def __getitem__(self, i: int) -> Flight:
        return self.flights[i]

    @property
    def starts(self) -> Bool:
        """Per report: the first report of a flight (``starts`` of the other kernels)."""
        out = np.zeros(self.flight.shape[0], bool)
        out[[f.start_row for f in self.flights]] = True
        return out

    def ground_alt_ft(self) -> Float:
        """Per report: the elevation (ft) of its flight's origin or destination,
        whichever position is nearer in time (NaN for a flight with neither): the
        ``ground_alt_ft`` of :func:`skywitness.track.phases.label_phases`."""
        n = self.flight.shape[0]
        out = np.full(n, np.nan)
        for f in self.flights:
            ends = [
                (p.time_ns, a.elevation_ft)
                for p, a in ((f.first_position, f.origin), (f.last_position, f.destination))
                if p is not None and a is not None
            ]
            if not ends:
                continue
            if len(ends) == 1:
                out[f.start_row : f.end_row] = ends[0][1]
                continue
            (t0, e0), (t1, e1) = ends
            later = self.time_ns[f.start_row : f.end_row] > (t0 + t1) // 2
            out[f.start_row : f.end_row] = np.where(later, e1, e0)
        return out

    def to_arrow(self) -> pa.Table:
        """One row per flight."""

        def pos(p: Position | None, k: str) -> float | None:
            return None if p is None else float(getattr(p, k))

        fl = self.flights
        return pa.table(
            {
                "flight": pa.array([f.index for f in fl], pa.int32()),
                "start": pa.array([f.start_ns for f in fl], TIME_TYPE),
                "end": pa.array([f.end_ns for f in fl], TIME_TYPE),
                "start_row": pa.array([f.start_row for f in fl], pa.int64()),
                "end_row": pa.array([f.end_row for f in fl], pa.int64()),
                "first_airborne": pa.array([f.first_airborne_ns for f in fl], TIME_TYPE),
                "last_airborne": pa.array([f.last_airborne_ns for f in fl], TIME_TYPE),
                "first_lat": pa.array([pos(f.first_position, "lat") for f in fl], pa.float64()),
                "first_lon": pa.array([pos(f.first_position, "lon") for f in fl], pa.float64()),
                "last_lat": pa.array([pos(f.last_position, "lat") for f in fl], pa.float64()),
                "last_lon": pa.array([pos(f.last_position, "lon") for f in fl], pa.float64()),
                "origin": pa.array([f.origin.icao if f.origin else None for f in fl], pa.string()),
                "destination": pa.array(
                    [f.destination.icao if f.destination else None for f in fl], pa.string()
                ),
                "split": pa.array([f.split for f in fl], pa.string()),
            }
        )


def _cuts(s: Series, ground: Bool) -> tuple[Bool, dict[str, Bool]]:
    """Per report: starts a flight; and per rule, the reports it cut at."""
    n = len(s)
    t = s.t_s
    air = ~ground
    rules = {r: np.zeros(n, bool) for r in SPLIT_RULES[1:]}
    if n == 0:
        return np.zeros(0, bool), rules
    rules["new_leg"][1:] = s.new_leg[1:]
    step = np.r_[0.0, np.diff(t)]
    rules["max_gap"] = step > MAX_GAP_S

    a = np.flatnonzero(air)
    if a.size >= 2:
        left, right = a[:-1], a[1:]
        span = t[right] - t[left]
        # ground between two airborne reports
        between = right - left - 1
        gs = np.where(np.isfinite(s.gs_kt) & ground, s.gs_kt, np.inf)
        # slowest ground speed strictly between each pair: over rows [left+1, right)
        has = between > 0
        slowest = np.full(left.size, np.inf)
        finite_between = np.zeros(left.size, bool)
        if has.any():
            bounds = np.ravel(np.column_stack([left[has] + 1, right[has]]))
            slowest[has] = np.minimum.reduceat(np.r_[gs, np.inf], bounds)[::2]
            fin = np.r_[(np.isfinite(s.gs_kt) & ground).astype(np.int64), 0]
            finite_between[has] = np.add.reduceat(fin, bounds)[::2] > 0
        stopped = (slowest < ROLL_MIN_KT) | ~finite_between
        is_ground = has & (span >= MIN_GROUND_S) & stopped
        # a silence, descending before and climbing after
        vr = rolling_median(t, s.vrate_fpm, SMOOTH_S, use=air)
        fin = np.isfinite(vr)
        before = np.maximum.accumulate(np.where(fin, np.arange(n), -1))[left]
        after = np.minimum.accumulate(np.where(fin, np.arange(n), n)[::-1])[::-1][right]
        vb = np.where(before >= 0, vr[np.maximum(before, 0)], np.nan)
        va = np.where(after < n, vr[np.minimum(after, n - 1)], np.nan)
        vb[t[left] - t[np.maximum(before, 0)] > TREND_MAX_AGE_S] = np.nan
        va[t[np.minimum(after, n - 1)] - t[right] > TREND_MAX_AGE_S] = np.nan
        is_gap = ~has & (span > GAP_S) & (vb <= -LEVEL_FPM) & (va >= LEVEL_FPM)
        pick = is_ground | is_gap
        if pick.any():
            # rows (left, right] of each picked pair: cut at the new-leg mark, else
            # after the longest silence
            pl, pr = left[pick], right[pick]
            kind = np.where(is_ground[pick], "ground", "gap")
            rows = np.arange(n)
            pair = np.searchsorted(pl, rows, "left") - 1  # pl[pair] < row
            ok = pair >= 0
            ok[ok] &= rows[ok] <= pr[pair[ok]]
            cand = np.flatnonzero(ok)
            key = step[cand] + np.where(s.new_leg[cand], np.inf, 0.0)
            order = np.lexsort((-key, pair[cand]))
            first = np.r_[True, np.diff(pair[cand][order]) != 0]
            chosen = cand[order][first]
            chosen_pair = pair[chosen]
            for name in ("ground", "gap"):
                rules[name][chosen[kind[chosen_pair] == name]] = True
    starts = np.zeros(n, bool)
    starts[0] = True
    for m in rules.values():
        starts |= m
    return starts, rules


def _position(s: Series, ground: Bool, row: int) -> Position:
    alt = s.alt_ft[row]
    return Position(
        row=row,
        time_ns=int(s.time_ns[row]),
        lat=float(s.lat[row]),
        lon=float(s.lon[row]),
        alt_ft=float(alt) if np.isfinite(alt) else None,
        on_ground=bool(ground[row]),
    )


def _airport(p: Position | None, index: AirportIndex | None) -> Airport | None:
    if p is None or index is None:
        return None
    a = index.nearest(p.lat, p.lon)
    if a is None or a.distance_m > AIRPORT_MAX_DISTANCE_M:
        return None
    if p.on_ground:
        return a
    if p.alt_ft is None or p.alt_ft - a.elevation_ft > AIRPORT_MAX_HEIGHT_FT:
        return None
    return a


def split_flights(
    reports: pa.Table | pa.RecordBatch | Series,
    *,
    bad: BadValues | None = None,
    airport_index: AirportIndex | bool | None = True,
) -> Flights:
    """Split one aircraft's reports (sorted by time) into flights (module docstring).

    ``bad``: values to leave out (:func:`~skywitness.track.envelope.flag_bad_values`).
    ``airport_index``: the airports to look origins and destinations up in
    (``True``: :func:`airports`; ``False`` or ``None``: none).
    """
    s = reports if isinstance(reports, Series) else Series.from_table(reports)
    if bad is not None:
        s = bad.clean(s)
    index = airports() if airport_index is True else (airport_index or None)
    n = len(s)
    ground = on_ground(s)
    starts, rules = _cuts(s, ground)
    flight = np.cumsum(starts) - 1
    first_rows = np.flatnonzero(starts)
    end_rows = np.r_[first_rows[1:], n]
    air_rows = np.flatnonzero(~ground)
    has_pos = np.isfinite(s.lat) & np.isfinite(s.lon)
    known = ground | np.isfinite(s.alt_ft)
    pos_rows = np.flatnonzero(has_pos & known)
    out: list[Flight] = []
    for k, (a, b) in enumerate(zip(first_rows.tolist(), end_rows.tolist(), strict=True)):
        i0, i1 = np.searchsorted(air_rows, [a, b]).tolist()
        p0, p1 = np.searchsorted(pos_rows, [a, b]).tolist()
        first = _position(s, ground, int(pos_rows[p0])) if p1 > p0 else None
        last = _position(s, ground, int(pos_rows[p1 - 1])) if p1 > p0 else None
        why = [r for r in SPLIT_RULES[1:] if rules[r][a]] or ["start"]
        out.append(
            Flight(
                index=k,
                start_row=a,
                end_row=b,
                start_ns=int(s.time_ns[a]),
                end_ns=int(s.time_ns[b - 1]),
                first_airborne_ns=int(s.time_ns[air_rows[i0]]) if i1 > i0 else None,
                last_airborne_ns=int(s.time_ns[air_rows[i1 - 1]]) if i1 > i0 else None,
                first_position=first,
                last_position=last,
                origin=_airport(first, index),
                destination=_airport(last, index),
                split=",".join(why),
            )
        )
    return Flights(flights=tuple(out), flight=np.asarray(flight, np.int64), time_ns=s.time_ns)


__all__ = [
    "AIRPORT_MAX_DISTANCE_M",
    "AIRPORT_MAX_HEIGHT_FT",
    "GAP_S",
    "MAX_GAP_S",
    "MIN_GROUND_S",
    "SPLIT_RULES",
    "Airport",
    "AirportIndex",
    "Flight",
    "Flights",
    "Position",
    "airports",
    "split_flights",
]
