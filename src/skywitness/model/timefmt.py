"""Canonical times (UTC nanoseconds) written for people and files: ISO-8601 with a Z."""

from __future__ import annotations

from datetime import UTC, datetime

from skywitness.model.units import NS_PER_S


def iso_utc(ns: int, timespec: str = "milliseconds") -> str:
    """``2024-05-20T10:15:00.000Z`` (``timespec`` as :meth:`datetime.isoformat`)."""
    seconds, rest = divmod(int(ns), NS_PER_S)
    stamp = datetime.fromtimestamp(seconds, UTC).replace(microsecond=rest // 1000)
    return stamp.isoformat(timespec=timespec).replace("+00:00", "Z")
