"""A small pinned file is decompressed once, from the bytes its digest was
taken of, and every read of it (detection, then the reader) gets that
content; what it cannot decode cleanly is read as a stream, as before.

Each case is read with the file pinned and without (the streaming path, which
speaks for the file): the head detection sees, the whole content or the error
a reader gets, and the format detected are the same.
"""

from __future__ import annotations

import gzip
import json
import struct
import zlib
from pathlib import Path

import pytest

from skywitness.errors import InputError
from skywitness.io import base, registry
from skywitness.io.base import KEPT_BYTES, PinnedFile, ReadContext, sniff_head
from skywitness.io.jsondoc import read_document
from skywitness.io.reading import open_found

SNAPSHOT = json.dumps(
    {
        "now": 1_726_563_600.0,
        "messages": 10,
        "aircraft": [
            {
                "hex": f"4ca{i:03x}",
                "lat": 53.0 + i / 100,
                "lon": -6.0,
                "alt_baro": 35000,
                "seen": 0.5,
            }
            for i in range(200)
        ],
    }
).encode()


def _header(flags: int = 0, extra: bytes = b"") -> bytes:
    return b"\x1f\x8b\x08" + bytes([flags]) + b"\x00\x00\x00\x00\x00\xff" + extra


def _member(data: bytes, header: bytes | None = None) -> bytes:
    """One gzip member by hand (header as given, raw deflate, CRC and length)."""
    deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
    body = deflate.compress(data) + deflate.flush()
    trailer = struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)
    return (header if header is not None else _header()) + body + trailer


def _fhcrc(good: bool) -> bytes:
    head = _header(0x02)
    crc = zlib.crc32(head) & 0xFFFF
    return _member(SNAPSHOT, head + struct.pack("<H", crc if good else crc ^ 0xFFFF))


def _fname() -> bytes:
    return _member(SNAPSHOT, _header(0x08) + b"snapshot.json\x00")


def _corrupt_crc() -> bytes:
    raw = bytearray(gzip.compress(SNAPSHOT))
    raw[-8] ^= 0xFF
    return bytes(raw)


#: name -> (file bytes, whether it is decoded once from memory)
CASES: dict[str, tuple[bytes, bool]] = {
    "plain": (SNAPSHOT, True),
    "gzip": (gzip.compress(SNAPSHOT), True),
    "gzip with a file name": (_fname(), True),
    "gzip with a good header CRC": (_fhcrc(True), True),
    "gzip with a wrong header CRC": (_fhcrc(False), False),
    "two members": (gzip.compress(SNAPSHOT[:1000]) + gzip.compress(SNAPSHOT[1000:]), False),
    "zero padding after the member": (gzip.compress(SNAPSHOT) + b"\x00" * 64, False),
    "bytes after the member": (gzip.compress(SNAPSHOT) + b"garbage", False),
    "truncated": (gzip.compress(SNAPSHOT)[:-100], False),
    "corrupt CRC": (_corrupt_crc(), False),
    "empty gzip": (gzip.compress(b""), True),
    "empty file": (b"", True),
    "one byte of the magic": (b"\x1f", True),
}


def _whole(path: Path) -> bytes | str:
    try:
        return bytes(read_document(path, ReadContext(path=path), 64 << 20, "test document"))
    except InputError as exc:
        return exc.reason


def _detected(path: Path) -> str:
    try:
        return registry.detect(path).name
    except InputError as exc:
        return f"{type(exc).__name__}: {exc.reason}"


def _reads(path: Path) -> tuple[object, ...]:
    return sniff_head(path), _whole(path), _detected(path)


@pytest.mark.parametrize("case", list(CASES))
def test_pinned_reads_are_the_stream_reads(tmp_path: Path, case: str) -> None:
    data, in_memory = CASES[case]
    path = tmp_path / "snapshot.json.gz"
    path.write_bytes(data)
    streamed = _reads(path)
    pinned = PinnedFile(path)
    try:
        with pinned.active():
            assert _reads(path) == streamed
        assert (pinned.content() is not None) == in_memory
        assert pinned.problem() is None
    finally:
        pinned.close()


def test_the_cases_decode_as_expected_on_the_stream(tmp_path: Path) -> None:
    """The reference itself: the clean cases give the document, the damaged
    ones an error (a wrong header CRC too: ISA-L checks it), two members
    their concatenation."""
    path = tmp_path / "f.json.gz"
    for case in ("plain", "gzip", "gzip with a file name", "two members"):
        path.write_bytes(CASES[case][0])
        assert _whole(path) == SNAPSHOT, case
    for case in (
        "gzip with a wrong header CRC",
        "bytes after the member",
        "truncated",
        "corrupt CRC",
    ):
        path.write_bytes(CASES[case][0])
        assert isinstance(_whole(path), str), case


def test_content_is_the_bytes_pinned_not_the_file_after(tmp_path: Path) -> None:
    """Once pinned, a rewrite of the file is not seen: every read is of the
    bytes the digest names, and nothing is read from the path again."""
    path = tmp_path / "snapshot.json.gz"
    path.write_bytes(gzip.compress(SNAPSHOT))
    pinned = PinnedFile(path)
    try:
        path.write_bytes(gzip.compress(b'{"now": 1, "aircraft": []}'))
        with pinned.active():
            assert _whole(path) == SNAPSHOT
        assert pinned.verified and pinned.problem() is None
    finally:
        pinned.close()


def test_large_files_and_large_contents_are_streamed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "big.json"
    big.write_bytes(SNAPSHOT + b" " * (KEPT_BYTES - len(SNAPSHOT) + 1))
    small = tmp_path / "small.json.gz"
    small.write_bytes(gzip.compress(SNAPSHOT))
    monkeypatch.setattr(base, "KEPT_CONTENT_BYTES", len(SNAPSHOT) - 1)
    for path in (big, small):
        streamed = _reads(path)
        pinned = PinnedFile(path)
        try:
            with pinned.active():
                assert _reads(path) == streamed
            assert pinned.content() is None
        finally:
            pinned.close()


def test_a_file_found_under_a_directory_is_detected_on_the_file_it_is_read_from(
    tmp_path: Path,
) -> None:
    snap = tmp_path / "snapshot.json.gz"
    snap.write_bytes(gzip.compress(SNAPSHOT))
    notes = tmp_path / "notes.txt"
    notes.write_text("not surveillance data\n")
    fr = open_found(snap, in_directory=True)
    assert fr is not None and fr.reader.name == "readsb-aircraft"
    snap.write_bytes(b"rewritten after it was opened")
    assert sum(b.num_rows for b in fr) == 200
    assert open_found(notes, in_directory=True) is None
    with pytest.raises(InputError, match="not a supported format"):
        open_found(notes)  # given by name: an error, not a file passed over
