"""One flight's path through the stretches without trusted positions.

A *gap* is a run of reports of one flight whose position cannot be used:
missing (jammed, out of coverage), flagged spoofed by the caller (a boolean
column or array), or rejected by the caller (``rejected``: positions a
plausibility rule denied; :mod:`~skywitness.track.envelope` checks altitude,
speed, vertical rate and track, and its rejected values are never used here).
Each gap is reconstructed with the dead-reckoning kernel
(:mod:`~skywitness.track.reckon`) from the velocity the aircraft kept
reporting:

- ground speed and track (what the aircraft flew over the ground; speeds the
  envelope rejected, its ``speed_median`` rule among them, are interpolated
  over), else
- true airspeed and heading plus a wind estimated around the gap's anchors
  (:func:`estimate_wind`); between two anchors the blend also absorbs a
  constant wind error.

**Anchors** are the trusted positions just before and just after the gap.
With both, the path is blended (forward from the first, bent onto the
second); with one only, it is reckoned forward (positions never resume) or
backward (the flight enters the record without positions), at most
:data:`ONE_END_MAX_S` from the anchor.

**Error** (``error_km``): a 95 % bound. Reported positions: from NACp
(:data:`NACP_EPU_M`), else :data:`DEFAULT_POSITION_ERROR_M`. Reconstructed
positions: the anchors' errors plus a growth *self-calibrated on the flight's
own data* (:func:`calibrate_drift`): its trusted positions are cut into
held-out windows of :data:`CALIBRATION_SCALES_S`, each reckoned through with
the same velocities and hold as the gaps, and the 95th percentile of the
error at a window's end over its length is the drift rate ``r`` at that
scale (:class:`Drift`). From one anchor the growth is ``r(t) t``; in a blend
``(1 - w) r(tA) tA + w r(tB) tB``. The rate never falls below the speed's
quantisation (:data:`QUANTISATION_RATE_MPS`), a wind change where air data
carried the path (:data:`WIND_CHANGE_MPS`) and the reported NACv averaged
over :data:`NACV_CORRELATION_S`; in a blend it is scaled up when the forward
path misses the second anchor by more than the calibrated rate allows (the
gap's velocity was worse than the trusted stretches'). What it means: a
95 % bound *if the gap's velocity is no worse than the flight's trusted
stretches' and its residual at the second anchor show*; a one-ended gap has
no residual to check that. With ``errors`` given, or no trusted stretch to
calibrate on, the reckoning's :class:`~skywitness.track.reckon.ErrorModel`
bound is used instead (NACv 1 by default). The lens of unknown turns and the
test of velocities that do not explain the anchors keep that conservative
model.

**Unknown turns.** A velocity older than :data:`VELOCITY_MAX_AGE_S` says
nothing about where the aircraft went since (it may have turned). Such a
stretch is bounded by what the aircraft could reach: the points within
``v (t - t1)`` of where it entered the stretch and ``v (t2 - t)`` of where it
left it (the *lens* of two discs, each widened by the reckoning's error at its
end; one disc when the gap has one anchor), with ``v`` the fastest ground speed
reported around the stretch plus the speed error (:data:`UNKNOWN_SPEED_MPS`
when none). Between the stretch's ends (reckoned from the first anchor alone
and from the second alone) rows are so bounded from the first row without
velocity to the last. The point given lies on the line between the ends, where
the time elapsed puts it (kept inside the lens), and its error is the
farthest point of the lens from it. The stretch's method is ``unknown_turn`` when the
straight line between its ends is shorter than the distance flown at the
slowest reported speed by more than :data:`STRAIGHT_MIN_RATIO` allows (the
aircraft turned), ``straight`` otherwise (still with the lens's error). A
whole gap is an unknown turn as well when the velocities do not explain its
anchors: the path reckoned forward misses the second anchor by more than its
own error bound (a turn the track did not report, or wrong velocities).

Output (:class:`Reconstruction`): a table with one row per report (time, lat,
lon, alt_baro_ft, source, error_km, method, gap_id) and one :class:`Gap`
record per gap. Nothing is written and the input is not changed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import ArrayLike, NDArray

from skywitness.errors import UsageError
from skywitness.model.geo import EARTH_RADIUS_M, distance_m
from skywitness.model.schema import TIME_TYPE
from skywitness.model.units import M_PER_NM, MPS_PER_KT, NS_PER_S
from skywitness.track.envelope import BadValues, Series, flag_bad_values
from skywitness.track.reckon import (
    NACV_ERROR_MPS,
    REACH_S,
    SPEED_ERROR_MPS,
    UNKNOWN_SPEED_MPS,
    ErrorModel,
    Fix,
    Velocity,
    air_velocity,
    ground_velocity,
    reckon,
    reckon_from,
)

Float = NDArray[np.float64]
Int = NDArray[np.int64]
Bool = NDArray[np.bool_]

#: 95 % horizontal position error (EPU) by NACp 0-11, m (RTCA DO-260B / DO-242A
#: NACp table: 0 unknown or >= 10 NM, 1 < 10 NM, 2 < 4 NM, 3 < 2 NM, 4 < 1 NM,
#: 5 < 0.5 NM, 6 < 0.3 NM, 7 < 0.1 NM, 8 < 0.05 NM, 9 < 30 m, 10 < 10 m,
#: 11 < 3 m); NACp 0 is taken at its 10 NM bound.
NACP_EPU_M = (
    10 * M_PER_NM, 10 * M_PER_NM, 4 * M_PER_NM, 2 * M_PER_NM, 1 * M_PER_NM, 0.5 * M_PER_NM,
    0.3 * M_PER_NM, 0.1 * M_PER_NM, 0.05 * M_PER_NM, 30.0, 10.0, 3.0,
)  # fmt: skip
#: Error of a reported position without NACp, m: NACp 8 (< 0.05 NM), the least
#: accuracy an ADS-B Out installation may declare (14 CFR 91.227(c)(1)(i)).
DEFAULT_POSITION_ERROR_M = 0.05 * M_PER_NM
#: A NACp holds for the reports after it for this long, s: readsb traces attach
#: the full state (NACp among it) to one point in a few, and an installation's
#: NACp changes only with its GNSS state (modelling choice).
NACP_MAX_AGE_S = 60.0
#: A velocity sample stands for at most this long, s; after it the aircraft may
#: have turned: at a standard-rate turn (3 degree/s) 60 s is 180 degrees, but
#: readsb traces keep a velocity every few seconds through a turn (track
#: changes of more than a few degrees force a point), so a minute without one
#: is a minute without knowledge of the track (modelling choice).
VELOCITY_MAX_AGE_S = 60.0
#: Gaps reckoned from one anchor stop this far from it, s: the reckoning
#: kernel's own reach (:data:`~skywitness.track.reckon.REACH_S`).
ONE_END_MAX_S = REACH_S
#: Wind from the trusted positions within this long before (after) an anchor,
#: s, over at least :data:`WIND_MIN_S`: long enough for position noise (NACp 8,
#: 93 m) to cost under 1 m/s, short enough for the wind to hold (modelling
#: choice).
WIND_WINDOW_S = 300.0
WIND_MIN_S = 60.0
#: A stretch without velocity is a turn when the straight line between its
#: ends is shorter than this fraction of the distance flown at the slowest
#: reported speed: cos(10 degrees), a heading change of 20 degrees over the
#: stretch (modelling choice: gentle course changes stay ``straight``).
STRAIGHT_MIN_RATIO = math.cos(math.radians(10.0))
#: Ground speeds are also checked against the median of the speeds the envelope
#: accepted within this window centred on them, s: a frozen or corrupted run
#: shorter than half the window is outvoted (the envelope's neighbour rules
#: outvote runs of up to five values only; the frozen speed of a failing air
#: data source lasts minutes, as in flight 8243's record: modelling choice).
#: Held-out window lengths of the self-calibration, s: from a minute (a few
#: velocity samples) to an hour (the longest gaps worth bounding; flight 8243's
#: was 54 minutes). Modelling choice.
CALIBRATION_SCALES_S = (60.0, 120.0, 300.0, 600.0, 1200.0, 1800.0, 3600.0)
#: Fewest held-out windows for a scale's rate to count (modelling choice: with
#: fewer, the 95th percentile is the largest window's value).
CALIBRATION_MIN_WINDOWS = 3
#: A window counts when it lasts at least this fraction of its scale (modelling
#: choice: the last window of a stretch is cut short).
CALIBRATION_MIN_FILL = 0.8
#: Percentile of the held-out drift rates taken as the bound's rate: the bound is
#: a 95 % bound.
CALIBRATION_QUANTILE = 95.0
#: Least drift rate, m/s: ADS-B sends the velocity in 1-kt north and east
#: components (DO-260B), so a held speed may be off by half a knot throughout.
QUANTISATION_RATE_MPS = 0.5 * MPS_PER_KT
#: Least drift rate where air data (true airspeed and heading) and an estimated
#: wind carry the path, m/s: the wind changes by this much over the hundreds of
#: km and thousands of ft of a gap (modelling choice; the wind is estimated
#: from the same positions as the calibration, which therefore cannot see it).
WIND_CHANGE_MPS = 5.0
#: Least drift rate where the velocity's accuracy is not known (NACv 0, as a
#: jammed aircraft reports: its velocity then comes from inertial or air data,
#: not GNSS), m/s: NACv 3's bound (< 1 m/s, DO-260B), the best class airliner
#: GNSS sensors commonly declare; a velocity without GNSS is assumed no better.
#: Measured: without it the bound rests on the flight's trusted stretches alone
#: (often a straight climb-out) and held 0.51-0.88 of the simulated incident's
#: true positions through its loops and turns (tests/test_track_gaps.py).
UNKNOWN_NACV_RATE_MPS = 1.0
#: ... and where the gap has one anchor only, m/s: NACv 2's bound (< 3 m/s). Between
#: two anchors the forward path's miss at the second measures the gap's own drift
#: (and scales the bound up when it is larger); from one anchor nothing checks the
#: velocity. Measured: at 1 m/s the simulated incident's gap reckoned forward from
#: its only anchor held 0.63 of its true positions within 15 min.
ONE_END_UNKNOWN_NACV_RATE_MPS = 3.0
#: Correlation time of a reported velocity's error, s: a NACv bound holds per
#: report; over longer times its errors average as a random walk (modelling
#: choice: GNSS velocity errors decorrelate within a minute).
NACV_CORRELATION_S = 60.0

#: What each output row's position is.
SOURCES = ("reported", "reconstructed", "spoofed", "rejected")
#: How a row's position was made: ``reported`` (the report's own), ``blend``,
#: ``forward``, ``backward`` (reckoned, see the module docstring), ``straight``
#: and ``unknown_turn`` (the lens of reachable points), ``unreached`` (beyond
#: :data:`ONE_END_MAX_S` from the only anchor, or no anchor: no position).
METHODS = (
    "reported", "interpolated", "blend", "forward", "backward", "straight", "unknown_turn",
    "unreached",
)  # fmt: skip
#: A stretch without trusted positions between two trusted ones at most this far
#: apart, s, is no gap: its rows are interpolated between the two in time
#: (``interpolated``; raw Mode S frames interleave velocity and identity messages
#: with the positions, every half second). Its error is the larger anchor error
#: plus how far a turn at :data:`SHORT_TURN_DPS` bends the path off the chord:
#: ``v * omega * t1 * t2 / 2`` with ``t1``, ``t2`` the times to the anchors
#: (small-angle sagitta of a circular arc; modelling choice).
SHORT_GAP_S = 10.0
#: ... that turn rate, degrees/s: twice a standard-rate turn (modelling choice).
SHORT_TURN_DPS = 6.0

_RAD = math.pi / 180.0


@dataclass(frozen=True)
class Gap:
    """One stretch without trusted positions: its rows ``[first_row, last_row]``, times
    (UTC ns, of its first and last report), anchors (``None`` when positions never
    resume or never were), method (the gap's: ``blend``, ``forward``,
    ``backward``, ``unknown_turn`` when any of its rows is one, or ``unreached``),
    largest error (km, NaN when nothing was reached), and the wind used (m/s
    north, east; zero when none was needed or found)."""

    gap_id: int
    first_row: int
    last_row: int
    start_ns: int
    end_ns: int
    before: Fix | None
    after: Fix | None
    method: str
    max_error_km: float
    unknown_turn: bool
    wind_north_mps: float = 0.0
    wind_east_mps: float = 0.0

    @property
    def duration_s(self) -> float:
        return (self.end_ns - self.start_ns) / NS_PER_S


@dataclass(frozen=True)
class Reconstruction:
    """One flight's path: :attr:`table` (a row per report) and :attr:`gaps`."""

    table: pa.Table
    gaps: tuple[Gap, ...]

    def __len__(self) -> int:
        return int(self.table.num_rows)


