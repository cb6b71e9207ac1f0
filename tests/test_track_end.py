"""The end of a flight, its diversion and the failure.

Real recordings first (the readsb four-leg trace: three landings at their
airports and one leg lost at altitude; a calibration flight that flies
approaches elsewhere and returns to base), then the simulator's ``incident``
scenario against its truth on three seeds, then synthetic ends and evidence.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pytest

from skywitness.io import read_table
from skywitness.model.geo import destination, distance_m
from skywitness.model.schema import TIME_TYPE
from skywitness.model.timefmt import iso_utc
from skywitness.model.units import MPS_PER_KT, NS_PER_S
from skywitness.track import flag_bad_values, label_phases, reconstruct_gaps, split_flights
from skywitness.track.end import (
    AUTOPILOT_LANDING_S,
    FAILURE_LINK_S,
    End,
    diversion,
    end_events,
    failure,
    flight_end,
)
from skywitness.track.events import Event, signal_events

if TYPE_CHECKING:
    from conftest import Simulations

T0 = 1_700_000_000 * NS_PER_S
#: Incident seeds (test_track_events.py uses others).
SEEDS = (0, 1, 2)
#: The brief's targets: impact point within 2 km of the truth, failure within 30 s.
IMPACT_MAX_KM = 2.0
FAILURE_TOL_S = 30.0
#: The diversion's time "near" the decision: the turn is found on the reconstructed
#: path, whose track a hold or vectors may point at the new airport before or
#: after the decision; measured over seeds 0-39: at most 118 s.
DIVERSION_TOL_S = 180.0


def _one_flight(table: pa.Table) -> tuple[Any, Any, Any, Any]:
    bad = flag_bad_values(table)
    flights = split_flights(table, bad=bad)
    phases = label_phases(
        table, bad=bad, starts=flights.starts, ground_alt_ft=flights.ground_alt_ft()
    )
    return bad, flights, phases, reconstruct_gaps(table, bad=bad)


# -- real recordings ------------------------------------------------------------------------


def test_readsb_four_legs_end_where_they_landed(samples: Path) -> None:
    table = read_table(samples / "readsb/trace_full_ac671b.json").sort_by("time")
    flights = split_flights(table, bad=flag_bad_values(table))
    got = []
    for f in flights:
        leg = table.slice(f.start_row, f.rows)
        bad, _, phases, rec = _one_flight(leg)
        events = signal_events(leg, bad=bad, phases=phases, reconstruction=rec)
        origin = f.origin.icao if f.origin else None
        out = end_events(leg, rec, phases, events=events, origin=origin, bad=bad)
        assert [e.kind for e in out] == ["end"]  # no diversion, no failure
        end = out[0].detail
        got.append((end["kind"], end["airport"]))
        if end["kind"] == "landed":
            landing = [e for e in events if e.kind == "landing"][-1]
            assert out[0].time_ns == landing.time_ns
    # leg 2 was last seen descending through 8,450 ft near Spokane: lost, no airport
    assert got == [("landed", "KMSP"), ("lost", None), ("landed", "KMSP"), ("landed", "KDEN")]


def test_calibration_flight_returning_to_base_is_no_diversion(samples: Path) -> None:
    """Montreal: approaches at Saint-Hubert (CYHU) and Mirabel (CYMX), then home to
    Trudeau (CYUL), its origin."""
    table = read_table(samples / "calibration/montreal.json.gz").sort_by("time")
    bad, flights, phases, rec = _one_flight(table)
    end = flight_end(table, rec, phases, bad=bad)
    assert end is not None and (end.kind, end.airport) == ("landed", "CYUL")
    assert flights[0].origin is not None and flights[0].origin.icao == "CYUL"
    assert diversion(table, rec, phases, end, origin="CYUL", bad=bad) is None
    # without the origin, approaches elsewhere are still no diversion without trouble ...
    assert diversion(table, rec, phases, end, bad=bad) is None
    # ... and with some (an emergency squawk) they would read as one
    trouble = [Event(int(table["time"].cast(pa.int64())[0].as_py()), "squawk",
                     {"code": "7700", "meaning": "emergency"})]  # fmt: skip
    div = diversion(table, rec, phases, end, bad=bad, events=trouble)
    assert div is not None and div.detail["to"] == "CYUL" and div.detail["from"] != "CYUL"


# -- the incident scenario ------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_incident_crash_diversion_and_failure(simulation: Simulations, seed: int) -> None:
    out = simulation("incident", seed, snapshots=False)
    inc = json.loads((out / "truth.json").read_text())["incident"]
    table = read_table(out / "traces" / f"trace_full_{inc['icao24']}.json").sort_by("time")
    bad, flights, phases, rec = _one_flight(table)  # one leg: all its rows
    events = signal_events(table, bad=bad, phases=phases, reconstruction=rec)
    origin = flights[0].origin.icao if flights[0].origin else None  # None when first seen high
    assert origin in (None, inc["origin"])
    found = {
        e.kind: e for e in end_events(table, rec, phases, events=events, origin=origin, bad=bad)
    }
    assert set(found) == {"end", "diversion", "failure"}

    end = found["end"].detail
    crash = inc["crash"]
    assert end["kind"] == "crashed" and end["airport"] == crash["short_of"]
    miss_km = float(distance_m(end["lat"], end["lon"], crash["lat"], crash["lon"])) / 1000.0
    print(f"seed {seed}: impact {miss_km:.3f} km from the truth, stated error {end['error_km']} km")
    assert miss_km <= IMPACT_MAX_KM
    assert miss_km <= end["error_km"]
    assert found["end"].time_ns >= inc["last_record"]["time_ns"]

    fail = found["failure"]
    assert abs(fail.time_ns - inc["failure"]["time_ns"]) <= FAILURE_TOL_S * NS_PER_S
    whats = [x["what"] for x in fail.detail["evidence"]]
    assert whats[0] == "autopilot off"
    assert "squawk 7700 (emergency)" in whats and "crash" in whats

    div = found["diversion"]
    assert (div.detail["from"], div.detail["to"]) == (inc["destination"], inc["diversion"])
    assert div.detail["approaches"] == len(inc["approaches"]) and div.detail["turned"]
    assert abs(div.time_ns - inc["decision"]["time_ns"]) <= DIVERSION_TOL_S * NS_PER_S


# -- synthetic ends -------------------------------------------------------------------------

#: Aktau (UATE): 43.8601 N 51.092 E, elevation 75 ft (airportsdata).
UATE = (43.8601, 51.092, 75.0)


def _descent(
    n: int, alt0: float, vrate_fpm: float, *, gs_kt: float = 150.0, track: float = 0.0,
    start: tuple[float, float] = (43.70, 51.092), step_s: float = 5.0,
) -> pa.Table:  # fmt: skip
    """A straight descent reported every ``step_s`` with positions."""
    t = np.arange(n) * step_s
    d = gs_kt * MPS_PER_KT * t
    lat, lon = destination(start[0], start[1], track, d)
    return pa.table(
        {
            "time": pa.array((T0 + t * NS_PER_S).astype(np.int64)).cast(TIME_TYPE),
            "lat": pa.array(lat),
            "lon": pa.array(lon),
            "alt_baro_ft": pa.array(alt0 + vrate_fpm * t / 60.0),
            "vrate_fpm": pa.array(np.full(n, vrate_fpm)),
            "gs_kt": pa.array(np.full(n, gs_kt)),
            "track_deg": pa.array(np.full(n, track)),
            "on_ground": pa.array(np.zeros(n, bool)),
            "nac_p": pa.array(np.full(n, 9), pa.int8()),
        }
    )


def _end(table: pa.Table, distress: bool = False) -> End | None:
    phases = label_phases(table)
    return flight_end(
        table, reconstruct_gaps(table), phases, runway_of=lambda *_: None, distress=distress
    )


def test_a_fast_descent_near_an_airport_without_distress_is_lost() -> None:
    """Tactical aircraft descend into their bases that fast and leave coverage."""
    table = _descent(40, 75.0 + 450.0 + 3000.0 * 195 / 60, -3000.0)  # ends 450 ft up
    end = _end(table)
    assert end is not None and end.kind == "lost" and end.airport == "UATE"
    assert "no sign of distress" in end.reason


def test_a_fast_descent_near_the_ground_is_a_crash_ahead_of_the_last_point() -> None:
    table = _descent(40, 75.0 + 450.0 + 3000.0 * 195 / 60, -3000.0)  # ends 450 ft up
    end = _end(table, distress=True)
    assert end is not None and end.kind == "crashed" and end.airport == "UATE"
    assert end.height_ft == pytest.approx(450.0, abs=5.0)
    assert end.extrapolated_s == pytest.approx(9.0, abs=0.5)
    last_t = T0 + 195 * NS_PER_S
    assert end.time_ns == pytest.approx(last_t + 9 * NS_PER_S, abs=NS_PER_S // 2)
    lat = table.column("lat").to_numpy()[-1]
    lon = table.column("lon").to_numpy()[-1]
    ahead = float(distance_m(lat, lon, end.lat, end.lon))
    assert ahead == pytest.approx(150 * MPS_PER_KT * 9.0, rel=0.05)
    assert end.lat is not None and end.lat > lat  # north, along the track
    assert end.error_km is not None and end.error_km > ahead / 1000.0
    ev = end.as_event()
    assert ev.kind == "end" and ev.detail["kind"] == "crashed"


def test_a_normal_approach_that_stops_is_lost_near_the_airport() -> None:
    # 3-degree approach: 700 ft/min at 140 kt, last seen 300 ft above Aktau
    table = _descent(40, 75.0 + 300 + 700 * 195 / 60, -700.0, gs_kt=140.0, start=(43.80, 51.092))
    end = _end(table)
    assert end is not None and end.kind == "lost" and end.airport == "UATE"
    assert "touchdown not seen" in end.reason


def test_a_cruise_that_stops_is_lost_without_an_airport() -> None:
    table = _descent(40, 35_000.0, 0.0, gs_kt=450.0, start=(42.5, 50.0))  # over the Caspian
    end = _end(table)
    assert end is not None and end.kind == "lost" and end.airport is None
    assert end.time_ns == T0 + 195 * NS_PER_S
    assert end.lat == pytest.approx(table.column("lat").to_numpy()[-1])


def test_a_fast_descent_high_above_the_ground_is_lost() -> None:
    # an emergency descent at 4,000 ft/min still 10,000 ft up when the record stops
    table = _descent(40, 23_000.0, -4000.0, gs_kt=300.0, start=(42.5, 50.0))
    end = _end(table)
    assert end is not None and end.kind == "lost"


def test_never_airborne_has_no_end() -> None:
    table = _descent(10, 0.0, 0.0, gs_kt=10.0)
    table = table.set_column(
        table.column_names.index("on_ground"), "on_ground", pa.array(np.ones(10, bool))
    )
    assert _end(table) is None


def test_the_runway_comes_from_the_look_up() -> None:
    table = _descent(40, 10_275.0, -3000.0)
    asked: list[tuple[Any, ...]] = []

    def runway_of(*args: Any) -> str:
        asked.append(args)
        return "36"

    end = flight_end(
        table, reconstruct_gaps(table), label_phases(table), runway_of=runway_of, distress=True
    )
    assert end is not None and end.runway == "36" and asked[0][0] == "UATE"


# -- synthetic diversion --------------------------------------------------------------------


def test_diversion_time_is_the_turn_towards_the_new_airport() -> None:
    """Approaches at Makhachkala (URML) given as events; then 10 min north, then east
    towards Aktau (UATE), where the flight ends."""
    north = _descent(120, 5000.0, 0.0, gs_kt=250.0, start=(42.8, 47.7), track=0.0)
    last = north.slice(119)
    lat0, lon0 = float(last.column("lat")[0].as_py()), float(last.column("lon")[0].as_py())
    east = _descent(240, 5000.0, 0.0, gs_kt=250.0, start=(lat0, lon0), track=80.0)
    east = east.set_column(
        0,
        "time",
        pa.array((T0 + (600 + np.arange(240) * 5.0) * NS_PER_S).astype(np.int64)).cast(TIME_TYPE),
    )
    table = pa.concat_tables([north, east])
    phases = label_phases(table)
    rec = reconstruct_gaps(table)
    approach = [Event(T0 - 60 * NS_PER_S, "approach", {"airport": "URML"})]
    end = End(
        "crashed", T0 + 2000 * NS_PER_S, *UATE[:2], 1.0, "UATE", None, 0.0, -3000.0, 0.0, "", ""
    )
    div = diversion(table, rec, phases, end, events=approach, origin="UGTB")
    assert div is not None and (div.detail["from"], div.detail["to"]) == ("URML", "UATE")
    assert div.detail["turned"] and div.time_ns == T0 + 600 * NS_PER_S
    # a return to the origin, or an end at the approached airport, is no diversion
    assert diversion(table, rec, phases, end, events=approach, origin="UATE") is None
    home = [Event(T0, "approach", {"airport": "UATE"})]
    assert diversion(table, rec, phases, end, events=home) is None


# -- failure --------------------------------------------------------------------------------


def _ev(t_s: float, what: str, /, **detail: Any) -> Event:
    return Event(T0 + round(t_s * NS_PER_S), what, detail)


def test_failure_needs_strong_evidence() -> None:
    assert failure([_ev(0, "autopilot_off", end=None), _ev(60, "abnormal_vertical_rate")]) is None
    assert failure([_ev(0, "emergency", status="lifeguard")]) is None
    assert failure([_ev(0, "squawk", code="7500", meaning="hijack")]) is None
    assert failure([]) is None


def test_failure_starts_at_the_earliest_linked_evidence() -> None:
    events = [
        _ev(0, "autopilot_off", end=None),  # two hours before: not linked
        _ev(7200, "autopilot_off", end=None),
        _ev(7260, "abnormal_vertical_rate"),
        _ev(7400, "squawk", code="7700", meaning="emergency"),
        _ev(7400, "emergency", status="general"),
        _ev(9000, "end", kind="crashed"),
    ]
    f = failure(events)
    assert f is not None and f.time_ns == T0 + 7200 * NS_PER_S
    assert [w for _, w in f.evidence] == [
        "autopilot off",
        "abnormal vertical rate",
        "emergency status general",
        "squawk 7700 (emergency)",
        "crash",
    ]
    assert f.strong == ("emergency status general", "squawk 7700 (emergency)", "crash")
    ev = f.as_event()
    assert ev.kind == "failure" and ev.detail["evidence"][0]["time"] == iso_utc(
        T0 + 7200 * NS_PER_S
    )
    # evidence farther apart than FAILURE_LINK_S is not chained
    late = failure([_ev(0, "autopilot_off", end=None), _ev(FAILURE_LINK_S + 1, "squawk",
                                                          code="7700", meaning="emergency")])  # fmt: skip
    assert late is not None and late.time_ns == T0 + round((FAILURE_LINK_S + 1) * NS_PER_S)
    # an oscillation alone is no failure (parabolic flights oscillate on purpose)
    assert failure([_ev(0, "oscillation")]) is None


def test_autopilot_off_before_a_landing_or_reengaged_is_normal() -> None:
    landing = [
        _ev(0, "autopilot_off", end=None),
        _ev(AUTOPILOT_LANDING_S - 10, "landing"),
        _ev(AUTOPILOT_LANDING_S + 60, "squawk", code="7700", meaning="emergency"),
    ]
    f = failure(landing)
    assert f is not None and [w for _, w in f.evidence] == ["squawk 7700 (emergency)"]
    toggled = [
        _ev(0, "autopilot_off", end=iso_utc(T0 + 20 * NS_PER_S)),
        _ev(30, "oscillation"),
        _ev(60, "squawk", code="7700", meaning="emergency"),
    ]
    f = failure(toggled)
    assert f is not None and f.time_ns == T0 + 30 * NS_PER_S
    crash_only = failure([_ev(100, "end", kind="crashed")])
    assert crash_only is not None and crash_only.strong == ("crash",)
