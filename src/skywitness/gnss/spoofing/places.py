"""Across aircraft: where spoofed positions gather, and where the spoofer reaches.

A spoofer makes every receiver it captures report the same false place (an
*attractor*: one point, or positions spread on a circle around one). Single
aircraft say little; several aircraft reported for minutes at the same false
place, while their barometric altitude and airspeed say they were flying
elsewhere, locate the place and, through where each was captured and
released, the spoofer's area of effect.

Clusters (:func:`spoof_clusters`), from :func:`skywitness.gnss.spoofing.spoof_states`:

1. *Dwell.* Spoofed reports with a position are binned on a grid of
   :data:`CELL_KM`; each (cell, aircraft) gets the time the aircraft was
   reported there (the time to its next report, capped at
   :data:`DWELL_CAP_S`, so a gap is not a stay). Only stays of at least
   :data:`MIN_DWELL_S` count: a flying aircraft crosses a cell in well under
   that, a spoofed one is held at the false place for minutes. This leaves
   out the true positions that end an interval (flags run a little late) and
   the short frozen phases of single aircraft.
2. *Link.* Kept cells within :data:`LINK_KM` of each other are one place
   (connected components); a place needs :data:`MIN_AIRCRAFT` distinct
   aircraft. A place is split in time where no aircraft was held at it for
   :data:`SPLIT_GAP_S`.
3. *Shape.* A circle (algebraic fit of every held position, local plane) is
   taken when its radius is at least :data:`CIRCLE_MIN_RADIUS_KM`, the
   positions fit it to within :data:`CIRCLE_MAX_RESIDUAL` of the radius and
   the aircraft sit on at least :data:`CIRCLE_MIN_ARC_DEG` of it: the place is
   the centre (``pattern`` ``"circle"``, ``radius_km``). Otherwise the place is
   the median of the aircraft's own median positions (``"point"``;
   ``radius_km`` is the 95th percentile distance of held positions from it).
   ``error_km_95`` is the 95th percentile distance of the place refitted on
   aircraft resampled with replacement (bootstrap).

Area of effect (:func:`spoofer_area`): an aircraft's last own position before
its spoofing began lies on the edge of the spoofer's reach (to within the
receiver's capture delay), its first trusted one after lies outside (the
receiver re-acquires late), and aircraft that were never spoofed while it was
active were outside it or below its radio horizon: the same geometry as a
jammer's, fitted by :func:`skywitness.gnss.locate.locate_emitter` (position,
effective range, 95 % error).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from skywitness.gnss.jamming.events import SWITCH_OFF_GAP_S, SWITCH_ON_GAP_S, switching_bursts
from skywitness.gnss.locate import EmitterEstimate, LocalPlane, Observations, locate_emitter
from skywitness.model.geo import EARTH_RADIUS_M, distance_m, median_lon, unit_vectors
from skywitness.model.timefmt import iso_utc
from skywitness.model.units import KT_PER_MPS, NS_PER_S

Float = NDArray[np.float64]

#: Grid cell size for dwell, km: larger than an attractor's wander (public
#: reports and our model: about a kilometre) and small enough that an aircraft
#: at approach speed (130 kt) crosses it in about a minute.
CELL_KM = 4.0
#: A report stands for at most this long (longer gaps are coverage, not a stay), s.
DWELL_CAP_S = 60.0
#: Minimum stay of one aircraft in one cell, s: 3 minutes is four times what a
#: 130 kt aircraft needs to cross a 4 km cell, while spoofed receivers are held
#: at the false place for the whole capture (minutes to an hour).
MIN_DWELL_S = 180.0
#: Held cells closer than this are one spoofed place, km. Circle spoofing puts
#: aircraft tens of km apart on one circle (reported radii 10-30 km); distinct
#: spoofed places in the public reports are hundreds of km apart.
LINK_KM = 40.0
#: A spoofed place is seen by at least this many aircraft: one receiver alone
#: could be faulty.
MIN_AIRCRAFT = 2
#: A place unoccupied for this long starts a new cluster, s.
SPLIT_GAP_S = 1800.0
#: An aircraft held at a place too briefly to dwell joins it with at least
#: this many held reports within ATTACH_MARGIN_KM of the place (km): a place
#: is tight (an attractor wanders about a kilometre), a true position near it
#: by chance lasts one or two reports at cruise speed.
ATTACH_MIN_REPORTS = 3
ATTACH_MARGIN_KM = 2.0
#: A point place holds the aircraft whose own median held position lies
#: within this of its centre, km: an attractor is tight (about a kilometre of
#: wander in the public reports and our model), while receivers frozen where
#: they were captured sit kilometres to tens of km apart.
POINT_CORE_KM = 5.0
#: Circle test: at least this many aircraft (any three points lie on a circle).
CIRCLE_MIN_AIRCRAFT = 4
#: Circle test: radius at most this when joining arcs into one circle, km
#: (public reports of circle spoofing describe radii of tens of km).
CIRCLE_MAX_RADIUS_KM = 60.0
#: Circle test: radius at least this (an attractor's wander is about 1 km), km.
CIRCLE_MIN_RADIUS_KM = 3.0
#: Circle test: RMS radial residual at most this share of the radius.
CIRCLE_MAX_RESIDUAL = 0.25
#: Circle test: aircraft's median angles span at least this arc, degrees
#: (points bunched on a short arc are a spread point, not a circle).
CIRCLE_MIN_ARC_DEG = 90.0
#: Bootstrap resamples for the place's 95 % error.
BOOTSTRAP = 100
#: An entry (last own position before the spoofing) is on the edge only if
#: it came this soon before the first spoofed report, s.
ENTRY_MAX_GAP_S = 60.0
#: A released receiver reports a trusted position again up to this long after
#: leaving the spoofer's reach, s: it stays locked on the false signals until
#: its tracking loses them and its integrity monitoring accepts the authentic
#: ones (minutes in the public reports; our simulator draws 30-300 s). Exits
#: bound the reach from outside by this much flying.
EXIT_MAX_LAG_S = 300.0
#: Ground speed assumed at an exit whose own speed cannot be measured, kt
#: (a jet's cruise: the bound it sets is loose, as it should be).
EXIT_SPEED_KT = 480.0
#: Baseline for an exit's ground speed from its next trusted position, s.
SPEED_BASE_S = (20.0, 180.0)
#: One outside point per aircraft per this many seconds (enough to say
#: where unaffected traffic flew, few enough for the fit), s.
OUTSIDE_STEP_S = 120.0


@dataclass(frozen=True)
class SpoofCluster:
    """One spoofed place: false positions of several aircraft held together."""

    start_ns: int
    end_ns: int
    lat: float
    lon: float
    pattern: str  # "point" or "circle"
    radius_km: float
    error_km_95: float
    aircraft: tuple[str, ...]
    held_s: float  # aircraft-seconds held at the place
    #: Where the spoofer reached (:func:`spoofer_area`): centre, effective range, 95 % error.
    area: EmitterEstimate | None = None

    @property
    def n_aircraft(self) -> int:
        return len(self.aircraft)

    def as_json(self) -> dict[str, Any]:
        return {
            "start": iso_utc(self.start_ns),
            "end": iso_utc(self.end_ns),
            "lat": round(self.lat, 5),
            "lon": round(self.lon, 5),
            "n_aircraft": self.n_aircraft,
            "aircraft": list(self.aircraft),
            "pattern": self.pattern,
            "radius_km": round(self.radius_km, 2),
            "error_km_95": round(self.error_km_95, 2),
            "held_minutes": round(self.held_s / 60, 1),
            "spoofer_area": None if self.area is None else self.area.as_json(),
        }


def _column(table: pa.Table, name: str, dtype: Any, fill: Any) -> NDArray[Any]:
    col = table[name]
    if pa.types.is_timestamp(col.type):
        col = col.cast(pa.int64())
    return np.asarray(col.fill_null(fill).to_numpy(), dtype)


def _own_positions(states: pa.Table, lat: Float, lon: Float) -> NDArray[np.bool_]:
    """Rows with a position from the aircraft's own GNSS receiver (MLAT and TIS-B
    positions are neither spoofed nor evidence about the spoofer's reach)."""
    has = np.isfinite(lat) & np.isfinite(lon)
    if "own_position" in states.column_names:
        has &= _column(states, "own_position", np.bool_, False)
    return has


