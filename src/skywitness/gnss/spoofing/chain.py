"""The heaviest consistent chain: which observations of an aircraft belong to its track.

Consecutive observations that could not both be true (a position out of
reach, an altitude out of climb rate) cut an aircraft's record into pieces.
The track is the chain of pieces, each linked to the next, that keeps the
most observations (or weight, with a second weight to break ties): the
longest consistent path of traffic's FilterConsistency. Pieces off the chain are displaced: a spoofed stretch, a
garbage value, repeated or not.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from skywitness.gnss.spoofing.kernels import Bool, Float, Int
from skywitness.model.units import NS_PER_S
from skywitness.track.reckon import last_index

Linked = Callable[[Int, Int], Bool]

#: Observations are linked only to the previous this-many pieces when the
#: heaviest consistent chain is sought (traffic's FilterConsistency horizon is 200 points).
CHAIN_HORIZON = 200

#: Fastest climb or descent allowed between two pressure altitudes: airliners'
#: emergency descents reach 6,000-8,000 ft/min and AF447's stall 11,000 ft/min;
#: 15,000 ft/min leaves a third on top, which also covers whole-second time
#: stamps over intervals of 3 s or more (aerobatic and military aircraft can
#: exceed it: their garbage-free altitudes may then be set aside).
ALT_RATE_MAX_FPM = 15000.0
#: ... plus this for the encoding: two steps of the 100-ft Gillham code.
ALT_STEP_NOISE_FT = 200.0


def heaviest_chain(
    first: Int,
    last: Int,
    weight: Float,
    linked: Linked,
    horizon: int,
    tiebreak: Float | None = None,
) -> Bool:
    """Pieces (observations ``first..last`` each, in time order) on the chain of greatest
    total weight whose consecutive pieces are ``linked(last[a], first[b])``: the
    longest consistent path of traffic's FilterConsistency, by dynamic programming
    over at most ``horizon`` predecessors. Among chains of equal weight, the one of
    greatest total ``tiebreak`` wins (default: none; then the earliest chain)."""
    count = first.shape[0]
    best = weight.astype(np.float64).copy()
    extra = np.zeros(count) if tiebreak is None else tiebreak.astype(np.float64)
    second = extra.copy()
    pred = np.full(count, -1, dtype=np.int64)
    for k in range(1, count):
        cand = np.arange(max(0, k - horizon), k)
        ok = linked(last[cand], np.full(cand.size, first[k]))
        if ok.any():
            scores = np.where(ok, best[cand], -np.inf)
            top = ok & (scores == scores.max())
            m = int(np.argmax(np.where(top, second[cand], -np.inf)))
            best[k] = weight[k] + scores[m]
            second[k] = extra[k] + second[cand[m]]
            pred[k] = cand[m]
    keep = np.zeros(count, dtype=bool)
    # The heaviest end, then the greatest tiebreak, then the earliest (lexsort is stable).
    k = int(np.lexsort((-second, -best))[0])
    while k >= 0:
        keep[k] = True
        k = int(pred[k])
    return keep


def displaced(
    events: Int,
    aircraft_start: Bool,
    linked: Linked,
    horizon: int = CHAIN_HORIZON,
    row_weight: Float | None = None,
    link_from: Int | None = None,
    row_tiebreak: Float | None = None,
    cut_at: Bool | None = None,
) -> Bool:
    """Rows off the aircraft's consistent track, from its observation rows ``events``.

    Consecutive observations of an aircraft that are not ``linked`` cut its
    track into pieces; :func:`heaviest_chain` keeps the track; each other
    piece is displaced from its first observation up to the next piece's
    first. A piece weighs its number of events, or the sum of ``row_weight``
    over the rows it spans. A piece links onwards from the row ``link_from``
    gives for its last event (default: the event's own row). ``cut_at`` (a mask
    over rows) starts a new piece at an event even where it is linked to the one
    before; ``row_tiebreak`` weighs pieces, as ``row_weight`` does, to choose
    between chains of equal weight. Returns a mask over all rows.
    """
    n = aircraft_start.shape[0]
    out = np.zeros(n, dtype=bool)
    if events.size < 2:
        return out
    aircraft = np.cumsum(aircraft_start)[events]
    opens = np.ones(events.size, dtype=bool)
    opens[1:] = aircraft[1:] != aircraft[:-1]
    ok = np.ones(events.size, dtype=bool)
    tail = events if link_from is None else link_from
    ok[1:] = linked(tail[:-1], events[1:])
    cut = opens | ~ok
    if cut_at is not None:
        cut[1:] |= cut_at[events[1:]]
    if not cut[~opens].any():
        return out
    first = np.flatnonzero(cut)
    last = np.r_[first[1:] - 1, events.size - 1]
    owner = aircraft[first]
    span_end = np.r_[events[first[1:]], n]
    if row_weight is None:
        weight = (last - first + 1).astype(np.float64)
    else:
        weight = _span_sums(row_weight, events[first], span_end)
    tiebreak = None if row_tiebreak is None else _span_sums(row_tiebreak, events[first], span_end)
    # A piece spans up to the next piece's first event, or its aircraft's end.
    next_aircraft = np.r_[np.flatnonzero(aircraft_start)[1:], n]
    span_end = np.minimum(span_end, next_aircraft[aircraft[first] - 1])
    off = np.zeros(first.size, dtype=bool)
    bounds = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1], True])
    for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        if b - a > 1:
            keep = heaviest_chain(
                events[first[a:b]],
                tail[last[a:b]],
                weight[a:b],
                linked,
                horizon,
                None if tiebreak is None else tiebreak[a:b],
            )
            off[a:b] = ~keep
    if not off.any():
        return out
    mark = np.zeros(n + 1, dtype=np.int64)
    np.add.at(mark, events[first[off]], 1)
    np.add.at(mark, span_end[off], -1)
    return np.asarray(np.cumsum(mark[:-1]) > 0)


def _span_sums(values: Float, start: Int, end: Int) -> Float:
    """Sum of ``values`` over each row span ``start[k]..end[k] - 1``."""
    cum = np.r_[0.0, np.cumsum(values)]
    return np.asarray(cum[end] - cum[start])


def altitude_consistent(time_ns: Int, alt_ft: Float, aircraft_start: Bool, observed: Bool) -> Bool:
    """Pressure altitudes on the aircraft's altitude track.

    Consecutive new values link when no farther apart than ALT_RATE_MAX_FPM
    allows over the time between them, plus ALT_STEP_NOISE_FT; pieces off the
    heaviest chain, weighed by their ``observed`` rows with an altitude (a
    garbage value, repeated or not), are not on the track.
    """
    known = np.isfinite(alt_ft)
    rows = np.flatnonzero(known)
    out = known.copy()
    if rows.size < 2:
        return out
    a = alt_ft[rows]
    aircraft = np.cumsum(aircraft_start)[rows]
    new = np.ones(rows.size, dtype=bool)
    new[1:] = (a[1:] != a[:-1]) | (aircraft[1:] != aircraft[:-1])
    events = rows[new]
    rate = ALT_RATE_MAX_FPM / 60.0

    def linked(p: Int, q: Int) -> Bool:
        dt = np.abs(time_ns[q] - time_ns[p]) / NS_PER_S
        return np.asarray(np.abs(alt_ft[q] - alt_ft[p]) <= rate * dt + ALT_STEP_NOISE_FT)

    # A value links onwards from the last observed row that still carried it
    # (level flight re-reports it; a pipeline's copies do not count).
    seen = last_index(known & observed, aircraft_start)
    before_next = np.r_[events[1:] - 1, alt_ft.shape[0] - 1]
    tail = np.maximum(seen[before_next], events)
    weight = (observed & known).astype(np.float64)
    return out & ~displaced(events, aircraft_start, linked, row_weight=weight, link_from=tail)
