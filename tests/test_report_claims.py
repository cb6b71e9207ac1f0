"""The offline HTML claims report (skywitness.report.claims).

The input is built the way the check job hands it over: the incident
aircraft's flight reconstructed by :func:`skywitness.flight` on the
simulator's ``incident`` scenario (its ``as_json``), claims as written in a
claims file (each ``Claim.as_json``) and verdicts in the shape of
``Verdict.as_json`` (claims/check.py). The verdicts are made here from the
reconstruction (record positions interpolated from its track, the end, the
approaches), not by the checker, which is tested on its own: this file tests
the page, not the judgement. One claim names an aircraft absent from the
record, as the job passes it (``{}``).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import Simulations

import skywitness
from skywitness.claims.model import parse_claims
from skywitness.model.geo import bearing_deg, destination, distance_m
from skywitness.model.time import parse_time
from skywitness.model.timefmt import iso_utc
from skywitness.report.claims import (
    VERDICT_COLOURS,
    claim_words,
    claims_html,
    record_position,
    residual_rows,
    write_claims_html,
)
from skywitness.report.provenance import Provenance

#: A claim's time 18 s off the record (the 8243 note's clocks differ by tens of seconds).
CLOCK_OFFSET_S = 18.0
ABSENT = "abcdef"


def _ns(text: str) -> int:
    t = parse_time(text)
    assert t is not None
    return t


def _track_at(doc: dict[str, Any], t_ns: int) -> tuple[float, float, float, str, float]:
    """lat, lon, alt_ft, source, error_km of the flight's track at t (linear between rows)."""
    rows = [r for r in doc["track"] if r.get("lat") is not None]
    t = np.array([_ns(r["time"]) for r in rows], dtype=np.int64)
    j = int(np.clip(np.searchsorted(t, t_ns), 1, len(t) - 1))
    a, b = rows[j - 1], rows[j]
    w = (t_ns - t[j - 1]) / max(int(t[j] - t[j - 1]), 1)
    err = max(a.get("error_km") or 0.0, b.get("error_km") or 0.0)
    return (
        a["lat"] + w * (b["lat"] - a["lat"]),
        a["lon"] + w * (b["lon"] - a["lon"]),
        next((r["alt_baro_ft"] for r in (a, b) if r.get("alt_baro_ft") is not None), 3500.0),
        a["source"],
        err,
    )


def _res(claimed: float, record: float, unit: str) -> dict[str, Any]:
    d = claimed - record
    if unit == "deg":
        d = (d + 180.0) % 360.0 - 180.0
    return {"claimed": claimed, "record": round(record, 1), "difference": round(d, 1), "unit": unit}


