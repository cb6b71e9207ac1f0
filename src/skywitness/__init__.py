"""skywitness: what happened in the sky, from aircraft surveillance records.

The notebook API (:mod:`skywitness.api`, guide in ``docs/api.md``)::

    import skywitness
    reports = skywitness.read("recordings/")
    skywitness.jamming(reports, start="2024-04-12T14:00Z")
    skywitness.spoofing("skywitness-data")
    skywitness.flight("skywitness-data", "XAZ7049").write("flight.html")

Import is cheap: the API and the submodules (``skywitness.sim``,
``skywitness.store``, ...) load on first use.
"""

from __future__ import annotations

import importlib

from skywitness.errors import SkywitnessError
from skywitness.version import __version__

#: typing.TYPE_CHECKING without importing typing (tens of ms at startup).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from skywitness.api import (
        CheckResult,
        FlightResult,
        JammingResult,
        ReadWarning,
        SpoofingResult,
        check,
        flight,
        jamming,
        query,
        read,
        spoofing,
    )
    from skywitness.store import Store


#: Names loaded from :mod:`skywitness.api` on first access.
_API = (
    "read", "query", "jamming", "spoofing", "flight", "check",
    "CheckResult", "FlightResult", "JammingResult", "SpoofingResult", "ReadWarning",
)  # fmt: skip
#: Subpackages reachable as attributes (``skywitness.sim.simulate``) without an import.
_SUBMODULES = ("api", "gnss", "io", "jobs", "model", "report", "sim", "store", "track")

__all__ = [
    "CheckResult",
    "FlightResult",
    "JammingResult",
    "ReadWarning",
    "SkywitnessError",
    "SpoofingResult",
    "Store",
    "__version__",
    "check",
    "flight",
    "jamming",
    "query",
    "read",
    "spoofing",
]


def __getattr__(name: str) -> object:
    if name in _API:
        return getattr(importlib.import_module("skywitness.api"), name)
    if name == "Store":
        return importlib.import_module("skywitness.store").Store
    if name in _SUBMODULES:
        return importlib.import_module(f"skywitness.{name}")
    raise AttributeError(f"module 'skywitness' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, *_SUBMODULES})
