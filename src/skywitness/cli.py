"""The command line: parses arguments, calls the library, prints. Nothing else.

Exit codes: 0 success; 2 bad input or usage (one line on stderr per problem);
3 an internal error (a bug: rerun with SKYWITNESS_DEBUG=1 for the traceback).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from skywitness.errors import SkywitnessError, UsageError

EXIT_OK, EXIT_INPUT, EXIT_INTERNAL = 0, 2, 3
#: What `skywitness demo` simulates and analyses (seed 0 each).
DEMO_SCENARIOS = ("jamming", "spoofing")
#: Options whose value may start with a minus sign (western longitudes,
#: southern latitudes), which argparse would otherwise take for an option.
_SIGNED_VALUE_OPTIONS = ("--bbox", "--reference")


def _join_signed_values(argv: Sequence[str]) -> list[str]:
    """``--bbox -100,30,-80,50`` -> ``--bbox=-100,30,-80,50``."""
    out: list[str] = []
    it = iter(argv)
    for arg in it:
        if arg in _SIGNED_VALUE_OPTIONS:
            value = next(it, None)
            out.append(arg if value is None else f"{arg}={value}")
        else:
            out.append(arg)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(_join_signed_values(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return int(exc.code or 0)
    try:
        code: int = args.func(args)
        return code
    except SkywitnessError as exc:
        print(f"skywitness: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("skywitness: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if os.environ.get("SKYWITNESS_DEBUG"):
            raise
        print(f"skywitness: internal error: {type(exc).__name__}: {exc} "
              "(rerun with SKYWITNESS_DEBUG=1 for details)", file=sys.stderr)  # fmt: skip
        return EXIT_INTERNAL


def run() -> None:
    """Console entry point."""
    sys.exit(main())


# -- commands -----------------------------------------------------------------


def _ingest(args: argparse.Namespace) -> int:
    from skywitness.io import expand, open_file
    from skywitness.store import Store, resolve_store

    store = Store(resolve_store(args.store))
    paths = expand(args.paths)
    reference = _latlon(args.reference) if args.reference else None
    start_ns = _time_ns(args.start_time) if args.start_time else None

    def opener(p: Path) -> Callable[[], Any]:
        return lambda: open_file(p, format=args.format, reference=reference, start_time_ns=start_ns)

    result = _with_progress(
        len(paths),
        lambda on_file, on_rows: store.ingest(
            (opener(p) for p in paths), on_file=lambda _: on_file(), on_rows=on_rows
        ),
    )
    for err in result.errors:
        print(f"skywitness: {err.one_line()}", file=sys.stderr)
    for note in result.notes:
        print(f"skywitness: note: {note.one_line()}", file=sys.stderr)
    if args.json:
        _print_json(result.as_json())
    else:
        print(f"{result.files} files read ({result.already} already in the store), "
              f"{result.reports} reports added, {result.skipped} records skipped, "
              f"{len(result.errors)} files unreadable; store: {store.root}")  # fmt: skip
        for issue in result.skip_reasons[: args.show_skips]:
            print(f"  skipped {issue.one_line()}")
    return EXIT_INPUT if result.errors else EXIT_OK


def _info(args: argparse.Namespace) -> int:
    from skywitness.store import Store, resolve_store

    info = Store(resolve_store(args.store), create=False).info()
    if args.json:
        _print_json(info)
    else:
        print(f"store      {info['store']}")
        print(f"files      {info['files']}")
        print(f"reports    {info['reports']} ({info['with_position']} with a position)")
        print(f"aircraft   {info['aircraft']}")
        print(f"time span  {info['start']} .. {info['end']}")
        for key in ("by_format", "by_source"):
            for name, n in info[key].items():
                print(f"  {key[3:]:<7} {name:<16} {n}")
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    from skywitness.report.export import export_format, write
    from skywitness.store import Store, resolve_store

    out = Path(args.out)
    export_format(out)  # fail on a bad extension before querying
    store = Store(resolve_store(args.store), create=False)
    table = store.query(
        start=_time_ns(args.start) if args.start else None,
        end=_time_ns(args.end) if args.end else None,
        bbox=_bbox(args.bbox) if args.bbox else None,
        icao24=args.icao24 or None,
    )
    written = write(table, out)
    if args.json:
        _print_json(written)
    else:
        print(f"{written['rows']} reports written to {written['file']} ({written['format']})")
    return EXIT_OK


def _simulate(args: argparse.Namespace) -> int:
    from skywitness.sim import simulate

    summary = simulate(args.scenario, Path(args.out), seed=args.seed, size=args.size,
                       snapshots=not args.no_snapshots)  # fmt: skip
    if args.json:
        _print_json(summary)
    else:
        print(f"{summary['scenario']} (seed {summary['seed']}, size {summary['size']}): "
              f"{summary['aircraft']} aircraft, {summary['flights']} flights, "
              f"{summary['affected_aircraft']} affected by jamming, "
              f"{summary['spoofed_aircraft']} spoofed; {summary['trace_files']} trace files, "
              f"{summary['snapshot_files']} snapshots and truth.json in {summary['out']}")  # fmt: skip
    return EXIT_OK


def _jamming(args: argparse.Namespace) -> int:
    from skywitness.jobs.jamming import jamming_analysis

    store = _open_store(args.store)
    result = jamming_analysis(
        store,
        start_ns=_time_ns(args.start) if args.start else None,
        end_ns=_time_ns(args.end) if args.end else None,
        bbox=_bbox(args.bbox) if args.bbox else None,
        resolution=args.resolution, window=args.window, mode=args.mode,
        outputs=[Path(o) for o in args.out or []],
        events_out=Path(args.events_out) if args.events_out else None,
    )  # fmt: skip
    if args.json:
        _print_json({"events": [e.as_json() for e in result.events], "cells": result.cells})
        return EXIT_OK
    print(f"{result.reports} reports, {result.aircraft} airborne aircraft "
          f"({result.unknown_aircraft} without quality fields for mode {args.mode}); "
          f"{result.cells} cell-windows, {len(result.events)} interference events")  # fmt: skip
    for e in result.events:
        em = e.emitter
        where = ("emitter not located (too few aircraft entering the area)" if em is None else
                 f"emitter {em.lat:.3f}, {em.lon:.3f} +/- {em.error_km_95:.1f} km (95 %), "
                 f"range {em.range_km:.0f} km")  # fmt: skip
        print(
            f"  {e.id}: {len(e.aircraft)} aircraft, {e.as_json()['start']} .. {e.as_json()['end']}, {where}"
        )
    for w in result.written:
        print(f"  wrote {w['file']}")
    return EXIT_OK


def _spoofing(args: argparse.Namespace) -> int:
    from skywitness.jobs.spoofing import spoofing_analysis

    store = _open_store(args.store)
    result = spoofing_analysis(
        store,
        start_ns=_time_ns(args.start) if args.start else None,
        end_ns=_time_ns(args.end) if args.end else None,
        bbox=_bbox(args.bbox) if args.bbox else None,
        outputs=[Path(o) for o in args.out or []],
    )
    if args.json:
        _print_json(result.as_json())
        return EXIT_OK
    trusted = sum(1 for iv in result.intervals if iv.trusted_quality)
    print(f"{result.reports} reports, {result.aircraft} airborne aircraft; "
          f"{len(result.intervals)} spoofed intervals on "
          f"{len({iv.icao24 for iv in result.intervals})} aircraft ({trusted} with quality "
          f"fields still saying good), {len(result.clusters)} spoofed places")  # fmt: skip
    for c in result.clusters:
        j = c.as_json()
        shape = f"circle of {c.radius_km:.1f} km" if c.pattern == "circle" else "point"
        area = ("spoofer's area not located (too few captures seen)" if c.area is None else
                f"spoofer's area centred {c.area.lat:.3f}, {c.area.lon:.3f} "
                f"+/- {c.area.error_km_95:.0f} km (95 %), reach {c.area.range_km:.0f} km")  # fmt: skip
        print(f"  {j['start']} .. {j['end']}: {c.n_aircraft} aircraft reported at "
              f"{c.lat:.4f}, {c.lon:.4f} +/- {c.error_km_95:.2f} km ({shape}); {area}")  # fmt: skip
    for w in result.written:
        print(f"  wrote {w['file']}")
    return EXIT_OK


def _open_store(path: str | None) -> Any:
    from skywitness.store import Store, resolve_store

    return Store(resolve_store(path), create=False)


def _demo(args: argparse.Namespace) -> int:
    from skywitness.sim import simulate
    from skywitness.store import resolve_store

    store_dir = resolve_store(args.store)
    sample_dir = store_dir.parent / (store_dir.name + "-sample")
    out_dir = store_dir.parent / (store_dir.name + "-out")
    windows = {}
    for scenario in DEMO_SCENARIOS:
        where = sample_dir / scenario
        if not (where / "truth.json").exists():
            print(f"Simulating the {scenario!r} scenario (seed 0) into {where}: readsb traces, "
                  "readsb-hist snapshots and ground truth")  # fmt: skip
            simulate(scenario, where, seed=0)
        truth = json.loads((where / "truth.json").read_text())
        windows[scenario] = (truth["start"], truth["end"])
    print("Ingesting the snapshots (ADS-B Exchange readsb-hist layout) ...")
    ns = argparse.Namespace(
        store=str(store_dir), paths=[str(sample_dir / s / "readsb-hist") for s in DEMO_SCENARIOS],
        format=None, reference=None, start_time=None, json=False, show_skips=5,
    )  # fmt: skip
    code = _ingest(ns)
    if code != EXIT_OK:
        return code
    print()
    _info(argparse.Namespace(store=str(store_dir), json=False))
    print()
    start, end = windows["jamming"]
    print(f"GNSS interference, {start} .. {end} (mode nacp, H3 resolution 4, hourly windows):")
    outs = [str(out_dir / f"jamming-map.{ext}") for ext in ("html", "geojson", "csv", "parquet")]
    if _has_matplotlib():
        outs.append(str(out_dir / "jamming-map.png"))
    code = _jamming(argparse.Namespace(
        store=str(store_dir), start=start, end=end, bbox=None, resolution=4, window="1h",
        mode="nacp", out=outs, events_out=str(out_dir / "jamming-events.geojson"), json=False,
    ))  # fmt: skip
    if code != EXIT_OK:
        return code
    print()
    start, end = windows["spoofing"]
    print(f"GNSS spoofing, {start} .. {end}:")
    outs = [str(out_dir / f"spoofing.{ext}") for ext in ("geojson", "csv", "parquet")]
    if _has_matplotlib():
        outs.append(str(out_dir / "spoofing-map.png"))
    return _spoofing(argparse.Namespace(
        store=str(store_dir), start=start, end=end, bbox=None, out=outs, json=False,
    ))  # fmt: skip


def _has_matplotlib() -> bool:
    import importlib.util

    return importlib.util.find_spec("matplotlib") is not None


def _formats(args: argparse.Namespace) -> int:
    from skywitness.io import registry

    for name in registry.names():
        print(f"{name:<16} {registry.get(name).description}")
    return EXIT_OK


# -- helpers ------------------------------------------------------------------


def _with_progress(
    total: int, work: Callable[[Callable[[], None], Callable[[int], None]], Any]
) -> Any:
    """Run ``work(on_file, on_rows)`` under a progress bar: files done, reports so far."""
    from tqdm import tqdm

    # Shown on an interactive terminal only (tqdm's disable=None), on stderr.
    with tqdm(total=total, desc="ingest", unit="file", disable=None, file=sys.stderr) as bar:
        rows = 0

        def on_rows(n: int) -> None:
            nonlocal rows
            rows += n
            bar.set_postfix(reports=rows)

        return work(lambda: bar.update(1), on_rows)


def _print_json(obj: Any) -> None:
    print(json.dumps(obj, indent=None, separators=(", ", ": ")))


def _time_ns(text: str) -> int:
    """ISO-8601 (UTC if no offset is given) or Unix seconds, as UTC nanoseconds."""
    try:
        return round(float(text) * 1e9)
    except ValueError:
        pass
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"bad time {text!r}: use ISO-8601 (2024-12-25T05:13Z) or Unix seconds"
        ) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp()) * 10**9 + dt.microsecond * 1000


def _floats(text: str, n: int, what: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        values = []
    if len(values) != n:
        raise UsageError(f"bad {what} {text!r}")
    return values


def _latlon(text: str) -> tuple[float, float]:
    lat, lon = _floats(text, 2, "reference (want LAT,LON)")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise UsageError(f"reference {text!r} out of range")
    return lat, lon


def _bbox(text: str) -> tuple[float, float, float, float]:
    west, south, east, north = _floats(text, 4, "bounding box (want W,S,E,N)")
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= north <= 90):
        raise UsageError(f"bounding box {text!r} out of range (W,S,E,N in degrees)")
    return west, south, east, north


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="skywitness",
        description="Read aircraft surveillance data (ADS-B, Mode S) and show what happened in the sky.",
    )
    sub = p.add_subparsers(dest="command", required=True)
    store_help = "store directory (default: $SKYWITNESS_STORE or ./skywitness-data)"

    s = sub.add_parser("ingest", help="read files or directories into the store")
    s.add_argument("paths", nargs="+", metavar="PATH")
    s.add_argument("--store", help=store_help)
    s.add_argument("--format", help="force an input format (see `skywitness formats`)")
    s.add_argument(
        "--reference", metavar="LAT,LON", help="receiver position for raw Mode S (surface CPR)"
    )
    s.add_argument(
        "--start-time", metavar="T", help="absolute start of files with a relative clock (Beast)"
    )
    s.add_argument("--json", action="store_true", help="print one JSON object")
    s.add_argument("--show-skips", type=int, default=5, metavar="N", help="skip reasons to print")
    s.set_defaults(func=_ingest)

    s = sub.add_parser("info", help="summarise the store")
    s.add_argument("--store", help=store_help)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=_info)

    s = sub.add_parser("export", help="write reports to Parquet, CSV or GeoJSON (by extension)")
    s.add_argument("--store", help=store_help)
    s.add_argument("--from", dest="start", metavar="T", help="start time (ISO-8601 UTC or Unix s)")
    s.add_argument("--to", dest="end", metavar="T", help="end time, exclusive")
    s.add_argument("--bbox", metavar="W,S,E,N", help="keep positions inside this box")
    s.add_argument("--icao24", action="append", metavar="X", help="aircraft address (repeatable)")
    s.add_argument("--out", required=True, metavar="FILE")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=_export)

    s = sub.add_parser("simulate", help="write a synthetic scenario with ground truth (data only)")
    s.add_argument("scenario", help="a shipped scenario name or a TOML file")
    s.add_argument("--out", required=True, metavar="DIR")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--size", type=float, default=1.0, help="traffic scale factor")
    s.add_argument("--no-snapshots", action="store_true", help="write traces and truth only")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=_simulate)

    s = sub.add_parser("jamming", help="GNSS interference maps, events and emitters")
    s.add_argument("--store", help=store_help)
    s.add_argument("--from", dest="start", metavar="T")
    s.add_argument("--to", dest="end", metavar="T")
    s.add_argument("--bbox", metavar="W,S,E,N", help="aircraft seen inside this box")
    s.add_argument("--resolution", type=int, default=4, help="H3 resolution (default 4)")
    s.add_argument("--window", choices=("1h", "1d"), default="1d")
    s.add_argument("--mode", choices=("nacp", "nic"), default="nacp")
    s.add_argument("--out", action="append", metavar="FILE",
                   help="map: .csv (GPSJam), .geojson, .parquet, .png, .html; repeatable")  # fmt: skip
    s.add_argument("--events-out", metavar="FILE", help="events and emitters as GeoJSON")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=_jamming)

    s = sub.add_parser("spoofing", help="GNSS spoofing: intervals, spoofed places, true paths")
    s.add_argument("--store", help=store_help)
    s.add_argument("--from", dest="start", metavar="T")
    s.add_argument("--to", dest="end", metavar="T")
    s.add_argument(
        "--bbox", metavar="W,S,E,N", help="aircraft seen (at any reported position) inside this box"
    )
    s.add_argument("--out", action="append", metavar="FILE",
                   help=".geojson (false positions, places, areas, estimated paths), .csv "
                        "(intervals), .parquet (per-report flags), .png; repeatable")  # fmt: skip
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=_spoofing)

    s = sub.add_parser(
        "demo", help="simulate, ingest and analyse a jamming and a spoofing scenario"
    )
    s.add_argument("--store", help=store_help)
    s.set_defaults(func=_demo)

    s = sub.add_parser("formats", help="list the input formats")
    s.set_defaults(func=_formats)
    return p
