"""Buildspec rules (BS): CodeBuild's build specification, versions 0.1 and 0.2.

BS0xx are reported from schemas/buildspec.schema.json; BS1xx are what a schema cannot say.
Facts: shared/specs/buildspec.md (the CodeBuild User Guide's build-spec-ref).
"""

from __future__ import annotations

import re
from typing import Iterator

from linter.document import Document, Node
from linter.rule import Context, Embedded, Finding, declare, rule
from linter.rules.intrinsics import resources_of
from linter.schema_findings import SchemaBinding

KIND = ("buildspec",)
PHASES = ("install", "pre_build", "build", "post_build")

SCHEMAS = [SchemaBinding(kind="buildspec", schema="buildspec.schema.json", unknown="BS001",
                         required="BS003", type="BS004", value="BS005")]

# -- reported from the schema --------------------------------------------------------------

UNKNOWN_KEY = declare(
    id="BS001", name="buildspec-unknown-key", category="schema", severity="warning", kinds=KIND,
    autofix="safe", autofix_does="renames a misspelt key to the key it resembles, when its value fits that key",
    summary="a key CodeBuild does not know (often a misspelling)",
    rationale="""
        CodeBuild documents a fixed set of keys at every level of a buildspec. A key outside
        it is at best ignored: a misspelt `discard_paths` or `secondary_artifacts` silently
        does nothing. The message offers the nearest known key.""",
    fix="rename the key to the one suggested, or remove it",
    bad="""
        version: 0.2
        phases:
          build:
            commands: [make]
        artifacts:
          files: ['**/*']
          discard_paths: yes""",
    good="""
        version: 0.2
        phases:
          build:
            commands: [make]
        artifacts:
          files: ['**/*']
          discard-paths: yes""")

UNKNOWN_PHASE = declare(
    id="BS002", name="unknown-phase", category="schema", severity="error", kinds=KIND,
    autofix="safe", autofix_does="renames a phase to the phase it resembles (prebuild to pre_build)",
    summary="a phase name that is not install, pre_build, build or post_build",
    rationale="""
        Phase names are fixed and written with underscores. A phase called `prebuild`,
        `post-build` or `test` is not run: its commands never execute.""",
    fix="rename the phase to install, pre_build, build or post_build",
    bad="""
        version: 0.2
        phases:
          prebuild:
            commands: [npm ci]""",
    good="""
        version: 0.2
        phases:
          pre_build:
            commands: [npm ci]""")

MISSING_KEY = declare(
    id="BS003", name="buildspec-missing-key", category="schema", severity="error", kinds=KIND,
    summary="a required key is missing (version, a report group's files, a task's identifier...)",
    rationale="""
        CodeBuild rejects a buildspec without `version`, a report group without `files`, a
        batch task without `identifier`, a build-fanout without `parallelism`.""",
    fix="add the missing key",
    bad="""
        phases:
          build:
            commands: [make]""",
    good="""
        version: 0.2
        phases:
          build:
            commands: [make]""")

WRONG_TYPE = declare(
    id="BS004", name="buildspec-wrong-type", category="schema", severity="error", kinds=KIND,
    autofix="safe", autofix_does="quotes a value YAML reads as another type (3.10 as 3.1, yes as true)",
    summary="a value of the wrong type (a mapping where a list is expected, a number for a string)",
    rationale="""
        Most wrong types in a buildspec are YAML surprises: an unquoted command holding ': '
        becomes a mapping, `- # note` becomes an empty command, `yes` a boolean, `3.10` the
        number 3.1. CodeBuild then fails the build with YAML_FILE_ERROR, or runs something
        else than what was written.""",
    fix="quote the value or write the expected type",
    bad="""
        version: 0.2
        phases:
          build:
            commands:
              - echo Build started: now""",
    good="""
        version: 0.2
        phases:
          build:
            commands:
              - "echo Build started: now\"""")

INVALID_VALUE = declare(
    id="BS005", name="buildspec-invalid-value", category="schema", severity="error", kinds=KIND,
    summary="a value outside the allowed ones (version, cache action, counts and sizes)",
    rationale="""
        Some keys take one of a few values: `version` is 0.1 or 0.2, `cache.action` is
        restore or save, `cache.fallback-keys` holds at most five keys, a fanout's
        `parallelism` is at least 1. Anything else is rejected.""",
    fix="use one of the allowed values",
    bad="""
        version: 2
        phases:
          build:
            commands: [make]""",
    good="""
        version: 0.2
        phases:
          build:
            commands: [make]""")

ARTIFACTS_WITHOUT_FILES = declare(
    id="BS106", name="artifacts-without-files", category="schema", severity="error", kinds=KIND,
    summary="an artifacts block (or secondary artifact) without `files`",
    rationale="""
        `files` is required whenever `artifacts` is present, even when only
        `secondary-artifacts` are used; CodeBuild fails the build without it.""",
    fix="add `files:` with the paths to upload (e.g. `- '**/*'`)",
    bad="""
        version: 0.2
        phases:
          build:
            commands: [make]
        artifacts:
          base-directory: dist""",
    good="""
        version: 0.2
        phases:
          build:
            commands: [make]
        artifacts:
          base-directory: dist
          files: ['**/*']""")


# -- helpers ---------------------------------------------------------------------------------

