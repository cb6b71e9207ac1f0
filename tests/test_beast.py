"""Beast binary reader: the dump1090 sample, damaged copies and random bytes."""

from __future__ import annotations

import gzip
import os
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyModeS as pms
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skywitness.errors import InputError
from skywitness.io import read_table, registry
from skywitness.io.base import ReadContext
from skywitness.io.modes import beast
from skywitness.io.modes.beast import READER
from skywitness.io.modes.clock import CLOCK_HZ, MLAT_MAGIC, gps_timestamps

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


#: readsb keeps an address/parity reply only if a DF11/17 frame carried its
#: address in the last 60 to 120 s (icao_filter.c); skywitness uses 60 s.
CONFIRM_S = 60.0
PARITY_DFS = {0, 4, 5, 16, 20, 21}


def unconfirmed_replies(frames: list[tuple[int, int, bytes]]) -> set[int]:
    """Positions of the replies whose address (from the parity, as pyModeS
    reads it) no DF11/17/18 frame carried in the CONFIRM_S before them."""
    seen: dict[str, float] = {}
    out = set()
    for n, (_, counter, payload) in enumerate(frames):
        df, t = payload[0] >> 3, counter / CLOCK_HZ
        icao = pms.decode(payload.hex())["icao"].lower()
        if df in (11, 17, 18):
            seen[icao] = t
        elif df in PARITY_DFS and not (icao in seen and t - seen[icao] <= CONFIRM_S):
            out.add(n)
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
    assert dfs == {11: 90, 0: 44, 4: 39, 17: 23, 20: 16, 21: 14, 5: 12, 16: 1}
    # Six replies come before any all-call or squitter of their aircraft (the
    # first 0.13 s of 3981e4, one of 48520a, one of 44ce69): not trusted.
    dropped = unconfirmed_replies(frames)
    assert len(dropped) == 6
    ctx = ReadContext(samples / SAMPLE, start_time_ns=START_NS)
    table = pa.Table.from_batches(list(READER.read(samples / SAMPLE, ctx)))
    assert table.num_rows == 239 - 6
    assert set(table["_record"].to_pylist()) == set(range(239)) - dropped
    kept = Counter(p[0] >> 3 for n, (_, _, p) in enumerate(frames) if n not in dropped)
    assert Counter(table["df"].to_pylist()) == kept
    assert ctx.skipped == 6 and {i.record for i in ctx.issues} == dropped
    assert all("not seen in a DF11/17/18 frame" in i.reason for i in ctx.issues)
    table = read_table(samples / SAMPLE, start_time_ns=START_NS)
    assert set(table["format"].to_pylist()) == {"beast"}
    assert len(set(table["record_id"].to_pylist())) == 239 - 6


