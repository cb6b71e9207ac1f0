"""Kernels shared by the spoofing detectors: the batch they see, tolerances, debouncing.

Every function here is pure and vectorised over a :class:`SpoofBatch`: the
airborne reports of any number of aircraft, sorted by aircraft then time,
as NumPy arrays. Aircraft are separated by run boundaries
(``aircraft_start``), coverage silences by ``segment_start``.

A detector first gives each row a raw verdict (:data:`FLAGGED`,
:data:`CLEAR`, or :data:`UNEVALUATED` when the row carries nothing the
detector can judge), then :func:`debounce` turns the verdicts into flags:
rows the detector could not judge are carried along between flagged rows,
short clear gaps are bridged, and a flagged stretch survives only if it
lasts long enough and rests on enough distinct observations. A single
noisy report, or one bad value repeated by a forward-filling pipeline,
never becomes an interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from skywitness.model.geo import EARTH_RADIUS_M, distance_m
from skywitness.model.units import NS_PER_S
from skywitness.track.reckon import (
    REACH_S,
    displacement,
    ground_velocity,
    last_index,
    next_index,
)

Bool = NDArray[np.bool_]
Int = NDArray[np.int64]
Float = NDArray[np.float64]
Verdict = NDArray[np.int8]

FLAGGED, CLEAR, UNEVALUATED = 1, 0, -1

#: A position, ground speed or track older than this is not used: the readers
#: null positions older than 15 s (OpenSky's REST API limit, see
#: ``skywitness.io.opensky.POSITION_MAX_AGE_S``), and the same age bounds how
#: late a position may be stamped relative to when it was measured. Every
#: comparison of two positions allows this much timing error at their speed.
TIME_SLACK_S = 15.0
#: Ground velocity is carried forward at most this long for dead reckoning
#: (the same staleness limit; ADS-B sends velocity at 2 Hz, OpenSky state
#: vectors every 5-10 s). Longer without velocity, dead reckoning stops.
VELOCITY_MAX_AGE_S = 15.0
#: ... and a velocity that has not changed at all for this long is treated as
#: held, not re-measured: ADS-B velocity has 1-kt north and east components,
#: so a flying aircraft's ground speed or track changes within a minute except
#: in the steadiest cruise (raw ADS-B in the sample flight: never held > 18 s),
#: while a pipeline that repeats the last velocity (after landing, through a
#: turn without velocity messages) keeps it exactly.
VELOCITY_HOLD_S = 60.0
#: Dead reckoning is trusted over at most this span: the reach of
#: :mod:`skywitness.track.reckon` (15 min), as in the jamming state.
DEAD_RECKONING_MAX_S = REACH_S
#: Dead reckoning with reported ground velocity may be off by this fraction
#: of the distance flown: traffic's FilterConsistency uses the same 10 %
#: relative error on distance; it covers a 10 % speed error, far beyond ADS-B
#: velocity resolution (1 kt), and the lag of a 15-s-old velocity through a
#: turn (distances are compared, so a constant track bias does not count).
DEAD_RECKONING_FRACTION = 0.10
#: 95 % horizontal error bound (EPU) by NACp, metres (DO-260B Table 2-70):
#: NACp 0 is "unknown or >= 10 NM" and is taken as 10 NM.
EPU_BY_NACP_M = np.array(
    [18520.0, 18520.0, 7408.0, 3704.0, 1852.0, 926.0, 555.6, 185.2, 92.6, 30.0, 10.0, 3.0]
)
#: EPU assumed when no NACp is known: 0.5 NM (NACp 5), five times the 0.05 NM
#: (NACp 8) that ADS-B Out mandates require (14 CFR 91.227), so state
#: vectors of unknown quality are given the benefit of the doubt.
EPU_UNKNOWN_M = 926.0

#: A flagged stretch must last at least this long: 60 ADS-B positions at 2 Hz,
#: three OpenSky state-vector intervals (the position-loss detector of
#: ``skywitness.gnss.jamming.state`` uses the same 30 s).
MIN_FLAG_S = 30.0
#: ... and rest on at least this many distinct observations: a row that only
#: repeats the previous row's values (a forward-filling pipeline) adds none.
MIN_FLAG_OBSERVATIONS = 3
#: Clear rows spanning at most this long inside a flagged stretch do not end it
#: (one OpenSky state-vector interval, 20 ADS-B positions).
FLAG_BRIDGE_S = 10.0

#: Positions closer than this are "the same place": a stationary transmitter's
#: decoded CPR positions differ by at most one CPR cell (airborne: 360/60/2^17
#: degree ~ 5.1 m of latitude, < 10 m of longitude below 60 degrees) plus a few
#: metres of receiver noise.
SAME_PLACE_M = 30.0
#: A position that stays in the same place this long is held: 60 ADS-B
#: positions, three OpenSky state vectors; twice the readers' 15 s staleness
#: limit for a repeated position.
HELD_MIN_S = 30.0
#: A position exactly on the straight line between its neighbours, to this
#: tolerance, was interpolated by a pipeline: JSON files store positions to
#: 10 decimals (1e-10 degree). Measured positions are quantised to ~5e-5
#: degree (CPR) and stamped at irregular times, so three never line up to
#: 1e-9 degree (0.1 mm).
INTERPOLATED_DEG = 1e-9
_RAD = np.pi / 180.0


@dataclass(frozen=True)
class SpoofBatch:
    """Airborne reports of any number of aircraft, sorted by aircraft then time.

    ``lat``/``lon`` hold only positions the aircraft computed itself (GNSS):
    MLAT and TIS-B positions are independent of the aircraft's receiver, so
    they are NaN here. Floats are NaN where missing; ``nic``/``nac_p`` are the
    latest value the aircraft sent in the segment, -1 when none.
    ``alt_consistent`` marks pressure altitudes that belong to the aircraft's
    altitude track (:func:`altitude_consistent`). ``dr_*`` are cumulative
    dead-reckoning sums from the reported ground velocity (see
    :func:`dead_reckoning`).
    """

    time_ns: Int
    aircraft_start: Bool
    segment_start: Bool
    lat: Float
    lon: Float
    alt_baro_ft: Float
    alt_geom_ft: Float
    gs_kt: Float
    track_deg: Float
    tas_kt: Float
    nic: NDArray[np.int16]
    nac_p: NDArray[np.int16]
    alt_consistent: Bool
    observed: Bool  # new values, not a pipeline's repeat or interpolation (observed_rows)
    dr_north_m: Float
    dr_east_m: Float
    dr_path_m: Float
    dr_uncovered_s: Float

    def __len__(self) -> int:
        return int(self.time_ns.shape[0])

    @property
    def gnss(self) -> Bool:
        return np.isfinite(self.lat) & np.isfinite(self.lon)

    @property
    def altitude_ft(self) -> Float:
        """Pressure altitude where it belongs to the aircraft's altitude track, else NaN."""
        return np.where(self.alt_consistent, self.alt_baro_ft, np.nan)

    @property
    def seconds(self) -> Float:
        """Time in seconds since the batch's first row (float64 keeps ~1 us over decades)."""
        if len(self) == 0:
            return np.zeros(0)
        return np.asarray((self.time_ns - self.time_ns.min()) / NS_PER_S, dtype=np.float64)


