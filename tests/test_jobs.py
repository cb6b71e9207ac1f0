"""The jobs: interference events say what caused them (jamming or spoofing),
checked against the simulator's ground truth; the CLI's job functions and
the API compute the same results; the labelling rule on its own."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

import skywitness
from skywitness.gnss.jamming.events import Event
from skywitness.gnss.jamming.stretches import Interval
from skywitness.gnss.spoofing.intervals import SpoofInterval
from skywitness.jobs.jamming import SPOOFED_SHARE, JammingRun, event_kinds, jamming_analysis
from skywitness.jobs.reports import reports_for, select_reports
from skywitness.jobs.spoofing import SpoofingRun, spoofing_analysis
from skywitness.sim import simulate
from skywitness.store import Store

#: Traffic sizes: the smallest at which each scenario (seed 0) still has an
#: event of each of its causes (smaller spoofing runs capture too few aircraft
#: to make an interference event at all).
SIZES = {"jamming": 0.3, "spoofing": 0.6, "jamming-spoofing": 0.6}
NS = 1_000_000_000


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[pa.Table, Any]]:
    """Each scenario simulated once, its readsb-hist snapshots read with the API."""
    out = {}
    for name, size in SIZES.items():
        where = tmp_path_factory.mktemp(name) / "sim"
        simulate(name, where, seed=0, size=size)
        reports = skywitness.read(where / "readsb-hist", errors="raise")
        out[name] = (reports, json.loads((where / "truth.json").read_text()))
        SIM_DIRS[name] = where
    return out


#: Where each scenario was simulated (filled by the ``scenarios`` fixture).
SIM_DIRS: dict[str, Path] = {}


@pytest.fixture(scope="module")
def results(scenarios: dict[str, tuple[pa.Table, Any]]) -> dict[str, skywitness.JammingResult]:
    return {name: skywitness.jamming(reports) for name, (reports, _) in scenarios.items()}


@pytest.fixture(scope="module")
def store(
    scenarios: dict[str, tuple[pa.Table, Any]], tmp_path_factory: pytest.TempPathFactory
) -> Store:
    """The jamming-spoofing snapshots ingested as the CLI does."""
    from skywitness.io import expand, open_file

    st = Store(tmp_path_factory.mktemp("store") / "store")
    files = expand([SIM_DIRS["jamming-spoofing"] / "readsb-hist"])
    result = st.ingest((lambda p=p: open_file(p)) for p in files)
    assert result.files == len(files) and not result.errors
    return st


def _overlaps(spans: list[dict[str, Any]], start_ns: int, end_ns: int) -> bool:
    return any(s["start_ns"] <= end_ns and s["end_ns"] >= start_ns for s in spans)


def truth_kind(event: Event, truth: dict[str, Any]) -> str:
    """What really caused an event: the cause (jammer or spoofer, from truth.json)
    of more of its aircraft during their own stretches in it."""
    by_icao = {a["icao24"]: a for a in truth["aircraft"]}
    jammed, spoofed = set(), set()
    for s in event.intervals:
        a = by_icao[s.icao24]
        if _overlaps(a.get("affected", []), s.start_ns, s.end_ns):
            jammed.add(s.icao24)
        if _overlaps(a.get("spoofed", []), s.start_ns, s.end_ns):
            spoofed.add(s.icao24)
    return "spoofing" if len(spoofed) > len(jammed) else "jamming"


@pytest.mark.slow  # three scenarios simulated, read and analysed (about a minute)
@pytest.mark.parametrize("name", list(SIZES))
def test_event_kinds_match_the_truth(
    name: str,
    scenarios: dict[str, tuple[pa.Table, Any]],
    results: dict[str, skywitness.JammingResult],
) -> None:
    truth = scenarios[name][1]
    events = results[name].events
    assert events, f"the {name} scenario has interference events"
    assert [e.kind for e in events] == [truth_kind(e, truth) for e in events]
    kinds = {e.kind for e in events}
    expected = {"jamming": {"jamming"}, "spoofing": {"spoofing"}}.get(name, {"jamming", "spoofing"})
    assert kinds == expected
    for e in events:
        assert e.as_json()["kind"] == e.kind


@pytest.mark.slow  # three scenarios simulated, read and analysed (about a minute)
def test_kind_is_in_json_and_repr(results: dict[str, skywitness.JammingResult]) -> None:
    both = results["jamming-spoofing"]
    kinds = [e["kind"] for e in both.as_json()["events"]]
    assert set(kinds) == {"jamming", "spoofing"}
    lines = repr(both).splitlines()
    for e in both.events:
        assert any(line.strip().startswith(f"{e.id} {e.kind}:") for line in lines)
    assert both.to_arrow("events")["kind"].to_pylist() == [e.kind for e in both.events]
    # The events GeoJSON carries each event's kind on its features.
    for e in both.events:
        mine = [f["properties"] for f in both.to_geojson()["features"]]
        mine = [p for p in mine if p.get("id") == e.id]
        assert mine and all(e.kind in p.values() for p in mine)


@pytest.mark.slow  # three scenarios simulated, read and analysed (about a minute)
def test_jamming_figures_unchanged_for_jamming_events(
    scenarios: dict[str, tuple[pa.Table, Any]], results: dict[str, skywitness.JammingResult]
) -> None:
    """Labelling changes only the kind: events, aircraft and emitters are the kernel's."""
    from skywitness.gnss.jamming.events import interference_events
    from skywitness.gnss.jamming.state import gnss_state

    reports = select_reports(scenarios["jamming"][0], None, None, None)
    plain = interference_events(gnss_state(reports), reports)
    got = results["jamming"].events
    assert [dataclasses.replace(e, kind="jamming").as_json() for e in got] == [
        e.as_json() for e in plain
    ]


