"""Approaches, go-arounds and landings: real flights first (belevingsvlucht's passes over
Lelystad and landing at Schiphol, ILS calibration at Munich, the four readsb legs),
with their positions and without them; then the simulated AZAL 8243-like incident
(two go-arounds at the destination without GNSS, the final descent to the crash) on
three seeds; then the edges: cruise, lift-off, inputs."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pytest

from skywitness.errors import UsageError
from skywitness.io import read_table
from skywitness.model.units import NS_PER_S
from skywitness.track.approaches import (
    ALIGNED_HEIGHT_FT,
    LOW_HEIGHT_FT,
    Approach,
    approach_events,
    find_approaches,
)
from skywitness.track.envelope import flag_bad_values
from skywitness.track.events import KINDS
from skywitness.track.flights import split_flights
from skywitness.track.gaps import reconstruct_gaps
from skywitness.track.phases import label_phases

if TYPE_CHECKING:
    from conftest import Simulations

#: Incident seeds checked here (traces only; seeds 0-19 measured in the report).
SEEDS = (0, 1, 2)
#: The low point's time may differ from the truth's by this much, s: readsb traces
#: keep a point every few seconds in a climb or descent (measured on seeds 0-19:
#: at most 4.2 s off).
LOW_TIME_TOL_S = 15.0
#: ... and its height by this much, ft: the lowest trace point lies above the true
#: lowest point by what the aircraft climbs or descends between two points (4.5 s
#: at 2,000 ft/min is 150 ft; measured on seeds 0-19: at most 68 ft off).
LOW_HEIGHT_TOL_FT = 150.0


@cache
def _read(path: Path) -> pa.Table:
    return read_table(path).sort_by("time")


def _drop_positions(table: pa.Table, mask: np.ndarray) -> pa.Table:
    out = table
    for name in ("lat", "lon"):
        v = np.asarray(table[name].to_numpy(zero_copy_only=False), np.float64).copy()
        v[mask] = np.nan
        i = out.column_names.index(name)
        out = out.set_column(i, name, pa.array(v, pa.float64(), from_pandas=True))
    return out


def _approaches(table: pa.Table) -> list[Approach]:
    """The pipeline of the track kernels, flight by flight."""
    flights = split_flights(table, bad=flag_bad_values(table))
    ground = flights.ground_alt_ft()
    out: list[Approach] = []
    for f in flights:
        sub = table.slice(f.start_row, f.rows)
        bad = flag_bad_values(sub)
        phases = label_phases(sub, bad=bad, ground_alt_ft=ground[f.start_row : f.end_row])
        path = reconstruct_gaps(sub, bad=bad)
        out += find_approaches(sub, phases, path, bad=bad)
    return out


def _outcomes(apps: list[Approach]) -> list[tuple[str | None, bool, bool]]:
    return [(a.airport, a.go_around, a.landed) for a in apps]


# -- real recordings -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def belevingsvlucht(samples: Path) -> pa.Table:
    return _read(samples / "featured" / "belevingsvlucht.json.gz")


def test_belevingsvlucht_passes_over_lelystad_then_lands_at_schiphol(
    belevingsvlucht: pa.Table,
) -> None:
    # KLM's 747 farewell flight: six passes over Lelystad at about 2,000 ft, lined up
    # alternately with runway 23 and 05 (traffic's aligned_on_ils finds the same six,
    # starting 16:00, 16:50, 17:21, 18:13, 19:05, 19:42), then a landing on Schiphol's 06
    apps = _approaches(belevingsvlucht)
    assert [(a.airport, a.runway) for a in apps] == [
        ("EHLE", "23"),
        ("EHLE", "05"),
        ("EHLE", "23"),
        ("EHLE", "05"),
        ("EHLE", "23"),
        ("EHLE", "23"),
        ("EHAM", "06"),
    ]
    passes, landing = apps[:-1], apps[-1]
    assert all(a.go_around and not a.landed and a.aligned for a in passes)
    assert all(LOW_HEIGHT_FT < a.min_height_ft < ALIGNED_HEIGHT_FT for a in passes)
    assert all(a.distance_km < 1.0 for a in passes)  # over the field
    assert landing.landed and not landing.go_around and landing.aligned
    assert all(a.evidence == "positions" for a in apps)
    starts = [a.start_ns for a in apps]
    assert starts == sorted(starts) and all(a.start_ns <= a.low_ns <= a.end_ns for a in apps)


def test_belevingsvlucht_without_positions(belevingsvlucht: pa.Table) -> None:
    # GNSS lost for the whole flight: nothing places the passes, whose 2,000 ft is
    # too high to call an approach on altitude alone; the landing still shows
    no_pos = _drop_positions(belevingsvlucht, np.ones(belevingsvlucht.num_rows, bool))
    apps = _approaches(no_pos)
    assert _outcomes(apps) == [(None, False, True)]
    assert apps[0].evidence == "none" and apps[0].runway is None


def test_ils_calibration_at_munich(samples: Path) -> None:
    # a flight inspection aircraft flies the 08L ILS down to a few hundred feet and
    # climbs away, 14 times, then lands on 26L
    apps = _approaches(_read(samples / "calibration" / "munich.json.gz"))
    assert len(apps) == 15
    *low, landing = apps
    assert all(a.airport == "EDDM" and a.runway == "08L" and a.aligned for a in low)
    assert all(a.go_around and not a.landed for a in low)
    assert all(0 < a.min_height_ft < 1000 for a in low)
    assert (landing.airport, landing.runway, landing.landed) == ("EDDM", "26L", True)


@pytest.fixture(scope="module")
def legs(samples: Path) -> pa.Table:
    return _read(samples / "readsb" / "trace_full_ac671b.json")


def test_the_readsb_legs_land_at_minneapolis_and_denver(legs: pa.Table) -> None:
    # four legs: into Minneapolis, out of it (the trace ends airborne, far from any
    # field, the landing unseen), into Minneapolis again, and to Denver
    apps = _approaches(legs)
    assert [(a.airport, a.runway, a.landed, a.go_around) for a in apps] == [
        ("KMSP", "12R", True, False),
        ("KMSP", "12R", True, False),
        ("KDEN", "26", True, False),
    ]
    assert all(a.aligned and a.min_height_ft == 0.0 for a in apps)


def test_the_readsb_legs_with_gnss_lost_on_each_final(legs: pa.Table) -> None:
    # positions gone for the 10 minutes before each touchdown and the 5 after: the
    # airports come from the path reckoned from the last position before
    base = _approaches(legs)
    t = np.asarray(legs["time"].cast(pa.int64()).to_numpy())
    mask = np.zeros(legs.num_rows, bool)
    for a in base:
        mask |= (t >= a.low_ns - 600 * NS_PER_S) & (t <= a.low_ns + 300 * NS_PER_S)
    apps = _approaches(_drop_positions(legs, mask))
    assert _outcomes(apps) == _outcomes(base)
    assert all(a.evidence == "reconstructed" for a in apps)
    assert all(abs(a.low_ns - b.low_ns) <= 60 * NS_PER_S for a, b in zip(apps, base, strict=True))


# -- the simulated incident ----------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_incident_two_go_arounds_then_the_final_descent(simulation: Simulations, seed: int) -> None:
    folder = simulation("incident", seed, snapshots=False)
    inc = json.loads((folder / "truth.json").read_text())["incident"]
    table = _read(folder / "traces" / f"trace_full_{inc['icao24']}.json")
    apps = _approaches(table)
    dest = inc["destination"]
    at_dest = [a for a in apps if a.airport == dest]
    assert len(at_dest) == 2 == len(inc["approaches"])
    for a, truth in zip(at_dest, inc["approaches"], strict=True):
        assert a.go_around and not a.landed
        assert a.evidence == "reconstructed"  # GNSS was lost before the approaches
        assert abs(a.low_ns - truth["go_around_ns"]) <= LOW_TIME_TOL_S * NS_PER_S
        assert abs(a.min_height_ft - truth["min_height_ft"]) <= LOW_HEIGHT_TOL_FT
        assert a.start_ns < a.low_ns
    # nothing else before the failure; after it (the phugoid, the diversion), no go-around
    failure = inc["failure"]["time_ns"]
    assert [a for a in apps if a.low_ns <= failure] == at_dest
    later = [a for a in apps if a.low_ns > failure]
    assert not any(a.go_around or a.landed for a in later)
    # the final descent ends with the data, short of the diversion's runway
    assert [a.airport for a in later] == [inc["crash"]["short_of"]]
    last = int(table["time"].cast(pa.int64())[-1].as_py())
    assert later[0].end_ns == last  # truth's last_record, to the second
    assert abs(last - inc["last_record"]["time_ns"]) < NS_PER_S


def test_incident_events(simulation: Simulations) -> None:
    folder = simulation("incident", SEEDS[0], snapshots=False)
    inc = json.loads((folder / "truth.json").read_text())["incident"]
    apps = _approaches(_read(folder / "traces" / f"trace_full_{inc['icao24']}.json"))
    events = approach_events(apps)
    kinds = [e.kind for e in events]
    assert kinds.count("approach") == len(apps) and kinds.count("go_around") == 2
    assert all(k in KINDS for k in kinds)
    assert [e.time_ns for e in events] == sorted(e.time_ns for e in events)
    first = next(e for e in events if e.kind == "approach")
    assert {
        "airport",
        "runway",
        "min_height_ft",
        "aligned",
        "go_around",
        "landed",
        "low_time",
    } <= set(first.detail)
    assert first.detail["airport"] == inc["destination"] and first.detail["go_around"] is True
    assert first.detail["low_time"].endswith("Z")
    json.dumps([e.as_json() for e in events])  # JSON values only


# -- edges -----------------------------------------------------------------------------------


def _synthetic(alt_ft: np.ndarray, lat: float, lon: float, step_s: float = 5.0) -> pa.Table:
    n = alt_ft.shape[0]
    t0 = 1_700_000_000 * NS_PER_S
    return pa.table(
        {
            "time": pa.array(t0 + np.arange(n) * int(step_s * NS_PER_S), pa.int64()).cast(
                pa.timestamp("ns", tz="UTC")
            ),
            "lat": pa.array(np.full(n, lat)),
            "lon": pa.array(np.full(n, lon)),
            "alt_baro_ft": pa.array(alt_ft.astype(float)),
            "gs_kt": pa.array(np.full(n, 250.0)),
            "on_ground": pa.array(np.zeros(n, bool)),
        }
    )


def test_no_approach_at_cruise_or_on_lift_off() -> None:
    # over Munich's runways at FL350, a step down of 2,000 ft and back up: a trough,
    # but far above the field
    alt = np.r_[np.full(100, 35000.0), np.linspace(35000, 33000, 60), np.linspace(33000, 35000, 60)]
    alt = np.r_[alt, np.full(100, 35000.0)]
    table = _synthetic(alt, 48.354, 11.786)
    assert find_approaches(table, label_phases(table), None) == ()
    # climbing out of the field from 1,500 ft: a trough at the start is no approach
    climb = _synthetic(np.linspace(1500, 9000, 200), 48.354, 11.786)
    assert find_approaches(climb, label_phases(climb), None) == ()


def test_a_low_pass_away_from_any_airport_is_no_approach() -> None:
    # down to 500 ft and up again over the middle of the North Atlantic
    alt = np.r_[np.linspace(3000, 500, 100), np.linspace(500, 3000, 100)]
    table = _synthetic(alt, 45.0, -35.0)
    assert find_approaches(table, label_phases(table), None) == ()
    # the same over Schiphol (elevation about -12 ft) is a go-around
    table = _synthetic(alt, 52.3086, 4.7639)
    (a,) = find_approaches(table, label_phases(table), None)
    assert a.airport == "EHAM" and a.go_around and not a.landed and not a.aligned
    assert a.min_height_ft == pytest.approx(512.0, abs=5.0)


def test_inputs_are_checked(legs: pa.Table) -> None:
    sub = legs.slice(0, 100)
    phases = label_phases(sub)
    with pytest.raises(UsageError):
        find_approaches(legs.slice(0, 99), phases)
    with pytest.raises(UsageError):
        find_approaches(sub, phases, pa.table({"lat": [1.0]}))


@pytest.mark.slow  # ~5 s: 57,793 raw frames decoded and reconstructed
def test_air_ground_flicker_is_no_approach(samples: Path) -> None:
    """Raw frames mix surface and airborne messages during the take-off roll (traffic's
    rs1090 sample, AFR34ZG at Paris CDG): the flicker is no approach, and the one
    flight's only approach is its landing at Toulouse."""
    from skywitness.jobs.flight import compute_flight

    table = read_table(samples / "rs1090" / "full_flight_short.jsonl")
    doc = compute_flight(table).as_json()
    assert [(a["airport"], a["go_around"]) for a in doc["approaches"]] == [("LFBO", False)]
    assert not [e for e in doc["events"] if e["kind"] == "diversion"]
    assert doc["end"]["kind"] == "landed" and doc["end"]["airport"] == "LFBO"
