"""A longer fuzz campaign over every reader (the test suite runs a bounded one).

    .venv/bin/python bench/fuzz.py [--seconds-per-format 60] [--seed 0] [--bomb-mib 1024]

Two parts.

Mutants: real recordings and project-made samples of each format are mutated
(byte flips, insertions, deletions, truncation, splices of two files; JSON
values replaced by odd types; and hostile inputs: integers beyond float64 and
beyond Python's 4,300-digit limit, nesting 1,000 and 100,000 levels deep,
bytes that are not UTF-8 inside strings, 300 KB fields) and each mutant is
read with format detection and with the format forced. Every outcome must be
a table or a skywitness InputError; anything else is a traceback, printed with
the mutant saved under bench/fuzz-findings/ to reproduce it. The slowest
mutant of each format is reported (time per input must stay bounded).

Bombs: gzip files of ``--bomb-mib`` MiB decompressed (a few MB compressed)
hidden inside each format (whitespace, tiny entries, blank lines, deep
nesting, one endless line), each read in a fresh interpreter under an
address-space limit (``resource.setrlimit(RLIMIT_AS)``, :data:`BOMB_AS_LIMIT`);
its outcome, wall time and peak resident memory (the child's own VmHWM) are
reported. A MemoryError, a kill or any exception other than an InputError is
a traceback.

Exit status 1 when any traceback (or a bomb past ``--bomb-timeout``) was seen.
"""

from __future__ import annotations

import argparse
import copy
import gzip
import importlib.util
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import traceback
import zlib
from collections import Counter
from pathlib import Path

from skywitness.errors import InputError, ReaderBugError
from skywitness.io import read_table
from skywitness.io.fr24 import write_csv
from skywitness.sim import simulate

FINDINGS = Path(__file__).parent / "fuzz-findings"
#: Address space allowed to one bomb reader: the interpreter with pyarrow and
#: skywitness maps ~1.4 GB of virtual memory before reading anything (measured,
#: VmPeak); 2.5 GiB leaves ~1 GB for the read, far below a 1 GiB bomb read whole
#: (bytes, text and objects: several GB).
BOMB_AS_LIMIT = 5 << 29


def _seeds(work: Path) -> dict[str, list[bytes]]:
    samples = _samples()
    sample = work / "sample"
    simulate("sparse", sample, seed=0, size=0.5)
    jsonl = (samples / "rs1090/full_flight_short.jsonl").read_bytes()
    snaps = sorted((sample / "readsb-hist").rglob("*.json.gz"))
    trace = json.loads((samples / "readsb/trace_full_ac671b.json").read_bytes())
    fr24 = [json.loads(p.read_bytes()) for p in sorted((samples / "fr24").glob("*.json"))]
    for doc in fr24:  # keep the files small so that each mutant reads fast
        flight = doc["result"]["response"]["data"]["flight"]
        flight["track"] = flight["track"][:150]
    noisy = json.loads(gzip.decompress((samples / "noisy/noisy_spoofing.json.gz").read_bytes()))
    fr24_csv = work / "fr24_icao24-8467d8.csv"
    fr24_json = work / "fr24.json"
    fr24_json.write_text(json.dumps(fr24[0]))
    write_csv(read_table(fr24_json), fr24_csv)
    # Every seed is a valid file of its format: mutants then probe the parsers deeply.
    seeds: dict[str, list[bytes]] = {
        "readsb-trace": [
            json.dumps({**trace, "trace": trace["trace"][k : k + 200]}).encode() for k in (0, 600)
        ],
        "readsb-aircraft": [gzip.decompress(p.read_bytes()) for p in snaps[:3]],
        "fr24-json": [json.dumps(doc).encode() for doc in fr24],
        "fr24-csv": [fr24_csv.read_bytes()],
        "opensky-csv": [_opensky_csv(200)],
        "beast": [(samples / "dump1090/sample_dump1090.bin").read_bytes()],
        "modes-jsonl": [b"\n".join(jsonl.splitlines()[k : k + 300]) for k in (0, 20_000)],
        "traffic-json": [_head_rows(noisy, 300)],
    }
    return seeds