def _map(node: Node | None, key: str) -> Node | None:
    if node is None or not node.is_map:
        return None
    value = node.get(key)
    return value if value is not None and value.is_map else None


def phases_of(ctx: Context) -> Iterator[tuple[Node, Node]]:
    """(name key node, phase node) for every phase that is a mapping."""
    phases = _map(ctx.root, "phases")
    if phases is None:
        return
    for key, value in phases.items():
        if value.is_map:
            yield key, value


def variable_maps(ctx: Context) -> Iterator[Node]:
    """Every name -> value mapping of plain environment variables, batch tasks included."""
    root = ctx.root
    env = _map(root, "env")
    for holder, key in ((env, "variables"), (_map(root, "environment_variables"), "plaintext"),
                        (env, "plaintext")):
        found = _map(holder, key)
        if found is not None:
            yield found
    batch = _map(root, "batch")
    if batch is None:
        return
    for list_key in ("build-list", "build-graph"):
        tasks = batch.get(list_key)
        for task in tasks.value if tasks is not None and tasks.is_seq else ():
            found = _map(_map(task, "env"), "variables")
            if found is not None:
                yield found


def _version(ctx: Context) -> str | None:
    node = ctx.root.get("version") if ctx.root is not None and ctx.root.is_map else None
    return None if node is None else str(node.data)


# -- rules -----------------------------------------------------------------------------------

@rule(id="BS101", name="runtime-versions-outside-install", category="schema", severity="error",
      kinds=KIND, summary="runtime-versions in a phase other than install",
      fix="move runtime-versions under phases.install",
      bad="""
          version: 0.2
          phases:
            build:
              runtime-versions:
                python: "3.12"
              commands: [make]""",
      good="""
          version: 0.2
          phases:
            install:
              runtime-versions:
                python: "3.12"
            build:
              commands: [make]""")
def runtime_versions_outside_install(ctx: Context) -> Iterator[Finding]:
    """`runtime-versions` is read only in the install phase; CodeBuild rejects the buildspec
    (YAML_FILE_ERROR) when another phase holds it."""
    for name, phase in phases_of(ctx):
        if name.data != "install" and "runtime-versions" in phase:
            yield ctx.report(phase.key_node("runtime-versions"),
                             f"runtime-versions is only allowed in the install phase, not in {name.data}")


@rule(id="BS102", name="deprecated-version", category="practice", severity="warning", kinds=KIND,
      summary="buildspec version 0.1",
      fix="use version: 0.2 (commands then share one shell: check cd and export uses)",
      bad="""
          version: 0.1
          phases:
            build:
              commands: [make]""",
      good="""
          version: 0.2
          phases:
            build:
              commands: [make]""")
def deprecated_version(ctx: Context) -> Iterator[Finding]:
    """Version 0.1 runs each command in its own shell, so `cd` and `export` do not carry to
    the next command, a classic source of confusing builds. AWS recommends 0.2."""
    if _version(ctx) == "0.1":
        yield ctx.report(ctx.root.get("version"),
                         "buildspec version 0.1 is deprecated: each command runs in a separate shell")


@rule(id="BS103", name="missing-phases", category="schema", severity="error", kinds=KIND,
      summary="a buildspec with neither phases nor batch",
      fix="add a phases section (or a batch section for a batch build)",
      bad="""
          version: 0.2
          env:
            variables:
              STAGE: dev""",
      good="""
          version: 0.2
          phases:
            build:
              commands: [make]""")
def missing_phases(ctx: Context) -> Iterator[Finding]:
    """`phases` is the required sequence of a buildspec: without it (and without `batch`,
    which delegates to other buildspecs) the build has nothing to run."""
    root = ctx.root
    if root is not None and root.is_map and "phases" not in root and "batch" not in root:
        yield ctx.report(root, "the buildspec has no phases section (and no batch section)")


@rule(id="BS104", name="phase-without-commands", category="schema", severity="error", kinds=KIND,
      summary="a pre_build, build or post_build phase without `commands`",
      fix="add `commands:` with the phase's commands, or remove the phase",
      bad="""
          version: 0.2
          phases:
            build:
              finally: [echo done]""",
      good="""
          version: 0.2
          phases:
            build:
              commands: [make]
              finally: [echo done]""")
def phase_without_commands(ctx: Context) -> Iterator[Finding]:
    """`commands` is required in pre_build, build and post_build (optional only in install)."""
    from linter.suggest import did_you_mean

    for name, phase in phases_of(ctx):
        if name.data in ("pre_build", "build", "post_build") and "commands" not in phase:
            if any(did_you_mean(str(k.data), ["commands"]) for k, _ in phase.items()):
                continue  # a misspelt `command:` is reported once, as an unknown key
            yield ctx.report(name, f"the {name.data} phase has no commands key")


@rule(id="BS105", name="empty-value", category="practice", severity="info", kinds=KIND,
      summary="a phase, command, command list or file list that is empty",
      fix="add the commands the phase should run, or remove it",
      bad="""
          version: 0.2
          phases:
            build:
              commands: [make]
            post_build:
              commands:""",
      good="""
          version: 0.2
          phases:
            build:
              commands: [make]""")
