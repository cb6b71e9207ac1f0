"""Every real recording ingests through detection, and re-ingesting adds nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from skywitness.io import open_file, registry
from skywitness.store import Store

REAL = [
    ("readsb/trace_full_ac671b.json", "readsb-trace"),
    ("rs1090/full_flight_short.jsonl", "modes-jsonl"),
    ("dump1090/sample_dump1090.bin", "beast"),
    ("fr24/2ce4f83f.json", "fr24-json"),
    ("fr24/34a8254b.json", "fr24-json"),
    ("noisy/noisy_spoofing.json.gz", "traffic-json"),
    ("featured/qantas747.json.gz", "traffic-json"),
]


@pytest.mark.parametrize(("rel", "fmt"), REAL)
def test_detected_ingested_once(samples: Path, store_dir: Path, rel: str, fmt: str) -> None:
    path = samples / rel
    assert registry.detect(path).name == fmt
    store = Store(store_dir)
    first = store.ingest([lambda: open_file(path)])
    assert not first.errors and first.files == 1 and first.reports > 0
    again = store.ingest([lambda: open_file(path)])
    assert (again.reports, again.already, again.errors) == (0, 1, [])
    t = store.query()
    assert t.num_rows == first.reports
    assert set(t["format"].to_pylist()) == {fmt}
    assert len(set(t["record_id"].to_pylist())) == t.num_rows
