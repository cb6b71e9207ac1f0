"""The local engine: partitions of whole aircraft, read one at a time.

A window of the store is split into ``n`` buckets by a hash of icao24 (every
report of an aircraft falls in one bucket), ``n`` chosen so that a bucket
holds about :data:`PARTITION_ROWS` reports: the memory a kernel needs is
that of one bucket, not of the input. The window is first copied into its
buckets in one read of the store (DuckDB, the parts checked as for every
query: :meth:`~skywitness.store.Store.write_buckets`); each bucket is then
read alone and computed by a kernel in a pool of worker processes, one per
core; their partial results come back in bucket order, for a combining step
(the jamming job's :func:`~skywitness.jobs.jamming.combine_partials`). (A
query per bucket with a hash filter would read the whole window once per
bucket: a cost growing with the square of the window.)

The copy and the finished partials are kept in a cache directory
(:func:`cache_root`) under a key naming the store's commits, the code and the job's
parameters: a run interrupted after some buckets, rerun with the same
parameters on the same store, computes only the buckets left. The directory
is removed when the run ends. It needs as much free disk as the window
takes in the store.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import multiprocessing
import os
import pickle
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa

from skywitness.progress import Progress, no_progress
from skywitness.store import Store
from skywitness.store.embedded import read_bucket
from skywitness.version import __version__

#: Reports per partition (bucket). The jamming kernels take about 0.6 kB of
#: memory per report (measured: 1.43 GB at 2.29 M reports, bench/scale.py),
#: so a partition of a million reports keeps a worker near 0.7 GB. At 10^8
#: reports two workers on two-million partitions beside the main process
#: gathering their partials took 4.6 GB; on one-million partitions 3.4 GB,
#: and the stage ran faster (bench/RESULTS.md, "Scale").
PARTITION_ROWS = 1_000_000
#: Environment variable naming the cache directory of partial results.
CACHE_ENV = "SKYWITNESS_CACHE"

BBox = tuple[float, float, float, float]


def partition_count(rows: int, partition_rows: int = PARTITION_ROWS) -> int:
    """Buckets for ``rows`` reports."""
    return max(1, math.ceil(rows / max(1, partition_rows)))


def cache_root() -> Path:
    """Where partial results are kept: ``$SKYWITNESS_CACHE``, else
    ``$XDG_CACHE_HOME/skywitness`` (``~/.cache/skywitness``)."""
    given = os.environ.get(CACHE_ENV)
    if given:
        return Path(given)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "skywitness"


@dataclass(frozen=True)
class Window:
    """The reports a run reads: a time window and the aircraft seen in a box."""

    start_ns: int | None = None
    end_ns: int | None = None
    bbox: BBox | None = None


def read_partition(store: Store, window: Window, k: int, n: int) -> pa.Table:
    """Every report in the window of the aircraft of bucket ``k`` of ``n``
    (with a box: of those aircraft seen inside it), in time order."""
    bucket = None if n == 1 else (k, n)
    if window.bbox is None:
        return store.query(start=window.start_ns, end=window.end_ns, bucket=bucket)
    import pyarrow.compute as pc

    from skywitness.model.schema import REPORT_SCHEMA

    inside = store.query(
        start=window.start_ns, end=window.end_ns, bbox=window.bbox, columns=["icao24"],
        bucket=bucket,
    )  # fmt: skip
    aircraft = pc.unique(inside["icao24"]).to_pylist()
    if not aircraft:
        return REPORT_SCHEMA.empty_table()
    return store.query(start=window.start_ns, end=window.end_ns, icao24=aircraft)


Kernel = Callable[[pa.Table], Any]


class Engine(Protocol):
    """What a job needs of an engine (:class:`LocalEngine`, the Spark engine's
    :class:`~skywitness.engine.spark.SparkEngine`)."""

    def partitions_of(self, store: Store, window: Window) -> int: ...

    def run(
        self,
        store: Store,
        window: Window,
        kernel: Kernel,
        *,
        key: dict[str, Any],
        progress: Progress | None = None,
        partitions: int | None = None,
    ) -> list[Any]: ...

    def map_shared(
        self, fn: Callable[[Any, Any], Any], items: Sequence[Any], shared: Any
    ) -> Iterable[Any]: ...


def _compute(bucket: str, window: Window, kernel: Kernel, out: str | None) -> Any:
    table = read_bucket(Path(bucket), window.bbox)
    rows = table.num_rows
    result = kernel(table)
    del table
    if out is not None:
        tmp = Path(out + ".tmp")
        with tmp.open("wb") as fh:
            pickle.dump((rows, result), fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(out)
    return rows, result


def _buckets(
    store: Store, window: Window, n: int, dest: Path, progress: Progress | None = None
) -> list[Path]:
    """The window's reports in ``n`` buckets of whole aircraft under ``dest``
    (:meth:`~skywitness.store.Store.write_buckets`): one read of the store for
    every partition, where ``n`` queries with a hash filter would read the
    window ``n`` times. Written beside ``dest`` and renamed when complete, so
    that a rerun after an interruption finds all of it or none."""
    if (dest / "complete").exists():
        return [dest / f"bucket={k}" for k in range(n)]
    shutil.rmtree(dest, ignore_errors=True)
    partial = dest.with_name(dest.name + ".tmp")
    shutil.rmtree(partial, ignore_errors=True)
    store.write_buckets(partial, n, start=window.start_ns, end=window.end_ns, progress=progress)
    (partial / "complete").touch()
    partial.rename(dest)
    return [dest / f"bucket={k}" for k in range(n)]


@dataclass(frozen=True)
class LocalEngine:
    """Partitions of :data:`PARTITION_ROWS` reports, ``workers`` processes
    (default: one per core; 1 computes in this process)."""

    partition_rows: int = PARTITION_ROWS
    workers: int | None = None
    cache: bool = True

    def partitions_of(self, store: Store, window: Window) -> int:
        """How many partitions the window is read in."""
        return partition_count(
            store.count(start=window.start_ns, end=window.end_ns), self.partition_rows
        )

    def run(
        self,
        store: Store,
        window: Window,
        kernel: Kernel,
        *,
        key: dict[str, Any],
        progress: Progress | None = None,
        partitions: int | None = None,
    ) -> list[Any]:
        """``kernel`` of each partition, in bucket order. ``key`` names the
        job and its parameters (for the cache of finished partitions);
        ``partitions``: :meth:`partitions_of`, when the caller has it.
        ``progress`` hears of stage "copy" (the window copied into its
        buckets, parts of the store) then "reports": the reports of the
        partitions finished, of all in the window (a rate and the time left
        follow)."""
        report = progress or no_progress
        n = partitions or self.partitions_of(store, window)
        total = store.count(start=window.start_ns, end=window.end_ns) if progress else None
        if n == 1:
            report("reports", 0, total)
            table = read_partition(store, window, 0, 1)
            rows = table.num_rows
            result = kernel(table)
            report("reports", rows, total)
            return [result]
        cache = self._cache_dir(store, window, n, key) if self.cache else None
        if cache is None:  # nothing kept for a rerun
            work = Path(tempfile.mkdtemp(prefix="skywitness-"))
            try:
                return self._run_buckets(store, window, kernel, n, work, False, report, total)
            finally:
                shutil.rmtree(work, ignore_errors=True)
        results = self._run_buckets(store, window, kernel, n, cache, True, report, total)
        shutil.rmtree(cache, ignore_errors=True)  # kept only when interrupted
        return results

    def _run_buckets(
        self,
        store: Store,
        window: Window,
        kernel: Kernel,
        n: int,
        work: Path,
        keep: bool,
        report: Progress,
        total: int | None,
    ) -> list[Any]:
        """The window copied into ``n`` buckets under ``work`` (one read of the
        store; kept from an interrupted run), then each bucket's kernel, in
        worker processes; with ``keep``, each finished partial kept in
        ``work`` for a rerun."""
        results: dict[int, Any] = {}
        read = 0
        for k in range(n):
            done = work / f"{k}.pickle"
            if keep and done.exists():
                with done.open("rb") as fh:
                    rows, results[k] = pickle.load(fh)
                    read += rows
        todo = [k for k in range(n) if k not in results]
        buckets = _buckets(store, window, n, work / "buckets", report) if todo else []
        report("reports", read, total)
        workers = min(self.workers or _cores(), len(todo)) if todo else 1
        outs = {k: str(work / f"{k}.pickle") if keep else None for k in todo}
        if workers <= 1:
            for k in todo:
                rows, results[k] = _compute(str(buckets[k]), window, kernel, outs[k])
                read += rows
                report("reports", read, total)
        else:
            context = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(
                max_workers=workers, mp_context=context, initializer=one_blas_thread
            ) as pool:
                futures = {
                    pool.submit(_compute, str(buckets[k]), window, kernel, outs[k]): k for k in todo
                }
                for fut, k in futures.items():
                    rows, results[k] = fut.result()
                    read += rows
                    report("reports", read, total)
        return [results[k] for k in range(n)]

    def map_shared(
        self, fn: Callable[[Any, Any], Any], items: Sequence[Any], shared: Any
    ) -> Iterator[Any]:
        """``fn(item, shared)`` of each item, in order, as they come: in worker
        processes (one per core; ``shared`` sent to each once); in this
        process when there are fewer than :data:`MIN_PARALLEL_TASKS` items or
        one worker. Each result is handed on before the next is taken, so
        that the caller need not hold them all (the events' fits return
        every stretch of their groups)."""
        workers = min(self.workers or _cores(), len(items))
        if workers <= 1 or len(items) < MIN_PARALLEL_TASKS:
            for item in items:
                yield fn(item, shared)
            return
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_set_shared, initargs=(shared,)
        ) as pool:
            yield from pool.map(_call_shared, [fn] * len(items), items)

    @staticmethod
    def _cache_dir(store: Store, window: Window, n: int, key: dict[str, Any]) -> Path:
        return partials_dir(store, window, n, {"engine": "local", **key})


@functools.cache
def code_digest() -> str:
    """SHA-256 of the package's files as this process runs them: a copy of
    the code that differs in any byte (an editable install, a patched build
    of the same version) never takes the partials another one kept."""
    return tree_digest(Path(__file__).resolve().parent.parent)


def tree_digest(root: Path) -> str:
    """SHA-256 of the names and bytes of the files under ``root`` (compiled
    bytecode left out), in name order."""
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if "__pycache__" in path.parts or not path.is_file():
            continue
        name = path.relative_to(root).as_posix().encode()
        data = path.read_bytes()
        h.update(b"%d:%s%d:" % (len(name), name, len(data)))
        h.update(data)
    return h.hexdigest()


def partials_dir(store: Store, window: Window, n: int, key: dict[str, Any]) -> Path:
    """The directory (made here) where an engine keeps the finished partitions
    of a run: named by the store's commits, the window, the partitions, the
    version and the code itself (:func:`code_digest`), and ``key`` (the job,
    its parameters, the engine), under :func:`cache_root`."""
    commits = json.dumps(store.commits(), sort_keys=True, default=str)
    named = json.dumps(
        {
            "store": str(store.root.resolve()),
            "commits": hashlib.sha256(commits.encode()).hexdigest(),
            "window": [window.start_ns, window.end_ns, window.bbox],
            "partitions": n,
            "version": __version__,
            "code": code_digest(),
            "cache_format": 2,  # (reports, result) per partition
            **key,
        },
        sort_keys=True,
        default=str,
    )
    d = cache_root() / "partials" / hashlib.sha256(named.encode()).hexdigest()[:32]
    d.mkdir(parents=True, exist_ok=True)
    return d


#: Fewer tasks than this are run in this process by :meth:`LocalEngine.map_shared`
#: (starting worker processes costs about a second).
MIN_PARALLEL_TASKS = 4
_SHARED: list[Any] = []


def _set_shared(shared: Any) -> None:
    one_blas_thread()
    _SHARED[:] = [shared]


def one_blas_thread() -> None:
    """Let this worker process's BLAS (numpy's, scipy's) use one thread.

    The engines run one worker per core; each BLAS would start a thread per
    core of its own, and on 2 cores two workers' fits took twice as long as
    one's alone (measured on the 10^8 benchmark's events: 15.5 s a group
    alone, 27-28 s with a second worker, 15.5-16 s with one thread each)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


def _call_shared(fn: Callable[[Any, Any], Any], item: Any) -> Any:
    return fn(item, _SHARED[0])


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)
