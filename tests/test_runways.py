"""Runways: the shipped table (derived from OurAirports), look-ups by airport, the end an
aircraft is lined up with, and the script that makes the table."""

from __future__ import annotations

import importlib.util
import math
import sys
from functools import cache
from importlib import resources
from pathlib import Path
from types import ModuleType

import pytest

from skywitness.model.airports import icao_airports
from skywitness.model.geo import bearing_deg, destination, distance_m
from skywitness.model.runways import nearest_runway, runway_centres, runways_of
from skywitness.model.units import M_PER_FT

#: The shipped file stays small (the brief: a few hundred KB at most).
MAX_BYTES = 500_000


def _angle(a: float, b: float) -> float:
    return abs((a - b + 180.0) % 360.0 - 180.0)


def test_the_file_is_small_and_covers_known_airports_only() -> None:
    size = len((resources.files("skywitness") / "data" / "runways.csv.gz").read_bytes())
    assert size < MAX_BYTES
    centres = runway_centres()
    assert len(centres) > 5000
    assert set(centres) <= set(icao_airports())


def test_schiphol() -> None:
    ends = {r.ident: r for r in runways_of("eham")}  # case does not matter
    assert {"06", "24", "18R", "36L", "09", "27"} <= set(ends)
    # the Polderbaan runs north-south, 12,467 ft; its two ends face each other
    r18r, r36l = ends["18R"], ends["36L"]
    assert _angle(r18r.heading_deg, 183.0) < 2.0
    assert _angle(r18r.heading_deg, r36l.heading_deg + 180.0) < 0.5
    assert r18r.length_ft == pytest.approx(12467.0)
    # thresholds lie along the runway, about its length apart
    d = float(distance_m(r18r.lat, r18r.lon, r36l.lat, r36l.lon))
    assert 0.8 * 12467 * M_PER_FT < d <= 12467 * M_PER_FT * 1.01
    assert _angle(float(bearing_deg(r18r.lat, r18r.lon, r36l.lat, r36l.lon)), r18r.heading_deg) < 1
    assert all(-20 < r.elevation_ft < 0 for r in ends.values())  # below sea level


def test_every_end_has_an_opposite() -> None:
    for code in ("EDDM", "LFBO", "KMSP", "URML", "UATE", "YSSY"):
        ends = runways_of(code)
        assert ends, code
        for r in ends:
            assert any(_angle(o.heading_deg, r.heading_deg + 180.0) < 1.0 for o in ends), r


def test_unknown_airport() -> None:
    assert runways_of("ZZZZ") == ()
    assert nearest_runway("ZZZZ", 0.0, 0.0) is None


def test_nearest_runway_by_track_and_by_position() -> None:
    # Munich: parallel runways 08L/26R (north) and 08R/26L (south), 1.9 km apart
    ends = {r.ident: r for r in runways_of("EDDM")}
    r08l = ends["08L"]
    # 8 km out on the extended centreline of 08L, flying its heading
    lat, lon = destination(r08l.lat, r08l.lon, r08l.heading_deg + 180.0, 8000.0)
    got = nearest_runway("EDDM", float(lat), float(lon), r08l.heading_deg)
    assert got is not None and got.ident == "08L"
    # flying the other way, away from the field: nothing ahead is aligned
    assert nearest_runway("EDDM", float(lat), float(lon), r08l.heading_deg + 180.0) is None
    # without a track: the nearest threshold (08R's is staggered west, nearer than 08L's)
    near = nearest_runway("EDDM", float(lat), float(lon))
    nearest = min(ends.values(), key=lambda r: float(distance_m(lat, lon, r.lat, r.lon)))
    assert near == nearest and near.ident == "08R"
    # over the runway, flying along it: that end, though its threshold is behind
    mid_lat, mid_lon = destination(r08l.lat, r08l.lon, r08l.heading_deg, 1000.0)
    over = nearest_runway("EDDM", float(mid_lat), float(mid_lon), r08l.heading_deg)
    assert over is not None and over.ident == "08L"


