"""Checks shared by the engines' tests: two jamming (spoofing) results are the same."""

from __future__ import annotations

from typing import Any


def same_jamming_result(a: Any, b: Any) -> None:
    """Events, map, tallies, time range and callsigns all equal."""
    assert a.as_json() == b.as_json()
    assert [e.as_json() for e in a.events] == [e.as_json() for e in b.events]
    assert a.map.equals(b.map)
    assert (a.reports, a.aircraft, a.unknown_aircraft) == (
        b.reports,
        b.aircraft,
        b.unknown_aircraft,
    )
    assert (a.start_ns, a.end_ns) == (b.start_ns, b.end_ns)
    assert dict(a.callsigns) == dict(b.callsigns)


def same_spoofing_result(a: Any, b: Any) -> None:
    """Intervals, places with their areas, true paths, states, tallies and time range all equal."""
    assert a.as_json() == b.as_json()
    assert a.intervals == b.intervals
    assert [c.as_json() for c in a.clusters] == [c.as_json() for c in b.clusters]
    for name in ("places", "paths", "states"):
        assert a.to_arrow(name).equals(b.to_arrow(name)), name
    assert (a.reports, a.aircraft, a.start_ns, a.end_ns) == (
        b.reports,
        b.aircraft,
        b.start_ns,
        b.end_ns,
    )