def incident_check_inputs(out: Path) -> dict[str, Any]:
    """verdicts, claims, flights (as the check job passes them) for a simulated incident."""
    inc = json.loads((out / "truth.json").read_text())["incident"]
    icao = inc["icao24"]
    doc = skywitness.flight(skywitness.read(out / "traces"), icao, areas=False).as_json()
    fl = {"icao24": icao}
    end = doc["end"]
    t_fail = _ns(doc["failure"]["time"])
    t_end = _ns(end["time"])
    times = [_ns(r["time"]) for r in doc["track"]]
    t0 = times[0]
    raw: list[dict[str, Any]] = []
    verdicts: list[dict[str, Any]] = []

    def observation(cid: str, t_ns: int, az_off: float, verdict: str, why: str) -> None:
        lat, lon, alt_ft, src, err = _track_at(doc, t_ns + int(CLOCK_OFFSET_S * 1e9))
        # an observer 7 km away, seeing the aircraft at 338 degrees (+ az_off claimed)
        la, lo = destination(lat, lon, 158.0, 7000.0)
        olat, olon = float(la), float(lo)
        az = float(bearing_deg(olat, olon, lat, lon))
        rng = float(distance_m(olat, olon, lat, lon))
        height = alt_ft * 0.3048 - 30.0
        raw.append({"id": cid, "flight": fl, "kind": "observation", "time": iso_utc(t_ns),
                    "clock_tolerance_s": 60, "observer": {"lat": olat, "lon": olon, "alt_m": 30},
                    "azimuth_deg": round(az + az_off) % 360, "ground_range_m": round(rng, -2),
                    "height_m": round(height, -1), "height_ref": "unknown", "speed_mps": 118})  # fmt: skip
        verdicts.append({
            "id": cid, "kind": "observation", "verdict": verdict,
            "residuals": {"azimuth_deg": _res(round(az + az_off) % 360, az, "deg"),
                          "ground_range_m": _res(round(rng, -2), rng, "m"),
                          "height_m": _res(round(height, -1), height, "m"),
                          "speed_mps": _res(118, 121.4, "m/s")},
            "tolerance": {"azimuth_deg": 5.0, "ground_range_m": 700.0 + err * 1000, "height_m": 150.0,
                          "speed_mps": 15.0, "clock_tolerance_s": 60.0},
            "clock_offset_s": CLOCK_OFFSET_S, "explanation": why,
            "evidence": {"record_time": iso_utc(t_ns + int(CLOCK_OFFSET_S * 1e9)), "source": src,
                         "error_km": err, "height_ref": "observer"},
        })  # fmt: skip

    t_obs = t0 + 13 * 60 * 10**9
    observation("C1", t_obs, 0.0, "consistent",
                "Seen from the stated place the record puts the aircraft at azimuth and range "
                "within the tolerances; the height fits only relative to the observer.")  # fmt: skip
    observation("C2", t_obs + 20 * 60 * 10**9, 40.0, "inconsistent",
                "The record puts the aircraft 40 degrees off the stated azimuth, beyond the "
                "5 degree tolerance.")  # fmt: skip
    # an observation without an observer: the region round the aircraft at 7 km
    t3 = t_obs + 6 * 60 * 10**9
    lat, lon, *_ = _track_at(doc, t3)
    b = np.linspace(338 + 180 - 8, 338 + 180 + 8, 17)
    outer = destination(np.full(17, lat), np.full(17, lon), b, np.full(17, 7700.0))
    inner = destination(np.full(17, lat), np.full(17, lon), b[::-1], np.full(17, 6300.0))
    ring = [[float(x), float(y)] for y, x in zip(outer[0], outer[1], strict=True)]
    ring += [[float(x), float(y)] for y, x in zip(inner[0], inner[1], strict=True)]
    ring.append(ring[0])
    raw.append({"id": "C3", "flight": fl, "kind": "observation", "time": iso_utc(t3),
                "azimuth_deg": 338, "ground_range_m": 7000, "height_m": 490,
                "height_ref": "unknown"})  # fmt: skip
    verdicts.append({"id": "C3", "kind": "observation", "verdict": "consistent",
                     "residuals": {}, "tolerance": {"azimuth_deg": 5.0, "ground_range_m": 700.0},
                     "clock_offset_s": 0.0,
                     "explanation": "With no observer given, the shaded region holds every "
                                    "place it could have been seen from as described.",
                     "evidence": {"record_time": iso_utc(t3)},
                     "region": {"type": "Polygon", "coordinates": [ring]},
                     "region_plausible": {"on_land": True, "line_of_sight": True}})  # fmt: skip
    # position_at: one true, one 30 km off
    for cid, t_ns, off_km, word in (("C4", t0 + 300 * 10**9, 0.8, "consistent"),
                                    ("C5", t0 + 50 * 60 * 10**9, 30.0, "inconsistent")):  # fmt: skip
        lat, lon, _, src, err = _track_at(doc, t_ns)
        la, lo = destination(lat, lon, 45.0, off_km * 1000)
        raw.append({"id": cid, "flight": fl, "kind": "position_at", "time": iso_utc(t_ns),
                    "lat": round(float(la), 4), "lon": round(float(lo), 4), "within_km": 5})  # fmt: skip
        verdicts.append({"id": cid, "kind": "position_at", "verdict": word,
                         "residuals": {"distance_km": {"claimed": 0.0, "record": off_km,
                                                       "difference": off_km, "unit": "km"}},
                         "tolerance": {"within_km": 5.0 + err}, "clock_offset_s": 0.0,
                         "explanation": f"The record is {off_km:.1f} km from the claimed place "
                                        f"({src}, \u00b1 {err:.1f} km).",
                         "evidence": {"record_time": iso_utc(t_ns), "source": src}})  # fmt: skip
    napp = len(doc["approaches"])
    nga = sum(bool(a["go_around"]) for a in doc["approaches"])
    raw.append({"id": "C6", "flight": fl, "kind": "approaches", "airport": "URML", "count": 2,
                "go_arounds": 2, "before": "failure"})  # fmt: skip
    verdicts.append({"id": "C6", "kind": "approaches", "verdict": "consistent",
                     "residuals": {"count": {"claimed": 2, "record": 2, "difference": 0,
                                             "unit": "count"},
                                   "go_arounds": {"claimed": 2, "record": 2, "difference": 0,
                                                  "unit": "count"}},
                     "tolerance": {"count": 0}, "clock_offset_s": None,
                     "explanation": f"The record shows 2 approaches to URML before the failure, "
                                    f"both abandoned ({napp} approaches, {nga} go-arounds in all).",
                     "evidence": {"approaches": [a["time"] for a in doc["approaches"]]}})  # fmt: skip
    flown = (t_end - t_fail) / 60e9
    raw.append({"id": "C7", "flight": fl, "kind": "duration", "airborne_after": "failure",
                "about_min": 74, "tolerance_min": 2})  # fmt: skip
    verdicts.append({"id": "C7", "kind": "duration", "verdict": "inconsistent",
                     "residuals": {"duration_min": _res(74.0, flown, "min")},
                     "tolerance": {"tolerance_min": 2.0}, "clock_offset_s": None,
                     "explanation": f"The record has the aircraft in the air {flown:.0f} min "
                                    "after the failure, not 74 \u00b1 2 min.",
                     "evidence": {"from": doc["failure"]["time"], "to": end["time"]}})  # fmt: skip
    raw.append({"id": "C8", "flight": fl, "kind": "gnss", "state": "jammed",
                "from": iso_utc(t0 + 15 * 60 * 10**9), "to": iso_utc(t0 + 80 * 60 * 10**9),
                "bbox": [46.5, 42.0, 51.0, 44.0]})  # fmt: skip
    verdicts.append({"id": "C8", "kind": "gnss", "verdict": "undetermined", "residuals": {},
                     "tolerance": {}, "clock_offset_s": None,
                     "explanation": "Part of the box has no aircraft in the record at that time.",
                     "evidence": {"sources": ["reconstructed"]}})  # fmt: skip
    raw.append({"id": "C9", "flight": fl, "kind": "squawk", "code": "7700", "transmitted": True})
    verdicts.append({"id": "C9", "kind": "squawk", "verdict": "consistent", "residuals": {},
                     "tolerance": {}, "clock_offset_s": None,
                     "explanation": "Squawk 7700 is in the record from 05:46:50 UTC.",
                     "evidence": {"first": "2025-02-11T05:46:50Z"}})  # fmt: skip
    raw.append({"id": "C10", "flight": fl, "kind": "end", "end": "crashed", "airport": "UATE",
                "lat": round(end["lat"] + 0.02, 4), "lon": round(end["lon"] - 0.02, 4),
                "within_km": 5})  # fmt: skip
    d_end = float(distance_m(end["lat"] + 0.02, end["lon"] - 0.02, end["lat"], end["lon"])) / 1e3
    verdicts.append({"id": "C10", "kind": "end", "verdict": "consistent",
                     "residuals": {"distance_km": {"claimed": 0.0, "record": round(d_end, 1),
                                                   "difference": round(d_end, 1), "unit": "km"}},
                     "tolerance": {"within_km": 5.0 + end["error_km"]}, "clock_offset_s": None,
                     "explanation": f"The record ends with a crash {d_end:.1f} km from the "
                                    "claimed place, near UATE.",
                     "evidence": {"end": end["time"]}})  # fmt: skip
    raw.append({"id": "C11", "flight": {"icao24": ABSENT}, "kind": "squawk", "code": "7700"})
    verdicts.append({"id": "C11", "kind": "squawk", "verdict": "undetermined", "residuals": {},
                     "tolerance": {}, "clock_offset_s": None,
                     "explanation": f"Aircraft {ABSENT} is not in the store.", "evidence": {}})  # fmt: skip
    claims = [c.as_json() for c in parse_claims({"claims": raw})]
    return {"verdicts": verdicts, "claims": claims, "flights": {icao: doc, ABSENT: {}}, "doc": doc}


