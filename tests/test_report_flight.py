"""The offline HTML flight report (skywitness.report.flight).

The realistic page is built from the simulator's ``incident`` scenario: the
incident aircraft's trace, its path through the gap reconstructed by
:func:`skywitness.track.gaps.reconstruct_gaps`, its values checked by the
envelope, and the events, approaches, oscillation, failure and end taken from
the scenario's ground truth (the flight job that detects them is tested
elsewhere). A real recording (traffic's sample) gives a normal flight with no
gap and no event.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from conftest import Simulations

from skywitness.io import read_table
from skywitness.model.airports import icao_airports
from skywitness.model.geo import destination, distance_m
from skywitness.model.timefmt import iso_utc
from skywitness.report.flight import (
    TRACK_GAP_S,
    end_words,
    event_words,
    flight_html,
    write_flight_html,
)
from skywitness.report.flight_plots import rejected_fields, thin_indices
from skywitness.report.provenance import Provenance
from skywitness.track.envelope import flag_bad_values
from skywitness.track.gaps import reconstruct_gaps

SEEDS = (0, 3)
#: Runway length drawn for a simulated runway (the simulator gives a threshold
#: and a heading; 3 km is a typical jet runway).
RUNWAY_M = 3000.0
#: The page for the incident must stay small enough to mail (the brief: a few
#: hundred KB for ~3,000 track points).
MAX_PAGE_BYTES = 600_000


def _iso(ns: int) -> str:
    return iso_utc(int(ns))


def _ident(deg: float) -> str:
    n = round((deg % 360) / 10) or 36
    return f"{n:02d}"


def _runway(airport: str, lat: float, lon: float, deg: float) -> dict[str, Any]:
    la2, lo2 = destination(np.array([lat]), np.array([lon]), np.array([deg]), RUNWAY_M)
    return {
        "airport": airport,
        "ident": f"{_ident(deg)}/{_ident(deg + 180)}",
        "lat1": lat,
        "lon1": lon,
        "lat2": float(la2[0]),
        "lon2": float(lo2[0]),
    }


def incident_inputs(out: Path) -> dict[str, Any]:
    """doc, series, areas, airports, runways for the incident aircraft of a simulation."""
    truth = json.loads((out / "truth.json").read_text())
    inc = truth["incident"]
    reports = read_table(out / "traces" / f"trace_full_{inc['icao24']}.json").sort_by("time")
    bad = flag_bad_values(reports)
    rec = reconstruct_gaps(reports, bad=bad).table
    t_ns = rec["time"].cast(pa.int64()).to_numpy()
    track = [
        {"time": _iso(t), "lat": lat, "lon": lon, "alt_baro_ft": alt, "source": src, "error_km": e}
        for t, lat, lon, alt, src, e in zip(
            t_ns,
            *(rec[c].to_pylist() for c in ("lat", "lon", "alt_baro_ft", "source", "error_km")),
            strict=True,
        )
    ]
    series = pa.table(
        {
            "time": reports["time"],
            **{
                c: reports[c]
                for c in ("alt_baro_ft", "gs_kt", "tas_kt", "ias_kt", "vrate_fpm", "nic", "nac_p")
            },
            "rejected": pa.array(bad.any_bad),
            "rule": pa.array(bad.rules(), pa.string()),
        }
    )
    events: list[dict[str, Any]] = []

    def ev(ns: int, what: str, **detail: Any) -> None:
        events.append({"time": _iso(ns), "kind": what, "detail": detail})

    for z in inc["jammed"]["in_zone"]:
        if z["kind"] == "lost":
            ev(z["start_ns"], "gnss_lost")
            ev(z["end_ns"], "gnss_regained")
    gap = inc["jammed"]["positions_absent"]
    ev(
        gap["start_ns"],
        "position_lost",
        end=gap["end"],
        cause="jamming",
        duration_s=(gap["end_ns"] - gap["start_ns"]) / 1e9,
    )
    ev(gap["end_ns"], "position_regained")
    approaches = []
    for a in inc["approaches"]:
        rwy = _ident(a["runway_deg"])
        ev(
            a["start_ns"],
            "approach",
            airport=a["airport"],
            runway=rwy,
            min_height_ft=a["min_height_ft"],
            aligned=True,
            go_around=True,
        )
        ev(
            a["go_around_ns"],
            "go_around",
            airport=a["airport"],
            runway=rwy,
            min_height_ft=a["min_height_ft"],
        )
        approaches.append(
            {
                "airport": a["airport"],
                "runway": rwy,
                "start": a["start"],
                "min_height_ft": a["min_height_ft"],
                "go_around": True,
                "time": a["go_around"],
            }
        )
    fail = inc["failure"]
    evidence = ["autopilot disengaged", "altitude oscillation begins"]
    ev(fail["time_ns"], "autopilot_off")
    ev(fail["time_ns"], "failure", evidence=evidence)
    crash = inc["crash"]
    osc = inc["oscillation"]
    ev(
        osc["time_ns"],
        "oscillation",
        end=crash["time"],
        period_s=osc["period_s"],
        amplitude_ft=osc["amplitude_ft"],
    )
    em = inc["emergency"]
    ev(em["time_ns"], "squawk", code=em["squawk"], previous="5174", meaning="emergency")
    ev(em["time_ns"], "emergency", status=em["status"])
    hold = inc["hold"]
    ev(hold["start_ns"], "holding", end=hold["end"], radius_km=hold["radius_km"])
    ev(inc["decision"]["time_ns"], "diversion", to=inc["decision"]["divert_to"])
    flagged = np.flatnonzero(bad.any_bad)
    rules = bad.rules()
    times = reports["time"].cast(pa.int64()).to_numpy()
    for run in np.split(flagged, np.flatnonzero(np.diff(times[flagged]) > 60e9) + 1):
        if run.size:
            fields = sorted(
                {
                    "alt_baro_ft" if r.startswith("alt") else "gs_kt"
                    for i in run
                    for r in str(rules[i]).split(",")
                }
            )
            ev(
                times[run[0]],
                "bad_values",
                end=_iso(times[run[-1]]),
                fields=fields,
                rule=str(rules[run[0]]),
            )
    last_err = rec["error_km"].to_pylist()[-1]
    end = {
        "kind": "crashed",
        "time": crash["time"],
        "lat": crash["lat"],
        "lon": crash["lon"],
        "airport": crash["short_of"],
        "runway": _ident(crash["runway_deg"]),
        "error_km": last_err,
    }
    ev(crash["time_ns"], "end", **end)
    events.sort(key=lambda e: e["time"])
    doc: dict[str, Any] = {
        "icao24": inc["icao24"],
        "callsign": inc["callsign"],
        "flights": [
            {
                "start": track[0]["time"],
                "end": crash["time"],
                "origin": inc["origin"],
                "destination": inc["destination"],
            }
        ],
        "events": events,
        "track": track,
        "approaches": approaches,
        "oscillation": {
            "start": osc["time"],
            "end": crash["time"],
            "period_s": osc["period_s"],
            "amplitude_ft": osc["amplitude_ft"],
        },
        "failure": {"time": fail["time"], "evidence": evidence},
        "end": end,
    }
    ports = icao_airports()
    airports = [
        {
            "ident": i,
            "name": ports[i]["name"],
            "lat": ports[i]["lat"],
            "lon": ports[i]["lon"],
            "elevation_ft": ports[i]["elevation"],
        }
        for i in (inc["origin"], inc["destination"], inc["diversion"])
    ]
    runways = []
    for a in inc["approaches"][:1]:
        p = ports[a["airport"]]
        runways.append(_runway(a["airport"], p["lat"], p["lon"], a["runway_deg"]))
    thr = crash["threshold"]
    runways.append(_runway(crash["short_of"], thr["lat"], thr["lon"], crash["runway_deg"]))
    areas = [
        {
            "kind": "jamming",
            "lat": e["lat"],
            "lon": e["lon"],
            "radius_km": e["range_km"],
            "start": e["active"][0]["start"],
            "end": e["active"][0]["end"],
            "label": e["id"],
        }
        for e in truth["emitters"]
    ]
    return {
        "doc": doc,
        "series": series,
        "areas": areas,
        "airports": airports,
        "runways": runways,
        "truth": inc,
    }


def provenance() -> Provenance:
    return Provenance(
        command="skywitness flight --icao24 e66062 store/",
        inputs=("store/",),
        start_ns=0,
        end_ns=10**18,
    )


def render(inputs: Mapping[str, Any], path: Path) -> str:
    write_flight_html(
        path,
        inputs["doc"],
        inputs["series"],
        areas=inputs["areas"],
        airports=inputs["airports"],
        runways=inputs["runways"],
        provenance=provenance(),
    )
    return path.read_text()


@pytest.fixture(scope="module")
def incident(simulation: Simulations) -> dict[str, Any]:
    return incident_inputs(simulation("incident", SEEDS[0], snapshots=False))


def _self_contained(page: str) -> None:
    assert "http://" not in page and "https://" not in page
    assert not re.search(r"<(script|img|iframe|link)[^>]*\s(src|href)=", page, re.I)
    assert "@import" not in page and "url(" not in page


# -- the incident -------------------------------------------------------------------------------


def test_incident_page(incident: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "flight.html"
    page = render(incident, out)
    _self_contained(page)
    assert len(page.encode()) < MAX_PAGE_BYTES, len(page.encode())
    doc, inc = incident["doc"], incident["truth"]
    # The title names the flight, its route and how it ended, at the truth's distance.
    title = re.search(r"<h1>(.*?)</h1>", page, re.S)
    assert title is not None
    m = re.search(r"crashed (\d+\.\d) km short of UATE", title.group(1))
    assert m is not None, title.group(1)
    assert abs(float(m.group(1)) - inc["crash"]["distance_to_threshold_km"]) < 0.1
    for words in (doc["callsign"], doc["icao24"], "UGTB \u2192 URML", "11 February 2025"):
        assert words in title.group(1)
    # Every event is a row of the table, numbered in time order, with its clock time.
    rows = re.findall(r'<tr><td class="num">.*?>(\d+)</span></td><td class="tm">([\d:]+)', page)
    assert [int(n) for n, _ in rows] == list(range(1, len(doc["events"]) + 1))
    assert [t for _, t in rows] == [e["time"][11:19] for e in doc["events"]]
    # The summary says what happened: approaches, go-arounds, failure, squawk, oscillation.
    summary = re.search(r'<ul class="summary">(.*?)</ul>', page, re.S)
    assert summary is not None
    text = summary.group(1)
    assert "2 approaches to URML" in text and "go-around" in text
    assert inc["failure"]["time"][11:19] in text and "7700" in text
    assert f"\u00b1{inc['oscillation']['amplitude_ft']:,.0f} ft" in text
    assert f"every {inc['oscillation']['period_s']:.0f} s" in text
    # The share of estimated positions is the reconstruction's.
    est = sum(p["source"] != "reported" for p in doc["track"])
    assert f"{est:,} positions of {len(doc['track']):,}" in text
    # The map: reported and estimated track, band, jamming area, runways, events, end.
    for cls in (
        'class="trk rep"',
        'class="trk est"',
        'class="band"',
        'class="area"',
        'class="rwy"',
        'class="endc"',
        'data-k="end"',
    ):
        assert cls in page, cls
    # Plots: four panels, the rejected values marked apart, the events as lines.
    assert page.count('<svg class="plot"') == 4
    n_rej = sum(int(v.sum()) for v in rejected_fields(incident["series"]).values())
    assert n_rej > 0
    assert page.count('class="rj"') + page.count('class="rjt"') == n_rej
    assert page.count('<line class="ev"') == 4 * len(doc["events"])
    assert page.count('<g class="evs">') == len(doc["events"])
    # Provenance: footer, meta and the JSON block.
    prov = re.search(r'id="skywitness-provenance">(.*?)</script>', page, re.S)
    assert prov is not None
    assert json.loads(prov.group(1))["command"] == provenance().command
    assert provenance().command in page and '<meta name="generator"' in page
    # Hover details: the info JSON parses and holds the end and every drawn marker.
    info = json.loads(re.search(r'id="info">(.*?)</script>', page, re.S).group(1))  # type: ignore[union-attr]
    assert set(re.findall(r'class="mk" data-k="([^"]+)"', page)) <= set(info)
    assert "short of UATE" in " ".join(info["end"]["l"])


@pytest.mark.parametrize("seed", SEEDS[1:])
def test_other_seed_renders_its_own_end(simulation: Simulations, seed: int, tmp_path: Path) -> None:
    inputs = incident_inputs(simulation("incident", seed, snapshots=False))
    page = render(inputs, tmp_path / "f.html")
    _self_contained(page)
    km = inputs["truth"]["crash"]["distance_to_threshold_km"]
    m = re.search(r"<h1>.*crashed (\d+\.\d) km short of (\w+)", page)
    assert m is not None and m.group(2) == inputs["truth"]["crash"]["short_of"]
    assert abs(float(m.group(1)) - km) < 0.1


def test_written_atomically(
    incident: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "flight.html"
    out.write_text("old")

    def fail(*_: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("skywitness.report.atomic.os.replace", fail)
    with pytest.raises(OSError, match="disk full"):
        render(incident, out)
    assert out.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["flight.html"]


# -- other flights ------------------------------------------------------------------------------


def test_normal_real_flight_without_gaps_or_events(samples: Path, tmp_path: Path) -> None:
    """A real recording (traffic's readsb trace, its first leg): no gap, no event, the
    envelope's verdict on real values, nothing estimated drawn."""
    reports = read_table(samples / "readsb" / "trace_full_ac671b.json").sort_by("time")
    starts = [0, *np.flatnonzero(reports["new_leg"].fill_null(False).to_numpy(False)).tolist()]
    bounds = list(zip(starts, [*starts[1:], reports.num_rows], strict=True))
    first, stop = max(bounds, key=lambda b: b[1] - b[0])  # the longest leg
    leg = reports.slice(first, stop - first)
    leg = leg.filter(pc.is_valid(leg["lat"]))
    bad = flag_bad_values(leg)
    series = pa.table(
        {
            **{
                c: leg[c]
                for c in ("time", "alt_baro_ft", "gs_kt", "ias_kt", "vrate_fpm", "nic", "nac_p")
            },
            "rejected": pa.array(bad.any_bad),
            "rule": pa.array(bad.rules(), pa.string()),
        }
    )
    t = leg["time"].cast(pa.int64()).to_numpy()
    track = [
        {
            "time": _iso(ti),
            "lat": la,
            "lon": lo,
            "alt_baro_ft": alt,
            "source": "reported",
            "error_km": 0.05,
        }
        for ti, la, lo, alt in zip(
            t,
            leg["lat"].to_pylist(),
            leg["lon"].to_pylist(),
            leg["alt_baro_ft"].to_pylist(),
            strict=True,
        )
    ]
    doc = {
        "icao24": "ac671b",
        "callsign": None,
        "flights": [],
        "events": [],
        "track": track,
        "approaches": [],
        "oscillation": None,
        "failure": None,
        "end": {
            "kind": "landed",
            "time": track[-1]["time"],
            "lat": track[-1]["lat"],
            "lon": track[-1]["lon"],
            "airport": None,
            "runway": None,
            "error_km": 0.05,
        },
    }
    out = write_flight_html(tmp_path / "n.html", doc, series, provenance=provenance())
    page = out.read_text()
    _self_contained(page)
    assert "No events were found" in page
    assert 'class="trk est"' not in page and 'class="band"' not in page
    # one line, broken only where the receiver heard nothing for TRACK_GAP_S
    silent = int((np.diff(t) > TRACK_GAP_S * 10**9).sum())
    assert page.count('class="trk rep"') == 1 + silent
    assert "Every position drawn is one the aircraft reported." in page
    n_rej = int(bad.any_bad.sum())
    assert page.count('class="rj"') + page.count('class="rjt"') == n_rej
    print(
        f"real leg: {leg.num_rows} reports, {silent} silences, {n_rej} rejected, "
        f"{len(page.encode())} bytes"
    )


def test_empty_track(tmp_path: Path) -> None:
    doc: dict[str, Any] = {
        "icao24": "abc123",
        "callsign": "TEST1",
        "flights": [],
        "events": [],
        "track": [],
        "approaches": [],
        "oscillation": None,
        "failure": None,
        "end": None,
    }
    empty = pa.table({"time": pa.array([], pa.timestamp("ns", tz="UTC"))})
    out = write_flight_html(tmp_path / "e.html", doc, empty, provenance=provenance())
    page = out.read_text()
    _self_contained(page)
    assert "No position of this flight" in page and "no track was recorded" in page
    assert "TEST1 (abc123)" in page


def test_track_over_the_antimeridian(tmp_path: Path) -> None:
    """A flight from 178 E to 178 W (over Chukotka) is drawn in one piece, 4 degrees wide,
    not round the world, with the land on both sides."""
    t0 = 1_700_000_000 * 10**9
    lons = np.linspace(178.0, 182.0, 200)
    lons = (lons + 180.0) % 360.0 - 180.0
    track = [
        {
            "time": _iso(t0 + i * 10**10),
            "lat": 66.0,
            "lon": float(lo),
            "alt_baro_ft": 35000.0,
            "source": "reported" if i < 80 or i > 140 else "reconstructed",
            "error_km": 0.1 if i < 80 or i > 140 else 5.0,
        }
        for i, lo in enumerate(lons)
    ]
    doc: dict[str, Any] = {
        "icao24": "aaaaaa",
        "callsign": "X",
        "flights": [],
        "track": track,
        "approaches": [],
        "events": [{"time": track[100]["time"], "kind": "gnss_lost", "detail": {}}],
        "oscillation": None,
        "failure": None,
        "end": {
            "kind": "lost",
            "time": track[-1]["time"],
            "lat": 66.0,
            "lon": float(lons[-1]),
            "airport": None,
            "runway": None,
            "error_km": 1.0,
        },
    }
    series = pa.table(
        {
            "time": pa.array([t0 + i * 10**10 for i in range(200)], pa.timestamp("ns", tz="UTC")),
            "alt_baro_ft": pa.array(np.full(200, 35000.0)),
        }
    )
    page = flight_html(doc, series, provenance=provenance())
    _self_contained(page)
    vb = re.search(r'id="map" viewBox="([^"]+)"', page)
    assert vb is not None
    x, y, w, h = map(float, vb.group(1).split())
    # width in degrees of longitude: the 4 degrees flown plus margins, not 360
    assert w / math.cos(math.radians(66.0)) < 30.0
    # land on both sides of the antimeridian (Chukotka's west and east), in view
    land = re.search(r'class="land" d="([^"]+)"', page)
    assert land is not None
    lx = [float(p.split(",")[0]) for p in re.split("[MLZ]", land.group(1)) if p]
    meridian = 180.0 * math.cos(math.radians(-(y + h / 2)))  # x = lon * cos(middle latitude)
    assert x < meridian < x + w
    assert min(lx) < meridian - 1 and max(lx) > meridian + 1
    # every drawn track point within the view (no jump back across the map)
    for d in re.findall(r'class="trk[^"]*" data-k="[^"]+" stroke="[^"]+" d="([^"]+)"', page):
        xs = [float(p.split(",")[0]) for p in re.split("[ML]", d) if p]
        assert all(x <= v <= x + w for v in xs)


# -- pieces -------------------------------------------------------------------------------------


def test_thinning_keeps_the_extremes() -> None:
    t = np.arange(10_000, dtype=float)
    y = np.sin(t / 300.0) + (t == 5000) * 10.0  # one spike
    cols = t / 10_000 * 500  # 500 pixel columns
    keep = thin_indices(t, y, cols)
    assert keep.size <= 4 * 500
    assert 5000 in keep and y[keep].max() == y.max() and y[keep].min() == y.min()
    assert keep[0] == 0 and keep[-1] == t.size - 1


def test_rejected_values_go_to_the_field_their_rule_names() -> None:
    series = pa.table(
        {
            "time": pa.array([1, 2, 3], pa.timestamp("ns", tz="UTC")),
            "rejected": [True, True, False],
            "rule": ["alt_burst", None, None],
        }
    )
    rej = rejected_fields(series)
    assert rej["alt_baro_ft"].tolist() == [True, True, False]
    assert rej["gs_kt"].tolist() == [False, True, False]  # no rule: shown in every panel


def test_end_in_words() -> None:
    runways = [
        {
            "airport": "UATE",
            "ident": "11/29",
            "lat1": 43.8650,
            "lon1": 51.0700,
            "lat2": 43.8550,
            "lon2": 51.1100,
        }
    ]
    # 4 km before the 11 threshold on its extended centre line (bearing 290 from it)
    la, lo = destination(np.array([43.8650]), np.array([51.0700]), np.array([289.0]), 4000.0)
    end = {"kind": "crashed", "lat": float(la[0]), "lon": float(lo[0]), "airport": "UATE"}
    assert end_words(end, runways=runways) == "crashed 4.0 km short of UATE runway 11/29"
    # abeam the runway: not "short of"
    la, lo = destination(np.array([43.86]), np.array([51.09]), np.array([20.0]), 3000.0)
    end = {"kind": "crashed", "lat": float(la[0]), "lon": float(lo[0]), "airport": "UATE"}
    assert "short of" not in end_words(end, runways=runways)
    # no airport named: the nearest within reach
    airports = {"UATE": {"lat": 43.8601, "lon": 51.092}}
    d = float(distance_m(43.9, 51.092, 43.8601, 51.092)) / 1000
    assert end_words({"kind": "lost", "lat": 43.9, "lon": 51.092}, airports=airports) == (
        f"contact lost {d:.1f} km from UATE"
    )
    assert (
        end_words({"kind": "landed", "airport": "UATE", "runway": "11"})
        == "landed at UATE runway 11"
    )


def test_event_words() -> None:
    t = 1_700_000_000 * 10**9
    words = event_words(
        "approach",
        {"airport": "URML", "runway": "29", "min_height_ft": 225.9, "go_around": True},
        t,
    )
    assert words == "to URML runway 29; lowest 226 ft above the runway; abandoned (go-around)"
    words = event_words("position_lost", {"end": _iso(t + 4385 * 10**9), "cause": "jamming"}, t)
    assert words.startswith("until ") and "(1 h 13 min)" in words and "cause: jamming" in words
    assert event_words("squawk", {"code": "7700"}, t) == "squawk 7700 (emergency)"
    assert "mystery: 3" in event_words("diversion", {"to": "UATE", "mystery": 3}, t)
