"""Where reports live: the embedded default store (Parquet dataset + DuckDB)."""

from skywitness.store.embedded import DEFAULT_STORE, IngestResult, Store, resolve_store

__all__ = ["DEFAULT_STORE", "IngestResult", "Store", "resolve_store"]