@pytest.fixture(scope="module")
def inputs(simulation: Simulations) -> dict[str, Any]:
    return incident_check_inputs(simulation("incident", 0, snapshots=False))


@pytest.fixture(scope="module")
def page(inputs: dict[str, Any]) -> str:
    return claims_html(inputs["verdicts"], inputs["claims"], inputs["flights"],
                       provenance=Provenance("skywitness check claims.json", ("store",)))  # fmt: skip


def _text(page: str) -> str:
    """The visible text: tags, scripts and styles removed, entities unescaped."""
    import html

    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def test_page_is_self_contained(page: str) -> None:
    # nothing to fetch: no URL of any scheme in src/href, no external stylesheet or font
    assert not re.search(r"(src|href)\s*=\s*[\"'](?!#)", page)
    assert "http://" not in page and "https://" not in page
    assert "@import" not in page and "url(" not in page
    assert page.count('<svg class="map') >= 2  # an overview and close-ups, inline


def test_every_claim_and_verdict_is_shown(page: str, inputs: dict[str, Any]) -> None:
    text = _text(page)
    for v in inputs["verdicts"]:
        row = re.search(rf'<tr id="claim-{v["id"]}" class="v-(\w+)">(.*?)</tr>\s*(?=<tr id|</tbody>)',
                        page, flags=re.S)  # fmt: skip
        assert row is not None, v["id"]
        assert row.group(1) == v["verdict"]
        assert f">{v['verdict']}</span>" in row.group(2)
        assert _text(v["explanation"]).split()[0] in _text(row.group(2))
    n = len(inputs["verdicts"])
    counts = {w: sum(v["verdict"] == w for v in inputs["verdicts"]) for w in VERDICT_COLOURS}
    assert (f"{n} claims about 2 flights: {counts['consistent']} consistent, "
            f"{counts['inconsistent']} inconsistent, {counts['undetermined']} undetermined") in text  # fmt: skip
    assert "Aircraft not in the record" in text and ABSENT in text