@pytest.mark.slow  # three scenarios simulated, read and analysed (about a minute)
def test_cli_jobs_compute_what_the_api_does(
    scenarios: dict[str, tuple[pa.Table, Any]],
    results: dict[str, skywitness.JammingResult],
    store: Store,
    tmp_path: Path,
) -> None:
    """jamming_analysis / spoofing_analysis (the CLI's) on a store holding the
    same reports give the same events, places and JSON as the API on the table."""
    reports = scenarios["jamming-spoofing"][0]
    seen: list[tuple[str, int, int | None]] = []
    run = jamming_analysis(
        store, start_ns=None, end_ns=None, bbox=None, resolution=4, window="1d", mode="nacp",
        outputs=[tmp_path / "map.geojson"], events_out=tmp_path / "events.geojson",
        provenance=None, progress=lambda *a: seen.append(a),
    )  # fmt: skip
    assert isinstance(run, JammingRun)
    assert run.as_json() == results["jamming-spoofing"].as_json()
    assert [Path(w["file"]).name for w in run.written] == ["map.geojson", "events.geojson"]
    stages = [s for s, _, _ in seen]
    assert stages[0] == "read" and "events" in stages and "kinds" in stages
    assert stages[-1] == "write"
    assert all(total is None or 0 <= done <= total for _, done, total in seen)

    spoof = spoofing_analysis(store, outputs=[tmp_path / "s.csv"])
    assert isinstance(spoof, SpoofingRun)
    assert spoof.as_json() == skywitness.spoofing(reports).as_json()
    assert spoof.written[0]["format"] == "csv"


@pytest.mark.slow  # three scenarios simulated, read and analysed (about a minute)
def test_table_selection_is_the_stores(
    scenarios: dict[str, tuple[pa.Table, Any]], store: Store
) -> None:
    """select_reports on a table keeps what reports_for keeps from a store."""
    reports, truth = scenarios["jamming-spoofing"]
    em = truth["emitters"][0]
    box = (em["lon"] - 3, em["lat"] - 2, em["lon"] + 3, em["lat"] + 2)
    start = truth["start_ns"] + 1800 * NS
    end = start + 1800 * NS
    a = select_reports(reports, start, end, box)
    b = reports_for(store, start, end, box)
    assert 0 < a.num_rows < reports.num_rows
    assert sorted(a["record_id"].to_pylist()) == sorted(b["record_id"].to_pylist())
    # The box selects aircraft: their reports without a position stay.
    assert a["lat"].null_count > 0
    # Across the antimeridian (west > east) nothing here is inside.
    assert select_reports(reports, None, None, (170.0, -10.0, -170.0, 10.0)).num_rows == 0


