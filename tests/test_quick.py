"""A plain `pipelint check` runs without typer (linter.quick): the same output, messages and
exit status as the typer command for every argument list it takes, and typer's for the rest."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from helpers import FIXTURES
from linter import quick
from linter.cli import main as typer_main
from linter.entry import main as entry_main

BUILDSPECS = str(FIXTURES / "buildspec")
PLAIN = [
    ["check", "--no-cache", BUILDSPECS],
    ["check", "--no-cache", "-f", "json", str(FIXTURES / "appspec"), str(FIXTURES / "pipeline")],
    ["check", "--no-cache", "-q", "--exit-zero", str(FIXTURES / "iam-policy")],
    ["check", "--no-cache", "--format", "sarif", str(FIXTURES / "buildspec" / "ok")],
    ["check", "-j1", "--no-cache", "--skip-unknown", "--output-format", "github", BUILDSPECS],
    ["check", "--no-cache", "--jobs", "2", "-f", "gitlab", BUILDSPECS, "no-such-file.yml"],
    ["check", "--no-cache", "-f", "junit", "no-such-file.yml"],
]


@pytest.mark.parametrize("args", PLAIN, ids=lambda a: " ".join(x.rsplit("/", 1)[-1] for x in a))
def test_the_quick_path_says_what_typer_says(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert quick.parse(args) is not None, "this argument list is a plain check"
    typer_code = typer_main(args)
    typer_out, typer_err = capsys.readouterr()
    quick_code = entry_main(args)
    quick_out, quick_err = capsys.readouterr()
    assert (quick_code, quick_out, quick_err) == (typer_code, typer_out, typer_err)
    assert typer_out or typer_err


def test_configuration_and_its_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "buildspec.yml").write_text("version: 0.2\nphases:\n  prebuild:\n    commands: [make]\n")
    monkeypatch.chdir(tmp_path)
    for config in ('[tool.pipelint]\nfail-on = "error"\nignore = ["BS101"]\n', '[tool.pipelint]\nselect = ["XX9"]\n'):
        (tmp_path / "pyproject.toml").write_text(config)
        results = []
        for main in (typer_main, entry_main):
            code = main(["check", "--no-cache"])
            results.append((code, *capsys.readouterr()))
        assert results[0] == results[1]


@pytest.mark.parametrize("args", [
    [], ["--help"], ["rules"], ["check", "--help"], ["check", "-"], ["check", "--fix", "x.yml"],
    ["check", "--select", "BS", "x.yml"], ["check", "-f", "yaml", "x.yml"], ["check", "-j0", "x.yml"],
    ["check", "--jobs=2", "x.yml"], ["check", "-q", "-q", "x.yml"], ["check", "-f"], ["check", "--", "x.yml"],
    ["check", "-qj1", "x.yml"], ["check", "--no-cache", "--output", "out.json", "x.yml"],
])
def test_anything_else_goes_to_typer(args: list[str]) -> None:
    assert quick.parse(args) is None


def test_a_plain_check_does_not_import_typer() -> None:
    code = ("import sys; from linter.entry import main; main(['check', '--no-cache', '-q', %r]); "
            "sys.stderr.write(str(sorted(m for m in sys.modules if m.split('.')[0] in ('typer', 'click'))))"
            % str(FIXTURES / "buildspec" / "ok"))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stderr.strip().endswith("[]"), done.stderr
