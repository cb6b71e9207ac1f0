"""The maps people read: the offline HTML map (cells, events, emitters, spoofing),
the PNG maps, the events GeoJSON, and what an empty map says."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from skywitness.gnss.jamming import interference_map
from skywitness.gnss.jamming.events import Event
from skywitness.gnss.jamming.stretches import Interval
from skywitness.gnss.locate import EmitterEstimate
from skywitness.gnss.spoofing.intervals import SpoofInterval
from skywitness.gnss.spoofing.paths import EstimatedPath
from skywitness.gnss.spoofing.places import SpoofCluster
from skywitness.model.geo import distance_m
from skywitness.report.basemap import KM_PER_DEG
from skywitness.report.cells import write_map
from skywitness.report.events import events_geojson, write_events
from skywitness.report.jamming_map import jamming_figure, render_html
from skywitness.report.spoofing import EXTENSIONS, write_spoofing
from skywitness.report.style import LEVEL_WORDS, WORDS
from skywitness.report.summary import human_range

T0 = int(datetime(2024, 4, 12, 14, 0, tzinfo=UTC).timestamp()) * 10**9
MIN = 60 * 10**9
#: The emitter of the fake jamming event (near Kaliningrad), its range and error.
EMITTER = (54.7, 20.5)
RANGE_KM = 150.0
ERROR_KM = 12.0


def states(rows: list[tuple[str, int, tuple[float, float], int]]) -> pa.Table:
    """A gnss_state-like table: (icao24, minutes after T0, (lat, lon), state)."""
    rows = sorted(rows)
    return pa.table({
        "icao24": [r[0] for r in rows],
        "time": pa.array([T0 + r[1] * MIN for r in rows], pa.int64()).cast(
            pa.timestamp("ns", tz="UTC")),
        "lat": [r[2][0] for r in rows],
        "lon": [r[2][1] for r in rows],
        "state": pa.array([r[3] for r in rows], pa.int8()),
    })  # fmt: skip


def jammed_cells() -> pa.Table:
    """Three aircraft bad near the emitter, a few good elsewhere: one red cell."""
    rows = [(f"a0000{k}", m, EMITTER, 1) for k in range(3) for m in range(3)]
    rows += [(f"b0000{k}", m, (56.0 + k * 0.5, 18.0), 0) for k in range(3) for m in range(3)]
    return interference_map(states(rows))


def quiet_cells(n: int = 30, step_deg: float = 0.0) -> pa.Table:
    """``n`` aircraft over the Baltic, all with good GNSS (in one cell: green)."""
    rows = [(f"c{k:05d}", m, (55.0 + k * step_deg, 17.0), 0) for k in range(n) for m in range(3)]
    return interference_map(states(rows))


def jamming_event(kind: str | None = None, emitter: bool = True) -> Event:
    lat, lon = EMITTER
    ring = [[lon - 1.5, lat - 1.0], [lon + 1.5, lat - 1.0], [lon + 1.5, lat + 1.0],
            [lon - 1.5, lat + 1.0], [lon - 1.5, lat - 1.0]]  # fmt: skip
    e = Event(
        id="E001-20240412T1400" if kind != "spoofing" else "E002-20240412T1500",
        start_ns=T0,
        end_ns=T0 + 90 * MIN,
        aircraft=["a00000", "a00001", "a00002"],
        intervals=[
            Interval("a00000", T0 + 2 * MIN, T0 + 20 * MIN, None, None, np.zeros((0, 4))),
            Interval("a00001", T0 + 30 * MIN, T0 + 45 * MIN, None, None, np.zeros((0, 4))),
        ],
        emitter=EmitterEstimate(lat, lon, RANGE_KM, ERROR_KM, 5, 6) if emitter else None,
        polygon={"type": "Polygon", "coordinates": [ring]},
    )
    if kind is not None:
        e.kind = kind  # type: ignore[assignment]
    return e


@dataclass(frozen=True)
class Findings:
    intervals: list[SpoofInterval]
    clusters: list[SpoofCluster]
    paths: list[EstimatedPath]
    states: pa.Table
    aircraft: int = 40


PLACE = (57.75, 22.0)


def spoofing_findings(n: int = 3) -> Findings:
    """``n`` aircraft held at one spoofed place for 20 minutes, with estimated paths."""
    ids = [f"d{k:05d}" for k in range(n)]
    intervals = [SpoofInterval(a, f"SPF{k}", T0 + 10 * MIN, T0 + 30 * MIN, ("frozen", "jump"),
                               bool(k % 2)) for k, a in enumerate(ids)]  # fmt: skip
    area = EmitterEstimate(58.4, 20.4, 160.0, 15.0, 4, 4)
    clusters = [SpoofCluster(T0 + 10 * MIN, T0 + 30 * MIN, PLACE[0], PLACE[1], "point", 0.5,
                             0.05, tuple(ids), 3600.0, area)] if n else []  # fmt: skip
    paths = [
        EstimatedPath(a, f"SPF{k}", T0 + 10 * MIN, T0 + 30 * MIN, "air-data",
                      np.array([T0 + 10 * MIN, T0 + 30 * MIN]), np.array([57.0, 58.5 + k * 0.1]),
                      np.array([19.0, 21.0]), np.array([35000.0, 35000.0]),
                      np.array([0.0, 3.0]), np.array([True, True]))
        for k, a in enumerate(ids)
    ]  # fmt: skip
    rows = []
    for k, a in enumerate([*ids, "e00000", "e00001"]):  # and two aircraft never spoofed
        for m in range(0, 40, 2):
            spoofed = 10 <= m <= 30 and a in ids
            lat, lon = PLACE if spoofed else (57.0 + m * 0.05, 19.0 + k * 0.1)
            rows.append((a, f"SPF{k}", T0 + m * MIN, lat, lon, spoofed))
    table = pa.table({
        "icao24": [r[0] for r in rows], "callsign": [r[1] for r in rows],
        "time": pa.array([r[2] for r in rows], pa.int64()).cast(pa.timestamp("ns", tz="UTC")),
        "lat": [r[3] for r in rows], "lon": [r[4] for r in rows],
        "spoofed": [r[5] for r in rows], "own_position": [True] * len(rows),
    })  # fmt: skip
    return Findings(intervals, clusters, paths, table)


# -- HTML ---------------------------------------------------------------------------


def page_of(path: Path) -> tuple[str, dict[str, Any]]:
    page = path.read_text()
    m = re.search(r'<script type="application/json" id="info">(.*?)</script>', page, re.S)
    assert m is not None
    return page, json.loads(m.group(1))


def test_html_shows_the_events_emitters_and_spoofing(tmp_path: Path) -> None:
    out = tmp_path / "map.html"
    events = [jamming_event(), jamming_event("spoofing", emitter=False)]
    written = write_map(jammed_cells(), out, events=events, spoofing=spoofing_findings(),
                        aircraft=46, callsigns={"a00000": "BTI123"})  # fmt: skip
    assert written == [{"file": str(out), "format": "html", "cells": 4}]
    page, info = page_of(out)
    assert "http://" not in page and "https://" not in page
    assert "<script src" not in page and "<link" not in page and "<img" not in page
    # Each event's area, labelled with its kind; the emitter, its 95 % circle and reach.
    assert page.count('class="ea k-jamming"') == 1 and page.count('class="ea k-spoofing"') == 1
    assert "E001-20240412T1400 · jamming" in page and "E002-20240412T1500 · spoofing" in page
    assert page.count('class="e95 k-jamming"') == 1 and page.count('class="er k-jamming"') == 1
    # The spoofing layer: false positions, the place, the spoofer's reach, dashed paths.
    for cls in ("fp", "tp", "sr", "s95"):
        assert f'class="{cls}"' in page
    assert "spoofed place 1" in page and ">spoofer<" in page
    # The legend says in words what each colour and symbol means, and toggles its layer.
    for words in [*LEVEL_WORDS["ours"].values(), *LEVEL_WORDS["gpsjam"].values()]:
        assert words in page
    for layer in ("cells", "areas", "emitters", "ranges", "false", "places", "reach", "paths"):
        assert f'data-layer="{layer}"' in page
        assert f".hide-{layer} .L-{layer}{{display:none}}" in page
    for words in WORDS.values():
        assert words.split(":")[0] in page
    # Headline, the data's UTC range and the scale bar.
    assert "Found among 46 aircraft: 2 interference events (1 jamming, 1 spoofing)" in page
    spoof_times = spoofing_findings().states["time"].cast(pa.int64())
    span = human_range(spoof_times[0].as_py(), spoof_times[-1].as_py())
    assert f"Data: {span}" in page
    assert 'id="scalebar"' in page and f'data-km-per-unit="{KM_PER_DEG:.4f}"' in page
    assert 'id="empty"' not in page
    # Hover / click: the aircraft involved with callsigns and times.
    event = info["e0"]
    assert event["t"] == "E001-20240412T1400: jamming event"
    assert ["a00000", "BTI123", "14:02:00 \u2013 14:20:00"] in event["a"]
    assert ["a00002", "", ""] in event["a"]  # in the event, no stretch given
    assert any("± 12.0 km (95 %)" in line for line in event["l"])
    place = info["c0"]
    assert place["a"][0] == ["d00000", "SPF0", "14:10:00 \u2013 14:30:00"]
    assert {"s", "p", "r"} <= {k[0] for k in info}


def test_html_circles_are_drawn_at_their_radius(tmp_path: Path) -> None:
    out = tmp_path / "map.html"
    render_html(jammed_cells(), out, events=[jamming_event()])
    page = out.read_text()
    marker = re.search(r'class="mk L-emitters" data-k="e0" data-x="([-\d.]+)" data-y="([-\d.]+)"',
                       page)  # fmt: skip
    assert marker is not None
    cx, cy = float(marker.group(1)), float(marker.group(2))
    assert cy == pytest.approx(-EMITTER[0], abs=1e-3)
    for cls, radius_km in (("e95", ERROR_KM), ("er", RANGE_KM)):
        d = re.search(rf'class="{cls} k-jamming" data-k="e0" d="M([^"]*)Z"', page)
        assert d is not None
        pts = [tuple(map(float, p.split(","))) for p in d.group(1).split("L")]
        # North-south extent in projected units is degrees of latitude.
        north = max(-y for _, y in pts) - EMITTER[0]
        assert north * KM_PER_DEG == pytest.approx(radius_km, rel=0.01)
        assert np.mean([x for x, _ in pts]) == pytest.approx(cx, abs=0.01)


def test_html_with_nothing_found_says_so(tmp_path: Path) -> None:
    out = tmp_path / "quiet.html"
    cells = quiet_cells()
    assert cells["level"].to_pylist() == ["green"]
    write_map(cells, out, aircraft=30, time_range=(T0, T0 + 3 * MIN))
    page = out.read_text()
    sentence = f"No interference found among 30 aircraft ({human_range(T0, T0 + 3 * MIN)})."
    assert f'<div id="empty">{sentence}</div>' in page
    assert f'<p class="found none">{sentence}</p>' in page
    # Cells with too few aircraft to tell are counted in the sentence.
    sparse = quiet_cells(12, 0.3)
    assert set(sparse["level"].to_pylist()) == {"uncertain"}
    write_map(sparse, out, aircraft=12)
    assert "11 cells had too few aircraft with GNSS quality to tell." in out.read_text()
    # With no cells and no findings at all, the page still says it.
    spoof = tmp_path / "spoof.html"
    write_spoofing(spoofing_findings(0), spoof, aircraft=7)
    assert "No interference found among 7 aircraft (2024-04-12 14:00:00 \u2013 14:38:00 UTC)." in (
        spoof.read_text()
    )


def test_spoofing_html_output(tmp_path: Path) -> None:
    assert ".html" in EXTENSIONS
    out = tmp_path / "x.html"
    assert write_spoofing(spoofing_findings(), out) == {"file": str(out), "format": "html"}
    page, info = page_of(out)
    assert "GNSS spoofing, 2024-04-12 14:00:00 \u2013 14:38:00 UTC" in page
    assert "Found among 40 aircraft: 3 aircraft spoofed (3 intervals), 1 spoofed place." in page
    assert 'id="scheme"' not in page  # no cells: no level switch
    fp = [v for k, v in info.items() if k.startswith("s")]
    assert len(fp) == 3 and fp[0]["a"] == [["d00000", "SPF0", "14:10:00 \u2013 14:30:00"]]
    assert any("quality fields" in line for line in fp[0]["l"])
    paths = [v for k, v in info.items() if k.startswith("p")]
    assert paths and paths[0]["t"] == "SPF0: estimated true path"


def test_html_is_safe_with_hostile_callsigns(tmp_path: Path) -> None:
    out = tmp_path / "x.html"
    render_html(None, out, events=[jamming_event()],
                callsigns={"a00000": "</script><script>alert(1)</script>"})  # fmt: skip
    page, info = page_of(out)
    assert "<script>alert(1)" not in page
    assert ["a00000", "</script><script>alert(1)</script>", "14:02:00 \u2013 14:20:00"] in info[
        "e0"
    ]["a"]


def test_html_several_windows_default_to_the_worst_level(tmp_path: Path) -> None:
    rows = [(f"a0000{k}", m, EMITTER, 1) for k in range(3) for m in range(3)]
    rows += [(f"a0000{k}", 120 + m, EMITTER, 0) for k in range(3) for m in range(3)]
    table = interference_map(states(rows), window="1h")
    out = tmp_path / "map.html"
    render_html(table, out)
    page, info = page_of(out)
    assert page.count('class="cell ') == table.num_rows  # one per cell and window
    assert '<option value="all">all windows (worst level)</option>' in page
    assert '<g class="win" data-w="all"><use href="#c0" class="agg o-red' in page
    assert info["a0"]["l"][0] == "worst level over 2 windows: red (GPSJam: red)"


# -- PNG ----------------------------------------------------------------------------


def _texts(fig: Any) -> str:
    texts = [t.get_text() for t in fig.texts]
    for legend in fig.legends:
        texts += [t.get_text() for t in legend.get_texts()]
    for ax in fig.axes:
        texts += [t.get_text() for t in ax.texts] + [ax.get_title()]
    texts.append(fig.get_supxlabel())
    return "\n".join(texts).replace("\n", " ")


def test_png_shows_the_emitter_its_circles_and_areas() -> None:
    pytest.importorskip("matplotlib")
    events = [jamming_event(), jamming_event("spoofing", emitter=False)]
    fig, ax = jamming_figure(jammed_cells(), events=events, aircraft=46)
    text = _texts(fig)
    assert "E001-20240412T1400 · jamming" in text and "E002-20240412T1500 · spoofing" in text
    assert "95 % bound of its position" in text and "effective range" in text
    assert "Found among 46 aircraft" in text
    # Area outlines (2 events), the 95 % circle and the range, as patches.
    assert len(ax.patches) >= 2 * 2 + 2
    xs = [line.get_xdata()[0] for line in ax.lines if line.get_marker() == "X"]
    assert xs == [pytest.approx(EMITTER[1])]


def test_png_with_nothing_found_says_so(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    fig, _ = jamming_figure(quiet_cells(), aircraft=30, time_range=(T0, T0 + 3 * MIN))
    assert f"No interference found among 30 aircraft ({human_range(T0, T0 + 3 * MIN)})" in (
        _texts(fig)
    )
    from skywitness.report.spoofing_map import spoofing_figure

    fig, _ = spoofing_figure(spoofing_findings(0), aircraft=7)
    assert "No interference found among 7 aircraft" in _texts(fig)


def test_png_per_window_gets_its_own_events(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [(f"a0000{k}", m, EMITTER, 1) for k in range(3) for m in range(3)]
    rows += [(f"a0000{k}", 120 + m, EMITTER, 0) for k in range(3) for m in range(3)]
    table = interference_map(states(rows), window="1h")
    seen: list[tuple[str, list[str], int]] = []

    def fake_png(part: pa.Table, path: Path, **kw: Any) -> Path:
        seen.append((Path(path).name, [e.id for e in kw["events"]],
                     len(kw["spoofing"].intervals)))  # fmt: skip
        return Path(path)

    import skywitness.report.jamming_map as jm

    monkeypatch.setattr(jm, "render_png", fake_png)
    write_map(table, tmp_path / "m.png", events=[jamming_event()], spoofing=spoofing_findings())
    assert seen == [
        ("m-2024-04-12T14.png", ["E001-20240412T1400"], 3),
        ("m-2024-04-12T16.png", [], 0),
    ]


# -- events GeoJSON -----------------------------------------------------------------


def _signed_area(ring: list[list[float]]) -> float:
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in pairwise(ring)) / 2


def test_events_geojson_has_the_emitter_and_its_circles(tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    out = tmp_path / "events.geojson"
    write_events([jamming_event(), jamming_event("spoofing", emitter=False)], out)
    doc = json.loads(out.read_text())
    kinds = [f["properties"]["kind"] for f in doc["features"]]
    assert kinds == [
        "area", "emitter", "emitter_error_95", "emitter_range", "emitter_error_95_any_antenna",
        "area",
    ]  # fmt: skip
    assert [f["properties"]["event_kind"] for f in doc["features"]] == ["jamming"] * 5 + [
        "spoofing"
    ]
    emitter = doc["features"][1]
    assert emitter["geometry"]["coordinates"] == [EMITTER[1], EMITTER[0]]  # [lon, lat]
    for feature, radius_km in ((doc["features"][2], ERROR_KM), (doc["features"][3], RANGE_KM)):
        (ring,) = feature["geometry"]["coordinates"]
        assert ring[0] == ring[-1] and _signed_area(ring) > 0
        d = [distance_m(EMITTER[0], EMITTER[1], lat, lon) / 1000 for lon, lat in ring]
        assert min(d) == pytest.approx(radius_km, rel=1e-3)
        assert max(d) == pytest.approx(radius_km, rel=1e-3)
    # DuckDB reads a FeatureCollection as one row per feature, geometry as [lon, lat] ...
    rows = duckdb.sql(f"SELECT kind, geometry::VARCHAR FROM read_json('{out}')").fetchall()
    assert [r[0] for r in rows] == kinds
    assert rows[1][1] == f"POINT ({EMITTER[1]} {EMITTER[0]})"
    # ... and as one document.
    rows = duckdb.sql(
        f"SELECT len(features) FROM read_json('{out}', format='unstructured')"
    ).fetchall()
    assert rows == [(len(kinds),)]


def test_events_without_a_kind_are_jamming() -> None:
    from types import SimpleNamespace

    from skywitness.report.summary import event_kind

    assert event_kind(SimpleNamespace(id="E1")) == "jamming"  # type: ignore[arg-type]
    assert event_kind(jamming_event("spoofing")) == "spoofing"
    doc = events_geojson([jamming_event()])
    assert {f["properties"]["event_kind"] for f in doc["features"]} == {"jamming"}
    assert math.isclose(doc["features"][1]["properties"]["range_km"], RANGE_KM)


def test_labels_of_markers_at_one_place_do_not_overlap() -> None:
    """Two events at one place (unlocated spoofing events, say) print their
    names on different lines; a marker far away keeps the usual place."""
    import re

    from skywitness.report.html import _Builder

    b = _Builder((10.0, 30.0, 50.0, 60.0), {})
    for lon, lat, name in ((20.0, 55.0, "E002 spoofing"), (20.01, 55.0, "E003 spoofing"),
                           (26.0, 52.0, "E001 jamming")):  # fmt: skip
        b.marker("areas", name, lon, lat, "", name)
    offsets = [int(m) for m in re.findall(r'<text x="9" y="(-?\d+)"', "".join(b.markers))]
    assert offsets[0] == -9 and offsets[1] != -9 and abs(offsets[1] - offsets[0]) >= 16
    assert offsets[2] == -9
