"""Which kind of file is this: by its name first, then by its content (design.md table)."""

from __future__ import annotations

import fnmatch
import os
from typing import Any

KINDS = ("buildspec", "appspec", "pipeline", "cloudformation", "iam-policy")
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
    if ext == ".json":
        statement = data.get("Statement")
        if isinstance(statement, dict):
            statement = [statement]
        if isinstance(statement, list) and any(isinstance(s, dict) and "Effect" in s for s in statement):
            return "iam-policy"
    return None
