"""Where reports live: the embedded default store (Parquet dataset + DuckDB)."""

from skywitness.store.embedded import (
    COMMIT_ROWS,
    COMMIT_SECONDS,
    DEFAULT_STORE,
    IngestResult,
    Store,
    resolve_store,
)
from skywitness.store.errors import (
    StoreBusyError,
    StoreCorruptError,
    StoreError,
    StoreMissingError,
    StoreWriteError,
)
from skywitness.store.integrity import Problem, VerifyReport
from skywitness.store.locking import WriterInfo

__all__ = [
    "COMMIT_ROWS",
    "COMMIT_SECONDS",
    "DEFAULT_STORE",
    "IngestResult",
    "Problem",
    "Store",
    "StoreBusyError",
    "StoreCorruptError",
    "StoreError",
    "StoreMissingError",
    "StoreWriteError",
    "VerifyReport",
    "WriterInfo",
    "resolve_store",
]
