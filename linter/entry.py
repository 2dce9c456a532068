"""The `pipelint` command's entry point: `--version` answers before anything is imported
(typer and the engine cost about 0.1 s), a plain `check` runs without typer (linter.quick);
everything else goes to the typer CLI."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--version"]:
        from linter import __version__

        sys.stdout.write(f"pipelint {__version__}\n")
        return 0
    from linter import quick

    plain = quick.parse(args)  # a plain `check`: run without importing typer (~30 ms)
    if plain is not None:
        try:
            return quick.check(plain)
        except KeyboardInterrupt:
            return 130
        except BrokenPipeError:  # `pipelint check . | head`: as click does, exit 1 quietly
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 1
    from linter.cli import main as cli_main

    return cli_main(argv)
