"""Option values as the commands use them: times, windows, boxes, positions.

Every parser raises :class:`~skywitness.errors.UsageError` with one line naming
the option and the value; values that are legal but probably not what was
meant (a box crossing the antimeridian, a box of zero area) are kept and
:func:`warn` says so on stderr.
"""

from __future__ import annotations

import importlib.util
import math
import os
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from skywitness.cli import output
from skywitness.errors import UsageError

#: Options whose value may start with a minus sign (western longitudes,
#: southern latitudes, negative numbers given as times), which argparse would
#: otherwise take for an option: ``--bbox -100,30,-80,50`` -> ``--bbox=-100,30,-80,50``.
SIGNED_VALUE_OPTIONS = ("--bbox", "--reference", "--from", "--to", "--start-time")

BBox = tuple[float, float, float, float]


#: Output extensions that need an optional package, and the hint to install it.
NEEDS: Mapping[str, tuple[str, str]] = {
    ".png": ("matplotlib", "PNG maps need matplotlib: pip install 'skywitness[plot]'"),
}


def warn(message: str) -> None:
    """One line on stderr for a value that is kept but probably not what was meant."""
    output.warn(message)


def store_dir(text: str | None, *, write: bool = False) -> Path:
    """The ``--store`` directory (argument, $SKYWITNESS_STORE or the default),
    refused when it, or a directory it would be in, is a file; with ``write``
    (ingest), also when it cannot be made."""
    from skywitness.store import resolve_store

    path = resolve_store(text)
    if path.is_dir():
        return path  # the store says what it holds and whether it can be written
    if path.exists():
        raise UsageError(f"bad --store {path}: is a file, not a store directory")
    _creatable(path, "--store", str(path), write=write)
    return path


def outputs(
    paths: Sequence[str] | None,
    option: str,
    extensions: Collection[str],
    *,
    directories: bool = False,
    taken: set[Path] | None = None,
) -> list[Path]:
    """Output paths checked before any work is done: a known extension (or,
    with ``directories``, a directory: existing, or a path without extension),
    an installed package for the format, a place where the file can be
    created, and no path given twice (``taken`` collects them across options).
    """
    seen = set() if taken is None else taken
    out = []
    for text in paths or ():
        path = Path(text)
        is_dir = directories and (path.is_dir() or not path.suffix or text.endswith(os.sep))
        suffix = path.suffix.lower()
        if not is_dir:
            if suffix not in extensions:
                known = ", ".join(sorted(extensions)) + (", or a directory" if directories else "")
                raise UsageError(
                    f"bad {option} {text}: unknown output type {suffix or '(no extension)'}: "
                    f"cannot tell the format from the extension (use {known})"
                )
            if path.is_dir():
                raise UsageError(f"bad {option} {text}: is a directory, not a file")
            if suffix in NEEDS and importlib.util.find_spec(NEEDS[suffix][0]) is None:
                raise UsageError(f"bad {option} {text}: {NEEDS[suffix][1]}")
        elif path.exists() and not path.is_dir():
            raise UsageError(f"bad {option} {text}: is a file, not a directory")
        _creatable(path if is_dir else path.parent, option, text)
        key = Path(os.path.abspath(path))
        if key in seen:
            raise UsageError(f"bad {option} {text}: the same file is written twice")
        seen.add(key)
        out.append(path)
    return out


