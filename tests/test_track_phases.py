"""Phases: the real flights' profiles (the readsb legs, belevingsvlucht, zero gravity,
calibration at Munich), an AZAL 8243-like flight without positions (approaches,
go-arounds, an orbit, a phugoid, no touchdown), and the rolling median."""

from __future__ import annotations

import itertools
from functools import cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skywitness.io import read_table
from skywitness.model.units import NS_PER_S
from skywitness.track.envelope import Series, flag_bad_values
from skywitness.track.flights import split_flights
from skywitness.track.phases import PHASES, Phases, Span, label_phases, rolling_median


@cache
def _read(path: Path) -> pa.Table:
    return read_table(path).sort_by("time")


def _phases(table: pa.Table) -> Phases:
    bad = flag_bad_values(table)
    flights = split_flights(table, bad=bad)
    return label_phases(
        table, bad=bad, starts=flights.starts, ground_alt_ft=flights.ground_alt_ft()
    )


def _sequence(spans: list[Span], min_s: float = 20.0) -> list[str]:
    """Phase names in order, short spans left out and repeats merged."""
    out: list[str] = []
    for s in spans:
        if (s.end_ns - s.start_ns) / NS_PER_S >= min_s and (not out or out[-1] != s.phase):
            out.append(s.phase)
    return out


def _in_order(seq: list[str], wanted: list[str]) -> bool:
    it = iter(seq)
    return all(any(p == w for p in it) for w in wanted)


def _durations(ph: Phases) -> dict[str, float]:
    out: dict[str, float] = {}
    for s in ph.spans():
        out[s.phase] = out.get(s.phase, 0.0) + (s.end_ns - s.start_ns) / NS_PER_S
    return out


# -- real recordings -----------------------------------------------------------------------


def test_the_readsb_legs(samples: Path) -> None:
    table = _read(samples / "readsb/trace_full_ac671b.json")
    bad = flag_bad_values(table)
    flights = split_flights(table, bad=bad)
    ph = label_phases(table, bad=bad, starts=flights.starts, ground_alt_ft=flights.ground_alt_ft())
    spans = ph.spans()
    per_flight = [
        _sequence([s for s in spans if f.start_row <= s.start_row < f.end_row]) for f in flights
    ]
    # first leg: seen from cruise to the gate at Minneapolis
    assert per_flight[0][0] == "cruise"
    assert _in_order(per_flight[0], ["cruise", "descent", "approach", "landing", "taxi", "ground"])
    # second: from the gate to a descent towards Spokane (lost at 8,450 ft)
    assert _in_order(per_flight[1], ["ground", "taxi", "takeoff", "climb", "cruise", "descent"])
    assert per_flight[1][-1] == "descent"
    # third: found climbing, to the gate at Minneapolis
    assert _in_order(per_flight[2], ["climb", "cruise", "descent", "approach", "landing", "taxi"])
    # fourth: Minneapolis to Denver, gate to runway
    assert _in_order(
        per_flight[3],
        ["taxi", "takeoff", "climb", "cruise", "descent", "approach", "landing"],
    )
    # the ground's pressure altitude at Denver comes from the touchdown (about 5,450 ft)
    last = flights[3].end_row - 1
    assert ph.height_known[last] and 5300.0 < ph.ground_alt_ft[last] < 5600.0
    assert "go_around" not in ph.names and "holding" not in ph.names
    # ground rows carry ground labels only, airborne rows never
    ground_labels = {"ground", "taxi", "takeoff", "landing"}
    assert set(ph.names[ph.on_ground]) <= ground_labels
    assert not ({"ground", "taxi"} & set(ph.names[~ph.on_ground]))


