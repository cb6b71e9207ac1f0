"""The Spark engine: the local engine's partitions of whole aircraft, read and
computed by PySpark (an optional extra: ``pip install 'skywitness[spark]'``,
and Java 17 or later).

The driver checks the parts a window reads against their commit records
(:meth:`~skywitness.store.Store.checked_parts`, the store's own check of
size and SHA-256), then Spark reads those Parquet files as they are, keeps
the window (and, with a box, the aircraft seen inside it), and shuffles the
reports into ``n`` partitions by a hash of icao24, so that each partition
holds every report of its aircraft. Each partition is computed by the job's
kernel in a Python worker (``mapInArrow``: the partition's Arrow batches in,
one row out holding the pickled partial result), and the partials are
combined on the driver by the job's own combining step, as the local
engine's are: the result is the same. Each task also keeps its partial in
the cache directory until the run ends, so that a rerun after an
interruption computes only the partitions left.

:meth:`SparkEngine.map_shared` (the events' fits) runs on Spark too (a
broadcast of the shared value and one task per item), or in the driver for
fewer than :data:`~skywitness.engine.local.MIN_PARALLEL_TASKS` items.

Importing this module does not import pyspark; making a :class:`SparkEngine`
does, and says how to install it when it is missing
(:class:`~skywitness.errors.EngineError`).
"""

from __future__ import annotations

import functools
import os
import pickle
import shutil
import sys
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from skywitness.engine.local import (
    MIN_PARALLEL_TASKS,
    PARTITION_ROWS,
    Kernel,
    Window,
    partials_dir,
    partition_count,
)
from skywitness.errors import EngineError
from skywitness.progress import Progress, no_progress
from skywitness.store import Store

#: Where Spark runs when neither a master URL nor a session is given: two
#: local cores.
DEFAULT_MASTER = "local[2]"
#: Oldest PySpark the engine runs on (``mapInArrow`` with these types).
MIN_PYSPARK = (3, 5)
#: Settings of a session the engine starts itself (each overridable through
#: ``SparkEngine(conf=...)``): times in UTC as the store keeps them, no web UI
#: (no port taken), a small driver (the kernels run in the Python workers, not
#: in the JVM). The Python workers run this interpreter unless
#: ``$PYSPARK_PYTHON`` names another.
DEFAULT_CONF: Mapping[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.memory": "1g",
    "spark.driver.maxResultSize": "2g",
}
INSTALL_HINT = "install skywitness[spark] (pip install 'skywitness[spark]'; it needs Java 17+)"


def require_pyspark() -> Any:
    """The ``pyspark`` module, or :class:`~skywitness.errors.EngineError`
    saying how to install it."""
    try:
        import pyspark
        from pyspark.sql import SparkSession  # noqa: F401  (the part the engine uses)
    except ImportError as exc:
        raise EngineError(
            f"the Spark engine needs pyspark, which cannot be imported ({exc}): {INSTALL_HINT}"
        ) from None
    version = _version(getattr(pyspark, "__version__", "0"))
    if version < MIN_PYSPARK:
        raise EngineError(
            f"the Spark engine needs pyspark {'.'.join(map(str, MIN_PYSPARK))} or later "
            f"(found {pyspark.__version__}): {INSTALL_HINT}"
        )
    return pyspark


def _version(text: str) -> tuple[int, ...]:
    out = []
    for piece in text.split(".")[:2]:
        digits = "".join(c for c in piece if c.isdigit()) or "0"
        out.append(int(digits))
    return tuple(out)


