"""Progress of long work, reported by stage.

Jobs and the simulator take an optional ``progress`` callable and call it as
``progress(stage, done, total)``: ``stage`` is a short name ("read", "states",
"events", "aircraft", ...), ``done`` how many units are finished and ``total``
how many there are (``None`` when unknown). Library code never prints; the
CLI passes :func:`terminal_progress` (bars on stderr when it is a terminal),
a notebook may pass its own.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

#: ``progress(stage, done, total)``
Progress = Callable[[str, int, int | None], None]

#: Stages whose units are counted in thousands and millions on the bars, with
#: their unit's name (a rate per second and the time left follow from them).
COUNTED = {"reports": "reports"}


def no_progress(stage: str, done: int, total: int | None) -> None:
    """The default: report nothing."""


@contextmanager
def terminal_progress(desc: str = "") -> Iterator[Progress]:
    """Progress bars on stderr (shown on an interactive terminal only), one per stage."""
    from tqdm import tqdm

    bars: dict[str, Any] = {}

    def report(stage: str, done: int, total: int | None) -> None:
        bar = bars.get(stage)
        if bar is None:
            for other in bars.values():
                other.close()
            label = f"{desc} {stage}".strip()
            unit = COUNTED.get(stage)
            bar = tqdm(total=total, desc=label, disable=None, file=sys.stderr, leave=False,
                       unit=unit or "it", unit_scale=unit is not None)  # fmt: skip
            bars.clear()
            bars[stage] = bar
        if total is not None and bar.total != total:
            bar.total = total
        bar.n = done
        bar.refresh()

    try:
        yield report
    finally:
        for bar in bars.values():
            bar.close()