def dead_reckoning(
    time_ns: Int, segment_start: Bool, gs_kt: Float, track_deg: Float, observed: Bool
) -> tuple[Float, Float, Float, Float]:
    """Cumulative north, east and path (m) flown on the reported ground velocity,
    and the cumulative time (s) not covered by a fresh velocity
    (:func:`skywitness.track.reckon.displacement`, trapezoid rule).

    Each step between consecutive rows of a segment uses the mean of the
    velocity vectors known at its two ends; it is covered when the velocity
    known at its start is at most :data:`VELOCITY_MAX_AGE_S` old at its end
    and last changed at most :data:`VELOCITY_HOLD_S` before. Uncovered steps
    add nothing to the sums. The displacement between rows ``j < i`` is
    ``north[i] - north[j]`` (likewise east, path), valid when
    ``uncovered[i] == uncovered[j]``. Ground speed and track are referenced
    to the ground, so no wind enters. A velocity is dated by the last
    ``observed`` row that carried it: rows a pipeline repeated or
    interpolated do not renew it.
    """
    n = time_ns.shape[0]
    if n == 0:
        z = np.zeros(0)
        return z, z, z, z
    has_v = np.isfinite(gs_kt) & np.isfinite(track_deg) & observed
    rows = np.flatnonzero(has_v)
    changed = np.zeros(n, dtype=bool)
    if rows.size:
        g, k = gs_kt[rows], track_deg[rows]
        new_value = np.ones(rows.size, dtype=bool)
        new_value[1:] = (g[1:] != g[:-1]) | (k[1:] != k[:-1])
        changed[rows[new_value]] = True
    since = last_index(changed | segment_start, segment_start)
    held = (time_ns - time_ns[np.maximum(since, 0)]) / NS_PER_S > VELOCITY_HOLD_S
    north, east = ground_velocity(gs_kt, track_deg)
    d = displacement(
        time_ns,
        np.where(has_v, north, np.nan),
        np.where(has_v, east, np.nan),
        segment_start,
        hold="mean",
        max_age_s=VELOCITY_MAX_AGE_S,
        uncovered=held,
    )
    return d.north_m, d.east_m, d.path_m, d.uncovered_s


