"""`--format junit`: JUnit XML, as CI systems read test reports (GitLab, Jenkins, Azure).

One <testsuite> per file linted and one <testcase> per finding: errors and warnings are
<failure>s, infos pass with their text in <system-out>; a file without findings is one
passing case. Text from files is escaped, control characters included (XML forbids them).
"""

from __future__ import annotations

from typing import TextIO
from xml.sax.saxutils import escape, quoteattr

from linter.reporters import Report, display_path, printable


def render(report: Report, stream: TextIO) -> None:
    by_file: dict[str, list] = {path: [] for path in report.sources}
    for f in report.findings:
        by_file.setdefault(f.path, []).append(f)
    failures_total = sum(1 for f in report.findings if f.severity != "info")
    cases_total = sum(max(1, len(fs)) for fs in by_file.values())
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<testsuites name="pipelint" tests="{cases_total}" failures="{failures_total}" errors="0">']
    for path, findings in by_file.items():
        name = _text(display_path(path))
        failures = sum(1 for f in findings if f.severity != "info")
        out.append(f'  <testsuite name={quoteattr(name)} tests="{max(1, len(findings))}" failures="{failures}" '
                   'errors="0" skipped="0">')
        if not findings:
            out.append(f'    <testcase name="no problems" classname={quoteattr(name)}/>')
        for f in findings:
            case = f"{f.rule} {f.name} at {f.line}:{f.column}"
            detail = _text(f"{name}:{f.line}:{f.column}: {f.rule} {f.severity} {f.message}"
                           + (f"\nfix: {f.fix}" if f.fix else ""))
            out.append(f'    <testcase name={quoteattr(case)} classname={quoteattr(name)} file={quoteattr(name)} '
                       f'line="{f.line}">')
            if f.severity == "info":
                out.append(f"      <system-out>{escape(detail)}</system-out>")
            else:
                out.append(f'      <failure type={quoteattr(f.rule)} message={quoteattr(_text(f.message))}>'
                           f"{escape(detail)}</failure>")
            out.append("    </testcase>")
        out.append("  </testsuite>")
    out.append("</testsuites>")
    stream.write("\n".join(out) + "\n")


def _text(value: str) -> str:
    """Text XML 1.0 can hold: control characters (which it forbids) shown as escapes."""
    return printable(value, newlines=True)