# -- inputs ---------------------------------------------------------------------------------


def _column(reports: pa.Table, name: str) -> Float:
    if name not in reports.column_names:
        return np.full(reports.num_rows, np.nan)
    col = pc.cast(reports.column(name), pa.float64())
    return np.asarray(col.to_numpy(zero_copy_only=False), np.float64)


def _mask(reports: pa.Table, value: str | ArrayLike | None, what: str) -> Bool:
    n = reports.num_rows
    if value is None:
        return np.zeros(n, bool)
    if isinstance(value, str):
        if value not in reports.column_names:
            raise UsageError(f"{what}: the reports have no column {value!r}")
        col = reports.column(value)
        if not pa.types.is_boolean(col.type):
            raise UsageError(f"{what}: column {value!r} is {col.type}, expected bool")
        return np.asarray(pc.fill_null(col, False).to_numpy(zero_copy_only=False), bool)
    arr = np.asarray(value)
    if arr.shape != (n,):
        raise UsageError(f"{what}: {arr.shape[0] if arr.ndim else 1} flags for {n} reports")
    return np.asarray(arr.astype(bool))


def _held(t_s: Float, x: Float, max_s: float) -> Float:
    """Per row: the last finite value at or before it, at most ``max_s`` old (NaN)."""
    idx = np.arange(x.shape[0])
    last = np.maximum.accumulate(np.where(np.isfinite(x), idx, -1)) if x.shape[0] else idx
    k = np.maximum(last, 0)
    ok = (last >= 0) & (t_s - t_s[k] <= max_s)
    return np.asarray(np.where(ok, x[k], np.nan), np.float64)