def displacement_m(lat1: Float, lon1: Float, lat2: Float, lon2: Float) -> tuple[Float, Float]:
    """North and east displacement (m) from point 1 to point 2, on the sphere's tangent
    plane at the mid latitude (what dead reckoning along a track produces)."""
    dlon = (lon2 - lon1 + 540.0) % 360.0 - 180.0
    north = (lat2 - lat1) * _RAD * EARTH_RADIUS_M
    east = dlon * _RAD * EARTH_RADIUS_M * np.cos(0.5 * (lat1 + lat2) * _RAD)
    return np.asarray(north), np.asarray(east)


def epu_m(nac_p: NDArray[np.int16]) -> Float:
    """The 95 % position error bound of each row from its NACp (unknown: EPU_UNKNOWN_M)."""
    known = nac_p >= 0
    table = EPU_BY_NACP_M[np.clip(nac_p, 0, EPU_BY_NACP_M.shape[0] - 1)]
    return np.where(known, table, EPU_UNKNOWN_M)


def dead_reckoning_error(batch: SpoofBatch, j: Int, i: Int) -> tuple[Float, Float, Bool]:
    """For row pairs ``j < i`` of one aircraft with positions: how much the distance
    between them differs from the distance dead-reckoned from ``j`` to ``i``, the
    tolerance, and whether dead reckoning applies (velocity covered all the way,
    span <= DEAD_RECKONING_MAX_S).

    The tolerance adds the two positions' error bounds (:func:`epu_m`),
    :data:`DEAD_RECKONING_FRACTION` of the distance flown, and the distance
    flown in :data:`TIME_SLACK_S` at the mean speed (positions stamped late).
    """
    if j.shape[0] == 0:
        z = np.zeros(0)
        return z, z, np.zeros(0, dtype=bool)
    span_s = (batch.time_ns[i] - batch.time_ns[j]) / NS_PER_S
    covered = (batch.dr_uncovered_s[i] == batch.dr_uncovered_s[j]) & (
        span_s <= DEAD_RECKONING_MAX_S
    )
    pn, pe = displacement_m(batch.lat[j], batch.lon[j], batch.lat[i], batch.lon[i])
    dn = batch.dr_north_m[i] - batch.dr_north_m[j]
    de = batch.dr_east_m[i] - batch.dr_east_m[j]
    # Distances, not vectors: a wrong or biased track field (seen in real
    # recordings) rotates the dead-reckoned chord without changing its length,
    # and in a turn both chords shorten alike.
    err = np.abs(np.hypot(pn, pe) - np.hypot(dn, de))
    path = batch.dr_path_m[i] - batch.dr_path_m[j]
    mean_speed = path / np.maximum(span_s, 1e-9)
    tol = (
        epu_m(batch.nac_p[i])
        + epu_m(batch.nac_p[j])
        + DEAD_RECKONING_FRACTION * path
        + mean_speed * TIME_SLACK_S
    )
    return err, tol, covered


