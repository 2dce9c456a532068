"""`--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

Paths are relative URIs under %SRCROOT%; each result's partial fingerprint hashes the
rule, the file, the JSON pointer and the text of the line, not the line number, so
results keep their identity when lines are added above them.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from linter import __version__
from linter.document import LineIndex
from linter.reporters import Report
from linter.rule import Finding, Rule

LEVEL = {"error": "error", "warning": "warning", "info": "note"}
INFO_URI = "https://pypi.org/project/pipelint/"


def _rule(rule: Rule) -> dict[str, Any]:
    help_text = f"{rule.rationale}\n\nFix: {rule.fix}"
    markdown = f"{rule.rationale}\n\n**Fix:** {rule.fix}"
    if rule.bad:
        markdown += f"\n\nExample that fires:\n\n```yaml\n{rule.bad}\n```"
    if rule.good:
        markdown += f"\n\nInstead:\n\n```yaml\n{rule.good}\n```"
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.rationale or rule.summary},
        "help": {"text": help_text, "markdown": markdown},
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": {"tags": [rule.category, rule.id[:-3].lower()], "category": rule.category},
    }


def _location(path: str) -> dict[str, str]:
    """A relative URI under %SRCROOT% (what code scanning needs); a file URI outside the cwd."""
    if os.path.isabs(path):
        relative = os.path.relpath(path)
        if relative.startswith(".."):
            return {"uri": Path(path).as_uri()}
        path = relative
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return {"uri": quote(path), "uriBaseId": "%SRCROOT%"}


def fingerprint(f: Finding, line_text: str) -> str:
    key = "\x00".join((f.rule, f.path, f.pointer, line_text.strip(), f.message if not f.pointer else ""))
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _fixes(f: Finding, text: str | None) -> list[dict[str, Any]]:
    if not f.edits or text is None:
        return []
    index = LineIndex(text)
    replacements = []
    for edit in f.edits:
        sl, sc = index.position(edit.start)
        el, ec = index.position(edit.end)
        replacements.append({"deletedRegion": {"startLine": sl, "startColumn": sc, "endLine": el, "endColumn": ec},
                             "insertedContent": {"text": edit.text}})
    return [{"description": {"text": f.fix or "apply the suggested edit"},
             "artifactChanges": [{"artifactLocation": _location(f.path),
                                  "replacements": replacements}]}]


def build(report: Report) -> dict[str, Any]:
    used = sorted({f.rule for f in report.findings}, key=lambda r: (r[:-3], r))
    index = {rule_id: i for i, rule_id in enumerate(used)}
    results = []
    for f in report.findings:
        text = report.sources.get(f.path)
        line_text = LineIndex(text).line_text(f.line) if text is not None else ""
        result: dict[str, Any] = {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": LEVEL[f.severity],
            "message": {"text": f.message + (f" Fix: {f.fix}" if f.fix else "")},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": _location(f.path),
                    "region": {"startLine": f.line, "startColumn": f.column,
                               "endLine": max(f.end_line, f.line),
                               "endColumn": max(f.end_column, f.column + 1) if f.end_line <= f.line else f.end_column},
                },
                **({"logicalLocations": [{"fullyQualifiedName": f.pointer, "kind": "member"}]} if f.pointer else {}),
            }],
            "partialFingerprints": {"pipelint/v1": fingerprint(f, line_text)},
            "properties": {"category": f.category, "name": f.name},
        }
        fixes = _fixes(f, text)
        if fixes:
            result["fixes"] = fixes
        results.append(result)
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "pipelint", "version": __version__, "semanticVersion": __version__,
                                "informationUri": INFO_URI,
                                "rules": [_rule(report.rules[r]) for r in used]}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


def render(report: Report, stream: TextIO) -> None:
    json.dump(build(report), stream, indent=2, ensure_ascii=False)
    stream.write("\n")
