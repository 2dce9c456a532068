"""`--format text`: `path:line:col: CODE severity message` lines and a summary.

In a terminal (and not in CI) the findings are drawn with rich: the source line, a caret
under the span and the fix. Piped or in CI, the plain one-line form that editors and
problem matchers parse.
"""

from __future__ import annotations

import os
from typing import TextIO

from linter.document import LineIndex
from linter.reporters import Report, masked_line


def fancy(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR") or os.environ.get("CI") or os.environ.get("PIPELINT_PLAIN"):
        return False
    return hasattr(stream, "isatty") and stream.isatty()


def render(report: Report, stream: TextIO) -> None:
    if fancy(stream):
        _render_rich(report, stream)
        return
    for f in report.findings:
        stream.write(f"{f.path}:{f.line}:{f.column}: {f.rule} {f.severity} {f.message}\n")
    stream.write(report.summary() + "\n")


def _render_rich(report: Report, stream: TextIO) -> None:
    from rich.console import Console
    from rich.markup import escape

    console = Console(file=stream, highlight=False, soft_wrap=True)
    colours = {"error": "bold red", "warning": "bold yellow", "info": "bold blue"}
    indexes: dict[str, LineIndex] = {}
    for f in report.findings:
        console.print(f"[bold]{escape(f.path)}[/]:{f.line}:{f.column}: [{colours[f.severity]}]{f.rule}[/] "
                      f"[{colours[f.severity]}]{f.severity}[/] {escape(f.message)} [dim]({f.name})[/]")
        text = report.sources.get(f.path)
        if text is not None:
            index = indexes.setdefault(f.path, LineIndex(text))
            line = masked_line(index.line_text(f.line).expandtabs(1), f, f.line)
            width = (f.end_column - f.column) if f.end_line == f.line else len(line) - f.column + 1
            if f.secret:  # the span was masked: underline the mask
                width = min(8, max(3, width))
            gutter = f"{f.line} | "
            console.print(f"[dim]{gutter}[/]{escape(line)}")
            console.print(" " * (len(gutter) + f.column - 1) + f"[{colours[f.severity]}]^"
                          + "~" * max(0, min(width, 80) - 1) + "[/]")
        if f.fix:
            console.print(f"  [green]fix:[/] {escape(f.fix)}")
        console.print()
    console.print(report.summary())
