"""`pipelint server`: the language server (LSP over stdio, built on pygls).

pygls is an optional extra (`pip install 'pipelint[server]'`): the command line, CI and
pre-commit never need it. This module imports nothing of it; `main` does, and says how to
install it when it is missing.
"""

from __future__ import annotations

import sys

INSTALL = "pip install 'pipelint[server]'"


def main() -> int:
    try:
        import lsprotocol  # noqa: F401
        import pygls.lsp.server  # noqa: F401 - pygls 2 (pygls 1 has pygls.server.LanguageServer)
    except ImportError:
        sys.stderr.write("pipelint: error: the language server needs pygls 2, which is not installed; "
                         f"install it with: {INSTALL}\n")
        return 2
    from linter.server.lsp import serve

    return serve()
