"""Beast binary reader: the dump1090 sample, damaged copies and random bytes."""

from __future__ import annotations

import gzip
import os
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skywitness.errors import InputError
from skywitness.io import read_table, registry
from skywitness.io.base import ReadContext
from skywitness.io.modes import beast
from skywitness.io.modes.beast import READER
from skywitness.io.modes.clock import CLOCK_HZ, MLAT_MAGIC

SAMPLE = "dump1090/sample_dump1090.bin"
START_NS = 1_700_000_000 * 10**9


def frames_from_bytes(data: bytes) -> list[tuple[int, int, bytes]]:
    """(type byte, 12 MHz counter, payload) of each frame: a plain reading of the
    format for the test, independent of the reader's resynchronising parser."""
    sizes = {0x31: 2, 0x32: 7, 0x33: 14}
    out, i = [], 0
    while i < len(data):
        assert data[i] == 0x1A
        kind, i = data[i + 1], i + 2
        body = bytearray()
        while len(body) < 7 + sizes[kind]:
            body.append(data[i])
            i += 2 if data[i] == 0x1A else 1
        out.append((kind, int.from_bytes(body[:6], "big"), bytes(body[7:])))
    return out


def encode(kind: int, counter: int, payload: bytes, signal: int = 0x80) -> bytes:
    body = counter.to_bytes(6, "big") + bytes([signal]) + payload
    return b"\x1a" + bytes([kind]) + body.replace(b"\x1a", b"\x1a\x1a")


@pytest.fixture(scope="module")
def raw(samples: Path) -> bytes:
    return (samples / SAMPLE).read_bytes()


def test_detected_from_content(samples: Path, raw: bytes, tmp_path: Path) -> None:
    assert registry.detect(samples / SAMPLE).name == "beast"
    assert READER.sniff(raw[:65536], Path("x"))
    assert not READER.sniff(b"\x1a2garbage that is not beast at all", Path("x"))
    assert not READER.sniff(b'{"a": 1}', Path("x"))


def test_sample_frames_and_downlink_formats(samples: Path, raw: bytes) -> None:
    frames = frames_from_bytes(raw)
    assert len(frames) == 239
    dfs = Counter(payload[0] >> 3 for _, _, payload in frames)
    table = read_table(samples / SAMPLE, start_time_ns=START_NS)
    assert table.num_rows == 239
    assert Counter(table["df"].to_pylist()) == dfs
    assert dfs == {11: 90, 0: 44, 4: 39, 17: 23, 20: 16, 21: 14, 5: 12, 16: 1}
    assert set(table["format"].to_pylist()) == {"beast"}
    assert len(set(table["record_id"].to_pylist())) == 239


