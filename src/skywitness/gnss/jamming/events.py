"""Interference events: affected aircraft grouped in space and time, with their emitter.

Each aircraft's bad stretches (:mod:`skywitness.gnss.jamming.stretches`) are linked when they overlap in time and their paths come
within :data:`LINK_KM`; linked groups with at least :data:`MIN_AIRCRAFT`
distinct aircraft are events. Each event gets an emitter estimate
(:mod:`skywitness.gnss.locate`); events whose emitters coincide are merged
and refitted, so one jammer seen by aircraft on opposite sides of its disc is
one event, and a smaller event lying inside a located one's disc is merged
into it (:func:`_absorb_inside`). Stretches of aircraft the spoofing
detectors flag meanwhile link only with each other (a spoofer's zone next to
a jammer's is another event). Each event carries its active windows
(:func:`active_windows`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from skywitness.gnss.jamming.spatial import index_of
from skywitness.gnss.jamming.stretches import (
    CONTRADICTION_S,
    PATH_STEP_S,
    Interval,
    consistent,
    footprint,
    intervals,
    outside_points,
    pieces,
    samples_of,
)
from skywitness.gnss.locate import (
    EXIT_MAX_LAG_S,
    INOUT_MARGIN_KM,
    OUTSIDE_MIN_ALT_FT,
    EmitterEstimate,
    Observations,
    horizon_km,
    locate_emitter,
    misfit,
    misfits,
)
from skywitness.model.geo import (
    EARTH_RADIUS_M,
    distance_m,
    mean_lon,
    near_lon,
    nearest_distance_m,
    wrap_lon,
)
from skywitness.model.timefmt import iso_utc
from skywitness.progress import Progress, no_progress

#: Fewest distinct aircraft for an event. One aircraft alone can be a faulty
#: receiver (GPSJam's score forgives one bad aircraft per cell for the same
#: reason); two aircraft losing GNSS in the same place and time cannot.
MIN_AIRCRAFT = 2
#: Two bad stretches belong together when their paths come this close while
#: both are bad (or within LINK_SLACK_S of it). A jammer's disc at cruise
#: level is 50-400 km across; 75 km links neighbouring chords without
#: bridging two emitters a few hundred km apart.
LINK_KM = 75.0
#: Time slack for linking: traffic through an active jammer's disc is
#: intermittent where it is sparse.
LINK_SLACK_S = 1800.0
#: Events whose emitter estimates are closer than this (plus their 95 %
#: errors) are one emitter, seen in separate groups.
SAME_EMITTER_KM = 25.0
#: Good aircraft positions farther than this from an event's affected paths
#: are not used as "outside" evidence (they say nothing about this disc).
OUTSIDE_SEARCH_KM = 500.0
#: Pairs of points compared at once where all pairs of a set are (the two
#: farthest stretches of a group; memory: a few times 8 bytes each).
PAIRS_PER_BLOCK = 2_000_000
#: Onsets chained this close from the group's first one are the emitter
#: switching on: receivers lose a fix within ~1-6 s of onset and snapshots
#: come every 5 s, so simultaneous losses spread over ~10 s.
SWITCH_ON_GAP_S = 15.0
#: Recoveries chained this close from the group's last one are the emitter
#: switching off: re-acquisition takes 20-120 s per receiver, so recoveries
#: spread over ~100 s with gaps well under a minute when several aircraft are in.
SWITCH_OFF_GAP_S = 60.0
#: How much denser than the group's average a burst of onsets (recoveries)
#: must be to count as a switching rather than crossings that happen to be
#: close in time.
BURST_RATE_FACTOR = 5.0
#: A dense burst away from the group's start (end) is a switching only with at
#: least this many aircraft: three crossings within seconds happen by chance
#: in busy airspace, four rarely.
SWITCH_CROWD = 4
#: A stretch is unexplained by a fitted emitter when more than this share of
#: its path lies beyond the disc by more than the fit's 95 % error plus this
#: margin (dead reckoning drifts a few km over tens of minutes).
UNEXPLAINED_FRACTION = 0.5
UNEXPLAINED_MARGIN_KM = 30.0
#: Two emitters replace one when the robust cost falls by more than this many
#: times the BIC penalty (4 more parameters times log of the observations).
SPLIT_MIN_GAIN = 1.0
#: When only one side's emitter can be located, the stretches with at least
#: this share of their path inside its disc stay with it; the others, if they
#: hold MIN_AIRCRAFT aircraft, are a second emitter's.
SPLIT_EXPLAINED_SHARE = 0.5
#: Rounds of reassigning stretches between two emitters.
SPLIT_ROUNDS = 8
#: A lone stretch joins a located emitter's event when at least this share
#: of its path lies inside the emitter's disc (dead-reckoning drift allowed).
ATTACH_INSIDE_FRACTION = 0.9
#: ... and lies within this time of the event: ground jammers stay on for
#: hours (the published maps show the same areas day after day).
ATTACH_SLACK_S = 6 * 3600.0
#: An event this much smaller than a located one (in aircraft), inside its
#: disc, is that emitter's (:func:`_absorb_inside`).
ABSORB_SHARE = 0.5
#: A stretch's sample is not the emitter's doing when at least this many
#: aircraft kept good quality at that time well inside its fitted disc
#: (two, so that one aircraft with a receiver that resists is not enough) ...
OFF_MIN_GOOD = 2
#: ... "well inside" meaning this far inside its reach: past the fringe and
#: the fit's typical error, so boundary traffic says nothing.
OFF_MARGIN_KM = 50.0
#: An event's activity is the union of its stretches' times; a hole in it is a
#: gap (the emitter off) only when good aircraft flew well inside the fitted
#: disc during it for at least the longest re-acquisition (EXIT_MAX_LAG_S, as
#: in :func:`_while_on`); a hole nobody flew through says nothing, and holes
#: shorter than this are the spacing of traffic, not the emitter.
ACTIVE_HOLE_MIN_S = 600.0
#: Vertices of an event's polygon when it is drawn from a fitted disc.
CIRCLE_VERTICES = 72

NS = 1_000_000_000
_KM_PER_DEG = EARTH_RADIUS_M / 1000 * np.pi / 180

#: What caused an event: a jammer (GNSS lost) or a spoofer (GNSS captured;
#: receivers' integrity drops too, so the quality detectors see its area).
EventKind = Literal["jamming", "spoofing"]


@dataclass
class Event:
    id: str
    start_ns: int
    end_ns: int
    aircraft: list[str]
    intervals: list[Interval] = field(repr=False)
    emitter: EmitterEstimate | None
    polygon: dict[str, Any]
    #: Decided by the jamming job from the spoofing detectors
    #: (:func:`skywitness.jobs.jamming.event_kinds`); quality alone cannot tell.
    kind: EventKind = "jamming"
    #: When the emitter was active, as far as the record tells: [start, end) ns
    #: windows separated by gaps (:func:`active_windows`); empty: start to end.
    active: list[tuple[int, int]] = field(default_factory=list)
    #: Made of stretches of aircraft the spoofing detectors flagged meanwhile
    #: (they link, merge and attach only with each other; see :func:`events_of`).
    spoofed: bool = False

    @property
    def windows(self) -> list[tuple[int, int]]:
        """The active windows (at least one: start to end)."""
        return self.active or [(self.start_ns, self.end_ns)]

    def windows_text(self) -> str:
        """The active windows as ``start/end`` ISO intervals joined by ``;``."""
        return ";".join(f"{iso_utc(a, 'seconds')}/{iso_utc(b, 'seconds')}" for a, b in self.windows)

    def as_json(self) -> dict[str, Any]:
        e = self.emitter
        return {
            "id": self.id,
            "kind": self.kind,
            "start": iso_utc(self.start_ns, "seconds"),
            "end": iso_utc(self.end_ns, "seconds"),
            "active": [
                {"start": iso_utc(a, "seconds"), "end": iso_utc(b, "seconds")}
                for a, b in self.windows
            ],
            "n_aircraft": len(self.aircraft),
            "aircraft": self.aircraft,
            "emitter": None if e is None else e.as_json(km_digits=2, counts=False),
            "polygon": self.polygon,
        }


# -- intervals -------------------------------------------------------------------


# A trusted position is a real one on a report not in the bad state (good, or
# unknown for aircraft that send no quality fields: nothing says it is wrong).


# -- grouping --------------------------------------------------------------------


def group(ivs: list[Interval], classes: list[int] | None = None) -> list[list[int]]:
    """Indices of intervals linked in space and time (connected components); with
    ``classes``, only intervals of one class link.

    Each stretch is compared with the later-starting ones within LINK_SLACK_S
    of its end; a bound on their distance from the footprints' latitude bands
    and longitude arcs (:func:`_apart_km`) skips the pairs that cannot come
    within LINK_KM before the points are compared, so that a world of
    simultaneous zones costs what its neighbours cost."""
    n = len(ivs)
    cls = classes if classes is not None else [0] * n
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    pts = [footprint(iv) for iv in ivs]
    boxes = _boxes(pts)
    lat_lo, lat_hi = boxes[:, 0].copy(), boxes[:, 1].copy()
    order = sorted(range(n), key=lambda i: ivs[i].start_ns)
    starts = np.array([ivs[i].start_ns for i in order], dtype=np.int64)
    ordered = np.array(order, dtype=np.int64)
    for x, i in enumerate(order):
        if not len(pts[i]):
            continue
        # The stretches starting no later than the slack after this one ends
        # (the float sum, as the comparison always took it, is a whole number).
        until = int(ivs[i].end_ns + LINK_SLACK_S * NS)
        y = int(np.searchsorted(starts, until, side="right"))
        later = ordered[x + 1 : y]
        # Latitude bands first (the bound below is never less than their gap):
        # the same pairs, fewer to bound.
        later = later[
            ((lat_lo[later] - boxes[i, 1]) * _KM_PER_DEG <= LINK_KM)
            & ((boxes[i, 0] - lat_hi[later]) * _KM_PER_DEG <= LINK_KM)
        ]
        if not len(later):
            continue
        for j in later[_apart_km(boxes, i, later) <= LINK_KM].tolist():
            if find(i) == find(j) or not len(pts[j]) or cls[i] != cls[j]:
                continue
            if _min_distance_km(pts[i], pts[j]) <= LINK_KM:
                parent[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def _boxes(pts: list[NDArray[np.float64]]) -> NDArray[np.float64]:
    """Per footprint: lowest and highest latitude, the centre and half-width of
    its longitude arc (across the antimeridian too), and the cosine
    :func:`_min_distance_km` scales its longitudes by; NaN when empty."""
    out = np.full((len(pts), 5), np.nan)
    for k, p in enumerate(pts):
        if not len(p):
            continue
        lon = near_lon(p[:, 1], float(p[0, 1]))
        lo, hi = float(lon.min()), float(lon.max())
        out[k] = (p[:, 0].min(), p[:, 0].max(), (lo + hi) / 2, (hi - lo) / 2,
                  np.cos(np.radians(p[:, :1].mean())))  # fmt: skip
    return out


def _apart_km(boxes: NDArray[np.float64], i: int, js: NDArray[np.int64]) -> NDArray[np.float64]:
    """For each ``j``, a distance no pair of points of footprints ``i`` and
    ``j`` comes under, in :func:`_min_distance_km`'s measure (``i``'s cosine):
    the gap between their latitude bands and between their longitude arcs
    (the wrapped difference of two points is at least the arcs' gap). NaN
    boxes (empty footprints) give 0: they are handled by the caller."""
    a, b = boxes[i], boxes[js]
    dlat = np.maximum(np.maximum(b[:, 0] - a[1], a[0] - b[:, 1]), 0.0)
    centres = np.abs((b[:, 2] - a[2] + 180.0) % 360.0 - 180.0)
    dlon = np.maximum(centres - a[3] - b[:, 3], 0.0)
    bound = np.hypot(dlon * _KM_PER_DEG * a[4], dlat * _KM_PER_DEG)
    return np.where(np.isnan(bound), 0.0, bound)


def _min_distance_km(a: NDArray[np.float64], b: NDArray[np.float64]) -> float:
    c = np.cos(np.radians(a[:, :1].mean()))
    dy = (a[:, None, 0] - b[None, :, 0]) * _KM_PER_DEG
    dx = ((a[:, None, 1] - b[None, :, 1] + 180) % 360 - 180) * _KM_PER_DEG * c
    return float(np.sqrt((dx**2 + dy**2).min()))  # (the root of the least: the same)


# -- events ----------------------------------------------------------------------


def interference_events(
    states: pa.Table,
    reports: pa.Table,
    *,
    min_aircraft: int = MIN_AIRCRAFT,
    locate: bool = True,
    spoofed: Sequence[tuple[str, int, int]] = (),
) -> list[Event]:
    """Interference events found in ``states`` (from gnss_state) and their ``reports``.

    ``spoofed``: (icao24, start_ns, end_ns) of the spoofing detectors' intervals.
    A stretch of an aircraft spoofed meanwhile is a spoofer's doing, not a
    jammer's: it links only with other such stretches, so that a jammer's and
    a spoofer's neighbouring zones make two events, not one of mixed cause.
    """
    return events_of(
        intervals(states, reports), outside_points(states), min_aircraft=min_aircraft,
        locate=locate, spoofed=spoofed,
    )  # fmt: skip


def events_of(
    stretches: list[Interval],
    outside: NDArray[np.float64],
    *,
    min_aircraft: int = MIN_AIRCRAFT,
    locate: bool = True,
    spoofed: Sequence[tuple[str, int, int]] = (),
    mapper: Mapper | None = None,
    progress: Progress | None = None,
) -> list[Event]:
    """:func:`interference_events` from every aircraft's bad stretches
    (:func:`~skywitness.gnss.jamming.stretches.intervals`, in aircraft then
    time order) and the good aircraft's points
    (:func:`~skywitness.gnss.jamming.stretches.outside_points`, in the same
    order): both can be gathered partition by partition of whole aircraft.
    ``mapper`` runs the groups' splits and fits (default: one after another,
    :func:`serial_map`); the engine's runs them in worker processes.
    ``progress`` hears of stages "consistency", "groups", "fits" (groups
    located, of all) and "merges"."""
    report = progress or no_progress
    report("consistency", 0, 1)
    ivs = consistent(stretches, outside, mapper)
    report("consistency", 1, 1)
    report("groups", 0, 1)
    by_aircraft: dict[str, list[tuple[int, int]]] = {}
    for icao24, a, b in spoofed:
        by_aircraft.setdefault(icao24, []).append((a, b))
    classes = [
        int(any(a <= iv.end_ns and b >= iv.start_ns for a, b in by_aircraft.get(iv.icao24, ())))
        for iv in ivs
    ]
    linked = [g for g in group(ivs, classes) if len({ivs[i].icao24 for i in g}) >= min_aircraft]
    report("groups", 1, 1)
    # Each group is split and located on its own (in worker processes when
    # ``mapper`` runs them there); the events' stretches are then put back to
    # the very objects of ``ivs`` they are, as the merges below compare
    # stretches by identity.
    tasks = [(g, [ivs[i] for i in g], locate) for g in linked]
    spoof_class = {id(iv): bool(c) for iv, c in zip(ivs, classes, strict=True)}
    groups: list[list[int]] = []
    found: list[Event] = []
    report("fits", 0, len(tasks))
    for k, ((g, sub, _), (parts, located)) in enumerate(
        zip(tasks, (mapper or serial_map)(_locate_group, tasks, outside), strict=True)
    ):
        groups.extend(parts)
        for ev, where in located:
            _put_back(ev, where, sub)
            ev.spoofed = bool(classes[g[0]])
            found.append(ev)
        report("fits", k + 1, len(tasks))
    report("merges", 0, 1)
    if locate:
        found = _merge_same_emitter(ivs, found, groups, outside, mapper)
        found = _attach_lone(ivs, found, outside, spoof_class, mapper)
        found = _absorb_inside(found, outside)
    for ev in found:
        ev.active = active_windows(ev, outside)
    report("merges", 1, 1)
    found.sort(key=lambda e: (e.start_ns, e.id))
    for k, ev in enumerate(found):
        ev.id = f"E{k + 1:03d}-{datetime.fromtimestamp(ev.start_ns / NS, UTC):%Y%m%dT%H%M}"
    return found


#: ``mapper(fn, items, shared)``: ``fn(item, shared)`` of each item, in order
#: (a list, or an iterable of them as they come), run where the mapper likes
#: (the local engine: worker processes, ``shared`` sent to each worker once).
Mapper = Callable[[Callable[[Any, Any], Any], Sequence[Any], Any], Iterable[Any]]


def serial_map(fn: Callable[[Any, Any], Any], items: Sequence[Any], shared: Any) -> list[Any]:
    return [fn(item, shared) for item in items]


def _locate_group(
    task: tuple[list[int], list[Interval], bool], outside: NDArray[np.float64]
) -> tuple[list[list[int]], list[tuple[Event, list[int]]]]:
    """One linked group split (:func:`_split_two`) and located (:func:`_event`):
    its parts (indices into the whole) and events, with the place in the
    group of each event's stretch (-1: a piece made here)."""
    g, sub, locate = task
    local = list(range(len(sub)))
    parts = _split_two(sub, local, outside) if locate else [local]
    located = []
    for part in parts:
        ev = _event(sub, part, outside, locate)
        located.append((ev, _places(ev, sub)))
    return [[g[j] for j in part] for part in parts], located