def _nac_v_error(nac_v: Float) -> Float:
    """NACv's 95 % velocity error per row (m/s); NaN for NACv 0 (unknown), missing or
    out of range."""
    code = np.asarray(nac_v, np.float64)
    known = np.isfinite(code) & (code >= 1) & (code <= len(NACV_ERROR_MPS) - 1)
    table = np.asarray(NACV_ERROR_MPS)
    return np.asarray(np.where(known, table[np.where(known, code, 1).astype(np.int64)], np.nan))


def position_error_m(nac_p: ArrayLike) -> Float:
    """95 % error of reported positions (m) from NACp; missing or out of range:
    :data:`DEFAULT_POSITION_ERROR_M`."""
    code = np.asarray(nac_p, np.float64)
    table = np.asarray(NACP_EPU_M)
    known = np.isfinite(code) & (code >= 0) & (code <= len(NACP_EPU_M) - 1)
    idx = np.where(known, code, 0).astype(np.int64)
    return np.asarray(np.where(known, table[idx], DEFAULT_POSITION_ERROR_M), np.float64)


# -- geometry -------------------------------------------------------------------------------


def _to_plane(lat0: float, lon0: float, lat: Float, lon: Float) -> tuple[Float, Float]:
    """East and north (m) of points from (lat0, lon0), equirectangular at lat0."""
    dlon = (lon - lon0 + 180.0) % 360.0 - 180.0
    x = dlon * _RAD * EARTH_RADIUS_M * math.cos(lat0 * _RAD)
    y = (lat - lat0) * _RAD * EARTH_RADIUS_M
    return np.asarray(x), np.asarray(y)


def _from_plane(lat0: float, lon0: float, x: Float, y: Float) -> tuple[Float, Float]:
    lat = lat0 + y / EARTH_RADIUS_M / _RAD
    lon = lon0 + x / (EARTH_RADIUS_M * math.cos(lat0 * _RAD)) / _RAD
    return np.asarray(lat), np.asarray((lon + 180.0) % 360.0 - 180.0)


def lens(d_m: Float, r1_m: Float, r2_m: Float, at_m: Float | None = None) -> tuple[Float, Float]:
    """The points within ``r1`` of P1 and ``r2`` of P2, ``d`` apart: a centre of that
    lens on the axis (its distance from P1 towards P2, m: ``at`` clamped into the
    lens, else the middle of the lens along the axis) and the largest distance
    from it to a point of the lens (m). ``r2 = inf`` is P1's disc alone. When the
    discs do not meet (the anchors cannot both hold), the centre sits midway
    between their edges and the radius takes in both discs.

    From a point on the axis the distance to a circle's points grows with their
    angle from the axis, so the farthest point of the lens is an end of it on
    the axis or one of its two corners."""
    d, r1, r2 = np.broadcast_arrays(
        np.asarray(d_m, np.float64), np.asarray(r1_m, np.float64), np.asarray(r2_m, np.float64)
    )
    r2f = np.where(np.isfinite(r2), r2, 0.0)
    in2 = np.isfinite(r2) & (d + r2f <= r1)  # disc 2 inside disc 1
    in1 = ~np.isfinite(r2) | (d + r1 <= r2f)  # disc 1 inside disc 2 (or alone)
    apart = np.isfinite(r2) & (d > r1 + r2f)
    lo = np.maximum(-r1, d - r2f)
    hi = np.minimum(r1, d + r2f)
    centre = 0.5 * (lo + hi) if at_m is None else np.clip(np.asarray(at_m, np.float64), lo, hi)
    safe_d = np.where(d > 0, d, 1.0)
    x0 = (d * d + r1 * r1 - r2f * r2f) / (2.0 * safe_d)
    h = np.sqrt(np.maximum(r1 * r1 - x0 * x0, 0.0))
    far = np.maximum(np.maximum(centre - lo, hi - centre), np.hypot(x0 - centre, h))
    gap_centre = 0.5 * (r1 + d - r2f)
    gap_far = np.maximum(gap_centre + r1, d + r2f - gap_centre)
    # A disc inside the other: the lens is that disc (centred on ``at`` if inside it).
    c2 = d if at_m is None else np.clip(np.asarray(at_m, np.float64), d - r2f, d + r2f)
    c1 = 0.0 if at_m is None else np.clip(np.asarray(at_m, np.float64), -r1, r1)
    centre = np.where(in2, c2, np.where(in1, c1, np.where(apart, gap_centre, centre)))
    far = np.where(
        in2, r2f + np.abs(c2 - d), np.where(in1, r1 + np.abs(c1), np.where(apart, gap_far, far))
    )
    return np.asarray(centre), np.asarray(far)


