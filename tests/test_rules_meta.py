"""Every rule is documented, and its own examples behave: the bad one fires, the good one not."""

from __future__ import annotations

import re

import pytest

from helpers import FIXTURES, ROOT
from helpers import lint
from linter import registry
from linter.rule import CATEGORIES, SEVERITIES

RULES = registry.load().sorted()
CHECKED = [r for r in RULES if r.kinds and not r.project]  # project rules: tests/test_project.py


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_metadata_is_complete(rule) -> None:
    assert re.match(r"^(PL|BS|AS|CP|CF|CD|IAM|SEC|POL|XF|TD)\d{3}$", rule.id)
    assert rule.category in CATEGORIES and rule.severity in SEVERITIES
    assert rule.summary and not rule.summary.endswith(".")
    assert len(rule.rationale) > 40, "the rationale says why"
    assert rule.fix


@pytest.mark.parametrize("rule", [r for r in CHECKED if r.bad], ids=lambda r: r.id)
def test_bad_example_fires_and_good_example_does_not(rule) -> None:
    kind = rule.kinds[0]
    folder = str(FIXTURES / kind)  # the scripts the examples name exist there
    # a policy rule's examples are linted under the policy they illustrate (example_options)
    options = {rule.id: rule.example_options} if rule.example_options else {}
    assert rule.id in {f.rule for f in lint(rule.bad + "\n", kind=kind, folder=folder, rule_options=options)}, \
        "the bad example must fire"
    assert rule.good, "a rule with a bad example shows the good one too"
    assert rule.id not in {f.rule for f in lint(rule.good + "\n", kind=kind, folder=folder, rule_options=options)}, \
        "the good example must stay quiet"


@pytest.mark.parametrize("rule", [r for r in CHECKED if r.example_options], ids=lambda r: r.id)
def test_policy_rule_is_silent_without_its_policy(rule) -> None:
    kind = rule.kinds[0]
    assert rule.id not in {f.rule for f in lint(rule.bad + "\n", kind=kind, folder=str(FIXTURES / kind))}


@pytest.mark.parametrize("rule", [r for r in RULES if (r.kinds or r.id in ("PL001", "PL002")) and not r.project], ids=lambda r: r.id)
def test_every_rule_has_a_fixture(rule) -> None:
    kinds = rule.kinds or ("buildspec",)
    assert any(any(FIXTURES.glob(f"{kind}/{rule.id}-*")) for kind in kinds), f"no fixture named {rule.id}-*"


def test_ids_and_slugs_are_unique() -> None:
    assert len({r.id for r in RULES}) == len(RULES)
    assert len({r.name for r in RULES}) == len(RULES)


def test_readme_rule_table_is_current() -> None:
    from linter.cli import rules_markdown

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start, end = "<!-- rules:start -->\n", "<!-- rules:end -->"
    assert start in readme and end in readme
    table = readme.split(start, 1)[1].split(end, 1)[0]
    assert table == rules_markdown(), "README rule table is stale: run python scripts/update_readme.py"


def test_rules_page_is_current_and_has_an_anchor_per_rule() -> None:
    from linter.docs import rules_page

    page = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert page == rules_page(RULES), "docs/rules.md is stale: run python scripts/update_readme.py"
    for rule in RULES:  # SARIF helpUri points at these anchors
        assert f"\n## {rule.id}\n" in page
