"""Which kind of file is this: by its name first, then by its content (design.md table)."""

from __future__ import annotations

import fnmatch
import os
import re
from typing import Any

KINDS = ("buildspec", "appspec", "pipeline", "cloudformation", "iam-policy", "task-definition")
EXTENSIONS = (".yml", ".yaml", ".json", ".template")


def kind_by_name(path: str) -> str | None:
    name = os.path.basename(path).lower()
    if fnmatch.fnmatch(name, "buildspec*.yml") or fnmatch.fnmatch(name, "buildspec*.yaml"):
        return "buildspec"
    if name in ("appspec.yml", "appspec.yaml", "appspec.json"):
        return "appspec"
    return None


def _is_cfn_type(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("Type"), str) and (
        value["Type"].startswith(("AWS::", "Alexa::", "Custom::")))


def kind_by_content(path: str, data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    ext = os.path.splitext(path)[1].lower()
    if "version" in data and ("phases" in data or "batch" in data) and ext != ".json":
        return "buildspec"
    resources = data.get("Resources")
    listed = resources if isinstance(resources, list) else data.get("resources")
    if isinstance(listed, list) and any(
            isinstance(r, dict) and any(isinstance(v, dict) and (v.get("Type") or v.get("type")) in (
                "AWS::ECS::Service", "AWS::Lambda::Function") for v in r.values())
            for r in listed):
        return "appspec"
    if data.get("version", data.get("Version")) in (0.0, "0.0") and any(
            k.lower() in ("os", "files", "hooks", "permissions") for k in data if isinstance(k, str)):
        return "appspec"
    if ext == ".json":
        pipeline = data.get("pipeline")
        if isinstance(pipeline, dict) and isinstance(pipeline.get("stages"), list):
            return "pipeline"
        if isinstance(data.get("stages"), list) and "roleArn" in data:
            return "pipeline"
    if "AWSTemplateFormatVersion" in data:
        return "cloudformation"
    transform = data.get("Transform")
    if isinstance(transform, str) and transform.startswith("AWS::Serverless") or (
            isinstance(transform, list) and any(str(t).startswith("AWS::Serverless") for t in transform)):
        return "cloudformation"
    if isinstance(resources, dict) and resources and any(_is_cfn_type(v) for v in resources.values()):
        return "cloudformation"
    if ext == ".json" and isinstance(data.get("containerDefinitions"), list):
        return "task-definition"  # an ECS task definition (taskdef.json of a blue/green deployment)
    if ext == ".json":
        statement = data.get("Statement")
        if isinstance(statement, dict):
            statement = [statement]
        if isinstance(statement, list) and any(isinstance(s, dict) and "Effect" in s for s in statement):
            return "iam-policy"
    return None


# A file that does not parse has no content to look at: these say it is one of ours anyway,
# so its syntax error is reported instead of the file being skipped as "not ours".
_NAME_HINTS = (("cloudformation", ("template.yaml", "template.yml", "template.json", "*.template",
                                   "*.cfn.yaml", "*.cfn.yml", "*.cfn.json", "*-template.yaml",
                                   "*-template.yml", "*-template.json", "*.template.yaml",
                                   "*.template.yml", "*.template.json", "samconfig-template.yaml")),
               ("pipeline", ("pipeline.json", "*-pipeline.json", "*_pipeline.json", "pipeline-*.json",
                             "*.pipeline.json")),
               ("iam-policy", ("*-policy.json", "*_policy.json", "policy.json", "*.policy.json")),
               ("task-definition", ("taskdef.json", "*-taskdef.json", "taskdef-*.json")))
_TEXT_HINTS = (
    ("cloudformation", re.compile(r"AWSTemplateFormatVersion|Transform[\"']?\s*:\s*[\"']?AWS::Serverless"
                                  r"|\bType[\"']?\s*:\s*[\"']?AWS::[A-Za-z0-9]+::[A-Za-z0-9]+")),
    ("pipeline", re.compile(r"\"actionTypeId\"\s*:|\"artifactStores?\"\s*:")),
    ("buildspec", re.compile(r"^phases\s*:", re.M)),
    ("appspec", re.compile(r"^version\s*:\s*0\.0\b[\s\S]*^(?:hooks|os|files)\s*:"
                           r"|^(?:hooks|os|files)\s*:[\s\S]*^version\s*:\s*0\.0\b", re.M)),
    ("iam-policy", re.compile(r"\"Statement\"\s*:[\s\S]*\"Effect\"\s*:")),
)


# What a file's text must hold for kind_by_content (or kind_by_hint) to find a kind in it:
# each kind is known by a key or a value whose name the text spells out.
_WORDS = ("phases", "batch",                         # buildspec
          "AWS", "Alexa::", "Custom::",              # template (AWSTemplateFormatVersion, AWS::...), ECS/Lambda appspec
          "stages", "actionTypeId", "artifactStore",  # pipeline
          "containerDefinitions", "Statement")       # task definition, policy
_APPSPEC_KEY = re.compile(r"""(?im)(?:^|[\s{,"'])(?:os|files|hooks|permissions)["']?\s*:""")


def might_be_ours(path: str, text: str) -> bool:
    """False only when no kind can be found in the file, by its name or its content, whether
    it parses or not: a file found in a folder walk that is not ours (a 6 MB package-lock.json,
    a workflow, a manifest) is then skipped without being parsed. A necessary condition,
    never a guess: `tests/test_kinds.py` checks it against every file of a known kind."""
    if kind_by_name(path) is not None or _name_hint(os.path.basename(path).lower()) is not None:
        return True
    return any(w in text for w in _WORDS) or _APPSPEC_KEY.search(text) is not None


def _name_hint(name: str) -> str | None:
    for kind, patterns in _NAME_HINTS:
        if any(fnmatch.fnmatch(name, p) for p in patterns):
            return kind
    return None


def kind_by_hint(path: str, text: str) -> str | None:
    """The kind a file that does not parse most likely is, from its name and its text."""
    name = os.path.basename(path).lower()
    hinted = _name_hint(name)
    if hinted is not None:
        return hinted
    ext = os.path.splitext(name)[1]
    text = text[:65536]
    for kind, pattern in _TEXT_HINTS:
        if kind == "buildspec" and ext == ".json":
            continue
        if pattern.search(text):
            return kind
    return None