# -- wind -------------------------------------------------------------------------------------


def estimate_wind(
    time_ns: Int, lat: Float, lon: Float, air_n: Float, air_e: Float, rows: Int
) -> tuple[float, float] | None:
    """Wind (m/s north, east) from trusted positions ``rows`` (sorted): the ground
    velocity they show over their span minus the mean air velocity reported on
    them; ``None`` when they span less than :data:`WIND_MIN_S` or carry no air data."""
    if rows.shape[0] < 2:
        return None
    first, last = int(rows[0]), int(rows[-1])
    span = (time_ns[last] - time_ns[first]) / NS_PER_S
    has_air = np.isfinite(air_n[rows]) & np.isfinite(air_e[rows])
    if span < WIND_MIN_S or not has_air.any():
        return None
    x, y = _to_plane(
        float(lat[first]), float(lon[first]), lat[last : last + 1], lon[last : last + 1]
    )
    # The air velocity held between consecutive rows, weighted by time.
    t = time_ns[rows] / NS_PER_S
    an = np.where(has_air, air_n[rows], np.nan)
    ae = np.where(has_air, air_e[rows], np.nan)
    dt = np.diff(t)
    ok = np.isfinite(an[:-1])
    if not ok.any() or dt[ok].sum() <= 0:
        mean_n, mean_e = float(np.nanmean(an)), float(np.nanmean(ae))
    else:
        mean_n = float((an[:-1][ok] * dt[ok]).sum() / dt[ok].sum())
        mean_e = float((ae[:-1][ok] * dt[ok]).sum() / dt[ok].sum())
    return float(y[0]) / span - mean_n, float(x[0]) / span - mean_e


# -- the kernel -----------------------------------------------------------------------------


def _runs(mask: Bool) -> list[tuple[int, int]]:
    """Inclusive ``(first, last)`` of each run of True."""
    if not mask.any():
        return []
    m = np.r_[False, mask, False].astype(np.int8)
    edges = np.flatnonzero(np.diff(m))
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2], strict=True)]


@dataclass(frozen=True)
class _Columns:
    time_ns: Int
    lat: Float
    lon: Float
    pos_error_m: Float
    vel_n: Float  # velocity over the ground per row (NaN: none)
    vel_e: Float
    gs_mps: Float  # the ground speed the row says (NaN: none)
    air_n: Float  # air velocity per row (NaN: none), for the wind
    air_e: Float
    ground_ok: Bool
    nac_v_error_mps: Float  # NACv's 95 % velocity error held per row (NaN: none or 0)


def _fix(c: _Columns, row: int) -> Fix:
    return Fix(int(c.time_ns[row]), float(c.lat[row]), float(c.lon[row]), float(c.pos_error_m[row]))


@dataclass(frozen=True)
class _GapResult:
    lat: Float
    lon: Float
    error_m: Float
    method: list[str]
    gap: Gap


