"""Secrets rules (SEC): a secret written in plain text, whatever the file kind.

Detection lives in `linter.secrets` (one detector for every kind); these rules decide
where to look. A finding never shows the secret: messages carry a redacted form and the
finding is marked `secret` so reporters mask the source line too.
"""

from __future__ import annotations

from typing import Iterator

from linter.document import Node
from linter.rule import Context, Finding, rule
from linter.rules.buildspec import phases_of, variable_maps
from linter.secrets import is_reference, redact, scan_command, scan_value, secret_name


def _sm_fix(name: str) -> str:
    return (f"keep the value in AWS Secrets Manager and write under env.secrets-manager "
            f"'{name}: <secret-name>:{name}' (or under env.parameter-store "
            f"'{name}: /<path>/{name.lower()}' for a SecureString parameter)")


@rule(id="SEC001", name="plaintext-secret-variable", category="secrets", severity="error",
      kinds=("buildspec",),
      summary="a secret written as the plain value of an environment variable",
      fix="move the value to Secrets Manager or Parameter Store and reference it",
      bad="""
          version: 0.2
          env:
            variables:
              DB_PASSWORD: hunter2-prod-2024
          phases:
            build:
              commands: [make]""",
      good="""
          version: 0.2
          env:
            secrets-manager:
              DB_PASSWORD: prod/db:password
          phases:
            build:
              commands: [make]""")
def plaintext_secret_variable(ctx: Context) -> Iterator[Finding]:
    """Plain environment variables are stored with the build configuration and shown in
    the console, the API (`batch-get-builds`) and the repository's history. A variable
    whose name says it is a secret (PASSWORD, TOKEN, SECRET, API_KEY, ...) or whose value
    looks like a credential (an AWS access key, a GitHub token, a private key, a URL with a
    password) must come from Secrets Manager or Parameter Store instead, which CodeBuild
    also masks in logs. References (`$VAR`, `{{resolve:...}}`, parameter names) and
    placeholders are not flagged."""
    for holder in variable_maps(ctx):
        for key, value in holder.items():
            finding = _check_variable(ctx, key, value)
            if finding is not None:
                yield finding


def _check_variable(ctx: Context, key: Node, value: Node) -> Finding | None:
    name = str(key.data)
    data = value.data
    if isinstance(data, bool) or not isinstance(data, (str, int, float)) or not value.is_scalar:
        return None
    text = str(data)
    hit = scan_value(text) if isinstance(data, str) else None
    if hit is not None:
        return ctx.report(value, f"{name} holds {hit.description} in plain text "
                                 f"({redact(text[hit.start:hit.end])})", fix=_sm_fix(name), secret=True)
    if secret_name(name) and text.strip() and not is_reference(text.strip()) and len(text.strip()) >= 4:
        return ctx.report(value, f"{name} looks like a secret and its value is written in plain text "
                                 f"({redact(text)})", fix=_sm_fix(name), secret=True)
    return None


def _commands(ctx: Context) -> Iterator[Node]:
    for _, phase in phases_of(ctx):
        for key in ("commands", "finally"):
            items = phase.get(key)
            for item in items.value if items is not None and items.is_seq else ():
                if item.is_scalar and isinstance(item.data, str):
                    yield item


@rule(id="SEC002", name="secret-on-command-line", category="secrets", severity="error",
      kinds=("buildspec",),
      summary="a password, token or key written literally in a command",
      fix="pass the secret through a variable from Secrets Manager or Parameter Store, "
          "or on stdin (docker login --password-stdin)",
      bad="""
          version: 0.2
          phases:
            pre_build:
              commands:
                - docker login -u deploy -p Sup3rS3cretPassw0rd registry.example.com""",
      good="""
          version: 0.2
          env:
            secrets-manager:
              REGISTRY_PASSWORD: ci/registry:password
          phases:
            pre_build:
              commands:
                - echo "$REGISTRY_PASSWORD" | docker login -u deploy --password-stdin registry.example.com""")
def secret_on_command_line(ctx: Context) -> Iterator[Finding]:
    """A literal on a command line is kept in the repository, printed in the build log
    (CodeBuild echoes each command) and visible in the process list. `--password-stdin`,
    `$VAR` and `${VAR}` references and placeholders are fine."""
    for item in _commands(ctx):
        command = item.data
        for hit in scan_command(command):
            secret = command[hit.start:hit.end]
            span = span_of(ctx, item, secret)
            yield ctx.report(item, f"{hit.description} is written literally in this command "
                                   f"({redact(secret)})", secret=True, span=span)


def span_of(ctx: Context, node: Node, secret: str) -> tuple[int, int, int, int] | None:
    """The source position of `secret` inside a scalar node, when it is written as-is."""
    lines = ctx.doc.lines
    start = lines.offset(node.line, node.column)
    source = ctx.source(node)
    index = source.find(secret)
    if index < 0 or not secret:
        return None
    line, col = lines.position(start + index)
    end_line, end_col = lines.position(start + index + len(secret))
    return line, col, end_line, end_col


@rule(id="SEC003", name="exported-secret", category="secrets", severity="warning",
      kinds=("buildspec",),
      summary="a secret variable listed in env.exported-variables",
      fix="do not export secrets; export only what later actions need to read",
      bad="""
          version: 0.2
          env:
            secrets-manager:
              API_TOKEN: ci/api:token
            exported-variables: [API_TOKEN]
          phases:
            build:
              commands: [make]""",
      good="""
          version: 0.2
          env:
            secrets-manager:
              API_TOKEN: ci/api:token
            exported-variables: [BUILD_ID]
          phases:
            build:
              commands: [export BUILD_ID=$CODEBUILD_BUILD_NUMBER]""")
def exported_secret(ctx: Context) -> Iterator[Finding]:
    """Exported variables become CodePipeline output variables, visible in the pipeline's
    execution history to anyone who can read the pipeline. A variable filled from Secrets
    Manager or Parameter Store must not be exported."""
    root = ctx.root
    env = root.get("env") if root is not None and root.is_map else None
    if env is None or not env.is_map:
        return
    backed = {}
    for store in ("secrets-manager", "parameter-store"):
        holder = env.get(store)
        if holder is not None and holder.is_map:
            backed.update({str(k.data): store for k, _ in holder.items()})
    exported = env.get("exported-variables")
    for item in exported.value if exported is not None and exported.is_seq else ():
        name = str(item.data)
        if name in backed:
            yield ctx.report(item, f"{name} comes from {backed[name]} and is exported to CodePipeline, "
                                   "where its value is visible in the execution history")
