"""Progress of long work, reported by stage.

Jobs and the simulator take an optional ``progress`` callable and call it as
``progress(stage, done, total)``: ``stage`` is a short name ("read", "states",
"events", "aircraft", ...), ``done`` how many units are finished and ``total``
how many there are (``None`` when unknown). Library code never prints; the
CLI passes :func:`terminal_progress` (bars on stderr when it is a terminal),
a notebook may pass its own. With ``SKYWITNESS_PROGRESS=log`` in the
environment the bars become plain lines (:func:`log_progress`), for runs
whose stderr is a log file (a batch job, nohup, a cluster).
"""

from __future__ import annotations

import os
import sys
import time
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
    if os.environ.get("SKYWITNESS_PROGRESS") == "log":
        yield log_progress(desc)
        return
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


#: :func:`log_progress` writes a stage's line at most this often, seconds.
LOG_EVERY_S = 30.0


def log_progress(
    desc: str = "", *, every_s: float = LOG_EVERY_S, clock: Callable[[], float] = time.monotonic,
    out: Any = None,
) -> Progress:  # fmt: skip
    """Progress as plain lines on stderr (``out``): a stage's first and last
    report, and one every ``every_s`` seconds between, each with the
    seconds since the run started and since the stage did, e.g.
    ``jamming reports 4.0M/102.4M 312.5 s (stage 40.1 s)``."""
    began = clock()
    stage_began: dict[str, float] = {}
    last: dict[str, float] = {}

    def count(stage: str, n: int | None) -> str:
        if n is None:
            return "?"
        if stage in COUNTED and n >= 10_000:
            return f"{n / 1e6:.1f}M" if n >= 1_000_000 else f"{n / 1e3:.0f}k"
        return str(n)

    def report(stage: str, done: int, total: int | None) -> None:
        now = clock()
        first = stage not in stage_began
        if first:
            stage_began[stage] = now
        finished = total is not None and done >= total
        if not (first or finished or now - last.get(stage, now) >= every_s):
            return
        last[stage] = now
        label = f"{desc} {stage}".strip()
        print(
            f"{label} {count(stage, done)}/{count(stage, total)} {now - began:.1f} s "
            f"(stage {now - stage_began[stage]:.1f} s)",
            file=out or sys.stderr, flush=True,
        )  # fmt: skip

    return report
