"""Rewrite the README's rule table from the rules' own metadata: python scripts/update_readme.py"""

from __future__ import annotations

from pathlib import Path

from linter.cli import rules_markdown

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- rules:start -->\n", "<!-- rules:end -->"

text = README.read_text(encoding="utf-8")
before, rest = text.split(START, 1)
_, after = rest.split(END, 1)
README.write_text(before + START + rules_markdown() + END + after, encoding="utf-8")
