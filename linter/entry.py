"""The `pipelint` command's entry point: `--version` answers before anything is imported
(typer and the engine cost about 0.1 s); everything else goes to the typer CLI."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--version"]:
        from linter import __version__

        sys.stdout.write(f"pipelint {__version__}\n")
        return 0
    from linter.cli import main as cli_main

    return cli_main(argv)
