"""One flight's values against time as inline SVG: altitude, speeds, vertical rate, GNSS quality.

Each panel is one ``<svg>`` on a shared time axis (UTC), drawn in Python: no
plotting library, no script, nothing fetched. What the panels show:

* a line per field, broken where no value came for :data:`LINE_GAP_S`, thinned
  for drawing to the first, lowest, highest and last value of each pixel
  column (:func:`thin_indices`: the shape, oscillations included, survives;
  the full series stays in the flight's JSON, not in the page);
* the values rejected as impossible (``rejected`` with its ``rule``) as red
  crosses, never joined to the line; one outside the axis (set by the values
  kept) is drawn at the panel's edge as a triangle pointing where it lies;
* the flight's events as numbered vertical lines (the numbers of the event
  table and the map), and stretches (no trusted position, oscillation) as
  shaded bands.

Only :func:`time_plots` is meant for callers; it returns an HTML fragment.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from skywitness.model.units import NS_PER_S

Float = NDArray[np.float64]
Int = NDArray[np.int64]

#: Width of every panel in CSS pixels (the page's content width; the SVG
#: scales down with the window).
PLOT_WIDTH_PX = 1300
#: Height of one panel, and its margins: left for the value labels, top for
#: the event numbers, bottom for the time labels (layout: modelling choice).
PANEL_HEIGHT_PX = 180
MARGIN_LEFT_PX = 64
MARGIN_RIGHT_PX = 14
MARGIN_TOP_PX = 22
MARGIN_BOTTOM_PX = 24
#: A line is not drawn across a stretch this long without a value: two
#: minutes is longer than any receiver's update interval in the recordings we
#: read (readsb traces and hist snapshots: under 30 s; OpenSky state vectors:
#: 10 s) yet shorter than an approach (modelling choice).
LINE_GAP_S = 120.0
#: The event strip above the panels: one row of numbered circles per this
#: many pixels, a label needing this much room on its row (layout: modelling choice).
STRIP_ROW_PX = 19
LABEL_GAP_PX = 4
#: Height of a band drawn as a bar along the bottom of a panel (stretches that
#: are not about positions: oscillation, holding).
BAR_PX = 7
#: Pixel columns one value's drawn thinning keeps per column: first, lowest,
#: highest, last (the "M4" aggregation, Jugel et al. 2014, VLDB: a line drawn
#: from these four is pixel-identical to the full line).
M4_PER_COLUMN = 4
#: Headroom above and below the values kept, as a share of their range
#: (modelling choice: a line never touches the frame).
Y_PAD_SHARE = 0.06
#: Time tick steps tried, in seconds (the first giving at most
#: :data:`MAX_TIME_TICKS` ticks is used).
TIME_STEPS_S = (60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)
MAX_TIME_TICKS = 14
#: Value ticks per panel at most (nice steps 1, 2, 2.5, 5 x 10^k).
MAX_VALUE_TICKS = 6
#: Rejected values drawn per field at most (the rest are counted).
MAX_REJECTED_MARKS = 400

#: Colours of the fields (ColorBrewer Dark2, colour-blind safe for three).
FIELD_COLOURS = {
    "alt_baro_ft": "#1f4e9c",
    "gs_kt": "#1b9e77",
    "tas_kt": "#d95f02",
    "ias_kt": "#7570b3",
    "vrate_fpm": "#1f4e9c",
    "nic": "#1b9e77",
    "nac_p": "#d95f02",
}
REJECTED_COLOUR = "#d7191c"

#: Panels: title, fields drawn (column, label), whether values are integers
#: drawn as steps (quality indicators), and a fixed value range (None: from the data).
PANELS: tuple[tuple[str, tuple[tuple[str, str], ...], bool, tuple[float, float] | None], ...] = (
    ("Altitude (ft, barometric)", (("alt_baro_ft", "altitude"),), False, None),
    (
        "Speed (kt)",
        (("gs_kt", "ground speed"), ("tas_kt", "true airspeed"), ("ias_kt", "indicated airspeed")),
        False,
        None,
    ),
    ("Vertical rate (ft/min)", (("vrate_fpm", "vertical rate"),), False, None),
    (
        "GNSS quality (NIC, NACp; 0 = no usable position)",
        (("nic", "NIC (integrity)"), ("nac_p", "NACp (accuracy)")),
        True,
        (0.0, 11.0),
    ),
)
#: The least value range a panel spans, by its first field: a level flight's
#: altitude does not fill the panel with its 25 ft steps (about the smallest
#: change that matters to a reader: modelling choice).
MIN_SPAN = {"alt_baro_ft": 2000.0, "gs_kt": 100.0, "vrate_fpm": 2000.0}
#: Which plotted field a rejection rule names, by the rule's prefix (the
#: envelope's rules: alt_*, speed_* on ground speed, vrate_*, track_*); a
#: rejected report whose rule names no plotted field is marked in every panel.
RULE_FIELDS = {
    "alt": ("alt_baro_ft",),
    "speed": ("gs_kt",),
    "gs": ("gs_kt",),
    "tas": ("tas_kt",),
    "ias": ("ias_kt",),
    "vrate": ("vrate_fpm",),
    "track": (),
    "nic": ("nic",),
    "nac": ("nac_p",),
}


@dataclass(frozen=True)
class Mark:
    """An event on the time axis: its number (``label``), colour and hover text."""

    time_ns: int
    label: str
    colour: str
    title: str


@dataclass(frozen=True)
class Band:
    """A stretch shown on every panel (``label`` in the legend and on hover): shaded
    over the panel's height when ``full``, else a bar along its bottom edge."""

    start_ns: int
    end_ns: int
    label: str
    colour: str
    full: bool = True


