"""The commands: each turns parsed arguments into a call to the store, a job
or the simulator, and prints what came of it. Exit codes are in
:mod:`skywitness.cli`."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skywitness.cli import options, output
from skywitness.errors import OutputError, UsageError

if TYPE_CHECKING:
    from skywitness.engine.local import LocalEngine
    from skywitness.engine.spark import SparkEngine
    from skywitness.io.reading import Inputs, Skipped
    from skywitness.report.provenance import Provenance
    from skywitness.store import Store, WriterInfo

EXIT_OK, EXIT_INPUT, EXIT_INTERNAL = 0, 2, 3
#: Files named in the one-line summary of files skipped as of no supported
#: format (the rest are counted); a modelling choice: enough to recognise them, short
#: enough to stay one readable line.
SKIPPED_NAMES_SHOWN = 5


#: Notes about the files read (assumed clocks, positions left out) shown per
#: ingest; an archive of thousands of files would otherwise print thousands.
MAX_NOTES_SHOWN = 10


def ingest(args: argparse.Namespace) -> int:
    from skywitness.io.readahead import read_ahead
    from skywitness.io.reading import FileRead, Inputs
    from skywitness.store import Store
    from skywitness.store.writer import to_store

    reference = None if args.reference is None else options.latlon(args.reference)
    start_ns = options.start_time(args.start_time)
    if args.show_skips < 0:
        raise UsageError(f"bad --show-skips {args.show_skips}: want 0 or more")
    root = options.store_dir(args.store, write=True)
    inputs = Inputs(
        args.paths,
        format=args.format,
        reference=reference,
        start_time_ns=start_ns,
        follow_links=args.follow_links,
        exclude=[root],
    )
    workers = _read_workers(args.jobs, inputs)
    store = Store(root)

    def openers(on_skip: Callable[[Path], None]) -> Iterator[Callable[[], FileRead]]:
        if workers > 1:
            return read_ahead(inputs, workers, on_skip=on_skip, shared_as=to_store)
        return inputs.openers(on_skip=on_skip)

    result = _with_progress(
        len(inputs),
        lambda on_file, on_rows: store.ingest(
            openers(lambda _: on_file()),
            on_file=lambda _: on_file(),
            on_rows=on_rows,
            wait=args.wait,
            on_wait=lambda holder: _waiting(store, holder),
        ),
    )
    for err in result.errors:
        output.error(err.one_line())
    for note in result.notes[:MAX_NOTES_SHOWN]:
        output.note(note.one_line())
    if len(result.notes) > MAX_NOTES_SHOWN:
        output.note(f"... and {len(result.notes) - MAX_NOTES_SHOWN} more notes like these")
    if inputs.unsupported:
        output.error(skipped_files_line(inputs.unsupported))
    left_out = [s for s in inputs.skipped if not s.error]
    for line in left_out_lines(left_out):
        output.error(line)
    code = EXIT_INTERNAL if inputs.bugs else EXIT_INPUT if result.errors else EXIT_OK
    if args.json:
        obj: dict[str, Any] = {
            **result.as_json(),
            "unsupported": [str(p) for p in inputs.unsupported],
        }
        if left_out:  # only then, so that the object of a plain run stays as it was
            obj["left_out"] = [{"path": str(s.path), "reason": s.reason} for s in left_out]
        if code != EXIT_OK:
            obj["error"] = _ingest_error(len(result.errors), len(inputs.bugs))
            obj["exit"] = code
        output.print_json(obj)
    else:
        output.say(f"{result.files} files read ({result.already} already in the store), "
                   f"{result.reports} reports added, {result.skipped} records skipped, "
                   f"{len(result.errors)} files unreadable; store: {store.root}")  # fmt: skip
        for issue in result.skip_reasons[: args.show_skips]:
            output.say(f"  skipped {issue.one_line()}")
    if inputs.bugs:
        output.error(
            f"internal error while reading {len(inputs.bugs)} files (a bug; the other files "
            "were stored): rerun with SKYWITNESS_DEBUG=1 for details"
        )
    return code


def _engine(
    partition_rows: int | None,
    jobs: int | None,
    name: str = "local",
    spark_master: str | None = None,
) -> LocalEngine | SparkEngine:
    from skywitness.engine.local import PARTITION_ROWS, LocalEngine

    if partition_rows is not None and partition_rows < 1:
        raise UsageError(f"bad --partition-rows {partition_rows}: want 1 or more")
    if jobs is not None and jobs < 1:
        raise UsageError(f"bad --jobs {jobs}: want 1 or more")
    if name != "spark":
        if spark_master is not None:
            raise UsageError("--spark-master is for --engine spark")
        return LocalEngine(partition_rows=partition_rows or PARTITION_ROWS, workers=jobs)
    if jobs is not None:
        raise UsageError(
            "--jobs is for the local engine: with --engine spark the master URL sets the "
            "cores (--spark-master 'local[N]')"
        )
    if spark_master is not None and not spark_master.strip():
        raise UsageError("bad --spark-master: empty")
    from skywitness.engine.spark import SparkEngine

    return SparkEngine(master=spark_master, partition_rows=partition_rows or PARTITION_ROWS)


@contextlib.contextmanager
def _closing(engine: object) -> Iterator[None]:
    """Stop what the engine started (the Spark engine's session) at the end."""
    try:
        yield
    finally:
        close = getattr(engine, "close", None)
        if close is not None:
            close()


def _read_workers(jobs: int | None, inputs: Inputs) -> int:
    """Processes to read with: ``--jobs``, else one per core for a large input."""
    from skywitness.io.readahead import MIN_POOL_BYTES, default_workers, input_bytes

    if jobs is not None:
        if jobs < 1:
            raise UsageError(f"bad --jobs {jobs}: want 1 or more")
        return jobs
    if default_workers() > 1 and input_bytes(inputs) >= MIN_POOL_BYTES:
        return default_workers()
    return 1


def _ingest_error(unreadable: int, bugs: int) -> str:
    if bugs:
        return f"internal error while reading {bugs} files (a bug)"
    return f"{unreadable} file{'s' if unreadable != 1 else ''} could not be read"


def _waiting(store: Store, holder: WriterInfo) -> None:
    output.note(f"waiting for {holder.describe()} to finish writing to {store.root} "
                "(--no-wait to fail instead)")  # fmt: skip


def skipped_files_line(paths: Sequence[Path]) -> str:
    """``skipped 3 files of no supported format: truth.json, a.py, b.py``."""
    n = len(paths)
    names = ", ".join(str(p) for p in paths[:SKIPPED_NAMES_SHOWN])
    more = f" and {n - SKIPPED_NAMES_SHOWN} more" if n > SKIPPED_NAMES_SHOWN else ""
    return f"skipped {n} file{'s' if n != 1 else ''} of no supported format: {names}{more}"


def left_out_lines(left_out: Sequence[Skipped]) -> list[str]:
    """One line per reason for what a directory walk left out by rule
    (``left out 2 paths: symbolic link not followed (...): a, b``)."""
    by_reason: dict[str, list[str]] = {}
    for s in left_out:
        by_reason.setdefault(s.reason, []).append(str(s.path))
    lines = []
    for reason, paths in by_reason.items():
        n = len(paths)
        names = ", ".join(paths[:SKIPPED_NAMES_SHOWN])
        more = f" and {n - SKIPPED_NAMES_SHOWN} more" if n > SKIPPED_NAMES_SHOWN else ""
        lines.append(f"left out {n} path{'s' if n != 1 else ''}: {reason}: {names}{more}")
    return lines


def verify(args: argparse.Namespace) -> int:
    report = open_store(args.store).verify()
    code = EXIT_OK if report.ok else EXIT_INPUT
    if args.json:
        obj = report.as_json()
        if not report.ok:
            n = len(report.problems)
            obj["error"] = f"{n} problem{'s' if n != 1 else ''} in the store"
            obj["exit"] = code
        output.print_json(obj)
    else:
        output.say(report.summary())
    for problem in report.problems:
        output.error(problem.one_line())
    for note in report.notes:
        output.note(note)
    return code


def info(args: argparse.Namespace) -> int:
    info = open_store(args.store).info()
    if args.json:
        output.print_json(info)
    else:
        output.say(f"store      {info['store']}")
        output.say(f"files      {info['files']}")
        output.say(f"reports    {info['reports']} ({info['with_position']} with a position)")
        output.say(f"aircraft   {info['aircraft']}")
        output.say(f"time span  {info['start']} .. {info['end']}")
        for key in ("by_format", "by_source"):
            for name, n in info[key].items():
                output.say(f"  {key[3:]:<7} {name:<16} {n}")
    return EXIT_OK


def export(args: argparse.Namespace) -> int:
    from skywitness.report.export import EXPORT_FORMATS, write

    (out,) = options.outputs([args.out], "--out", EXPORT_FORMATS)  # before any work
    start, end = options.window(args.start, args.end)
    box = None if args.bbox is None else options.bbox(args.bbox)
    store = open_store(args.store)
    aircraft = options.icao24s(args.icao24)
    table = store.query(start=start, end=end, bbox=box, icao24=aircraft)
    if table.num_rows == 0:
        say_if_empty(store, 0, start, end, box, aircraft)
    with writing([out]):
        written = write(table, out, provenance=provenance(args, store, start, end))
    if args.json:
        output.print_json(written)
    else:
        output.say(f"{written['rows']} reports written to {written['file']} ({written['format']})")
    return EXIT_OK


def simulate(args: argparse.Namespace) -> int:
    from skywitness.progress import terminal_progress
    from skywitness.sim import simulate

    out = options.output_dir(args.out, "--out")
    with terminal_progress("simulate") as progress, writing([out]):
        summary = simulate(args.scenario, out, seed=args.seed, size=args.size,
                           snapshots=not args.no_snapshots, progress=progress,
                           world=args.world)  # fmt: skip
    if args.json:
        output.print_json(summary)
    else:
        output.say(f"{summary['scenario']} (seed {summary['seed']}, size {summary['size']}, "
              f"world {summary['world']}): "
              f"{summary['aircraft']} aircraft, {summary['flights']} flights, "
              f"{summary['affected_aircraft']} affected by jamming, "
              f"{summary['spoofed_aircraft']} spoofed; {summary['trace_files']} trace files, "
              f"{summary['snapshot_files']} snapshots and truth.json in {summary['out']}")  # fmt: skip
    return EXIT_OK


def jamming(args: argparse.Namespace) -> int:
    from skywitness.gnss.jamming.maps import MAP_FORMATS
    from skywitness.jobs.jamming import EVENTS_FORMATS, event_line, jamming_analysis
    from skywitness.progress import terminal_progress

    taken: set[Path] = set()  # every output checked before any work
    outs = options.outputs(args.out, "--out", MAP_FORMATS, directories=True, taken=taken)
    events_out = options.outputs(
        None if args.events_out is None else [args.events_out],
        "--events-out", EVENTS_FORMATS, taken=taken,
    )  # fmt: skip
    start, end = options.window(args.start, args.end)
    box = None if args.bbox is None else options.bbox(args.bbox)
    engine = _engine(args.partition_rows, args.jobs, args.engine, args.spark_master)
    store = open_store(args.store)
    with (
        _closing(engine),
        terminal_progress("jamming") as progress,
        writing([*outs, *events_out]),
    ):
        result = jamming_analysis(
            store, start_ns=start, end_ns=end, bbox=box,
            resolution=args.resolution, window=args.window, mode=args.mode,
            outputs=outs, events_out=events_out[0] if events_out else None,
            provenance=provenance(args, store, start, end), progress=progress, engine=engine,
        )  # fmt: skip
    say_if_empty(store, result.reports, start, end, box)
    if args.json:
        output.print_json(result.as_json())
        return EXIT_OK
    output.say(f"{result.reports} reports, {result.aircraft} airborne aircraft "
          f"({result.unknown_aircraft} without quality fields for mode {args.mode}); "
          f"{result.cells} cell-windows, {len(result.events)} interference events")  # fmt: skip
    for e in result.events:
        output.say(event_line(e))
    for w in result.written:
        output.say(f"  wrote {w['file']}")
    return EXIT_OK


def spoofing(args: argparse.Namespace) -> int:
    from skywitness.jobs.spoofing import place_line, spoofing_analysis
    from skywitness.progress import terminal_progress
    from skywitness.report.spoofing import EXTENSIONS

    outs = options.outputs(args.out, "--out", EXTENSIONS)  # before any work
    start, end = options.window(args.start, args.end)
    box = None if args.bbox is None else options.bbox(args.bbox)
    engine = _engine(args.partition_rows, args.jobs, args.engine, args.spark_master)
    store = open_store(args.store)
    with _closing(engine), terminal_progress("spoofing") as progress, writing(outs):
        result = spoofing_analysis(
            store, start_ns=start, end_ns=end, bbox=box, outputs=outs,
            provenance=provenance(args, store, start, end), progress=progress, engine=engine,
        )  # fmt: skip
    say_if_empty(store, result.reports, start, end, box)
    if args.json:
        output.print_json(result.as_json())
        return EXIT_OK
    trusted = sum(1 for iv in result.intervals if iv.trusted_quality)
    output.say(f"{result.reports} reports, {result.aircraft} airborne aircraft; "
          f"{len(result.intervals)} spoofed intervals on "
          f"{len({iv.icao24 for iv in result.intervals})} aircraft ({trusted} with quality "
          f"fields still saying good), {len(result.clusters)} spoofed places")  # fmt: skip
    for k, c in enumerate(result.clusters, 1):
        output.say(place_line(k, c))
    for w in result.written:
        output.say(f"  wrote {w['file']}")
    return EXIT_OK


def flight(args: argparse.Namespace) -> int:
    from skywitness.jobs.flight import flight_analysis
    from skywitness.progress import terminal_progress
    from skywitness.report.flight_files import EXTENSIONS

    outs = options.outputs(args.out, "--out", EXTENSIONS)  # before any work
    start, end = options.window(args.start, args.end)
    store = open_store(args.store)
    with terminal_progress("flight") as progress, writing(outs):
        result = flight_analysis(
            store, args.aircraft, start_ns=start, end_ns=end, outputs=outs, areas=args.areas,
            provenance=provenance(args, store, start, end), progress=progress,
        )  # fmt: skip
    if args.json:
        output.print_json(result.as_json())
        return EXIT_OK
    for line in result.summary_lines():
        output.say(line)
    for w in result.written:
        output.say(f"  wrote {w['file']}")
    return EXIT_OK


def check(args: argparse.Namespace) -> int:
    from skywitness.jobs.check import EXTENSIONS, check_analysis
    from skywitness.progress import terminal_progress

    outs = options.outputs(args.out, "--out", EXTENSIONS)  # before any work
    store = open_store(args.store)
    with terminal_progress("check") as progress, writing(outs):
        result = check_analysis(
            store, args.claims, outputs=outs,
            provenance=provenance(args, store, None, None), progress=progress,
        )  # fmt: skip
    if args.json:
        output.print_json(result.as_json())
        return EXIT_OK
    for line in result.summary_lines():
        output.say(line)
    for v in result.verdicts:
        output.say(f"  {v.id}: {v.verdict} ({v.kind}): {v.explanation}")
    for w in result.written:
        output.say(f"  wrote {w['file']}")
    return EXIT_OK


def formats(args: argparse.Namespace) -> int:
    from skywitness.io import registry

    for name in registry.names():
        output.say(f"{name:<16} {registry.get(name).description}")
    return EXIT_OK


# -- helpers ------------------------------------------------------------------


@contextlib.contextmanager
def writing(paths: Sequence[Path]) -> Iterator[None]:
    """Name the outputs in an OSError that names no file (a full disk met by
    pyarrow or by a write call): ``cannot write map.csv: No space left on device``."""
    try:
        yield
    except OSError as exc:
        if exc.filename is not None or not paths:
            raise
        names = ", ".join(str(p) for p in paths)
        what = " ".join((exc.strerror or str(exc) or type(exc).__name__).split())
        raise OutputError(f"cannot write {names}: {output.targets(what)}") from exc


def open_store(path: str | None) -> Store:
    from skywitness.store import Store

    return Store(options.store_dir(path), create=False)


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
    """Run ``work(on_file, on_rows)`` under a progress bar: files done (with their
    rate and the time left), reports so far and reports per second."""
    from tqdm import tqdm

    # Shown on an interactive terminal only (tqdm's disable=None), on stderr.
    with tqdm(total=total, desc="ingest", unit="file", disable=None, file=sys.stderr) as bar:
        rows = 0

        def on_rows(n: int) -> None:
            nonlocal rows
            rows += n
            elapsed = bar.format_dict.get("elapsed") or 0.0
            rate = f"{bar.format_sizeof(rows / elapsed)}/s" if elapsed > 0 else "-"
            bar.set_postfix_str(f"{bar.format_sizeof(rows)} reports, {rate}")

        return work(lambda: bar.update(1), on_rows)


def print_json(obj: Any) -> None:
    """The run's one JSON object (see :func:`skywitness.cli.output.print_json`)."""
    output.print_json(obj)
