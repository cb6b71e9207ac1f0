"""Each aircraft's bad stretches: where it lost GNSS, where it regained it, its path between.

From the per-report GNSS state (:func:`skywitness.gnss.jamming.state.gnss_state`) each
aircraft's bad stretches become :class:`Interval` s, with where the aircraft was
when its quality dropped (entry), where it was when it recovered (exit) and
where it flew in between (positions it still reported, else dead-reckoned
from the last trusted position with the ground speed and track it kept
sending). :func:`consistent` removes what other aircraft contradict.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from skywitness.gnss.jamming.spatial import PointIndex
from skywitness.gnss.jamming.state import BAD, GOOD
from skywitness.model.geo import EARTH_RADIUS_M, distance_m
from skywitness.track.reckon import ground_velocity, reckon

NS = 1_000_000_000


#: A gap in the bad state shorter than this inside one aircraft's stretch
#: does not end it (a few good-looking reports in the fringe).
MERGE_GAP_S = 120.0


#: Path points are thinned to one per this many seconds for linking.
PATH_STEP_S = 30.0


#: Outside evidence thinned to one point per aircraft per this many seconds.
OUTSIDE_STEP_S = 60.0


#: An entry (exit) is the last (first) trusted position within this of the
#: stretch's start (end); beyond it the aircraft was not seen crossing (it
#: took off or landed inside, or coverage was lost).
TRUSTED_GAP_S = 120.0


#: A bad sample is contradicted by a good aircraft this close (km), within
#: CONTRADICTION_S, and no more than CONTRADICTION_ALT_FT lower: jamming
#: reaches every receiver in line of sight near the same place, higher ones
#: first. 20 km is about one H3 resolution-4 cell; 1,000 ft covers the
#: difference in radio horizon between neighbouring levels (~1 km).
CONTRADICTION_KM = 20.0


CONTRADICTION_S = 60.0


CONTRADICTION_ALT_FT = 1000.0


#: ... or at any level above this: its radio horizon (> 350 km with a 10 m
#: antenna) is beyond a ground jammer's power-limited range, so being lower
#: does not hide it from an emitter that reaches the higher aircraft.
CONTRADICTION_HIGH_FT = 20000.0


#: Samples at each end of a stretch where contradictions are expected: the
#: aircraft is at the boundary, next to others just outside it (3 samples of
#: PATH_STEP_S = 90 s, about 40 km at cruise speed, half the fringe width).
EDGE_SAMPLES = 3


@dataclass(eq=False)  # compared by identity: it holds an array
class Interval:
    """One aircraft's bad stretch."""

    icao24: str
    start_ns: int
    end_ns: int
    entry: tuple[float, float, float] | None  # lat, lon, alt_ft of the last trusted position
    exit: tuple[float, float, float, float] | None  # lat, lon, alt_ft, gs_kt of the first after
    path: NDArray[np.float64]  # (n, 4): time s, lat, lon, alt_ft inside (reported or estimated)
    #: Path points before this time (s) are dead-reckoned backwards from a later
    #: position (no entry): good enough to place the stretch, not to fit a disc.
    backward_until_s: float = float("-inf")


