"""JUnit XML and GitLab code quality reports keep the shapes their consumers document."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from helpers import cli

BAD = "version: 0.2\nphases:\n  prebuild:\n    commands: [make]\n  build:\n    commands: [make]\n"
GOOD = "version: 0.2\nphases:\n  build:\n    commands: [make]\n"


def _tree(root: Path) -> None:
    (root / "a").mkdir()
    (root / "a" / "buildspec.yml").write_text(BAD.replace("version: 0.2", "version: 0.1"))
    (root / "b").mkdir()
    (root / "b" / "buildspec.yml").write_text(GOOD)
    (root / "c").mkdir()
    (root / "c" / "buildspec.yml").write_text('version: 0.2\nphases:\n  "pre\\u001b[2J": {}\n')


def test_junit_report(workdir: Path, capsys) -> None:
    _tree(workdir)
    code, out, _ = cli(["check", "--format", "junit", "."], capsys)
    assert code == 1
    suites = ET.fromstring(out)  # well-formed, control characters escaped
    assert suites.tag == "testsuites"
    by_name = {s.get("name"): s for s in suites.findall("testsuite")}
    assert set(by_name) == {"a/buildspec.yml", "b/buildspec.yml", "c/buildspec.yml"}
    a = by_name["a/buildspec.yml"]
    cases = a.findall("testcase")
    assert int(a.get("tests")) == len(cases) and int(a.get("failures")) == len(a.findall("testcase/failure"))
    failure = a.find("testcase/failure")
    assert failure.get("type") in ("BS002", "BS102") and "a/buildspec.yml:" in failure.text
    assert [c.get("name") for c in by_name["b/buildspec.yml"].findall("testcase")] == ["no problems"]
    assert int(suites.get("tests")) == sum(int(s.get("tests")) for s in suites)
    assert "\x1b" not in out


def test_gitlab_code_quality_report(workdir: Path, capsys) -> None:
    _tree(workdir)
    code, out, _ = cli(["check", "--format", "gitlab", "."], capsys)
    issues = json.loads(out)
    assert code == 1 and isinstance(issues, list) and issues
    for issue in issues:
        assert set(issue) >= {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert issue["location"]["path"] in ("a/buildspec.yml", "c/buildspec.yml")
        assert issue["location"]["lines"]["begin"] >= 1
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    assert {i["check_name"] for i in issues} >= {"BS002", "BS102"}
    assert next(i for i in issues if i["check_name"] == "BS002")["severity"] == "major"


def test_schema_command_prints_each_schema(capsys) -> None:
    for name in ("buildspec", "appspec-ec2", "appspec-ecs", "appspec-lambda", "pipeline"):
        code, out, _ = cli(["schema", name], capsys)
        assert code == 0 and json.loads(out)["$schema"].startswith("https://json-schema.org/")
    code, _, err = cli(["schema", "buildspek"], capsys)
    assert code == 2 and "did you mean 'buildspec'" in err


def test_baseline_reports_only_new_findings(workdir: Path, capsys) -> None:
    (workdir / "buildspec.yml").write_text(BAD)
    code, _, err = cli(["check", "--write-baseline", "baseline.json", "."], capsys)
    assert code == 1 and "recorded 1 finding" in err
    code, out, _ = cli(["check", "--baseline", "baseline.json", "."], capsys)
    assert code == 0 and out == "pipelint: no problems in 1 file; 1 more in the baseline\n"
    # lines added above keep the old finding known; a new problem is reported
    (workdir / "buildspec.yml").write_text("# a comment\n" + BAD + "  postbuild:\n    commands: [make]\n")
    code, out, _ = cli(["check", "--baseline", "baseline.json", "."], capsys)
    assert code == 1 and "'postbuild'" in out and "'prebuild'" not in out
    # fixed findings leave the baseline when it is written again
    (workdir / "buildspec.yml").write_text(GOOD)
    cli(["check", "--write-baseline", "baseline.json", "."], capsys)
    assert json.loads((workdir / "baseline.json").read_text())["findings"] == []
    (workdir / "bad.json").write_text("{}")
    assert cli(["check", "--baseline", "bad.json", "."], capsys)[0] == 2
