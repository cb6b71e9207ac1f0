"""What a map found, in one sentence, over which time range; shared by the PNG and HTML maps.

A map with nothing on it says so in words ("No interference found among 58
aircraft (2024-04-12 14:00:04 - 15:59:54 UTC)"), so an empty map is a result
and not a doubt about whether the tool ran.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from skywitness.errors import UsageError
from skywitness.model.units import NS_PER_S
from skywitness.report.style import LEVEL_RANK, SCHEMES

if TYPE_CHECKING:
    from skywitness.gnss.jamming.events import Event
    from skywitness.gnss.spoofing.intervals import SpoofInterval
    from skywitness.gnss.spoofing.paths import EstimatedPath
    from skywitness.gnss.spoofing.places import SpoofCluster
    from skywitness.report.findings import SpoofingFindings
    from skywitness.report.provenance import Provenance

TimeRange = tuple[int, int]
#: Between the ends of a time range (an en dash).
DASH = "\u2013"


def event_kind(event: Event) -> str:
    """``jamming`` or ``spoofing`` (events made before kinds existed are jamming)."""
    return str(getattr(event, "kind", None) or "jamming")


# -- time ----------------------------------------------------------------------------


def human_time(ns: int) -> str:
    """``2024-04-12 14:00:04`` (UTC, to the second)."""
    return datetime.fromtimestamp(ns // NS_PER_S, UTC).strftime("%Y-%m-%d %H:%M:%S")


def human_range(lo: int, hi: int) -> str:
    """``2024-04-12 14:00:04 - 15:59:54 UTC`` (the date once when both ends share it)."""
    a, b = human_time(lo), human_time(hi)
    if a[:10] == b[:10]:
        b = b[11:]
    return f"{a} {DASH} {b} UTC"


def clock_range(lo: int, hi: int) -> str:
    """``14:00:04 - 14:35:10`` (with dates when they differ), for one aircraft's stretch."""
    a, b = human_time(lo), human_time(hi)
    if a[:10] == b[:10]:
        return f"{a[11:]} {DASH} {b[11:]}"
    return f"{a} {DASH} {b}"


def data_range(
    *,
    cells: pa.Table | None = None,
    events: Sequence[Event] = (),
    spoofing: SpoofingFindings | None = None,
    time_range: TimeRange | None = None,
    provenance: Provenance | None = None,
) -> TimeRange | None:
    """The UTC range the map's data covers, from the most exact source there is:
    ``time_range`` as given; else the report times of the spoofing states (every
    report analysed); else the map's windows, cut to the provenance window; else
    the events; else the provenance window. ``None`` when nothing tells."""
    if time_range is not None:
        return (int(time_range[0]), int(time_range[1]))
    if spoofing is not None and spoofing.states.num_rows:
        t = spoofing.states["time"].cast(pa.timestamp("ns", tz="UTC")).cast(pa.int64())
        mm = pc.min_max(t).as_py()
        if mm["min"] is not None:
            return (int(mm["min"]), int(mm["max"]))
    lo: int | None = None
    hi: int | None = None
    if cells is not None and cells.num_rows:
        lo = int(pc.min(cells["window_start"].cast(pa.int64())).as_py())
        hi = int(pc.max(cells["window_end"].cast(pa.int64())).as_py())
        if provenance is not None and provenance.start_ns is not None:
            lo = max(lo, provenance.start_ns)
        if provenance is not None and provenance.end_ns is not None:
            hi = min(hi, provenance.end_ns)
    elif events:
        lo = min(e.start_ns for e in events)
        hi = max(e.end_ns for e in events)
    elif provenance is not None and provenance.start_ns is not None:
        lo, hi = provenance.start_ns, provenance.end_ns
    if lo is None or hi is None:
        return None
    return (lo, hi)


# -- counts --------------------------------------------------------------------------


def aircraft_count(aircraft: int | None, spoofing: SpoofingFindings | None) -> int | None:
    """Aircraft analysed: as given, else what the spoofing result or its states say."""
    if aircraft is not None:
        return int(aircraft)
    if spoofing is None:
        return None
    n = getattr(spoofing, "aircraft", None)
    if isinstance(n, int):
        return n
    return int(pc.count_distinct(spoofing.states["icao24"]).as_py())


def callsign_map(
    callsigns: Mapping[str, str] | None, spoofing: SpoofingFindings | None
) -> dict[str, str]:
    """icao24 -> callsign: as given, completed from the spoofing states (last one seen)."""
    out: dict[str, str] = {}
    if spoofing is not None and "callsign" in spoofing.states.column_names:
        states = spoofing.states.select(["icao24", "callsign"])
        states = states.filter(pc.is_valid(states["callsign"]))
        icao = states["icao24"].to_pylist()
        cs = states["callsign"].to_pylist()
        out.update({a: str(c).strip() for a, c in zip(icao, cs, strict=True) if str(c).strip()})
    if callsigns:
        out.update({k: v for k, v in callsigns.items() if v})
    return out


def worst_levels(cells: pa.Table | None, column: str = "level") -> dict[str, str]:
    """Each cell's worst level over the windows of the map."""
    worst: dict[str, str] = {}
    if cells is None or cells.num_rows == 0:
        return worst
    for cell, lvl in zip(cells["h3"].to_pylist(), cells[column].to_pylist(), strict=True):
        if cell not in worst or LEVEL_RANK[lvl] > LEVEL_RANK[worst[cell]]:
            worst[cell] = lvl
    return worst


