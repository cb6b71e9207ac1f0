"""Interference maps drawn for people: a PNG (matplotlib) and a self-contained HTML page.

Both draw the cells of :func:`skywitness.gnss.jamming.maps.interference_map`
coloured by level over Natural Earth land outlines shipped with the package
(:mod:`skywitness.report.basemap`), and on top the headline: each
interference event's area, its estimated emitter with the 95 % circle of its
position and its effective range, labelled with the event's kind; and,
given them, the spoofing findings. A map with nothing found says so in
words. The HTML page is built by :mod:`skywitness.report.html`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from skywitness.report.basemap import (
    COAST,
    FINE_COASTLINE_SPAN_DEG,
    LAND,
    MARGIN_FRACTION,
    MIN_MARGIN_DEG,
    SEA,
    Ring,
    cell_rings,
    coastlines_in,
    extent_of,
    extent_of_points,
    geometry_points,
    load_coastlines,
)
from skywitness.report.png import base_figure, need_matplotlib, save_png
from skywitness.report.style import CELL_ALPHA, SCHEME_TITLES, SCHEMES
from skywitness.report.summary import (
    aircraft_count,
    data_range,
    found,
    headline,
    human_range,
    mode_label,
    scheme_column,
    worst_levels,
)

if TYPE_CHECKING:
    from skywitness.gnss.jamming.events import Event
    from skywitness.report.findings import SpoofingFindings
    from skywitness.report.provenance import Provenance
    from skywitness.report.summary import TimeRange

__all__ = [
    "CELL_ALPHA",
    "COAST",
    "FINE_COASTLINE_SPAN_DEG",
    "LAND",
    "MARGIN_FRACTION",
    "MIN_MARGIN_DEG",
    "SCHEMES",
    "SCHEME_TITLES",
    "SEA",
    "Ring",
    "base_figure",
    "cell_rings",
    "coastlines_in",
    "extent_of",
    "jamming_figure",
    "load_coastlines",
    "render_html",
    "render_png",
    "save_png",
    "window_label",
]


def window_label(table: pa.Table) -> str:
    """A human label of the windows a map covers, e.g. '2025-02-05 (UTC day)'."""
    from skywitness.gnss.jamming.maps import window_tag, windows

    parts = windows(table)
    if not parts:
        return "no data"
    tags = [window_tag(p) for p in parts]
    kind = "UTC day" if "T" not in tags[0] else "UTC hour"
    if len(tags) == 1:
        return f"{tags[0]} ({kind})"
    return f"{tags[0]} to {tags[-1]} ({len(tags)} windows, {kind}s)"


# -- PNG ------------------------------------------------------------------------


def jamming_figure(
    table: pa.Table | None,
    *,
    levels: str = "ours",
    title: str | None = None,
    dpi: int = 150,
    events: Sequence[Event] = (),
    spoofing: SpoofingFindings | None = None,
    aircraft: int | None = None,
    provenance: Provenance | None = None,
    time_range: TimeRange | None = None,
    mode: str | None = None,
) -> tuple[Any, Any]:
    """The figure and axes of :func:`render_png` (for tests and notebooks)."""
    need_matplotlib()
    from matplotlib.collections import PolyCollection
    from matplotlib.colors import to_rgba
    from matplotlib.patches import Patch

    from skywitness.gnss.jamming.maps import LEVEL_COLOURS
    from skywitness.report.findings import spoofing_geojson
    from skywitness.report.png import (
        caption,
        draw_coast,
        draw_events,
        draw_message,
        draw_spoofing,
        event_points,
        legend,
        spoofing_handles,
    )
    from skywitness.report.style import LEVEL_WORDS, SCHEME_LEVELS

    column = scheme_column(levels)
    cells = table if table is not None and table.num_rows else None
    rings = cell_rings(cells) if cells is not None else []
    names = cells["h3"].to_pylist() if cells is not None else []
    worst = worst_levels(cells, column)
    features = spoofing_geojson(spoofing)["features"] if spoofing is not None else []
    pts: list[tuple[float, float]] = [(p[0], p[1]) for cell in rings for ring in cell for p in ring]
    pts += event_points(events)
    pts += [p for f in features for p in geometry_points(f["geometry"])]
    fig, ax, land = base_figure(extent_of_points(pts), dpi)
    polys: list[list[list[float]]] = []
    colours: list[tuple[float, float, float, float]] = []
    for cell_ring, cell in zip(rings, names, strict=True):
        for ring in cell_ring:
            polys.append(ring)
            colours.append(to_rgba(LEVEL_COLOURS[worst[cell]], CELL_ALPHA[worst[cell]]))
    ax.add_collection(
        PolyCollection(polys, facecolors=colours, edgecolors="white", linewidths=0.3, zorder=2)
    )
    # Coasts on top of the cells, so the map stays readable under them.
    draw_coast(ax, land, zorder=3)
    handles: list[Any] = []
    if cells is not None:
        counts = {lvl: sum(1 for v in worst.values() if v == lvl) for lvl in SCHEME_LEVELS[levels]}
        handles += [
            Patch(
                facecolor=to_rgba(LEVEL_COLOURS[lvl], CELL_ALPHA[lvl]),
                edgecolor="#555555",
                label=f"{lvl} ({counts[lvl]} cells): {LEVEL_WORDS[levels][lvl]}",
            )
            for lvl in SCHEME_LEVELS[levels]
            if counts[lvl] or lvl in ("green", "yellow", "red")
        ]
    handles += draw_events(ax, events)
    if spoofing is not None:
        draw_spoofing(ax, features)
        handles += spoofing_handles(spoofing)
    span = data_range(
        cells=cells, events=events, spoofing=spoofing, time_range=time_range, provenance=provenance
    )
    what = found(cells, events, spoofing)
    sentence = headline(what, aircraft_count(aircraft, spoofing), span)
    if not what.anything:
        draw_message(ax, sentence)
    if handles:
        legend(fig, handles, None if cells is None else "cells: share of aircraft\nthat lost GNSS")
    when = human_range(*span) if span is not None else "no data"
    fig.suptitle(title or f"GNSS interference, {when}", fontsize=14, weight="bold")
    sub = f"{mode_label(cells, mode)}; {SCHEME_TITLES[levels]}" if cells is not None else ""
    ax.set_title(sentence if what.anything else sub, fontsize=9)
    caption(fig, provenance, extra=sub if what.anything else "")
    return fig, ax


def render_png(
    table: pa.Table,
    path: str | Path,
    *,
    levels: str = "ours",
    title: str | None = None,
    dpi: int = 150,
    events: Sequence[Event] = (),
    spoofing: SpoofingFindings | None = None,
    aircraft: int | None = None,
    provenance: Provenance | None = None,
    time_range: TimeRange | None = None,
    callsigns: Mapping[str, str] | None = None,
    mode: str | None = None,
) -> Path:
    """Draw the map's cells coloured by level over land outlines, the events
    (area, emitter, 95 % circle, effective range, labelled with their kind)
    and the spoofing findings, with a legend in words, the headline sentence
    and the provenance caption; write it at ``path`` (atomically).

    Needs matplotlib (the ``plot`` extra). With several windows in ``table``,
    a cell's worst level over them is drawn (``write_map`` calls this once per
    window). ``mode`` (the GNSS quality mode of the cells) is named in the
    caption. ``callsigns`` is accepted for symmetry with :func:`render_html`
    (a PNG has no hover).
    """
    del callsigns
    fig, ax = jamming_figure(
        table, levels=levels, title=title, dpi=dpi, events=events, spoofing=spoofing,
        aircraft=aircraft, provenance=provenance, time_range=time_range, mode=mode,
    )  # fmt: skip
    return save_png(fig, ax, path, provenance=provenance)


# -- HTML -----------------------------------------------------------------------


def render_html(
    table: pa.Table | None,
    path: str | Path,
    *,
    levels: str = "ours",
    title: str | None = None,
    events: Sequence[Event] = (),
    spoofing: SpoofingFindings | None = None,
    aircraft: int | None = None,
    provenance: Provenance | None = None,
    time_range: TimeRange | None = None,
    callsigns: Mapping[str, str] | None = None,
    mode: str | None = None,
) -> Path:
    """A single HTML file with the map as inline SVG, working offline
    (:func:`skywitness.report.html.render_map_html`)."""
    from skywitness.report.html import render_map_html

    return render_map_html(
        table, path, levels=levels, title=title, events=events, spoofing=spoofing,
        aircraft=aircraft, provenance=provenance, time_range=time_range, callsigns=callsigns,
        mode=mode,
    )  # fmt: skip
