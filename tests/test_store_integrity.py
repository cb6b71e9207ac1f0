"""The store never loses or lies: damaged parts and records are typed errors
naming the file, creation is atomic under concurrency, readers need no write
access and do not wait for a writer, one writer at a time, commits by rows and
by time, scattered dates cost in proportion to rows, a full disk leaves nothing."""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from skywitness.errors import SkywitnessError, StoreError
from skywitness.io import open_file
from skywitness.store import (
    COMMIT_SECONDS,
    Store,
    StoreBusyError,
    StoreCorruptError,
    StoreWriteError,
)

TRACE = "readsb/trace_full_ac671b.json"
SRC = str(Path(__file__).parents[1] / "src")
ENV = {**os.environ, "PYTHONPATH": SRC}
#: Longest a test waits for a subprocess to reach a state (slow shared machines).
PATIENCE_S = 120.0


def _copies(samples: Path, out: Path, n: int) -> list[Path]:
    """n copies of the real trace under different aircraft addresses (distinct digests)."""
    doc = json.loads((samples / TRACE).read_text())
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        doc["icao"] = f"e{i:05x}"
        path = out / f"trace_full_{doc['icao']}.json"
        path.write_text(json.dumps(doc))
        paths.append(path)
    return paths


def _ingest(store: Store, paths: list[Path], **kw: Any) -> Any:
    return store.ingest([lambda p=p: open_file(p) for p in paths], **kw)


def _filled(samples: Path, store_dir: Path) -> Store:
    store = Store(store_dir)
    _ingest(store, [samples / TRACE])
    return store


def _parts(store_dir: Path) -> list[Path]:
    return sorted(store_dir.glob("date=*/*.parquet"))


def _until(what: str, ok: Any, timeout: float = PATIENCE_S) -> None:
    deadline = time.monotonic() + timeout
    while not ok():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


# -- 1. damage is an error naming the file, never data ----------------------------


