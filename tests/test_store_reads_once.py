"""Ingest reads each file once: what is stored is exactly what its digest names.

A file cut, rewritten or grown while it is ingested, or grown since it was
ingested, never leaves part of itself under a digest of other bytes, and is
never stored twice.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from skywitness import api
from skywitness.io import open_file
from skywitness.io.reading import FileRead
from skywitness.store import Store, StoreCorruptError, StoreMissingError

#: Reports per batch in these tests: many batches per file.
BATCH = 1000
#: 2024-09-17T09:00:00Z
T0 = 1_726_563_600


def _capture(path: Path, first: int, n: int) -> None:
    """Append ``n`` lines of raw frames (one report each) to a capture."""
    with path.open("a") as fh:
        for i in range(first, first + n):
            frame = {"timestamp": T0 + i * 0.01, "frame": "8D4840D6202CC371C32CE0576098"}
            fh.write(json.dumps(frame) + "\n")


def _opener(path: Path) -> Callable[[], FileRead]:
    return lambda: open_file(path, batch_size=BATCH)


def _ids(store: Store) -> list[int]:
    ids: list[int] = store.query(columns=["record_id"])["record_id"].to_pylist()
    return ids


def test_a_file_cut_while_ingested_is_refused_and_the_whole_file_goes_in_later(
    store_dir: Path, tmp_path: Path
) -> None:
    live = tmp_path / "live.jsonl"
    _capture(live, 0, 50_000)
    intact = tmp_path / "intact.jsonl"
    intact.write_bytes(live.read_bytes())
    store = Store(store_dir)
    cut = False

    def on_rows(n: int) -> None:
        nonlocal cut
        if not cut:
            os.truncate(live, live.stat().st_size // 10)
            cut = True

    result = store.ingest([_opener(live)], on_rows=on_rows)
    assert cut
    assert [e.file for e in result.errors] == [str(live)]
    assert "changed while it was read: cut to" in result.errors[0].reason
    assert result.reports == 0 and store.query().num_rows == 0
    assert store.commits() == []
    again = store.ingest([_opener(intact)])
    assert (again.reports, again.already, again.errors) == (50_000, 0, [])
    ids = _ids(store)
    assert len(ids) == len(set(ids)) == 50_000


def test_a_file_rewritten_while_ingested_is_refused(store_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "capture.jsonl"
    _capture(path, 0, 50_000)
    size = path.stat().st_size
    store = Store(store_dir)
    done = False

    def on_rows(n: int) -> None:
        nonlocal done
        if not done:
            with path.open("r+b") as fh:  # the same size, other bytes near the end
                fh.seek(size - 40)
                fh.write(b"0" * 8)
            done = True

    result = store.ingest([_opener(path)], on_rows=on_rows)
    assert path.stat().st_size == size
    assert [e.file for e in result.errors] == [str(path)]
    assert "rewritten" in result.errors[0].reason
    assert store.query().num_rows == 0


def test_a_file_growing_while_ingested_is_stored_as_its_digest_names(
    store_dir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "capture.jsonl"
    _capture(path, 0, 20_000)
    first_bytes = path.read_bytes()
    store = Store(store_dir)
    grown = False

    def on_rows(n: int) -> None:
        nonlocal grown
        if not grown:
            _capture(path, 20_000, 5_000)
            grown = True

    result = store.ingest([_opener(path)], on_rows=on_rows)
    assert grown and result.errors == []
    assert result.reports == 20_000
    (entry,) = store.commits()[0]["files"]
    assert entry["size"] == len(first_bytes)
    # The digest names the bytes stored: the first 20,000 lines, read alone, are the same.
    copy = tmp_path / "first.jsonl"
    copy.write_bytes(first_bytes)
    assert open_file(copy).digest == entry["digest"]
    assert store.ingest([_opener(copy)]).already == 1


def test_a_capture_grown_since_its_ingest_is_never_stored_twice(
    store_dir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "capture.jsonl"
    _capture(path, 0, 20_000)
    store = Store(store_dir)
    assert store.ingest([_opener(path)]).reports == 20_000
    _capture(path, 20_000, 5_000)
    result = store.ingest([_opener(path)])
    assert [e.file for e in result.errors] == [str(path)]
    size = 20_000 * len(path.read_bytes()) // 25_000
    assert f"grew by {path.stat().st_size - size} bytes since its first {size} bytes" in (
        result.errors[0].reason
    )
    assert result.reports == 0
    ids = _ids(store)
    assert len(ids) == len(set(ids)) == 20_000
    # The bytes added since, in a file of their own, go in; still no duplicate.
    rest = tmp_path / "rest.jsonl"
    rest.write_bytes(path.read_bytes()[size:])
    assert store.ingest([_opener(rest)]).reports == 5_000
    ids = _ids(store)
    assert len(ids) == len(set(ids)) == 25_000


def test_a_file_replaced_after_it_was_opened_is_read_as_opened(
    store_dir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "capture.jsonl"
    _capture(path, 0, 3_000)
    fr = open_file(path, batch_size=BATCH)
    other = tmp_path / "other.jsonl"
    _capture(other, 100_000, 7_000)
    os.replace(other, path)  # a file renamed over it: the open file is read
    assert sum(b.num_rows for b in fr) == 3_000


def test_query_takes_iso_strings_and_datetimes(store_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "capture.jsonl"
    _capture(path, 0, 1_000)  # 10 s from 09:00:00Z
    store = Store(store_dir)
    store.ingest([_opener(path)])
    by_text = store.query(start="2024-09-17T09:00:05Z", end="2024-09-17T09:00:06Z")
    by_datetime = store.query(
        start=datetime(2024, 9, 17, 9, 0, 5, tzinfo=UTC), end=datetime(2024, 9, 17, 9, 0, 6)
    )
    by_ns = store.query(start=(T0 + 5) * 10**9, end=(T0 + 6) * 10**9)
    assert by_text.num_rows == by_datetime.num_rows == by_ns.num_rows == 100
    with pytest.raises(ValueError, match="start"):
        store.query(start="yesterday-ish")


def test_api_store_errors_keep_their_type(store_dir: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(StoreMissingError, match=r"no skywitness store here.*read them first"):
        api._store(empty)
    path = tmp_path / "capture.jsonl"
    _capture(path, 0, 10)
    Store(store_dir).ingest([_opener(path)])
    commits = store_dir / "_skywitness" / "commits"
    for f in commits.iterdir():
        f.unlink()
    commits.rmdir()
    with pytest.raises(StoreCorruptError) as info:
        api._store(store_dir)
    assert "read them first" not in str(info.value)
