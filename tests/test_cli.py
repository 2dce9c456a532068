"""The command line, end to end: formats, stdin, exit codes, selection, config, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from linter import RULES_DOC
from linter.cli import main

BAD = "version: 0.2\nphases:\n  prebuild:\n    commands: [make]\n"
GOOD = "version: 0.2\nphases:\n  build:\n    commands: [make]\n"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CI", "true")
    (tmp_path / "buildspec.yml").write_text(BAD)
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "buildspec.yml").write_text(GOOD)
    (tmp_path / "notes.yml").write_text("anything: else\n")
    return tmp_path


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_text_output_and_exit_code(repo: Path, capsys) -> None:
    code, out, _ = run(["check", "."], capsys)
    assert code == 1
    assert out.splitlines() == [
        "buildspec.yml:3:3: BS002 error unknown key 'prebuild' in 'phases'; did you mean 'pre_build'?",
        "pipelint: 1 error in 2 files (1 fixable with --fix)",
    ]


def test_clean_file_exits_zero(repo: Path, capsys) -> None:
    code, out, _ = run(["check", "ok/buildspec.yml"], capsys)
    assert code == 0
    assert out == "pipelint: no problems in 1 file\n"


def test_json_output(repo: Path, capsys) -> None:
    code, out, _ = run(["check", "--format", "json", "buildspec.yml"], capsys)
    data = json.loads(out)
    assert code == 1 and data["version"]
    (finding,) = data["findings"]
    assert finding == {
        "path": "buildspec.yml", "line": 3, "column": 3, "end_line": 3, "end_column": 11,
        "rule": "BS002", "name": "unknown-phase", "category": "schema", "severity": "error",
        "message": "unknown key 'prebuild' in 'phases'; did you mean 'pre_build'?",
        "fix": "rename 'prebuild' to 'pre_build'", "pointer": "/phases/prebuild",
        "edits": [{"start": 23, "end": 31, "text": "pre_build", "applicability": "safe"}],
    }


def test_github_output(repo: Path, capsys) -> None:
    _, out, _ = run(["check", "--format", "github", "buildspec.yml"], capsys)
    assert out.splitlines()[0] == (
        "::error file=buildspec.yml,line=3,col=3,endLine=3,endColumn=11,title=BS002 unknown-phase"
        "::unknown key 'prebuild' in 'phases'; did you mean 'pre_build'? (fix: rename 'prebuild' to 'pre_build')")


def test_stdin_with_filename(repo: Path, capsys, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", type("S", (), {"buffer": __import__("io").BytesIO(BAD.encode())})())
    code, out, _ = run(["check", "-", "--stdin-filename", "ci/buildspec.yml", "--format", "json"], capsys)
    assert code == 1
    assert json.loads(out)["findings"][0]["path"] == "ci/buildspec.yml"


def test_stdin_needs_a_kind_without_a_telling_name(repo: Path, capsys, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", type("S", (), {"buffer": __import__("io").BytesIO(b"a: 1\n")})())
    code, out, _ = run(["check", "-"], capsys)
    assert code == 0 and "PL004" in out
    monkeypatch.setattr(sys, "stdin", type("S", (), {"buffer": __import__("io").BytesIO(BAD.encode())})())
    code, out, _ = run(["check", "-", "--kind", "buildspec"], capsys)
    assert code == 1 and "-:3:3: BS002" in out


def test_select_ignore_and_fail_on(repo: Path, capsys) -> None:
    assert run(["check", "--ignore", "BS002", "buildspec.yml"], capsys)[0] == 0
    assert run(["check", "--ignore", "unknown-phase", "buildspec.yml"], capsys)[0] == 0
    assert run(["check", "--select", "SEC", "buildspec.yml"], capsys)[0] == 0
    assert run(["check", "--select", "BS0", "buildspec.yml"], capsys)[0] == 1
    (repo / "v01.yml").write_text("version: 0.1\nphases:\n  build:\n    commands: [make]\n")
    assert run(["check", "--kind", "buildspec", "v01.yml"], capsys)[0] == 1
    assert run(["check", "--kind", "buildspec", "--fail-on", "error", "v01.yml"], capsys)[0] == 0


def test_unknown_explicit_file_is_reported_but_folder_walk_skips_it(repo: Path, capsys) -> None:
    code, out, _ = run(["check", "notes.yml"], capsys)
    assert code == 0 and "notes.yml:1:1: PL004 info" in out
    code, out, _ = run(["check", "--skip-unknown", "notes.yml"], capsys)
    assert code == 0 and out == "pipelint: no problems in 0 files\n"


def test_usage_errors_exit_2(repo: Path, capsys) -> None:
    assert run(["check", "missing.yml"], capsys)[0] == 2
    code, _, err = run(["check", "--format", "xml", "."], capsys)
    assert code == 2 and "unknown format" in err
    code, _, err = run(["check", "--select", "BS999", "."], capsys)
    assert code == 2 and "no rule matches" in err
    code, _, err = run(["check", "--frobnicate"], capsys)
    assert code == 2


def test_config_in_pyproject(repo: Path, capsys) -> None:
    (repo / "pyproject.toml").write_text('[tool.pipelint]\nignore = ["BS002"]\n')
    assert run(["check", "buildspec.yml"], capsys)[0] == 0
    (repo / "pyproject.toml").write_text('[tool.pipelint]\nignores = ["BS002"]\n')
    code, _, err = run(["check", "buildspec.yml"], capsys)
    assert code == 2 and "unknown key 'ignores'" in err and "did you mean 'ignore'" in err


def test_config_dotfile_severity_and_per_file_ignores(repo: Path, capsys) -> None:
    (repo / ".pipelint.toml").write_text(
        'fail-on = "error"\n[severity]\nunknown-phase = "warning"\n')
    code, out, _ = run(["check", "buildspec.yml"], capsys)
    assert code == 0 and "BS002 warning" in out
    (repo / ".pipelint.toml").write_text('[per-file-ignores]\n"buildspec.yml" = ["BS"]\n')
    assert run(["check", "."], capsys)[0] == 0
    (repo / ".pipelint.toml").write_text('exclude = ["/buildspec.yml"]\n')
    code, out, _ = run(["check", "."], capsys)
    assert code == 0 and "1 file" in out
    (repo / ".pipelint.toml").write_text('exclude = ["buildspec.yml"]\n')
    code, out, _ = run(["check", "."], capsys)
    assert code == 0 and "0 files" in out, "a pattern without '/' matches at any depth"
    (repo / ".pipelint.toml").write_text('[severity]\nBS002 = "fatal"\n')
    assert run(["check", "."], capsys)[0] == 2


def test_output_file(repo: Path, capsys) -> None:
    code, out, err = run(["check", "--format", "json", "--output", "report.json", "."], capsys)
    assert code == 1 and out == "" and "1 error" in err
    assert json.loads((repo / "report.json").read_text())["findings"][0]["rule"] == "BS002"


def test_fix_and_diff(repo: Path, capsys) -> None:
    code, out, _ = run(["check", "--diff", "buildspec.yml"], capsys)
    assert code == 1 and "-  prebuild:" in out and "+  pre_build:" in out
    assert (repo / "buildspec.yml").read_text() == BAD, "--diff changes nothing"
    code, out, err = run(["check", "--fix", "buildspec.yml"], capsys)
    assert code == 0 and "fixed 1 problem" in err
    assert (repo / "buildspec.yml").read_text() == BAD.replace("prebuild", "pre_build")


def test_internal_error_is_reported_and_the_run_goes_on(repo: Path, capsys) -> None:
    import linter.rules.buildspec as pack

    def boom(ctx):
        raise RuntimeError("kaboom")
        yield

    rule = pack.deprecated_version
    original = rule.check
    object.__setattr__(rule, "check", boom)  # Rule is frozen: rules never change at run time
    try:  # (no cache: a result cached by another test would hide the patched rule)
        code, out, err = run(["check", "--no-cache", "."], capsys)
    finally:
        object.__setattr__(rule, "check", original)
    assert code == 2
    assert "PL005 error internal error in rule BS102" in out and "kaboom" in out
    assert "BS002" in out and "Traceback" not in out + err


def test_rules_and_rule_commands(capsys) -> None:
    code, out, _ = run(["rules"], capsys)
    assert code == 0 and "BS002  unknown-phase" in out
    code, out, _ = run(["rules", "--format", "json"], capsys)
    rules = {r["id"]: r for r in json.loads(out)}
    assert rules["BS002"] == {"id": "BS002", "name": "unknown-phase", "category": "schema", "severity": "error",
                              "kinds": ["buildspec"], "summary": rules["BS002"]["summary"], "autofix": "safe",
                              "cross_file": False, "url": f"{RULES_DOC}#bs002"}
    assert rules["XF001"]["cross_file"] and rules["XF001"]["autofix"] is None
    code, out, _ = run(["rule", "unknown-phase"], capsys)
    assert code == 0 and out.startswith("BS002 unknown-phase") and "Example that fires:" in out
    code, _, err = run(["rule", "BS999"], capsys)
    assert code == 2 and "no rule" in err


def test_version(capsys) -> None:
    code, out, _ = run(["--version"], capsys)
    assert code == 0 and out.startswith("pipelint ")


def test_python_dash_m_and_no_heavy_imports(repo: Path) -> None:
    probe = ("import sys, runpy; sys.argv=['pipelint','check','buildspec.yml'];\n"
             "try:\n  runpy.run_module('linter', run_name='__main__')\n"
             "except SystemExit as e: code=e.code\n"
             "heavy=[m for m in ('cfnlint','ruamel','jsonschema','rich') if m in sys.modules]\n"
             "print(code, heavy)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            env={**os.environ, "CI": "true"})
    assert result.stdout.strip().endswith("1 []"), result.stdout + result.stderr


def test_folder_walk_skips_vcs_dependencies_and_virtualenvs(repo: Path, capsys) -> None:
    for folder in (".git", "node_modules/pkg", "venv-any-name", ".venv"):
        (repo / folder).mkdir(parents=True, exist_ok=True)
        (repo / folder / "buildspec.yml").write_text(BAD)
    (repo / "venv-any-name" / "pyvenv.cfg").write_text("home = /usr\n")
    code, out, _ = run(["check", "--format", "json", "."], capsys)
    assert sorted({f["path"] for f in json.loads(out)["findings"]}) == ["buildspec.yml"]


def test_folder_walk_skips_project_generator_templates(repo: Path, capsys) -> None:
    """A cookiecutter repository (n1te1337/aws-sam-pipeline) keeps its pipeline as Jinja under
    `{{cookiecutter.project_name}}/`: not YAML until rendered, so no PL001 on it in a walk;
    named on the command line, it is linted as asked."""
    folder = repo / "{{cookiecutter.project_name}}"
    folder.mkdir()
    (folder / "pipeline.yaml").write_text("AWSTemplateFormatVersion: 2010-09-09\n{%- if cookiecutter.x %}\n"
                                          "Resources: {}\n{%- endif %}\n")
    code, out, _ = run(["check", "--format", "json", "."], capsys)
    assert sorted({f["path"] for f in json.loads(out)["findings"]}) == ["buildspec.yml"]
    code, out, _ = run(["check", "--format", "json", str(folder / "pipeline.yaml")], capsys)
    assert "PL001" in {f["rule"] for f in json.loads(out)["findings"]}


def test_cache_folders_are_never_walked(repo: Path, capsys, monkeypatch) -> None:
    """A cache folder inside the tree (PIPELINT_CACHE_DIR, or any tool's CACHEDIR.TAG) is
    neither linted nor read by the project pass: the bench's warm run read 1,250 entries."""
    from linter.project import walk_files

    monkeypatch.setenv("PIPELINT_CACHE_DIR", str(repo / "our-cache"))
    run(["check", "buildspec.yml"], capsys)
    assert (repo / "our-cache" / "CACHEDIR.TAG").exists()
    (repo / "other-cache").mkdir()
    (repo / "other-cache" / "CACHEDIR.TAG").write_text("Signature: 8a477f597d28d172789f06886806bc55\n")
    (repo / "other-cache" / "buildspec.yml").write_text(BAD)
    code, out, _ = run(["check", "--format", "json", "."], capsys)
    assert sorted({f["path"] for f in json.loads(out)["findings"]}) == ["buildspec.yml"]
    assert not [p for p in walk_files(str(repo)) if "cache" in p]


def test_statistics_exit_zero_quiet_and_output_format(repo: Path, capsys) -> None:
    code, out, _ = run(["check", "--statistics", "."], capsys)
    assert code == 1 and out.splitlines() == ["1  BS002      * unknown-phase",
                                              "pipelint: 1 error in 2 files (1 fixable with --fix)"]
    assert run(["check", "--exit-zero", "."], capsys)[0] == 0
    assert run(["check", "--exit-zero", "missing.yml"], capsys)[0] == 2, "usage errors still exit 2"
    code, out, _ = run(["check", "--quiet", "."], capsys)
    assert code == 1 and out.splitlines() == [
        "buildspec.yml:3:3: BS002 error unknown key 'prebuild' in 'phases'; did you mean 'pre_build'?"]
    code, out, _ = run(["check", "--output-format", "json", "buildspec.yml"], capsys)
    assert json.loads(out)["findings"][0]["rule"] == "BS002"
