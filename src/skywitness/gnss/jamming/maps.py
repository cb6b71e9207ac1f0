"""Interference maps: good and bad aircraft per H3 cell and time window, scored.

Input is the table of :func:`skywitness.gnss.jamming.state.gnss_state`. Each report
with a position (its own, or its aircraft's last one within the age bound) is
placed in an H3 cell (default resolution 4, as GPSJam) and a UTC-aligned
window (``1h`` or ``1d``). In each cell and window an aircraft is *bad* if it
was in the bad state there at any time, *good* if it was seen there only in
the good state (unknown reports aside), and *unknown* if it never had a known
state there; unknown aircraft are counted apart and are in no denominator.

Two scores per cell:

``score_gpsjam`` / ``level_gpsjam``
    GPSJam's published score ``(bad - 1) / (bad + good)`` (floored at 0: a
    share is never negative), the "- 1" forgiving one faulty transponder per
    cell. Levels: below 2 % green, 2-10 % yellow, 10 % and above red; "low
    traffic" under 3 known aircraft (GPSJam publishes no cut-off; 3 is the
    community minimum).
``score`` / ``score_upper`` / ``level`` (ours, built for sparse traffic)
    The Wilson score interval of the bad share ``bad / (bad + good)`` at 95 %
    one-sided confidence (z = 1.645): ``score`` is its lower bound, "at least
    this share was affected", ``score_upper`` its upper bound. Nothing is
    subtracted, so a cell where 2 of 2 aircraft were bad reads 42 %, not 50 %
    minus a forgiven aircraft; the bound itself shrinks towards zero when few
    aircraft were seen, so no traffic cut-off is needed. Levels: ``red`` when
    the lower bound is 10 % or more, ``yellow`` when 2 % or more, both only
    with at least 2 bad aircraft (interference is a property of an area, so a
    second aircraft must corroborate; one alone may be its own equipment);
    ``green`` when the upper bound is below 10 % (enough aircraft to rule out
    red); otherwise ``uncertain`` (too few aircraft to tell either way).
    Cells where only unknown aircraft were seen are ``no data`` in both.

Writers choose the format from the file extension (:func:`write_map`):
``.csv`` GPSJam's layout (``hex,count_good_aircraft,count_bad_aircraft``),
``.geojson``/``.json`` cell polygons, ``.parquet`` every column, ``.png`` and
``.html`` rendered maps (:mod:`skywitness.report.jamming_map`). A directory gets one
GPSJam-named CSV per window, ``YYYY-MM-DD-h3_4.csv``.

A map carries nothing in its schema metadata: its H3 resolution and window
length are read back from its columns (:func:`map_grid`), so a map read from
Parquet by any tool, or several concatenated, is understood alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from skywitness.errors import UsageError
from skywitness.gnss.jamming.state import BAD, GOOD, UNKNOWN

#: GPSJam maps on H3 resolution 4 (about 1,770 km2, 22.6 km edge).
DEFAULT_RESOLUTION = 4
#: Window lengths, UTC-aligned. GPSJam publishes daily maps; users ask for hourly.
WINDOWS: dict[str, int] = {"1h": 3_600, "1d": 86_400}
DEFAULT_WINDOW = "1d"
#: GPSJam levels: below 2 % green ...
GREEN_BELOW = 0.02
#: ... 2-10 % yellow, 10 % and above red (used for our bound too).
RED_FROM = 0.10
#: GPSJam forgives one faulty transponder per cell: score = (bad - 1) / (bad + good).
GPSJAM_FORGIVEN = 1
#: Fewer known aircraft than this is "low traffic" for the GPSJam level
#: (GPSJam's own cut-off is unpublished; the community maps use at least 3).
LOW_TRAFFIC_MIN_AIRCRAFT = 3
#: z for a one-sided 95 % Wilson bound (normal quantile 0.95).
WILSON_Z = 1.6448536269514722
#: Ours: yellow/red need at least two bad aircraft; one alone may be its own
#: equipment (two or more aircraft agreeing is the Crowd-GPS-Sec criterion).
MIN_BAD_AIRCRAFT = 2
LEVEL_COLOURS: dict[str, str] = {
    "green": "#3a9a4a",
    "yellow": "#f0c020",
    "red": "#d7301f",
    "uncertain": "#b8b8b8",
    "low traffic": "#b8b8b8",
    "no data": "#e8e8e8",
}
LEVELS_OURS = ("green", "yellow", "red", "uncertain", "no data")
LEVELS_GPSJAM = ("green", "yellow", "red", "low traffic", "no data")
GPSJAM_CSV_COLUMNS = ("hex", "count_good_aircraft", "count_bad_aircraft")
MAP_FORMATS = {
    ".csv": "csv",
    ".geojson": "geojson",
    ".json": "geojson",
    ".parquet": "parquet",
    ".png": "png",
    ".html": "html",
}
NS_PER_S = 1_000_000_000
TIME_TYPE = pa.timestamp("ns", tz="UTC")


# -- counting -------------------------------------------------------------------


def interference_map(
    states: pa.Table,
    *,
    resolution: int = DEFAULT_RESOLUTION,
    window: str = DEFAULT_WINDOW,
    min_bad_aircraft: int = MIN_BAD_AIRCRAFT,
    z: float = WILSON_Z,
) -> pa.Table:
    """Good, bad and unknown aircraft per H3 cell and window, with both scores.

    ``states`` is a :func:`~skywitness.gnss.jamming.state.gnss_state` result (columns
    icao24, time, lat, lon, state). Rows sorted by window_start then h3.
    """
    counted = map_counts(states, resolution=resolution, window=window)
    return scored_map(counted, window=window, min_bad_aircraft=min_bad_aircraft, z=z)


def map_counts(
    states: pa.Table, *, resolution: int = DEFAULT_RESOLUTION, window: str = DEFAULT_WINDOW
) -> pa.Table:
    """Good, bad and unknown aircraft per cell and window (``start``, ``cell``,
    ``good_sum``, ``bad_sum``, ``unknown_sum``), before scoring. The counts of
    disjoint sets of aircraft add up (:func:`combined_counts`): the map of a
    store read in partitions of whole aircraft is the map of the whole.
    """
    if window not in WINDOWS:
        raise UsageError(f"unknown map window {window!r} (use {', '.join(WINDOWS)})")
    if not 0 <= resolution <= 15:
        raise UsageError(f"H3 resolution must be 0-15, not {resolution}")
    for name in ("icao24", "time", "lat", "lon", "state"):
        if name not in states.column_names:
            raise UsageError(f"GNSS states have no {name!r} column")
    placed = states.filter(pc.and_(pc.is_valid(states["lat"]), pc.is_valid(states["lon"])))
    lat = _np(placed["lat"], np.float64)
    lon = _np(placed["lon"], np.float64)
    t = _np(placed["time"].cast(TIME_TYPE).cast(pa.int64()), np.int64)
    width = WINDOWS[window] * NS_PER_S
    start = t // width * width
    aircraft = _np(pc.dictionary_encode(placed["icao24"]).combine_chunks().indices, np.int64)
    state = _np(placed["state"], np.int8)
    cell = cells_of(lat, lon, resolution)
    # Collapse consecutive rows that say the same thing (the input is sorted by
    # aircraft then time), then take each aircraft's worst state per cell/window.
    keep = np.ones(start.shape[0], dtype=bool)
    keep[1:] = (
        (aircraft[1:] != aircraft[:-1])
        | (start[1:] != start[:-1])
        | (cell[1:] != cell[:-1])
        | (state[1:] != state[:-1])
    )
    per_aircraft = (
        pa.table(
            {
                "start": start[keep],
                "cell": cell[keep],
                "aircraft": aircraft[keep],
                "state": state[keep],
            }
        )
        .group_by(["start", "cell", "aircraft"])
        .aggregate([("state", "max")])
    )
    worst = _np(per_aircraft["state_max"], np.int8)
    counted = (
        pa.table(
            {
                "start": per_aircraft["start"],
                "cell": per_aircraft["cell"],
                "good": (worst == GOOD).astype(np.int64),
                "bad": (worst == BAD).astype(np.int64),
                "unknown": (worst == UNKNOWN).astype(np.int64),
            }
        )
        .group_by(["start", "cell"])
        .aggregate([("good", "sum"), ("bad", "sum"), ("unknown", "sum")])
        .sort_by([("start", "ascending"), ("cell", "ascending")])
    )
    return counted


def combined_counts(parts: Sequence[pa.Table]) -> pa.Table:
    """The :func:`map_counts` of the union of disjoint sets of aircraft."""
    if len(parts) == 1:
        return parts[0]
    summed = (
        pa.concat_tables(parts)
        .group_by(["start", "cell"])
        .aggregate([("good_sum", "sum"), ("bad_sum", "sum"), ("unknown_sum", "sum")])
        .sort_by([("start", "ascending"), ("cell", "ascending")])
    )
    return pa.table(
        {
            "start": summed["start"],
            "cell": summed["cell"],
            **{f"{k}_sum": summed[f"{k}_sum_sum"] for k in ("good", "bad", "unknown")},
        }
    )


def scored_map(
    counted: pa.Table,
    *,
    window: str = DEFAULT_WINDOW,
    min_bad_aircraft: int = MIN_BAD_AIRCRAFT,
    z: float = WILSON_Z,
) -> pa.Table:
    """The map (:func:`interference_map`) from its :func:`map_counts`."""
    return _scored(counted, WINDOWS[window] * NS_PER_S, min_bad_aircraft, z)


@dataclass(frozen=True)
class MapGrid:
    """The H3 resolution and window length (a key of :data:`WINDOWS`) of a map;
    None for an empty map, which shows neither."""

    resolution: int | None
    window: str | None


def map_grid(table: pa.Table) -> MapGrid:
    """The :class:`MapGrid` of an :func:`interference_map` result, read from its
    ``h3``, ``window_start`` and ``window_end`` columns."""
    import h3

    for name in ("h3", "window_start", "window_end"):
        if name not in table.column_names:
            raise UsageError(f"map has no {name!r} column (use interference_map)")
    cells = pc.unique(table["h3"].combine_chunks().drop_null()).to_pylist()
    resolutions = sorted({h3.get_resolution(c) for c in cells})
    ns = pc.subtract(table["window_end"].cast(pa.int64()), table["window_start"].cast(pa.int64()))
    lengths = sorted(int(v) for v in pc.unique(ns.combine_chunks().drop_null()).to_pylist())
    names = {s * NS_PER_S: name for name, s in WINDOWS.items()}
    if len(resolutions) > 1:
        raise UsageError(f"map mixes H3 resolutions {resolutions}: one map has one")
    if len(lengths) > 1 or (lengths and lengths[0] not in names):
        seconds = [v / NS_PER_S for v in lengths]
        raise UsageError(f"map windows last {seconds} s: want one of {', '.join(WINDOWS)}")
    return MapGrid(
        resolution=resolutions[0] if resolutions else None,
        window=names[lengths[0]] if lengths else None,
    )


def cells_of(lat: NDArray[np.float64], lon: NDArray[np.float64], resolution: int) -> NDArray[Any]:
    """H3 cell (as uint64) of each position. h3-py has no array API, so this
    loops in Python, once per run of identical consecutive positions."""
    import h3.api.basic_int as h3i

    n = lat.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.uint64)
    new = np.ones(n, dtype=bool)
    new[1:] = (lat[1:] != lat[:-1]) | (lon[1:] != lon[:-1])
    first = np.flatnonzero(new)
    to_cell = h3i.latlng_to_cell
    unique = np.fromiter(
        (
            to_cell(a, b, resolution)
            for a, b in zip(lat[first].tolist(), lon[first].tolist(), strict=True)
        ),
        dtype=np.uint64,
        count=first.shape[0],
    )
    return np.repeat(unique, np.diff(np.append(first, n)))


def wilson_bounds(
    bad: NDArray[np.int64], total: NDArray[np.int64], z: float = WILSON_Z
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Wilson score interval of bad / total; NaN where total is 0."""
    n = total.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = bad / n
        centre = p + z * z / (2 * n)
        spread = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        denom = 1 + z * z / n
        lower = np.clip((centre - spread) / denom, 0.0, 1.0)
        upper = np.clip((centre + spread) / denom, 0.0, 1.0)
    none = total == 0
    return np.where(none, np.nan, lower), np.where(none, np.nan, upper)