class SparkEngine:
    """Partitions of about ``partition_rows`` reports (at least one per Spark
    core) computed by Spark.

    ``session``: an existing SparkSession (used as it is, never stopped by
    the engine); otherwise the engine starts one at first use on ``master``
    (default :data:`DEFAULT_MASTER`) with :data:`DEFAULT_CONF` updated by
    ``conf``, and stops it in :meth:`close` (or at the end of a ``with``
    block). The store must be readable at the same path by the driver and by
    every executor (shared storage on a cluster).
    """

    def __init__(
        self,
        session: Any = None,
        *,
        master: str | None = None,
        conf: Mapping[str, str] | None = None,
        partition_rows: int = PARTITION_ROWS,
        app_name: str = "skywitness",
        cache: bool = True,
    ) -> None:
        require_pyspark()
        if session is not None and (master is not None or conf):
            raise EngineError("give a SparkSession or a master URL and settings, not both")
        self.partition_rows = partition_rows
        self.master = master
        self.conf = dict(conf or {})
        self.app_name = app_name
        self.cache = cache
        self._given = session
        self._own: Any = None

    # -- the session ------------------------------------------------------------

    @property
    def session(self) -> Any:
        """The SparkSession: the one given, else one already running in this
        process (used as it is, and left running), else one started here."""
        if self._given is None and self._own is None:
            from pyspark.sql import SparkSession

            running = SparkSession.getActiveSession()
            if running is not None:
                self._given = running
            else:
                self._own = self._start()
        return self._given if self._given is not None else self._own

    def _start(self) -> Any:
        from pyspark.sql import SparkSession

        master = self.master or DEFAULT_MASTER
        settings = {**DEFAULT_CONF, **self.conf}
        # PySpark starts its Python workers with $PYSPARK_PYTHON (else
        # ``python3``): this interpreter, where skywitness is, unless set.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        builder = SparkSession.builder.master(master).appName(self.app_name)
        for key, value in settings.items():
            builder = builder.config(key, value)
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", category=FutureWarning, module="pyspark")
                session = builder.getOrCreate()
        except Exception as exc:  # the JVM did not start, the master cannot be reached
            first = " ".join(str(exc).split())[:300]
            raise EngineError(
                f"Spark could not start on {master}: {first} (Spark needs Java 17 or later: "
                "check `java -version` or JAVA_HOME)"
            ) from None
        session.sparkContext.setLogLevel("ERROR")
        return session

    def close(self) -> None:
        """Stop the session the engine started (a given one is left running)."""
        if self._own is not None:
            self._own.stop()
            self._own = None

    def __enter__(self) -> SparkEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        where = "a given session" if self._given is not None else self.master or DEFAULT_MASTER
        return f"SparkEngine({where}, partition_rows={self.partition_rows})"

    # -- the engine's interface ---------------------------------------------------

    def partitions_of(self, store: Store, window: Window) -> int:
        """How many partitions the window is read in: one per
        ``partition_rows`` reports, and at least one per core Spark has."""
        rows = store.count(start=window.start_ns, end=window.end_ns)
        cores = int(self.session.sparkContext.defaultParallelism)
        return max(partition_count(rows, self.partition_rows), cores)

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
        """``kernel`` of each partition (a list in partition order; empty
        partitions are left out, and an empty window gives the kernel of no
        reports). ``key`` names the job and its parameters: with ``cache``,
        each Spark task keeps its finished partition in the cache directory
        (:func:`~skywitness.engine.local.cache_root`, which must then be
        shared storage on a cluster, as the store is), and a rerun of an
        interrupted run with the same parameters on the same store computes
        only the partitions left (Spark still reads and shuffles the window:
        a finished partition's task skips its kernel). The directory is
        removed when the run ends."""
        from skywitness.model.schema import REPORT_SCHEMA

        report = progress or no_progress
        n = partitions or self.partitions_of(store, window)
        parts = store.checked_parts(window.start_ns, window.end_ns)
        # As the local engine: stage "reports", done of all in the window
        # (here all at once, when Spark returns the partitions).
        total = store.count(start=window.start_ns, end=window.end_ns) if progress else None
        report("reports", 0, total)
        if not parts:
            report("reports", 0, total)
            return [kernel(REPORT_SCHEMA.empty_table())]
        frame = self._window_frame([_hadoop_path(p) for p in parts], window)
        cache = partials_dir(store, window, n, {"engine": "spark", **key}) if self.cache else None
        kept = _kept(cache)
        report("reports", sum(rows for rows, _ in kept.values()), total)
        compute = functools.partial(
            _compute_partition, kernel, frozenset(kept), None if cache is None else str(cache)
        )
        with warnings.catch_warnings():
            # PySpark's notice about the installed pandas (not used here)
            warnings.filterwarnings("ignore", category=FutureWarning, module="pyspark")
            rows = (
                frame.repartition(n, "icao24")
                .mapInArrow(compute, "part INT, reports LONG, partial BINARY")
                .collect()
            )
        done = {int(r["part"]): (int(r["reports"]), pickle.loads(r["partial"])) for r in rows}
        done.update(kept)
        report("reports", sum(rows for rows, _ in done.values()), total)
        if cache is not None:
            shutil.rmtree(cache, ignore_errors=True)
        if not done:
            return [kernel(REPORT_SCHEMA.empty_table())]
        return [done[k][1] for k in sorted(done)]

    def map_shared(
        self, fn: Callable[[Any, Any], Any], items: Sequence[Any], shared: Any
    ) -> list[Any]:
        """``[fn(item, shared) for item in items]``, in order: one Spark task
        per item with ``shared`` broadcast to the executors once; in the
        driver for fewer than :data:`MIN_PARALLEL_TASKS` items."""
        if len(items) < MIN_PARALLEL_TASKS:
            return [fn(item, shared) for item in items]
        context = self.session.sparkContext
        value = context.broadcast(shared)
        try:
            call = functools.partial(_call_broadcast, fn, value)
            return list(context.parallelize(list(items), len(items)).map(call).collect())
        finally:
            value.unpersist()

    # -- reading ------------------------------------------------------------------

    def _window_frame(self, uris: list[str], window: Window) -> Any:
        """The window's reports as a Spark DataFrame (every column of the
        canonical schema): in [start, end) (times compared at the stored
        microsecond, as the store's query compares them) and, with a box, of
        the aircraft with a report inside it."""
        from pyspark.sql import functions as F

        from skywitness.model.schema import REPORT_SCHEMA

        frame = self.session.read.parquet(*uris).select(*REPORT_SCHEMA.names)
        if window.start_ns is not None:
            first = -(-window.start_ns // 1000)  # first stored microsecond at or after start
            frame = frame.where(F.col("time") >= F.expr(f"timestamp_micros({first})"))
        if window.end_ns is not None:
            end = -(-window.end_ns // 1000)
            frame = frame.where(F.col("time") < F.expr(f"timestamp_micros({end})"))
        if window.bbox is None:
            return frame
        west, south, east, north = window.bbox
        inside = F.col("lat").between(south, north)
        if west <= east:
            inside &= F.col("lon").between(west, east)
        else:  # across the antimeridian
            inside &= (F.col("lon") >= west) | (F.col("lon") <= east)
        seen = frame.where(inside).select("icao24").distinct()
        return frame.join(seen, "icao24", "left_semi").select(*REPORT_SCHEMA.names)


def _kept(cache: Path | None) -> dict[int, tuple[int, Any]]:
    """The partitions an interrupted run finished: (reports, partial) by partition."""
    kept: dict[int, tuple[int, Any]] = {}
    if cache is None:
        return kept
    for path in sorted(cache.glob("*.pickle")):
        try:
            with path.open("rb") as fh:
                kept[int(path.stem)] = pickle.load(fh)
        except (OSError, ValueError, EOFError, pickle.UnpicklingError):
            path.unlink(missing_ok=True)  # a partial file: computed again
    return kept


def _compute_partition(
    kernel: Kernel, kept: frozenset[int], cache: str | None, batches: Iterator[pa.RecordBatch]
) -> Iterator[pa.RecordBatch]:
    """In a Spark worker: one partition's reports (every report of its
    aircraft) as the canonical table in time order, its kernel result pickled
    (and kept in ``cache``); nothing for a partition in ``kept`` (finished by
    an earlier run)."""
    from pyspark import TaskContext

    from skywitness.engine.local import one_blas_thread
    from skywitness.model.schema import REPORT_SCHEMA

    one_blas_thread()  # a Python worker per core: one BLAS thread each
    context = TaskContext.get()
    part = context.partitionId() if context is not None else 0
    if part in kept:
        for _ in batches:  # read, not computed
            pass
        return
    table = pa.Table.from_batches(list(batches))
    if table.num_rows == 0:
        return
    table = table.select(REPORT_SCHEMA.names).cast(REPORT_SCHEMA)
    # The store's query order (time, icao24, record id).
    table = table.sort_by([("time", "ascending"), ("icao24", "ascending"),
                           ("record_id", "ascending")])  # fmt: skip
    rows = table.num_rows
    result = kernel(table)
    del table
    blob = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    if cache is not None:
        done = Path(cache) / f"{part}.pickle"
        tmp = done.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            pickle.dump((rows, result), fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(done)
    yield pa.RecordBatch.from_arrays(
        [pa.array([part], pa.int32()), pa.array([rows], pa.int64()), pa.array([blob], pa.binary())],
        names=["part", "reports", "partial"],
    )


def _hadoop_path(path: Path) -> str:
    """A part's absolute path as Spark reads it: a ``file:`` path, not
    percent-encoded (Hadoop takes ``%3D`` literally), with the characters
    Spark would take for a glob escaped."""
    text = path.resolve().as_posix()
    for c in "\\*?[]{}":
        text = text.replace(c, "\\" + c)
    return "file://" + text


def _call_broadcast(fn: Callable[[Any, Any], Any], shared: Any, item: Any) -> Any:
    from skywitness.engine.local import one_blas_thread

    one_blas_thread()
    return fn(item, shared.value)
