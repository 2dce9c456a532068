"""The `pipelint` command (typer): check, rules, rule ID, --version.

Exit status: 0 nothing at or above --fail-on; 1 findings at or above it; 2 a usage error
or an internal error (reported as a PL005 finding naming the file; the other files are
still linted).
"""

from __future__ import annotations

import difflib
import os
import sys
from typing import List, Optional

import typer

from linter import __version__
from linter.config import ConfigError, find_config, load_config
from linter.engine import Linter, Settings, decode
from linter.kinds import KINDS
from linter.registry import RegistryError
from linter.reporters import FORMATS, Report
from linter.rule import SEVERITIES, SEVERITY_RANK, Edit, Finding

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="Lint AWS delivery pipeline configuration: buildspec, appspec, "
                       "CodePipeline and CloudFormation.")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"pipelint {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """Lint AWS delivery pipeline configuration."""


def _codes(values: Optional[List[str]]) -> list[str]:
    return [c.strip() for v in values or () for c in v.split(",") if c.strip()]


def _fail(message: str) -> typer.Exit:
    typer.echo(f"pipelint: error: {message}", err=True)
    return typer.Exit(2)


@app.command()
def check(
    paths: Optional[List[str]] = typer.Argument(None, help="Files and folders to lint ('-' reads stdin). Default: ."),
    format: str = typer.Option("text", "--format", "-f", help="Output format: text, json, sarif or github."),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="Write the report to this file."),
    kind: Optional[str] = typer.Option(None, "--kind", help="Force the file kind: " + ", ".join(KINDS) + "."),
    stdin_filename: Optional[str] = typer.Option(None, "--stdin-filename", help="The name to report for '-'."),
    select: Optional[List[str]] = typer.Option(None, "--select", help="Only these rules (ids, prefixes, slugs; comma-separated)."),
    ignore: Optional[List[str]] = typer.Option(None, "--ignore", help="Skip these rules (ids, prefixes, slugs; comma-separated)."),
    fail_on: Optional[str] = typer.Option(None, "--fail-on", help="Lowest severity that makes the exit status 1: error, warning (default) or info."),
    fix: bool = typer.Option(False, "--fix", help="Apply safe fixes to the files."),
    diff: bool = typer.Option(False, "--diff", help="Show the safe fixes as a unified diff; change nothing."),
    config: Optional[str] = typer.Option(None, "--config", help="Configuration file (default: .pipelint.toml or pyproject.toml [tool.pipelint], searched upward)."),
    skip_unknown: bool = typer.Option(False, "--skip-unknown", help="Skip files of no known kind silently, even when named (the pre-commit hook sets this)."),
) -> None:
    """Lint files and folders."""
    if format not in FORMATS:
        raise _fail(f"unknown format '{format}': use one of {', '.join(FORMATS)}")
    if kind is not None and kind not in KINDS:
        raise _fail(f"unknown kind '{kind}': use one of {', '.join(KINDS)}")
    if fail_on is not None and fail_on not in SEVERITIES:
        raise _fail(f"--fail-on takes error, warning or info, not '{fail_on}'")
    try:
        code = _check(paths or ["."], format, output, kind, stdin_filename, _codes(select), _codes(ignore),
                      fail_on, fix, diff, config, skip_unknown)
    except (ConfigError, RegistryError) as exc:
        raise _fail(str(exc)) from None
    raise typer.Exit(code)


def _check(paths: list[str], fmt: str, output: str | None, kind: str | None, stdin_filename: str | None,
           select: list[str], ignore: list[str], fail_on: str | None, fix: bool, diff: bool,
           config_path: str | None, skip_unknown: bool) -> int:
    from linter import registry

    rules = registry.load().rules
    known = {**{r.id: r.id for r in rules.values()}, **{r.name: r.id for r in rules.values()}}
    for code in select + ignore:
        if code.upper().startswith("CFN"):
            continue  # cfn-lint's ids are known only once it is loaded
        if code.upper() != "ALL" and code not in known and not any(r.startswith(code.upper()) for r in rules):
            raise ConfigError(f"no rule matches '{code}'")
    config_file = config_path or find_config(os.getcwd())
    cfg = load_config(config_file, known) if config_file else None
    settings = Settings(
        kind=kind,
        select=select or (cfg.select if cfg else []),
        ignore=(cfg.ignore if cfg else []) + ignore,
        per_file_ignores=cfg.per_file_ignores if cfg else {},
        severity=cfg.severity if cfg else {},
        exclude=cfg.exclude if cfg else [],
        rule_options=cfg.rules if cfg else {},
        skip_unknown=skip_unknown,
        cfn_regions=cfg.cfn_regions if cfg else [],
        cfn_ignore=cfg.cfn_ignore if cfg else [],
    )
    threshold = fail_on or (cfg.fail_on if cfg and cfg.fail_on else "warning")
    linter = Linter(settings)
    findings: list[Finding] = []
    sources: dict[str, str] = {}
    files = 0
    usage_error = False
    diffs: list[str] = []
    fixed = 0

    def lint_one(display: str, data: bytes, explicit: bool, target: str | None) -> None:
        nonlocal files, fixed
        folder = os.path.dirname(os.path.abspath(target)) if target else None
        result = linter.lint_bytes(display, data, explicit, folder)
        if result is None:
            return
        files += 1
        text, _ = decode(data)
        if text is not None and (fix or diff):
            new_text, count = apply_fixes(text, result)
            if count:
                if diff:
                    diffs.append("".join(difflib.unified_diff(
                        text.splitlines(True), new_text.splitlines(True), f"a/{display}", f"b/{display}")))
                else:
                    fixed += count
                    if target is None:
                        sys.stdout.write(new_text)
                    else:
                        with open(target, "w", encoding="utf-8", newline="") as f:
                            f.write(new_text)
                    text = new_text
                    result = linter.lint_bytes(display, new_text.encode("utf-8"), explicit, folder) or []
            elif fix and target is None:
                sys.stdout.write(text)
        if text is not None:
            sources[display] = text
        findings.extend(result)

    for path in paths:
        if path == "-":
            data = sys.stdin.buffer.read()
            lint_one(stdin_filename or "-", data, True, None)
            continue
        if not os.path.exists(path):
            typer.echo(f"pipelint: error: {path}: no such file or folder", err=True)
            usage_error = True
            continue
        for file_path, explicit in linter.discover([path]):
            try:
                with open(file_path, "rb") as f:
                    data = f.read()
            except OSError as exc:
                typer.echo(f"pipelint: error: {file_path}: cannot read: {exc.strerror}", err=True)
                usage_error = True
                continue
            lint_one(os.path.normpath(file_path), data, explicit, file_path)

    if diff:
        sys.stdout.write("".join(diffs))
        return 1 if diffs else (2 if usage_error else 0)
    findings.sort(key=Finding.sort_key)
    report = Report(findings=findings, files=files, rules=rules, sources=sources)
    _render(report, fmt, output, to_stderr=fix and "-" in paths)
    if fixed:
        typer.echo(f"pipelint: fixed {fixed} problem{'s' if fixed != 1 else ''}", err=True)
    if usage_error or any(f.rule == "PL005" for f in findings):
        return 2
    rank = SEVERITY_RANK[threshold]
    return 1 if any(SEVERITY_RANK[f.severity] >= rank for f in findings) else 0


def apply_fixes(text: str, findings: list[Finding]) -> tuple[str, int]:
    """Apply the safe edits, last first, skipping any that overlaps one already applied."""
    edits: list[tuple[Edit, Finding]] = [(e, f) for f in findings if f.applicability == "safe" for e in f.edits]
    edits.sort(key=lambda pair: (pair[0].start, pair[0].end), reverse=True)
    applied: set[int] = set()
    limit = len(text) + 1
    for edit, finding in edits:
        if edit.end > limit:
            continue
        text = text[:edit.start] + edit.text + text[edit.end:]
        limit = edit.start
        applied.add(id(finding))
    return text, len(applied)


def _render(report: Report, fmt: str, output: str | None, to_stderr: bool = False) -> None:
    import importlib

    module = importlib.import_module(f"linter.reporters.{fmt}")
    if output:
        with open(output, "w", encoding="utf-8") as stream:
            module.render(report, stream)
        typer.echo(report.summary(), err=True)
        return
    module.render(report, sys.stderr if to_stderr else sys.stdout)


@app.command("rules")
def rules_command(
    format: str = typer.Option("text", "--format", "-f", help="text, json or markdown."),
) -> None:
    """List every rule: id, slug, category, severity, summary."""
    from linter import registry

    rules = registry.load().sorted()
    if format == "markdown":
        typer.echo(rules_markdown(), nl=False)
        return
    if format == "json":
        import json

        typer.echo(json.dumps([{"id": r.id, "name": r.name, "category": r.category, "severity": r.severity,
                                "kinds": list(r.kinds), "summary": r.summary} for r in rules], indent=2))
        return
    width = max(len(r.name) for r in rules)
    for r in rules:
        typer.echo(f"{r.id:<7}{r.name:<{width + 2}}{r.category:<10}{r.severity:<8}{r.summary}")


def rules_markdown() -> str:
    from linter import registry

    lines = ["| id | name | category | severity | summary |", "|---|---|---|---|---|"]
    for r in registry.load().sorted():
        lines.append(f"| {r.id} | {r.name} | {r.category} | {r.severity} | {r.summary.replace('|', '/')} |")
    return "\n".join(lines) + "\n"


@app.command("rule")
def rule_command(code: str = typer.Argument(..., help="A rule id or slug.")) -> None:
    """What a rule checks, why, how to fix it, and an example."""
    from linter import registry
    from linter.suggest import did_you_mean

    rules = registry.load().rules
    found = rules.get(code.upper()) or next((r for r in rules.values() if r.name == code), None)
    if found is None:
        guess = did_you_mean(code, list(rules) + [r.name for r in rules.values()])
        raise _fail(f"no rule '{code}'" + (f"; did you mean '{guess}'?" if guess else ""))
    typer.echo(rule_doc(found))


def rule_doc(r) -> str:  # noqa: ANN001 - a Rule
    lines = [f"{r.id} {r.name}", "",
             f"category: {r.category}    severity: {r.severity}    kinds: {', '.join(r.kinds) or 'all'}", "",
             r.summary[0].upper() + r.summary[1:] + ".", "", "Why:", _indent(r.rationale), "", "Fix:", _indent(r.fix)]
    if r.bad:
        lines += ["", "Example that fires:", _indent(r.bad)]
    if r.good:
        lines += ["", "Instead:", _indent(r.good)]
    return "\n".join(lines)


def _indent(text: str) -> str:
    return "\n".join("    " + line if line else "" for line in text.splitlines())


def main(argv: list[str] | None = None) -> int:
    try:
        app(args=argv, prog_name="pipelint", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except KeyboardInterrupt:
        return 130
    return 0
