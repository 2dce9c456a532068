"""SARIF output validates against the official 2.1.0 schema and keeps GitHub's needs."""

from __future__ import annotations

import json

import pytest

from helpers import SHARED
from linter.cli import main

SCHEMA = SHARED / "sarif" / "sarif-schema-2.1.0.json"
BAD = """\
version: 0.2
env:
  variables:
    DB_PASSWORD: Zq9-unique-pw-77
phases:
  prebuild:
    commands: [make]
"""


def sarif_for(tmp_path, monkeypatch, capsys, text: str) -> dict:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ci").mkdir(exist_ok=True)
    (tmp_path / "ci" / "buildspec.yml").write_text(text)
    main(["check", "--format", "sarif", "ci"])
    return json.loads(capsys.readouterr().out)


def test_sarif_is_valid_and_complete(tmp_path, monkeypatch, capsys) -> None:
    sarif = sarif_for(tmp_path, monkeypatch, capsys, BAD)
    if SCHEMA.exists():
        import jsonschema

        jsonschema.Draft4Validator(json.loads(SCHEMA.read_text())).validate(sarif)
    run = sarif["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "pipelint" and driver["version"] and driver["informationUri"]
    rules = {r["id"]: r for r in driver["rules"]}
    assert set(rules) == {"BS002", "SEC001"}
    assert rules["SEC001"]["properties"]["tags"][0] == "secrets"
    assert rules["BS002"]["defaultConfiguration"]["level"] == "error"
    results = {r["ruleId"]: r for r in run["results"]}
    location = results["BS002"]["locations"][0]
    assert location["physicalLocation"]["artifactLocation"] == {"uri": "ci/buildspec.yml", "uriBaseId": "%SRCROOT%"}
    assert location["physicalLocation"]["region"] == {"startLine": 6, "startColumn": 3, "endLine": 6, "endColumn": 11}
    assert location["logicalLocations"][0]["fullyQualifiedName"] == "/phases/prebuild"
    assert driver["rules"][results["BS002"]["ruleIndex"]]["id"] == "BS002"
    assert results["BS002"]["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"] == "pre_build"
    assert "Zq9-unique" not in json.dumps(sarif), "secrets never reach the report"


def test_fingerprints_survive_a_line_shift(tmp_path, monkeypatch, capsys) -> None:
    before = sarif_for(tmp_path, monkeypatch, capsys, BAD)
    after = sarif_for(tmp_path, monkeypatch, capsys, "# a comment\n# another\n" + BAD)
    prints = lambda s: sorted(r["partialFingerprints"]["pipelint/v1"] for r in s["runs"][0]["results"])  # noqa: E731
    lines = lambda s: sorted(r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in s["runs"][0]["results"])  # noqa: E731
    assert prints(before) == prints(after)
    assert lines(before) != lines(after)


def test_sarif_with_no_findings_is_valid(tmp_path, monkeypatch, capsys) -> None:
    sarif = sarif_for(tmp_path, monkeypatch, capsys, "version: 0.2\nphases:\n  build:\n    commands: [make]\n")
    assert sarif["runs"][0]["results"] == []
    if not SCHEMA.exists():
        pytest.skip("no SARIF schema beside the checkout")
    import jsonschema

    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text())).validate(sarif)


def test_absolute_paths_become_relative_uris(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "buildspec.yml").write_text(BAD)
    main(["check", "--format", "sarif", str(tmp_path / ".github" / "buildspec.yml"), "./.github/buildspec.yml"])
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in json.loads(capsys.readouterr().out)["runs"][0]["results"]}
    assert uris == {".github/buildspec.yml"}
