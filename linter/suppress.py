"""Inline suppressions: `# pipelint: disable=ID[,ID]` and `# pipelint: disable-file=ID`.

A comment at the end of a line covers that line; a comment alone on its line covers the
next line. Codes are ids, id prefixes or slugs. A suppression that silences nothing is
reported (PL006), so stale ones do not pile up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from linter.document import split_lines
from linter.rule import Finding, Rule

_COMMENT = re.compile(r"(?:^|\s)#\s*pipelint:\s*(disable-file|disable)\s*=\s*([A-Za-z0-9_,\- ]+)")


@dataclass
class _Suppression:
    line: int            # the comment's line
    column: int
    target: int | None   # the line it covers; None for the whole file
    codes: list[str]
    used: set[str] = field(default_factory=set)


def _parse(text: str) -> list[_Suppression]:
    out = []
    if "pipelint:" not in text:
        return out
    for number, line in enumerate(split_lines(text), start=1):
        if "pipelint:" not in line:
            continue
        m = _COMMENT.search(line)
        if not m:
            continue
        codes = [c.strip() for c in m.group(2).split(",") if c.strip()]
        alone = line[:m.start()].strip() == ""
        target = None if m.group(1) == "disable-file" else (number + 1 if alone else number)
        out.append(_Suppression(number, line.index("#", m.start()) + 1, target, codes))
    return out


def _covers(code: str, finding: Finding) -> bool:
    return finding.rule.startswith(code.upper()) or code == finding.name or code.upper() == "ALL"


def apply_suppressions(path: str, text: str, findings: list[Finding], rules: dict[str, Rule],
                       unused_rule: Rule | None, enabled: Callable[[Rule], bool]) -> list[Finding]:
    suppressions = _parse(text)
    if not suppressions:
        return findings
    kept = []
    for finding in findings:
        silenced = False
        for s in suppressions:
            if s.target is not None and s.target != finding.line:
                continue
            for code in s.codes:
                if _covers(code, finding) and finding.rule not in ("PL005",):
                    s.used.add(code)
                    silenced = True
        if not silenced:
            kept.append(finding)
    if unused_rule is not None:
        for s in suppressions:
            for code in s.codes:
                if code in s.used:
                    continue
                named = [r for r in rules.values() if r.id.startswith(code.upper()) or r.name == code]
                if named and not any(enabled(r) for r in named):
                    continue  # the rule is off anyway: the comment is harmless
                what = "no rule has this id or slug" if not named and code.upper() != "ALL" else \
                    "nothing here is reported under it"
                kept.append(Finding(path, s.line, s.column, s.line, s.column + 1, unused_rule.id,
                                    unused_rule.name, unused_rule.category, unused_rule.severity,
                                    f"unused suppression for '{code}': {what}", unused_rule.fix))
    return kept
