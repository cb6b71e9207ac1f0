"""pandas JSON of the traffic library: every sample in noisy/, featured/, collections/."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from fuzzing import mutate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skywitness.errors import InputError
from skywitness.io import open_file, read_table
from skywitness.io.base import read_head
from skywitness.io.registry import detect
from skywitness.io.traffic_json import NAME, POSITION_MAX_AGE_S, READER

DIRS = ("noisy", "featured", "collections")


def load(path: Path) -> list[dict[str, Any]]:
    """The source rows, whatever the orient (reference reading, by hand)."""
    doc = json.loads(gzip.decompress(path.read_bytes()))
    if isinstance(doc, dict):
        return [{c: doc[c].get(k) for c in doc} for k in doc["timestamp"]]
    return doc  # type: ignore[no-any-return]


def f32(x: float | None) -> float | None:
    """The value as stored in a float32 column."""
    return None if x is None else float(np.float32(x))


def sample_files(samples: Path) -> list[Path]:
    return sorted(p for d in DIRS for p in (samples / d).glob("*.json.gz"))


@pytest.mark.slow  # ~10 s; make test is at its 5-minute budget
def test_every_sample_reads_every_row(samples: Path) -> None:
    files = sample_files(samples)
    assert len(files) == 22
    for path in files:
        assert detect(path).name == NAME, path
        fr = open_file(path)
        table = pa.Table.from_batches(list(fr))
        source = load(path)
        assert fr.rows + fr.ctx.skipped == len(source), path
        assert fr.ctx.skipped == 0, (path, fr.ctx.issues[:3])
        assert table.num_rows == len(source)


@pytest.mark.parametrize("name", ["noisy/noisy_landing", "featured/elal747", "noisy/noisy_ground"])
def test_values_match_the_source(samples: Path, name: str) -> None:
    path = samples / f"{name}.json.gz"
    source = sorted(load(path), key=lambda r: r["timestamp"])  # stable, as the reader
    rows = read_table(path).to_pylist()
    for s, r in zip(source, rows, strict=True):
        assert int(r["time"].timestamp() * 1000) == s["timestamp"]
        assert r["icao24"] == s["icao24"]
        assert r["callsign"] == (s.get("callsign") or "").strip() or None
        assert f32(r["alt_baro_ft"]) == f32(s.get("altitude"))
        assert f32(r["gs_kt"]) == f32(s.get("groundspeed"))
        assert f32(r["vrate_fpm"]) == f32(s.get("vertical_rate"))
        track = s.get("track")
        assert f32(r["track_deg"]) == f32(None if track is None else track % 360)
        fresh = s.get("last_position") is None or (
            s["timestamp"] - s["last_position"] <= POSITION_MAX_AGE_S * 1000
        )
        assert r["lat"] == (s.get("latitude") if fresh else None)
        assert r["source"] == "other" and r["format"] == NAME


def test_stale_positions_of_the_spoofing_sample(samples: Path) -> None:
    path = samples / "noisy" / "noisy_spoofing.json.gz"
    source = load(path)
    expected = sum(
        s["latitude"] is None
        or (
            s["last_position"] is not None
            and s["timestamp"] - s["last_position"] > POSITION_MAX_AGE_S * 1000
        )
        for s in source
    )
    assert expected == 2602  # measured: 11 without position, 2591 stale repeats
    assert read_table(path)["lat"].null_count == expected


def test_collections_are_handed_on_in_time_order(samples: Path) -> None:
    # switzerland.json.gz is grouped by flight: 23,683 rows are older than an
    # earlier row of the same aircraft. Read in time order, none is lost.
    table = read_table(samples / "collections" / "switzerland.json.gz")
    assert table.num_rows == 139_098
    times = table["time"].cast(pa.int64()).to_numpy()
    assert (times[1:] >= times[:-1]).all()


def test_orients_squawks_and_angles(tmp_path: Path) -> None:
    records = [
        {"timestamp": 1593069386000, "icao24": "38cf9b", "latitude": 48.0, "longitude": -3.2,
         "altitude": 2950.0, "squawk": 3766.0, "track": -47, "IAS": 161.8, "Mach": 0.248,
         "heading": 224.5, "roll": 0.5, "TAS": 170.0, "selected_mcp": 7008.0, "onground": False},
        {"timestamp": 1593069387000, "icao24": "38cf9b", "squawk": "255", "track": 360,
         "geoaltitude": 3100.0},
        {"timestamp": 1593069388000, "icao24": 12345, "squawk": "0", "onground": True},
        {"timestamp": 1593069389000, "icao24": "38CF9B", "squawk": 7000, "callsign": " ZEROG "},
    ]  # fmt: skip
    columns = {
        key: {str(i): r.get(key) for i, r in enumerate(records)}
        for key in dict.fromkeys(k for r in records for k in r)
    }
    a = tmp_path / "records.json"
    a.write_text(json.dumps(records))
    b = tmp_path / "columns.json"
    b.write_text(json.dumps(columns))
    assert detect(a).name == NAME and detect(b).name == NAME
    ta, tb = read_table(a), read_table(b)
    assert ta.drop_columns(["record_id"]).equals(tb.drop_columns(["record_id"]))
    rows = ta.to_pylist()
    assert [r["squawk"] for r in rows] == ["3766", "0255", None, "7000"]
    assert [r["track_deg"] for r in rows] == [313.0, 0.0, None, None]
    assert [r["icao24"] for r in rows] == ["38cf9b", "38cf9b", "012345", "38cf9b"]
    assert [r["on_ground"] for r in rows] == [False, None, True, None]
    first = rows[0]
    assert (first["ias_kt"], first["tas_kt"], first["heading_deg"]) == (
        pytest.approx(161.8),
        170.0,
        224.5,
    )
    assert first["mach"] == pytest.approx(0.248) and first["nav_altitude_ft"] == 7008.0
    assert rows[1]["alt_geom_ft"] == 3100.0 and rows[3]["callsign"] == "ZEROG"


@pytest.mark.parametrize(
    ("value", "ns"),
    [
        (1_593_069_386, 1_593_069_386 * 10**9),  # s
        (1_593_069_386_123, 1_593_069_386_123 * 10**6),  # ms
        (1_593_069_386_123_456, 1_593_069_386_123_456 * 10**3),  # us
        (1_593_069_386_123_456_789, 1_593_069_386_123_456_789),  # ns
        (1_593_069_386_123.0, 1_593_069_386_123 * 10**6),
        ("2020-06-25T07:16:26.123Z", 1_593_069_386_123 * 10**6),
        ("2020-06-25 07:16:26", 1_593_069_386 * 10**9),
    ],
)
def test_time_units(tmp_path: Path, value: Any, ns: int) -> None:
    path = tmp_path / "t.json"
    path.write_text(json.dumps([{"timestamp": value, "icao24": "abcdef"}]))
    assert int(read_table(path)["time"][0].value) == ns


def test_other_formats_are_not_taken(samples: Path) -> None:
    for path in [
        samples / "readsb" / "trace_full_ac671b.json",
        samples / "fr24" / "2ce4f83f.json",
        samples / "rs1090" / "full_flight_short.jsonl",
        samples / "dump1090" / "sample_dump1090.bin",
        samples / "performance" / "fuelflow_a320.json.gz",  # no icao24 column
    ]:
        assert not READER.sniff(read_head(path), path), path


# --------------------------------------------------------------------------- bad input


def test_bad_rows_are_skipped_with_reasons(tmp_path: Path) -> None:
    good = {"timestamp": 1593069386000, "icao24": "abcdef", "latitude": 48.0, "longitude": 2.0}
    rows: list[Any] = [
        good,
        "a string",
        dict(good, timestamp=1593069387000, latitude="48.1"),
        dict(good, timestamp=1593069388000, latitude=float("nan")),
        dict(good, timestamp=1593069389000, latitude=95.0),
        dict(good, timestamp="yesterday"),
        dict(good, timestamp=None),
        dict(good, timestamp=1593069390000, icao24=None),
        dict(good, timestamp=1593069391000, onground="maybe"),
        dict(good, timestamp=1593069392000, altitude=[1, 2]),
        dict(good, timestamp=1593069393000, altitude=10**400),
        dict(good, timestamp=10**30),
        dict(good, timestamp=1593069394000),
    ]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(rows))
    fr = open_file(path, format=NAME)
    assert sum(b.num_rows for b in fr) == 2
    assert fr.ctx.skipped == len(rows) - 2
    reasons = {i.record: i.reason for i in fr.ctx.issues}
    assert reasons[1] == "record is not an object"
    assert reasons[2] == "non-numeric latitude"
    assert "latitude without longitude" in reasons[3]
    assert "out of range" in reasons[4]
    assert reasons[5] == reasons[6] == reasons[11] == "no valid timestamp"
    assert reasons[7] == "no valid icao24" and reasons[8] == "non-boolean onground"
    assert reasons[9] == reasons[10] == "non-numeric altitude"


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b'{"timestamp": {"0": 1593069386000}, "icao24": {"0": "abc',  # truncated
        b'{"timestamp": {"0": 1593069386000}, "latitude": {"0": 1.0}}',  # no icao24
        b'{"timestamp": {"0": 1593069386000}, "icao24": ["abcdef"]}',  # list, not dict
        b'[{"icao24": "abcdef", "latitude": 1.0}]',  # no timestamp anywhere
        b'"just a string"',
        gzip.compress(b'[{"timestamp": 1593069386000, "icao24": "abcdef"}]')[:-12],
    ],
)
def test_unreadable_files_raise_input_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.json.gz"
    path.write_bytes(content)
    with pytest.raises(InputError) as err:
        read_table(path, format=NAME)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_empty_collections(tmp_path: Path) -> None:
    for content in ("[]", '{"timestamp": {}, "icao24": {}}'):
        path = tmp_path / "empty.json"
        path.write_text(content)
        assert read_table(path, format=NAME).num_rows == 0


# --------------------------------------------------------------------------- fuzz


def _fixtures(samples: Path) -> list[bytes]:
    """A slice of a records-orient and of a columns-orient sample."""
    records = json.loads(
        gzip.decompress((samples / "noisy" / "noisy_landing.json.gz").read_bytes())
    )[:30]
    columns = json.loads(
        gzip.decompress((samples / "noisy" / "noisy_takeoff.json.gz").read_bytes())
    )
    keys = list(columns["timestamp"])[:30]
    columns = {c: {k: v.get(k) for k in keys} for c, v in columns.items()}
    return [json.dumps(records).encode(), json.dumps(columns).encode()]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_fuzz(samples: Path, tmp_path: Path, data: st.DataObject) -> None:
    valid = data.draw(st.sampled_from(_fixtures(samples)))
    content = data.draw(st.composite(lambda draw: mutate(draw, valid))())
    path = tmp_path / "fuzz.json"
    path.write_bytes(content)
    assert isinstance(READER.sniff(content[:65536], path), bool)
    try:
        read_table(path, format=NAME)
    except InputError as exc:
        assert "\n" not in str(exc)