def intervals(states: pa.Table, reports: pa.Table) -> list[Interval]:
    """Every aircraft's bad stretches, with entry, exit and path."""
    if states.num_rows == 0:
        return []
    kin = _kinematics(states, reports)
    icao = states["icao24"].to_numpy(zero_copy_only=False)
    t = states["time"].cast(pa.int64()).to_numpy()
    state = states["state"].to_numpy(zero_copy_only=False)
    est = states["position_estimated"].to_numpy(zero_copy_only=False).astype(bool)
    lat = states["lat"].to_numpy(zero_copy_only=False).astype(float)
    lon = states["lon"].to_numpy(zero_copy_only=False).astype(float)
    alt = states["alt_baro_ft"].to_numpy(zero_copy_only=False).astype(float)
    real = ~est & np.isfinite(lat)
    out: list[Interval] = []
    bounds = np.flatnonzero(np.r_[True, icao[1:] != icao[:-1], True])
    for a, b in pairwise(bounds.tolist()):
        bad = state[a:b] == BAD
        if not bad.any():
            continue
        for s, e in _stretches(t[a:b], bad):
            i, j = a + s, a + e  # rows i..j-1 are the stretch
            entry = _last_trusted(state, real, lat, lon, alt, t, a, i)
            exit_ = _first_trusted(state, real, lat, lon, alt, kin["gs"], t, j, b)
            after = _first_trusted_time(state, real, t, j, b) if exit_ else None
            path, back = _path(t[i:j], lat[i:j], lon[i:j], alt[i:j], real[i:j],
                               kin["gs"][i:j], kin["track"][i:j], entry,
                               None if exit_ is None or after is None else (exit_[0], exit_[1], after))  # fmt: skip
            out.append(Interval(str(icao[a]), int(t[i]), int(t[j - 1]), entry, exit_, path, back))
    return out


def _kinematics(states: pa.Table, reports: pa.Table) -> dict[str, NDArray[np.float64]]:
    """Ground speed and track of each state row, joined from the reports by record_id."""
    n = states.num_rows
    if "record_id" not in states.column_names or "record_id" not in reports.column_names:
        return {"gs": np.full(n, np.nan), "track": np.full(n, np.nan)}
    idx = pc.index_in(states["record_id"], value_set=reports["record_id"].combine_chunks())
    out = {}
    for col, name in (("gs_kt", "gs"), ("track_deg", "track")):
        values = pc.take(reports[col], pc.fill_null(idx, 0)).cast(pa.float64())
        arr = values.to_numpy(zero_copy_only=False).astype(float)
        arr[~idx.is_valid().to_numpy(zero_copy_only=False)] = np.nan
        out[name] = arr
    return out


