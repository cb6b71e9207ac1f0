"""AVR text reader: the dump1090 sample rewritten as AVR lines, damaged lines, fuzz."""

from __future__ import annotations

import gzip
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_beast import unconfirmed_replies

from skywitness.errors import InputError
from skywitness.io import read_table, registry
from skywitness.io.base import ReadContext
from skywitness.io.modes.avr import READER

SAMPLE = "dump1090/sample_dump1090.bin"
START_NS = 1_700_000_000 * 10**9
COLUMNS = ["time", "icao24", "df", "lat", "lon", "alt_baro_ft", "squawk", "callsign", "source"]


def beast_frames(data: bytes) -> list[tuple[int, bytes]]:
    """(12 MHz counter, payload) of each Beast frame (escape-aware)."""
    sizes = {0x31: 2, 0x32: 7, 0x33: 14}
    out, i = [], 0
    while i < len(data):
        kind, i = data[i + 1], i + 2
        body = bytearray()
        while len(body) < 7 + sizes[kind]:
            body.append(data[i])
            i += 2 if data[i] == 0x1A else 1
        out.append((int.from_bytes(body[:6], "big"), bytes(body[7:])))
    return out


@pytest.fixture(scope="module")
def frames(samples: Path) -> list[tuple[int, bytes]]:
    return beast_frames((samples / SAMPLE).read_bytes())


@pytest.fixture(scope="module")
def kept(frames: list[tuple[int, bytes]]) -> int:
    """Frames that give rows: all but six replies whose address no all-call or
    squitter carried before them (see test_beast)."""
    dropped = unconfirmed_replies([(0, c, p) for c, p in frames])
    assert len(dropped) == 6
    return len(frames) - len(dropped)


def _write(tmp_path: Path, lines: list[str], name: str = "capture.txt") -> Path:
    path = tmp_path / name
    path.write_text("".join(f"{ln}\n" for ln in lines))
    return path


def test_timestamped_avr_equals_beast(
    tmp_path: Path, samples: Path, frames: list[tuple[int, bytes]], kept: int
) -> None:
    path = _write(tmp_path, [f"@{c:012X}{p.hex().upper()};" for c, p in frames])
    assert registry.detect(path).name == "avr"
    avr = read_table(path, start_time_ns=START_NS)
    ref = read_table(samples / SAMPLE, start_time_ns=START_NS)
    assert avr.num_rows == kept
    assert avr.select(COLUMNS).equals(ref.select(COLUMNS))
    assert set(avr["format"].to_pylist()) == {"avr"}


def test_signal_variant(tmp_path: Path, frames: list[tuple[int, bytes]], kept: int) -> None:
    lines = [f"<{c:012x}a0{p.hex()};" for c, p in frames]
    table = read_table(_write(tmp_path, lines), start_time_ns=START_NS)
    assert table.num_rows == kept
    assert table.filter(table["lat"].is_valid()).num_rows == 4


def test_plain_lines_get_the_start_time(
    tmp_path: Path, frames: list[tuple[int, bytes]], kept: int
) -> None:
    path = _write(tmp_path, [f"*{p.hex()};" for _, p in frames])
    ctx = ReadContext(path, start_time_ns=START_NS)
    table = pa.Table.from_batches(list(READER.read(path, ctx)))
    assert table.num_rows == kept
    assert set(table["time"].cast("int64").to_pylist()) == {START_NS}
    assert any("without timestamp" in i.reason for i in ctx.notes)
    # Pairs still form in line order: the four positions of the sample.
    assert table.filter(table["lat"].is_valid()).num_rows == 4


