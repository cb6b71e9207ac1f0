"""Progress on a terminal (and nothing when stderr is not one), and the
provenance the analyses hand to their writers."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

import skywitness.jobs.jamming
import skywitness.jobs.spoofing
from skywitness.cli import main
from skywitness.model.time import parse_time
from skywitness.report.provenance import Provenance

TRACE = "readsb/trace_full_ac671b.json"


class _Terminal(io.StringIO):
    """stderr as an interactive terminal (tqdm shows bars only there)."""

    def isatty(self) -> bool:
        return True


@pytest.fixture(scope="module")
def store(samples: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("progress") / "store"
    assert main(["ingest", str(samples / TRACE), "--store", str(store)]) == 0
    return store


@pytest.mark.parametrize("command", ["jamming", "spoofing"])
def test_analyses_show_progress_on_a_terminal_only(
    command: str, store: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main([command, "--store", str(store), "--json"]) == 0
    assert capsys.readouterr().err == ""  # not a terminal: no bars
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main([command, "--store", str(store), "--json"]) == 0
    shown = terminal.getvalue()
    assert f"{command} read" in shown and "\r" in shown
    json.loads(capsys.readouterr().out)  # stdout is still one JSON object


def test_progress_as_log_lines_when_asked(
    store: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """SKYWITNESS_PROGRESS=log: plain lines on stderr, a terminal or not."""
    monkeypatch.setenv("SKYWITNESS_PROGRESS", "log")
    assert main(["jamming", "--store", str(store)]) == 0
    lines = capsys.readouterr().err.splitlines()
    assert any(line.startswith("jamming events 0/1 ") for line in lines), lines
    assert any(line.startswith("jamming events 1/1 ") for line in lines), lines
    for stage in ("consistency", "groups", "fits", "merges"):  # the events' own stages
        assert any(line.startswith(f"jamming {stage} ") for line in lines), (stage, lines)
    assert all(" s (stage " in line for line in lines), lines


def test_log_lines_every_so_often() -> None:
    from skywitness.progress import log_progress

    now = [0.0]
    out = io.StringIO()
    report = log_progress("job", every_s=10.0, clock=lambda: now[0], out=out)
    for k in range(0, 2_000_001, 100_000):  # 21 reports, 2 s apart
        report("reports", k, 2_000_000)
        now[0] += 2.0
    report("fits", 0, None)
    lines = out.getvalue().splitlines()
    # The first, one every 10 s (of 40 s), and the last.
    assert lines[0] == "job reports 0/2.0M 0.0 s (stage 0.0 s)"
    assert lines[1] == "job reports 500k/2.0M 10.0 s (stage 10.0 s)"
    assert lines[-2] == "job reports 2.0M/2.0M 40.0 s (stage 40.0 s)"
    assert lines[-1] == "job fits 0/? 42.0 s (stage 0.0 s)"
    assert len(lines) == 6  # 0, 10, 20, 30 and 40 s, then fits


def test_ingest_shows_progress_on_a_terminal(
    samples: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["ingest", str(samples / TRACE), "--store", str(tmp_path / "s"), "--json"]) == 0
    assert "ingest" in terminal.getvalue() and "1/1" in terminal.getvalue()


@pytest.mark.parametrize(
    ("command", "job"),
    [
        ("jamming", (skywitness.jobs.jamming, "jamming_analysis")),
        ("spoofing", (skywitness.jobs.spoofing, "spoofing_analysis")),
    ],
)
def test_analyses_record_the_command(
    command: str,
    job: tuple[Any, str],
    store: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    module, name = job
    real = getattr(module, name)
    seen: dict[str, Any] = {}

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.update(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, spy)
    argv = [command, "--store", str(store), "--from", "2025-02-05", "--to", "2025-02-05T06:00Z",
            "--bbox", "-100,30,-80,50", "--json"]  # fmt: skip
    assert main(argv) == 0
    p = seen["provenance"]
    assert isinstance(p, Provenance)
    assert p.command == "skywitness " + " ".join(argv)
    assert p.inputs == (str(store.resolve()),)
    assert (p.start_ns, p.end_ns) == (parse_time("2025-02-05"), parse_time("2025-02-05T06:00Z"))
    assert callable(seen["progress"])


def test_simulate_shows_progress_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["simulate", "clean", "--size", "0.1", "--no-snapshots", "--json"]
    assert main([*argv, "--out", str(tmp_path / "a")]) == 0
    assert capsys.readouterr().err == ""  # not a terminal: no bars
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main([*argv, "--out", str(tmp_path / "b")]) == 0
    assert "simulate aircraft" in terminal.getvalue()
    assert json.loads(capsys.readouterr().out)["scenario"] == "clean"


@pytest.mark.parametrize(("command", "out"), [("jamming", "--events-out"), ("spoofing", "--out")])
def test_outputs_record_the_command(
    command: str, out: str, store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "out.geojson"
    argv = [command, "--store", str(store), "--from", "2025-02-05", out, str(file)]
    assert main(argv) == 0
    recorded = json.loads(file.read_text())["skywitness"]
    assert recorded["command"] == "skywitness " + " ".join(argv)
    assert recorded["inputs"] == [str(store.resolve())]
    assert recorded["start"].startswith("2025-02-05T00:00")
