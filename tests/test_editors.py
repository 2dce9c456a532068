"""Editor set-up as the README documents it: the schemas `pipelint schema` prints (lifecycle
events per platform, as an editor's validator reads them), the VS Code settings, the
problem matcher and the Vim errorformat, matched against real `pipelint check` output."""

from __future__ import annotations

import fnmatch
import io
import json
import re

import jsonschema
import pytest
import yaml

from helpers import ROOT, cli, lint

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _block(marker: str) -> str:
    """The fenced block right after `<!-- editors:MARKER -->` in the README."""
    at = README.index(f"<!-- editors:{marker} -->")
    found = re.compile(r"```[a-z]*\n(.*?)```", re.S).search(README, at)
    assert found and README[at:found.start()].count("\n") <= 2, f"a fenced block follows editors:{marker}"
    return found.group(1)


def _schema(kind: str, capsys) -> dict:  # noqa: ANN001
    code, out, _ = cli(["schema", kind], capsys)
    assert code == 0
    return json.loads(out)


EC2_OK = {"version": 0.0, "os": "linux", "hooks": {"AfterInstall": [{"location": "a.sh"}],
                                                 "ValidateService": [{"location": "b.sh"}]}}
ECS_OK = yaml.safe_load("""
version: 0.0
Resources:
  - TargetService:
      Type: AWS::ECS::Service
      Properties:
        TaskDefinition: arn:aws:ecs:us-east-1:111122223333:task-definition/web:3
        LoadBalancerInfo: {ContainerName: web, ContainerPort: 8080}
Hooks:
  - BeforeInstall: Fn1
  - AfterAllowTestTraffic: Fn2
""")
LAMBDA_OK = yaml.safe_load("""
version: 0.0
Resources:
  - MyFunction:
      Type: AWS::Lambda::Function
      Properties: {Name: f, Alias: live, CurrentVersion: "1", TargetVersion: "2"}
Hooks:
  - BeforeAllowTraffic: Pre
  - AfterAllowTraffic: Post
""")


def _with_hook(doc: dict, event: str) -> dict:
    doc = json.loads(json.dumps(doc))
    if "hooks" in doc:
        doc["hooks"][event] = [{"location": "c.sh"}]
    else:
        doc["Hooks"].append({event: "Fn"})
    return doc


@pytest.mark.parametrize("validator", [jsonschema.Draft202012Validator, jsonschema.Draft7Validator])
@pytest.mark.parametrize("kind, good, bad_events", [
    ("appspec-ec2", EC2_OK, ["AfterInstal", "afterInstall", "Install", "DownloadBundle", "AfterAllowTestTraffic"]),
    ("appspec-ecs", ECS_OK, ["AfterInstal", "ValidateService", "ApplicationStart", "AllowTestTraffic"]),
    ("appspec-lambda", LAMBDA_OK, ["BeforeInstall", "AfterAllowTestTraffic", "AfterAllowTrafic"]),
])
def test_appspec_schemas_name_the_lifecycle_events_of_their_platform(kind, good, bad_events, validator, capsys) -> None:  # noqa: ANN001
    """What an editor's validator (2020-12, or draft-07 like yaml-language-server) says."""
    schema = _schema(kind, capsys)
    assert list(validator(schema).iter_errors(good)) == []
    for event in bad_events:
        errors = list(validator(schema).iter_errors(_with_hook(good, event)))
        assert errors, f"{kind} accepts the hook event {event!r}"
        assert any(event in e.message for e in errors)


def test_pipelint_reports_a_misspelt_event_once_as_before() -> None:
    """The schema's event names are for editors; AS101 stays the one finding pipelint makes."""
    findings = lint("version: 0.0\nos: linux\nhooks:\n  AfterInstal:\n    - location: a.sh\n"
                    "  ValidateService:\n    - location: b.sh\n", path="appspec.yml")
    assert [f.rule for f in findings if f.rule.startswith("AS0") or f.rule == "AS101"] == ["AS101"]


# -- the README's snippets ------------------------------------------------------------------

