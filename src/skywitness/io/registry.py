"""The registry of input formats and detection from content, in one place.

Readers are registered by module path and imported on first use, so that
``import skywitness`` stays fast. Detection asks each reader, in order, whether
the first decompressed bytes of a file look like its format; the file name is
only a hint for formats whose content is ambiguous.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from skywitness.errors import InputError, UnknownFormatError, UsageError
from skywitness.io.base import SNIFF_BYTES, Reader, sniff_head

#: name -> "module:attribute". Order matters: the first reader that
#: recognises a file wins, so specific formats come before generic ones.
_READERS: dict[str, str] = {
    "readsb-trace": "skywitness.io.readsb.trace:READER",
    "readsb-aircraft": "skywitness.io.readsb.aircraft:READER",
    "fr24-json": "skywitness.io.fr24:JSON_READER",
    "fr24-csv": "skywitness.io.fr24:CSV_READER",
    "opensky-csv": "skywitness.io.opensky:CSV_READER",
    "opensky-parquet": "skywitness.io.opensky:PARQUET_READER",
    "traffic-json": "skywitness.io.traffic_json:READER",
    "beast": "skywitness.io.modes.beast:READER",
    "avr": "skywitness.io.modes.avr:READER",
    "modes-jsonl": "skywitness.io.modes.jsonl:READER",
}

_loaded: dict[str, Reader] = {}


def names() -> list[str]:
    """Every registered format name, in detection order."""
    return list(_READERS)


def get(name: str) -> Reader:
    """The reader registered under ``name``."""
    if name not in _READERS:
        raise UsageError(f"unknown format {name!r}; known formats: {', '.join(_READERS)}")
    if name not in _loaded:
        module, attr = _READERS[name].split(":")
        _loaded[name] = getattr(importlib.import_module(module), attr)
    return _loaded[name]


def detect(path: Path) -> Reader:
    """The reader for ``path``, chosen from its content.

    Raises :class:`UnknownFormatError` for an empty file or content of no
    supported format, and :class:`InputError` for compressed data damaged
    before anything recognisable (a truncated or corrupt gzip is damage, not
    an empty file).
    """
    head, damage = sniff_head(path)
    if not head.strip():
        if damage is not None:
            raise InputError(str(path), f"corrupt or truncated compressed data: {damage}")
        if not head:
            raise UnknownFormatError(str(path), "empty file")
        where = f" in its first {SNIFF_BYTES // 1024} KiB" if len(head) >= SNIFF_BYTES else ""
        raise UnknownFormatError(str(path), f"only blanks{where} (use --format to force a format)")
    for name in _READERS:
        reader = get(name)
        if reader.sniff(head, path):
            return reader
    if damage is not None:
        raise InputError(
            str(path),
            f"corrupt or truncated compressed data: {damage} (the {len(head)} bytes "
            "before the damage are of no supported format)",
        )
    preview = head[:40].decode("utf-8", errors="replace").replace("\n", "\\n")
    raise UnknownFormatError(
        str(path), f"not a supported format (starts with {preview!r}); use --format to force one"
    )
