"""Signal events of one aircraft: squawk, emergency, nav modes, GNSS integrity,
positions lost, takeoffs and landings, holds and bad values.

Real recordings first (the readsb four-leg trace and the traffic samples),
then the simulator's ``incident`` scenario against its truth on two seeds,
then synthetic reports for each rule's edges.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from skywitness.errors import UsageError
from skywitness.io import read_table
from skywitness.model.schema import TIME_TYPE
from skywitness.model.timefmt import iso_utc
from skywitness.model.units import NS_PER_S
from skywitness.track import flag_bad_values, label_phases, reconstruct_gaps, split_flights
from skywitness.track.envelope import RULES, TRANSPORT, BadValues
from skywitness.track.events import (
    POSITION_GAP_S,
    Event,
    bad_value_events,
    emergency_events,
    ground_events,
    nav_mode_events,
    position_events,
    settled_changes,
    signal_events,
    squawk_events,
    timeline,
)

if TYPE_CHECKING:
    from conftest import Simulations

T0 = 1_700_000_000 * NS_PER_S
#: Incident seeds checked here (test_track_end.py checks others).
SEEDS = (3, 4)
#: How close (s) a signal event must be to the truth's time: the simulator's trace
#: keeps the full state on one point in a few (a few seconds apart).
TIME_TOL_S = 30.0


def _table(n: int, step_s: float = 5.0, **cols: Any) -> pa.Table:
    t = (T0 + np.arange(n) * step_s * NS_PER_S).astype(np.int64)
    out: dict[str, Any] = {"time": pa.array(t, pa.int64()).cast(TIME_TYPE)}
    types = {"squawk": pa.string(), "emergency": pa.string(), "nic": pa.int8(), "nac_p": pa.int8()}
    for name, values in cols.items():
        if name.startswith("nav_") or name == "on_ground":
            out[name] = pa.array(values, pa.bool_())
        elif name in types:
            out[name] = pa.array(values, types[name])
        else:
            out[name] = pa.array(np.asarray(values, float), pa.float64(), from_pandas=True)
    return pa.table(out)


# -- real recordings ------------------------------------------------------------------------


def test_readsb_trace_takeoffs_and_landings_at_their_airports(samples: Path) -> None:
    """N899DN: into Minneapolis, out to Spokane (last seen descending), back from Spokane
    (first seen climbing) into Minneapolis, out to Denver."""
    table = read_table(samples / "readsb/trace_full_ac671b.json").sort_by("time")
    bad = flag_bad_values(table)
    flights = split_flights(table, bad=bad)
    phases = label_phases(
        table, bad=bad, starts=flights.starts, ground_alt_ft=flights.ground_alt_ft()
    )
    got = [(e.kind, e.detail["airport"]) for e in ground_events(table, phases)]
    assert got == [
        ("landing", "KMSP"),
        ("takeoff", "KMSP"),
        ("landing", "KMSP"),
        ("takeoff", "KMSP"),
        ("landing", "KDEN"),
    ]
    events = signal_events(table, bad=bad, phases=phases)
    kinds = {e.kind for e in events}
    # A clean trace: no emergency, no loss of GNSS; squawk changes between legs only.
    assert not kinds & {"emergency", "gnss_lost", "autopilot_off", "approach_mode_on"}
    squawks = [e for e in events if e.kind == "squawk"]
    assert squawks and all(e.detail["meaning"] == "none" for e in squawks)
    assert len(squawks) == 5  # six codes over four legs (4637, 7435, 2466, 6045, 6653, 2676)
    assert [e.time_ns for e in events] == sorted(e.time_ns for e in events)


@pytest.mark.parametrize(
    "name",
    ["fr24/34a8254b.json", "featured/zero_gravity.json.gz", "surveys/georeal_fyn_island.json.gz"],
)
def test_real_squawks_without_emergencies(samples: Path, name: str) -> None:
    """A single garbled code among the same code is no change (FR24 34a8254b: 3712 once
    between 3016s; zero_gravity: 3705 and 7645 once each; georeal: 2367 once);
    none of these recordings holds an emergency code."""
    table = read_table(samples / name).sort_by("time")
    events = squawk_events(table)
    codes = [e.detail["code"] for e in events]
    raw = [c for c in table.column("squawk").to_pylist() if c is not None]
    once = {c for c in set(raw) if raw.count(c) == 1}
    assert once and not once & set(codes)
    assert all(e.detail["meaning"] == "none" for e in events)
    assert not emergency_events(table)


def test_short_real_squawk_changes_are_kept(samples: Path) -> None:
    """El Al 747: 1203, then 7266 for six reports (60 s), 1203, 7352 for four, 1203."""
    table = read_table(samples / "featured/elal747.json.gz").sort_by("time")
    got = [(e.detail["previous"], e.detail["code"]) for e in squawk_events(table)]
    assert got == [("1203", "7266"), ("7266", "1203"), ("1203", "7352"), ("7352", "1203")]


# -- the incident scenario ------------------------------------------------------------------


def _incident(simulation: Simulations, seed: int) -> tuple[pa.Table, dict[str, Any]]:
    out = simulation("incident", seed, snapshots=False)
    inc = json.loads((out / "truth.json").read_text())["incident"]
    table = read_table(out / "traces" / f"trace_full_{inc['icao24']}.json").sort_by("time")
    return table, inc


@pytest.mark.parametrize("seed", SEEDS)
def test_incident_signals(simulation: Simulations, seed: int) -> None:
    table, inc = _incident(simulation, seed)
    bad = flag_bad_values(table)
    rec = reconstruct_gaps(table, bad=bad)
    events = signal_events(table, bad=bad, reconstruction=rec)
    by: dict[str, list[Event]] = {}
    for e in events:
        by.setdefault(e.kind, []).append(e)

    def near(kind: str, t_ns: int) -> Event:
        hits = [e for e in by.get(kind, []) if abs(e.time_ns - t_ns) <= TIME_TOL_S * NS_PER_S]
        assert len(hits) == 1, (kind, [e.as_json() for e in by.get(kind, [])])
        return hits[0]

    emg = inc["emergency"]
    sq = near("squawk", emg["time_ns"])
    assert sq.detail["code"] == "7700" and sq.detail["meaning"] == "emergency"
    assert near("emergency", emg["time_ns"]).detail["status"] == emg["status"]
    assert len(by["autopilot_off"]) == 1
    near("autopilot_off", inc["failure"]["time_ns"])
    # approach mode engaged on each approach (the trace says so), off after each go-around
    for a in inc["approaches"]:
        near("approach_mode_on", a["start_ns"])
        near("approach_mode_off", a["go_around_ns"])
    # one loss of positions, as long as the jamming's absence of positions
    lost = by["position_lost"]
    assert len(lost) == 1 and lost[0].detail["cause"] == "no position"
    back = by["position_regained"]
    assert len(back) == 1
    assert abs(back[0].time_ns - inc["positions_back"]["time_ns"]) <= TIME_TOL_S * NS_PER_S
    assert lost[0].detail["end"] == back[0].time
    # the corrupted values are bad values, each interval inside one event
    intervals = [
        (e.time_ns, e.time_ns + round(e.detail["duration_s"] * NS_PER_S)) for e in by["bad_values"]
    ]
    for c in inc["corrupted"]:
        assert any(a <= c["end_ns"] and c["start_ns"] <= b for a, b in intervals), c
    # no takeoff or landing: the record starts airborne and ends in the air
    assert "takeoff" not in by and "landing" not in by
    assert len(by["emergency"]) == 1 and len(by["squawk"]) == 1


# -- synthetic: coded values ----------------------------------------------------------------


def test_a_single_garbled_squawk_is_no_change() -> None:
    codes = ["1234"] * 5 + ["7700"] + ["1234"] * 5 + ["7700"] * 2 + [None] * 3 + ["7700"]
    events = squawk_events(_table(len(codes), squawk=codes))
    assert [(e.detail["code"], e.detail["previous"], e.detail["meaning"]) for e in events] == [
        ("7700", "1234", "emergency")
    ]
    assert events[0].time_ns == T0 + 11 * 5 * NS_PER_S
    assert events[0].detail["end"] is None


def test_squawk_meanings_and_first_code() -> None:
    codes = ["7600"] * 3 + ["7500"] * 2 + ["2000"] * 2
    events = squawk_events(_table(len(codes), squawk=codes))
    got = [(e.detail["code"], e.detail["meaning"], e.detail["end"]) for e in events]
    assert got == [
        ("7600", "radio failure", iso_utc(T0 + 15 * NS_PER_S)),
        ("7500", "hijack", iso_utc(T0 + 25 * NS_PER_S)),
        ("2000", "none", None),
    ]
    # an ordinary first code is the initial state, no event
    assert squawk_events(_table(3, squawk=["1000"] * 3)) == []


def test_nulls_are_never_a_change() -> None:
    ap = [True, True, None, None, False, None, None, True, None, True, None]
    events = nav_mode_events(_table(len(ap), nav_autopilot=ap))
    assert [e.kind for e in events] == []  # one False among Trues does not settle
    ap = [True, True, None, False, None, False, None, None, True, True]
    events = nav_mode_events(_table(len(ap), nav_autopilot=ap))
    assert [(e.kind, e.time_ns) for e in events] == [
        ("autopilot_off", T0 + 3 * 5 * NS_PER_S),
        ("autopilot_on", T0 + 8 * 5 * NS_PER_S),
    ]
    assert events[0].detail["end"] == iso_utc(T0 + 40 * NS_PER_S)
    appr = [False, False, True, True, False, False]
    kinds = [e.kind for e in nav_mode_events(_table(6, nav_approach=appr))]
    assert kinds == ["approach_mode_on", "approach_mode_off"]
    assert nav_mode_events(_table(4)) == []


def test_settled_changes_merge_runs_around_a_garble() -> None:
    values = np.array(["a", "a", "b", "a", "a", "c", "c"], dtype=object)
    got = [
        (c.value, c.previous, c.first_row, c.last_row, c.next_row) for c in settled_changes(values)
    ]
    assert got == [("a", None, 0, 4, 5), ("c", "a", 5, 6, None)]
    assert settled_changes(np.array([None, None], dtype=object)) == []


def test_emergency_status() -> None:
    st = ["none"] * 3 + ["general"] * 4 + ["none"] * 2 + ["lifeguard"] * 2
    events = emergency_events(_table(len(st), emergency=st))
    assert [(e.detail["status"], e.detail["previous"]) for e in events] == [
        ("general", "none"),
        ("lifeguard", "none"),
    ]
    assert events[0].detail["end"] == iso_utc(T0 + 35 * NS_PER_S)


# -- synthetic: positions -------------------------------------------------------------------


def test_position_lost_and_regained() -> None:
    n = 60
    lat = np.full(n, 50.0)
    lat[10:30] = np.nan  # 21 steps of 5 s from the last position to the next: 105 s
    lat[40:50] = np.nan  # 55 s: not an event
    t = _table(
        n, lat=lat, lon=np.full(n, 5.0), alt_baro_ft=np.full(n, 30_000.0), gs_kt=np.full(n, 450.0)
    )
    events = position_events(t)
    assert [(e.kind, e.time_ns) for e in events] == [
        ("position_lost", T0 + 9 * 5 * NS_PER_S),
        ("position_regained", T0 + 30 * 5 * NS_PER_S),
    ]
    assert events[0].detail["duration_s"] == 105.0 > POSITION_GAP_S
    assert events[0].detail["cause"] == "no position"
    # on the ground: no event
    gnd = t.append_column("on_ground", pa.array([True] * n))
    assert position_events(gnd) == []


def test_position_lost_to_the_end_and_spoofed_cause() -> None:
    n = 40
    lat = np.linspace(50.0, 50.5, n)
    lon = np.full(n, 5.0)
    lat[25:] = np.nan
    t = _table(n, lat=lat, lon=lon, alt_baro_ft=np.full(n, 30_000.0), gs_kt=np.full(n, 450.0),
               track_deg=np.zeros(n))  # fmt: skip
    events = position_events(t)
    assert [e.kind for e in events] == ["position_lost"]
    assert events[0].detail["end"] is None and events[0].detail["last_seen"] == iso_utc(
        T0 + 39 * 5 * NS_PER_S
    )
    spoof = np.zeros(n, bool)
    lat2 = np.linspace(50.0, 50.5, n)
    spoof[5:30] = True
    t2 = t.set_column(t.column_names.index("lat"), "lat", pa.array(lat2))
    rec = reconstruct_gaps(t2, spoofed=spoof)
    events = position_events(t2, reconstruction=rec)
    assert [(e.kind, e.detail.get("cause")) for e in events] == [
        ("position_lost", "spoofed"),
        ("position_regained", None),
    ]
    with pytest.raises(UsageError):
        position_events(t2.slice(0, 10), reconstruction=rec)


# -- synthetic: bad values ------------------------------------------------------------------


def test_bad_values_merged_into_intervals() -> None:
    n = 100
    z = np.zeros(n, np.int8)
    alt, gs = z.copy(), z.copy()
    burst = RULES.index("alt_burst")
    jump = RULES.index("speed_jump")
    alt[[10, 12, 15]] = burst  # 5-s steps: within BAD_MERGE_S of each other
    gs[14] = jump
    alt[80] = burst  # 325 s later: another interval
    bad = BadValues(alt, gs, z.copy(), z.copy(), TRANSPORT)
    events = bad_value_events(_table(n), bad)
    assert [
        (e.time_ns, e.detail["count"], e.detail["fields"], e.detail["rule"]) for e in events
    ] == [
        (T0 + 50 * NS_PER_S, 4, ["alt_baro_ft", "gs_kt"], "alt_burst,speed_jump"),
        (T0 + 400 * NS_PER_S, 1, ["alt_baro_ft"], "alt_burst"),
    ]
    assert events[0].detail["duration_s"] == 25.0
    with pytest.raises(UsageError):
        bad_value_events(_table(n - 1), bad)


def test_events_round_trip_as_json() -> None:
    codes = ["1234"] * 3 + ["7700"] * 3
    ev = squawk_events(_table(6, squawk=codes))
    js = json.loads(json.dumps([e.as_json() for e in timeline(ev)]))
    assert js[0]["kind"] == "squawk" and js[0]["detail"]["code"] == "7700"
    assert js[0]["time"].endswith("Z")


def test_one_aircraft_only() -> None:
    t = _table(4, squawk=["1000"] * 4).append_column("icao24", pa.array(["abc123", "abc124"] * 2))
    with pytest.raises(UsageError):
        signal_events(t)
    one = t.filter(pc.equal(t["icao24"], "abc123"))
    assert signal_events(one, airport_index=False) == []