def new_positions(batch: SpoofBatch) -> Bool:
    """Observed GNSS rows whose position differs from the aircraft's previous GNSS
    position: where each value first appears (a repeat or interpolation is no report)."""
    gnss = batch.gnss & batch.observed
    rows = np.flatnonzero(gnss)
    out = np.zeros(len(batch), dtype=bool)
    if rows.size == 0:
        return out
    lat, lon = batch.lat[rows], batch.lon[rows]
    aircraft = np.cumsum(batch.aircraft_start)[rows]
    first = np.ones(rows.size, dtype=bool)
    first[1:] = (aircraft[1:] != aircraft[:-1]) | (lat[1:] != lat[:-1]) | (lon[1:] != lon[:-1])
    out[rows[first]] = True
    return out


@dataclass(frozen=True)
class StillRuns:
    """Runs of consecutive GNSS positions of a segment that stay within a radius of the
    run's first one. Indices ``first``/``last`` point into ``rows`` (the GNSS rows)."""

    rows: Int
    run: Int  # run of each GNSS row
    first: Int
    last: Int
    opens_segment: Bool  # the run holds the segment's first position
    spread_m: Float  # farthest position from the run's first
    distinct: Int  # distinct position values in the run


def still_runs(batch: SpoofBatch, radius_m: float = SAME_PLACE_M) -> StillRuns:
    """Where the aircraft's position stayed put: a run breaks when a position is more
    than ``radius_m`` from the previous one, or at a segment start."""
    rows = np.flatnonzero(batch.gnss)
    lat, lon = batch.lat[rows], batch.lon[rows]
    segment = group_ids(batch.segment_start)[rows]
    step = np.full(rows.size, np.inf)
    if rows.size > 1:
        step[1:] = distance_m(lat[:-1], lon[:-1], lat[1:], lon[1:])
    opens = np.ones(rows.size, dtype=bool)
    opens[1:] = segment[1:] != segment[:-1]
    start = opens | (step > radius_m)
    run = group_ids(start)
    first = np.flatnonzero(start)
    last = np.r_[first[1:] - 1, rows.size - 1] if rows.size else first
    spread = distance_m(lat[first][run], lon[first][run], lat, lon) if rows.size else step
    changed = np.zeros(rows.size, dtype=bool)
    changed[1:] = ((lat[1:] != lat[:-1]) | (lon[1:] != lon[:-1])) & ~start[1:]
    return StillRuns(
        rows=rows,
        run=run,
        first=first,
        last=last,
        opens_segment=opens[first],
        spread_m=np.maximum.reduceat(spread, first) if rows.size else spread,
        distinct=1 + np.bincount(run, weights=changed, minlength=first.size).astype(np.int64),
    )


def track_events(batch: SpoofBatch) -> Bool:
    """New positions that say where the aircraft went (:func:`new_positions`), leaving
    out those of a position held in place for HELD_MIN_S or more after its first:
    they carry no news of the aircraft's motion (the ``frozen`` detector judges
    them), and linking the track through them would pin it to the held place."""
    out = new_positions(batch)
    runs = still_runs(batch)
    if runs.rows.size == 0:
        return out
    t = batch.time_ns
    held_s = (t[runs.rows[runs.last]] - t[runs.rows[runs.first]]) / NS_PER_S
    held = (held_s >= HELD_MIN_S) & (runs.spread_m <= SAME_PLACE_M)
    inside = held[runs.run]
    inside[runs.first] = False
    out[runs.rows[inside]] = False
    return out


def group_ids(starts: Bool) -> Int:
    """0-based id of the group each row belongs to, groups opened by ``starts``."""
    return np.asarray(np.cumsum(starts) - 1, dtype=np.int64)


