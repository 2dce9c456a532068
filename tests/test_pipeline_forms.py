"""A pipeline gives the same findings whether written as CodePipeline JSON or as an
AWS::CodePipeline::Pipeline resource in a template, each at its own line.

Every pipeline fixture is turned into a template (camelCase keys become PascalCase, the
artifactStores map becomes CloudFormation's list) and both are linted. The rules that read
the JSON file's own shape (the schema rules CP001-CP004, get-pipeline metadata) are left
out: templates are checked against the resource schema by cfn-lint.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from helpers import FIXTURES, lint
from linter.document import join_pointer, split_pointer

JSON_ONLY = {"CP001", "CP002", "CP003", "CP004", "CP110"}
CASES = sorted(p for p in (FIXTURES / "pipeline").glob("**/*.json")
               if p.name.split("-")[0] not in JSON_ONLY and not p.name.startswith(("PL", "SEC006")))  # the file itself


def pascal(key: str) -> str:
    return key[:1].upper() + key[1:]


def to_template(value, in_config: bool = False):
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "artifactStores" and isinstance(item, dict) and not in_config:
                out["ArtifactStores"] = [{"Region": r, "ArtifactStore": to_template(s)} for r, s in item.items()]
            else:
                out[key if in_config else pascal(key)] = to_template(item, key == "configuration")
        return out
    if isinstance(value, list):
        return [to_template(v) for v in value]
    return value


def template_pointer(json_pointer: str) -> str:
    """/pipeline/stages/0/name -> /Resources/Pipeline/Properties/Stages/0/Name"""
    pointer = "/Resources/Pipeline/Properties"
    tokens = split_pointer(json_pointer)
    if tokens[:1] == ["pipeline"]:
        tokens = tokens[1:]
    in_config = False
    for token in tokens:
        pointer = join_pointer(pointer, token if in_config or token.isdigit() else pascal(token))
        in_config = token == "configuration"
    return pointer


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.name)
def test_json_and_template_forms_agree(path: Path, tmp_path: Path) -> None:
    data = json.loads(path.read_text())
    declaration = data.get("pipeline", data)
    if "artifactStores" in declaration:
        pytest.skip("artifactStores is a map in JSON and a list in templates: pointers differ")
    template = yaml.safe_dump({"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"Pipeline": {
        "Type": "AWS::CodePipeline::Pipeline", "Properties": to_template(declaration)}}}, sort_keys=False, width=1000)
    from_json = [f for f in lint(path.read_text(), path="pipeline.json", kind="pipeline") if f.rule not in JSON_ONLY]
    from_template = lint(template, path="template.yaml", kind="cloudformation", ignore=["CFN"])
    same = lambda f: (f.rule, re.sub(r"line \d+", "line N", f.message))  # noqa: E731 - lines differ, of course
    assert sorted(map(same, from_json)) == sorted(map(same, from_template))
    lines = template.splitlines()
    for f in from_template:
        assert f.pointer.startswith("/Resources/Pipeline/Properties"), f.pointer
    by_message = {same(f): f for f in from_template}
    for f in from_json:
        other = by_message[same(f)]
        assert other.pointer == template_pointer(f.pointer), (f.rule, f.message)
        # the template finding points at the same key or value, written there
        name = f.pointer.rsplit("/", 1)[-1]
        assert lines[other.line - 1].strip(), "a finding points at a blank line"
        if not name.isdigit() and f.pointer != "/pipeline":
            assert pascal(name) in lines[other.line - 1] or name in lines[other.line - 1] or \
                lines[other.line - 1].lstrip().startswith("-"), (f.rule, lines[other.line - 1])
