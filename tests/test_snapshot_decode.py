"""A snapshot decoded straight into the entry keys the columns read
(skywitness.io.readsb.columns.decode_snapshot) reads exactly as through the
general loader: the same values where it takes a document, the general
loader (and its messages) where it does not."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_readsb_aircraft import SNAPSHOT
from test_snapshot_columns import _clean_entry, _odd_entry

from skywitness.errors import InputError
from skywitness.io import open_file
from skywitness.io.readsb import aircraft, columns
from skywitness.io.readsb.columns import Entry, decode_snapshot, dict_columns


def _same_value(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    return bool(a == b)


def _as_json(data: bytes) -> tuple[Any, dict[str, tuple[Any, ...]]] | None:
    """What the standard parser gives, as the decoder would lay it out."""
    doc = json.loads(data)
    if not isinstance(doc, dict):
        return None
    entries = doc.get("aircraft", doc.get("ac"))
    if "now" not in doc or not isinstance(entries, list):
        return None
    if not all(isinstance(e, dict) for e in entries):
        return None
    return doc["now"], dict_columns(entries)


def _check_values(data: bytes) -> bool:
    """decode_snapshot gives the standard parser's values, or None; True when it decoded."""
    got = decode_snapshot(data)
    if got is None:
        return False
    assert all(type(e) is Entry for e in got[1])
    want = _as_json(data)
    assert want is not None, data[:200]
    assert _same_value(got[0], want[0])
    cols = dict_columns(got[1])
    assert cols.keys() == want[1].keys()
    for key, values in cols.items():
        assert len(values) == len(want[1][key])
        for u, v in zip(values, want[1][key], strict=True):
            assert _same_value(u, v), (key, u, v)
    return True


def _read(path: Path, quick: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, ...]:
    """Rows, skipped count and issues of the reader, or its file error."""
    with monkeypatch.context() as m:
        if not quick:
            m.setattr(aircraft, "decode_snapshot", lambda data: None)
        try:
            fr = open_file(path)
            rows = [b.to_pylist() for b in fr]
        except InputError as exc:
            return ("error", str(exc))
        return rows, fr.ctx.skipped, [i.one_line() for i in fr.ctx.issues]