def _opensky_csv(n: int) -> bytes:
    header = (
        "time,icao24,lat,lon,velocity,heading,vertrate,callsign,onground,alert,spi,squawk,"
        "baroaltitude,geoaltitude,lastposupdate,lastcontact,serials,hour\n"
    )
    row = "{t},3c6444,48.{i},8.5,128.6,93.5,5.08,DLH4TR,False,False,False,1000,3048.0,3200.4,{t},{t},[],0\n"
    return (header + "".join(row.format(t=1700000000 + 5 * i, i=i) for i in range(n))).encode()


def _head_rows(doc: object, n: int) -> bytes:
    """The first ``n`` rows of a traffic sample (list of rows or pandas columns)."""
    if isinstance(doc, list):
        return json.dumps(doc[:n]).encode()
    assert isinstance(doc, dict)
    return json.dumps({k: dict(list(v.items())[:n]) for k, v in doc.items()}).encode()


_WEIRD: list[object] = [None, True, -1, 0, 2**70, 10**400, -1e308, 1e-320, float("nan"),
                        float("inf"), "", "ground", "x" * 300, [], {}, [1, 2], {"a": None},
                        "~abc", 95.5, -181.0]  # fmt: skip

#: Hostile replacements for a number: beyond float64, beyond Python's int
#: conversion limit, nested 1,000 and 100,000 levels.
_HOSTILE: list[bytes] = [
    b"9" * 400,
    b"-" + b"9" * 5000,
    b"1e99999",
    b"[" * 1000 + b"]" * 1000,
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a":' * 5000 + b"1" + b"}" * 5000,
]
_NUMBER = re.compile(rb"-?[0-9]+(?:\.[0-9]+)?")


def _mutate_json(rng: random.Random, data: bytes) -> bytes | None:
    """Replace a few values deep inside a JSON document (JSON lines: one line) with odd ones."""
    lines = data.split(b"\n")
    k = rng.randrange(len(lines))
    try:
        doc = json.loads(lines[k])
    except ValueError:
        return None
    for _ in range(rng.randint(1, 4)):
        node, key = doc, None
        parent: object = None
        while isinstance(node, dict | list) and node and rng.random() < 0.85:
            parent = node
            key = rng.choice(list(node)) if isinstance(node, dict) else rng.randrange(len(node))
            node = node[key]  # type: ignore[index]
        if parent is None:
            break
        if rng.random() < 0.2 and isinstance(parent, dict):
            del parent[key]  # type: ignore[arg-type]
        else:
            parent[key] = copy.deepcopy(rng.choice(_WEIRD))  # type: ignore[index]
    lines[k] = json.dumps(doc).encode()
    return b"\n".join(lines)


def _mutate_hostile(rng: random.Random, data: bytes) -> bytes:
    """One hostile change: a number made huge or deep, bad UTF-8 in a string, a 300 KB field."""
    op = rng.randrange(3)
    if op == 0:
        numbers = list(_NUMBER.finditer(data))
        if numbers:
            m = rng.choice(numbers)
            return data[: m.start()] + rng.choice(_HOSTILE) + data[m.end() :]
    if op == 1:
        quotes = [i for i, c in enumerate(data[:200_000]) if c == 0x22]
        if quotes:
            i = rng.choice(quotes) + 1
            return (
                data[:i] + rng.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xfe\xff"]) + data[i:]
            )
    i = rng.randrange(len(data) + 1)
    return data[:i] + rng.choice([b"x", b"9", b" ", b","]) * 300_000 + data[i:]


