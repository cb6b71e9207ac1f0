"""Readers never lose a file, nor the run, to one hostile record, and never
take unbounded memory or time: huge numbers, deep nesting, bytes that are not
UTF-8, gzip bombs, long fields, blank lines by the gigabyte, damaged files."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import skywitness.io.base as base
from skywitness.errors import InputError, UnknownFormatError
from skywitness.io import open_file, read_table
from skywitness.io.base import ReadContext

HUGE_INT = "9" * 400  # beyond float64 (1.8e308), within Python's conversion limit
TOO_MANY_DIGITS = "9" * 5000  # beyond Python's 4,300-digit conversion limit
DEEP = "[" * 100_000 + "]" * 100_000


def _read(path: Path, fmt: str | None = None) -> tuple[int, list[tuple[Any, str]]]:
    fr = open_file(path, format=fmt)
    rows = sum(b.num_rows for b in fr)
    return rows, [(i.record, i.reason) for i in fr.ctx.issues]


# --------------------------------------------------------------------------- one bad record


def _trace(bad: str) -> str:
    good = '[0,45.0,5.0,30000,450,90,0,0,null,"adsb_icao"]'
    later = '[2,45.1,5.1,30000,450,90,0,0,null,"adsb_icao"]'
    return f'{{"icao":"abc123","timestamp":1.7e9,"trace":[{good},{bad},{later}]}}'


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (f'[1,45.0,5.0,{HUGE_INT},450,90,0,0,null,"adsb_icao"]', "out-of-range altitude"),
        (f'[1,45.0,5.0,30000,{HUGE_INT},90,0,0,null,"adsb_icao"]', "out-of-range ground speed"),
        (f'[1,45.0,5.0,{TOO_MANY_DIGITS},450,90,0,0,null,"adsb_icao"]', "5000 digits"),
        (DEEP, "nested deeper than"),
        ('[1,45.0,5.0,30000,450,90,0,0,{"flight":"\xff\xfe"},"adsb_icao"]', "not UTF-8"),
    ],
)
def test_trace_point_is_skipped_not_the_file(tmp_path: Path, bad: str, reason: str) -> None:
    path = tmp_path / "trace_full_abc123.json"
    path.write_bytes(_trace(bad).encode("latin-1"))
    rows, issues = _read(path)
    assert rows == 2
    assert len(issues) == 1 and issues[0][0] == 1 and reason in issues[0][1], issues


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (f'{{"hex":"abc124","alt_baro":{HUGE_INT}}}', "out-of-range alt_baro"),
        (f'{{"hex":"abc124","seen":{HUGE_INT}}}', "out-of-range seen"),
        (f'{{"hex":"abc124","gs":{TOO_MANY_DIGITS}}}', "5000 digits"),
        (DEEP, "nested deeper than"),
        ('{"hex":"\xff"}', "not UTF-8"),
    ],
)
def test_snapshot_entry_is_skipped_not_the_file(tmp_path: Path, bad: str, reason: str) -> None:
    good = '{"hex":"abc123","alt_baro":30000,"seen":1}'
    path = tmp_path / "aircraft.json"
    doc = f'{{"now":1700000000,"aircraft":[{good},{bad},{good.replace("123", "125")}]}}'
    path.write_bytes(doc.encode("latin-1"))
    rows, issues = _read(path)
    assert rows == 2
    assert len(issues) == 1 and issues[0][0] == 1 and reason in issues[0][1], issues


def test_snapshot_with_a_huge_now_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "aircraft.json"
    path.write_text(f'{{"now":{HUGE_INT},"aircraft":[{{"hex":"abc123"}}]}}')
    with pytest.raises(InputError, match="out-of-range now"):
        read_table(path)


def test_fr24_point_is_skipped_not_the_file(samples: Path, tmp_path: Path) -> None:
    doc = json.loads((samples / "fr24" / "3376ab31.json").read_text())
    n = len(doc["result"]["response"]["data"]["flight"]["track"])
    text = json.dumps(doc)
    first = text.index('"track": [') + len('"track": [')
    for bad, reason in [(DEEP, "nested deeper"), (f'{{"timestamp": {TOO_MANY_DIGITS}}}', "digits")]:
        path = tmp_path / "flight.json"
        path.write_text(text[:first] + bad + ", " + text[first:])
        rows, issues = _read(path)
        assert rows == n and len(issues) == 1 and issues[0][0] == 0 and reason in issues[0][1]


def test_traffic_json_row_is_skipped_not_the_file(tmp_path: Path) -> None:
    rows = [{"timestamp": 1.7e12 + i, "icao24": "abc123", "latitude": 45.0, "longitude": 5.0,
             "altitude": 30000} for i in range(3)]  # fmt: skip
    text = json.dumps(rows).replace(
        '"altitude": 30000}, {', f'"altitude": {TOO_MANY_DIGITS}}}, {{', 1
    )
    path = tmp_path / "records.json"
    path.write_text(text)
    n, issues = _read(path)
    assert n == 2 and len(issues) == 1 and issues[0][0] == 0 and "5000 digits" in issues[0][1]
    columns = {
        "timestamp": {"0": 1.7e12, "1": 1.7e12 + 1000, "2": 1.7e12 + 2000},
        "icao24": {"0": "abc123", "1": "abc123", "2": "abc123"},
        "altitude": {"0": 30000, "1": 0, "2": 30000},
    }
    text = json.dumps(columns).replace('"1": 0,', f'"1": {DEEP},')
    assert DEEP in text
    path = tmp_path / "columns.json"
    path.write_text(text)
    n, issues = _read(path)
    assert n == 2 and len(issues) == 1 and issues[0][0] == 1 and "nested deeper" in issues[0][1]


def test_lone_surrogates_cost_their_row(tmp_path: Path) -> None:
    """JSON may escape half a surrogate pair ("\\ud800"); Arrow cannot hold it."""
    rows = [{"timestamp": 1.7e12 + i, "icao24": "abc123", "callsign": "KLM1"} for i in range(3)]
    text = json.dumps(rows)
    text = text.replace('"KLM1"}, {', '"KLM\\ud8001"}, {', 1)
    text = text[::-1].replace('"321cba"', '"008du\\321cba"', 1)[::-1]
    path = tmp_path / "records.json"
    path.write_text(text)
    n, issues = _read(path)
    assert n == 1 and [r for r, _ in issues] == [0, 2]
    assert all("lone surrogate" in reason for _, reason in issues)
    trace = _trace('[1,45.0,5.0,30000,450,90,0,0,{"flight":"\\udc80"},"adsb_icao"]')
    path = tmp_path / "trace.json"
    path.write_text(trace)
    n, issues = _read(path)
    assert n == 2 and [r for r, _ in issues] == [1]


def test_modes_jsonl_line_with_too_many_digits_is_skipped(tmp_path: Path) -> None:
    good = '{"timestamp": 1720249161.8509269, "frame": "8d393322580940aa0a8e4d4f6250"}'
    bad = f'{{"timestamp": {TOO_MANY_DIGITS}, "frame": "8d393322580940aa0a8e4d4f6250"}}'
    path = tmp_path / "frames.jsonl"
    path.write_text("\n".join([good] * 5 + [bad, DEEP, good]) + "\n")
    rows, issues = _read(path)
    assert rows >= 1
    assert {r for r, _ in issues} >= {6, 7}
    path.write_text("\n".join([bad, DEEP, good]) + "\n")
    _, issues = _read(path, "modes-jsonl")
    assert {r for r, _ in issues} >= {1, 2}


def test_top_level_problem_fails_the_file_with_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "trace.json"
    path.write_text(_trace("[1]").replace("1.7e9", TOO_MANY_DIGITS))
    with pytest.raises(InputError, match=r"timestamp: an integer of 5000 digits"):
        read_table(path, format="readsb-trace")


# --------------------------------------------------------------------------- the decoder


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=5), c, max_size=4),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(json_values, st.sampled_from([None, 1]), st.booleans())
def test_iterative_decoder_agrees_with_json(value: Any, indent: int | None, records: bool) -> None:
    from skywitness.io.jsondoc import _decode

    text = json.dumps(value, indent=indent)
    doc, bad = _decode(text, (lambda p: len(p) == 1) if records else (lambda p: False))
    assert bad == 0 and json.dumps(doc) == json.dumps(value)


def test_iterative_decoder_isolates_records() -> None:
    from skywitness.io.jsondoc import Bad, _decode, loads_line

    text = f'{{"a": [1, {TOO_MANY_DIGITS}, [{DEEP}], "\udcff", {{"b": 2}}], "c": 3}}'
    doc, bad = _decode(text, lambda p: len(p) == 2 and p[0] == "a")
    assert bad == 3 and doc["c"] == 3 and doc["a"][0] == 1 and doc["a"][4] == {"b": 2}
    assert [type(v) for v in doc["a"][1:4]] == [Bad, Bad, Bad]
    assert isinstance(loads_line("[" * 5000), Bad)


# --------------------------------------------------------------------------- bounded memory


def _bomb(path: Path, head: bytes, blank: bytes, size: int, tail: bytes) -> None:
    """A gzip of ``size`` blank bytes between ``head`` and ``tail`` (a few hundred KB)."""
    co = zlib.compressobj(9, zlib.DEFLATED, 31)
    with path.open("wb") as fh:
        fh.write(co.compress(head))
        block = blank * ((1 << 24) // len(blank))
        for _ in range(size // len(block)):
            fh.write(co.compress(block))
        fh.write(co.compress(tail) + co.flush())


def _read_in_child(path: Path) -> tuple[str, float]:
    """Read ``path`` in a fresh interpreter: the outcome and the child's own
    peak resident memory in MB (VmHWM: reset by exec, unlike ``ru_maxrss``,
    which a child inherits from the process that forked it)."""
    code = textwrap.dedent(f"""
        import json
        from skywitness.errors import InputError
        from skywitness.io import read_table
        try:
            read_table({str(path)!r})
            outcome = "read"
        except InputError as exc:
            outcome = "refused: " + str(exc)
        hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM"))
        print(json.dumps({{"outcome": outcome, "hwm_mb": int(hwm.split()[1]) / 1024}}))
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    return result["outcome"], result["hwm_mb"]