@dataclass(frozen=True)
class Found:
    """What a map shows, counted."""

    events: dict[str, int]  # by kind
    emitters: int
    red_cells: int
    yellow_cells: int
    uncertain_cells: int
    spoofed_aircraft: int
    spoofed_intervals: int
    places: int

    @property
    def anything(self) -> bool:
        return bool(
            sum(self.events.values())
            or self.red_cells
            or self.yellow_cells
            or self.spoofed_intervals
            or self.places
        )


def found(
    cells: pa.Table | None, events: Sequence[Event], spoofing: SpoofingFindings | None
) -> Found:
    kinds: dict[str, int] = {}
    for e in events:
        kinds[event_kind(e)] = kinds.get(event_kind(e), 0) + 1
    worst = list(worst_levels(cells).values())
    intervals = list(spoofing.intervals) if spoofing is not None else []
    return Found(
        events=kinds,
        emitters=sum(1 for e in events if e.emitter is not None),
        red_cells=worst.count("red"),
        yellow_cells=worst.count("yellow"),
        uncertain_cells=worst.count("uncertain"),
        spoofed_aircraft=len({iv.icao24 for iv in intervals}),
        spoofed_intervals=len(intervals),
        places=len(spoofing.clusters) if spoofing is not None else 0,
    )


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else plural or word + 's'}"


def headline(f: Found, aircraft: int | None, span: TimeRange | None) -> str:
    """One sentence: what was found among how many aircraft; when nothing was,
    over which UTC range it was looked for (a map's title gives the range otherwise)."""
    among = "" if aircraft is None else f" among {_plural(aircraft, 'aircraft', 'aircraft')}"
    when = "" if span is None else f" ({human_range(*span)})"
    if not f.anything:
        text = f"No interference found{among}{when}."
        if f.uncertain_cells:
            text += (
                f" {_plural(f.uncertain_cells, 'cell')} had too few aircraft with GNSS "
                "quality to tell."
            )
        return text
    parts = []
    n_events = sum(f.events.values())
    if n_events:
        kinds = (
            next(iter(f.events))
            if len(f.events) == 1
            else ", ".join(f"{n} {k}" for k, n in sorted(f.events.items()))
        )
        parts.append(
            f"{_plural(n_events, 'interference event')} ({kinds}), "
            f"{_plural(f.emitters, 'emitter')} located"
        )
    if f.red_cells or f.yellow_cells:
        levels = [(f.red_cells, "red"), (f.yellow_cells, "yellow")]
        named = " and ".join(f"{n} {lvl}" for n, lvl in levels if n)
        parts.append(f"{named} {'cell' if f.red_cells + f.yellow_cells == 1 else 'cells'}")
    if f.spoofed_intervals:
        parts.append(
            f"{_plural(f.spoofed_aircraft, 'aircraft', 'aircraft')} spoofed "
            f"({_plural(f.spoofed_intervals, 'interval')}), "
            f"{_plural(f.places, 'spoofed place')}"
        )
    return f"Found{among}: " + "; ".join(parts) + "."


# -- one window of the findings (one PNG per window) -----------------------------------


@dataclass(frozen=True)
class Findings:
    """Spoofing findings (:class:`~skywitness.report.spoofing.SpoofingFindings`) as plain values."""

    intervals: Sequence[SpoofInterval]
    clusters: Sequence[SpoofCluster]
    paths: Sequence[EstimatedPath]
    states: pa.Table


def events_in(events: Sequence[Event], lo: int, hi: int) -> list[Event]:
    """Events overlapping [lo, hi)."""
    return [e for e in events if e.start_ns < hi and e.end_ns >= lo]


def spoofing_in(spoofing: SpoofingFindings, lo: int, hi: int) -> Findings:
    """The findings overlapping [lo, hi): intervals, places, paths, and the states in it."""
    t = np.asarray(spoofing.states["time"].cast(pa.timestamp("ns", tz="UTC")).cast(pa.int64())
                   .fill_null(0).to_numpy())  # fmt: skip
    keep = pa.array((t >= lo) & (t < hi))
    return Findings(
        intervals=[iv for iv in spoofing.intervals if iv.start_ns < hi and iv.end_ns >= lo],
        clusters=[c for c in spoofing.clusters if c.start_ns < hi and c.end_ns >= lo],
        paths=[p for p in spoofing.paths if p.start_ns < hi and p.end_ns >= lo],
        states=spoofing.states.filter(keep),
    )


def mode_label(table: pa.Table, mode: str | None = None) -> str:
    """``mode nacp, H3 res 4``: the quality mode the cells were computed with
    (left out when not given) and the resolution of the map's cells."""
    from skywitness.gnss.jamming.maps import map_grid

    res = map_grid(table).resolution
    grid = f"H3 res {'?' if res is None else res}"
    return grid if mode is None else f"mode {mode}, {grid}"


def scheme_column(levels: str) -> str:
    try:
        return SCHEMES[levels]
    except KeyError:
        raise UsageError(f"levels must be one of {', '.join(SCHEMES)}, not {levels!r}") from None
