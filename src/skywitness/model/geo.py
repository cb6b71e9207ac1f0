"""Spherical geometry on NumPy arrays (WGS84 mean radius; errors < 0.5 %)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: Mean Earth radius (IUGG), metres.
EARTH_RADIUS_M = 6_371_008.8
M_PER_NM = 1852.0

Float = NDArray[np.float64]


def near_lon(lon: ArrayLike, ref: float) -> Float:
    """Longitudes moved by 360 degrees where that brings them within 180 of
    ``ref`` (others unchanged, bit for bit): points across the antimeridian
    from ``ref`` become its neighbours for means and medians."""
    x = np.asarray(lon, dtype=np.float64)
    return np.where(x - ref > 180.0, x - 360.0, np.where(x - ref < -180.0, x + 360.0, x))


def wrap_lon(lon: float) -> float:
    """A longitude in [-180, 180) (unchanged when it is)."""
    return lon if -180.0 <= lon < 180.0 else (lon + 180.0) % 360.0 - 180.0


def mean_lon(lon: ArrayLike) -> float:
    """Mean of nearby longitudes, across the antimeridian too (their plain
    mean, bit for bit, when they do not cross it)."""
    x = np.asarray(lon, dtype=np.float64)
    near = near_lon(x, float(x.flat[0]))
    if np.array_equal(near, x):
        return float(np.mean(x))
    return wrap_lon(float(np.mean(near)))


def median_lon(lon: ArrayLike) -> float:
    """Median of nearby longitudes, across the antimeridian too."""
    x = np.asarray(lon, dtype=np.float64)
    near = near_lon(x, float(x.flat[0]))
    if np.array_equal(near, x):
        return float(np.median(x))
    return wrap_lon(float(np.median(near)))


def distance_m(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike) -> Float:
    """Great-circle distance (haversine), metres."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))))


def unit_vectors(lat: ArrayLike, lon: ArrayLike) -> Float:
    """Points as (n, 3) unit vectors from the Earth's centre: their chords
    order them as their great-circle distances do (for k-d trees)."""
    la, lo = np.radians(lat), np.radians(lon)
    return np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])


def nearest_distance_m(lat: ArrayLike, lon: ArrayLike, ref_lat: ArrayLike, ref_lon: ArrayLike,
                       within_m: float) -> Float:  # fmt: skip
    """Great-circle distance (:func:`distance_m`) from each point to the
    nearest of the reference points, metres; ``inf`` where none lies within
    ``within_m`` (one a hair beyond may be given: compare the distances
    returned). A k-d tree of the references' unit vectors finds the
    nearest (the chord orders them as the arc does), so the cost grows with
    n log m, not n m."""
    from scipy.spatial import cKDTree

    lat, lon = np.asarray(lat, np.float64), np.asarray(lon, np.float64)
    ref_lat, ref_lon = np.asarray(ref_lat, np.float64), np.asarray(ref_lon, np.float64)
    out = np.full(len(lat), np.inf)
    if not len(lat) or not len(ref_lat):
        return out
    # The bound as a chord, a little wider: the exact test is the haversine's.
    chord = 2 * np.sin(min(within_m / EARTH_RADIUS_M, np.pi) / 2) * (1 + 1e-9) + 1e-12
    _, j = cKDTree(unit_vectors(ref_lat, ref_lon)).query(
        unit_vectors(lat, lon), k=1, distance_upper_bound=chord
    )
    found = j < len(ref_lat)
    out[found] = distance_m(lat[found], lon[found], ref_lat[j[found]], ref_lon[j[found]])
    return out


def bearing_deg(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike) -> Float:
    """Initial true bearing from point 1 to point 2, degrees in [0, 360)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlmb = np.radians(np.asarray(lon2) - np.asarray(lon1))
    y = np.sin(dlmb) * np.cos(p2)
    x = np.cos(p1) * np.sin(p2) - np.sin(p1) * np.cos(p2) * np.cos(dlmb)
    return np.asarray(np.degrees(np.arctan2(y, x)) % 360.0)


def destination(
    lat: ArrayLike, lon: ArrayLike, bearing: ArrayLike, dist_m: ArrayLike
) -> tuple[Float, Float]:
    """Point reached from (lat, lon) after ``dist_m`` along ``bearing`` (degrees)."""
    p1, l1 = np.radians(lat), np.radians(lon)
    b, d = np.radians(bearing), np.asarray(dist_m) / EARTH_RADIUS_M
    p2 = np.arcsin(np.sin(p1) * np.cos(d) + np.cos(p1) * np.sin(d) * np.cos(b))
    l2 = l1 + np.arctan2(np.sin(b) * np.sin(d) * np.cos(p1), np.cos(d) - np.sin(p1) * np.sin(p2))
    return np.asarray(np.degrees(p2)), np.asarray((np.degrees(l2) + 540.0) % 360.0 - 180.0)
