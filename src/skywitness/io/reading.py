"""Reading files into canonical reports: detection, validation, record ids,
and the walk of the directories people give."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from skywitness.errors import InputError, ReaderBugError, UnknownFormatError
from skywitness.io import registry
from skywitness.io.base import (
    DEFAULT_BATCH_SIZE,
    GZIP_MAGIC,
    RECORD_COLUMN,
    Issue,
    PinnedFile,
    ReadContext,
    Reader,
    file_problem,
    os_reason,
    read_head,
)
from skywitness.io.ids import record_ids
from skywitness.io.validate import Validator
from skywitness.model.schema import REPORT_SCHEMA

#: Environment variable that lets internal errors surface as tracebacks.
DEBUG_ENV = "SKYWITNESS_DEBUG"


@dataclass
class FileRead:
    """One file being read: its reader, digest and, once consumed, its tally.

    The file is read once through one open file (``source``, a
    :class:`~skywitness.io.base.PinnedFile`): the digest names exactly the
    ``size`` bytes the reader gets. If the file is cut or rewritten while it
    is read, iterating raises an :class:`~skywitness.errors.InputError` naming
    it after the last batch (an ingest then keeps nothing of it); bytes
    appended meanwhile are not read (they are for a later ingest to refuse or
    take: see the store).

    An exception of a reader that is not a :class:`~skywitness.errors.InputError`
    is a bug: it is raised as a :class:`~skywitness.errors.ReaderBugError` (an
    InputError, so that an ingest goes on with the other files) and passed to
    ``on_bug``, so that the caller can still exit as for a bug. With
    ``SKYWITNESS_DEBUG`` set it propagates unchanged.
    """

    path: Path
    reader: Reader
    digest: str
    ctx: ReadContext
    rows: int = 0
    on_bug: Callable[[Issue], None] | None = None
    source: PinnedFile | None = None

    @property
    def size(self) -> int | None:
        """Bytes read (those the digest names), when read through a pinned file."""
        return None if self.source is None else self.source.size

    def prefix_digest(self, n: int) -> str | None:
        """SHA-256 of the file's first ``n`` bytes, from the same open file."""
        return None if self.source is None else self.source.prefix_digest(n)

    def close(self) -> None:
        """Close the open file (done at the end of iteration)."""
        if self.source is not None:
            self.source.close()

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        """Canonical batches (with record_id), validated."""
        try:
            if self.source is None:
                yield from self._batches()
                return
            with self.source.active():
                yield from self._batches()
            problem = self.source.problem()
            if problem is not None:
                raise self.ctx.fail(problem)
        finally:
            self.close()

    def _batches(self) -> Iterator[pa.RecordBatch]:
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
        except MemoryError:
            raise self.ctx.fail("not enough memory to read this file") from None
        except Exception as exc:
            raise bug(self.ctx.name, exc, self.on_bug) from exc


def bug(file: str, exc: Exception, on_bug: Callable[[Issue], None] | None = None) -> ReaderBugError:
    """The error for a reader's unexpected exception (re-raised as it is when
    ``SKYWITNESS_DEBUG`` is set)."""
    if os.environ.get(DEBUG_ENV):
        raise exc
    err = ReaderBugError(file, f"{type(exc).__name__}: {exc}")
    if on_bug is not None:
        on_bug(Issue(err.file, None, err.reason))
    return err


def open_file(
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    reference: tuple[float, float] | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    start_time_ns: int | None = None,
    digest: str | None = None,
) -> FileRead:
    """Prepare to read one file: open it once, digest its bytes, detect (or take)
    its format. Every later read of it goes through the same open file (see
    :class:`FileRead`)."""
    p = Path(path)
    problem = file_problem(p)
    if problem is not None:
        raise InputError(str(p), problem)
    fr = _open_pinned(
        p,
        lambda source: format or registry.detect(p).name,
        ReadContext(
            path=p, batch_size=batch_size, reference=reference, start_time_ns=start_time_ns
        ),
        digest,
    )
    assert fr is not None  # a format is always found or the detection raised
    return fr


def open_found(
    path: Path,
    *,
    format: str | None = None,
    in_directory: bool = False,
    reference: tuple[float, float] | None = None,
    start_time_ns: int | None = None,
) -> FileRead | None:
    """:func:`open_file` for a file given (``in_directory`` False) or found
    under a directory. A file found under a directory without a format given
    is opened first and its format detected from the same open file (its
    bytes read once); None when its content is of no supported format, as
    :meth:`Inputs.openers` leaves it out (with the same errors otherwise)."""
    if format is not None or not in_directory:
        return open_file(path, format=format, reference=reference, start_time_ns=start_time_ns)
    # No file_problem first: what PinnedFile cannot open it says as detection would.
    ctx = ReadContext(path=path, reference=reference, start_time_ns=start_time_ns)
    return _open_pinned(path, _directory_file_format, ctx, None)


