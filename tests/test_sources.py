"""Several archives of one flight (track/sources.py): one merged timeline that keeps
each point's archive, near duplicates dropped, and where the archives disagree."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from skywitness.errors import UsageError
from skywitness.gnss.spoofing.detectors import spoof_states
from skywitness.io import expand, read_table
from skywitness.model.geo import destination, distance_m
from skywitness.model.units import MPS_PER_KT
from skywitness.track.sources import (
    DUPLICATE_POSITION_M,
    DUPLICATE_TIME_S,
    coverage,
    disagreements,
    merge_sources,
)

FR24, OPENSKY = "fr24/372355e5.json", "noisy/noisy_spoofing.json.gz"
T0 = 1_700_000_000
SEED = 3  # the incident simulation test_sim_incident also uses (shared, with snapshots)


@pytest.fixture(scope="module")
def thy(samples: Path) -> tuple[pa.Table, pa.Table]:
    """THY9BP as Flightradar24 recorded it and as the OpenSky-style traffic sample holds it."""
    return read_table(samples / FR24), read_table(samples / OPENSKY)


def flag_rows(states: pa.Table, names: tuple[str, ...]) -> dict[int, tuple[bool, ...]]:
    """Each report's flags, by record_id."""
    values = zip(*(states[n].to_pylist() for n in names), strict=True)
    return dict(zip(states["record_id"].to_pylist(), values, strict=True))


def _iso(ns: int) -> str:
    return str(np.datetime64(int(ns), "ns"))[:19]


# -- the real pair ------------------------------------------------------------------


def test_thy9bp_merged_keeps_both_archives(thy: tuple[pa.Table, pa.Table]) -> None:
    """The two records hold the same fix 82 times: FR24's 6-decimal copy of
    OpenSky's float32 position (< 0.5 m apart), stamped -1 to +2 s apart. Each
    such pair becomes one point held by both archives; every other report stays,
    with its archive."""
    fr24, opensky = thy
    merged = merge_sources(pa.concat_tables([fr24, opensky]))
    assert merged.archives == ("fr24-json", "traffic-json")
    assert dict(merged.rows) == {"fr24-json": fr24.num_rows, "traffic-json": opensky.num_rows}
    assert len(merged) == fr24.num_rows + opensky.num_rows - merged.dropped
    held = merged.reports["archives"].to_pylist()
    both = [i for i, h in enumerate(held) if len(h) == 2]
    # Counted independently: FR24 positions with an OpenSky position of the same fix.
    a, b = fr24.filter(pc.is_valid(fr24["lat"])), opensky.filter(pc.is_valid(opensky["lat"]))
    ta = a["time"].cast(pa.int64()).to_numpy()
    tb = b["time"].cast(pa.int64()).to_numpy()
    lat_b, lon_b = b["lat"].to_numpy(), b["lon"].to_numpy()
    same_fix = 0
    for t, la, lo in zip(ta, a["lat"].to_numpy(), a["lon"].to_numpy(), strict=True):
        near = np.abs(tb - t) <= DUPLICATE_TIME_S * 1e9
        same_fix += bool(
            (distance_m(la, lo, lat_b[near], lon_b[near]) <= DUPLICATE_POSITION_M).any()
        )
    assert len(both) == same_fix == merged.dropped == 82
    archive = merged.reports["archive"].to_pylist()
    assert set(archive) == {"fr24-json", "traffic-json"}
    assert all(h[0] == a for h, a in zip(held, archive, strict=True))
    assert merged.reports["archive"].to_pylist() == merged.reports["format"].to_pylist()
    t = merged.reports["time"].cast(pa.int64()).to_numpy()
    assert (np.diff(t) >= 0).all()