def gpsjam_score(bad: NDArray[np.int64], good: NDArray[np.int64]) -> NDArray[np.float64]:
    """GPSJam's ``(bad - 1) / (bad + good)``, floored at 0; NaN with no known aircraft."""
    total = (bad + good).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.maximum(bad - GPSJAM_FORGIVEN, 0) / total
    return np.where(total > 0, score, np.nan)


def gpsjam_levels(bad: NDArray[np.int64], good: NDArray[np.int64]) -> list[str]:
    score = gpsjam_score(bad, good)
    total = bad + good
    out = np.select(
        [total == 0, total < LOW_TRAFFIC_MIN_AIRCRAFT, score >= RED_FROM, score >= GREEN_BELOW],
        ["no data", "low traffic", "red", "yellow"],
        "green",
    )
    return [str(v) for v in out.tolist()]


def our_levels(
    bad: NDArray[np.int64],
    good: NDArray[np.int64],
    min_bad_aircraft: int = MIN_BAD_AIRCRAFT,
    z: float = WILSON_Z,
) -> list[str]:
    lower, upper = wilson_bounds(bad, bad + good, z)
    corroborated = bad >= min_bad_aircraft
    out = np.select(
        [
            bad + good == 0,
            corroborated & (lower >= RED_FROM),
            corroborated & (lower >= GREEN_BELOW),
            upper < RED_FROM,
        ],
        ["no data", "red", "yellow", "green"],
        "uncertain",
    )
    return [str(v) for v in out.tolist()]


