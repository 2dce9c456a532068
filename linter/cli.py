"""The `pipelint` command (typer): check, rules, rule ID, schema, policy, --version.

Exit status: 0 nothing at or above --fail-on; 1 findings at or above it; 2 a usage error
or an internal error (reported as a PL005 finding naming the file; the other files are
still linted).
"""

from __future__ import annotations

import os
import sys
from typing import List, Optional

import typer

from linter import __version__, package_text, rule_url
from linter.config import ConfigError
from linter.kinds import KINDS
from linter.registry import RegistryError
from linter.reporters import FORMATS, Report, printable
from linter.reporters.text import COLORS
from linter.rule import SEVERITIES
from linter.run import Options, cache_for, run, settings_for

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  context_settings={"help_option_names": ["-h", "--help"]},
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
    typer.echo(f"pipelint: error: {printable(message)}", err=True)
    return typer.Exit(2)


@app.command()
def check(
    paths: Optional[List[str]] = typer.Argument(None, help="Files and folders to lint ('-' reads stdin). Default: ."),
    format: str = typer.Option("text", "--format", "--output-format", "-f", help="Output format: text, json, sarif, github, gitlab (code quality) or junit."),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="Write the report to this file."),
    kind: Optional[str] = typer.Option(None, "--kind", help="Force the file kind: " + ", ".join(KINDS) + "."),
    stdin_filename: Optional[str] = typer.Option(None, "--stdin-filename", help="The name to report for '-'."),
    select: Optional[List[str]] = typer.Option(None, "--select", help="Only these rules (ids, prefixes, slugs; comma-separated)."),
    ignore: Optional[List[str]] = typer.Option(None, "--ignore", help="Skip these rules (ids, prefixes, slugs; comma-separated)."),
    fail_on: Optional[str] = typer.Option(None, "--fail-on", help="Lowest severity that makes the exit status 1: error, warning (default) or info."),
    fix: bool = typer.Option(False, "--fix", help="Apply the safe fixes to the files (the unsafe ones too with --unsafe-fixes)."),
    diff: bool = typer.Option(False, "--diff", help="Print the fixes --fix would apply as a patch (git apply / patch -p1); change nothing."),
    unsafe_fixes: bool = typer.Option(False, "--unsafe-fixes", help="With --fix or --diff, unsafe fixes too (they change behaviour or leave a placeholder to fill in)."),
    show_fixes: bool = typer.Option(False, "--show-fixes", help="After the findings, list each fix (applied, with --fix): path:line:col RULE fix [safe|unsafe]."),
    config: Optional[str] = typer.Option(None, "--config", help="Configuration file (default: .pipelint.toml or pyproject.toml [tool.pipelint], searched upward)."),
    skip_unknown: bool = typer.Option(False, "--skip-unknown", help="Skip files of no known kind silently, even when named (the pre-commit hook sets this)."),
    color: str = typer.Option("auto", "--color", help="Colour in text output: auto (FORCE_COLOR, NO_COLOR, a terminal), always or never."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", help="Worker processes for large runs (default: the number of cores; 1: none)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Neither read nor write the cache (.pipelint_cache/)."),
    exit_zero: bool = typer.Option(False, "--exit-zero", help="Exit 0 whatever the findings (2 still means a usage or internal error)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print the findings and nothing else (no summary, no notes)."),
    statistics: bool = typer.Option(False, "--statistics", help="Print how many findings each rule has, instead of the findings."),
    baseline: Optional[str] = typer.Option(None, "--baseline", help="Report only the findings this baseline file does not record."),
    write_baseline: Optional[str] = typer.Option(None, "--write-baseline", help="Record every finding of this run in FILE (for --baseline)."),
) -> None:
    """Lint files and folders."""
    if format not in FORMATS:
        raise _fail(f"unknown format '{format}': use one of {', '.join(FORMATS)}")
    if kind is not None and kind not in KINDS:
        raise _fail(f"unknown kind '{kind}': use one of {', '.join(KINDS)}")
    if fail_on is not None and fail_on not in SEVERITIES:
        raise _fail(f"--fail-on takes error, warning or info, not '{fail_on}'")
    if color not in COLORS:
        raise _fail(f"--color takes auto, always or never, not '{color}'")
    if jobs is not None and jobs < 1:
        raise _fail("--jobs takes a whole number from 1")
    if fix and diff:
        raise _fail("--fix and --diff do not go together: --diff shows the fixes, --fix applies them")
    if diff and format != "text" and not output:
        raise _fail(f"--diff writes the patch to standard output; give --output FILE for the {format} report")
    if output:
        problem = _output_problem(output)
        if problem:
            raise _fail(problem)
    paths = paths or ["."]
    try:
        settings, cfg = settings_for(kind, _codes(select), _codes(ignore), config, skip_unknown)
    except (ConfigError, RegistryError) as exc:
        raise _fail(str(exc)) from None
    options = Options(paths=paths, fix=fix, diff=diff, unsafe_fixes=unsafe_fixes, stdin_filename=stdin_filename,
                      stdin=sys.stdin.buffer.read() if "-" in paths else None)
    from linter.engine import Linter

    linter = Linter(settings)
    cache = None if no_cache or fix or diff else cache_for(settings, linter)
    from linter import progress as progress_mod  # cheap: rich is imported once the line is drawn

    shown = progress_mod.Progress() if not quiet and progress_mod.wanted(sys.stderr) else None
    try:
        report = run(options, settings, linter, jobs=jobs or os.cpu_count() or 1, cache=cache, on_file=shown)
    finally:
        if shown is not None:
            shown.close()  # erased before anything else is printed
    threshold = fail_on or (cfg.fail_on if cfg and cfg.fail_on else "warning")
    if write_baseline:
        from linter import baseline as baseline_mod

        try:
            recorded = baseline_mod.write(report, write_baseline)
        except OSError as exc:
            raise _fail(f"cannot write the baseline {write_baseline}: {exc.strerror or exc}") from None
        typer.echo(f"pipelint: recorded {recorded} finding{'s' if recorded != 1 else ''} in {write_baseline}", err=True)
    if baseline:
        from linter import baseline as baseline_mod

        try:
            known = baseline_mod.load(baseline)
        except baseline_mod.BaselineError as exc:
            raise _fail(str(exc)) from None
        report.baselined = baseline_mod.apply(report, known)
    from linter.quick import announce

    code = announce(report, threshold, quiet, exit_zero)
    report.show_fixes = show_fixes and format == "text" and not (statistics or diff)
    if show_fixes and (format != "text" or diff or statistics) and report.fix_lines():
        typer.echo("\n".join([report.fix_heading()] + ["  " + line for line in report.fix_lines()]), err=True)
    if statistics:
        _statistics(report, quiet)
        raise typer.Exit(code)
    if diff:
        sys.stdout.write("".join(report.patches))
        shown = len(report.patches)
        if report.withheld:
            typer.echo(f"pipelint: {report.withheld} fix{'es' if report.withheld != 1 else ''} not shown: "
                       "the lines they change, or the lines beside them, hold a secret; --fix applies them",
                       err=True)
        typer.echo(f"pipelint: the patch fixes {shown} file{'s' if shown != 1 else ''}", err=True)
        if output:
            code = max(code, _render(report, format, output, color))
        else:
            typer.echo(report.summary(), err=True)
        raise typer.Exit(code)
    if fix and report.fixed_stdin is not None:
        sys.stdout.buffer.write(report.fixed_stdin)
        sys.stdout.flush()
    code = max(code, _render(report, format, output, color, to_stderr=fix and "-" in paths))
    if report.fixed and not quiet:
        typer.echo(f"pipelint: fixed {report.fixed} problem{'s' if report.fixed != 1 else ''}", err=True)
    raise typer.Exit(code)


