"""`skywitness ingest` of directories: files of no supported format next to the
data are skipped and counted; files named on the command line must be readable."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from skywitness.cli import main
from skywitness.io.reading import Inputs

TRACE = "readsb/trace_full_ac671b.json"


@pytest.fixture
def data_dir(samples: Path, tmp_path: Path) -> Path:
    """A trace in a sub-directory, with what sits next to data in real life."""
    d = tmp_path / "data"
    (d / "traces").mkdir(parents=True)
    shutil.copy(samples / TRACE, d / "traces" / "trace_full_ac671b.json")
    (d / "truth.json").write_text(json.dumps({"scenario": "x", "start": "2025-02-04T00:00Z"}))
    (d / "convert.py").write_text("print('hello')\n")
    (d / "__init__.py").write_text("")
    (d / ".hidden").write_text("not looked at")
    return d


def test_directory_skips_files_of_no_supported_format(
    data_dir: Path, store_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", str(data_dir), "--store", str(store_dir), "--json"]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["files"] == 1 and result["reports"] == 2500 and result["errors"] == []
    skipped = [str(data_dir / n) for n in ("__init__.py", "convert.py", "truth.json")]
    assert result["unsupported"] == skipped
    (line,) = captured.err.splitlines()
    assert line == f"skywitness: skipped 3 files of no supported format: {', '.join(skipped)}"


def test_many_skipped_files_are_counted_on_one_line(
    data_dir: Path, store_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for i in range(7):
        (data_dir / f"notes-{i}.txt").write_text(f"note {i}\n")
    assert main(["ingest", str(data_dir), "--store", str(store_dir)]) == 0
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("skywitness: skipped 10 files of no supported format: ")
    assert line.endswith(" and 5 more")


def test_a_file_named_on_the_command_line_must_be_readable(
    data_dir: Path, store_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    truth = data_dir / "truth.json"
    assert main(["ingest", str(data_dir / "traces"), str(truth), "--store", str(store_dir)]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"skywitness: {truth}: not a supported format")


def test_damaged_compressed_data_in_a_directory_is_an_error(
    data_dir: Path, store_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    whole = gzip.compress((data_dir / "traces" / "trace_full_ac671b.json").read_bytes())
    (data_dir / "traces" / "cut.json.gz").write_bytes(whole[:10])  # header only
    assert main(["ingest", str(data_dir), "--store", str(store_dir), "--json"]) == 2
    result = json.loads(capsys.readouterr().out)
    assert [e["file"] for e in result["errors"]] == [str(data_dir / "traces" / "cut.json.gz")]
    assert result["reports"] == 2500


def test_a_forced_format_reads_every_file(data_dir: Path, store_dir: Path) -> None:
    inputs = Inputs([data_dir], format="readsb-trace")
    assert len(list(inputs.openers())) == len(inputs) == 4 and inputs.unsupported == []


def test_an_unknown_forced_format_fails_before_the_store_is_made(
    data_dir: Path, store_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", str(data_dir), "--format", "nope", "--store", str(store_dir)]) == 2
    assert "unknown format 'nope'" in capsys.readouterr().err
    assert not store_dir.exists()
