"""The notebook API: docs/api.md runs as written; read, query, jamming and
spoofing on every kind of source; immutable results, their tables, GeoJSON,
repr and files; errors as one-line SkywitnessErrors; a cheap import."""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import io
import json
import os
import re
import shlex
import subprocess
import sys
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

import skywitness
from skywitness.api import UNSUPPORTED
from skywitness.cli import main
from skywitness.errors import InputError, StoreError, UsageError
from skywitness.io import read_table
from skywitness.io.reading import LINK_NOT_FOLLOWED
from skywitness.model.schema import REPORT_SCHEMA

DOCS = Path(__file__).resolve().parents[1] / "docs" / "api.md"
FENCE = re.compile(r"^```(\w+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
HAS_PANDAS = importlib.util.find_spec("pandas") is not None
#: The window of the jamming-spoofing scenario (its truth.json: start, end).
START, END = "2024-04-12T14:00Z", "2024-04-12T16:00Z"


def blocks(kind: str) -> list[str]:
    return [code for lang, code in FENCE.findall(DOCS.read_text()) if lang == kind]


@pytest.fixture(scope="module")
def docs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory prepared by the docs' own console commands (simulate, ingest)."""
    where = tmp_path_factory.mktemp("docs")
    cwd = Path.cwd()
    os.chdir(where)
    try:
        for block in blocks("console"):
            for line in block.splitlines():
                assert line.startswith("$ skywitness "), line
                with contextlib.redirect_stdout(io.StringIO()):
                    assert main(shlex.split(line)[2:]) == 0, line
    finally:
        os.chdir(cwd)
    return where


@pytest.fixture(scope="module")
def sample(docs_dir: Path) -> Path:
    """The simulated recording (traces, truth.json)."""
    return docs_dir / "sample"


@pytest.fixture(scope="module")
def store_dir(docs_dir: Path) -> Path:
    """The store the docs' ``skywitness ingest`` made."""
    return docs_dir / "store"


@pytest.fixture(scope="module")
def reports(sample: Path) -> pa.Table:
    return skywitness.read(sample / "traces", errors="raise")


@pytest.fixture(scope="module")
def jam(reports: pa.Table) -> skywitness.JammingResult:
    return skywitness.jamming(reports)


def test_docs_examples_run(docs_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every ```python block of docs/api.md, in order, in one namespace."""
    monkeypatch.chdir(docs_dir)
    code = blocks("python")
    assert len(code) >= 6
    namespace: dict[str, Any] = {"__name__": "docs"}
    out = io.StringIO()
    ran = 0
    for block in code:
        if "to_pandas" in block and not HAS_PANDAS:
            continue  # the pandas extra is not installed here
        with contextlib.redirect_stdout(out):
            exec(compile(block, f"{DOCS}:{ran}", "exec"), namespace)
        ran += 1
    text = out.getvalue()
    assert "JammingResult:" in text and "SpoofingResult:" in text
    assert (docs_dir / "out" / "jamming-map.html").exists()
    assert (docs_dir / "out" / "spoofing.csv").exists()
    written = json.loads((docs_dir / "out" / "jamming-events.geojson").read_text())
    assert written["type"] == "FeatureCollection"


# -- read -----------------------------------------------------------------------------


def test_read_directory_is_its_files(sample: Path, reports: pa.Table) -> None:
    files = sorted((sample / "traces").iterdir())
    one_by_one = pa.concat_tables([read_table(f) for f in files])
    assert reports.schema == REPORT_SCHEMA
    assert reports.equals(one_by_one)
    assert skywitness.read([str(f) for f in files]).equals(reports)


def test_read_real_recording_errors_policy(samples: Path) -> None:
    """The dump1090 Beast sample holds corrupt replies: skipped and counted, or raised."""
    beast = samples / "dump1090" / "sample_dump1090.bin"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = skywitness.read(beast, start_time="2024-01-01T12:00Z")
    [warning] = [w.message for w in caught if isinstance(w.message, skywitness.ReadWarning)]
    whole = read_table(beast, start_time_ns=1704110400 * 10**9)
    assert table.equals(whole) and table.num_rows > 0
    assert warning.records > 0 and warning.reasons and not warning.files
    assert warning.reasons[0].file == str(beast)
    assert f"{warning.records} records rejected" in str(warning)
    # The given start time is the first frame's: the reports fall in the 24 s after it.
    offsets = [t.value - 1704110400 * 10**9 for t in table["time"]]
    assert min(offsets) >= 0 and max(offsets) < 24 * 10**9
    with pytest.raises(InputError, match=r"sample_dump1090\.bin \(record \d+\): .*errors='skip'"):
        skywitness.read(beast, errors="raise")


def test_read_left_out_files(sample: Path) -> None:
    truth = sample / "truth.json"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = skywitness.read([sample / "traces", truth])
    [warning] = [w.message for w in caught if isinstance(w.message, skywitness.ReadWarning)]
    assert [f.file for f in warning.files] == [str(truth)] and warning.records == 0
    assert table.num_rows > 0
    with pytest.raises(InputError, match=r"truth\.json: not a supported format"):
        skywitness.read([sample / "traces", truth], errors="raise")
    # Nothing readable at all: an error, not an empty table and a warning.
    with pytest.raises(InputError, match=r"truth\.json"):
        skywitness.read(truth)


def test_read_walks_directories_as_ingest(sample: Path, tmp_path: Path) -> None:
    """Under a directory: files of no supported format skipped, links followed
    only when asked; what was left out is in the warning, with why."""
    first, second = sorted((sample / "traces").iterdir())[:2]
    top = tmp_path / "recordings"
    (top / "more").mkdir(parents=True)
    (top / first.name).write_bytes(first.read_bytes())
    (top / "truth.json").write_bytes((sample / "truth.json").read_bytes())
    (top / "more" / "notes.txt").write_text("flown on Tuesday\n")
    (top / "linked").symlink_to(second)

    for errors in ("skip", "raise"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            table = skywitness.read(top, errors=errors)
        [warning] = [w.message for w in caught if isinstance(w.message, skywitness.ReadWarning)]
        assert table.equals(read_table(first))
        assert not warning.files and warning.records == 0
        assert {(i.file, i.reason) for i in warning.left_out} == {
            (str(top / "truth.json"), UNSUPPORTED),
            (str(top / "more" / "notes.txt"), UNSUPPORTED),
            (str(top / "linked"), LINK_NOT_FOLLOWED),
        }
        assert "2 paths not read: content of no supported format" in str(warning)
        assert "symbolic link not followed" in str(warning)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        linked = skywitness.read(top, follow_links=True)
    [warning] = [w.message for w in caught if isinstance(w.message, skywitness.ReadWarning)]
    # In name order: "linked" before "trace_full_...".
    assert linked.equals(pa.concat_tables([read_table(second), read_table(first)]))
    assert {i.reason for i in warning.left_out} == {UNSUPPORTED}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"paths": "no/such/file.bin"}, "no such file"),
        ({"paths": []}, "at least one"),
        ({"paths": ".", "errors": "ignore"}, "errors='ignore'"),
        ({"paths": ".", "format": "nope"}, "unknown format 'nope'"),
        ({"paths": ".", "reference": (95.0, 0.0)}, "reference"),
        ({"paths": ".", "start_time": "yesterday"}, "start_time"),
    ],
)
def test_read_bad_arguments(kwargs: dict[str, Any], message: str, tmp_path: Path) -> None:
    with pytest.raises(skywitness.SkywitnessError, match=re.escape(message)):
        skywitness.read(**kwargs)


# -- sources and windows ----------------------------------------------------------------


def test_every_source_gives_the_same_result(
    store_dir: Path, reports: pa.Table, jam: skywitness.JammingResult
) -> None:
    expected = jam.as_json()
    assert expected["events"], "the scenario's jammer is found"
    store = skywitness.Store(store_dir, create=False)
    assert skywitness.jamming(store).as_json() == expected
    assert skywitness.jamming(str(store_dir)).as_json() == expected
    spoof = skywitness.spoofing(reports).as_json()
    assert spoof["intervals"] and skywitness.spoofing(store).as_json() == spoof
    if HAS_PANDAS:
        assert skywitness.jamming(reports.to_pandas()).as_json() == expected


def test_time_windows_in_every_form(reports: pa.Table) -> None:
    iso = skywitness.spoofing(reports, start="2024-04-12T14:30Z", end="2024-04-12T15:30Z")
    as_datetime = skywitness.spoofing(
        reports, start=datetime(2024, 4, 12, 14, 30, tzinfo=UTC), end=datetime(2024, 4, 12, 15, 30)
    )
    as_numpy = skywitness.spoofing(
        reports,
        start=np.datetime64("2024-04-12T14:30"),
        end=np.datetime64("2024-04-12T17:30") - np.timedelta64(2, "h"),
    )
    assert iso.as_json() == as_datetime.as_json() == as_numpy.as_json()
    assert 0 < iso.reports < reports.num_rows
    t = reports["time"].cast(pa.int64()).to_numpy()
    start, end = 1712932200 * 10**9, 1712935800 * 10**9
    assert iso.reports == int(((t >= start) & (t < end)).sum())
    assert (iso.start_ns, iso.end_ns) == (start, end)
    assert "2024-04-12T14:30:00Z .. 2024-04-12T15:30:00Z" in repr(iso)


def test_query_takes_iso_times(store_dir: Path) -> None:
    store = skywitness.Store(store_dir, create=False)
    got = skywitness.query(store, start="2024-04-12T14:30Z", end="2024-04-12T15:00Z")
    ns = store.query(start=1712932200 * 10**9, end=1712934000 * 10**9)
    assert got.num_rows > 0 and got.equals(ns)
    box = skywitness.query(store_dir, bbox=(18, 53, 23, 56), columns=["icao24", "lat"])
    assert box.column_names == ["icao24", "lat"] and box.num_rows > 0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda r: skywitness.jamming(r, start="2024-04-12T15:00Z", end=START), "swap"),
        (lambda r: skywitness.jamming(r, start=1712932200), "bare number"),
        (lambda r: skywitness.jamming(r, bbox=(0, 0, 1)), "bbox"),
        (lambda r: skywitness.jamming(r, bbox=(0, 50, 1, 40)), "bbox"),
        (lambda r: skywitness.jamming(r, resolution="4"), "resolution"),
        (lambda r: skywitness.jamming(r, window="1w"), "window"),
        (lambda r: skywitness.jamming(r, mode="gps"), "mode"),
        (lambda r: skywitness.jamming([1, 2]), "cannot analyse a list"),
        (lambda r: skywitness.jamming(r.drop_columns(["nac_p"])), "no column nac_p"),
        (lambda r: skywitness.spoofing(r.set_column(0, "time", r["icao24"])), "'time'"),
    ],
)
def test_bad_analysis_arguments(reports: pa.Table, call: Any, message: str) -> None:
    with pytest.raises(UsageError, match=re.escape(message)):
        call(reports)


def test_a_path_that_is_no_store(sample: Path) -> None:
    with pytest.raises(StoreError, match=r"no skywitness store.*skywitness\.read"):
        skywitness.jamming(sample / "traces")


# -- results ----------------------------------------------------------------------------


def test_results_are_immutable(jam: skywitness.JammingResult, tmp_path: Path) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        jam.events = ()  # type: ignore[misc]
    assert isinstance(jam.events, tuple)
    before = jam.as_json()
    written = jam.write(tmp_path / "m.csv", events=tmp_path / "e.geojson")
    assert isinstance(written, tuple) and [w["format"] for w in written] == ["csv", "geojson"]
    assert jam.as_json() == before and not hasattr(jam, "written")


def test_events_file_extension_checked(jam: skywitness.JammingResult, tmp_path: Path) -> None:
    """The events are GeoJSON: another extension is a UsageError before any file is written."""
    for name in ("events.csv", "events"):
        with pytest.raises(UsageError, match=rf"{name}: unknown events output type.*\.geojson"):
            jam.write(tmp_path / "m.csv", events=tmp_path / name)
    assert not list(tmp_path.iterdir())
    [written] = jam.write(events=tmp_path / "e.json")
    assert json.loads((tmp_path / "e.json").read_text())["type"] == "FeatureCollection"
    assert written["format"] == "geojson"


def test_tables_and_geojson(jam: skywitness.JammingResult, reports: pa.Table) -> None:
    events = jam.to_arrow()
    assert events.num_rows == len(jam.events)
    assert events["id"].to_pylist() == [e.id for e in jam.events]
    assert events["kind"].to_pylist() == [e.kind for e in jam.events]
    assert jam.to_arrow("cells").num_rows == jam.cells > 0
    layer = jam.to_geojson()
    ids = {f["properties"]["id"] for f in layer["features"]}
    assert ids == {e.id for e in jam.events}
    assert len(jam.to_geojson("cells")["features"]) == jam.cells
    spoof = skywitness.spoofing(reports)
    intervals = spoof.to_arrow()
    assert intervals["icao24"].to_pylist() == [iv.icao24 for iv in spoof.intervals]
    places = spoof.to_arrow("places")
    assert places.num_rows == len(spoof.clusters) > 0
    paths = spoof.to_arrow("paths")
    assert paths.num_rows == sum(len(p.time_ns) for p in spoof.paths) > 0
    assert set(paths["icao24"].to_pylist()) == {p.icao24 for p in spoof.paths}
    assert spoof.to_geojson()["type"] == "FeatureCollection"
    with pytest.raises(UsageError, match=r"no table 'emitters'.*events, cells"):
        jam.to_arrow("emitters")


@pytest.mark.skipif(not HAS_PANDAS, reason="the pandas extra is not installed")
def test_to_pandas(jam: skywitness.JammingResult) -> None:
    frame = jam.to_pandas("events")
    assert list(frame["id"]) == [e.id for e in jam.events]
    assert str(frame["start"].dtype) == "datetime64[ns, UTC]"
    assert len(jam.to_pandas("cells")) == jam.cells


def test_to_pandas_without_pandas(
    jam: skywitness.JammingResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas fails
    with pytest.raises(UsageError, match=re.escape("pip install 'skywitness[pandas]'")):
        jam.to_pandas()


def test_repr_and_html(jam: skywitness.JammingResult) -> None:
    text = repr(jam)
    first = text.splitlines()[0]
    assert first.startswith(f"JammingResult: {len(jam.events)} interference event")
    assert f"{jam.cells} cell-windows" in first
    assert f"{jam.reports:,} reports" in text
    assert "2024-04-12T14:00" in text and len(text.splitlines()) == 3 + len(jam.events)
    page = jam._repr_html_()
    assert page.count("<tr>") == 1 + len(jam.events)
    for e in jam.events:
        assert f"{e.id} {e.kind}:" in text and e.id in page


def test_progress_stages(reports: pa.Table) -> None:
    seen: list[str] = []
    skywitness.spoofing(reports, progress=lambda stage, done, total: seen.append(stage))
    assert seen[0] == "read" and {"flags", "intervals", "places", "paths"} <= set(seen)


def test_import_is_cheap() -> None:
    code = (
        "import sys, skywitness; "
        "heavy = [m for m in ('pyarrow', 'duckdb', 'numpy', 'pandas', 'skywitness.api') "
        "if m in sys.modules]; "
        "assert not heavy, heavy; "
        "assert callable(skywitness.read) and 'skywitness.api' in sys.modules; "
        "assert callable(skywitness.sim.simulate)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
