"""The commands: each turns parsed arguments into a call to the store, a job
or the simulator, and prints what came of it. Exit codes are in
:mod:`skywitness.cli`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skywitness.cli import options
from skywitness.errors import UsageError

if TYPE_CHECKING:
    from skywitness.report.provenance import Provenance
    from skywitness.store import Store

EXIT_OK, EXIT_INPUT, EXIT_INTERNAL = 0, 2, 3
#: Files named in the one-line summary of files skipped as of no supported
#: format (the rest are counted); a modelling choice: enough to recognise them, short
#: enough to stay one readable line.
SKIPPED_NAMES_SHOWN = 5


def ingest(args: argparse.Namespace) -> int:
    from skywitness.io.reading import Inputs
    from skywitness.store import Store, resolve_store

    reference = None if args.reference is None else options.latlon(args.reference)
    start_ns = options.start_time(args.start_time)
    if args.show_skips < 0:
        raise UsageError(f"bad --show-skips {args.show_skips}: want 0 or more")
    inputs = Inputs(args.paths, format=args.format, reference=reference, start_time_ns=start_ns)
    store = Store(resolve_store(args.store))
    result = _with_progress(
        len(inputs),
        lambda on_file, on_rows: store.ingest(
            inputs.openers(on_skip=lambda _: on_file()),
            on_file=lambda _: on_file(),
            on_rows=on_rows,
        ),
    )
    for err in result.errors:
        print(f"skywitness: {err.one_line()}", file=sys.stderr)
    for note in result.notes:
        print(f"skywitness: note: {note.one_line()}", file=sys.stderr)
    if inputs.unsupported:
        print(f"skywitness: {skipped_files_line(inputs.unsupported)}", file=sys.stderr)
    if args.json:
        print_json({**result.as_json(), "unsupported": [str(p) for p in inputs.unsupported]})
    else:
        print(f"{result.files} files read ({result.already} already in the store), "
              f"{result.reports} reports added, {result.skipped} records skipped, "
              f"{len(result.errors)} files unreadable; store: {store.root}")  # fmt: skip
        for issue in result.skip_reasons[: args.show_skips]:
            print(f"  skipped {issue.one_line()}")
    return EXIT_INPUT if result.errors else EXIT_OK


def skipped_files_line(paths: Sequence[Path]) -> str:
    """``skipped 3 files of no supported format: truth.json, a.py, b.py``."""
    n = len(paths)
    names = ", ".join(str(p) for p in paths[:SKIPPED_NAMES_SHOWN])
    more = f" and {n - SKIPPED_NAMES_SHOWN} more" if n > SKIPPED_NAMES_SHOWN else ""
    return f"skipped {n} file{'s' if n != 1 else ''} of no supported format: {names}{more}"


def info(args: argparse.Namespace) -> int:
    info = open_store(args.store).info()
    if args.json:
        print_json(info)
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


def export(args: argparse.Namespace) -> int:
    from skywitness.report.export import export_format, write

    out = Path(args.out)
    export_format(out)  # fail on a bad extension before querying
    start, end = options.window(args.start, args.end)
    box = None if args.bbox is None else options.bbox(args.bbox)
    store = open_store(args.store)
    aircraft = args.icao24 or None
    table = store.query(start=start, end=end, bbox=box, icao24=aircraft)
    if table.num_rows == 0:
        say_if_empty(store, 0, start, end, box, aircraft)
    written = write(table, out, provenance=provenance(args, store, start, end))
    if args.json:
        print_json(written)
    else:
        print(f"{written['rows']} reports written to {written['file']} ({written['format']})")
    return EXIT_OK


def simulate(args: argparse.Namespace) -> int:
    from skywitness.progress import terminal_progress
    from skywitness.sim import simulate

    with terminal_progress("simulate") as progress:
        summary = simulate(args.scenario, Path(args.out), seed=args.seed, size=args.size,
                           snapshots=not args.no_snapshots, progress=progress)  # fmt: skip
    if args.json:
        print_json(summary)
    else:
        print(f"{summary['scenario']} (seed {summary['seed']}, size {summary['size']}): "
              f"{summary['aircraft']} aircraft, {summary['flights']} flights, "
              f"{summary['affected_aircraft']} affected by jamming, "
              f"{summary['spoofed_aircraft']} spoofed; {summary['trace_files']} trace files, "
              f"{summary['snapshot_files']} snapshots and truth.json in {summary['out']}")  # fmt: skip
    return EXIT_OK


def jamming(args: argparse.Namespace) -> int:
    from skywitness.jobs.jamming import event_line, jamming_analysis
    from skywitness.progress import terminal_progress

    start, end = options.window(args.start, args.end)
    box = None if args.bbox is None else options.bbox(args.bbox)
    store = open_store(args.store)
    with terminal_progress("jamming") as progress:
        result = jamming_analysis(
            store, start_ns=start, end_ns=end, bbox=box,
            resolution=args.resolution, window=args.window, mode=args.mode,
            outputs=[Path(o) for o in args.out or []],
            events_out=None if args.events_out is None else Path(args.events_out),
            provenance=provenance(args, store, start, end), progress=progress,
        )  # fmt: skip
    say_if_empty(store, result.reports, start, end, box)
    if args.json:
        print_json(result.as_json())
        return EXIT_OK
    print(f"{result.reports} reports, {result.aircraft} airborne aircraft "
          f"({result.unknown_aircraft} without quality fields for mode {args.mode}); "
          f"{result.cells} cell-windows, {len(result.events)} interference events")  # fmt: skip
    for e in result.events:
        print(event_line(e))
    for w in result.written:
        print(f"  wrote {w['file']}")
    return EXIT_OK


def spoofing(args: argparse.Namespace) -> int:
    from skywitness.jobs.spoofing import place_line, spoofing_analysis
    from skywitness.progress import terminal_progress

    start, end = options.window(args.start, args.end)
    box = None if args.bbox is None else options.bbox(args.bbox)
    store = open_store(args.store)
    with terminal_progress("spoofing") as progress:
        result = spoofing_analysis(
            store, start_ns=start, end_ns=end, bbox=box,
            outputs=[Path(o) for o in args.out or []],
            provenance=provenance(args, store, start, end), progress=progress,
        )  # fmt: skip
    say_if_empty(store, result.reports, start, end, box)
    if args.json:
        print_json(result.as_json())
        return EXIT_OK
    trusted = sum(1 for iv in result.intervals if iv.trusted_quality)
    print(f"{result.reports} reports, {result.aircraft} airborne aircraft; "
          f"{len(result.intervals)} spoofed intervals on "
          f"{len({iv.icao24 for iv in result.intervals})} aircraft ({trusted} with quality "
          f"fields still saying good), {len(result.clusters)} spoofed places")  # fmt: skip
    for k, c in enumerate(result.clusters, 1):
        print(place_line(k, c))
    for w in result.written:
        print(f"  wrote {w['file']}")
    return EXIT_OK


def formats(args: argparse.Namespace) -> int:
    from skywitness.io import registry

    for name in registry.names():
        print(f"{name:<16} {registry.get(name).description}")
    return EXIT_OK


# -- helpers ------------------------------------------------------------------


def open_store(path: str | None) -> Store:
    from skywitness.store import Store, resolve_store

    return Store(resolve_store(path), create=False)


def provenance(
    args: argparse.Namespace, store: Store, start: int | None, end: int | None
) -> Provenance:
    """What the outputs of this run record: the command line as typed, the
    store (an absolute path) and the window asked for."""
    from skywitness.report.provenance import Provenance

    return Provenance.from_argv(
        args.argv, inputs=[str(store.root.resolve())], start_ns=start, end_ns=end
    )


def say_if_empty(
    store: Store,
    reports: int,
    start: int | None,
    end: int | None,
    box: options.BBox | None,
    aircraft: list[str] | None = None,
) -> None:
    """A warning when the selection holds no reports, saying what the store
    holds, and whether the box read as S,W,N,E would have held some."""
    if reports:
        return
    from skywitness.model.timefmt import iso_utc

    asked = []
    if start is not None or end is not None:
        asked.append(
            f"in the window {'...' if start is None else iso_utc(start, 'seconds')} .. "
            f"{'...' if end is None else iso_utc(end, 'seconds')}"
        )
    if box is not None:
        asked.append(f"in the box {options.fmt_bbox(box)}")
    if aircraft:
        asked.append(f"of aircraft {', '.join(aircraft)}")
    held = store.info()
    if not held["reports"]:
        options.warn(f"no reports: the store {store.root} is empty")
        return
    message = (
        f"no reports {', '.join(asked) or 'in the store'} "
        f"(the store holds {held['reports']} from {held['start']} to {held['end']})"
    )
    other = None if box is None else options.swapped(box)
    if other is not None:
        n = store.query(start=start, end=end, bbox=other, icao24=aircraft, columns=["icao24"])
        if n.num_rows:
            message += (
                f"; {n.num_rows} are in the box with latitude and longitude swapped: "
                f"did you mean --bbox {options.fmt_bbox(other)} (W,S,E,N)?"
            )
    options.warn(message)


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


def print_json(obj: Any) -> None:
    print(json.dumps(obj, indent=None, separators=(", ", ": ")))