# -- the labelling rule -------------------------------------------------------------


def _event(aircraft: list[str]) -> Event:
    stretches = [
        Interval(icao24=a, start_ns=100 * NS, end_ns=200 * NS, entry=None, exit=None,
                 path=np.zeros((0, 4)))
        for a in aircraft
    ]  # fmt: skip
    return Event("E001", 100 * NS, 200 * NS, aircraft, stretches, None, {})


def _spoofed(icao24: str, start_s: int, end_s: int) -> SpoofInterval:
    return SpoofInterval(icao24, None, start_s * NS, end_s * NS, ("position",), None)


def test_event_kinds_rule() -> None:
    four = _event(["a", "b", "c", "d"])
    half = [_spoofed("a", 150, 300), _spoofed("b", 0, 100)]  # b touches the stretch's start
    assert SPOOFED_SHARE >= 2 / 4  # exactly half is not "most"
    assert event_kinds([four], half)[0].kind == "jamming"
    most = [*half, _spoofed("c", 199, 199)]
    labelled = event_kinds([four], most)
    assert labelled[0].kind == "spoofing"
    assert four.kind == "jamming"  # the given event is not changed
    # Spoofed, but not while in the event: does not count.
    elsewhere = [_spoofed(a, 300, 400) for a in "abcd"]
    assert event_kinds([four], elsewhere)[0].kind == "jamming"
    assert event_kinds([], most) == ()


def test_the_partial_asks_the_spoofing_detectors_of_the_bad_aircraft_only(
    scenarios: dict[str, tuple[pa.Table, Any]],
) -> None:
    """Each aircraft is judged on its own reports: the intervals of the
    aircraft with a bad report are the ones of a run over every aircraft, and
    they are the only ones a stretch can meet."""
    from skywitness.gnss.jamming.state import BAD, gnss_state
    from skywitness.gnss.spoofing import spoof_intervals, spoof_states
    from skywitness.jobs.jamming import jamming_partial

    reports = select_reports(scenarios["jamming-spoofing"][0], None, None, None)
    partial = jamming_partial(reports)
    states = gnss_state(reports)
    bad = set(np.asarray(states["icao24"])[np.asarray(states["state"]) == BAD])
    every = spoof_intervals(spoof_states(reports))
    assert len({iv.icao24 for iv in every} - bad) > 0, "some spoofed aircraft never bad"
    assert partial.spoofed

    def order(ivs: list[SpoofInterval]) -> list[SpoofInterval]:
        return sorted(ivs, key=lambda iv: (iv.icao24, iv.start_ns))

    assert order(partial.spoofed) == order([iv for iv in every if iv.icao24 in bad])
    assert {s.icao24 for s in partial.stretches} <= bad


def test_callsigns_are_each_aircraft_first_in_row_order_across_batches() -> None:
    from skywitness.jobs.reports import callsigns_of

    rng = np.random.default_rng(3)
    n = 5_000
    icao = rng.choice(["4ca001", "4ca002", "4ca003", "4ca004"], n)
    sign = rng.choice(["EIN1", "RYR2", "BAW3", None], n)
    table = pa.Table.from_arrays([pa.array(icao), pa.array(sign)], ["icao24", "callsign"])
    chunked = pa.Table.from_batches(table.to_batches(max_chunksize=37))
    expected: dict[str, str] = {}
    for a, c in zip(icao.tolist(), sign.tolist(), strict=True):
        if a != "4ca004" and c is not None:
            expected.setdefault(a, c)
    for t in (table, chunked):
        assert dict(callsigns_of(t, ["4ca001", "4ca002", "4ca003", "4ca009"])) == expected
    assert dict(callsigns_of(table, [])) == {}
