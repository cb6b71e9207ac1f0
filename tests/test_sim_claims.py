"""The incident scenario's claims file and its truth (skywitness.sim.claims): the file
validates, the truth lists every claim, the draw is deterministic per seed, every kind
has true and false claims, and the truth holds when measured on the true path."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from skywitness.claims.model import KINDS, parse_claims, read_claims
from skywitness.model.geo import distance_m
from skywitness.model.time import parse_time
from skywitness.model.units import NS_PER_S
from skywitness.sim.claims import TOLERANCES, generate_claims
from skywitness.sim.incident import CLAIMS_FILE, claims_document, write_claims

SEEDS = (0, 1, 2)


@pytest.fixture(scope="module")
def incidents(simulation: Callable[..., Path]) -> dict[int, dict[str, Any]]:
    out = {}
    for seed in SEEDS:
        folder = simulation("incident", seed, snapshots=False)
        out[seed] = json.loads((folder / "truth.json").read_text())["incident"]
    return out


def _truth_path(inc: dict[str, Any]) -> tuple[np.ndarray[Any, Any], ...]:
    p = inc["true_path"]
    return (np.asarray(p["time_ns"]) / NS_PER_S, np.asarray(p["lat"]), np.asarray(p["lon"]))


@pytest.mark.parametrize("seed", SEEDS)
def test_file_validates_and_truth_lists_every_claim(
    incidents: dict[int, dict[str, Any]], seed: int
) -> None:
    inc = incidents[seed]
    doc = claims_document(inc)
    claims = parse_claims(doc)
    ids = [c.id for c in claims]
    assert len(ids) == len(set(ids)) == len(doc["claims"])
    assert set(ids) == set(inc["claims"]["truth"])
    assert all(c.flight.ident == inc["icao24"] for c in claims)
    for cid, t in inc["claims"]["truth"].items():
        assert isinstance(t["true"], bool), cid
        if not t["true"]:
            assert t["off"]["quantity"] and t["off"]["amount"] > 0, cid


def test_written_file_reads_back(incidents: dict[int, dict[str, Any]], tmp_path: Path) -> None:
    path = write_claims(tmp_path, incidents[0])
    assert path.name == CLAIMS_FILE
    claims = read_claims(path)
    assert [c.id for c in claims] == [c["id"] for c in claims_document(incidents[0])["claims"]]


def test_deterministic_per_seed(incidents: dict[int, dict[str, Any]]) -> None:
    inc = incidents[0]
    a = generate_claims(inc, 5)
    assert generate_claims(inc, 5) == a
    assert generate_claims(inc, 6)[0] != a[0]
    # the seed in the truth draws the claims its truth lists
    assert generate_claims(inc, inc["claims"]["seed"])[1] == inc["claims"]["truth"]
    assert incidents[0]["claims"]["seed"] != incidents[1]["claims"]["seed"]


@pytest.mark.parametrize("seed", SEEDS)
def test_every_kind_has_true_and_false_claims(
    incidents: dict[int, dict[str, Any]], seed: int
) -> None:
    truth = incidents[seed]["claims"]["truth"]
    for kind in KINDS:
        verdicts = {t["true"] for t in truth.values() if t["kind"] == kind}
        assert verdicts == {True, False}, kind
    # observations: each quantity false somewhere, every height reference used
    obs = [t for t in truth.values() if t["kind"] == "observation"]
    assert {t["off"]["quantity"] for t in obs if t["off"]} >= {
        "azimuth_deg", "ground_range_m", "height_m", "speed_mps", "heading_deg"
    }  # fmt: skip
    doc = {c["id"]: c for c in claims_document(incidents[seed])["claims"]}
    refs = {doc[i].get("height_ref") for i, t in truth.items() if t["kind"] == "observation"}
    assert refs >= {"msl", "agl", "observer", "unknown"}
    assert any(doc[i]["observer"] is None for i in doc if doc[i]["kind"] == "observation")
    assert any(t["record"] == "no_positions" for t in obs)


@pytest.mark.parametrize("seed", SEEDS)
def test_false_claims_are_beyond_their_tolerance(
    incidents: dict[int, dict[str, Any]], seed: int
) -> None:
    truth = incidents[seed]["claims"]["truth"]
    offs = [t["off"] for t in truth.values() if not t["true"]]
    graded = [o["in_tolerances"] for o in offs if o["tolerance"]]
    assert graded and min(graded) > 1.0
    assert max(graded) >= 5.0  # far off too


@pytest.mark.parametrize("seed", SEEDS)
def test_position_claims_measured_on_the_true_path(
    incidents: dict[int, dict[str, Any]], seed: int
) -> None:
    """Independently of the generator: a true position lies within its distance of the
    true path at the claimed time plus its clock offset; a false one is farther than its
    distance from the path over the whole clock window."""
    inc = incidents[seed]
    t, lat, lon = _truth_path(inc)
    truth = inc["claims"]["truth"]
    n = 0
    for c in claims_document(inc)["claims"]:
        if c["kind"] != "position_at":
            continue
        n += 1
        when = parse_time(c["time"]) / NS_PER_S
        within = c["within_km"]
        if truth[c["id"]]["true"]:
            at = when + truth[c["id"]]["clock_offset_s"]
            plat, plon = np.interp(at, t, lat), np.interp(at, t, lon)
            assert float(distance_m(c["lat"], c["lon"], plat, plon)) / 1000 <= within, c["id"]
        else:
            grid = np.arange(when - c["clock_tolerance_s"], when + c["clock_tolerance_s"] + 1)
            d = distance_m(c["lat"], c["lon"], np.interp(grid, t, lat), np.interp(grid, t, lon))
            assert float(np.min(d)) / 1000 > within, c["id"]
    assert n >= 4


@pytest.mark.parametrize("seed", SEEDS)
def test_counts_and_durations_against_the_truth(
    incidents: dict[int, dict[str, Any]], seed: int
) -> None:
    """Approach counts and durations, recomputed from the truth's own events."""
    inc = incidents[seed]
    truth = inc["claims"]["truth"]
    apps = inc["approaches"]
    crash = inc["crash"]["time_ns"]
    anchors = {"failure": inc["failure"]["time_ns"], "squawk_7700": inc["emergency"]["time_ns"],
               "emergency": inc["emergency"]["time_ns"],
               "first_go_around": apps[0]["go_around_ns"]}  # fmt: skip
    for c in claims_document(inc)["claims"]:
        t = truth[c["id"]]
        if c["kind"] == "approaches":
            lo = anchors.get(c.get("after", ""), 0)
            hi = anchors.get(c.get("before", ""), crash)
            inside = [
                a for a in apps if lo < a["go_around_ns"] < hi and a["airport"] == c["airport"]
            ]
            right = c.get("count", len(inside)) == len(inside) and c.get(
                "go_arounds", len(inside)
            ) == len(inside)
            assert right == t["true"], c
        elif c["kind"] == "duration":
            minutes = (crash - anchors[c["airborne_after"]]) / NS_PER_S / 60
            tol = c.get("tolerance_min", TOLERANCES["tolerance_min"])
            if "about_min" in c:
                right = abs(minutes - c["about_min"]) <= tol
            elif "more_than_min" in c:
                right = minutes >= c["more_than_min"] - tol
            else:
                right = minutes <= c["less_than_min"] + tol
            assert right == t["true"], c


def test_tolerances_mirror_the_checker() -> None:
    """The generator's tolerances are the checker's defaults (sim sits below claims)."""
    from skywitness.claims.check import DEFAULT_TOLERANCES

    for name, value in TOLERANCES.items():
        assert DEFAULT_TOLERANCES[name] == value, name