def _reconstruct_one(
    c: _Columns, trusted: Bool, gap_id: int, first: int, last: int, errors: ErrorModel,
    drift: Drift | None = None,
) -> _GapResult:  # fmt: skip
    n = c.time_ns.shape[0]
    a = first - 1 if first > 0 else None
    b = last + 1 if last + 1 < n else None
    rows = np.arange(first, last + 1)
    t = c.time_ns[rows]
    k = rows.shape[0]
    lat, lon, err = np.full(k, np.nan), np.full(k, np.nan), np.full(k, np.nan)
    method = ["unreached"] * k
    fa = _fix(c, a) if a is not None else None
    fb = _fix(c, b) if b is not None else None
    lo_row = a if a is not None else first
    hi_row = b if b is not None else last
    span = np.arange(lo_row, hi_row + 1)

    # Wind for rows that carry air data only, from the trusted positions around the anchors.
    wind_n = wind_e = 0.0
    needs_air = ~c.ground_ok[rows] & np.isfinite(c.air_n[rows])
    if needs_air.any():
        winds = []
        if a is not None:
            near = np.flatnonzero(
                trusted[: a + 1] & (c.time_ns[: a + 1] >= c.time_ns[a] - WIND_WINDOW_S * NS_PER_S)
            )
            winds.append(estimate_wind(c.time_ns, c.lat, c.lon, c.air_n, c.air_e, near))
        if b is not None:
            near = b + np.flatnonzero(
                trusted[b:] & (c.time_ns[b:] <= c.time_ns[b] + WIND_WINDOW_S * NS_PER_S)
            )
            winds.append(estimate_wind(c.time_ns, c.lat, c.lon, c.air_n, c.air_e, near))
        found = [w for w in winds if w is not None]
        if found:
            wind_n = float(np.mean([w[0] for w in found]))
            wind_e = float(np.mean([w[1] for w in found]))
    vn = np.where(c.ground_ok[span], c.vel_n[span], c.air_n[span] + wind_n)
    ve = np.where(c.ground_ok[span], c.vel_e[span], c.air_e[span] + wind_e)
    has_v = np.isfinite(vn) & np.isfinite(ve)
    vel = Velocity(c.time_ns[span][has_v], vn[has_v], ve[has_v])

    # With a calibration the reckoning's own bound keeps the anchors' errors and the
    # steps without velocity only; the growth is added from the calibration below.
    model = ErrorModel(0.0, 0.0) if drift is not None else errors
    # Reckoned path: blended between two anchors, else from the one there is.
    if fa is not None and fb is not None:
        rk = reckon_from(
            fa, t, vel, to=fb, max_s=math.inf, max_age_s=VELOCITY_MAX_AGE_S, errors=model
        )
        base = "blend"
    elif fa is not None or fb is not None:
        fix = fa if fa is not None else fb
        assert fix is not None
        rk = reckon_from(
            fix, t, vel, max_s=ONE_END_MAX_S, max_age_s=VELOCITY_MAX_AGE_S, errors=model
        )
        base = "forward" if fa is not None else "backward"
    else:
        rk = None
        base = "unreached"
    if rk is not None:
        lat, lon, err = rk.lat.copy(), rk.lon.copy(), rk.error_m.copy()
        method = [base if r else "unreached" for r in rk.reached]

    # Speeds for the reachable set: around the stretch, plus the speed error.
    gs = c.gs_mps[span][np.isfinite(c.gs_mps[span])]
    v_fast = float(gs.max()) + SPEED_ERROR_MPS if gs.size else UNKNOWN_SPEED_MPS
    v_slow = float(gs.min()) if gs.size else 0.0

    # Stretches the velocity does not cover (an unknown track), or the whole gap when
    # the velocities do not explain its anchors.
    vt = vel.time_ns
    last_v = np.searchsorted(vt, t, side="right") - 1
    if vt.size:
        age = np.where(last_v >= 0, (t - vt[np.maximum(last_v, 0)]) / NS_PER_S, np.inf)
    else:  # no velocity at all around the gap: nothing says where it went
        age = np.full(t.shape, np.inf)
    # The steps of a backward reckoning use the samples before them as well: a row is
    # covered when a sample at most VELOCITY_MAX_AGE_S old is in force there.
    uncovered = age > VELOCITY_MAX_AGE_S
    inconsistent = False
    miss = 0.0
    if fa is not None and fb is not None:
        fw = reckon_from(
            fa, [fb.time_ns], vel, max_s=math.inf, max_age_s=VELOCITY_MAX_AGE_S, errors=errors
        )
        miss = float(distance_m(fw.lat[0], fw.lon[0], fb.lat, fb.lon))
        inconsistent = bool(miss > float(fw.error_m[0]) + fb.error_m)
    if inconsistent:
        _lens_stretch(t, 0, k - 1, fa, fb, vel, errors, v_fast, v_slow, lat, lon, err, method)
    elif uncovered.any():
        # One stretch from the first row without velocity to the last: the rows with a
        # velocity between two such stretches are placed no better than the lens. The
        # rows before it are reckoned from the first anchor alone, those after it from
        # the second alone (a blend would spread the stretch's unknown displacement
        # over them).
        where = np.flatnonzero(uncovered)
        s0, s1 = int(where[0]), int(where[-1])
        for part, fix, name in ((slice(0, s0), fa, "forward"), (slice(s1 + 1, k), fb, "backward")):
            if fix is None or part.start >= part.stop or base != "blend":
                continue
            one = reckon_from(
                fix, t[part], vel, max_s=math.inf, max_age_s=VELOCITY_MAX_AGE_S, errors=model
            )
            lat[part], lon[part], err[part] = one.lat, one.lon, one.error_m
            method[part] = [name] * (part.stop - part.start)
        _lens_stretch(t, s0, s1, fa, fb, vel, errors, v_fast, v_slow, lat, lon, err, method)

    if drift is not None:
        air = bool((~c.ground_ok[rows] & np.isfinite(c.air_n[rows])).any())
        nac_v = c.nac_v_error_mps[rows]
        nac_v_err = float(np.nanmax(nac_v)) if np.isfinite(nac_v).any() else math.nan
        err = err + _growth(t, fa, fb, method, drift, miss, nac_v_err, air)

    errs = err[np.isfinite(err)]
    turn = "unknown_turn" in method
    gap_method = "unknown_turn" if turn else ("unreached" if not errs.size else base)
    gap = Gap(
        gap_id=gap_id,
        first_row=first,
        last_row=last,
        start_ns=int(t[0]),
        end_ns=int(t[-1]),
        before=fa,
        after=fb,
        method=gap_method,
        max_error_km=float(errs.max()) / 1000.0 if errs.size else math.nan,
        unknown_turn=turn,
        wind_north_mps=wind_n,
        wind_east_mps=wind_e,
    )
    return _GapResult(lat, lon, err, method, gap)