def _stretches(t: NDArray[np.int64], bad: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """[start, end) row ranges of bad runs, joining runs separated by short gaps."""
    edges = np.diff(np.r_[0, bad.astype(np.int8), 0])
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    runs: list[tuple[int, int]] = []
    for s, e in zip(starts, ends, strict=True):
        if runs and (t[s] - t[runs[-1][1] - 1]) <= MERGE_GAP_S * NS:
            runs[-1] = (runs[-1][0], int(e))
        else:
            runs.append((int(s), int(e)))
    return runs


def _last_trusted(state: Any, real: Any, lat: Any, lon: Any, alt: Any, t: Any, lo: int, i: int) -> tuple[float, float, float] | None:  # fmt: skip
    ok = np.flatnonzero((state[lo:i] != BAD) & real[lo:i])
    if not len(ok):
        return None
    k = lo + ok[-1]
    if t[i] - t[k] > TRUSTED_GAP_S * NS:  # e.g. a take-off inside the area: no crossing seen
        return None
    return float(lat[k]), float(lon[k]), float(alt[k])


def _first_trusted_time(state: Any, real: Any, t: Any, j: int, hi: int) -> int | None:
    """Time (ns) of the first trusted position after row j-1 (as :func:`_first_trusted`)."""
    ok = np.flatnonzero((state[j:hi] != BAD) & real[j:hi])
    return int(t[j + ok[0]]) if len(ok) else None


def _first_trusted(state: Any, real: Any, lat: Any, lon: Any, alt: Any, gs: Any, t: Any, j: int, hi: int) -> tuple[float, float, float, float] | None:  # fmt: skip
    ok = np.flatnonzero((state[j:hi] != BAD) & real[j:hi])
    if not len(ok):
        return None
    k = j + ok[0]
    if t[k] - t[j - 1] > TRUSTED_GAP_S * NS:  # e.g. landed inside the area: no crossing seen
        return None
    speed = float(gs[k]) if np.isfinite(gs[k]) else 450.0  # typical cruise when unknown
    return float(lat[k]), float(lon[k]), float(alt[k]), speed


def _path(t: Any, lat: Any, lon: Any, alt: Any, real: Any, gs: Any, track: Any,
          entry: tuple[float, float, float] | None,
          after: tuple[float, float, int] | None = None) -> tuple[NDArray[np.float64], float]:  # fmt: skip
    """Positions through the stretch: reported ones, else dead reckoning from the last one
    (:func:`skywitness.track.reckon.reckon`), each row's ground velocity standing for
    the time since the row before it; the entry counts as the position at the
    stretch's first row.

    Before any known position (no entry: the aircraft took off, or came into
    coverage, already affected) positions are dead-reckoned backwards from
    the first one known after (a reported one, or ``after``: the exit's
    lat, lon and time in ns), each velocity held until the next row, as far
    back as velocities run unbroken. Rows without a velocity get no estimate.
    Also returns the time (s) before which the path was reckoned backwards
    (-inf when none was).
    """
    n = len(t)
    t = np.asarray(t, np.int64)
    ok_v = np.isfinite(gs) & np.isfinite(track)
    north, east = ground_velocity(gs, track)
    north, east = np.where(ok_v, north, np.nan), np.where(ok_v, east, np.nan)
    a_lat = np.where(real, lat, np.nan)
    a_lon = np.where(real, lon, np.nan)
    if entry and n and not real[0]:
        a_lat[0], a_lon[0] = entry[0], entry[1]
    fwd = reckon(t, north, east, a_lat, a_lon, hold="next", max_s=np.inf)
    usable = real | ok_v
    plat = np.where(real, lat, np.where(usable & fwd.reached, fwd.lat, np.nan))
    plon = np.where(real, lon, np.where(usable & fwd.reached, fwd.lon, np.nan))
    known = np.flatnonzero(np.isfinite(plat))
    first = int(known[0]) if len(known) else n
    back = float("-inf")
    nxt = (float(plat[first]), float(plon[first]), int(t[first])) if first < n else after
    broken = np.flatnonzero(~ok_v[:first])
    stop = int(broken[-1]) + 1 if len(broken) else 0  # rows stop..first-1 have velocities
    if nxt is not None and stop < first:
        rows = np.r_[t[stop:first], nxt[2]]
        b_lat = np.r_[np.full(first - stop, np.nan), nxt[0]]
        b_lon = np.r_[np.full(first - stop, np.nan), nxt[1]]
        vn, ve = np.r_[north[stop:first], np.nan], np.r_[east[stop:first], np.nan]
        bwd = reckon(rows, vn, ve, b_lat, b_lon, direction="backward", max_s=np.inf)
        plat[stop:first], plon[stop:first] = bwd.lat[:-1], bwd.lon[:-1]
        back = nxt[2] / NS
    keep = np.isfinite(plat)
    if not keep.any():
        return np.zeros((0, 4)), back
    return np.column_stack([t[keep] / NS, plat[keep], plon[keep], alt[keep]]), back


def footprint(iv: Interval) -> NDArray[np.float64]:
    """Thinned (lat, lon) points of an interval: entry, path, exit."""
    pts = []
    if iv.entry:
        pts.append(np.array([iv.entry[:2]], dtype=np.float64))
    if len(iv.path):
        keep = np.r_[True, np.diff(np.floor(iv.path[:, 0] / PATH_STEP_S)) > 0]
        pts.append(np.asarray(iv.path[keep, 1:3], dtype=np.float64))
    if iv.exit:
        pts.append(np.array([iv.exit[:2]], dtype=np.float64))
    return np.concatenate(pts) if pts else np.zeros((0, 2))


def consistent(
    ivs: list[Interval],
    outside: NDArray[np.float64],
    mapper: Callable[[Callable[[Any, Any], Any], Sequence[Any], Any], Iterable[Any]] | None = None,
) -> list[Interval]:
    """Bad stretches with the parts that the other aircraft contradict removed.

    Interference affects every aircraft in line of sight near the same place:
    a sample of a bad stretch is *contradicted* when another aircraft with
    good quality flew within :data:`CONTRADICTION_KM`, at the same time and
    no lower, and *supported* when another aircraft was bad there. A stretch
    with no contradicted sample is kept whole (sparse traffic says nothing
    against it); otherwise only its parts between contradicted samples that
    some other aircraft supports are kept. That removes a receiver reporting
    bad quality on its own (the case GPSJam forgives with its "- 1").

    ``mapper`` (as the events' fits take it: ``mapper(fn, items, shared)``)
    runs the test in time slices of the stretches when there are at least
    :data:`CONSISTENCY_PARALLEL_MIN` of them, each slice with the good and bad
    points of its time range only (so a worker holds a slice, not the
    world's points); the result is the same as in one piece.
    """
    if not ivs or not len(outside):
        return ivs
    samples = [samples_of(iv) for iv in ivs]
    order = np.argsort(outside[:, 0], kind="stable")
    out_sorted = outside[order]
    bad_pts = np.concatenate(
        [np.column_stack([s_, np.full(len(s_), k)]) for k, s_ in enumerate(samples)]
    )
    bad_pts = bad_pts[np.argsort(bad_pts[:, 0], kind="stable")]
    placed = [k for k, smp in enumerate(samples) if len(smp)]
    if mapper is None or len(placed) < CONSISTENCY_PARALLEL_MIN:
        found = [_contradictions(([(k, samples[k]) for k in placed], out_sorted, bad_pts), None)]
    else:
        tasks = list(_slices(placed, samples, out_sorted, bad_pts))
        found = list(mapper(_contradictions, tasks, None))
    changed = {k: (contra, support) for part in found for k, contra, support in part}
    kept: list[Interval] = []
    for k, (iv, smp) in enumerate(zip(ivs, samples, strict=True)):
        if k in changed:
            kept.extend(pieces(iv, smp, *changed[k]))
        else:
            kept.append(iv)
    return kept


#: Stretches from which :func:`consistent` runs in time slices by a mapper,
#: and the slices it makes then.
CONSISTENCY_PARALLEL_MIN = 20_000
CONSISTENCY_SLICES = 16

_Slice = tuple[list[tuple[int, NDArray[np.float64]]], NDArray[np.float64], NDArray[np.float64]]


def _slices(
    placed: list[int],
    samples: list[NDArray[np.float64]],
    out_sorted: NDArray[np.float64],
    bad_pts: NDArray[np.float64],
) -> Any:
    """The stretches with samples in CONSISTENCY_SLICES groups by their first
    sample's time, each with the good and bad points (time-sorted) of its
    time range widened by CONTRADICTION_S: every point its tests can see."""
    by_time = sorted(placed, key=lambda k: float(samples[k][:, 0].min()))
    size = -(-len(by_time) // CONSISTENCY_SLICES)
    for i in range(0, len(by_time), size):
        ks = by_time[i : i + size]
        lo = min(float(samples[k][:, 0].min()) for k in ks) - CONTRADICTION_S - 1.0
        hi = max(float(samples[k][:, 0].max()) for k in ks) + CONTRADICTION_S + 1.0
        yield [(k, samples[k]) for k in ks], _between(out_sorted, lo, hi), _between(bad_pts, lo, hi)


def _between(pts: NDArray[np.float64], lo: float, hi: float) -> NDArray[np.float64]:
    """The rows of time-sorted ``pts`` with a time in [lo, hi]."""
    a = int(np.searchsorted(pts[:, 0], lo, side="left"))
    b = int(np.searchsorted(pts[:, 0], hi, side="right"))
    return pts[a:b]


def _contradictions(task: _Slice, _: Any) -> list[tuple[int, NDArray[np.bool_], NDArray[np.bool_]]]:
    """(stretch, contradicted samples, supported samples) of the stretches of
    ``task`` with a contradicted sample inside them (the others are kept
    whole), against the task's good and bad points."""
    stretches, out_sorted, bad_pts = task
    out_index, bad_index = PointIndex(out_sorted), PointIndex(bad_pts)
    found = []
    for k, smp in stretches:
        contra = _near(
            smp,
            near_in_space_time(out_sorted, smp, CONTRADICTION_KM, CONTRADICTION_S, out_index),
            lambda alt_o, alt_i: (
                (alt_o >= alt_i - CONTRADICTION_ALT_FT) | (alt_o >= CONTRADICTION_HIGH_FT)
            ),
        )
        # Near its ends a stretch touches the boundary, where good neighbours are
        # normal: only contradictions inside it count.
        contra[:EDGE_SAMPLES] = False
        contra[max(len(contra) - EDGE_SAMPLES, 0) :] = False
        if not contra.any():
            continue
        others = near_in_space_time(bad_pts, smp, CONTRADICTION_KM, CONTRADICTION_S, bad_index)
        others = others[others[:, 4] != k]
        support = _near(smp, others[:, :4], lambda alt_o, alt_i: np.ones_like(alt_o, dtype=bool))
        found.append((k, contra, support))
    return found


def samples_of(iv: Interval) -> NDArray[np.float64]:
    """(time s, lat, lon, alt) along a stretch, one per PATH_STEP_S."""
    if not len(iv.path):
        return np.zeros((0, 4))
    keep = np.r_[True, np.diff(np.floor(iv.path[:, 0] / PATH_STEP_S)) > 0]
    return iv.path[keep]


def near_in_space_time(
    pts: NDArray[np.float64],
    smp: NDArray[np.float64],
    km: float,
    slack_s: float,
    index: PointIndex | None = None,
) -> NDArray[np.float64]:
    """The rows of ``pts`` (time-sorted; time s, lat, lon, ...) that may lie
    within ``km`` and ``slack_s`` of one of the samples ``smp`` (time s, lat,
    lon, ...), in the same order: a superset of those that do (a box of
    latitude and longitude round the samples that the haversine distance
    cannot beat), so that a stretch is compared with its neighbours only,
    not with the world's traffic at that time. ``index`` (of ``pts``) finds
    the candidates by cell instead of reading every row of the time range."""
    t_lo, t_hi = smp[:, 0].min() - slack_s, smp[:, 0].max() + slack_s
    if index is not None:
        block = pts[index.near(smp[:, 1], smp[:, 2], km, t_lo, t_hi)]
    else:
        lo = int(np.searchsorted(pts[:, 0], t_lo, side="left"))
        hi = int(np.searchsorted(pts[:, 0], t_hi, side="right"))
        block = pts[lo:hi]
    if not len(block):
        return block
    # Haversine: d >= R * |dlat|; and for a sample at latitude phi,
    # |dlon| <= asin(sin(d / R) / cos(phi)) (the classic bounding box).
    ang = km * 1000.0 / EARTH_RADIUS_M
    dlat = np.degrees(ang) * 1.001 + 1e-9
    keep = (block[:, 1] >= smp[:, 1].min() - dlat) & (block[:, 1] <= smp[:, 1].max() + dlat)
    phi = np.radians(np.abs(smp[:, 1]).max())
    if phi + ang < np.radians(89.0):
        dlon = np.degrees(np.arcsin(min(1.0, np.sin(ang) / np.cos(phi)))) * 1.001 + 1e-9
        ref = float(smp[0, 2])
        u = (smp[:, 2] - ref + 180.0) % 360.0 - 180.0
        v = (block[:, 2] - ref + 180.0) % 360.0 - 180.0
        keep &= (v >= u.min() - dlon) & (v <= u.max() + dlon)
    return np.asarray(block[keep], dtype=np.float64)


def _near(smp: NDArray[np.float64], pts: NDArray[np.float64], alt_ok: Any) -> NDArray[np.bool_]:
    """For each sample, whether a point (time-sorted) is within CONTRADICTION_KM and the time slack
    (``pts`` narrowed first by :func:`near_in_space_time`)."""
    out = np.zeros(len(smp), dtype=bool)
    if not len(pts):
        return out
    lo = np.searchsorted(pts[:, 0], smp[:, 0] - CONTRADICTION_S)
    hi = np.searchsorted(pts[:, 0], smp[:, 0] + CONTRADICTION_S)
    counts = np.maximum(hi - lo, 0)
    total = int(counts.sum())
    if not total:
        return out
    # Every (sample, candidate) pair at once: sample j with rows lo[j] .. hi[j] - 1.
    j = np.repeat(np.arange(len(smp)), counts)
    first = np.repeat(lo - (np.cumsum(counts) - counts), counts)
    cand = pts[first + np.arange(total)]
    d = distance_m(cand[:, 1], cand[:, 2], smp[j, 1], smp[j, 2]) / 1000
    hit = (d <= CONTRADICTION_KM) & alt_ok(cand[:, 3], smp[j, 3])
    out[np.unique(j[hit])] = True
    return out


def pieces(iv: Interval, smp: NDArray[np.float64], contra: NDArray[np.bool_],
            support: NDArray[np.bool_]) -> list[Interval]:  # fmt: skip
    """The supported parts of a stretch between its contradicted samples."""
    pieces = []
    edges = np.flatnonzero(np.diff(np.r_[1, contra.astype(np.int8), 1]))
    for a, b in zip(edges[::2], edges[1::2], strict=True):  # runs of uncontradicted samples
        if not support[a:b].any():
            continue
        t0, t1 = smp[a, 0], smp[b - 1, 0]
        if b < len(smp):  # extend to the sample before the next contradiction
            t1 = smp[b, 0] - 1e-9
        start = iv.start_ns if a == 0 else int(t0 * NS)
        end = iv.end_ns if b == len(smp) else int(t1 * NS)
        path = iv.path[(iv.path[:, 0] >= start / NS) & (iv.path[:, 0] <= end / NS)]
        pieces.append(Interval(iv.icao24, start, end, iv.entry if a == 0 else None,
                               iv.exit if b == len(smp) else None, path, iv.backward_until_s))  # fmt: skip
    return pieces


def outside_points(states: pa.Table) -> NDArray[np.float64]:
    """(time s, lat, lon, alt, aircraft code) of good reports with real positions,
    thinned per aircraft (one per OUTSIDE_STEP_S); the code is :func:`aircraft_code`
    of the icao24, so that a count of reports can be a count of aircraft."""
    return outside_points_of(states)[0]


def outside_points_of(states: pa.Table) -> tuple[NDArray[np.float64], NDArray[Any]]:
    """:func:`outside_points` and the aircraft (icao24) of each, so that the
    points of partitions of whole aircraft can be put in the order of the whole."""
    good = pc.and_(pc.equal(states["state"], GOOD), pc.invert(states["position_estimated"]))
    t = states.filter(pc.and_(good, pc.is_valid(states["lat"])))
    if t.num_rows == 0:
        return np.zeros((0, 5)), np.zeros(0, dtype=object)
    sec = t["time"].cast(pa.int64()).to_numpy() // NS
    icao = t["icao24"].to_numpy(zero_copy_only=False)
    slot = sec // int(OUTSIDE_STEP_S)
    keep = np.r_[True, (icao[1:] != icao[:-1]) | (slot[1:] != slot[:-1])]
    cols = [sec[keep].astype(float)] + [
        t[c].to_numpy(zero_copy_only=False).astype(float)[keep]
        for c in ("lat", "lon", "alt_baro_ft")
    ]
    cols.append(aircraft_code(icao[keep]))
    # Fixed-width text, not one Python string per point (millions at scale).
    return np.column_stack(cols), np.asarray(icao[keep], dtype=str)


def aircraft_code(icao24: NDArray[Any]) -> NDArray[np.float64]:
    """A number per aircraft address (CRC-32 of the icao24: the same in every
    partition and process), carried as a float column beside positions."""
    names, inverse = np.unique(icao24.astype(str), return_inverse=True)
    codes = np.array([zlib.crc32(n.encode()) for n in names], dtype=np.float64)
    return codes[inverse] if len(names) else np.zeros(0)
