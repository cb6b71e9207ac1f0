"""Engines: run a kernel over a store partition by partition of whole aircraft
and hand the partial results to a combining step. :mod:`.local` (the default)
reads each partition with DuckDB and computes partitions in a pool of worker
processes, one per core."""

from skywitness.engine.local import PARTITION_ROWS, LocalEngine, partition_count

__all__ = ["PARTITION_ROWS", "LocalEngine", "partition_count"]