# -- data -----------------------------------------------------------------------------------


def _times_ns(series: pa.Table) -> Int:
    col = series["time"]
    if pa.types.is_timestamp(col.type):
        col = col.cast(pa.timestamp("ns", tz="UTC")).cast(pa.int64())
    return np.asarray(col.fill_null(0).to_numpy(zero_copy_only=False), dtype=np.int64)


def _values(series: pa.Table, name: str) -> Float:
    if name not in series.column_names:
        return np.full(series.num_rows, np.nan)
    col = pc.cast(series[name], pa.float64())
    return np.asarray(col.to_numpy(zero_copy_only=False), dtype=np.float64)


def rejected_fields(series: pa.Table) -> dict[str, NDArray[np.bool_]]:
    """Per plotted field, the reports whose value of it was rejected (see :data:`RULE_FIELDS`)."""
    n = series.num_rows
    fields = [f for _, cols, _, _ in PANELS for f, _ in cols]
    out = {f: np.zeros(n, dtype=bool) for f in fields}
    if "rejected" not in series.column_names:
        return out
    flags = np.asarray(series["rejected"].fill_null(False).to_numpy(zero_copy_only=False), bool)
    rules = (
        series["rule"].to_pylist() if "rule" in series.column_names else [None] * n
    )  # fmt: skip
    for i in np.flatnonzero(flags):
        named: set[str] = set()
        known = False
        for rule in str(rules[i] or "").split(","):
            prefix = rule.strip().split("_")[0]
            if prefix in RULE_FIELDS:
                known = True
                named.update(RULE_FIELDS[prefix])
        for f in named if known else fields:
            out[f][i] = True
    return out


def thin_indices(t: Float, y: Float, columns: Float) -> Int:
    """Indices of the values to draw: per pixel column (``columns``, one per
    value, non-decreasing), the first, lowest, highest and last (M4)."""
    n = t.shape[0]
    if n <= M4_PER_COLUMN:
        return np.arange(n, dtype=np.int64)
    col = np.floor(columns).astype(np.int64)
    starts = np.flatnonzero(np.r_[True, col[1:] != col[:-1]])
    ends = np.r_[starts[1:], n] - 1
    order = np.lexsort((y, col))  # within a column, lowest value first
    keep = np.concatenate([starts, ends, order[starts], order[ends]])
    return np.unique(keep)


# -- geometry -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Axes:
    t0_ns: int
    t1_ns: int
    width: float
    height: float

    @property
    def inner_w(self) -> float:
        return self.width - MARGIN_LEFT_PX - MARGIN_RIGHT_PX

    @property
    def inner_h(self) -> float:
        return self.height - MARGIN_TOP_PX - MARGIN_BOTTOM_PX

    def x(self, t_ns: Float | Int | float) -> Float:
        span = max(self.t1_ns - self.t0_ns, 1)
        return np.asarray(
            MARGIN_LEFT_PX + (np.asarray(t_ns, np.float64) - self.t0_ns) / span * self.inner_w
        )


def _nice_step(span: float, max_ticks: int) -> float:
    raw = span / max(max_ticks - 1, 1)
    if raw <= 0 or not math.isfinite(raw):
        return 1.0
    p = 10.0 ** math.floor(math.log10(raw))
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        if m * p >= raw:
            return m * p
    return 10.0 * p


