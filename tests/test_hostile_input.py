"""Runs are never lost or silently wrong: FIFOs, lone surrogates, undecodable file names,
bad output paths, huge numbers and files, cfn-lint's own crashes, unparsable files of our
kinds in a folder walk, control characters in keys and names, and the CLI's small habits
(-h, bad formats, missing paths, config-relative patterns, colour)."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import cli, lint
from linter.reporters import Report
from linter.reporters import text as text_reporter
from linter.run import Options, run
from linter.engine import Settings

BAD = "version: 0.2\nphases:\n  prebuild:\n    commands: [make]\n"


# 10 ----------------------------------------------------------------------------
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_never_blocks_the_run(workdir: Path) -> None:
    os.mkfifo(workdir / "buildspec.yml")
    (workdir / "ci").mkdir()
    (workdir / "ci" / "buildspec.yml").write_text(BAD)
    for args in (["."], ["buildspec.yml", "ci"]):
        done = subprocess.run([sys.executable, "-m", "linter", "check", *args], cwd=workdir, capture_output=True,
                              text=True, timeout=60)
        assert "not a regular file" in done.stderr and "named pipe" in done.stderr
        assert "ci/buildspec.yml:3:3: BS002" in done.stdout
        assert done.returncode == (1 if args == ["."] else 2)  # named: a problem; found in a walk: a note
    # a name that says nothing of its kind: the look at its start (workers? cfn-lint?) opens it too
    os.mkfifo(workdir / "template.yaml")
    for args in (["template.yaml"], ["--no-cache", "template.yaml"], ["-j1", "template.yaml"]):
        done = subprocess.run([sys.executable, "-m", "linter", "check", *args], cwd=workdir, capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 2 and "template.yaml: skipped: it is a named pipe (FIFO)" in done.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_in_the_repository_never_blocks_the_project_pass(workdir: Path) -> None:
    """An AppSpec named alone sends the project pass to the repository's other files (which
    pipeline packages it?): a FIFO among them, or as .gitignore, is not read."""
    (workdir / ".git").mkdir()
    os.mkfifo(workdir / ".gitignore")
    os.mkfifo(workdir / "deploy.yml")
    (workdir / "appspec.yml").write_text("version: 0.0\nos: linux\nhooks:\n  ValidateService:\n"
                                         "    - location: scripts/check.sh\n")
    done = subprocess.run([sys.executable, "-m", "linter", "check", "appspec.yml"], cwd=workdir,
                          capture_output=True, text=True, timeout=60)
    assert "Traceback" not in done.stderr and "appspec.yml" in done.stdout, done.stdout + done.stderr


# 11 ----------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_a_lone_surrogate_escape_loses_no_report(workdir: Path, capsys, fmt: str) -> None:
    (workdir / "pipeline.json").write_text('{"pipeline": {"name": "a\\ud800b", "roleArn": "x", "stages": []}}')
    code, out, _ = cli(["check", "--format", fmt, "pipeline.json"], capsys)
    assert code == 1 and "Traceback" not in out
    out.encode("utf-8")
    assert "PL001" in out and "without its other half" in out
    if fmt in ("json", "sarif"):
        json.loads(out)


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS refuses file names that are not UTF-8")
@pytest.mark.parametrize("fmt", ["json", "sarif", "text"])
def test_a_file_name_that_is_not_utf8(workdir: Path, fmt: str) -> None:
    name = b"ci-\xff"
    os.makedirs(os.path.join(os.fsencode(str(workdir)), name))
    with open(os.path.join(os.fsencode(str(workdir)), name, b"buildspec.yml"), "w") as f:
        f.write(BAD)
    done = subprocess.run([sys.executable, "-m", "linter", "check", "--format", fmt, "."], cwd=workdir,
                          capture_output=True, timeout=60)
    assert done.returncode == 1, done.stderr
    out = done.stdout.decode("utf-8")  # valid UTF-8
    if fmt == "sarif":  # a URI: the name's bytes, percent-encoded
        assert json.loads(out)["runs"][0]["results"][0]["locations"][0]["physicalLocation"][
            "artifactLocation"]["uri"] == "ci-%FF/buildspec.yml"
        return
    assert "ci-\\xff/buildspec.yml" in (json.loads(out)["findings"][0]["path"] if fmt == "json" else out)


# 12 ----------------------------------------------------------------------------
def test_output_to_a_missing_folder_or_a_folder(workdir: Path, capsys) -> None:
    (workdir / "buildspec.yml").write_text(BAD)
    code, _, err = cli(["check", "-o", "missing/report.json", "--format", "json", "."], capsys)
    assert code == 2 and "does not exist" in err and "Traceback" not in err
    code, _, err = cli(["check", "-o", ".", "."], capsys)
    assert code == 2 and "is a folder" in err


# 13 ----------------------------------------------------------------------------
def test_a_huge_json_integer_is_no_internal_error() -> None:
    findings = lint('{"version": 0.0, "os": "linux", "hooks": {"ValidateService": [{"location": "a", '
                    '"timeout": 1' + "0" * 5000 + "}]}}", path="appspec.json")
    assert findings and not [f for f in findings if f.rule == "PL005"]


@pytest.mark.parametrize("text", [
    "AWSTemplateFormatVersion: '2010-09-09'\nMetadata:\nResources:\n  B:\n    Type: AWS::S3::Bucket\n",
    "Transform: AWS::Serverless-2016-10-31\nParameters: abc\nResources:\n  F:\n    Type: AWS::Serverless::Function\n"
    "    Properties:\n      Handler: a\n      Runtime: python3.12\n      CodeUri: .\n",
])
def test_cfn_lint_crash_is_a_finding_and_the_exit_follows_the_findings(workdir: Path, capsys, text: str) -> None:
    (workdir / "template.yaml").write_text(text)
    code, out, _ = cli(["check", "template.yaml"], capsys)
    assert "CF001 warning cfn-lint could not check this template" in out and "PL005" not in out
    assert code == 1
    assert cli(["check", "--fail-on", "error", "template.yaml"], capsys)[0] in (0, 1)
    assert cli(["check", "--ignore", "CF001", "--select", "CF", "template.yaml"], capsys)[0] == 0


# 14 ----------------------------------------------------------------------------
@pytest.mark.parametrize("name,text", [
    ("pipeline.json", '{"pipeline": {"name": "p", "stages": [],}}'),
    ("template.yaml", "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties: {a: [}\n"),
    ("deploy.json", '{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {,}}'),
    ("ci.yml", "version: 0.2\nphases:\n  build:\n\tcommands: [make]\n"),
    ("release.json", '{"name": "p", "stages": [{"actions": [{"actionTypeId": {}}]}],}'),
])
def test_a_syntax_error_does_not_hide_one_of_our_files_in_a_walk(workdir: Path, capsys, name: str, text: str) -> None:
    (workdir / "sub").mkdir()
    (workdir / "sub" / name).write_text(text)
    (workdir / "sub" / "notes.json").write_text('{"not": "ours",}')
    code, out, _ = cli(["check", "."], capsys)
    assert code == 1 and f"sub/{name}:" in out and " PL001 error " in out
    assert "notes.json" not in out, "a broken file of no known kind is still skipped"


# 15 ----------------------------------------------------------------------------
def test_a_large_mapping_without_aliases_is_linted() -> None:
    text = "version: 0.2\nenv:\n  variables:\n" + "".join(f"    V{i}: x\n" for i in range(100_000)) + \
        "phases:\n  prebuild:\n    commands: [make]\n"
    rules = {f.rule for f in lint(text)}
    assert "BS002" in rules and "PL001" not in rules


def test_alias_bomb_is_still_refused_and_says_so() -> None:
    text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n" for p, c in zip("abcdefg", "bcdefgh"))
    (finding,) = lint(text, kind="buildspec")
    assert finding.rule == "PL001" and "aliases repeat more than" in finding.message


def test_a_file_over_the_size_limit_says_the_limit(workdir: Path, capsys) -> None:
    (workdir / "buildspec.yml").write_bytes(b"version: 0.2\n# " + b"x" * (11 * 1024 * 1024) + b"\n")
    code, out, _ = cli(["check", "."], capsys)
    assert "PL009 warning the file is 11.0 MB, over pipelint's limit of 10.0 MB" in out and code == 1
    (workdir / "pyproject.toml").write_text("[tool.pipelint]\nmax-file-size = 20_000_000\n")
    code, out, _ = cli(["check", "."], capsys)
    assert "PL009" not in out


# 16 ----------------------------------------------------------------------------
def test_control_characters_from_a_file_are_escaped(workdir: Path, capsys) -> None:
    (workdir / "buildspec.yml").write_text('version: 0.2\nphases:\n  "pre\\nevil.yml:1:1: BS001 error forged\\u001b[2J": {}\n'
                                        "  build:\n    commands: [make]\n")
    for fmt in ("text", "github"):
        _, out, _ = cli(["check", "--format", fmt, "."], capsys)
        assert "\x1b" not in out
        assert not [line for line in out.splitlines() if line.startswith("evil.yml")]
    report = run(Options(paths=["."]), Settings())
    stream = io.StringIO()
    text_reporter.render(report, stream, color="always")
    assert "\x1b[2J" not in stream.getvalue() and "\\x1b[2J" in stream.getvalue()


# 17 ----------------------------------------------------------------------------
def test_missing_path_and_small_cli_habits(workdir: Path, capsys) -> None:
    code, out, err = cli(["check", "missing.yml"], capsys)
    assert code == 2 and "no such file or folder" in err and "no problems" not in out + err
    assert cli(["rules", "--format", "nope"], capsys)[0] == 2
    code, out, _ = cli(["check", "-h"], capsys)
    assert code == 0 and "--fail-on" in out


# 21 ----------------------------------------------------------------------------
def test_config_patterns_are_relative_to_the_config_file(workdir: Path, capsys, monkeypatch) -> None:
    (workdir / "pyproject.toml").write_text('[tool.pipelint]\nexclude = ["vendor/"]\n'
                                         '[tool.pipelint.per-file-ignores]\n"legacy/*.yml" = ["BS002"]\n')
    (workdir / "legacy").mkdir()
    (workdir / "legacy" / "buildspec.yml").write_text(BAD)
    (workdir / "legacy" / "vendor").mkdir()
    (workdir / "vendor").mkdir()
    (workdir / "vendor" / "buildspec.yml").write_text(BAD)
    assert cli(["check", "."], capsys)[0] == 0
    monkeypatch.chdir(workdir / "legacy")
    assert cli(["check"], capsys)[0] == 0
    assert cli(["check", "buildspec.yml"], capsys)[0] == 0
    monkeypatch.chdir(workdir / "vendor")
    assert cli(["check", "."], capsys)[1] == "pipelint: no problems in 0 files\n"


# 22 ----------------------------------------------------------------------------
class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("env,choice,ansi", [
    ({}, "auto", True), ({"NO_COLOR": "1"}, "auto", False), ({"CI": "true"}, "auto", True),
    ({"NO_COLOR": "1"}, "always", True), ({}, "never", False), ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, "auto", True),
])
def test_colour_choices_never_drop_the_snippet_in_a_terminal(monkeypatch, env, choice, ansi) -> None:
    for name in ("NO_COLOR", "FORCE_COLOR", "CI", "PIPELINT_PLAIN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    report = run(Options(paths=["-"], stdin=BAD.encode(), stdin_filename="buildspec.yml"), Settings())
    stream = _Tty()
    text_reporter.render(report, stream, color=choice)
    out = stream.getvalue()
    plain = re.sub("\x1b\\[[0-9;]*m", "", out)
    assert "3 |   prebuild:" in plain and "fix:" in plain
    assert ("\x1b[" in out) == ansi


def test_forced_colour_in_a_pipe_shows_the_snippet(monkeypatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    report = Report(findings=[], files=1, rules={})
    stream = io.StringIO()
    text_reporter.render(report, stream)
    assert text_reporter.full(stream) and text_reporter.colour(stream)
    monkeypatch.delenv("FORCE_COLOR")
    assert not text_reporter.full(stream) and not text_reporter.colour(stream)


def test_gitignore_is_honoured_in_a_work_tree(workdir: Path, capsys) -> None:
    (workdir / ".git").mkdir()  # a work tree; git itself is never run
    (workdir / ".gitignore").write_text("build/\n*.generated.yml\n/top-only.yml\n!keep.generated.yml\n")
    for rel in ("build/buildspec.yml", "src/build/buildspec.yml", "ci/x.generated.yml", "ci/keep.generated.yml",
                "top-only.yml", "ci/top-only.yml", "ci/buildspec.yml", "deep/a/b/buildspec.yml"):
        (workdir / rel).parent.mkdir(parents=True, exist_ok=True)
        (workdir / rel).write_text(BAD)
    (workdir / "deep" / ".gitignore").write_text("a/b/\n")
    (workdir / ".git" / "info").mkdir()
    (workdir / ".git" / "info" / "exclude").write_text("ci/buildspec.yml\n")
    _, out, _ = cli(["check", "--kind", "buildspec", "."], capsys)
    linted = sorted({line.split(":")[0] for line in out.splitlines() if ": BS002" in line})
    assert linted == ["ci/keep.generated.yml", "ci/top-only.yml"]
    _, out, _ = cli(["check", "build/buildspec.yml"], capsys)  # named explicitly: linted
    assert "build/buildspec.yml:3:3: BS002" in out


def test_gitignore_double_star_and_classes(tmp_path: Path) -> None:
    from linter.gitignore import GitIgnore

    (tmp_path / ".gitignore").write_text("**/gen/\nvendor/**\n*.[ot]mp.yml\n\\#x.yml\n")
    ignore = GitIgnore(str(tmp_path))
    cases = {"a/b/gen": (True, True), "gen": (True, True), "gen.yml": (False, False),
             "vendor/x/buildspec.yml": (False, True), "vendorx/buildspec.yml": (False, False),
             "a.tmp.yml": (False, True), "a.omp.yml": (False, True), "a.xmp.yml": (False, False),
             "#x.yml": (False, True)}
    for rel, (is_dir, expected) in cases.items():
        assert ignore.ignored(str(tmp_path / rel), is_dir) == expected, rel
