"""Automatic fixes: every rule whose findings carry edits says so in its metadata, and each
fix gives exactly the text expected, lints without the finding it fixes and still parses.
Secrets never reach the output of --diff, --show-fixes or the fixed text."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

from helpers import FIXTURES, cli, lint
from linter import registry
from linter.fixes import apply_edits

RULES = registry.load().sorted()
BY_ID = {r.id: r for r in RULES}


@lru_cache(maxsize=None)
def _edits_seen() -> dict[str, frozenset[str]]:
    """rule id -> the applicabilities of the edits its findings carry, over every fixture
    and every rule example."""
    seen: dict[str, set[str]] = {}
    cases = [(p.read_bytes().decode("utf-8", "replace"), p.name, p.relative_to(FIXTURES).parts[0], str(p.parent))
             for p in sorted(FIXTURES.glob("*/**/*")) if p.is_file() and p.suffix in (".yml", ".yaml", ".json")]
    for r in RULES:
        for example in (r.bad, r.good):
            if example and r.kinds:
                cases.append((example + "\n", "buildspec.yml", r.kinds[0], str(FIXTURES / r.kinds[0])))
    for text, name, kind, folder in cases:
        for f in lint(text, path=name, kind=kind, folder=folder, ignore=["CFN"]):
            if f.edits:
                seen.setdefault(f.rule, set()).add(f.applicability)
    return {k: frozenset(v) for k, v in seen.items()}


ALLOWED = {"safe": {"safe"}, "unsafe": {"unsafe"}, "mixed": {"safe", "unsafe"}, "": set()}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_autofix_metadata_matches_the_edits(rule) -> None:
    seen = _edits_seen().get(rule.id, frozenset())
    assert seen <= ALLOWED[rule.autofix], \
        f"{rule.id}'s findings carry {sorted(seen)} edits but the rule declares autofix={rule.autofix!r}"
    if rule.autofix:
        assert seen, f"{rule.id} declares an automatic fix, but no fixture or example shows one"
        assert rule.autofix_does and not rule.autofix_does.endswith(".")