def empty_commands(ctx: Context) -> Iterator[Finding]:
    """An empty phase, `commands:` or file list runs or matches nothing; it is usually a
    leftover of an edit, or items that were commented out. `- # note` is not a comment
    line but an empty command: YAML reads the item as null. An empty `artifacts.files` is
    a warning: CodeBuild then finds no artifact to upload."""
    root = ctx.root
    phases = _map(root, "phases")
    for name, phase in phases.items() if phases is not None else ():
        if phase.is_scalar and phase.data is None:
            yield ctx.report(name, f"the {name.data} phase is empty")
            continue
        if not phase.is_map:
            continue
        for key in ("commands", "finally"):
            value = phase.get(key)
            if value is not None and value.data in (None, []):
                yield ctx.report(phase.key_node(key), f"{name.data}.{key} is empty")
            for i, item in enumerate(value.value if value is not None and value.is_seq else ()):
                if item.is_scalar and item.data is None:
                    yield ctx.report(item, f"command {i + 1} of {name.data}.{key} is empty: a comment "
                                           "after '- ' does not comment the item out",
                                     fix="remove the '-' line, or put the '#' before the '-'")
    artifacts = _map(root, "artifacts")
    blocks = [("artifacts", artifacts)]
    secondary = _map(artifacts, "secondary-artifacts")
    blocks += [(f"secondary artifact {k.data}", v) for k, v in secondary.items()] if secondary else []
    for label, block in blocks:
        files = block.get("files") if block is not None and block.is_map else None
        if files is not None and files.data in (None, []):
            yield ctx.report(block.key_node("files"), f"{label} files is empty: no artifact will be uploaded",
                             severity="warning", fix="list the files to upload, or remove the artifacts block")
    holders = [("cache", _map(root, "cache"), "paths")]
    reports = _map(root, "reports")
    holders += [(f"report group {k.data}", v, "files") for k, v in reports.items()] if reports else []
    for label, holder, key in holders:
        value = holder.get(key) if holder is not None and holder.is_map else None
        if value is not None and value.data in (None, []):
            yield ctx.report(holder.key_node(key), f"{label} {key} is empty",
                             fix=f"list the {key}, or remove the key")


_NUMERIC_HINT = re.compile(r"^\d+(\.\d+)*$")


@rule(id="BS107", name="numeric-runtime-version", category="practice", severity="info", kinds=KIND,
      autofix="safe", autofix_does="quotes the runtime version",
      summary="an unquoted runtime version that YAML reads as a different number",
      fix="quote the version",
      bad="""
          version: 0.2
          phases:
            install:
              runtime-versions:
                python: 3.10""",
      good="""
          version: 0.2
          phases:
            install:
              runtime-versions:
                python: "3.10\"""")
def numeric_runtime_version(ctx: Context) -> Iterator[Finding]:
    """A YAML 1.1 reader turns `python: 3.10` into the number 3.1 and `golang: 1.20` into
    1.2. AWS's own tables write these unquoted and CodeBuild's reading is not documented,
    so this is a hint: quoting says exactly what is meant to every reader."""
    install = _map(_map(ctx.root, "phases"), "install")
    versions = _map(install, "runtime-versions")
    for key, value in versions.items() if versions is not None else ():
        if not value.is_plain_scalar or not isinstance(value.data, float):
            continue
        raw = ctx.source(value).strip()
        if _NUMERIC_HINT.match(raw) and raw != repr(value.data):
            yield ctx.report(value, f"runtime version {raw} of {key.data} is read by YAML as "
                                    f"the number {value.data!r}",
                             fix=f'write "{raw}"', edits=[ctx.replace_value(value, raw)])


@rule(id="BS108", name="wrong-version-keys", category="schema", severity="warning", kinds=KIND,
      summary="an environment key spelt for the other buildspec version",
      fix="use env/variables in 0.2, environment_variables/plaintext in 0.1",
      bad="""
          version: 0.2
          environment_variables:
            plaintext:
              STAGE: dev
          phases:
            build:
              commands: [make]""",
      good="""
          version: 0.2
          env:
            variables:
              STAGE: dev
          phases:
            build:
              commands: [make]""")
def wrong_version_keys(ctx: Context) -> Iterator[Finding]:
    """Version 0.2 renamed `environment_variables` to `env` and `plaintext` to `variables`.
    Whether CodeBuild rejects or ignores the other version's spelling is not documented;
    either way the variables may not be what the build sees."""
    version = _version(ctx)
    root = ctx.root
    if root is None or not root.is_map:
        return
    if version == "0.2":
        if "environment_variables" in root:
            yield ctx.report(root.key_node("environment_variables"),
                             "environment_variables is the version 0.1 name; version 0.2 uses env",
                             fix="rename to env (and plaintext to variables)")
        env = _map(root, "env")
        if env is not None and "plaintext" in env:
            yield ctx.report(env.key_node("plaintext"),
                             "plaintext is the version 0.1 name; version 0.2 uses variables",
                             fix="rename to variables")
    elif version == "0.1":
        env = _map(root, "env")
        if env is not None:
            yield ctx.report(root.key_node("env"), "env is the version 0.2 name; version 0.1 uses "
                             "environment_variables", fix="use version: 0.2")