def _growth(
    t: Int, fa: Fix | None, fb: Fix | None, method: list[str], drift: Drift, miss_m: float,
    nac_v_error_mps: float, air: bool,
) -> Float:  # fmt: skip
    """The calibrated error growth of each reckoned row (zero on lens rows, which keep
    the lens): ``r(tA) tA`` from the first anchor, ``r(tB) tB`` from the second, and
    in a blend ``(1 - w) r(tA) tA + w r(tB) tB`` (the error of the path from A at
    ``t`` weighted as the blend weighs it, and that of the path from B), with
    ``r`` the flight's drift rate at that scale, never below :func:`_floor_rate`,
    and scaled up by the blend's own residual: the forward path misses the second
    anchor by ``miss_m``, the drift over this very gap; when that exceeds the
    calibrated rate at the gap's length, the gap's velocity is worse than the
    flight's trusted stretches showed (a jammed aircraft's velocity from other
    sources), and every scale's rate grows in proportion."""
    tt = t / NS_PER_S
    out = np.zeros(t.shape[0])
    names = np.asarray(method, dtype=object)

    def rate(elapsed: Float, scale: float) -> Float:
        floor = _floor_rate(elapsed, nac_v_error_mps, air, one_ended=fa is None or fb is None)
        return np.asarray(np.maximum(drift.rate_at(elapsed) * scale, floor), np.float64)

    ta = tt - fa.time_ns / NS_PER_S if fa is not None else np.full(tt.shape, np.nan)
    tb = fb.time_ns / NS_PER_S - tt if fb is not None else np.full(tt.shape, np.nan)
    up = 1.0
    if fa is not None and fb is not None:
        span = (fb.time_ns - fa.time_ns) / NS_PER_S
        if span > 0:
            up = max(1.0, miss_m / span / float(drift.rate_at(span)))
        w = np.clip(ta / max(span, 1e-9), 0.0, 1.0)
        blend = names == "blend"
        g = (1 - w) * rate(ta, up) * ta + w * rate(tb, up) * tb
        out = np.where(blend, g, out)
    fw, bw = names == "forward", names == "backward"
    if fa is not None:
        out = np.where(fw, rate(ta, up) * ta, out)
    if fb is not None:
        out = np.where(bw, rate(tb, up) * tb, out)
    return np.asarray(np.where(np.isfinite(out), out, 0.0), np.float64)


def _lens_stretch(
    t: Int, s0: int, s1: int, fa: Fix | None, fb: Fix | None, vel: Velocity,
    errors: ErrorModel, v_fast: float, v_slow: float, lat: Float, lon: Float, err: Float,
    method: list[str],
) -> None:  # fmt: skip
    """Rows ``s0..s1`` of a gap placed in the lens of points reachable between where the
    aircraft was before the stretch and after it (in place)."""
    # Entry: the last row before the stretch (or the first anchor), reckoned forward
    # from the first anchor alone; exit: the first row after it (or the second
    # anchor), backward from the second (a blend would spread the stretch's
    # displacement over the whole gap and move both).
    p1, p2 = fa, fb
    if s0 > 0 and fa is not None:
        fw = reckon_from(
            fa, t[s0 - 1 : s0], vel, max_s=math.inf, max_age_s=VELOCITY_MAX_AGE_S, errors=errors
        )
        p1 = Fix(int(t[s0 - 1]), float(fw.lat[0]), float(fw.lon[0]), float(fw.error_m[0]))
    if s1 + 1 < t.shape[0] and fb is not None:
        bw = reckon_from(
            fb, t[s1 + 1 : s1 + 2], vel, max_s=math.inf, max_age_s=VELOCITY_MAX_AGE_S, errors=errors
        )
        p2 = Fix(int(t[s1 + 1]), float(bw.lat[0]), float(bw.lon[0]), float(bw.error_m[0]))
    if p1 is None and p2 is None:
        return
    tt = t[s0 : s1 + 1] / NS_PER_S
    if p1 is not None and p2 is not None:
        x2, y2 = _to_plane(p1.lat, p1.lon, np.array([p2.lat]), np.array([p2.lon]))
        d = float(np.hypot(x2[0], y2[0]))
        r1 = p1.error_m + v_fast * (tt - p1.time_ns / NS_PER_S)
        r2 = p2.error_m + v_fast * (p2.time_ns / NS_PER_S - tt)
        # Centred where the time elapsed puts it along the axis (a straight flight at
        # constant speed), kept inside the lens.
        w = (tt - p1.time_ns / NS_PER_S) / max((p2.time_ns - p1.time_ns) / NS_PER_S, 1e-9)
        along, far = lens(np.full(tt.shape, d), r1, r2, d * w)
        ux, uy = (x2[0] / d, y2[0] / d) if d > 0 else (0.0, 0.0)
        la, lo = _from_plane(p1.lat, p1.lon, along * ux, along * uy)
        flown = v_slow * (p2.time_ns - p1.time_ns) / NS_PER_S
        name = "unknown_turn" if d < STRAIGHT_MIN_RATIO * flown else "straight"
    else:
        p = p1 if p1 is not None else p2
        assert p is not None
        far = p.error_m + v_fast * np.abs(tt - p.time_ns / NS_PER_S)
        far = np.where(np.abs(tt - p.time_ns / NS_PER_S) <= ONE_END_MAX_S, far, np.nan)
        la = np.where(np.isfinite(far), p.lat, np.nan)
        lo = np.where(np.isfinite(far), p.lon, np.nan)
        name = "unknown_turn"
    lat[s0 : s1 + 1], lon[s0 : s1 + 1], err[s0 : s1 + 1] = la, lo, far
    for i in range(s0, s1 + 1):
        method[i] = name if np.isfinite(err[i]) else "unreached"


def _speed_kt(clean: Series) -> Float:
    """Ground speeds the envelope kept (its ``speed_median`` rule sets aside frozen and
    corrupted runs); on every other row (rejected, missing) the speed interpolated in
    time between those kept, so that a row with a track still gives a velocity."""
    t, gs = clean.t_s, clean.gs_kt
    keep = np.flatnonzero(np.isfinite(gs))
    if keep.size == 0:
        return np.asarray(gs, np.float64)
    return np.asarray(np.interp(t, t[keep], gs[keep]), np.float64)


# -- self-calibration -----------------------------------------------------------------------


@dataclass(frozen=True)
class Drift:
    """How fast one flight's reckoning drifts, measured on its own trusted positions:
    per held-out window length (``scales_s``), the :data:`CALIBRATION_QUANTILE`
    percentile of the distance between the position reckoned from the window's
    first position and the one reported at its end, divided by the time between
    them (``rate_mps``), over ``windows`` windows."""

    scales_s: tuple[float, ...]
    rate_mps: tuple[float, ...]
    windows: tuple[int, ...]

    def rate_at(self, elapsed_s: ArrayLike) -> Float:
        """The rate of the longest scale at or below each elapsed time (the shortest
        scale's below it): measured drift rates fall with the scale (errors that
        average out), so a gap longer than every window keeps the longest window's
        rate, growing linearly beyond it (conservative)."""
        sc = np.asarray(self.scales_s)
        i = np.searchsorted(sc, np.asarray(elapsed_s, np.float64), side="right") - 1
        return np.asarray(np.asarray(self.rate_mps)[np.clip(i, 0, sc.size - 1)], np.float64)


