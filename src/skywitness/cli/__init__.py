"""The command line: parses arguments, calls the store, the jobs or the
simulator, prints. Nothing else.

``main(argv) -> int`` runs one command in-process (tests call it);
``run()`` is the console entry point (``skywitness``, ``python -m skywitness``).

Exit codes: 0 success; 2 bad input, usage or environment: a file or record
that cannot be read, an option value, a disk that is full or read-only, a
path that is not a directory (one line on stderr per problem, file names
escaped); 3 an internal error, a bug (rerun with SKYWITNESS_DEBUG=1 for the
traceback); 130 interrupted. With ``--json`` exactly one JSON object is
printed on stdout whatever happens, with an ``error`` field when the run
failed.

Modules: :mod:`~skywitness.cli.parser` (commands, options, help),
:mod:`~skywitness.cli.options` (option values: times, boxes, positions, output paths),
:mod:`~skywitness.cli.commands` (what each command does and prints),
:mod:`~skywitness.cli.output` (printing: escaping, the one JSON object),
:mod:`~skywitness.cli.demo`.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Sequence

from skywitness.cli import output
from skywitness.cli.commands import EXIT_INPUT, EXIT_INTERNAL, EXIT_OK
from skywitness.errors import SkywitnessError

#: Exit code after Ctrl-C (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED = 130
#: OSError numbers that mean a mistake in skywitness, not in the environment
#: (a closed or bad file descriptor, a bad address): these exit as a bug.
BUG_ERRNOS = frozenset({errno.EBADF, errno.EFAULT})

__all__ = ["EXIT_INPUT", "EXIT_INTERNAL", "EXIT_INTERRUPTED", "EXIT_OK", "main", "run"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the exit code."""
    from skywitness.cli.options import join_signed_values
    from skywitness.cli.parser import build

    output.reset()
    args_list = list(sys.argv[1:] if argv is None else argv)
    want_json = "--json" in args_list
    try:
        args = build().parse_args(join_signed_values(args_list))
    except SystemExit as exc:  # --help / --version (0)
        return (
            exc.code if isinstance(exc.code, int) else EXIT_OK if exc.code is None else EXIT_INPUT
        )
    except SkywitnessError as exc:  # a usage error (parser.Parser.error)
        return _failed(EXIT_INPUT, str(exc), want_json)
    args.argv = args_list  # recorded in the outputs' provenance
    want_json = bool(getattr(args, "json", False))
    try:
        code: int = args.func(args)
        return code
    except SkywitnessError as exc:
        return _failed(EXIT_INPUT, str(exc), want_json)
    except KeyboardInterrupt:
        return _failed(EXIT_INTERRUPTED, "interrupted", want_json)
    except BrokenPipeError:  # the reader closed the pipe (`| head`): nothing more to say
        _quiet_stdout()
        return EXIT_OK
    except OSError as exc:
        if exc.errno in BUG_ERRNOS or os.environ.get("SKYWITNESS_DEBUG"):
            return _internal(exc, want_json)
        return _failed(EXIT_INPUT, os_error_line(exc), want_json)
    except MemoryError:
        return _failed(
            EXIT_INPUT, "out of memory: the selection is larger than this machine holds "
            "(narrow it with --from/--to/--bbox)", want_json,
        )  # fmt: skip
    except Exception as exc:
        return _internal(exc, want_json)


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # pragma: no cover - stdout without a descriptor
        pass


def _internal(exc: BaseException, want_json: bool) -> int:
    if os.environ.get("SKYWITNESS_DEBUG"):
        raise exc
    message = (
        f"internal error: {type(exc).__name__}: {exc} "
        "(a bug: rerun with SKYWITNESS_DEBUG=1 for details)"
    )
    return _failed(EXIT_INTERNAL, message, want_json)


def _failed(code: int, message: str, want_json: bool) -> int:
    """One line on stderr; with --json, the run's one object saying the error."""
    output.error(message)
    if want_json and not output.json_printed():
        output.print_json({"error": message, "exit": code})
    return code


def os_error_line(exc: OSError) -> str:
    """``out/map.csv: No space left on device``: the file and what the system said."""
    what = exc.strerror or " ".join(str(exc).split()) or type(exc).__name__
    if exc.filename is not None:
        line = f"{_name(exc.filename)}: {what}"
        if exc.filename2 is not None:
            line += f" (to {_name(exc.filename2)})"
    else:
        line = what
    return output.targets(line)


def _name(value: object) -> str:
    return os.fsdecode(value) if isinstance(value, str | bytes | os.PathLike) else str(value)


def run() -> None:
    """Console entry point."""
    sys.exit(main())