@rule(id="BS109", name="deprecated-artifacts-type", category="practice", severity="warning",
      kinds=KIND, summary="artifacts.type in a version 0.2 buildspec",
      fix="remove artifacts.type: the project's artifact settings decide the packaging",
      bad="""
          version: 0.2
          phases:
            build:
              commands: [make]
          artifacts:
            type: zip
            files: [app.zip]""",
      good="""
          version: 0.2
          phases:
            build:
              commands: [make]
          artifacts:
            files: [app.zip]""")
def deprecated_artifacts_type(ctx: Context) -> Iterator[Finding]:
    """`artifacts.type` belongs to version 0.1 and is deprecated in 0.2."""
    artifacts = _map(ctx.root, "artifacts")
    if _version(ctx) == "0.2" and artifacts is not None and "type" in artifacts:
        yield ctx.report(artifacts.key_node("type"), "artifacts.type is deprecated in version 0.2")


@rule(id="BS110", name="reserved-variable-name", category="schema", severity="error", kinds=KIND,
      summary="an AWS_ variable exported (error), or a CODEBUILD_ variable defined (warning)",
      fix="rename the variable (CODEBUILD_ and, for exports, AWS_ prefixes are reserved)",
      bad="""
          version: 0.2
          env:
            variables:
              CODEBUILD_STAGE: dev
          phases:
            build:
              commands: [make]""",
      good="""
          version: 0.2
          env:
            variables:
              STAGE: dev
          phases:
            build:
              commands: [make]""")
def reserved_variable_name(ctx: Context) -> Iterator[Finding]:
    """Variables starting with AWS_ cannot be exported to CodePipeline. Names starting with
    CODEBUILD_ are reserved for CodeBuild's own variables: defining one is documented as
    not to be done, though builds that do it run (hence a warning)."""
    env = _map(ctx.root, "env")
    holders = list(variable_maps(ctx)) + [m for m in (_map(env, "parameter-store"),
                                                       _map(env, "secrets-manager")) if m is not None]
    for holder in holders:
        for key, _ in holder.items():
            if isinstance(key.data, str) and key.data.upper().startswith("CODEBUILD_"):
                yield ctx.report(key, f"{key.data}: names starting with CODEBUILD_ are reserved for CodeBuild, "
                                      "which may overwrite the value", severity="warning")
    exported = env.get("exported-variables") if env is not None else None
    for item in exported.value if exported is not None and exported.is_seq else ():
        if isinstance(item.data, str) and item.data.upper().startswith("AWS_"):
            yield ctx.report(item, f"{item.data}: variables starting with AWS_ cannot be exported")


_ON_FAILURE = re.compile(r"^(ABORT|CONTINUE|RETRY)(-(.*))?$", re.IGNORECASE | re.DOTALL)


@rule(id="BS111", name="invalid-on-failure", category="schema", severity="error", kinds=KIND,
      summary="an on-failure value other than ABORT, CONTINUE or a RETRY form",
      fix="use ABORT, CONTINUE, RETRY, RETRY-<count>, RETRY-<regex> or RETRY-<count>-<regex>",
      bad="""
          version: 0.2
          phases:
            build:
              on-failure: STOP
              commands: [make]""",
      good="""
          version: 0.2
          phases:
            build:
              on-failure: ABORT
              commands: [make]""")
def invalid_on_failure(ctx: Context) -> Iterator[Finding]:
    """`on-failure` takes ABORT, CONTINUE, RETRY (three retries), RETRY-<count> (0 to 100),
    RETRY-<regex> or RETRY-<count>-<regex>. The documentation's own examples write
    `Retry-...`, so the keyword's case is a warning only."""
    for name, phase in phases_of(ctx):
        node = phase.get("on-failure")
        if node is None or not isinstance(node.data, str):
            continue
        value = node.data.strip()
        m = _ON_FAILURE.match(value)
        if not m:
            yield ctx.report(node, f"invalid on-failure value '{value}' in {name.data}: expected ABORT, "
                                   "CONTINUE or RETRY[-<count>][-<regex>]")
            continue
        keyword, rest = m.group(1), m.group(3)
        if keyword.upper() != "RETRY" and m.group(2):
            yield ctx.report(node, f"invalid on-failure value '{value}': only RETRY takes a suffix")
            continue
        if rest is not None and keyword.upper() == "RETRY":
            count_m = re.match(r"^(\d+)(?:-(.*))?$", rest, re.DOTALL)
            regex = rest
            if count_m:
                count, regex = int(count_m.group(1)), count_m.group(2)
                if count > 100:
                    yield ctx.report(node, f"on-failure retries {count} times; the most is 100")
            if regex:
                try:
                    re.compile(regex)
                except re.error as exc:
                    yield ctx.report(node, f"the RETRY error pattern '{regex}' is not a valid regular "
                                           f"expression: {exc}")
        if keyword != keyword.upper():
            yield ctx.report(node, f"on-failure keyword '{keyword}' is documented in upper case",
                             severity="warning", fix=f"write {keyword.upper()}")


@rule(id="BS112", name="invalid-secrets-manager-reference", category="reference", severity="error",
      kinds=KIND, summary="a secrets-manager reference with both a version stage and a version id, "
      "or no secret id",
      fix="write <secret-id>[:<json-key>[:<version-stage>|:<version-id>]]",
      bad="""
          version: 0.2
          env:
            secrets-manager:
              DB_PASSWORD: prod/db:password:AWSCURRENT:3c1e9b7a-5d2f-4a8e-9f60-0d3f1e2a4b5c
          phases:
            build:
              commands: [make]""",
      good="""
          version: 0.2
          env:
            secrets-manager:
              DB_PASSWORD: prod/db:password:AWSCURRENT
          phases:
            build:
              commands: [make]""")