def _scored(counted: pa.Table, width_ns: int, min_bad: int, z: float) -> pa.Table:
    import h3

    start = _np(counted["start"], np.int64)
    cells = _np(counted["cell"], np.uint64).tolist()
    good = _np(counted["good_sum"], np.int64)
    bad = _np(counted["bad_sum"], np.int64)
    unknown = _np(counted["unknown_sum"], np.int64)
    names = [h3.int_to_str(c) for c in cells]
    centres = [h3.cell_to_latlng(c) for c in names]
    lower, upper = wilson_bounds(bad, bad + good, z)
    return pa.table(
        {
            "window_start": pa.array(start, type=pa.int64()).cast(TIME_TYPE),
            "window_end": pa.array(start + width_ns, type=pa.int64()).cast(TIME_TYPE),
            "h3": pa.array(names, type=pa.string()),
            "lat": pa.array([c[0] for c in centres], type=pa.float64()),
            "lon": pa.array([c[1] for c in centres], type=pa.float64()),
            "count_good_aircraft": pa.array(good),
            "count_bad_aircraft": pa.array(bad),
            "count_unknown_aircraft": pa.array(unknown),
            "score_gpsjam": _nullable(gpsjam_score(bad, good)),
            "level_gpsjam": pa.array(gpsjam_levels(bad, good), type=pa.string()),
            "score": _nullable(lower),
            "score_upper": _nullable(upper),
            "level": pa.array(our_levels(bad, good, min_bad, z), type=pa.string()),
        }
    )


