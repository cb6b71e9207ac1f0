"""What the job results share: their natural tables as Arrow / pandas, and display.

A result names its tables (``events``, ``cells``; ``intervals``, ``places``,
``paths``, ``states``); :func:`pick` checks a name, :func:`to_pandas`
converts one (pandas is the optional ``pandas`` extra), :func:`html_table`
and :func:`window_text` are the pieces of ``_repr_html_`` and ``__repr__``.
"""

from __future__ import annotations

import html
import importlib
from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from skywitness.errors import UsageError
from skywitness.model.schema import TIME_TYPE
from skywitness.model.timefmt import iso_utc

#: Rows a repr or an HTML table shows before "... and N more" (a notebook cell
#: stays readable; the whole table is one ``to_pandas`` away).
SHOWN_ROWS = 12

PANDAS_HINT = "pip install 'skywitness[pandas]'"


def pick(name: str | None, names: Sequence[str]) -> str:
    """``name`` if it is one of ``names`` (the first when ``None``), else a UsageError."""
    if name is None:
        return names[0]
    if name not in names:
        raise UsageError(f"no table {name!r} in this result (tables: {', '.join(names)})")
    return name


def to_pandas(table: pa.Table) -> Any:
    """``table`` as a pandas DataFrame (times as UTC ``datetime64[ns, UTC]``)."""
    try:
        importlib.import_module("pandas")  # pyarrow imports it too; this says if it is there
    except ImportError:
        raise UsageError(f"to_pandas needs pandas: {PANDAS_HINT}") from None
    return table.to_pandas()


def times(values: Sequence[int | None]) -> pa.Array:
    """UTC nanoseconds as an Arrow timestamp column."""
    return pa.array(values, pa.int64()).cast(TIME_TYPE)


def window_text(start_ns: int | None, end_ns: int | None) -> str:
    """``2024-04-12T14:00:00Z .. 2024-04-12T16:00:00Z`` (``...`` for an open side)."""
    a = "..." if start_ns is None else iso_utc(start_ns, "seconds")
    b = "..." if end_ns is None else iso_utc(end_ns, "seconds")
    return f"{a} .. {b}"


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else many or word + 's'}"


def shown(lines: list[str], total: int) -> list[str]:
    """The first :data:`SHOWN_ROWS` lines, and how many were left out."""
    out = lines[:SHOWN_ROWS]
    if total > SHOWN_ROWS:
        out.append(f"... and {total - SHOWN_ROWS} more")
    return out


def caption(lines: Sequence[str]) -> str:
    """A repr's summary lines as one line (for the HTML caption)."""
    return "; ".join(" ".join(line.split()) for line in lines)


def html_table(caption: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A small HTML table (escaped), at most :data:`SHOWN_ROWS` rows."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>"
        for row in rows[:SHOWN_ROWS]
    )
    more = (
        f'<tr><td colspan="{len(header)}">... and {len(rows) - SHOWN_ROWS} more</td></tr>'
        if len(rows) > SHOWN_ROWS
        else ""
    )
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}{more}</tbody></table>"
    return f"<div><p>{html.escape(caption)}</p>{table if rows else ''}</div>"


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v)
