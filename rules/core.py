"""Engine rules (PL): what the engine itself reports while reading a file."""

from __future__ import annotations

from linter.rule import declare

SYNTAX_ERROR = declare(
    id="PL001", name="syntax-error", category="syntax", severity="error",
    summary="the file is not valid YAML or JSON",
    rationale="""
        A file that does not parse is rejected by the service that reads it (CodeBuild fails
        with YAML_FILE_ERROR, CodeDeploy and CloudFormation refuse it). The message names the
        likely cause: a tab used for indentation, an unclosed or typographic quote, a value
        holding ': ' that needs quotes, a line indented out of step.""",
    fix="fix the syntax at the position shown",
    bad="""
        phases:
          build:
        \tcommands: [make]""",
    good="""
        phases:
          build:
            commands: [make]""")

DUPLICATE_KEY = declare(
    id="PL002", name="duplicate-key", category="syntax", severity="error",
    summary="a key appears twice in the same mapping",
    rationale="""
        YAML and JSON loaders keep only the last of two equal keys, silently: the first
        block (often a whole phase or an environment variable) is lost.""",
    fix="remove one of the two keys, or merge them",
    bad="""
        env:
          variables:
            STAGE: dev
            STAGE: prod""",
    good="""
        env:
          variables:
            STAGE: prod""")

UNREADABLE_FILE = declare(
    id="PL003", name="unreadable-file", category="syntax", severity="error",
    summary="the file is binary or not UTF-8 text",
    rationale="""
        AWS services read configuration as UTF-8 text. A file with undecodable bytes or NUL
        bytes cannot be parsed at all.""",
    fix="save the file as UTF-8 text")

UNKNOWN_KIND = declare(
    id="PL004", name="unknown-file-kind", category="schema", severity="info",
    summary="a file named on the command line is of no kind pipelint lints",
    rationale="""
        pipelint recognises buildspecs, appspecs, pipeline declarations, templates and IAM
        policies by name and content. A file given explicitly that is none of these is
        reported so that a mistyped path or a forgotten `--kind` does not pass unnoticed.
        Files found by walking a folder are skipped silently, and so are all files under
        `--skip-unknown` (which the pre-commit hook uses).""",
    fix="pass --kind to say what the file is, or leave the file out")

INTERNAL_ERROR = declare(
    id="PL005", name="internal-error", category="syntax", severity="error",
    summary="pipelint failed while linting this file",
    rationale="""
        A bug in pipelint or in a rule plugin. The file is named so the run can go on with
        the others; the exit status is 2. Please report it with the file.""",
    fix="report the problem to the pipelint maintainers with the file")

UNUSED_SUPPRESSION = declare(
    id="PL006", name="unused-suppression", category="practice", severity="info",
    summary="a `# pipelint: disable=` comment silences nothing",
    rationale="""
        A suppression that no longer matches a finding hides nothing today but will hide a
        new problem tomorrow. Remove it when the cause is gone.""",
    fix="remove the comment, or correct the rule id",
    bad="""
        version: 0.2  # pipelint: disable=BS102""",
    good="""
        version: 0.2""")

EMPTY_FILE = declare(
    id="PL007", name="empty-file", category="schema", severity="error",
    summary="a buildspec, appspec, pipeline or template that is empty",
    rationale="""
        An empty file (or one holding only comments) of a known kind is rejected by the
        service that reads it: CodeBuild fails with YAML_FILE_ERROR, the CodeDeploy agent
        with "the application specification file was empty".""",
    fix="write the file's content, or delete the file")

NOT_A_MAPPING = declare(
    id="PL008", name="not-a-mapping", category="schema", severity="error",
    summary="a file of a known kind whose top level is not a mapping",
    rationale="""
        Buildspecs, appspecs, pipeline declarations, templates and policies are all mappings
        of keys at their top level. A file that holds a list or a bare value (often a wrong
        indentation, or the wrong file passed with --kind) is rejected by the service.""",
    fix="write the file's keys at the top level",
    bad="""
        - version: 0.2
        - phases: {}""",
    good="""
        version: 0.2
        phases:
          build:
            commands: [make]""")

FILE_TOO_LARGE = declare(
    id="PL009", name="file-too-large", category="syntax", severity="warning",
    summary="a file over the size limit (10 MB by default), which is not parsed",
    rationale="""
        Pipeline configuration is small: CloudFormation takes templates of at most 1 MB, and
        a buildspec or appspec of several megabytes is generated or not configuration at all.
        Parsing such a file would take most of a run's time and memory, so pipelint says it
        did not check it instead of checking it slowly or silently skipping it. The limit
        is `max-file-size` in the configuration.""",
    fix="leave the file out (exclude), or raise max-file-size")

FIX_REFUSED = declare(
    id="PL010", name="fix-refused", category="syntax", severity="warning",
    summary="--fix left a file unchanged because its fixes would break it",
    rationale="""
        Every fixed file is parsed again before it is written. When the result no longer
        parses, or gains a syntax finding (a duplicate key, an unclosed quote), the file is
        left exactly as it was and this finding says which fixes were refused. Please
        report it: a fix should never do that.""",
    fix="apply the fixes by hand, as the other findings describe")

TIME_LIMIT = declare(
    id="PL011", name="time-limit", category="syntax", severity="warning",
    summary="a file whose checks ran past the time limit (60 CPU seconds by default) and were stopped",
    rationale="""
        One file must not hold up a whole run: cfn-lint has taken minutes on hostile or very
        large templates. When a file's checks run past the limit they are stopped, this
        finding says which part did not finish, and the run goes on with the other files.
        When it is cfn-lint that ran over, pipelint's own findings for the template are kept.
        The limit is `time-limit` (CPU seconds, so a busy machine does not stop a file early)
        in the configuration; 0 turns it off.""",
    fix="raise time-limit for this project, or split the template")
