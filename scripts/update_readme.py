"""Rewrite the README's rule table and docs/rules.md from the rules' own metadata:
python scripts/update_readme.py (a test fails while either is stale)."""

from __future__ import annotations

from pathlib import Path

from linter import registry
from linter.docs import rules_page, rules_table

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
START, END = "<!-- rules:start -->\n", "<!-- rules:end -->"

rules = registry.load().sorted()
text = README.read_text(encoding="utf-8")
before, rest = text.split(START, 1)
_, after = rest.split(END, 1)
README.write_text(before + START + rules_table(rules) + END + after, encoding="utf-8")
(ROOT / "docs").mkdir(exist_ok=True)
(ROOT / "docs" / "rules.md").write_text(rules_page(rules), encoding="utf-8")
