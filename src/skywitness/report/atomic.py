"""The one atomic writer: every file skywitness writes appears whole or not at all.

A writer writes to a hidden sibling (``.<name>.<pid>.part``), flushes it to
disk and renames it over the target; if the writer fails, the partial file
is removed and the error propagates. Readers of the target never see a
half-written file, and no ``.part`` file is left behind.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

#: Suffix of the temporary sibling a writer fills before the rename.
PART_SUFFIX = ".part"


def part_path(path: Path) -> Path:
    """The temporary sibling of ``path`` (unique per process)."""
    return path.with_name(f".{path.name}.{os.getpid()}{PART_SUFFIX}")


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``path``.

    The parent directory is created. On any exception (including
    KeyboardInterrupt) the temporary file is removed and the target is left as
    it was.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = part_path(target)
    try:
        yield tmp
        if tmp.exists():
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


@contextlib.contextmanager
def atomic_paths(*paths: str | Path) -> Iterator[tuple[Path, ...]]:
    """:func:`atomic_path` for files written together (a CSV and its sidecar):
    on any exception no temporary file is left and no target is touched."""
    with contextlib.ExitStack() as stack:
        yield tuple(stack.enter_context(atomic_path(p)) for p in paths)


def write_files(files: Mapping[Path, bytes]) -> list[Path]:
    """Write several files together, each atomically (see :func:`atomic_paths`)."""
    targets = list(files)
    with atomic_paths(*targets) as tmps:
        for tmp, target in zip(tmps, targets, strict=True):
            tmp.write_bytes(files[target])
    return targets


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    return write_bytes(path, text.encode("utf-8"))


def write_json(path: str | Path, obj: Any, *, compact: bool = True) -> Path:
    """Write ``obj`` as JSON to ``path`` atomically (one trailing newline)."""
    if compact:
        text = json.dumps(obj, separators=(",", ":"), allow_nan=False)
    else:
        text = json.dumps(obj, indent=2, allow_nan=False)
    return write_text(path, text + "\n")