def spoof_clusters(
    states: pa.Table,
    *,
    area: bool = True,
    bootstrap: int = BOOTSTRAP,
    seed: int = 0,
    outside: pa.Table | None = None,
) -> list[SpoofCluster]:
    """Spoofed places from :func:`~skywitness.gnss.spoofing.spoof_states`; see the module docstring.

    ``area`` also fits each cluster's spoofer area (:func:`spoofer_area`),
    with ``outside`` (:func:`outside_sample`; default: of ``states``) for the
    aircraft that were not captured. The clusters need only the states of
    the aircraft with a spoofed report, in (icao24, time) order: given the
    sample of all aircraft, they are those of all states. Clusters are
    sorted by start time.
    """
    if states.num_rows == 0:
        return []
    icao = np.asarray(states["icao24"].to_numpy(zero_copy_only=False)).astype(str)
    t = _column(states, "time", np.int64, 0)
    lat = _column(states, "lat", np.float64, np.nan)
    lon = _column(states, "lon", np.float64, np.nan)
    spoofed = _column(states, "spoofed", np.bool_, False)
    own = _own_positions(states, lat, lon)
    code = np.unique(icao, return_inverse=True)[1]
    same_next = np.r_[code[1:] == code[:-1], False]
    dt = np.where(same_next, np.r_[np.diff(t), 0] / NS_PER_S, 0.0)
    dwell = np.minimum(dt, DWELL_CAP_S)
    held = spoofed & own
    rows = np.flatnonzero(held)
    if rows.size == 0:
        return []
    # Grid: rows of CELL_KM in latitude, columns of CELL_KM along each row.
    k = EARTH_RADIUS_M / 1000 * np.pi / 180
    r_idx = np.floor(lat[rows] * k / CELL_KM).astype(np.int64)
    width = CELL_KM / (k * np.maximum(np.cos(np.radians((r_idx + 0.5) * CELL_KM / k)), 1e-3))
    c_idx = np.floor((lon[rows] + 180.0) / width).astype(np.int64)
    key = np.stack([r_idx, c_idx, code[rows]], axis=1)
    groups, inverse = np.unique(key, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    stay = np.bincount(inverse, weights=dwell[rows])
    kept = stay >= MIN_DWELL_S
    if not kept.any():
        return []
    in_kept = kept[inverse]
    rows, inverse = rows[in_kept], inverse[in_kept]
    # Cells (without aircraft) that hold a kept stay, linked within LINK_KM.
    cells, cell_of_group = np.unique(groups[:, :2], axis=0, return_inverse=True)
    cell_of_group = cell_of_group.reshape(-1)
    cell_of_row = cell_of_group[inverse]
    centre_lat = np.bincount(cell_of_row, weights=lat[rows], minlength=len(cells))
    centre_lon = np.bincount(cell_of_row, weights=lon[rows], minlength=len(cells))
    count = np.bincount(cell_of_row, minlength=len(cells))
    used = count > 0
    mean_lat: Float = np.asarray(np.where(used, centre_lat / np.maximum(count, 1), 0.0), np.float64)
    mean_lon: Float = np.asarray(np.where(used, centre_lon / np.maximum(count, 1), 0.0), np.float64)
    tree = cKDTree(unit_vectors(mean_lat, mean_lon))
    chord = 2 * np.sin(LINK_KM / (EARTH_RADIUS_M / 1000) / 2)
    pairs = tree.query_pairs(chord, output_type="ndarray")
    n_cells = len(cells)
    graph = coo_matrix(
        (np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])) if len(pairs) else ([], ([], [])),
        shape=(n_cells, n_cells),
    )
    _, component = connected_components(graph, directed=False)
    place_of_row = component[cell_of_row]
    out: list[SpoofCluster] = []
    rng = np.random.default_rng(seed)
    parts = [
        part
        for place in np.unique(place_of_row[used[cell_of_row]])
        for part in _split_in_time(rows[place_of_row == place], t, code)
    ]
    for part in _join_circles(parts, t, lat, lon, code):
        if np.unique(code[part]).size >= MIN_AIRCRAFT:
            c = _cluster(part, t, lat, lon, code, icao, dwell, bootstrap, rng)
            if c is not None:
                out.append(c)
    out = [_attach(c, held, t, lat, lon, code, icao, dwell) for c in out]
    out.sort(key=lambda c: (c.start_ns, c.lat))
    if area:
        sample = outside_sample(states) if outside is None else outside
        out = [
            SpoofCluster(
                **{**c.__dict__, "area": spoofer_area(states, c, seed=seed, outside=sample)}
            )
            for c in out
        ]
    return out


