"""One emitter, one event, with its active windows and the gaps between them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

import skywitness
from skywitness.model.geo import distance_m
from skywitness.sim.run import simulate


def _t(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1e9)


@pytest.mark.slow
def test_an_emitter_switched_off_for_a_while_is_one_event_with_a_gap(tmp_path: Path) -> None:
    """two-jammers: east-med-b is on 10:40-11:10 and 11:25-12:00; its event
    holds one gap inside the switch-off, east-med-a's event none."""
    simulate("two-jammers", tmp_path / "sim", seed=0)
    result = skywitness.jamming(skywitness.read(tmp_path / "sim" / "readsb-hist"))
    # b is seen by few aircraft and located loosely: its event is the other one.
    near_b = [
        e for e in result.events
        if e.emitter is not None and distance_m(e.emitter.lat, e.emitter.lon, 33.70, 33.90) > 200e3
    ]  # fmt: skip
    assert len(near_b) == 1
    windows = near_b[0].windows
    assert len(windows) == 2
    gap = (windows[0][1], windows[1][0])
    assert _t("2024-05-14T11:09:00") <= gap[0] and gap[1] <= _t("2024-05-14T11:27:00")
    near_a = [
        e for e in result.events
        if e.emitter is not None and distance_m(e.emitter.lat, e.emitter.lon, 33.70, 33.90) < 50e3
    ]  # fmt: skip
    assert len(near_a) == 1 and len(near_a[0].windows) == 1
    assert near_a[0].as_json()["active"][0]["start"] == near_a[0].as_json()["start"]


@pytest.mark.slow
def test_a_jammer_on_for_hours_is_one_event_holding_its_aircraft(tmp_path: Path) -> None:
    """jamming-spoofing seed 5: four of the jammer's aircraft (one inside at
    switch-on, three crossing one edge later) used to make a second, loosely
    located event 60 km off; the neighbouring spoofer's aircraft make their own."""
    import json

    simulate("jamming-spoofing", tmp_path / "sim", seed=5)
    truth = json.loads((tmp_path / "sim" / "truth.json").read_text())
    jammed = {
        a["icao24"] for a in truth["aircraft"]
        if any(iv["kind"] == "lost" for iv in a["affected"])
    }  # fmt: skip
    result = skywitness.jamming(skywitness.read(tmp_path / "sim" / "readsb-hist"))
    holding = [e for e in result.events if jammed & set(e.aircraft)]
    jamming = [e for e in holding if e.kind == "jamming"]
    assert len(jamming) == 1 and jamming[0].emitter is not None
    # Every jammed aircraft found is in it (or, spoofed meanwhile, in the spoofer's).
    found = {a for e in holding for a in e.aircraft} & jammed
    assert found <= set(jamming[0].aircraft) | {
        a for e in holding if e.kind == "spoofing" for a in e.aircraft
    }
    assert len(found) >= 0.9 * len(jammed)
    err = distance_m(jamming[0].emitter.lat, jamming[0].emitter.lon, 54.70, 20.50) / 1000
    assert err <= jamming[0].emitter.error_km_95
