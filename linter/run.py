"""A run: settings -> discover -> lint each file -> fixes -> Report.

This is the one API the front ends call (the command line, the pre-commit hook through
it, tests; the language server next). It prints nothing and never exits: problems that
are not findings (a missing path, a file that cannot be read or written, a FIFO) are
collected in `Report.problems`, and the caller decides how to show them.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field

from linter.config import Config, ConfigError, find_config, load_config
from linter.engine import FileResult, Linter, Settings
from linter.fixes import encode, fix, unified_diff, write_atomic
from linter.reporters import Report, display_path
from linter.rule import Finding


@dataclass
class Options:
    """What a front end asks of a run, beside the settings."""

    paths: list[str] = field(default_factory=lambda: ["."])
    fix: bool = False
    diff: bool = False
    unsafe_fixes: bool = False
    stdin: bytes | None = None            # the bytes '-' stands for
    stdin_filename: str | None = None


def settings_for(kind: str | None = None, select: list[str] | None = None, ignore: list[str] | None = None,
                 config_path: str | None = None, skip_unknown: bool = False,
                 cwd: str | None = None) -> tuple[Settings, Config | None]:
    """Settings from the configuration file (named, or found upward from `cwd`) and the
    command line. Raises ConfigError (and RegistryError) for a bad configuration."""
    from linter import registry

    rules = registry.load().rules
    known = {**{r.id: r.id for r in rules.values()}, **{r.name: r.id for r in rules.values()}}
    for code in (select or []) + (ignore or []):
        if code.upper().startswith("CFN"):
            continue  # cfn-lint's ids are known only once it is loaded
        if code.upper() != "ALL" and code not in known and not any(r.startswith(code.upper()) for r in rules):
            raise ConfigError(f"no rule matches '{code}'")
    config_file = config_path or find_config(cwd or os.getcwd())
    cfg = load_config(config_file, known) if config_file else None
    settings = Settings(
        kind=kind,
        select=select or (cfg.select if cfg else []),
        ignore=(cfg.ignore if cfg else []) + (ignore or []),
        per_file_ignores=cfg.per_file_ignores if cfg else {},
        severity=cfg.severity if cfg else {},
        exclude=cfg.exclude if cfg else [],
        rule_options=cfg.rules if cfg else {},
        skip_unknown=skip_unknown,
        cfn_regions=cfg.cfn_regions if cfg else [],
        cfn_ignore=cfg.cfn_ignore if cfg else [],
        root=cfg.folder if cfg else None,
    )
    if cfg is not None and cfg.max_file_size:
        settings.max_file_size = cfg.max_file_size
    return settings, cfg


def read_regular(path: str) -> bytes:
    """The bytes of a regular file. Raises OSError, or NotRegular for a FIFO, a device or a
    socket (opening one for reading could block the run forever: it is opened non-blocking
    and checked before anything is read)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegular(_what(mode))
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


class NotRegular(Exception):
    pass


def _what(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def run(options: Options, settings: Settings, linter: Linter | None = None) -> Report:
    linter = linter or Linter(settings)
    report = Report(findings=[], files=0, rules=linter.rules)
    for path in options.paths:
        if path == "-":
            _one(linter, options, report, options.stdin_filename or "-", options.stdin or b"", True, None)
            continue
        if not os.path.lexists(path):
            report.problems.append(f"{path}: no such file or folder")
            continue
        for file_path, explicit in linter.discover([path]):
            try:
                data = read_regular(file_path)
            except NotRegular as exc:  # named: the user asked for it; found in a folder: a note
                (report.problems if explicit else report.notes).append(
                    f"{display_path(file_path)}: skipped: it is {exc}, not a regular file")
                continue
            except OSError as exc:
                report.problems.append(f"{display_path(file_path)}: cannot read: {exc.strerror or exc}")
                continue
            _one(linter, options, report, os.path.normpath(file_path), data, explicit, file_path)
    report.findings.sort(key=Finding.sort_key)
    report.rules = linter.rules
    return report


def _one(linter: Linter, options: Options, report: Report, display: str, data: bytes, explicit: bool,
         target: str | None) -> None:
    folder = os.path.dirname(os.path.abspath(target)) if target else None
    result = linter.lint_file(display, data, explicit, folder)
    if options.fix and target is None:
        report.fixed_stdin = data  # stdin with --fix: the text goes back out, fixed or not
    if result is None:
        return
    report.files += 1
    if result.text is not None and (options.fix or options.diff):
        result = _fix(linter, options, report, result, display, explicit, folder, target)
    masked = result.masked_text()
    if masked is not None:
        report.sources[display] = masked
    report.findings.extend(result.findings)


def _fix(linter: Linter, options: Options, report: Report, result: FileResult, display: str, explicit: bool,
         folder: str | None, target: str | None) -> FileResult:
    text = result.text or ""
    relinted: dict[str, FileResult | None] = {}

    def relint(new_text: str) -> list[Finding] | None:
        relinted[new_text] = linter.lint_file(display, encode(new_text, result.bom), explicit, folder)
        found = relinted[new_text]
        return found.findings if found is not None else None

    outcome = fix(text, result.findings, relint, options.unsafe_fixes)
    if outcome.refused:
        rule = linter.rules["PL010"]
        result.findings.append(Finding(display, 1, 1, 1, 1, rule.id, rule.name, rule.category, rule.severity,
                                       f"{'--diff' if options.diff else '--fix'} left the file unchanged: "
                                       f"{outcome.refused}", rule.fix))
        return result
    if not outcome.applied:
        return result
    if options.diff:
        patch, withheld = unified_diff(text, outcome.text, display, result.masks)
        report.patches.append(patch)
        report.withheld += withheld
        return result
    if target is None:  # stdin: the fixed text goes to stdout
        report.fixed_stdin = encode(outcome.text, result.bom)
    elif os.path.islink(target):
        report.notes.append(f"{display}: not fixed: it is a symbolic link; run --fix on the file it points to")
        return result
    else:
        try:
            write_atomic(target, encode(outcome.text, result.bom))
        except OSError as exc:
            report.problems.append(f"{display}: cannot write the fixes: {exc.strerror or exc}; "
                                   "the file is unchanged")
            return result
    report.fixed += len(outcome.applied)
    return relinted.get(outcome.text) or result
