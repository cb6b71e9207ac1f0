"""Stable record ids.

A record id is a 63-bit hash of the input file's content digest and the row's
position in that file, so the same bytes always give the same ids, wherever
and however often they are read. Vectorised (splitmix64) so it costs nothing.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

_CHUNK = 1 << 20


def file_digest(path: Path) -> str:
    """SHA-256 of the file's bytes, as stored (compressed or not)."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _splitmix64(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        z = x + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def record_ids(digest: str, first: int, n: int) -> np.ndarray:
    """Ids of rows ``first .. first+n-1`` of the file whose digest is ``digest``."""
    key = np.uint64(int(digest[:16], 16))
    ordinals = np.arange(first, first + n, dtype=np.uint64)
    mixed = _splitmix64(_splitmix64(ordinals ^ key))
    # Keep 63 bits: a non-negative int64 is read the same by every engine.
    return (mixed >> np.uint64(1)).astype(np.int64)
