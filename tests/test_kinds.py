"""Which files a folder walk takes as ours: `might_be_ours` skips the parse of a file that
holds no kind (a package-lock.json of 6 MB took 1.6 s to parse for nothing), and never one
that the parse would have taken, whether it parses or not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import CORPUS, FIXTURES, ROOT
from linter import engine
from linter.engine import Linter, Settings
from linter.kinds import might_be_ours

SOURCES = [FIXTURES, ROOT / "tests" / "repos", ROOT / "examples", CORPUS]
SUFFIXES = (".yml", ".yaml", ".json", ".template")


def files() -> list[Path]:
    return sorted(p for folder in SOURCES if folder.is_dir() for p in folder.rglob("*")
                  if p.is_file() and p.suffix in SUFFIXES)


def test_the_walk_takes_the_same_files_with_and_without_the_look_before_the_parse(monkeypatch) -> None:
    """Every file of the fixtures, the sample repositories, the examples and the corpus (with
    its broken ones), linted as found in a walk: taken, or skipped, the same either way."""
    found = files()
    assert len(found) > 500
    linter = Linter(Settings(ignore=["CFN"]))
    with_look = {p: linter.lint_file(p.name, p.read_bytes(), False) is not None for p in found}
    monkeypatch.setattr(engine, "might_be_ours", lambda path, text: True)
    without = {p: linter.lint_file(p.name, p.read_bytes(), False) is not None for p in found}
    assert with_look == without
    assert sum(without.values()) > 400


@pytest.mark.parametrize("name, text", [
    ("package-lock.json", json.dumps({"name": "app", "lockfileVersion": 3, "packages": {
        "node_modules/a": {"version": "0.0.1", "resolved": "https://registry.npmjs.org/a/-/a-0.0.1.tgz"}}})),
    ("deployment.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n"),
    ("docker-compose.yml", "services:\n  web:\n    image: nginx\n    ports: ['80:80']\n"),
    ("tsconfig.json", '{"compilerOptions": {"target": "es2020", "strict": true}}'),
])
def test_files_that_are_not_ours_are_not_parsed(name: str, text: str) -> None:
    assert not might_be_ours(name, text)


@pytest.mark.parametrize("name, text", [
    ("ci.yml", "version: 0.2\nphases:\n  build:\n    commands: [make]\n"),
    ("deploy.yml", "version: 0.0\nOS: linux\n"),
    ("deploy.json", '{"version": 0.0, "os": "linux"}'),
    ("stack.yml", "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n"),
    ("td.json", '{"family": "web", "containerDefinitions": []}'),
    ("access.json", '{"Version": "2012-10-17", "Statement": []}'),
    ("broken.json", '{"pipeline": {"name": "p", "artifactStore": {'),
    ("template.yaml", "key: [unclosed\n"),  # its name says template: its syntax error is reported
])
def test_files_that_may_be_ours_are(name: str, text: str) -> None:
    assert might_be_ours(name, text)
