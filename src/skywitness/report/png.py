"""PNG maps (matplotlib, the ``plot`` extra): the figure, the layers both maps
draw (interference events with their emitters, the spoofing findings), a
message when there is nothing to show, and the one save.

The save writes atomically (:mod:`skywitness.report.atomic`), credits the land
outlines, and with a :class:`~skywitness.report.provenance.Provenance` puts
its line under the map and its record in the PNG text chunks.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skywitness.errors import UsageError
from skywitness.gnss.locate import FRONT_TO_BACK_MAX_DB
from skywitness.report.atomic import atomic_path
from skywitness.report.basemap import COAST, LAND, SEA, Extent, Ring, circle_ring, coastlines_in
from skywitness.report.provenance import Provenance, png_metadata, provenance_line
from skywitness.report.style import (
    FALSE_COLOUR,
    PATH_COLOUR,
    PLACE_COLOUR,
    REACH_COLOUR,
    event_colour,
)
from skywitness.report.summary import event_kind

if TYPE_CHECKING:
    from skywitness.gnss.jamming.events import Event

#: Characters per line of the caption under a map (fits 11 inches at 6.5 pt).
CAPTION_WIDTH = 190
CAPTION_FONT_PT = 6.5
CAPTION_LINE_SPACING = 1.3
CAPTION_GID = "skywitness-caption"
#: Characters per line of a legend label.
LEGEND_WIDTH = 34


def need_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise UsageError("PNG maps need matplotlib: pip install 'skywitness[plot]'") from None


def base_figure(extent: Extent, dpi: int) -> tuple[Any, Any, list[Ring]]:
    """A matplotlib figure and axes over ``extent`` (lon0, lon1, lat0, lat1): sea,
    land filled (its outlines are the caller's to draw, above its own layers),
    limits, aspect, grid and labels set; and the land rings."""
    need_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import PolyCollection
    from matplotlib.figure import Figure

    lon0, lon1, lat0, lat1 = extent
    aspect = 1.0 / max(math.cos(math.radians((lat0 + lat1) / 2)), 0.05)
    ratio = min(max((lat1 - lat0) * aspect / max(lon1 - lon0, 1e-6), 0.35), 1.4)
    fig = Figure(figsize=(11.0, 8.5 * ratio + 1.3), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ax.set_facecolor(SEA)
    land = coastlines_in(extent)
    ax.add_collection(PolyCollection(land, facecolors=LAND, edgecolors="none", zorder=1))
    ax.set_xlim(lon0, lon1)
    ax.set_ylim(lat0, lat1)
    ax.set_aspect(aspect)
    ax.set_xlabel("longitude (deg)")
    ax.set_ylabel("latitude (deg)")
    ax.grid(True, color="white", linewidth=0.5, alpha=0.7, zorder=0)
    return fig, ax, land


def draw_coast(ax: Any, land: list[Ring], zorder: float = 3) -> None:
    from matplotlib.collections import PolyCollection

    ax.add_collection(
        PolyCollection(land, facecolors="none", edgecolors=COAST, linewidths=0.6, zorder=zorder)
    )


def caption(fig: Any, provenance: Provenance | None, extra: str = "") -> None:
    """The land credit and the provenance line, small, under everything else."""
    lines = [extra] if extra else []
    lines.append("Land: Natural Earth (public domain).")
    if provenance is not None:
        lines.append(provenance_line(provenance))
    text = "\n".join(textwrap.fill(line, CAPTION_WIDTH) for line in lines)
    fig.supxlabel(text, x=0.01, ha="left", fontsize=CAPTION_FONT_PT, color="#555555",
                  linespacing=CAPTION_LINE_SPACING, gid=CAPTION_GID)  # fmt: skip


def legend(fig: Any, handles: Sequence[Any], title: str | None = None) -> None:
    """The legend, right of the map, its labels wrapped to a readable width."""
    for h in handles:
        h.set_label(textwrap.fill(h.get_label(), LEGEND_WIDTH))
    fig.legend(handles=handles, loc="outside right center", fontsize=8, frameon=False,
               title=title, title_fontsize=8, labelspacing=0.9, alignment="left")  # fmt: skip


def save_png(fig: Any, ax: Any, path: str | Path, *, provenance: Provenance | None = None) -> Path:
    """Credit the land outlines (and the provenance) and write ``fig`` as a PNG at
    ``path``, atomically; the provenance also goes in the PNG text chunks."""
    if fig.get_supxlabel() == "":
        caption(fig, provenance)
    out = Path(path)
    with atomic_path(out) as tmp:
        # "tight": nothing is cut at the edges whatever the map's proportions.
        fig.savefig(tmp, format="png", metadata=png_metadata(provenance) or None,
                    bbox_inches="tight", pad_inches=0.15)  # fmt: skip
    return out


def draw_message(ax: Any, text: str) -> None:
    """A sentence across the middle of the map (nothing found, no data)."""
    ax.text(
        0.5, 0.5, textwrap.fill(text, 60), transform=ax.transAxes, ha="center", va="center",
        fontsize=13, zorder=10,
        bbox={"facecolor": "white", "edgecolor": "#888888", "alpha": 0.92, "pad": 10},
    )  # fmt: skip


# -- layers ----------------------------------------------------------------------


def event_points(events: Sequence[Event]) -> list[tuple[float, float]]:
    """(lon, lat) of everything :func:`draw_events` draws (for the map's extent)."""
    pts: list[tuple[float, float]] = []
    for e in events:
        for ring in e.polygon.get("coordinates") or []:
            pts.extend((p[0], p[1]) for p in ring)
        em = e.emitter
        if em is not None:
            pts.extend((p[0], p[1]) for p in circle_ring(em.lat, em.lon, em.range_km))
    return pts


def draw_events(ax: Any, events: Sequence[Event]) -> list[Any]:
    """Each event's area, emitter, 95 % circle and effective range, labelled with
    its id and kind; the legend handles for what was drawn."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, Polygon

    kinds: list[str] = []
    located = False
    for e in events:
        kind = event_kind(e)
        colour = event_colour(kind)
        kinds.append(kind)
        rings = e.polygon.get("coordinates") or []
        for ring in rings[:1]:
            ax.add_patch(Polygon(ring, closed=True, facecolor=colour, alpha=0.10,
                                 edgecolor="none", zorder=4))  # fmt: skip
            ax.add_patch(Polygon(ring, closed=True, facecolor="none", edgecolor=colour,
                                 linewidth=1.6, zorder=4))  # fmt: skip
        em = e.emitter
        if em is not None:
            located = True
            reach = circle_ring(em.lat, em.lon, em.range_km)
            ax.add_patch(Polygon(reach, closed=True, facecolor="none", edgecolor=colour,
                                 linewidth=1.0, linestyle=(0, (2, 3)), alpha=0.7,
                                 zorder=4))  # fmt: skip
            err = circle_ring(em.lat, em.lon, em.error_km_95)
            ax.add_patch(Polygon(err, closed=True, facecolor=colour, alpha=0.35,
                                 edgecolor=colour, linewidth=1.2, zorder=6))  # fmt: skip
            wide = circle_ring(em.lat, em.lon, em.error_km_95_any_antenna)
            ax.add_patch(Polygon(wide, closed=True, facecolor="none", edgecolor=colour,
                                 linewidth=1.2, linestyle=(0, (1, 2)), zorder=6))  # fmt: skip
            x, y = em.lon, em.lat
            ax.plot([x], [y], marker="X", markersize=11, color=colour,
                    markeredgecolor="white", markeredgewidth=1.2, zorder=7)  # fmt: skip
        elif rings:
            x = sum(p[0] for p in rings[0][:-1]) / max(len(rings[0]) - 1, 1)
            y = sum(p[1] for p in rings[0][:-1]) / max(len(rings[0]) - 1, 1)
        else:
            continue
        ax.annotate(
            f"{e.id} · {kind}", (x, y), xytext=(8, 8), textcoords="offset points",
            fontsize=8, color=colour, weight="bold", zorder=8,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1.5},
        )  # fmt: skip
    handles: list[Any] = []
    for kind in sorted(set(kinds)):
        colour = event_colour(kind)
        n = kinds.count(kind)
        handles.append(Patch(facecolor=colour, alpha=0.35, edgecolor=colour,
                             label=f"{kind} event area ({n}): where the aircraft that "
                                   "lost GNSS were"))  # fmt: skip
    if located:
        colour = event_colour(kinds[0]) if len(set(kinds)) == 1 else "#333333"
        handles.append(Line2D([], [], marker="X", linestyle="", color=colour,
                              markeredgecolor="white", markersize=10,
                              label="estimated emitter (x), in a filled circle: the 95 % "
                                    "bound of its position"))  # fmt: skip
        handles.append(Line2D([], [], color=colour, linestyle=(0, (1, 2)),
                              label="finely dotted circle: the 95 % bound if its antenna is "
                                    f"directional (up to {FRONT_TO_BACK_MAX_DB:.0f} dB front to back)"))  # fmt: skip
        handles.append(Line2D([], [], color=colour, linestyle=(0, (2, 3)),
                              label="dotted circle: the emitter's effective range, inside "
                                    "which aircraft lose GNSS"))  # fmt: skip
    return handles


def draw_spoofing(ax: Any, features: Sequence[dict[str, Any]]) -> None:
    """The features of :func:`skywitness.report.spoofing.spoofing_geojson`: false
    positions (dots), estimated true paths (dashed), spoofed places (star,
    circle), the spoofer's reach (shaded), centre (cross) and 95 % circle."""
    from matplotlib.patches import Polygon

    for f in features:
        g, props = f["geometry"], f["properties"]
        kind = props["kind"]
        if kind == "spoofer_area":
            ring = g["coordinates"][0]
            ax.add_patch(Polygon(ring, closed=True, facecolor=REACH_COLOUR, alpha=0.12,
                                 edgecolor=REACH_COLOUR, linewidth=1.0, zorder=2))  # fmt: skip
        elif kind == "spoofed_positions":
            pts = g["coordinates"]
            ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=5, color=FALSE_COLOUR,
                       alpha=0.6, zorder=6, linewidths=0)  # fmt: skip
        elif kind == "estimated_path":
            for line in _lines(g):
                ax.plot([p[0] for p in line], [p[1] for p in line], color=PATH_COLOUR,
                        linestyle="--", linewidth=0.9, zorder=5)  # fmt: skip
        elif kind == "attractor_circle":
            for line in _lines(g):
                ax.plot([p[0] for p in line], [p[1] for p in line], color=PLACE_COLOUR,
                        linewidth=1.0, zorder=7)  # fmt: skip
        elif kind == "attractor":
            x0, y0 = g["coordinates"]
            ax.plot([x0], [y0], marker="*", markersize=16, color=PLACE_COLOUR,
                    markeredgecolor="white", zorder=8)  # fmt: skip
        elif kind == "spoofer":
            x0, y0 = g["coordinates"]
            err = circle_ring(y0, x0, float(props.get("error_km_95") or 0.0))
            ax.add_patch(Polygon(err, closed=True, facecolor="none", edgecolor=REACH_COLOUR,
                                 linewidth=1.2, zorder=7))  # fmt: skip
            ax.plot([x0], [y0], marker="X", markersize=11, color=REACH_COLOUR,
                    markeredgecolor="black", zorder=8)  # fmt: skip


def spoofing_handles(result: Any) -> list[Any]:
    """Legend entries for :func:`draw_spoofing`, with counts."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    n_aircraft = len({iv.icao24 for iv in result.intervals})
    return [
        Line2D([], [], marker="o", linestyle="", color=FALSE_COLOUR, markersize=4,
               label=f"false positions reported: {len(result.intervals)} intervals, "
                     f"{n_aircraft} aircraft"),
        Line2D([], [], color=PATH_COLOUR, linestyle="--",
               label=f"estimated true paths ({len(result.paths)})"),
        Line2D([], [], marker="*", linestyle="", color=PLACE_COLOUR, markersize=12,
               label=f"spoofed places ({len(result.clusters)}): where false positions were held"),
        Patch(facecolor=REACH_COLOUR, alpha=0.3, edgecolor=REACH_COLOUR,
              label="spoofer's estimated reach"),
        Line2D([], [], marker="X", linestyle="", color=REACH_COLOUR, markeredgecolor="black",
               markersize=9, label="spoofer's estimated centre and its 95 % circle"),
    ]  # fmt: skip


def _lines(g: dict[str, Any]) -> list[list[list[float]]]:
    """A LineString's or MultiLineString's lines (split at the antimeridian)."""
    if g["type"] == "LineString":
        return [g["coordinates"]]
    if g["type"] == "MultiLineString":
        return list(g["coordinates"])
    return []
