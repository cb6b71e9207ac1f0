"""A spoofing map for people (PNG, matplotlib from the ``plot`` extra).

It draws exactly the features of :func:`skywitness.report.spoofing.spoofing_geojson`
over the shipped Natural Earth land outlines: false positions (red dots),
estimated true paths (dashed), spoofed places (star, circle), the spoofer's
estimated area (its effective range, shaded) and centre (cross).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from skywitness.errors import UsageError
from skywitness.report.jamming_map import COAST, MIN_MARGIN_DEG, base_figure, save_png
from skywitness.report.spoofing import SpoofingFindings, spoofing_geojson

FALSE_COLOUR = "#d62728"
PATH_COLOUR = "#1f4e9c"
AREA_COLOUR = "#ff7f0e"
PLACE_COLOUR = "#7a0010"


def render_spoofing_png(result: SpoofingFindings, path: str | Path, *, dpi: int = 150) -> Path:
    try:
        from matplotlib.collections import PolyCollection
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch, Polygon
    except ImportError:
        raise UsageError("PNG maps need matplotlib: pip install 'skywitness[plot]'") from None
    features = spoofing_geojson(result)["features"]
    xs: list[float] = []
    ys: list[float] = []
    for f in features:
        for x, y in _coords(f["geometry"]):
            xs.append(x)
            ys.append(y)
    if xs:
        pad_x = max((max(xs) - min(xs)) * 0.08, MIN_MARGIN_DEG)
        pad_y = max((max(ys) - min(ys)) * 0.08, MIN_MARGIN_DEG)
        extent = (min(xs) - pad_x, max(xs) + pad_x, min(ys) - pad_y, max(ys) + pad_y)
    else:
        extent = (-180.0, 180.0, -70.0, 80.0)
    fig, ax, land = base_figure(extent, dpi)
    ax.add_collection(PolyCollection(land, facecolors="none", edgecolors=COAST, linewidths=0.6,
                                     zorder=1))  # fmt: skip
    for f in features:
        g, kind = f["geometry"], f["properties"]["kind"]
        if kind == "spoofer_area":
            ring = g["coordinates"][0]
            ax.add_patch(Polygon(ring, closed=True, facecolor=AREA_COLOUR, alpha=0.12,
                                 edgecolor=AREA_COLOUR, linewidth=1.0, zorder=2))  # fmt: skip
        elif kind == "spoofed_positions":
            pts = _coords(g)
            ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=4, color=FALSE_COLOUR,
                       alpha=0.5, zorder=4, linewidths=0)  # fmt: skip
        elif kind == "estimated_path":
            for line in _lines(g):
                ax.plot([p[0] for p in line], [p[1] for p in line], color=PATH_COLOUR,
                        linestyle="--", linewidth=0.9, zorder=3)  # fmt: skip
        elif kind == "attractor_circle":
            for line in _lines(g):
                ax.plot([p[0] for p in line], [p[1] for p in line], color=PLACE_COLOUR,
                        linewidth=1.0, zorder=5)  # fmt: skip
        elif kind == "attractor":
            x0, y0 = g["coordinates"]
            ax.plot([x0], [y0], marker="*", markersize=16, color=PLACE_COLOUR,
                    markeredgecolor="white", zorder=6)  # fmt: skip
        elif kind == "spoofer":
            x0, y0 = g["coordinates"]
            ax.plot([x0], [y0], marker="X", markersize=11, color=AREA_COLOUR,
                    markeredgecolor="black", zorder=6)  # fmt: skip
    n_aircraft = len({iv.icao24 for iv in result.intervals})
    handles: list[Any] = [
        Line2D([], [], marker="o", linestyle="", color=FALSE_COLOUR, markersize=4,
               label=f"reported (false) positions: {len(result.intervals)} intervals, "
                     f"{n_aircraft} aircraft"),
        Line2D([], [], color=PATH_COLOUR, linestyle="--",
               label=f"estimated true paths ({len(result.paths)})"),
        Line2D([], [], marker="*", linestyle="", color=PLACE_COLOUR, markersize=12,
               label=f"spoofed places ({len(result.clusters)})"),
        Patch(facecolor=AREA_COLOUR, alpha=0.3, edgecolor=AREA_COLOUR,
              label="spoofer's estimated reach"),
        Line2D([], [], marker="X", linestyle="", color=AREA_COLOUR, markeredgecolor="black",
               markersize=9, label="spoofer's estimated centre"),
    ]  # fmt: skip
    fig.legend(handles=handles, loc="outside lower center", fontsize=8, frameon=False, ncols=2)
    fig.suptitle("GNSS spoofing", fontsize=14, weight="bold")
    return save_png(fig, ax, path)


def _coords(g: dict[str, Any]) -> list[tuple[float, float]]:
    t, c = g["type"], g["coordinates"]
    if t == "Point":
        return [(c[0], c[1])]
    if t in ("MultiPoint", "LineString"):
        return [(p[0], p[1]) for p in c]
    if t in ("Polygon", "MultiLineString"):
        return [(p[0], p[1]) for ring in c for p in ring]
    return []


def _lines(g: dict[str, Any]) -> list[list[list[float]]]:
    """A LineString's or MultiLineString's lines (split at the antimeridian)."""
    if g["type"] == "LineString":
        return [g["coordinates"]]
    if g["type"] == "MultiLineString":
        return list(g["coordinates"])
    return []
