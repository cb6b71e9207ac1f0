"""Shared fixtures: the real recordings shipped in the traffic package, read as files."""

from __future__ import annotations

import importlib.util
from pathlib import Path

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