def _refit(
    task: tuple[list[Interval], bool], outside: NDArray[np.float64]
) -> tuple[Event, list[int]]:
    """:func:`_event` of all the stretches ``pool`` (for a mapper): the event,
    with the place in ``pool`` of each of its stretches (-1: a piece made here)."""
    pool, spoofed = task
    ev = _event(pool, list(range(len(pool))), outside, True, spoofed)
    return ev, _places(ev, pool)


def _places(ev: Event, pool: list[Interval]) -> list[int]:
    """The place in ``pool`` of each of ``ev``'s stretches (-1: a piece made
    from one), to put them back after a worker's round trip (:func:`_put_back`)."""
    place = {id(iv): j for j, iv in enumerate(pool)}
    return [place.get(id(iv), -1) for iv in ev.intervals]


def _put_back(ev: Event, where: list[int], pool: list[Interval]) -> None:
    """``ev``'s stretches as the very objects of ``pool`` (:func:`_places`): a
    worker returns copies, and the merges compare stretches by identity."""
    ev.intervals = [pool[j] if j >= 0 else iv for iv, j in zip(ev.intervals, where, strict=True)]


def _refits(
    pools: list[tuple[list[Interval], bool]], outside: NDArray[np.float64], mapper: Mapper | None
) -> list[Event]:
    """:func:`_refit` of each pool, run by ``mapper``; each event's stretches
    are the pools' very objects again (a worker returns copies)."""
    out = []
    for (pool, _), (ev, where) in zip(
        pools, (mapper or serial_map)(_refit, pools, outside), strict=True
    ):
        _put_back(ev, where, pool)
        out.append(ev)
    return out