def test_belevingsvlucht(samples: Path) -> None:
    """Amsterdam, 30 May 2018: climb from Schiphol, level segments between FL60 and
    FL180, a hold at FL90, six descents to 2,000 ft over Lelystad and back up,
    landing."""
    ph = _phases(_read(samples / "featured/belevingsvlucht.json.gz"))
    seq = _sequence(ph.spans())
    assert seq[0] == "climb"
    assert _in_order(seq, ["climb", "cruise", "descent", "cruise", "climb"])
    assert seq[-1] == "landing" and "approach" in seq[-4:]
    d = _durations(ph)
    for phase in ("climb", "cruise", "descent"):
        assert d.get(phase, 0.0) > 600.0, (phase, d)
    # a holding pattern at FL90 from 15:43 to 15:53 (two circuits)
    holds = [sp for sp in ph.spans() if sp.phase == "holding"]
    assert sum(sp.end_ns - sp.start_ns for sp in holds) > 400 * NS_PER_S
    t0 = np.datetime64("2018-05-30T15:43:00", "ns").astype(np.int64)
    assert all(t0 <= sp.start_ns and sp.end_ns <= t0 + 11 * 60 * NS_PER_S for sp in holds)
    # its lowest passes over Lelystad stay at 2,000 ft: no go-around
    assert "go_around" not in ph.names
    # climbs and descents as its altitude says
    climbs = [s for s in ph.spans() if s.phase == "climb" and s.end_ns - s.start_ns > 60 * NS_PER_S]
    descents = [
        s for s in ph.spans() if s.phase == "descent" and s.end_ns - s.start_ns > 60 * NS_PER_S
    ]
    assert len(climbs) >= 8 and len(descents) >= 8
    for s in climbs:
        assert ph.alt_ft[s.end_row - 1] > ph.alt_ft[s.start_row]
    for s in descents:
        assert ph.alt_ft[s.end_row - 1] < ph.alt_ft[s.start_row]


def test_zero_gravity(samples: Path) -> None:
    """Bordeaux, 25 June 2020: a climb to FL300, then parabolas between 20,000 and
    25,000 ft (climb and descent each about 40 s), then the return."""
    ph = _phases(_read(samples / "featured/zero_gravity.json.gz"))
    seq = _sequence(ph.spans(), min_s=25.0)
    assert seq[:3] == ["climb", "cruise", "descent"]
    # the parabolas: climbs straight followed by descents, a dozen and more
    pairs = sum(1 for a, b in itertools.pairwise(seq) if (a, b) == ("climb", "descent"))
    assert pairs >= 12
    assert seq[-1] in {"approach", "unknown"}
    assert "go_around" not in ph.names


def test_calibration_at_munich(samples: Path) -> None:
    """A flight-inspection aircraft at Munich, 4-5 March 2019: repeated approaches
    down to a few hundred feet and go-arounds, with circuits in between."""
    ph = _phases(_read(samples / "calibration/munich.json.gz"))
    spans = ph.spans()
    ga = [s for s in spans if s.phase == "go_around"]
    assert len(ga) >= 8
    for s in ga:
        assert ph.height_ft[s.start_row] < 1500.0
        assert ph.height_ft[s.end_row - 1] - ph.height_ft[s.start_row] >= 400.0
    seq = _sequence(spans)
    assert _in_order(seq, ["taxi", "takeoff", "climb", "approach", "go_around", "approach"])
    assert seq[-1] == "taxi" and "landing" in seq[-3:]
    assert _durations(ph).get("holding", 0.0) > 1800.0  # circuits


def test_raw_mode_s_frames_paris_to_toulouse(samples: Path) -> None:
    """Air France AFR34ZG, 6 July 2024, from raw frames: most frames carry one field
    (altitude, velocity or position) and many no air/ground state."""
    table = _read(samples / "rs1090/full_flight_short.jsonl")
    bad = flag_bad_values(table)
    flights = split_flights(table, bad=bad)
    assert [
        (f.origin and f.origin.icao, f.destination and f.destination.icao) for f in flights
    ] == [("LFPG", "LFBO")]
    ph = label_phases(table, bad=bad, starts=flights.starts, ground_alt_ft=flights.ground_alt_ft())
    seq = _sequence(ph.spans(), min_s=30.0)
    assert seq[0] == "ground"
    assert _in_order(seq, ["ground", "takeoff", "climb", "cruise", "descent", "approach"])
    assert not {"go_around", "landing"} & set(seq[:-1])