#: Columns of :func:`outside_sample`.
OUTSIDE_COLUMNS = ("icao24", "time", "lat", "lon", "alt_baro_ft")


def outside_sample(states: pa.Table) -> pa.Table:
    """Where each aircraft flew while not spoofed: its first trusted own
    position in each :data:`OUTSIDE_STEP_S` of UTC time (icao24, time as
    int64 ns, lat, lon, alt_baro_ft), in (icao24, time) order.

    The spoofer's area takes the aircraft that were not captured while it
    was active from here (:func:`area_observations`). Samples of states of
    disjoint aircraft concatenate (then sort by icao24) into the sample of
    the whole: the spoofing job keeps this, not every report.
    """
    if states.num_rows == 0:
        return _empty_outside()
    icao = np.asarray(states["icao24"].to_numpy(zero_copy_only=False)).astype(str)
    t = _column(states, "time", np.int64, 0)
    lat = _column(states, "lat", np.float64, np.nan)
    lon = _column(states, "lon", np.float64, np.nan)
    spoofed = _column(states, "spoofed", np.bool_, False)
    o = np.flatnonzero(_own_positions(states, lat, lon) & ~spoofed)
    if o.size == 0:
        return _empty_outside()
    bucket = np.stack([np.unique(icao[o], return_inverse=True)[1].reshape(-1),
                       t[o] // int(OUTSIDE_STEP_S * NS_PER_S)], axis=1)  # fmt: skip
    o = np.sort(o[np.unique(bucket, axis=0, return_index=True)[1]])
    alt = _column(states, "alt_baro_ft", np.float64, np.nan)
    return pa.table(
        {
            "icao24": pa.array(icao[o], pa.string()),
            "time": pa.array(t[o], pa.int64()),
            "lat": pa.array(lat[o], pa.float64()),
            "lon": pa.array(lon[o], pa.float64()),
            "alt_baro_ft": pa.array(alt[o], pa.float64()),
        }
    )


def _empty_outside() -> pa.Table:
    return pa.table(
        {
            "icao24": pa.array([], pa.string()),
            "time": pa.array([], pa.int64()),
            **{name: pa.array([], pa.float64()) for name in OUTSIDE_COLUMNS[2:]},
        }
    )


def _attach(
    c: SpoofCluster,
    held: NDArray[np.bool_],
    t: NDArray[np.int64],
    lat: Float,
    lon: Float,
    code: NDArray[np.int64],
    icao: NDArray[Any],
    dwell: Float,
) -> SpoofCluster:
    """The cluster with the aircraft reported at its place too briefly to dwell.

    A receiver captured for under :data:`MIN_DWELL_S` (a short pass at the
    edge of the reach, a spoofer switching off) is still reported at the
    place: :data:`ATTACH_MIN_REPORTS` held reports within
    :data:`ATTACH_MARGIN_KM` of it (of the circle for circle spoofing) while
    the place was occupied (SPLIT_GAP_S either side) add the aircraft. The
    place is not refitted.
    """
    span = (t >= c.start_ns - SPLIT_GAP_S * NS_PER_S) & (t <= c.end_ns + SPLIT_GAP_S * NS_PER_S)
    rows = np.flatnonzero(held & span & ~np.isin(icao, c.aircraft))
    if rows.size == 0:
        return c
    d_km = np.asarray(distance_m(lat[rows], lon[rows], c.lat, c.lon)) / 1000
    off = np.abs(d_km - c.radius_km) if c.pattern == "circle" else np.maximum(d_km - c.radius_km, 0)
    near = rows[off <= ATTACH_MARGIN_KM]
    if near.size == 0:
        return c
    who, n = np.unique(code[near], return_counts=True)
    joined = set(who[n >= ATTACH_MIN_REPORTS].tolist())
    near = near[np.isin(code[near], list(joined))]
    if near.size == 0:
        return c
    return SpoofCluster(
        **{
            **c.__dict__,
            "start_ns": min(c.start_ns, int(t[near].min())),
            "end_ns": max(c.end_ns, int(t[near].max())),
            "aircraft": tuple(sorted({*c.aircraft, *(str(icao[r]) for r in near)})),
            "held_s": c.held_s + float(dwell[near].sum()),
        }
    )


def _join_circles(
    parts: list[NDArray[np.int64]],
    t: NDArray[np.int64],
    lat: Float,
    lon: Float,
    code: NDArray[np.int64],
) -> list[NDArray[np.int64]]:
    """Places that are arcs of one circle, joined.

    Circle spoofing spreads its aircraft round the circle; with few of them
    the gaps between neighbours can exceed LINK_KM and the circle falls apart
    into arcs, down to one aircraft each. From each place (larger first), the
    places occupied at overlapping times within twice
    :data:`CIRCLE_MAX_RADIUS_KM` of it are joined to it when their held
    positions together pass the circle test of :func:`_place` with a radius
    of at most CIRCLE_MAX_RADIUS_KM.
    """
    order = sorted(range(len(parts)), key=lambda k: -len(parts[k]))
    centre = [(float(np.median(lat[p])), median_lon(lon[p])) for p in parts]
    span = [(int(t[p].min()), int(t[p].max())) for p in parts]
    gap = int(SPLIT_GAP_S * NS_PER_S)
    used: set[int] = set()
    out: list[NDArray[np.int64]] = []
    for k in order:
        if k in used:
            continue
        near = [
            m
            for m in order
            if m not in used
            and span[m][0] <= span[k][1] + gap
            and span[k][0] <= span[m][1] + gap
            and float(distance_m(*centre[k], *centre[m])) / 1000 <= 2 * CIRCLE_MAX_RADIUS_KM
        ]
        union = np.sort(np.concatenate([parts[m] for m in near]))
        if len(near) > 1:
            plane = LocalPlane(float(np.median(lat[union])), median_lon(lon[union]))
            x, y = plane.xy(lat[union], lon[union])
            pattern, _, _, radius = _place(x, y, code[union], np.unique(code[union]))
            if pattern == "circle" and radius <= CIRCLE_MAX_RADIUS_KM:
                used.update(near)
                out.append(union)
                continue
        used.add(k)
        out.append(parts[k])
    return out


def at_places(states: pa.Table, clusters: Sequence[SpoofCluster]) -> NDArray[np.bool_]:
    """Rows of a place's aircraft whose own position lies at the place.

    Within :data:`ATTACH_MARGIN_KM` of a point place's spread (of a circle's
    ring), from SPLIT_GAP_S before the place was first held to SPLIT_GAP_S
    after it was last held. Such a position is no trusted anchor even when
    no detector flagged it: a receiver still captured as its aircraft
    descends to land is reported at the place with nothing impossible about
    it. Other aircraft at the place (real traffic at a spoofed airport) are
    not marked.
    """
    out = np.zeros(states.num_rows, dtype=bool)
    if not clusters or states.num_rows == 0:
        return out
    icao = np.asarray(states["icao24"].to_numpy(zero_copy_only=False)).astype(str)
    t = _column(states, "time", np.int64, 0)
    lat = _column(states, "lat", np.float64, np.nan)
    lon = _column(states, "lon", np.float64, np.nan)
    own = _own_positions(states, lat, lon)
    gap = int(SPLIT_GAP_S * NS_PER_S)
    for c in clusters:
        near_in_time = (t >= c.start_ns - gap) & (t <= c.end_ns + gap)
        rows = np.flatnonzero(own & near_in_time & np.isin(icao, c.aircraft))
        d_km = np.asarray(distance_m(lat[rows], lon[rows], c.lat, c.lon)) / 1000
        off = np.abs(d_km - c.radius_km) if c.pattern == "circle" else d_km - c.radius_km
        out[rows[off <= ATTACH_MARGIN_KM]] = True
    return out


def _split_in_time(
    rows: NDArray[np.int64], t: NDArray[np.int64], code: NDArray[np.int64]
) -> list[NDArray[np.int64]]:
    """Rows of one place split where no aircraft was held at it for SPLIT_GAP_S."""
    order = rows[np.argsort(t[rows], kind="stable")]
    cut = np.flatnonzero(np.diff(t[order]) > SPLIT_GAP_S * NS_PER_S) + 1
    return [np.sort(p) for p in np.split(order, cut)]


def _cluster(
    rows: NDArray[np.int64],
    t: NDArray[np.int64],
    lat: Float,
    lon: Float,
    code: NDArray[np.int64],
    icao: NDArray[Any],
    dwell: Float,
    bootstrap: int,
    rng: np.random.Generator,
) -> SpoofCluster | None:
    """The place held at ``rows``, or None when fewer than MIN_AIRCRAFT share it."""
    plane = LocalPlane(float(np.median(lat[rows])), median_lon(lon[rows]))
    x, y = plane.xy(lat[rows], lon[rows])
    who = code[rows]
    members = np.unique(who)
    pattern, cx, cy, radius = _place(x, y, who, members)
    if pattern == "point":
        # A point is one place: aircraft held elsewhere within LINK_KM (such
        # as receivers frozen where an airway enters the reach) are not at it.
        mx = np.array([np.median(x[who == m]) for m in members])
        my = np.array([np.median(y[who == m]) for m in members])
        core = members[np.hypot(mx - cx, my - cy) <= POINT_CORE_KM]
        if core.size < MIN_AIRCRAFT:
            return None
        if core.size < members.size:
            keep = np.isin(who, core)
            return _cluster(rows[keep], t, lat, lon, code, icao, dwell, bootstrap, rng)
    errors = []
    # A circle needs CIRCLE_MIN_AIRCRAFT distinct aircraft: a resample with
    # fewer (one or two clumps) would put its centre anywhere; redraw it.
    need = min(CIRCLE_MIN_AIRCRAFT, members.size) if pattern == "circle" else 1
    for _ in range(bootstrap):
        pick = rng.choice(members, size=members.size, replace=True)
        while np.unique(pick).size < need:
            pick = rng.choice(members, size=members.size, replace=True)
        sel = np.concatenate([np.flatnonzero(who == m) for m in pick])
        again = _place(x[sel], y[sel], who[sel], np.unique(pick), pattern)
        errors.append(float(np.hypot(again[1] - cx, again[2] - cy)))
    c_lat, c_lon = plane.latlon(cx, cy)
    return SpoofCluster(
        start_ns=int(t[rows].min()),
        end_ns=int(t[rows].max()),
        lat=float(c_lat),
        lon=float(c_lon),
        pattern=pattern,
        radius_km=float(radius),
        error_km_95=float(np.percentile(errors, 95)) if errors else float("nan"),
        aircraft=tuple(sorted({str(icao[r]) for r in rows})),
        held_s=float(dwell[rows].sum()),
    )


def _place(
    x: Float, y: Float, who: NDArray[np.int64], members: NDArray[np.int64], force: str = ""
) -> tuple[str, float, float, float]:
    """(pattern, centre x, centre y, radius) of held positions in the local plane (km)."""
    mx = np.array([np.median(x[who == m]) for m in members])
    my = np.array([np.median(y[who == m]) for m in members])
    # Half the aircraft or more at one point make a point, whatever else
    # lies round it (receivers frozen where they were captured, say).
    core = np.hypot(mx - np.median(mx), my - np.median(my)) <= POINT_CORE_KM
    bunched = 2 * int(core.sum()) >= members.size
    if force == "circle" or (
        force != "point" and members.size >= CIRCLE_MIN_AIRCRAFT and not bunched
    ):
        # Each aircraft weighs the same, however many reports it has.
        _, idx, count = np.unique(who, return_inverse=True, return_counts=True)
        weight = 1.0 / count[idx.reshape(-1)]
        circle = _circle(x, y, weight)
        if circle is not None:
            cx, cy, r = circle
            rms = float(np.sqrt(np.average((np.hypot(x - cx, y - cy) - r) ** 2, weights=weight)))
            angles = np.sort(np.degrees(np.arctan2(my - cy, mx - cx)) % 360)
            gaps = np.diff(np.r_[angles, angles[0] + 360])
            arc = 360 - float(gaps.max())
            if force == "circle" or (
                r >= CIRCLE_MIN_RADIUS_KM
                and rms <= CIRCLE_MAX_RESIDUAL * r
                and arc >= CIRCLE_MIN_ARC_DEG
            ):
                return "circle", cx, cy, r
    cx, cy = float(np.median(mx)), float(np.median(my))
    spread = float(np.percentile(np.hypot(x - cx, y - cy), 95))
    return "point", cx, cy, spread


def _circle(x: Float, y: Float, weight: Float | None = None) -> tuple[float, float, float] | None:
    """Algebraic (Kasa) least-squares circle through the points (weighted), or None if degenerate."""
    w = np.sqrt(np.ones_like(x) if weight is None else weight)
    a = np.column_stack([x, y, np.ones_like(x)]) * w[:, None]
    b = (x**2 + y**2) * w
    try:
        sol, *_ = np.linalg.lstsq(a, b, rcond=None)
    except np.linalg.LinAlgError:
        return None
    cx, cy = sol[0] / 2, sol[1] / 2
    r2 = sol[2] + cx**2 + cy**2
    if not np.isfinite(r2) or r2 <= 0:
        return None
    return float(cx), float(cy), float(np.sqrt(r2))


def area_observations(
    states: pa.Table, cluster: SpoofCluster, outside: pa.Table | None = None
) -> Observations:
    """What the record says about the spoofer's reach (see :func:`spoofer_area`).

    ``outside``: where the aircraft not captured flew (:func:`outside_sample`;
    default: of ``states``); its points of the cluster's time and of aircraft
    not in it are the outside observations.

    Captures that start together (the spoofer switching on, or the record
    starting) put their aircraft inside the reach, not on its edge; releases
    that end together (switching off, the record ending) say nothing about
    the edge: the same switching bursts as a jammer's
    (:func:`skywitness.gnss.jamming.events.switching_bursts`). An exit carries the
    highest altitude of the re-acquisition delay before it (a descending
    aircraft left the reach higher than it reports).
    """
    icao = np.asarray(states["icao24"].to_numpy(zero_copy_only=False)).astype(str)
    t = _column(states, "time", np.int64, 0)
    lat = _column(states, "lat", np.float64, np.nan)
    lon = _column(states, "lon", np.float64, np.nan)
    alt = _column(states, "alt_baro_ft", np.float64, np.nan)
    spoofed = _column(states, "spoofed", np.bool_, False)
    has_pos = _own_positions(states, lat, lon)
    trusted = has_pos & ~spoofed
    members = set(cluster.aircraft)
    entries: list[tuple[int, list[float]]] = []  # (capture time, lat/lon/alt)
    exits: list[tuple[int, list[float]]] = []
    lag_ns = int(EXIT_MAX_LAG_S * NS_PER_S)
    member_rows = np.flatnonzero(np.isin(icao, list(members)))
    for a in sorted(members):  # a fixed order: the fit and its bootstrap depend on it
        r = member_rows[icao[member_rows] == a]
        s = spoofed[r]
        starts = np.flatnonzero(s & ~np.r_[False, s[:-1]])
        ends = np.flatnonzero(s & ~np.r_[s[1:], False])
        for i0, i1 in zip(starts, ends, strict=True):
            if t[r[i1]] < cluster.start_ns or t[r[i0]] > cluster.end_ns:
                continue
            before = r[:i0][has_pos[r[:i0]]]
            if before.size and (t[r[i0]] - t[before[-1]]) <= ENTRY_MAX_GAP_S * NS_PER_S:
                j = before[-1]
                entries.append((int(t[r[i0]]), [lat[j], lon[j], alt[j]]))
            after = r[i1 + 1 :][trusted[r[i1 + 1 :]]]
            # Released and seen again within the longest re-acquisition: later
            # (landed captured, left coverage, the next flight) is no exit.
            if after.size and t[after[0]] - t[r[i1]] <= lag_ns:
                j = after[0]
                recent = r[(t[r] >= t[j] - lag_ns) & (t[r] <= t[j])]
                top = float(np.nanmax(np.r_[alt[recent], alt[j]]))
                speed = _speed_kt(r, j, t, lat, lon, trusted)
                exits.append((int(t[r[i1]]), [lat[j], lon[j], alt[j], speed, top]))
    on = {k for b in switching_bursts([e[0] for e in entries], SWITCH_ON_GAP_S, first=True)
          for k in b}  # fmt: skip
    off = {k for b in switching_bursts([e[0] for e in exits], SWITCH_OFF_GAP_S, first=False)
           for k in b}  # fmt: skip
    entry = [e[1] for k, e in enumerate(entries) if k not in on]
    inside = [e[1] for k, e in enumerate(entries) if k in on]
    exit_ = [e[1] for k, e in enumerate(exits) if k not in off]
    sample = outside_sample(states) if outside is None else outside
    ot = np.asarray(sample["time"].to_numpy(), np.int64)
    others = (ot >= cluster.start_ns) & (ot <= cluster.end_ns)
    others &= ~np.asarray(pc.is_in(sample["icao24"], pa.array(sorted(members))).to_numpy(
        zero_copy_only=False), bool)  # fmt: skip
    points = np.column_stack(
        [np.asarray(sample[c].to_numpy(), np.float64)[others] for c in OUTSIDE_COLUMNS[2:]]
    )

    def finite(rows: Any, width: int) -> Float:
        a = np.asarray(rows, np.float64).reshape(-1, width)
        return a[np.isfinite(a).all(axis=1)]

    return Observations(
        entry=finite(entry, 3),
        exit=finite(exit_, 5),
        inside=finite(inside, 3),
        outside=finite(points, 3),
        exit_max_lag_s=EXIT_MAX_LAG_S,
    )


def spoofer_area(
    states: pa.Table, cluster: SpoofCluster, *, seed: int = 0, outside: pa.Table | None = None
) -> EmitterEstimate | None:
    """The spoofer's reach from where the cluster's aircraft were captured and released.

    See the module docstring (``outside`` as for :func:`area_observations`).
    None when too few captures were seen to fit.
    """
    return locate_emitter(area_observations(states, cluster, outside), seed=seed)


def _speed_kt(rows: NDArray[np.int64], j: int, t: NDArray[np.int64], lat: Float, lon: Float,
              usable: NDArray[np.bool_]) -> float:  # fmt: skip
    """Ground speed at row j from the aircraft's next trusted position SPEED_BASE_S later."""
    later = rows[(rows > j) & usable[rows]]
    dt = (t[later] - t[j]) / NS_PER_S
    ok = later[(dt >= SPEED_BASE_S[0]) & (dt <= SPEED_BASE_S[1])]
    if ok.size == 0:
        return EXIT_SPEED_KT
    k = ok[0]
    metres = float(distance_m(lat[j], lon[j], lat[k], lon[k]))
    return float(metres / ((t[k] - t[j]) / NS_PER_S) * KT_PER_MPS)