def test_every_json_snippet_in_the_readme_parses() -> None:
    blocks = re.findall(r"```json\n(.*?)```", README, re.S)
    assert len(blocks) >= 2
    for block in blocks:
        json.loads(block)


def test_vscode_settings_map_the_schema_files_the_readme_writes(capsys) -> None:  # noqa: ANN001
    settings = json.loads(_block("settings"))
    written = re.search(r"for kind in ([a-z0-9 -]+); do\n\s+pipelint schema \"\$kind\" > \"\.vscode/\$kind\.schema\.json\"",
                        README)
    assert written, "the README shows how the schema files are written"
    kinds = written.group(1).split()
    for kind in kinds:
        _schema(kind, capsys)  # each is a kind `pipelint schema` knows
    files = {f"./.vscode/{k}.schema.json" for k in kinds}
    assert set(settings["yaml.schemas"]) <= files
    globs = settings["yaml.schemas"]
    assert any(fnmatch.fnmatch("ci/buildspec-test.yml", g) for g in globs["./.vscode/buildspec.schema.json"])
    assert any(fnmatch.fnmatch("appspec.yml", g) for g in globs["./.vscode/appspec-ec2.schema.json"])


def test_the_modeline_example_is_valid_for_the_schema_it_names(capsys) -> None:  # noqa: ANN001
    text = _block("modeline")
    first = text.splitlines()[0]
    named = re.fullmatch(r"# yaml-language-server: \$schema=\.\./\.vscode/([a-z0-9-]+)\.schema\.json", first)
    assert named, first
    schema = _schema(named.group(1), capsys)
    assert list(jsonschema.Draft7Validator(schema).iter_errors(yaml.safe_load(text))) == []
    assert lint(text, path="appspec.yml") == [], "and pipelint finds nothing wrong with it"


# -- problem matcher and errorformat against real output ---------------------------------------

def _output_lines(capsys) -> tuple[list[str], list[dict]]:  # noqa: ANN001
    """`pipelint check --quiet --color never examples/` as text, its findings as JSON, and a
    cfn-lint finding rendered by the text reporter."""
    from linter.reporters import Report
    from linter.reporters import text as text_reporter
    from linter.rule import Finding

    code, out, _ = cli(["check", "--quiet", "--color", "never", "--no-cache", "examples/"], capsys)
    assert code == 1
    _, as_json, _ = cli(["check", "--format", "json", "--no-cache", "examples/"], capsys)
    findings = json.loads(as_json)
    findings = findings["findings"] if isinstance(findings, dict) else findings
    cfn = Finding("templates/app.yaml", 12, 7, 12, 20, "CFN-E3012", "cfn-e3012", "schema", "error",
                  "Property Resources/Bucket/Properties/BucketName should be of type String")
    stream = io.StringIO()
    text_reporter.render(Report(findings=[cfn], files=1, rules={}, quiet=True), stream, color="never")
    lines = out.splitlines() + stream.getvalue().splitlines()
    expected = findings + [{"path": cfn.path, "line": cfn.line, "column": cfn.column, "rule": cfn.rule,
                            "severity": cfn.severity, "message": cfn.message}]
    assert len(lines) == len(expected) > 10
    return lines, expected