def test_residuals_and_tolerances_with_units(page: str, inputs: dict[str, Any]) -> None:
    row = re.search(r'<tr id="claim-C1".*?</tr>\s*(?=<tr id)', page, flags=re.S)
    assert row is not None
    cells = _text(row.group(0))
    v = inputs["verdicts"][0]
    az = v["residuals"]["azimuth_deg"]
    assert f"{az['claimed']:.0f}\u00b0" in cells and "azimuth \u00b1 5\u00b0" in cells
    assert "+18 s" in cells  # the clock offset
    assert "m/s" in cells
    rows = residual_rows(v["residuals"])
    assert rows[0][0] == "azimuth" and rows[1][0] == "ground range" and rows[1][1].endswith(" m")


def test_map_draws_observers_regions_and_circles(page: str, inputs: dict[str, Any]) -> None:
    assert re.search(r'class="cl sector" data-k="m0-cC1-\d+" style="stroke:#1a9641', page)
    assert re.search(r'class="cl sector" data-k="m0-cC2-\d+" style="stroke:#d7191c', page)
    assert 'class="cl region"' in page  # C3's observer region shaded
    assert len(re.findall(r'class="cl within"', page)) >= 3 * 2  # C4, C5, C10: overview + close-up
    assert 'class="cl bbox"' in page
    assert page.count('class="obs"') >= 4  # two observers, overview and close-up
    # the record position of C1 is the reconstruction's at the claim's time + offset
    info = json.loads(re.search(r'<script type="application/json" id="info">(.*?)</script>',
                                page, flags=re.S).group(1))  # type: ignore[union-attr]  # fmt: skip
    rec = [v for k, v in info.items()
           if k.startswith("m0-cC1-") and v["t"].startswith("The aircraft in the record")]  # fmt: skip
    claim_t = _ns(inputs["claims"][0]["time"]) + int(CLOCK_OFFSET_S * 1e9)
    assert len(rec) == 1 and iso_utc(claim_t)[11:19] in rec[0]["t"]
    assert "estimated" in rec[0]["l"][0]  # 05:13 is inside the gap without positions


