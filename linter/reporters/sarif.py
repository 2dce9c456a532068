"""`--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

Paths are relative URIs under %SRCROOT%; each result's partial fingerprint hashes the
rule, the file, the JSON pointer and the text of the line, not the line number, so
results keep their identity when lines are added above them.
"""

from __future__ import annotations

import os
from typing import Any, TextIO
from urllib.parse import quote

from linter import REPOSITORY, __version__, rule_url, sha256
from linter.document import LineIndex
from linter.reporters import Report, dump_json
from linter.rule import Finding, Rule

LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def _rule(rule: Rule) -> dict[str, Any]:
    from linter.docs import examples

    bad, good = examples(rule)
    help_text = f"{rule.rationale}\n\nFix: {rule.fix}"
    markdown = f"{rule.rationale}\n\n**Fix:** {rule.fix}"
    if bad:
        markdown += f"\n\nExample that fires:\n\n```yaml\n{bad}\n```"
    if good:
        markdown += f"\n\nInstead:\n\n```yaml\n{good}\n```"
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.rationale or rule.summary},
        "help": {"text": help_text, "markdown": markdown},
        "helpUri": rule.url or rule_url(rule.id),
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": _properties(rule),
    }


# Code scanning grades alerts by this score (a string): 9.0+ critical, 7.0+ high, 4.0+
# medium, above 0 low. Only security rules carry one, graded by the rule's severity.
SECURITY_SEVERITY = {"error": "8.0", "warning": "5.0", "info": "2.0"}
SECURITY_CATEGORIES = ("iam", "secrets")


def _properties(rule: Rule) -> dict[str, Any]:
    family = rule.id[:-3].lower() if not rule.id.startswith("CFN-") else "cfn-lint"
    tags = list(dict.fromkeys([rule.category, family]))  # IAM rules: category and family are both "iam"
    out: dict[str, Any] = {"tags": tags, "category": rule.category}
    if rule.category in SECURITY_CATEGORIES:
        out["tags"] = tags + ["security"]
        out["security-severity"] = SECURITY_SEVERITY[rule.severity]
    return out


def _location(path: str) -> dict[str, str]:
    """A relative URI under %SRCROOT% (what code scanning needs); a file URI outside the cwd.
    The name's bytes are percent-encoded, so a name that is not UTF-8 stays exact."""
    if os.path.isabs(path):
        relative = os.path.relpath(path)
        if relative.startswith(".."):
            return {"uri": "file://" + quote(os.fsencode(path))}
        path = relative
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return {"uri": quote(os.fsencode(path)), "uriBaseId": "%SRCROOT%"}


def fingerprint(f: Finding, line_text: str) -> str:
    key = "\x00".join((f.rule, f.path, f.pointer, line_text.strip(), f.message if not f.pointer else ""))
    return sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _fixes(f: Finding, text: str | None) -> list[dict[str, Any]]:
    """SARIF `fixes` of a finding with edits. `text` is the masked source: edits never
    write a secret, and the regions are positions, not text."""
    if not f.edits or text is None:
        return []
    index = LineIndex(text)
    replacements = []
    for edit in f.edits:
        sl, sc = index.position(edit.start)
        el, ec = index.position(edit.end)
        replacements.append({"deletedRegion": {"startLine": sl, "startColumn": sc, "endLine": el, "endColumn": ec},
                             "insertedContent": {"text": edit.text}})
    # unsafe fixes are carried too (a viewer offers them to a person, who reviews them),
    # marked in the description and by the `applicability` property, as in --show-fixes
    unsafe = f.applicability == "unsafe"
    text = f.fix or "apply the suggested edit"
    return [{"description": {"text": f"(unsafe: review it) {text}" if unsafe else text},
             "artifactChanges": [{"artifactLocation": _location(f.path),
                                  "replacements": replacements}],
             "properties": {"applicability": f.applicability or "safe"}}]


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
        if f.related:
            result["relatedLocations"] = [{
                "id": i, "message": {"text": r.message},
                "physicalLocation": {"artifactLocation": _location(r.path),
                                     "region": {"startLine": r.line, "startColumn": r.column}}}
                for i, r in enumerate(f.related, start=1)]
        fixes = _fixes(f, text)
        if fixes:
            result["fixes"] = fixes
        results.append(result)
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "pipelint", "version": __version__, "semanticVersion": __version__,
                                "informationUri": REPOSITORY,
                                "rules": [_rule(report.rules[r]) for r in used]}},
            "automationDetails": {"id": "pipelint/"},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


def render(report: Report, stream: TextIO) -> None:
    stream.write(dump_json(build(report)))