def active_windows(ev: Event, outside: NDArray[np.float64]) -> list[tuple[int, int]]:
    """When ``ev``'s emitter was active: the union of its stretches' times, split
    at holes of at least ACTIVE_HOLE_MIN_S during which the emitter was off by the
    rule of :func:`_while_on` (OFF_MIN_GOOD good aircraft well inside the fitted
    disc, for at least EXIT_MAX_LAG_S). Without a located emitter nothing tells whether
    a hole was the emitter off: one window, start to end."""
    spans = sorted((iv.start_ns, iv.end_ns) for iv in ev.intervals)
    merged: list[list[int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    em = ev.emitter
    if em is None or len(merged) < 2 or not len(outside):
        return [(ev.start_ns, ev.end_ns)]
    # Nobody of the event was affected in a hole: low aircraft count too (for
    # the emitter to be on, every one crossing its disc would have had to be
    # hidden by terrain), but they must be OFF_MIN_GOOD aircraft, not one.
    deep = _deep_inside(em, outside, min_alt_ft=0.0)
    out = [merged[0]]
    for a, b in merged[1:]:
        lo, hi = out[-1][1] / NS, a / NS
        # The hole sampled as a stretch is (samples_of).
        times = np.arange(lo, hi, PATH_STEP_S)
        off = hi - lo >= ACTIVE_HOLE_MIN_S and bool(_contradicted(times, deep, over_run=True).any())
        if off:
            out.append([a, b])
        else:
            out[-1][1] = max(out[-1][1], b)
    return [(int(a), int(b)) for a, b in out]


def switching_bursts(times: list[int], gap_s: float, first: bool) -> list[list[int]]:
    """Groups of stretches starting (ending) together: the emitter switching on (off).

    When an emitter switches on, every aircraft already inside its disc loses
    GNSS within seconds: their last trusted positions are inside, not on the
    boundary. When it switches off they all recover within their receivers'
    re-acquisition delays. Likewise where the record starts or ends. A burst
    chains times at most ``gap_s`` apart, holds at least MIN_AIRCRAFT, is
    BURST_RATE_FACTOR times denser than the group's stretches on average
    (boundary crossings are spread out; switchings are not), and is the
    group's first (``first``) or last burst, or a crowd of SWITCH_CROWD.
    """
    if len(times) < MIN_AIRCRAFT:
        return []
    order = sorted(range(len(times)), key=lambda k: times[k])
    span_s = max((times[order[-1]] - times[order[0]]) / NS, gap_s)
    mean_rate = len(times) / span_s
    chains: list[list[int]] = [[order[0]]]
    for k in order[1:]:
        if times[k] - times[chains[-1][-1]] <= gap_s * NS:
            chains[-1].append(k)
        else:
            chains.append([k])
    out = []
    for k, c in enumerate(chains):
        width_s = (times[c[-1]] - times[c[0]]) / NS + gap_s
        dense = len(c) >= MIN_AIRCRAFT and len(c) / width_s >= BURST_RATE_FACTOR * mean_rate
        # The group's first (last) burst is where the emitter came on (went
        # off); elsewhere only a crowd is a switching, not a few crossings.
        edge = k == 0 if first else k == len(chains) - 1
        if dense and (edge or len(c) >= SWITCH_CROWD):
            out.append(c)
    return out


def _observations(
    ivs: list[Interval], idx: list[int], outside: NDArray[np.float64]
) -> Observations:
    entry, ea, exit_, xa, inside = [], [], [], [], []
    codes = {a: k for k, a in enumerate(sorted({ivs[i].icao24 for i in idx}))}
    starts = [ivs[i].start_ns for i in idx]
    ends = [ivs[i].end_ns for i in idx]
    on_bursts = switching_bursts(starts, SWITCH_ON_GAP_S, first=True)
    off_bursts = switching_bursts(ends, SWITCH_OFF_GAP_S, first=False)
    switch_on = {k for b in on_bursts for k in b}
    switch_off = {k for b in off_bursts for k in b}
    for k, i in enumerate(idx):
        iv = ivs[i]
        if iv.entry and k in switch_on:
            inside.append(np.array([iv.entry]))
        elif iv.entry:
            entry.append(iv.entry)
            ea.append(codes[iv.icao24])
        if iv.exit and k not in switch_off:
            exit_.append((*iv.exit, _top_before_exit(iv)))
            xa.append(codes[iv.icao24])
        path = _inside_path(iv)
        if len(path):
            inside.append(path[:: max(1, len(path) // 20), 1:4])
    # Good aircraft say "outside" only while the emitter was surely on: while
    # at least MIN_AIRCRAFT aircraft were bad, and not during a switching.
    near = outside
    if len(outside) and entry:
        # Only the points that may lie within OUTSIDE_SEARCH_KM of an entry
        # during the stretches, in their order: the tests below keep the same.
        e = np.array(entry)
        near = outside[index_of(outside).near(
            e[:, 0], e[:, 1], OUTSIDE_SEARCH_KM, min(starts) / NS - 1.0, max(ends) / NS + 1.0
        )]  # fmt: skip
    if len(near):
        t_ns = (near[:, 0] * NS).astype(np.int64)
        st, en = np.sort(np.array(starts)), np.sort(np.array(ends))
        bad_now = np.searchsorted(st, t_ns, side="right") - np.searchsorted(en, t_ns, side="left")
        keep = bad_now >= MIN_AIRCRAFT
        for b, times in [(b, starts) for b in on_bursts] + [(b, ends) for b in off_bursts]:
            lo, hi = min(times[k] for k in b), max(times[k] for k in b)
            keep &= (t_ns < lo) | (t_ns > hi)
        near = near[keep]
    if len(near) and entry:
        e = np.array(entry)
        # The nearest entry of each (a k-d tree): a large event has thousands
        # of entries and a hundred thousand good points round it.
        d = nearest_distance_m(near[:, 1], near[:, 2], e[:, 0], e[:, 1], OUTSIDE_SEARCH_KM * 1000)
        near = near[d / 1000 <= OUTSIDE_SEARCH_KM]
    return Observations(
        entry=np.array(entry, dtype=float).reshape(-1, 3),
        exit=np.array(exit_, dtype=float).reshape(-1, 5),
        inside=np.concatenate(inside) if inside else np.zeros((0, 3)),
        outside=near[:, 1:4] if len(near) else np.zeros((0, 3)),
        entry_aircraft=np.array(ea, dtype=np.int64),
        exit_aircraft=np.array(xa, dtype=np.int64),
    )


def _top_before_exit(iv: Interval) -> float:
    """Highest altitude in the EXIT_MAX_LAG_S before a stretch's exit, ft.

    The receiver left the zone somewhere in that time (it re-acquires late), at
    the altitude it had then: a descending aircraft crossed the boundary
    higher, where the radio horizon reaches farther, than its exit report.
    """
    assert iv.exit is not None
    alt = iv.exit[2]
    if not len(iv.path):
        return alt
    tail = iv.path[iv.path[:, 0] >= iv.end_ns / NS - EXIT_MAX_LAG_S, 3]
    tail = tail[np.isfinite(tail)]
    return float(max(alt, tail.max())) if len(tail) else alt


def _inside_path(iv: Interval) -> NDArray[np.float64]:
    """The part of a stretch's path that surely lay inside the emitter's reach.

    A receiver re-acquires GNSS up to EXIT_MAX_LAG_S after it leaves the
    zone, so the path's tail may lie outside by that much flying: it is left
    out, also when no exit was seen (the record ended, or the aircraft landed,
    within that delay: descending, it may have left the radio horizon).
    Positions reckoned backwards from the exit (no entry) are left out too:
    they place the stretch, but carry the whole stretch's drift. A stretch bad from the aircraft's first report to its last (no
    trusted position on either side) shows no boundary at all; a receiver
    reporting bad quality everywhere (a faulty one) looks the same, so its
    path is not taken as inside either.
    """
    if not len(iv.path) or (iv.entry is None and iv.exit is None):
        return np.zeros((0, 4))
    p = iv.path
    return p[(p[:, 0] <= iv.end_ns / NS - EXIT_MAX_LAG_S) & (p[:, 0] >= iv.backward_until_s)]


def _event(
    ivs: list[Interval],
    idx: list[int],
    outside: NDArray[np.float64],
    locate: bool,
    spoofed: bool = False,
) -> Event:
    emitter = locate_emitter(_observations(ivs, idx, outside)) if locate else None
    if emitter is not None:
        # Parts of stretches while good aircraft flew deep inside the fitted
        # disc (the emitter was off), and stretches the disc cannot explain
        # (mostly far outside it), have another cause, such as a faulty
        # receiver: leave them out and refit.
        kept = _kept(ivs, idx, emitter, outside)
        pool = [p for i in idx for p in kept[i]]
        changed = len(pool) != len(idx) or any(
            a is not ivs[i] for a, i in zip(pool, idx, strict=True)
        )
        if changed and len({iv.icao24 for iv in pool}) >= MIN_AIRCRAFT:
            ivs, idx = pool, list(range(len(pool)))
            emitter = locate_emitter(_observations(ivs, idx, outside))
    return Event(
        id="",
        start_ns=min(ivs[i].start_ns for i in idx),
        end_ns=max(ivs[i].end_ns for i in idx),
        aircraft=sorted({ivs[i].icao24 for i in idx}),
        intervals=[ivs[i] for i in idx],
        emitter=emitter,
        polygon=_polygon([ivs[i] for i in idx]),
        spoofed=spoofed,
    )


def _kept(
    ivs: list[Interval], idx: list[int], emitter: EmitterEstimate, outside: NDArray[np.float64]
) -> dict[int, list[Interval]]:
    """What an emitter's event keeps of each stretch: its parts while the
    emitter was on as far as others tell (:func:`_while_on`), those not mostly
    beyond the emitter's disc (:func:`_outside_disc`)."""
    deep = _deep_inside(emitter, outside)
    return {i: [p for p in _while_on(ivs[i], deep) if not _outside_disc(p, emitter)] for i in idx}


def _own(iv: Interval) -> Observations:
    """What one stretch says, alone (for assigning it to an emitter)."""
    return Observations(
        entry=np.array([iv.entry] if iv.entry else [], dtype=float).reshape(-1, 3),
        exit=np.array([iv.exit] if iv.exit else [], dtype=float).reshape(-1, 4),
        inside=iv.path[:: max(1, len(iv.path) // 20), 1:4] if len(iv.path) else np.zeros((0, 3)),
        outside=np.zeros((0, 3)),
    )


def _split_two(
    ivs: list[Interval], idx: list[int], outside: NDArray[np.float64]
) -> list[list[int]]:
    """``idx`` as one group, or as two when two emitters explain it far better than one.

    Overlapping discs of two emitters link into one group. Starting from a
    2-means split of the stretches' positions, each side gets its own emitter
    fit and each stretch goes to the emitter that explains it best, until
    stable, or until a round's assignment costs no less under its own two
    emitters than the best before it (the rounds have stalled, or go round a
    cycle), or for SPLIT_ROUNDS rounds; the last assignment fitted is judged:
    the split is kept when it lowers the robust cost by more than
    SPLIT_MIN_GAIN per added parameter (4) times log(observations), the
    Bayesian information criterion, and each side keeps MIN_AIRCRAFT aircraft.
    """
    if len({ivs[i].icao24 for i in idx}) < 2 * MIN_AIRCRAFT:
        return [idx]
    first = locate_emitter(_observations(ivs, idx, outside), bootstrap=0)
    if first is None:
        return [idx]
    # One emitter against two is judged on what one emitter's event would
    # keep of the stretches (:func:`_kept`, as :func:`_event` does before its
    # refit, here with the first fit's bound without resampling, so a little
    # stricter): parts while the emitter was off, or far beyond its disc,
    # have another cause, and pull a one-emitter fit that a second emitter
    # then appears to improve (at 10^8 reports each large event was cut in
    # two 3 km apart that merged again).
    kept = _kept(ivs, idx, first, outside)

    def obs(part: list[int]) -> Observations:
        pool = [p for i in part for p in kept[i]]
        return _observations(pool, list(range(len(pool))), outside)

    if len({p.icao24 for i in idx for p in kept[i]}) < 2 * MIN_AIRCRAFT:
        return [idx]
    whole = obs(idx)
    single = locate_emitter(whole, bootstrap=0)
    if single is None:
        return [idx]
    own = {i: _own(ivs[i]) for i in idx}
    centre = np.array(
        [_centre(footprint(ivs[i])) if len(footprint(ivs[i])) else [np.nan, np.nan] for i in idx]
    )
    if np.isnan(centre).any():
        return [idx]
    side = _two_means(centre)
    # The lowest cost so far of an assignment under its own two emitters,
    # and the last assignment fitted (with its cost).
    best = np.inf
    last: tuple[float, NDArray[np.int64]] | None = None
    for _ in range(SPLIT_ROUNDS):
        parts = _sides(idx, side)
        if any(len({ivs[i].icao24 for i in part}) < MIN_AIRCRAFT for part in parts):
            return [idx]
        seen = [obs(part) for part in parts]
        fitted = [locate_emitter(o, bootstrap=0) for o in seen]
        if fitted[0] is None and fitted[1] is None:
            return [idx]
        if fitted[0] is None or fitted[1] is None:
            # One side has too few crossings to locate its emitter; it is still
            # a separate emitter when the other side's disc cannot explain it.
            k = 0 if fitted[0] is not None else 1
            est = fitted[k]
            assert est is not None
            explained = [i for i in idx if _share_inside(ivs[i], est) >= SPLIT_EXPLAINED_SHARE]
            rest = [i for i in idx if i not in set(explained)]
            enough = all(len({ivs[i].icao24 for i in p}) >= MIN_AIRCRAFT for p in (explained, rest))
            return [explained, rest] if enough else [idx]
        ests = [fitted[0], fitted[1]]
        cost = float(sum(misfit(o, e) for o, e in zip(seen, ests, strict=True)))
        if not cost < best:
            # No better than an assignment before it: the rounds have stalled
            # or go round a cycle, and further rounds would only go on
            # moving stretches (at 10^8 reports, a third to a half of a large
            # group's stretches moved between two fits a few km apart in
            # every round, for all the rounds). The split judged is the one
            # the rounds ended with, as when they run out.
            last = (cost, side)
            break
        best, last = cost, (cost, side)
        owns = [own[i] for i in idx]
        new = (misfits(owns, ests[1]) < misfits(owns, ests[0])).astype(np.int64)
        if (new == side).all():
            break
        side = new
    if last is None:
        return [idx]
    two, side = last
    parts = _sides(idx, side)
    one = misfit(whole, single)
    return parts if one - two > _bic_margin([p for i in idx for p in kept[i]]) else [idx]


def _sides(idx: list[int], side: NDArray[np.int64]) -> list[list[int]]:
    """The stretches of ``idx`` on side 0 and on side 1."""
    return [[i for i, s_ in zip(idx, side, strict=True) if s_ == k] for k in (0, 1)]


def _centre(pts: NDArray[np.float64]) -> NDArray[np.float64]:
    """Mean (lat, lon) of points, across the antimeridian too."""
    m = np.asarray(pts.mean(axis=0), dtype=np.float64)
    near = near_lon(pts[:, 1], float(pts[0, 1]))
    if not np.array_equal(near, pts[:, 1]):
        m[1] = wrap_lon(float(near.mean()))
    return m


def _two_means(p: NDArray[np.float64]) -> NDArray[np.int64]:
    """2-means labels of (lat, lon) points, from the two farthest-apart points."""
    lon = near_lon(p[:, 1], float(p[0, 1]))
    x = np.column_stack([p[:, 0], lon * np.cos(np.radians(p[:, 0].mean()))])
    # The farthest pair (the first in row order, as one matrix's argmax), in
    # blocks of rows: a group of thousands of stretches would take GBs at once.
    n = len(x)
    best, a, b = -1.0, 0, 0
    for i in range(0, n, max(1, PAIRS_PER_BLOCK // n)):
        d = np.linalg.norm(x[i : i + max(1, PAIRS_PER_BLOCK // n), None] - x[None], axis=2)
        k = int(np.argmax(d))
        if d.flat[k] > best:
            best, a, b = float(d.flat[k]), i + k // n, k % n
    c = np.array([x[a], x[b]])
    labels = np.zeros(len(x), dtype=np.int64)
    for _ in range(20):
        labels = np.argmin(np.linalg.norm(x[:, None] - c[None], axis=2), axis=1)
        if labels.min() == labels.max():
            break
        c = np.array([x[labels == k].mean(axis=0) for k in (0, 1)])
    return labels


def _attach_lone(
    ivs: list[Interval],
    events: list[Event],
    outside: NDArray[np.float64],
    spoof_class: dict[int, bool],
    mapper: Mapper | None = None,
) -> list[Event]:
    """Add stretches linked to no one that a located emitter's disc explains; refit.

    Where traffic is sparse, two aircraft crossing the same disc on far-apart
    chords at different times are never close enough to link; once the
    emitter is located from the others, a lone stretch lying inside its disc
    while it was active is its doing (a stretch of a spoofed aircraft only
    to a spoofing event, ``spoof_class``, and the other way round). The
    refits are run by ``mapper`` (each event's stretches are chosen first, in
    order, as one after another would).
    """
    taken = {id(iv) for e in events for iv in e.intervals}
    out: list[Event | None] = []
    pools: list[tuple[list[Interval], bool]] = []
    where: list[int] = []
    for ev in events:
        em = ev.emitter
        if em is None:
            out.append(ev)
            continue
        slack = ATTACH_SLACK_S * NS
        extra = [
            iv for iv in ivs
            if id(iv) not in taken and spoof_class.get(id(iv), False) == ev.spoofed
            and iv.start_ns <= ev.end_ns + slack
            and iv.end_ns >= ev.start_ns - slack and _inside_disc(iv, em)
        ]  # fmt: skip
        if not extra:
            out.append(ev)
            continue
        taken.update(id(iv) for iv in extra)
        pools.append((ev.intervals + extra, ev.spoofed))
        where.append(len(out))
        out.append(None)
    for k, refitted in zip(where, _refits(pools, outside, mapper), strict=True):
        out[k] = refitted
    return [ev for ev in out if ev is not None]


def _absorb_inside(events: list[Event], outside: NDArray[np.float64]) -> list[Event]:
    """Merge into a located event the smaller events that lie inside its disc; refit.

    One emitter on for hours is one event. Where its aircraft come in small
    groups far apart in time (a few crossings of one edge, an aircraft inside
    at switch-on), such a group may not link to the rest and gets an estimate
    of its own from a handful of crossings, loose and off the emitter. It is
    the same emitter's when the event is of the same class (spoofed or not),
    smaller than ABSORB_SHARE of the larger one, overlaps the larger one's
    own span (before any merge) within ATTACH_SLACK_S, most of its stretches
    with a path lie inside the larger one's disc (ATTACH_INSIDE_FRACTION of
    each) and its own estimate, if any, does too: a second emitter's event
    lies partly outside the first's disc, and its estimate outside it. A merge
    is kept only when the refit is located and explains the larger event's
    own observations about as well as its own emitter did
    (:func:`_refit_holds`): the few loose crossings of the smaller one may
    not pull the emitter away.
    """
    events = sorted(events, key=lambda e: -len(e.aircraft))
    # The span each event had before it absorbed anything: the time slack is
    # measured from it, so that it does not grow with each merge.
    span = {id(e): (e.start_ns, e.end_ns) for e in events}
    refused: set[tuple[int, int]] = set()
    keep_alive: list[Event] = []  # every event stays referenced: ids are not reused
    slack = ATTACH_SLACK_S * NS
    k = 0
    while k < len(events):
        big = events[k]
        em = big.emitter
        start, end = span[id(big)]
        merged = None
        for small in events[k + 1 :] if em is not None else []:
            assert em is not None
            if (
                (id(big), id(small)) in refused
                or small.spoofed != big.spoofed
                or len(small.aircraft) > ABSORB_SHARE * len(big.aircraft)
                or small.start_ns > end + slack
                or small.end_ns < start - slack
            ):
                continue
            own = small.emitter
            if (
                own is not None
                and distance_m(own.lat, own.lon, em.lat, em.lon) / 1000 > em.range_km
            ):
                continue
            placed = [iv for iv in small.intervals if len(iv.path)]
            inside = sum(_inside_disc(iv, em) for iv in placed)
            if not placed or inside <= len(placed) / 2:
                continue
            pool = big.intervals + small.intervals
            both = _event(pool, list(range(len(pool))), outside, True, big.spoofed)
            if not _refit_holds(big.intervals, em, both.emitter, outside):
                refused.add((id(big), id(small)))
                continue
            merged = (both, small)
            break
        if merged is None:
            k += 1
            continue
        both, small = merged
        span[id(both)] = (start, end)
        keep_alive.extend([big, small])
        events = [both] + [e for e in events if e is not big and e is not small]
        events.sort(key=lambda e: -len(e.aircraft))
        k = 0
    return events


def _share_inside(iv: Interval, emitter: EmitterEstimate) -> float:
    """Share of a stretch's path inside the emitter's disc (with a DR margin)."""
    if not len(iv.path):
        return 0.0
    d = distance_m(iv.path[:, 1], iv.path[:, 2], emitter.lat, emitter.lon) / 1000
    reach = np.minimum(emitter.range_km, horizon_km(iv.path[:, 3], emitter.antenna_m))
    return float((d <= reach + INOUT_MARGIN_KM).mean())


def _inside_disc(iv: Interval, emitter: EmitterEstimate) -> bool:
    """Whether nearly all of a stretch lies inside the emitter's disc."""
    return _share_inside(iv, emitter) >= ATTACH_INSIDE_FRACTION


def _while_on(iv: Interval, deep: NDArray[np.float64]) -> list[Interval]:
    """The parts of a stretch while the emitter was on, as far as others tell.

    A sample is contradicted when at least OFF_MIN_GOOD aircraft with good
    quality were, within CONTRADICTION_S of it, well inside the emitter's disc
    (OFF_MARGIN_KM inside its reach at their altitude): the emitter was not on
    then (:func:`_contradicted`). ``deep`` is :func:`_deep_inside` of the
    emitter: each sample costs two binary searches, not a scan of the world's
    traffic.
    """
    smp = samples_of(iv)
    if not len(smp) or not len(deep):
        return [iv]
    contra = _contradicted(smp[:, 0], deep)
    if not contra.any():
        return [iv]
    return pieces(iv, smp, contra, np.ones(len(smp), dtype=bool))


def _contradicted(
    times: NDArray[np.float64], deep: NDArray[np.float64], *, over_run: bool = False
) -> NDArray[np.bool_]:
    """For sorted ``times`` (s), whether the emitter was off then: at least
    OFF_MIN_GOOD distinct aircraft of ``deep`` (:func:`_deep_inside`: time,
    aircraft code) within CONTRADICTION_S, in a run of such times lasting at
    least EXIT_MAX_LAG_S (right after a switch-off, aircraft recover one by one
    over their re-acquisition delays: contradiction must outlast the longest).
    With ``over_run``, one aircraft at a time suffices while the run as a
    whole holds OFF_MIN_GOOD of them (a hole in an event, where nobody was
    affected, crossed by aircraft one after another)."""
    t = deep[:, 0]
    lo = np.searchsorted(t, times - CONTRADICTION_S)
    hi = np.searchsorted(t, times + CONTRADICTION_S)
    need = 1 if over_run else OFF_MIN_GOOD
    contra = hi - lo >= need
    for j in np.flatnonzero(contra) if need > 1 else ():
        # Reports, then aircraft: one aircraft whose receiver resists is not enough.
        contra[j] = len(np.unique(deep[lo[j] : hi[j], 1])) >= need
    edges = np.flatnonzero(np.diff(np.r_[0, contra.astype(np.int8), 0]))
    for a, b in zip(edges[::2], edges[1::2], strict=True):
        short = times[b - 1] - times[a] < EXIT_MAX_LAG_S
        few = over_run and len(np.unique(deep[lo[a] : hi[b - 1], 1])) < OFF_MIN_GOOD
        if short or few:
            contra[a:b] = False
    return contra


def _deep_inside(
    emitter: EmitterEstimate, outside: NDArray[np.float64],
    min_alt_ft: float = OUTSIDE_MIN_ALT_FT,
) -> NDArray[np.float64]:  # fmt: skip
    """(time s, aircraft code) of the good reports well inside the emitter's
    disc (OFF_MARGIN_KM inside its reach at their altitude), sorted by time.
    Only reports at or above ``min_alt_ft`` count, by default as in the fit:
    terrain may hide a lower aircraft from an emitter whose disc it is in."""
    if not len(outside):
        return np.zeros((0, 2))
    # Only the points that may lie within the reach (in the array's order).
    near = outside[index_of(outside).near(np.array([emitter.lat]), np.array([emitter.lon]),
                                          emitter.range_km)]  # fmt: skip
    high = near[near[:, 3] >= min_alt_ft]
    d = distance_m(high[:, 1], high[:, 2], emitter.lat, emitter.lon) / 1000
    reach = np.minimum(emitter.range_km, horizon_km(high[:, 3], emitter.antenna_m))
    deep = high[d <= reach - OFF_MARGIN_KM][:, [0, 4]]
    return deep[np.argsort(deep[:, 0], kind="stable")]


def _outside_disc(iv: Interval, emitter: EmitterEstimate) -> bool:
    """Whether most of a stretch lies beyond the emitter's disc (with a DR margin)."""
    if not len(iv.path):
        return False
    d = distance_m(iv.path[:, 1], iv.path[:, 2], emitter.lat, emitter.lon) / 1000
    reach = np.minimum(emitter.range_km, horizon_km(iv.path[:, 3], emitter.antenna_m))
    beyond = d > reach + emitter.error_km_95 + UNEXPLAINED_MARGIN_KM
    return bool(beyond.mean() > UNEXPLAINED_FRACTION)


def _merge_same_emitter(ivs: list[Interval], events: list[Event], groups: list[list[int]],
                        outside: NDArray[np.float64], mapper: Mapper | None = None,
                        ) -> list[Event]:  # fmt: skip
    """Merge events whose emitters coincide and overlap in time; refit.

    Emitters coincide when they lie within SAME_EMITTER_KM plus both 95 %
    errors, and one emitter fitted on both explains them about as well as two
    (the test of :func:`_split_two`, the other way round): a poorly located
    emitter (a wide error) is not merged into a well located one it is not.
    The pairs are taken one after another; the refits of all the pairs that
    the next scan may take are made first, together, by ``mapper`` (a refit
    depends only on the stretches: one made and not taken yet is kept).
    """
    merged = True
    items = list(zip(events, groups, strict=True))
    # A pair found apart stays apart while neither changes: after each merge
    # the scan starts again, and only pairs with the merged event are new.
    # (Every event stays referenced, in ``events`` or ``made``, so that no id
    # is reused.)
    apart: set[tuple[int, int]] = set()
    made: list[Event] = []
    refitted: dict[tuple[int, ...], Event] = {}

    def candidates() -> list[tuple[int, int]]:
        out = []
        for x in range(len(items)):
            for y in range(x + 1, len(items)):
                (a, _), (b, _) = items[x], items[y]
                if (
                    a.emitter is None or b.emitter is None or a.spoofed != b.spoofed
                    or (id(a), id(b)) in apart
                ):  # fmt: skip
                    continue
                if (
                    a.start_ns > b.end_ns + LINK_SLACK_S * NS
                    or b.start_ns > a.end_ns + LINK_SLACK_S * NS
                ):
                    continue
                d = (
                    float(distance_m(a.emitter.lat, a.emitter.lon, b.emitter.lat, b.emitter.lon))
                    / 1000
                )
                if d <= SAME_EMITTER_KM + a.emitter.error_km_95 + b.emitter.error_km_95:
                    out.append((x, y))
        return out

    while merged:
        merged = False
        pairs = candidates()
        todo: dict[tuple[int, ...], bool] = {}
        for x, y in pairs:
            key = tuple(items[x][1] + items[y][1])
            if key not in refitted:
                todo[key] = items[x][0].spoofed
        pools = [([ivs[i] for i in key], spoofed) for key, spoofed in todo.items()]
        refitted.update(zip(todo, _refits(pools, outside, mapper), strict=True))
        for x, y in pairs:
            (a, ga), (b, gb) = items[x], items[y]
            g = ga + gb
            both = refitted[tuple(g)]
            if not _one_explains_both(ivs, ga, gb, a, b, both, outside):
                apart.add((id(a), id(b)))
                continue
            made.append(both)
            items[x] = (both, g)
            del items[y]
            merged = True
            break
    return [e for e, _ in items]


def _one_explains_both(ivs: list[Interval], ga: list[int], gb: list[int], a: Event, b: Event,
                       both: Event, outside: NDArray[np.float64]) -> bool:  # fmt: skip
    """Whether one emitter explains two groups within the BIC margin of two emitters."""
    if both.emitter is None or a.emitter is None or b.emitter is None:
        return False
    one = misfit(_observations(ivs, ga + gb, outside), both.emitter)
    two = misfit(_observations(ivs, ga, outside), a.emitter) + misfit(
        _observations(ivs, gb, outside), b.emitter
    )
    return bool(one - two <= _bic_margin([ivs[i] for i in ga + gb]))


def _refit_holds(
    ivs: list[Interval], own: EmitterEstimate, refit: EmitterEstimate | None,
    outside: NDArray[np.float64],
) -> bool:  # fmt: skip
    """Whether ``refit`` (located) explains the stretches ``ivs`` within the
    BIC margin of their own emitter ``own``."""
    if refit is None:
        return False
    obs = _observations(ivs, list(range(len(ivs))), outside)
    return bool(misfit(obs, refit) - misfit(obs, own) <= _bic_margin(ivs))


def _bic_margin(ivs: list[Interval]) -> float:
    """SPLIT_MIN_GAIN per parameter of an emitter (4) times log(observations)."""
    n_obs = sum(len(o.entry) + len(o.exit) + len(o.inside) for o in (_own(iv) for iv in ivs))
    return float(SPLIT_MIN_GAIN * 4 * np.log(max(n_obs, 2)))


def _polygon(ivs: list[Interval]) -> dict[str, Any]:
    """The affected area: convex hull of where affected aircraft were (GeoJSON Polygon)."""
    pts = np.concatenate([footprint(iv) for iv in ivs]) if ivs else np.zeros((0, 2))
    if len(pts) == 0:
        return {"type": "Polygon", "coordinates": []}
    lat0, lon0 = float(pts[:, 0].mean()), mean_lon(pts[:, 1])
    c = np.cos(np.radians(lat0))
    x = ((pts[:, 1] - lon0 + 180) % 360 - 180) * c
    y = pts[:, 0] - lat0
    ring: list[list[float]]
    hull = _hull(np.column_stack([x, y]))
    if len(hull) < 3:  # points on a line: a thin buffer around them
        cx, cy = x.mean(), y.mean()
        r = max(float(np.hypot(x - cx, y - cy).max()), 0.05)
        ang = np.linspace(0, 2 * np.pi, CIRCLE_VERTICES, endpoint=False)
        hull = np.column_stack([cx + r * np.cos(ang), cy + r * np.sin(ang)])
    ring = [[round(float(lon0 + hx / c), 5), round(float(lat0 + hy), 5)] for hx, hy in hull]
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def _hull(p: NDArray[np.float64]) -> NDArray[np.float64]:
    """Convex hull vertices, counter-clockwise; fewer than 3 when the points are degenerate."""
    from scipy.spatial import ConvexHull, QhullError

    pts = np.unique(p, axis=0)
    if len(pts) < 3:
        return pts
    try:
        return np.asarray(pts[ConvexHull(pts).vertices])
    except QhullError:  # all points on a line
        return pts[:2]
