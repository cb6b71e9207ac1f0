"""readsb trace reader, on the real recording and on damaged copies."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skywitness.errors import InputError
from skywitness.io import open_file, read_table, registry

TRACE = "readsb/trace_full_ac671b.json"


@pytest.fixture(scope="module")
def raw(samples: Path) -> dict:
    return json.loads((samples / TRACE).read_text())


def test_detected_from_content(samples: Path, tmp_path: Path) -> None:
    assert registry.detect(samples / TRACE).name == "readsb-trace"
    renamed = tmp_path / "whatever.dat"
    renamed.write_bytes((samples / TRACE).read_bytes())
    assert registry.detect(renamed).name == "readsb-trace"


def test_a_head_the_trace_sniff_gives_up_first_is_a_snapshot(samples: Path) -> None:
    """The trace sniff gives up a head that starts as a snapshot without
    searching it; only heads the snapshot sniff takes are given up so."""
    trace = registry.get("readsb-trace")
    snapshot = registry.get("readsb-aircraft")
    real = (samples / TRACE).read_bytes()[:65536]
    both = b'{"now": 1726563600, "aircraft": [], "icao": "ac671b", "trace": [[0, 1, 2]]}'
    trace_first = b'{"icao": "ac671b", "now": 1726563600, "aircraft": [], "trace": []}'
    no_list = b'{"now": 1726563600, "icao": "ac671b", "trace": [[0, 1, 2]]}'
    now_text = b'{"now": "x", "aircraft": [], "icao": "ac671b", "trace": []}'
    assert trace.sniff(real, samples / TRACE) and not snapshot.sniff(real, samples / TRACE)
    assert not trace.sniff(both, Path("x")) and snapshot.sniff(both, Path("x"))
    for head in (trace_first, no_list, now_text):
        assert trace.sniff(head, Path("x")), head


def test_one_report_per_point(samples: Path, raw: dict) -> None:
    t = read_table(samples / TRACE)
    points = raw["trace"]
    assert t.num_rows == len(points) == 2500
    assert set(t["icao24"].to_pylist()) == {"ac671b"}
    # Times are the top-level timestamp plus each offset, to the microsecond.
    t_us = pc.divide(t["time"].cast("int64"), 1000).to_pylist()
    expected = [round((raw["timestamp"] + p[0]) * 1e6) for p in points]
    assert max(abs(a - b) for a, b in zip(t_us, expected, strict=True)) <= 1
    assert t["lat"].to_pylist() == [p[1] for p in points]
    assert t["lon"].to_pylist() == [p[2] for p in points]


def test_quality_fields_where_the_dict_is_present(samples: Path, raw: dict) -> None:
    t = read_table(samples / TRACE)
    dicts = [p[8] if isinstance(p[8], dict) else None for p in raw["trace"]]
    assert sum(d is not None for d in dicts) == 625
    for col, key in (("nic", "nic"), ("rc_m", "rc"), ("nac_p", "nac_p"), ("sil", "sil")):
        expected = [None if d is None else d.get(key) for d in dicts]
        assert t[col].to_pylist() == expected, col
    # The recording is clean: where quality is reported it is good (NIC 8, NACp >= 8).
    assert set(t["nic"].drop_null().to_pylist()) == {8}
    assert min(t["nac_p"].drop_null().to_pylist()) >= 8


def test_ground_and_flags(samples: Path, raw: dict) -> None:
    t = read_table(samples / TRACE)
    pts = raw["trace"]
    ground = [p[3] == "ground" for p in pts]
    assert t["on_ground"].to_pylist() == ground
    assert all(a is None for a, g in zip(t["alt_baro_ft"].to_pylist(), ground, strict=True) if g)
    assert t["stale"].to_pylist() == [bool(p[6] & 1) for p in pts]
    assert t["new_leg"].to_pylist() == [bool(p[6] & 2) for p in pts]
    assert pc.sum(t["new_leg"]).as_py() == 3  # four legs: three new-leg marks after the first
    assert t["alt_geom_ft"].to_pylist() == [p[10] for p in pts]
    assert set(t["source"].to_pylist()) == {"adsb"}


def _write(tmp_path: Path, doc: object, name: str = "trace_full_abc123.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


def _doc(points: list) -> dict:
    return {"icao": "ABC123", "timestamp": 1738703622.619, "trace": points}


def _pt(dt: float, lat: object = 45.0, lon: object = 5.0, alt: object = 30000) -> list:
    return [dt, lat, lon, alt, 450.0, 90.0, 0, 0, None, "adsb_icao", 30500, 0, 280, 0.0]


def test_bad_points_are_skipped_with_reasons(tmp_path: Path) -> None:
    points = [
        _pt(0),
        "not a point",
        _pt(2, lat="north"),
        _pt(3, lat=float("nan")),
        _pt(4, lat=95.0),
        _pt(5, alt=9_999_999),
        _pt(6),
        _pt(1),  # five seconds before the previous point: time goes backwards
        [None, 1, 2, 3, 4, 5, 0],
        _pt(7, lat=None, lon=None),  # no position: kept, it carries the jamming signal
    ]
    fr = open_file(_write(tmp_path, _doc(points)))
    t = read_table(fr.path)
    assert t.num_rows == 3
    assert t["lat"].to_pylist() == [45.0, 45.0, None]
    list(fr)
    reasons = {i.record: i.reason for i in fr.ctx.issues}
    assert fr.ctx.skipped == 7
    assert reasons[1].startswith("trace point is not an array")
    assert "non-numeric coordinate" in reasons[2]
    assert "NaN" in reasons[3]
    assert "out of range" in reasons[4]
    assert "alt_baro_ft out of range" in reasons[5]
    assert "backwards" in reasons[7]
    assert "time offset" in reasons[8]
    assert all(i.file == str(fr.path) for i in fr.ctx.issues)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('{"icao": "abc123", "timestamp": 1, "trace": [[0, 1, 2', "invalid JSON"),
        ('{"icao": "abc123", "timestamp": 1, "trace": {}}', "no 'trace' array"),
        ('{"icao": 5, "timestamp": 1, "trace": []}', "no 'icao'"),
        ('{"icao": "abc123", "timestamp": "x", "trace": []}', "timestamp"),
    ],
)
def test_unreadable_files_name_the_file(tmp_path: Path, content: str, reason: str) -> None:
    path = tmp_path / "trace_full_abc123.json"
    path.write_text(content)
    with pytest.raises(InputError) as err:
        read_table(path, format="readsb-trace")
    assert reason in str(err.value)
    assert str(path) in str(err.value)


def test_truncated_gzip(samples: Path, tmp_path: Path) -> None:
    import gzip

    data = gzip.compress((samples / TRACE).read_bytes())
    path = tmp_path / "trace_full_ac671b.json.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=r"truncated|invalid JSON"):
        read_table(path, format="readsb-trace")


_values = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(), st.text(max_size=5),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)  # fmt: skip


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    points=st.lists(st.lists(_values, min_size=0, max_size=15), max_size=20),
    cut=st.integers(0, 400),
)
def test_fuzz_never_escapes(tmp_path: Path, points: list, cut: int) -> None:
    doc = json.dumps(_doc(points))
    path = tmp_path / "fuzz_trace.json"
    path.write_text(doc[: len(doc) - cut] if cut < 50 else doc)
    try:
        t = read_table(path, format="readsb-trace")
    except InputError:
        return
    assert t.num_rows <= len(points)