def test_bad_lines_are_skipped_with_line_numbers(
    tmp_path: Path, frames: list[tuple[int, bytes]]
) -> None:
    # All-call replies and squitters: rows whatever comes before them.
    good = [f"*{p.hex()};" for _, p in frames if p[0] >> 3 in (11, 17)][:10]
    lines = [
        *good[:3],
        "*7700;",  # Mode A/C reply
        "hello world",
        "*8d4840d6202cc371c32ce05760;",  # 26 digits
        "*zz;",
        "",
        "@0000015a1f2a;",  # a timestamp and no frame
        *good[3:],
    ]
    path = _write(tmp_path, lines)
    ctx = ReadContext(path, start_time_ns=START_NS)
    table = pa.Table.from_batches(list(READER.read(path, ctx)))
    assert table.num_rows == 10
    skipped = {
        i.record: i.reason
        for i in ctx.issues
        if i.record is not None and "timestamp" not in i.reason
    }
    assert skipped[4] == "Mode A/C reply: no aircraft address"
    assert skipped[5].startswith("not an AVR line")
    assert "26 hex digits" in skipped[6]
    assert skipped[7].startswith("not an AVR line")
    assert skipped[9].startswith("not an AVR line")
    assert ctx.skipped == 5


def test_gzip_and_crlf(tmp_path: Path, frames: list[tuple[int, bytes]], kept: int) -> None:
    text = "".join(f"@{c:012x}{p.hex()};\r\n" for c, p in frames)
    path = tmp_path / "capture.avr.gz"
    path.write_bytes(gzip.compress(text.encode()))
    assert registry.detect(path).name == "avr"
    assert read_table(path, start_time_ns=START_NS).num_rows == kept


def test_gps_timestamps(tmp_path: Path, frames: list[tuple[int, bytes]], kept: int) -> None:
    """AVR-MLAT lines of a GPS-synchronised receiver carry the GPS time of day
    (seconds << 30 | nanoseconds): placed on the given date, refused without one."""
    ns, day_ns, first = 10**9, 1_720_224_000 * 10**9, 36_000 * 10**9  # 10:00:00
    c0 = frames[0][0]
    lines = []
    for c, p in frames:
        tod = first + (c - c0) * ns // 12_000_000
        lines.append(f"@{(tod // ns) << 30 | tod % ns:012x}{p.hex()};")
    path = _write(tmp_path, lines)
    with pytest.raises(InputError, match="GPS time of day"):
        read_table(path)
    table = read_table(path, start_time_ns=day_ns)
    assert table.num_rows == kept
    times = table["time"].cast("int64").to_pylist()
    assert day_ns + first <= min(times) and max(times) < day_ns + first + 24 * ns
    assert table.filter(table["lat"].is_valid()).num_rows == 4


def test_sniff() -> None:
    assert READER.sniff(b"*8d4840d6202cc371c32ce0576098;\n*02e197b00179c3;\n", Path("x"))
    assert not READER.sniff(b"time,icao24,lat\n1,abc,2\n", Path("x"))
    assert not READER.sniff(b'{"frame": "8d4840d6202cc371c32ce0576098"}\n', Path("x"))


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lines=st.lists(
        st.one_of(
            st.text(max_size=40),
            st.from_regex(r"[*@<][0-9a-fA-F]{0,44};?", fullmatch=True),
            st.sampled_from(
                ["*8d4840d6202cc371c32ce0576098;", "*02e197b00179c3;", "*5d3981e46dc8eb;"]
            ),
        ),
        max_size=30,
    )
)
def test_fuzz_lines(tmp_path: Path, lines: list[str]) -> None:
    path = tmp_path / "fuzz.txt"
    path.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
    try:
        table = read_table(path, format="avr", start_time_ns=START_NS)
    except InputError:
        return
    assert table.num_rows <= len(lines)


def test_truncated_gzip_keeps_what_was_read(
    tmp_path: Path, frames: list[tuple[int, bytes]]
) -> None:
    text = "".join(f"@{c:012x}{p.hex()};\n" for c, p in frames) * 20
    data = gzip.compress(text.encode())
    path = tmp_path / "capture.avr.gz"
    path.write_bytes(data[: len(data) * 2 // 3])
    ctx = ReadContext(path, start_time_ns=START_NS)
    table = pa.Table.from_batches(list(READER.read(path, ctx)))
    assert 0 < table.num_rows < 239 * 20
    assert any("truncated compressed data" in i.reason for i in ctx.issues)
