"""The two-emitter split test's rounds (skywitness.gnss.jamming.events._split_two):
they end when the assignment settles, or at the first round whose assignment
costs no less under its own two emitters than the best before it (stalled,
or going round a cycle), or after SPLIT_ROUNDS; the assignment they ended
with is the one judged. (At 10^8 reports the large groups' rounds never
settled: each round moved a third to a half of the stretches between two
fits a few km apart, for all 8 rounds.)"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from skywitness.gnss.jamming import events
from skywitness.gnss.jamming.stretches import Interval
from skywitness.gnss.locate import EmitterEstimate

NS = 10**9


def _stretch(k: int, lon: float) -> Interval:
    t = np.arange(30, dtype=float) * 10.0 + 1000.0
    path = np.column_stack([t, np.full(t.size, 55.0), np.full(t.size, lon), np.full(t.size, 3e4)])
    return Interval(
        icao24=f"{k:06x}",
        start_ns=int(t[0] * NS),
        end_ns=int(t[-1] * NS),
        entry=(55.0, lon - 0.1, 3e4),
        exit=(55.0, lon + 0.1, 3e4, 400.0),
        path=path,
    )


# Six stretches west (lon 20) and six east (lon 24): the 2-means start puts
# them apart (state A); state B moves two of each side across.
IVS = [_stretch(k, 20.0 if k < 6 else 24.0) for k in range(12)]
IDX = list(range(12))
A = np.array([0] * 6 + [1] * 6)
B = np.array([0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 1, 1])


class _Cycle:
    """Fits whose reassignment goes round ``states`` for ever; each fit's cost
    is ``costs[state]`` split over its two sides."""

    def __init__(self, states: list[np.ndarray], costs: list[float]) -> None:
        self.states, self.costs = states, costs
        self.fits = 0
        self.round_of: dict[float, int] = {}  # an estimate (by its lon) -> its round

    def locate(self, obs: Any, bootstrap: int = 0) -> EmitterEstimate:
        self.fits += 1
        # Two fits of the whole (first, single), then two per round.
        r = (self.fits - 3) // 2 if self.fits > 2 else -1
        est = EmitterEstimate(55.0, float(self.fits), 100.0, 5.0, 1, 1)
        self.round_of[est.lon] = r
        return est

    def misfit(self, obs: Any, est: EmitterEstimate) -> float:
        r = self.round_of[est.lon]
        if r < 0:
            return 1e9  # one emitter explains nothing: the split is kept
        return self.costs[r % len(self.states)] / 2

    def misfits(self, owns: list[Any], est: EmitterEstimate) -> np.ndarray:
        # new = misfits(e1) < misfits(e0): the next state's sides.
        r = self.round_of[est.lon]
        nxt = self.states[(r + 1) % len(self.states)]
        side = est.lon == max(k for k, v in self.round_of.items() if v == r)
        return np.where(nxt == 1, 0.0, 1.0) if side else np.full(len(owns), 0.5)


def _run(monkeypatch: pytest.MonkeyPatch, cycle: _Cycle) -> list[list[int]]:
    monkeypatch.setattr(events, "locate_emitter", cycle.locate)
    monkeypatch.setattr(events, "misfit", cycle.misfit)
    monkeypatch.setattr(events, "misfits", cycle.misfits)
    monkeypatch.setattr(events, "_observations", lambda ivs, idx, outside: None)
    monkeypatch.setattr(events, "_kept", lambda ivs, idx, em, outside: {i: [ivs[i]] for i in idx})
    return events._split_two(IVS, IDX, np.zeros((0, 3)))


def _sides(state: np.ndarray) -> list[list[int]]:
    return [[i for i in IDX if state[i] == k] for k in (0, 1)]


@pytest.mark.parametrize(
    ("costs", "last", "rounds"),
    [
        ([10.0, 4.0], A, 3),  # A, then B cheaper, then A again: no better, stop
        ([4.0, 10.0], B, 2),  # B dearer than A: stop at once
    ],
)
def test_a_two_state_cycle_stops(
    monkeypatch: pytest.MonkeyPatch, costs: list[float], last: np.ndarray, rounds: int
) -> None:
    cycle = _Cycle([A, B], costs)
    assert np.array_equal(events._two_means(np.array([[55.0, iv.path[0, 2]] for iv in IVS])), A)
    assert _run(monkeypatch, cycle) == _sides(last)
    # The first fit, the one-emitter fit, then two fits per round: not the
    # SPLIT_ROUNDS rounds of going round the cycle.
    assert cycle.fits == 2 + 2 * rounds


C = np.array([0, 0, 0, 0, 0, 1, 0, 1, 1, 1, 1, 1])
D = np.array([0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1])


def test_a_longer_cycle_stops_when_it_comes_round(monkeypatch: pytest.MonkeyPatch) -> None:
    cycle = _Cycle([A, B, C], [10.0, 7.0, 3.0])
    assert _run(monkeypatch, cycle) == _sides(A)
    assert cycle.fits == 2 + 4 * 2


def test_rounds_stop_when_the_cost_stops_falling(monkeypatch: pytest.MonkeyPatch) -> None:
    # No assignment comes back, but the second costs more than the first:
    # the rounds stop there (a later, cheaper one is not sought).
    cycle = _Cycle([A, B, C, D], [5.0, 6.0, 1.0, 1.0])
    assert _run(monkeypatch, cycle) == _sides(B)
    assert cycle.fits == 2 + 2 * 2


def test_the_stalled_assignment_is_judged_at_its_own_cost(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # One emitter's cost lies between A's (4) and B's (10) by the margin:
    # B, where the rounds stalled, does not beat one emitter; A would have.
    cycle = _Cycle([A, B], [4.0, 10.0])
    margin = events._bic_margin(IVS)
    two = cycle.misfit
    monkeypatch.setattr(
        cycle, "misfit", lambda o, e: margin + 5.0 if cycle.round_of[e.lon] < 0 else two(o, e)
    )
    assert _run(monkeypatch, cycle) == [IDX]
    cycle = _Cycle([A], [4.0])  # settled at A: the same one-emitter cost loses to A
    two_a = cycle.misfit
    monkeypatch.setattr(
        cycle, "misfit", lambda o, e: margin + 5.0 if cycle.round_of[e.lon] < 0 else two_a(o, e)
    )
    assert _run(monkeypatch, cycle) == _sides(A)


def test_falling_costs_run_until_the_assignment_settles(monkeypatch: pytest.MonkeyPatch) -> None:
    cycle = _Cycle([A, B, C, D, D], [9.0, 8.0, 7.0, 6.0, 5.0])  # D reassigns to D
    assert _run(monkeypatch, cycle) == _sides(D)
    assert cycle.fits == 2 + 4 * 2


def test_an_assignment_that_settles_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    cycle = _Cycle([A], [4.0])
    assert _run(monkeypatch, cycle) == _sides(A)
    assert cycle.fits == 2 + 2


def test_a_settled_split_is_still_judged(monkeypatch: pytest.MonkeyPatch) -> None:
    cycle = _Cycle([A], [4.0])
    one = cycle.misfit
    # One emitter explains the group nearly as well as two: no split.
    monkeypatch.setattr(
        cycle, "misfit", lambda o, e: 5.0 if cycle.round_of[e.lon] < 0 else one(o, e)
    )
    assert _run(monkeypatch, cycle) == [IDX]
