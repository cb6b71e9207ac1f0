"""Approaches to airports, go-arounds and landings of one flight, with or without positions.

:func:`find_approaches` finds every *approach attempt*: a descent towards an
airport to a low point, followed by a touchdown (``landed``), a climb away
(``go_around``), or the end of the data (neither). It works on altitude alone
for the shape, and on the path (reported positions, or the reconstruction of
:func:`~skywitness.track.gaps.reconstruct_gaps` where GNSS was lost) for the
airport and the runway, so approaches flown without GNSS are found as the
ones flown with it.

**Low points.** The smoothed altitude of :class:`~skywitness.track.phases.Phases`
is cut into alternating peaks and troughs that differ by at least
:data:`SWING_FT` (a zigzag with hysteresis, over the airborne reports of each
airborne run: a touchdown ends a run). A trough reached by descending at least
``SWING_FT`` and followed by a climb of at least ``SWING_FT`` is a go-around
candidate; the last trough of a run is a landing candidate when the run ends
on the ground, else an end-of-data one. The low point itself is the lowest
reported altitude (bad values removed) between the neighbouring peaks: the
smoothed altitude rounds a go-around's V off by hundreds of feet (reports
more than :data:`SMOOTH_ROUNDING_FT` below the smoothed trough are not
believed: bursts of wrong values).

**Airport.** The airport nearest the path at the low level (the nearest
position within :data:`POSITION_MAX_S` when the low level has none), among
those within :data:`AIRPORT_RADIUS_M` plus the position's stated error
(``error_km``, 95 %); airports with runways in the runway table are preferred,
and placed at the centre of their runway thresholds (airportsdata misplaces a
few: :func:`~skywitness.model.runways.runway_centres`); with reported
positions, the nearest one a runway of which the aircraft was aligned with.

**Height** (``min_height_ft``): the low point's altitude above the runway
threshold's elevation (else the airport's), barometric and uncorrected for the
day's pressure (QNH moves it by up to about 1,000 ft, typically 300; a
geometric altitude when the aircraft sends no barometric one); 0 for a
landing. A candidate is
an approach when that height is below :data:`LOW_HEIGHT_FT`, or below
:data:`ALIGNED_HEIGHT_FT` and aligned with a runway from reported positions
(a low pass over the field), or when it ends in a touchdown.

**Runway.** With reported positions: the runway end on whose extended
centreline the aircraft flew, towards the threshold, for at least
:data:`ALIGNED_MIN_S` within :data:`ALIGN_WINDOW_S` before the low point
(cross-track distance within :data:`ALIGN_CROSS_M`, course within
:data:`~skywitness.model.runways.ALIGN_TRACK_DEG` of the runway heading; as
traffic's ``aligned_on_ils``). The course is the direction between
neighbouring reported positions where they are close in time (some sources'
track fields disagree with their positions), else the reported track. From a reconstructed path: the end whose heading
the reported track held (within :data:`RECON_TRACK_DEG`) for ``ALIGNED_MIN_S``
while the path, within its error, lay on its centreline. Failing both, the
runway nearest the low point along its track (``aligned`` False).

Vectorised per flight (the zigzag loops over turning points only, and the
per-attempt work over the attempts).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from skywitness.errors import UsageError
from skywitness.model.geo import bearing_deg, distance_m
from skywitness.model.runways import (
    ALIGN_TRACK_DEG,
    Runway,
    nearest_runway,
    runway_centres,
    runways_of,
)
from skywitness.model.timefmt import iso_utc
from skywitness.model.units import M_PER_NM, MPS_PER_KT
from skywitness.track.envelope import BadValues, Series, flag_bad_values
from skywitness.track.events import Event
from skywitness.track.flights import AIRPORT_MAX_DISTANCE_M, AirportIndex, airports
from skywitness.track.gaps import Reconstruction
from skywitness.track.phases import (
    APPROACH_HEIGHT_FT,
    GO_AROUND_LOW_FT,
    GO_AROUND_MIN_CLIMB_FT,
    Phases,
)

Float = NDArray[np.float64]
Int = NDArray[np.int64]
Bool = NDArray[np.bool_]

#: Least altitude change (ft, smoothed) between a peak and a trough: the phases'
#: go-around climb (:data:`~skywitness.track.phases.GO_AROUND_MIN_CLIMB_FT`,
#: above the 100-ft altitude steps and the smoothing).
SWING_FT = GO_AROUND_MIN_CLIMB_FT
#: A low point below this height above the airport is an approach whatever the
#: alignment: the phases' go-around low point
#: (:data:`~skywitness.track.phases.GO_AROUND_LOW_FT`, the 1,000-ft
#: stabilised-approach gate plus 500 ft for the pressure reference).
LOW_HEIGHT_FT = GO_AROUND_LOW_FT
#: ... and below this one when aligned with a runway from reported positions:
#: the phases' approach height (glide-path intercepts 1,500-3,000 ft above the
#: threshold, ICAO Doc 8168); traffic's ``aligned_on_ils`` allows 5,000 ft.
ALIGNED_HEIGHT_FT = APPROACH_HEIGHT_FT
#: The attempt starts at the last crossing of this height above the airport on the
#: way down, or later where the final continuous descent began (glide-path
#: intercept after a level segment): the same approach height.
START_HEIGHT_FT = APPROACH_HEIGHT_FT
#: Vertical rate (ft/min) above which the aircraft is no longer descending when the
#: final descent is traced back: half of the phases' LEVEL_FPM, to keep a
#: shallow glide path (3 degrees at 120 kt is about 640 ft/min) inside (modelling choice).
DESCENT_FPM = -125.0
#: Airports farther than this from the low point (m), plus the position's error, are
#: not candidates: the flights' destination radius (a 3-degree approach is
#: 2,500 ft above the threshold 14.5 km out).
AIRPORT_RADIUS_M = AIRPORT_MAX_DISTANCE_M
#: A low point without a position takes the nearest position within this long, s,
#: its error grown by the distance flown meanwhile (modelling choice: two of the
#: phases' 60-s smoothing windows).
POSITION_MAX_S = 120.0
#: Speed assumed for that growth when no ground speed is known, m/s (about 200
#: kt, an approach speed with margin: modelling choice).
DEFAULT_SPEED_MPS = 100.0
#: Alignment: cross-track distance from the extended centreline, m (traffic's
#: ``aligned_on_ils`` uses 0.1 NM; an ILS localizer is at full scale 105 m off
#: the centreline at the threshold, ICAO Annex 10, and a few hundred metres at
#: 10 NM: 0.1 NM keeps the runway of parallel pairs apart).
ALIGN_CROSS_M = 0.1 * M_PER_NM
#: ... sustained this long, s (traffic's ``min_duration``, one minute), within
#: this long before the low point, s (a final from 3,000 ft at 700 ft/min lasts
#: about 4 min).
ALIGNED_MIN_S = 60.0
ALIGN_WINDOW_S = 300.0
#: ... only within this distance of the threshold, m (10 NM: where a final
#: approach from 3,000 ft begins; modelling choice).
ALIGN_MAX_DISTANCE_M = 10 * M_PER_NM
#: From a reconstructed path, the reported track held within this many degrees of
#: the runway's heading (a crab angle in a 30-kt crosswind at 140 kt is about
#: 12 degrees; modelling choice).
RECON_TRACK_DEG = 15.0
#: A reported altitude more than this below the smoothed trough is not taken as
#: the low point (a burst of wrong values the envelope let through): the 60-s
#: median rounds a V's bottom off by at most the altitude flown in half a
#: window on its steeper side, 1,000 ft at a 2,000-ft/min go-around climb
#: (an E190 or A320 climbs out at 1,500-2,500 ft/min: modelling choice).
SMOOTH_ROUNDING_FT = 1000.0
#: The low level: reports within this many feet of the lowest altitude (Mode C
#: reports altitude in 100-ft steps; a level pass over a field is one long low
#: level, its low point the report nearest the runway).
LOW_BAND_FT = 100.0
#: At most this many positions of a low level are matched against the airports
#: (spread evenly; bounds the work of a long level pass: modelling choice).
MAX_LOW_POSITIONS = 64
#: The course from reported positions spans at most this long, s, and at least this
#: far, m (over 30 s an aircraft turning at rate one turns 90 degrees; 200 m is
#: twice the error of a NACp 8 position: modelling choices).
COURSE_MAX_S = 30.0
COURSE_MIN_M = 200.0
#: Evidence kinds: reported positions, reconstructed ones, or none (altitude only).
EVIDENCE = ("positions", "reconstructed", "none")


@dataclass(frozen=True)
class Approach:
    """One approach attempt.

    ``airport`` (ICAO, None when no position places it), ``runway`` (the runway
    end's ident, None when the airport has none in the table) and whether the
    aircraft was ``aligned`` with it; ``start_ns``, ``low_ns`` (the low point, or
    the touchdown) and ``end_ns`` (the top of the climb away, the end of the
    landing roll or of the data), UTC ns; ``min_height_ft`` above the threshold's
    (or airport's) elevation; ``go_around`` (climbed away), ``landed`` (touched
    down); ``evidence`` (one of :data:`EVIDENCE`: where the low point's position
    came from); the low point's ``lat``, ``lon`` and ``error_km`` (95 %, NaN
    without a position) and its ``distance_km`` from the runway threshold (else
    the airport's reference point)."""

    airport: str | None
    runway: str | None
    aligned: bool
    start_ns: int
    low_ns: int
    end_ns: int
    min_height_ft: float
    go_around: bool
    landed: bool
    evidence: str
    lat: float
    lon: float
    error_km: float
    distance_km: float

    def as_json(self) -> dict[str, Any]:
        """The attempt as JSON values (times ISO-8601 with Z)."""

        def num(x: float, nd: int) -> float | None:
            return round(x, nd) if math.isfinite(x) else None

        return {
            "airport": self.airport,
            "runway": self.runway,
            "aligned": self.aligned,
            "start": iso_utc(self.start_ns),
            "low_time": iso_utc(self.low_ns),
            "end": iso_utc(self.end_ns),
            "min_height_ft": num(self.min_height_ft, 0),
            "go_around": self.go_around,
            "landed": self.landed,
            "evidence": self.evidence,
            "lat": num(self.lat, 5),
            "lon": num(self.lon, 5),
            "error_km": num(self.error_km, 2),
            "distance_km": num(self.distance_km, 2),
        }


# -- the path -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Path:
    lat: Float
    lon: Float
    error_m: Float
    reported: Bool


def _path(s: Series, path: Reconstruction | pa.Table | None) -> _Path:
    n = len(s)
    if path is None:
        has = np.isfinite(s.lat) & np.isfinite(s.lon)
        return _Path(s.lat, s.lon, np.where(has, 0.0, np.nan), has)
    table = path.table if isinstance(path, Reconstruction) else path
    if table.num_rows != n:
        raise UsageError(f"the path has {table.num_rows} rows for {n} reports (one per report)")

    def col(name: str) -> Float:
        if name not in table.column_names:
            raise UsageError(f"the path has no column {name!r} (a Reconstruction table expected)")
        return np.asarray(
            pc.cast(table.column(name), pa.float64()).to_numpy(zero_copy_only=False), np.float64
        )

    lat, lon, err = col("lat"), col("lon"), col("error_km")
    source = np.asarray(pc.fill_null(table.column("source"), "").to_pylist(), dtype=object)
    usable = np.isin(source, ["reported", "reconstructed"]) & np.isfinite(lat) & np.isfinite(lon)
    lat = np.where(usable, lat, np.nan)
    lon = np.where(usable, lon, np.nan)
    err_m = np.where(usable, np.where(np.isfinite(err), err * 1000.0, 0.0), np.nan)
    return _Path(lat, lon, err_m, usable & (source == "reported"))


# -- low points -----------------------------------------------------------------------------


def _zigzag(x: Float, swing: float) -> list[tuple[int, int, bool]]:
    """Alternating peaks (+1) and troughs (-1) of ``x`` at least ``swing`` apart:
    (index, kind, confirmed), the last one unconfirmed (the data ended first)."""
    n = x.shape[0]
    if n == 0:
        return []
    # only the turning points can be pivots
    d = np.sign(np.diff(x))
    nz = np.flatnonzero(d != 0)
    if nz.size == 0:
        return []
    ds = d[nz]
    turn = nz[np.flatnonzero(ds[1:] != ds[:-1]) + 1]  # index (into diff) where the sign flips
    cand = np.unique(np.r_[0, turn, n - 1])
    vals = x[cand]
    out: list[tuple[int, int, bool]] = []
    lo = hi = 0
    trend = 0
    for k in range(1, cand.size):
        v = vals[k]
        if trend == 0:
            if v > vals[hi]:
                hi = k
            if v < vals[lo]:
                lo = k
            if vals[hi] - vals[lo] >= swing:
                if hi > lo:
                    out.append((int(cand[lo]), -1, True))
                    trend = 1
                else:
                    out.append((int(cand[hi]), 1, True))
                    trend = -1
        elif trend == 1:
            if v > vals[hi]:
                hi = k
            elif vals[hi] - v >= swing:
                out.append((int(cand[hi]), 1, True))
                trend, lo = -1, k
        else:
            if v < vals[lo]:
                lo = k
            elif v - vals[lo] >= swing:
                out.append((int(cand[lo]), -1, True))
                trend, hi = 1, k
    if trend == 1:
        out.append((int(cand[hi]), 1, False))
    elif trend == -1:
        out.append((int(cand[lo]), -1, False))
    return out


@dataclass(frozen=True)
class _Candidate:
    """One trough: its rows (``rows``: from the previous peak to the next peak, or to
    the end of the run), their altitudes (reported where kept, else smoothed), the
    attempt's last row (``end``: the top of the climb away, the end of the landing
    roll, the last report) and how it ended."""

    rows: Int
    alt_ft: Float
    end: int
    go_around: bool
    landed: bool

    @property
    def band(self) -> Int:
        """Rows within LOW_BAND_FT of the lowest altitude (the low level)."""
        a = self.alt_ft
        return np.asarray(self.rows[a <= np.nanmin(a) + LOW_BAND_FT], np.int64)


def _runs(phases: Phases) -> list[Int]:
    """The airborne runs (a touchdown or a flight start ends one), as row arrays."""
    air = ~phases.on_ground
    prev = np.r_[False, air[:-1]]
    start = air & (~prev | phases.starts)
    run = np.cumsum(start) - 1
    rows = np.flatnonzero(air)
    if rows.size == 0:
        return []
    cuts = np.flatnonzero(np.diff(run[rows]) != 0) + 1
    return list(np.split(rows, cuts))


def _candidates(phases: Phases, alt_raw: Float) -> list[_Candidate]:
    n = len(phases)
    out: list[_Candidate] = []

    def cand(rows: Int, end: int, go_around: bool, landed: bool) -> None:
        raw = alt_raw[rows]
        floor = np.nanmin(phases.alt_ft[rows]) - SMOOTH_ROUNDING_FT
        v = np.where(np.isfinite(raw) & (raw >= floor), raw, phases.alt_ft[rows])
        out.append(_Candidate(rows, v, end, go_around, landed))

    for run in _runs(phases):
        last_air = int(run[-1])
        nxt = last_air + 1
        touchdown = nxt < n and bool(phases.on_ground[nxt]) and not bool(phases.starts[nxt])
        rows = run[np.isfinite(phases.alt_ft[run])]
        if rows.size == 0:
            continue
        a = phases.alt_ft[rows]
        piv = _zigzag(a, SWING_FT)
        peak_before = 0  # index into rows of the last peak so far (the run's start at first)
        for j, (i, kind, confirmed) in enumerate(piv):
            if kind == 1:
                peak_before = i
                continue
            if not confirmed or a[peak_before] - a[i] < SWING_FT:
                continue  # the data ended first, or not reached by descending
            stop = next((q for q, k, _ in piv[j + 1 :] if k == 1), rows.size - 1)
            cand(rows[peak_before : stop + 1], int(rows[stop]), True, False)
        # the run's end: a touchdown, or the data ending on the way down
        tail = rows[peak_before:]
        # A run that never rose SWING_FT above its lowest level is no attempt: the
        # air/ground flicker of a take-off or landing roll (raw Mode S frames mix
        # surface and airborne messages for seconds), or a bounce.
        if touchdown and float(np.nanmax(a) - np.nanmin(a)) >= SWING_FT:
            end = nxt
            while end + 1 < n and phases.on_ground[end + 1] and not phases.starts[end + 1]:
                end += 1
            cand(tail, end, False, True)
        elif piv and piv[-1][1] == -1 and not piv[-1][2]:
            cand(tail, last_air, False, False)
    return out


# -- airports and runways -------------------------------------------------------------------


def _cross_track_m(lat: Float, lon: Float, r: Runway) -> tuple[Float, Float, Float]:
    """Per position: distance to the threshold (m), cross-track distance from the
    extended centreline (m), and the bearing to the threshold (degrees)."""
    d = distance_m(lat, lon, r.lat, r.lon)
    b = bearing_deg(lat, lon, r.lat, r.lon)
    return d, np.abs(d * np.sin(np.radians(b - r.heading_deg))), b


def _angle(a: Float | float, b: Float | float) -> Float:
    return np.asarray(np.abs((np.asarray(a) - np.asarray(b) + 180.0) % 360.0 - 180.0), np.float64)


def _longest_run_s(t_s: Float, ok: Bool, max_step_s: float) -> float:
    """Longest time span of consecutive ``ok`` rows (steps over ``max_step_s`` break it)."""
    idx = np.flatnonzero(ok)
    if idx.size < 2:
        return 0.0
    brk = (np.diff(idx) > 1) | (np.diff(t_s[idx]) > max_step_s)
    starts = np.r_[0, np.flatnonzero(brk) + 1]
    ends = np.r_[np.flatnonzero(brk), idx.size - 1]
    return float(np.max(t_s[idx[ends]] - t_s[idx[starts]]))


def _aligned_runway(
    ends: Iterable[Runway],
    t_s: Float,
    lat: Float,
    lon: Float,
    err_m: Float,
    track: Float,
    reported: Bool,
) -> tuple[Runway | None, float]:
    """The end flown aligned with longest (and that time, s) over the window's rows."""
    best: Runway | None = None
    best_s = 0.0
    for r in ends:
        d, cross, b = _cross_track_m(lat, lon, r)
        towards = _angle(b, track) < 90.0
        on_track = _angle(track, r.heading_deg) <= ALIGN_TRACK_DEG
        near = d <= ALIGN_MAX_DISTANCE_M
        lined = reported & (cross <= ALIGN_CROSS_M) & towards & on_track & near
        recon = ~reported & np.isfinite(lat)
        recon &= (cross <= ALIGN_CROSS_M + err_m) & (
            _angle(track, r.heading_deg) <= RECON_TRACK_DEG
        )
        recon &= d <= ALIGN_MAX_DISTANCE_M + err_m
        secs = _longest_run_s(t_s, lined | recon, ALIGNED_MIN_S)
        if secs > best_s:
            best, best_s = r, secs
    return best, best_s


# -- the kernel -----------------------------------------------------------------------------


def find_approaches(
    reports: pa.Table,
    phases: Phases,
    path: Reconstruction | pa.Table | None = None,
    *,
    bad: BadValues | None = None,
    airport_index: AirportIndex | None = None,
) -> tuple[Approach, ...]:
    """The approach attempts of one flight (or one aircraft's flights), in time order
    (module docstring).

    ``reports``: the reports, sorted by time (canonical schema); ``phases``: their
    :func:`~skywitness.track.phases.label_phases`; ``path``: one row per report
    with ``lat``, ``lon``, ``source`` and ``error_km`` (a
    :class:`~skywitness.track.gaps.Reconstruction` or its table; ``None``: the
    reported positions only); ``bad``: the envelope's flags (computed when
    ``None``); ``airport_index``: airports to choose from (default: all of
    airportsdata's).
    """
    s = Series.from_table(reports)
    n = len(s)
    if len(phases) != n:
        raise UsageError(f"{len(phases)} phases for {n} reports")
    if bad is None:
        bad = flag_bad_values(s)
    elif len(bad) != n:
        raise UsageError(f"{len(bad)} envelope flags for {n} reports")
    clean = bad.clean(s)
    p = _path(s, path)
    index = _default_index() if airport_index is None else _located(airport_index)
    t = s.t_s
    track = np.where(np.isfinite(clean.track_deg), clean.track_deg, clean.heading_deg)
    track = np.where(np.isfinite(course := _course(t, p)), course, track)
    alt_raw = np.where(phases.on_ground, np.nan, clean.alt_ft)
    out: list[Approach] = []
    for c in _candidates(phases, alt_raw):
        a = _attempt(c, s, t, p, phases, track, index)
        if a is not None:
            out.append(a)
    return tuple(sorted(out, key=lambda x: x.low_ns))


def _located(index: AirportIndex) -> AirportIndex:
    """The index with each airport that has runways in the table placed at their centre."""
    centres = runway_centres()
    lat, lon = index.lat.copy(), index.lon.copy()
    for i, code in enumerate(index.code):
        c = centres.get(code)
        if c is not None:
            lat[i], lon[i] = c
    return replace(index, lat=lat, lon=lon)


@lru_cache(maxsize=1)
def _default_index() -> AirportIndex:
    return _located(airports())


def _course(t: Float, p: _Path) -> Float:
    """Per reported position: the direction of motion between the reported positions
    before and after it (NaN where they are more than COURSE_MAX_S apart or less than
    COURSE_MIN_M). Alignment is a matter of where the aircraft went: some sources'
    track fields disagree with their own positions."""
    out = np.full(t.shape[0], np.nan)
    idx = np.flatnonzero(p.reported)
    if idx.size < 3:
        return out
    a, b = idx[:-2], idx[2:]
    d = distance_m(p.lat[a], p.lon[a], p.lat[b], p.lon[b])
    ok = (t[b] - t[a] <= COURSE_MAX_S) & (d >= COURSE_MIN_M)
    brg = bearing_deg(p.lat[a], p.lon[a], p.lat[b], p.lon[b])
    out[idx[1:-1][ok]] = brg[ok]
    return out


def _positions(rows: Int, t: Float, p: _Path, gs_kt: Float) -> tuple[Int, Float]:
    """The rows with a position among ``rows`` and their errors (m); when none has one,
    the nearest position within POSITION_MAX_S of the middle row, its error grown by
    the distance flown meanwhile."""
    has = rows[np.isfinite(p.lat[rows])]
    if has.size:
        return has, p.error_m[has]
    mid = int(rows[rows.size // 2])
    idx = np.flatnonzero(np.isfinite(p.lat))
    if idx.size == 0:
        return np.zeros(0, np.int64), np.zeros(0)
    k = int(np.searchsorted(idx, mid))
    near = [int(idx[j]) for j in (k - 1, k) if 0 <= j < idx.size]
    best = min(near, key=lambda r: abs(float(t[r] - t[mid])))
    dt = abs(float(t[best] - t[mid]))
    if dt > POSITION_MAX_S:
        return np.zeros(0, np.int64), np.zeros(0)
    v = gs_kt[mid] * MPS_PER_KT if np.isfinite(gs_kt[mid]) else DEFAULT_SPEED_MPS
    return np.array([best], np.int64), np.array([p.error_m[best] + v * dt])


def _attempt(
    c: _Candidate,
    s: Series,
    t: Float,
    p: _Path,
    phases: Phases,
    track: Float,
    index: AirportIndex,
) -> Approach | None:
    band = c.band
    low_alt = float(np.nanmin(c.alt_ft))
    lowest = int(c.rows[int(np.nanargmin(c.alt_ft))])
    pos_rows, pos_err = _positions(band, t, p, s.gs_kt)
    # the alignment window: ALIGN_WINDOW_S before the low level to its end
    w0 = int(np.searchsorted(t, t[band[0]] - ALIGN_WINDOW_S))
    w = np.arange(max(w0, int(c.rows[0])), int(band[-1]) + 1)
    if pos_rows.size:
        found = _airport_and_runway(w, t, p, track, index, pos_rows, pos_err)
        if found is None:
            return None
        pick, runway, aligned = found
        airport: str | None = index.code[pick]
        elevation = runway.elevation_ft if runway is not None else float(index.elevation_ft[pick])
        ref_lat = runway.lat if runway is not None else float(index.lat[pick])
        ref_lon = runway.lon if runway is not None else float(index.lon[pick])
        dist = distance_m(p.lat[pos_rows], p.lon[pos_rows], ref_lat, ref_lon)
        # the low point: the low level's report nearest the runway (a landing: its first)
        k = 0 if c.landed else int(np.argmin(dist))
        prow, err_m, dist_m = int(pos_rows[k]), float(pos_err[k]), float(dist[k])
        evidence = "positions" if p.reported[prow] else "reconstructed"
        # (a reconstructed position is too uncertain to place the low point: the lowest report)
        low = prow if evidence == "positions" and np.isin(prow, band) else lowest
        lat, lon = float(p.lat[prow]), float(p.lon[prow])
    else:
        mid = int(band[band.size // 2])
        if not bool(phases.height_known[mid]):
            return None
        elevation = float(phases.ground_alt_ft[mid])  # no position: the flight's own reference
        airport, runway, aligned = None, None, False
        low = lowest
        evidence, lat, lon, err_m, dist_m = "none", math.nan, math.nan, math.nan, math.nan
    height = low_alt - elevation
    if c.landed:
        # the touchdown: the first report on the ground where the sender says so (an
        # inferred ground state waits for the roll to slow down), else the low level's
        # first; on the runway by definition (the altitude read there is the day's
        # pressure offset, or a placeholder some sources send on the ground)
        nxt = int(c.rows[-1]) + 1
        low = nxt if np.isfinite(s.on_ground[nxt]) else int(band[0])
        height = 0.0
    low_pass = aligned and evidence == "positions" and height < ALIGNED_HEIGHT_FT
    if not c.landed and not (height < LOW_HEIGHT_FT or low_pass):
        return None
    return Approach(
        airport=airport,
        runway=runway.ident if runway is not None else None,
        aligned=aligned,
        start_ns=int(s.time_ns[_start(c, low, t, phases, elevation)]),
        low_ns=int(s.time_ns[low]),
        end_ns=int(s.time_ns[c.end]),
        min_height_ft=float(height),
        go_around=c.go_around,
        landed=c.landed,
        evidence=evidence,
        lat=lat,
        lon=lon,
        error_km=err_m / 1000.0,
        distance_km=dist_m / 1000.0,
    )


def _airport_and_runway(
    w: Int,
    t: Float,
    p: _Path,
    track: Float,
    index: AirportIndex,
    pos_rows: Int,
    pos_err: Float,
) -> tuple[int, Runway | None, bool] | None:
    """The airport (index row), runway end and alignment of an attempt whose low level
    has the positions ``pos_rows`` (errors ``pos_err``, m) and whose alignment window
    is ``w``; None when no airport is near."""
    if not index.code:
        return None
    pick_rows = np.linspace(0, pos_rows.size - 1, min(pos_rows.size, MAX_LOW_POSITIONS))
    sel = np.unique(pick_rows.astype(np.int64))
    la, lo, er = p.lat[pos_rows[sel]], p.lon[pos_rows[sel]], pos_err[sel]
    d = distance_m(la[:, None], lo[:, None], index.lat[None, :], index.lon[None, :])
    margin = np.min(d - er[:, None], axis=0)
    near = np.flatnonzero(margin <= AIRPORT_RADIUS_M)
    if near.size == 0:
        return None
    cand = near[np.argsort(margin[near])]
    with_rwy = [int(i) for i in cand if runways_of(index.code[int(i)])]
    measured = bool(p.reported[w].any())
    for i in with_rwy:
        r, secs = _aligned_runway(
            runways_of(index.code[i]),
            t[w],
            p.lat[w],
            p.lon[w],
            p.error_m[w],
            track[w],
            p.reported[w],
        )
        if r is not None and secs >= ALIGNED_MIN_S:
            return i, r, True  # the nearest airport the aircraft lined up with
        if not measured:
            break  # a reconstructed path: the nearest airport with runways only
    pick = with_rwy[0] if with_rwy else int(cand[0])
    code = index.code[pick]
    k = int(np.argmin(distance_m(la, lo, index.lat[pick], index.lon[pick])))
    row = int(pos_rows[sel[k]])
    heading = float(track[row]) if np.isfinite(track[row]) else None
    lat, lon = float(p.lat[row]), float(p.lon[row])
    runway = nearest_runway(code, lat, lon, heading) or nearest_runway(code, lat, lon)
    return pick, runway, False


def _start(c: _Candidate, low: int, t: Float, phases: Phases, elevation: float) -> int:
    """The attempt's first row: after the last crossing of START_HEIGHT_FT on the way
    down and after the last report not descending before the low level."""
    band0 = int(c.band[0])
    rows = c.rows[c.rows <= band0]
    air = ~phases.on_ground[rows]
    h = phases.alt_ft[rows] - elevation
    first = int(rows[0])
    above = np.flatnonzero(air & (h >= START_HEIGHT_FT))
    if above.size and above[-1] + 1 < rows.size:
        first = int(rows[above[-1] + 1])
    vr = phases.vrate_fpm[rows]
    level = np.flatnonzero(air & np.isfinite(vr) & (vr > DESCENT_FPM))
    # the final continuous descent: after the last report not descending (the smoothed
    # rate turns within half a window of the low level: those rows are left out)
    level = level[t[rows[level]] < t[band0] - 0.5 * ALIGNED_MIN_S]
    if level.size:
        first = max(first, int(rows[level[-1]]) + 1)
    return min(first, band0, low)


def approach_events(approaches: Iterable[Approach]) -> list[Event]:
    """An ``approach`` event per attempt (at its start; detail: airport, runway,
    min_height_ft, aligned, go_around, landed, low_time, evidence) and a ``go_around``
    event at the low point of each go-around (detail: airport, runway, min_height_ft)."""
    out: list[Event] = []
    for a in approaches:
        j = a.as_json()
        detail = {
            k: j[k]
            for k in (
                "airport",
                "runway",
                "min_height_ft",
                "aligned",
                "go_around",
                "landed",
                "low_time",
                "evidence",
                "error_km",
            )
        }
        out.append(Event(a.start_ns, "approach", detail))
        if a.go_around:
            out.append(
                Event(
                    a.low_ns,
                    "go_around",
                    {"airport": a.airport, "runway": a.runway, "min_height_ft": j["min_height_ft"]},
                )
            )
    return sorted(out)


__all__ = [
    "AIRPORT_RADIUS_M",
    "ALIGNED_HEIGHT_FT",
    "ALIGNED_MIN_S",
    "ALIGN_CROSS_M",
    "EVIDENCE",
    "LOW_HEIGHT_FT",
    "SWING_FT",
    "Approach",
    "approach_events",
    "find_approaches",
]