def test_every_flipped_byte_is_an_error_never_data(samples: Path, store_dir: Path) -> None:
    _filled(samples, store_dir)
    part = _parts(store_dir)[0]
    data = part.read_bytes()
    expected = Store(store_dir, create=False).query()
    # Header, pages, footer: bytes spread over the whole file.
    for pos in [0, 4, *range(64, len(data) - 8, max(1, len(data) // 12)), len(data) - 6]:
        damaged = bytearray(data)
        damaged[pos] ^= 0x01
        part.write_bytes(bytes(damaged))
        store = Store(store_dir, create=False)
        with pytest.raises(StoreCorruptError, match=part.name) as caught:
            store.query()
        assert "damaged" in str(caught.value)
        with pytest.raises(StoreCorruptError, match=part.name):
            store.info()
        report = store.verify()
        assert not report.ok and [p.file for p in report.problems] == [str(part)]
        part.write_bytes(data)
    # Restored: the same answer as before, and the same Store instance checks again.
    assert Store(store_dir, create=False).query().equals(expected)
    assert store.query().equals(expected)


def test_a_cut_or_grown_part_is_an_error(samples: Path, store_dir: Path) -> None:
    _filled(samples, store_dir)
    part = _parts(store_dir)[-1]
    data = part.read_bytes()
    for changed in (data[:-100], data + b"\0"):
        part.write_bytes(changed)
        with pytest.raises(StoreCorruptError, match=f"{part.name}: damaged: .* bytes"):
            Store(store_dir, create=False).query()
    part.unlink()
    with pytest.raises(StoreCorruptError, match=f"{part.name}: missing"):
        Store(store_dir, create=False).query()


def test_a_second_query_does_not_hash_again(
    samples: Path, store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from skywitness.store import integrity

    _filled(samples, store_dir)
    hashed: list[Path] = []
    real = integrity.file_checksum
    monkeypatch.setattr(integrity, "file_checksum", lambda p: hashed.append(p) or real(p))
    store = Store(store_dir, create=False)
    store.query()
    assert len(hashed) == len(_parts(store_dir)) == 2
    store.query()
    store.info()
    assert len(hashed) == 2  # remembered per Store
    Store(store_dir, create=False).query()
    assert len(hashed) == 4  # a new Store checks again


def test_a_query_checks_the_parts_it_opens_and_verify_takes_a_choice(
    samples: Path, store_dir: Path
) -> None:
    from datetime import UTC, datetime

    _filled(samples, store_dir)
    first, second = _parts(store_dir)  # 2025-02-04, 2025-02-05
    data = bytearray(first.read_bytes())
    data[len(data) // 2] ^= 0xFF
    first.write_bytes(bytes(data))
    store = Store(store_dir, create=False)
    day_two = store.query(start=datetime(2025, 2, 5, tzinfo=UTC))
    assert day_two.num_rows > 0  # the damaged part of the day before is not opened
    with pytest.raises(StoreCorruptError, match=first.name):
        store.query(end=datetime(2025, 2, 5, tzinfo=UTC))
    assert store.verify([second]).ok and store.verify([second]).parts == 1
    bad = store.verify([first, store_dir / "date=2025-02-04" / "nope.parquet"])
    reasons = {p.file: p.reason for p in bad.problems}
    assert set(reasons) == {str(first), str(store_dir / "date=2025-02-04/nope.parquet")}
    assert (
        "not a part of any finished commit"
        in reasons[str(store_dir / "date=2025-02-04/nope.parquet")]
    )


def test_lost_commit_records_are_an_error_not_an_empty_store(
    samples: Path, store_dir: Path
) -> None:
    _filled(samples, store_dir)
    commits = store_dir / "_skywitness" / "commits"
    # Every record deleted, the directory kept: the parts say the store is not empty.
    saved = {p: p.read_bytes() for p in commits.glob("*.json")}
    for p in saved:
        p.unlink()
    with pytest.raises(StoreCorruptError, match="no commit record"):
        Store(store_dir, create=False).query()
    with pytest.raises(StoreCorruptError, match="no commit record"):
        Store(store_dir, create=False).info()
    assert not Store(store_dir, create=False).verify().ok
    # The whole directory deleted.
    for p, b in saved.items():
        p.write_bytes(b)
    Store(store_dir, create=False).query()
    for p in commits.iterdir():
        p.unlink()
    commits.rmdir()
    with pytest.raises(StoreCorruptError, match="commit records directory is missing"):
        Store(store_dir, create=False)
    with pytest.raises(StoreCorruptError):
        Store(store_dir)


def test_one_lost_record_among_several_is_an_error(
    samples: Path, store_dir: Path, tmp_path: Path
) -> None:
    store = Store(store_dir)
    _ingest(store, _copies(samples, tmp_path / "in", 3), commit_rows=1)
    records = sorted((store_dir / "_skywitness" / "commits").glob("*.json"))
    assert len(records) == 3
    lost = json.loads(records[1].read_text())["parts"][0]["path"]
    records[1].unlink()
    with pytest.raises(StoreCorruptError, match="no commit record lists") as caught:
        Store(store_dir, create=False).query()
    assert caught.value.file == str(store_dir / lost)


def _other_schema_part(path: Path) -> None:
    pq.write_table(pa.table({"time": [1, 2], "icao24": ["a", "b"]}), path)


@pytest.mark.parametrize("damage", ["pending", "no_parts", "not_json", "other_schema"])
def test_damaged_metadata_is_a_typed_error_naming_the_file(
    samples: Path, store_dir: Path, damage: str
) -> None:
    _filled(samples, store_dir)
    commits = store_dir / "_skywitness" / "commits"
    record = next(commits.glob("*.json"))
    if damage == "pending":
        named = commits / "20990101T000000-00000000.pending"
        named.write_text('{"id": "20990101T000000-00000000", "parts": [')
    elif damage == "no_parts":
        named = record
        raw = json.loads(record.read_text())
        del raw["parts"]
        record.write_text(json.dumps(raw))
    elif damage == "not_json":
        named = record
        record.write_text("{ nope")
    else:
        named = _parts(store_dir)[0]
        _other_schema_part(named)
    with pytest.raises(StoreCorruptError) as caught:
        Store(store_dir).query()  # writable, so a pending commit is finished on open
    assert caught.value.file == str(named)
    assert str(named) in str(caught.value) and "Error" not in str(caught.value)
    if damage != "other_schema":  # an ingest reads the records (not the parts)
        with pytest.raises(StoreCorruptError, match=named.name):
            _ingest(Store(store_dir), [])


def test_parquet_duckdb_cannot_read_is_a_typed_error(
    samples: Path, store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from skywitness.store import integrity

    _filled(samples, store_dir)
    part = _parts(store_dir)[0]
    part.write_bytes(b"PAR1" + b"\x07" * 300 + b"PAR1")
    # Even with the checksums out of the way, DuckDB's failure names the file.
    monkeypatch.setattr(integrity.PartChecker, "check", lambda self, parts, deep=False: [])
    with pytest.raises(StoreCorruptError, match=f"{part.name}: damaged: not a readable Parquet"):
        Store(store_dir, create=False).query()


def _as_format_1(store_dir: Path) -> None:
    """Rewrite a store as skywitness wrote it before part checksums."""
    meta = store_dir / "_skywitness"
    (meta / "store.json").write_text(json.dumps({"format": "skywitness-store", "version": 1}))
    for record in (meta / "commits").glob("*.json"):
        raw = json.loads(record.read_text())
        raw["parts"] = [p["path"] for p in raw["parts"]]
        record.write_text(json.dumps(raw))


def test_a_format_1_store_is_read_checked_and_upgraded(
    samples: Path, store_dir: Path, tmp_path: Path
) -> None:
    _filled(samples, store_dir)
    _as_format_1(store_dir)
    assert Store(store_dir, create=False).query().num_rows == 2500
    report = Store(store_dir, create=False).verify()
    assert report.ok and report.unchecksummed == 2
    part = _parts(store_dir)[0]
    data = part.read_bytes()
    part.write_bytes(data[: len(data) // 2])  # no checksum, but the footer is gone
    with pytest.raises(StoreCorruptError, match=f"{part.name}: damaged: not a readable Parquet"):
        Store(store_dir, create=False).query()
    part.write_bytes(data)
    _ingest(Store(store_dir), _copies(samples, tmp_path / "in", 1))
    meta = json.loads((store_dir / "_skywitness" / "store.json").read_text())
    assert meta["version"] == 2
    store = Store(store_dir, create=False)
    assert store.query().num_rows == 5000 and store.verify().unchecksummed == 2


# -- 2. creation: atomic, concurrent, finished after a kill ---------------------------


def _open_in_turn(base: str, rounds: int, barrier: Any, out: Any) -> None:
    failures = []
    for r in range(rounds):
        barrier.wait()
        try:
            Store(Path(base) / f"s{r}")
        except Exception as exc:  # the test counts every failure
            failures.append(f"{type(exc).__name__}: {exc}")
    out.put(failures)


def test_many_processes_create_one_new_store_at_once(tmp_path: Path) -> None:
    processes, rounds = 4, 30
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(processes)
    out = ctx.Queue()
    workers = [
        ctx.Process(target=_open_in_turn, args=(str(tmp_path), rounds, barrier, out))
        for _ in range(processes)
    ]
    for w in workers:
        w.start()
    failures = [f for _ in workers for f in out.get(timeout=PATIENCE_S * 2)]
    for w in workers:
        w.join(PATIENCE_S)
    assert failures == [], f"{len(failures)} of {processes * rounds} opens failed: {failures[:3]}"
    for r in range(rounds):
        assert Store(tmp_path / f"s{r}", create=False).query().num_rows == 0


def test_a_creation_killed_half_way_is_finished(
    samples: Path, store_dir: Path, tmp_path: Path
) -> None:
    # What a kill between the directories and store.json leaves behind.
    meta = store_dir / "_skywitness"
    for sub in ("commits", "staging"):
        (meta / sub).mkdir(parents=True)
    (meta / "store.json.tmp").write_text('{"format": "skywi')
    with pytest.raises(StoreError, match="creation was interrupted"):
        Store(store_dir, create=False)  # a reader says so, writes nothing
    assert (meta / "store.json.tmp").exists()
    store = Store(store_dir)
    assert not (meta / "store.json.tmp").exists()
    assert _ingest(store, [samples / TRACE]).reports == 2500
    assert Store(store_dir, create=False).info()["reports"] == 2500


def test_a_store_whose_metadata_lost_store_json_is_not_recreated(
    samples: Path, store_dir: Path
) -> None:
    _filled(samples, store_dir)
    (store_dir / "_skywitness" / "store.json").unlink()
    for create in (False, True):
        with pytest.raises(StoreCorruptError, match=r"store\.json: missing"):
            Store(store_dir, create=create)


# -- 3. readers need no write access ---------------------------------------------------


_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def test_readers_never_open_anything_for_writing(
    samples: Path, store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import builtins
    import io

    _filled(samples, store_dir)
    opened: list[str] = []
    real_os_open, real_open = os.open, builtins.open

    def os_open(path: Any, flags: int, *args: Any, **kw: Any) -> int:
        if flags & _WRITE_FLAGS:
            opened.append(f"os.open({path}, {flags:#o})")
        return real_os_open(path, flags, *args, **kw)

    def py_open(file: Any, mode: str = "r", *args: Any, **kw: Any) -> Any:
        if any(c in mode for c in "wax+"):
            opened.append(f"open({file}, {mode})")
        return real_open(file, mode, *args, **kw)

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(builtins, "open", py_open)
    monkeypatch.setattr(io, "open", py_open)
    store = Store(store_dir, create=False)
    assert store.query().num_rows == 2500
    store.info()
    assert store.verify().ok
    assert store.writer() is None
    assert opened == []


_READ_ONLY_QUERY = """
import sys
from skywitness.io import open_file
from skywitness.store import Store, StoreWriteError
store = Store(sys.argv[1], create=False)
print(store.query().num_rows, store.info()["reports"], store.verify().ok)
try:
    Store(sys.argv[1]).ingest([lambda: open_file(sys.argv[2])])
except StoreWriteError as exc:
    print(exc)
"""


def test_a_read_only_store_can_be_queried(samples: Path, tmp_path: Path) -> None:
    """chmod -R a-w, then query. Root ignores permissions: as root the query runs
    without the capabilities that let it (setpriv), else the test is skipped."""
    import shutil

    store_dir = tmp_path / "store"
    _filled(samples, store_dir)
    other = _copies(samples, tmp_path / "in", 1)[0]
    for path in [store_dir, *store_dir.rglob("*")]:  # chmod -R a-w
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    prefix: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: permissions are not enforced")
        prefix = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"]
        probe = subprocess.run([*prefix, "touch", str(store_dir / "x")], capture_output=True)
        if probe.returncode == 0:
            pytest.skip("running as root: permissions are not enforced here")
    try:
        done = subprocess.run(
            [*prefix, sys.executable, "-c", _READ_ONLY_QUERY, str(store_dir), str(other)],
            env=ENV, capture_output=True, text=True, check=False, timeout=PATIENCE_S,
        )  # fmt: skip
    finally:
        for path in [store_dir, *store_dir.rglob("*")]:
            path.chmod(path.stat().st_mode | stat.S_IWUSR)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["2500", "2500", "True"]
    assert (
        lines[1] == f"{store_dir}: cannot write to the store: the store is read-only "
        "(it can be queried, not written)"
    )


# -- 4. one writer at a time; readers read the last commit and do not wait ---------------


_BLOCKED_INGEST = """
import sys, time
from pathlib import Path
from skywitness.io import open_file
from skywitness.store import Store
store_dir, flag, first, second = sys.argv[1:]
def blocked():
    while not Path(flag).exists():
        time.sleep(0.05)
    return open_file(second)
Store(store_dir).ingest([lambda: open_file(first), blocked], commit_rows=1)
"""


def test_one_writer_at_a_time_and_readers_do_not_wait(
    samples: Path, store_dir: Path, tmp_path: Path
) -> None:
    first, second, third = _copies(samples, tmp_path / "in", 3)
    Store(store_dir)
    flag = tmp_path / "go"
    writer = subprocess.Popen(
        [sys.executable, "-c", _BLOCKED_INGEST, str(store_dir), str(flag), str(first), str(second)],
        env=ENV,
    )
    try:
        commits = store_dir / "_skywitness" / "commits"
        _until("the first commit", lambda: any(commits.glob("*.json")))
        # A reader reads the last commit while the ingest runs (it does not wait).
        got: list[Any] = []
        reader = threading.Thread(
            target=lambda: got.append(Store(store_dir, create=False).query().num_rows),
            daemon=True,
        )
        reader.start()
        reader.join(30)
        assert got == [2500] and writer.poll() is None
        holder = Store(store_dir, create=False).writer()
        assert holder is not None and holder.pid == writer.pid
        # A second writer: told who writes, fails at once or after its wait.
        with pytest.raises(StoreBusyError, match=rf"the ingest started at .* by pid {writer.pid}"):
            _ingest(Store(store_dir), [third], wait=False)
        t0 = time.monotonic()
        with pytest.raises(StoreBusyError, match=r"waited 0\.3 s"):
            _ingest(Store(store_dir), [third], wait=0.3)
        assert time.monotonic() - t0 >= 0.3
        told: list[Any] = []
        done: list[Any] = []
        waiting = threading.Thread(
            target=lambda: done.append(_ingest(Store(store_dir), [third], on_wait=told.append)),
            daemon=True,
        )
        waiting.start()
        _until("the waiting writer to be told", lambda: told)
        assert told[0].pid == writer.pid and "by pid" in told[0].describe()
        assert not done
        flag.touch()
        assert writer.wait(PATIENCE_S) == 0
        waiting.join(PATIENCE_S)
        assert done and done[0].reports == 2500
        assert Store(store_dir, create=False).query().num_rows == 7500
        assert Store(store_dir, create=False).writer() is None
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()


# -- 5. commits by rows and by time: a kill keeps most of the work ------------------------


def test_commits_by_rows(samples: Path, store_dir: Path, tmp_path: Path) -> None:
    result = _ingest(Store(store_dir), _copies(samples, tmp_path / "in", 6), commit_rows=5000)
    records = [
        json.loads(p.read_text()) for p in (store_dir / "_skywitness/commits").glob("*.json")
    ]
    assert sorted(len(r["files"]) for r in records) == [2, 2, 2]
    assert result.commits == 3


def test_commits_by_time_with_the_default_interval(
    samples: Path, store_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the defaults, an ingest far below the row limit commits every
    COMMIT_SECONDS (a clock that advances 10 s per file stands in for slow files)."""
    clock = [0.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])

    def slow(path: Path) -> Any:
        clock[0] += 10.0
        return open_file(path)

    paths = _copies(samples, tmp_path / "in", 9)
    Store(store_dir).ingest([lambda p=p: slow(p) for p in paths])
    per_commit = int(COMMIT_SECONDS // 10)
    records = list((store_dir / "_skywitness" / "commits").glob("*.json"))
    assert len(records) == -(-len(paths) // per_commit) > 1


_KILLABLE = """
import sys
from pathlib import Path
from skywitness.io import open_file
from skywitness.store import Store
paths = [Path(p) for p in sys.argv[2:]]
Store(sys.argv[1]).ingest([lambda p=p: open_file(p) for p in paths], commit_seconds=0.2)
"""


def test_a_killed_small_ingest_keeps_its_committed_work(
    samples: Path, store_dir: Path, tmp_path: Path
) -> None:
    paths = _copies(samples, tmp_path / "in", 40)  # 100,000 rows, far below COMMIT_ROWS
    Store(store_dir)
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILLABLE, str(store_dir), *map(str, paths)], env=ENV
    )
    commits = store_dir / "_skywitness" / "commits"
    try:
        _until("a commit", lambda: any(commits.glob("*.json")) or proc.poll() is not None)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    store = Store(store_dir)
    kept = {f["path"] for c in store.commits() for f in c["files"]}
    counts = Counter(store.query(columns=["icao24"])["icao24"].to_pylist())
    assert len(kept) > 0 and set(counts.values()) == {2500} and len(counts) == len(kept)
    assert store.verify().ok
    rest = _ingest(Store(store_dir), paths)
    assert rest.already == len(kept) and rest.reports == 2500 * (len(paths) - len(kept))


# -- 6. scattered dates: cost in proportion to rows ----------------------------------------


_SCATTERED = """
import json, resource, sys
import numpy as np
from pathlib import Path
from skywitness.io import open_file
from skywitness.store import Store
n, csv, store_dir = int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
rng = np.random.default_rng(7)
# One aircraft, times rising, spread over 1980-2100 (the validator's whole range).
t = np.unique(rng.integers(315_532_800 + 3600, 4_102_444_800 - 3600, n))
with csv.open("w") as fh:
    fh.write("time,icao24,lat,lon,velocity,heading,baroaltitude,lastposupdate,lastcontact\\n")
    for s in t.tolist():
        fh.write(f"{s},4ca123,52.0,4.0,200,90,10000,{s},{s}\\n")
store = Store(store_dir)
opened = open_file(csv)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
result = store.ingest([lambda: opened])
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(json.dumps({"rows": result.reports, "days": len(set((t // 86400).tolist())),
                  "grown_kb": grown}))
"""
#: Rows of the scattered test, each on a date of its own (or nearly).
SCATTERED_ROWS = 3000
#: Peak memory the scattered test may add, in kB. Its rows need well under a
#: megabyte; holding a finished writer per date costs ~70 kB a date (measured
#: before the fix: +352 MB for 4,000 dates); the bounded buffers stay near
#: 30 MB (measured after: +32 MB for 4,000 dates, +63 MB for 16,000).
SCATTERED_GROWTH_KB_MAX = 80_000


def test_scattered_dates_cost_in_proportion_to_rows(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    args = [str(SCATTERED_ROWS), str(tmp_path / "s.csv"), str(store_dir)]
    done = subprocess.run(
        [sys.executable, "-c", _SCATTERED, *args],
        env=ENV, capture_output=True, text=True, check=False, timeout=PATIENCE_S * 5,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    # One part per date, each holding rows of its date only, nothing lost.
    parts = _parts(store_dir)
    assert len(parts) == out["days"] > SCATTERED_ROWS * 0.9
    assert out["rows"] == SCATTERED_ROWS
    wrong = duckdb.sql(
        f"SELECT count(*) FROM read_parquet('{store_dir}/**/*.parquet', hive_partitioning=true)"
        " WHERE time::DATE != date::DATE"
    ).fetchall()
    assert wrong == [(0,)]
    assert Store(store_dir, create=False).info()["reports"] == SCATTERED_ROWS
    # Memory is bounded by the rows, not by the number of dates.
    grown = out["grown_kb"]
    assert grown < SCATTERED_GROWTH_KB_MAX, f"+{grown} kB for {SCATTERED_ROWS} scattered rows"


def test_a_batch_is_grouped_by_day_in_one_pass() -> None:
    import numpy as np

    from skywitness.store.writer import day_groups

    days = np.array([5, 1, 5, 3, 1, 5])
    order, groups = day_groups(days)
    assert [(d, order[a:b].tolist()) for d, a, b in groups] == [
        (1, [1, 4]),
        (3, [3]),
        (5, [0, 2, 5]),
    ]


def _reports(days: list[int], first_id: int) -> pa.RecordBatch:
    """Canonical reports on the given days (day numbers), record ids from first_id."""
    from skywitness.model.schema import REPORT_SCHEMA

    n = len(days)
    cols: dict[str, Any] = {}
    for f in REPORT_SCHEMA:
        if f.name == "time":
            cols[f.name] = [d * 86_400 * 10**9 + i * 10**6 for i, d in enumerate(days)]
        elif f.name == "record_id":
            cols[f.name] = list(range(first_id, first_id + n))
        elif not f.nullable:
            cols[f.name] = ["x"] * n
        else:
            cols[f.name] = [None] * n
    return pa.RecordBatch.from_pydict(cols, schema=REPORT_SCHEMA)


@pytest.mark.parametrize("seed", range(40))
def test_a_failing_file_is_cut_out_whatever_the_buffers_did(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """Files of batches on one or many days, some failing half-way, with buffers
    so small that every path runs (writers opened and evicted, parts finished,
    scattered rows written out mid-file): the commit holds exactly the rows of
    the files that did not fail, each part only rows of its date."""
    import random

    from skywitness.store import writer

    for name, value in [("ROW_GROUP_ROWS", 8), ("DENSE_DAY_ROWS", 4), ("BUFFERED_ROWS_MAX", 16),
                        ("BUFFERED_PARTS_MAX", 3), ("SCATTERED_GROUP_ROWS", 3),
                        ("SCATTERED_ROWS_MAX", 10), ("OPEN_WRITERS_MAX", 2),
                        ("SMALL_PART_ROWS", 5)]:  # fmt: skip
        monkeypatch.setattr(writer, name, value)
    rng = random.Random(seed)
    root = tmp_path / "store"
    for sub in ("commits", "staging"):
        (root / "_skywitness" / sub).mkdir(parents=True)
    commit = writer.CommitWriter(root, root / "_skywitness")
    expected: list[int] = []
    next_id = 0
    for f in range(8):
        commit.mark()
        batches = rng.randint(1, 5)
        fail_at = rng.randrange(batches + 1) if rng.random() < 0.4 else None
        ids: list[int] = []
        for b in range(batches):
            if b == fail_at:
                break
            n = rng.randint(1, 14)
            if rng.random() < 0.5:
                days = [rng.randrange(6)] * n
            else:
                days = [rng.randrange(12) for _ in range(n)]
            commit.write(_reports(days, next_id))
            ids += range(next_id, next_id + n)
            next_id += n
        if fail_at is None:
            commit.add_file({"path": f"f{f}", "digest": f"{f:064x}"})
            expected += ids
        else:
            commit.rollback()
        assert commit.rows == len(expected)
    record = commit.publish()
    got: list[int] = []
    if record is not None:
        assert record.reports == len(expected)
        for part in record.parts:
            t = pq.read_table(root / part.path)
            assert t.num_rows == part.rows
            days = {v.date().isoformat() for v in t["time"].to_pylist()}
            assert days == {part.day}
            got += t["record_id"].to_pylist()
    assert sorted(got) == sorted(expected)
    assert not list((root / "_skywitness" / "staging").iterdir())


# -- 7. a full disk or a refused write: typed error, nothing left behind --------------------


_LIMITED = """
import json, resource, signal, sys
from pathlib import Path
from skywitness.io import open_file
from skywitness.store import Store
from skywitness.errors import SkywitnessError
store_dir, limit, paths = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
store = Store(store_dir)
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
try:
    store.ingest([lambda p=p: open_file(p) for p in paths])
except SkywitnessError as exc:
    print(json.dumps({"type": type(exc).__name__, "message": str(exc)}))
"""


def _leftovers(store_dir: Path) -> list[str]:
    meta = store_dir / "_skywitness"
    left = [*(meta / "staging").iterdir(), *(meta / "commits").glob("*.pending")]
    left += [
        *(meta / "commits").glob("*.tmp"),
        *store_dir.rglob("*.part"),
        *store_dir.rglob("*.tmp"),
    ]
    left += [d for d in store_dir.glob("date=*") if not any(d.iterdir())]
    return sorted(str(p) for p in left)


def test_a_full_disk_is_a_typed_error_and_leaves_nothing(
    samples: Path, store_dir: Path, tmp_path: Path
) -> None:
    first, *rest = _copies(samples, tmp_path / "in", 3)
    _ingest(Store(store_dir), [first])
    before = Store(store_dir, create=False).query()
    done = subprocess.run(
        [sys.executable, "-c", _LIMITED, str(store_dir), str(16 << 10), *map(str, rest)],
        env=ENV, capture_output=True, text=True, check=False, timeout=PATIENCE_S,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    error = json.loads(done.stdout)
    assert error["type"] == "StoreWriteError", error
    assert "too large" in error["message"] and "nothing of it is left" in error["message"]
    assert _leftovers(store_dir) == []
    assert Store(store_dir, create=False).query().equals(before)
    assert Store(store_dir, create=False).verify().ok


def test_no_space_at_the_commit_point_leaves_nothing(
    samples: Path, store_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Store(store_dir)
    real = os.replace

    def full(src: Any, dst: Any) -> None:
        if str(dst).endswith(".pending"):  # the record of the commit point
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(src))
        real(src, dst)

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(StoreWriteError, match="No space left on device") as caught:
        _ingest(Store(store_dir), [samples / TRACE])
    assert isinstance(caught.value, SkywitnessError)
    assert _leftovers(store_dir) == []
    assert not list(store_dir.glob("date=*"))
    monkeypatch.undo()
    assert _ingest(Store(store_dir), [samples / TRACE]).reports == 2500


def test_a_refused_write_exits_2_in_the_cli(
    samples: Path, store_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    from skywitness.cli import main

    def refused(*args: Any, **kw: Any) -> None:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), "somewhere")

    monkeypatch.setattr(pq, "ParquetWriter", refused)
    monkeypatch.setattr(pq, "write_table", refused)
    code = main(["ingest", str(samples / TRACE), "--store", str(store_dir)])
    err = capsys.readouterr().err
    assert code == 2 and "cannot write to the store: Permission denied" in err
    assert "Traceback" not in err
    assert _leftovers(store_dir) == []
