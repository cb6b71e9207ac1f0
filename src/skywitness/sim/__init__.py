"""Scenario simulator: data records with ground truth (never radio signals).

``simulate(scenario, out)`` writes readsb traces, readsb-hist snapshots and
``truth.json`` for a scenario (a shipped name from :func:`scenario_names`, or
a TOML file); see :mod:`skywitness.sim.run`. Imports are deferred so that
``import skywitness.sim`` stays light.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from skywitness.progress import Progress
    from skywitness.sim.world import WorldModel


def scenario_names() -> list[str]:
    """Names of the shipped scenarios."""
    from skywitness.sim.scenario import scenario_names as names

    return names()


def simulate(
    scenario: str | Path,
    out: Path,
    *,
    seed: int = 0,
    size: float = 1.0,
    snapshots: bool = True,
    progress: Progress | None = None,
    world: str | WorldModel | None = None,
) -> dict[str, Any]:
    """Simulate ``scenario`` into ``out``; see :func:`skywitness.sim.run.simulate`.

    ``progress(stage, done, total)`` is told of the aircraft simulated and the
    snapshot files written (see :mod:`skywitness.progress`). ``world``: a world
    model's name or a model (:mod:`skywitness.sim.world`); None: the scenario's
    ``[world]``, else ``base``.
    """
    from skywitness.sim.run import simulate as run

    return run(scenario, out, seed=seed, size=size, snapshots=snapshots, progress=progress,
               world=world)  # fmt: skip


__all__ = ["scenario_names", "simulate"]