def test_record_position_interpolates_and_refuses_far(inputs: dict[str, Any]) -> None:
    from skywitness.report.claims import _track

    doc = inputs["doc"]
    tr = _track(doc["track"])
    t = int(tr.time_ns[10] + (tr.time_ns[11] - tr.time_ns[10]) // 2)
    fix = record_position(tr, t)
    assert fix is not None
    lo, hi = sorted((tr.lat[10], tr.lat[11]))
    assert lo <= fix.lat <= hi
    assert record_position(tr, int(tr.time_ns[-1]) + 3_600 * 10**9) is None


def test_claim_words_read_as_sentences(inputs: dict[str, Any]) -> None:
    words = {c["id"]: claim_words(c) for c in inputs["claims"]}
    assert "saw the aircraft: azimuth" in words["C1"] and "above sea level" in words["C1"]
    assert "an observer at an unknown place" in words["C3"]
    assert words["C6"] == (
        "The aircraft made 2 approaches to URML and 2 go-arounds before the failure."
    )
    assert (
        words["C7"]
        == "The aircraft stayed in the air about 74 min (\u00b1 2 min) after the failure."
    )
    assert words["C9"].startswith("Squawk 7700 was transmitted")


def test_write_is_atomic_and_carries_provenance(
    tmp_path: Path, inputs: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "claims.html"
    prov = Provenance("skywitness check claims.json --out claims.html", ("/data/store",))
    got = write_claims_html(out, inputs["verdicts"], inputs["claims"], inputs["flights"],
                            provenance=prov)  # fmt: skip
    assert got == out and [p.name for p in tmp_path.iterdir()] == ["claims.html"]
    page = out.read_text()
    block = re.search(r'id="skywitness-provenance">(.*?)</script>', page, flags=re.S)
    assert block is not None
    assert json.loads(block.group(1))["command"] == prov.command
    assert "/data/store" in _text(page) and '<meta name="generator"' in page
    # a write that fails at the rename leaves the old file whole and no part file
    before = out.read_bytes()

    def broken(src: Any, dst: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        write_claims_html(out, inputs["verdicts"][:1], inputs["claims"][:1], inputs["flights"],
                          provenance=prov)  # fmt: skip
    assert out.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["claims.html"]


def test_flight_not_in_store_only(tmp_path: Path) -> None:
    claims = [{"id": "X1", "flight": {"callsign": "NOPE1"}, "kind": "position_at",
               "time": "2025-02-11T05:00:00Z", "lat": 42.0, "lon": 47.0, "within_km": 5}]  # fmt: skip
    verdicts: list[dict[str, Any]] = [{"id": "X1", "kind": "position_at", "verdict": "undetermined", "residuals": {},
                 "tolerance": {}, "clock_offset_s": None,
                 "explanation": "Aircraft NOPE1 is not in the store.", "evidence": {}}]  # fmt: skip
    page = claims_html(verdicts, claims, {"NOPE1": {}}, provenance=None)
    text = _text(page)
    assert "1 claim about 1 flight: 0 consistent, 0 inconsistent, 1 undetermined" in text
    assert "NOPE1" in text and 'class="map' not in page
