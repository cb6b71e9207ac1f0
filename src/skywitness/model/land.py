"""Land or sea, offline: points tested against Natural Earth's 1:50m land outlines
shipped with the package (``skywitness/data/coastlines-50m.json``, public domain;
format in ``skywitness/data/README.md``).

Rings are land polygons (exterior rings and lake holes); a point is on land when
it lies inside an odd number of them (the even-odd rule the maps fill with). The
1:50m outline is rounded to 1/100 degree (about 1 km), so points within a
kilometre or two of a coast may fall on either side. Natural Earth's land
polygons do not cut out lakes: the Great Lakes count as land; the Caspian Sea is
sea.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

import numpy as np
from numpy.typing import ArrayLike, NDArray

Float = NDArray[np.float64]
Bool = NDArray[np.bool_]

#: The shipped outline used: 1:50m (1,420 rings, 60,601 points; 1:110m drops
#: islands and coasts by tens of km, modelling choice).
SCALE = "50m"
#: Half the rounding of the shipped outline, degrees (1/100 degree, README): the
#: coastline is no better than this (measurement of the data, not a threshold).
COAST_RESOLUTION_DEG = 0.005


@cache
def coastlines(scale: str = SCALE) -> tuple[Float, ...]:
    """Natural Earth land outlines at ``scale`` (``"110m"`` or ``"50m"``) as closed
    (k, 2) arrays of (lon, lat) degrees; a ring crossing the antimeridian is made
    continuous and also given shifted by 360 degrees, so that every point in
    [-180, 180] is tested (and drawn) against the copy that covers it. The one
    decoder of the shipped outlines (the maps draw these rings too)."""
    if scale not in ("110m", "50m"):
        raise ValueError(f"coastline scale must be 110m or 50m, not {scale!r}")
    text = (resources.files("skywitness") / "data" / f"coastlines-{scale}.json").read_text()
    data = json.loads(text)
    unit = 1.0 / float(data["scale"])
    rings: list[Float] = []
    for flat in data["rings"]:
        xy = np.cumsum(np.asarray(flat, dtype=np.float64).reshape(-1, 2), axis=0) * unit
        jumps = np.round(np.diff(xy[:, 0]) / 360.0)
        if jumps.any():
            xy[1:, 0] -= 360.0 * np.cumsum(jumps)
            shift = 360.0 if xy[:, 0].min() < -180.0 else -360.0
            rings.append(xy + np.array([shift, 0.0]))
        rings.append(xy)
    for r in rings:  # shared by every caller: read-only
        r.flags.writeable = False
    return tuple(rings)


def land_rings() -> tuple[Float, ...]:
    """The outlines the land test uses (:data:`SCALE`)."""
    return coastlines(SCALE)


@cache
def _boxes() -> Float:
    """(n, 4) lon0, lon1, lat0, lat1 of each ring."""
    return np.array(
        [(r[:, 0].min(), r[:, 0].max(), r[:, 1].min(), r[:, 1].max()) for r in land_rings()]
    )


def on_land(lat: ArrayLike, lon: ArrayLike) -> Bool:
    """Whether each point (degrees) lies on land (even-odd rule over the land rings)."""
    la = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    lo = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    la, lo = np.broadcast_arrays(la, lo)
    lo = (lo + 540.0) % 360.0 - 180.0
    inside = np.zeros(la.shape, dtype=bool)
    boxes = _boxes()
    rings = land_rings()
    for i in range(la.size):
        x, y = float(lo.flat[i]), float(la.flat[i])
        if not (np.isfinite(x) and np.isfinite(y)):
            continue
        hit = np.flatnonzero(
            (boxes[:, 0] <= x) & (boxes[:, 1] >= x) & (boxes[:, 2] <= y) & (boxes[:, 3] >= y)
        )
        odd = False
        for k in hit:
            odd ^= inside_ring(rings[k], x, y)
        inside.flat[i] = odd
    return inside


def inside_ring(ring: Float, x: float, y: float) -> bool:
    """Ray casting (crossings of a ray towards +lon), vectorised over the ring's edges."""
    x0, y0 = ring[:, 0], ring[:, 1]
    x1, y1 = np.roll(x0, -1), np.roll(y0, -1)  # the closing edge too (zero when closed)
    straddle = (y0 > y) != (y1 > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        xc = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
    return bool(np.count_nonzero(straddle & (xc > x)) % 2)


__all__ = ["COAST_RESOLUTION_DEG", "SCALE", "inside_ring", "land_rings", "on_land"]
