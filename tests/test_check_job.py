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


# -- the incident scenario's own claims, through the CLI ------------------------------------


@pytest.fixture(scope="module")
def incident(simulation, tmp_path_factory):  # type: ignore[no-untyped-def]
    out = simulation("incident", 3, snapshots=False)
    store = tmp_path_factory.mktemp("check") / "store"
    assert main(["ingest", "--store", str(store), str(out / "traces")]) == 0
    truth = json.loads((out / "truth.json").read_text())["incident"]["claims"]["truth"]
    return out, store, truth


def test_the_incident_claims_judged_against_their_truth(
    incident,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
) -> None:
    """Seed 3 (not developed on): every false claim inconsistent, or undetermined when
    it is off by less than twice its tolerance (within the tolerance plus the
    record's own uncertainty: pressure altitude stands for height above sea level
    to +-100 m); every true claim consistent, or undetermined where the record
    cannot tell (only observations inside the hour without positions may be)."""
    out, store, truth = incident
    html = tmp_path / "check.html"
    argv = ["check", str(out / "claims.json"), "--store", str(store), "--out", str(html)]
    assert main([*argv, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) == {"claims"} and len(doc["claims"]) == len(truth)
    for v in doc["claims"]:
        assert {"id", "verdict", "residuals", "tolerance", "clock_offset_s", "explanation",
                "evidence"} <= set(v)  # fmt: skip
        t = truth[v["id"]]
        if not t["true"]:
            near = (t["off"].get("in_tolerances") or 99) < 2  # counts and flags: never near
            allowed = ("inconsistent", "undetermined") if near else ("inconsistent",)
            assert v["verdict"] in allowed, (v["id"], t, v["explanation"])
        elif v["verdict"] != "consistent":
            assert v["verdict"] == "undetermined" and t["kind"] == "observation", (v["id"], t)
            assert t.get("record") == "no_positions", (v["id"], t)
    page = html.read_text()
    assert "http://" not in page and "https://" not in page
    assert all(f">{cid}<" in page or f"{cid}" in page for cid in truth)


def test_a_claim_about_an_aircraft_not_in_the_store_is_undetermined(
    incident,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    import skywitness

    _, store, _ = incident
    claims = {"claims": [
        {"id": "X1", "flight": {"icao24": "abcdef"}, "kind": "squawk", "code": "7700",
         "transmitted": True},
        {"id": "X2", "flight": {"callsign": "NOSUCH9"}, "kind": "end", "end": "landed"},
    ]}  # fmt: skip
    result = skywitness.check(claims, store)
    assert [v.verdict for v in result.verdicts] == ["undetermined", "undetermined"]
    assert all("No record of aircraft" in v.explanation for v in result.verdicts)
    assert result.counts() == {"consistent": 0, "inconsistent": 0, "undetermined": 2}
    assert "X1" in repr(result) and result.to_arrow().num_rows == 2


def test_a_bad_claims_file_exits_2_naming_each_problem(
    incident,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
) -> None:
    _, store, _ = incident
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"claims": [
        {"id": "A", "flight": {"icao24": "e66062"}, "kind": "position_at", "lat": 95},
        {"id": "B", "flight": {"icao24": "e66062"}, "kind": "squawk", "colour": "red"},
    ]}))  # fmt: skip
    assert main(["check", str(path), "--store", str(store)]) == 2
    err = capsys.readouterr().err
    assert "claim A, field 'lat'" in err and "claim B, field 'colour'" in err


def test_a_yaml_claims_file_reads_as_the_json_one(tmp_path: Path) -> None:
    import yaml

    doc = _readme_example()
    path = tmp_path / "claims.yaml"
    path.write_text(yaml.safe_dump(doc))
    assert [c.as_json() for c in read_claims(path)] == [c.as_json() for c in parse_claims(doc)]
    (tmp_path / "bad.yml").write_text("claims: [\n")
    assert "not valid YAML" in read_claims_error(tmp_path / "bad.yml")
