"""`--format text`: `path:line:col: CODE severity message` lines and a summary.

Two layouts: in a terminal (or with colour forced) each finding also shows its source
line, a caret under the span and the fix; piped, the one-line form editors and problem
matchers parse. Colour is a separate choice (`--color auto|always|never`; in auto,
FORCE_COLOR forces it, then NO_COLOR turns it off, else a terminal gets it): NO_COLOR
removes colour only, never the snippet. Every string from a file (paths, keys, values
quoted in messages) goes through `printable`, and snippets come from the masked source.
"""

from __future__ import annotations

import os
from typing import TextIO

from linter.document import LineIndex
from linter.reporters import Report, display_path, printable

COLORS = ("auto", "always", "never")


def _forced() -> bool:
    return os.environ.get("FORCE_COLOR", "").strip().lower() not in ("", "0", "false", "no")


def colour(stream: TextIO, choice: str = "auto") -> bool:
    if choice != "auto":
        return choice == "always"
    if _forced():
        return True
    if os.environ.get("NO_COLOR"):
        return False
    return _isatty(stream)


def full(stream: TextIO, choice: str = "auto") -> bool:
    """Show snippets: in a terminal, or when colour is forced (a CI log that renders it)."""
    if os.environ.get("PIPELINT_PLAIN"):
        return False
    return _isatty(stream) or choice == "always" or (choice == "auto" and _forced())


def _isatty(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def render(report: Report, stream: TextIO, color: str = "auto") -> None:
    if full(stream, color):
        _render_rich(report, stream, colour(stream, color))
        return
    for f in report.findings:
        stream.write(f"{printable(display_path(f.path))}:{f.line}:{f.column}: {f.rule} {f.severity} {printable(f.message)}\n")
    fixes = report.fix_lines() if report.show_fixes else []
    if fixes:
        stream.write(report.fix_heading() + "\n" + "".join(f"  {line}\n" for line in fixes))
    if not report.quiet:
        stream.write(report.summary() + "\n")


def _render_rich(report: Report, stream: TextIO, coloured: bool) -> None:
    from rich.console import Console
    from rich.markup import escape

    console = Console(file=stream, highlight=False, soft_wrap=True, force_terminal=coloured,
                      no_color=not coloured, color_system="auto" if coloured else None, emoji=False)
    colours = {"error": "bold red", "warning": "bold yellow", "info": "bold blue"}
    indexes: dict[str, LineIndex] = {}
    for f in report.findings:
        console.print(f"[bold]{escape(printable(display_path(f.path)))}[/]:{f.line}:{f.column}: [{colours[f.severity]}]{f.rule}[/] "
                      f"[{colours[f.severity]}]{f.severity}[/] {escape(printable(f.message))} [dim]({f.name})[/]")
        text = report.sources.get(f.path)
        if text is not None:
            index = indexes.setdefault(f.path, LineIndex(text))
            raw = index.line_text(f.line).replace("\t", " ")
            line = printable(raw)
            start = len(printable(raw[:f.column - 1]))
            end = len(printable(raw[:f.end_column - 1])) if f.end_line == f.line else len(line)
            width = max(1, end - start)
            gutter = f"{f.line} | "
            console.print(f"[dim]{gutter}[/]{escape(line)}")
            console.print(" " * (len(gutter) + start) + f"[{colours[f.severity]}]^"
                          + "~" * max(0, min(width, 80) - 1) + "[/]")
        for r in f.related:
            console.print(f"  [dim]see:[/] {escape(printable(display_path(r.path)))}:{r.line}:{r.column}: "
                          f"{escape(printable(r.message))}")
        if f.fix:
            console.print(f"  [green]fix:[/] {escape(printable(f.fix))}")
        console.print()
    fixes = report.fix_lines() if report.show_fixes else []
    if fixes:
        console.print(escape(report.fix_heading()))
        for line in fixes:
            console.print("  " + escape(line))
        console.print()
    if not report.quiet:
        console.print(escape(report.summary()))
