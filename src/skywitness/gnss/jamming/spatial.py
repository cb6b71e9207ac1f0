"""Points by place and time: the rows of a large array of points near some
others, without comparing with the whole world.

The jamming events compare each stretch, group and emitter with the good
aircraft (:func:`~skywitness.gnss.jamming.stretches.outside_points`): a
day of the world holds millions of those. :class:`PointIndex` sorts them by
cells of :data:`CELL_DEG` degrees and by time within a cell, once; a query
returns the rows that may lie within a distance of some centres and a time
range: a superset of those that do (a box of latitude and longitude round
the centres that the haversine distance cannot beat), as row numbers of the
array in increasing order. The caller applies its own exact test to those
rows, in the array's order, so that what it finds is what a scan of every
row finds, in the same order.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from skywitness.model.geo import EARTH_RADIUS_M

#: Cell size, degrees of latitude and of longitude.
CELL_DEG = 1.0
_NLAT = round(180 / CELL_DEG)
_NLON = round(360 / CELL_DEG)
#: Above this latitude (degrees) a box reaches round the pole: every longitude.
_POLAR_DEG = 89.0


class PointIndex:
    """Rows of ``points`` (time s, lat, lon, ...) by cell, in time order within each."""

    def __init__(self, points: NDArray[np.float64]) -> None:
        self.points = points
        t, lat, lon = points[:, 0], points[:, 1], points[:, 2]
        real = np.isfinite(lat) & np.isfinite(lon)
        keys = np.full(len(points), -1, np.int64)  # no place: in no cell a query reads
        keys[real] = _lat_bin(lat[real]) * _NLON + _lon_bin(lon[real])
        self._order = np.lexsort((t, keys))
        self._keys = keys[self._order]
        self._times = t[self._order]

    def __len__(self) -> int:
        return int(self.points.shape[0])

    def near(
        self,
        lat: NDArray[np.float64],
        lon: NDArray[np.float64],
        km: float,
        t_lo: float = -math.inf,
        t_hi: float = math.inf,
    ) -> NDArray[np.int64]:
        """Rows that may lie within ``km`` of one of the centres (``lat``,
        ``lon``, degrees) with a time in [t_lo, t_hi], in increasing order."""
        if not len(self) or not len(lat):
            return np.zeros(0, np.int64)
        ang = km * 1000.0 / EARTH_RADIUS_M
        dlat = float(np.degrees(ang)) * 1.001 + 1e-9
        lat_lo, lat_hi = float(np.min(lat)) - dlat, float(np.max(lat)) + dlat
        rows = np.arange(_lat_bin(np.array([lat_lo]))[0], _lat_bin(np.array([lat_hi]))[0] + 1)
        phi = math.radians(float(np.max(np.abs(lat))))
        if phi + ang < math.radians(_POLAR_DEG):
            dlon = math.degrees(math.asin(min(1.0, math.sin(ang) / math.cos(phi)))) * 1.001 + 1e-9
            ref = float(lon[0])
            u = (np.asarray(lon, np.float64) - ref + 180.0) % 360.0 - 180.0
            west, east = ref + float(u.min()) - dlon, ref + float(u.max()) + dlon
            if east - west < 360.0 - 2 * CELL_DEG:
                first = math.floor((west + 180.0) / CELL_DEG)
                last = math.floor((east + 180.0) / CELL_DEG)
                cols = np.arange(first, last + 1) % _NLON
            else:
                cols = np.arange(_NLON)
        else:
            cols = np.arange(_NLON)
        cells = (rows[:, None] * _NLON + np.unique(cols)[None, :]).ravel()
        lo = np.searchsorted(self._keys, cells, side="left")
        hi = np.searchsorted(self._keys, cells, side="right")
        parts = []
        for a, b in zip(lo.tolist(), hi.tolist(), strict=True):
            if a == b:
                continue
            times = self._times[a:b]
            i = a + int(np.searchsorted(times, t_lo, side="left"))
            j = a + int(np.searchsorted(times, t_hi, side="right"))
            if i < j:
                parts.append(self._order[i:j])
        if not parts:
            return np.zeros(0, np.int64)
        return np.sort(np.concatenate(parts))


def _lat_bin(lat: NDArray[np.float64]) -> NDArray[np.int64]:
    return np.clip(np.floor((lat + 90.0) / CELL_DEG), 0, _NLAT - 1).astype(np.int64)


def _lon_bin(lon: NDArray[np.float64]) -> NDArray[np.int64]:
    return (np.floor((lon + 180.0) / CELL_DEG).astype(np.int64)) % _NLON


_CACHED: list[tuple[NDArray[np.float64], PointIndex]] = []


def index_of(points: NDArray[np.float64]) -> PointIndex:
    """The :class:`PointIndex` of ``points``, built once for the same array
    (the events' outside points, queried by every group, event and stretch)."""
    if _CACHED and _CACHED[0][0] is points:
        return _CACHED[0][1]
    index = PointIndex(points)
    _CACHED[:] = [(points, index)]
    return index
