"""Reading files into canonical reports: detection, validation, record ids."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from skywitness.errors import InputError
from skywitness.io import registry
from skywitness.io.base import DEFAULT_BATCH_SIZE, RECORD_COLUMN, ReadContext, Reader
from skywitness.io.ids import file_digest, record_ids
from skywitness.io.validate import Validator
from skywitness.model.schema import REPORT_SCHEMA


@dataclass
class FileRead:
    """One file being read: its reader, digest and, once consumed, its tally."""

    path: Path
    reader: Reader
    digest: str
    ctx: ReadContext
    rows: int = 0

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        """Canonical batches (with record_id), validated."""
        validator = Validator(self.ctx)
        ordinal = 0
        try:
            for raw in self.reader.read(self.path, self.ctx):
                n = raw.num_rows
                ids = record_ids(self.digest, ordinal, n)
                ordinal += n
                with_ids = raw.append_column("record_id", pa.array(ids, pa.int64()))
                good = validator.check(with_ids)
                if good.num_rows:
                    self.rows += good.num_rows
                    yield (
                        good.drop_columns([RECORD_COLUMN])
                        .select(REPORT_SCHEMA.names)
                        .cast(REPORT_SCHEMA)
                    )
        except InputError:
            raise
        except (OSError, EOFError) as exc:
            raise self.ctx.fail(f"read error: {exc}") from None


def open_file(
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    reference: tuple[float, float] | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    start_time_ns: int | None = None,
    digest: str | None = None,
) -> FileRead:
    """Prepare to read one file: detect (or take) its format and digest its bytes."""
    p = Path(path)
    if not p.exists():
        raise InputError(str(p), "no such file")
    if not p.is_file():
        raise InputError(str(p), "not a regular file")
    if not os.access(p, os.R_OK):
        raise InputError(str(p), "permission denied")
    reader = registry.get(format) if format else registry.detect(p)
    ctx = ReadContext(
        path=p, batch_size=batch_size, reference=reference, start_time_ns=start_time_ns
    )
    return FileRead(p, reader, digest or file_digest(p), ctx)


def read_table(path: str | os.PathLike[str], **options: object) -> pa.Table:
    """All reports of one file as one Arrow table (small files, tests, notebooks)."""
    fr = open_file(path, **options)  # type: ignore[arg-type]
    return pa.Table.from_batches(list(fr), schema=REPORT_SCHEMA)


def expand(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Files named directly, and files under directories (recursively, sorted).

    Hidden files and directories (``.`` prefix) under a directory are skipped.
    Paths that do not exist are returned as they are, so the caller reports them.
    """
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                out.extend(Path(root) / f for f in sorted(files) if not f.startswith("."))
        else:
            out.append(p)
    return out
