"""Runway ends of the airports in the airport table, shipped with the package.

The table (``skywitness/data/runways.csv.gz``, derived from OurAirports,
public domain; how: ``scripts/make_runways.py`` and the data README) holds one
row per runway *end*, the direction one lands in: its landing threshold
(displaced thresholds applied), true heading, elevation and the runway's
length. It is read once, on first use; nothing is fetched.

:func:`runways_of` gives an airport's ends; :func:`nearest_runway` the end an
aircraft at a position is lined up with (given its track), or the nearest
threshold; :func:`runway_centres` where each airport's runways are.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType

import numpy as np
from numpy.typing import ArrayLike, NDArray

from skywitness.model.geo import bearing_deg, distance_m
from skywitness.model.units import M_PER_FT

#: A track is aligned with a runway end when it is within this many degrees of
#: its heading: ICAO Doc 8168 gives 30 degrees as the largest angle between a
#: straight-in approach's final track and the runway (the approach is
#: "straight-in" up to 30 degrees for category A/B aircraft, 15 for others); the
#: looser bound keeps crabbing aircraft in a crosswind (modelling choice).
ALIGN_TRACK_DEG = 30.0
#: ... and the threshold lies ahead, within this many degrees of the track (the
#: aircraft flies towards it; traffic's ``aligned_on_ils`` asks cos > 0, i.e.
#: 90 degrees; 45 keeps ends off to the side out: modelling choice).
AHEAD_DEG = 45.0


@dataclass(frozen=True)
class Runway:
    """One runway end: the ``airport`` (ICAO), the end's ``ident`` ("29", "06L"), its
    landing threshold (``lat``, ``lon``), true heading of the landing direction
    (``heading_deg``), threshold elevation (``elevation_ft``) and the runway's length
    (``length_ft``, None when unknown)."""

    airport: str
    ident: str
    lat: float
    lon: float
    heading_deg: float
    elevation_ft: float
    length_ft: float | None


@cache
def _table() -> Mapping[str, tuple[Runway, ...]]:
    raw = (resources.files("skywitness") / "data" / "runways.csv.gz").read_bytes()
    text = gzip.decompress(raw).decode("utf-8")
    out: dict[str, list[Runway]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        length = row["length_ft"]
        out.setdefault(row["airport"], []).append(
            Runway(
                airport=row["airport"],
                ident=row["ident"],
                lat=float(row["lat"]),
                lon=float(row["lon"]),
                heading_deg=float(row["heading_deg"]),
                elevation_ft=float(row["elevation_ft"]),
                length_ft=float(length) if length else None,
            )
        )
    return MappingProxyType({k: tuple(v) for k, v in out.items()})


def runways_of(airport_icao: str) -> tuple[Runway, ...]:
    """The runway ends of an airport (ICAO code; empty when the table has none)."""
    return _table().get(airport_icao.strip().upper(), ())


@cache
def runway_centres() -> Mapping[str, tuple[float, float]]:
    """ICAO code -> the mean of its runway thresholds (lat, lon), for every airport of
    the table. Where an airport's reference point is wrong (airportsdata gives
    Brussels, EBBR, at 50.5405 N 4.2904 E: its 50 deg 54'05" N 4 deg 29'04" E read
    as decimals), its runways still say where it is."""
    out: dict[str, tuple[float, float]] = {}
    for code, ends in _table().items():
        lat = float(np.mean([r.lat for r in ends]))
        # longitudes averaged as offsets from the first (no runway spans the antimeridian)
        lon0 = ends[0].lon
        dlon = np.mean([(r.lon - lon0 + 180.0) % 360.0 - 180.0 for r in ends])
        out[code] = (lat, float((lon0 + dlon + 180.0) % 360.0 - 180.0))
    return MappingProxyType(out)


def _angle(a: ArrayLike, b: ArrayLike) -> NDArray[np.float64]:
    """Absolute difference of two directions, degrees in [0, 180]."""
    return np.asarray(np.abs((np.asarray(a) - np.asarray(b) + 180.0) % 360.0 - 180.0), np.float64)


def nearest_runway(
    airport_icao: str, lat: float, lon: float, track_deg: float | None = None
) -> Runway | None:
    """The runway end of an airport an aircraft at ``lat``, ``lon`` is lined up with.

    With a ``track_deg``: among the ends whose heading is within
    :data:`ALIGN_TRACK_DEG` of the track and whose threshold lies ahead (within
    :data:`AHEAD_DEG` of the track, or the aircraft within a runway length of the
    threshold, over it), the one whose extended centreline passes nearest to the
    position; ``None`` when no end qualifies. Without a track: the end whose
    threshold is nearest. ``None`` for an airport without runways.
    """
    ends = runways_of(airport_icao)
    if not ends:
        return None
    rlat = np.array([r.lat for r in ends])
    rlon = np.array([r.lon for r in ends])
    dist = distance_m(lat, lon, rlat, rlon)
    if track_deg is None or not np.isfinite(track_deg):
        return ends[int(np.argmin(dist))]
    hdg = np.array([r.heading_deg for r in ends])
    length_m = np.array([(r.length_ft or 0.0) * M_PER_FT for r in ends])
    to_thr = bearing_deg(lat, lon, rlat, rlon)
    ahead = (_angle(to_thr, track_deg) <= AHEAD_DEG) | (dist <= length_m)
    ok = (_angle(hdg, track_deg) <= ALIGN_TRACK_DEG) & ahead
    if not ok.any():
        return None
    # distance of the position from each end's extended centreline (cross-track)
    cross = np.abs(dist * np.sin(np.radians(to_thr - hdg)))
    cross = np.where(ok, cross, np.inf)
    return ends[int(np.argmin(cross))]


__all__ = [
    "AHEAD_DEG",
    "ALIGN_TRACK_DEG",
    "Runway",
    "nearest_runway",
    "runway_centres",
    "runways_of",
]