#: What one interpreter with skywitness and pyarrow imported takes (measured:
#: 100-150 MB); a 128 MiB bomb read whole would add 256 MB at least (the
#: bytes and their decoded text).
BASELINE_MB = 250


@pytest.mark.parametrize(
    ("head", "blank", "tail"),
    [
        (b'{"now": 1700000000, "aircraft": [', b" ", b"]}"),  # whitespace inside a snapshot
        (b'{"now": 1700000000, "aircraft": [', b"0,", b"0]}"),  # entries past the size cap
        (b'[{"timestamp": 1, "icao24": "abc123"}', b"\n", b"]"),  # traffic JSON
    ],
)
def test_gzip_bombs_fail_in_bounded_memory(
    tmp_path: Path, head: bytes, blank: bytes, tail: bytes
) -> None:
    path = tmp_path / "bomb.json.gz"
    _bomb(path, head, blank, 128 << 20, tail)
    outcome, peak = _read_in_child(path)
    assert peak < BASELINE_MB, f"peak RSS {peak:.0f} MB"
    assert outcome.startswith("refused: "), outcome
    assert re.search(r"more than \d+ MiB", outcome)


def test_blank_lines_are_not_handed_out_one_by_one(tmp_path: Path) -> None:
    from skywitness.io.modes.frames import text_lines as frame_lines

    path = tmp_path / "frames.jsonl"
    data = b"x\n" + b"\n \r\n\t\r" * 300_000 + b"y\n"
    path.write_bytes(data)
    ctx = ReadContext(path)
    assert list(frame_lines(path, ctx)) == [(1, "x"), (600_003, "y")]
    assert _reference_lines(data, 100)[0] == [(1, "x"), (600_003, "y")]


