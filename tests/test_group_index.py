"""Linking stretches into groups: the distance bound that skips far pairs
changes no group (against the plain pairwise loop, on drawn stretches that
cross the antimeridian, reach the poles and overlap in time)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skywitness.gnss.jamming.events import LINK_KM, LINK_SLACK_S, NS, _min_distance_km, group
from skywitness.gnss.jamming.stretches import Interval, footprint

T0 = 1_700_000_000 * NS


def _plain(ivs: list[Interval], classes: list[int]) -> list[list[int]]:
    """Every later-starting stretch within the slack, every pair's points."""
    n = len(ivs)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    pts = [footprint(iv) for iv in ivs]
    order = sorted(range(n), key=lambda i: ivs[i].start_ns)
    for x, i in enumerate(order):
        for j in order[x + 1 :]:
            if ivs[j].start_ns > ivs[i].end_ns + LINK_SLACK_S * NS:
                break
            if not len(pts[i]) or not len(pts[j]) or classes[i] != classes[j]:
                continue
            if _min_distance_km(pts[i], pts[j]) <= LINK_KM:
                parent[find(i)] = find(j)
    out: dict[int, list[int]] = {}
    for i in range(n):
        out.setdefault(find(i), []).append(i)
    return sorted(out.values())


@st.composite
def stretches(draw: st.DrawFn) -> tuple[list[Interval], list[int]]:
    n = draw(st.integers(1, 25))
    lat0 = draw(st.sampled_from([0.0, 55.0, 88.5, -89.0]))
    lon0 = draw(st.sampled_from([0.0, 179.5, -179.8, 90.0]))
    ivs, classes = [], []
    for k in range(n):
        start = T0 + draw(st.integers(0, 4 * 3600)) * NS
        end = start + draw(st.integers(0, 3600)) * NS
        m = draw(st.integers(0, 5))
        t = np.linspace(start / NS, end / NS, m)
        lat = np.clip(lat0 + np.array([draw(st.floats(-2.0, 2.0)) for _ in range(m)]), -90, 90)
        lon = (lon0 + np.array([draw(st.floats(-3.0, 3.0)) for _ in range(m)]) + 180) % 360 - 180
        path = np.column_stack([t, lat, lon, np.full(m, 30000.0)]) if m else np.zeros((0, 4))
        entry = (float(lat[0]), float(lon[0]), 30000.0) if m and draw(st.booleans()) else None
        ivs.append(Interval(f"{k:06x}", start, end, entry, None, path))
        classes.append(draw(st.integers(0, 1)))
    return ivs, classes


@settings(max_examples=150, deadline=None)
@given(stretches())
def test_groups_equal_the_plain_pairwise_loop(drawn: tuple[list[Interval], list[int]]) -> None:
    ivs, classes = drawn
    assert sorted(group(ivs, classes)) == _plain(ivs, classes)


def test_two_means_in_blocks_is_the_one_matrix(monkeypatch: pytest.MonkeyPatch) -> None:
    """The farthest pair found block by block is the one matrix's argmax (ties too)."""
    from skywitness.gnss.jamming import events
    from skywitness.model.geo import near_lon

    def one_matrix(p: np.ndarray) -> np.ndarray:
        lon = near_lon(p[:, 1], float(p[0, 1]))
        x = np.column_stack([p[:, 0], lon * np.cos(np.radians(p[:, 0].mean()))])
        d = np.linalg.norm(x[:, None] - x[None], axis=2)
        a, b = np.unravel_index(int(np.argmax(d)), d.shape)
        c = np.array([x[a], x[b]])
        labels = np.zeros(len(x), dtype=np.int64)
        for _ in range(20):
            labels = np.argmin(np.linalg.norm(x[:, None] - c[None], axis=2), axis=1)
            if labels.min() == labels.max():
                break
            c = np.array([x[labels == k].mean(axis=0) for k in (0, 1)])
        return labels

    monkeypatch.setattr(events, "PAIRS_PER_BLOCK", 50)
    rng = np.random.default_rng(11)
    for n in (2, 3, 7, 40, 120):
        for _ in range(20):
            p = np.column_stack([55 + rng.normal(0, 1, n), 179 + rng.normal(0, 2, n)])
            p[:, 1] = (p[:, 1] + 180) % 360 - 180
            if n > 3:
                p[n // 2] = p[0]  # a tie for the farthest pair
            assert np.array_equal(events._two_means(p), one_matrix(p))
