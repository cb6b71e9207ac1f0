"""A spoofing map for people (PNG, matplotlib from the ``plot`` extra).

It draws exactly the features of :func:`skywitness.report.spoofing.spoofing_geojson`
over the shipped Natural Earth land outlines: false positions (magenta dots),
estimated true paths (dashed), spoofed places (star, circle), the spoofer's
estimated reach (shaded), centre (cross) and 95 % circle. With nothing found
it says so in words; with a provenance it carries it (caption and PNG text).
The interactive version is :func:`skywitness.report.html.render_map_html`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from skywitness.report.basemap import MIN_MARGIN_DEG, WORLD, geometry_points
from skywitness.report.png import (
    base_figure,
    caption,
    draw_coast,
    draw_message,
    draw_spoofing,
    legend,
    need_matplotlib,
    save_png,
    spoofing_handles,
)
from skywitness.report.summary import aircraft_count, data_range, found, headline, human_range

if TYPE_CHECKING:
    from skywitness.report.findings import SpoofingFindings
    from skywitness.report.provenance import Provenance
    from skywitness.report.summary import TimeRange

#: Margin round the findings, as a fraction of their extent (and at least
#: MIN_MARGIN_DEG), so the spoofer's reach is not cut at the frame.
MARGIN_FRACTION = 0.08


def spoofing_figure(
    result: SpoofingFindings,
    *,
    dpi: int = 150,
    provenance: Provenance | None = None,
    aircraft: int | None = None,
    time_range: TimeRange | None = None,
    title: str | None = None,
) -> tuple[Any, Any]:
    """The figure and axes of :func:`render_spoofing_png` (for tests and notebooks)."""
    need_matplotlib()
    from skywitness.report.findings import spoofing_geojson

    features = spoofing_geojson(result)["features"]
    pts = [p for f in features for p in geometry_points(f["geometry"])]
    if pts:
        xs = [p[0] for p in pts]
        ys = [p[1] for p in pts]
        pad_x = max((max(xs) - min(xs)) * MARGIN_FRACTION, MIN_MARGIN_DEG)
        pad_y = max((max(ys) - min(ys)) * MARGIN_FRACTION, MIN_MARGIN_DEG)
        extent = (min(xs) - pad_x, max(xs) + pad_x, min(ys) - pad_y, max(ys) + pad_y)
    else:
        extent = WORLD
    fig, ax, land = base_figure(extent, dpi)
    draw_coast(ax, land, zorder=1)
    draw_spoofing(ax, features)
    span = data_range(spoofing=result, time_range=time_range, provenance=provenance)
    what = found(None, (), result)
    n_aircraft = aircraft_count(aircraft, result)
    sentence = headline(what, n_aircraft, span)
    if not what.anything:
        draw_message(ax, sentence)
    legend(fig, spoofing_handles(result))
    heading = title or ("GNSS spoofing" + ("" if span is None else f", {human_range(*span)}"))
    fig.suptitle(heading, fontsize=14, weight="bold")
    if what.anything:
        ax.set_title(sentence, fontsize=9)
    caption(fig, provenance)
    return fig, ax


def render_spoofing_png(
    result: SpoofingFindings,
    path: str | Path,
    *,
    dpi: int = 150,
    provenance: Provenance | None = None,
    aircraft: int | None = None,
    time_range: TimeRange | None = None,
    title: str | None = None,
) -> Path:
    """Write the spoofing map as a PNG at ``path`` (atomically)."""
    fig, ax = spoofing_figure(
        result,
        dpi=dpi,
        provenance=provenance,
        aircraft=aircraft,
        time_range=time_range,
        title=title,
    )
    return save_png(fig, ax, path, provenance=provenance)
