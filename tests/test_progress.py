"""The progress display: the run API's on_file callback, and the line `pipelint check`
draws on stderr in a terminal (and erases before the findings), never in a pipe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT
from linter.run import Options, run, settings_for

BUILDSPEC = "version: 0.2\nphases:\n  build:\n    commands: [make]\n  prebuild:\n    commands: [x]\n"
APPSPEC = "version: 0.0\nos: linux\nhooks:\n  AfterInstal:\n    - location: a.sh\n"


def _tree(tmp_path: Path, count: int) -> list[str]:
    names = []
    for i in range(count):
        folder = tmp_path / f"svc{i:02d}"
        folder.mkdir()
        (folder / "buildspec.yml").write_text(BUILDSPEC)
        names.append(os.path.join(str(folder), "buildspec.yml"))
    return names


def _calls(paths: list[str], jobs: int = 1, cache=None) -> tuple[list[tuple[int, int, str]], object]:
    settings, _ = settings_for(cwd=str(ROOT))
    calls: list[tuple[int, int, str]] = []
    report = run(Options(paths=paths), settings, jobs=jobs, cache=cache,
                 on_file=lambda done, total, display: calls.append((done, total, display)))
    return calls, report


def test_on_file_counts_every_file_in_report_order(tmp_path: Path) -> None:
    names = _tree(tmp_path, 3)
    calls, report = _calls([str(tmp_path), str(tmp_path / "missing.yml")])
    assert [(d, t) for d, t, _ in calls] == [(1, 3), (2, 3), (3, 3)]   # a missing path is no file
    assert [os.path.normpath(p) for _, _, p in calls] == [os.path.normpath(n) for n in names]
    assert report.files == 3 and report.problems


def test_on_file_is_called_for_cached_and_pooled_outcomes_alike(tmp_path: Path) -> None:
    from linter.cache import Cache

    names = _tree(tmp_path, 16)                      # 16 files: a run that uses workers
    plain, _ = _calls(names)
    pooled, _ = _calls(names, jobs=2)
    assert pooled == plain
    cache = Cache(str(tmp_path / "cache"), "test")
    _calls(names, cache=cache)
    cached, report = _calls(names, cache=cache)      # every outcome from the cache
    assert cached == plain and report.files == 16
    assert [d for d, _, _ in plain] == list(range(1, 17)) and {t for _, t, _ in plain} == {16}


# -- through a terminal ----------------------------------------------------------------

CHILD = """
import sys
import linter.progress as progress
if sys.argv[1] == "now":
    progress.DELAY = 0      # draw at once, every file: the run need not last a second
    progress.REFRESH = 0
from linter.entry import main  # what the pipelint command runs (its plain check included)
code = main(sys.argv[2:])
sys.stdout.write("\\nrich imported: %s\\n" % ("rich" in sys.modules))
sys.exit(code)
"""


def _in_pty(args: list[str], when: str = "now", stdout_too: bool = False, tty: bool = True) -> tuple[str, str]:
    """Run pipelint with stderr (and stdout) on a pseudo-terminal: (terminal, stdout)."""
    pty = pytest.importorskip("pty")
    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100"}
    for name in ("NO_COLOR", "FORCE_COLOR", "PIPELINT_PLAIN"):
        env.pop(name, None)
    err_target = slave if tty else subprocess.PIPE
    proc = subprocess.Popen([sys.executable, "-c", CHILD, when, "check", "--no-cache", "--jobs", "1", *args],
                            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stderr=err_target,
                            stdout=slave if stdout_too else subprocess.PIPE)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:   # EIO: every writer has closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    out = b"" if stdout_too else proc.stdout.read()
    if not tty:
        seen = proc.stderr.read()
    proc.wait(timeout=120)
    return seen.decode("utf-8", "replace"), out.decode("utf-8", "replace")


ERASE = "\x1b[2K"


def test_progress_is_drawn_on_stderr_and_erased() -> None:
    terminal, stdout = _in_pty(["examples/"])
    assert "pipelint: linting" in terminal and "4/4" in terminal and "examples/template.yaml" in terminal
    tail = terminal[terminal.rindex("pipelint: linting"):]
    assert tail.rstrip("\r\n").endswith(ERASE), "the last line drawn is erased"
    assert "\x1b[?25h" in tail, "the cursor is shown again"
    plain = subprocess.run([sys.executable, "-m", "linter", "check", "--no-cache", "--jobs", "1", "examples/"],
                           cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PIPELINT_PLAIN": "1"})
    assert stdout.split("\nrich imported")[0].strip() == plain.stdout.strip(), "stdout is untouched"


def test_findings_on_the_same_terminal_come_after_the_erase() -> None:
    terminal, _ = _in_pty(["--color", "never", "examples/"], stdout_too=True)
    assert "pipelint: linting" in terminal
    last = terminal.rindex(ERASE)
    before, after = terminal[:last], terminal[last:]
    assert "pipelint: linting" not in after
    assert "examples/appspec.yml:13:3: AS101 error" in after
    assert "AS101 error" not in before, "no finding is printed while the line is drawn"


def test_nothing_is_drawn_without_a_terminal_or_with_quiet() -> None:
    stderr, _ = _in_pty(["examples/"], tty=False)
    assert "linting" not in stderr and "\x1b[" not in stderr
    terminal, _ = _in_pty(["--quiet", "examples/"])
    assert "linting" not in terminal and "\x1b[" not in terminal


def test_a_short_run_draws_nothing_and_never_imports_rich() -> None:
    terminal, stdout = _in_pty(["examples/buildspec.yml"], when="later")
    assert "linting" not in terminal and "\x1b[" not in terminal
    assert "rich imported: False" in stdout


def test_a_terminal_that_cannot_erase_or_a_plain_request_gets_no_display(monkeypatch) -> None:  # noqa: ANN001
    import io

    from linter import progress

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    for name in ("TERM", "PIPELINT_PLAIN"):
        monkeypatch.delenv(name, raising=False)
    assert progress.wanted(Tty()) and not progress.wanted(io.StringIO())
    monkeypatch.setenv("TERM", "dumb")
    assert not progress.wanted(Tty())
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv("PIPELINT_PLAIN", "1")
    assert not progress.wanted(Tty())
