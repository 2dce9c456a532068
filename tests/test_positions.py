"""Positions are in the lines editors, GitHub and LSP clients show: `\\n`, `\\r\\n` and a lone
`\\r` end a line; NEL, LS and PS do not (YAML 1.1 breaks lines at all six). Every finding of
every fixture and corpus file lies inside its file, and fixes land where they belong."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import CORPUS, FIXTURES, lint
from linter.document import LineIndex
from linter.engine import Linter, Settings, decode
from linter.fixes import apply_edits

BREAKS = {"LF": "\n", "CRLF": "\r\n", "CR": "\r", "NEL": "\x85", "LS": "\u2028", "PS": "\u2029"}
ENDS_A_LINE = {"LF", "CRLF", "CR"}


@pytest.mark.parametrize("name", BREAKS)
def test_yaml_positions_and_fixes_with_each_line_break(name: str) -> None:
    brk = BREAKS[name]
    text = (f"version: 0.2 # one{brk} # two\nphases:\n  install:\n    runtime-versions:\n"
            "      python: 3.10\n  prebuild:\n    commands: [make]\n")
    findings = {f.rule: f for f in lint(text)}
    shift = 1 if name in ENDS_A_LINE else 0
    assert (findings["BS107"].line, findings["BS107"].column) == (5 + shift, 15)
    assert (findings["BS002"].line, findings["BS002"].column) == (6 + shift, 3)
    fixed, applied = apply_edits(text, list(findings.values()))
    assert len(applied) == 2
    assert fixed == text.replace("python: 3.10", 'python: "3.10"').replace("prebuild", "pre_build")


@pytest.mark.parametrize("name", BREAKS)
def test_json_positions_with_each_line_break_in_a_string(name: str) -> None:
    brk = BREAKS[name]
    if name in ENDS_A_LINE:  # JSON strings take no raw line break: between tokens instead
        text = f'{{"version": 0.0,{brk}"os": "linux",\n"hooks": {{"AfterInstal": []}}}}\n'
    else:
        text = f'{{"version": 0.0, "os": "lin{brk}ux",\n"hooks": {{"AfterInstal": []}}}}\n'
    findings = lint(text, path="appspec.json")
    shift = 1 if name in ENDS_A_LINE else 0
    event = next(f for f in findings if f.rule == "AS101")
    assert (event.line, event.column) == (2 + shift, 11)


def test_yaml_syntax_error_after_a_line_separator_is_inside_the_file() -> None:
    text = "version: 0.2 # a\u2028 # b\nphases:\n  build:\n    commands: [make\n"
    (finding,) = lint(text)
    assert finding.rule == "PL001" and (finding.line, finding.column) == (4, 20), "the end of the last line"


def test_control_character_is_reported_where_it_is() -> None:
    (finding,) = lint("version: 0.2\nphases:\n  build:\n    commands:\n      - \x07echo\n")
    assert (finding.rule, finding.line, finding.column) == ("PL001", 5, 9)


def test_control_character_after_multibyte_text_is_reported_where_it_is() -> None:
    # libyaml gives a reader error's offset in UTF-8 bytes: 'é' and a line separator are more than one
    (finding,) = lint("version: 0.2 # é\u2028\nphases:\n  build:\n    commands:\n      - \x07echo\n")
    assert (finding.rule, finding.line, finding.column) == ("PL001", 5, 9)


def test_cfn_lint_positions_are_mapped_to_editor_lines() -> None:
    text = ("AWSTemplateFormatVersion: '2010-09-09' # a\u2028 # b\u2029 # c\nResources:\n  Bucket:\n"
            "    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: [1]\n")
    findings = [f for f in lint(text, path="t.yaml") if f.rule.startswith("CFN-")]
    assert findings and all(f.line == 6 for f in findings), [(f.rule, f.line) for f in findings]


def _inside(text: str, f) -> bool:  # noqa: ANN001
    index = LineIndex(text)
    lines = max(1, index.count)
    if not (1 <= f.line <= lines and 1 <= f.end_line <= lines and (f.end_line, f.end_column) >= (f.line, f.column)):
        return False
    return f.column <= len(index.line_text(f.line)) + 1 and f.end_column <= len(index.line_text(f.end_line)) + 1


def _files() -> list[tuple[str, Path]]:
    out = []
    for kind in ("buildspec", "appspec", "pipeline", "cloudformation", "iam-policy"):
        for folder in (FIXTURES / kind, CORPUS / kind):
            if folder.is_dir():
                out += [(kind, p) for p in sorted(folder.rglob("*")) if p.suffix in (".yml", ".yaml", ".json")]
    return out


def test_every_finding_lies_inside_its_file() -> None:
    linters = {kind: Linter(Settings(kind=kind, ignore=["CFN"])) for kind in
               ("buildspec", "appspec", "pipeline", "cloudformation", "iam-policy")}
    checked = 0
    for kind, path in _files():
        data = path.read_bytes()
        text, _ = decode(data)
        for f in linters[kind].lint_bytes(path.name, data, folder=str(path.parent)) or []:
            assert _inside(text or "", f), f"{path}: {f.rule} at {f.line}:{f.column}-{f.end_line}:{f.end_column}"
            checked += 1
    assert checked > 500
