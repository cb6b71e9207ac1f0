"""`ingest --jobs N`: files read in worker processes give the store exactly
what an in-process read gives: the same rows, skips, notes, errors and
unsupported files, in the same order."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pyarrow as pa
import pytest

from skywitness.cli import main
from skywitness.model.schema import REPORT_SCHEMA
from skywitness.store import Store

TRACE = "readsb/trace_full_ac671b.json"


@pytest.fixture
def mixed(samples: Path, tmp_path: Path) -> Path:
    d = tmp_path / "in"
    (d / "traces").mkdir(parents=True)
    shutil.copy(samples / TRACE, d / "traces" / "trace_full_ac671b.json")
    for k in range(12):
        aircraft = [
            {"hex": f"4ca{k:01x}{i:02x}", "lat": 50.0 + i / 100, "lon": 8.0, "alt_baro": 35000,
             "gs": 450.0, "nic": 8, "nac_p": 9, "seen": 0.5, "seen_pos": 0.7}
            for i in range(40)
        ]  # fmt: skip
        if k == 3:  # a bad entry: the file takes the per-entry path, one record skipped
            aircraft.append({"hex": "4cafff", "lat": "north", "lon": 8.0})
        doc = {"now": 1_700_000_000 + 5 * k, "aircraft": aircraft}
        (d / f"{k:04d}.json.gz").write_bytes(gzip.compress(json.dumps(doc).encode()))
    (d / "truth.json").write_text(json.dumps({"scenario": "x"}))
    (d / "9999.json.gz").write_bytes(b"\x1f\x8b\x08\x00damaged")
    return d


def _ingest(d: Path, store: Path, jobs: int, capsys: pytest.CaptureFixture[str]) -> dict:
    code = main(["ingest", str(d), "--store", str(store), "--json", "--jobs", str(jobs)])
    out = json.loads(capsys.readouterr().out)
    out["exit"] = code
    return out


def test_workers_store_what_one_process_stores(
    mixed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one = _ingest(mixed, tmp_path / "one", 1, capsys)
    two = _ingest(mixed, tmp_path / "two", 2, capsys)
    assert one["exit"] == two["exit"] == 2  # the damaged file
    for key in ("files", "reports", "skipped", "errors", "unsupported"):
        assert one[key] == two[key], key
    assert one["reports"] == 2500 + 12 * 40 and one["skipped"] == 1
    a = Store(tmp_path / "one").query().sort_by("record_id")
    b = Store(tmp_path / "two").query().sort_by("record_id")
    assert a.equals(b)
    # Idempotent through the workers too: nothing is added the second time.
    again = _ingest(mixed, tmp_path / "two", 2, capsys)
    assert again["reports"] == 0 and again["files"] == 13


def test_bad_jobs_is_a_usage_error(mixed: Path, tmp_path: Path) -> None:
    assert main(["ingest", str(mixed), "--store", str(tmp_path / "s"), "--jobs", "0"]) == 2


def _snapshot_files(d: Path, n: int, bad: int | None = None) -> list[Path]:
    d.mkdir(parents=True, exist_ok=True)
    out = []
    for k in range(n):
        aircraft = [
            {"hex": f"4cb{i:03x}", "lat": 50.0 + i / 100 + k / 1000, "lon": 8.0, "gs": 450.0,
             "alt_baro": "ground" if i == 0 else 35000, "nic": 8, "nac_p": 9, "seen": 0.2 * i,
             "seen_pos": 0.2 * i + (30 if i == 5 else 0.5), "flight": f"TST{i} "}
            for i in range(20)
        ]  # fmt: skip
        if k == bad:
            aircraft.append({"hex": "4cbfff", "lat": "north", "lon": 8.0})
        path = d / f"{k:04d}.json.gz"
        path.write_bytes(gzip.compress(json.dumps({"now": 1.7e9 + 5 * k, "ac": aircraft}).encode()))
        out.append(path)
    return out


@pytest.mark.parametrize("bad", [None, 2])
def test_a_task_of_snapshots_read_as_one_gives_each_file_its_own_rows(
    tmp_path: Path, bad: int | None
) -> None:
    from skywitness.io import open_file
    from skywitness.io.readahead import ReadAhead, _read_task

    paths = _snapshot_files(tmp_path / "s", 6, bad)
    dones, shared = _read_task([(p, None, True) for p in paths], {})
    assert (shared is None) == (bad is not None)  # one bad entry: every file on its own
    for path, done in zip(paths, dones, strict=True):
        alone = open_file(path)
        expected = pa.Table.from_batches(list(alone), schema=REPORT_SCHEMA)
        got = ReadAhead(done, shared)
        table = pa.Table.from_batches(list(got), schema=REPORT_SCHEMA)
        assert table.equals(expected)
        assert done.digest == alone.digest and got.rows == alone.rows
        assert got.ctx.skipped == alone.ctx.skipped