def calibrate_drift(
    time_ns: ArrayLike, lat: ArrayLike, lon: ArrayLike, north_mps: ArrayLike,
    east_mps: ArrayLike, trusted: ArrayLike,
) -> Drift | None:  # fmt: skip
    """The flight's own :class:`Drift`: its trusted positions cut into held-out windows
    of each of :data:`CALIBRATION_SCALES_S` (twice, the second set shifted by half a
    window), each reckoned from its first position through the velocity (``hold``
    ``previous``, as the gaps are) and compared with the position reported at its
    end. Windows never span a row without a trusted position or velocity, nor a
    step longer than :data:`VELOCITY_MAX_AGE_S`. ``None`` when no scale has
    :data:`CALIBRATION_MIN_WINDOWS` windows."""
    t = np.asarray(time_ns, np.int64)
    la, lo = np.asarray(lat, np.float64), np.asarray(lon, np.float64)
    vn, ve = np.asarray(north_mps, np.float64), np.asarray(east_mps, np.float64)
    use = np.asarray(trusted, bool) & np.isfinite(vn) & np.isfinite(ve)
    idx = np.flatnonzero(use)
    if idx.size < 3:
        return None
    ts = (t[idx] - t[idx[0]]) / NS_PER_S
    starts = np.ones(idx.size, bool)
    starts[1:] = (np.diff(idx) > 1) | (np.diff(ts) > VELOCITY_MAX_AGE_S)
    seg_t0 = ts[starts][np.cumsum(starts) - 1]
    last_of_run = np.r_[starts[1:], True]
    scales, rates, counts = [], [], []
    for scale in CALIBRATION_SCALES_S:
        ratios = []
        for offset in (0.0, 0.5):
            k = np.floor((ts - seg_t0) / scale + offset).astype(np.int64)
            anchor = starts.copy()
            anchor[1:] |= k[1:] != k[:-1]
            rk = reckon(
                t[idx], vn[idx], ve[idx], np.where(anchor, la[idx], np.nan),
                np.where(anchor, lo[idx], np.nan), starts=starts, direction="forward",
                max_s=math.inf, max_age_s=VELOCITY_MAX_AGE_S, errors=ErrorModel(0.0, 0.0),
            )  # fmt: skip
            end = np.r_[anchor[1:], True] | last_of_run  # each window's last row
            end &= rk.elapsed_s >= CALIBRATION_MIN_FILL * scale
            if not end.any():
                continue
            d = distance_m(rk.lat[end], rk.lon[end], la[idx][end], lo[idx][end])
            ratios.append(np.asarray(d, np.float64) / rk.elapsed_s[end])
        r = np.concatenate(ratios) if ratios else np.zeros(0)
        r = r[np.isfinite(r)]
        if r.size >= CALIBRATION_MIN_WINDOWS:
            scales.append(scale)
            rates.append(float(np.percentile(r, CALIBRATION_QUANTILE)))
            counts.append(int(r.size))
    if not scales:
        return None
    return Drift(tuple(scales), tuple(rates), tuple(counts))


def _floor_rate(
    elapsed_s: Float, nac_v_error_mps: float, air: bool, *, one_ended: bool = False
) -> Float:
    """Least drift rate (m/s) at each elapsed time: the speed's quantisation, a wind
    change where air data carried the path, and the reported velocity accuracy
    averaged over its correlation time (:data:`UNKNOWN_NACV_RATE_MPS` where it is
    not known)."""
    tau = np.maximum(np.asarray(elapsed_s, np.float64), NACV_CORRELATION_S)
    floor = np.full(tau.shape, QUANTISATION_RATE_MPS)
    if air:
        floor = np.maximum(floor, WIND_CHANGE_MPS)
    if math.isfinite(nac_v_error_mps) and nac_v_error_mps > 0:
        floor = np.maximum(floor, nac_v_error_mps * np.sqrt(NACV_CORRELATION_S / tau))
    else:  # NACv 0 or none: the accuracy is unknown
        unknown = ONE_END_UNKNOWN_NACV_RATE_MPS if one_ended else UNKNOWN_NACV_RATE_MPS
        floor = np.maximum(floor, unknown)
    return np.asarray(floor, np.float64)


def _short_stretches(time_ns: Int, trusted: Bool) -> Bool:
    """Per row: in a stretch without trusted positions between two trusted ones at most
    :data:`SHORT_GAP_S` apart."""
    n = trusted.shape[0]
    idx = np.arange(n)
    prev = np.maximum.accumulate(np.where(trusted, idx, -1))
    nxt = np.minimum.accumulate(np.where(trusted, idx, n)[::-1])[::-1]
    ok = ~trusted & (prev >= 0) & (nxt < n)
    span = np.zeros(n)
    span[ok] = (time_ns[nxt[ok]] - time_ns[prev[ok]]) / NS_PER_S
    return np.asarray(ok & (span <= SHORT_GAP_S))