def test_times_follow_the_12mhz_counter(samples: Path, raw: bytes) -> None:
    frames = frames_from_bytes(raw)
    ctx = ReadContext(samples / SAMPLE, start_time_ns=START_NS)
    table = pa.Table.from_batches(list(READER.read(samples / SAMPLE, ctx)))
    first = frames[0][1]
    expected = {n: START_NS + (c - first) * 10**9 // CLOCK_HZ for n, (_, c, _) in enumerate(frames)}
    got = dict(
        zip(table["_record"].to_pylist(), table["time"].cast("int64").to_pylist(), strict=True)
    )
    assert max(abs(got[n] - expected[n]) for n in got) < 1000  # rounded to the microsecond
    span_s = (max(got.values()) - min(got.values())) / 1e9
    assert span_s == pytest.approx(23.917, abs=0.001)


def test_without_start_time_the_file_mtime_is_used(
    samples: Path, tmp_path: Path, raw: bytes
) -> None:
    path = tmp_path / "capture.bin"
    path.write_bytes(raw)
    os.utime(path, ns=(START_NS, START_NS))
    ctx = ReadContext(path)
    table = pa.Table.from_batches(list(READER.read(path, ctx)))
    assert min(table["time"].cast("int64").to_pylist()) == START_NS
    assert any("modification time" in i.reason for i in ctx.notes)
    assert ctx.skipped == 0  # a note, not a skipped record


def test_positions_near_toulouse(samples: Path) -> None:
    table = read_table(samples / SAMPLE, start_time_ns=START_NS)
    pos = table.filter(table["lat"].is_valid()).to_pylist()
    assert len(pos) == 4 and {r["icao24"] for r in pos} == {"48520a"}
    assert all(43.5 < r["lat"] < 43.8 and 1.1 < r["lon"] < 1.4 for r in pos)
    assert {r["alt_baro_ft"] for r in pos} == {38000.0}


def test_truncated_file(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "cut.bin"
    path.write_bytes(raw[:-5])  # the last frame loses 5 bytes
    fr = registry.get("beast")
    ctx = ReadContext(path, start_time_ns=START_NS)
    table = pa.Table.from_batches(list(fr.read(path, ctx)))
    assert table.num_rows == 238
    assert [i.reason for i in ctx.issues] == ["truncated frame at the end of the file"]


def test_garbage_and_cut_frames_resynchronise(tmp_path: Path, raw: bytes) -> None:
    frames = frames_from_bytes(raw)
    good = [encode(0x32 if len(p) == 7 else 0x33, c, p) for k, c, p in frames[:20]]
    damaged = (
        b"\x00\x01garbage"
        + good[0]
        + good[1][:9]  # cut: the next frame starts inside this one
        + b"".join(good[2:10])
        + b"\x1a\x1a\x1a\x39xyz"  # escape soup and an invalid type byte
        + b"".join(good[10:20])
        + encode(0x31, 5, b"\x12\x34")  # Mode A/C: no address
    )
    path = tmp_path / "damaged.bin"
    path.write_bytes(damaged)
    ctx = ReadContext(path, start_time_ns=START_NS)
    table = pa.Table.from_batches(list(READER.read(path, ctx)))
    assert table.num_rows == 19
    reasons = Counter(i.reason for i in ctx.issues)
    assert reasons["truncated frame (another frame starts inside it)"] == 1
    assert reasons["Mode A/C reply: no aircraft address"] == 1
    assert sum(v for k, v in reasons.items() if "bytes between frames" in k) == 2
    assert ctx.skipped == 4


@pytest.mark.parametrize("chunk", [1, 7, 64])
def test_chunk_boundaries_do_not_matter(
    monkeypatch: pytest.MonkeyPatch, samples: Path, chunk: int
) -> None:
    whole = read_table(samples / SAMPLE, start_time_ns=START_NS)
    monkeypatch.setattr(beast, "READ_CHUNK", chunk)
    pieces = read_table(samples / SAMPLE, start_time_ns=START_NS)
    assert pieces.equals(whole)


def test_gzip(tmp_path: Path, raw: bytes, samples: Path) -> None:
    path = tmp_path / "capture.bin.gz"
    path.write_bytes(gzip.compress(raw))
    assert registry.detect(path).name == "beast"
    table = read_table(path, start_time_ns=START_NS)
    assert table.drop_columns(["record_id"]).equals(
        read_table(samples / SAMPLE, start_time_ns=START_NS).drop_columns(["record_id"])
    )


def test_counter_wrap_restart_zero_and_mlat(tmp_path: Path, raw: bytes) -> None:
    payload = frames_from_bytes(raw)[0][2]  # a DF11 all-call reply
    top = (1 << 48) - CLOCK_HZ  # one second before the counter wraps
    counters = [top, 2 * CLOCK_HZ, 3 * CLOCK_HZ, 0, MLAT_MAGIC, 1 * CLOCK_HZ, 2 * CLOCK_HZ]
    path = tmp_path / "clock.bin"
    path.write_bytes(b"".join(encode(0x32, c, payload) for c in counters))
    ctx = ReadContext(path, start_time_ns=START_NS)
    table = pa.Table.from_batches(list(READER.read(path, ctx))).sort_by("_record")
    seconds = [(t - START_NS) / 1e9 for t in table["time"].cast("int64").to_pylist()]
    # wrap: +3 s; zero and MLAT: previous time; restart: continues from 4 s.
    assert seconds == pytest.approx([0, 3, 4, 4, 4, 4, 5])
    assert table["source"].to_pylist() == ["other"] * 4 + ["mlat"] + ["other"] * 2
    reasons = " ".join(i.reason for i in ctx.notes)
    assert "went back" in reasons and "counter 0" in reasons
    assert ctx.skipped == 0


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=600), keep=st.integers(0, 4218), cut=st.integers(0, 300))
def test_fuzz_random_bytes(tmp_path: Path, raw: bytes, data: bytes, keep: int, cut: int) -> None:
    """Random bytes, alone and spliced into the real capture: a table or InputError."""
    for content in (b"\x1a3" + data, raw[:keep] + data + raw[keep : keep + cut]):
        path = tmp_path / "fuzz.bin"
        path.write_bytes(content)
        try:
            table = read_table(path, format="beast", start_time_ns=START_NS)
        except InputError:
            continue
        assert table.num_rows <= len(content) // 16  # a Mode S frame takes 16 bytes or more