def _statistics(report: Report, quiet: bool) -> None:
    """`--statistics`: a line per rule, most findings first; `*` marks rules with safe fixes."""
    counts: dict[str, int] = {}
    fixable: set[str] = set()
    for f in report.findings:
        counts[f.rule] = counts.get(f.rule, 0) + 1
        if f.edits and f.applicability == "safe":
            fixable.add(f.rule)
    width = max((len(str(n)) for n in counts.values()), default=1)
    for rule_id, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        rule = report.rules.get(rule_id)
        mark = "*" if rule_id in fixable else " "
        typer.echo(f"{n:>{width}}  {rule_id:<10} {mark} {rule.name if rule else ''}")
    if not quiet:
        typer.echo(report.summary())


def _output_problem(output: str) -> str | None:
    if os.path.isdir(output):
        return f"--output {output}: is a folder; name a file"
    folder = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(folder):
        return f"--output {output}: the folder {folder} does not exist"
    return None


def _render(report: Report, fmt: str, output: str | None, color: str, to_stderr: bool = False) -> int:
    """Write the report; 2 when the output file cannot be written, else 0."""
    import importlib

    module = importlib.import_module(f"linter.reporters.{fmt}")
    kwargs = {"color": color} if fmt == "text" else {}
    if output:
        try:
            with open(output, "w", encoding="utf-8") as stream:
                module.render(report, stream, **({"color": "never"} if fmt == "text" else {}))
        except OSError as exc:
            typer.echo(f"pipelint: error: cannot write {printable(output)}: {exc.strerror or exc}", err=True)
            return 2
        if not report.quiet:
            typer.echo(report.summary(), err=True)
        return 0
    module.render(report, sys.stderr if to_stderr else sys.stdout, **kwargs)
    return 0


