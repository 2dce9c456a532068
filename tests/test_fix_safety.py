"""--fix and --diff never harm a file: edits in the file's own syntax, a re-parse before any
write, atomic writes that keep mode, BOM and line breaks, unwritable files reported and
the run going on, no writes through links, and patches that git and patch accept."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from helpers import CORPUS, cli as run, lint
from linter.fixes import apply_edits, fix, unified_diff
from linter.rule import Edit, Finding

ASSISTANT = CORPUS / "appspec" / \
    "aws-samples__aws-codedeploy-appspec-assistant__server-(ec2-and-onPrem)-default-appspec-template-advanced.json"
RUN_AS = CORPUS / "appspec" / "AkshaySiv__aws-devops-essentials__appspec.yaml"
BAD = "version: 0.2\nphases:\n  prebuild:\n    commands: [make]\n"
JSON_APPSPEC = """{
  "version": 0.0,
  "os": "linux",
  "files": [{"source": "app", "destination": "/opt/app"}],
  "permissions": [{"object": "/opt/app", "context": {"user": "system_u", "type": "httpd_sys_content_t"}}],
  "hooks": {"ValidateService": [{"location": "check.sh", "timeout": "10"}]}
}
"""


# -- 1. edits in the file's own syntax; a result that does not parse is never written ----

def test_json_key_rename_stays_json(workdir: Path, capsys) -> None:
    (workdir / "appspec.json").write_text(JSON_APPSPEC)
    (workdir / "check.sh").write_text("#!/bin/sh\n")
    run(["check", "--fix", "appspec.json"], capsys)
    fixed = (workdir / "appspec.json").read_text()
    data = json.loads(fixed)  # still JSON
    assert data["permissions"][0]["context"] == {"name": "system_u", "type": "httpd_sys_content_t"}
    assert data["hooks"]["ValidateService"][0]["timeout"] == 10


@pytest.mark.skipif(not ASSISTANT.exists(), reason="needs ../shared/corpus")
def test_corpus_json_appspec_fixes_to_valid_json(workdir: Path, capsys) -> None:
    shutil.copy(ASSISTANT, workdir / "appspec.json")
    run(["check", "--fix", "appspec.json"], capsys)
    json.loads((workdir / "appspec.json").read_text())


def test_yaml_rename_keeps_quoting() -> None:
    text = 'version: 0.2\nphases:\n  "prebuild":\n    commands: [make]\n'
    (finding,) = [f for f in lint(text) if f.edits]
    assert apply_edits(text, [finding])[0] == 'version: 0.2\nphases:\n  "pre_build":\n    commands: [make]\n'


def test_a_fix_that_breaks_the_file_is_refused(workdir: Path, capsys) -> None:
    (workdir / "buildspec.yml").write_text(BAD)
    import linter.rules.buildspec as pack  # a rule whose edit would break the YAML

    broken = Edit(0, 0, "\t: [")
    original = pack.deprecated_version.check

    def bad_fix(ctx):
        yield ctx.report(ctx.root, "test fix", edits=[broken])

    object.__setattr__(pack.deprecated_version, "check", bad_fix)
    try:
        code, out, err = run(["check", "--fix", "buildspec.yml"], capsys)
    finally:
        object.__setattr__(pack.deprecated_version, "check", original)
    assert (workdir / "buildspec.yml").read_text() == BAD, "the file is left untouched"
    assert "PL010 warning --fix left the file unchanged: the fixed file would not parse" in out
    assert "fixed" not in err


def test_fix_refuses_more_syntax_findings() -> None:
    text = "a: 1\nb: 2\n"
    f = Finding("x.yml", 2, 1, 2, 2, "BS001", "n", "schema", "warning", "m", edits=(Edit(5, 6, "a"),),
                applicability="safe")
    outcome = fix(text, [f], lambda new: lint(new, path="x.yml", kind="buildspec"))
    assert outcome.refused and "PL002" in outcome.refused and outcome.text == text


# -- 3. writes ---------------------------------------------------------------------

def test_fix_keeps_bom_mode_and_crlf(workdir: Path, capsys) -> None:
    path = workdir / "buildspec.yml"
    path.write_bytes(b"\xef\xbb\xbf" + BAD.replace("\n", "\r\n").encode())
    path.chmod(0o640)
    code, _, err = run(["check", "--fix", "buildspec.yml"], capsys)
    assert code == 0 and "fixed 1 problem" in err
    assert path.read_bytes() == b"\xef\xbb\xbf" + BAD.replace("prebuild", "pre_build").replace("\n", "\r\n").encode()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert not [p for p in workdir.iterdir() if p.name.endswith(".pipelint")], "no temporary file left"


def test_cr_only_file_is_fixed_once(workdir: Path, capsys) -> None:
    path = workdir / "buildspec.yml"
    path.write_bytes(BAD.replace("\n", "\r").encode())
    _, _, err = run(["check", "--fix", "buildspec.yml"], capsys)
    assert "fixed 1 problem" in err
    assert path.read_bytes() == BAD.replace("prebuild", "pre_build").replace("\n", "\r").encode()
    _, _, err = run(["check", "--fix", "buildspec.yml"], capsys)
    assert "fixed" not in err, "nothing is left to fix on the second run"


@pytest.mark.skipif(os.geteuid() == 0 and not shutil.which("chattr"), reason="root writes anywhere without chattr")
def test_unwritable_file_is_reported_and_the_run_goes_on(workdir: Path, capsys) -> None:
    (workdir / "a").mkdir()
    (workdir / "b").mkdir()
    (workdir / "a" / "buildspec.yml").write_text(BAD)
    (workdir / "b" / "buildspec.yml").write_text(BAD)
    locked = workdir / "a" / "buildspec.yml"
    immutable = False
    if os.geteuid() == 0:
        immutable = subprocess.run(["chattr", "+i", str(locked)], capture_output=True).returncode == 0
        if not immutable:
            pytest.skip("chattr +i is not supported here")
    else:
        (workdir / "a").chmod(0o555)
        locked.chmod(0o444)
    try:
        code, _, err = run(["check", "--fix", "a", "b"], capsys)
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(locked)])
        else:
            (workdir / "a").chmod(0o755)
    assert code == 2
    assert "a/buildspec.yml: cannot write the fixes" in err and "Traceback" not in err
    assert locked.read_text() == BAD
    assert (workdir / "b" / "buildspec.yml").read_text() == BAD.replace("prebuild", "pre_build")


def test_fix_does_not_write_through_a_link(workdir: Path, tmp_path_factory, capsys) -> None:
    outside = tmp_path_factory.mktemp("outside") / "buildspec.yml"
    outside.write_text(BAD)
    (workdir / "ci").mkdir()
    (workdir / "ci" / "buildspec.yml").symlink_to(outside)
    code, out, _ = run(["check", "--fix", "ci"], capsys)  # a walk: the link is not followed
    assert outside.read_text() == BAD and "0 files" in out
    code, out, err = run(["check", "--fix", "ci/buildspec.yml"], capsys)  # named: linted, never written
    assert outside.read_text() == BAD
    assert "BS002" in out and "is a symbolic link" in err


# -- 4. a rename is safe only when the value fits the new key ------------------------

def test_rename_to_a_key_the_value_does_not_fit_is_not_a_fix() -> None:
    text = ("version: 0.0\nos: linux\nhooks:\n  ApplicationStop:\n"
            "    - run: docker stop app\n      timout: 30\n      location: stop.sh\n")
    findings = {f.message.split(";")[0]: f for f in lint(text, path="appspec.yml")}
    assert not findings["unknown key 'run' in item 1 of 'ApplicationStop'"].edits
    assert findings["unknown key 'timout' in item 1 of 'ApplicationStop'"].edits  # 30 fits timeout


@pytest.mark.skipif(not RUN_AS.exists(), reason="needs ../shared/corpus")
def test_corpus_run_is_not_renamed_to_runas(workdir: Path, capsys) -> None:
    shutil.copy(RUN_AS, workdir / "appspec.yaml")
    run(["check", "--fix", "appspec.yaml"], capsys)
    assert "runas: docker" not in (workdir / "appspec.yaml").read_text()


# -- 5. --diff is a patch, and exits as a normal run does ----------------------------

def _apply(tool: list[str], folder: Path, patch: str) -> subprocess.CompletedProcess:
    return subprocess.run(tool, cwd=folder, input=patch.encode(), capture_output=True)


@pytest.mark.skipif(not shutil.which("git") or not shutil.which("patch"), reason="needs git and patch")
@pytest.mark.parametrize("ending", ["\n", ""])
def test_diff_applies_with_git_and_patch(workdir: Path, capsys, ending: str) -> None:
    text = BAD.rstrip("\n") + ending
    (workdir / "buildspec.yml").write_text(text)
    code, patch, _ = run(["check", "--diff", "buildspec.yml"], capsys)
    assert code == 1 and patch.startswith("--- a/buildspec.yml\n+++ b/buildspec.yml\n")
    if not ending:
        assert patch.endswith("\\ No newline at end of file\n")
    expected = text.replace("prebuild", "pre_build")
    subprocess.run(["git", "init", "-q"], cwd=workdir, check=True)
    assert _apply(["git", "apply", "--check", "-"], workdir, patch).returncode == 0
    assert _apply(["patch", "-p1"], workdir, patch).returncode == 0
    assert (workdir / "buildspec.yml").read_text() == expected


def test_diff_of_an_absolute_path_has_a_relative_header(workdir: Path, tmp_path_factory, capsys) -> None:
    other = tmp_path_factory.mktemp("abs") / "buildspec.yml"
    other.write_text(BAD)
    _, patch, _ = run(["check", "--diff", str(other)], capsys)
    assert patch.startswith(f"--- a/{str(other).lstrip('/')}\n") and "a//" not in patch


def test_diff_exit_status_follows_fail_on(workdir: Path, capsys) -> None:
    (workdir / "buildspec.yml").write_text("version: 0.2\nenv:\n  variables:\n    DB_PASSWORD: Zq9-unique-pw-77\n"
                                        "phases:\n  build:\n    commands: [make]\n")
    code, patch, _ = run(["check", "--diff", "buildspec.yml"], capsys)
    assert patch == "" and code == 1, "a plaintext secret has no safe fix, but it is an error"
    assert run(["check", "--diff", "--ignore", "SEC", "buildspec.yml"], capsys)[0] == 0


def test_diff_with_another_format_needs_an_output_file(workdir: Path, capsys) -> None:
    (workdir / "buildspec.yml").write_text(BAD)
    code, _, err = run(["check", "--diff", "--format", "json", "buildspec.yml"], capsys)
    assert code == 2 and "--output" in err
    code, patch, _ = run(["check", "--diff", "--format", "json", "-o", "r.json", "buildspec.yml"], capsys)
    assert code == 1 and patch.startswith("--- a/buildspec.yml")
    assert json.loads((workdir / "r.json").read_text())["findings"][0]["rule"] == "BS002"


def test_diff_context_never_shows_a_secret() -> None:
    old = "a\nb\nTOKEN=ghp_secret\nc\nd\ne\nf\ng\n"
    new = old.replace("d\n", "D\n")
    start = old.index("ghp_")
    patch, withheld = unified_diff(old, new, "f", [(start, start + 10)])
    assert "ghp_" not in patch and withheld == 0 and "+D" in patch
    patch, withheld = unified_diff(old, old.replace("TOKEN", "T"), "f", [(start, start + 10)])
    assert patch == "" and withheld == 1


def test_a_patch_never_shows_half_of_a_fix(workdir: Path, capsys) -> None:
    """A secret moved to env.parameter-store, its line far from the new entry: the entry's
    hunk alone would add a second definition and leave the plaintext in the file."""
    lines = ["version: 0.2", "env:", "  shell: bash", "  variables:"] + [f"    V{i}: v{i}" for i in range(8)]
    lines += ["    APP_SECRET: 'q8Zt3vLm9Rk2Wp7Xc4Bn'", "phases:", "  build:", "    commands: [make]"]
    (workdir / "buildspec.yml").write_text("\n".join(lines) + "\n")
    code, patch, err = run(["check", "--diff", "--unsafe-fixes", "buildspec.yml"], capsys)
    assert patch == "" and "not shown" in err and "q8Zt" not in err
