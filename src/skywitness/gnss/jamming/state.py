"""GNSS quality state of each aircraft over time, from its reports.

One output row per airborne input report (``on_ground`` true is excluded; a
null ``on_ground`` counts as airborne), sorted by ``icao24`` then ``time``,
with the state of the aircraft at that report: 0 good, 1 bad, -1 unknown.

Detectors are strategies behind :class:`QualityDetector`, chosen by name:

``nacp``
    GPSJam's published method. A per-aircraft counter rises by one on each
    message with NACp <= 2 and falls by one on NACp >= 4 (NACp 3 leaves it
    alone); the aircraft is bad once the counter reaches 18. GPSJam does not
    publish how an aircraft recovers: here the counter is clamped to
    [0, 18] and the aircraft is good again when it has decayed back to 0, a
    Schmitt trigger that needs as much evidence to recover as to go bad.
``nic``
    Flightradar24's map is NIC-based (details unpublished); we use the
    community threshold "degraded if NIC < 6" with the same counter: +1 on
    NIC < 6, -1 on NIC >= 6, bad at 18, good again at 0.
``loss``
    Position loss: an aircraft that has broadcast its own ADS-B positions
    stops doing so for more than 30 s while its other reports (altitude,
    speeds) keep arriving, at no less than a quarter of its usual rate and
    with no silence over 30 s. A coverage gap, where everything stops, is a
    silence and never a loss; the aircraft fading out at the edge of
    coverage lowers the rate of all its reports and fails the rate test.

The combined ``state`` is bad when the chosen quality mode or the position
loss says bad, good when the quality mode says good, and unknown otherwise.
Aircraft that never send the quality field (MLAT and TIS-B targets, ADS-B
version 0 transponders with NUCp only) stay unknown for that mode; they are
counted by :func:`state_summary` (from the state columns, so a concatenation
of results or one read back from Parquet is summarised alike) and left out of
map denominators.

What counts as one *message* for a counter: a row from the aircraft's own
ADS-B (``source == "adsb"``) that carries the field. Raw-frame readers repeat
the last NIC/NACp on later rows of the same aircraft; those repeats on ADS-B
rows count as messages (as they would in a decoder's aircraft state), rows
from other transports (Mode S replies, MLAT, TIS-B) do not. A silence of more
than 300 s forgets everything about the aircraft, as dump1090 does.

Every kernel here is a pure function on NumPy arrays of one batch sorted by
aircraft then time; aircraft are separated by run boundaries, so a batch can
hold any number of them. The counter needs a sequential scan; it is done
exactly with NumPy (see :func:`clamped_walk`): runs of equal steps are
collapsed, and the remaining scan composes clamp maps in blocks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from skywitness.errors import UsageError
from skywitness.track.reckon import REACH_S, ground_velocity, last_index, reckon, row_index

Bool = NDArray[np.bool_]
Int = NDArray[np.int64]
State = NDArray[np.int8]
Index = NDArray[np.signedinteger[Any]]

GOOD, BAD, UNKNOWN = 0, 1, -1
NS_PER_S = 1_000_000_000

#: GPSJam: the counter rises on each message with NACp <= 2 ...
NACP_BAD_MAX = 2
#: ... and falls on each message with NACp >= 4 (NACp 3 leaves it unchanged).
NACP_GOOD_MIN = 4
#: GPSJam: an aircraft counts as bad once its counter reaches about 18.
COUNTER_BAD_AT = 18
#: Ours (GPSJam publishes no recovery rule): good again once the counter,
#: clamped to [0, COUNTER_BAD_AT], has fallen back to 0.
COUNTER_GOOD_AT = 0
#: Community threshold used by several public jamming maps: degraded if NIC < 6
#: (NIC 5 and below bound the position only to 1 NM or worse, DO-260B Table 2-14).
NIC_BAD_BELOW = 6
#: dump1090-fa forgets an aircraft after 300 s without any message
#: (TRACK_AIRCRAFT_TTL = 300000 ms in track.h); so do we: counters and states
#: restart after such a silence.
STATE_RESET_GAP_S = 300.0
#: Position loss needs this long without an own ADS-B position. ADS-B sends
#: airborne positions at 2 Hz (DO-260B 2.2.3.3.1.4.1), so 30 s is 60 missed
#: positions; it also spans three 10 s OpenSky state-vector intervals.
LOSS_AFTER_S = 30.0
#: A silence (no report of any kind) longer than this is a coverage gap, not
#: a loss: three missed OpenSky state vectors, 60 missed ADS-B positions.
LOSS_COVERAGE_GAP_S = 30.0
#: During a loss the aircraft's altitude/speed reports must keep arriving at
#: no less than this fraction of its usual rate. Ours: when GNSS goes, the
#: velocity messages may go with it, so the rate of what remains can halve;
#: an aircraft fading out of coverage drops far lower.
LOSS_MIN_RATE_FRACTION = 0.25
#: A report without a position is placed at the aircraft's last known
#: position if that is at most this old. At 480 kt an aircraft covers 30 km
#: in 2 min, about the size of one H3 resolution-4 cell (22.6 km edge).
POSITION_MAX_AGE_S = 120.0
#: Longest dead reckoning through a position gap: the reach of
#: :mod:`skywitness.track.reckon` (15 min; at 0.5 deg of track error an
#: aircraft at 450 kt drifts ~2 km in that time, a tenth of an H3 res-4 cell).
DEAD_RECKONING_MAX_S = REACH_S
#: Columns whose presence on a report without position shows the aircraft is
#: still heard (altitude, speeds, heading): "the other fields keep coming".
OTHER_FIELDS = ("alt_baro_ft", "gs_kt", "ias_kt", "tas_kt", "mach", "heading_deg", "vrate_fpm")

STATE_TYPE = pa.int8()
TIME_NS = pa.timestamp("ns", tz="UTC")


# -- the batch the kernels see -------------------------------------------------


@dataclass(frozen=True)
class Batch:
    """Reports of any number of aircraft, sorted by aircraft then time, as arrays.

    ``nic`` and ``nac_p`` are -1 where the report does not carry them.
    """

    time_ns: Int
    aircraft_start: Bool  # first row of each aircraft
    segment_start: Bool  # first row of an aircraft or after a silence > STATE_RESET_GAP_S
    adsb: Bool  # the report came from the aircraft's own ADS-B
    has_position: Bool  # lat/lon present, any source
    other: Bool  # no position, but altitude or a speed present
    nic: NDArray[np.int16]
    nac_p: NDArray[np.int16]

    def __len__(self) -> int:
        return int(self.time_ns.shape[0])

    @property
    def own_position(self) -> Bool:
        """The aircraft's own ADS-B position (MLAT and TIS-B keep coming when it is jammed)."""
        return self.has_position & self.adsb


