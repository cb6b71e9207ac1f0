"""A longer fuzz campaign over every reader (the test suite runs a bounded one).

    .venv/bin/python bench/fuzz.py [--seconds-per-format 60] [--seed 0]

Mutates real recordings and project-made samples of each format (byte flips,
insertions, deletions, truncation, splices of two files) and reads each
mutant with format detection and with the format forced. Every outcome must
be a table or a skywitness InputError; anything else is a finding, printed
with the mutant saved under bench/fuzz-findings/ to reproduce it.
"""

from __future__ import annotations

import argparse
import copy
import gzip
import importlib.util
import json
import random
import shutil
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

from skywitness.errors import InputError
from skywitness.io import read_table
from skywitness.sim import simulate

FINDINGS = Path(__file__).parent / "fuzz-findings"


def _seeds(work: Path) -> dict[str, list[bytes]]:
    spec = importlib.util.find_spec("traffic")
    samples = Path(next(iter(spec.submodule_search_locations))) / "data" / "samples"  # type: ignore[union-attr]
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
    # Every seed is a valid file of its format: mutants then probe the parsers deeply.
    seeds: dict[str, list[bytes]] = {
        "readsb-trace": [
            json.dumps({**trace, "trace": trace["trace"][k : k + 200]}).encode() for k in (0, 600)
        ],
        "readsb-aircraft": [gzip.decompress(p.read_bytes()) for p in snaps[:3]],
        "fr24-json": [json.dumps(doc).encode() for doc in fr24],
        "beast": [(samples / "dump1090/sample_dump1090.bin").read_bytes()],
        "modes-jsonl": [b"\n".join(jsonl.splitlines()[k : k + 300]) for k in (0, 20_000)],
        "traffic-json": [_head_rows(noisy, 300)],
    }
    return seeds


def _head_rows(doc: object, n: int) -> bytes:
    """The first ``n`` rows of a traffic sample (list of rows or pandas columns)."""
    if isinstance(doc, list):
        return json.dumps(doc[:n]).encode()
    assert isinstance(doc, dict)
    return json.dumps({k: dict(list(v.items())[:n]) for k, v in doc.items()}).encode()


_WEIRD: list[object] = [None, True, -1, 0, 2**70, -1e308, 1e-320, float("nan"), float("inf"), "",
                        "ground", "x" * 300, [], {}, [1, 2], {"a": None}, "~abc", 95.5, -181.0]  # fmt: skip


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


def _mutate(rng: random.Random, data: bytes, other: bytes) -> bytes:
    if rng.random() < 0.5 and (structured := _mutate_json(rng, data)) is not None:
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds-per-format", type=float, default=60.0)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="skywitness-fuzz-"))
    findings = 0
    try:
        seeds = _seeds(work)
        pool = [s for v in seeds.values() for s in v]
        print("| format | mutants | tables | input errors | findings |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for fmt, fmt_seeds in seeds.items():
            outcomes: Counter[str] = Counter()
            deadline = time.monotonic() + args.seconds_per_format
            n = 0
            while time.monotonic() < deadline:
                mutant = _mutate(rng, rng.choice(fmt_seeds), rng.choice(pool))
                path = work / f"mutant-{n}"
                path.write_bytes(mutant)
                for forced in (None, fmt):
                    try:
                        read_table(path, format=forced)
                        outcomes["table"] += 1
                    except InputError:
                        outcomes["input error"] += 1
                    except BaseException as exc:
                        if isinstance(exc, KeyboardInterrupt):
                            raise
                        outcomes["finding"] += 1
                        findings += 1
                        FINDINGS.mkdir(exist_ok=True)
                        keep = FINDINGS / f"{fmt}-{args.seed}-{n}.bin"
                        shutil.copy(path, keep)
                        last = traceback.format_exception(exc)[-1].strip()
                        print(f"FINDING {fmt} forced={forced} {keep}: {last}")
                path.unlink()
                n += 1
            print(
                f"| {fmt} | {n} | {outcomes['table']} | {outcomes['input error']} | {outcomes['finding']} |"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    raise SystemExit(1 if findings else 0)


if __name__ == "__main__":
    main()
