"""The columnar snapshot path gives exactly the per-entry reader's rows."""

from __future__ import annotations

import copy
import math
from typing import Any

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_readsb_aircraft import SNAPSHOT

from skywitness.io.base import READER_SCHEMA, ReadContext, batches_of
from skywitness.io.readsb.aircraft import NAME, POSITION_MAX_LAG_S, _entry
from skywitness.io.readsb.columns import snapshot_batch

NOW_US = 1_700_000_000_500_000


def _slow(entries: list[Any], ctx: ReadContext) -> pa.Table:
    rows = ((i, _entry(ac, NOW_US)) for i, ac in enumerate(entries))
    return pa.Table.from_batches(list(batches_of(ctx, NAME, rows)), schema=READER_SCHEMA)


def _same(a: pa.Table, b: pa.Table) -> bool:
    """Equal, NaN equal to NaN."""
    if a.schema != b.schema or a.num_rows != b.num_rows:
        return False
    for x, y in zip(a.columns, b.columns, strict=True):
        for u, v in zip(x.to_pylist(), y.to_pylist(), strict=True):
            if u != v and not (isinstance(u, float) and math.isnan(u) and math.isnan(v)):
                return False
    return True


def _check(entries: list[Any], *, clean: bool) -> None:
    ctx = ReadContext(path=__file__)  # type: ignore[arg-type]
    fast = snapshot_batch(copy.deepcopy(entries), NOW_US, NAME, POSITION_MAX_LAG_S)
    slow = _slow(copy.deepcopy(entries), ctx)
    if clean:
        assert fast is not None, "a clean snapshot must take the columnar path"
    if fast is None:
        return
    assert ctx.skipped == 0  # taken only when no entry is skipped
    assert _same(pa.Table.from_batches([fast]), slow)


def test_realistic_snapshot() -> None:
    _check(SNAPSHOT["aircraft"][:1], clean=True)
    _check(SNAPSHOT["aircraft"], clean=False)


def test_a_problem_entry_sends_the_snapshot_to_the_per_entry_reader() -> None:
    good = {"hex": "abc123", "lat": 50.0, "lon": 8.0, "seen": 1.0}
    for bad in (
        {"hex": "abc124", "lat": "x", "lon": 8.0},
        {"hex": "abc124", "lat": 50.0},  # a lone latitude
        {"lat": 50.0, "lon": 8.0},  # no address
        {"hex": "abc124", "seen": -1},
        {"hex": "abc124", "gs": 10**400},
        {"hex": "abc124", "seen_pos": float("nan")},
    ):
        assert snapshot_batch([good, bad], NOW_US, NAME, POSITION_MAX_LAG_S) is None
    assert snapshot_batch([good], NOW_US, NAME, POSITION_MAX_LAG_S) is not None


_numbers = st.one_of(
    st.integers(-100_000, 100_000),
    st.floats(-1e6, 1e6, allow_nan=False),
)
_odd = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=5),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**25), 10**25),
    st.just(10**400),
    st.lists(st.sampled_from(["lat", "lon", "gs", "autopilot", "tcas"]), max_size=3),
)
_KEYS = ("alt_baro", "alt_geom", "gs", "track", "ias", "tas", "mach", "roll", "rc",
         "nav_heading", "baro_rate", "geom_rate", "true_heading", "mag_heading",
         "nav_altitude_mcp", "nav_altitude_fms", "nic", "nac_p", "nac_v", "sil",
         "squawk", "emergency", "flight", "type", "nav_modes", "mlat", "tisb",
         "seen", "seen_pos", "lat", "lon")  # fmt: skip


@st.composite
def _clean_entry(draw: st.DrawFn) -> dict[str, Any]:
    ac: dict[str, Any] = {"hex": draw(st.sampled_from(["4ca7b4", "ABC123", "~1f2e3d", " a1 "]))}
    if draw(st.booleans()):
        ac["lat"], ac["lon"] = draw(st.floats(-90, 90)), draw(st.floats(-180, 180))
    if draw(st.booleans()):
        ac["seen"] = draw(st.floats(0, 300))
    if draw(st.booleans()):
        ac["seen_pos"] = draw(st.floats(0, 300))
    for key in ("alt_geom", "gs", "track", "baro_rate", "geom_rate", "true_heading", "rc"):
        if draw(st.booleans()):
            ac[key] = draw(st.one_of(_numbers, st.none(), st.booleans()))
    for key in ("nic", "nac_p", "nac_v", "sil"):
        if draw(st.booleans()):
            ac[key] = draw(st.one_of(st.integers(-3, 20), st.none()))
    if draw(st.booleans()):
        ac["alt_baro"] = draw(st.one_of(st.just("ground"), _numbers, st.just("x")))
    ac["squawk"] = draw(st.sampled_from(["7700", "1234", "12a4", None, 1200]))
    ac["emergency"] = draw(st.sampled_from(["none", "general", "bogus", " nordo ", None]))
    ac["flight"] = draw(st.sampled_from(["RYR12AB ", "  ", "", None, 5]))
    ac["type"] = draw(st.sampled_from(["adsb_icao", "mlat", "tisb_other", "odd", None]))
    if draw(st.booleans()):
        ac["nav_modes"] = draw(
            st.one_of(st.lists(st.sampled_from(["lnav", "tcas", "x"])), st.none())
        )
    if draw(st.booleans()):
        ac[draw(st.sampled_from(["mlat", "tisb"]))] = draw(
            st.sampled_from([["lat", "lon"], ["gs"], "lat"])
        )
    return ac


@st.composite
def _odd_entry(draw: st.DrawFn) -> Any:
    ac = draw(_clean_entry())
    for key in draw(st.lists(st.sampled_from(_KEYS), max_size=3)):
        ac[key] = draw(_odd)
    if draw(st.integers(0, 20)) == 0:
        del ac["hex"]
    return ac


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_clean_entry(), min_size=1, max_size=12))
def test_clean_entries_read_the_same(entries: list[dict[str, Any]]) -> None:
    _check(entries, clean=True)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_odd_entry(), min_size=1, max_size=8))
def test_odd_entries_read_the_same_or_go_the_slow_way(entries: list[Any]) -> None:
    _check(entries, clean=False)
