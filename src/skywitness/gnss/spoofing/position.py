"""Spoofing detectors that look at the reported positions alone: ``frozen`` and ``jump``.

``frozen``
    The position stays put (within the jitter of CPR decoding) for
    :data:`FROZEN_MIN_S` or more while the aircraft, by its own ground
    speed, should have flown :data:`FROZEN_MIN_MOVE_M`, or while its
    altitude changes by :data:`FROZEN_MIN_CLIMB_FT`, after the aircraft
    was seen elsewhere in the same segment (a record that starts with a
    position standing still is an aircraft on the ground as often as a
    frozen one: without ``on_ground`` they cannot be told apart). The first
    report of the held position is where the aircraft was and stays
    unflagged. One exact value repeated is what a forward-filling pipeline
    makes of a position outage
    (jamming, coverage): such a run counts only if the track does not
    resume where the aircraft would be had it flown on from the run's
    start (dead reckoning on its reported velocity; when the velocity froze
    with the position, as a receiver holding its whole solution reports it,
    straight on at the velocity it had when the position froze). Each
    report of a run so confirmed is an observation of the frozen solution,
    even where every field repeats the row before. A run of one value up
    to the end of the record, or one whose resumption cannot be checked
    (no velocity), stays unflagged: it may be a stale value.
``jump``
    Consecutive new positions (:func:`~skywitness.gnss.spoofing.kernels.track_events`)
    farther apart than an aircraft flying at
    :data:`JUMP_MAX_SPEED_KT` could get in the elapsed time (plus timing
    and position error allowances) cut the track into pieces. The chain of
    pieces that spans the most time while every link is reachable is the
    aircraft's track (the longest consistent path, as traffic's
    FilterConsistency, with time for weight); the pieces left out are
    flagged as displaced. Time counts only while the rest of the GNSS
    solution is plausible (ground speed inside the flight envelope, GNSS
    altitude within weather of pressure altitude), so that a long spoofed
    stretch at an airport's elevation does not outweigh the true track
    around it; the track is also cut where the solution turns implausible
    or plausible again, so that a spoofed stretch that starts within reach
    of the true track (a frozen position, then the attractor a few minutes
    away at 1,000 kt) is weighed on its own instead of carrying the true
    track before it along. Of chains equally heavy, the one that covers the
    most time wins: a stretch is set aside only where the track cannot pass
    through it. A gap in positions is never a jump by itself: only the
    positions on either side are compared, with the time between them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from skywitness.gnss.spoofing.chain import CHAIN_HORIZON, displaced
from skywitness.gnss.spoofing.kernels import (
    CLEAR,
    DEAD_RECKONING_FRACTION,
    DEAD_RECKONING_MAX_S,
    FLAGGED,
    HELD_MIN_S,
    SAME_PLACE_M,
    TIME_SLACK_S,
    UNEVALUATED,
    Bool,
    Float,
    Int,
    SpoofBatch,
    dead_reckoning_error,
    debounce,
    epu_m,
    still_runs,
    track_events,
)
from skywitness.gnss.spoofing.motion import AltitudeDivergence, Kinematic
from skywitness.model.geo import distance_m
from skywitness.model.units import MPS_PER_KT, NS_PER_S
from skywitness.track.reckon import last_index

#: Positions closer than this are "the same place" (see ``SAME_PLACE_M``).
FROZEN_RADIUS_M = SAME_PLACE_M
#: A position held this long is frozen, when the aircraft should have moved
#: (see ``HELD_MIN_S``).
FROZEN_MIN_S = HELD_MIN_S
#: ... and the aircraft's ground speed says it flew at least this far meanwhile:
#: 1 NM is ten times the 0.1 NM error bound of NACp 7, so no position noise can hide it.
FROZEN_MIN_MOVE_M = 1852.0
#: ... or its pressure altitude changed by at least this much (20 steps of the
#: 25-ft altitude encoding, 5 of the 100-ft Gillham code): no aircraft climbs
#: 500 ft while holding its position to 30 m except a helicopter, and its
#: ground speed (near zero) would then say so.
FROZEN_MIN_CLIMB_FT = 500.0
#: The fastest an ADS-B-equipped aircraft goes over the ground: the fastest
#: civil aircraft in service (Mmo 0.935, ~540 kt TAS at altitude) with the
#: strongest jet-stream tailwind (~250 kt) make ~790 kt; 1,000 kt leaves a
#: quarter on top. Supersonic military aircraft can exceed it (documented
#: false positives; they seldom broadcast positions while supersonic). The
#: community threshold of 2,000 kt (anchors.md) lets real spoofing returns
#: through: the sample ``noisy_spoofing`` flight's return is a 1,754 kt "jump".
JUMP_MAX_SPEED_KT = 1000.0


@dataclass(frozen=True)
class FrozenPosition:
    """Position held while the aircraft moves; see the module docstring."""

    radius_m: float = FROZEN_RADIUS_M
    min_s: float = FROZEN_MIN_S
    min_move_m: float = FROZEN_MIN_MOVE_M
    min_climb_ft: float = FROZEN_MIN_CLIMB_FT

    @property
    def name(self) -> str:
        return "frozen"

    def flags(self, batch: SpoofBatch) -> Bool:
        gnss = batch.gnss
        verdict = np.where(gnss, CLEAR, UNEVALUATED).astype(np.int8)
        runs = still_runs(batch, self.radius_m)
        rows, first, last = runs.rows, runs.first, runs.last
        if rows.size < 2:
            return debounce(verdict, batch)
        r0, r1 = rows[first], rows[last]
        duration = (batch.time_ns[r1] - batch.time_ns[r0]) / NS_PER_S
        moved = batch.dr_path_m[r1] - batch.dr_path_m[r0]
        climb = _range(batch.altitude_ft, r0, r1)
        held = (
            ~runs.opens_segment  # the aircraft was seen elsewhere first
            & (duration >= self.min_s)
            & (runs.spread_m <= self.radius_m)
            & ((moved >= self.min_move_m) | (climb >= self.min_climb_ft))
        )
        lagging = self._lagging(batch, rows, first, last)
        stale = (runs.distinct == 1) & ~lagging
        inside = (held & ~stale)[runs.run]
        inside[first] = False  # where the aircraft was when its position froze
        verdict[rows[inside]] = FLAGGED
        # Each report of a held value that the track shows was re-reported, not
        # old, is an observation of the frozen solution, repeat or not.
        reported = batch.observed.copy()
        reported[rows[(held & lagging)[runs.run]]] = True
        return debounce(verdict, batch, observed=reported)

    @staticmethod
    def _lagging(batch: SpoofBatch, rows: Int, first: Int, last: Int) -> Bool:
        """Runs after which the track resumes away from where the aircraft would be had
        it flown on from the run's first report: the held value was not merely old.

        Where the ground velocity was renewed along the run, the aircraft is dead
        reckoned on it. Where the velocity froze with the position (a receiver that
        holds its whole solution: the velocity is the same value from the run's first
        report to its last but one, the last being possibly the resumption, begun
        within the run's radius), it is flown on, straight, at the velocity it had
        when the position froze, provided that velocity was live then (the run's
        first step is covered, see :func:`~skywitness.gnss.spoofing.kernels.dead_reckoning`)."""
        after = last + 1
        has_next = after < rows.size
        nxt = rows[np.minimum(after, rows.size - 1)]
        r0, r1 = rows[first], rows[last]
        aircraft = np.cumsum(batch.aircraft_start)
        same = has_next & (aircraft[nxt] == aircraft[r0])
        err, tol, covered = dead_reckoning_error(batch, r0, nxt)
        lagging = covered & (err > tol)
        # The velocity held with the position: the same value from r0 to r1 - 1.
        n = len(batch)
        has_v = np.isfinite(batch.gs_kt) & np.isfinite(batch.track_deg)
        v_rows = np.flatnonzero(has_v)
        changes = np.zeros(n, dtype=np.int64)
        if v_rows.size:
            g, k = batch.gs_kt[v_rows], batch.track_deg[v_rows]
            new_value = np.ones(v_rows.size, dtype=bool)
            new_value[1:] = (g[1:] != g[:-1]) | (k[1:] != k[:-1])
            changes[v_rows[new_value]] = 1
        count = np.cumsum(changes)
        src = last_index(has_v, batch.segment_start)
        v0 = src[r0]
        step_end = np.minimum(r0 + 1, n - 1)
        live = (
            (v0 >= 0)
            & (step_end > r0)
            & (batch.dr_uncovered_s[step_end] == batch.dr_uncovered_s[r0])
            & ~batch.segment_start[step_end]
        )
        frozen_v = live & (count[np.maximum(r1 - 1, r0)] == count[r0]) & ~covered
        span_s = (batch.time_ns[nxt] - batch.time_ns[r0]) / NS_PER_S
        speed = np.where(v0 >= 0, batch.gs_kt[np.maximum(v0, 0)], 0.0) * MPS_PER_KT
        flown = speed * span_s
        chord = distance_m(batch.lat[r0], batch.lon[r0], batch.lat[nxt], batch.lon[nxt])
        tol_held = (
            epu_m(batch.nac_p[r0])
            + epu_m(batch.nac_p[nxt])
            + DEAD_RECKONING_FRACTION * flown
            + speed * TIME_SLACK_S
        )
        lagging |= frozen_v & (span_s <= DEAD_RECKONING_MAX_S) & (np.abs(chord - flown) > tol_held)
        return np.asarray(same & lagging)


@dataclass(frozen=True)
class PositionJump:
    """Positions out of reach of the aircraft's own track; see the module docstring."""

    max_speed_kt: float = JUMP_MAX_SPEED_KT
    horizon: int = CHAIN_HORIZON
    weigh_plausible: bool = True

    @property
    def name(self) -> str:
        return "jump"

    def flags(self, batch: SpoofBatch) -> Bool:
        gnss = batch.gnss
        verdict = np.where(gnss, CLEAR, UNEVALUATED).astype(np.int8)
        new = np.flatnonzero(track_events(batch))

        def linked(p: Int, q: Int) -> Bool:
            return self._reachable(batch, p, q)

        covers = _covers(batch)
        cut_at = None
        weight = covers
        if self.weigh_plausible:
            implausible = _implausible(batch)
            weight = np.where(implausible, 0.0, covers)
            # The track is also cut where the rest of the GNSS solution turns
            # implausible or plausible again: a spoofed stretch that begins within
            # reach of the true track is then not welded to it, and the chain keeps
            # or sets it aside on its own.
            cut_at = np.zeros(len(batch), dtype=bool)
            cut_at[new[1:]] = implausible[new[1:]] != implausible[new[:-1]]
        off = displaced(
            new,
            batch.aircraft_start,
            linked,
            self.horizon,
            row_weight=weight,
            row_tiebreak=covers,
            cut_at=cut_at,
        )
        verdict[off & gnss] = FLAGGED
        return debounce(verdict, batch)

    def _reachable(self, batch: SpoofBatch, p: Int, q: Int) -> Bool:
        """Whether the position at each ``q`` can be reached from the one at ``p``."""
        d = distance_m(batch.lat[p], batch.lon[p], batch.lat[q], batch.lon[q])
        dt = np.abs(batch.time_ns[q] - batch.time_ns[p]) / NS_PER_S
        reach = (
            self.max_speed_kt * MPS_PER_KT * (dt + TIME_SLACK_S)
            + epu_m(batch.nac_p[p])
            + epu_m(batch.nac_p[q])
        )
        return np.asarray(d <= reach)


def _covers(batch: SpoofBatch) -> Float:
    """Seconds each row covers, to the aircraft's next row."""
    t = batch.time_ns
    covers = np.zeros(len(batch))
    if len(batch) > 1:
        covers[:-1] = (t[1:] - t[:-1]) / NS_PER_S
        covers[:-1][batch.aircraft_start[1:]] = 0.0
    return covers


def _implausible(batch: SpoofBatch) -> Bool:
    """Rows whose GNSS solution is implausible apart from the position: ground speed
    outside the flight envelope, GNSS altitude beyond weather of pressure altitude."""
    return np.asarray(
        (Kinematic().envelope(batch) == FLAGGED) | (AltitudeDivergence().verdicts(batch) == FLAGGED)
    )


def _range(values: Float, r0: Int, r1: Int) -> Float:
    """max - min of ``values`` (NaN ignored) over each row span ``r0[k]..r1[k]``."""
    n = values.shape[0]
    padded = np.append(values, np.nan)
    idx = np.empty(2 * r0.shape[0], dtype=np.int64)
    idx[0::2] = r0
    idx[1::2] = r1 + 1
    idx = np.minimum(idx, n)
    with np.errstate(invalid="ignore"):
        hi = np.fmax.reduceat(padded, idx)[0::2]
        lo = np.fmin.reduceat(padded, idx)[0::2]
    out = hi - lo
    return np.asarray(np.where(np.isfinite(out), out, 0.0))