def invalid_secrets_manager_reference(ctx: Context) -> Iterator[Finding]:
    """A reference is `secret-id[:json-key[:version-stage[:version-id]]]`; the version stage
    and the version id are alternatives, and the secret id (a name, or a full ARN, which
    itself holds seven colon-separated parts) is required."""
    refs = _map(_map(ctx.root, "env"), "secrets-manager")
    for key, value in refs.items() if refs is not None else ():
        if not isinstance(value.data, str):
            continue
        text = value.data.strip()
        if text.startswith("$") or "{" in text:
            continue
        parts = text.split(":")
        if text.startswith("arn:"):
            secret_id, rest = ":".join(parts[:7]), parts[7:]
        else:
            secret_id, rest = parts[0], parts[1:]
        if not secret_id:
            yield ctx.report(value, f"the secrets-manager reference of {key.data} has no secret id")
        elif len(rest) > 3:
            yield ctx.report(value, f"the secrets-manager reference of {key.data} has too many ':' parts")
        elif len(rest) == 3 and rest[1] and rest[2]:
            yield ctx.report(value, f"the secrets-manager reference of {key.data} gives both a version "
                                    "stage and a version id; use one of them")


@rule(id="BS113", name="cache-settings", category="practice", severity="warning", kinds=KIND,
      summary="cache fallback-keys without key, or a cache without paths",
      fix="add cache.key (fallback-keys are ignored without it) and cache.paths",
      bad="""
          version: 0.2
          phases:
            build:
              commands: [npm ci]
          cache:
            fallback-keys: [npm-]
            paths: ['/root/.npm/**/*']""",
      good="""
          version: 0.2
          phases:
            build:
              commands: [npm ci]
          cache:
            key: npm-$(codebuild-hash-files package-lock.json)
            fallback-keys: [npm-]
            paths: ['/root/.npm/**/*']""")
def cache_settings(ctx: Context) -> Iterator[Finding]:
    """`fallback-keys` are ignored when `key` is absent; without `paths` CodeBuild only
    caches common dependency folders on a best-effort basis."""
    cache = _map(ctx.root, "cache")
    if cache is None:
        return
    if "fallback-keys" in cache and "key" not in cache:
        yield ctx.report(cache.key_node("fallback-keys"), "cache.fallback-keys is ignored without cache.key")
    if "paths" not in cache:
        yield ctx.report(ctx.root.key_node("cache"), "the cache section has no paths",
                         fix="list the folders to cache under cache.paths")


REPORT_FORMATS = ("CUCUMBERJSON", "JUNITXML", "NUNITXML", "NUNIT3XML", "TESTNGXML", "VISUALSTUDIOTRX",
                  "CLOVERXML", "COBERTURAXML", "JACOCOXML", "SIMPLECOV")


@rule(id="BS114", name="invalid-reports", category="schema", severity="error", kinds=KIND,
      summary="more than five report groups, or an unknown report file-format",
      fix="keep at most five report groups; use a documented file-format",
      bad="""
          version: 0.2
          phases:
            build:
              commands: [pytest --junitxml=out.xml]
          reports:
            tests:
              files: [out.xml]
              file-format: JUNIT""",
      good="""
          version: 0.2
          phases:
            build:
              commands: [pytest --junitxml=out.xml]
          reports:
            tests:
              files: [out.xml]
              file-format: JUNITXML""")
def invalid_reports(ctx: Context) -> Iterator[Finding]:
    """A project may have at most five report groups, and `file-format` (case-insensitive)
    is one of CUCUMBERJSON, JUNITXML, NUNITXML, NUNIT3XML, TESTNGXML, VISUALSTUDIOTRX,
    CLOVERXML, COBERTURAXML, JACOCOXML or SIMPLECOV."""
    from linter.suggest import did_you_mean

    reports = _map(ctx.root, "reports")
    if reports is None:
        return
    groups = list(reports.items())
    if len(groups) > 5:
        yield ctx.report(groups[5][0], f"{len(groups)} report groups; a project may have at most 5")
    for name, group in groups:
        fmt = group.get("file-format") if group.is_map else None
        if fmt is None or not isinstance(fmt.data, str) or fmt.data.upper() in REPORT_FORMATS:
            continue
        guess = did_you_mean(fmt.data.upper(), REPORT_FORMATS, cutoff=0.6)
        hint = f"; did you mean {guess}?" if guess else ""
        yield ctx.report(fmt, f"unknown report file-format '{fmt.data}' in {name.data}{hint}",
                         fix=f"use {guess}" if guess else "use one of " + ", ".join(REPORT_FORMATS))


@rule(id="BS115", name="batch-graph-dependencies", category="reference", severity="error",
      kinds=KIND, summary="a batch task identifier repeated, or depend-on naming an unknown task, "
      "forming a cycle, or used outside build-graph",
      fix="give each task a unique identifier and depend only on tasks of the same build-graph",
      bad="""
          version: 0.2
          batch:
            build-graph:
              - identifier: build
              - identifier: test
                depend-on: [biuld]""",
      good="""
          version: 0.2
          batch:
            build-graph:
              - identifier: build
              - identifier: test
                depend-on: [build]""")
