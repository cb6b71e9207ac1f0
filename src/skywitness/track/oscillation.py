"""Altitude oscillations (a phugoid and others) and abnormal vertical rates of one aircraft.

:func:`find_oscillations` finds stretches where the pressure altitude swings
up and down periodically around its trend; :func:`abnormal_vertical_rates`
stretches where the altitude changes faster than normal airline operation
does. :func:`oscillation_events` and :func:`vertical_rate_events` turn them
into :class:`~skywitness.track.events.Event` s (kinds ``oscillation`` and
``abnormal_vertical_rate``).

**Oscillations.** Airborne altitudes (values flagged by
:mod:`~skywitness.track.envelope` left out) are put on an even grid of
:data:`GRID_S` by linear interpolation, never across more than
:data:`MAX_GAP_S` without a report. The grid is smoothed over
:data:`SMOOTH_S` (the 25/100-ft steps, noise) and its *trend* is a local
linear fit with a triangular kernel of half-width :data:`TREND_S`: it follows
climbs, descents and level-offs (a linear ramp is kept exactly) and not
swings of :data:`PERIOD_MAX_S` or shorter (the kernel's response at those
periods is at most 5 %). The residual, altitude minus trend, is cut into
*lobes*: alternating stretches above ``+LOBE_FT`` and below ``-LOBE_FT``
(hysteresis: noise around zero does not start a new lobe), each from the
zero crossing before it to the zero crossing after it. Two adjacent lobes
make a *cycle* when

- its period (the time from the first lobe's start to the second's end) lies
  within :data:`PERIOD_MIN_S` and :data:`PERIOD_MAX_S`,
- its amplitude (half the peak-to-trough swing of the residual) is at least
  :data:`MIN_AMPLITUDE_FT`,
- the altitude reports in it are at most a quarter period apart (sampling
  enough to see a peak and a trough: :data:`MAX_GAP_PER_PERIOD`).

An oscillation is a chain of at least :data:`MIN_CYCLES` such cycles whose
consecutive periods differ by at most :data:`PERIOD_TOLERANCE`: a level-off,
a step climb, a go-around or an approach each make one or two lobes of
irregular length, never three regular cycles.

**Amplitude** is half the median peak-to-trough swing of the detrended
altitude over the oscillation's cycles: for a sinusoid ``a sin(2 pi t / T)``
on top of the mean motion it is ``a`` (the simulator's phugoid amplitude,
:mod:`skywitness.sim.incident_flight`). The **period** is the oscillation's
duration divided by its cycles. The **speed** (true airspeed, else indicated,
else ground speed: the first sampled densely enough) is detrended the same
way and regressed on the altitude residual: ``speed_amplitude_kt`` is the
slope times the amplitude (the speed swing that goes with the altitude
swing), ``anti_phase`` whether the correlation is at most
``-ANTI_PHASE_MIN_R`` (a phugoid trades height for speed: v dv = -g dh).
A swing whose speed was measured and is *not* in anti-phase is not reported:
an aircraft's pitch oscillation trades height for speed, and swings without
that trade are measurement or data (static-pressure error in steep turns,
altitude bursts). Observed: a TV relay aircraft orbiting for hours at FL270
(traffic's ``tv_relay/tour_de_france`` sample) gives 35 regular swings of
350-470 ft every 25-45 s with the speed uncorrelated; the incident's phugoid
and ``zero_gravity``'s parabolas have correlations of -0.7 to -0.99. Without a
usable speed (``anti_phase`` None) the swing is reported.

**Vertical rates.** Two measures, each over :data:`RATE_WINDOW_S` centred on
each airborne report: the slope of the altitude, and the median of the
reported vertical rate. Where both exist they must agree (the one nearer
zero counts: a 100-ft step or an interpolated altitude steepens the slope, a
lone wrong rate moves the median little); else the one that exists. A
stretch of at least :data:`RATE_MIN_S` and :data:`RATE_MIN_REPORTS` reports
beyond :data:`MAX_CLIMB_FPM` or :data:`MAX_DESCENT_FPM` is abnormal.

Vectorised: masked convolutions on the grid, forward fills and run-length
codes; Python loops run once per oscillation found or per speed source only.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from skywitness.errors import UsageError
from skywitness.model.timefmt import iso_utc
from skywitness.model.units import NS_PER_S
from skywitness.track.envelope import ALT_TOL_FT, BadValues, Series, flag_bad_values, on_ground
from skywitness.track.events import Event
from skywitness.track.phases import Phases, rolling_median

Float = NDArray[np.float64]
Int = NDArray[np.int64]
Bool = NDArray[np.bool_]

# -- oscillations ---------------------------------------------------------------------------

#: Shortest and longest period, s. Lanchester's phugoid period is
#: pi sqrt(2) V / g (Etkin and Reid, Dynamics of Flight, 3rd ed. 1996, 6.2):
#: 20 s at 45 m/s (light aircraft) and 110 s at 240 m/s (an airliner's
#: cruise TAS); the upper bound leaves room for slower manoeuvre cycles
#: (parabolic flights repeat every 2-3 min) while staying below holding
#: circuits (4 min, ICAO Doc 8168) and ATC step descents (minutes).
PERIOD_MIN_S = 20.0
PERIOD_MAX_S = 200.0
#: Smallest amplitude (half peak-to-trough), ft: an aircraft within +-200 ft
#: of its assigned level is maintaining it (ICAO Doc 4444, 8.5.5.1: Mode C
#: tolerance in RVSM airspace); twice the 100-ft Gillham step.
MIN_AMPLITUDE_FT = 200.0
#: A lobe starts where the residual passes this far from zero, ft (modelling
#: choice: half the smallest amplitude, far above the smoothed 25-ft steps).
LOBE_FT = 0.5 * MIN_AMPLITUDE_FT
#: Fewest cycles of an oscillation (modelling choice: one or two swings are a
#: manoeuvre, a level-off or a go-around; three regular ones are a mode).
MIN_CYCLES = 3
#: Consecutive cycles' periods differ by at most this fraction (modelling
#: choice: a phugoid's period is set by the speed; this leaves room for zero
#: crossings timed on a few-second grid and for the trend's leakage).
PERIOD_TOLERANCE = 0.35
#: Reports in a cycle at most this fraction of its period apart: four samples
#: per period, twice the Nyquist rate, to see both a peak and a trough.
MAX_GAP_PER_PERIOD = 0.25
#: Step of the even grid, s (modelling choice: ten points over the shortest period).
GRID_S = 2.0
#: Altitude reports farther apart than this (s) are not interpolated across: half
#: the longest period (more cannot show a swing of that period anyway).
MAX_GAP_S = 0.5 * PERIOD_MAX_S
#: Width of the smoothing box, s: a quarter of the shortest period (keeps 90 %
#: of a swing at 20 s, 99 % at 60 s; averages the 25/100-ft steps away).
SMOOTH_S = 0.25 * PERIOD_MIN_S
#: Half-width of the trend's triangular kernel, s: 1.2 times the longest period,
#: so that the trend's response to any period up to PERIOD_MAX_S is at most
#: sinc^2 = 5 % (a triangle is a box convolved with itself).
TREND_S = 1.2 * PERIOD_MAX_S
#: Adjacent lobes may be at most this far apart (s): a longer quiet stretch
#: between them ends the oscillation (modelling choice: half the shortest period).
ADJACENT_S = 0.5 * PERIOD_MIN_S
#: Two chains of cycles with the same period and amplitudes within this ratio,
#: at most MERGE_PERIODS periods apart, are one oscillation interrupted
#: (modelling choice: flight 8243's record has about three minutes of
#: impossible values within its oscillation, about three periods).
MERGE_PERIODS = 5.0
MERGE_AMPLITUDE_RATIO = 2.0
#: The speed is in anti-phase when its correlation with the altitude residual is
#: at most minus this (modelling choice: a clear majority of the speed's swing
#: goes with the altitude's).
ANTI_PHASE_MIN_R = 0.5
#: Altitude residuals beyond this many amplitudes take no part in the speed's
#: regression: values the envelope let through (a sinusoid never exceeds one
#: amplitude; modelling choice).
OUTLIER_AMPLITUDES = 2.0
#: Speed columns tried in order for the energy exchange (airspeed first: ground
#: speed also swings with the wind as the aircraft turns).
SPEED_COLUMNS = ("tas_kt", "ias_kt", "gs_kt")

# -- vertical rates -------------------------------------------------------------------------

#: Fastest climb of normal airline operation, ft/min: jet transports climb at
#: 2,000-4,000 ft/min at their lightest (EUROCONTROL Aircraft Performance
#: Database, initial climb of A320, B738, B77W); 5,000 leaves a margin.
MAX_CLIMB_FPM = 5000.0
#: Fastest descent of normal airline operation, ft/min: normal descents with
#: speed brakes reach 3,000-4,000 ft/min (EUROCONTROL APD); an emergency
#: descent at Mmo/Vmo reaches 6,000 ft/min and more.
MAX_DESCENT_FPM = 6000.0
#: The rate is the altitude's slope over this window, s (modelling choice: a
#: 100-ft step over 20 s is a 300-ft/min error, well below the limits).
RATE_WINDOW_S = 20.0
#: ... spanning at least this long between its first and last altitude, s.
RATE_MIN_SPAN_S = 8.0
#: The altitude must move one way over the window: its total travel at most this
#: many times the net change (modelling choice: a burst of wrong values goes and
#: comes back; 25-ft steps in a steady climb travel about the net change).
MONOTONE_RATIO = 1.5
#: An abnormal rate lasts at least this long, s (modelling choice: a few
#: seconds, more than one report of any source).
RATE_MIN_S = 5.0
#: ... and is seen in at least this many reports (modelling choice).
RATE_MIN_REPORTS = 3


# -- results --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Oscillation:
    """A periodic altitude oscillation (module docstring): from ``start_ns`` to ``end_ns``
    (the first and last zero crossing of its cycles), ``cycles`` (halves count),
    ``period_s``, ``amplitude_ft`` (half the median peak-to-trough swing),
    ``mean_alt_ft`` (the trend's mean), and the speed: ``speed_amplitude_kt``,
    ``speed_correlation`` (with the altitude residual), ``anti_phase`` and
    ``speed_source`` (a column of :data:`SPEED_COLUMNS`; all None without speeds)."""

    start_ns: int
    end_ns: int
    cycles: float
    period_s: float
    amplitude_ft: float
    mean_alt_ft: float
    speed_amplitude_kt: float | None
    speed_correlation: float | None
    anti_phase: bool | None
    speed_source: str | None

    @property
    def duration_s(self) -> float:
        return (self.end_ns - self.start_ns) / NS_PER_S


@dataclass(frozen=True)
class VerticalRate:
    """A stretch of abnormal vertical rate from ``start_ns`` to ``end_ns``: the lowest
    and highest rate in it (ft/min) and where the rate came from (``altitude``:
    the altitude's slope, ``reported``: the reported rate)."""

    start_ns: int
    end_ns: int
    min_fpm: float
    max_fpm: float
    source: str

    @property
    def duration_s(self) -> float:
        return (self.end_ns - self.start_ns) / NS_PER_S


# -- helpers --------------------------------------------------------------------------------


def _inputs(
    reports: pa.Table | pa.RecordBatch | Series, bad: BadValues | None, phases: Phases | None
) -> tuple[Series, Series, Bool, Bool, float]:
    """The series, its clean copy, the airborne rows, the flight starts and the
    envelope's largest vertical rate."""
    s = reports if isinstance(reports, Series) else Series.from_table(reports)
    n = len(s)
    if bad is None:
        bad = flag_bad_values(s)
    elif len(bad) != n:
        raise UsageError(f"{len(bad)} envelope flags for {n} reports")
    if phases is not None and len(phases) != n:
        raise UsageError(f"{len(phases)} phases for {n} reports")
    clean = bad.clean(s)
    air = ~phases.on_ground if phases is not None else ~on_ground(s)
    starts = phases.starts if phases is not None else np.zeros(n, bool)
    return s, clean, np.asarray(air, bool), np.asarray(starts, bool), bad.envelope.max_vrate_fpm


def _column(reports: pa.Table | pa.RecordBatch | Series, name: str, n: int) -> Float:
    if isinstance(reports, Series) or name not in reports.schema.names:
        return np.full(n, np.nan)
    col = reports.column(name)
    return np.asarray(col.to_numpy(zero_copy_only=False), np.float64)


def _jumps(t: Float, alt: Float, max_vrate_fpm: float) -> Bool:
    """Per pair of consecutive values: a step no aircraft of the envelope could fly
    (the envelope leaves such steps alone when it cannot tell which side is wrong)."""
    return np.asarray(np.abs(np.diff(alt)) > ALT_TOL_FT + max_vrate_fpm / 60.0 * np.diff(t))


def _runs(flag: Bool) -> tuple[Int, Int]:
    """First and one-past-last index of each run of True."""
    d = np.diff(np.r_[0, flag.astype(np.int8), 0])
    return np.flatnonzero(d == 1), np.flatnonzero(d == -1)


def _ffill(flag: Bool) -> Int:
    """Per index: the last index at or before it where ``flag`` holds (-1 if none)."""
    return np.maximum.accumulate(np.where(flag, np.arange(flag.shape[0]), -1))


def _bfill(flag: Bool) -> Int:
    """Per index: the first index at or after it where ``flag`` holds (n if none)."""
    n = flag.shape[0]
    return np.asarray(np.minimum.accumulate(np.where(flag, np.arange(n), n)[::-1])[::-1])


@dataclass(frozen=True)
class _Grid:
    """An even grid over one aircraft's samples: times (s), which points lie between
    two samples at most MAX_GAP_S apart (``valid``), the segment of each point (a
    segment: consecutive valid points), and per point the gap (s) between the
    samples around it."""

    t: Float
    valid: Bool
    segment: Int
    gap: Float


def _grid(ts: Float, breaks: Bool) -> _Grid:
    """The grid over the samples at ``ts`` (sorted); ``breaks[i]``: no interpolation
    between sample i and i + 1."""
    t = np.arange(ts[0], ts[-1] + 0.5 * GRID_S, GRID_S)
    k = np.clip(np.searchsorted(ts, t, "right"), 1, ts.size - 1)  # samples k-1 and k
    gap = ts[k] - ts[k - 1]
    valid = (gap <= MAX_GAP_S) & ~breaks[k - 1] & (t <= ts[-1])
    start = valid & ~np.r_[False, valid[:-1]]
    segment = np.cumsum(start) - 1
    return _Grid(t, valid, np.asarray(segment, np.int64), np.asarray(gap, np.float64))


def _on_grid(g: _Grid, ts: Float, x: Float, breaks: Bool) -> tuple[Float, Bool]:
    """Values ``x`` at ``ts`` interpolated onto the grid, and where that is allowed."""
    k = np.clip(np.searchsorted(ts, g.t, "right"), 1, ts.size - 1)
    ok = g.valid & (ts[k] - ts[k - 1] <= MAX_GAP_S) & ~breaks[k - 1]
    return np.asarray(np.interp(g.t, ts, x)), np.asarray(ok)


def _smooth(x: Float, m: Bool, width_s: float) -> Float:
    """Masked centred box mean over ``width_s`` (NaN where the mask is off)."""
    from scipy.ndimage import correlate1d

    half = max(round(0.5 * width_s / GRID_S), 0)
    w = np.ones(2 * half + 1)
    mf = m.astype(np.float64)
    s0 = correlate1d(mf, w, mode="constant")
    s1 = correlate1d(np.where(m, x, 0.0), w, mode="constant")
    return np.asarray(np.where(m & (s0 > 0), s1 / np.maximum(s0, 1e-12), np.nan))


def _trend(x: Float, m: Bool, half_width_s: float) -> Float:
    """Masked local linear fit with a triangular kernel of half-width ``half_width_s``."""
    from scipy.ndimage import correlate1d

    half = max(round(half_width_s / GRID_S), 1)
    k = np.arange(-half, half + 1, dtype=np.float64)
    w = 1.0 - np.abs(k) / (half + 1)
    mf = m.astype(np.float64)
    y = np.where(m, x, 0.0)
    s0 = correlate1d(mf, w, mode="constant")
    s1 = correlate1d(mf, w * k, mode="constant")
    s2 = correlate1d(mf, w * k * k, mode="constant")
    t0 = correlate1d(y, w, mode="constant")
    t1 = correlate1d(y, w * k, mode="constant")
    det = s0 * s2 - s1 * s1
    good = m & (det > 1e-9 * np.maximum(s0 * s2, 1e-300))
    level = np.where(good, (s2 * t0 - s1 * t1) / np.where(good, det, 1.0), np.nan)
    # too few points for a slope: the weighted mean
    mean = np.where(s0 > 0, t0 / np.maximum(s0, 1e-12), np.nan)
    return np.asarray(np.where(good, level, np.where(m, mean, np.nan)))


def _residual(
    g: _Grid, ts: Float, x: Float, breaks: Bool, trend_s: float = TREND_S
) -> tuple[Float, Float, Bool]:
    """Detrended values on the grid, the trend, and where they exist."""
    v, m = _on_grid(g, ts, x, breaks)
    sm = _smooth(v, m, SMOOTH_S)
    tr = _trend(sm, m, trend_s)
    return np.asarray(sm - tr), tr, m


@dataclass(frozen=True)
class _Lobes:
    """Alternating lobes of a residual on the grid: sign, start and end (zero
    crossings, s), extreme value, grid index range, largest sample gap inside."""

    sign: Int
    start: Float
    end: Float
    extreme: Float
    first: Int
    stop: Int
    max_gap: Float
    segment: Int


def _crossing(t: Float, r: Float, i: Int) -> Float:
    """The time where ``r`` crosses zero between grid points i - 1 and i."""
    a, b = r[i - 1], r[i]
    f = np.where(a != b, a / np.where(a != b, a - b, 1.0), 0.5)
    return np.asarray(t[i - 1] + np.clip(f, 0.0, 1.0) * (t[i] - t[i - 1]))


def _lobes(g: _Grid, r: Float, m: Bool) -> _Lobes:
    n = r.shape[0]
    ok = m & np.isfinite(r)
    raw = np.where(ok & (r > LOBE_FT), 1, np.where(ok & (r < -LOBE_FT), -1, 0))
    np.where(ok, g.segment, -1)
    # a segment: consecutive usable points
    new_seg = ok & ~np.r_[False, ok[:-1]]
    sid = np.cumsum(new_seg) - 1
    last = _ffill(raw != 0)
    state = np.where(last >= 0, raw[np.maximum(last, 0)], 0)
    same = (last >= 0) & (sid[np.maximum(last, 0)] == sid)
    state = np.where(ok & same, state, 0)
    # lobes: runs of one nonzero state within a segment
    change = (state != 0) & ((state != np.r_[0, state[:-1]]) | new_seg)
    first = np.flatnonzero(change)
    stop = np.r_[first[1:], n]
    # a lobe stops where the state stops (segment end or unusable point)
    nz_end = _bfill(state == 0)
    stop = np.minimum(stop, nz_end[first])
    sign = state[first].astype(np.int64)
    # extremes
    signed = np.where(state != 0, r * np.where(state != 0, state, 1), -np.inf)
    ext = np.maximum.reduceat(signed, first) if first.size else np.zeros(0)
    extreme = sign * ext
    # zero crossings: sign changes of r between usable neighbours
    sgn = np.sign(r)
    zc = np.zeros(n, bool)
    zc[1:] = ok[1:] & ok[:-1] & (sgn[1:] != sgn[:-1]) & (sgn[1:] != 0)
    last_zc = _ffill(zc)
    next_zc = _bfill(zc)
    beyond = raw != 0
    last_beyond = _ffill(beyond)
    lb = last_beyond[np.maximum(stop - 1, 0)]
    sz = last_zc[first]
    start = np.where(
        (sz > 0) & (sid[np.maximum(sz, 0)] == sid[first]),
        _crossing(g.t, r, np.maximum(sz, 1)),
        np.nan,
    )
    ez = next_zc[np.minimum(lb + 1, n - 1)] if first.size else np.zeros(0, np.int64)
    ez_ok = (ez < n) & (lb + 1 < n)
    ez_ok[ez_ok] &= sid[np.minimum(ez[ez_ok], n - 1)] == sid[first[ez_ok]]
    end = np.where(ez_ok, _crossing(g.t, r, np.clip(ez, 1, n - 1)), np.nan)
    gap = np.maximum.reduceat(np.where(ok, g.gap, 0.0), first) if first.size else np.zeros(0)
    return _Lobes(
        sign=sign,
        start=np.asarray(start),
        end=np.asarray(end),
        extreme=np.asarray(extreme),
        first=first.astype(np.int64),
        stop=stop.astype(np.int64),
        max_gap=np.asarray(gap),
        segment=np.asarray(sid[first], np.int64),
    )


def _chains(lb: _Lobes) -> list[tuple[int, int]]:
    """Chains of at least MIN_CYCLES regular cycles: (first lobe, last lobe) of each."""
    nl = lb.sign.shape[0]
    if nl < 2:
        return []
    a, b = np.arange(nl - 1), np.arange(1, nl)
    period = lb.end[b] - lb.start[a]
    half_swing = 0.5 * (np.abs(lb.extreme[a]) + np.abs(lb.extreme[b]))
    cyc = (
        np.isfinite(period)
        & (lb.segment[a] == lb.segment[b])
        & (np.abs(lb.start[b] - lb.end[a]) <= ADJACENT_S)
        & (period >= PERIOD_MIN_S)
        & (period <= PERIOD_MAX_S)
        & (half_swing >= MIN_AMPLITUDE_FT)
        & (np.maximum(lb.max_gap[a], lb.max_gap[b]) <= MAX_GAP_PER_PERIOD * period)
    )
    # links between consecutive cycles (they share a lobe)
    link = np.zeros(cyc.shape[0], bool)
    if cyc.shape[0] > 1:
        p0, p1 = period[:-1], period[1:]
        with np.errstate(invalid="ignore", divide="ignore"):
            rel = np.abs(p1 - p0) / np.minimum(p0, p1)
        link[1:] = cyc[1:] & cyc[:-1] & (rel <= PERIOD_TOLERANCE)
    first, stop = _runs(cyc)
    # a run of valid cycles also breaks where consecutive periods disagree
    cut = np.flatnonzero(cyc & ~link)
    first = np.union1d(first, cut)
    stop = np.r_[first[1:], cyc.shape[0]]
    stop = np.minimum(stop, _bfill(~cyc)[first])
    lobes = stop - first + 1
    keep = lobes >= 2 * MIN_CYCLES
    return [(int(f), int(e)) for f, e in zip(first[keep], stop[keep], strict=True)]


@dataclass(frozen=True)
class _Chain:
    """A chain of cycles in seconds since the first report: span, cycles, period, the
    half swings of its core cycles, and which detrending found it."""

    start: float
    end: float
    cycles: float
    period: float
    half_swings: Float
    trend_s: float


def _extend(lb: _Lobes, a: int, b: int) -> tuple[int, int]:
    """The chain of lobes a..b extended over adjacent lobes of about half its period
    (the swing growing or fading: smaller than MIN_AMPLITUDE_FT, still a lobe)."""
    half = 0.5 * (lb.end[b] - lb.start[a]) / (b - a + 1)
    lo, hi = half / (1.0 + PERIOD_TOLERANCE), half * (1.0 + PERIOD_TOLERANCE)

    def fits(k: int, neighbour: int) -> bool:
        d = lb.end[k] - lb.start[k]
        return bool(
            lb.segment[k] == lb.segment[neighbour]
            and np.isfinite(d)
            and lo <= d <= hi
            and lb.max_gap[k] <= MAX_GAP_PER_PERIOD * 2.0 * half
            and abs(lb.start[max(k, neighbour)] - lb.end[min(k, neighbour)]) <= ADJACENT_S
        )

    while a > 0 and fits(a - 1, a):
        a -= 1
    while b + 1 < lb.sign.shape[0] and fits(b + 1, b):
        b += 1
    return a, b


def _found(lb: _Lobes, trend_s: float) -> list[_Chain]:
    out = []
    for a0, b0 in _chains(lb):
        a, b = _extend(lb, a0, b0)
        cycles = 0.5 * (b - a + 1)
        start, end = float(lb.start[a]), float(lb.end[b])
        half = 0.5 * np.abs(lb.extreme[a0:b0] - lb.extreme[a0 + 1 : b0 + 1])
        out.append(_Chain(start, end, cycles, (end - start) / cycles, half, trend_s))
    return out


def _merge(chains: list[_Chain]) -> list[_Chain]:
    """Chains in time order; one chain per oscillation: overlapping chains keep the
    longer, and chains of the same period and amplitude at most MERGE_PERIODS
    periods apart are one oscillation interrupted (by bad values, a gap, or a
    level-off that bent the trend)."""
    out: list[_Chain] = []
    for c in sorted(chains, key=lambda c: (c.start, -c.end)):
        if out and c.start < out[-1].end:  # overlap: keep the one with more cycles
            if c.cycles > out[-1].cycles:
                out[-1] = c
            continue
        if out:
            p = out[-1]
            same_period = abs(c.period - p.period) <= PERIOD_TOLERANCE * min(c.period, p.period)
            a1, a2 = float(np.median(p.half_swings)), float(np.median(c.half_swings))
            same_amplitude = max(a1, a2) <= MERGE_AMPLITUDE_RATIO * min(a1, a2)
            near = c.start - p.end <= MERGE_PERIODS * max(c.period, p.period)
            if same_period and same_amplitude and near:
                cycles = p.cycles + c.cycles
                out[-1] = _Chain(
                    p.start,
                    c.end,
                    cycles,
                    (p.cycles * p.period + c.cycles * c.period) / cycles,
                    np.r_[p.half_swings, c.half_swings],
                    p.trend_s,
                )
                continue
        out.append(c)
    return out


# -- oscillations -----------------------------------------------------------------------------


def find_oscillations(
    reports: pa.Table | pa.RecordBatch | Series,
    *,
    bad: BadValues | None = None,
    phases: Phases | None = None,
) -> tuple[Oscillation, ...]:
    """The periodic altitude oscillations of one aircraft, in time order (module docstring).

    ``reports``: one aircraft's reports sorted by time (a canonical report table
    or a :class:`~skywitness.track.envelope.Series`; ``alt_baro_ft`` and a speed
    column used: ``tas_kt``, ``ias_kt`` or ``gs_kt``). ``bad``: the envelope's
    flags (:func:`~skywitness.track.envelope.flag_bad_values` when ``None``);
    flagged altitudes and speeds are left out. ``phases``: the flight phases
    (:func:`~skywitness.track.phases.label_phases`) for the air/ground state and
    the flights' starts (no oscillation spans two flights); without them the
    air/ground state comes from :func:`~skywitness.track.envelope.on_ground`.
    """
    s, clean, air, starts, _ = _inputs(reports, bad, phases)
    n = len(s)
    use = air & np.isfinite(clean.alt_ft)
    rows = np.flatnonzero(use)
    if rows.size < 4 * MIN_CYCLES:
        return ()
    ts = s.t_s[rows]
    alt = clean.alt_ft[rows]
    # no interpolation across a flight start (steps no aircraft could fly are
    # interpolated: a stale value refreshed is such a step, and a burst of wrong
    # values makes no regular cycles)
    started = np.cumsum(starts)
    breaks = np.r_[started[rows[1:]] != started[rows[:-1]], True]
    g = _grid(ts, breaks)
    # pass 1: a trend blind to every period up to PERIOD_MAX_S
    r, _, m = _residual(g, ts, alt, breaks)
    first = _found(_lobes(g, r, m), TREND_S)
    if not first:
        return ()
    # pass 2, per period found: a trend as local as that period allows (a triangle
    # of half-width one period does not see it), which bends less at level-offs
    chains: list[_Chain] = []
    for period in sorted({round(c.period / GRID_S) * GRID_S for c in first}):
        r2, _, m2 = _residual(g, ts, alt, breaks, period)
        found = [
            c
            for c in _found(_lobes(g, r2, m2), period)
            if abs(c.period - period) <= PERIOD_TOLERANCE * period
        ]
        chains += found
    chains = _merge(chains or first)
    t0 = int(s.time_ns[0])
    out = []
    for c in chains:
        r2, trend, m2 = _residual(g, ts, alt, breaks, c.trend_s)
        inside = (g.t >= c.start) & (g.t <= c.end) & m2
        mean_alt = float(np.nanmean(trend[inside])) if inside.any() else float("nan")
        amplitude = float(np.median(c.half_swings))
        speed = _speed_fit(
            _speed_residuals(reports, clean, air, g, s, n, c.trend_s),
            r2,
            inside,
            amplitude,
            c.period,
        )
        if speed[2] is False:  # speed measured, no energy exchange (module docstring)
            continue
        out.append(
            Oscillation(
                start_ns=t0 + round(c.start * NS_PER_S),
                end_ns=t0 + round(c.end * NS_PER_S),
                cycles=c.cycles,
                period_s=c.period,
                amplitude_ft=amplitude,
                mean_alt_ft=mean_alt,
                speed_amplitude_kt=speed[0],
                speed_correlation=speed[1],
                anti_phase=speed[2],
                speed_source=speed[3],
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class _Speed:
    name: str
    residual: Float
    usable: Bool
    gap: Float  # per grid point: the gap between the speed samples around it


def _speed_residuals(
    reports: pa.Table | pa.RecordBatch | Series,
    clean: Series,
    air: Bool,
    g: _Grid,
    s: Series,
    n: int,
    trend_s: float,
) -> list[_Speed]:
    out = []
    for name in SPEED_COLUMNS:
        x = clean.gs_kt if name == "gs_kt" else _column(reports, name, n)
        use = air & np.isfinite(x)
        if np.count_nonzero(use) < 4:
            continue
        rows = np.flatnonzero(use)
        ts = s.t_s[rows]
        breaks = np.zeros(rows.size, bool)
        sub = _Grid(g.t, g.valid, g.segment, g.gap)
        res, _, m = _residual(sub, ts, x[rows], breaks, trend_s)
        k = np.clip(np.searchsorted(ts, g.t, "right"), 1, ts.size - 1)
        gap = ts[k] - ts[k - 1]
        inside = (g.t >= ts[0]) & (g.t <= ts[-1])
        out.append(_Speed(name, res, m & inside & np.isfinite(res), np.asarray(gap)))
    return out


def _speed_fit(
    speeds: list[_Speed], r: Float, inside: Bool, amplitude: float, period: float
) -> tuple[float | None, float | None, bool | None, str | None]:
    """Speed amplitude, correlation, anti-phase and source over one oscillation."""
    inside = inside & np.isfinite(r) & (np.abs(r) <= OUTLIER_AMPLITUDES * amplitude)
    for sp in speeds:
        use = inside & sp.usable
        if np.count_nonzero(use) < 0.8 * np.count_nonzero(inside):
            continue
        if np.max(sp.gap[use]) > MAX_GAP_PER_PERIOD * period:
            continue
        h = r[use] - np.mean(r[use])
        v = sp.residual[use] - np.mean(sp.residual[use])
        hh, vv = float(np.dot(h, h)), float(np.dot(v, v))
        if hh <= 0.0 or vv <= 0.0:
            continue
        slope = float(np.dot(h, v)) / hh
        corr = float(np.dot(h, v)) / float(np.sqrt(hh * vv))
        return abs(slope) * amplitude, corr, corr <= -ANTI_PHASE_MIN_R, sp.name
    return None, None, None, None


# -- vertical rates ---------------------------------------------------------------------------


_RATE_SOURCES = ("altitude", "reported", "altitude and reported")


def _slope_fpm(t: Float, x: Float) -> Float:
    """Per row: the slope (ft/min) of the finite ``x`` between the first and last value
    within RATE_WINDOW_S centred on it (NaN when they span less than RATE_MIN_SPAN_S)."""
    idx = np.flatnonzero(np.isfinite(x))
    out = np.full(t.shape[0], np.nan)
    if idx.size < 2:
        return out
    tv, xv = t[idx], x[idx]
    lo = np.searchsorted(tv, t - 0.5 * RATE_WINDOW_S, "left")
    hi = np.searchsorted(tv, t + 0.5 * RATE_WINDOW_S, "right") - 1
    lo, hi = np.minimum(lo, idx.size - 1), np.maximum(hi, 0)
    span = tv[hi] - tv[lo]
    net = np.abs(xv[hi] - xv[lo])
    travel = np.r_[0.0, np.cumsum(np.abs(np.diff(xv)))]
    ok = (hi > lo) & (span >= RATE_MIN_SPAN_S) & (travel[hi] - travel[lo] <= MONOTONE_RATIO * net)
    out[ok] = (xv[hi[ok]] - xv[lo[ok]]) / span[ok] * 60.0
    return out


def abnormal_vertical_rates(
    reports: pa.Table | pa.RecordBatch | Series,
    *,
    bad: BadValues | None = None,
    phases: Phases | None = None,
    max_climb_fpm: float = MAX_CLIMB_FPM,
    max_descent_fpm: float = MAX_DESCENT_FPM,
) -> tuple[VerticalRate, ...]:
    """Stretches of one aircraft's reports climbing faster than ``max_climb_fpm`` or
    descending faster than ``max_descent_fpm`` (both positive; module docstring),
    for at least RATE_MIN_S and RATE_MIN_REPORTS reports. ``reports``, ``bad`` and
    ``phases`` as for :func:`find_oscillations`; flagged altitudes and rates are
    left out."""
    if max_climb_fpm <= 0 or max_descent_fpm <= 0:
        raise UsageError("max_climb_fpm and max_descent_fpm must be positive")
    s, clean, air, starts, vmax = _inputs(reports, bad, phases)
    n = len(s)
    if n == 0:
        return ()
    t = s.t_s
    alt = np.where(air, clean.alt_ft, np.nan)
    # the slope never spans a flight start or an impossible step: segments
    # shifted apart in time so that no window holds two
    fin = np.flatnonzero(np.isfinite(alt))
    cut = starts.copy()
    cut[fin[1:][_jumps(t[fin], alt[fin], vmax)]] = True
    shifted = t + np.cumsum(cut) * (t[-1] - t[0] + 2.0 * RATE_WINDOW_S + 1.0)
    rate = _slope_fpm(shifted, alt)
    reported = rolling_median(t, np.where(air, clean.vrate_fpm, np.nan), RATE_WINDOW_S)
    reported = np.where(air, reported, np.nan)
    # where both exist, they must agree: the one nearer zero counts
    both = np.isfinite(rate) & np.isfinite(reported)
    agree = np.sign(rate) == np.sign(reported)
    nearer = np.where(np.abs(rate) <= np.abs(reported), rate, reported)
    source = np.where(both, 2, np.where(np.isfinite(rate), 0, 1))
    rate = np.where(both, np.where(agree, nearer, 0.0), np.where(np.isfinite(rate), rate, reported))
    out = []
    for sign in (1.0, -1.0):
        limit = max_climb_fpm if sign > 0 else max_descent_fpm
        beyond = np.isfinite(rate) & (sign * rate > limit)
        first, stop = _runs(beyond)
        # a run also breaks at a flight start or an impossible step
        for a, b in zip(first, stop, strict=True):
            cuts = np.r_[a, a + 1 + np.flatnonzero(cut[a + 1 : b]), b]
            for c, d in itertools.pairwise(cuts):
                if d - c < RATE_MIN_REPORTS or t[d - 1] - t[c] < RATE_MIN_S:
                    continue
                seg = rate[c:d]
                out.append(
                    VerticalRate(
                        start_ns=int(s.time_ns[c]),
                        end_ns=int(s.time_ns[d - 1]),
                        min_fpm=float(np.min(seg)),
                        max_fpm=float(np.max(seg)),
                        source=_RATE_SOURCES[int(np.max(source[c:d]))],
                    )
                )
    return tuple(sorted(out, key=lambda v: v.start_ns))


# -- events -----------------------------------------------------------------------------------


def _num(x: float | None, digits: int) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), digits)


def oscillation_events(oscillations: Iterable[Oscillation]) -> list[Event]:
    """One ``oscillation`` event per oscillation, at its start (detail: end, duration_s,
    period_s, amplitude_ft, cycles, mean_alt_ft, speed_amplitude_kt, speed_source,
    anti_phase)."""
    return [
        Event(
            o.start_ns,
            "oscillation",
            {
                "end": iso_utc(o.end_ns),
                "duration_s": round(o.duration_s, 1),
                "period_s": round(o.period_s, 1),
                "amplitude_ft": round(o.amplitude_ft),
                "cycles": o.cycles,
                "mean_alt_ft": _num(o.mean_alt_ft, 0),
                "speed_amplitude_kt": _num(o.speed_amplitude_kt, 1),
                "speed_source": o.speed_source,
                "anti_phase": o.anti_phase,
            },
        )
        for o in oscillations
    ]


def vertical_rate_events(rates: Iterable[VerticalRate]) -> list[Event]:
    """One ``abnormal_vertical_rate`` event per stretch, at its start (detail: end,
    duration_s, min_fpm, max_fpm, source)."""
    return [
        Event(
            v.start_ns,
            "abnormal_vertical_rate",
            {
                "end": iso_utc(v.end_ns),
                "duration_s": round(v.duration_s, 1),
                "min_fpm": round(v.min_fpm),
                "max_fpm": round(v.max_fpm),
                "source": v.source,
            },
        )
        for v in rates
    ]


__all__ = [
    "MAX_CLIMB_FPM",
    "MAX_DESCENT_FPM",
    "MIN_AMPLITUDE_FT",
    "PERIOD_MAX_S",
    "PERIOD_MIN_S",
    "Oscillation",
    "VerticalRate",
    "abnormal_vertical_rates",
    "find_oscillations",
    "oscillation_events",
    "vertical_rate_events",
]