# -- writing --------------------------------------------------------------------


def windows(table: pa.Table) -> list[pa.Table]:
    """The map split by window, in time order."""
    if table.num_rows == 0:
        return []
    starts = sorted(set(table["window_start"].cast(pa.int64()).to_pylist()))
    key = table["window_start"].cast(pa.int64())
    return [table.filter(pc.equal(key, s)) for s in starts]


def window_tag(table: pa.Table) -> str:
    """``YYYY-MM-DD`` for a daily window, ``YYYY-MM-DDTHH`` for a shorter one."""
    start = _first_ns(table, "window_start")
    end = _first_ns(table, "window_end")
    day = datetime.fromtimestamp(start / NS_PER_S, tz=UTC)
    return (
        day.strftime("%Y-%m-%d")
        if end - start >= 86_400 * NS_PER_S
        else day.strftime("%Y-%m-%dT%H")
    )


def cell_geometry(cell: str) -> dict[str, Any]:
    """GeoJSON geometry of one H3 cell, safe across the antimeridian and at the poles."""
    import h3

    ring = [(lon, lat) for lat, lon in h3.cell_to_boundary(cell)]
    parts = split_antimeridian(ring)
    if len(parts) == 1:
        return {"type": "Polygon", "coordinates": [_closed_ccw(parts[0])]}
    return {"type": "MultiPolygon", "coordinates": [[_closed_ccw(p)] for p in parts]}


