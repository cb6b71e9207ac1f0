"""Several archives of one flight: one timeline that remembers where each point came
from, and the intervals where the archives disagree.

Users put the same flight from two archives into one store (Flightradar24 and
OpenSky, a receiver's raw frames and ADS-B Exchange snapshots). The archive
of each report is its input format (the ``format`` column). Two archives
often hold the same fix: the same decoded position, stamped up to a couple
of seconds apart and rounded differently (FR24 keeps 6 decimals of a degree,
OpenSky-style JSON the float32 value to 10 decimals). :func:`merge_sources`
keeps one of each such pair and says which archives held it;
:func:`disagreements` compares the archives where both report:

* positions farther apart than their combined error for
  :data:`DISAGREE_MIN_S` and :data:`DISAGREE_MIN_REPORTS` comparisons
  (one archive has a spoofed or displaced position, the other a true one or
  an MLAT position): "positions differ by X km";
* one archive has positions while the other keeps reporting without any:
  "X has positions, Y none".

One archive silent while the other reports is coverage, not disagreement:
:func:`coverage` lists where only some archives report.

Comparisons use each archive's new positions only (the first report of each
value: a forward-filling pipeline's repeats are no observations). The other
archive's position at that time is interpolated between its two new
positions around it (at most :data:`BRACKET_MAX_S` apart), or taken from one
within :data:`CLOCK_SLACK_S`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from skywitness.errors import UsageError
from skywitness.model.geo import distance_m
from skywitness.model.timefmt import iso_utc
from skywitness.model.units import M_PER_NM, MPS_PER_KT, NS_PER_S
from skywitness.track.events import Event
from skywitness.track.gaps import NACP_MAX_AGE_S, position_error_m
from skywitness.track.reckon import last_index

Float = NDArray[np.float64]
Int = NDArray[np.int64]
Bool = NDArray[np.bool_]

#: The column naming each report's archive: the input format it was read from.
ARCHIVE_COLUMN = "format"
#: Two archives' reports of one fix are stamped at most this far apart. Measured:
#: THY9BP's FR24 and OpenSky-style records hold 82 identical fixes (< 0.5 m
#: apart) stamped -1 to +2 s apart; the simulator's traces and snapshots 0 s.
#: 5 s leaves room for clocks that round to whole seconds on both sides.
DUPLICATE_TIME_S = 5.0
#: ... and hold the same position to this: FR24 rounds to 1e-6 degree (0.11 m),
#: float32 to half an ulp (< 0.9 m at longitude 180); two rounded copies of one
#: fix lie within 2 m, while the next fix of an aircraft moving at 1 m/s or
#: more is elsewhere (the measured copies above all lie within 0.5 m).
DUPLICATE_POSITION_M = 2.0
#: Fields compared for exact duplicates of reports without a position.
_MEASURED = ("alt_baro_ft", "alt_geom_ft", "gs_kt", "track_deg", "vrate_fpm")

#: Time stamps of one fix may differ between archives by this much, so positions
#: compared across archives allow the distance flown in it (twice the largest
#: difference measured on THY9BP, 2 s, rounded up: modelling choice).
CLOCK_SLACK_S = 5.0
#: An archive's position is interpolated between two of its new positions at
#: most this far apart, and an archive silent longer is not reporting: three
#: OpenSky state-vector intervals, the same 30 s as the jamming state's coverage
#: gap (``skywitness.gnss.jamming.state.LOSS_COVERAGE_GAP_S``).
BRACKET_MAX_S = 30.0
#: Interpolating on the chord through a turn errs by the turn's sagitta: at the
#: standard rate (3 degree/s, ICAO Doc 8168) over 30 s at 450 kt, 1.4 km.
TURN_RATE_DEG_S = 3.0
#: Ground speed assumed when neither archive gives one (typical jet cruise:
#: modelling choice; it only sizes the timing allowance).
UNKNOWN_SPEED_KT = 500.0
#: Error of MLAT and TIS-B positions, m: multilateration is good to a few
#: hundred metres inside a network and worse at its edge, TIS-B rebroadcasts
#: radar tracks (1 NM: modelling choice).
INDEPENDENT_POSITION_ERROR_M = 1.0 * M_PER_NM
#: Sources whose positions do not come from the aircraft's GNSS receiver.
INDEPENDENT_SOURCES = ("mlat", "tisb")
#: A disagreement lasts at least this long and rests on this many comparisons:
#: the spoofing detectors' 30 s and three observations
#: (``skywitness.gnss.spoofing.kernels.MIN_FLAG_S``), so one bad decode is none.
DISAGREE_MIN_S = 30.0
DISAGREE_MIN_REPORTS = 3


@dataclass(frozen=True)
class Merged:
    """Reports of several archives on one timeline, near duplicates dropped.

    ``reports``: the input columns sorted by (icao24, time, archive), plus
    ``archive`` (the archive of the row kept) and ``archives`` (every archive
    that held the point, the kept row's first). ``archives`` (attribute): the
    archive names, sorted; ``rows``: reports each archive gave; ``dropped``:
    reports left out as copies of a kept one.
    """

    reports: pa.Table
    archives: tuple[str, ...]
    rows: Mapping[str, int] = field(default_factory=dict)
    dropped: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "rows", MappingProxyType(dict(self.rows)))

    def __len__(self) -> int:
        return int(self.reports.num_rows)

    def __repr__(self) -> str:
        parts = ", ".join(f"{k}: {v}" for k, v in self.rows.items())
        return f"Merged({len(self)} reports from {parts}; {self.dropped} duplicates dropped)"


@dataclass(frozen=True)
class Coverage:
    """A stretch where only ``archives`` report (the others are silent)."""

    start_ns: int
    end_ns: int
    archives: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "start": iso_utc(self.start_ns),
            "end": iso_utc(self.end_ns),
            "archives": list(self.archives),
        }


# -- merging --------------------------------------------------------------------


def merge_sources(
    reports: pa.Table,
    *,
    archive: str = ARCHIVE_COLUMN,
    time_tolerance_s: float = DUPLICATE_TIME_S,
    position_tolerance_m: float = DUPLICATE_POSITION_M,
) -> Merged:
    """One timeline from several archives' reports (see :class:`Merged`).

    Two reports of one aircraft from different archives are copies when they
    are at most ``time_tolerance_s`` apart and either both have positions
    within ``position_tolerance_m``, or neither has one and they are stamped
    alike with the same altitude, speed, track and vertical rate. Of copies,
    the report with the most fields is kept (then the first archive by name).
    Reports of one archive are never merged with each other.
    """
    for name in ("icao24", "time", archive):
        if name not in reports.column_names:
            raise UsageError(f"reports have no {name!r} column")
    keys = [("icao24", "ascending"), ("time", "ascending"), (archive, "ascending")]
    if "record_id" in reports.column_names:
        keys.append(("record_id", "ascending"))
    table = reports.sort_by(keys)
    n = table.num_rows
    names_col = pc.fill_null(table[archive].cast(pa.string()), "")
    encoded = pc.dictionary_encode(names_col).combine_chunks()
    dictionary = [str(v) for v in encoded.dictionary.to_pylist()]
    names = tuple(sorted(dictionary))
    if len(names) > 62:
        raise UsageError(f"{len(names)} archives in one merge (at most 62)")
    rank_of = np.array([names.index(v) for v in dictionary], dtype=np.int64)
    arch = rank_of[_np(encoded.indices, np.int64, 0)] if n else np.zeros(0, np.int64)
    code = _np(pc.dictionary_encode(table["icao24"]).combine_chunks().indices, np.int64, 0)
    t = _np(table["time"].cast(pa.int64()), np.int64, 0)
    lat, lon = _floats(table, "lat"), _floats(table, "lon")
    has_pos = np.isfinite(lat) & np.isfinite(lon)
    values = [_floats(table, c) for c in _MEASURED]
    filled = np.zeros(n, dtype=np.int64)
    for c in table.column_names:
        filled += _np(pc.is_valid(table[c]), np.bool_, False)

    tol_ns = int(time_tolerance_s * NS_PER_S)
    left: list[Int] = []
    right: list[Int] = []
    k = 1
    while k < n:
        i = np.arange(n - k)
        j = i + k
        near = (code[i] == code[j]) & (t[j] - t[i] <= tol_ns)
        if not near.any():
            break
        cand = near & (arch[i] != arch[j])
        both = cand & has_pos[i] & has_pos[j]
        with np.errstate(invalid="ignore"):
            same_pos = both & (distance_m(lat[i], lon[i], lat[j], lon[j]) <= position_tolerance_m)
        none = cand & ~has_pos[i] & ~has_pos[j] & (t[i] == t[j])
        for v in values:
            none &= (v[i] == v[j]) | (np.isnan(v[i]) & np.isnan(v[j]))
        pair = same_pos | none
        left.append(i[pair])
        right.append(j[pair])
        k += 1
    a = np.concatenate(left) if left else np.zeros(0, np.int64)
    b = np.concatenate(right) if right else np.zeros(0, np.int64)
    a, b = _mutual_nearest(a, b, t, arch)
    # Preference: most fields, then first archive by name, then time, row.
    order = np.lexsort((np.arange(n), t, arch, -filled))
    pref = np.empty(n, dtype=np.int64)
    pref[order] = np.arange(n)
    dropped = np.zeros(n, dtype=bool)
    dropped[np.where(pref[a] < pref[b], b, a)] = True
    mask = np.left_shift(np.int64(1), arch)
    np.bitwise_or.at(mask, a, np.left_shift(np.int64(1), arch[b]))
    np.bitwise_or.at(mask, b, np.left_shift(np.int64(1), arch[a]))
    keep = np.flatnonzero(~dropped)
    held = [
        [names[int(arch[r])]]
        + [names[q] for q in range(len(names)) if q != arch[r] and mask[r] >> q & 1]
        for r in keep.tolist()
    ]
    out = table.take(pa.array(keep, pa.int64()))
    if archive != "archive":
        out = _set(out, "archive", pa.array([names[int(x)] for x in arch[keep]], pa.string()))
    out = _set(out, "archives", pa.array(held, pa.list_(pa.string())))
    rows = {name: int(np.count_nonzero(arch == q)) for q, name in enumerate(names)}
    return Merged(reports=out, archives=names, rows=rows, dropped=int(dropped.sum()))


def _mutual_nearest(a: Int, b: Int, t: Int, arch: Int) -> tuple[Int, Int]:
    """Of candidate copies (a[k], b[k]), those where each is the other's nearest in time
    among its candidates of the other's archive: one fix held by a forward-filling
    archive over several reports is the copy of one report of the other, not of all."""
    if a.size == 0:
        return a, b
    m = a.size
    own, other = np.r_[a, b], np.r_[b, a]  # each pair seen from both of its rows
    dt = np.abs(t[b] - t[a])
    key = own * (int(arch.max()) + 1) + arch[other]
    order = np.lexsort((np.r_[dt, dt], key))
    first = np.r_[True, key[order][1:] != key[order][:-1]]
    nearest = np.zeros(2 * m, dtype=bool)
    nearest[order[first]] = True
    best = nearest[:m] & nearest[m:]
    return a[best], b[best]


def _set(table: pa.Table, name: str, values: pa.Array) -> pa.Table:
    if name in table.column_names:
        return table.set_column(table.column_names.index(name), name, values)
    return table.append_column(name, values)


# -- each archive's view --------------------------------------------------------


@dataclass(frozen=True)
class _View:
    """One archive's reports of the aircraft (every merged row it held), in time order."""

    name: str
    t: Int  # every report
    pos_t: Int  # new positions: first report of each position value
    lat: Float
    lon: Float
    error_m: Float  # 95 % error of each new position
    gs_kt: Float  # ground speed at each new position (NaN when unknown)
    source: NDArray[np.str_]  # transport of each new position


def _views(merged: Merged) -> list[_View]:
    table = merged.reports
    n = table.num_rows
    held = table["archives"].combine_chunks()
    flat = pc.list_flatten(held)
    parent = _np(pc.list_parent_indices(held), np.int64, 0)
    who = np.array(flat.to_pylist(), dtype=object)
    t = _np(table["time"].cast(pa.int64()), np.int64, 0)
    lat, lon = _floats(table, "lat"), _floats(table, "lon")
    gs = _floats(table, "gs_kt")
    nacp = _floats(table, "nac_p")
    source = (
        np.array(pc.fill_null(table["source"], "other").to_pylist(), dtype=object)
        if "source" in table.column_names
        else np.full(n, "other", dtype=object)
    )
    views = []
    for name in merged.archives:
        rows = parent[who == name]
        if rows.size == 0:
            continue
        tr, la, lo = t[rows], lat[rows], lon[rows]
        starts = np.zeros(rows.size, dtype=bool)
        starts[:1] = True
        # NACp holds for NACP_MAX_AGE_S after the report that carried it.
        known = np.isfinite(nacp[rows])
        last = last_index(known, starts)
        src = np.maximum(last, 0)
        fresh = (last >= 0) & (tr - tr[src] <= int(NACP_MAX_AGE_S * NS_PER_S))
        code = np.where(fresh, nacp[rows][src], np.nan)
        pos = np.isfinite(la) & np.isfinite(lo)
        p = np.flatnonzero(pos)
        new = np.ones(p.size, dtype=bool)
        new[1:] = (la[p][1:] != la[p][:-1]) | (lo[p][1:] != lo[p][:-1])
        p = p[new]
        srcs = source[rows][p]
        err = position_error_m(code[p])
        indep = np.isin(srcs.astype(str), INDEPENDENT_SOURCES)
        err = np.where(indep, np.maximum(err, INDEPENDENT_POSITION_ERROR_M), err)
        views.append(
            _View(
                name=name,
                t=tr,
                pos_t=tr[p],
                lat=la[p],
                lon=lo[p],
                error_m=np.asarray(err, np.float64),
                gs_kt=gs[rows][p],
                source=srcs.astype(str),
            )
        )
    return views


def _bracket(times: Int, at: Int, max_gap_s: float) -> tuple[Int, Int, Bool]:
    """For each time in ``at``: the index of the last of ``times`` at or before it, of the
    first at or after it, and whether both exist at most ``max_gap_s`` apart, or one
    lies within CLOCK_SLACK_S."""
    if times.size == 0:
        z = np.full(at.shape[0], -1, dtype=np.int64)
        return z, z, np.zeros(at.shape[0], dtype=bool)
    after = np.searchsorted(times, at, side="left")
    before = np.searchsorted(times, at, side="right") - 1
    nxt = np.where(after < times.size, after, -1)
    prv = np.where(before >= 0, before, -1)
    slack = int(CLOCK_SLACK_S * NS_PER_S)
    has_p, has_n = prv >= 0, nxt >= 0
    tp = times[np.maximum(prv, 0)]
    tn = times[np.maximum(nxt, 0)]
    ok = has_p & has_n & (tn - tp <= int(max_gap_s * NS_PER_S))
    ok |= has_p & (at - tp <= slack)
    ok |= has_n & (tn - at <= slack)
    return np.asarray(prv), np.asarray(nxt), np.asarray(ok)


def _reporting(view: _View, at: Int) -> Bool:
    return _bracket(view.t, at, BRACKET_MAX_S)[2]


def _positioned(view: _View, at: Int) -> Bool:
    return _bracket(view.pos_t, at, BRACKET_MAX_S)[2]


@dataclass(frozen=True)
class _Comparison:
    """Each new position of archive ``a`` against archive ``b`` at the same time."""

    t: Int
    distance_m: Float
    tolerance_m: Float
    compared: Bool
    source_a: NDArray[np.str_]
    source_b: NDArray[np.str_]


def _compare(a: _View, b: _View) -> _Comparison:
    at = a.pos_t
    prv, nxt, ok = _bracket(b.pos_t, at, BRACKET_MAX_S)
    m = at.shape[0]
    if b.pos_t.size == 0 or m == 0:
        z = np.zeros(m)
        return _Comparison(at, z, z, np.zeros(m, dtype=bool), a.source, np.full(m, ""))
    p, q = np.maximum(prv, 0), np.maximum(nxt, 0)
    tp = b.pos_t[p].astype(np.float64)
    tq = b.pos_t[q].astype(np.float64)
    slack = CLOCK_SLACK_S * NS_PER_S
    bracketed = (prv >= 0) & (nxt >= 0) & (tq - tp <= BRACKET_MAX_S * NS_PER_S)
    # Where no bracket holds, the nearest position within the clock slack stands alone.
    use_p = ~bracketed & (prv >= 0) & (at - tp <= slack)
    use_p &= ~((nxt >= 0) & (tq - at < at - tp))
    span = np.where(bracketed, tq - tp, 0.0)
    w = np.where(span > 0, (at - tp) / np.where(span > 0, span, 1.0), 0.0)
    w = np.where(bracketed, w, np.where(use_p, 0.0, 1.0))
    dlon = (b.lon[q] - b.lon[p] + 540.0) % 360.0 - 180.0
    lat_b = b.lat[p] + w * (b.lat[q] - b.lat[p])
    lon_b = (b.lon[p] + w * dlon + 540.0) % 360.0 - 180.0
    d = np.asarray(distance_m(a.lat, a.lon, lat_b, lon_b), np.float64)
    gap_s = span / NS_PER_S
    chord = np.asarray(distance_m(b.lat[p], b.lon[p], b.lat[q], b.lon[q]), np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        chord_speed = np.where(gap_s > 0, chord / np.where(gap_s > 0, gap_s, 1.0), np.nan)
    speed = np.fmax(np.fmax(a.gs_kt * MPS_PER_KT, b.gs_kt[p] * MPS_PER_KT), chord_speed)
    speed = np.where(np.isfinite(speed), speed, UNKNOWN_SPEED_KT * MPS_PER_KT)
    omega = np.radians(TURN_RATE_DEG_S)
    theta = np.minimum(omega * gap_s, np.pi)
    sagitta = speed / omega * (1.0 - np.cos(theta / 2.0))
    err_b = np.maximum(b.error_m[p], b.error_m[q])
    tol = a.error_m + err_b + speed * CLOCK_SLACK_S + sagitta
    near = np.where(use_p | bracketed, p, q)
    return _Comparison(
        t=at,
        distance_m=d,
        tolerance_m=np.asarray(tol, np.float64),
        compared=ok,
        source_a=a.source,
        source_b=b.source[near],
    )


# -- runs -----------------------------------------------------------------------


def _runs(t: Int, bad: Bool, good: Bool) -> list[tuple[int, int]]:
    """Index spans (first, last) of ``bad`` samples (in time order) unbroken by a
    ``good`` one or by more than BRACKET_MAX_S between bad ones, lasting at least
    DISAGREE_MIN_S with at least DISAGREE_MIN_REPORTS bad samples."""
    rows = np.flatnonzero(bad | good)
    if rows.size == 0:
        return []
    is_bad = bad[rows]
    tt = t[rows]
    gap = np.diff(tt) > int(BRACKET_MAX_S * NS_PER_S)
    joined = is_bad[1:] & is_bad[:-1] & ~gap  # sample k+1 continues sample k's run
    first = np.flatnonzero(is_bad & ~np.r_[False, joined])
    last = np.flatnonzero(is_bad & ~np.r_[joined, False])
    keep = (tt[last] - tt[first] >= int(DISAGREE_MIN_S * NS_PER_S)) & (
        last - first + 1 >= DISAGREE_MIN_REPORTS
    )
    return [(int(rows[f]), int(rows[e])) for f, e in zip(first[keep], last[keep], strict=True)]


# -- disagreements and coverage -------------------------------------------------


def disagreements(reports: pa.Table | Merged, *, archive: str = ARCHIVE_COLUMN) -> list[Event]:
    """Intervals where two archives of one aircraft disagree, as ``sources_disagree``
    events (see the module docstring), in time order.

    ``reports``: one aircraft's reports from several archives, or their
    :func:`merge_sources`. Detail: ``end`` (ISO), ``duration_s``, ``sources``
    (the two archives), ``what`` (a sentence), ``reports`` (comparisons in the
    interval) and, for positions, ``max_km``, ``median_km`` and ``transport``
    (each archive's position source: adsb, mlat, ...).
    """
    merged = reports if isinstance(reports, Merged) else merge_sources(reports, archive=archive)
    _one_aircraft(merged.reports)
    views = _views(merged)
    events: list[Event] = []
    for i in range(len(views)):
        for j in range(i + 1, len(views)):
            events += _positions_differ(views[i], views[j])
            events += _positions_missing(views[i], views[j])
            events += _positions_missing(views[j], views[i])
    return sorted(events)


def _one_aircraft(table: pa.Table) -> None:
    if table.num_rows and pc.count_distinct(table["icao24"]).as_py() > 1:
        raise UsageError("disagreements and coverage are for one aircraft's reports")


def _positions_differ(a: _View, b: _View) -> list[Event]:
    ab, ba = _compare(a, b), _compare(b, a)
    t = np.r_[ab.t, ba.t]
    d = np.r_[ab.distance_m, ba.distance_m]
    tol = np.r_[ab.tolerance_m, ba.tolerance_m]
    compared = np.r_[ab.compared, ba.compared]
    src_a = np.r_[ab.source_a, ba.source_b]  # archive a's transport at each sample
    src_b = np.r_[ab.source_b, ba.source_a]
    order = np.argsort(t, kind="stable")
    t, d, tol, compared = t[order], d[order], tol[order], compared[order]
    src_a, src_b = src_a[order], src_b[order]
    bad = compared & (d > tol)
    good = compared & ~bad
    out = []
    for first, last in _runs(t, bad, good):
        inside = np.arange(first, last + 1)
        inside = inside[bad[inside]]
        km = d[inside] / 1000.0
        transport = {a.name: _mode(src_a, inside), b.name: _mode(src_b, inside)}
        what = f"positions differ by up to {km.max():.1f} km (median {np.median(km):.1f} km)"
        if transport[a.name] != transport[b.name]:
            what += f": {a.name} {transport[a.name]}, {b.name} {transport[b.name]}"
        out.append(
            _event(
                t[first],
                t[last],
                [a.name, b.name],
                what,
                reports=int(inside.size),
                max_km=round(float(km.max()), 3),
                median_km=round(float(np.median(km)), 3),
                transport=transport,
            )
        )
    return out


def _positions_missing(a: _View, b: _View) -> list[Event]:
    """Where ``a`` has positions while ``b`` keeps reporting without any."""
    t = np.union1d(a.t, b.t)
    has_a, has_b = _positioned(a, t), _positioned(b, t)
    bad = has_a & ~has_b & _reporting(b, t)
    good = has_a & has_b
    out = []
    for first, last in _runs(t, bad, good):
        n = int(np.count_nonzero(bad[first : last + 1]))
        out.append(
            _event(
                t[first],
                t[last],
                [a.name, b.name],
                f"{a.name} has positions, {b.name} none",
                reports=n,
            )
        )
    return out


def _mode(values: NDArray[np.str_], rows: Int) -> str:
    """The most frequent value among ``rows`` (ties: the first by name)."""
    if rows.size == 0:
        return ""
    names, counts = np.unique(values[rows], return_counts=True)
    return str(names[int(np.argmax(counts))])


def _event(start: int, end: int, sources: list[str], what: str, **extra: Any) -> Event:
    detail: dict[str, Any] = {
        "end": iso_utc(int(end)),
        "duration_s": round((int(end) - int(start)) / NS_PER_S, 3),
        "sources": sources,
        "what": what,
    }
    detail.update(extra)
    return Event(int(start), "sources_disagree", detail)


def coverage(reports: pa.Table | Merged, *, archive: str = ARCHIVE_COLUMN) -> tuple[Coverage, ...]:
    """Stretches of one aircraft's record where only some of its archives report
    (the others silent for more than BRACKET_MAX_S), lasting DISAGREE_MIN_S or more."""
    merged = reports if isinstance(reports, Merged) else merge_sources(reports, archive=archive)
    _one_aircraft(merged.reports)
    views = _views(merged)
    if len(views) < 2:
        return ()
    t = views[0].t
    for v in views[1:]:
        t = np.union1d(t, v.t)
    on = np.stack([_reporting(v, t) for v in views])
    key = (on * (1 << np.arange(len(views)))[:, None]).sum(axis=0)
    change = np.r_[True, key[1:] != key[:-1]]
    firsts = np.flatnonzero(change)
    lasts = np.r_[firsts[1:] - 1, t.size - 1]
    full = (1 << len(views)) - 1
    out = []
    for f, last in zip(firsts.tolist(), lasts.tolist(), strict=True):
        k = int(key[f])
        if k in (0, full) or t[last] - t[f] < DISAGREE_MIN_S * NS_PER_S:
            continue
        names = tuple(v.name for q, v in enumerate(views) if k >> q & 1)
        out.append(Coverage(int(t[f]), int(t[last]), names))
    return tuple(out)


# -- small helpers ----------------------------------------------------------------


def _np(column: Any, dtype: Any, fill: Any) -> NDArray[Any]:
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if column.null_count:
        column = pc.fill_null(column, fill)
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=dtype)


def _floats(table: pa.Table, name: str) -> Float:
    if name not in table.column_names:
        return np.full(table.num_rows, np.nan)
    return _np(table[name].cast(pa.float64()), np.float64, np.nan)


__all__ = [
    "ARCHIVE_COLUMN",
    "BRACKET_MAX_S",
    "CLOCK_SLACK_S",
    "DISAGREE_MIN_REPORTS",
    "DISAGREE_MIN_S",
    "DUPLICATE_POSITION_M",
    "DUPLICATE_TIME_S",
    "Coverage",
    "Merged",
    "coverage",
    "disagreements",
    "merge_sources",
]
