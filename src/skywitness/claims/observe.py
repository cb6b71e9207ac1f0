"""Observation geometry: how an aircraft looks from an observer on the ground
(azimuth, ground and slant range, elevation, line of sight), and where an
unknown observer could have stood to see it at a stated azimuth and range.

Pure functions on NumPy arrays (spherical Earth of :mod:`skywitness.model.geo`;
heights in metres above mean sea level). The region of observer positions is
GeoJSON: a MultiPolygon of annulus sectors, one per aircraft position over the
clock window, each the observers from which that position lies within the
azimuth and range tolerances (already inflated by the record's own position
error by the caller).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from skywitness.model.geo import EARTH_RADIUS_M, bearing_deg, destination, distance_m
from skywitness.model.land import on_land

Float = NDArray[np.float64]
Bool = NDArray[np.bool_]

#: Effective Earth radius factor for radio and optical paths near the ground:
#: the standard 4/3-Earth model of atmospheric refraction (ITU-R P.453 / P.834;
#: the radar horizon of every textbook, e.g. Skolnik, Radar Handbook, ch. 26).
REFRACTION_K = 4.0 / 3.0
#: Vertices along each arc of a sector (every 2 degrees of a 20 degree sector is
#: plenty for a map, modelling choice).
ARC_VERTICES = 16
#: Sectors drawn over the clock window at most (positions sub-sampled evenly;
#: modelling choice: the aircraft moves ~1 km between them at 118 m/s and 60 s).
MAX_SECTORS = 13
#: Coordinates of the region rounded to this many decimals (1e-5 degree ~ 1 m).
COORD_DECIMALS = 5


def look(
    obs_lat: ArrayLike,
    obs_lon: ArrayLike,
    obs_alt_m: ArrayLike,
    lat: ArrayLike,
    lon: ArrayLike,
    alt_m: ArrayLike,
) -> tuple[Float, Float, Float, Float]:
    """Azimuth (true, degrees), ground range (m), slant range (m) and elevation angle
    (degrees, geometric, no refraction) of an aircraft seen from an observer."""
    az = bearing_deg(obs_lat, obs_lon, lat, lon)
    ground = distance_m(obs_lat, obs_lon, lat, lon)
    slant, elev = slant_range_m(ground, obs_alt_m, alt_m)
    return az, ground, slant, elev


def slant_range_m(
    ground_m: ArrayLike, obs_alt_m: ArrayLike, alt_m: ArrayLike
) -> tuple[Float, Float]:
    """Slant range (m, the straight chord) and elevation angle (degrees) between two
    heights at a ground distance, on the spherical Earth."""
    r1 = EARTH_RADIUS_M + np.asarray(obs_alt_m, dtype=np.float64)
    r2 = EARTH_RADIUS_M + np.asarray(alt_m, dtype=np.float64)
    theta = np.asarray(ground_m, dtype=np.float64) / EARTH_RADIUS_M
    slant = np.sqrt(np.maximum(r1**2 + r2**2 - 2 * r1 * r2 * np.cos(theta), 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        sin_e = (r2 * np.cos(theta) - r1) / slant
    elev = np.degrees(np.arcsin(np.clip(np.where(slant > 0, sin_e, 1.0), -1.0, 1.0)))
    return np.asarray(slant), np.asarray(elev)


def ground_from_slant_m(slant_m: ArrayLike, obs_alt_m: ArrayLike, alt_m: ArrayLike) -> Float:
    """Ground range (m) at which two heights are ``slant_m`` apart (NaN when the height
    difference alone exceeds the slant range)."""
    r1 = EARTH_RADIUS_M + np.asarray(obs_alt_m, dtype=np.float64)
    r2 = EARTH_RADIUS_M + np.asarray(alt_m, dtype=np.float64)
    s = np.asarray(slant_m, dtype=np.float64)
    cos_t = (r1**2 + r2**2 - s**2) / (2 * r1 * r2)
    with np.errstate(invalid="ignore"):
        out = np.where(
            np.abs(cos_t) <= 1.0, np.arccos(np.clip(cos_t, -1, 1)) * EARTH_RADIUS_M, np.nan
        )
    out = np.where(s < np.abs(r2 - r1), np.nan, out)
    return np.asarray(out)


def horizon_m(height_m: ArrayLike) -> Float:
    """Distance to the (refracted, smooth-Earth) horizon from a height above the
    ground or sea, m: sqrt(2 k R h)."""
    h = np.maximum(np.asarray(height_m, dtype=np.float64), 0.0)
    return np.asarray(np.sqrt(2.0 * REFRACTION_K * EARTH_RADIUS_M * h))


def line_of_sight(ground_m: ArrayLike, obs_height_m: ArrayLike, height_m: ArrayLike) -> Bool:
    """Whether an aircraft ``height_m`` above the surface is above the smooth-Earth
    horizon of an observer ``obs_height_m`` above it, ``ground_m`` away (terrain
    between them unknown: hills can only hide more)."""
    return np.asarray(
        np.asarray(ground_m, dtype=np.float64) <= horizon_m(obs_height_m) + horizon_m(height_m)
    )


def observer_at(
    lat: ArrayLike, lon: ArrayLike, azimuth_deg: ArrayLike, ground_m: ArrayLike
) -> tuple[Float, Float]:
    """Where an observer stands who sees the aircraft at (lat, lon) on ``azimuth_deg``
    (true, from the observer) at ``ground_m``: the back-projection, corrected once
    for the convergence of meridians (exact to well under a metre at 100 km)."""
    az = np.asarray(azimuth_deg, dtype=np.float64)
    back = az + 180.0
    olat, olon = destination(lat, lon, back, ground_m)
    seen = bearing_deg(olat, olon, lat, lon)
    back = back + ((az - seen + 540.0) % 360.0 - 180.0)
    return destination(lat, lon, back, ground_m)


def sector(
    lat: float,
    lon: float,
    azimuth_deg: float,
    azimuth_tol_deg: float,
    ground_m: float,
    range_tol_m: float,
) -> list[list[list[float]]]:
    """GeoJSON Polygon coordinates: the observers who see (lat, lon) within
    ``azimuth_deg`` +- ``azimuth_tol_deg`` and ``ground_m`` +- ``range_tol_m``. A
    tolerance of 180 degrees or more gives an annulus (a disc when the inner range is
    zero)."""
    outer = ground_m + range_tol_m
    inner = max(ground_m - range_tol_m, 0.0)
    if azimuth_tol_deg >= 180.0:
        az = np.linspace(0.0, 360.0, 4 * ARC_VERTICES + 1)
        rings = [_ring(*observer_at(lat, lon, az, np.full(az.size, outer)))]
        if inner > 0:
            rings.append(_ring(*observer_at(lat, lon, az[::-1], np.full(az.size, inner))))
        return rings
    az = np.linspace(azimuth_deg - azimuth_tol_deg, azimuth_deg + azimuth_tol_deg, ARC_VERTICES)
    olat, olon = observer_at(lat, lon, az, np.full(az.size, outer))
    if inner > 0:
        ilat, ilon = observer_at(lat, lon, az[::-1], np.full(az.size, inner))
    else:
        ilat, ilon = np.array([float(lat)]), np.array([float(lon)])
    return [_ring(np.concatenate([olat, ilat]), np.concatenate([olon, ilon]))]


def _ring(lat: Float, lon: Float) -> list[list[float]]:
    pts = [[round(float(x), COORD_DECIMALS), round(float(y), COORD_DECIMALS)]
           for x, y in zip(lon, lat, strict=True)]  # fmt: skip
    if pts[0] != pts[-1]:
        pts.append(list(pts[0]))
    return pts


def region(
    lat: Sequence[float] | Float,
    lon: Sequence[float] | Float,
    azimuth_deg: float,
    azimuth_tol_deg: Sequence[float] | Float,
    ground_m: float,
    range_tol_m: Sequence[float] | Float,
) -> dict[str, Any] | None:
    """GeoJSON MultiPolygon of the observer positions consistent with an azimuth and a
    ground range to any of the aircraft positions given (each with its own
    tolerances), at most :data:`MAX_SECTORS` of them; None without positions."""
    n = len(lat)
    if n == 0:
        return None
    pick = np.unique(np.linspace(0, n - 1, min(n, MAX_SECTORS)).round().astype(int))
    polys = [
        sector(float(lat[i]), float(lon[i]), azimuth_deg, float(azimuth_tol_deg[i]), ground_m,
               float(range_tol_m[i]))
        for i in pick
    ]  # fmt: skip
    return {"type": "MultiPolygon", "coordinates": polys}


def region_points(geometry: Mapping[str, Any]) -> tuple[Float, Float]:
    """Latitudes and longitudes of a region's vertices (outer rings) and the mid points
    of its sectors, for testing what lies under it."""
    lats: list[float] = []
    lons: list[float] = []
    for poly in geometry.get("coordinates", []):
        ring = np.asarray(poly[0], dtype=np.float64)
        lons += list(ring[:, 0])
        lats += list(ring[:, 1])
        lons.append(float(ring[:, 0].mean()))
        lats.append(float(ring[:, 1].mean()))
    return np.asarray(lats), np.asarray(lons)


def plausibility(
    geometry: Mapping[str, Any] | None,
    ground_m: float,
    height_above_observer_m: float | None,
    observer_height_m: float | None = None,
) -> dict[str, Any]:
    """Whether the observer region is plausible: ``on_land`` (all, some or none of its
    points on land: True, None (part of it) or False), ``land_fraction``, and
    ``line_of_sight`` (the aircraft above the observer's smooth-Earth horizon at that
    range, given its height above the observer and the observer's height above the
    surface, 2 m when unknown: a person standing)."""
    out: dict[str, Any] = {"on_land": None, "land_fraction": None, "line_of_sight": None}
    if geometry is not None:
        plat, plon = region_points(geometry)
        if plat.size:
            land = on_land(plat, plon)
            frac = float(land.mean())
            out["land_fraction"] = round(frac, 3)
            out["on_land"] = True if frac == 1.0 else False if frac == 0.0 else None
    if height_above_observer_m is not None:
        h_obs = 2.0 if observer_height_m is None else max(observer_height_m, 0.0)
        h_ac = h_obs + height_above_observer_m
        out["line_of_sight"] = bool(line_of_sight(ground_m, h_obs, h_ac))
        out["horizon_m"] = round(float(horizon_m(h_obs) + horizon_m(h_ac)), 1)
    return out


__all__ = [
    "ARC_VERTICES",
    "MAX_SECTORS",
    "REFRACTION_K",
    "ground_from_slant_m",
    "horizon_m",
    "line_of_sight",
    "look",
    "observer_at",
    "plausibility",
    "region",
    "region_points",
    "sector",
    "slant_range_m",
]
