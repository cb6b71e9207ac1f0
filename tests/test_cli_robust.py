"""The command line never loses a run to one bad record or file, never calls
the user's or the environment's errors a bug, always prints one JSON object
with --json, says what it left out and why, and cannot be made to print a
forged line by a file name."""

from __future__ import annotations

import errno
import gzip
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from skywitness.cli import main

TRACE = "readsb/trace_full_ac671b.json"
HUGE_INT = "9" * 400
TOO_MANY_DIGITS = "9" * 5000
DEEP = "[" * 100_000 + "]" * 100_000


def _trace(bad: str, icao: str = "abc124") -> str:
    good = '[0,45.0,5.0,30000,450,90,0,0,null,"adsb_icao"]'
    return f'{{"icao":"{icao}","timestamp":1.7e9,"trace":[{good},{bad}]}}'


def _json(out: str) -> dict[str, Any]:
    lines = out.strip().splitlines()
    assert len(lines) == 1, lines
    obj: dict[str, Any] = json.loads(lines[0])
    return obj


@pytest.fixture
def store(samples: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A store holding the readsb trace sample (2,500 reports)."""
    root = tmp_path / "store"
    assert main(["ingest", str(samples / TRACE), "--store", str(root)]) == 0
    capsys.readouterr()
    return root


# --------------------------------------------------------------------------- bad records


@pytest.mark.parametrize(
    "bad",
    [
        f'[1,45.0,5.0,{HUGE_INT},450,90,0,0,null,"adsb_icao"]',
        f'[1,45.0,5.0,{TOO_MANY_DIGITS},450,90,0,0,null,"adsb_icao"]',
        DEEP,
    ],
    ids=["beyond-1e308", "5000-digits", "100k-deep"],
)
def test_a_bad_record_is_skipped_and_the_run_committed(
    samples: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], bad: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(_trace(bad))
    store = tmp_path / "store"
    argv = ["ingest", str(samples / TRACE), str(path), "--store", str(store), "--json"]
    assert main(argv) == 0
    result = _json(capsys.readouterr().out)
    assert result["files"] == 2 and result["reports"] == 2501 and result["skipped"] == 1
    assert main(["ingest", str(path), "--store", str(tmp_path / "other"), "--show-skips", "1"]) == 0
    out = capsys.readouterr().out
    assert f"skipped {path} (record 1): trace point" in out


def test_an_unreadable_file_is_named_and_the_others_committed(
    samples: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cut = tmp_path / "cut.json.gz"
    cut.write_bytes(gzip.compress(_trace("[1]").encode())[:40])
    store = tmp_path / "store"
    assert main(["ingest", str(samples / TRACE), str(cut), "--store", str(store), "--json"]) == 2
    captured = capsys.readouterr()
    result = _json(captured.out)
    assert result["reports"] == 2500 and result["error"] == "1 file could not be read"
    assert [e["file"] for e in result["errors"]] == [str(cut)]
    assert "corrupt or truncated compressed data" in result["errors"][0]["reason"]
    assert main(["info", "--store", str(store), "--json"]) == 0
    assert _json(capsys.readouterr().out)["reports"] == 2500


def test_a_reader_bug_costs_its_file_and_exits_3(
    samples: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    from skywitness.io.readsb import aircraft

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(aircraft, "_entry", broken)
    monkeypatch.setattr(aircraft, "snapshot_batch", broken)  # the columnar path too
    snapshot = tmp_path / "aircraft.json"
    snapshot.write_text('{"now": 1700000000, "aircraft": [{"hex": "abc123"}]}')
    store = tmp_path / "store"
    argv = ["ingest", str(samples / TRACE), str(snapshot), "--store", str(store), "--json"]
    assert main(argv) == 3
    captured = capsys.readouterr()
    result = _json(captured.out)
    assert result["reports"] == 2500 and result["exit"] == 3 and "a bug" in result["error"]
    assert "ZeroDivisionError" in captured.err and str(snapshot) in captured.err


# --------------------------------------------------------------------------- environment


def test_out_under_a_file_is_a_usage_error(store: Path, tmp_path: Path, capsys: Any) -> None:
    (tmp_path / "file").write_text("x")
    for argv in (
        ["export", "--store", str(store), "--out", str(tmp_path / "file" / "x.csv")],
        ["jamming", "--store", str(store), "--out", str(tmp_path / "file" / "map.csv")],
        ["spoofing", "--store", str(store), "--out", str(tmp_path / "file" / "s.geojson")],
        ["simulate", "sparse", "--out", str(tmp_path / "file" / "sim")],
    ):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.splitlines()
        assert len(err) == 1 and "is not a directory" in err[0] and "internal" not in err[0]


def test_store_that_is_a_file(samples: Path, tmp_path: Path, capsys: Any) -> None:
    file = tmp_path / "file"
    file.write_text("x")
    for argv in (
        ["ingest", str(samples / TRACE), "--store", str(file)],
        ["ingest", str(samples / TRACE), "--store", str(file / "sub")],
        ["export", "--out", str(tmp_path / "x.csv"), "--store", str(file)],
        ["info", "--store", str(file)],
    ):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.splitlines()
        assert len(err) == 1 and "internal" not in err[0] and str(file) in err[0], err


def test_a_write_refused_by_the_system_exits_2(store: Path, tmp_path: Path, capsys: Any) -> None:
    """/proc takes no new files, even from root: the write itself fails."""
    assert main(["export", "--store", str(store), "--out", "/proc/x.csv", "--json"]) == 2
    captured = capsys.readouterr()
    assert "internal" not in captured.err and "/proc/x.csv" in captured.err
    assert ".part" not in captured.err
    assert _json(captured.out)["exit"] == 2


def _file_size_limit() -> None:  # runs in the child only
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))


@pytest.mark.parametrize("ext", ["csv", "parquet", "geojson"])
def test_disk_full_on_export_exits_2_naming_the_file(store: Path, tmp_path: Path, ext: str) -> None:
    out = tmp_path / f"x.{ext}"
    done = subprocess.run(
        [sys.executable, "-m", "skywitness", "export", "--store", str(store), "--out", str(out),
         "--json"],
        preexec_fn=_file_size_limit, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and f"cannot write {out}" in done.stderr
    assert "File too large" in done.stderr
    assert _json(done.stdout)["exit"] == 2
    assert not out.exists() and not list(tmp_path.glob(".*.part"))


# --------------------------------------------------------------------------- --json


def test_json_on_an_internal_error_and_on_interrupt(
    store: Path, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    from skywitness.store import Store

    def boom(self: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(Store, "info", boom)
    assert main(["info", "--store", str(store), "--json"]) == 3
    captured = capsys.readouterr()
    assert _json(captured.out) == {
        "error": "internal error: RuntimeError: a bug (a bug: rerun with SKYWITNESS_DEBUG=1 "
        "for details)",
        "exit": 3,
    }

    def interrupted(self: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(Store, "info", interrupted)
    assert main(["info", "--store", str(store), "--json"]) == 130
    assert _json(capsys.readouterr().out) == {"error": "interrupted", "exit": 130}


def test_json_on_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["jamming", "--window", "2h", "--json"]) == 2
    captured = capsys.readouterr()
    assert "invalid choice" in _json(captured.out)["error"]
    assert len(captured.err.splitlines()) == 1


def test_outputs_are_checked_before_any_work(store: Path, tmp_path: Path, capsys: Any) -> None:
    a, e = tmp_path / "a.csv", tmp_path / "e.xyz"
    argv = ["jamming", "--store", str(store), "--out", str(a), "--events-out", str(e)]
    assert main(argv) == 2
    assert "--events-out" in capsys.readouterr().err
    assert not a.exists() and not e.exists()
    assert main(["jamming", "--store", str(store), "--out", str(a), "--out", str(a)]) == 2
    assert "written twice" in capsys.readouterr().err and not a.exists()


# --------------------------------------------------------------------------- names


def test_control_characters_in_file_names_are_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "a\nskywitness: forged\x1b[31m.txt").write_text("hello")
    missing = tmp_path / "b\rskywitness: forged too"
    assert main(["ingest", str(data), str(missing), "--store", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 2 and not any(line.startswith("skywitness: forged") for line in lines)
    assert "\x1b" not in err and "\\x1b[31m" in err and "a\\nskywitness: forged" in err


# --------------------------------------------------------------------------- walks


def test_an_unreadable_directory_is_an_error(
    samples: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    data = tmp_path / "data"
    (data / "locked").mkdir(parents=True)
    shutil.copy(samples / TRACE, data / "trace_full_ac671b.json")
    real = os.scandir

    def scandir(path: Any) -> Any:  # what chmod 000 does for anyone but root
        if isinstance(path, str | os.PathLike) and Path(path).name == "locked":
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    argv = ["ingest", str(data), "--store", str(tmp_path / "s"), "--json"]
    assert main(argv) == 2
    result = _json(capsys.readouterr().out)
    assert result["reports"] == 2500
    assert result["errors"] == [
        {"file": str(data / "locked"), "record": None, "reason": "cannot list: permission denied"}
    ]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a chmod-000 directory")
def test_a_chmod_000_directory_is_an_error(
    samples: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    locked = tmp_path / "data" / "locked"
    locked.mkdir(parents=True)
    shutil.copy(samples / TRACE, locked / "trace_full_ac671b.json")
    locked.chmod(0)
    try:
        assert main(["ingest", str(tmp_path / "data"), "--store", str(tmp_path / "s")]) == 2
    finally:
        locked.chmod(0o755)
    assert "cannot list: permission denied" in capsys.readouterr().err


def test_links_are_said_and_followed_on_request(
    samples: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere, data = tmp_path / "elsewhere", tmp_path / "data"
    elsewhere.mkdir()
    data.mkdir()
    shutil.copy(samples / TRACE, elsewhere / "trace_full_ac671b.json")
    (data / "linked").symlink_to(elsewhere)
    (elsewhere / "back").symlink_to(data)  # a loop once links are followed
    assert main(["ingest", str(data), "--store", str(tmp_path / "s"), "--json"]) == 0
    captured = capsys.readouterr()
    result = _json(captured.out)
    assert result["reports"] == 0
    assert result["left_out"] == [
        {"path": str(data / "linked"),
         "reason": "symbolic link not followed (--follow-links reads through links)"}
    ]  # fmt: skip
    assert "--follow-links" in captured.err and str(data / "linked") in captured.err
    argv = ["ingest", str(data), "--store", str(tmp_path / "s"), "--follow-links", "--json"]
    assert main(argv) == 0
    result = _json(capsys.readouterr().out)
    assert result["reports"] == 2500
    assert [s["path"] for s in result["left_out"]] == [str(data / "linked" / "back")]


def test_the_store_inside_the_tree_is_not_read(
    samples: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    shutil.copy(samples / TRACE, tmp_path / "trace_full_ac671b.json")
    monkeypatch.chdir(tmp_path)
    assert main(["ingest", ".", "--store", "data/store"]) == 0
    capsys.readouterr()
    assert main(["ingest", ".", "--store", "data/store", "--json"]) == 0
    captured = capsys.readouterr()
    result = _json(captured.out)
    assert result["files"] == 1 and result["errors"] == [] and result["unsupported"] == []
    assert result["left_out"] == [
        {"path": "data/store", "reason": "the store being written: not read as input"}
    ]


# --------------------------------------------------------------------------- store


def test_verify(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "--store", str(store), "--json"]) == 0
    report = _json(capsys.readouterr().out)
    assert report["ok"] is True and report["rows"] == 2500 and "error" not in report
    part = next(store.glob("date=*/*.parquet"))
    data = bytearray(part.read_bytes())
    data[len(data) // 2] ^= 0xFF
    part.write_bytes(bytes(data))
    assert main(["verify", "--store", str(store), "--json"]) == 2
    captured = capsys.readouterr()
    report = _json(captured.out)
    assert report["ok"] is False and report["error"] == "1 problem in the store"
    assert str(part) in captured.err
    assert main(["verify", "--store", str(store)]) == 2
    assert "1 problems" in capsys.readouterr().out


def test_no_wait_when_another_ingest_writes(
    samples: Path, store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from skywitness.store.locking import writer_lock

    lock = store / "_skywitness" / "lock"
    with writer_lock(lock, store):
        argv = ["ingest", str(samples / TRACE), "--store", str(store)]
        assert main([*argv, "--no-wait"]) == 2
        assert "busy" in capsys.readouterr().err
        assert main([*argv, "--wait-at-most", "0.3"]) == 2
        err = capsys.readouterr().err
        assert "waiting for" in err and "busy" in err
    assert main(["ingest", str(samples / TRACE), "--store", str(store), "--no-wait"]) == 0