def run_starts(gap_ns: Int, aircraft_start: Bool, max_gap_s: float) -> Bool:
    """Rows that open a run: an aircraft's first row, or one after a silence > max_gap_s."""
    return aircraft_start | (gap_ns > int(max_gap_s * NS_PER_S))


def gaps_ns(time_ns: Int, aircraft_start: Bool) -> Int:
    """Time since the previous row of the same aircraft (a huge value on its first row)."""
    gap = np.empty_like(time_ns)
    gap[0:1] = np.iinfo(np.int64).max
    np.subtract(time_ns[1:], time_ns[:-1], out=gap[1:])
    gap[aircraft_start] = np.iinfo(np.int64).max
    return gap


# -- the counter: an exact clamped random walk, vectorised ------------------


def clamped_walk(step: NDArray[np.int8], reset: Bool, low: int, high: int) -> NDArray[np.int32]:
    """``c[i] = clip(c[i-1] + step[i], low, high)``, with ``c[i-1] = low`` on ``reset`` rows.

    Exact and vectorised. Rows with no step keep the value; consecutive equal
    steps form runs, and ``k`` equal steps clamp like one step of ``k`` (the
    clamp is monotone), so only one value per run is scanned. Row values
    inside a run follow from the run's entry value. The scan over runs is
    :func:`_walk_runs`.
    """
    n = int(step.shape[0])
    event = (step != 0) | reset
    ev = np.flatnonzero(event)
    if ev.size == 0:
        return np.full(n, low, dtype=np.int32)
    s = step[ev].astype(np.int32)
    r = reset[ev]
    new_run = r.copy()
    new_run[0] = True
    new_run[1:] |= s[1:] != s[:-1]
    first = np.flatnonzero(new_run).astype(np.int32)
    length: NDArray[np.int32] = np.diff(np.append(first, ev.size)).astype(np.int32)
    exits = _walk_runs(s[first] * length, r[first], low, high)
    entries = np.empty_like(exits)
    entries[0] = low
    entries[1:] = exits[:-1]
    entries[r[first]] = low
    position = row_index(ev.size) - np.repeat(first, length) + 1
    at_events = np.full(n, low, dtype=np.int32)
    at_events[ev] = np.clip(np.repeat(entries, length) + s * position, low, high)
    last = np.maximum.accumulate(np.where(event, row_index(n), -1))
    return np.where(last >= 0, at_events[np.maximum(last, 0)], low).astype(np.int32)