def test_the_problem_matcher_reads_every_finding_line(capsys, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.chdir(ROOT)
    tasks = json.loads(_block("tasks"))
    (task,) = tasks["tasks"]
    assert "--quiet" in task["command"] and task["options"]["env"]["PIPELINT_PLAIN"] == "1"
    pattern = task["problemMatcher"]["pattern"]
    assert "(?<" not in pattern["regexp"] and "(?P" not in pattern["regexp"], "a JavaScript regexp"
    regexp = re.compile(pattern["regexp"])
    lines, expected = _output_lines(capsys)
    for line, finding in zip(lines, expected):
        m = regexp.match(line)
        assert m, line
        got = {k: m.group(pattern[k]) for k in ("file", "line", "column", "code", "severity", "message")}
        assert got == {"file": finding["path"], "line": str(finding["line"]), "column": str(finding["column"]),
                       "code": finding["rule"], "severity": finding["severity"], "message": finding["message"]}
    assert not regexp.match("pipelint: 3 errors, 1 warning in 2 files"), "the summary is no problem"


def _errorformat_regexps(efm: str) -> list[tuple[bool, re.Pattern[str]]]:
    """Vim's errorformat (the items the README uses) as (ignore?, regexp) pairs."""
    items = re.split(r"(?<!\\),", efm)
    tokens = {"%f": r"(?P<f>.+?)", "%l": r"(?P<l>\d+)", "%c": r"(?P<c>\d+)", "%m": r"(?P<m>.+)",
              "%.%#": r".*", "\\ ": " "}
    out = []
    for item in items:
        ignore = item.startswith("%-G")
        body = item[3:] if ignore else item
        regexp = ""
        while body:
            for token, replacement in tokens.items():
                if body.startswith(token):
                    regexp += replacement
                    body = body[len(token):]
                    break
            else:
                assert not body.startswith("%"), f"an errorformat item this test does not convert: {body}"
                regexp += re.escape(body[0])
                body = body[1:]
        out.append((ignore, re.compile(regexp + "$")))
    return out


def test_the_vim_errorformat_reads_every_finding_line(capsys, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.chdir(ROOT)
    block = _block("vim")
    makeprg = re.search(r"makeprg=((?:\\ |\S)+)", block).group(1).replace("\\ ", " ")
    assert makeprg.startswith("pipelint check ") and makeprg.endswith(" %") and "--quiet" in makeprg
    efm = re.search(r"errorformat=((?:\\ |\S)+)", block).group(1)
    patterns = _errorformat_regexps(efm)
    lines, expected = _output_lines(capsys)
    for line, finding in zip(lines, expected):
        ignore, m = next((i, m) for i, p in patterns if (m := p.match(line)))  # Vim takes the first item that matches
        assert not ignore, line
        assert (m["f"], int(m["l"]), int(m["c"])) == (finding["path"], finding["line"], finding["column"])
        assert m["m"] == f"{finding['rule']} {finding['severity']} {finding['message']}"
    summary = next((i for i, p in patterns if p.match("pipelint: 3 errors in 2 files")), None)
    assert summary is True, "any other line is dropped"


DRAFT7 = {"$schema", "$id", "$ref", "$comment", "$defs", "definitions", "title", "description", "default",
          "examples", "readOnly", "writeOnly", "type", "enum", "const", "pattern", "minLength", "maxLength",
          "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "properties",
          "patternProperties", "additionalProperties", "required", "minProperties", "maxProperties",
          "propertyNames", "dependencies", "items", "additionalItems", "minItems", "maxItems", "uniqueItems",
          "contains", "allOf", "anyOf", "oneOf", "not", "if", "then", "else", "format", "markdownDescription",
          "deprecated"}


@pytest.mark.parametrize("kind", ["buildspec", "appspec-ec2", "appspec-ecs", "appspec-lambda", "pipeline"])
def test_schemas_keep_to_keywords_draft_07_editors_read(kind, capsys) -> None:  # noqa: ANN001
    """yaml-language-server validates with draft-07 semantics: a 2019-09 keyword
    (dependentRequired, unevaluatedProperties) would silently check nothing there."""
    maps = {"properties", "patternProperties", "$defs", "definitions"}

    def walk(schema: object, where: str) -> None:
        if isinstance(schema, list):
            for i, item in enumerate(schema):
                walk(item, f"{where}/{i}")
            return
        if not isinstance(schema, dict):
            return
        for key, value in schema.items():
            if key.startswith("x-"):
                continue
            assert key in DRAFT7, f"{kind}: {where}/{key}"
            if key in maps:
                for name, sub in value.items():
                    walk(sub, f"{where}/{key}/{name}")
            elif key in ("items", "additionalProperties", "propertyNames", "not", "if", "then", "else",
                         "allOf", "anyOf", "oneOf", "contains"):
                walk(value, f"{where}/{key}")

    walk(_schema(kind, capsys), "")