@pytest.mark.slow
def test_a_gigabyte_of_blank_lines_reads_in_seconds(tmp_path: Path) -> None:
    """A 1 GiB JSONL of blank lines (1 MB gzip): the old line loop took minutes."""
    path = tmp_path / "blank.jsonl.gz"
    good = b'{"timestamp": 1720249161.8509269, "frame": "8d393322580940aa0a8e4d4f6250"}\n'
    _bomb(path, good, b"\n", 1 << 30, good)
    code = textwrap.dedent(f"""
        import time
        from skywitness.io import open_file
        t = time.monotonic()
        fr = open_file({str(path)!r})
        rows = sum(b.num_rows for b in fr)
        print(rows, time.monotonic() - t)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    rows, seconds = done.stdout.split()
    assert int(rows) == 2 and float(seconds) < 60


def _reference_lines(data: bytes, limit: int) -> tuple[list[tuple[int, str]], list[int]]:
    lines, long = [], []
    for number, raw in enumerate(re.split(rb"\r\n|\r|\n", data), start=1):
        raw = raw.lstrip(b" \t\f\v")
        if not raw.strip(b" \t\f\v"):
            continue
        if len(raw) > limit:
            long.append(number)
        else:
            lines.append((number, raw.decode("utf-8", "replace")))
    return lines, long


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from([b"a", b"bb", b" ", b"\t", b"\r", b"\n", b"\r\n", b" " * 300, b"\n" * 300]),
        max_size=40,
    ),
    st.sampled_from([1, 3, 7, 64, 1 << 16]),
    st.sampled_from([1, 4, 100, 1 << 20]),
    st.booleans(),
)
def test_text_lines_agree_with_a_plain_split(
    tmp_path_factory: pytest.TempPathFactory,
    parts: list[bytes],
    chunk: int,
    limit: int,
    compressed: bool,
) -> None:
    from skywitness.io.base import text_lines

    data = b"".join(parts)
    path = tmp_path_factory.mktemp("lines") / "t.txt"
    path.write_bytes(gzip.compress(data) if compressed else data)
    old = base.TEXT_CHUNK_BYTES
    base.TEXT_CHUNK_BYTES = chunk
    try:
        ctx = ReadContext(path)
        got = [(n, line.lstrip(" \t\f\v")) for n, line in text_lines(path, ctx, limit)]
    finally:
        base.TEXT_CHUNK_BYTES = old
    want, long = _reference_lines(data, limit)
    assert got == want and [i.record for i in ctx.issues] == long


# --------------------------------------------------------------------------- CSV rows


def test_fr24_csv_long_field_costs_one_row(tmp_path: Path) -> None:
    path = tmp_path / "f_icao24-abcdef.csv"
    rows = [f'17041801{i:02d},2024-01-02T07:22:55Z,JAL516,"42.7,141.6",0,0,73' for i in range(5)]
    rows[2] = '1704180102,2024-01-02T07:22:55Z,"' + "x" * 300_000 + '","42.7,141.6",0,0,73'
    path.write_text("Timestamp,UTC,Callsign,Position,Altitude,Speed,Direction\n" + "\n".join(rows))
    n, issues = _read(path)
    assert n == 4 and [r for r, _ in issues] == [3] and "field" in issues[0][1]


def test_opensky_csv_bad_utf8_costs_one_row(tmp_path: Path) -> None:
    header = (
        "time,icao24,lat,lon,velocity,heading,vertrate,callsign,onground,alert,spi,squawk,"
        "baroaltitude,geoaltitude,lastposupdate,lastcontact,serials,hour\n"
    )
    row = "{t},3c6444,48.1,8.5,128.6,93.5,5.08,{cs},False,False,False,1000,3048.0,3200.4,{t},{t},[],0\n"
    n = 50_000  # 5.5 MB: the bad row in the second of pyarrow's 4 MiB blocks

    def body(first: int) -> bytes:
        return "".join(row.format(t=first + i, cs="DLH4TR") for i in range(n)).encode()

    bad = row.format(t=1700000000 + n, cs="DLH\udcff").encode("utf-8", "surrogateescape")
    path = tmp_path / "states.csv"
    path.write_bytes(header.encode() + body(1700000000) + bad + body(1700000000 + n + 1))
    got, issues = _read(path)
    assert got == 2 * n
    assert issues == [(n + 1, "bytes that are not UTF-8 in callsign")]


# --------------------------------------------------------------------------- damaged files


def test_small_damaged_gzip_is_not_an_empty_file(tmp_path: Path) -> None:
    whole = gzip.compress(_trace("[1]").encode())
    cut = tmp_path / "cut.json.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    crc = tmp_path / "crc.json.gz"
    crc.write_bytes(whole[:-8] + b"\0\0\0\0" + whole[-4:])
    for path in (cut, crc):
        with pytest.raises(InputError, match="corrupt or truncated compressed data") as err:
            read_table(path)
        assert "empty file" not in str(err.value)


def test_damaged_deflate_blocks_fail_the_file(tmp_path: Path) -> None:
    """Whole documents are inflated by ISA-L, whose own error for a bad block
    (not zlib's) must fail the file with its reason, never escape as a bug."""
    entries = ",".join(
        f'{{"hex":"{k:06x}","lat":{45 + k / 1e4},"lon":{5 + k / 1e4},"alt_baro":{k * 7 % 40000}}}'
        for k in range(3000)
    )
    whole = gzip.compress(f'{{"now":1.7e9,"aircraft":[{entries}]}}'.encode())
    assert read_table_rows(tmp_path, whole) == 3000  # undamaged: read by ISA-L, in full
    seen = set()
    for at in range(len(whole) // 8, len(whole) - 16, len(whole) // 9):
        damaged = whole[:at] + bytes(b ^ 0x5A for b in whole[at : at + 12]) + whole[at + 12 :]
        path = tmp_path / f"damaged-{at}.json.gz"
        path.write_bytes(damaged)
        with pytest.raises(InputError, match="corrupt or truncated compressed data") as err:
            read_table(path, format="readsb-aircraft")
        seen.add(str(err.value).split("compressed data: ")[-1][:20])
    assert len(seen) >= 2  # several kinds of damage, not one message


def read_table_rows(tmp_path: Path, data: bytes) -> int:
    path = tmp_path / "whole.json.gz"
    path.write_bytes(data)
    return read_table(path, format="readsb-aircraft").num_rows


def test_truncated_parquet_is_said_to_be_damaged(tmp_path: Path) -> None:
    whole = tmp_path / "whole.parquet"
    pq.write_table(pa.table({"icao24": ["abcdef"] * 10, "velocity": [1.0] * 10}), whole)
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(whole.read_bytes()[:-20])
    with pytest.raises(InputError, match="damaged or truncated Parquet") as err:
        read_table(cut)
    assert not isinstance(err.value, UnknownFormatError)


def test_link_loop_is_not_a_missing_file(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    with pytest.raises(InputError, match="link loop"):
        open_file(tmp_path / "a")
    (tmp_path / "c").symlink_to("nowhere")
    with pytest.raises(InputError, match="broken symbolic link"):
        open_file(tmp_path / "c")