def _walk_runs(step: NDArray[np.int32], reset: Bool, low: int, high: int) -> NDArray[np.int32]:
    """The clamped walk over arbitrary integer steps, by composing clamp maps in blocks.

    Each step is the map ``x -> clip(x + a, lo, hi)``; such maps compose into
    one of the same form (``a = a1 + a2``, ``lo = clip(lo1 + a2, lo2, hi2)``,
    ``hi = clip(hi1 + a2, lo2, hi2)``), and a reset is the constant map
    ``lo = hi = clip(low + step, low, high)``. Steps are cut into blocks;
    prefix maps are composed in all blocks at once, column by column, then
    the blocks are chained with one scalar step each.
    """
    n = int(step.shape[0])
    width = int(min(max(64, np.sqrt(n)), 4096))
    blocks = -(-n // width)
    size = blocks * width
    small = size < 2**30 and -(2**30) < low <= high < 2**30
    dtype = np.int32 if small else np.int64  # partial sums stay within +-n
    a: Index = np.zeros(size, dtype=dtype)
    a[:n] = step
    lo: Index = np.full(size, low, dtype=dtype)
    hi: Index = np.full(size, high, dtype=dtype)
    at = np.flatnonzero(reset)
    constant = np.clip(low + a[at], low, high)
    a[at], lo[at], hi[at] = 0, constant, constant
    a2, lo2, hi2 = (v.reshape(blocks, width) for v in (a, lo, hi))
    for j in range(1, width):
        aj, loj, hij = a2[:, j], lo2[:, j], hi2[:, j]
        new_lo = np.minimum(np.maximum(lo2[:, j - 1] + aj, loj), hij)
        new_hi = np.minimum(np.maximum(hi2[:, j - 1] + aj, loj), hij)
        lo2[:, j], hi2[:, j] = new_lo, new_hi
        aj += a2[:, j - 1]
    entry: Index = np.empty(blocks, dtype=dtype)
    x = low
    ends_a, ends_lo, ends_hi = a2[:, -1].tolist(), lo2[:, -1].tolist(), hi2[:, -1].tolist()
    for k in range(blocks):
        entry[k] = x
        x = min(ends_hi[k], max(ends_lo[k], x + ends_a[k]))
    a2 += entry[:, None]
    out: NDArray[np.int32] = np.minimum(np.maximum(a2, lo2), hi2).reshape(-1)[:n].astype(np.int32)
    return out


def schmitt(counter: NDArray[np.int32], reset: Bool, bad_at: int, good_at: int) -> Bool:
    """Bad from the row where ``counter`` reaches ``bad_at`` until it falls to ``good_at``.

    The state at a row is decided by which threshold was touched last since
    the last reset (a reset row counts as touching ``good_at``).
    """
    last_bad = last_index(counter >= bad_at, reset)
    last_good = last_index((counter <= good_at) | reset, reset)
    return (last_bad >= 0) & (last_bad >= last_good)


def counter_states(
    observed: Bool,
    step: NDArray[np.int8],
    reset: Bool,
    bad_at: int,
    good_at: int,
    cap: int,
    backdate: bool = True,
) -> State:
    """States from per-message counter steps: unknown until the first observation of a run.

    With ``backdate`` (offline analysis), a change of state found by the
    counter is dated back to where the evidence for it began: a bad stretch
    starts after the counter last stood at ``good_at``, a recovery after it
    last stood at ``bad_at``. Without it the state is causal (what a
    real-time monitor knows at each message).
    """
    counter = clamped_walk(np.where(observed, step, 0).astype(np.int8), reset, 0, cap)
    bad = schmitt(counter, reset, bad_at, good_at)
    if backdate:
        bad = backdated(bad, counter, reset, bad_at, good_at)
    known = last_index(observed, reset) >= 0
    return np.where(known, np.where(bad, BAD, GOOD), UNKNOWN).astype(np.int8)


def backdated(
    bad: Bool, counter: NDArray[np.int32], reset: Bool, bad_at: int, good_at: int
) -> Bool:
    """``bad`` with each change moved back to the start of the counter's run towards it."""
    n = len(bad)
    if n < 2:
        return bad
    out = bad.copy()
    rise = np.flatnonzero(bad[1:] & ~bad[:-1] & ~reset[1:]) + 1
    fall = np.flatnonzero(~bad[1:] & bad[:-1] & ~reset[1:]) + 1
    at_good = last_index((counter <= good_at) | reset, reset)
    at_bad = last_index(counter >= bad_at, reset)
    for k in rise:
        j = at_good[k - 1]  # a reset row with a count already past good_at is included
        out[j + int(counter[j] <= good_at) : k] = True
    for k in fall:
        out[at_bad[k - 1] + 1 : k] = False
    return out


# -- detectors ------------------------------------------------------------------


@runtime_checkable
class QualityDetector(Protocol):
    """A strategy that gives each row of a batch a state: 0 good, 1 bad, -1 unknown."""

    @property
    def name(self) -> str: ...

    def states(self, batch: Batch) -> State: ...


@dataclass(frozen=True)
class NacpCounter:
    """GPSJam's NACp counter (see the module docstring); thresholds are tunable."""

    bad_max: int = NACP_BAD_MAX
    good_min: int = NACP_GOOD_MIN
    bad_at: int = COUNTER_BAD_AT
    good_at: int = COUNTER_GOOD_AT
    reset_gap_s: float = STATE_RESET_GAP_S
    backdate: bool = True

    @property
    def name(self) -> str:
        return "nacp"

    def states(self, batch: Batch) -> State:
        observed = batch.adsb & (batch.nac_p >= 0)
        step = np.where(batch.nac_p >= self.good_min, -1, 0)
        step = np.where(observed & (batch.nac_p <= self.bad_max), 1, step).astype(np.int8)
        reset = _resets(batch, self.reset_gap_s)
        return counter_states(
            observed, step, reset, self.bad_at, self.good_at, self.bad_at, self.backdate
        )


@dataclass(frozen=True)
class NicCounter:
    """NIC below the community threshold, with the same counter as ``nacp``."""

    bad_below: int = NIC_BAD_BELOW
    bad_at: int = COUNTER_BAD_AT
    good_at: int = COUNTER_GOOD_AT
    reset_gap_s: float = STATE_RESET_GAP_S
    backdate: bool = True

    @property
    def name(self) -> str:
        return "nic"

    def states(self, batch: Batch) -> State:
        observed = batch.adsb & (batch.nic >= 0)
        step = np.where(batch.nic < self.bad_below, 1, -1)
        step = np.where(observed, step, 0).astype(np.int8)
        reset = _resets(batch, self.reset_gap_s)
        return counter_states(
            observed, step, reset, self.bad_at, self.good_at, self.bad_at, self.backdate
        )


@dataclass(frozen=True)
class PositionLoss:
    """Own ADS-B positions stop while the aircraft's other reports keep coming.

    Unknown before the aircraft's first own position (and for aircraft that
    never send one: MLAT-only, Mode S without ADS-B); good on reports with an
    own position; bad on the others once the stretch since the last own
    position (or since the aircraft came back into coverage, if later) lasts
    more than ``after_s`` with no silence over ``coverage_gap_s`` and with
    altitude/speed reports arriving at ``min_rate_fraction`` or more of the
    aircraft's usual rate (its altitude/speed reports without position per
    second in coverage, over its whole record). The next own position ends
    the loss. With ``backdate`` (offline) a confirmed loss is marked from
    the first report after the anchor; without it, from when it is confirmed.
    """

    after_s: float = LOSS_AFTER_S
    coverage_gap_s: float = LOSS_COVERAGE_GAP_S
    min_rate_fraction: float = LOSS_MIN_RATE_FRACTION
    backdate: bool = True

    @property
    def name(self) -> str:
        return "loss"

    def states(self, batch: Batch) -> State:
        n = len(batch)
        if n == 0:
            return np.zeros(0, dtype=np.int8)
        t = batch.time_ns
        starts = batch.aircraft_start
        gap = gaps_ns(t, starts)
        silence = gap > int(self.coverage_gap_s * NS_PER_S)
        own = batch.own_position
        last_own = last_index(own, starts)
        anchor = np.maximum(last_own, last_index(silence | starts, starts))
        elapsed_s = (t - t[anchor]) / NS_PER_S
        other_before: Index = np.cumsum(batch.other, dtype=np.int32 if n < 2**31 - 1 else np.int64)
        count = other_before - other_before[anchor]
        rate = count / np.maximum(elapsed_s, 1e-9)
        usual = self._usual_rate(batch, gap, silence)
        lost = (
            ~own
            & (last_own >= 0)
            & (elapsed_s > self.after_s)
            & (rate >= self.min_rate_fraction * usual)
        )
        if self.backdate:
            # Offline: a confirmed loss began right after the anchor of its stretch.
            stretch = np.where(last_own >= 0, anchor, -1)
            confirmed = np.zeros(n + 1, dtype=bool)
            confirmed[stretch[lost] + 1] = True
            lost = ~own & (stretch >= 0) & confirmed[stretch + 1]
        return np.where(last_own >= 0, np.where(lost, BAD, GOOD), UNKNOWN).astype(np.int8)

    @staticmethod
    def _usual_rate(batch: Batch, gap: Int, silence: Bool) -> NDArray[np.float64]:
        """Per row, its aircraft's altitude/speed reports per second of time in coverage."""
        aircraft = np.cumsum(batch.aircraft_start) - 1
        covered_s = np.where(silence, 0, gap) / NS_PER_S
        groups = int(aircraft[-1]) + 1
        seconds = np.bincount(aircraft, weights=covered_s, minlength=groups)
        reports = np.bincount(aircraft, weights=batch.other, minlength=groups)
        rate = np.divide(reports, seconds, out=np.zeros(groups), where=seconds > 0)
        return np.asarray(rate[aircraft], dtype=np.float64)


def _resets(batch: Batch, reset_gap_s: float) -> Bool:
    if reset_gap_s == STATE_RESET_GAP_S:
        return batch.segment_start
    return run_starts(
        gaps_ns(batch.time_ns, batch.aircraft_start), batch.aircraft_start, reset_gap_s
    )


#: Detectors by name, each with its published or documented defaults.
DETECTORS: dict[str, Callable[..., QualityDetector]] = {
    "nacp": NacpCounter,
    "nic": NicCounter,
    "loss": PositionLoss,
}
QUALITY_MODES = ("nacp", "nic", "loss")


def detector(name: str, **params: Any) -> QualityDetector:
    """The detector registered as ``name``, with optional parameter overrides."""
    try:
        factory = DETECTORS[name]
    except KeyError:
        raise UsageError(
            f"unknown GNSS quality mode {name!r} (use {', '.join(DETECTORS)})"
        ) from None
    try:
        return factory(**params)
    except TypeError as exc:
        raise UsageError(f"mode {name!r}: {exc}") from None


# -- from reports to states -----------------------------------------------------


@dataclass(frozen=True)
class AircraftKeys:
    """Per input row: time (ns), aircraft code (rank of icao24 by name), record id."""

    time_ns: Int
    code: Int
    record_id: Int | None
    names: pa.Array  # the distinct icao24 values, as dictionary-encoded
    by_name: Int  # indices sorting ``names``: code k is names[by_name[k]]


def aircraft_keys(reports: pa.Table) -> AircraftKeys:
    """The keys every per-aircraft kernel sorts by (icao24 then time then record_id)."""
    for name in ("icao24", "time"):
        if name not in reports.column_names:
            raise UsageError(f"reports have no {name!r} column")
    t_all = column_np(_time_ns(reports["time"]).cast(pa.int64()), np.int64, 0)
    encoded = pc.dictionary_encode(reports["icao24"]).combine_chunks()
    names = encoded.dictionary
    by_name = column_np(pc.sort_indices(names), np.int64, 0)
    rank = np.empty(len(names), dtype=np.int64)
    rank[by_name] = np.arange(len(names))
    code_all = rank[column_np(encoded.indices, np.int64, 0)]
    rid_all = (
        column_np(reports["record_id"], np.int64, 0)
        if "record_id" in reports.column_names
        else None
    )
    return AircraftKeys(t_all, code_all, rid_all, names, by_name)


def prepare(reports: pa.Table, reset_gap_s: float = STATE_RESET_GAP_S) -> tuple[pa.Table, Batch]:
    """Airborne reports sorted by (icao24, time, record_id) and their kernel batch.

    The table returned holds what the output needs (icao24, time, lat, lon,
    alt_baro_ft and record_id when present), row for row with the batch.
    Equal (icao24, time) keep their input order unless ``record_id`` breaks
    the tie, which makes the result independent of the input order.
    """
    keys = aircraft_keys(reports)
    t_all, code_all, rid_all, names, by_name = (
        keys.time_ns,
        keys.code,
        keys.record_id,
        keys.names,
        keys.by_name,
    )
    keep = None
    if "on_ground" in reports.column_names:
        ground = column_np(pc.fill_null(reports["on_ground"], False), np.bool_, False)
        keep = np.flatnonzero(~ground) if ground.any() else None
    pick = keep if keep is not None else np.arange(reports.num_rows)
    order = pick[
        sort_order(code_all[pick], t_all[pick], None if rid_all is None else rid_all[pick])
    ]
    n = order.shape[0]
    t = t_all[order]
    code = code_all[order]
    aircraft_start = np.ones(n, dtype=bool)
    aircraft_start[1:] = code[1:] != code[:-1]

    # Gather as few arrays as possible: the order is a random permutation for
    # time-sorted input, so each gather is a pass of cache misses.
    flags = np.zeros(reports.num_rows, dtype=np.uint8)
    flags |= _valid(reports, "lat") & _valid(reports, "lon")
    for name in OTHER_FIELDS:
        flags |= _valid(reports, name).view(np.uint8) << 1
    if "source" in reports.column_names:
        flags |= column_np(pc.equal(reports["source"], "adsb"), np.bool_, False).view(np.uint8) << 2
    else:
        flags |= np.uint8(4)
    quality = np.empty((reports.num_rows, 2), dtype=np.int8)
    quality[:, 0] = category_codes(reports, "nic")
    quality[:, 1] = category_codes(reports, "nac_p")
    flags = flags[order]
    quality = quality.view(np.int16).reshape(-1)[order].view(np.int8).reshape(-1, 2)
    # (one 2-byte gather for both: a 2-D row gather is several times slower)
    has_position = (flags & 1).astype(bool)
    batch = Batch(
        time_ns=t,
        aircraft_start=aircraft_start,
        segment_start=run_starts(gaps_ns(t, aircraft_start), aircraft_start, reset_gap_s),
        adsb=(flags & 4).astype(bool),
        has_position=has_position,
        other=(flags & 2).astype(bool) & ~has_position,
        nic=quality[:, 0].astype(np.int16),
        nac_p=quality[:, 1].astype(np.int16),
    )
    sorted_names = names.take(pa.array(by_name))
    columns: dict[str, Any] = {
        "icao24": pa.DictionaryArray.from_arrays(pa.array(code, pa.int32()), sorted_names).cast(
            pa.string()
        ),
        "time": pa.array(t, pa.int64()).cast(TIME_NS),
    }
    for name in ("lat", "lon"):
        if name in reports.column_names:
            values = column_np(reports[name].cast(pa.float64()), np.float64, np.nan)[order]
            columns[name] = pa.array(values, mask=~has_position)
    columns["alt_baro_ft"] = _column(reports, "alt_baro_ft", pa.float32(), order)
    for name in ("gs_kt", "track_deg"):  # for dead reckoning through position gaps
        if name in reports.column_names:
            columns[name] = _column(reports, name, pa.float32(), order)
    if rid_all is not None:
        columns["record_id"] = pa.array(rid_all[order], pa.int64())
    return pa.table(columns), batch


def sort_order(code: Int, t: Int, rid: Int | None) -> Int:
    """Stable order by (code, time), ties then broken by rid."""
    n = code.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    t0 = int(t.min())
    span = int(t.max()) - t0 + 1
    if (int(code.max()) + 1) * span < 2**62:
        key = code * span + (t - t0)
        order = np.argsort(key, kind="stable")
    else:
        order = np.lexsort((t, code))
        key = None
    if rid is None:
        return np.asarray(order, dtype=np.int64)
    ks = key[order] if key is not None else None
    if ks is not None:
        tie = np.zeros(n, dtype=bool)
        same = ks[1:] == ks[:-1]
    else:
        cs, ts = code[order], t[order]
        tie = np.zeros(n, dtype=bool)
        same = (cs[1:] == cs[:-1]) & (ts[1:] == ts[:-1])
    tie[1:] |= same
    tie[:-1] |= same
    if tie.any():
        at = np.flatnonzero(tie)
        rows = order[at]
        order[at] = rows[np.lexsort((rid[rows], t[rows], code[rows]))]
    return np.asarray(order, dtype=np.int64)


def combine(quality: State, loss: State | None) -> State:
    """Bad if either says bad; good if the quality mode says good; else unknown."""
    if loss is None:
        return quality
    out = np.where(quality == GOOD, GOOD, UNKNOWN)
    return np.where((quality == BAD) | (loss == BAD), BAD, out).astype(np.int8)


def gnss_state(
    reports: pa.Table,
    *,
    mode: str = "nacp",
    use_loss: bool = True,
    detectors: Mapping[str, QualityDetector] | None = None,
    position_max_age_s: float = POSITION_MAX_AGE_S,
    backdate: bool = True,
) -> pa.Table:
    """GNSS state of each airborne report; see the module docstring.

    ``mode`` names the quality detector for the combined ``state`` (``nacp``,
    ``nic`` or ``loss``); with ``use_loss`` the position-loss detector is
    OR-ed in. ``detectors`` replaces or tunes detectors by name (for example
    ``{"nacp": NacpCounter(bad_at=10)}``). Every detector runs and gets its
    own ``state_<name>`` column. ``backdate`` (the default, for analysing a
    record) dates each change of state back to where its evidence began;
    ``backdate=False`` gives what a real-time monitor would know at each
    report (the published counters exactly).

    Columns: icao24, time, lat, lon, position_estimated, alt_baro_ft, state,
    state_nacp, state_nic, state_loss (and record_id when the input has it);
    nothing in the schema metadata. Counts: :func:`state_summary`.
    """
    chosen = {name: factory(backdate=backdate) for name, factory in DETECTORS.items()}
    chosen.update(detectors or {})
    if mode not in chosen:
        raise UsageError(f"unknown GNSS quality mode {mode!r} (use {', '.join(chosen)})")
    table, batch = prepare(reports)
    states = {name: det.states(batch) for name, det in chosen.items()}
    loss = states.get("loss") if use_loss and mode != "loss" else None
    combined = combine(states[mode], loss)
    lat, lon, estimated = _best_position(table, batch, position_max_age_s)
    columns: dict[str, pa.Array | pa.ChunkedArray] = {
        "icao24": table["icao24"],
        "time": table["time"],
        "lat": pa.array(lat, mask=np.isnan(lat)),
        "lon": pa.array(lon, mask=np.isnan(lon)),
        "position_estimated": pa.array(estimated),
        "alt_baro_ft": table["alt_baro_ft"],
        "state": pa.array(combined, type=STATE_TYPE),
    }
    for name, values in states.items():
        columns[f"state_{name}"] = pa.array(values, type=STATE_TYPE)
    if "record_id" in table.column_names:
        columns["record_id"] = table["record_id"]
    return pa.table(columns)


@dataclass(frozen=True)
class StateSummary:
    """Counts over a :func:`gnss_state` result, computed from its columns.

    ``rows``: airborne reports; ``aircraft``: distinct icao24; an aircraft is
    *bad* if its combined ``state`` was ever bad, *unknown* if it was never
    known. ``aircraft_unknown_by_mode`` counts, for each ``state_<mode>``
    column, the aircraft that never had a known state in it: for ``nacp`` and
    ``nic`` those that never sent the field (MLAT, TIS-B, ADS-B v0 / NUCp
    only), which maps leave out of their denominators.
    """

    rows: int
    aircraft: int
    aircraft_bad: int
    aircraft_unknown: int
    aircraft_unknown_by_mode: Mapping[str, int]


def state_summary(states: pa.Table) -> StateSummary:
    """The :class:`StateSummary` of ``states`` (a :func:`gnss_state` result, or
    several concatenated: an aircraft is counted once, with its worst state
    over all its rows)."""
    for name in ("icao24", "state"):
        if name not in states.column_names:
            raise UsageError(f"GNSS states have no {name!r} column (use gnss_state)")
    modes = [c for c in states.column_names if c.startswith("state_")]
    worst = states.group_by("icao24").aggregate([(c, "max") for c in ("state", *modes)])

    def count(column: str, value: int) -> int:
        return int(pc.sum(pc.equal(worst[f"{column}_max"], value)).as_py() or 0)

    return StateSummary(
        rows=states.num_rows,
        aircraft=worst.num_rows,
        aircraft_bad=count("state", BAD),
        aircraft_unknown=count("state", UNKNOWN),
        aircraft_unknown_by_mode=MappingProxyType(
            {c.removeprefix("state_"): count(c, UNKNOWN) for c in modes}
        ),
    )


# -- helpers --------------------------------------------------------------------


def _best_position(
    table: pa.Table, batch: Batch, max_age_s: float
) -> tuple[NDArray[np.float64], NDArray[np.float64], Bool]:
    """The report's position; else dead-reckoned from the last one with the ground speed
    and track still reported (up to DEAD_RECKONING_MAX_S); else the last one if at most
    max_age_s old."""
    lat = column_np(table["lat"], np.float64, np.nan) if "lat" in table.column_names else None
    lon = column_np(table["lon"], np.float64, np.nan) if "lon" in table.column_names else None
    n = len(batch)
    if lat is None or lon is None or n == 0:
        return np.full(n, np.nan), np.full(n, np.nan), np.zeros(n, dtype=bool)
    last = last_index(batch.has_position, batch.aircraft_start)
    source = np.maximum(last, 0)
    age = batch.time_ns - batch.time_ns[source]
    fresh = (last >= 0) & (age <= int(max_age_s * NS_PER_S))
    est_lat, est_lon = lat[source], lon[source]
    if "gs_kt" in table.column_names and "track_deg" in table.column_names:
        # Dead reckoning: the ground speed and track the aircraft keeps sending
        # carry it on from its last position (exact in still air for ground-
        # referenced velocity; drift grows with time, hence DEAD_RECKONING_MAX_S).
        # Each report's velocity stands for the time since the report before it.
        north, east = ground_velocity(
            column_np(table["gs_kt"].cast(pa.float64()), np.float64, np.nan),
            column_np(table["track_deg"].cast(pa.float64()), np.float64, np.nan),
        )
        dr = reckon(
            batch.time_ns,
            north,
            east,
            np.where(batch.has_position, lat, np.nan),
            np.where(batch.has_position, lon, np.nan),
            starts=batch.aircraft_start,
            hold="next",
            max_s=DEAD_RECKONING_MAX_S,
        )
        reckoned = dr.reached & ~batch.has_position & (dr.path_m > 0)
        est_lat = np.where(reckoned, dr.lat, est_lat)
        est_lon = np.where(reckoned, dr.lon, est_lon)
        fresh = fresh | reckoned
    estimated = ~batch.has_position & fresh
    use = batch.has_position | estimated
    return (
        np.where(batch.has_position, lat, np.where(use, est_lat, np.nan)),
        np.where(batch.has_position, lon, np.where(use, est_lon, np.nan)),
        estimated,
    )


def _time_ns(column: pa.ChunkedArray) -> pa.ChunkedArray:
    if not pa.types.is_timestamp(column.type):
        raise UsageError(f"reports 'time' column must be a timestamp, not {column.type}")
    return column.cast(TIME_NS)


def column_np(column: Any, dtype: Any, fill: Any) -> NDArray[Any]:
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if column.null_count:
        column = pc.fill_null(column, fill)
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=dtype)


def _valid(table: pa.Table, name: str) -> NDArray[np.uint8]:
    if name not in table.column_names:
        return np.zeros(table.num_rows, dtype=np.uint8)
    return column_np(pc.is_valid(table[name]), np.bool_, False).view(np.uint8)


def category_codes(table: pa.Table, name: str) -> NDArray[np.int8]:
    """An integer category (nic, nac_p: 0-15) as int8, -1 where missing."""
    if name not in table.column_names:
        return np.full(table.num_rows, -1, dtype=np.int8)
    return column_np(table[name].cast(pa.int8()), np.int8, -1)


def _column(table: pa.Table, name: str, type_: pa.DataType, order: NDArray[np.int64]) -> pa.Array:
    """A float column gathered in ``order`` through NumPy (Arrow's chunked take is slow)."""
    if name not in table.column_names:
        return pa.nulls(order.shape[0], type=type_)
    column = table[name].cast(type_)
    values = column_np(column, type_.to_pandas_dtype(), np.nan)[order]
    valid = column_np(pc.is_valid(column), np.bool_, False)[order]
    return pa.array(values, mask=~valid, type=type_)