def batch_graph_dependencies(ctx: Context) -> Iterator[Finding]:
    """Batch tasks are addressed by `identifier`; `depend-on` is only read in a build-graph
    and must name tasks of that graph without cycles, or the batch never starts."""
    from linter.suggest import did_you_mean

    batch = _map(ctx.root, "batch")
    if batch is None:
        return
    for list_key in ("build-list", "build-graph"):
        tasks_node = batch.get(list_key)
        if tasks_node is None or not tasks_node.is_seq:
            continue
        tasks = [t for t in tasks_node.value if t.is_map]
        ids: dict[str, Node] = {}
        for task in tasks:
            ident = task.get("identifier")
            if ident is None or not isinstance(ident.data, (str, int)):
                continue
            if str(ident.data) in ids:
                yield ctx.report(ident, f"batch task identifier '{ident.data}' is used twice "
                                        f"(first on line {ids[str(ident.data)].line})")
            else:
                ids[str(ident.data)] = ident
        edges: dict[str, list[str]] = {}
        for task in tasks:
            depend = task.get("depend-on")
            if depend is None:
                continue
            if list_key != "build-graph":
                yield ctx.report(task.key_node("depend-on"), "depend-on is only read in a build-graph; "
                                 "build-list tasks all run in parallel")
                continue
            ident = task.get("identifier")
            own = str(ident.data) if ident is not None else ""
            for dep in depend.value if depend.is_seq else [depend]:
                name = str(dep.data)
                if name not in ids:
                    guess = did_you_mean(name, list(ids))
                    hint = f"; did you mean '{guess}'?" if guess else ""
                    yield ctx.report(dep, f"depend-on names '{name}', which is no task of this "
                                          f"build-graph{hint}")
                else:
                    edges.setdefault(own, []).append(name)
        cycle = _find_cycle(edges)
        if cycle:
            yield ctx.report(ids[cycle[0]], "the build-graph depends on itself in a cycle: "
                             + " -> ".join(cycle + [cycle[0]]))


