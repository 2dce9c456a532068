"""The CodeBuild image and runtime table (linter/data/codebuild_images.json) keeps its shape:
sourced and dated, every image with a known status, every replacement a current image, every
alias resolvable, runtimes as the strings runtime-versions takes."""

from __future__ import annotations

import json
import re
from importlib import resources

from linter.rules.codebuild import image, images, offered

DATA = json.loads(resources.files("linter.data").joinpath("codebuild_images.json").read_text(encoding="utf-8"))


def test_table_is_sourced_and_dated() -> None:
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", DATA["retrieved"])
    assert any("docs.aws.amazon.com/codebuild" in s for s in DATA["source"])
    assert any("aws-codebuild-docker-images" in s for s in DATA["source"])


def test_every_image_has_a_status_and_a_way_forward() -> None:
    table = images()
    assert len(table) > 100
    for name, entry in table.items():
        assert name.startswith("aws/codebuild/"), name
        assert entry["status"] in ("current", "deprecated", "unsupported"), name
        if entry["status"] != "current":
            assert table[entry["replacement"]]["status"] == "current", name
        if entry.get("alias_of"):
            assert image(name) is not None, name
        for family, versions in (entry.get("runtimes") or {}).items():
            assert versions and all(isinstance(v, str) and v for v in versions), (name, family)


def test_the_deprecated_page_and_the_old_generation() -> None:
    deprecated = {n for n, e in images().items() if e["status"] == "deprecated"}
    assert {"aws/codebuild/standard:3.0", "aws/codebuild/standard:4.0",
            "aws/codebuild/amazonlinux2-x86_64-standard:2.0", "aws/codebuild/amazonlinux2-x86_64-standard:3.0"} <= deprecated
    for old in ("aws/codebuild/ubuntu-base:14.04", "aws/codebuild/nodejs:8.11.0", "aws/codebuild/docker:17.09.0",
                "aws/codebuild/java:openjdk-8", "aws/codebuild/python:2.7.12"):
        assert images()[old]["status"] == "unsupported", old
    assert image("aws/codebuild/standard:7.0")["status"] == "current"


def test_maintained_runtimes_are_ordered_and_current() -> None:
    assert offered("python")[0] == "3.9" and "3.12" in offered("python")
    assert offered("nodejs")[0] == "18" and offered("java")[0] == "corretto8"
    assert offered("no-such-runtime") == ()
