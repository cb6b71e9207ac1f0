"""The claim checker (skywitness.claims.check): synthetic records with known answers
(the 8243 note's ambiguous height, a reconstructed stretch too vague to decide),
the simulated incident's truth (true claims consistent, false ones inconsistent)
and real flights from the traffic samples."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pytest

import skywitness
from skywitness.claims import observe
from skywitness.claims.check import DEFAULT_TOLERANCES, Verdict, check_claim, check_claims
from skywitness.claims.model import parse_claims
from skywitness.model.geo import destination, distance_m
from skywitness.model.land import inside_ring, on_land
from skywitness.model.timefmt import iso_utc
from skywitness.model.units import M_PER_FT, MPS_PER_KT, NS_PER_S
from skywitness.track.events import Event

if TYPE_CHECKING:
    from conftest import Simulations

T0 = 1_735_103_400 * NS_PER_S  # 2024-12-25T05:10:00Z
ICAO = "4ca9f1"
#: The note's aircraft: 3,500 ft, 118 m/s (229 kt), track 230 degrees.
ALT_FT, SPEED_MPS, TRACK_DEG = 3500.0, 118.0, 230.0
START = (43.30, 45.70)  # near Grozny


@dataclass(frozen=True)
class Record:
    """A FlightRecord made in the test."""

    icao24: str
    callsign: str | None
    events: tuple[Event, ...]
    track: pa.Table
    approaches: tuple[Mapping[str, Any], ...]
    failure: Mapping[str, Any] | None
    end: Mapping[str, Any] | None
    records: pa.Table | None


def straight(
    minutes: float = 10.0,
    step_s: float = 2.0,
    *,
    error_km: float = 0.03,
    source: str = "reported",
    events: Sequence[Event] = (),
) -> Record:
    """A straight, level flight at the note's speed and height."""
    t_s = np.arange(0.0, minutes * 60.0, step_s)
    lat, lon = destination(START[0], START[1], TRACK_DEG, SPEED_MPS * t_s)
    n = t_s.size
    time = pa.array((T0 + t_s * NS_PER_S).astype(np.int64), pa.timestamp("ns", "UTC"))
    track = pa.table({
        "time": time, "lat": lat, "lon": lon, "alt_baro_ft": np.full(n, ALT_FT),
        "source": [source] * n, "error_km": np.full(n, error_km),
        "rule": pa.nulls(n, pa.string()),
    })  # fmt: skip
    records = pa.table({
        "time": time, "lat": lat if source == "reported" else np.full(n, np.nan),
        "lon": lon if source == "reported" else np.full(n, np.nan),
        "alt_baro_ft": np.full(n, ALT_FT), "gs_kt": np.full(n, SPEED_MPS / MPS_PER_KT),
        "track_deg": np.full(n, TRACK_DEG), "squawk": ["7700"] * n,
        "record_id": np.arange(n, dtype=np.int64),
    })  # fmt: skip
    return Record(ICAO, "AHY8243", tuple(events), track, (), None, None, records)


def claim(**fields: Any) -> Any:
    doc = {"claims": [{"id": "C1", "flight": {"icao24": ICAO}, **fields}]}
    return parse_claims(doc)[0]


def aircraft_at(rec: Record, t_ns: int) -> tuple[float, float]:
    t = rec.track["time"].cast(pa.int64()).to_numpy()
    i = int(np.argmin(np.abs(t - t_ns)))
    return float(rec.track["lat"][i].as_py()), float(rec.track["lon"][i].as_py())


def note(rec: Record, *, height_ref: str, observer: bool = True, **extra: Any) -> Any:
    """The note's claim about ``rec``: azimuth 338, range 7,000 m, height 490 m, 118 m/s
    at 05:13, the observer placed so that the aircraft was there 40 s after 05:13 by
    the record's clock, 577 m above sea level (1,067 m - 490 m)."""
    t_note = T0 + 180 * NS_PER_S
    lat, lon = aircraft_at(rec, t_note + 40 * NS_PER_S)
    olat, olon = observe.observer_at(lat, lon, 338.0, 7000.0)
    obs = {"lat": float(olat), "lon": float(olon), "alt_m": ALT_FT * M_PER_FT - 490.0}
    return claim(kind="observation", time=iso_utc(t_note), clock_tolerance_s=60,
                 observer=obs if observer else None, azimuth_deg=338, ground_range_m=7000,
                 height_m=490, height_ref=height_ref, speed_mps=118, **extra)  # fmt: skip