def _find_cycle(edges: dict[str, list[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in edges.get(node, ()):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):]
            if state.get(nxt) is None:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if state.get(start) is None:
            found = visit(start)
            if found:
                return found
    return None


@rule(id="BS116", name="path-not-expanded", category="practice", severity="warning", kinds=KIND,
      summary="PATH set in env.variables with $PATH in its value",
      fix="extend PATH in a command instead: export PATH=\"$PATH:/opt/tool/bin\"",
      bad="""
          version: 0.2
          env:
            variables:
              PATH: $PATH:/opt/tool/bin
          phases:
            build:
              commands: [tool build]""",
      good="""
          version: 0.2
          phases:
            install:
              commands: ['export PATH="$PATH:/opt/tool/bin"']
            build:
              commands: [tool build]""")
def path_not_expanded(ctx: Context) -> Iterator[Finding]:
    """Variables in `env.variables` are set literally: `$PATH:/x` is not expanded, so PATH
    becomes the text `$PATH:/x` and every command lookup fails."""
    for holder in variable_maps(ctx):
        value = holder.get("PATH")
        if value is not None and isinstance(value.data, str) and "$" in value.data:
            yield ctx.report(value, "PATH is set literally here: '$' is not expanded in env.variables, "
                                    "so the build loses its PATH")


WINDOWS_SHELLS = ("powershell.exe", "cmd.exe")
SHELLS = ("bash", "/bin/sh", "sh", "/bin/bash", "powershell.exe", "cmd.exe", "pwsh", "pwsh.exe",
          "powershell")


@rule(id="BS117", name="unknown-shell", category="schema", severity="warning", kinds=KIND,
      summary="env.shell other than bash, /bin/sh, powershell.exe or cmd.exe",
      fix="use bash or /bin/sh on Linux, powershell.exe or cmd.exe on Windows",
      bad="""
          version: 0.2
          env:
            shell: zsh
          phases:
            build:
              commands: [make]""",
      good="""
          version: 0.2
          env:
            shell: bash
          phases:
            build:
              commands: [make]""")
def unknown_shell(ctx: Context) -> Iterator[Finding]:
    """CodeBuild documents bash and /bin/sh for Linux images, powershell.exe and cmd.exe
    for Windows images."""
    env = _map(ctx.root, "env")
    shell = env.get("shell") if env is not None else None
    if shell is not None and isinstance(shell.data, str) and shell.data.strip().lower() not in SHELLS:
        yield ctx.report(shell, f"shell '{shell.data}' is not one CodeBuild documents")


@rule(id="BS118", name="run-as-on-windows", category="practice", severity="warning", kinds=KIND,
      summary="run-as used with a Windows shell",
      fix="remove run-as: it applies to Linux images only",
      bad="""
          version: 0.2
          run-as: builder
          env:
            shell: powershell.exe
          phases:
            build:
              commands: [dotnet build]""",
      good="""
          version: 0.2
          env:
            shell: powershell.exe
          phases:
            build:
              commands: [dotnet build]""")
def run_as_on_windows(ctx: Context) -> Iterator[Finding]:
    """`run-as` names a Linux user; a buildspec written for a Windows shell cannot use it."""
    env = _map(ctx.root, "env")
    shell = env.get("shell") if env is not None else None
    if shell is None or str(shell.data).strip().lower() not in WINDOWS_SHELLS:
        return
    if "run-as" in ctx.root:
        yield ctx.report(ctx.root.key_node("run-as"), "run-as applies to Linux only; this buildspec "
                         f"uses {shell.data}")
    for name, phase in phases_of(ctx):
        if "run-as" in phase:
            yield ctx.report(phase.key_node("run-as"), f"run-as in {name.data} applies to Linux only")


@rule(id="BS119", name="multiple-batch-types", category="schema", severity="warning", kinds=KIND,
      summary="more than one of build-list, build-graph, build-matrix and build-fanout",
      fix="keep one batch type",
      bad="""
          version: 0.2
          batch:
            build-list:
              - identifier: a
            build-graph:
              - identifier: b""",
      good="""
          version: 0.2
          batch:
            build-graph:
              - identifier: a
              - identifier: b
                depend-on: [a]""")
def multiple_batch_types(ctx: Context) -> Iterator[Finding]:
    """A batch build has one type: a list, a graph, a matrix or a fanout. With several, the
    documentation does not say which one CodeBuild uses."""
    batch = _map(ctx.root, "batch")
    if batch is None:
        return
    kinds = [k for k, _ in batch.items() if k.data in ("build-list", "build-graph", "build-matrix",
                                                          "build-fanout")]
    for extra in kinds[1:]:
        yield ctx.report(extra, f"the batch already has {kinds[0].data}; a batch build has one type")


_COMMAND_WORDS = frozenset("""
    echo printf npm npx yarn pnpm node pip pip3 python python3 pytest aws sam cdk terraform docker
    cd export mkdir cp mv rm ls cat make go mvn gradle ./gradlew ./mvnw sh bash source git curl wget
    chmod chown zip unzip tar sed awk grep apt-get apt yum dnf apk kubectl helm dotnet java composer
    php bundle ruby gem cargo rustc sudo if for while set unset test touch find xargs jq envsubst
""".split())
_KEY_LIKE = re.compile(r"[A-Za-z][\w.-]*:(?!//)(?:\S|$)")
_CONTINUES = ("\\", "|", "&&", "||", ",", "(", "{", "[", "-")


def _file_lists(ctx: Context) -> Iterator[tuple[str, Node]]:
    root = ctx.root
    artifacts = _map(root, "artifacts")
    holders = [("artifacts.files", _map(root, "artifacts"))]
    secondary = _map(artifacts, "secondary-artifacts")
    holders += [(f"secondary artifact {k.data}", v) for k, v in secondary.items()] if secondary else []
    reports = _map(root, "reports")
    holders += [(f"report {k.data}", v) for k, v in reports.items()] if reports else []
    for label, holder in holders:
        files = holder.get("files") if holder is not None and holder.is_map else None
        if files is not None and files.is_seq:
            yield label, files
    cache = _map(root, "cache")
    paths = cache.get("paths") if cache is not None else None
    if paths is not None and paths.is_seq:
        yield "cache.paths", paths


@rule(id="BS121", name="folded-list-item", category="schema", severity="warning", kinds=KIND,
      summary="a command or file-list item that runs on into the next line, which YAML joins with a space",
      fix="start the next line with '- ' (its own item), indent a key under its parent, or use '|' for one multi-line command",
      bad="""
          version: 0.2
          phases:
            build:
              commands:
                - echo building
                  npm run build
          artifacts:
            files:
              - security-report.json
                base-directory:build""",
      good="""
          version: 0.2
          phases:
            build:
              commands:
                - echo building
                - npm run build
          artifacts:
            files:
              - security-report.json
            base-directory: build""")
def folded_list_item(ctx: Context) -> Iterator[Finding]:
    """A plain (unquoted) YAML scalar may run over several lines: YAML joins them with a
    single space. In a `commands` list a forgotten `- ` turns two commands into one
    (`echo building npm run build` prints a line and builds nothing); in a `files` list a
    misindented `base-directory:build` becomes part of the file name, and base-directory is
    never set. Wrapping a long command's arguments onto the next line is left alone; what is
    reported is a next line that starts a command of its own, looks like a key, or continues
    a file name (which never holds a space)."""
    items: list[tuple[str, Node]] = []
    for name, phase in phases_of(ctx):
        for key in ("commands", "finally"):
            commands = phase.get(key)
            items += [("command", n) for n in commands.value] if commands is not None and commands.is_seq else []
    for label, files in _file_lists(ctx):
        items += [(label, n) for n in files.value]
    lines = ctx.doc.lines
    for what, node in items:
        if not node.is_plain_scalar or not isinstance(node.data, str) or node.end_line <= node.line:
            continue
        first = lines.line_text(node.line)[node.column - 1:].rstrip()
        nxt = lines.line_text(node.line + 1)
        rest = nxt.strip()
        if not rest or rest.startswith("#"):
            continue
        word = rest.split()[0]
        key_like = bool(_KEY_LIKE.match(rest))
        if what == "command" and not key_like and (word not in _COMMAND_WORDS or first.endswith(_CONTINUES)):
            continue  # a long command wrapped on purpose
        if key_like:
            fix = f"write '{rest.split(':', 1)[0]}: {rest.split(':', 1)[1].strip()}' at its parent's indentation" \
                if what != "command" else "start the line with '- ' to make it its own command"
        elif what == "command":
            fix = "start the line with '- ' to make it its own command, or use '|' for one multi-line command"
        else:
            fix = "start the line with '- ' to make it its own file pattern"
        col = len(nxt) - len(nxt.lstrip()) + 1
        joined = node.data if len(node.data) <= 80 else node.data[:77] + "..."
        yield ctx.report(node, f"line {node.line + 1} continues the {what if what == 'command' else 'item of ' + what} "
                               f"above: YAML joins them into one, '{joined}'", fix=fix,
                         span=(node.line + 1, col, node.line + 1, col + len(rest)))


def inline_buildspecs(doc: Document) -> Iterator[Embedded]:
    """A CodeBuild project whose Source.BuildSpec is the buildspec itself, written inline in
    the template (a string with line breaks; a path or an S3 ARN has none), is linted with
    every buildspec rule; its image tells BS120 which runtimes the project offers."""
    if doc.kind != "cloudformation":
        return
    for _, props in resources_of(doc.root, "AWS::CodeBuild::Project"):
        source = props.get("Source")
        node = source.get("BuildSpec") if source is not None and source.is_map else None
        if node is None or not node.is_scalar or not isinstance(node.data, str) or "\n" not in node.data.strip():
            continue
        env = props.get("Environment")
        image = env.get("Image") if env is not None and env.is_map else None
        context = {"codebuild-image": image.data} if image is not None and isinstance(image.data, str) else {}
        yield Embedded(node, "buildspec", "inline buildspec", context)


EMBEDDED_DOCUMENTS = [inline_buildspecs]


# -- exports: what a buildspec offers the project pass (linter/project.py) --------------------

_WRITES = re.compile(r"(?:(?<![0-9&>])>>?|\btee\s+(?:-a\s+)?|--output-template-file[= ]\s*|--output-template[= ]\s*)"
                     r"\s*(\"[^\"]+\"|'[^']+'|[^\s;|&<>()]+)")
_NAME_FIELD = re.compile(r'"name"\s*:\s*"([^"]+)"')
_COPY = re.compile(r"\b(?:cp|mv)\s+(?:-[a-zA-Z]+\s+)*([^\s;|&<>$]+)\s+([^\s;|&<>$]+)")
_MKDIR = re.compile(r"\bmkdir\s+([^;|&<>()]*)")


def buildspec_exports(doc: Document) -> dict:
    """Artifacts (files, base-directory, discard-paths, secondary-artifacts by identifier)
    and the files the commands write (`> file`, `tee file`, `--output-template-file file`,
    `cp`/`mv` targets with their source, `mkdir` folders as `dir` entries), with the container names an imagedefinitions.json written by `printf`/`echo` holds."""
    from linter.project_exports import item, pos

    root = doc.root

    def block(node: Node, key: Node | None) -> dict:
        files = node.get("files")
        base = node.get("base-directory")
        discard = node.get("discard-paths")
        return {"pos": pos(key or node),
                "files": [item(f) for f in (files.value if files is not None and files.is_seq else
                                            [files] if files is not None and files.is_scalar else [])],
                "base": item(base) if base is not None and base.is_scalar else None,
                "discard": discard is not None and str(discard.data).lower() in ("yes", "true")}

    out: dict = {}
    artifacts = root.get("artifacts")
    if artifacts is not None and artifacts.is_map:
        out["artifacts"] = block(artifacts, root.key_node("artifacts"))
        secondary = artifacts.get("secondary-artifacts")
        out["secondary"] = {str(k.data): block(v, k) for k, v in secondary.items() if v.is_map} \
            if secondary is not None and secondary.is_map else {}
    writes = []
    phases = root.get("phases")
    for _, phase in phases.items() if phases is not None and phases.is_map else ():
        for key in ("commands", "finally"):
            commands = phase.get(key) if phase.is_map else None
            for command in commands.value if commands is not None and commands.is_seq else ():
                if not command.is_scalar or not isinstance(command.data, str):
                    continue
                text = command.data
                for m in _WRITES.finditer(text):
                    target = m.group(1).strip("\"'")
                    if target.startswith("/dev/") or "$" in target or not target:
                        continue
                    names = sorted(set(_NAME_FIELD.findall(text.replace("\\", "")))) \
                        if target.endswith(".json") else []
                    writes.append({"path": target, "pos": pos(command), "names": [n for n in names if "$" not in n]})
                for m in _COPY.finditer(text):  # `cp a b`: b is written, from a (b a folder: b/a's name)
                    src, dst = m.group(1), m.group(2)
                    if dst.endswith("/") or "." not in dst.rsplit("/", 1)[-1]:
                        dst = dst.rstrip("/") + "/" + src.rsplit("/", 1)[-1]
                    writes.append({"path": dst, "pos": pos(command), "names": [], "from": src})
                for m in _MKDIR.finditer(text):  # `mkdir -p out/a out/b`: a build fills these folders
                    for folder in m.group(1).split():
                        folder = folder.strip("\"'")
                        if folder and not folder.startswith("-") and "$" not in folder and "`" not in folder:
                            writes.append({"path": folder, "pos": pos(command), "names": [], "dir": True})
    out["writes"] = writes
    return out


EXPORTS = {"buildspec": buildspec_exports}