def _open_pinned(
    path: Path,
    format_of: Callable[[PinnedFile], str | None],
    ctx: ReadContext,
    digest: str | None,
) -> FileRead | None:
    """``path`` opened and digested once, its format named by ``format_of``
    with every read of the path going through the open file; None (the file
    closed) when it names none."""
    source = PinnedFile(path)
    try:
        with source.active():
            name = format_of(source)
        reader = None if name is None else registry.get(name)
    except BaseException:
        source.close()
        raise
    if reader is None:
        source.close()
        return None
    return FileRead(path, reader, digest or source.digest, ctx, source=source)


def read_table(path: str | os.PathLike[str], **options: object) -> pa.Table:
    """All reports of one file as one Arrow table (small files, tests, notebooks)."""
    fr = open_file(path, **options)  # type: ignore[arg-type]
    return pa.Table.from_batches(list(fr), schema=REPORT_SCHEMA)


@dataclass(frozen=True)
class Skipped:
    """A path a directory walk left out, and why. ``error``: data that could
    not be read (a directory that cannot be listed, a broken link followed);
    otherwise left out by rule (a link not followed, the store itself)."""

    path: Path
    reason: str
    error: bool = False

    def one_line(self) -> str:
        return f"{self.path}: {self.reason}"


#: Why a symbolic link under a directory is not read (without --follow-links).
LINK_NOT_FOLLOWED = "symbolic link not followed (--follow-links reads through links)"
#: A directory holding this file is a skywitness store (store/layout.py:
#: ``_skywitness/store.json``): its parts are reports already, not input.
STORE_MARKER = ("_skywitness", "store.json")


def walk(
    paths: Iterable[str | os.PathLike[str]],
    *,
    follow_links: bool = False,
    exclude: Sequence[str | os.PathLike[str]] = (),
) -> tuple[list[tuple[Path, bool]], list[Skipped]]:
    """``(file, found under a directory)`` for every file to read, and what was
    left out.

    Paths given are taken as they are (a link given is followed; a path that
    does not exist is returned, for the caller to report). Under a directory,
    files and sub-directories are taken in name order, top-down; hidden names
    (``.`` prefix) are passed over silently; symbolic links are followed only
    with ``follow_links`` (a directory reached twice, as through a link loop,
    is read once); directories in ``exclude`` (the store being written) and
    any other skywitness store are left out; FIFOs, sockets and devices are left out (reading one can block);
    a directory that cannot be listed is an error.
    """
    files: list[tuple[Path, bool]] = []
    skipped: list[Skipped] = []
    excluded = {ident for e in exclude if (ident := _identity(Path(e))) is not None}
    visited: set[tuple[int, int]] = set()
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            _walk_dir(p, follow_links, excluded, visited, files, skipped)
        else:
            files.append((p, False))
    return files, skipped


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def _walk_dir(
    top: Path,
    follow_links: bool,
    excluded: set[tuple[int, int]],
    visited: set[tuple[int, int]],
    files: list[tuple[Path, bool]],
    skipped: list[Skipped],
) -> None:
    """Depth-first, in name order, without recursion (any depth of tree)."""
    stack = [top]
    while stack:
        directory = stack.pop()
        ident = _identity(directory)
        if ident in excluded:
            skipped.append(Skipped(directory, "the store being written: not read as input"))
            continue
        if os.path.isfile(directory.joinpath(*STORE_MARKER)):
            skipped.append(Skipped(directory, "a skywitness store: not read as input"))
            continue
        if ident is not None:
            if ident in visited:
                skipped.append(
                    Skipped(directory, "directory already read (reached again through a link)")
                )
                continue
            visited.add(ident)
        try:
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            skipped.append(Skipped(directory, f"cannot list: {os_reason(exc)}", error=True))
            continue
        subdirs: list[Path] = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = directory / entry.name
            try:
                if entry.is_symlink():
                    if not follow_links:
                        skipped.append(Skipped(path, LINK_NOT_FOLLOWED))
                        continue
                    try:
                        mode = os.stat(path).st_mode
                    except OSError as exc:
                        skipped.append(Skipped(path, _link_problem(path, exc), error=True))
                        continue
                else:
                    mode = entry.stat(follow_symlinks=False).st_mode
            except OSError as exc:
                skipped.append(Skipped(path, os_reason(exc), error=True))
                continue
            if stat.S_ISDIR(mode):
                subdirs.append(path)
            elif stat.S_ISREG(mode):
                files.append((path, True))
            else:
                skipped.append(Skipped(path, "not a regular file (a FIFO, socket or device)"))
        stack.extend(reversed(subdirs))


def _link_problem(path: Path, exc: OSError) -> str:
    try:
        target = os.readlink(path)
    except OSError:
        return f"symbolic link: {os_reason(exc)}"
    return f"symbolic link to {target}: {os_reason(exc)}"


