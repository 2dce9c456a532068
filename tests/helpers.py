"""Shared test helpers: lint text in memory, render findings as snapshot lines."""

from __future__ import annotations

import os
from pathlib import Path

from linter.engine import Linter, Settings
from linter.rule import Finding

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
if not SHARED.is_dir() and os.environ.get("PIPELINT_SHARED"):
    SHARED = Path(os.environ["PIPELINT_SHARED"])
CORPUS = SHARED / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def lint(text: str, path: str = "buildspec.yml", kind: str | None = None, folder: str | None = None,
         **settings: object) -> list[Finding]:
    linter = Linter(Settings(kind=kind, **settings))  # type: ignore[arg-type]
    return linter.lint_bytes(path, text.encode("utf-8"), folder=folder) or []


def snapshot_line(f: Finding) -> str:
    line = f"{f.line}:{f.column}-{f.end_line}:{f.end_column} {f.rule} {f.severity} {f.message}"
    if f.fix:
        line += f" | fix: {f.fix}"
    if f.edits:
        line += " | edits: " + "; ".join(f"{e.start}-{e.end}={e.text!r}" for e in f.edits) + f" ({f.applicability})"
    return line


def ids(findings: list[Finding]) -> list[str]:
    return [f.rule for f in findings]


def cli(args: list[str], capsys) -> tuple[int, str, str]:  # noqa: ANN001 - pytest's capsys
    """Run the command line in-process, through the installed entry point (a plain `check`
    takes linter.quick, the rest typer): (exit status, stdout, stderr)."""
    from linter.entry import main

    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err
