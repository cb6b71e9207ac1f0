"""The interference map as one offline HTML page: cells, events, emitters, spoofing.

One self-contained file (inline SVG, styles and script; no URL, no tiles, no
fonts fetched) that shows what an analysis found:

* the H3 cells of :func:`skywitness.gnss.jamming.maps.interference_map`,
  coloured by level (ours or GPSJam's, a switch), one layer per window and,
  with several windows, each cell at its worst level over all of them;
* each interference event's area, its estimated emitter with the 95 % circle
  of its position and its effective range (faint), labelled with its id and
  kind (``jamming`` / ``spoofing``);
* the spoofing findings, exactly the features of
  :func:`skywitness.report.spoofing.spoofing_geojson`: false positions
  (sampled), spoofed places (and circles), the spoofer's reach, centre and
  95 % circle, estimated true paths (dashed);

over Natural Earth land outlines shipped with the package. A headline
sentence says what was found among how many aircraft and over which UTC
range, or "No interference found among N aircraft (start - end UTC)". A
legend says in words what each colour and symbol means and toggles its layer;
a scale bar in km follows the zoom; hovering a feature shows its aircraft
(ICAO address, callsign, times) and clicking pins them in a side panel.
Given a :class:`~skywitness.report.provenance.Provenance`, the footer shows
it and the page carries it as ``<meta name="generator">`` and a JSON block
``<script type="application/json" id="skywitness-provenance">``.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from skywitness.gnss.locate import FRONT_TO_BACK_MAX_DB
from skywitness.report.atomic import write_text
from skywitness.report.basemap import (
    COAST,
    KM_PER_DEG,
    LAND,
    SEA,
    Extent,
    cell_rings,
    circle_ring,
    coastlines_in,
    extent_of_points,
    geometry_points,
)
from skywitness.report.provenance import KEY, Provenance, provenance_json, provenance_line
from skywitness.report.style import (
    CELL_ALPHA,
    EVENT_COLOURS,
    FALSE_COLOUR,
    LEVEL_COLOURS,
    LEVEL_RANK,
    LEVEL_WORDS,
    PATH_COLOUR,
    PLACE_COLOUR,
    REACH_COLOUR,
    SCHEME_LEVELS,
    SCHEME_NOTES,
    WORDS,
    event_colour,
)
from skywitness.report.summary import (
    aircraft_count,
    callsign_map,
    clock_range,
    data_range,
    event_kind,
    found,
    headline,
    human_range,
)

if TYPE_CHECKING:
    from skywitness.gnss.jamming.events import Event
    from skywitness.report.findings import SpoofingFindings
    from skywitness.report.summary import TimeRange

#: Width in pixels the map is laid out for before its script runs; markers
#: are sized for it, then the script sizes them for the real width.
NOMINAL_WIDTH_PX = 1000
#: Aircraft listed in a hover tooltip (the pinned details list all).
TIP_AIRCRAFT = 8
#: Windows listed per cell in the all-windows view (the rest are counted).
MAX_WINDOW_LINES = 24
#: Cell outline width as a share of the map's extent (a hairline at any size).
CELL_STROKE_SHARE = 0.002
#: A marker label's height and a character's width (12-px bold text), pixels,
#: and how many places below and above a label may take to avoid another.
LABEL_STEP_PX = 16
LABEL_CHAR_PX = 7.5
MAX_LABEL_SHIFTS = 7
#: Layers a reader can switch, in drawing order, with their legend keys.
LAYERS = ("cells", "areas", "ranges", "reach", "paths", "emitters", "places", "false")


def render_map_html(
    cells: pa.Table | None,
    path: str | Path,
    *,
    events: Sequence[Event] = (),
    spoofing: SpoofingFindings | None = None,
    aircraft: int | None = None,
    provenance: Provenance | None = None,
    time_range: TimeRange | None = None,
    callsigns: Mapping[str, str] | None = None,
    levels: str = "ours",
    title: str | None = None,
    mode: str | None = None,
) -> Path:
    """Write the map page at ``path`` (atomically); see the module docstring.

    ``cells``: an interference map (or None for spoofing alone); ``events``:
    interference events; ``spoofing``: spoofing findings; ``aircraft``: how
    many aircraft were analysed (for "nothing found among N aircraft");
    ``time_range``: the data's UTC range in ns (else taken from the data);
    ``callsigns``: icao24 -> callsign for the aircraft lists (completed from
    the spoofing states); ``levels``: the scheme shown first; ``mode``: the
    GNSS quality mode the cells were computed with (named among the facts).
    """
    page = map_html(
        cells, events=events, spoofing=spoofing, aircraft=aircraft, provenance=provenance,
        time_range=time_range, callsigns=callsigns, levels=levels, title=title, mode=mode,
    )  # fmt: skip
    return write_text(path, page)


def map_html(
    cells: pa.Table | None,
    *,
    events: Sequence[Event] = (),
    spoofing: SpoofingFindings | None = None,
    aircraft: int | None = None,
    provenance: Provenance | None = None,
    time_range: TimeRange | None = None,
    callsigns: Mapping[str, str] | None = None,
    levels: str = "ours",
    title: str | None = None,
    mode: str | None = None,
) -> str:
    """The page of :func:`render_map_html` as text."""
    from skywitness.report.findings import spoofing_geojson
    from skywitness.report.summary import mode_label, scheme_column

    scheme_column(levels)
    table = cells if cells is not None and cells.num_rows else None
    features = spoofing_geojson(spoofing)["features"] if spoofing is not None else []
    rings = cell_rings(table) if table is not None else []
    pts: list[tuple[float, float]] = [(p[0], p[1]) for c in rings for r in c for p in r]
    for e in events:
        pts += geometry_points(e.polygon)
        if e.emitter is not None:
            em = e.emitter
            pts += [(p[0], p[1]) for p in circle_ring(em.lat, em.lon, em.range_km)]
    for f in features:
        pts += geometry_points(f["geometry"])
    b = _Builder(extent_of_points(pts), callsign_map(callsigns, spoofing))
    if table is not None:
        b.cells(table, rings)
    b.events(events)
    if spoofing is not None:
        b.spoofing(spoofing, features)

    n_aircraft = aircraft_count(aircraft, spoofing)
    span = data_range(
        cells=table, events=events, spoofing=spoofing, time_range=time_range, provenance=provenance
    )
    what = found(table, events, spoofing)
    sentence = headline(what, n_aircraft, span)
    what_kind = "GNSS interference" if spoofing is None else (
        "GNSS spoofing" if table is None and not events else "GNSS interference and spoofing"
    )  # fmt: skip
    heading = title or (what_kind + ("" if span is None else f", {human_range(*span)}"))
    facts = []
    if span is not None:
        facts.append(f"Data: {human_range(*span)}")
    if n_aircraft is not None:
        facts.append(f"{n_aircraft} aircraft analysed")
    if table is not None:
        facts.append(mode_label(table, mode))
    prov_block = meta = prov_footer = ""
    if provenance is not None:
        text = json.dumps(provenance_json(provenance), ensure_ascii=False)
        prov_block = (
            f'<script type="application/json" id="{KEY}-provenance">{_script_safe(text)}</script>'
        )
        meta = f'<meta name="generator" content="skywitness {html.escape(provenance.version)}">'
        prov_footer = f'<div class="prov">{html.escape(provenance_line(provenance))}</div>'
    empty = "" if what.anything else f'<div id="empty">{html.escape(sentence)}</div>'
    vb = b.viewbox()
    return _PAGE.substitute(
        title=html.escape(heading),
        meta=meta,
        found_class="found" if what.anything else "found none",
        found=html.escape(sentence),
        facts=html.escape(" · ".join(facts)),
        controls=b.controls(levels),
        scheme=levels,
        viewbox=" ".join(f"{v:.3f}" for v in vb),
        km_per_unit=f"{KM_PER_DEG:.4f}",
        svg=b.svg(),
        empty=empty,
        legend=b.legend(),
        prov_footer=prov_footer,
        prov_block=prov_block,
        info=_script_safe(json.dumps(b.info, ensure_ascii=False, separators=(",", ":"))),
        styles=_styles(b.cell_stroke),
        script=_SCRIPT,
    )


# -- building the SVG ----------------------------------------------------------------


class _Builder:
    """Accumulates the SVG layers, the details of each feature and the legend."""

    def __init__(self, extent: Extent, callsigns: dict[str, str]) -> None:
        self.extent = extent
        lon0, lon1, lat0, lat1 = extent
        self.kx = max(math.cos(math.radians((lat0 + lat1) / 2)), 0.05)
        self.unit0 = (lon1 - lon0) * self.kx / NOMINAL_WIDTH_PX
        self.cell_stroke = CELL_STROKE_SHARE * max((lon1 - lon0) * self.kx, lat1 - lat0)
        self.callsigns = callsigns
        self.layers: dict[str, list[str]] = {name: [] for name in LAYERS}
        self.markers: list[str] = []
        #: Labels placed so far, as boxes in pixels of the first view.
        self._label_boxes: list[tuple[float, float, float, float]] = []
        self.defs: list[str] = []
        self.info: dict[str, dict[str, Any]] = {}
        self.counts: dict[str, str] = {}
        self.kinds: list[str] = []
        self.windows: list[str] = []
        self.cell_counts: dict[str, dict[str, int]] = {}

    # geometry

    def xy(self, lon: float, lat: float) -> str:
        return f"{lon * self.kx:.3f},{-lat:.3f}"

    def ring_d(self, ring: Sequence[Sequence[float]]) -> str:
        return "M" + "L".join(self.xy(p[0], p[1]) for p in ring) + "Z"

    def line_d(self, line: Sequence[Sequence[float]]) -> str:
        return "M" + "L".join(self.xy(p[0], p[1]) for p in line)

    def dots_d(self, pts: Sequence[Sequence[float]]) -> str:
        return "".join(f"M{self.xy(p[0], p[1])}h0" for p in pts)

    def viewbox(self) -> tuple[float, float, float, float]:
        lon0, lon1, lat0, lat1 = self.extent
        return (lon0 * self.kx, -lat1, (lon1 - lon0) * self.kx, lat1 - lat0)

    def marker(self, layer: str, key: str, lon: float, lat: float, shape: str, label: str) -> None:
        x, y = lon * self.kx, -lat
        dy = self._label_offset(x, y, label) if label else -9
        text = f'<text x="9" y="{dy}">{html.escape(label)}</text>' if label else ""
        self.markers.append(
            f'<g class="mk L-{layer}" data-k="{key}" data-x="{x:.4f}" data-y="{y:.4f}" '
            f'transform="translate({x:.4f} {y:.4f}) scale({self.unit0:.6f})">{shape}{text}</g>'
        )

    def _label_offset(self, x: float, y: float, label: str) -> int:
        """The label's vertical offset (pixels, fixed at every zoom): the first
        of -9, -9 + 16, -9 - 16, -9 + 32, ... whose box, in the first view, overlaps no
        label placed before (markers a few pixels apart, such as two events
        at one place, would print their names over each other)."""
        px, py = x / self.unit0, y / self.unit0
        width = LABEL_CHAR_PX * len(label)
        for k in range(MAX_LABEL_SHIFTS):
            step = (k + 1) // 2 if k % 2 else -(k // 2)  # 0, 1, -1, 2, -2, ...
            dy = -9 + LABEL_STEP_PX * step
            box = (px + 9, py + dy - LABEL_STEP_PX + 4, px + 9 + width, py + dy + 4)
            if not any(
                box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3]
                for b in self._label_boxes
            ):
                self._label_boxes.append(box)
                return dy
        return -9

    def aircraft_rows(self, spans: Mapping[str, tuple[int, int] | None]) -> list[list[str]]:
        return [
            [icao, self.callsigns.get(icao, ""), "" if span is None else clock_range(*span)]
            for icao, span in sorted(spans.items())
        ]

    # cells

    def cells(self, table: pa.Table, rings: list[list[list[list[float]]]]) -> None:
        from skywitness.gnss.jamming.maps import window_tag, windows

        ids: dict[str, str] = {}
        for cell, cell_ring in zip(table["h3"].to_pylist(), rings, strict=True):
            if cell not in ids:
                ids[cell] = f"c{len(ids)}"
                d = "".join(self.ring_d(r) for r in cell_ring)
                self.defs.append(f'<path id="{ids[cell]}" d="{d}"/>')
        parts = windows(table)
        self.windows = [window_tag(p) for p in parts]
        per_cell: dict[str, list[dict[str, Any]]] = {}
        groups = []
        for i, (part, tag) in enumerate(zip(parts, self.windows, strict=True)):
            uses = []
            for row in part.select(_CELL_FIELDS).to_pylist():
                row["w"] = tag
                per_cell.setdefault(row["h3"], []).append(row)
                uses.append(
                    f'<use href="#{ids[row["h3"]]}" class="cell o-{_css(row["level"])} '
                    f'g-{_css(row["level_gpsjam"])}" {_cell_data(row)}/>'
                )
            hidden = "" if i == 0 and len(parts) == 1 else ' style="display:none"'
            groups.append(f'<g class="win" data-w="{i}"{hidden}>{"".join(uses)}</g>')
        if len(parts) > 1:
            groups.insert(0, f'<g class="win" data-w="all">{self._all_windows(per_cell, ids)}</g>')
        self.layers["cells"] = groups
        for scheme, column in (("ours", "level"), ("gpsjam", "level_gpsjam")):
            worst = {c: max((r[column] for r in rows), key=LEVEL_RANK.__getitem__)
                     for c, rows in per_cell.items()}  # fmt: skip
            self.cell_counts[scheme] = {
                lvl: sum(1 for v in worst.values() if v == lvl) for lvl in SCHEME_LEVELS[scheme]
            }

    def _all_windows(self, per_cell: dict[str, list[dict[str, Any]]], ids: dict[str, str]) -> str:
        uses = []
        for n, (cell, rows) in enumerate(per_cell.items()):
            ours = max((r["level"] for r in rows), key=LEVEL_RANK.__getitem__)
            gpsjam = max((r["level_gpsjam"] for r in rows), key=LEVEL_RANK.__getitem__)
            key = f"a{n}"
            bad = [r for r in rows if r["count_bad_aircraft"]]
            lines = [f"worst level over {len(rows)} windows: {ours} (GPSJam: {gpsjam})"]
            for r in bad[:MAX_WINDOW_LINES]:
                lines.append(
                    f"{r['w']}: {r['count_bad_aircraft']} lost GNSS, "
                    f"{r['count_good_aircraft']} kept it -> {r['level']} "
                    f"(GPSJam {r['level_gpsjam']})"
                )
            if len(bad) > MAX_WINDOW_LINES:
                lines.append(f"... {len(bad) - MAX_WINDOW_LINES} more windows with losses")
            quiet = len(rows) - len(bad)
            if quiet:
                lines.append(f"{quiet} windows where no aircraft lost GNSS")
            self.info[key] = {"t": f"Cell {cell}, all windows", "l": lines}
            uses.append(
                f'<use href="#{ids[cell]}" class="agg o-{_css(ours)} g-{_css(gpsjam)}" '
                f'data-k="{key}"/>'
            )
        return "".join(uses)

    # events

    def events(self, events: Sequence[Event]) -> None:
        located = 0
        for i, e in enumerate(events):
            key = f"e{i}"
            kind = event_kind(e)
            self.kinds.append(kind)
            kc = f"k-{_css(kind)}"
            rings = e.polygon.get("coordinates") or []
            if rings:
                self.layers["areas"].append(
                    f'<path class="ea {kc}" data-k="{key}" d="{self.ring_d(rings[0])}"/>'
                )
            spans: dict[str, tuple[int, int] | None] = {a: None for a in e.aircraft}
            for iv in getattr(e, "intervals", None) or []:
                old = spans.get(iv.icao24)
                spans[iv.icao24] = (
                    (iv.start_ns, iv.end_ns) if old is None
                    else (min(old[0], iv.start_ns), max(old[1], iv.end_ns))
                )  # fmt: skip
            lines = [human_range(e.start_ns, e.end_ns), f"{len(e.aircraft)} aircraft lost GNSS"]
            em = e.emitter
            label = f"{e.id} · {kind}"
            if em is not None:
                located += 1
                lines += [
                    f"emitter {_latlon(em.lat, em.lon)}, ± {em.error_km_95:.1f} km (95 %)",
                    f"± {em.error_km_95_any_antenna:.0f} km (95 %) if its antenna is directional "
                    f"(up to {FRONT_TO_BACK_MAX_DB:.0f} dB front to back)",
                    f"effective range {em.range_km:.0f} km "
                    f"(from {em.n_entries} entries, {em.n_exits} exits)",
                ]
                self.layers["ranges"].append(
                    f'<path class="er {kc}" data-k="{key}" '
                    f'd="{self.ring_d(circle_ring(em.lat, em.lon, em.range_km))}"/>'
                )
                any_ring = circle_ring(em.lat, em.lon, em.error_km_95_any_antenna)
                self.layers["emitters"].append(
                    f'<path class="e95 {kc}" data-k="{key}" '
                    f'd="{self.ring_d(circle_ring(em.lat, em.lon, em.error_km_95))}"/>'
                    f'<path class="ed95 {kc}" data-k="{key}" d="{self.ring_d(any_ring)}"/>'
                )
                self.marker("emitters", key, em.lon, em.lat, _cross(kc), label)
            else:
                lines.append("emitter not located (too few aircraft entering the area)")
                if rings:
                    ring = rings[0][:-1] or rings[0]
                    lon = sum(p[0] for p in ring) / len(ring)
                    lat = sum(p[1] for p in ring) / len(ring)
                    self.marker("areas", key, lon, lat, "", label)
            self.info[key] = {
                "t": f"{e.id}: {kind} event",
                "l": lines,
                "a": self.aircraft_rows(spans),
            }
        n = len(events)
        if n:
            self.counts["areas"] = ", ".join(
                f"{self.kinds.count(k)} {k}" for k in sorted(set(self.kinds))
            )
            self.counts["emitters"] = f"{located} located"
            self.counts["ranges"] = str(located)

    # spoofing

    def spoofing(self, result: SpoofingFindings, features: Sequence[dict[str, Any]]) -> None:
        clusters = list(result.clusters)
        intervals = list(result.intervals)
        for j, f in enumerate(features):
            g, props = f["geometry"], f["properties"]
            kind = props["kind"]
            if kind == "spoofed_positions":
                key = f"s{j}"
                self.layers["false"].append(
                    f'<path class="fp" data-k="{key}" d="{self.dots_d(g["coordinates"])}"/>'
                )
                self.info[key] = {
                    "t": f"{props.get('callsign') or props['icao24']}: false positions",
                    "l": [
                        human_range(_ns(props["start"]), _ns(props["end"])),
                        f"detected by: {props['kinds'].replace(',', ', ')}",
                        _quality(props.get("trusted_quality")),
                        f"{len(g['coordinates'])} positions shown (one per 10 s at most)",
                    ],
                    "a": self.aircraft_rows(
                        {props["icao24"]: (_ns(props["start"]), _ns(props["end"]))}
                    ),
                }
            elif kind == "estimated_path":
                key = f"p{j}"
                lines = [g["coordinates"]] if g["type"] == "LineString" else g["coordinates"]
                d = "".join(self.line_d(line) for line in lines)
                self.layers["paths"].append(f'<path class="tp" data-k="{key}" d="{d}"/>')
                self.info[key] = {
                    "t": f"{props.get('callsign') or props['icao24']}: estimated true path",
                    "l": [
                        f"spoofed {human_range(_ns(props['start']), _ns(props['end']))}",
                        f"method: {props['method']}; error up to {props['error_km_max']:.1f} km",
                    ],
                    "a": self.aircraft_rows(
                        {props["icao24"]: (_ns(props["start"]), _ns(props["end"]))}
                    ),
                }
            elif kind in ("attractor", "attractor_circle"):
                i = int(props["cluster"])
                key = f"c{i}"
                if kind == "attractor_circle":
                    d = self.line_d(g["coordinates"])
                    self.layers["places"].append(f'<path class="ac" data-k="{key}" d="{d}"/>')
                    continue
                c = clusters[i]
                shape = (
                    f"point, ± {c.error_km_95:.2f} km (95 %)" if c.pattern == "point"
                    else f"circle of {c.radius_km:.1f} km"
                )  # fmt: skip
                self.info[key] = {
                    "t": f"Spoofed place {i + 1}",
                    "l": [
                        human_range(c.start_ns, c.end_ns),
                        f"{c.n_aircraft} aircraft reported at {_latlon(c.lat, c.lon)} ({shape})",
                        f"held {c.held_s / 60:.0f} aircraft-minutes",
                    ],
                    "a": self.aircraft_rows(_cluster_spans(c, intervals)),
                }
                self.marker("places", key, c.lon, c.lat, _STAR, f"spoofed place {i + 1}")
            elif kind in ("spoofer_area", "spoofer"):
                i = int(props["cluster"])
                key = f"r{i}"
                c = clusters[i]
                area = c.area
                if area is None:
                    continue
                if kind == "spoofer_area":
                    ring = g["coordinates"][0]
                    self.layers["reach"].append(
                        f'<path class="sr" data-k="{key}" d="{self.ring_d(ring)}"/>'
                    )
                    continue
                err = circle_ring(area.lat, area.lon, area.error_km_95)
                self.layers["reach"].append(
                    f'<path class="s95" data-k="{key}" d="{self.ring_d(err)}"/>'
                )
                self.info[key] = {
                    "t": f"Spoofer of place {i + 1} (estimated)",
                    "l": [
                        human_range(c.start_ns, c.end_ns),
                        f"centre {_latlon(area.lat, area.lon)}, ± {area.error_km_95:.0f} km (95 %)",
                        f"± {area.error_km_95_any_antenna:.0f} km (95 %) if its antenna is "
                        "directional",
                        f"reach {area.range_km:.0f} km "
                        f"(from {area.n_entries} captures, {area.n_exits} releases)",
                    ],
                    "a": self.aircraft_rows(_cluster_spans(c, intervals)),
                }
                self.marker("reach", key, area.lon, area.lat, _cross("k-spoofer"), "spoofer")
        n_aircraft = len({iv.icao24 for iv in intervals})
        self.counts["false"] = f"{len(intervals)} intervals, {n_aircraft} aircraft"
        self.counts["places"] = str(len(clusters))
        self.counts["reach"] = f"{sum(1 for c in clusters if c.area is not None)} located"
        self.counts["paths"] = str(len(result.paths))

    # output

    def svg(self) -> str:
        coast = "".join(self.ring_d(r.tolist()) for r in coastlines_in(self.extent))
        body = [
            f'<defs><path id="coast" d="{coast}" vector-effect="non-scaling-stroke"/>'
            f"{''.join(self.defs)}</defs>",
            '<use href="#coast" class="land"/>',
            f'<g class="L-cells">{"".join(self.layers["cells"])}</g>',
            '<use href="#coast" class="coastline"/>',
        ]
        for name in LAYERS[1:]:
            if self.layers[name]:
                body.append(f'<g class="L-{name}">{"".join(self.layers[name])}</g>')
        body.append(f'<g class="markers">{"".join(self.markers)}</g>')
        return "\n".join(body)

    def controls(self, levels: str) -> str:
        if not self.windows:
            return ""
        out = []
        if len(self.windows) > 1:
            options = ['<option value="all">all windows (worst level)</option>'] + [
                f'<option value="{i}">{html.escape(t)}</option>' for i, t in enumerate(self.windows)
            ]
            out.append(f'<label>window <select id="win">{"".join(options)}</select></label>')
        else:
            out.append(f"<span>window {html.escape(self.windows[0])}</span>")
        sel = {s: " selected" if s == levels else "" for s in ("ours", "gpsjam")}
        out.append(
            '<label>levels <select id="scheme">'
            f'<option value="ours"{sel["ours"]}>ours (95 % bounds)</option>'
            f'<option value="gpsjam"{sel["gpsjam"]}>GPSJam</option></select></label>'
        )
        return "".join(out)

    def legend(self) -> str:
        out = []
        if self.windows:
            out.append(_toggle("cells", "", "<b>Cells</b>: share of aircraft that lost GNSS"))
            for scheme in ("ours", "gpsjam"):
                rows = "".join(
                    f'<div class="lv"><i style="background:{LEVEL_COLOURS[lvl]};opacity:'
                    f'{max(CELL_ALPHA[lvl], 0.45)}"></i><b>{html.escape(lvl)}</b> '
                    f"({self.cell_counts[scheme][lvl]}): {html.escape(LEVEL_WORDS[scheme][lvl])}</div>"
                    for lvl in SCHEME_LEVELS[scheme]
                )
                note = f'<div class="lv note">{html.escape(SCHEME_NOTES[scheme])}</div>'
                out.append(f'<div class="lg-{scheme}">{rows}{note}</div>')
        kinds = sorted(set(self.kinds)) or ["jamming"]
        colour = event_colour(kinds[0]) if len(kinds) == 1 else "#333333"
        swatches = {
            "areas": _swatch_area(colour),
            "emitters": _swatch_emitter(colour),
            "ranges": _swatch_range(colour),
            "false": _swatch_dots(),
            "places": _swatch_star(),
            "reach": _swatch_reach(),
            "paths": _swatch_path(),
        }
        for name in ("areas", "emitters", "ranges", "false", "places", "reach", "paths"):
            if name in self.counts:
                count = html.escape(self.counts[name])
                if name == "areas" and len(kinds) > 1:  # the counts in the kinds' colours
                    count = ", ".join(
                        f'<span style="color:{event_colour(k)}">{self.kinds.count(k)} '
                        f"{html.escape(k)}</span>"
                        for k in kinds
                    )
                label = f"{WORDS[name]} <span class=n>({count})</span>"
                out.append(_toggle(name, swatches[name], label))
        if not out:
            out.append("<p>Nothing to draw.</p>")
        return "\n".join(out)


# -- small helpers -------------------------------------------------------------------

_CELL_FIELDS = [
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


def _cell_data(row: dict[str, Any]) -> str:
    values = {
        "h3": row["h3"], "w": row["w"], "good": row["count_good_aircraft"],
        "bad": row["count_bad_aircraft"], "unk": row["count_unknown_aircraft"],
        "score": _pct(row["score"]), "upper": _pct(row["score_upper"]),
        "gscore": _pct(row["score_gpsjam"]), "o": row["level"], "g": row["level_gpsjam"],
    }  # fmt: skip
    return " ".join(f'data-{k}="{html.escape(str(v))}"' for k, v in values.items())


def _pct(v: Any) -> str:
    return f"{100 * v:.1f} %" if isinstance(v, float) and math.isfinite(v) else "-"


def _css(name: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in name)


def _ns(iso: str) -> int:
    from skywitness.model.time import parse_time

    ns = parse_time(iso)
    return 0 if ns is None else ns


def _latlon(lat: float, lon: float) -> str:
    return f"{abs(lat):.4f}° {'N' if lat >= 0 else 'S'}, {abs(lon):.4f}° {'E' if lon >= 0 else 'W'}"


def _quality(trusted: Any) -> str:
    if trusted is True:
        return "its GNSS quality fields still said good"
    if trusted is False:
        return "its GNSS quality fields said degraded"
    return "it sent no GNSS quality fields"


def _cluster_spans(c: Any, intervals: Sequence[Any]) -> dict[str, tuple[int, int] | None]:
    """Each aircraft of a spoofed place with the time of its intervals there."""
    spans: dict[str, tuple[int, int] | None] = {a: None for a in c.aircraft}
    for iv in intervals:
        if iv.icao24 in spans and iv.start_ns <= c.end_ns and iv.end_ns >= c.start_ns:
            old = spans[iv.icao24]
            spans[iv.icao24] = (
                (iv.start_ns, iv.end_ns) if old is None
                else (min(old[0], iv.start_ns), max(old[1], iv.end_ns))
            )  # fmt: skip
    return spans


def _script_safe(text: str) -> str:
    """JSON text safe inside a ``<script>`` element (no ``</script>``, no ``<!--``)."""
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _cross(kc: str) -> str:
    d = "M-6,-6L6,6M-6,6L6,-6"
    return f'<path class="halo" d="{d}"/><path class="x {kc}" d="{d}"/>'


def _star_points(outer: float = 10.0, inner: float = 4.2) -> str:
    pts = []
    for k in range(10):
        r = outer if k % 2 == 0 else inner
        a = math.pi / 5 * k - math.pi / 2
        pts.append(f"{r * math.cos(a):.1f},{r * math.sin(a):.1f}")
    return " ".join(pts)


_STAR = f'<polygon class="star" points="{_star_points()}"/>'


def _toggle(layer: str, swatch: str, label: str) -> str:
    return (
        f'<label class="lg"><input type="checkbox" data-layer="{layer}" checked>'
        f"{swatch}<span>{label}</span></label>"
    )


def _svg_swatch(inner: str) -> str:
    return f'<svg class="sw" width="26" height="16" viewBox="-13 -8 26 16">{inner}</svg>'


def _swatch_area(colour: str) -> str:
    return _svg_swatch(
        f'<path d="M-11,5L-7,-6L9,-5L11,6Z" fill="{colour}" fill-opacity=".12" '
        f'stroke="{colour}" stroke-width="2"/>'
    )


def _swatch_emitter(colour: str) -> str:
    return _svg_swatch(
        f'<circle r="6" fill="{colour}" fill-opacity=".3" stroke="{colour}"/>'
        f'<path d="M-4,-4L4,4M-4,4L4,-4" stroke="{colour}" stroke-width="2.2"/>'
        f'<circle r="9" fill="none" stroke="{colour}" stroke-dasharray="1 2.5"/>'
    )


def _swatch_range(colour: str) -> str:
    return _svg_swatch(
        f'<circle r="7" fill="{colour}" fill-opacity=".05" stroke="{colour}" '
        'stroke-dasharray="2 3" stroke-width="1.3"/>'
    )


def _swatch_dots() -> str:
    dots = "".join(f'<circle cx="{x}" cy="{y}" r="2"/>' for x, y in ((-8, 3), (-2, -3), (5, 2)))
    return _svg_swatch(f'<g fill="{FALSE_COLOUR}">{dots}</g>')


def _swatch_star() -> str:
    return _svg_swatch(
        f'<polygon points="{_star_points(7.5, 3.2)}" fill="{PLACE_COLOUR}" stroke="#fff"/>'
    )


def _swatch_reach() -> str:
    return _svg_swatch(
        f'<circle r="7" fill="{REACH_COLOUR}" fill-opacity=".25" stroke="{REACH_COLOUR}"/>'
        f'<path d="M-3,-3L3,3M-3,3L3,-3" stroke="#000" stroke-width="2"/>'
    )


def _swatch_path() -> str:
    return _svg_swatch(
        f'<path d="M-12,4L12,-4" stroke="{PATH_COLOUR}" stroke-width="1.6" stroke-dasharray="5 3"/>'
    )


def _styles(cell_stroke: float) -> str:
    levels = "\n".join(
        f".ours .o-{_css(lvl)},.gpsjam .g-{_css(lvl)}"
        f"{{fill:{colour};fill-opacity:{CELL_ALPHA[lvl]}}}"
        for lvl, colour in LEVEL_COLOURS.items()
    )
    kinds = "\n".join(
        f".k-{_css(k)}{{fill:{c};stroke:{c}}}"
        for k, c in {**EVENT_COLOURS, "spoofer": REACH_COLOUR}.items()
    )
    hide = "\n".join(f"#map.hide-{name} .L-{name}{{display:none}}" for name in LAYERS)
    return _STYLE.substitute(
        sea=SEA, land=LAND, coast=COAST, false=FALSE_COLOUR, path=PATH_COLOUR,
        place=PLACE_COLOUR, reach=REACH_COLOUR, cell_stroke=f"{cell_stroke:.4f}",
        default_kind=event_colour(""),
    ) + "\n".join(("", levels, kinds, hide))  # fmt: skip


_STYLE = Template("""
* { box-sizing: border-box; }
html, body { height: 100%; }
body { font: 13px/1.35 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0;
  background: #fafafa; color: #222; display: flex; flex-direction: column; }
header { padding: 8px 14px 2px; }
h1 { font-size: 18px; margin: 0 0 3px; }
.found { font-size: 14px; font-weight: 600; margin: 0 0 2px; color: #7a1010; }
.found.none { color: #2d6a2e; }
.facts { font-size: 12px; color: #555; }
.bar { padding: 4px 14px 6px; font-size: 13px; display: flex; gap: 16px; align-items: center;
  flex-wrap: wrap; }
.bar .help { color: #777; font-size: 12px; }
main { display: flex; flex: 1 1 auto; min-height: 360px;
  border-top: 1px solid #ddd; border-bottom: 1px solid #ddd; }
#mapwrap { position: relative; flex: 1 1 auto; min-width: 0; }
#map { width: 100%; height: 100%; background: $sea; cursor: grab; display: block; }
aside { flex: 0 0 360px; overflow-y: auto; padding: 4px 12px 8px; background: #fff;
  border-left: 1px solid #ddd; font-size: 12px; }
aside h2 { font-size: 13px; margin: 8px 0 4px; }
.lg { display: flex; align-items: flex-start; gap: 6px; margin: 5px 0 2px; cursor: pointer; }
.lg input { margin: 2px 0 0; }
.lg .sw { flex: 0 0 26px; }
.lg .n { color: #666; }
.lv { margin: 1px 0 1px 22px; }
.lv i { display: inline-block; width: 12px; height: 12px; margin-right: 5px;
  vertical-align: -2px; border: 1px solid #777; }
.note { color: #666; font-size: 11px; margin-top: 3px; }
#details { font-size: 12px; }
#details .hint { color: #777; }
#tip { position: fixed; display: none; background: #fff; border: 1px solid #999;
  padding: 6px 8px; font-size: 12px; pointer-events: none; max-width: 420px; z-index: 10;
  box-shadow: 0 1px 5px rgba(0,0,0,.2); }
.ah { margin-top: 4px; color: #555; }
td { padding: 0 10px 0 0; font: 11px ui-monospace, Menlo, Consolas, monospace; white-space: nowrap; }
#scale { position: absolute; left: 12px; bottom: 12px; background: rgba(255,255,255,.85);
  padding: 3px 6px 2px; font-size: 11px; pointer-events: none; }
#scalebar { height: 7px; border: 2px solid #222; border-top: none; }
#empty { position: absolute; left: 50%; top: 42%; transform: translate(-50%, -50%);
  background: rgba(255,255,255,.95); border: 1px solid #888; border-radius: 3px;
  padding: 14px 20px; font-size: 17px; max-width: 70%; text-align: center;
  pointer-events: none; }
footer { font-size: 11px; color: #666; padding: 4px 14px 10px; }
.prov { font-family: ui-monospace, Menlo, Consolas, monospace; color: #444;
  overflow-wrap: anywhere; margin-bottom: 2px; }
.land { fill: $land; stroke: none; fill-rule: evenodd; }
.coastline { fill: none; stroke: $coast; stroke-width: 0.8px; pointer-events: none; }
.cell, .agg { stroke: #fff; stroke-width: $cell_stroke; }
.cell:hover, .agg:hover { stroke: #000; }
.ea, .er, .e95, .ed95, .fp, .tp, .sr, .s95, .ac, .mk * { vector-effect: non-scaling-stroke; }
.ea { stroke-width: 2.2px; fill-opacity: .07; pointer-events: visibleStroke; }
.er { fill-opacity: .04; stroke-width: 1.6px; stroke-dasharray: 6 4; stroke-opacity: .8;
  pointer-events: visibleStroke; }
.e95 { fill-opacity: .3; stroke-width: 1.5px; }
path.ed95 { fill: none; stroke-width: 1.4px; stroke-dasharray: 1 3; stroke-linecap: round;
  pointer-events: visibleStroke; }
.fp { fill: none; stroke: $false; stroke-width: 4.5px; stroke-linecap: round; stroke-opacity: .7; }
.tp { fill: none; stroke: $path; stroke-width: 1.6px; stroke-dasharray: 6 4; }
.sr { fill: $reach; fill-opacity: .12; stroke: $reach; stroke-width: 1.3px;
  pointer-events: visibleStroke; }
.s95 { fill: none; stroke: $reach; stroke-width: 1.6px; }
.ac { fill: none; stroke: $place; stroke-width: 1.6px; }
.fp:hover, .tp:hover { stroke-width: 3px; }
.mk { cursor: pointer; }
.mk text { font-size: 12px; font-weight: 700; fill: #222; paint-order: stroke;
  stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
.mk .halo { fill: none; stroke: #fff; stroke-width: 5.5px; }
.mk .x { fill: none; stroke-width: 2.6px; }
.mk .star { fill: $place; stroke: #fff; stroke-width: 1.2px; }
body[data-scheme=ours] .lg-gpsjam, body[data-scheme=gpsjam] .lg-ours { display: none; }
""")

_SCRIPT = """
(function () {
  'use strict';
  var svg = document.getElementById('map');
  var vb = svg.getAttribute('viewBox').split(' ').map(Number);
  var home = vb.slice();
  var KM = Number(svg.getAttribute('data-km-per-unit'));
  var info = JSON.parse(document.getElementById('info').textContent);
  var tip = document.getElementById('tip');
  var details = document.getElementById('details');
  var marks = svg.querySelectorAll('.mk');
  function unitsPerPixel() {
    var m = svg.getScreenCTM();
    return m && m.a ? 1 / m.a : vb[2] / Math.max(svg.clientWidth, 1);
  }
  function niceKm(km) {
    var p = Math.pow(10, Math.floor(Math.log(km) / Math.LN10));
    var steps = [5, 2, 1];
    for (var i = 0; i < steps.length; i++) { if (steps[i] * p <= km) { return steps[i] * p; } }
    return p;
  }
  function redraw() {
    svg.setAttribute('viewBox', vb.join(' '));
    var u = unitsPerPixel();
    for (var i = 0; i < marks.length; i++) {
      var d = marks[i].dataset;
      marks[i].setAttribute('transform', 'translate(' + d.x + ' ' + d.y + ') scale(' + u + ')');
    }
    var kmPerPx = u * KM;
    var km = niceKm(kmPerPx * 120);
    document.getElementById('scalebar').style.width = Math.round(km / kmPerPx) + 'px';
    document.getElementById('scalelabel').textContent =
      (km >= 1 ? String(km) : km.toPrecision(1)) + ' km';
  }
  function svgPoint(e) {
    var p = svg.createSVGPoint();
    p.x = e.clientX; p.y = e.clientY;
    return p.matrixTransform(svg.getScreenCTM().inverse());
  }
  svg.addEventListener('wheel', function (e) {
    e.preventDefault();
    var p = svgPoint(e);
    var k = e.deltaY < 0 ? 0.8 : 1.25;
    vb = [p.x - (p.x - vb[0]) * k, p.y - (p.y - vb[1]) * k, vb[2] * k, vb[3] * k];
    redraw();
  }, {passive: false});
  var drag = null, moved = false;
  svg.addEventListener('mousedown', function (e) {
    drag = [e.clientX, e.clientY, vb[0], vb[1], unitsPerPixel()]; moved = false;
  });
  window.addEventListener('mouseup', function () { drag = null; });
  window.addEventListener('mousemove', function (e) {
    if (!drag) { return; }
    var dx = e.clientX - drag[0], dy = e.clientY - drag[1];
    if (Math.abs(dx) + Math.abs(dy) > 3) { moved = true; }
    vb[0] = drag[2] - dx * drag[4];
    vb[1] = drag[3] - dy * drag[4];
    redraw();
  });
  window.addEventListener('resize', redraw);
  document.getElementById('reset').addEventListener('click', function () {
    vb = home.slice(); redraw();
  });
  var win = document.getElementById('win');
  function showWindow() {
    var wins = svg.querySelectorAll('g.win');
    var want = win ? win.value : '0';
    for (var i = 0; i < wins.length; i++) {
      wins[i].style.display = wins[i].getAttribute('data-w') === want ? '' : 'none';
    }
  }
  if (win) { win.addEventListener('change', showWindow); showWindow(); }
  var scheme = document.getElementById('scheme');
  if (scheme) {
    scheme.addEventListener('change', function () {
      svg.classList.remove('ours', 'gpsjam');
      svg.classList.add(scheme.value);
      document.body.setAttribute('data-scheme', scheme.value);
    });
  }
  var boxes = document.querySelectorAll('input[data-layer]');
  for (var b = 0; b < boxes.length; b++) {
    boxes[b].addEventListener('change', function (e) {
      svg.classList.toggle('hide-' + e.target.getAttribute('data-layer'), !e.target.checked);
    });
  }
  function cellInfo(d) {
    return {t: 'Cell ' + d.h3 + ', ' + d.w, l: [
      d.bad + ' aircraft lost GNSS, ' + d.good + ' kept it, ' + d.unk + ' sent no GNSS quality',
      'our level: ' + d.o + ' (share that lost GNSS: at least ' + d.score + ', at most ' +
        d.upper + ')',
      'GPSJam level: ' + d.g + ' (score ' + d.gscore + ')']};
  }
  function infoOf(t) {
    var el = t && t.closest ? t.closest('[data-k],[data-h3]') : null;
    if (!el) { return null; }
    var k = el.getAttribute('data-k');
    if (k) { return info[k] || null; }
    return cellInfo(el.dataset);
  }
  function add(parent, tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined) { node.textContent = text; }
    if (cls) { node.className = cls; }
    parent.appendChild(node);
    return node;
  }
  function fill(target, item, max) {
    while (target.firstChild) { target.removeChild(target.firstChild); }
    add(target, 'b', item.t);
    (item.l || []).forEach(function (line) { add(target, 'div', line); });
    var rows = item.a || [];
    if (!rows.length) { return; }
    add(target, 'div', 'aircraft: ICAO address, callsign, time (UTC)', 'ah');
    var table = add(target, 'table');
    rows.slice(0, max).forEach(function (row) {
      var tr = add(table, 'tr');
      row.forEach(function (cell) { add(tr, 'td', cell); });
    });
    if (rows.length > max) {
      add(target, 'div', '... and ' + (rows.length - max) + ' more: click to list all', 'ah');
    }
  }
  svg.addEventListener('mousemove', function (e) {
    var item = drag ? null : infoOf(e.target);
    if (!item) { tip.style.display = 'none'; return; }
    fill(tip, item, TIP_AIRCRAFT);
    tip.style.display = 'block';
    var x = e.clientX + 14, y = e.clientY + 14;
    if (x + tip.offsetWidth > window.innerWidth - 4) { x = e.clientX - tip.offsetWidth - 14; }
    if (y + tip.offsetHeight > window.innerHeight - 4) { y = e.clientY - tip.offsetHeight - 14; }
    tip.style.left = Math.max(x, 4) + 'px';
    tip.style.top = Math.max(y, 4) + 'px';
  });
  svg.addEventListener('mouseleave', function () { tip.style.display = 'none'; });
  svg.addEventListener('click', function (e) {
    if (moved) { return; }
    var item = infoOf(e.target);
    if (item) { fill(details, item, 100000); }
  });
  redraw();
})();
""".replace("TIP_AIRCRAFT", str(TIP_AIRCRAFT))

_PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
$meta
<title>$title</title>
<style>$styles</style>
</head>
<body data-scheme="$scheme">
<header>
<h1>$title</h1>
<p class="$found_class">$found</p>
<div class="facts">$facts</div>
</header>
<div class="bar">$controls<button id="reset" type="button">reset view</button>
<span class="help">Wheel: zoom · drag: pan · hover a feature for its aircraft, click to keep them</span></div>
<main>
<div id="mapwrap">
<svg id="map" class="$scheme" viewBox="$viewbox" preserveAspectRatio="xMidYMid meet"
 data-km-per-unit="$km_per_unit">
$svg
</svg>
$empty
<div id="scale"><div id="scalebar"></div><span id="scalelabel"></span></div>
</div>
<aside>
<h2>Legend (tick to show)</h2>
$legend
<h2>Details</h2>
<div id="details"><span class="hint">Click a cell, an event, an emitter or a spoofing
feature to list its aircraft and times here.</span></div>
</aside>
</main>
<div id="tip"></div>
<footer>
$prov_footer
<div>Land outlines: Natural Earth (public domain). Made by skywitness; this file works
offline and loads nothing from the network.</div>
</footer>
$prov_block
<script type="application/json" id="info">$info</script>
<script>$script</script>
</body>
</html>
""")
