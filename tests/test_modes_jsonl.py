"""JSON lines of raw Mode S frames: the AFR34ZG recording, damaged lines, fuzz."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skywitness.errors import InputError
from skywitness.io import read_table, registry
from skywitness.io.base import ReadContext
from skywitness.io.modes.jsonl import READER

FLIGHT = "rs1090/full_flight_short.jsonl"
GOOD = {"timestamp": 1720249161.8509269, "frame": "8d393322580940aa0a8e4d4f6250"}
VELOCITY = {"timestamp": 1720249161.8509488, "frame": "8d3933229914a182408c8a8bf9bb"}


def _write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "frames.jsonl"
    path.write_text("".join(f"{ln}\n" for ln in lines))
    return path


def test_round_trip_of_the_recording(samples: Path) -> None:
    path = samples / FLIGHT
    assert registry.detect(path).name == "modes-jsonl"
    table = read_table(path)
    assert table.num_rows == 57_791  # two corrupt replies skipped (flight status 7)
    assert len(set(table["record_id"].to_pylist())) == table.num_rows
    assert set(table["format"].to_pylist()) == {"modes-jsonl"}
    t_us = sorted(table["time"].cast("int64").to_pylist())
    first = json.loads(path.open().readline())["timestamp"]
    assert t_us[0] == round(first * 1e6) * 1000


def test_predecoded_fields_are_ignored(tmp_path: Path) -> None:
    lying = dict(VELOCITY, groundspeed=999, icao24="ffffff", altitude=1)
    table = read_table(_write(tmp_path, [json.dumps(VELOCITY), json.dumps(lying)]))
    rows = table.to_pylist()
    assert [r["icao24"] for r in rows] == ["393322", "393322"]
    assert rows[0]["gs_kt"] == rows[1]["gs_kt"] == pytest.approx(160.9, abs=0.1)


def test_alternative_keys(tmp_path: Path) -> None:
    lines = [
        json.dumps({"ts": GOOD["timestamp"], "rawmsg": GOOD["frame"]}),
        json.dumps({"time": str(VELOCITY["timestamp"]), "hex": VELOCITY["frame"].upper()}),
        json.dumps({"timestamp": 1720249162, "msg": VELOCITY["frame"]}),
    ]
    table = read_table(_write(tmp_path, lines))
    assert table.num_rows == 3
    assert table["alt_baro_ft"].to_pylist()[0] == 700.0


def test_bad_lines_are_skipped_with_line_numbers(tmp_path: Path) -> None:
    lines = [
        json.dumps(GOOD),
        "{not json",
        json.dumps({"timestamp": 1720249162.0}),
        json.dumps({"timestamp": "noon", "frame": GOOD["frame"]}),
        json.dumps({"timestamp": 1720249162000.0, "frame": GOOD["frame"]}),
        json.dumps({"timestamp": None, "frame": GOOD["frame"]}),
        json.dumps([1, 2, 3]),
        "",
        json.dumps({"timestamp": 1720249163.0, "frame": "8d39332"}),
        json.dumps(VELOCITY),
    ]
    path = _write(tmp_path, lines)
    ctx = ReadContext(path)
    table = pa.Table.from_batches(list(READER.read(path, ctx)))
    assert table["_record"].to_pylist() == [1, 10]
    reasons = {i.record: i.reason for i in ctx.issues}
    assert reasons[2].startswith("invalid JSON")
    assert reasons[3].startswith("no hex frame")
    assert reasons[4].startswith("time is not a number")
    assert "milliseconds" in reasons[5]
    assert reasons[6].startswith("no numeric time")
    assert reasons[7] == "line is not a JSON object"
    assert "7 hex digits" in reasons[9]
    assert ctx.skipped == 7


def test_sniff() -> None:
    assert READER.sniff((json.dumps(GOOD) + "\n").encode() * 3, Path("x"))
    assert not READER.sniff(b'{"frame": "8d39"}\n', Path("x"))  # no time
    assert not READER.sniff(b'{"icao": "abc", "trace": []}', Path("x"))


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lines=st.lists(
        st.one_of(
            st.text(max_size=60),
            st.builds(
                lambda t, f: json.dumps({"timestamp": t, "frame": f}),
                st.one_of(st.floats(allow_nan=True), st.integers(), st.text(max_size=5)),
                st.one_of(st.text("0123456789abcdefABCDEFxz", max_size=30), st.integers()),
            ),
            st.sampled_from([json.dumps(GOOD), json.dumps(VELOCITY)]),
        ),
        max_size=30,
    )
)
def test_fuzz_lines(tmp_path: Path, lines: list[str]) -> None:
    path = tmp_path / "fuzz.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
    try:
        table = read_table(path, format="modes-jsonl")
    except InputError:
        return
    assert table.num_rows <= len(lines)


def test_truncated_gzip_keeps_what_was_read(tmp_path: Path, samples: Path) -> None:
    import gzip

    data = gzip.compress((samples / FLIGHT).read_bytes()[:200_000])
    path = tmp_path / "frames.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    ctx = ReadContext(path)
    table = pa.Table.from_batches(list(READER.read(path, ctx)))
    assert 100 < table.num_rows < 1100
    assert any("truncated compressed data" in i.reason for i in ctx.issues)


def test_overlong_line_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import skywitness.io.modes.frames as frames

    monkeypatch.setattr(frames, "MAX_LINE_CHARS", 100)
    long = json.dumps(dict(GOOD, padding="x" * 500))
    path = _write(tmp_path, [json.dumps(VELOCITY), long, json.dumps(GOOD)])
    ctx = ReadContext(path)
    table = pa.Table.from_batches(list(READER.read(path, ctx)))
    assert sorted(table["_record"].to_pylist()) == [1, 3]
    assert ctx.skipped == 1
    assert (2, "line longer than 100 characters") in [(i.record, i.reason) for i in ctx.issues]