# -- an AZAL 8243-like flight without positions --------------------------------------------

FIELD_FT = 100.0


#: (name, end time s, altitude ft at the end) of the airborne part, from lift-off
#: at 640 s; altitude linear in between.
PROFILE = [
    ("climb", 1360.0, 30_000.0),
    ("cruise", 3000.0, 30_000.0),
    ("descent", 3810.0, 3000.0),
    ("level", 3900.0, 3000.0),
    ("approach1", 4131.0, 300.0),
    ("goaround1", 4212.0, 3000.0),
    ("orbit", 4500.0, 3000.0),
    ("approach2", 4731.0, 300.0),
    ("goaround2", 4850.0, 2800.0),
    ("climb2", 5000.0, 6000.0),
    ("phugoid", 6500.0, 6000.0),
    ("descent2", 7400.0, 3000.0),
    ("approach3", 7800.0, 400.0),
]


def _azal(track: bool = True) -> tuple[Series, dict[str, tuple[float, float]]]:
    """Every 4 s: parked, taxi, takeoff roll, then :data:`PROFILE` (two approaches to
    300 ft with go-arounds, an orbit between them, a phugoid of +-1,500 ft over 180
    s), data ending 400 ft up (no touchdown). No positions at all."""
    t = np.arange(0.0, 7800.0, 4.0)
    n = t.size
    ground = (t < 640).astype(float)
    gs = np.where(t < 300, 0.0, np.where(t < 600, 15.0, 40.0 + (t - 600) * 2.5))
    marks = {"parked": (0.0, 300.0), "taxi": (300.0, 600.0), "roll": (600.0, 640.0)}
    knots_t, knots_alt, start = [640.0], [FIELD_FT], 640.0
    for name, end, alt_end in PROFILE:
        marks[name] = (start, end)
        knots_t.append(end)
        knots_alt.append(alt_end)
        start = end
    alt = np.interp(t, knots_t, knots_alt)
    a, b = marks["phugoid"]
    ph = (t >= a) & (t < b)
    alt[ph] += 1500.0 * np.sin(2 * np.pi * (t[ph] - a) / 180.0)
    vr = np.gradient(alt, t) * 60.0
    air = t >= 640
    gs[air] = np.where(alt[air] > 10_000, 420.0, 220.0)
    trk = np.full(n, 300.0)
    a, b = marks["orbit"]
    om = (t >= a) & (t < b)
    trk[om] = (300.0 + 3.0 * (t[om] - a)) % 360.0  # rate one: 864 degrees
    s = Series.of(
        (1_735_102_500 * NS_PER_S + t * NS_PER_S).astype(np.int64),
        alt_ft=np.where(air, alt, np.nan),
        gs_kt=gs,
        vrate_fpm=np.where(air, vr, np.nan),
        track_deg=trk if track else None,
        on_ground=ground,
    )
    return s, marks


def _phase_at(ph: Phases, s: Series, t_s: float) -> str:
    i = int(np.searchsorted(s.t_s, t_s))
    return str(ph.names[i])


def test_a_flight_without_positions() -> None:
    s, marks = _azal()
    assert not np.isfinite(s.lat).any()
    ph = label_phases(s)
    seq = _sequence(ph.spans())
    assert _in_order(
        seq,
        ["ground", "taxi", "takeoff", "climb", "cruise", "descent", "approach", "go_around",
         "holding", "approach", "go_around", "climb", "descent", "approach"],
    )  # fmt: skip
    assert [sp.phase for sp in ph.spans()].count("go_around") == 2
    assert "landing" not in ph.names  # it never touched down
    assert seq[-1] == "approach"
    # the reference is the aircraft's own lift-off altitude
    assert ph.height_known.all()
    assert ph.ground_alt_ft[-1] == pytest.approx(FIELD_FT, abs=60.0)
    for name, phase in [
        ("taxi", "taxi"),
        ("cruise", "cruise"),
        ("goaround1", "go_around"),
        ("goaround2", "go_around"),
        ("orbit", "holding"),
    ]:
        a, b = marks[name]
        assert _phase_at(ph, s, (a + b) / 2) == phase, name
    # the phugoid alternates climb and descent
    a, b = marks["phugoid"]
    inside = [
        sp.phase for sp in ph.spans() if a * NS_PER_S <= sp.start_ns - s.time_ns[0] < b * NS_PER_S
    ]
    assert inside.count("climb") >= 5 and inside.count("descent") >= 5