def test_thy9bp_archives_disagree_while_spoofed(thy: tuple[pa.Table, pa.Table]) -> None:
    """Before the spoofing both archives hold the same fixes (the 82 shared points)
    and their positions never differ; during it (09:24:21-09:58:09, see
    test_spoofing) FR24's positions lie 200-400 km from OpenSky's (at 09:30:32
    FR24 50.355N 20.771E, OpenSky 49.658N 23.851E, both at 50 kt): two spoofed
    position streams. OpenSky's long stretches without positions while FR24 has
    some (09:06:47-09:24:19) are the other kind of disagreement."""
    ev = disagreements(pa.concat_tables(list(thy)))
    assert ev and all(e.kind == "sources_disagree" for e in ev)
    assert all(e.detail["sources"] == ["fr24-json", "traffic-json"] for e in ev)
    differ = [e for e in ev if e.detail["what"].startswith("positions differ")]
    start, end = "2024-09-17T09:24:21", "2024-09-17T09:58:09"
    assert not [e for e in differ if _iso(e.time_ns) < start]
    during = [e for e in differ if start <= _iso(e.time_ns) <= end]
    assert len(during) >= 3 and max(e.detail["max_km"] for e in during) > 200
    assert all(e.detail["median_km"] > 100 for e in during)
    missing = [e for e in ev if e.detail["what"] == "fr24-json has positions, traffic-json none"]
    assert any(_iso(e.time_ns) < "2024-09-17T09:07" < e.detail["end"] for e in missing)
    assert not [e for e in ev if e.detail["what"] == "traffic-json has positions, fr24-json none"]
    for e in ev:
        assert e.detail["end"] >= e.time and e.detail["duration_s"] >= 30


def test_thy9bp_coverage(thy: tuple[pa.Table, pa.Table]) -> None:
    """FR24 covers the whole flight (07:31 take-off roll to 11:22), the traffic sample
    only 08:04-10:30: the ends are FR24 alone, and are no disagreement."""
    spans = coverage(pa.concat_tables(list(thy)))
    assert spans[0].archives == ("fr24-json",) and spans[-1].archives == ("fr24-json",)
    assert spans[0].as_json()["end"] < "2024-09-17T08:10" < spans[-1].as_json()["start"]
    ev = disagreements(pa.concat_tables(list(thy)))
    assert all(spans[0].end_ns < e.time_ns < spans[-1].start_ns for e in ev)


# -- the simulator's two archives of one flight ---------------------------------------


@pytest.fixture(scope="module")
def incident_pair(simulation: Any) -> tuple[str, pa.Table, pa.Table]:
    """The incident flight as readsb traces and as readsb-hist snapshots."""
    folder = simulation("incident", SEED)
    icao = simulation.truth("incident", SEED)["incident"]["icao24"]
    traces = pa.concat_tables([read_table(p) for p in expand([folder / "traces"])])
    snaps = simulation.reports("incident", SEED)
    return icao, traces, snaps


@pytest.mark.slow
def test_simulated_pair_merged_and_judged_apart(
    incident_pair: tuple[str, pa.Table, pa.Table],
) -> None:
    """Traces and snapshots of the same simulated flights, ingested together: the
    spoofing detectors flag exactly the reports each archive's own record gets
    flagged alone (nothing from the interleaving), the merge keeps both origins
    and drops only copies of one fix, and the archives never disagree on positions
    (they carry the same simulated fixes)."""
    icao, traces, snaps = incident_pair
    both = pa.concat_tables([traces, snaps])
    alone: dict[int, tuple[bool, ...]] = {}
    names = ("frozen", "jump", "kinematic", "altitude", "spoofed")
    for part in (traces, snaps):
        s = spoof_states(part)
        alone.update(flag_rows(s, names))
    together = spoof_states(both)
    got = flag_rows(together, names)
    assert got == alone
    one = both.filter(pc.equal(both["icao24"], icao))
    merged = merge_sources(one)
    assert merged.archives == ("readsb-aircraft", "readsb-trace") and merged.dropped > 50
    held = merged.reports["archives"].to_pylist()
    assert {a for h in held for a in h} == set(merged.archives)
    assert len(merged) == one.num_rows - merged.dropped
    ev = disagreements(merged)
    assert not [e for e in ev if e.detail["what"].startswith("positions differ")]


# -- synthetic pairs ------------------------------------------------------------------


