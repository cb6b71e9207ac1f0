"""Fault injection against the store's ingest: nothing lost, nothing twice.

    .venv/bin/python bench/faults.py [--files 6] [--lines 2000] [--out DIR]

Four campaigns, each over captures of raw Mode S frames (JSON lines, one
report per line, distinct content per file), each ingest run in a fresh
interpreter:

kill      a first run counts the ingest's renames (``os.replace``/``os.rename``)
          and fsyncs (``os.fsync``); then, for every N, an ingest dies with
          ``os._exit`` just before its N-th such call (and, a second pass, just
          after it), monkeypatched in the child; the store is then opened (which
          finishes or removes the interrupted commit) and checked; at the end
          one more ingest must complete it exactly.
disk      the ingest runs under ``RLIMIT_FSIZE`` limits (SIGXFSZ ignored: a
          write past the limit fails with EFBIG, as on a full disk).
writers   several ingests of overlapping file sets run at once.
changing  a file is cut, rewritten in place or grown while it is ingested, at
          several moments; afterwards its intact copy is ingested.

After every run the store is checked: ``Store.verify()`` finds no problem;
no record id is stored twice; every stored file is complete (its rows are
what reading the bytes its digest names gives); a child's failure is a one-line
skywitness error, never a traceback. Figures are printed at the end; exit
status 1 when any traceback, lost or duplicated record was seen.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SRC = Path(__file__).resolve().parents[1] / "src"
#: 2024-09-17T09:00:00Z, the start of every capture.
T0 = 1_726_563_600
#: Rows after which the children publish a commit: several commits per run.
COMMIT_ROWS = 3000
#: Seconds a child may take before it counts as hung.
CHILD_TIMEOUT_S = 120

CHILD = r"""
import os, sys, json, resource, signal
from pathlib import Path
mode, store, *paths = sys.argv[1:]
plan = json.loads(os.environ.get("FAULT_PLAN", "{}"))
if plan.get("fsize"):
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (plan["fsize"], plan["fsize"]))
calls = 0
def wrap(name):
    real = getattr(os, name)
    def hooked(*a, **k):
        global calls
        calls += 1
        if plan.get("die_at") == calls and plan.get("when") == "before":
            os._exit(137)
        out = real(*a, **k)
        if plan.get("die_at") == calls and plan.get("when") == "after":
            os._exit(137)
        return out
    setattr(os, name, hooked)
if plan.get("die_at") or plan.get("count"):
    for name in ("replace", "rename", "fsync"):
        wrap(name)
from skywitness.errors import SkywitnessError
from skywitness.io import open_file
from skywitness.store import Store
try:
    r = Store(store).ingest([lambda p=p: open_file(p) for p in paths],
                            commit_rows=int(plan.get("commit_rows", 3000)))
except SkywitnessError as exc:
    print(f"error: {exc}", file=sys.stderr)
    sys.exit(2)