def _mutate(rng: random.Random, data: bytes, other: bytes) -> bytes:
    r = rng.random()
    if r < 0.2:
        return _mutate_hostile(rng, data)
    if r < 0.6 and (structured := _mutate_json(rng, data)) is not None:
        return structured
    b = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        op = rng.randrange(6)
        i = rng.randrange(len(b) + 1) if b else 0
        if op == 0 and b:  # flip a byte
            b[min(i, len(b) - 1)] = rng.randrange(256)
        elif op == 1:  # insert random bytes
            b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif op == 2 and b:  # delete a run
            del b[i : i + rng.randint(1, 64)]
        elif op == 3:  # truncate
            del b[i:]
        elif op == 4:  # splice another file in
            j = rng.randrange(len(other) + 1)
            b[i:i] = other[j : j + rng.randint(1, 200)]
        else:  # replace a digit run with an extreme number
            b[i:i] = rng.choice(
                [b"1e999", b"-1e309", b"NaN", b"99999999999999999999", b'"x"', b"null"]
            )
    return bytes(b)


def _mutants(args: argparse.Namespace, work: Path, rng: random.Random) -> int:
    seeds = _seeds(work)
    pool = [s for v in seeds.values() for s in v]
    tracebacks = 0
    print("| format | inputs | reads | tables | input errors | tracebacks | slowest read s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for fmt, fmt_seeds in seeds.items():
        outcomes: Counter[str] = Counter()
        deadline = time.monotonic() + args.seconds_per_format
        n = 0
        slowest = 0.0
        while time.monotonic() < deadline:
            mutant = _mutate(rng, rng.choice(fmt_seeds), rng.choice(pool))
            if rng.random() < 0.2:
                mutant = gzip.compress(mutant, compresslevel=1)
            name = "fr24_icao24-8467d8.csv" if fmt == "fr24-csv" else "mutant"
            path = work / f"{n}-{name}"
            path.write_bytes(mutant)
            for forced in (None, fmt):
                started = time.monotonic()
                try:
                    read_table(path, format=forced)
                    outcomes["table"] += 1
                except BaseException as exc:
                    if isinstance(exc, KeyboardInterrupt):
                        raise
                    if isinstance(exc, InputError) and not isinstance(exc, ReaderBugError):
                        outcomes["input error"] += 1
                    else:
                        tracebacks += _finding(exc, fmt, forced, path, f"{args.seed}-{n}")
                        outcomes["traceback"] += 1
                slowest = max(slowest, time.monotonic() - started)
            path.unlink()
            n += 1
        reads = outcomes["table"] + outcomes["input error"] + outcomes["traceback"]
        print(f"| {fmt} | {n} | {reads} | {outcomes['table']} | {outcomes['input error']} "
              f"| {outcomes['traceback']} | {slowest:.2f} |")  # fmt: skip
    return tracebacks


def _finding(exc: BaseException, fmt: str, forced: str | None, path: Path, tag: str) -> int:
    """Keep the input that raised ``exc`` under bench/fuzz-findings/ and say so."""
    FINDINGS.mkdir(exist_ok=True)
    keep = FINDINGS / f"{fmt}-{tag}.bin"
    shutil.copy(path, keep)
    last = traceback.format_exception(exc)[-1].strip()
    print(f"TRACEBACK {fmt} forced={forced} {keep}: {last}")
    return 1


# --------------------------------------------------------------------------- bombs


def _bomb(path: Path, head: bytes, filler: bytes, size: int, tail: bytes) -> None:
    co = zlib.compressobj(6, zlib.DEFLATED, 31)
    block = filler * max(1, (1 << 24) // len(filler))
    with path.open("wb") as fh:
        fh.write(co.compress(head))
        for _ in range(max(1, size // len(block))):
            fh.write(co.compress(block))
        fh.write(co.compress(tail) + co.flush())


def _samples() -> Path:
    spec = importlib.util.find_spec("traffic")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "samples"  # type: ignore[union-attr]


def _bombs(mib: int) -> list[tuple[str, str, bytes, bytes, bytes]]:
    """(name, file name, head, filler, tail): each decompresses to ``mib`` MiB."""
    beast = (_samples() / "dump1090/sample_dump1090.bin").read_bytes()[:4096]
    trace = b'{"icao":"abc123","timestamp":1700000000,"trace":['
    line = b'{"timestamp": 1720249161.85, "frame": "8d393322580940aa0a8e4d4f6250"}\n'
    header = _opensky_csv(1)
    return [
        ("snapshot, whitespace inside", "aircraft.json", b'{"now":1700000000,"aircraft":[',
         b" ", b"]}"),
        ("snapshot, tiny entries", "aircraft.json", b'{"now":1700000000,"aircraft":[',
         b"{},", b"{}]}"),
        ("trace, nested 30M deep", "trace_full_abc123.json", trace, b"[" * 64, b"]}"),
        ("traffic JSON, blank lines", "flight.json",
         b'[{"timestamp": 1, "icao24": "abc123"}', b"\n", b"]"),
        ("JSONL, blank lines", "frames.jsonl", line, b"\n", line),
        ("FR24 CSV, one endless line", "f_icao24-abcdef.csv",
         b"Timestamp,UTC,Callsign,Position,Altitude,Speed,Direction\n", b"x", b"\n"),
        ("OpenSky CSV, blank lines", "states.csv", header, b"\n", header.split(b"\n")[1]),
        ("Beast, zeros after real frames", "capture.bin", beast, b"\0", b""),
    ]  # fmt: skip


_BOMB_READER = textwrap.dedent(
    """
    import resource, sys, time
    resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
    from skywitness.errors import InputError
    from skywitness.io import open_file
    t = time.monotonic()
    try:
        fr = open_file(sys.argv[1])
        rows = sum(b.num_rows for b in fr)
        print(f"table of {{rows}} rows, {{fr.ctx.skipped}} records skipped")
    except InputError as exc:
        print("input error: " + exc.reason[:90])
    hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM"))
    print(f"{{time.monotonic() - t:.1f}} {{int(hwm.split()[1]) // 1024}}")
    """
)


def _run_bombs(mib: int, work: Path, timeout: float) -> int:
    tracebacks = 0
    print(f"\n| bomb ({mib} MiB decompressed) | gzip MB | outcome | seconds | peak RSS MB |")
    print("| --- | ---: | --- | ---: | ---: |")
    for label, name, head, filler, tail in _bombs(mib):
        path = work / (name + ".gz")
        if label.startswith("trace, nested"):  # deep, then as deep closed: below the size cap
            half = (30 << 20) // len(filler)
            co = zlib.compressobj(6, zlib.DEFLATED, 31)
            with path.open("wb") as fh:
                fh.write(co.compress(head + filler * half + b"]" * (half * len(filler))))
                fh.write(co.compress(tail) + co.flush())
        else:
            _bomb(path, head, filler, mib << 20, tail)
        try:
            done = subprocess.run(
                [sys.executable, "-c", _BOMB_READER.format(limit=BOMB_AS_LIMIT), str(path)],
                capture_output=True, text=True, timeout=timeout,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            tracebacks += 1
            print(f"| {label} | - | TIMEOUT after {timeout:g} s | - | - |")
            path.unlink()
            continue
        lines = done.stdout.strip().splitlines()
        if done.returncode != 0 or len(lines) != 2:
            tracebacks += 1
            last = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
            outcome, seconds, peak = f"TRACEBACK: {last[:90]}", "-", "-"
        else:
            outcome = lines[0]
            seconds, peak = lines[1].split()
        size = path.stat().st_size / 1e6
        print(f"| {label} | {size:.1f} | {outcome} | {seconds} | {peak} |")
        path.unlink()
    return tracebacks


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds-per-format", type=float, default=60.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--bomb-mib", type=int, default=1024, help="decompressed size of the bombs")
    ap.add_argument("--bomb-timeout", type=float, default=300.0, help="seconds per bomb")
    ap.add_argument("--no-bombs", action="store_true")
    args = ap.parse_args()
    # A reader's bug must surface as its own exception (a traceback here), not
    # as the ReaderBugError that lets an ingest go on with the other files.
    os.environ["SKYWITNESS_DEBUG"] = "1"
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="skywitness-fuzz-"))
    try:
        tracebacks = _mutants(args, work, rng)
        if not args.no_bombs:
            tracebacks += _run_bombs(args.bomb_mib, work, args.bomb_timeout)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\ntracebacks: {tracebacks}")
    raise SystemExit(1 if tracebacks else 0)


if __name__ == "__main__":
    main()
