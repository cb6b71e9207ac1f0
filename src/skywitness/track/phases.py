"""Flight phases per report, from altitude, vertical rate and speed (positions optional).

:func:`label_phases` gives each report of one aircraft one of :data:`PHASES`.
Everything but ``holding`` comes from the air/ground state, altitude,
vertical rate and ground speed, so the labels exist while GNSS is lost;
``holding`` needs the track (or heading), which an aircraft without positions
may still send.

**Smoothing.** Altitude and vertical rate are the rolling median of the
airborne reports within :data:`SMOOTH_S` centred on each report (OpenAP's
phase logic averages over 60-s windows, Sun et al. 2017): an isolated wrong
value does not move it (pass :class:`~skywitness.track.envelope.BadValues`
to drop the flagged ones first). Where no vertical rate is reported it is
the slope of the smoothed altitude over the window.

**Height.** Heights are above the ground's *pressure altitude*, taken from the
aircraft itself where its sender states the air/ground state: the altitude
reported within :data:`REFERENCE_WINDOW_S` after lifting off or before
touching down. Each report uses the nearest such reference of its flight.
A flight without one uses ``ground_alt_ft`` (an airport's elevation, off by
the pressure difference, up to about 1,000 ft; see
:meth:`~skywitness.track.flights.Flights.ground_alt_ft`); else the same
references around an *inferred* ground state, or altitudes reported on the
ground (some sources send placeholders there: 0 ft at Munich in a traffic
sample); else 0 (sea level), and :attr:`Phases.height_known` is False.

**Rules** (each threshold a named constant below; a later rule overrides an
earlier one):

1. In the air, the trend of the smoothed vertical rate: ``climb`` at
   :data:`LEVEL_FPM` or more, ``descent`` at minus that or less, else
   ``cruise`` (level flight at any height: OpenAP's CR and LVL); ``unknown``
   with neither a vertical rate nor an altitude.
2. ``approach``: below :data:`APPROACH_HEIGHT_FT`, not climbing, on the way
   to a touchdown, a go-around or the end of the data with no climb between,
   and at most :data:`APPROACH_MAX_S` before it.
3. ``holding``: a sustained turn, the track turning :data:`HOLD_TURN_DEG` one
   way within :data:`HOLD_WINDOW_S` (a holding pattern or an orbit).
4. ``go_around``: the climb that follows a low point below
   :data:`GO_AROUND_LOW_FT`, reached descending, with no touchdown between,
   if it gains at least :data:`GO_AROUND_MIN_CLIMB_FT`, while it lasts and
   stays below ``APPROACH_HEIGHT_FT`` (above, a ``climb`` again).
   Without an air/ground state from the sender, a touch-and-go faster than
   :data:`~skywitness.track.envelope.INFERRED_GROUND_MAX_GS_KT` reads as a
   go-around.
5. ``takeoff``: the ground roll (at :data:`ROLL_MIN_KT` or more, after the last
   slower report of the ground stretch that ends in the lift-off) and the
   climb after it up to :data:`TAKEOFF_HEIGHT_FT` (CICTT's initial climb) or
   the first descent, within :data:`TAKEOFF_MAX_S`. ``landing``: below
   :data:`LANDING_HEIGHT_FT` on the way to the touchdown, and the roll after
   it until the first report slower than ``ROLL_MIN_KT``.
6. On the ground otherwise: ``taxi`` at :data:`STANDING_MAX_KT` or more,
   ``ground`` when standing or without a speed.

Vectorised: rolling medians over a fixed number of points per window,
run-length codes and prefix sums; no Python loop runs per report.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from numpy.typing import ArrayLike, NDArray

from skywitness.errors import UsageError
from skywitness.track.envelope import BadValues, Series, on_ground

Float = NDArray[np.float64]
Int = NDArray[np.int64]
Bool = NDArray[np.bool_]
Code = NDArray[np.int8]

#: Phase names by code.
PHASES: tuple[str, ...] = (
    "unknown",
    "ground",
    "taxi",
    "takeoff",
    "climb",
    "cruise",
    "descent",
    "approach",
    "landing",
    "go_around",
    "holding",
)
(UNKNOWN, GROUND, TAXI, TAKEOFF, CLIMB, CRUISE, DESCENT, APPROACH, LANDING, GO_AROUND, HOLDING) = (
    np.int8(i) for i in range(len(PHASES))
)

#: Width of the rolling median, s: OpenAP's phase logic works on 60-s windows
#: (Sun, Ellerbroek and Hoekstra 2017, "Flight extraction and phase
#: identification for large automatic dependent surveillance-broadcast datasets").
SMOOTH_S = 60.0
#: Most values a window's median is taken from: all of them when the window
#: holds no more, else this many spread evenly over it (at 1 report/s a
#: 60-s window holds 61; modelling choice, exact on sparse data).
MEDIAN_POINTS = 21
#: Rows per block of the rolling median (bounds its memory to ~10 MB).
_BLOCK = 1 << 16
#: Vertical rate separating climb and descent from level flight, ft/min: OpenAP's
#: "zero" (Gaussian, sigma 100 ft/min) and "positive" (S-shaped, 10 to 1,000
#: ft/min) memberships cross at about 225 ft/min.
LEVEL_FPM = 250.0
#: A slope of the smoothed altitude is computed over at least this long, s.
MIN_SLOPE_SPAN_S = 10.0
#: Ground speeds on the ground: standing below STANDING_MAX_KT (a parked aircraft
#: reports 0-1 kt; pushback at 2-3 kt counts as standing), taxiing up to
#: ROLL_MIN_KT (normal taxi speed is about 20 kt, Boeing 737 FCTM; rapid-exit
#: taxiways are designed for up to 50 kt, ICAO Aerodrome Design Manual part 2),
#: a takeoff or landing roll at or above it.
STANDING_MAX_KT = 3.0
ROLL_MIN_KT = 40.0
#: The takeoff (with CICTT's initial climb, which ends 1,000 ft above the
#: runway) ends at this height, ft, at the first descent, or after TAKEOFF_MAX_S
#: (OpenAP discards take-offs longer than 300 s).
TAKEOFF_HEIGHT_FT = 1000.0
TAKEOFF_MAX_S = 300.0
#: Landing: from this height, ft (the 50-ft screen height of landing distances,
#: 14 CFR 25.125; CICTT's landing starts at the flare).
LANDING_HEIGHT_FT = 50.0
#: Approach: below this height, ft (precision approaches intercept the glide
#: path 1,500-3,000 ft above the threshold, ICAO Doc 8168), at most
#: APPROACH_MAX_S before the touchdown, go-around or end of data (3-5 min from
#: 3,000 ft at 600-1,000 ft/min, doubled for level segments; modelling choice).
APPROACH_HEIGHT_FT = 3000.0
APPROACH_MAX_S = 600.0
#: Go-around: a low point below GO_AROUND_LOW_FT (the 1,000-ft stabilised-approach
#: gate of the Flight Safety Foundation's ALAR toolkit plus 500 ft for the
#: pressure-altitude reference) followed by a climb of at least
#: GO_AROUND_MIN_CLIMB_FT (above the 100-ft altitude steps and the smoothing;
#: a missed approach climbs to a published altitude 1,500-3,000 ft up).
GO_AROUND_LOW_FT = 1500.0
GO_AROUND_MIN_CLIMB_FT = 400.0
#: Holding or orbiting: the track turns HOLD_TURN_DEG one way within
#: HOLD_WINDOW_S (a holding circuit with 1-min legs takes 4 min, with 1.5-min
#: legs above FL140 5 min, ICAO Doc 8168; an orbit at rate one 2 min).
HOLD_TURN_DEG = 360.0
HOLD_WINDOW_S = 360.0
#: A holding stretch is trimmed to its first and last step turning at least this
#: fast, degrees/s (half of a rate-one turn's 3 degrees/s).
HOLD_MIN_RATE_DPS = 1.5
#: Track steps across a longer gap (s) are not counted: 30 s at rate one is 90
#: degrees, well inside the 180 degrees an unwrap can tell.
TRACK_GAP_S = 30.0
#: The altitude at lift-off or touchdown is read within this long of it, s.
REFERENCE_WINDOW_S = 60.0
#: Airborne reports more than this far apart (s) belong to different runs: a
#: touchdown is not read across a longer gap (modelling choice).
RUN_GAP_S = 300.0


# -- rolling median -----------------------------------------------------------------------


def rolling_median(
    t_s: ArrayLike,
    x: ArrayLike,
    window_s: float = SMOOTH_S,
    *,
    use: ArrayLike | None = None,
    points: int = MEDIAN_POINTS,
) -> Float:
    """At each time of ``t_s`` (sorted): the median of the finite values of ``x`` (on the
    rows ``use``) within ``window_s`` centred on it; NaN where the window holds none.
    Windows holding more than ``points`` values use ``points`` spread evenly over it."""
    t = np.asarray(t_s, np.float64)
    v = np.asarray(x, np.float64)
    ok = np.isfinite(v) if use is None else np.isfinite(v) & np.asarray(use, bool)
    idx = np.flatnonzero(ok)
    out = np.full(t.shape[0], np.nan)
    if idx.size == 0:
        return out
    tv, xv = t[idx], v[idx]
    half = 0.5 * window_s
    lo_all = np.searchsorted(tv, t - half, "left")
    hi_all = np.searchsorted(tv, t + half, "right")
    j = np.arange(points)
    for b in range(0, t.shape[0], _BLOCK):
        lo, hi = lo_all[b : b + _BLOCK], hi_all[b : b + _BLOCK]
        cnt = hi - lo
        m = np.minimum(cnt, points)
        pos = lo[:, None] + (j[None, :] * cnt[:, None]) // np.maximum(m, 1)[:, None]
        vals = np.where(j[None, :] < m[:, None], xv[np.minimum(pos, idx.size - 1)], np.nan)
        vals.sort(axis=1)  # NaN last
        k1 = np.maximum(m - 1, 0) // 2
        k2 = m // 2
        rows = np.arange(cnt.shape[0])
        med = 0.5 * (vals[rows, k1] + vals[rows, np.minimum(k2, points - 1)])
        out[b : b + _BLOCK] = np.where(m > 0, med, np.nan)
    return out


def _slope(t: Float, x: Float, window_s: float) -> Float:
    """Per row: the slope (per minute) of ``x`` between the first and last finite
    values within the window centred on it (NaN when they span < MIN_SLOPE_SPAN_S)."""
    idx = np.flatnonzero(np.isfinite(x))
    out = np.full(t.shape[0], np.nan)
    if idx.size < 2:
        return out
    tv, xv = t[idx], x[idx]
    lo = np.searchsorted(tv, t - 0.5 * window_s, "left")
    hi = np.searchsorted(tv, t + 0.5 * window_s, "right") - 1
    ok = hi > lo
    lo, hi = np.minimum(lo, idx.size - 1), np.maximum(hi, 0)
    span = tv[hi] - tv[lo]
    ok &= span >= MIN_SLOPE_SPAN_S
    out[ok] = (xv[hi[ok]] - xv[lo[ok]]) / span[ok] * 60.0
    return out


# -- helpers on runs ----------------------------------------------------------------------


def _run_starts(mask: Bool, breaks: Bool) -> Bool:
    """First row of each run of True in ``mask`` (a run also breaks at ``breaks``)."""
    prev = np.zeros_like(mask)
    prev[1:] = mask[:-1]
    return np.asarray(mask & (~prev | breaks))


def _ffill_index(flag: Bool) -> Int:
    """Per row: the last row at or before it where ``flag`` holds (-1 if none)."""
    return np.maximum.accumulate(np.where(flag, np.arange(flag.shape[0]), -1))


def _bfill_index(flag: Bool) -> Int:
    """Per row: the first row at or after it where ``flag`` holds (n if none)."""
    n = flag.shape[0]
    rev = np.where(flag, np.arange(n), n)[::-1]
    return np.asarray(np.minimum.accumulate(rev)[::-1])


# -- the result ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """Consecutive reports ``[start_row, end_row)`` of one phase."""

    phase: str
    start_row: int
    end_row: int
    start_ns: int
    end_ns: int


@dataclass(frozen=True)
class Phases:
    """Per report: the phase code (index into :data:`PHASES`), the smoothed altitude
    (ft) and vertical rate (ft/min), the ground's pressure altitude used (ft), the
    height above it (ft), whether that reference is known (not the sea-level
    fallback), the air/ground state, and the first report of each flight."""

    code: Code
    time_ns: NDArray[np.int64]
    alt_ft: Float
    vrate_fpm: Float
    ground_alt_ft: Float
    height_ft: Float
    height_known: Bool
    on_ground: Bool
    starts: Bool

    def __len__(self) -> int:
        return int(self.code.shape[0])

    @property
    def names(self) -> NDArray[np.str_]:
        """Per report: the phase name."""
        return np.asarray(PHASES)[self.code]

    def spans(self) -> list[Span]:
        """The runs of one phase, in time order (a run also ends with its flight)."""
        n = len(self)
        if n == 0:
            return []
        brk = np.flatnonzero((np.diff(self.code) != 0) | self.starts[1:]) + 1
        starts = np.r_[0, brk]
        ends = np.r_[brk, n]
        return [
            Span(
                PHASES[self.code[s]], int(s), int(e), int(self.time_ns[s]), int(self.time_ns[e - 1])
            )
            for s, e in zip(starts, ends, strict=True)
        ]

    def to_arrow(self) -> pa.Table:
        """``phase`` (dictionary-encoded), ``height_ft`` and ``vrate_fpm`` per report."""
        phase = pa.DictionaryArray.from_arrays(
            pa.array(self.code.astype(np.int8)), pa.array(list(PHASES))
        )
        return pa.table(
            {
                "phase": phase,
                "height_ft": pa.array(self.height_ft, pa.float32(), from_pandas=True),
                "vrate_fpm": pa.array(self.vrate_fpm, pa.float32(), from_pandas=True),
            }
        )


# -- the labelling ------------------------------------------------------------------------


def _references(
    t: Float, alt: Float, ground: Bool, stated: Bool, seg: Int, air_start: Bool, air_end: Bool
) -> tuple[Float, Float, Int, Bool]:
    """Reference events: times, pressure altitudes of the ground, segments, and
    whether the sender stated the air/ground state on both sides (lift-offs and
    touchdowns; altitudes reported on the ground never are: many are placeholders)."""
    n = t.shape[0]
    fin = np.isfinite(alt)
    ev_t, ev_a, ev_s, ev_k = [], [], [], []
    # lift-off: the first finite altitude of an airborne run that follows ground
    prev_ground = np.zeros(n, bool)
    prev_ground[1:] = ground[:-1] & (seg[1:] == seg[:-1])
    nxt = _bfill_index(fin & ~ground)
    li = np.flatnonzero(air_start & prev_ground)
    la = nxt[li]
    ok = la < n
    ok[ok] &= (t[la[ok]] - t[li[ok]] <= REFERENCE_WINDOW_S) & (seg[la[ok]] == seg[li[ok]])
    li, la = li[ok], la[ok]
    ev_t.append(t[li])
    ev_a.append(alt[la])
    ev_s.append(seg[li])
    ev_k.append(stated[li] & stated[li - 1])
    # touchdown: the last finite altitude of an airborne run that precedes ground
    next_ground = np.zeros(n, bool)
    next_ground[:-1] = ground[1:] & (seg[1:] == seg[:-1])
    prv = _ffill_index(fin & ~ground)
    di = np.flatnonzero(air_end & next_ground)
    da = prv[di]
    ok = da >= 0
    ok[ok] &= (t[di[ok]] - t[da[ok]] <= REFERENCE_WINDOW_S) & (seg[da[ok]] == seg[di[ok]])
    di, da = di[ok], da[ok]
    ev_t.append(t[di])
    ev_a.append(alt[da])
    ev_s.append(seg[di])
    ev_k.append(stated[di] & stated[di + 1])
    # altitudes reported on the ground
    gi = np.flatnonzero(ground & fin)
    ev_t.append(t[gi])
    ev_a.append(alt[gi])
    ev_s.append(seg[gi])
    ev_k.append(np.zeros(gi.size, bool))
    et, ea, es, ek = (np.concatenate(x) for x in (ev_t, ev_a, ev_s, ev_k))
    order = np.argsort(et, kind="stable")
    return et[order], ea[order], es[order], ek[order].astype(bool)


def _nearest_reference(t: Float, seg: Int, et: Float, ea: Float, es: Int) -> Float:
    out = np.full(t.shape[0], np.nan)
    if et.size == 0:
        return out
    k = np.searchsorted(et, t, "right")  # events before: k-1, after: k
    before = k - 1
    after = k
    bok = before >= 0
    aok = after < et.size
    bi, ai = np.maximum(before, 0), np.minimum(after, et.size - 1)
    bok &= es[bi] == seg
    aok &= es[ai] == seg
    db = np.where(bok, t - et[bi], np.inf)
    da = np.where(aok, et[ai] - t, np.inf)
    out = np.where(db <= da, np.where(bok, ea[bi], np.nan), np.where(aok, ea[ai], np.nan))
    return np.asarray(out)


def _turning(t: Float, track: Float, air: Bool) -> Bool:
    """Rows inside a window of HOLD_WINDOW_S over which the track turned HOLD_TURN_DEG
    one way (track steps across gaps or on the ground not counted)."""
    n = t.shape[0]
    out = np.zeros(n, bool)
    idx = np.flatnonzero(air & np.isfinite(track))
    if idx.size < 3:
        return out
    tv = t[idx]
    d = (np.diff(track[idx]) + 180.0) % 360.0 - 180.0
    d[np.diff(tv) > TRACK_GAP_S] = 0.0
    turn = np.r_[0.0, np.cumsum(d)]
    j = np.searchsorted(tv, tv + HOLD_WINDOW_S, "right") - 1
    full = np.abs(turn[j] - turn) >= HOLD_TURN_DEG
    mark = np.zeros(idx.size + 1, np.int64)
    f = np.flatnonzero(full)
    np.add.at(mark, f, 1)
    np.add.at(mark, j[f] + 1, -1)
    inside = np.cumsum(mark[:-1]) > 0
    # trim each stretch to its first and last turning step (straight legs between
    # turns stay, the straight flight before and after goes)
    rate = np.zeros(idx.size)
    dt = np.diff(tv)
    rate[1:] = np.abs(d) / np.where(dt > 0, dt, np.inf)
    turning = rate >= HOLD_MIN_RATE_DPS
    first = np.flatnonzero(inside & ~np.r_[False, inside[:-1]])
    if first.size == 0:
        return out
    run = np.cumsum(inside & ~np.r_[False, inside[:-1]]) - 1
    pos = np.arange(idx.size)
    lo = np.minimum.reduceat(np.where(inside & turning, pos, idx.size), first)
    hi = np.maximum.reduceat(np.where(inside & turning, pos, -1), first)
    r = np.maximum(run, 0)
    keep = inside & (pos >= lo[r] - 1) & (pos <= hi[r])
    out[idx] = keep
    return out


def label_phases(
    reports: pa.Table | pa.RecordBatch | Series,
    *,
    starts: ArrayLike | None = None,
    ground_alt_ft: float | ArrayLike | None = None,
    bad: BadValues | None = None,
) -> Phases:
    """The phase of every report of one aircraft (module docstring).

    ``starts`` marks the first report of each flight (see
    :func:`skywitness.track.flights.split_flights`; ``None``: one flight);
    ``ground_alt_ft`` the ground's elevation where the flight gives none (a
    number or one per report); ``bad`` the values to leave out.
    """
    s = reports if isinstance(reports, Series) else Series.from_table(reports)
    n = len(s)
    if bad is not None:
        s = bad.clean(s)
    t = s.t_s
    seg_start = np.zeros(n, bool)
    if starts is not None:
        st = np.asarray(starts, bool)
        if st.shape != (n,):
            raise UsageError(f"starts has shape {st.shape}, expected ({n},)")
        seg_start |= st
    seg_start[:1] = True
    seg = np.cumsum(seg_start) - 1
    ground = on_ground(s)
    air = ~ground

    # smoothed altitude and vertical rate (airborne reports only)
    alt = rolling_median(t, s.alt_ft, use=air)
    vr = rolling_median(t, s.vrate_fpm, use=air)
    vr = np.where(np.isfinite(vr), vr, _slope(t, np.where(air, alt, np.nan), SMOOTH_S))
    alt = np.where(air, alt, s.alt_ft)

    # airborne runs
    gap = np.zeros(n, bool)
    gap[1:] = np.diff(t) > RUN_GAP_S
    air_start = _run_starts(air, seg_start | gap)
    air_end = np.zeros(n, bool)
    if n:
        nxt_start = np.r_[air_start[1:] | ~air[1:], True]
        air_end = air & nxt_start
    run = np.cumsum(air_start) - 1  # valid on airborne rows

    # the ground's pressure altitude and heights
    stated = np.isfinite(s.on_ground)
    et, ea, es, ek = _references(t, s.alt_ft, ground, stated, seg, air_start, air_end)
    ref = _nearest_reference(t, seg, et[ek], ea[ek], es[ek])
    if ground_alt_ft is not None:
        given = np.broadcast_to(np.asarray(ground_alt_ft, np.float64), (n,))
        ref = np.where(np.isfinite(ref), ref, given)
    ref = np.where(np.isfinite(ref), ref, _nearest_reference(t, seg, et[~ek], ea[~ek], es[~ek]))
    known = np.isfinite(ref)
    ref = np.where(known, ref, 0.0)
    height = alt - ref

    # touchdowns and lift-offs bounding each airborne run
    next_ground = np.zeros(n, bool)
    if n > 1:
        next_ground[:-1] = ground[1:] & (seg[1:] == seg[:-1]) & (np.diff(t) <= RUN_GAP_S)
    prev_ground = np.zeros(n, bool)
    if n > 1:
        prev_ground[1:] = ground[:-1] & ~seg_start[1:] & (np.diff(t) <= RUN_GAP_S)
    run_ids = np.flatnonzero(air_start)
    run_last = np.flatnonzero(air_end)
    ends_down = np.zeros(run_ids.size, bool)
    starts_up = np.zeros(run_ids.size, bool)
    if run_ids.size:
        ends_down = next_ground[run_last]
        starts_up = prev_ground[run_ids]

    # 1. trend
    climbing = vr >= LEVEL_FPM
    descending = vr <= -LEVEL_FPM
    code = np.full(n, UNKNOWN, np.int8)
    code[air & np.isfinite(vr)] = CRUISE
    code[air & climbing] = CLIMB
    code[air & descending] = DESCENT

    ai = np.flatnonzero(air)
    go_around = np.zeros(n, bool)
    approach = np.zeros(n, bool)
    takeoff = np.zeros(n, bool)
    landing = np.zeros(n, bool)
    if ai.size:
        r = run[ai]
        # 4. go-arounds: climb segments after a descent, from a low point
        trend = np.where(climbing[ai], 1, np.where(descending[ai], -1, 0))
        seg_brk = np.ones(ai.size, bool)
        seg_brk[1:] = (trend[1:] != trend[:-1]) | (r[1:] != r[:-1])
        sfirst = np.flatnonzero(seg_brk)
        slast = np.r_[sfirst[1:], ai.size] - 1
        strend = trend[sfirst]
        srun = r[sfirst]
        moving = strend != 0
        last_moving = np.maximum.accumulate(np.where(moving, np.arange(sfirst.size), -1))
        prev_moving = np.r_[-1, last_moving[:-1]]
        pm = np.maximum(prev_moving, 0)
        after_descent = (prev_moving >= 0) & (strend[pm] == -1) & (srun[pm] == srun)
        h0 = height[ai[sfirst]]
        gain = height[ai[slast]] - h0
        ga_seg = (strend == 1) & after_descent & (h0 < GO_AROUND_LOW_FT)
        ga_seg &= gain >= GO_AROUND_MIN_CLIMB_FT
        seg_of = np.cumsum(seg_brk) - 1
        go_around[ai] = ga_seg[seg_of] & ~(height[ai] >= APPROACH_HEIGHT_FT)

        # 2. approach: low, not climbing, heading to touchdown / go-around / end
        climb_rows = climbing[ai]
        nxt_climb = _bfill_index(climb_rows)
        last_of_run = run_last[r]  # row index
        in_run = nxt_climb < ai.size
        in_run[in_run] &= r[nxt_climb[in_run]] == r[in_run]
        to_ga = np.zeros(ai.size, bool)
        to_ga[in_run] = go_around[ai[nxt_climb[in_run]]]
        end_t = np.where(in_run, t[ai[np.minimum(nxt_climb, ai.size - 1)]], t[last_of_run])
        approach[ai] = (
            (height[ai] < APPROACH_HEIGHT_FT)
            & ~climb_rows
            & np.isfinite(vr[ai])
            & (~in_run | to_ga)
            & (end_t - t[ai] <= APPROACH_MAX_S)
        )

        # 5. takeoff and landing, airborne parts
        first_of_run = run_ids[r]
        up = starts_up[r]
        since = t[ai] - t[first_of_run]
        stop = (height[ai] >= TAKEOFF_HEIGHT_FT) | descending[ai]
        cum = np.cumsum(stop)
        before = np.r_[0, cum][np.searchsorted(ai, first_of_run)]
        takeoff[ai] = up & (cum - before == 0) & (since <= TAKEOFF_MAX_S)
        down = ends_down[r]
        high = ~(height[ai] < LANDING_HEIGHT_FT) | climbing[ai]
        rcum = np.cumsum(high[::-1])[::-1]  # high rows at or after each row
        last_idx = np.searchsorted(ai, run_last[r])
        after = np.r_[rcum, 0][last_idx + 1]
        landing[ai] = down & (rcum - after == 0)

    code[approach] = APPROACH
    track = np.where(np.isfinite(s.track_deg), s.track_deg, s.heading_deg)
    holding = _turning(t, track, air) & air
    code[holding] = HOLDING
    code[go_around] = GO_AROUND
    code[takeoff] = TAKEOFF
    code[landing] = LANDING

    # 6. on the ground
    gs = s.gs_kt
    code[ground] = GROUND
    code[ground & (gs >= STANDING_MAX_KT)] = TAXI
    gi = np.flatnonzero(ground)
    if gi.size:
        g_start = _run_starts(ground, seg_start | gap)[gi]
        gid = np.cumsum(g_start) - 1
        p0 = np.flatnonzero(g_start)
        gfirst = gi[p0]
        glast = gi[np.r_[p0[1:], gi.size] - 1]
        after_down = np.zeros(gfirst.size, bool)
        has_prev = gfirst > 0
        after_down[has_prev] = (
            air[gfirst[has_prev] - 1]
            & ~seg_start[gfirst[has_prev]]
            & (t[gfirst[has_prev]] - t[gfirst[has_prev] - 1] <= RUN_GAP_S)
        )
        before_up = np.zeros(gfirst.size, bool)
        has_next = glast < n - 1
        gl = glast[has_next]
        before_up[has_next] = air[gl + 1] & ~seg_start[gl + 1] & (t[gl + 1] - t[gl] <= RUN_GAP_S)
        slow = ~(gs[gi] >= ROLL_MIN_KT)
        pos = np.arange(gi.size)
        first_slow = np.minimum.reduceat(np.where(slow, pos, gi.size), p0)
        last_slow = np.maximum.reduceat(np.where(slow, pos, -1), p0)
        # a touch-and-go (no slow report): split at the slowest report
        gsv = np.where(np.isfinite(gs[gi]), gs[gi], np.inf)
        order = np.lexsort((gsv, gid))
        slowest = order[np.searchsorted(gid[order], np.arange(gfirst.size))]
        none_slow = first_slow >= gi.size
        first_slow = np.where(none_slow, slowest, first_slow)
        last_slow = np.where(none_slow, slowest, last_slow)
        fast = ~slow
        roll_in = fast & after_down[gid] & (pos < first_slow[gid])
        roll_out = fast & before_up[gid] & (pos > last_slow[gid])
        code[gi[roll_in]] = LANDING
        code[gi[roll_out]] = TAKEOFF
    return Phases(
        code=code,
        time_ns=s.time_ns,
        alt_ft=np.asarray(alt),
        vrate_fpm=np.asarray(vr),
        ground_alt_ft=np.asarray(ref),
        height_ft=np.asarray(height),
        height_known=np.asarray(known),
        on_ground=ground,
        starts=seg_start,
    )


__all__ = [
    "PHASES",
    "Phases",
    "Span",
    "label_phases",
    "rolling_median",
]