def test_without_a_track_only_the_orbit_is_lost() -> None:
    s, _marks = _azal(track=False)
    with_track = label_phases(_azal()[0])
    ph = label_phases(s)
    assert "holding" not in ph.names
    differ = ph.code != with_track.code
    assert (with_track.names[differ] == "holding").all()


def test_unknown_without_altitude_or_rate() -> None:
    t = (np.arange(50) * 5 * NS_PER_S).astype(np.int64)
    s = Series.of(t, gs_kt=np.full(50, 300.0), on_ground=np.zeros(50))
    assert set(label_phases(s).names) == {"unknown"}
    assert len(label_phases(Series.of(np.zeros(0, np.int64)))) == 0


def test_to_arrow() -> None:
    s, _ = _azal()
    out = label_phases(s).to_arrow()
    assert out.column_names == ["phase", "height_ft", "vrate_fpm"]
    assert set(out.column("phase").chunk(0).dictionary.to_pylist()) == set(PHASES)
    assert out.num_rows == len(s)


# -- rolling median ------------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(
    gaps=st.lists(st.floats(0.0, 30.0), min_size=1, max_size=80),
    values=st.lists(st.floats(-1e5, 1e5) | st.just(float("nan")), min_size=80, max_size=80),
    window=st.floats(1.0, 120.0),
)
def test_rolling_median_is_exact_on_sparse_windows(
    gaps: list[float], values: list[float], window: float
) -> None:
    t = np.cumsum(gaps)
    x = np.array(values[: t.size])
    got = rolling_median(t, x, window, points=200)
    for i in range(t.size):
        inside = np.abs(t - t[i]) <= window / 2
        v = x[inside & np.isfinite(x)]
        if v.size:
            assert got[i] == pytest.approx(float(np.median(v)))
        else:
            assert np.isnan(got[i])


def test_rolling_median_ignores_a_spike() -> None:
    t = np.arange(200.0)
    x = np.full(200, 5000.0)
    x[100] = 40_000.0
    assert (rolling_median(t, x, 60.0) == 5000.0).all()


@settings(max_examples=60, deadline=None)
@given(
    steps=st.lists(st.floats(0.0, 120.0), min_size=1, max_size=50),
    alt=st.lists(st.floats(-1000.0, 45_000.0) | st.just(float("nan")), min_size=50, max_size=50),
    gs=st.lists(st.floats(0.0, 600.0) | st.just(float("nan")), min_size=50, max_size=50),
    vr=st.lists(st.floats(-6000.0, 6000.0) | st.just(float("nan")), min_size=50, max_size=50),
    state=st.lists(st.sampled_from([0.0, 1.0, float("nan")]), min_size=50, max_size=50),
)
def test_any_reports_get_consistent_labels(
    steps: list[float], alt: list[float], gs: list[float], vr: list[float], state: list[float]
) -> None:
    n = len(steps)
    t = (np.cumsum(steps) * NS_PER_S).astype(np.int64)
    s = Series.of(
        t,
        alt_ft=alt[:n],
        gs_kt=gs[:n],
        vrate_fpm=vr[:n],
        track_deg=np.cumsum(steps) % 360.0,
        on_ground=state[:n],
    )
    bad = flag_bad_values(s)
    flights = split_flights(s, bad=bad, airport_index=False)
    ph = label_phases(s, bad=bad, starts=flights.starts)
    assert len(ph) == n and ((ph.code >= 0) & (ph.code < len(PHASES))).all()
    assert set(ph.names[ph.on_ground]) <= {"ground", "taxi", "takeoff", "landing"}
    assert not ({"ground", "taxi"} & set(ph.names[~ph.on_ground]))
    assert sum(sp.end_row - sp.start_row for sp in ph.spans()) == n
