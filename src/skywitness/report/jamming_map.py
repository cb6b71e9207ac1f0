"""Interference maps drawn for people: a PNG (matplotlib) and a self-contained HTML page.

Both draw the cells of :func:`skywitness.gnss.jamming.maps.interference_map` coloured
by level over Natural Earth land outlines shipped with the package
(``skywitness/data/coastlines-*.json``, public domain). Nothing is fetched:
the HTML page holds its SVG, styles and script inline and references no URL.

The projection is equirectangular, scaled by the cosine of the middle
latitude so that cells keep their shape at the map's centre.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from skywitness.errors import UsageError
from skywitness.report.atomic import write_text

#: Below this span (degrees of longitude or latitude) the 1:50m coastline is
#: drawn; above, 1:110m is detailed enough and ten times smaller.
FINE_COASTLINE_SPAN_DEG = 40.0
#: Margin round the cells, as a fraction of their extent, and at least this
#: many degrees, so a single cell still shows the coast around it.
MARGIN_FRACTION = 0.15
MIN_MARGIN_DEG = 1.5
SEA = "#dce8f2"
LAND = "#f4f1ea"
COAST = "#5f5f5f"
SCHEMES = {"ours": "level", "gpsjam": "level_gpsjam"}
#: Cell fill opacity by level: levels that say something are solid, the ones
#: that say "not enough aircraft" faint, so the coast shows through them.
CELL_ALPHA: dict[str, float] = {
    "green": 0.7,
    "yellow": 0.85,
    "red": 0.85,
    "uncertain": 0.3,
    "low traffic": 0.3,
    "no data": 0.2,
}
SCHEME_TITLES = {
    "ours": "our levels (Wilson 95 % bound, >= 2 bad aircraft)",
    "gpsjam": "GPSJam levels ((bad - 1) / (bad + good))",
}

Ring = NDArray[np.float64]


# -- coastlines -----------------------------------------------------------------


@cache
def load_coastlines(scale: str = "110m") -> tuple[Ring, ...]:
    """Natural Earth land outlines as closed (k, 2) arrays of (lon, lat) degrees."""
    if scale not in ("110m", "50m"):
        raise UsageError(f"coastline scale must be 110m or 50m, not {scale!r}")
    text = (resources.files("skywitness") / "data" / f"coastlines-{scale}.json").read_text()
    data = json.loads(text)
    unit = 1.0 / float(data["scale"])
    rings = []
    for flat in data["rings"]:
        xy = np.cumsum(np.asarray(flat, dtype=np.float64).reshape(-1, 2), axis=0) * unit
        # A ring that crosses the antimeridian (Eurasia at Chukotka) jumps by
        # 360 degrees; make it continuous and add a copy shifted back into view.
        jumps = np.round(np.diff(xy[:, 0]) / 360.0)
        if jumps.any():
            xy[1:, 0] -= 360.0 * np.cumsum(jumps)
            shift = 360.0 if xy[:, 0].min() < -180.0 else -360.0
            rings.append(xy + np.array([shift, 0.0]))
        rings.append(xy)
    return tuple(rings)


def coastlines_in(extent: tuple[float, float, float, float]) -> list[Ring]:
    """Land rings touching ``extent`` (lon0, lon1, lat0, lat1), finer when the extent is small."""
    lon0, lon1, lat0, lat1 = extent
    fine = max(lon1 - lon0, lat1 - lat0) < FINE_COASTLINE_SPAN_DEG
    out = []
    for ring in load_coastlines("50m" if fine else "110m"):
        if (
            ring[:, 0].max() >= lon0
            and ring[:, 0].min() <= lon1
            and ring[:, 1].max() >= lat0
            and ring[:, 1].min() <= lat1
        ):
            out.append(ring)
    return out


# -- geometry shared by both renderers ------------------------------------------------


def cell_rings(table: pa.Table) -> list[list[list[list[float]]]]:
    """Per row, the outer rings ([lon, lat] lists) of its cell, split at the antimeridian."""
    from skywitness.gnss.jamming.maps import cell_geometry

    out = []
    for cell in table["h3"].to_pylist():
        geom = cell_geometry(cell)
        polys = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
        out.append([poly[0] for poly in polys])
    return out


def extent_of(
    rings: Iterable[Sequence[Sequence[Sequence[float]]]],
) -> tuple[float, float, float, float]:
    """(lon0, lon1, lat0, lat1) round the rings, with a margin, within the globe."""
    pts = [p for cell in rings for ring in cell for p in ring]
    if not pts:
        return (-180.0, 180.0, -60.0, 80.0)
    lons = [p[0] for p in pts]
    lats = [p[1] for p in pts]
    dx = max(max(lons) - min(lons), 0.0)
    dy = max(max(lats) - min(lats), 0.0)
    mx = max(MARGIN_FRACTION * dx, MIN_MARGIN_DEG)
    my = max(MARGIN_FRACTION * dy, MIN_MARGIN_DEG)
    return (
        max(min(lons) - mx, -180.0),
        min(max(lons) + mx, 180.0),
        max(min(lats) - my, -90.0),
        min(max(lats) + my, 90.0),
    )


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


def _mode_label(table: pa.Table) -> str:
    from skywitness.gnss.jamming.maps import map_metadata

    meta = map_metadata(table)
    mode = meta.get("mode") or "?"
    res = meta.get("resolution", "?")
    return f"mode {mode}, H3 res {res}"


def _scheme_column(levels: str) -> str:
    try:
        return SCHEMES[levels]
    except KeyError:
        raise UsageError(f"levels must be one of {', '.join(SCHEMES)}, not {levels!r}") from None


# -- PNG ------------------------------------------------------------------------


def base_figure(extent: tuple[float, float, float, float], dpi: int) -> tuple[Any, Any, list[Ring]]:
    """A matplotlib figure and axes over ``extent`` (lon0, lon1, lat0, lat1): sea,
    land filled (its outlines are the caller's to draw, above its own layers),
    limits, aspect, grid and labels set; and the land rings."""
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


def save_png(fig: Any, ax: Any, path: str | Path) -> Path:
    """Credit the land outlines under ``ax`` and write ``fig`` as a PNG at ``path``."""
    ax.text(
        1.0, -0.08, "Land: Natural Earth (public domain)", transform=ax.transAxes,
        ha="right", va="top", fontsize=6, color="#666666",
    )  # fmt: skip
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, format="png")
    return out


def render_png(
    table: pa.Table,
    path: str | Path,
    *,
    levels: str = "ours",
    title: str | None = None,
    dpi: int = 150,
) -> Path:
    """Draw the map's cells coloured by level over land outlines, with a legend.

    Needs matplotlib (the ``plot`` extra). With several windows in ``table``,
    a cell's worst level over them is drawn (``write_map`` calls this once per
    window).
    """
    try:
        from matplotlib.collections import PolyCollection
        from matplotlib.colors import to_rgba
        from matplotlib.patches import Patch
    except ImportError:
        raise UsageError("PNG maps need matplotlib: pip install 'skywitness[plot]'") from None
    from skywitness.gnss.jamming.maps import LEVEL_COLOURS, LEVELS_GPSJAM, LEVELS_OURS

    column = _scheme_column(levels)
    order = LEVELS_OURS if levels == "ours" else LEVELS_GPSJAM
    rings = cell_rings(table)
    cells = table["h3"].to_pylist() if table.num_rows else []
    worst = _worst_by_cell(cells, table[column].to_pylist() if table.num_rows else [])
    extent = extent_of(rings)
    fig, ax, land = base_figure(extent, dpi)
    polys: list[list[list[float]]] = []
    colours: list[tuple[float, float, float, float]] = []
    for cell_ring, cell in zip(rings, cells, strict=True):
        for ring in cell_ring:
            polys.append(ring)
            colours.append(to_rgba(LEVEL_COLOURS[worst[cell]], CELL_ALPHA[worst[cell]]))
    ax.add_collection(
        PolyCollection(polys, facecolors=colours, edgecolors="white", linewidths=0.3, zorder=2)
    )
    # Coasts on top of the cells, so the map stays readable under them.
    ax.add_collection(
        PolyCollection(land, facecolors="none", edgecolors=COAST, linewidths=0.6, zorder=3)
    )
    counts = {lvl: sum(1 for v in worst.values() if v == lvl) for lvl in order}
    handles = [
        Patch(
            facecolor=to_rgba(LEVEL_COLOURS[lvl], CELL_ALPHA[lvl]),
            edgecolor="#555555",
            label=f"{lvl} ({counts[lvl]})",
        )
        for lvl in order
        if counts[lvl] or lvl in ("green", "yellow", "red")
    ]
    fig.legend(
        handles=handles,
        title="cells by level",
        loc="outside right upper",
        fontsize=9,
        title_fontsize=9,
        frameon=False,
    )
    fig.suptitle(title or f"GNSS interference, {window_label(table)}", fontsize=14, weight="bold")
    ax.set_title(f"{_mode_label(table)}; {SCHEME_TITLES[levels]}", fontsize=9)
    return save_png(fig, ax, path)


def _worst_by_cell(cells: list[str], levels: list[str]) -> dict[str, str]:
    rank = {"red": 5, "yellow": 4, "green": 3, "uncertain": 2, "low traffic": 2, "no data": 1}
    worst: dict[str, str] = {}
    for cell, lvl in zip(cells, levels, strict=True):
        if cell not in worst or rank[lvl] > rank[worst[cell]]:
            worst[cell] = lvl
    return worst


# -- HTML -----------------------------------------------------------------------


def render_html(
    table: pa.Table, path: str | Path, *, levels: str = "ours", title: str | None = None
) -> Path:
    """A single HTML file with the map as inline SVG, working offline.

    One layer per window (a selector switches), both level schemes (a toggle
    switches), hover for counts and scores, wheel to zoom and drag to pan.
    """
    from skywitness.gnss.jamming.maps import LEVEL_COLOURS, window_tag, windows

    _scheme_column(levels)
    rings = cell_rings(table)
    extent = extent_of(rings)
    lon0, lon1, lat0, lat1 = extent
    kx = max(math.cos(math.radians((lat0 + lat1) / 2)), 0.05)

    def xy(lon: float, lat: float) -> str:
        return f"{lon * kx:.3f},{-lat:.3f}"

    def path_d(ring: Sequence[Sequence[float]]) -> str:
        return "M" + "L".join(xy(p[0], p[1]) for p in ring) + "Z"

    coast = "".join(path_d(r.tolist()) for r in coastlines_in(extent))
    # Each cell's outline once, in <defs>; windows reference it with <use>.
    ids: dict[str, str] = {}
    defs = []
    for cell, cell_ring in zip(
        table["h3"].to_pylist() if table.num_rows else [], rings, strict=True
    ):
        if cell not in ids:
            ids[cell] = f"c{len(ids)}"
            d = "".join(path_d(r) for r in cell_ring)
            defs.append(f'<path id="{ids[cell]}" d="{d}"/>')
    layers = []
    options = []
    for i, part in enumerate(windows(table)):
        tag = window_tag(part)
        options.append(f'<option value="{i}">{html.escape(tag)}</option>')
        cells = []
        for row in part.select(_HTML_FIELDS).to_pylist():
            data = " ".join(
                f'data-{k.replace("_", "-")}="{html.escape(_fmt(row[k]))}"'
                for k in _HTML_FIELDS
                if k not in ("level", "level_gpsjam")
            )
            cls = f"cell o-{_css(row['level'])} g-{_css(row['level_gpsjam'])}"
            ol, gl = html.escape(row["level"]), html.escape(row["level_gpsjam"])
            ref = ids[row["h3"]]
            cells.append(f'<use href="#{ref}" class="{cls}" {data} data-o="{ol}" data-g="{gl}"/>')
        hidden = "" if i == 0 else ' style="display:none"'
        layers.append(f'<g class="win" data-tag="{html.escape(tag)}"{hidden}>{"".join(cells)}</g>')
    vb = (lon0 * kx, -lat1, (lon1 - lon0) * kx, lat1 - lat0)
    styles = "\n".join(
        f".ours .o-{_css(lvl)},.gpsjam .g-{_css(lvl)}"
        f"{{fill:{colour};fill-opacity:{CELL_ALPHA[lvl]}}}"
        for lvl, colour in LEVEL_COLOURS.items()
    )
    legend = "".join(
        f'<span><i style="background:{LEVEL_COLOURS[lvl]}"></i>{html.escape(lvl)}</span>'
        for lvl in ("green", "yellow", "red", "uncertain", "no data")
    )
    heading = html.escape(title or f"GNSS interference, {window_label(table)}")
    page = _PAGE.format(
        title=heading,
        subtitle=html.escape(_mode_label(table)),
        styles=styles,
        sea=SEA,
        land=LAND,
        coastc=COAST,
        viewbox=" ".join(f"{v:.3f}" for v in vb),
        coast=coast,
        defs="".join(defs),
        layers="".join(layers),
        options="".join(options),
        scheme=levels,
        ours_sel=" selected" if levels == "ours" else "",
        gpsjam_sel=" selected" if levels == "gpsjam" else "",
        legend=legend,
        stroke=f"{0.002 * max(vb[2], vb[3]):.4f}",
        script=_SCRIPT,
    )
    return write_text(path, page)


_HTML_FIELDS = [
    "h3",
    "count_good_aircraft",
    "count_bad_aircraft",
    "count_unknown_aircraft",
    "score_gpsjam",
    "level_gpsjam",
    "score",
    "score_upper",
    "level",
]


def _css(level: str) -> str:
    return level.replace(" ", "-")


def _fmt(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{100 * v:.1f}%" if math.isfinite(v) else ""
    return str(v)


_SCRIPT = """
(function () {
  var svg = document.getElementById('map');
  var vb = svg.getAttribute('viewBox').split(' ').map(Number);
  var home = vb.slice();
  var tip = document.getElementById('tip');
  function apply() { svg.setAttribute('viewBox', vb.join(' ')); }
  document.getElementById('win').addEventListener('change', function (e) {
    var wins = svg.querySelectorAll('g.win');
    for (var i = 0; i < wins.length; i++) {
      wins[i].style.display = String(i) === e.target.value ? '' : 'none';
    }
  });
  document.getElementById('scheme').addEventListener('change', function (e) {
    svg.setAttribute('class', e.target.value);
  });
  document.getElementById('reset').addEventListener('click', function () {
    vb = home.slice(); apply();
  });
  svg.addEventListener('wheel', function (e) {
    e.preventDefault();
    var r = svg.getBoundingClientRect();
    var fx = (e.clientX - r.left) / r.width, fy = (e.clientY - r.top) / r.height;
    var k = e.deltaY < 0 ? 0.8 : 1.25;
    var w = vb[2] * k, h = vb[3] * k;
    vb = [vb[0] + (vb[2] - w) * fx, vb[1] + (vb[3] - h) * fy, w, h];
    apply();
  }, {passive: false});
  var drag = null;
  svg.addEventListener('mousedown', function (e) { drag = [e.clientX, e.clientY, vb[0], vb[1]]; });
  window.addEventListener('mouseup', function () { drag = null; });
  window.addEventListener('mousemove', function (e) {
    if (!drag) { return; }
    var r = svg.getBoundingClientRect();
    vb[0] = drag[2] - (e.clientX - drag[0]) * vb[2] / r.width;
    vb[1] = drag[3] - (e.clientY - drag[1]) * vb[3] / r.height;
    apply();
  });
  svg.addEventListener('mousemove', function (e) {
    var t = e.target;
    if (!t.classList || !t.classList.contains('cell')) { tip.style.display = 'none'; return; }
    var d = t.dataset;
    tip.innerHTML = '<b>' + d.h3 + '</b><br>good ' + d.countGoodAircraft +
      ', bad ' + d.countBadAircraft + ', unknown ' + d.countUnknownAircraft +
      '<br>ours: ' + d.o + ' (at least ' + d.score + ', at most ' + d.scoreUpper + ')' +
      '<br>GPSJam: ' + d.g + ' (' + d.scoreGpsjam + ')';
    tip.style.display = 'block';
    tip.style.left = (e.pageX + 12) + 'px';
    tip.style.top = (e.pageY + 12) + 'px';
  });
  svg.addEventListener('mouseleave', function () { tip.style.display = 'none'; });
})();
"""

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 0; background: #fafafa; color: #222; }}
header {{ padding: 8px 14px; }}
h1 {{ font-size: 18px; margin: 0 0 4px 0; }}
.sub {{ font-size: 12px; color: #555; }}
.bar {{ font-size: 13px; padding: 4px 14px; }}
.bar select, .bar button {{ margin-right: 12px; }}
#map {{ width: 100%; height: 78vh; background: {sea}; cursor: grab; display: block; }}
.land {{ fill: {land}; stroke: none; fill-rule: evenodd; }}
.coastline {{ fill: none; stroke: {coastc}; stroke-width: {stroke}; pointer-events: none; }}
.cell {{ stroke: #fff; stroke-width: {stroke}; }}
.cell:hover {{ stroke: #000; }}
{styles}
.legend span {{ margin-right: 12px; font-size: 12px; }}
.legend i {{ display: inline-block; width: 12px; height: 12px; margin-right: 4px;
  vertical-align: middle; border: 1px solid #777; }}
#tip {{ position: absolute; display: none; background: #fff; border: 1px solid #999;
  padding: 6px; font-size: 12px; pointer-events: none; }}
footer {{ font-size: 11px; color: #666; padding: 4px 14px; }}
</style>
</head>
<body>
<header><h1>{title}</h1><div class="sub">{subtitle}</div></header>
<div class="bar">
window <select id="win">{options}</select>
levels <select id="scheme"><option value="ours"{ours_sel}>ours (Wilson bound)</option>
<option value="gpsjam"{gpsjam_sel}>GPSJam</option></select>
<button id="reset">reset view</button>
<span class="legend">{legend}</span>
</div>
<svg id="map" class="{scheme}" viewBox="{viewbox}" preserveAspectRatio="xMidYMid meet">
<defs><path id="coast" d="{coast}"/>{defs}</defs>
<use href="#coast" class="land"/>
{layers}
<use href="#coast" class="coastline"/>
</svg>
<div id="tip"></div>
<footer>Wheel to zoom, drag to pan, hover a cell for counts. Land outlines: Natural Earth
(public domain). Generated by skywitness; works offline.</footer>
<script>{script}</script>
</body>
</html>
"""