def _both(tmp_path: Path, data: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(data)
    assert repr(_read(path, True, monkeypatch)) == repr(_read(path, False, monkeypatch))


def test_realistic_snapshot_is_decoded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = json.dumps(SNAPSHOT).encode()
    assert _check_values(data)
    _both(tmp_path, data, monkeypatch)
    api = {"now": SNAPSHOT["now"] * 1000, "ac": SNAPSHOT["aircraft"]}  # API v2 spelling
    assert _check_values(json.dumps(api).encode())
    _both(tmp_path, json.dumps(api).encode(), monkeypatch)


def test_real_aircraft_dicts(
    samples: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A snapshot of the real aircraft-state dicts of a readsb trace (each
    trace point's field 8 holds the fields of aircraft.json)."""
    trace = json.loads((samples / "readsb" / "trace_full_ac671b.json").read_bytes())
    entries = [
        dict(p[8], hex=trace["icao"], lat=p[1], lon=p[2], alt_baro=p[3], seen=k % 40 / 2)
        for k, p in enumerate(trace["trace"])
        if p[8] is not None
    ]
    assert len(entries) >= 50
    data = json.dumps({"now": trace["timestamp"] + 3600, "aircraft": entries}).encode()
    assert _check_values(data)
    _both(tmp_path, data, monkeypatch)


#: Documents the decoder must leave to the general loader or read as it does.
EDGES = [
    b'{"now":1,"aircraft":[{"hex":"abc123","lat":1,"lat":2,"lon":3}]}',  # last key wins
    b'{"now":1,"aircraft":[{"hex":"abc123","gs":123456789012345678901234}]}',
    b'{"now":1,"aircraft":[{"hex":"abc123","rssi":' + b"1" * 5000 + b"}]}",  # unread key
    b'{"now":1,"aircraft":[{"hex":"abc123","flight":"\\ud800"}]}',
    b'{"now":1,"aircraft":[{"hex":"abc123","gs":NaN}]}',
    b'{"now":1,"aircraft":[{"hex":"abc123","rssi":NaN}]}',
    b'{"now":1,"aircraft":[{"hex":"abc123","gs":1e400}]}',
    b'{"now":1,"aircraft":[{"hex":"abc123","rssi":1e400}]}',
    b'{"now":1,"aircraft":[{"hex":"abc123","desc":"\xff"}]}',  # invalid UTF-8, unread key
    b'{"now":1,"aircraft":[{"hex":"abc123","desc":"\xed\xa0\x80"}]}',  # an encoded surrogate
    b'{"now":1,"aircraft":[{"hex":"abc123","ownOp":"Soci\xc3\xa9t\xc3\xa9"}]}',  # UTF-8
    b'{"now":1,"aircraft":[{"hex":"abc123","x":' + b"[" * 3000 + b"]" * 3000 + b"}]}",
    b'{"now":1,"aircraft":[{"hex":"abc123","lat":-0.0,"lon":0}]}',
    b'{"now":1,"aircraft":[1,{"hex":"abc123"}]}',
    b'{"now":1,"aircraft":null}',
    b'{"now":1,"aircraft":[{"hex":"abc123"}],"ac":5}',
    b'{"now":1,"ac":[{"hex":"abc123"}]}',
    b'{"aircraft":[{"hex":"abc123"}]}',
    b'{"now":"soon","aircraft":[{"hex":"abc123"}]}',
    b'{"now":1e20,"aircraft":[{"hex":"abc123"}]}',
    b'{"now":1,"aircraft":[{"hex":"abc123"}]} x',
    b'\xef\xbb\xbf{"now":1,"aircraft":[{"hex":"abc123"}]}',
    b'[{"now":1}]',
    b' {"now":1700000000,"aircraft":[{"hex":"abc123","alt_baro":"ground"},{"hex":"abc124"}]}\n',
    b'{"now":1700000000,"aircraft":[{"hex":"abc123","alt_baro":null,"mlat":["lat"],"lat":1,"lon":2}]}',
]


@pytest.mark.parametrize("data", EDGES, ids=range(len(EDGES)))
def test_edges_read_as_the_general_loader_does(
    data: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    try:
        json.loads(data)
    except (ValueError, RecursionError):
        assert decode_snapshot(data) is None  # what the standard parser refuses
    else:
        _check_values(data)
    _both(tmp_path, data, monkeypatch)


def test_what_the_decoder_leaves_to_the_general_loader() -> None:
    assert decode_snapshot(EDGES[2]) is None  # 19 digits or more
    assert decode_snapshot(EDGES[8]) is None  # not UTF-8, even in a key not read
    assert decode_snapshot(EDGES[9]) is None
    assert decode_snapshot(EDGES[4]) is None and decode_snapshot(EDGES[13]) is None
    assert decode_snapshot(EDGES[10]) is not None  # valid UTF-8 beyond ASCII is decoded


def test_a_clean_snapshot_takes_the_decoder_and_the_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    real = columns._batch

    def counting(entries: list[Any], *args: Any) -> Any:
        calls.append(type(entries[0]))
        return real(entries, *args)

    monkeypatch.setattr(columns, "_batch", counting)
    path = tmp_path / "a.json"
    path.write_text(json.dumps(SNAPSHOT | {"aircraft": SNAPSHOT["aircraft"][:1]}))
    assert sum(b.num_rows for b in open_file(path)) == 1
    assert calls == [Entry]


_extra = st.dictionaries(
    st.sampled_from(["rssi", "r", "t", "desc", "messages", "category", "x"]),
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**20), 10**20),
        st.floats(allow_nan=False),
        st.text(max_size=4),
        st.lists(st.integers(0, 3), max_size=2),
    ),
    max_size=3,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(st.one_of(_clean_entry(), _odd_entry()), _extra), min_size=0, max_size=8),
    st.sampled_from(["aircraft", "ac"]),
    st.sampled_from([1_700_000_000.5, 1_700_000_000_500, None, "x"]),
)
def test_drawn_snapshots_read_the_same(
    entries: list[tuple[Any, dict[str, Any]]], key: str, now: Any
) -> None:
    docs = [e | extra if isinstance(e, dict) else e for e, extra in entries]
    data = json.dumps({"now": now, key: docs}).encode()
    if b"NaN" not in data and b"Infinity" not in data:
        _check_values(data)
    with pytest.MonkeyPatch.context() as mp, _tmp() as tmp:
        _both(tmp, data, mp)


class _tmp:
    """A temporary directory for one drawn example (hypothesis and tmp_path do not mix)."""

    def __enter__(self) -> Path:
        import tempfile

        self._d = tempfile.TemporaryDirectory()
        return Path(self._d.name)

    def __exit__(self, *exc: object) -> None:
        self._d.cleanup()
