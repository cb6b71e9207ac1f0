"""The command line: parses arguments, calls the store, the jobs or the
simulator, prints. Nothing else.

``main(argv) -> int`` runs one command in-process (tests call it);
``run()`` is the console entry point (``skywitness``, ``python -m skywitness``).
Exit codes: 0 success; 2 bad input or usage (one line on stderr per problem);
3 an internal error (a bug: rerun with SKYWITNESS_DEBUG=1 for the traceback);
130 interrupted.

Modules: :mod:`~skywitness.cli.parser` (commands, options, help),
:mod:`~skywitness.cli.options` (option values: times, boxes, positions),
:mod:`~skywitness.cli.commands` (what each command does and prints),
:mod:`~skywitness.cli.demo`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from skywitness.cli.commands import EXIT_INPUT, EXIT_INTERNAL, EXIT_OK
from skywitness.errors import SkywitnessError

#: Exit code after Ctrl-C (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED = 130

__all__ = ["EXIT_INPUT", "EXIT_INTERNAL", "EXIT_INTERRUPTED", "EXIT_OK", "main", "run"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the exit code."""
    from skywitness.cli.options import join_signed_values
    from skywitness.cli.parser import build

    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build().parse_args(join_signed_values(args_list))
    except SystemExit as exc:  # argparse: --help / --version (0) or a usage error (2)
        return (
            exc.code if isinstance(exc.code, int) else EXIT_OK if exc.code is None else EXIT_INPUT
        )
    args.argv = args_list  # recorded in the outputs' provenance
    try:
        code: int = args.func(args)
        return code
    except SkywitnessError as exc:
        print(f"skywitness: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("skywitness: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        if os.environ.get("SKYWITNESS_DEBUG"):
            raise
        print(f"skywitness: internal error: {type(exc).__name__}: {exc} "
              "(rerun with SKYWITNESS_DEBUG=1 for details)", file=sys.stderr)  # fmt: skip
        return EXIT_INTERNAL


def run() -> None:
    """Console entry point."""
    sys.exit(main())
