"""The argument parser: every command, every option with its help and default,
and one or two examples per command."""

from __future__ import annotations

import argparse
from typing import NoReturn

from skywitness.cli import commands, demo
from skywitness.errors import UsageError
from skywitness.sim.world import WORLDS
from skywitness.version import __version__

STORE_HELP = "store directory (default: $SKYWITNESS_STORE, else ./skywitness-data)"
TIME_FORMS = (
    "ISO-8601 (UTC unless an offset is given: 2024-05-20T10:15Z, 2024-05-20) or Unix seconds"
)
BBOX_HELP = "W,S,E,N in degrees, longitude first; W > E crosses the antimeridian (default: no box)"


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Defaults shown after each option's help (argparse's own), except where
    the help text already says what the default is (a ``None`` default means
    "not given", which the text explains) and for on/off flags; epilogs keep
    their line breaks (examples)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if action.default is None or action.nargs == 0:  # not given / a flag
            return text
        if "default:" in text:
            return text
        return super()._get_help_string(action)


class Parser(argparse.ArgumentParser):
    """argparse, with its errors raised as :class:`UsageError` (one line on
    stderr, exit 2, and the ``--json`` object) instead of usage text and exit."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"want a number of seconds, not {text!r}")
    return value


def examples(*lines: str) -> str:
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


def build() -> argparse.ArgumentParser:
    """The parser; each command's ``func`` takes the parsed arguments and
    returns the exit code."""
    p = Parser(
        prog="skywitness",
        description=(
            "Read aircraft surveillance data (ADS-B, Mode S) and show what happened in the "
            "sky: GNSS jamming and spoofing."
        ),
        formatter_class=HelpFormatter,
        epilog=(
            examples(
                "skywitness demo",
                "skywitness ingest ~/adsb/2024-05-20/ && skywitness jamming --out map.html",
            )
            + "\n\ntimes: "
            + TIME_FORMS
            + "\nexit codes: 0 done; 2 bad input, usage or environment (a file or record "
            "that cannot be read, a full or read-only disk; one line on stderr each); "
            "3 internal error, a bug (rerun with SKYWITNESS_DEBUG=1 for the traceback); "
            "130 interrupted. With --json, one JSON object whatever happens, with an "
            '"error" field when the run failed.'
        ),
    )
    p.add_argument("--version", action="version", version=f"skywitness {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str, epilog: str) -> argparse.ArgumentParser:
        return sub.add_parser(
            name, help=help, description=help, epilog=epilog, formatter_class=HelpFormatter
        )

    s = command(
        "ingest",
        "read files or directories into the store",
        examples(
            "skywitness ingest ~/adsb/readsb-hist/2024/05/20/ --store data",
            "skywitness ingest capture.bin --format beast --start-time 2024-05-20T10:00Z "
            "--reference 52.31,4.76",
        )
        + "\n\nFiles under a directory whose content is of no supported format (notes, "
        "scripts,\ntruth.json) are skipped and counted; a file named on the command line "
        "must be readable.\nUnder a directory, hidden names are passed over, symbolic "
        "links are followed only with\n--follow-links, and the store itself is never "
        "read; what is left out is said on stderr.\nA record that cannot be read is "
        "skipped and counted; a file that cannot be read is named\n(exit 2) and the "
        "other files are still stored.",
    )
    s.add_argument("paths", nargs="+", metavar="PATH", help="files or directories (recursive)")
    s.add_argument("--store", help=STORE_HELP)
    s.add_argument(
        "--format",
        help="read every file as this format (see `skywitness formats`; "
        "default: detected from each file's content)",
    )
    s.add_argument(
        "--reference",
        metavar="LAT,LON",
        help="receiver position, to decode surface positions in raw Mode S (default: none)",
    )
    s.add_argument(
        "--start-time",
        metavar="T",
        help="absolute start of files with a relative clock (Beast): "
        f"{TIME_FORMS} (default: the file's own clock)",
    )
    s.add_argument(
        "--follow-links",
        action="store_true",
        help="read through symbolic links found under directories (each directory once)",
    )
    wait = s.add_mutually_exclusive_group()
    wait.add_argument(
        "--wait",
        dest="wait",
        action="store_const",
        const=True,
        default=True,
        help="when another ingest is writing to the store, wait for it to finish, saying "
        "whom it waits for (the default)",
    )
    wait.add_argument(
        "--no-wait",
        dest="wait",
        action="store_const",
        const=False,
        help="fail at once (exit 2) when another ingest is writing to the store",
    )
    wait.add_argument(
        "--wait-at-most",
        dest="wait",
        type=_seconds,
        metavar="SECONDS",
        help="wait for another ingest at most this long, then fail (exit 2) (default: no limit)",
    )
    s.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="processes reading files while the store is written (default: one per core "
        "when there are more than 32 MB to read, else 1: reading in-process)",
    )
    s.add_argument("--json", action="store_true", help="print one JSON object")
    s.add_argument("--show-skips", type=int, default=5, metavar="N", help="skipped records to name")
    s.set_defaults(func=commands.ingest)

    s = command(
        "verify",
        "check every part of the store against its commit record (sizes, checksums, row counts)",
        examples("skywitness verify", "skywitness verify --store data --json"),
    )
    s.add_argument("--store", help=STORE_HELP)
    s.add_argument("--json", action="store_true", help="print one JSON object")
    s.set_defaults(func=commands.verify)

    s = command(
        "info",
        "summarise the store",
        examples("skywitness info", "skywitness info --store data --json"),
    )
    s.add_argument("--store", help=STORE_HELP)
    s.add_argument("--json", action="store_true", help="print one JSON object")
    s.set_defaults(func=commands.info)

    s = command(
        "export",
        "write reports to Parquet, CSV or GeoJSON (by extension)",
        examples(
            "skywitness export --from 2024-05-20T10:00Z --to 2024-05-20T12:00Z --out day.parquet",
            "skywitness export --bbox 20,54,24,56 --icao24 4baac6 --out thy.geojson",
        ),
    )
    s.add_argument("--store", help=STORE_HELP)
    _window_options(s)
    s.add_argument("--bbox", metavar="W,S,E,N", help="keep positions inside this box: " + BBOX_HELP)
    s.add_argument(
        "--icao24",
        action="append",
        metavar="X",
        help="aircraft address, 6 hex digits (repeatable or comma-separated; default: every aircraft)",
    )
    s.add_argument(
        "--out", required=True, metavar="FILE", help=".parquet, .csv or .geojson (required)"
    )
    s.add_argument("--json", action="store_true", help="print one JSON object")
    s.set_defaults(func=commands.export)

    s = command(
        "simulate",
        "write a synthetic scenario with ground truth (data records only)",
        examples(
            "skywitness simulate jamming --out sim/jamming",
            "skywitness simulate my-scenario.toml --out sim/mine --seed 3 --size 0.5",
            "skywitness simulate jamming --out sim/held-out --world terrain --seed 7",
        ),
    )
    s.add_argument("scenario", help="a shipped scenario name or a TOML file")
    s.add_argument("--out", required=True, metavar="DIR", help="new directory to write (required)")
    s.add_argument("--seed", type=int, default=0, help="random seed")
    s.add_argument("--size", type=float, default=1.0, help="traffic scale factor")
    s.add_argument(
        "--no-snapshots", action="store_true", help="write traces and truth only (faster)"
    )
    s.add_argument(
        "--world",
        metavar="NAME",
        choices=list(WORLDS),
        help="world model (default: the scenario's [world] name, else base): "
        + "; ".join(
            f"{name}: {model.description}".replace("%", "%%") for name, model in WORLDS.items()
        ),
    )
    s.add_argument("--json", action="store_true", help="print one JSON object")
    s.set_defaults(func=commands.simulate)

    s = command(
        "jamming",
        "GNSS interference maps, events and emitters",
        examples(
            "skywitness jamming --from 2024-05-20 --to 2024-05-21 --out map.html --out map.csv",
            "skywitness jamming --bbox 18,53,24,57 --window 1h --events-out events.geojson",
        ),
    )
    s.add_argument("--store", help=STORE_HELP)
    _window_options(s)
    s.add_argument(
        "--bbox",
        metavar="W,S,E,N",
        help="aircraft seen inside this box (all their reports are used): " + BBOX_HELP,
    )
    s.add_argument("--resolution", type=int, default=4, help="H3 resolution of map cells")
    s.add_argument("--window", choices=("1h", "1d"), default="1d", help="map time window")
    s.add_argument(
        "--mode",
        choices=("nacp", "nic"),
        default="nacp",
        help="quality field: nacp (GPSJam's counter) or nic (NIC < 6)",
    )
    s.add_argument(
        "--out",
        action="append",
        metavar="FILE",
        help="map: .csv (GPSJam), .geojson, .parquet, .png, .html; repeatable (default: none)",
    )
    s.add_argument(
        "--events-out",
        metavar="FILE",
        help="events and emitters as GeoJSON (default: none)",
    )
    _engine_options(s)
    s.add_argument("--json", action="store_true", help="print one JSON object")
    s.set_defaults(func=commands.jamming)

    s = command(
        "spoofing",
        "GNSS spoofing: intervals, spoofed places, true paths",
        examples(
            "skywitness spoofing --from 2024-09-17 --to 2024-09-18 --out spoofing.geojson",
            "skywitness spoofing --bbox 33,31,37,35 --json",
        ),
    )
    s.add_argument("--store", help=STORE_HELP)
    _window_options(s)
    s.add_argument(
        "--bbox",
        metavar="W,S,E,N",
        help="aircraft seen (at any reported position) inside this box: " + BBOX_HELP,
    )
    s.add_argument(
        "--out",
        action="append",
        metavar="FILE",
        help=".geojson (false positions, places, areas, estimated paths), .csv "
        "(intervals), .parquet (per-report flags of the spoofed aircraft), .png, .html; "
        "repeatable (default: none)",
    )
    _engine_options(s)
    s.add_argument("--json", action="store_true", help="print one JSON object")
    s.set_defaults(func=commands.spoofing)

    s = command(
        "flight",
        "one aircraft's flights: timeline, path through gaps, approaches, end (report)",
        examples(
            "skywitness flight 4baac6 --out flight.html",
            "skywitness flight XAZ7049 --from 2025-02-11T05:00 --to 2025-02-11T08:00 --json",
        ),
    )
    s.add_argument("aircraft", metavar="ICAO24_OR_CALLSIGN",
                   help="an ICAO 24-bit address (6 hex digits) or a callsign")  # fmt: skip
    s.add_argument("--store", help=STORE_HELP)
    _window_options(s)
    s.add_argument(
        "--out",
        action="append",
        metavar="FILE",
        help=".html (offline report), .geojson (track, uncertainty, events), .csv or "
        ".parquet (track, one row per report); repeatable (default: none)",
    )
    s.add_argument(
        "--no-areas",
        dest="areas",
        action="store_false",
        help="skip the jamming areas around the flight (reads only the aircraft's reports)",
    )
    s.add_argument("--json", action="store_true", help="print one JSON object")
    s.set_defaults(func=commands.flight)

    s = command(
        "check",
        "weigh claims about flights (a claims file) against the record",
        examples(
            "skywitness check claims.json --store data --out check.html",
            "skywitness check claims.yaml --json",
        ),
    )
    s.add_argument("claims", metavar="CLAIMS_FILE", help="a claims file (JSON, or YAML)")
    s.add_argument("--store", help=STORE_HELP)
    s.add_argument(
        "--out",
        action="append",
        metavar="FILE",
        help=".html (offline report), .json (the verdicts), .geojson (observers, observer "
        "regions, claimed positions), .csv (one row per claim); repeatable (default: none)",
    )
    s.add_argument("--json", action="store_true", help="print one JSON object")
    s.set_defaults(func=commands.check)

    s = command(
        "demo",
        "simulate, ingest and analyse a jamming and a spoofing scenario (about a minute)",
        examples("skywitness demo", "skywitness demo --store /tmp/demo/store"),
    )
    s.add_argument(
        "--store",
        help="store directory; the simulated records go to <store>-sample and the "
        "results to <store>-out (default: $SKYWITNESS_STORE, else ./skywitness-data)",
    )
    s.set_defaults(func=demo.demo)

    s = command(
        "formats",
        "list the input formats",
        examples("skywitness formats", "skywitness ingest FILE --format readsb-trace"),
    )
    s.set_defaults(func=commands.formats)
    return p


def _window_options(s: argparse.ArgumentParser) -> None:
    s.add_argument(
        "--from",
        dest="start",
        metavar="T",
        help=f"start of the window, inclusive: {TIME_FORMS} (default: the first report)",
    )
    s.add_argument(
        "--to",
        dest="end",
        metavar="T",
        help="end of the window, exclusive, same forms (default: after the last report)",
    )


def _engine_options(s: argparse.ArgumentParser) -> None:
    """How a job reads and computes the store: partitions, workers, engine."""
    s.add_argument(
        "--partition-rows",
        type=int,
        metavar="N",
        help="read and compute the store in partitions of whole aircraft of about N reports "
        "(bounds memory; default 1,000,000; results are the same)",
    )
    s.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="processes computing partitions (default: one per core; local engine)",
    )
    s.add_argument(
        "--engine",
        choices=("local", "spark"),
        default="local",
        help="what reads and computes the partitions: local (worker processes, the default) "
        "or spark (PySpark: install skywitness[spark] and Java 17+; results are the same)",
    )
    s.add_argument(
        "--spark-master",
        metavar="URL",
        help="Spark master URL for --engine spark (default local[2]; e.g. spark://HOST:7077, "
        "with the store at the same path on every node)",
    )
