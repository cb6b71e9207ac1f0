"""What every map is drawn on: land outlines, the extent, geodesic circles.

Land is Natural Earth's, shipped with the package
(``skywitness/data/coastlines-*.json``, public domain): nothing is fetched.
Maps are equirectangular, with longitudes scaled by the cosine of the middle
latitude so that shapes keep their proportions at the map's centre.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from functools import cache

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from skywitness.errors import UsageError
from skywitness.model.geo import destination

#: Below this span (degrees of longitude or latitude) the 1:50m coastline is
#: drawn; above, 1:110m is detailed enough and ten times smaller.
FINE_COASTLINE_SPAN_DEG = 40.0
#: Margin round what a map shows, as a fraction of its extent, and at least
#: this many degrees, so a single cell still shows the coast around it.
MARGIN_FRACTION = 0.15
MIN_MARGIN_DEG = 1.5
#: The extent of a map with nothing on it (the inhabited latitudes).
WORLD = (-180.0, 180.0, -60.0, 80.0)
#: Kilometres per degree of latitude (mean Earth radius 6371 km; the
#: projection keeps this scale along both axes at the map's centre).
KM_PER_DEG = 2 * math.pi * 6371.0 / 360.0
#: Vertices of a drawn circle (emitter error and reach, spoofed places).
CIRCLE_VERTICES = 72
SEA = "#dce8f2"
LAND = "#f4f1ea"
COAST = "#5f5f5f"

Ring = NDArray[np.float64]
Extent = tuple[float, float, float, float]


@cache
def load_coastlines(scale: str = "110m") -> tuple[Ring, ...]:
    """Natural Earth land outlines as closed (k, 2) arrays of (lon, lat) degrees
    (decoded once, by :func:`skywitness.model.land.coastlines`)."""
    from skywitness.model.land import coastlines

    if scale not in ("110m", "50m"):
        raise UsageError(f"coastline scale must be 110m or 50m, not {scale!r}")
    return coastlines(scale)


def coastlines_in(extent: Extent) -> list[Ring]:
    """Land rings touching ``extent`` (lon0, lon1, lat0, lat1), finer when the extent is small."""
    lon0, lon1, lat0, lat1 = extent
    fine = max(lon1 - lon0, lat1 - lat0) < FINE_COASTLINE_SPAN_DEG
    out = []
    for ring in load_coastlines("50m" if fine else "110m"):
        if (
            ring[:, 0].max() >= lon0
            and ring[:, 0].min() <= lon1
            and ring[:, 1].max() >= lat0
            and ring[:, 1].min() <= lat1
        ):
            out.append(ring)
    return out


def cell_rings(table: pa.Table) -> list[list[list[list[float]]]]:
    """Per row, the outer rings ([lon, lat] lists) of its cell, split at the antimeridian."""
    from skywitness.gnss.jamming.maps import cell_geometry

    out = []
    for cell in table["h3"].to_pylist():
        geom = cell_geometry(cell)
        polys = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
        out.append([poly[0] for poly in polys])
    return out


def extent_of(rings: Iterable[Sequence[Sequence[Sequence[float]]]]) -> Extent:
    """(lon0, lon1, lat0, lat1) round the rings, with a margin, within the globe."""
    return extent_of_points([p for cell in rings for ring in cell for p in ring])


def extent_of_points(pts: Sequence[Sequence[float]]) -> Extent:
    """(lon0, lon1, lat0, lat1) round [lon, lat] points, with a margin, within the globe."""
    if not pts:
        return WORLD
    lons = [p[0] for p in pts]
    lats = [p[1] for p in pts]
    mx = max(MARGIN_FRACTION * (max(lons) - min(lons)), MIN_MARGIN_DEG)
    my = max(MARGIN_FRACTION * (max(lats) - min(lats)), MIN_MARGIN_DEG)
    return (
        max(min(lons) - mx, -180.0),
        min(max(lons) + mx, 180.0),
        max(min(lats) - my, -90.0),
        min(max(lats) + my, 90.0),
    )


def circle_ring(lat: float, lon: float, radius_km: float) -> list[list[float]]:
    """A closed counter-clockwise ring (RFC 7946) of [lon, lat] at ``radius_km``
    round (lat, lon); longitudes kept continuous (they may pass +/-180)."""
    bearings = np.linspace(0.0, 360.0, CIRCLE_VERTICES, endpoint=False)
    la, lo = destination(np.full(CIRCLE_VERTICES, lat), np.full(CIRCLE_VERTICES, lon),
                         bearings, radius_km * 1000.0)  # fmt: skip
    lo = lon + (np.asarray(lo) - lon + 180.0) % 360.0 - 180.0
    ring = [[round(float(x), 5), round(float(y), 5)] for x, y in zip(lo, la, strict=True)]
    return [*ring[::-1], ring[-1]]


def geometry_points(geometry: dict[str, object]) -> list[tuple[float, float]]:
    """Every (lon, lat) of a GeoJSON geometry (Point to MultiPolygon)."""
    coords = geometry.get("coordinates")
    out: list[tuple[float, float]] = []

    def walk(c: object) -> None:
        if isinstance(c, list | tuple) and c:
            if isinstance(c[0], int | float):
                out.append((float(c[0]), float(c[1])))
            else:
                for item in c:
                    walk(item)

    walk(coords)
    return out
