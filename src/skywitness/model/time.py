"""Times given by people (CLI options, notebook arguments) as UTC nanoseconds.

One parser for the CLI and the notebook API, so that ``--from`` and
``skywitness.jamming(start=...)`` accept the same things:

* ISO-8601 text: ``2024-12-25T05:13Z``, ``2024-12-25T05:13:00+03:00``,
  ``2024-12-25`` (midnight UTC), ``20241225`` and ``20241225T0513Z`` (basic
  format); without an offset the time is UTC;
* ``datetime`` / ``date`` objects (naive ones are UTC), pandas ``Timestamp``
  and ``numpy.datetime64``;
* Unix seconds, written as text (``1735103580``, ``1735103580.5``) or
  passed as ``int`` / ``float`` with ``unix=True``, accepted only within
  :data:`EARLIEST_YEAR`-:data:`LATEST_YEAR` so that a date typed without dashes
  is never read as seconds in 1970.

Anything else raises :class:`~skywitness.errors.UsageError` naming the value.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, time
from typing import Any

from skywitness.errors import UsageError
from skywitness.model.units import NS_PER_S

#: Surveillance records before this year do not exist (ADS-B trials began in
#: the 1990s); a number read as Unix seconds must fall after it.
EARLIEST_YEAR = 1990
#: ... and before this one (a guard against milliseconds or nanoseconds given as seconds).
LATEST_YEAR = 2100
_EARLIEST_S = datetime(EARLIEST_YEAR, 1, 1, tzinfo=UTC).timestamp()
_LATEST_S = datetime(LATEST_YEAR, 1, 1, tzinfo=UTC).timestamp()

HINT = "use ISO-8601 UTC (2024-12-25T05:13Z, 2024-12-25) or Unix seconds"
#: Unix seconds as people type them: ASCII digits, an optional fraction and
#: exponent (``float`` alone would also take ``1_735_103_580`` or other scripts' digits).
_UNIX_TEXT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", re.ASCII)


def parse_time(value: Any, *, what: str = "time", unix: bool = False) -> int | None:
    """``value`` as UTC nanoseconds, or ``None`` for ``None`` (no bound).

    An empty string is an error (a typo or an unset shell variable, not "no
    bound"); so is anything outside :data:`EARLIEST_YEAR`-:data:`LATEST_YEAR`.
    Every failure is a :class:`~skywitness.errors.UsageError` naming ``what``."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise UsageError(f"bad {what} {value!r}: {HINT}")
    if isinstance(value, datetime):
        return _datetime_ns(value, what)
    if isinstance(value, date):
        return _datetime_ns(datetime.combine(value, time(0), tzinfo=UTC), what)
    if type(value).__name__ == "datetime64":
        import numpy as np

        if np.isnat(value):
            raise UsageError(f"bad {what} {value!r}: not a time")
        unix_s = int(np.datetime64(value, "s").astype("int64"))  # no overflow at seconds
        if not _EARLIEST_S <= unix_s < _LATEST_S:
            raise UsageError(f"{what} {value} is outside {EARLIEST_YEAR}-{LATEST_YEAR}")
        return int(np.datetime64(value, "ns").astype("int64"))
    if isinstance(value, int | float):
        if not unix:
            raise UsageError(
                f"bad {what} {value!r}: a bare number is ambiguous; {HINT} as text, or a datetime"
            )
        try:
            seconds = float(value)
        except OverflowError:  # an int beyond float range
            seconds = math.inf
        return _unix_ns(seconds, what, str(value))
    if not isinstance(value, str):
        raise UsageError(f"bad {what} {value!r}: {HINT}")
    text = value.strip()
    if not text:
        raise UsageError(f"empty {what}: {HINT}")
    try:
        dt = datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        dt = None
    if dt is not None:
        return _datetime_ns(dt, what)
    if text.lower().lstrip("+-") in ("inf", "infinity", "nan"):
        raise UsageError(f"bad {what} {text!r}: not a finite number; {HINT}")
    if not _UNIX_TEXT.fullmatch(text):
        raise UsageError(f"bad {what} {value!r}: {HINT}")
    return _unix_ns(float(text), what, text)


def parse_window(
    start: Any,
    end: Any,
    *,
    unix: bool = False,
    names: tuple[str, str] = ("start time", "end time"),
) -> tuple[int | None, int | None]:
    """A ``[start, end)`` window; an end before or at its start is an error.

    ``names`` are what messages call the two bounds (the CLI passes
    ``("--from time", "--to time")``)."""
    s = parse_time(start, what=names[0], unix=unix)
    e = parse_time(end, what=names[1], unix=unix)
    if s is not None and e is not None and e <= s:
        from skywitness.model.timefmt import iso_utc

        when = "at" if e == s else "before"
        raise UsageError(
            f"the window is empty: it ends ({names[1]} {iso_utc(e)}) {when} it starts "
            f"({names[0]} {iso_utc(s)}); swap the start and end times"
        )
    return s, e


def _unix_ns(seconds: float, what: str, shown: str) -> int:
    if not math.isfinite(seconds):
        raise UsageError(f"bad {what} {shown!r}: not a finite number; {HINT}")
    if not _EARLIEST_S <= seconds < _LATEST_S:
        raise UsageError(
            f"bad {what} {shown!r}: as Unix seconds this is outside "
            f"{EARLIEST_YEAR}-{LATEST_YEAR}; {HINT}"
        )
    return round(seconds * NS_PER_S)


def _datetime_ns(dt: datetime, what: str) -> int:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    try:
        utc = dt.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:00-05:00 is in year 10000
        utc = None
    if utc is None or not EARLIEST_YEAR <= utc.year < LATEST_YEAR:
        raise UsageError(f"{what} {dt.isoformat()} is outside {EARLIEST_YEAR}-{LATEST_YEAR}")
    delta = utc - datetime(1970, 1, 1, tzinfo=UTC)
    ns = (delta.days * 86_400 + delta.seconds) * NS_PER_S + delta.microseconds * 1000
    nanos = getattr(dt, "nanosecond", 0)  # pandas Timestamp
    return ns + int(nanos)