def expand(paths: Iterable[str | os.PathLike[str]], *, follow_links: bool = True) -> list[Path]:
    """Files named directly, and files under directories (recursively, sorted).

    Hidden files and directories (``.`` prefix) under a directory are skipped.
    Paths that do not exist, and directories that cannot be listed, are
    returned as they are, so that the caller reports them when it opens them.
    Links are followed (a directory reached twice is read once) unless
    ``follow_links`` is False. :func:`walk` also says what was left out.
    """
    files, skipped = walk(paths, follow_links=follow_links)
    return [path for path, _ in files] + [s.path for s in skipped if s.error]


@dataclass
class Inputs:
    """The files to read from paths people give (files and directories).

    A file named directly is always read: if its format cannot be told, opening
    it fails with :class:`~skywitness.errors.UnknownFormatError`. A file found
    under a directory whose content is of no supported format (``truth.json``
    next to simulated data, scripts, notes) is skipped and listed in
    :attr:`unsupported` instead, unless ``format`` forces one. Unreadable files
    and damaged compressed files under a directory still fail when opened:
    they are damaged data, not other files; so does a directory that cannot
    be listed. What the walk left out by rule (links not followed, the store
    itself in ``exclude``) is in :attr:`skipped` (see :func:`walk`).

    :meth:`openers` detects each format as it goes (for a store's ingest);
    :attr:`unsupported` is complete once it is exhausted. A reader's bug
    fails its file only (see :class:`FileRead`) and is listed in :attr:`bugs`.
    """

    paths: Sequence[str | os.PathLike[str]]
    format: str | None = None
    reference: tuple[float, float] | None = None
    start_time_ns: int | None = None
    follow_links: bool = False
    exclude: Sequence[str | os.PathLike[str]] = ()
    files: list[tuple[Path, bool]] = field(init=False)
    skipped: list[Skipped] = field(init=False)
    unsupported: list[Path] = field(init=False, default_factory=list)
    bugs: list[Issue] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        if self.format is not None:
            registry.get(self.format)  # an unknown name fails before any file is read
        self.files, self.skipped = walk(
            self.paths, follow_links=self.follow_links, exclude=self.exclude
        )

    def __len__(self) -> int:
        return len(self.files) + sum(s.error for s in self.skipped)

    def openers(
        self, on_skip: Callable[[Path], None] | None = None
    ) -> Iterator[Callable[[], FileRead]]:
        """One callable per file to read, which opens it (:func:`open_file`;
        a file found under a directory without a format given is opened as
        its turn comes, to detect its format from the file it is read from:
        :func:`open_found`); ``on_skip`` is called for each file skipped as
        of no supported format.
        A directory that could not be listed comes first, as a callable that
        raises its :class:`~skywitness.errors.InputError`."""
        for s in self.skipped:
            if s.error:
                yield _failing(InputError(str(s.path), s.reason))
        for path, in_directory in self.files:
            if self.format is not None or not in_directory:
                yield self._opener(path, self.format)
                continue
            # Found under a directory: opened here, its format detected from
            # the open file (an unsupported one is left out before its turn).
            try:
                fr = open_found(
                    path,
                    in_directory=True,
                    reference=self.reference,
                    start_time_ns=self.start_time_ns,
                )
            except InputError as exc:
                yield _failing(exc)
                continue
            except MemoryError:
                yield _failing(InputError(str(path), "not enough memory to read this file"))
                continue
            except Exception as exc:
                yield _failing(bug(str(path), exc, self.bugs.append))
                continue
            if fr is None:
                self.unsupported.append(path)
                if on_skip is not None:
                    on_skip(path)
                continue
            fr.on_bug = self.bugs.append
            yield _opened(fr)

    def _opener(self, path: Path, fmt: str | None) -> Callable[[], FileRead]:
        def open_it() -> FileRead:
            try:
                fr = open_file(
                    path, format=fmt, reference=self.reference, start_time_ns=self.start_time_ns
                )
            except InputError:
                raise
            except MemoryError:
                raise InputError(str(path), "not enough memory to read this file") from None
            except Exception as exc:
                raise bug(str(path), exc, self.bugs.append) from exc
            fr.on_bug = self.bugs.append
            return fr

        return open_it


def _directory_file_format(source: PinnedFile) -> str | None:
    """The format of a file found under a directory (pinned and active);
    ``None`` when its content is of no supported format (an empty file
    included). Raises :class:`InputError` when it cannot be read or its
    compressed data is damaged, and :class:`UnknownFormatError` for a gzip
    stream that decompresses to nothing (a damaged download), as
    :func:`open_file` would."""
    try:
        return registry.detect(source.path).name
    except UnknownFormatError:
        compressed = source.pread(len(GZIP_MAGIC), 0) == GZIP_MAGIC
        if compressed and not read_head(source.path).strip():
            raise
        return None


def _opened(fr: FileRead) -> Callable[[], FileRead]:
    return lambda: fr


def _failing(exc: InputError) -> Callable[[], FileRead]:
    def fail() -> FileRead:
        raise exc

    return fail
