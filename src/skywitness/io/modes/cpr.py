"""Compact Position Reporting (CPR) arithmetic, written from DO-260B Appendix A.

Airborne positions are decoded globally from an even/odd pair received close
together in time, or locally from one frame and a reference position within
half a zone (180 NM airborne, 45 NM on the surface). Surface positions are
always decoded locally: a pair alone leaves four candidate quadrants.
Functions return None when the frames do not give a position.
"""

from __future__ import annotations

import math
from bisect import bisect_right

#: Latitude zones between the equator and a pole (DO-260B A.1.7.1).
NZ = 15
#: CPR coordinates are 17-bit fractions of a zone.
CPR_SCALE = 131072.0
#: Zone spans: 360 degrees airborne, 90 degrees on the surface (DO-260B A.1.7.2).
AIRBORNE_SPAN_DEG = 360.0
SURFACE_SPAN_DEG = 90.0
#: Mean Earth radius in nautical miles (6,371 km / 1.852 km).
EARTH_RADIUS_NM = 3440.065


def _nl_boundaries() -> list[float]:
    """Latitudes (ascending) where the number of longitude zones drops by one."""
    a = 1.0 - math.cos(math.pi / (2 * NZ))
    bounds = []
    for nl in range(59, 1, -1):
        bounds.append(math.degrees(math.acos(math.sqrt(a / (1.0 - math.cos(2 * math.pi / nl))))))
    return bounds


_NL_BOUNDS = _nl_boundaries()  # bounds[k]: NL is 59 - k below it
_NL_POLAR_DEG = 87.0  # DO-260B A.1.7.2 d: NL is 1 above 87 degrees


def nl(lat: float) -> int:
    """Number of longitude zones at latitude ``lat`` (1..59)."""
    a = abs(lat)
    if a >= _NL_POLAR_DEG:
        return 1 if a > _NL_POLAR_DEG else 2
    return 59 - bisect_right(_NL_BOUNDS, a)


def airborne_pair(
    even: tuple[int, int], odd: tuple[int, int], latest_odd: bool
) -> tuple[float, float] | None:
    """Global decode of an airborne even/odd pair; the position of the latest frame.

    ``even`` and ``odd`` are (lat_cpr, lon_cpr). None when the two frames lie in
    different longitude-zone bands (then they cannot be combined).
    """
    lat_e, lon_e = even[0] / CPR_SCALE, even[1] / CPR_SCALE
    lat_o, lon_o = odd[0] / CPR_SCALE, odd[1] / CPR_SCALE
    j = math.floor(59 * lat_e - 60 * lat_o + 0.5)
    rlat_e = AIRBORNE_SPAN_DEG / 60 * (j % 60 + lat_e)
    rlat_o = AIRBORNE_SPAN_DEG / 59 * (j % 59 + lat_o)
    if rlat_e >= 270.0:
        rlat_e -= 360.0
    if rlat_o >= 270.0:
        rlat_o -= 360.0
    if not (-90.0 <= rlat_e <= 90.0 and -90.0 <= rlat_o <= 90.0):
        return None
    zones = nl(rlat_e)
    if zones != nl(rlat_o):
        return None
    if latest_odd:
        lat, ni, frac = rlat_o, max(zones - 1, 1), lon_o
    else:
        lat, ni, frac = rlat_e, max(zones, 1), lon_e
    m = math.floor(lon_e * (zones - 1) - lon_o * zones + 0.5)
    lon = AIRBORNE_SPAN_DEG / ni * (m % ni + frac)
    return lat, _wrap_lon(lon)


def local(
    surface: bool, odd: bool, lat_cpr: int, lon_cpr: int, ref_lat: float, ref_lon: float
) -> tuple[float, float] | None:
    """Local decode of one frame against a reference within half a zone."""
    span = SURFACE_SPAN_DEG if surface else AIRBORNE_SPAN_DEG
    i = 1 if odd else 0
    cpr_lat, cpr_lon = lat_cpr / CPR_SCALE, lon_cpr / CPR_SCALE
    dlat = span / (4 * NZ - i)
    j = math.floor(ref_lat / dlat) + math.floor(0.5 + (ref_lat % dlat) / dlat - cpr_lat)
    lat = dlat * (j + cpr_lat)
    if not -90.0 <= lat <= 90.0:
        return None
    ni = nl(lat) - i
    dlon = span / ni if ni > 0 else span
    m = math.floor(ref_lon / dlon) + math.floor(0.5 + (ref_lon % dlon) / dlon - cpr_lon)
    return lat, _wrap_lon(dlon * (m + cpr_lon))


def _wrap_lon(lon: float) -> float:
    return (lon + 180.0) % 360.0 - 180.0


def distance_nm(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine on a sphere), nautical miles."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_NM * math.asin(min(1.0, math.sqrt(h)))
