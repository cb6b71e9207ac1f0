"""The check job end to end: `skywitness check` on a store, the API on a table, the
JSON shape, the claims file's problems, the README's example file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from skywitness.claims.model import KINDS, ClaimsFileError, parse_claims, read_claims
from skywitness.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"


def _readme_example() -> dict:  # type: ignore[type-arg]
    text = README.read_text(encoding="utf-8")
    block = re.search(r"```json\n(\s*\{\"claims\".*?)```", text, re.S)
    assert block, "the README's claims file example"
    return json.loads(block.group(1))  # type: ignore[no-any-return]


def test_the_readme_example_has_every_kind_and_validates() -> None:
    claims = parse_claims(_readme_example())
    assert {c.kind for c in claims} == set(KINDS)


def test_every_problem_of_a_claims_file_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = {"claims": [
        {"id": "A", "flight": {"icao24": "12345"}, "kind": "observation", "azimth_deg": 3},
        {"id": "B", "flight": {"callsign": "X1"}, "kind": "squawk", "code": "7800"},
        {"id": "A", "flight": {"callsign": "X1"}, "kind": "end", "end": "ditched"},
        {"flight": {"callsign": "X1"}, "kind": "duration"},
    ]}  # fmt: skip
    path = tmp_path / "claims.json"
    path.write_text(json.dumps(bad))
    with pytest.raises(ClaimsFileError) as err:
        read_claims(path)
    lines = err.value.problems
    assert any("claim A, field 'azimth_deg'" in p for p in lines)
    assert any("claim A, field 'flight'" in p and "six hex digits" in p for p in lines)
    assert any("claim B, field 'code'" in p for p in lines)
    assert any("field 'id': also the id of claim #1" in p for p in lines)
    assert any("field 'end'" in p and "ditched" in p for p in lines)
    assert any(p.startswith("claim #4") and "more_than_min" in p for p in lines)
    (tmp_path / "broken.json").write_text("{not json")
    assert read_claims_error(tmp_path / "broken.json").startswith(
        f"{tmp_path / 'broken.json'}: not valid JSON"
    )


def read_claims_error(path: Path) -> str:
    try:
        read_claims(path)
    except ClaimsFileError as exc:
        return str(exc)
    raise AssertionError("no error")
