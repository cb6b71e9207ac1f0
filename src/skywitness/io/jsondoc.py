"""JSON documents and JSON lines read within bounds, record by record.

The JSON readers (readsb traces and snapshots, FR24 flights, traffic's pandas
JSON) each read one document holding an array (or, for pandas' columns
orient, objects) of records. Three things in one record must not cost the
whole file, nor the run:

- an integer of more digits than Python converts (4,300: ``ValueError``),
- nesting deeper than the C decoder's recursion limit (``RecursionError``),
- bytes that are not UTF-8 inside a string (``UnicodeDecodeError``).

:func:`load` first decodes the document with the C decoder (fast, and the
usual case). When that fails for one of those reasons, the document is decoded
again by :func:`_decode`, an iterative decoder (no recursion at any depth)
that replaces each record it cannot decode by a :class:`Bad` marker naming
what was wrong; the reader skips those records with that reason and keeps
the others. The same problem outside any record (in a top-level ``timestamp``,
say) and any syntax error fail the file, with a one-line reason.

:func:`read_document` reads the decompressed document in bounded memory: at
most a given number of bytes (each reader names its cap and why), and no run
of whitespace longer than :data:`MAX_WHITESPACE_RUN` (a gzip of a few MB can
hold gigabytes of blanks). :func:`loads_line` decodes one JSON line the same
way, for line-oriented readers.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from skywitness.io.base import DECOMPRESSION_ERRORS, READ_CHUNK_BYTES, ReadContext, open_binary

#: Longest run of JSON whitespace (space, tab, CR, LF) read in a document.
#: Pretty-printers indent by a few bytes per level; no JSON writer emits more
#: than kilobytes of blanks in a row. A run this long is padding (a small gzip
#: can decompress to gigabytes of it), refused before it fills memory.
MAX_WHITESPACE_RUN = 16 << 20
#: Longest number literal decoded (characters). Python refuses to convert
#: integers of more digits (``sys.get_int_max_str_digits()``, 4,300 by
#: default, because the conversion is quadratic); float64 needs at most
#: ~770 significant characters. Surveillance values have fewer than 25.
MAX_NUMBER_CHARS = 4300
#: Deepest nesting of arrays and objects decoded inside one record. The formats
#: read nest at most 8 levels (FR24: result.response.data.flight.track[].ems);
#: 64 leaves room for any extension and stops hostile nesting early.
MAX_NESTING = 64

_WS = b" \t\n\r"
_BOM = "\ufeff"
_TOKEN = re.compile(
    r"""[ \t\n\r]*(?:
      (?P<open>[\[{])
    | (?P<close>[\]}])
    | (?P<comma>,)
    | (?P<colon>:)
    | "(?P<str>[^"\\\x00-\x1f]*(?:\\[^\x00-\x1f][^"\\\x00-\x1f]*)*)"
    | (?P<num>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)
    | (?P<lit>true|false|null|NaN|Infinity|-Infinity)
    )""",
    re.VERBOSE,
)
_SPACE = re.compile(r"[ \t\n\r]*")
#: Bytes that were not UTF-8, as ``surrogateescape`` decoding carries them.
_NOT_UTF8 = re.compile("[\udc80-\udcff]")
_C_DECODER = json.JSONDecoder()
_LITERALS: dict[str, Any] = {
    "true": True,
    "false": False,
    "null": None,
    "NaN": float("nan"),
    "Infinity": float("inf"),
    "-Infinity": float("-inf"),
}

#: A path to a value: object keys and array indices from the top.
JsonPath = tuple[str | int, ...]


class Bad:
    """Stands in for a record that could not be decoded; ``reason`` says why."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __repr__(self) -> str:
        return f"Bad({self.reason!r})"


class _SyntaxError(Exception):
    """Not JSON at byte ``pos`` (internal)."""

    def __init__(self, pos: int, what: str) -> None:
        super().__init__(f"{what} at byte {pos}")


class _FileLevel(Exception):
    """A problem outside any record (internal): the file cannot be read."""


def read_document(path: Path, ctx: ReadContext, max_bytes: int, what: str) -> bytearray:
    """The decompressed content of ``path``, failing the file (one line) when
    it is larger than ``max_bytes`` (``what`` names the kind of document in
    the message), holds a whitespace run longer than
    :data:`MAX_WHITESPACE_RUN`, or its compression is damaged. Memory stays
    within ``max_bytes`` whatever the decompressed size."""
    out = bytearray()
    run = 0  # whitespace bytes in a row so far
    with open_binary(path, whole=True) as fh:
        try:
            while chunk := fh.read(READ_CHUNK_BYTES):
                if len(out) + len(chunk) > max_bytes:
                    raise ctx.fail(
                        f"more than {_size(max_bytes)} once decompressed: larger than any {what} "
                        "(the cap keeps memory bounded; is this the right file?)"
                    )
                lead = len(chunk) - len(chunk.lstrip(_WS))
                run = run + lead if lead < len(chunk) else run + len(chunk)
                if run > MAX_WHITESPACE_RUN:
                    raise ctx.fail(
                        f"more than {_size(MAX_WHITESPACE_RUN)} of blanks in a row "
                        f"(from byte {len(out) + lead - run}): padding, not JSON data"
                    )
                if lead < len(chunk):
                    run = len(chunk) - len(chunk.rstrip(_WS))
                out += chunk
        except DECOMPRESSION_ERRORS as exc:
            raise ctx.fail(f"corrupt or truncated compressed data: {exc}") from None
    return out


#: Digits to "1", everything else to "0": 19 digits in a row (an integer
#: that may lie beyond 64 bits, which orjson reads as a float where the
#: standard parser keeps an int) become a run that ``bytes.find`` sees at C
#: speed (a regular expression costs as much as the parse itself).
_DIGIT_MAP = bytes(0x31 if 0x30 <= b <= 0x39 else 0x30 for b in range(256))
_LONG_RUN = b"1" * 19


def _fast_enough(data: str | bytes | bytearray) -> bool:
    """Whether orjson reads ``data`` as the standard parser does when it reads
    it at all: strict RFC 8259 JSON (it refuses NaN literals, lone
    surrogates, other encodings), and no integer beyond 64 bits."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    return not long_digit_runs(raw)


def long_digit_runs(data: bytes | bytearray) -> bool:
    """Whether ``data`` holds 19 digits in a row (an integer that may lie
    beyond 64 bits, or one the standard parser refuses for its length)."""
    return data.translate(_DIGIT_MAP).find(_LONG_RUN) >= 0


def load(
    data: bytes | bytearray,
    ctx: ReadContext,
    is_record: Callable[[JsonPath], bool],
) -> tuple[Any, int]:
    """The decoded document and how many records in it are :class:`Bad`.

    ``is_record(path)`` tells which values are records (``("trace", 5)``);
    a record that cannot be decoded becomes a :class:`Bad`. Raises
    :class:`~skywitness.errors.InputError` for a syntax error or for a problem
    outside any record.
    """
    if _fast_enough(data):
        try:
            return orjson.loads(data), 0
        except orjson.JSONDecodeError:
            pass
    try:
        return json.loads(data), 0
    except json.JSONDecodeError as exc:
        raise ctx.fail(f"invalid JSON: {exc}") from None
    except (ValueError, RecursionError):  # too many digits, too deep, not UTF-8
        pass
    try:
        return _decode(data.decode("utf-8", "surrogateescape"), is_record)
    except _SyntaxError as exc:
        raise ctx.fail(f"invalid JSON: {exc}") from None
    except _FileLevel as exc:
        raise ctx.fail(str(exc)) from None


def loads_line(line: str | bytes) -> Any:
    """One JSON value (a JSON line), or :class:`Bad` when it cannot be decoded
    (syntax, digits, nesting or encoding), never an exception."""
    if _fast_enough(line):
        try:
            return orjson.loads(line)
        except orjson.JSONDecodeError:
            pass
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        return Bad(f"invalid JSON: {exc}"[:200])
    except (ValueError, RecursionError):
        pass
    text = line if isinstance(line, str) else line.decode("utf-8", "surrogateescape")
    try:
        doc, _ = _decode(text, lambda path: path == ())
    except (_SyntaxError, _FileLevel) as exc:
        return Bad(f"invalid JSON: {exc}"[:200])
    return doc


def _size(n: int) -> str:
    return f"{n >> 20} MiB" if n >= 1 << 20 else f"{n} bytes"


#: Path components shown in messages; deeper paths are cut (hostile nesting).
SHOWN_PATH = 6


def _where(path: list[str | int]) -> str:
    """``trace[5].alt`` for messages (cut after :data:`SHOWN_PATH` levels)."""
    out = ""
    for p in path[:SHOWN_PATH]:
        out += f"[{p}]" if isinstance(p, int) else (f".{p[:40]}" if out else p[:40])
    if len(path) > SHOWN_PATH:
        out += f"... ({len(path)} levels)"
    return out or "the top level"


# --------------------------------------------------------------------------- decoder

_VALUE, _FIRST_VALUE, _KEY, _FIRST_KEY, _COLON, _NEXT = range(6)


def _decode(text: str, is_record: Callable[[JsonPath], bool]) -> tuple[Any, int]:
    """Iterative JSON decoder isolating bad records (see the module docstring).

    ``text`` is the document decoded with ``surrogateescape`` (bytes that are
    not UTF-8 show as lone surrogates, and are a bad string where they occur).
    Each value above and at the level of the records is first handed whole to
    the C decoder (fast, and it says where the value ends); only values it
    cannot decode are walked token by token, containers on an explicit stack
    (no recursion at any depth). Below :data:`MAX_NESTING` levels inside a
    record the rest of the record is only scanned, not built.
    """
    pos = len(_BOM) if text.startswith(_BOM) else 0
    end = len(text)
    stack: list[list[Any] | dict[str, Any]] = []
    path: list[str | int] = []  # key or index of the value being read, per level
    state = _VALUE
    root: Any = None
    record_level = -1  # len(stack) where the current record's value starts
    reason: str | None = None  # why the current record is bad
    bad = 0
    done = False

    def fail(why: str) -> None:
        nonlocal reason
        if record_level < 0:
            raise _FileLevel(f"{_where(path)}: {why}")
        if reason is None:
            reason = f"{why} (at {_where(path)})"

    def put(value: Any) -> None:
        """A complete value at the current path."""
        nonlocal root, done, record_level, reason, bad
        if record_level == len(stack):
            if reason is not None:
                value, reason = Bad(reason), None
                bad += 1
            record_level = -1
        if not stack:
            root, done = value, True
            return
        top = stack[-1]
        if isinstance(top, list):
            top.append(value)
        else:
            top[str(path[-1])] = value

    while True:
        if state in (_VALUE, _FIRST_VALUE) and record_level < 0 and stack:
            # A value at or above the records: the C decoder first.
            pos = _SPACE.match(text, pos).end()  # type: ignore[union-attr]
            if record_level < 0 and is_record(tuple(path)):
                record_level = len(stack)
            try:
                value, stop = _C_DECODER.raw_decode(text, pos)
            except (ValueError, RecursionError):
                pass  # a closing bracket, or a value to walk token by token
            else:
                if _NOT_UTF8.search(text, pos, stop) is None:
                    put(value)
                    pos, state = stop, _NEXT
                    continue
        m = _TOKEN.match(text, pos)
        if m is None:
            rest = text[pos:].lstrip(" \t\n\r")
            if not rest and done:
                return root, bad
            raise _SyntaxError(
                end - len(rest), "unexpected " + ("end" if not rest else "character")
            )
        pos = m.end()
        kind = m.lastgroup
        if done:
            raise _SyntaxError(m.start(kind or 0), "extra data after the document")
        if state in (_VALUE, _FIRST_VALUE):
            if kind == "close" and state == _FIRST_VALUE and m.group("close") == "]":
                if record_level == len(stack):
                    record_level = -1  # an empty array: no value began
                path.pop()
                put(stack.pop())
                state = _NEXT
                continue
            if kind not in ("open", "str", "num", "lit"):
                raise _SyntaxError(m.start(kind or 0), "expected a value")
            if record_level < 0 and is_record(tuple(path)):
                record_level = len(stack)
            if kind == "open":
                if record_level >= 0 and len(stack) - record_level >= MAX_NESTING:
                    fail(f"nested deeper than {MAX_NESTING} levels")
                    pos = _skip_container(text, m.start("open"))
                    put(None)
                    state = _NEXT
                    continue
                if record_level < 0 and len(stack) >= MAX_NESTING:
                    raise _FileLevel(f"{_where(path)}: nested deeper than {MAX_NESTING} levels")
                if m.group("open") == "[":
                    stack.append([])
                    path.append(0)
                    state = _FIRST_VALUE
                else:
                    stack.append({})
                    path.append("")
                    state = _FIRST_KEY
                continue
            put(_scalar(m, fail))
            state = _NEXT
            continue
        if state in (_KEY, _FIRST_KEY):
            if kind == "close" and state == _FIRST_KEY and m.group("close") == "}":
                path.pop()
                put(stack.pop())
                state = _NEXT
                continue
            if kind != "str":
                raise _SyntaxError(m.start(kind or 0), "expected a key")
            key = _string(m.group("str"), fail)
            path[-1] = key if isinstance(key, str) else ""
            state = _COLON
            continue
        if state == _COLON:
            if kind != "colon":
                raise _SyntaxError(m.start(kind or 0), "expected ':'")
            state = _VALUE
            continue
        # _NEXT: after a value inside a container
        if not stack:
            raise _SyntaxError(m.start(kind or 0), "extra data after the document")
        top = stack[-1]
        if kind == "comma":
            if isinstance(top, list):
                path[-1] = len(top)
                state = _VALUE
            else:
                state = _KEY
            continue
        closer = "]" if isinstance(top, list) else "}"
        if kind == "close" and m.group("close") == closer:
            path.pop()
            put(stack.pop())
            state = _NEXT
            continue
        raise _SyntaxError(m.start(kind or 0), "expected ',' or a closing bracket")


def _scalar(m: re.Match[str], fail: Callable[[str], None]) -> Any:
    kind = m.lastgroup
    if kind == "str":
        return _string(m.group("str"), fail)
    if kind == "lit":
        return _LITERALS[m.group("lit")]
    text = m.group("num")
    integer = not ("." in text or "e" in text or "E" in text)
    digits = len(text.lstrip("-"))
    if integer and digits > (sys.get_int_max_str_digits() or MAX_NUMBER_CHARS):
        fail(f"an integer of {digits} digits")
        return None
    if len(text) > MAX_NUMBER_CHARS:
        fail(f"a number of {len(text)} characters")
        return None
    return int(text) if integer else float(text)


def _string(raw: str, fail: Callable[[str], None]) -> str | None:
    if _NOT_UTF8.search(raw) is not None:
        fail("bytes that are not UTF-8 in a string")
        return None
    if "\\" not in raw:
        return raw
    try:
        value: str = json.loads(f'"{raw}"')
    except json.JSONDecodeError as exc:
        raise _SyntaxError(exc.pos, f"bad escape in a string: {exc.msg}") from None
    return value


_RUN = re.compile(r'(?P<open>[\[{]+)|(?P<close>[\]}]+)|"|[^\[\]{}"]+')
_STRING_END = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_MATCHING = str.maketrans("]}", "[{")


def _skip_container(text: str, start: int) -> int:
    """The position after the container opening at ``start``, brackets matched
    and strings stepped over, without building anything. Works on runs (a run
    of ``[`` costs one step however long), so hostile nesting costs little."""
    openers = bytearray()  # one byte per open bracket: millions cost megabytes
    pos = start
    while m := _RUN.match(text, pos):
        pos = m.end()
        if (run := m.group("open")) is not None:
            openers += run.encode("ascii")
        elif (run := m.group("close")) is not None:
            depth = len(openers)
            k = min(len(run), depth)  # the container may end inside this run
            if openers[depth - k :] != run[:k].translate(_MATCHING)[::-1].encode("ascii"):
                raise _SyntaxError(m.start(), "mismatched bracket")
            if k == depth:
                return m.start() + k
            del openers[depth - k :]
        elif m.group() == '"':
            string_end = _STRING_END.match(text, pos)
            if string_end is None:
                raise _SyntaxError(m.start(), "unterminated string")
            pos = string_end.end()
    raise _SyntaxError(len(text), "unexpected end")


__all__ = [
    "MAX_NESTING",
    "MAX_NUMBER_CHARS",
    "MAX_WHITESPACE_RUN",
    "Bad",
    "JsonPath",
    "load",
    "loads_line",
    "read_document",
]
