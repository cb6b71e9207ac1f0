"""What each bad stretch tells the emitter fit (skywitness.gnss.jamming.events)."""

from __future__ import annotations

import numpy as np
import pytest

from skywitness.gnss.jamming.events import _inside_path, _top_before_exit
from skywitness.gnss.jamming.stretches import Interval
from skywitness.gnss.locate import EXIT_MAX_LAG_S

NS = 10**9


def _interval(entry: bool, exit_: bool, alts: np.ndarray) -> Interval:
    t = np.arange(alts.size, dtype=float) * 10.0 + 1000.0
    path = np.column_stack([t, np.full(t.size, 55.0), np.linspace(20, 22, t.size), alts])
    return Interval(
        icao24="abc123",
        start_ns=int(t[0] * NS),
        end_ns=int(t[-1] * NS),
        entry=(55.0, 19.9, float(alts[0])) if entry else None,
        exit=(55.0, 22.1, float(alts[-1]) - 500.0, 300.0) if exit_ else None,
        path=path,
    )


def test_path_tail_within_the_reacquisition_delay_is_not_inside() -> None:
    iv = _interval(True, True, np.full(100, 30000.0))
    inside = _inside_path(iv)
    assert inside[-1, 0] <= iv.end_ns / NS - EXIT_MAX_LAG_S
    assert len(inside) == 100 - int(EXIT_MAX_LAG_S / 10)
    # No exit seen (landed, record ended): the tail is just as uncertain.
    assert len(_inside_path(_interval(True, False, np.full(100, 30000.0)))) == len(inside)


def test_stretch_bad_from_first_to_last_report_is_not_inside() -> None:
    # No trusted position on either side: no boundary, and a faulty receiver
    # looks the same.
    assert len(_inside_path(_interval(False, False, np.full(100, 30000.0)))) == 0


def test_top_altitude_before_the_exit() -> None:
    descending = np.linspace(30000.0, 10000.0, 100)  # 200 ft per 10 s
    iv = _interval(True, True, descending)
    top = _top_before_exit(iv)
    window = descending[iv.path[:, 0] >= iv.end_ns / NS - EXIT_MAX_LAG_S]
    assert top == window.max() > iv.exit[2]  # type: ignore[index]
    climbing = _interval(True, True, descending[::-1])
    assert _top_before_exit(climbing) == climbing.path[-1, 3]


def test_path_dead_reckoned_backwards_from_the_exit_without_entry() -> None:
    # Affected from its first report (took off inside the zone): no entry,
    # no reported position, ground speed and track known. The path runs
    # backwards from the exit.
    from skywitness.gnss.jamming.stretches import _path
    from skywitness.model.geo import distance_m

    t = (np.arange(0, 600, 10) * NS).astype(np.int64)
    n = t.size
    gs, track = np.full(n, 400.0), np.full(n, 90.0)
    exit_t = int(t[-1] + 10 * NS)
    path, back = _path(t, np.full(n, np.nan), np.full(n, np.nan), np.full(n, 30000.0),
                       np.zeros(n, bool), gs, track, None, (50.0, 20.0, exit_t))  # fmt: skip
    assert back == exit_t / NS
    assert len(path) == n
    # 600 s at 400 kt = 123.5 km west of the exit (track held east: a rhumb
    # line, which stays on the parallel, not a great circle)
    assert float(distance_m(path[0, 1], path[0, 2], 50.0, 20.0)) == pytest.approx(
        400 * 1852 / 3600 * 600, rel=0.005
    )
    assert abs(path[0, 1] - 50.0) < 0.01 and path[0, 2] < 20.0
    assert np.all(np.diff(path[:, 2]) > 0)  # flying east
    # Without the exit there is nothing to reckon from.
    none, back = _path(t, np.full(n, np.nan), np.full(n, np.nan), np.full(n, 30000.0),
                       np.zeros(n, bool), gs, track, None)  # fmt: skip
    assert len(none) == 0 and back == float("-inf")


def test_backward_reckoned_positions_are_not_inside() -> None:
    iv = _interval(False, True, np.full(100, 30000.0))
    cut = float(iv.path[40, 0])
    back = Interval(iv.icao24, iv.start_ns, iv.end_ns, None, iv.exit, iv.path, cut)
    inside = _inside_path(back)
    assert inside[0, 0] == cut and len(inside) == len(_inside_path(iv)) - 40
