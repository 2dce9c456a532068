"""SARIF output validates against the official 2.1.0 schema and keeps GitHub's needs."""

from __future__ import annotations

import glob
import json
import os
import subprocess
from pathlib import Path

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


# -- every fixture and examples/ validate, against the schema and Microsoft's Multitool --

FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _multitool() -> str | None:
    """The SARIF Multitool's binary: $PIPELINT_SARIF_MULTITOOL, or where .ci/run installs it."""
    named = os.environ.get("PIPELINT_SARIF_MULTITOOL")
    if named:
        return named
    found = sorted(glob.glob(str(EXAMPLES.parent / ".ci" / "tools" / "node_modules" / "@microsoft"
                                 / "sarif-multitool-*" / "Sarif.Multitool")))
    return found[0] if found else None


def _sarif_of(paths: list[str], tmp_path: Path, monkeypatch, capsys, name: str, cwd: Path) -> Path:
    monkeypatch.chdir(cwd)
    out = tmp_path / f"{name}.sarif"
    main(["check", "--format", "sarif", "--output", str(out), "--ignore", "CFN", *paths])
    capsys.readouterr()
    return out


@pytest.mark.parametrize("name", ["fixtures", "examples"])
def test_sarif_of_every_fixture_and_the_examples_is_valid(name, tmp_path, monkeypatch, capsys) -> None:
    cwd = FIXTURES_DIR if name == "fixtures" else EXAMPLES
    out = _sarif_of(["."], tmp_path, monkeypatch, capsys, name, cwd)
    sarif = json.loads(out.read_text())
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert len(sarif["runs"][0]["results"]) > (200 if name == "fixtures" else 10)
    for rule in rules:
        assert len(rule["properties"]["tags"]) == len(set(rule["properties"]["tags"]))
        assert rule["helpUri"].endswith("#" + rule["id"].lower()) or rule["id"].startswith("CFN-")
        if rule["properties"]["category"] in ("iam", "secrets"):
            assert "security" in rule["properties"]["tags"]
            assert float(rule["properties"]["security-severity"]) > 0
        else:
            assert "security-severity" not in rule["properties"]
    assert sarif["runs"][0]["automationDetails"]["id"] == "pipelint/"
    if SCHEMA.exists():
        import jsonschema

        jsonschema.Draft4Validator(json.loads(SCHEMA.read_text())).validate(sarif)
    tool = _multitool()
    if tool is None:
        pytest.skip("Microsoft's SARIF Multitool is not installed (.ci/run installs it with npm)")
    checked = tmp_path / f"{name}.validation.sarif"
    done = subprocess.run([tool, "validate", "--rule-kind", "Gh;Sarif", str(out), "-o", str(checked),
                           "--log", "ForceOverwrite"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads(checked.read_text())["runs"][0]["results"]
    assert [r for r in results if r.get("level", "warning") in ("error", "warning")] == []


def test_security_severity_is_graded_by_severity() -> None:
    from linter import registry
    from linter.reporters.sarif import _rule

    rules = registry.load().rules
    assert _rule(rules["IAM001"])["properties"]["security-severity"] == "8.0"
    assert _rule(rules["IAM003"])["properties"]["security-severity"] == "5.0"
    assert _rule(rules["IAM001"])["properties"]["tags"] == ["iam", "security"]