# -- synthetic records -------------------------------------------------------------------


def test_the_8243_note_fits_only_relative_to_the_observer_with_a_clock_offset() -> None:
    rec = straight()
    v = check_claim(note(rec, height_ref="unknown"), rec)
    assert v.verdict == "consistent", v.explanation
    assert v.clock_offset_s is not None and abs(v.clock_offset_s - 40.0) <= 2.0
    assert v.evidence["height_ref_fitted"] == ["observer"]
    assert v.residuals["height_m"]["from"] == "observer"
    assert abs(v.residuals["azimuth_deg"]["difference"]) < 1.0
    assert "observer" in v.explanation
    # taken as a height above sea level, 490 m is 577 m from the record's 1,067 m
    msl = check_claim(note(rec, height_ref="msl"), rec)
    assert msl.verdict == "inconsistent"
    assert msl.residuals["height_m"]["status"] == "inconsistent"
    assert abs(msl.residuals["height_m"]["difference"] - (ALT_FT * M_PER_FT - 490)) < 5
    json.dumps(v.as_json())  # JSON values only


def test_the_clock_tolerance_bounds_the_offset() -> None:
    # the aircraft is where the note says 40 s later: a 20 s clock tolerance is too little
    rec = straight()
    c = note(rec, height_ref="observer")
    tight = parse_claims({"claims": [{**c.as_json(), "clock_tolerance_s": 20}]})[0]
    v = check_claim(tight, rec)
    assert v.verdict == "inconsistent"
    assert v.clock_offset_s is not None and abs(v.clock_offset_s) <= 20


def test_a_reconstructed_stretch_too_vague_is_undetermined_not_consistent() -> None:
    # positions reconstructed with 3 km of error: at 7 km an azimuth to 5 degrees and a
    # range to 700 m cannot be told apart from their negation
    rec = straight(error_km=3.0, source="reconstructed")
    v = check_claim(note(rec, height_ref="observer"), rec)
    assert v.verdict == "undetermined", v.explanation
    assert v.residuals["azimuth_deg"]["status"] == "undetermined"
    assert v.residuals["azimuth_deg"]["record_uncertainty"] > DEFAULT_TOLERANCES["azimuth_deg"]
    assert v.evidence["source"] == "reconstructed"
    # ... but what lies beyond even that error is still inconsistent
    far = parse_claims({"claims": [{**note(rec, height_ref="observer").as_json(),
                                    "azimuth_deg": 158}]})[0]  # fmt: skip
    assert check_claim(far, rec).verdict == "inconsistent"


def test_no_data_and_no_aircraft_are_undetermined() -> None:
    rec = straight()
    late = claim(kind="observation", time=iso_utc(T0 + 3 * 3600 * NS_PER_S), speed_mps=118)
    v = check_claim(late, rec)
    assert v.verdict == "undetermined" and v.clock_offset_s is None
    missing = check_claims([late], {})
    assert missing[0].verdict == "undetermined"
    assert missing[0].evidence["reason"] == "aircraft not in the store"


def test_unknown_observer_gives_a_region_around_the_true_observer() -> None:
    rec = straight()
    c = note(rec, height_ref="observer")
    v = check_claim(note(rec, height_ref="observer", observer=False), rec)
    assert v.region is not None and v.region["type"] == "MultiPolygon"
    assert c.observer is not None
    inside = [
        inside_ring(np.asarray(poly[0], dtype=np.float64), c.observer.lon, c.observer.lat)
        for poly in v.region["coordinates"]
    ]
    assert any(inside)
    assert v.region_plausible is not None
    assert v.region_plausible["on_land"] is True  # the Chechen plain
    assert v.region_plausible["line_of_sight"] is True
    assert abs(v.region_plausible["observer_alt_m"] - (ALT_FT * M_PER_FT - 490)) < 5
    # without the observer, a height above the observer cannot be checked: the speed fits,
    # the rest gives the region, and the verdict says the record cannot tell
    assert v.verdict == "undetermined"
    assert v.residuals["height_m"]["status"] == "undetermined"
    assert v.residuals["speed_mps"]["status"] == "consistent"
    assert "region" in v.as_json()


