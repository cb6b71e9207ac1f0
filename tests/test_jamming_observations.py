"""What each bad stretch tells the emitter fit (skywitness.gnss.events)."""

from __future__ import annotations

import numpy as np

from skywitness.gnss.events import _inside_path, _top_before_exit
from skywitness.gnss.localise import EXIT_MAX_LAG_S
from skywitness.gnss.stretches import Interval

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
