"""Shared fixtures: the real recordings shipped in the traffic package, read as files,
and simulated scenarios, each simulated once per test session.

Simulating a scenario writes thousands of files and reading its snapshots back
takes seconds: tests ask the session-wide ``simulation`` fixture for the folder
(``simulation("jamming", 3)``) or the reports (``simulation.reports("jamming", 3)``)
instead of simulating into their own ``tmp_path``. The folders are shared:
tests read them and never write into them (a test that writes, such as a
store ingested from a scenario, writes under its own ``tmp_path``).
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest


def _samples() -> Path | None:
    spec = importlib.util.find_spec("traffic")  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "samples"
    return path if path.is_dir() else None


SAMPLES = _samples()


@pytest.fixture(scope="session")
def samples() -> Path:
    """Directory of traffic 2.13's real recordings (installed by `make test`)."""
    if SAMPLES is None:
        pytest.fail("the traffic==2.13 sample recordings are missing: run `make test`")
    return SAMPLES


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "store"


#: What identifies one simulation: scenario (name or TOML path), seed, size, snapshots.
_Key = tuple[str, int, float, bool]


class Simulations:
    """Simulated scenarios, each made once per session on first use and shared read-only.

    ``simulation(name, seed, size=..., snapshots=...)`` is the folder that
    :func:`skywitness.sim.simulate` wrote with those arguments (``name`` a
    shipped scenario or a path to a TOML file); :meth:`reports` its
    readsb-hist snapshots read into one table, :meth:`truth` its
    ``truth.json``, :meth:`summary` what ``simulate`` returned.
    """

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self._factory = factory
        self._folders: dict[_Key, Path] = {}
        self._listings: dict[Path, dict[str, tuple[int, int]]] = {}
        self._summaries: dict[_Key, dict[str, Any]] = {}
        self._reports: dict[_Key, pa.Table] = {}

    @staticmethod
    def _key(name: str | Path, seed: int, size: float, snapshots: bool) -> _Key:
        return (str(name), seed, float(size), snapshots)

    def __call__(
        self, name: str | Path, seed: int = 0, *, size: float = 1.0, snapshots: bool = True
    ) -> Path:
        from skywitness.sim import simulate

        key = self._key(name, seed, size, snapshots)
        if key not in self._folders:
            label = Path(name).stem if isinstance(name, Path) else name
            out = self._factory.mktemp(f"sim-{label}-{seed}-{size:g}") / "sim"
            self._summaries[key] = simulate(name, out, seed=seed, size=size, snapshots=snapshots)
            self._folders[key] = out
            self._listings[out] = _listing(out)
        return self._folders[key]

    def summary(
        self, name: str | Path, seed: int = 0, *, size: float = 1.0, snapshots: bool = True
    ) -> dict[str, Any]:
        """What :func:`skywitness.sim.simulate` returned for the scenario (a copy)."""
        self(name, seed, size=size, snapshots=snapshots)
        return dict(self._summaries[self._key(name, seed, size, snapshots)])

    def reports(self, name: str | Path, seed: int = 0, *, size: float = 1.0) -> pa.Table:
        """The scenario's readsb-hist snapshots, every file read and concatenated (once)."""
        from skywitness.io import expand, read_table

        key = self._key(name, seed, size, True)
        if key not in self._reports:
            hist = self(name, seed, size=size) / "readsb-hist"
            self._reports[key] = pa.concat_tables([read_table(p) for p in expand([hist])])
        return self._reports[key]

    def truth(self, name: str | Path, seed: int = 0, *, size: float = 1.0) -> dict[str, Any]:
        """The scenario's ground truth, parsed afresh (callers may change their copy)."""
        folder = self(name, seed, size=size)
        doc: dict[str, Any] = json.loads((folder / "truth.json").read_text())
        return doc

    def changed(self) -> list[str]:
        """Files of the shared folders written, added or removed since they were simulated."""
        out = []
        for folder, before in self._listings.items():
            after = _listing(folder)
            names = set(before) | set(after)
            out += [f"{folder}/{n}" for n in sorted(names) if before.get(n) != after.get(n)]
        return out


def _listing(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder``: (size, modification time in ns)."""
    out = {}
    for p in folder.rglob("*"):
        if p.is_file():
            st = p.stat()
            out[p.relative_to(folder).as_posix()] = (st.st_size, st.st_mtime_ns)
    return out


@pytest.fixture(scope="session")
def simulation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulations]:
    """Simulated scenarios shared by the whole session (see :class:`Simulations`);
    at the end of the session, an error if a test wrote into one of them."""
    simulations = Simulations(tmp_path_factory)
    yield simulations
    changed = simulations.changed()
    assert not changed, f"tests wrote into shared simulated scenarios: {changed[:5]}"