def output_dir(text: str, option: str) -> Path:
    """A directory to write (``simulate --out``), checked before any work:
    not a file, and in a place where it can be made."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise UsageError(f"bad {option} {text}: is a file, not a directory")
    _creatable(path, option, text)
    return path


def _creatable(directory: Path, option: str, given: str, *, write: bool = True) -> None:
    """``directory`` exists, or can be made: its nearest existing ancestor is
    a directory (and, with ``write``, a writable one)."""
    probe = directory
    while not probe.exists():
        if probe.is_symlink():
            raise UsageError(f"bad {option} {given}: {probe} is a broken symbolic link")
        parent = probe.parent
        if parent == probe:
            break
        probe = parent
    if not probe.is_dir():
        raise UsageError(f"bad {option} {given}: {probe} is not a directory")
    if write and not os.access(probe, os.W_OK | os.X_OK):
        raise UsageError(
            f"bad {option} {given}: cannot write in {probe} (permission denied or read-only)"
        )


def join_signed_values(argv: Sequence[str]) -> list[str]:
    """``--bbox -100,30,-80,50`` -> ``--bbox=-100,30,-80,50`` (see :data:`SIGNED_VALUE_OPTIONS`)."""
    out: list[str] = []
    it = iter(argv)
    for arg in it:
        if arg in SIGNED_VALUE_OPTIONS:
            value = next(it, None)
            if value is None:
                out.append(arg)  # argparse says the value is missing
            elif value.startswith("-") and not value.startswith("--"):
                out.append(f"{arg}={value}")
            else:
                out.extend((arg, value))
        else:
            out.append(arg)
    return out


def window(start: str | None, end: str | None) -> tuple[int | None, int | None]:
    """``--from`` / ``--to`` as a ``[start, end)`` window in UTC nanoseconds."""
    from skywitness.model.time import parse_window  # imports pyarrow (model/__init__)

    return parse_window(start, end, names=("--from time", "--to time"))


def start_time(text: str | None) -> int | None:
    """``--start-time`` in UTC nanoseconds."""
    from skywitness.model.time import parse_time

    return parse_time(text, what="--start-time")


def _floats(text: str, n: int, option: str, want: str) -> list[float]:
    parts = text.split(",")
    try:
        values = [float(v) for v in parts]
    except ValueError:
        values = []
    if len(values) != n:
        raise UsageError(f"bad {option} {text!r}: want {want} ({n} numbers separated by commas)")
    if not all(math.isfinite(v) for v in values):
        raise UsageError(f"bad {option} {text!r}: every value must be a finite number")
    return values


def latlon(text: str, option: str = "--reference") -> tuple[float, float]:
    """``LAT,LON`` in degrees."""
    lat, lon = _floats(text, 2, option, "LAT,LON in degrees")
    if not -90 <= lat <= 90:
        swap = " (the order is LAT,LON)" if -90 <= lon <= 90 and -180 <= lat <= 180 else ""
        raise UsageError(f"bad {option} {text!r}: latitude {lat:g} is not in -90..90{swap}")
    if not -180 <= lon <= 180:
        raise UsageError(f"bad {option} {text!r}: longitude {lon:g} is not in -180..180")
    return lat, lon


def bbox(text: str, option: str = "--bbox") -> BBox:
    """``W,S,E,N`` in degrees. A box with W > E crosses the antimeridian (the
    store reads it so); a warning says so, as it does for a box of zero width
    or height."""
    west, south, east, north = _floats(text, 4, option, "W,S,E,N in degrees")
    lats_ok = -90 <= south <= 90 and -90 <= north <= 90
    lons_ok = -180 <= west <= 180 and -180 <= east <= 180
    if not lats_ok:
        hint = ""
        # typed S,W,N,E: longitudes where the latitudes should be, and the other way round
        if all(-90 <= v <= 90 for v in (west, east)) and all(
            -180 <= v <= 180 for v in (south, north)
        ):
            hint = (
                f"; the order is W,S,E,N (longitude first): did you mean "
                f"{option} {_fmt(south, west, north, east)}?"
            )
        bad = south if not -90 <= south <= 90 else north
        raise UsageError(f"bad {option} {text!r}: latitude {bad:g} is not in -90..90{hint}")
    if not lons_ok:
        bad = west if not -180 <= west <= 180 else east
        raise UsageError(f"bad {option} {text!r}: longitude {bad:g} is not in -180..180")
    if south > north:
        raise UsageError(
            f"bad {option} {text!r}: south {south:g} is north of north {north:g} "
            f"(W,S,E,N): did you mean {option} {_fmt(west, north, east, south)}?"
        )
    if west > east:
        warn(
            f"{option} {text} has W > E: read as crossing the antimeridian "
            f"(from {west:g} eastward through 180 to {east:g}); for the box between "
            f"them, swap W and E: {option} {_fmt(east, south, west, north)}"
        )
    if west == east or south == north:
        side = "width (W = E)" if west == east else "height (S = N)"
        warn(f"{option} {text} has zero {side}: it keeps only positions exactly on its edge")
    return west, south, east, north


def swapped(box: BBox) -> BBox | None:
    """The box read with latitude and longitude swapped (``S,W,N,E`` typed as
    ``W,S,E,N``), when that is a box at all; ``None`` otherwise."""
    west, south, east, north = box
    new = (south, west, north, east)
    w, s, e, n = new
    if not (-90 <= s <= n <= 90 and -180 <= w <= 180 and -180 <= e <= 180) or new == box:
        return None
    return new


def fmt_bbox(box: BBox) -> str:
    """``W,S,E,N`` as typed on a command line."""
    return _fmt(*box)


def _fmt(*values: float) -> str:
    return ",".join(f"{v:g}" for v in values)


#: An aircraft address as the store holds it: six hex digits, with readsb's
#: ``~`` for a non-ICAO (TIS-B / anonymous) address (the validator's pattern).
ICAO24_PATTERN = r"~?[0-9a-f]{6}"


def icao24s(values: Sequence[str] | None, option: str = "--icao24") -> list[str] | None:
    """Addresses from repeated options and comma lists, lower-cased; a value that is
    no address is an error naming it (it would select nothing)."""
    import re

    if not values:
        return None
    out: list[str] = []
    for value in values:
        for part in value.split(","):
            address = part.strip().lower()
            if not re.fullmatch(ICAO24_PATTERN, address):
                raise UsageError(
                    f"{option} {output.escape(part.strip())!r}: not an aircraft address "
                    "(6 hex digits, e.g. 4baac6; several: repeat the option or separate by commas)"
                )
            out.append(address)
    return out
