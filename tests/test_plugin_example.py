"""docs/plugin-example: the documented rule pack installs with pip and works as written —
pipelint finds its rule through the entry point, runs it with the repository's option,
lists and documents it. Installed into a temporary folder (never into this environment,
whose rule list the documentation tests compare with docs/rules.md)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT

PACK = ROOT / "docs" / "plugin-example"


def _can_build_without_isolation() -> bool:
    """setuptools that builds wheels by itself (70.1+), or setuptools with wheel."""
    try:
        import setuptools
    except ImportError:
        return False
    try:
        major, minor = (int(p) for p in setuptools.__version__.split(".")[:2])
    except ValueError:
        return False
    if (major, minor) >= (70, 1):
        return True
    try:
        import wheel  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The pack, pip-installed (no dependencies) into a folder of its own, from a copy of
    its source so the build leaves nothing in the checkout."""
    base = tmp_path_factory.mktemp("pack")
    source, target = base / "src", base / "site"
    shutil.copytree(PACK, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    cmd = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--disable-pip-version-check",
           "--target", str(target), str(source)]
    if _can_build_without_isolation():
        cmd.insert(4, "--no-build-isolation")   # offline: the environment's setuptools builds it
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if done.returncode != 0 and "No matching distribution found for setuptools" in done.stdout + done.stderr:
        pytest.skip("no setuptools here and no package index to get it from")
    assert done.returncode == 0, done.stdout + done.stderr
    assert list(target.glob("pipelint_acme_rules-*.dist-info/entry_points.txt"))
    return target


def _pipelint(site: Path, args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")])),
           "PIPELINT_PLAIN": "1"}
    env.pop("PIPELINT_CACHE_DIR", None)
    return subprocess.run([sys.executable, "-m", "linter", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


def test_the_example_repository_gets_the_expected_findings(installed: Path, tmp_path: Path) -> None:
    example = tmp_path / "example"
    shutil.copytree(PACK / "example", example)
    done = _pipelint(installed, ["check", "--no-cache", "."], example)
    assert done.returncode == 1, done.stderr
    expected = (PACK / "example" / "expected.txt").read_text(encoding="utf-8")
    assert done.stdout == expected
    assert "ACM001" in expected and "ci/buildspec-release.yml" not in expected


def test_the_option_comes_from_the_configuration(installed: Path, tmp_path: Path) -> None:
    """Without the repository's `shells`, the rule's default (bash alone) also flags /bin/bash."""
    example = tmp_path / "example"
    shutil.copytree(PACK / "example", example)
    (example / ".pipelint.toml").write_text("[rules.buildspec-shell-not-allowed]\nshells = \"/bin/sh\"\n")
    done = _pipelint(installed, ["check", "--no-cache", "--format", "json", "."], example)
    found = json.loads(done.stdout)
    found = found["findings"] if isinstance(found, dict) else found
    assert sorted((f["path"], f["rule"], f["line"]) for f in found) == [
        ("buildspec.yml", "ACM001", 1), ("ci/buildspec-release.yml", "ACM001", 3)]
    (example / ".pipelint.toml").unlink()
    done = _pipelint(installed, ["check", "--no-cache", "--select", "ACM", "."], example)
    assert done.stdout.count("ACM001") == 3, done.stdout


def test_rules_lists_it_and_rule_documents_it(installed: Path, tmp_path: Path) -> None:
    listed = _pipelint(installed, ["rules"], tmp_path)
    line = next(line for line in listed.stdout.splitlines() if line.startswith("ACM001"))
    assert "buildspec-shell-not-allowed" in line and "practice" in line and "warning" in line
    shown = _pipelint(installed, ["rule", "buildspec-shell-not-allowed"], tmp_path)
    assert shown.returncode == 0, shown.stderr
    for words in ("ACM001 buildspec-shell-not-allowed", "Why:", "[tool.pipelint.rules.ACM001]", "Fix:",
                  "Example that fires:", "Instead:"):
        assert words in shown.stdout
    sarif = _pipelint(installed, ["check", "--no-cache", "--format", "sarif", "."], PACK / "example")
    assert "https://github.com/acme/pipelint-acme-rules#acm001" in sarif.stdout


def test_its_examples_fire_and_stay_quiet(installed: Path, tmp_path: Path) -> None:
    code = ("from linter import registry\n"
            "from linter.engine import Linter, Settings\n"
            "rule = registry.load().rules['ACM001']\n"
            "lint = Linter(Settings())\n"
            "bad = [f.rule for f in lint.lint_bytes('buildspec.yml', rule.bad.encode())]\n"
            "good = [f.rule for f in lint.lint_bytes('buildspec.yml', rule.good.encode())]\n"
            "print(bad, good, registry.load().origin['ACM001'])\n")
    env = {**os.environ, "PYTHONPATH": str(installed)}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("['ACM001'] [] pipelint.rules[acme] pipelint_acme.rules"), done.stdout


def test_the_readme_points_at_the_example() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/plugin-example/" in readme and "Writing a rule pack" in readme
    assert not (ROOT / "examples" / "plugin-example").exists(), "examples/ is what the quick start lints"