def _archive(
    name: str, t: np.ndarray[Any, Any], *, shift_m: float = 0.0, positions: bool = True
) -> pa.Table:
    """An aircraft at 450 kt due north from 48N 10E, as archive ``name`` reports it at
    times ``t`` (s), its positions displaced ``shift_m`` east, or absent."""
    lat, lon = destination(48.0, 10.0, 0.0, 450 * MPS_PER_KT * t)
    lat, lon = destination(lat, lon, 90.0, np.full(t.shape, shift_m))
    n = t.shape[0]
    mask = np.full(n, not positions)
    return pa.table(
        {
            "time": pa.array(((t + T0) * 1e9).astype(np.int64)).cast(pa.timestamp("ns", tz="UTC")),
            "icao24": ["abc123"] * n,
            "lat": pa.array(lat, mask=mask),
            "lon": pa.array(lon, mask=mask),
            "alt_baro_ft": pa.array(np.full(n, 35000.0), pa.float32()),
            "gs_kt": pa.array(np.full(n, 450.0), pa.float32()),
            "source": ["adsb"] * n,
            "format": [name] * n,
            "record_id": pa.array(np.arange(n) + (0 if name == "a" else 10_000), pa.int64()),
        }
    )


def test_positions_differ_by_more_than_their_error() -> None:
    """B's positions 5 km east of A's for 90 s: one disagreement of 5 km; 300 m (inside
    the combined error: 2 x 93 m + 5 s at 450 kt) is none."""
    t = np.arange(0.0, 300.0, 2.0)
    a = _archive("a", t)
    shifted = (t >= 100) & (t < 190)
    b_in = _archive("b", t[~shifted] + 1.0)
    b_out = _archive("b", t[shifted] + 1.0, shift_m=5000.0)
    (e,) = disagreements(pa.concat_tables([a, b_in, b_out]))
    assert e.detail["sources"] == ["a", "b"]
    assert e.detail["max_km"] == pytest.approx(5.0, abs=0.05)
    assert T0 + 95 <= e.time_ns / 1e9 <= T0 + 102 and 84 <= e.detail["duration_s"] <= 92
    near = _archive("b", t[shifted] + 1.0, shift_m=300.0)
    assert disagreements(pa.concat_tables([a, b_in, near])) == []


def test_silence_is_coverage_and_missing_positions_disagree() -> None:
    """B silent for 100 s: coverage ("only a"), no disagreement. B reporting its
    altitude without positions for 100 s while A has positions: a disagreement."""
    t = np.arange(0.0, 300.0, 2.0)
    a = _archive("a", t)
    gap = (t >= 100) & (t < 200)
    b = _archive("b", t[~gap] + 1.0)
    assert disagreements(pa.concat_tables([a, b])) == []
    (span,) = coverage(pa.concat_tables([a, b]))
    assert span.archives == ("a",) and 60 <= (span.end_ns - span.start_ns) / 1e9 <= 100
    blind = _archive("b", t[gap] + 1.0, positions=False)
    (e,) = disagreements(pa.concat_tables([a, b, blind]))
    assert e.detail["what"] == "a has positions, b none" and e.detail["duration_s"] >= 60


def test_copies_within_tolerance_only() -> None:
    """A fix copied 1 s later to 1e-6 degree is one point held by both; the same
    position 10 s later, or 20 m off, is another report."""
    t = np.array([0.0, 10.0, 20.0])
    a = _archive("a", t)
    b = _archive("b", t + 1.0)
    b = b.set_column(2, "lat", pc.round(a["lat"], 6)).set_column(3, "lon", pc.round(a["lon"], 6))
    merged = merge_sources(pa.concat_tables([a, b]))
    assert (
        merged.dropped == 3 and [len(h) for h in merged.reports["archives"].to_pylist()] == [2] * 3
    )
    late = b.set_column(0, "time", pc.add(b["time"], pa.scalar(9_000_000_000, pa.duration("ns"))))
    assert merge_sources(pa.concat_tables([a, late])).dropped == 0
    off = _archive("b", t + 1.0, shift_m=20.0)
    assert merge_sources(pa.concat_tables([a, off])).dropped == 0
    # Reports of one archive are never merged with each other.
    assert merge_sources(pa.concat_tables([a, a])).dropped == 0


def test_usage_errors() -> None:
    a = _archive("a", np.arange(0.0, 10.0))
    with pytest.raises(UsageError, match="format"):
        merge_sources(a.drop_columns(["format"]))
    other = a.set_column(1, "icao24", pa.array(["def456"] * a.num_rows))
    with pytest.raises(UsageError, match="one aircraft"):
        disagreements(pa.concat_tables([a, other]))
