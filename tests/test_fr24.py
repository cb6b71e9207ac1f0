"""Flightradar24 flight-detail JSON, CSV export, and the CSV writer (real samples)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from fuzzing import mutate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skywitness.errors import InputError, UsageError
from skywitness.io import open_file, read_table
from skywitness.io.base import read_head
from skywitness.io.fr24 import (
    CSV_NAME,
    CSV_READER,
    EMS_MAX_SKEW_S,
    JSON_NAME,
    JSON_READER,
    address_from_name,
    write_csv,
)
from skywitness.io.registry import detect

#: flight id -> (points, address, callsign), read off the files themselves.
FLIGHTS = {
    "2ce4f83f": (871, "ae503d", "SPAR19"),
    "3376ab31": (305, "8467d8", "JAL516"),
    "34a8254b": (1249, "4b1901", "EDW24"),
    "372355e5": (634, "4baac6", "THY9BP"),
}


def flight(samples: Path, fid: str) -> dict[str, Any]:
    doc = json.loads((samples / "fr24" / f"{fid}.json").read_text())
    return doc["result"]["response"]["data"]["flight"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("fid", sorted(FLIGHTS))
def test_real_samples_read_every_point(samples: Path, fid: str) -> None:
    path = samples / "fr24" / f"{fid}.json"
    assert detect(path).name == JSON_NAME
    fr = open_file(path)
    table = pa.Table.from_batches(list(fr))
    n, address, callsign = FLIGHTS[fid]
    assert table.num_rows == n and fr.ctx.skipped == 0
    assert set(table["icao24"].to_pylist()) == {address}
    assert set(table["callsign"].to_pylist()) == {callsign}
    assert set(table["source"].to_pylist()) == {"other"}
    track = flight(samples, fid)["track"]
    rows = table.to_pylist()
    for p, r in zip(track, rows, strict=True):
        assert int(r["time"].timestamp()) == p["timestamp"]
        assert (r["lat"], r["lon"]) == (p["latitude"], p["longitude"])
        assert r["gs_kt"] == p["speed"]["kts"]
        assert r["vrate_fpm"] == p["verticalSpeed"]["fpm"]
        assert r["track_deg"] == p["heading"] % 360
        feet = p["altitude"]["feet"]
        if feet == 0:
            assert r["on_ground"] is True and r["alt_baro_ft"] is None
        else:
            assert r["on_ground"] is False and r["alt_baro_ft"] == feet
        squawk = p["squawk"]
        assert r["squawk"] == (None if squawk == "0" else squawk.zfill(4))


def test_ems_values_only_from_snapshots_at_the_point_time(samples: Path) -> None:
    track = flight(samples, "2ce4f83f")["track"]
    table = read_table(samples / "fr24" / "2ce4f83f.json")
    paired = [
        p["ems"] if p["ems"] and abs(p["ems"]["ts"] - p["timestamp"]) <= EMS_MAX_SKEW_S else None
        for p in track
    ]
    assert sum(e is not None for e in paired) == 3 + 532 + 9  # skew -1, 0, +1 s (measured)
    for e, r in zip(paired, table.to_pylist(), strict=True):
        if e is None:
            assert r["alt_geom_ft"] is None and r["ias_kt"] is None and r["mach"] is None
            continue
        assert r["alt_geom_ft"] == (e["altGPS"] or None)  # 0 is FR24's "no value"
        assert r["ias_kt"] == e["ias"] and r["tas_kt"] == e["tas"]
        if e["mach"] is not None:
            assert r["mach"] == pytest.approx(e["mach"] / 1000, rel=1e-6)
        if e["heading"] is not None:
            assert r["heading_deg"] == e["heading"]
    # traffic's doctest: this C-40C reaches Mach 0.8
    assert max(m for m in table["mach"].to_pylist() if m is not None) == pytest.approx(0.8)


def test_selected_altitude_from_mcp(samples: Path) -> None:
    table = read_table(samples / "fr24" / "34a8254b.json")
    assert 4992 in table["nav_altitude_ft"].to_pylist()


@pytest.mark.parametrize("fid", sorted(FLIGHTS))
def test_json_to_csv_round_trip(samples: Path, tmp_path: Path, fid: str) -> None:
    original = read_table(samples / "fr24" / f"{fid}.json")
    out = tmp_path / f"{fid}_icao24-{FLIGHTS[fid][1]}.csv"
    assert write_csv(original, out) == original.num_rows
    assert detect(out).name == CSV_NAME
    back = read_table(out)
    assert back.num_rows == original.num_rows
    for col in (
        "time",
        "icao24",
        "callsign",
        "lat",
        "lon",
        "alt_baro_ft",
        "on_ground",
        "gs_kt",
        "track_deg",
    ):
        assert back[col].equals(original[col]), col
    assert set(back["format"].to_pylist()) == {CSV_NAME}


def test_csv_export_as_fr24_writes_it(tmp_path: Path) -> None:
    path = tmp_path / "JL516_3376ab31_icao24-8467D8.csv"
    path.write_text(
        "Timestamp,UTC,Callsign,Position,Altitude,Speed,Direction\r\n"
        '1704180175,2024-01-02T07:22:55Z,JAL516,"42.787994,141.685074",0,0,73\r\n'
        '1704180458,2024-01-02T07:27:38Z,JAL516,"42.770142,141.691422",550,144,172\r\n'
        ',2024-01-02T07:27:50Z,JAL516,"42.761078,141.693039",1100,140,171\r\n'
        "1704180490,2024-01-02T07:28:10Z,JAL516,,1500,141,170\r\n"
    )
    rows = read_table(path).to_pylist()
    assert [r["icao24"] for r in rows] == ["8467d8"] * 4
    assert rows[0]["on_ground"] is True and rows[0]["alt_baro_ft"] is None
    assert (rows[1]["lat"], rows[1]["lon"], rows[1]["alt_baro_ft"]) == (42.770142, 141.691422, 550)
    assert int(rows[2]["time"].timestamp()) == 1704180470  # from the UTC column
    assert rows[3]["lat"] is None and rows[3]["alt_baro_ft"] == 1500


def test_csv_without_address_in_name_is_refused(samples: Path, tmp_path: Path) -> None:
    table = read_table(samples / "fr24" / "3376ab31.json")
    path = tmp_path / "AC1234_3376ab31.csv"  # a flight number that reads as hex
    write_csv(table, path)
    assert detect(path).name == CSV_NAME
    with pytest.raises(InputError, match="icao24-<6 hex digits>"):
        read_table(path)


@pytest.mark.parametrize(
    ("name", "address"),
    [
        ("JL516_3376ab31_icao24-8467d8.csv", "8467d8"),
        ("icao24=4B1901.csv", "4b1901"),
        ("x_icao24_abcdef.csv.gz", "abcdef"),
        ("AC1234_3376ab31.csv", None),
        ("icao24-8467d8a.csv", None),
        ("abcdef.csv", None),
    ],
)
def test_address_from_name(name: str, address: str | None) -> None:
    assert address_from_name(Path(name)) == address


def test_json_without_wrapper(samples: Path, tmp_path: Path) -> None:
    doc = json.loads((samples / "fr24" / "3376ab31.json").read_text())
    reference = read_table(samples / "fr24" / "3376ab31.json").drop_columns(["record_id"])
    for i, inner in enumerate([doc["result"]["response"]["data"], flight(samples, "3376ab31")]):
        path = tmp_path / f"inner{i}.json"
        path.write_text(json.dumps(inner))
        assert detect(path).name == JSON_NAME
        assert read_table(path).drop_columns(["record_id"]).equals(reference)


def test_writer_refuses_several_aircraft(samples: Path, tmp_path: Path) -> None:
    a = read_table(samples / "fr24" / "3376ab31.json")
    b = read_table(samples / "fr24" / "34a8254b.json")
    with pytest.raises(UsageError):
        write_csv(pa.concat_tables([a, b]), tmp_path / "x_icao24-8467d8.csv")


def test_other_formats_are_not_taken(samples: Path) -> None:
    for path in [
        samples / "readsb" / "trace_full_ac671b.json",
        samples / "noisy" / "noisy_spoofing.json.gz",
        samples / "featured" / "elal747.json.gz",
        samples / "rs1090" / "full_flight_short.jsonl",
        samples / "dump1090" / "sample_dump1090.bin",
    ]:
        head = read_head(path)
        assert not JSON_READER.sniff(head, path) and not CSV_READER.sniff(head, path), path


# --------------------------------------------------------------------------- bad input


def test_bad_points_are_skipped_with_reasons(samples: Path, tmp_path: Path) -> None:
    doc = json.loads((samples / "fr24" / "3376ab31.json").read_text())
    track = doc["result"]["response"]["data"]["flight"]["track"]
    track[10] = "point"
    track[11] = dict(track[11], latitude="38.5")
    track[12] = dict(track[12], altitude={"feet": "high"})
    track[13] = dict(track[13], latitude=95.0)
    track[14] = dict(track[14], timestamp=None)
    track[15] = dict(track[15], ems=[1, 2])
    track[16] = dict(track[16], speed={"kts": float("inf")})  # not a speed: unknown
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    fr = open_file(path)
    rows = sum(b.num_rows for b in fr)
    assert rows == 305 - 6 and fr.ctx.skipped == 6
    reasons = " | ".join(i.reason for i in fr.ctx.issues)
    assert "non-numeric latitude" in reasons and "non-numeric altitude" in reasons
    assert "out of range" in reasons and "non-object ems" in reasons
    assert read_table(path)["gs_kt"].null_count == 1


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b'{"result": {"response": {"data": {"flight": {"track": [',
        b'{"result": {"response": {"data": {"flight": {"track": {}}}}}}',
        b'{"flight": {"identification": {}, "track": []}}',  # no address
        b'{"flight": {"aircraft": {"identification": {"modes": "XYZ"}}, "track": []}}',
        b"[]",
    ],
)
def test_unreadable_json_raises_input_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(InputError) as err:
        read_table(path, format=JSON_NAME)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_bad_csv_rows_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "f_icao24-abcdef.csv"
    path.write_text(
        "Timestamp,UTC,Callsign,Position,Altitude,Speed,Direction\n"
        '1704180175,2024-01-02T07:22:55Z,JAL516,"42.7,141.6",0,0,73\n'
        '1704180176,2024-01-02T07:22:56Z,JAL516,"42.7,141.6",0,0\n'  # short row
        '1704180177,2024-01-02T07:22:57Z,JAL516,"42.7;141.6",0,0,73\n'
        '1704180178,2024-01-02T07:22:58Z,JAL516,"nan,141.6",0,0,73\n'
        '1704180179,2024-01-02T07:22:59Z,JAL516,"42.7,141.6",high,0,73\n'
        ',,JAL516,"42.7,141.6",0,0,73\n'
        'soon,2024-01-02T07:23:01Z,JAL516,"42.7,141.6",0,0,73\n'
        '1704180182,2024-01-02T07:23:02Z,JAL516,"42.7,141.6",0,0,73\n'
    )
    fr = open_file(path)
    assert sum(b.num_rows for b in fr) == 2
    assert fr.ctx.skipped == 6
    assert [i.record for i in fr.ctx.issues] == [2, 3, 5, 6, 7, 4]


@pytest.mark.parametrize(
    "content",
    [b"", b"Timestamp,UTC,Callsign\n1,2,3\n", b'Timestamp,UTC,Callsign,Position,Altitude\n1,"x'],
)
def test_unreadable_csv(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "f_icao24-abcdef.csv"
    path.write_bytes(content)
    try:
        table = read_table(path, format=CSV_NAME)
    except InputError as exc:
        assert str(path) in str(exc)
    else:
        assert table.num_rows == 0


# --------------------------------------------------------------------------- fuzz


def _small_flight(samples: Path) -> bytes:
    doc = json.loads((samples / "fr24" / "2ce4f83f.json").read_text())
    doc["result"]["response"]["data"]["flight"]["track"] = doc["result"]["response"]["data"][
        "flight"
    ]["track"][100:140]
    return json.dumps(doc).encode()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_fuzz_json(samples: Path, tmp_path: Path, data: st.DataObject) -> None:
    content = data.draw(st.composite(lambda draw: mutate(draw, _small_flight(samples)))())
    path = tmp_path / "fuzz.json"
    path.write_bytes(content)
    assert isinstance(JSON_READER.sniff(content[:65536], path), bool)
    try:
        read_table(path, format=JSON_NAME)
    except InputError as exc:
        assert "\n" not in str(exc)


_CSV = (
    "Timestamp,UTC,Callsign,Position,Altitude,Speed,Direction\n"
    + "".join(
        f'{1704180175 + 10 * i},2024-01-02T07:2{i}:00Z,JAL516,"42.{i}87994,141.685074",'
        f"{i * 500},{100 + i},{i * 30}\n"
        for i in range(10)
    )
).encode()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_fuzz_csv(tmp_path: Path, data: st.DataObject) -> None:
    content = data.draw(st.composite(lambda draw: mutate(draw, _CSV))())
    path = tmp_path / "fuzz_icao24-abcdef.csv"
    path.write_bytes(content)
    assert isinstance(CSV_READER.sniff(content[:65536], path), bool)
    try:
        read_table(path, format=CSV_NAME)
    except InputError as exc:
        assert "\n" not in str(exc)
