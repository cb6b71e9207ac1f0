"""Dead reckoning: where an aircraft was, from a known position and the velocity it reported.

One kernel for every place that carries an aircraft through a stretch without
trusted positions: the jamming state (a report without a position placed
from the last one), a bad stretch's path (forward from the entry, backward
from the exit), the spoofing detectors (the distance flown between two
positions), and a spoofed aircraft's true path (air data between two anchors).

**Rows.** Every function takes rows of any number of tracks, sorted by track
then time (``starts`` marks each track's first row; ``None`` is one track).
A row may carry a velocity sample (``north_mps``/``east_mps``, NaN where it
carries none) and an anchor (``lat``/``lon``: a known position, NaN
elsewhere). Velocities come from :func:`ground_velocity` (ground speed and
track) or :func:`air_velocity` (true airspeed, heading and a wind vector).

**Steps.** Between consecutive rows of a track the aircraft flies one
constant velocity, chosen by ``hold``:

``previous``  the last sample at or before the step's start, *held until
              the next* (the causal rule);
``next``      the first sample at or after the step's end (a sample stands for
              the time since the row before it);
``mean``      the mean of the samples in force at the step's two ends (the
              trapezoid rule; on rows that all carry a sample, the exact
              integral of the linearly interpolated velocity).

A sample older than ``max_age_s`` at the far end of the step (``next``: that
far ahead of its start), rows flagged ``uncovered``, and steps with no sample
at all are *uncovered*: the aircraft does not move on them, and the position
error grows as if it could have flown anywhere (below).

**Geometry.** A constant velocity in the local north/east frame is a rhumb
line on the sphere of :data:`~skywitness.model.geo.EARTH_RADIUS_M`: latitude
changes linearly with the distance flown north, longitude by the east
distance times the mean of ``1 / cos(latitude)`` over the step (exact, through
the Mercator latitude). Steps compose exactly, so splitting a step changes
nothing, and a meridian flight matches :func:`~skywitness.model.geo.destination`;
on other tracks the constant-track (rhumb) line departs from the great circle
by about ``d^2 tan(lat) / 2R`` (1 km after 100 km at 60 degrees): the
aircraft follows the tracks it reported, not the great circle of the first.

**Direction.** ``forward`` reckons each row from the last anchor at or before
it, ``backward`` from the first anchor at or after it, ``blend`` between the
two: the path from the earlier anchor is bent onto the later one by the
constant velocity (a wind, a speed or heading bias) that makes it end there
exactly, and the rows with one anchor only are reckoned from it. No row is
reckoned farther than ``max_s`` from its anchor (in a blend: from the nearer).

**Error** (``error_m``), a 95 % bound under the :class:`ErrorModel`: on a
covered step the velocity may be off by ``speed_error_mps`` plus the ground
speed times ``sin(track_error_deg)``; on an uncovered step by the last known
ground speed (any direction) plus ``speed_error_mps``, or by
:data:`UNKNOWN_SPEED_MPS` when none is known. From one anchor the bound is the
anchor's error plus that rate integrated since the anchor, growing
monotonically with time away from it. In a blend, with the mean error removed
by the fit, it is ``e_A (1 - w) + e_B w + (1 - w) U(A, t) + w U(t, B)``, where
``w`` is the fraction of the time from A to B and ``U`` the integrated rate: zero
growth at the anchors, ``2 v T w (1 - w)`` for a constant rate ``v``.

Everything is vectorised over all rows at once (prefix sums per track); no
Python loop runs per row or per track.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from skywitness.model.geo import EARTH_RADIUS_M
from skywitness.model.units import MPS_PER_KT, NS_PER_S

Float = NDArray[np.float64]
Int = NDArray[np.int64]
Bool = NDArray[np.bool_]
Hold = Literal["previous", "next", "mean"]
Direction = Literal["forward", "backward", "blend"]

#: Longest reckoning from an anchor, s (15 min). At the default error model
#: the bound reaches ~11 km there at 450 kt (9 km of NACv 1 speed error, 1.8
#: km of track error), half the edge of an H3 resolution-4 cell (22.6 km), the
#: cell of the jamming maps: past it a reckoned position no longer says which
#: cell the aircraft was in.
REACH_S = 900.0
#: 95 % horizontal velocity error of a reported velocity, m/s: NACv 1 ("< 10
#: m/s", RTCA DO-260B / DO-242A NACv table), the least accuracy an ADS-B Out
#: installation may declare (14 CFR 91.227(c)(1)). Real GNSS velocities do far
#: better (NACv 2: < 3 m/s; see :meth:`ErrorModel.from_nac_v`); this is a
#: bound, not an expectation.
SPEED_ERROR_MPS = 10.0
#: Track error of a reported velocity, degrees: ADS-B sends velocity as 1-kt
#: north and east components, 0.13 degree of track at 450 kt; modelling choice
#: of 0.5 degree for the lag of a sample held between reports through gentle
#: turns (the figure behind ``DEAD_RECKONING_MAX_S`` of the jamming state).
TRACK_ERROR_DEG = 0.5
#: 95 % horizontal velocity error by NACv 0-4, m/s (DO-260B: 0 unknown or
#: >= 10 m/s, 1 < 10, 2 < 3, 3 < 1, 4 < 0.3); NACv 0 is unbounded.
NACV_ERROR_MPS = (math.inf, 10.0, 3.0, 1.0, 0.3)
#: Speed an aircraft of unknown velocity may have flown at, m/s (650 kt: above
#: any airliner's cruise true airspeed plus a strong tail wind; the estimated
#: paths' ``FALLBACK_GROUND_SPEED_KT``).
UNKNOWN_SPEED_MPS = 650.0 * MPS_PER_KT
#: Latitude bound for 1 / cos(latitude), degrees: the longitude of a reckoning
#: within 0.1 degree of a pole means nothing (the estimated paths use the same).
MAX_ABS_LAT_DEG = 89.9
#: Latitude steps below this (radians, ~6 mm) take the midpoint 1 / cos
#: instead of the Mercator difference quotient, whose cancellation would
#: cost more than the O(step^2) it saves.
_SMALL_DLAT_RAD = 1e-9
_RAD = np.pi / 180.0
_PHI_MAX = MAX_ABS_LAT_DEG * _RAD


# -- velocities ---------------------------------------------------------------------------


def ground_velocity(gs_kt: ArrayLike, track_deg: ArrayLike) -> tuple[Float, Float]:
    """North and east velocity (m/s) from ground speed (kt) and true track (degrees)."""
    speed = np.asarray(gs_kt, np.float64) * MPS_PER_KT
    track = np.asarray(track_deg, np.float64) * _RAD
    return np.asarray(speed * np.cos(track)), np.asarray(speed * np.sin(track))


def air_velocity(
    tas_kt: ArrayLike,
    heading_deg: ArrayLike,
    wind_north_mps: ArrayLike = 0.0,
    wind_east_mps: ArrayLike = 0.0,
) -> tuple[Float, Float]:
    """North and east velocity (m/s) over the ground from true airspeed (kt) along the
    true heading (degrees) plus the wind, given as the air mass's own velocity (m/s,
    towards north and east: a wind *from* the west has a positive east part)."""
    tas = np.asarray(tas_kt, np.float64) * MPS_PER_KT
    heading = np.radians(np.asarray(heading_deg, np.float64))
    north = tas * np.cos(heading) + np.asarray(wind_north_mps, np.float64)
    east = tas * np.sin(heading) + np.asarray(wind_east_mps, np.float64)
    return np.asarray(north), np.asarray(east)


# -- the error model ------------------------------------------------------------------------


@dataclass(frozen=True)
class ErrorModel:
    """How fast the position error grows away from an anchor (see the module docstring).

    Each value is a number or an array with one value per row (applied to the
    step that ends at that row), e.g. from each report's NACv.
    """

    speed_error_mps: float | Float = SPEED_ERROR_MPS
    track_error_deg: float | Float = TRACK_ERROR_DEG

    @classmethod
    def from_nac_v(cls, nac_v: ArrayLike, track_error_deg: float = TRACK_ERROR_DEG) -> ErrorModel:
        """Speed error from NACv (0-4, -1 or missing: the default); NACv 0 is unbounded."""
        code = np.asarray(nac_v, np.float64)
        table = np.asarray(NACV_ERROR_MPS)
        known = np.isfinite(code) & (code >= 0) & (code <= 4)
        error = np.where(known, table[np.where(known, code, 1).astype(np.int64)], SPEED_ERROR_MPS)
        return cls(speed_error_mps=np.asarray(error, np.float64), track_error_deg=track_error_deg)


# -- steps ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Displacement:
    """Cumulative sums over the rows (from the first row of the batch) of what each
    step between consecutive rows of a track contributes: north and east (m, on the
    local frame of each step), distance flown (m), time not covered by a velocity
    (s), and error growth (m, see :class:`ErrorModel`). The quantity between rows
    ``j <= i`` of one track is ``x[i] - x[j]``."""

    north_m: Float
    east_m: Float
    path_m: Float
    uncovered_s: Float
    spread_m: Float


@dataclass(frozen=True)
class _Steps:
    """Per row ``k``: the step from row ``k - 1`` to row ``k`` (zero on a track's first row)."""

    dt_s: Float
    north_m: Float
    east_m: Float
    path_m: Float
    gap_s: Float
    spread_m: Float


def _starts(n: int, starts: Bool | None) -> Bool:
    if starts is None:
        out = np.zeros(n, dtype=bool)
        out[:1] = True
        return out
    out = np.asarray(starts, dtype=bool).copy()
    out[:1] = True
    return out


def row_index(n: int) -> NDArray[np.signedinteger[Any]]:
    """``0 .. n-1``, as int32 when it fits: NumPy's accumulate runs several times faster on it."""
    return np.arange(n, dtype=np.int32 if n < 2**31 - 1 else np.int64)


def last_index(mask: Bool, starts: Bool) -> NDArray[np.signedinteger[Any]]:
    """For each row, the index of the latest row at or before it where ``mask`` holds,
    within the run opened by the last ``starts`` row; -1 when there is none (int32
    when the rows fit)."""
    idx = row_index(mask.shape[0])
    last = np.maximum.accumulate(np.where(mask, idx, -1))
    run = np.maximum.accumulate(np.where(starts, idx, 0))
    return np.where(last >= run, last, -1)


def next_index(mask: Bool, starts: Bool) -> Int:
    """For each row, the index of the earliest row at or after it where ``mask`` holds,
    within the same run (runs opened by ``starts``); -1 when there is none."""
    n = mask.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    idx = np.arange(n, dtype=np.int64)
    nxt = np.minimum.accumulate(np.where(mask, idx, n)[::-1])[::-1]
    ends = np.empty(n, dtype=bool)
    ends[:-1] = starts[1:]
    ends[-1] = True
    end = np.minimum.accumulate(np.where(ends, idx, n)[::-1])[::-1]
    return np.where(nxt <= end, nxt, -1)


def _last(mask: Bool, starts: Bool) -> Int:
    """:func:`last_index` as int64."""
    return np.asarray(last_index(mask, starts), np.int64)


def _per_row(value: float | Float, n: int) -> Float:
    return np.broadcast_to(np.asarray(value, np.float64), (n,))


def _steps(
    time_ns: Int,
    north_mps: Float,
    east_mps: Float,
    starts: Bool,
    hold: Hold,
    max_age_s: float,
    uncovered: Bool | None,
    errors: ErrorModel,
) -> _Steps:
    n = time_ns.shape[0]
    has = np.isfinite(north_mps) & np.isfinite(east_mps)
    dt = np.zeros(n)
    dt[1:] = (time_ns[1:] - time_ns[:-1]) / NS_PER_S
    dt[starts] = 0.0
    check_age = math.isfinite(max_age_s)
    if hold == "next":
        src = next_index(has, starts)
        known = src >= 0
        s = np.maximum(src, 0)
        vn, ve = north_mps[s], east_mps[s]
        vn[~known], ve[~known] = 0.0, 0.0
        covered = known.copy()
        if check_age:
            covered[1:] &= (time_ns[s[1:]] - time_ns[:-1]) / NS_PER_S <= max_age_s
    elif hold in ("previous", "mean"):
        last = _last(has, starts)
        s = np.maximum(last, 0)
        row_n, row_e = north_mps[s], east_mps[s]  # the sample in force at each row
        row_n[last < 0], row_e[last < 0] = 0.0, 0.0
        known = np.zeros(n, dtype=bool)  # ... and at the step's start
        known[1:] = last[:-1] >= 0
        covered = known.copy()
        if check_age:
            covered[1:] &= (time_ns[1:] - time_ns[s[:-1]]) / NS_PER_S <= max_age_s
        vn, ve = np.zeros(n), np.zeros(n)
        if hold == "previous":
            vn[1:], ve[1:] = row_n[:-1], row_e[:-1]
        else:
            vn[1:] = 0.5 * (row_n[1:] + row_n[:-1])
            ve[1:] = 0.5 * (row_e[1:] + row_e[:-1])
            known |= last >= 0
    else:
        raise ValueError(f"unknown hold {hold!r} (use previous, next or mean)")
    covered &= ~starts
    if uncovered is not None:
        covered &= ~np.asarray(uncovered, dtype=bool)
    off = ~covered
    sn, se = vn * dt, ve * dt
    sn[off], se[off] = 0.0, 0.0
    path = np.hypot(sn, se)
    gap = dt.copy()
    gap[covered] = 0.0  # dt is already 0 on a track's first row
    speed = np.hypot(vn, ve)
    if hold == "mean":  # an uncovered step may have flown at the faster of its two ends
        row_speed = np.hypot(row_n, row_e)
        stale = np.zeros(n)
        stale[1:] = np.maximum(row_speed[1:], row_speed[:-1])
    else:
        stale = speed
    e_track = np.sin(np.radians(np.asarray(errors.track_error_deg, np.float64)))
    rate = speed * e_track if e_track.ndim else speed * float(e_track)
    rate = np.array(np.broadcast_to(rate, (n,)))
    rate[off] = np.where(known[off], stale[off], UNKNOWN_SPEED_MPS)
    rate += np.asarray(errors.speed_error_mps, np.float64)
    spread = np.zeros(n)
    np.multiply(rate, dt, out=spread, where=dt > 0)
    return _Steps(dt, sn, se, path, gap, spread)


def displacement(
    time_ns: ArrayLike,
    north_mps: ArrayLike,
    east_mps: ArrayLike,
    starts: ArrayLike | None = None,
    *,
    hold: Hold = "previous",
    max_age_s: float = math.inf,
    uncovered: ArrayLike | None = None,
    errors: ErrorModel | None = None,
) -> Displacement:
    """What the reported velocity says the aircraft flew between rows (see the module
    docstring for ``hold``, ``max_age_s`` and ``uncovered``): cumulative sums, so
    that the displacement from row ``j`` to row ``i`` of one track is a difference."""
    t = np.asarray(time_ns, np.int64)
    st = _steps(
        t,
        np.asarray(north_mps, np.float64),
        np.asarray(east_mps, np.float64),
        _starts(t.shape[0], None if starts is None else np.asarray(starts, bool)),
        hold,
        max_age_s,
        None if uncovered is None else np.asarray(uncovered, bool),
        errors or ErrorModel(),
    )
    return Displacement(
        north_m=np.cumsum(st.north_m),
        east_m=np.cumsum(st.east_m),
        path_m=np.cumsum(st.path_m),
        uncovered_s=np.cumsum(st.gap_s),
        spread_m=np.cumsum(st.spread_m),
    )


# -- positions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reckoning:
    """Per row: the position reckoned (the anchor's own on anchor rows), its 95 % error
    bound (m), the distance flown and the time without velocity since the anchor
    (all NaN where not ``reached``); the anchor row it hangs on (``anchor``; in a
    blend the earlier one, the later in ``anchor_to``; -1 when none) and the time
    from it (s, never negative; NaN without one); and the constant velocity (m/s)
    a blend added on the step ending at each row (zero elsewhere)."""

    lat: Float
    lon: Float
    error_m: Float
    reached: Bool
    anchor: Int
    anchor_to: Int
    elapsed_s: Float
    path_m: Float
    uncovered_s: Float
    correction_north_mps: Float
    correction_east_mps: Float


def _mean_secant(phi0: Float, phi1: Float) -> Float:
    """Mean of 1 / cos(latitude) over a step along which latitude changes linearly."""
    p0 = np.clip(phi0, -_PHI_MAX, _PHI_MAX)
    p1 = np.clip(phi1, -_PHI_MAX, _PHI_MAX)
    d = p1 - p0
    small = np.abs(d) < _SMALL_DLAT_RAD
    mercator = np.arctanh(np.sin(p1)) - np.arctanh(np.sin(p0))
    return np.asarray(
        np.where(small, 1.0 / np.cos(0.5 * (p0 + p1)), mercator / np.where(small, 1.0, d))
    )


def _wrap_rad(x: Float) -> Float:
    return np.asarray((x + np.pi) % (2 * np.pi) - np.pi)


@dataclass(frozen=True)
class _Side:
    phi: Float  # latitude, radians (NaN where no anchor)
    lam: Float  # longitude, radians, unwrapped
    error: Float | None  # error bound, m (None: from the anchor, computed by the caller)
    ref: Int  # the anchor row each row hangs on, -1


def _one_side(
    ref: Int, starts: Bool, st: _Steps, cum: Displacement, phi_a: Float, lam_a: Float
) -> _Side:
    """Every row reckoned from its anchor ``ref`` (-1: none), forward or backward alike:
    position = anchor + (sum up to the row) - (sum up to the anchor)."""
    r = np.maximum(ref, 0)
    ok = ref >= 0
    phi = phi_a[r] + (cum.north_m - cum.north_m[r]) / EARTH_RADIUS_M
    phi[~ok] = np.nan
    inside = np.zeros(ref.shape[0], dtype=bool)  # steps between two rows of one anchor's run
    inside[1:] = ok[1:] & (ref[1:] == ref[:-1]) & ~starts[1:]
    k = np.flatnonzero(inside)
    dlam = np.zeros(ref.shape[0])
    dlam[k] = st.east_m[k] * _mean_secant(phi[k - 1], phi[k]) / EARTH_RADIUS_M
    lam_sum = np.cumsum(dlam)
    lam = lam_a[r] + (lam_sum - lam_sum[r])
    return _Side(phi, lam, None, ref)


def _blend(
    a: Int, b: Int, time_ns: Int, starts: Bool, st: _Steps, cum: Displacement,
    phi_a: Float, lam_a: Float, err_a: Float,
) -> tuple[_Side, Bool, Float, Float]:  # fmt: skip
    """Rows strictly between two anchors of a track, reckoned from the earlier and bent
    onto the later by a constant velocity; also which rows, and that velocity per step."""
    n = a.shape[0]
    between = (a >= 0) & (b >= 0) & (a < b)
    between &= time_ns[np.maximum(b, 0)] > time_ns[np.maximum(a, 0)]
    ia, ib = np.maximum(a, 0), np.maximum(b, 0)
    span_ns = np.where(between, time_ns[ib] - time_ns[ia], 1)
    w = np.where(between, (time_ns - time_ns[ia]) / span_ns, 0.0)
    north_ab = cum.north_m[ib] - cum.north_m[ia]
    dphi = phi_a[ib] - (phi_a[ia] + north_ab / EARTH_RADIUS_M)  # the later anchor's residual
    phi_f = phi_a[ia] + (cum.north_m - cum.north_m[ia]) / EARTH_RADIUS_M
    phi = np.where(between, phi_f + dphi * w, phi_a)  # anchors keep their own latitude
    # Steps of a run: from a row at or after anchor A to a row at or before anchor B.
    run_a = np.full(n, -1, np.int64)
    run_a[1:] = a[:-1]
    run_b = b
    ra, rb = np.maximum(run_a, 0), np.maximum(run_b, 0)
    step_in = (run_a >= 0) & (run_b >= 0) & ~starts & (time_ns[rb] > time_ns[ra])
    k = np.flatnonzero(step_in)
    q = np.zeros(n)
    q[k] = _mean_secant(phi[k - 1], phi[k])
    lam_sum = np.cumsum(st.east_m * q / EARTH_RADIUS_M)
    stretch = np.cumsum(st.dt_s * q)  # seconds weighted by 1 / cos(latitude)
    lam_end = lam_a[ia] + lam_sum[ib] - lam_sum[ia]
    dlam = _wrap_rad(lam_a[ib] - lam_end)
    stretch_ab = stretch[ib] - stretch[ia]
    stretch_ab = np.where(stretch_ab > 0, stretch_ab, 1.0)
    lam = lam_a[ia] + (lam_sum - lam_sum[ia]) + dlam * (stretch - stretch[ia]) / stretch_ab
    lam = np.where(between, lam, np.nan)
    spread = cum.spread_m
    error = (
        err_a[ia] * (1 - w)
        + err_a[ib] * w
        + (1 - w) * (spread - spread[ia])
        + w * (spread[ib] - spread)
    )
    side = _Side(np.where(between, phi, np.nan), lam, np.where(between, error, np.nan), a)
    # The correction of each step of a run, from the run's anchors.
    span_k = (time_ns[rb] - time_ns[ra]) / NS_PER_S
    north_k = cum.north_m[rb] - cum.north_m[ra]
    dphi_k = phi_a[rb] - (phi_a[ra] + north_k / EARTH_RADIUS_M)
    lam_end_k = lam_a[ra] + lam_sum[rb] - lam_sum[ra]
    dlam_k = _wrap_rad(lam_a[rb] - lam_end_k)
    stretch_k = stretch[rb] - stretch[ra]
    valid = step_in & (span_k > 0) & (stretch_k > 0)
    corr_n = np.where(valid, dphi_k * EARTH_RADIUS_M / np.where(valid, span_k, 1.0), 0.0)
    corr_e = np.where(valid, dlam_k * EARTH_RADIUS_M / np.where(valid, stretch_k, 1.0), 0.0)
    return side, between, corr_n, corr_e


def reckon(
    time_ns: ArrayLike,
    north_mps: ArrayLike,
    east_mps: ArrayLike,
    lat: ArrayLike,
    lon: ArrayLike,
    *,
    starts: ArrayLike | None = None,
    anchor_error_m: float | ArrayLike = 0.0,
    direction: Direction = "forward",
    hold: Hold = "previous",
    max_s: float = REACH_S,
    max_age_s: float = math.inf,
    uncovered: ArrayLike | None = None,
    errors: ErrorModel | None = None,
) -> Reckoning:
    """Positions of every row, dead-reckoned from the anchors (rows with ``lat``/``lon``).

    Rows are sorted by track then time (``starts``: each track's first row).
    ``anchor_error_m`` is the anchors' own error (m, a number or one per row).
    See the module docstring for the rest. Anchor rows keep their position.
    """
    t = np.asarray(time_ns, np.int64)
    n = t.shape[0]
    vn, ve = np.asarray(north_mps, np.float64), np.asarray(east_mps, np.float64)
    lat_in, lon_in = np.asarray(lat, np.float64), np.asarray(lon, np.float64)
    for name, v in (("north_mps", vn), ("east_mps", ve), ("lat", lat_in), ("lon", lon_in)):
        if v.shape != (n,):
            raise ValueError(f"reckon: {name} has shape {v.shape}, expected ({n},)")
    if direction not in ("forward", "backward", "blend"):
        raise ValueError(f"unknown direction {direction!r} (use forward, backward or blend)")
    st_mask = _starts(n, None if starts is None else np.asarray(starts, bool))
    unc = None if uncovered is None else np.asarray(uncovered, bool)
    st = _steps(t, vn, ve, st_mask, hold, max_age_s, unc, errors or ErrorModel())
    cum = Displacement(
        north_m=np.cumsum(st.north_m),
        east_m=np.cumsum(st.east_m),
        path_m=np.cumsum(st.path_m),
        uncovered_s=np.cumsum(st.gap_s),
        spread_m=np.cumsum(st.spread_m),
    )
    anchor = np.isfinite(lat_in) & np.isfinite(lon_in)
    phi_a, lam_a = lat_in * _RAD, lon_in * _RAD  # read on anchor rows only
    err_a = np.array(_per_row(np.asarray(anchor_error_m, np.float64), n))

    none = np.full(n, -1, np.int64)
    a = _last(anchor, st_mask) if direction != "backward" else none
    b = next_index(anchor, st_mask) if direction != "forward" else none
    corr_n = corr_e = np.zeros(n)
    between: Bool | None = None
    if direction == "forward":
        side, to = _one_side(a, st_mask, st, cum, phi_a, lam_a), none
    elif direction == "backward":
        side, to = _one_side(b, st_mask, st, cum, phi_a, lam_a), none
    else:
        fw = _one_side(a, st_mask, st, cum, phi_a, lam_a)
        bw = _one_side(b, st_mask, st, cum, phi_a, lam_a)
        bl, between, corr_n, corr_e = _blend(a, b, t, st_mask, st, cum, phi_a, lam_a, err_a)
        only_b = (a < 0) & (b >= 0)

        def pick(x: Any, y: Any, z: Any) -> Any:
            return np.where(between, x, np.where(only_b, y, z))

        side = _Side(
            pick(bl.phi, bw.phi, fw.phi),
            pick(bl.lam, bw.lam, fw.lam),
            bl.error,
            np.asarray(np.where(only_b, b, a), np.int64),
        )
        to = np.where(between, b, -1)
    ref = side.ref
    r = np.maximum(ref, 0)
    elapsed = np.abs(t - t[r]) / NS_PER_S
    elapsed[ref < 0] = np.nan
    near = elapsed
    if direction == "blend":
        tb = t[np.maximum(to, 0)]
        near = np.where(to >= 0, np.minimum(elapsed, np.abs(tb - t) / NS_PER_S), elapsed)
    reached = anchor | ((ref >= 0) & (near <= max_s))
    # Outputs: anchors keep their own values; the reckoned rows are computed on their own.
    k = np.flatnonzero(reached & ~anchor)
    rk = r[k]
    out_lat = np.where(anchor, lat_in, np.nan)
    out_lon = np.where(anchor, lon_in, np.nan)
    out_lat[k] = np.degrees(np.clip(side.phi[k], -np.pi / 2, np.pi / 2))
    out_lon[k] = (np.degrees(side.lam[k]) + 180.0) % 360.0 - 180.0
    error = np.where(anchor, err_a, np.nan)
    error[k] = err_a[rk] + np.abs(cum.spread_m[k] - cum.spread_m[rk])
    if between is not None and side.error is not None:
        error[k] = np.where(between[k], side.error[k], error[k])
    path_m = np.where(anchor, 0.0, np.nan)
    path_m[k] = np.abs(cum.path_m[k] - cum.path_m[rk])
    gap_s = np.where(anchor, 0.0, np.nan)
    gap_s[k] = np.abs(cum.uncovered_s[k] - cum.uncovered_s[rk])
    elapsed[anchor] = 0.0
    ref_out = np.where(anchor, np.arange(n), ref)
    to_out = np.where(anchor, -1, to)
    return Reckoning(
        lat=out_lat,
        lon=out_lon,
        error_m=error,
        reached=reached,
        anchor=ref_out,
        anchor_to=to_out,
        elapsed_s=elapsed,
        path_m=path_m,
        uncovered_s=gap_s,
        correction_north_mps=np.asarray(corr_n),
        correction_east_mps=np.asarray(corr_e),
    )


# -- one anchor, velocity samples at their own times ---------------------------------------


@dataclass(frozen=True)
class Fix:
    """A known position: time (UTC ns), latitude and longitude (degrees), 95 % error (m)."""

    time_ns: int
    lat: float
    lon: float
    error_m: float = 0.0


@dataclass(frozen=True)
class Velocity:
    """Velocity samples of one aircraft, sorted by time, each held until the next."""

    time_ns: Int
    north_mps: Float
    east_mps: Float

    @classmethod
    def ground(cls, time_ns: ArrayLike, gs_kt: ArrayLike, track_deg: ArrayLike) -> Velocity:
        north, east = ground_velocity(gs_kt, track_deg)
        return cls(np.asarray(time_ns, np.int64), north, east)

    @classmethod
    def air(
        cls,
        time_ns: ArrayLike,
        tas_kt: ArrayLike,
        heading_deg: ArrayLike,
        wind_north_mps: ArrayLike = 0.0,
        wind_east_mps: ArrayLike = 0.0,
    ) -> Velocity:
        north, east = air_velocity(tas_kt, heading_deg, wind_north_mps, wind_east_mps)
        return cls(np.asarray(time_ns, np.int64), north, east)


def reckon_from(
    fix: Fix,
    time_ns: ArrayLike,
    velocity: Velocity,
    *,
    to: Fix | None = None,
    max_s: float = REACH_S,
    max_age_s: float = math.inf,
    errors: ErrorModel | None = None,
) -> Reckoning:
    """Positions at ``time_ns`` of one aircraft, from ``fix``: forward for times after
    it, backward for times before, with each velocity sample held until the next.
    With ``to`` (a later fix), times between the two are blended (module docstring).

    The result's rows are the query times, in the order given; ``anchor`` and
    ``anchor_to`` are -1 (the anchors are the fixes, not rows).
    """
    q = np.asarray(time_ns, np.int64)
    if to is not None and to.time_ns < fix.time_ns:
        raise ValueError("reckon_from: the second fix must not precede the first")
    fixes = [fix] if to is None else [fix, to]
    vt = np.asarray(velocity.time_ns, np.int64)
    nq, nv, nf = q.shape[0], vt.shape[0], len(fixes)
    times = np.concatenate([q, vt, np.array([f.time_ns for f in fixes], np.int64)])
    kind = np.concatenate([np.zeros(nq), np.ones(nv), np.full(nf, 2.0)])
    # At equal times: fixes, then samples, then queries (a sample at a query's time
    # applies after it, a query at a fix's time is the fix).
    order = np.lexsort((-kind, times))
    vn = np.concatenate([np.full(nq, np.nan), velocity.north_mps, np.full(nf, np.nan)])
    ve = np.concatenate([np.full(nq, np.nan), velocity.east_mps, np.full(nf, np.nan)])
    lat = np.concatenate([np.full(nq + nv, np.nan), [f.lat for f in fixes]])
    lon = np.concatenate([np.full(nq + nv, np.nan), [f.lon for f in fixes]])
    err = np.concatenate([np.zeros(nq + nv), [f.error_m for f in fixes]])
    out = reckon(
        times[order], vn[order], ve[order], lat[order], lon[order],
        anchor_error_m=err[order], direction="blend", hold="previous", max_s=max_s,
        max_age_s=max_age_s, errors=errors,
    )  # fmt: skip
    back = np.empty_like(order)
    back[order] = np.arange(order.shape[0])
    rows = back[:nq]
    none = np.full(nq, -1, np.int64)
    return Reckoning(
        lat=out.lat[rows], lon=out.lon[rows], error_m=out.error_m[rows],
        reached=out.reached[rows], anchor=none, anchor_to=none,
        elapsed_s=out.elapsed_s[rows], path_m=out.path_m[rows],
        uncovered_s=out.uncovered_s[rows],
        correction_north_mps=out.correction_north_mps[rows],
        correction_east_mps=out.correction_east_mps[rows],
    )  # fmt: skip


__all__ = [
    "MAX_ABS_LAT_DEG",
    "NACV_ERROR_MPS",
    "REACH_S",
    "SPEED_ERROR_MPS",
    "TRACK_ERROR_DEG",
    "UNKNOWN_SPEED_MPS",
    "Direction",
    "Displacement",
    "ErrorModel",
    "Fix",
    "Hold",
    "Reckoning",
    "Velocity",
    "air_velocity",
    "displacement",
    "ground_velocity",
    "reckon",
    "reckon_from",
]