def test_observer_geometry_round_trip() -> None:
    lat, lon = np.full(5, 43.3), np.full(5, 45.7)
    az = np.array([0.0, 45.0, 158.0, 270.0, 338.0])
    rng = np.array([1_000.0, 7_000.0, 30_000.0, 80_000.0, 150_000.0])
    olat, olon = observe.observer_at(lat, lon, az, rng)
    seen_az, ground, slant, elev = observe.look(olat, olon, 0.0, lat, lon, 1000.0)
    assert np.all(np.abs((seen_az - az + 180) % 360 - 180) < 0.01)
    assert np.allclose(ground, rng, rtol=1e-6)
    assert np.all(slant >= ground) and elev[0] > elev[-1]
    # 1,000 m up is below the horizon of a standing observer 150 km away (113 + 5 km)
    assert list(observe.line_of_sight(rng, 2.0, 1000.0)) == [True, True, True, True, False]


def test_land_and_sea() -> None:
    lat = [43.86, 42.5, 43.3, 48.85, 40.0, 39.87, 35.5, 66.5]
    lon = [51.09, 50.5, 45.7, 2.35, -40.0, -104.67, 139.85, -172.0]
    assert list(on_land(lat, lon)) == [True, False, True, True, False, True, False, True]


# -- the simulated incident ------------------------------------------------------------------

SEEDS = (3, 7)


@pytest.fixture(scope="module")
def incidents(simulation: Simulations) -> dict[int, tuple[dict[str, Any], Any]]:
    out = {}
    for seed in SEEDS:
        folder = simulation("incident", seed, snapshots=False)
        inc = json.loads((folder / "truth.json").read_text())["incident"]
        rec = skywitness.flight(skywitness.read(folder / "traces"), inc["icao24"], areas=False)
        out[seed] = (inc, rec)
    return out


def _truth_at(inc: Mapping[str, Any], t_ns: int) -> dict[str, float]:
    tp = inc["true_path"]
    i = int(np.argmin(np.abs(np.asarray(tp["time_ns"]) - t_ns)))
    return {k: float(tp[k][i]) for k in ("lat", "lon", "alt_baro_ft", "gs_kt", "track_deg")}


