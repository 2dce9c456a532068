"""Baselines: adopt pipelint on a repository that already has findings, and see only new ones.

`--write-baseline FILE` records every finding of the run; `--baseline FILE` then reports only
the findings not recorded. A finding is known by its rule, its file and the fingerprint SARIF
uses (the JSON pointer and the text of its line, not the line number), so it keeps its
identity when lines are added above it or elsewhere in the file. Each recorded finding
covers one finding (two identical ones need two entries). Writing the baseline again drops
what has been fixed since.
"""

from __future__ import annotations

import json
from collections import Counter

from linter.document import LineIndex
from linter.reporters import Report, display_path
from linter.reporters.sarif import fingerprint
from linter.rule import Finding

FORMAT = 1


class BaselineError(Exception):
    pass


def _keys(report: Report) -> list[tuple[Finding, str]]:
    indexes: dict[str, LineIndex] = {}
    out = []
    for f in report.findings:
        text = report.sources.get(f.path)
        line = indexes.setdefault(f.path, LineIndex(text)).line_text(f.line) if text is not None else ""
        out.append((f, f"{f.rule}\0{display_path(f.path)}\0{fingerprint(f, line)}"))
    return out


def write(report: Report, path: str) -> int:
    entries = [{"rule": f.rule, "path": display_path(f.path), "fingerprint": key.split("\0")[2],
                "message": f.message} for f, key in _keys(report)]
    with open(path, "w", encoding="utf-8") as stream:
        json.dump({"pipelint-baseline": FORMAT, "findings": entries}, stream, indent=1, ensure_ascii=True)
        stream.write("\n")
    return len(entries)


def load(path: str) -> Counter:
    try:
        with open(path, encoding="utf-8") as stream:
            data = json.load(stream)
        if not isinstance(data, dict) or data.get("pipelint-baseline") != FORMAT:
            raise ValueError("not a pipelint baseline")
        return Counter(f"{e['rule']}\0{e['path']}\0{e['fingerprint']}" for e in data["findings"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BaselineError(f"{path}: cannot read the baseline: {exc}") from None


def apply(report: Report, known: Counter) -> int:
    """Drop the findings the baseline records; return how many were dropped."""
    left = Counter(known)
    kept = []
    for finding, key in _keys(report):
        if left[key] > 0:
            left[key] -= 1
        else:
            kept.append(finding)
    dropped = len(report.findings) - len(kept)
    report.findings = kept
    return dropped
