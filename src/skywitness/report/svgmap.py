"""The offline reports' SVG map (the flight report's and the claims report's):
an equirectangular view framed round given points, land clipped to it,
markers drawn at a constant size in pixels with their labels placed where
they hide nothing. Each report subclasses :class:`SvgMap` with its layers.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from skywitness.model.land import inside_ring
from skywitness.report.basemap import KM_PER_DEG, MARGIN_FRACTION, MIN_MARGIN_DEG, coastlines_in

Float = NDArray[np.float64]
Box = tuple[float, float, float, float]

#: Land is clipped to the visible map widened by this share of its size on
#: each side (panning a little still shows land; the file stays small;
#: modelling choice).
CLIP_MARGIN_SHARE = 0.5
#: Where a marker's label may go, in order of preference: (dx, dy, anchor) in
#: pixels from the symbol; and the width of one character of it (12 px bold
#: sans-serif; layout: modelling choice).
LABEL_PLACES = (
    (11.0, -8.0, "start"),
    (11.0, 20.0, "start"),
    (-11.0, -8.0, "end"),
    (-11.0, 20.0, "end"),
    (0.0, -14.0, "middle"),
    (0.0, 26.0, "middle"),
)
LABEL_CHAR_PX = 7.2
ANCHOR_SHARE = {"start": 0.0, "middle": 0.5, "end": 1.0}


@dataclass(frozen=True)
class Marker:
    key: str
    x: float
    y: float
    shape: str
    label: str
    half_px: float


def unwrap(lon: Float, ref: float) -> Float:
    """Longitudes within 180 degrees of ``ref`` (a map may pass +/-180)."""
    return np.asarray(ref + (lon - ref + 180.0) % 360.0 - 180.0)


def overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def extent(
    pts: Sequence[tuple[float, float]],
    width_px: int,
    height_px: int,
    min_half_deg: float = MIN_MARGIN_DEG,
) -> Box:
    """(lon0, lon1, lat0, lat1) round the points with a margin (at least
    ``min_half_deg``), widened to the map's shape; longitudes are not clamped
    (they may pass +/-180)."""
    if not pts:
        return (-180.0, 180.0, -60.0, 80.0)
    lons = [p[0] for p in pts]
    lats = [p[1] for p in pts]
    mx = max(MARGIN_FRACTION * (max(lons) - min(lons)), min_half_deg)
    my = max(MARGIN_FRACTION * (max(lats) - min(lats)), min_half_deg)
    lon0, lon1 = min(lons) - mx, max(lons) + mx
    lat0, lat1 = max(min(lats) - my, -85.0), min(max(lats) + my, 85.0)
    kx = max(math.cos(math.radians((lat0 + lat1) / 2)), 0.05)
    if min_half_deg < MIN_MARGIN_DEG:  # a close-up: the margin in km at this latitude
        lon0, lon1 = lon0 - mx * (1 / kx - 1), lon1 + mx * (1 / kx - 1)
    want = width_px / height_px
    w, h = (lon1 - lon0) * kx, lat1 - lat0
    if w / h < want:
        extra = (h * want / kx - (lon1 - lon0)) / 2
        lon0, lon1 = lon0 - extra, lon1 + extra
    else:
        extra = (w / want - h) / 2
        lat0, lat1 = lat0 - extra, lat1 + extra
    return (lon0, lon1, lat0, lat1)


def clip_ring(ring: Float, box: Box) -> Float:
    """The ring with its points outside ``box`` moved onto the box's edge and
    the runs of them along one edge cut to their ends: inside the box the land
    is unchanged (edges are shorter than the margin round the visible map)."""
    lon0, lon1, lat0, lat1 = box
    x = np.clip(ring[:, 0], lon0, lon1)
    y = np.clip(ring[:, 1], lat0, lat1)
    code = (np.sign(ring[:, 0] - x) + 1) * 3 + (np.sign(ring[:, 1] - y) + 1)  # 4: inside
    same_prev = np.r_[False, code[1:] == code[:-1]]
    same_next = np.r_[code[:-1] == code[1:], False]
    keep = (code == 4) | ~(same_prev & same_next)
    out = np.column_stack([x[keep], y[keep]])
    if out.shape[0] and (code[keep] != 4).all():
        return out[:0]  # the whole ring is outside
    return out


class SvgMap:
    """A map's frame, land and markers; ``layers``, ``info`` (hover details by
    key) and ``markers`` are filled by the report's own drawing methods."""

    def __init__(self, ref: float) -> None:
        self.ref = ref
        self.info: dict[str, dict[str, Any]] = {}
        self.layers: list[str] = []
        self.markers: list[Marker] = []
        self.extent: Box = (-180.0, 180.0, -60.0, 80.0)
        self.kx = 1.0
        self.unit0 = 1.0

    def frame(
        self,
        points: Sequence[tuple[float, float]],
        width_px: int,
        height_px: int,
        min_half_deg: float = MIN_MARGIN_DEG,
    ) -> None:
        """Frame the map round ``points`` (lon, lat) for ``width_px`` x ``height_px``."""
        pts = [(self._lon(x), y) for x, y in points if math.isfinite(x) and math.isfinite(y)]
        self.extent = extent(pts, width_px, height_px, min_half_deg)
        lon0, lon1, lat0, lat1 = self.extent
        self.kx = max(math.cos(math.radians((lat0 + lat1) / 2)), 0.05)
        self.unit0 = (lon1 - lon0) * self.kx / width_px

    def _lon(self, lon: float) -> float:
        return float(unwrap(np.asarray(lon), self.ref)) if math.isfinite(lon) else math.nan

    def xy(self, lon: float, lat: float) -> str:
        return f"{self._lon(lon) * self.kx:.4f},{-lat:.4f}"

    def box(self) -> Box:
        """(x, y, width, height) of the view in the SVG's units."""
        lon0, lon1, lat0, lat1 = self.extent
        return (lon0 * self.kx, -lat1, (lon1 - lon0) * self.kx, lat1 - lat0)

    def circle_d(self, lon: float, lat: float, r_km: float) -> str:
        """A circle of ``r_km`` (the projection keeps km at the map's centre latitude)."""
        r = r_km / KM_PER_DEG
        x, y = self._lon(lon) * self.kx, -lat
        return f"M{x - r:.4f},{y:.4f}a{r:.4f},{r:.4f} 0 1,0 {2 * r:.4f},0a{r:.4f},{r:.4f} 0 1,0 {-2 * r:.4f},0Z"

    def marker(
        self, key: str, lon: float, lat: float, shape: str, label: str = "", half_px: float = 8.0
    ) -> None:
        """A symbol drawn at a constant size in pixels (``half_px``: half its width),
        labelled where the label hides no other symbol (:meth:`marker_svg`)."""
        self.markers.append(Marker(key, self._lon(lon) * self.kx, -lat, shape, label, half_px))

    def marker_svg(self) -> str:
        """The markers, each label at the first of :data:`LABEL_PLACES` where it
        overlaps no symbol and no label placed before (at the first view's scale)."""
        u = self.unit0
        boxes = [
            (m.x / u - m.half_px, m.y / u - m.half_px, m.x / u + m.half_px, m.y / u + m.half_px)
            for m in self.markers
        ]
        symbols, labels = [], []
        for m in self.markers:
            head = (
                f'<g class="mk" data-k="{m.key}" data-x="{m.x:.5f}" data-y="{m.y:.5f}" '
                f'transform="translate({m.x:.5f} {m.y:.5f}) scale({u:.7f})">'
            )
            symbols.append(f"{head}{m.shape}</g>")
            if not m.label:
                continue
            w = LABEL_CHAR_PX * len(m.label)
            cx, cy = m.x / u, m.y / u

            def box_at(place: tuple[float, float, str]) -> Box:
                x0 = cx + place[0] - ANCHOR_SHARE[place[2]] * w  # noqa: B023
                return (x0, cy + place[1] - 11.0, x0 + w, cy + place[1] + 3.0)  # noqa: B023

            # the first place that hides nothing, else the one that hides least
            dx, dy, anchor = min(
                LABEL_PLACES, key=lambda p: sum(overlap(box_at(p), b) for b in boxes)
            )
            boxes.append(box_at((dx, dy, anchor)))
            labels.append(
                f'{head}<text x="{dx:.0f}" y="{dy:.0f}" text-anchor="{anchor}">'
                f"{html.escape(m.label)}</text></g>"
            )
        return "".join(symbols + labels)

    def land(self) -> str:
        """Land and coastline paths, clipped to the view and its margin."""
        lon0, lon1, lat0, lat1 = self.extent
        mx, my = (lon1 - lon0) * CLIP_MARGIN_SHARE, (lat1 - lat0) * CLIP_MARGIN_SHARE
        box = (lon0 - mx, lon1 + mx, max(lat0 - my, -90.0), min(lat1 + my, 90.0))
        d = []
        for shift in (-360.0, 0.0, 360.0):
            if box[1] - shift < -180.0 or box[0] - shift > 180.0:
                continue
            for ring in coastlines_in((lon0 - shift, lon1 - shift, lat0, lat1)):
                moved = ring + np.array([shift, 0.0])
                clipped = clip_ring(moved, box)
                if clipped.shape[0] == 0 and inside_ring(
                    moved, (lon0 + lon1) / 2, (lat0 + lat1) / 2
                ):
                    # the ring holds the whole box (a close-up inland, or on a lake
                    # inside a continent): the box is its part (even-odd fill)
                    clipped = np.array(
                        [[box[0], box[2]], [box[1], box[2]], [box[1], box[3]], [box[0], box[3]]]
                    )
                if clipped.shape[0] >= 3:
                    d.append(
                        "M" + "L".join(f"{p[0] * self.kx:.4f},{-p[1]:.4f}" for p in clipped) + "Z"
                    )
        path = "".join(d)
        return f'<path class="land" d="{path}"/><path class="coastline" d="{path}"/>'