def observed_rows(segment_start: Bool, time_ns: Int, values: dict[str, Float]) -> Bool:
    """Rows that carry an observation: not an exact repeat of the aircraft's previous
    row, nor a linear interpolation between its neighbours.

    A pipeline that fills gaps repeats the last values (forward fill) or draws
    straight lines between two fixes (traffic's ``resample``); neither is
    evidence. A row is taken as interpolated when its position moves and lies
    on the line between its neighbours' positions (time-weighted, within
    INTERPOLATED_DEG in both latitude and longitude), which measured
    positions never do. A synthetic track made of exact straight lines in
    latitude and longitude reads as interpolated too.
    """
    n = time_ns.shape[0]
    out = segment_start.copy()
    if n == 0:
        return out
    for v in values.values():
        same = (v[1:] == v[:-1]) | (np.isnan(v[1:]) & np.isnan(v[:-1]))
        out[1:] |= ~same
    if n < 3 or "lat" not in values or "lon" not in values:
        return out
    inner = ~segment_start[1:-1] & ~segment_start[2:]
    t = time_ns.astype(np.float64)
    span = t[2:] - t[:-2]
    w = np.divide(t[1:-1] - t[:-2], span, out=np.full(n - 2, np.nan), where=span > 0)
    line = inner.copy()
    moves = np.zeros(n - 2, dtype=bool)
    for name in ("lat", "lon"):
        v = values[name]
        with np.errstate(invalid="ignore"):
            line &= np.abs(v[1:-1] - (v[:-2] + w * (v[2:] - v[:-2]))) <= INTERPOLATED_DEG
            moves |= np.abs(v[2:] - v[:-2]) > INTERPOLATED_DEG
    out[1:-1] &= ~(line & moves)
    return out


def debounce(
    verdict: Verdict,
    batch: SpoofBatch,
    *,
    min_s: float = MIN_FLAG_S,
    min_observations: int = MIN_FLAG_OBSERVATIONS,
    bridge_s: float = FLAG_BRIDGE_S,
    observed: Bool | None = None,
) -> Bool:
    """Flags from raw verdicts: stretches between flagged rows (across unevaluated
    rows, and across clear rows spanning at most ``bridge_s``), kept when they last
    ``min_s`` or more and hold ``min_observations`` or more observed flagged rows
    (``observed`` rows, by default the batch's)."""
    n = verdict.shape[0]
    if n == 0:
        return np.zeros(0, dtype=bool)
    flagged = verdict == FLAGGED
    if not flagged.any():
        return np.zeros(n, dtype=bool)
    seen = batch.observed if observed is None else observed
    seg = batch.segment_start
    before = last_index(flagged, seg)
    after = next_index(flagged, seg)
    clear = np.cumsum(verdict == CLEAR)
    a, b = np.maximum(before, 0), np.maximum(after, 0)
    t = batch.time_ns
    between = (before >= 0) & (after >= 0)
    no_clear = clear[b] - clear[a] == 0
    short = (t[b] - t[a]) <= int(bridge_s * NS_PER_S)
    inside = flagged | (between & (no_clear | short))
    starts = inside.copy()
    starts[1:] &= ~inside[:-1] | seg[1:]
    first = np.flatnonzero(starts)
    run = group_ids(starts)
    ends = np.empty(n, dtype=bool)
    ends[:-1] = starts[1:] | ~inside[1:]
    ends[-1] = True
    last = np.flatnonzero(ends & inside)
    duration = (t[last] - t[first]) / NS_PER_S
    evidence = np.bincount(run[inside], weights=(flagged & seen)[inside], minlength=first.size)
    keep = (duration >= min_s) & (evidence >= min_observations)
    out: Bool = inside & keep[np.maximum(run, 0)]
    return out


def verdicts(evaluated: Bool, flagged: Bool) -> Verdict:
    """Verdicts from where a test applied and where it failed."""
    return np.where(evaluated, np.where(flagged, FLAGGED, CLEAR), UNEVALUATED).astype(np.int8)


def worst(*parts: Verdict) -> Verdict:
    """Row-wise combination: flagged if any part is, clear if any part judged, else unevaluated."""
    out = np.full(parts[0].shape[0], UNEVALUATED, dtype=np.int8)
    for part in parts:
        out = np.maximum(out, part)
    return out