def split_antimeridian(ring: Sequence[tuple[float, float]]) -> list[list[tuple[float, float]]]:
    """A ring of (lon, lat) as one or two rings that do not cross lon = +-180."""
    pts = list(ring)
    if pts and pts[0] == pts[-1]:
        pts = pts[:-1]
    lons = [p[0] for p in pts]
    if not pts or max(lons) - min(lons) <= 180.0:
        return [pts]
    # Sum the (shortest) longitude steps round the ring: 0 for an ordinary
    # ring, +-360 for one that circles a pole.
    turn = sum(_step(a[0], b[0]) for a, b in zip(pts, pts[1:] + pts[:1], strict=True))
    if abs(turn) > 180.0:
        return [_polar_ring(pts)]
    shifted = [(lon + 360.0 if lon < 0 else lon, lat) for lon, lat in pts]
    east = _clip(shifted, 180.0, keep_below=True)
    west = [(lon - 360.0, lat) for lon, lat in _clip(shifted, 180.0, keep_below=False)]
    return [p for p in (east, west) if len(p) >= 3]


def _step(a: float, b: float) -> float:
    return (b - a + 180.0) % 360.0 - 180.0


def _polar_ring(pts: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """A ring round a pole, cut at the antimeridian and closed along the pole."""
    seq = sorted(((lon + 180.0) % 360.0 - 180.0, lat) for lon, lat in pts)
    first, last = seq[0], seq[-1]
    span = first[0] + 360.0 - last[0]
    frac = (180.0 - last[0]) / span if span > 0 else 0.0
    edge_lat = last[1] + frac * (first[1] - last[1])
    pole = 90.0 if sum(lat for _, lat in seq) > 0 else -90.0
    return [(-180.0, edge_lat), *seq, (180.0, edge_lat), (180.0, pole), (-180.0, pole)]


def _clip(pts: list[tuple[float, float]], x: float, keep_below: bool) -> list[tuple[float, float]]:
    """Sutherland-Hodgman: the part of a polygon with lon <= x (or >= x)."""

    def inside(p: tuple[float, float]) -> bool:
        return p[0] <= x if keep_below else p[0] >= x

    out: list[tuple[float, float]] = []
    for i, cur in enumerate(pts):
        prev = pts[i - 1]
        if inside(cur) != inside(prev):
            f = (x - prev[0]) / (cur[0] - prev[0])
            out.append((x, prev[1] + f * (cur[1] - prev[1])))
        if inside(cur):
            out.append(cur)
    return out


def _closed_ccw(pts: list[tuple[float, float]]) -> list[list[float]]:
    area = sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(pts, pts[1:] + pts[:1], strict=True))
    ordered = pts if area >= 0 else pts[::-1]
    ring = [[round(lon, 7), round(lat, 7)] for lon, lat in ordered]
    return [*ring, ring[0]]


# -- helpers --------------------------------------------------------------------


def _first_ns(table: pa.Table, name: str) -> int:
    return int(table[name].cast(pa.int64())[0].as_py())


def _nullable(values: NDArray[np.float64]) -> pa.Array:
    return pa.array(values, mask=np.isnan(values), type=pa.float64())


def _np(column: Any, dtype: Any) -> NDArray[Any]:
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=dtype)
