"""`pipelint check` without importing typer, for the plain invocations pre-commit and CI make.

typer (with its bundled click) is about 30 ms of the 0.1 s a `pipelint check buildspec.yml`
costs. `linter.entry` hands the arguments here first; `parse` accepts only
`check [paths] [--no-cache] [-q|--quiet] [--exit-zero] [--skip-unknown] [-f|--format F]
[-j|--jobs N]` (each at most once, paths not starting with '-'), when standard error is not a terminal
(no progress display to draw), and returns None for anything else (help, other commands,
other options, a bad value, a terminal), which goes to the typer
CLI, the one definition of the command line. `check` does what `linter.cli.check` does for
those options; tests/test_quick.py runs both on the same arguments and compares their
output and exit status.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field

FLAGS = {"--no-cache": "no_cache", "-q": "quiet", "--quiet": "quiet", "--exit-zero": "exit_zero",
         "--skip-unknown": "skip_unknown"}
FORMAT_OPTIONS = ("-f", "--format", "--output-format")
JOBS_OPTIONS = ("-j", "--jobs")


@dataclass
class Check:
    paths: list[str] = field(default_factory=list)
    format: str = "text"
    jobs: int | None = None
    no_cache: bool = False
    quiet: bool = False
    exit_zero: bool = False
    skip_unknown: bool = False


def parse(args: list[str]) -> Check | None:
    """The options of a plain `check`, or None: let typer read these arguments."""
    from linter.reporters import FORMATS

    if not args or args[0] != "check":
        return None
    if sys.stderr.isatty():
        return None  # a person at a terminal: typer's check, with its progress display
    out = Check()
    seen: set[str] = set()
    i = 1
    while i < len(args):
        arg = args[i]
        if arg in FLAGS:
            name = FLAGS[arg]
        elif arg in FORMAT_OPTIONS or arg in JOBS_OPTIONS or (arg.startswith("-j") and arg[2:].isdigit()):
            name = "format" if arg in FORMAT_OPTIONS else "jobs"
            if arg.startswith("-j") and arg[2:]:
                value = arg[2:]
            elif i + 1 < len(args):
                i += 1
                value = args[i]
            else:
                return None
            if name == "format":
                if value not in FORMATS:
                    return None
                out.format = value
            else:
                if not (value.isascii() and value.isdigit()) or int(value) < 1:
                    return None
                out.jobs = int(value)
        elif arg.startswith("-") or not arg:
            return None  # another option, '-' (stdin), '--': typer's
        else:
            out.paths.append(arg)
            i += 1
            continue
        if name in seen:
            return None
        seen.add(name)
        if name in FLAGS.values():
            setattr(out, name, True)
        i += 1
    return out


def check(opts: Check) -> int:
    """linter.cli.check for these options: the same run, messages, report and exit status."""
    from linter.config import ConfigError
    from linter.engine import Linter
    from linter.registry import RegistryError
    from linter.reporters import printable
    from linter.run import Options, cache_for, run, settings_for

    try:
        settings, cfg = settings_for(None, [], [], None, opts.skip_unknown)
    except (ConfigError, RegistryError) as exc:
        _err(f"pipelint: error: {printable(str(exc))}")
        return 2
    options = Options(paths=opts.paths or ["."])
    linter = Linter(settings)
    cache = None if opts.no_cache else cache_for(settings, linter)
    report = run(options, settings, linter, jobs=opts.jobs or os.cpu_count() or 1, cache=cache)
    code = announce(report, cfg.fail_on if cfg and cfg.fail_on else "warning", opts.quiet, opts.exit_zero)
    import importlib

    module = importlib.import_module(f"linter.reporters.{opts.format}")
    module.render(report, sys.stdout, **({"color": "auto"} if opts.format == "text" else {}))
    return code


def announce(report, threshold: str, quiet: bool, exit_zero: bool) -> int:  # noqa: ANN001 - a Report
    """What every `check` does once its run is over: print the run's problems and (unless
    quiet) notes on stderr, and give the exit status: 1 for findings at or above
    `threshold` (0 with exit_zero), 2 for problems."""
    from linter.reporters import printable

    for line in report.problems:
        _err(f"pipelint: error: {printable(line)}")
    for line in report.notes if not quiet else ():
        _err(f"pipelint: note: {printable(line)}")
    code = report.exit_code(threshold)
    report.quiet = quiet
    return 0 if exit_zero and code == 1 else code


def _err(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()