print(json.dumps({"calls": calls, "reports": r.reports, "errors": len(r.errors)}))
"""


def capture(path: Path, tag: int, first: int, n: int) -> None:
    """Append ``n`` lines of raw frames; ``tag`` makes files distinct."""
    with path.open("a") as fh:
        for i in range(first, first + n):
            t = T0 + tag * 1000 + i * 0.01
            fh.write(json.dumps({"timestamp": t, "frame": "8D4840D6202CC371C32CE0576098"}) + "\n")


def run_child(store: Path, paths: list[Path], plan: dict[str, Any]) -> tuple[int, str, str]:
    env = {**os.environ, "PYTHONPATH": str(SRC), "FAULT_PLAN": json.dumps(plan)}
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, "ingest", str(store), *map(str, paths)],
        env=env,
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_S,
    )
    return proc.returncode, proc.stdout, proc.stderr


class Tally:
    def __init__(self) -> None:
        self.runs = 0
        self.tracebacks = 0
        self.lost = 0
        self.duplicated = 0
        self.partial = 0
        self.verify_problems = 0
        self.notes: list[str] = []

    def child(self, rc: int, err: str, what: str) -> None:
        self.runs += 1
        if "Traceback" in err:
            self.tracebacks += 1
            self.notes.append(f"{what}: traceback\n{err[-1500:]}")


def rows_of(path: Path) -> int:
    """Lines of a capture (one report each)."""
    with path.open("rb") as fh:
        return sum(1 for line in fh if line.endswith(b"\n"))


def check(store_dir: Path, tally: Tally, what: str, contents: dict[str, int]) -> int:
    """Check the store; return its row count. ``contents``: digest -> rows of
    every file content the store may legitimately hold (others are checked by
    their recorded size against the original bytes)."""
    from skywitness.store import Store, StoreMissingError

    try:
        store = Store(store_dir, create=False)
    except StoreMissingError:  # killed while creating it: no data, finished by the next ingest
        return 0
    report = store.verify()
    if report.problems:
        tally.verify_problems += len(report.problems)
        tally.notes.append(f"{what}: verify: {report.problems[0]}")
    t = store.query(columns=["record_id"])
    ids = t["record_id"].to_pylist()
    dup = len(ids) - len(set(ids))
    if dup:
        tally.duplicated += dup
        tally.notes.append(f"{what}: {dup} record ids stored twice")
    digests = [f["digest"] for c in store.commits() for f in c["files"]]
    if len(digests) != len(set(digests)):
        tally.duplicated += 1
        tally.notes.append(f"{what}: a file stored twice")
    stored = 0
    for c in store.commits():
        for f in c["files"]:
            want = contents.get(f["digest"])
            if want is None:
                tally.partial += 1
                tally.notes.append(f"{what}: {f['path']} stored under a digest of no known bytes")
            elif f["reports"] != want:
                tally.partial += 1
                tally.notes.append(f"{what}: {f['path']} holds {f['reports']} of {want} rows")
            stored += f["reports"]
    if stored != t.num_rows:
        tally.lost += abs(stored - t.num_rows)
        tally.notes.append(f"{what}: records say {stored} rows, the store holds {t.num_rows}")
    rows: int = t.num_rows
    return rows


def digest_rows(path: Path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), rows_of(path)


def campaign_kill(work: Path, files: list[Path], contents: dict[str, int], tally: Tally) -> str:
    total = sum(contents[digest_rows(p)[0]] for p in files)
    store = work / "kill-count"
    rc, out, err = run_child(store, files, {"count": True, "commit_rows": COMMIT_ROWS})
    tally.child(rc, err, "kill count")
    calls = json.loads(out)["calls"]
    kills = 0
    for when in ("before", "after"):
        for n in range(1, calls + 1):
            store = work / f"kill-{when}-{n}"
            plan = {"die_at": n, "when": when, "commit_rows": COMMIT_ROWS}
            rc, _, err = run_child(store, files, plan)
            tally.child(rc, err, f"kill {when} call {n}")
            kills += rc == 137
            if not (store / "_skywitness").is_dir():
                continue  # died before the store existed
            check(store, tally, f"kill {when} call {n}", contents)
            rc, _, err = run_child(store, files, {"commit_rows": COMMIT_ROWS})
            tally.child(rc, err, f"after kill {when} call {n}")
            got = check(store, tally, f"after kill {when} call {n}, completed", contents)
            if got != total:
                tally.lost += max(0, total - got)
                tally.duplicated += max(0, got - total)
                tally.notes.append(f"kill {when} {n}: completed store holds {got} of {total}")
            shutil.rmtree(store)
    return f"{calls} renames+fsyncs per ingest, {2 * calls} runs killed before/after each ({kills} died)"


def campaign_disk(work: Path, files: list[Path], contents: dict[str, int], tally: Tally) -> str:
    total = sum(contents[digest_rows(p)[0]] for p in files)
    limits = [2_000, 20_000, 60_000, 120_000, 250_000]
    failed = 0
    for limit in limits:
        store = work / f"disk-{limit}"
        rc, _, err = run_child(store, files, {"fsize": limit, "commit_rows": COMMIT_ROWS})
        tally.child(rc, err, f"disk {limit}")
        failed += rc != 0
        if (store / "_skywitness").is_dir():
            check(store, tally, f"disk {limit}", contents)
        rc, _, err = run_child(store, files, {"commit_rows": COMMIT_ROWS})
        tally.child(rc, err, f"after disk {limit}")
        got = check(store, tally, f"after disk {limit}, completed", contents)
        if got != total:
            tally.lost += max(0, total - got)
            tally.duplicated += max(0, got - total)
            tally.notes.append(f"disk {limit}: completed store holds {got} of {total}")
        shutil.rmtree(store)
    return f"file size limits {limits} bytes: {failed} ingests failed with a store error"


def campaign_writers(work: Path, files: list[Path], contents: dict[str, int], tally: Tally) -> str:
    total = sum(contents[digest_rows(p)[0]] for p in files)
    store = work / "writers"
    env = {**os.environ, "PYTHONPATH": str(SRC), "FAULT_PLAN": json.dumps({"commit_rows": 2000})}
    rounds = 3
    for r in range(rounds):
        sets = [files[i::3] + files[: r + 1] for i in range(3)]  # overlapping
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", CHILD, "ingest", str(store), *map(str, s)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for s in sets
        ]
        for i, p in enumerate(procs):
            _, err = p.communicate(timeout=CHILD_TIMEOUT_S)
            tally.child(p.returncode, err, f"writer {r}.{i}")
        got = check(store, tally, f"writers round {r}", contents)
        if got != total:
            tally.lost += max(0, total - got)
            tally.duplicated += max(0, got - total)
            tally.notes.append(f"writers round {r}: store holds {got} of {total}")
    shutil.rmtree(store)
    return f"{rounds} rounds of 3 concurrent ingests of overlapping sets"


def campaign_changing(work: Path, lines: int, tally: Tally) -> str:
    """A file cut, rewritten or grown while an ingest reads it (in-process:
    the change happens from the ingest's own on_rows callback, at batch k)."""

    tried = refused = 0
    for kind in ("cut", "rewrite", "grow"):
        for at_batch in (1, 3, 8):
            tried += 1
            refused += change_one(work / f"change-{kind}-{at_batch}", kind, at_batch, lines, tally)
    return f"{tried} files changed while read (cut, rewritten, grown at batch 1, 3, 8): {refused} refused"


def change_one(d: Path, kind: str, at_batch: int, lines: int, tally: Tally) -> bool:
    """One file changed at its ``at_batch``-th batch; True if it was refused."""
    from skywitness.io import open_file
    from skywitness.store import Store

    big = lines * 10
    tag = 900 + at_batch
    d.mkdir()
    path = d / "live.jsonl"
    capture(path, tag, 0, big)
    original = path.read_bytes()
    seen = [0]

    def on_rows(n: int) -> None:
        seen[0] += 1
        if seen[0] != at_batch:
            return
        if kind == "cut":
            os.truncate(path, path.stat().st_size // 3)
        elif kind == "rewrite":
            with path.open("r+b") as fh:
                fh.seek(path.stat().st_size - 30)
                fh.write(b"1")
        else:
            capture(path, tag, big, lines)

    store_dir = d / "store"
    store = Store(store_dir)
    res = store.ingest([lambda: open_file(path, batch_size=1000)], on_rows=on_rows)
    contents: dict[str, int] = {}
    for c in store.commits():
        for f in c["files"]:
            prefix = original[: f.get("size", -1)]
            if hashlib.sha256(prefix).hexdigest() == f["digest"]:
                contents[f["digest"]] = prefix.count(b"\n")
    intact = d / "intact.jsonl"
    intact.write_bytes(original)
    d2, n2 = digest_rows(intact)
    contents[d2] = n2
    store.ingest([lambda: open_file(intact)])
    got = check(store_dir, tally, f"change {kind} at batch {at_batch}", contents)
    if got < n2:
        tally.lost += n2 - got
        tally.notes.append(f"change {kind} at batch {at_batch}: {got} of {n2} rows")
    tally.runs += 1
    shutil.rmtree(d)
    return bool(res.errors)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", type=int, default=6)
    ap.add_argument("--lines", type=int, default=2000)
    ap.add_argument(
        "--out", type=Path, default=None, help="work directory (default: a temporary one)"
    )
    args = ap.parse_args(argv)
    sys.path.insert(0, str(SRC))
    work = args.out or Path(tempfile.mkdtemp(prefix="skywitness-faults-"))
    work.mkdir(parents=True, exist_ok=True)
    inputs = work / "in"
    inputs.mkdir(exist_ok=True)
    files = []
    contents: dict[str, int] = {}
    for i in range(args.files):
        p = inputs / f"capture-{i}.jsonl"
        p.unlink(missing_ok=True)
        capture(p, i, 0, args.lines)
        files.append(p)
        d, n = digest_rows(p)
        contents[d] = n
    tally = Tally()
    started = time.monotonic()
    lines = []
    campaigns: list[tuple[str, Callable[[], str]]] = [
        ("kill", lambda: campaign_kill(work, files, contents, tally)),
        ("disk", lambda: campaign_disk(work, files, contents, tally)),
        ("writers", lambda: campaign_writers(work, files, contents, tally)),
        ("changing", lambda: campaign_changing(work, args.lines, tally)),
    ]
    for name, run in campaigns:
        t = time.monotonic()
        summary = run()
        lines.append(f"{name:9s} {summary} ({time.monotonic() - t:.0f} s)")
    print(
        f"inputs: {args.files} captures of {args.lines} reports, commits every {COMMIT_ROWS} rows"
    )
    print("\n".join(lines))
    print(
        f"child runs {tally.runs}; tracebacks {tally.tracebacks}; records lost {tally.lost}; "
        f"duplicated {tally.duplicated}; files stored partly {tally.partial}; "
        f"verify problems {tally.verify_problems}; {time.monotonic() - started:.0f} s"
    )
    for note in tally.notes[:20]:
        print("  " + note)
    if args.out is None:
        shutil.rmtree(work, ignore_errors=True)
    bad = tally.tracebacks + tally.lost + tally.duplicated + tally.partial + tally.verify_problems
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
