"""`--format gitlab`: GitLab code quality JSON (the `codequality` report artifact).

The documented shape: a JSON array of issues, each with `description`, `check_name`, a
unique `fingerprint`, `severity` (info, minor, major, critical or blocker) and
`location.path` with `location.lines.begin`. Errors of the iam and secrets categories are
critical, other errors major, warnings minor, infos info.
"""

from __future__ import annotations

from typing import Any, TextIO

from linter.document import LineIndex
from linter.reporters import Report, display_path, dump_json
from linter.reporters.sarif import fingerprint

SEVERITY = {"error": "major", "warning": "minor", "info": "info"}


def build(report: Report) -> list[dict[str, Any]]:
    issues = []
    seen: dict[str, int] = {}
    indexes: dict[str, LineIndex] = {}
    for f in report.findings:
        text = report.sources.get(f.path)
        line_text = indexes.setdefault(f.path, LineIndex(text)).line_text(f.line) if text is not None else ""
        base = fingerprint(f, line_text)
        n = seen.get(base, 0)
        seen[base] = n + 1
        severity = "critical" if f.severity == "error" and f.category in ("iam", "secrets") else SEVERITY[f.severity]
        issues.append({
            "description": f"{f.rule} {f.message}" + (f" (fix: {f.fix})" if f.fix else ""),
            "check_name": f.rule,
            "fingerprint": base if n == 0 else f"{base}-{n}",
            "severity": severity,
            "location": {"path": display_path(f.path).replace("\\\\", "/").removeprefix("./"),
                         "lines": {"begin": f.line, "end": max(f.end_line, f.line)}},
        })
    return issues


def render(report: Report, stream: TextIO) -> None:
    stream.write(dump_json(build(report)))
