"""What the command line prints, and only through here.

Every message line goes through :func:`escape`, so that a file name holding a
newline or a terminal escape cannot forge extra ``skywitness:`` lines or
repaint the terminal; ``--json`` output is one JSON object per run
(:func:`print_json` remembers that it printed one, so that an error after it
does not print a second).
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

PREFIX = "skywitness: "

#: C0 and C1 control characters, DEL, and the Unicode line and paragraph
#: separators (a terminal or a log viewer may break lines at any of them).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
#: Undecodable bytes of a file name, as Python carries them (surrogateescape).
_SURROGATE = re.compile("[\udc80-\udcff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\x1b"}

#: The temporary sibling the atomic writer fills (report/atomic.py,
#: ``.<name>.<pid>.part``): messages name the target instead.
_PART_FILE = re.compile(r"(^|/)\.([^/'\"]+)\.\d+\.part\b")

_state = {"json_printed": False}


def targets(text: str) -> str:
    """``text`` with the atomic writer's temporary files named as their targets."""
    return _PART_FILE.sub(r"\1\2", text)


def escape(text: str) -> str:
    """``text`` with control characters shown as escapes (``\\n``, ``\\x1b``,
    ``\\u2028``) and undecodable file-name bytes as ``\\xNN``: one printable line."""
    text = _CONTROL.sub(lambda m: _NAMED.get(m.group(), _code(m.group())), text)
    return _SURROGATE.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}", text)


def _code(c: str) -> str:
    n = ord(c)
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}"


def say(text: str = "") -> None:
    """One line on stdout (a newline inside ``text`` is escaped like any control character)."""
    print(escape(text))


def error(message: str) -> None:
    """``skywitness: <message>`` on stderr, as one line."""
    print(PREFIX + escape(message), file=sys.stderr)


def warn(message: str) -> None:
    """``skywitness: warning: <message>`` on stderr, as one line."""
    error(f"warning: {message}")


def note(message: str) -> None:
    """``skywitness: note: <message>`` on stderr, as one line."""
    error(f"note: {message}")


def print_json(obj: Any) -> None:
    """The run's one JSON object on stdout (control characters escaped by JSON)."""
    print(json.dumps(obj, indent=None, separators=(", ", ": ")))
    _state["json_printed"] = True


def reset() -> None:
    """A new run: no JSON object printed yet."""
    _state["json_printed"] = False


def json_printed() -> bool:
    return _state["json_printed"]