def _interpolate(
    c: _Columns, trusted: Bool, short: Bool, lat: Float, lon: Float, error: Float,
    method: NDArray[np.object_],
) -> None:  # fmt: skip
    """Fill the short stretches' rows in place (see :data:`SHORT_GAP_S`)."""
    if not short.any():
        return
    n = trusted.shape[0]
    idx = np.arange(n)
    prev = np.maximum.accumulate(np.where(trusted, idx, -1))[short]
    nxt = np.minimum.accumulate(np.where(trusted, idx, n)[::-1])[::-1][short]
    t = c.time_ns[short].astype(np.float64)
    t1 = (t - c.time_ns[prev]) / NS_PER_S
    t2 = (c.time_ns[nxt] - t) / NS_PER_S
    w = t1 / np.maximum(t1 + t2, 1e-9)
    dlon = (c.lon[nxt] - c.lon[prev] + 540.0) % 360.0 - 180.0
    lat[short] = c.lat[prev] + w * (c.lat[nxt] - c.lat[prev])
    lon[short] = (c.lon[prev] + w * dlon + 540.0) % 360.0 - 180.0
    v = np.fmax(c.gs_mps[prev], c.gs_mps[nxt])
    v = np.where(np.isfinite(v), v + SPEED_ERROR_MPS, UNKNOWN_SPEED_MPS)
    bend = v * math.radians(SHORT_TURN_DPS) * t1 * t2 / 2.0
    error[short] = np.fmax(c.pos_error_m[prev], c.pos_error_m[nxt]) + bend
    method[short] = "interpolated"


def reconstruct_gaps(
    reports: pa.Table,
    *,
    bad: BadValues | None = None,
    spoofed: str | ArrayLike | None = None,
    rejected: ArrayLike | None = None,
    errors: ErrorModel | None = None,
) -> Reconstruction:
    """One flight's positions, reported or reconstructed through its gaps (module docstring).

    ``reports``: one flight's reports sorted by time (canonical report schema;
    ``time`` required; ``lat``, ``lon``, ``gs_kt``, ``track_deg``, ``tas_kt``,
    ``heading_deg``, ``nac_p``, ``alt_baro_ft`` used when present). ``bad``:
    the envelope's flags (:func:`~skywitness.track.envelope.flag_bad_values`
    when ``None``); rejected speeds, tracks and altitudes are never used.
    ``spoofed``: a boolean column name or one flag per report (positions the
    caller found spoofed); ``rejected``: one flag per report (positions the
    caller rejected). ``errors``: how fast the reckoning's error grows (default
    :class:`~skywitness.track.reckon.ErrorModel`: NACv 1, the least an ADS-B Out
    installation declares; a jammed aircraft reports NACv 0, unknown).
    """
    series = Series.from_table(reports)
    n = len(series)
    if bad is None:
        bad = flag_bad_values(series)
    elif len(bad) != n:
        raise UsageError(f"{len(bad)} envelope flags for {n} reports")
    spoof = _mask(reports, spoofed, "spoofed")
    reject = _mask(reports, rejected, "rejected")
    prior = errors or ErrorModel()

    clean = bad.clean(series)
    has_pos = np.isfinite(series.lat) & np.isfinite(series.lon)
    trusted = has_pos & ~spoof & ~reject
    gs_kt = _speed_kt(clean)
    gs_n, gs_e = ground_velocity(gs_kt, clean.track_deg)
    ground_ok = np.isfinite(gs_n) & np.isfinite(gs_e)
    air_n, air_e = air_velocity(_column(reports, "tas_kt"), series.heading_deg)
    cols = _Columns(
        time_ns=series.time_ns,
        lat=series.lat,
        lon=series.lon,
        pos_error_m=position_error_m(_held(series.t_s, _column(reports, "nac_p"), NACP_MAX_AGE_S)),
        vel_n=gs_n,
        vel_e=gs_e,
        gs_mps=np.asarray(gs_kt * MPS_PER_KT),
        air_n=air_n,
        air_e=air_e,
        ground_ok=np.asarray(ground_ok),
        nac_v_error_mps=_nac_v_error(_held(series.t_s, _column(reports, "nac_v"), NACP_MAX_AGE_S)),
    )
    drift = None
    if errors is None:
        drift = calibrate_drift(series.time_ns, series.lat, series.lon, gs_n, gs_e, trusted)

    lat = np.where(trusted, series.lat, np.nan)
    lon = np.where(trusted, series.lon, np.nan)
    error = np.where(trusted, cols.pos_error_m, np.nan)
    method = np.where(trusted, "reported", "unreached").astype(object)
    gap_id = np.full(n, -1, np.int64)
    gaps = []
    short = _short_stretches(series.time_ns, trusted)
    _interpolate(cols, trusted, short, lat, lon, error, method)
    for i, (first, last) in enumerate(_runs(~trusted & ~short)):
        res = _reconstruct_one(cols, trusted, i, first, last, prior, drift)
        sl = slice(first, last + 1)
        lat[sl], lon[sl], error[sl] = res.lat, res.lon, res.error_m
        method[sl] = res.method
        gap_id[sl] = i
        gaps.append(res.gap)

    source = np.where(
        trusted,
        "reported",
        np.where(spoof, "spoofed", np.where(reject, "rejected", "reconstructed")),
    )
    alt = _column(reports, "alt_baro_ft")
    alt = np.where(bad.alt_bad & ~series.alt_is_geom, np.nan, alt)
    table = pa.table(
        {
            "time": pa.array(series.time_ns, pa.int64()).cast(TIME_TYPE),
            "lat": pa.array(lat, pa.float64(), from_pandas=True),
            "lon": pa.array(lon, pa.float64(), from_pandas=True),
            "alt_baro_ft": pa.array(alt, pa.float64(), from_pandas=True),
            "source": pa.array(source.tolist(), pa.string()),
            "error_km": pa.array(error / 1000.0, pa.float64(), from_pandas=True),
            "method": pa.array(method.tolist(), pa.string()),
            "gap_id": pa.array(gap_id, pa.int64(), mask=gap_id < 0),
        }
    )
    return Reconstruction(table, tuple(gaps))


__all__ = [
    "CALIBRATION_QUANTILE",
    "CALIBRATION_SCALES_S",
    "DEFAULT_POSITION_ERROR_M",
    "METHODS",
    "NACP_EPU_M",
    "ONE_END_MAX_S",
    "SOURCES",
    "STRAIGHT_MIN_RATIO",
    "VELOCITY_MAX_AGE_S",
    "WIND_MIN_S",
    "WIND_WINDOW_S",
    "Drift",
    "Gap",
    "Reconstruction",
    "calibrate_drift",
    "estimate_wind",
    "lens",
    "position_error_m",
    "reconstruct_gaps",
]