@app.command("rules")
def rules_command(
    format: str = typer.Option("text", "--format", "-f", help="text, json or markdown."),
) -> None:
    """List every rule: id, slug, category, severity, summary."""
    from linter import registry

    if format not in ("text", "json", "markdown"):
        raise _fail(f"unknown format '{format}': use text, json or markdown")
    rules = registry.load().sorted()
    if format == "markdown":
        typer.echo(rules_markdown(), nl=False)
        return
    if format == "json":
        import json

        typer.echo(json.dumps([{"id": r.id, "name": r.name, "category": r.category, "severity": r.severity,
                                "kinds": list(r.kinds), "summary": r.summary, "autofix": r.autofix or None,
                                "cross_file": r.project, "url": r.url or rule_url(r.id)} for r in rules], indent=2))
        return
    width = max(len(r.name) for r in rules)
    for r in rules:
        typer.echo(f"{r.id:<7}{r.name:<{width + 2}}{r.category:<10}{r.severity:<8}{r.summary}")


def rules_markdown() -> str:
    from linter import registry
    from linter.docs import rules_table

    return rules_table(registry.load().sorted())


SCHEMA_NAMES = ("buildspec", "appspec-ec2", "appspec-ecs", "appspec-lambda", "pipeline")


@app.command("schema")
def schema_command(name: str = typer.Argument(..., help="buildspec, appspec-ec2, appspec-ecs, appspec-lambda or pipeline.")) -> None:
    """Print the JSON Schema of a file kind, for editors (yaml-language-server, VS Code)."""
    if name not in SCHEMA_NAMES:
        from linter.suggest import did_you_mean

        guess = did_you_mean(name, SCHEMA_NAMES)
        raise _fail(f"no schema '{name}'" + (f"; did you mean '{guess}'?" if guess else f": use one of {', '.join(SCHEMA_NAMES)}"))
    typer.echo(package_text("linter.schemas", f"{name}.schema.json"), nl=False)


@app.command("rule")
def rule_command(code: str = typer.Argument(..., help="A rule id or slug.")) -> None:
    """What a rule checks, why, how to fix it, and an example."""
    from linter import registry
    from linter.suggest import did_you_mean

    rules = registry.load().rules
    found = rules.get(code.upper()) or next((r for r in rules.values() if r.name == code), None)
    if found is None and code.upper().startswith(("CFN-", "CFN_")):  # cfn-lint's, loaded only for this
        from linter.cfn import CfnLint

        found = CfnLint().describe(code[4:])
    if found is None:
        guess = did_you_mean(code, list(rules) + [r.name for r in rules.values()])
        raise _fail(f"no rule '{code}'" + (f"; did you mean '{guess}'?" if guess else ""))
    from linter.docs import rule_doc

    typer.echo(rule_doc(found))


