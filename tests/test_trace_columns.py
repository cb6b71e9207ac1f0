"""The columnar trace path gives exactly the per-point reader's rows (and the
same count of stale repeats read without a position)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_snapshot_columns import _same

from skywitness.io.base import READER_SCHEMA, ReadContext, batches_of
from skywitness.io.readsb.trace import (
    FLAG_ALT_GEOM,
    FLAG_NEW_LEG,
    FLAG_STALE,
    NAME,
    _point,
    _without_stale_repeats,
    trace_batch,
)

BASE_NS = 1_700_000_000_250_000_000
ICAO = "4ca7b4"


def _slow(points: list[Any]) -> tuple[pa.Table, ReadContext]:
    ctx = ReadContext(path=__file__)  # type: ignore[arg-type]
    rows = ((i, _point(p, BASE_NS, ICAO)) for i, p in enumerate(points))
    batches = list(batches_of(ctx, NAME, _without_stale_repeats(rows, ctx)))
    return pa.Table.from_batches(batches, schema=READER_SCHEMA), ctx


def _check(points: list[Any], *, clean: bool) -> None:
    fast = trace_batch(copy.deepcopy(points), BASE_NS, ICAO)
    slow, ctx = _slow(copy.deepcopy(points))
    if clean:
        assert fast is not None, "a clean trace must take the columnar path"
    if fast is None:
        return
    batch, dropped = fast
    assert ctx.skipped == 0  # taken only when no point is skipped
    assert _same(pa.Table.from_batches([batch]), slow)
    noted = [n.reason for n in ctx.notes]
    assert noted == ([f"{dropped} stale point(s) repeating the last position read without one"]
                     if dropped else [])  # fmt: skip


def test_the_real_trace(samples: Path) -> None:
    doc = json.loads((samples / "readsb/trace_full_ac671b.json").read_text())
    _check(doc["trace"], clean=True)


def test_simulated_traces(simulation: Any) -> None:
    folder = simulation("jamming-spoofing", 0, size=0.3) / "traces"
    files = sorted(folder.glob("trace_full_*.json"))[:12]
    assert files
    for f in files:
        _check(json.loads(f.read_text())["trace"], clean=True)


def test_stale_repeats_lose_their_position() -> None:
    pts = [[0, 50.0, 8.0, 30000, 450, 90, 0, 0, None],
           [5, 50.0, 8.0, 30000, 450, 90, FLAG_STALE, 0, None],
           [10, 50.0, 8.0, "ground", 0, 90, FLAG_STALE, 0, None],
           [15, 50.1, 8.0, 30000, 450, 90, FLAG_STALE, 0, None]]  # fmt: skip
    fast = trace_batch(pts, BASE_NS, ICAO)
    assert fast is not None
    batch, dropped = fast
    assert dropped == 1
    assert batch.column("lat").to_pylist() == [50.0, None, 50.0, 50.1]
    _check(pts, clean=True)


def test_a_problem_point_sends_the_trace_to_the_per_point_reader() -> None:
    good = [0, 50.0, 8.0, 30000, 450, 90, 0, 0, None]
    for bad in (
        [1, "x", 8.0, 30000, 450, 90, 0],
        [1, 50.0, 8.0, 30000],  # too short
        [None, 50.0, 8.0, 30000, 450, 90, 0],
        [10**9, 50.0, 8.0, 30000, 450, 90, 0],  # offset beyond a year
        [1, 50.0, 8.0, 30000, 10**400, 90, 0],
        [1, float("nan"), 8.0, 30000, 450, 90, 0],
        [1, 50.0, 8.0, "high", 450, 90, 0],
        "point",
    ):
        assert trace_batch([good, bad], BASE_NS, ICAO) is None
    assert trace_batch([good], BASE_NS, ICAO) is not None


_numbers = st.one_of(st.integers(-100_000, 100_000), st.floats(-1e6, 1e6, allow_nan=False))
_odd = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=4),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**25), 10**25),
    st.just(10**400),
    st.just("ground"),
    st.dictionaries(st.sampled_from(["nic", "gs", "type"]), _numbers, max_size=2),
)


@st.composite
def _extra(draw: st.DrawFn) -> dict[str, Any]:
    ac: dict[str, Any] = {}
    for key in ("alt_baro", "alt_geom", "gs", "track", "ias", "roll", "baro_rate", "tas"):
        if draw(st.booleans()):
            ac[key] = draw(st.one_of(_numbers, st.none(), st.just("ground")))
    for key in ("nic", "nac_p", "sil"):
        if draw(st.booleans()):
            ac[key] = draw(st.integers(-2, 18))
    if draw(st.booleans()):
        ac["flight"] = draw(st.sampled_from(["RYR12AB ", " ", None]))
    if draw(st.booleans()):
        ac["type"] = draw(st.sampled_from(["adsb_icao", "mlat", "tisb_other", "odd"]))
    if draw(st.booleans()):
        ac["nav_modes"] = draw(st.lists(st.sampled_from(["lnav", "tcas", "x"]), max_size=2))
    if draw(st.booleans()):
        ac["squawk"] = draw(st.sampled_from(["7700", "12a4", 1200]))
    return ac


@st.composite
def _clean_point(draw: st.DrawFn) -> list[Any]:
    t = draw(st.one_of(st.integers(0, 86_400), st.floats(0, 86_400)))
    pos = draw(st.one_of(st.none(), st.sampled_from([(50.0, 8.0), (50.5, 8.25)]),
                         st.tuples(st.floats(-90, 90), st.floats(-180, 180))))  # fmt: skip
    lat, lon = (None, None) if pos is None else pos
    alt = draw(st.one_of(_numbers, st.none(), st.just("ground")))
    flags = draw(st.one_of(st.integers(0, 15), st.none(), st.just(True)))
    p: list[Any] = [t, lat, lon, alt, draw(st.one_of(_numbers, st.none())),
                    draw(st.one_of(_numbers, st.none())), flags]  # fmt: skip
    more = draw(st.integers(0, 8))
    tail = [draw(st.one_of(_numbers, st.none())), draw(st.one_of(st.none(), _extra())),
            draw(st.sampled_from(["adsb_icao", "mlat", None, 3])),
            draw(st.one_of(_numbers, st.none())), draw(st.one_of(_numbers, st.none())),
            draw(st.one_of(_numbers, st.none())), draw(st.one_of(_numbers, st.none())),
            draw(st.integers(0, 3))]  # fmt: skip
    return p + tail[:more]


@st.composite
def _odd_point(draw: st.DrawFn) -> Any:
    p = draw(_clean_point())
    for k in draw(st.lists(st.integers(0, len(p) - 1), max_size=2)):
        p[k] = draw(_odd)
    if draw(st.integers(0, 20)) == 0:
        return p[:3]
    return p


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_clean_point(), min_size=1, max_size=12))
def test_clean_points_read_the_same(points: list[list[Any]]) -> None:
    _check(points, clean=True)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_odd_point(), min_size=1, max_size=8))
def test_odd_points_read_the_same_or_go_the_slow_way(points: list[Any]) -> None:
    _check(points, clean=False)


def test_flags_are_read_as_the_per_point_reader_reads_them() -> None:
    pts = [[0, 50.0, 8.0, 30000, 450, 90, FLAG_ALT_GEOM | FLAG_NEW_LEG, 0, {"alt_baro": 29000}],
           [5, 50.1, 8.0, 30100, 450, 90, FLAG_ALT_GEOM, 0, None, "mlat", 30500]]  # fmt: skip
    fast = trace_batch(pts, BASE_NS, ICAO)
    assert fast is not None
    batch = fast[0]
    assert batch.column("alt_baro_ft").to_pylist() == [29000.0, None]
    assert batch.column("alt_geom_ft").to_pylist() == [30000.0, 30500.0]
    assert batch.column("new_leg").to_pylist() == [True, False]
    assert batch.column("source").to_pylist() == ["other", "mlat"]
    _check(pts, clean=True)