def test_runway_centres_fix_a_misplaced_reference_point() -> None:
    # airportsdata puts Brussels 40 km south-west (DMS read as decimals); its runways do not
    import airportsdata

    raw = airportsdata.load("ICAO")["EBBR"]
    lat, lon = runway_centres()["EBBR"]
    assert float(distance_m(lat, lon, 50.901, 4.484)) < 2000.0
    assert float(distance_m(float(raw["lat"]), float(raw["lon"]), lat, lon)) > 30_000.0
    # the airport table every part reads is moved to its runways, the original kept
    fixed = icao_airports()["EBBR"]
    assert (fixed["lat"], fixed["lon"]) == (lat, lon)
    assert (fixed["airportsdata_lat"], fixed["airportsdata_lon"]) == (raw["lat"], raw["lon"])
    # an airport whose reference point agrees with its runways is left as it is
    assert icao_airports()["EDDM"]["lat"] == airportsdata.load("ICAO")["EDDM"]["lat"]


# -- the script ------------------------------------------------------------------------------


@cache
def _script() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "scripts" / "make_runways.py"
    spec = importlib.util.spec_from_file_location("make_runways", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # its dataclass looks its module up
    spec.loader.exec_module(mod)
    return mod


def _row(**kw: str) -> dict[str, str]:
    base = {"airport_ident": "TEST", "length_ft": "10000", "closed": "0"}
    for p in ("le", "he"):
        for f in ("ident", "latitude_deg", "longitude_deg", "elevation_ft", "heading_degT"):
            base[f"{p}_{f}"] = ""
        base[f"{p}_displaced_threshold_ft"] = ""
    base.update(kw)
    return base


def test_script_applies_displaced_thresholds_and_uses_the_centreline() -> None:
    mod = _script()
    # a runway due east, 10,000 ft; the west end's threshold displaced by 1,000 ft
    lat2, lon2 = destination(50.0, 5.0, 90.0, 10000 * M_PER_FT)
    row = _row(
        le_ident="09",
        le_latitude_deg="50.0",
        le_longitude_deg="5.0",
        le_heading_degT="87",  # rounded or magnetic: the centreline wins
        le_displaced_threshold_ft="1000",
        le_elevation_ft="100",
        he_ident="27",
        he_latitude_deg=f"{float(lat2):.6f}",
        he_longitude_deg=f"{float(lon2):.6f}",
    )
    ends = {e[1]: e for e in mod.runway_ends(row, 55.0)}
    e09, e27 = ends["09"], ends["27"]
    assert float(e09[5]) == pytest.approx(90.0, abs=0.2)
    assert float(e27[5]) == pytest.approx(270.0, abs=0.2)
    moved = float(distance_m(50.0, 5.0, float(e09[2]), float(e09[3])))
    assert moved == pytest.approx(1000 * M_PER_FT, abs=3.0)
    assert (e09[4], e27[4]) == ("100", "55")  # the end's elevation, else the airport's


def test_script_places_a_missing_end_from_heading_and_length() -> None:
    mod = _script()
    row = _row(
        le_ident="18",
        le_latitude_deg="10.0",
        le_longitude_deg="20.0",
        le_heading_degT="180",
        he_ident="36",
    )
    ends = {e[1]: e for e in mod.runway_ends(row, 0.0)}
    d = float(distance_m(10.0, 20.0, float(ends["36"][2]), float(ends["36"][3])))
    assert d == pytest.approx(10000 * M_PER_FT, rel=1e-3)
    assert float(ends["36"][5]) == pytest.approx(0.0, abs=0.2) or math.isclose(
        float(ends["36"][5]), 360.0, abs_tol=0.2
    )
    # neither threshold: nothing
    assert mod.runway_ends(_row(le_ident="18", he_ident="36"), 0.0) == []
