"""`--format github`: GitHub Actions workflow commands, one annotation per finding."""

from __future__ import annotations

from typing import TextIO

from linter.reporters import Report, display_path, printable

LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def _data(text: str) -> str:
    text = printable(text, newlines=True)
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: Report, stream: TextIO) -> None:
    for f in report.findings:
        message = f.message + (f" (fix: {f.fix})" if f.fix else "")
        stream.write(
            f"::{LEVEL[f.severity]} file={_prop(display_path(f.path))},line={f.line},col={f.column},"
            f"endLine={f.end_line},endColumn={f.end_column},title={_prop(f'{f.rule} {f.name}')}"
            f"::{_data(message)}\n")
    if not report.quiet:
        stream.write(report.summary() + "\n")
