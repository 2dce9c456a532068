"""Acme's team rules for pipelint.

pipelint imports this module through the `pipelint.rules` entry point (pyproject.toml) and
registers every `Rule` among its globals. A rule is a function decorated with
`linter.rule.rule`: the decorator's arguments and the docstring are its documentation
(`pipelint rule ACM001`, `pipelint rules`, SARIF), `bad` must fire and `good` must not.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterator

from linter.rule import Context, Finding, rule

DOCS = "https://github.com/acme/pipelint-acme-rules#acm001"   # where SARIF's helpUri points


@rule(id="ACM001", name="buildspec-shell-not-allowed", category="practice", severity="warning",
      kinds=("buildspec",),
      summary="a buildspec that does not set env.shell to one of the team's shells (bash by default)",
      fix="set `env.shell: bash` (or another shell the `shells` option allows)",
      bad="""
          version: 0.2
          phases:
            build:
              commands: [make]""",
      good="""
          version: 0.2
          env:
            shell: bash
          phases:
            build:
              commands: [make]""",
      options={"shells": ["bash"]})
def buildspec_shell_not_allowed(ctx: Context) -> Iterator[Finding]:
    """Without `env.shell` the commands run in the image's default shell, which CodeBuild
    documents only as the Shell Command Language (sh): `[[ ]]`, arrays and
    `set -o pipefail` may break, or pass silently, when a build moves to another image.
    Acme's build scripts are written for bash, so every buildspec names its shell. The
    allowed shells are an option, set per repository:
    `[tool.pipelint.rules.ACM001] shells = ["bash", "/bin/bash"]`."""
    allowed = ctx.options.get("shells", ["bash"])
    if isinstance(allowed, str):
        allowed = [allowed]
    root = ctx.root
    if root is None or not root.is_map:
        return
    env = root.get("env")
    shell = env.get("shell") if env is not None and env.is_map else None
    wanted = " or ".join(f"'{s}'" for s in allowed)
    if shell is None:
        where = root.key_node("env") if env is not None else root.key_node("version")
        yield ctx.report(where, f"env.shell is not set: the commands run in the image's default shell; "
                                f"this repository's buildspecs use {wanted}")
    elif shell.data not in allowed:
        yield ctx.report(shell, f"shell '{shell.data}' is not allowed here; use {wanted}")


# the rule's own documentation page (without it, helpUri points at pipelint's rules page)
buildspec_shell_not_allowed = replace(buildspec_shell_not_allowed, url=DOCS)
