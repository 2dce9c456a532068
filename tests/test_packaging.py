"""The wheel installs `linter` only (rules and schemas inside it), and the pre-commit hook works."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from helpers import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    src = tmp_path_factory.mktemp("src") / "pipelint"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".venv", ".git", "*.egg-info", "build", "dist",
                                                               "__pycache__"))
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                             "-q", "-w", str(out), str(src)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    (found,) = out.glob("pipelint-*.whl")
    return found


def test_wheel_installs_only_the_linter_package(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert top == {"linter"}
    assert "linter/rules/buildspec.py" in names
    assert "linter/schemas/buildspec.schema.json" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[pipelint.rules]" in text and "pipelint = linter.entry:main" in text


def test_no_top_level_rules_module_in_this_environment() -> None:
    code = "import importlib.util,sys; print(importlib.util.find_spec('rules'), importlib.util.find_spec('schemas'))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/")
    assert result.stdout.strip() == "None None"


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"})


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_pre_commit_hook_fails_on_a_bad_buildspec_and_passes_on_a_clean_one(tmp_path: Path) -> None:
    pre_commit = shutil.which("pre-commit") or str(Path(sys.executable).with_name("pre-commit"))
    if not Path(pre_commit).exists():
        pytest.skip("pre-commit is not installed")
    if not (ROOT / ".git").exists():
        pytest.skip("pre-commit try-repo needs the project as a git repository")
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "buildspec.yml").write_text("version: 0.2\nphases:\n  prebuild:\n    commands: [make]\n")
    (repo / "other.yaml").write_text("not: a buildspec\n")
    _git(repo, "add", ".")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "CI": "true"}
    cmd = [pre_commit, "try-repo", str(ROOT), "pipelint", "--all-files"]
    bad = subprocess.run(cmd, cwd=repo, capture_output=True, text=True, env=env)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "BS002" in bad.stdout
    (repo / "buildspec.yml").write_text("version: 0.2\nphases:\n  pre_build:\n    commands: [make]\n")
    _git(repo, "add", ".")
    good = subprocess.run(cmd, cwd=repo, capture_output=True, text=True, env=env)
    assert good.returncode == 0, good.stdout + good.stderr


def test_ci_runs_exactly_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1]
    assert f"```sh\n{ci}\n```" in (ROOT / "README.md").read_text()


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_the_readme_pre_commit_snippet_works_as_written(tmp_path: Path) -> None:
    pre_commit = shutil.which("pre-commit") or str(Path(sys.executable).with_name("pre-commit"))
    if not Path(pre_commit).exists():
        pytest.skip("pre-commit is not installed")
    readme = (ROOT / "README.md").read_text()
    snippet = readme.split("<!-- pre-commit:start -->\n```yaml\n", 1)[1].split("```", 1)[0]
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / ".pre-commit-config.yaml").write_text(snippet)
    (repo / "buildspec.yml").write_text("version: 0.2\nphases:\n  prebuild:\n    commands: [make]\n")
    (repo / "other.yaml").write_text("not: a buildspec\n")
    _git(repo, "add", ".")
    # pipelint is installed in this environment, as the README asks
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "CI": "true",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    bad = subprocess.run([pre_commit, "run", "--all-files"], cwd=repo, capture_output=True, text=True, env=env)
    assert bad.returncode == 1 and "buildspec.yml:3:3: BS002" in bad.stdout, bad.stdout + bad.stderr
    (repo / "buildspec.yml").write_text("version: 0.2\nphases:\n  pre_build:\n    commands: [make]\n")
    good = subprocess.run([pre_commit, "run", "--all-files"], cwd=repo, capture_output=True, text=True, env=env)
    assert good.returncode == 0, good.stdout + good.stderr