def _value_range(
    y: Float, fixed: tuple[float, float] | None, min_span: float = 1.0
) -> tuple[float, float]:
    if fixed is not None:
        return fixed
    ok = y[np.isfinite(y)]
    if ok.size == 0:
        return (0.0, 1.0)
    lo, hi = float(ok.min()), float(ok.max())
    if hi - lo < min_span:
        mid = (hi + lo) / 2
        lo, hi = mid - min_span / 2, mid + min_span / 2
    pad = (hi - lo) * Y_PAD_SHARE
    return (lo - pad, hi + pad)


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 10 or v == int(v) else f"{v:g}"


def _clock(ns: int, with_seconds: bool = False) -> str:
    dt = datetime.fromtimestamp(ns // NS_PER_S, UTC)
    return dt.strftime("%H:%M:%S" if with_seconds else "%H:%M")


def time_ticks(t0_ns: int, t1_ns: int) -> list[int]:
    """Round UTC times between ``t0_ns`` and ``t1_ns`` (at most :data:`MAX_TIME_TICKS`)."""
    span_s = max((t1_ns - t0_ns) / NS_PER_S, 1.0)
    step = next((s for s in TIME_STEPS_S if span_s / s <= MAX_TIME_TICKS), TIME_STEPS_S[-1])
    step_ns = step * NS_PER_S
    first = -(-t0_ns // step_ns) * step_ns
    return list(range(first, t1_ns + 1, step_ns))


# -- drawing --------------------------------------------------------------------------------


def _line_path(x: Float, y: Float, t: Int) -> str:
    """``M..L..`` through the points, broken at gaps over :data:`LINE_GAP_S`."""
    if x.size == 0:
        return ""
    breaks = np.r_[True, np.diff(t) > LINE_GAP_S * NS_PER_S]
    parts = [
        f"{'M' if b else 'L'}{xi:.1f},{yi:.1f}" for b, xi, yi in zip(breaks, x, y, strict=True)
    ]
    return "".join(parts)


def _step_path(x: Float, y: Float, t: Int) -> str:
    """A step line (the value holds until the next one), broken at long gaps."""
    if x.size == 0:
        return ""
    breaks = np.r_[True, np.diff(t) > LINE_GAP_S * NS_PER_S]
    out = []
    for i in range(x.size):
        if breaks[i]:
            out.append(f"M{x[i]:.1f},{y[i]:.1f}")
        else:
            out.append(f"H{x[i]:.1f}V{y[i]:.1f}")
    return "".join(out)


def _panel(
    ax: _Axes,
    title: str,
    fields: Sequence[tuple[str, str]],
    steps: bool,
    fixed: tuple[float, float] | None,
    t: Int,
    data: dict[str, Float],
    rejected: dict[str, NDArray[np.bool_]],
    marks: Sequence[Mark],
    bands: Sequence[Band],
) -> str:
    kept = {f: np.where(rejected[f], np.nan, data[f]) for f, _ in fields}
    lo, hi = _value_range(
        np.concatenate([kept[f] for f, _ in fields]), fixed, MIN_SPAN.get(fields[0][0], 1.0)
    )
    top, bottom = MARGIN_TOP_PX, MARGIN_TOP_PX + ax.inner_h
    left, right = MARGIN_LEFT_PX, MARGIN_LEFT_PX + ax.inner_w

    def yv(v: Float) -> Float:
        return np.asarray(bottom - (v - lo) / (hi - lo) * ax.inner_h)

    out = [
        f'<svg class="plot" viewBox="0 0 {ax.width:.0f} {ax.height:.0f}" '
        f'role="img" aria-label="{html.escape(title)}">'
    ]
    # bands, frame, grid
    bars = list(dict.fromkeys(b.label for b in bands if not b.full))
    for b in bands:
        x0, x1 = ax.x(max(b.start_ns, ax.t0_ns)), ax.x(min(b.end_ns, ax.t1_ns))
        if x1 <= x0:
            continue
        y0, h = (top, ax.inner_h) if b.full else (
            bottom - BAR_PX * (bars.index(b.label) + 1), BAR_PX
        )  # fmt: skip
        out.append(
            f'<rect class="{"pband" if b.full else "pbar"}" x="{x0:.1f}" y="{y0:.1f}" '
            f'width="{x1 - x0:.1f}" height="{h:.1f}" fill="{b.colour}">'
            f"<title>{html.escape(b.label)} {_clock(b.start_ns, True)} \u2013 "
            f"{_clock(b.end_ns, True)} UTC</title></rect>"
        )
    step = _nice_step(hi - lo, MAX_VALUE_TICKS) if fixed is None else (1.0 if steps else 2.0)
    v = math.ceil(lo / step) * step
    while v <= hi + 1e-9:
        y = float(yv(np.asarray(v)))
        out.append(f'<line class="grid" x1="{left}" x2="{right:.0f}" y1="{y:.1f}" y2="{y:.1f}"/>')
        if not (steps and v % 2):
            out.append(f'<text class="yl" x="{left - 5}" y="{y + 4:.1f}">{_fmt(v)}</text>')
        v += step
    for tick in time_ticks(ax.t0_ns, ax.t1_ns):
        x = float(ax.x(tick))
        out.append(f'<line class="grid" x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{bottom:.0f}"/>')
        label = _clock(tick)
        if label == "00:00":  # a new day: say which
            label = datetime.fromtimestamp(tick // NS_PER_S, UTC).strftime("%d %b").lstrip("0")
        out.append(f'<text class="xl" x="{x:.1f}" y="{bottom + 15:.0f}">{label}</text>')
    out.append(
        f'<rect class="frame" x="{left}" y="{top}" width="{ax.inner_w:.0f}" '
        f'height="{ax.inner_h:.0f}"/>'
    )
    out.append(f'<text class="pt" x="{left}" y="{top - 6}">{html.escape(title)}</text>')
    if len(fields) > 1:  # the fields' names in their colours, top right
        names = [(f, label) for f, label in fields if np.isfinite(data[f]).any()]
        x = right - 6
        for f, label in reversed(names):
            out.append(
                f'<text class="fl" x="{x:.0f}" y="{top - 6}" fill="{FIELD_COLOURS[f]}">'
                f"\u2014 {html.escape(label)}</text>"
            )
            x -= 24 + 7.5 * len(label)
    # lines
    px = ax.x(t)
    for f, _label in fields:
        values = kept[f]
        ok = np.isfinite(values) & (t >= ax.t0_ns) & (t <= ax.t1_ns)
        if not ok.any():
            continue
        idx = np.flatnonzero(ok)
        sel = idx[thin_indices(px[idx], values[idx], px[idx])]
        d = (_step_path if steps else _line_path)(px[sel], yv(values[sel]), t[sel])
        out.append(f'<path class="ln" stroke="{FIELD_COLOURS[f]}" d="{d}"/>')
    # rejected values
    for f, label in fields:
        bad = np.flatnonzero(rejected[f] & np.isfinite(data[f]))
        for i in bad[:MAX_REJECTED_MARKS]:
            value = float(data[f][i])
            x = float(px[i])
            tip = f"rejected {label} {_fmt(value)} at {_clock(int(t[i]), True)} UTC"
            if value > hi or value < lo:
                y = top + 1 if value > hi else bottom - 1
                tri = "M-5,6L0,-2L5,6Z" if value > hi else "M-5,-6L0,2L5,-6Z"
                shape = f'<path class="rjt" transform="translate({x:.1f} {y:.1f})" d="{tri}">'
            else:
                y = float(yv(np.asarray(value)))
                shape = (
                    f'<path class="rj" transform="translate({x:.1f} {y:.1f})" '
                    'd="M-3.5,-3.5L3.5,3.5M-3.5,3.5L3.5,-3.5">'
                )
            out.append(f"{shape}<title>{html.escape(tip)}</title></path>")
    # events
    for m in marks:
        if ax.t0_ns <= m.time_ns <= ax.t1_ns:
            x = float(ax.x(m.time_ns))
            out.append(
                f'<line class="ev" x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{bottom:.0f}" '
                f'stroke="{m.colour}"><title>{html.escape(m.title)}</title></line>'
            )
    out.append("</svg>")
    return "".join(out)


def label_rows(xs: Sequence[float], width_px: float) -> list[int]:
    """The row of each label (``xs`` sorted): the first row where it does not
    overlap the label before it on that row."""
    ends: list[float] = []
    rows = []
    for x in xs:
        for r, end in enumerate(ends):
            if x - width_px / 2 >= end + LABEL_GAP_PX:
                ends[r] = x + width_px / 2
                rows.append(r)
                break
        else:
            ends.append(x + width_px / 2)
            rows.append(len(ends) - 1)
    return rows


def _strip(ax: _Axes, marks: Sequence[Mark]) -> str:
    """The numbered event circles above the panels, in as many rows as they need."""
    shown = [m for m in marks if ax.t0_ns <= m.time_ns <= ax.t1_ns]
    if not shown:
        return ""
    xs = [float(ax.x(m.time_ns)) for m in shown]
    widths = [16.0 + 6.0 * max(len(m.label) - 1, 0) for m in shown]
    rows = label_rows(xs, max(widths))
    n_rows = max(rows) + 1
    h = n_rows * STRIP_ROW_PX + 4
    out = [
        f'<svg class="plot strip" viewBox="0 0 {ax.width:.0f} {h}" role="img" aria-label="events">'
    ]
    for m, x, w, r in zip(shown, xs, widths, rows, strict=True):
        cy = h - 4 - (n_rows - r - 0.5) * STRIP_ROW_PX
        out.append(
            f'<g class="evs"><line x1="{x:.1f}" x2="{x:.1f}" y1="{cy:.1f}" y2="{h}" '
            f'stroke="{m.colour}"/><rect x="{x - w / 2:.1f}" y="{cy - 8:.1f}" width="{w:.1f}" '
            f'height="16" rx="8" fill="{m.colour}"/><text x="{x:.1f}" y="{cy + 4:.1f}">'
            f"{html.escape(m.label)}</text><title>{html.escape(m.title)}</title></g>"
        )
    out.append("</svg>")
    return "".join(out)


def time_plots(
    series: pa.Table,
    *,
    start_ns: int | None = None,
    end_ns: int | None = None,
    marks: Sequence[Mark] = (),
    bands: Sequence[Band] = (),
    width_px: int = PLOT_WIDTH_PX,
) -> str:
    """The panels (module docstring) as an HTML fragment: a legend line and one
    ``<svg>`` per panel. ``series``: per report ``time`` and any of the fields of
    :data:`PANELS`, with ``rejected`` / ``rule``; ``start_ns`` / ``end_ns``: the
    time axis (default: the series' range)."""
    t = _times_ns(series)
    if t.size:
        order = np.argsort(t, kind="stable")
        series = series.take(pa.array(order))
        t = t[order]
    t0 = start_ns if start_ns is not None else (int(t.min()) if t.size else 0)
    t1 = end_ns if end_ns is not None else (int(t.max()) if t.size else t0 + NS_PER_S)
    if t1 <= t0:
        t1 = t0 + 60 * NS_PER_S
    ax = _Axes(t0, t1, float(width_px), float(PANEL_HEIGHT_PX))
    data = {f: _values(series, f) for _, cols, _, _ in PANELS for f, _ in cols}
    rejected = rejected_fields(series)
    ordered = sorted(marks, key=lambda m: m.time_ns)
    legend = []
    n_rej = {f: int((r & np.isfinite(data[f])).sum()) for f, r in rejected.items()}
    if any(n_rej.values()):
        legend.append(
            f'<span><b style="color:{REJECTED_COLOUR}">\u00d7</b> value rejected as '
            "impossible (not joined to the line; \u25b2/\u25bc at the edge: off the scale)</span>"
        )
    seen: set[str] = set()
    for b in bands:
        if b.label not in seen:
            seen.add(b.label)
            legend.append(
                f'<span><i class="sb" style="background:{b.colour}"></i>'
                f"{html.escape(b.label)}</span>"
            )
    if marks:
        legend.append("<span>numbered lines: the events of the table below</span>")
    legend.append(f"<span>time: UTC, {html.escape(_days(t0, t1))}</span>")
    panels = [_strip(ax, ordered)]
    for title, cols, steps, fixed in PANELS:
        if not any(np.isfinite(data[f]).any() for f, _ in cols):
            panels.append(f'<p class="nodata">{html.escape(title)}: no values.</p>')
            continue
        panels.append(_panel(ax, title, cols, steps, fixed, t, data, rejected, ordered, bands))
    return f'<div class="plotlegend">{"".join(legend)}</div>' + "".join(panels)


def _days(t0_ns: int, t1_ns: int) -> str:
    """``4 February 2025``, or ``4 February 2025 to 5 February 2025`` over midnight."""
    a, b = (datetime.fromtimestamp(t // NS_PER_S, UTC).strftime("%d %B %Y").lstrip("0")
            for t in (t0_ns, t1_ns))  # fmt: skip
    return a if a == b else f"{a} to {b}"


__all__ = [
    "LINE_GAP_S",
    "PANELS",
    "RULE_FIELDS",
    "Band",
    "Mark",
    "label_rows",
    "rejected_fields",
    "thin_indices",
    "time_plots",
    "time_ticks",
]