def test_times_follow_the_12mhz_counter(samples: Path, raw: bytes) -> None:
    frames = frames_from_bytes(raw)
    ctx = ReadContext(samples / SAMPLE, start_time_ns=START_NS)
    table = pa.Table.from_batches(list(READER.read(samples / SAMPLE, ctx)))
    first = frames[0][1]
    expected = {n: START_NS + (c - first) * 10**9 // CLOCK_HZ for n, (_, c, _) in enumerate(frames)}
    got = dict(
        zip(table["_record"].to_pylist(), table["time"].cast("int64").to_pylist(), strict=True)
    )
    assert len(got) == 239 - len(unconfirmed_replies(frames))
    assert max(abs(got[n] - expected[n]) for n in got) < 1000  # rounded to the microsecond
    span_s = (max(expected.values()) - min(expected.values())) / 1e9
    assert span_s == pytest.approx(23.917, abs=0.001)


def test_without_start_time_the_file_mtime_is_used(
    samples: Path, tmp_path: Path, raw: bytes
) -> None:
    path = tmp_path / "capture.bin"
    path.write_bytes(raw)
    os.utime(path, ns=(START_NS, START_NS))
    ctx = ReadContext(path)
    table = pa.Table.from_batches(list(READER.read(path, ctx))).sort_by("_record")
    frames = frames_from_bytes(raw)
    first = table["_record"][0].as_py()  # the first frames are unconfirmed replies
    offset_ns = (frames[first][1] - frames[0][1]) * 10**9 // CLOCK_HZ
    assert table["time"].cast("int64")[0].as_py() == pytest.approx(START_NS + offset_ns, abs=1000)
    notes = [i for i in ctx.notes if "modification time" in i.reason]
    assert len(notes) == 1
    # The note names the file, the time assumed and how to give the real one.
    assert str(path) in notes[0].one_line()
    assert "2023-11-14T22:13:20" in notes[0].reason and "--start-time" in notes[0].reason
    assert ctx.skipped == len(unconfirmed_replies(frames))  # the note is no skip


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
    unconfirmed = len(unconfirmed_replies(frames_from_bytes(raw)[:238]))
    assert table.num_rows == 238 - unconfirmed
    reasons = [i.reason for i in ctx.issues if "DF11/17/18" not in i.reason]
    assert reasons == ["truncated frame at the end of the file"]
    assert ctx.skipped == 1 + unconfirmed


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
    unconfirmed = len(unconfirmed_replies([frames[0], *frames[2:20]]))
    assert table.num_rows == 19 - unconfirmed
    reasons = Counter(i.reason for i in ctx.issues)
    assert reasons["truncated frame (another frame starts inside it)"] == 1
    assert reasons["Mode A/C reply: no aircraft address"] == 1
    assert sum(v for k, v in reasons.items() if "bytes between frames" in k) == 2
    assert sum(v for k, v in reasons.items() if "DF11/17/18" in k) == unconfirmed
    assert ctx.skipped == 4 + unconfirmed


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
    payload = next(p for _, _, p in frames_from_bytes(raw) if p[0] >> 3 == 11)  # an all-call
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


# --------------------------------------------------------------------------
# GPS timestamps (Radarcape GPS mode): seconds of day << 30 | nanoseconds

NS = 10**9
DAY = "2024-07-06"
DAY_NS = 1_720_224_000 * NS  # 2024-07-06T00:00:00Z


def gps_counter(tod_ns: int) -> int:
    """A GPS timestamp: seconds since midnight in the top 18 bits, ns in the low 30."""
    return (tod_ns // NS) << 30 | tod_ns % NS


def gps_capture(raw: bytes, first_tod_ns: int, status: bytes | None = None) -> bytes:
    """The sample re-stamped as a GPS receiver would have stamped it."""
    frames = frames_from_bytes(raw)
    c0 = frames[0][1]
    out = [encode(0x34, gps_counter(first_tod_ns), status)] if status is not None else []
    for kind, c, payload in frames:
        tod = first_tod_ns + (c - c0) * NS // CLOCK_HZ
        out.append(encode(kind, gps_counter(tod % (86_400 * NS)), payload))
    return b"".join(out)


def test_gps_timestamps_without_a_date_are_refused(tmp_path: Path, raw: bytes) -> None:
    """Read as a 12 MHz counter, the 24 s capture would spread over 36 minutes
    (each real second 2**30 ticks, 89 s) and no position pair would form."""
    path = tmp_path / "radarcape.bin"
    path.write_bytes(gps_capture(raw, (10 * 3600 + 30 * 60) * NS))
    with pytest.raises(InputError) as err:
        read_table(path)
    message = str(err.value)
    assert str(path) in message and "GPS time of day" in message and "--start-time" in message


@pytest.mark.parametrize(
    "start", [DAY_NS, DAY_NS + (10 * 3600 + 45 * 60) * NS, DAY_NS + (3 * 3600) * NS]
)
def test_gps_timestamps_on_the_given_date(
    tmp_path: Path, raw: bytes, samples: Path, start: int
) -> None:
    """Given the date (midnight), or the start rounded either way, every frame
    gets its GPS time of day on that date: the same rows and positions as the
    12 MHz reading, 10:30:00 + the frame's offset."""
    first = (10 * 3600 + 30 * 60) * NS
    path = tmp_path / "radarcape.bin"
    path.write_bytes(gps_capture(raw, first))
    ctx = ReadContext(path, start_time_ns=start)
    table = pa.Table.from_batches(list(READER.read(path, ctx))).sort_by("_record")
    ref = read_table(samples / SAMPLE, start_time_ns=DAY_NS + first)
    cols = ["icao24", "df", "lat", "lon", "alt_baro_ft", "squawk"]
    assert table.select(cols).equals(ref.select(cols))
    times = table["time"].cast("int64").to_pylist()
    expected = ref["time"].cast("int64").to_pylist()
    assert max(abs(a - b) for a, b in zip(times, expected, strict=True)) <= 1000
    assert table.filter(table["lat"].is_valid()).num_rows == 4
    assert not ctx.notes  # nothing assumed


def test_gps_timestamps_across_midnight(tmp_path: Path, raw: bytes) -> None:
    first = (86_400 - 10) * NS  # 23:59:50: the capture ends 13.9 s into the next day
    path = tmp_path / "radarcape.bin"
    path.write_bytes(gps_capture(raw, first))
    for start in (DAY_NS, DAY_NS + first + 30 * NS):  # the date, or the start rounded up
        table = read_table(path, start_time_ns=start).sort_by("time")
        times = table["time"].cast("int64").to_pylist()
        assert times[0] >= DAY_NS + first
        assert times[-1] - times[0] == pytest.approx(
            23.917 * NS, abs=0.5 * NS
        )  # first rows dropped
        assert times[-1] > DAY_NS + 86_400 * NS  # on the next day
    # A start on the next day, a minute after midnight: the capture began the evening before.
    table = read_table(path, start_time_ns=DAY_NS + 86_460 * NS)
    assert min(table["time"].cast("int64").to_pylist()) >= DAY_NS + first


def test_gps_mode_from_the_status_frame(tmp_path: Path, raw: bytes) -> None:
    """A Radarcape status frame says GPS mode (DIP byte bit 0x10); GPS status
    bit 0x80 clear means old firmware whose seconds run one ahead of UTC
    (mlat-client modes_reader.c)."""
    first = (10 * 3600 + 30 * 60) * NS
    status = bytes([0x10, 0x00, 0x00]) + bytes(11)
    path = tmp_path / "radarcape.bin"
    path.write_bytes(gps_capture(raw, first, status))
    table = read_table(path, start_time_ns=DAY_NS)
    assert min(table["time"].cast("int64").to_pylist()) >= DAY_NS + first - NS
    assert min(table["time"].cast("int64").to_pylist()) < DAY_NS + first
    fixed = bytes([0x10, 0x00, 0x80]) + bytes(11)
    path.write_bytes(gps_capture(raw, first, fixed))
    table = read_table(path, start_time_ns=DAY_NS)
    assert min(table["time"].cast("int64").to_pylist()) >= DAY_NS + first
    # A status frame saying 12 MHz mode wins over the look of the timestamps.
    path.write_bytes(gps_capture(raw, first, bytes(14)))
    table = read_table(path, start_time_ns=DAY_NS)
    span = table["time"].cast("int64").to_pylist()
    assert (max(span) - min(span)) / NS > 60  # the 24 s read as 12 MHz ticks


def test_12mhz_counters_are_not_taken_for_gps() -> None:
    # A receiver up for ten days, one frame every 0.7 s for 20 minutes: the low
    # 30 bits sweep through values above 10**9 (counter steps of 89 s).
    start = 10 * 86_400 * CLOCK_HZ
    counters = [start + int(k * 0.7 * CLOCK_HZ) for k in range(1700)]
    assert not gps_timestamps(counters)
    # The same frames stamped in GPS time of day are recognised ...
    gps = [gps_counter(36_000 * NS + int(k * 0.7 * NS)) for k in range(1700)]
    assert gps_timestamps(gps)
    # ... even with a corrupted timestamp among them, but not from under ten
    # second steps (then read as 12 MHz).
    assert gps_timestamps([*gps[:100], (1 << 48) - 5, *gps[100:]])
    assert not gps_timestamps(gps[:12])


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