@app.command("policy")
def policy_command(
    config: Optional[str] = typer.Option(None, "--config", help="Configuration file (default: .pipelint.toml or pyproject.toml [tool.pipelint], searched upward)."),
    format: str = typer.Option("text", "--format", "-f", help="text or json."),
) -> None:
    """List the organisation policies the configuration sets: each with its value, its POL rule and its line."""
    if format not in ("text", "json"):
        raise _fail(f"unknown format '{format}': use text or json")
    try:
        _, cfg = settings_for(config_path=config)
    except (ConfigError, RegistryError) as exc:
        raise _fail(str(exc)) from None
    policies = sorted(cfg.policy.values(), key=lambda p: p.rule) if cfg else []
    if format == "json":
        import json

        typer.echo(json.dumps({"config": cfg.path if cfg else None, "policies": [
            {"policy": p.key, "rule": p.rule, "value": p.value, "line": p.line} for p in policies]}, indent=2))
        return
    if cfg is None:
        typer.echo("pipelint: no configuration file found (.pipelint.toml, or pyproject.toml with [tool.pipelint]), "
                   "so no policy is active")
        return
    if not policies:
        typer.echo(f"pipelint: {printable(cfg.path)} sets no policy ([tool.pipelint.policy], or [policy] in "
                   ".pipelint.toml)")
        return
    typer.echo(f"{len(policies)} polic{'ies' if len(policies) != 1 else 'y'} in {printable(cfg.path)}:")
    width = max(len(p.key) for p in policies)
    for p in policies:
        typer.echo(f"{p.rule}  {p.key:<{width}}  {printable(_toml_value(p.value))}  ({p.where})")


def _toml_value(value: object) -> str:
    """A policy's value as it would be written in TOML."""
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    return str(value)


@app.command("server")
def server_command(
    stdio: bool = typer.Option(True, "--stdio", help="Speak over stdin and stdout (the only transport; editors pass it)."),
) -> None:
    """Run the language server (LSP over stdio) for editors. Needs: pip install 'pipelint[server]'."""
    from linter.server import main as server_main

    raise typer.Exit(server_main())


@app.command("graph")
def graph_command(
    path: str = typer.Argument(".", help="The repository (or a folder or file of it) to draw."),
    format: str = typer.Option("mermaid", "--format", "-f", help="mermaid (Markdown, rendered by GitHub) or dot (Graphviz)."),
    config: Optional[str] = typer.Option(None, "--config", help="Configuration file (default: searched upward)."),
) -> None:
    """Draw each pipeline: stages, actions, artifacts, the files each action reads, and findings."""
    if format not in ("mermaid", "dot"):
        raise _fail(f"unknown format '{format}': use mermaid or dot")
    if not os.path.lexists(path):
        raise _fail(f"{path}: no such file or folder")
    try:
        settings, _ = settings_for(config_path=config)
    except (ConfigError, RegistryError) as exc:
        raise _fail(str(exc)) from None
    from linter import graph, project
    from linter.engine import Linter

    linter = Linter(settings)
    report = run(Options(paths=[path]), settings, linter, cache=cache_for(settings, linter))
    items = graph.graphs(report, project.repository_root([path], settings.root))
    if not items:
        typer.echo(f"pipelint: no pipeline in {printable(path)}", err=True)
        raise typer.Exit(0)
    typer.echo(graph.mermaid(items) if format == "mermaid" else graph.dot(items), nl=False)


def main(argv: list[str] | None = None) -> int:
    try:
        app(args=argv, prog_name="pipelint", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except KeyboardInterrupt:
        return 130
    return 0
