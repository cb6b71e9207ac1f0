"""Option values (times, windows, boxes), help texts, --version, `python -m skywitness`."""

from __future__ import annotations

import argparse
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import skywitness
from skywitness.cli import main, options
from skywitness.cli.parser import build
from skywitness.errors import UsageError
from skywitness.model.time import EARLIEST_YEAR, LATEST_YEAR, parse_time, parse_window

NS = 10**9


# -- times ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("20240520", "2024-05-20T00:00:00+00:00"),  # basic ISO date, not Unix seconds (1970)
        ("2024-05-20", "2024-05-20T00:00:00+00:00"),
        ("2024-05-20T10:15Z", "2024-05-20T10:15:00+00:00"),
        ("2024-05-20T13:15+03:00", "2024-05-20T10:15:00+00:00"),
        ("20240520T1015Z", "2024-05-20T10:15:00+00:00"),
        ("1716200100", "2024-05-20T10:15:00+00:00"),
        ("1.7162001e9", "2024-05-20T10:15:00+00:00"),
    ],
)
def test_times_people_type(text: str, iso: str) -> None:
    assert parse_time(text) == int(datetime.fromisoformat(iso).timestamp()) * NS


@pytest.mark.parametrize(
    "text",
    ["inf", "-inf", "nan", "1e300", "-1e12", "", "  ", "0", "1_716_200_100", "١٧١٦٢٠٠١٠٠",
     "yesterday", "9999-12-31T23:00-05:00", "0001-01-01T00:00+05:00", "1969-12-31"],
)  # fmt: skip
def test_bad_times_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError, match="--from time"):
        parse_time(text, what="--from time")


@given(st.text(max_size=40))
def test_any_text_is_a_time_in_range_or_a_usage_error(text: str) -> None:
    try:
        ns = parse_time(text)
    except UsageError as exc:
        assert "\n" not in str(exc)
        return
    assert ns is not None
    assert datetime(EARLIEST_YEAR, 1, 1, tzinfo=UTC).timestamp() * NS <= ns
    assert ns < datetime(LATEST_YEAR, 1, 1, tzinfo=UTC).timestamp() * NS


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_any_number_text_is_a_time_in_range_or_a_usage_error(x: float) -> None:
    try:
        ns = parse_time(repr(x))
    except UsageError:
        return
    assert ns is not None and ns == round(x * NS)


def test_window() -> None:
    assert parse_window(None, None) == (None, None)
    assert parse_window("2024-05-20", None) == (parse_time("2024-05-20"), None)
    for start, end in (("2024-05-21", "2024-05-20"), ("2024-05-20", "20240520")):
        with pytest.raises(UsageError, match="swap"):
            options.window(start, end)


# -- boxes --------------------------------------------------------------------


def test_box_in_order_is_quiet(capsys: pytest.CaptureFixture[str]) -> None:
    assert options.bbox("-100,30,-80,50") == (-100, 30, -80, 50)
    assert capsys.readouterr().err == ""


def test_box_crossing_the_antimeridian_warns_once(capsys: pytest.CaptureFixture[str]) -> None:
    assert options.bbox("170,-50,-170,-30") == (170, -50, -170, -30)
    (line,) = capsys.readouterr().err.splitlines()
    assert "antimeridian" in line and "--bbox -170,-50,170,-30" in line


@pytest.mark.parametrize("text", ["10,40,10,50", "10,40,20,40"])
def test_box_of_zero_area_warns(text: str, capsys: pytest.CaptureFixture[str]) -> None:
    options.bbox(text)
    (line,) = capsys.readouterr().err.splitlines()
    assert "zero" in line


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("30,-100,50,-80", "did you mean --bbox -100,30,-80,50"),  # typed S,W,N,E
        ("-100,50,-80,30", "did you mean --bbox -100,30,-80,50"),  # S > N
        ("-190,30,-80,50", "longitude -190"),
        ("1,2,3", "W,S,E,N"),
        ("1,2,3,x", "W,S,E,N"),
        ("nan,1,2,3", "finite"),
        ("-inf,1,2,3", "finite"),
    ],
)
def test_bad_boxes_say_why(text: str, says: str) -> None:
    with pytest.raises(UsageError, match=says.replace(".", r"\.")):
        options.bbox(text)


def test_swapped_box() -> None:
    assert options.swapped((47, 18, 54, 24)) == (18, 47, 24, 54)
    assert options.swapped((-100, 30, -80, 50)) is None  # -100 is no latitude


def test_signed_values_are_joined() -> None:
    argv = ["export", "--bbox", "-10,1,2,3", "--from", "-1e12", "--to", "2024-05-20", "--json"]
    assert options.join_signed_values(argv) == [
        "export", "--bbox=-10,1,2,3", "--from=-1e12", "--to", "2024-05-20", "--json"
    ]  # fmt: skip


# -- help -----------------------------------------------------------------------


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def test_every_option_has_help_with_its_default() -> None:
    commands = _commands()
    assert set(commands) >= {"ingest", "info", "export", "simulate", "jamming", "spoofing",
                             "demo", "formats"}  # fmt: skip
    for name, parser in commands.items():
        text = parser.format_help()
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            assert action.help, f"{name} {action.dest}: no help"
            flag = action.nargs == 0
            if action.option_strings and not flag and not action.required:
                shown = parser._get_formatter()._format_action(action)
                assert "default" in shown, f"{name} {action.option_strings}: no default shown"
        assert "examples:" in text and f"skywitness {name}" in text.split("examples:")[1]


def test_help_shows_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["jamming", "--help"]) == 0
    out = capsys.readouterr().out
    assert "(default: 4)" in out and "(default: 1d)" in out and "(default: nacp)" in out
    assert "$SKYWITNESS_STORE" in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"skywitness {skywitness.__version__}"


def test_python_dash_m(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "skywitness", "--version"], capture_output=True, text=True
    )
    assert done.returncode == 0 and done.stdout.strip() == f"skywitness {skywitness.__version__}"
    done = subprocess.run(
        [sys.executable, "-m", "skywitness", "export", "--from", "inf", "--out", "x.csv"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