def _incident_claims(inc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """True claims (T...) and false ones (F...) built from the truth."""
    ic, dest, crash = inc["icao24"], inc["destination"], inc["crash"]
    fail = inc["failure"]["time_ns"]
    seen = inc["positions_back"]["time_ns"] + 300 * NS_PER_S  # positions reported again
    p = _truth_at(inc, seen)
    rng = np.random.default_rng(11)
    olat, olon = observe.observer_at(p["lat"], p["lon"], 338.0, 7000.0)
    h_rel = p["alt_baro_ft"] * M_PER_FT - 30.0
    obs = {"lat": float(olat), "lon": float(olon), "alt_m": 30.0}
    off = int(rng.integers(-40, 40)) * NS_PER_S  # the claim's clock is off
    observation = {"kind": "observation", "time": iso_utc(seen - off), "clock_tolerance_s": 60,
                   "observer": obs, "azimuth_deg": round(338 + rng.normal(0, 1), 1),
                   "ground_range_m": round(7000 + rng.normal(0, 150)),
                   "height_m": round(h_rel + rng.normal(0, 30)), "height_ref": "unknown",
                   "speed_mps": round(p["gs_kt"] * MPS_PER_KT + rng.normal(0, 2)),
                   "heading_deg": round(p["track_deg"] + rng.normal(0, 2)) % 360}  # fmt: skip
    f = _truth_at(inc, fail)
    dur = (crash["time_ns"] - fail) / NS_PER_S / 60
    absent = inc["jammed"]["positions_absent"]
    claims = [
        {"id": "T-obs", **observation},
        {"id": "F-obs-az", **observation, "azimuth_deg": (observation["azimuth_deg"] + 40) % 360},
        {"id": "F-obs-h", **observation, "height_ref": "msl",
         "height_m": round(p["alt_baro_ft"] * M_PER_FT + 600)},
        {"id": "T-pos", "kind": "position_at", "time": iso_utc(seen), "lat": p["lat"],
         "lon": p["lon"], "within_km": 2},
        {"id": "F-pos", "kind": "position_at", "time": iso_utc(seen), "lat": p["lat"] + 0.1,
         "lon": p["lon"], "within_km": 2},
        # at the failure the position is reconstructed (error 2-6 km): a loose claim fits,
        # one 20 km off does not
        {"id": "T-pos-gap", "kind": "position_at", "time": iso_utc(fail), "lat": f["lat"],
         "lon": f["lon"], "within_km": 10},
        {"id": "F-pos-gap", "kind": "position_at", "time": iso_utc(fail), "lat": f["lat"] + 0.2,
         "lon": f["lon"], "within_km": 5},
        {"id": "T-app", "kind": "approaches", "airport": dest, "count": len(inc["approaches"]),
         "go_arounds": len(inc["approaches"]), "before": "failure"},
        {"id": "F-app", "kind": "approaches", "airport": dest, "count": 3, "before": "failure"},
        {"id": "T-dur", "kind": "duration", "airborne_after": "failure", "about_min": round(dur)},
        {"id": "T-dur-more", "kind": "duration", "airborne_after": "failure",
         "more_than_min": round(dur) - 10},
        {"id": "F-dur", "kind": "duration", "airborne_after": "failure",
         "about_min": round(dur) + 11},
        {"id": "T-gnss", "kind": "gnss", "state": "jammed", "from": absent["start"],
         "to": absent["end"]},
        {"id": "F-gnss", "kind": "gnss", "state": "normal", "from": absent["start"],
         "to": absent["end"]},
        {"id": "T-sq", "kind": "squawk", "code": inc["emergency"]["squawk"], "transmitted": True,
         "from": "failure"},
        {"id": "F-sq", "kind": "squawk", "code": inc["emergency"]["squawk"], "transmitted": True,
         "to": iso_utc(inc["emergency"]["time_ns"] - 120 * NS_PER_S)},
        {"id": "T-end", "kind": "end", "end": "crashed", "airport": crash["short_of"],
         "lat": crash["lat"], "lon": crash["lon"], "within_km": 3, "time": crash["time"]},
        {"id": "F-end", "kind": "end", "end": "landed", "airport": dest},
        {"id": "F-end-pos", "kind": "end", "lat": crash["lat"] + 0.15, "lon": crash["lon"],
         "within_km": 3},
    ]  # fmt: skip
    return [{**c, "flight": {"icao24": ic}} for c in claims]


@pytest.mark.parametrize("seed", SEEDS)
def test_incident_true_claims_consistent_false_ones_inconsistent(
    incidents: dict[int, tuple[dict[str, Any], Any]], seed: int
) -> None:
    inc, rec = incidents[seed]
    claims = parse_claims({"claims": _incident_claims(inc)})
    verdicts = check_claims(claims, {inc["icao24"]: rec})
    got = {v.id: v.verdict for v in verdicts}
    want = {c.id: "consistent" if c.id.startswith("T") else "inconsistent" for c in claims}
    assert got == want, {v.id: v.explanation for v in verdicts if got[v.id] != want[v.id]}
    obs = next(v for v in verdicts if v.id == "T-obs")
    assert "observer" in obs.evidence["height_ref_fitted"]
    assert obs.evidence["source"] == "reported"


def test_incident_observation_in_the_gap_is_undetermined(
    incidents: dict[int, tuple[dict[str, Any], Any]],
) -> None:
    # two minutes after the failure the position is reconstructed (error ~2 km): a true
    # azimuth and range seen from 7 km cannot be confirmed; its speed and height can
    inc, rec = incidents[SEEDS[0]]
    t = inc["failure"]["time_ns"] + 120 * NS_PER_S
    p = _truth_at(inc, t)
    olat, olon = observe.observer_at(p["lat"], p["lon"], 338.0, 7000.0)
    c = claim(kind="observation", time=iso_utc(t), observer={"lat": float(olat),
              "lon": float(olon), "alt_m": 0}, azimuth_deg=338, ground_range_m=7000,
              speed_mps=round(p["gs_kt"] * MPS_PER_KT))  # fmt: skip
    c = parse_claims({"claims": [{**c.as_json(), "flight": {"icao24": inc["icao24"]}}]})[0]
    v = check_claim(c, rec)
    assert v.verdict == "undetermined", v.explanation
    assert v.evidence["source"] == "reconstructed"
    assert v.residuals["speed_mps"]["status"] == "consistent"


# -- real flights ------------------------------------------------------------------------------


def _judge(path: Path, claims: list[dict[str, Any]]) -> dict[str, Verdict]:
    table = skywitness.read(path)
    icao = table["icao24"][0].as_py()
    rec = skywitness.flight(table, icao, areas=False)
    parsed = parse_claims({"claims": [{**c, "flight": {"icao24": icao}} for c in claims]})
    return {v.id: v for v in check_claims(parsed, {icao: rec})}


def test_real_readsb_legs(samples: Path) -> None:
    # Delta N899DN, four legs: into Minneapolis twice, out once, to Denver
    v = _judge(samples / "readsb" / "trace_full_ac671b.json", [
        {"id": "den", "kind": "end", "end": "landed", "airport": "KDEN"},
        {"id": "msp-end", "kind": "end", "end": "landed", "airport": "KMSP"},
        {"id": "msp", "kind": "approaches", "airport": "KMSP", "count": 2, "go_arounds": 0},
        {"id": "msp3", "kind": "approaches", "airport": "KMSP", "count": 3},
        {"id": "msp-late2", "kind": "approaches", "airport": "KMSP", "count": 2,
         "after": "2025-02-05T16:30:00Z", "before": "2025-02-05T17:02:00Z"},
        {"id": "msp-late", "kind": "approaches", "airport": "KMSP", "count": 1,
         "after": "2025-02-05T12:00:00Z"},
        {"id": "sq", "kind": "squawk", "code": "7435", "transmitted": True},
        {"id": "sq7700", "kind": "squawk", "code": "7700", "transmitted": True},
        {"id": "sq-no", "kind": "squawk", "code": "7700", "transmitted": False},
    ])  # fmt: skip
    got = {k: x.verdict for k, x in v.items()}
    # a third approach at KMSP cannot be excluded over the whole record: the trace is
    # silent for 8 h overnight (after the second leg ends airborne)
    assert got == {"den": "consistent", "msp-end": "inconsistent", "msp": "consistent",
                   "msp3": "undetermined", "msp-late": "consistent", "msp-late2": "inconsistent",
                   "sq": "consistent", "sq7700": "inconsistent",
                   "sq-no": "consistent"}  # fmt: skip
    assert v["msp3"].evidence["longest_silence_s"] > 6 * 3600


def test_real_fr24_position_at_a_time(samples: Path) -> None:
    # JAL516 (Sapporo to Tokyo Haneda): a point of its own track, read from the file
    path = samples / "fr24" / "3376ab31.json"
    pt = json.loads(path.read_text())["result"]["response"]["data"]["flight"]["track"][100]
    when = iso_utc(int(pt["timestamp"]) * NS_PER_S + 30 * NS_PER_S)  # a clock 30 s late
    lat, lon = pt["latitude"], pt["longitude"]
    v = _judge(path, [
        {"id": "here", "kind": "position_at", "time": when, "lat": lat, "lon": lon,
         "within_km": 2},
        {"id": "away", "kind": "position_at", "time": when, "lat": lat + 0.3, "lon": lon,
         "within_km": 2},
        {"id": "rjtt", "kind": "end", "end": "landed", "airport": "RJTT"},
    ])  # fmt: skip
    assert v["here"].verdict == "consistent"
    assert v["here"].clock_offset_s is not None and abs(v["here"].clock_offset_s + 30) <= 5
    assert v["away"].verdict == "inconsistent"
    assert v["rjtt"].verdict == "consistent"
    # the best clock offset slides the aircraft (458 kt) up to 14 km towards the point
    d = float(distance_m(lat, lon, lat + 0.3, lon)) / 1000
    r = v["away"].residuals["distance_km"]
    assert d - 15 < r["record"] <= d and r["record"] > 2 + r["record_uncertainty"]


def test_real_spoofed_flight_gnss(samples: Path) -> None:
    # THY9BP over the Black Sea: spoofed positions from 09:25 to 09:40 UTC
    window = {"from": "2024-09-17T09:26:00Z", "to": "2024-09-17T09:39:00Z"}
    v = _judge(samples / "fr24" / "372355e5.json", [
        {"id": "spoofed", "kind": "gnss", "state": "spoofed", **window},
        {"id": "normal", "kind": "gnss", "state": "normal", **window},
        {"id": "later", "kind": "gnss", "state": "normal", "from": "2024-09-17T10:30:00Z",
         "to": "2024-09-17T11:00:00Z"},
    ])  # fmt: skip
    assert {k: x.verdict for k, x in v.items()} == {
        "spoofed": "consistent",
        "normal": "inconsistent",
        "later": "consistent",
    }
