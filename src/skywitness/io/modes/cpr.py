"""Compact Position Reporting (CPR) arithmetic, written from DO-260B Appendix A.

Airborne positions are decoded globally from an even/odd pair received close
together in time, or locally from one frame and a reference position within
half a zone (180 NM airborne, 45 NM on the surface). A surface even/odd pair
fixes the position only up to a quarter of the globe (four longitudes 90
degrees apart, two latitudes 90 degrees apart): :func:`surface_pair` picks the
candidate nearest a reference, which may therefore be far away (anything within
45 degrees of latitude and longitude resolves the ambiguity).
Functions return None when the frames do not give a position.

Zone indices are computed as ``floor(ref / d - cpr + 0.5)``, the DO-260B
A.1.7.5 expression ``floor(ref / d) + floor(0.5 + MOD(ref, d) / d - cpr)``
with the two terms merged: computed separately in floating point they can
disagree when the reference lies exactly on a zone edge (``ref / d`` rounds
up to an integer while ``MOD(ref, d)`` stays just below ``d``), which puts the
position one whole zone away (pyModeS's "numerical challenge" test vector).
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


def _pair_latitudes(
    even: tuple[int, int], odd: tuple[int, int], span: float
) -> tuple[float, float]:
    """Even and odd latitudes of a pair in [0, span] (DO-260B A.1.7.7 / A.1.7.8)."""
    lat_e, lat_o = even[0] / CPR_SCALE, odd[0] / CPR_SCALE
    j = math.floor(59 * lat_e - 60 * lat_o + 0.5)
    return span / 60 * (j % 60 + lat_e), span / 59 * (j % 59 + lat_o)


def _pair_longitude(
    even: tuple[int, int], odd: tuple[int, int], zones: int, latest_odd: bool, span: float
) -> float:
    """Longitude of the latest frame of a pair, in [0, span), given NL at its latitude."""
    lon_e, lon_o = even[1] / CPR_SCALE, odd[1] / CPR_SCALE
    ni = max(zones - 1, 1) if latest_odd else max(zones, 1)
    m = math.floor(lon_e * (zones - 1) - lon_o * zones + 0.5)
    return span / ni * (m % ni + (lon_o if latest_odd else lon_e))


def airborne_pair(
    even: tuple[int, int], odd: tuple[int, int], latest_odd: bool
) -> tuple[float, float] | None:
    """Global decode of an airborne even/odd pair; the position of the latest frame.

    ``even`` and ``odd`` are (lat_cpr, lon_cpr). None when the two frames lie in
    different longitude-zone bands (then they cannot be combined).
    """
    rlat_e, rlat_o = _pair_latitudes(even, odd, AIRBORNE_SPAN_DEG)
    if rlat_e >= 270.0:
        rlat_e -= 360.0
    if rlat_o >= 270.0:
        rlat_o -= 360.0
    if not (-90.0 <= rlat_e <= 90.0 and -90.0 <= rlat_o <= 90.0):
        return None
    zones = nl(rlat_e)
    if zones != nl(rlat_o):
        return None
    lon = _pair_longitude(even, odd, zones, latest_odd, AIRBORNE_SPAN_DEG)
    return (rlat_o if latest_odd else rlat_e), _wrap_lon(lon)


def surface_pair(
    even: tuple[int, int],
    odd: tuple[int, int],
    latest_odd: bool,
    ref_lat: float,
    ref_lon: float,
) -> tuple[float, float] | None:
    """Global decode of a surface even/odd pair; the position of the latest frame.

    The pair gives latitudes in [0, 90] (the northern solution; the southern
    one is 90 degrees less) and a longitude in [0, 90) (plus any multiple of 90
    degrees): the candidate nearest (``ref_lat``, ``ref_lon``) is returned
    (DO-260B A.1.7.8; readsb ``decodeCPRsurface``). None when the two frames
    lie in different longitude-zone bands.
    """
    rlat_e, rlat_o = _pair_latitudes(even, odd, SURFACE_SPAN_DEG)
    rlat_e, rlat_o = _hemisphere(rlat_e, ref_lat), _hemisphere(rlat_o, ref_lat)
    zones = nl(rlat_e)
    if zones != nl(rlat_o):
        return None
    lon = _pair_longitude(even, odd, zones, latest_odd, SURFACE_SPAN_DEG)
    lon += math.floor((ref_lon - lon + SURFACE_SPAN_DEG / 2) / SURFACE_SPAN_DEG) * SURFACE_SPAN_DEG
    return (rlat_o if latest_odd else rlat_e), _wrap_lon(lon)


def _hemisphere(rlat: float, ref_lat: float) -> float:
    """The surface latitude candidate (``rlat`` or ``rlat - 90``; 0 may also
    stand for a pole) nearest the reference latitude."""
    candidates = [rlat, rlat - SURFACE_SPAN_DEG]
    if rlat == 0.0:
        candidates.append(SURFACE_SPAN_DEG)
    return min(candidates, key=lambda c: abs(c - ref_lat))


def local(
    surface: bool, odd: bool, lat_cpr: int, lon_cpr: int, ref_lat: float, ref_lon: float
) -> tuple[float, float] | None:
    """Local decode of one frame against a reference within half a zone."""
    span = SURFACE_SPAN_DEG if surface else AIRBORNE_SPAN_DEG
    i = 1 if odd else 0
    cpr_lat, cpr_lon = lat_cpr / CPR_SCALE, lon_cpr / CPR_SCALE
    dlat = span / (4 * NZ - i)
    j = math.floor(ref_lat / dlat - cpr_lat + 0.5)
    lat = dlat * (j + cpr_lat)
    if not -90.0 <= lat <= 90.0:
        return None
    ni = nl(lat) - i
    dlon = span / ni if ni > 0 else span
    m = math.floor(ref_lon / dlon - cpr_lon + 0.5)
    return lat, _wrap_lon(dlon * (m + cpr_lon))


def _wrap_lon(lon: float) -> float:
    return (lon + 180.0) % 360.0 - 180.0


def distance_nm(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine on a sphere), nautical miles."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_NM * math.asin(min(1.0, math.sqrt(h)))
