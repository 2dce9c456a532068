"""The run engine: worker processes give the same report as one process; the cache is hit
on an unchanged tree and never gives a stale result when any part of its key changes; two
runs at once share it safely; a file whose checks run past the time limit is reported and
the run goes on."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from helpers import CORPUS, FIXTURES, cli
from linter import cache as cache_mod
from linter.engine import Linter, Settings
from linter.reporters import json as json_reporter
from linter.run import Options, cache_for, run

BAD = "version: 0.2\nphases:\n  prebuild:\n    commands: [make]\n"


def _json(report) -> str:  # noqa: ANN001
    stream = io.StringIO()
    json_reporter.render(report, stream)
    return stream.getvalue()


def test_workers_give_the_same_report_in_the_same_order() -> None:
    paths = [str(FIXTURES / kind) for kind in ("buildspec", "appspec", "pipeline", "iam-policy")]
    settings = Settings(ignore=["CFN"])
    one = run(Options(paths=paths), settings, jobs=1)
    two = run(Options(paths=paths), settings, jobs=2)
    assert one.files == two.files > 100
    assert _json(one) == _json(two)
    assert one.problems == two.problems and one.notes == two.notes


def test_before_forking_only_the_kinds_a_run_holds_are_warmed_up(tmp_path: Path, monkeypatch) -> None:
    """The parent lints a sample of each kind its files look like before forking; the IAM
    tables (40 ms) are loaded only when policies or templates come."""
    from linter import run as run_mod

    for i in range(run_mod.PARALLEL_FILES):
        (tmp_path / f"buildspec{i}.yml").write_text(BAD)
    (tmp_path / "deploy.json").write_text('{"pipeline": {"name": "p", "roleArn": "r", "stages": [{"name": "S", '
                                          '"actions": [{"name": "A", "actionTypeId": {}}]}]}}')
    warmed: list[str] = []
    real = Linter.lint_file

    def lint_file(self, path, data, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if run_mod._WORKER is None and path in {name for _, name, _ in run_mod._WARM_UP}:
            warmed.append(path)
        return real(self, path, data, *args, **kwargs)

    monkeypatch.setattr(Linter, "lint_file", lint_file)
    report = run(Options(paths=[str(tmp_path)]), Settings(), jobs=2)
    assert report.files == run_mod.PARALLEL_FILES + 1
    assert warmed == ["buildspec.yml", "pipeline.json"]


@pytest.mark.skipif(not (CORPUS / "cloudformation").is_dir(), reason="needs ../shared/corpus")
def test_workers_with_cfn_lint_give_the_same_report(tmp_path: Path) -> None:
    for path in sorted((CORPUS / "cloudformation").iterdir())[:6]:
        shutil.copy(path, tmp_path / path.name)
    one = run(Options(paths=[str(tmp_path)]), Settings(), jobs=1)
    two = run(Options(paths=[str(tmp_path)]), Settings(), jobs=2)
    assert any(f.rule.startswith("CFN-") for f in two.findings)
    assert _json(one) == _json(two)
    assert {f.rule for f in two.findings} <= set(two.rules)  # CFN-* metadata came back from the workers


def _cached_run(folder: Path, cache_dir: Path, settings: Settings | None = None):  # noqa: ANN202
    settings = settings or Settings()
    linter = Linter(settings)
    cache = cache_for(settings, linter)
    cache.folder = str(cache_dir / cache_mod.FORMAT)
    return run(Options(paths=[str(folder)]), settings, linter, cache=cache), cache


def _tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "buildspec.yml").write_text(BAD)
    (tree / "appspec.yml").write_text("version: 0.0\nos: linux\nhooks:\n  AfterInstal:\n    - location: a.sh\n")
    (tree / "template.yaml").write_text("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  B:\n"
                                        "    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: [1]\n")
    return tree


def test_a_warm_run_hits_the_cache_and_reports_the_same(tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    cold, cache = _cached_run(tree, tmp_path / "cache")
    assert cache.hits == 0
    warm, cache = _cached_run(tree, tmp_path / "cache")
    assert _json(cold) == _json(warm)
    assert cache.hits == 3, "the appspec reads other files (AS501): cached with what it asked of them"
    assert (tmp_path / "cache" / ".gitignore").read_text().strip().endswith("*")
    assert set(warm.rules) >= {f.rule for f in warm.findings}, "cfn-lint's rule metadata is cached too"


def test_every_part_of_the_key_invalidates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = _tree(tmp_path)
    folder = tmp_path / "cache"
    _cached_run(tree, folder)

    def hits(settings: Settings | None = None) -> int:
        return _cached_run(tree, folder, settings)[1].hits

    assert hits() == 3
    (tree / "buildspec.yml").write_text(BAD.replace("make", "make all"))  # the content
    assert hits() == 2
    assert hits(Settings(ignore=["BS002"])) == 0  # the settings
    monkeypatch.setattr("linter.__version__", "99.0")  # pipelint's version
    assert hits() == 0
    monkeypatch.undo()
    monkeypatch.setattr(cache_mod, "cfn_lint_version", lambda: "0.0.1")  # cfn-lint's version
    monkeypatch.setattr("linter.run.cfn_lint_version", lambda: "0.0.1")
    assert hits() == 0
    monkeypatch.undo()
    assert hits() == 3
    from linter import registry

    plugin = tmp_path / "plugin_rules.py"  # the rule set: a plugin added (its module's file)
    plugin.write_text("RULES = []\n")
    sys.path.insert(0, str(tmp_path))
    try:
        import plugin_rules

        registry.load().modules.append(plugin_rules)
        assert hits() == 0
        registry.load().modules.remove(plugin_rules)
    finally:
        sys.path.remove(str(tmp_path))
    assert hits() == 3


def test_a_result_that_read_other_files_is_cached_with_their_answers(tmp_path: Path) -> None:
    """AS501 asks whether the hook scripts exist and lists the folder: the entry keeps the
    answers; a change elsewhere in the folder that leaves them alone is a hit, a named
    script created or deleted (or the listing changed) is a miss."""
    tree = tmp_path / "tree"
    (tree / "scripts").mkdir(parents=True)
    (tree / "scripts" / "start.sh").write_text("#!/bin/sh\n")
    (tree / "appspec.yml").write_text("version: 0.0\nos: linux\nhooks:\n  ApplicationStart:\n"
                                      "    - location: scripts/start.sh\n  ValidateService:\n"
                                      "    - location: scripts/check.sh\n")
    (tree / "buildspec.yml").write_text(BAD)
    cache_dir = tmp_path / "cache"

    def warm() -> tuple[int, list[str]]:
        report, cache = _cached_run(tree, cache_dir)
        return cache.hits, [f.message for f in report.findings if f.rule == "AS501"]

    hits, as501 = warm()
    assert hits == 0 and as501 == ["'scripts/check.sh' does not exist beside the AppSpec"]
    assert warm() == (2, as501), "unchanged tree: the appspec's result comes from the cache"
    (tree / "buildspec.yml").write_text(BAD.replace("make", "make all"))  # unrelated: content only
    assert warm() == (1, as501)
    assert warm() == (2, as501)
    (tree / "scripts" / "check.sh").write_text("#!/bin/sh\n")  # the missing script is created
    assert warm() == (1, [])
    assert warm() == (2, [])
    (tree / "scripts" / "start.sh").unlink()  # a script that was there is deleted
    assert warm() == (1, ["'scripts/start.sh' does not exist beside the AppSpec"])
    assert warm()[0] == 2


def test_a_changed_folder_listing_is_a_miss(tmp_path: Path) -> None:
    """A did-you-mean hint depends on the folder's listing, not only on the paths named."""
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "appspec.yml").write_text("version: 0.0\nos: linux\nhooks:\n  ValidateService:\n"
                                      "    - location: chek.sh\n  ApplicationStart:\n    - location: start.sh\n")
    (tree / "start.sh").write_text("")
    cache_dir = tmp_path / "cache"
    report, _ = _cached_run(tree, cache_dir)
    assert [f.message for f in report.findings if f.rule == "AS501"] == ["'chek.sh' does not exist beside the AppSpec"]
    (tree / "check.sh").write_text("")  # not the named path, but now a near miss of it
    report, cache = _cached_run(tree, cache_dir)
    assert cache.hits == 0
    assert [f.message for f in report.findings if f.rule == "AS501"] == [
        "'chek.sh' does not exist beside the AppSpec; did you mean 'check.sh'?"]
    report, cache = _cached_run(tree, cache_dir)
    assert cache.hits == 1


def test_a_corrupt_entry_is_a_miss(tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    _cached_run(tree, tmp_path / "cache")
    for entry in (tmp_path / "cache").rglob("*.json"):
        entry.write_text("{not json")
    warm, cache = _cached_run(tree, tmp_path / "cache")
    assert cache.hits == 0 and warm.findings


def test_two_runs_at_once_share_the_cache(tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    reports = []
    threads = [threading.Thread(target=lambda: reports.append(_json(_cached_run(tree, tmp_path / "cache")[0])))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(reports)) == 1
    assert not list((tmp_path / "cache").rglob("*.tmp")), "no half-written entry is left"


def test_no_cache_flag_and_the_cache_folder(workdir: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    (workdir / "buildspec.yml").write_text(BAD)
    monkeypatch.delenv("PIPELINT_CACHE_DIR", raising=False)
    cli(["check", "--no-cache", "."], capsys)
    assert not (workdir / ".pipelint_cache").exists()
    code, out, _ = cli(["check", "."], capsys)
    assert (workdir / ".pipelint_cache" / "CACHEDIR.TAG").exists() and code == 1
    assert cli(["check", "."], capsys)[1] == out
    assert cli(["check", "--jobs", "0", "."], capsys)[0] == 2


def test_a_file_past_the_time_limit_is_reported_and_the_run_goes_on(workdir: Path) -> None:
    (workdir / "slow").mkdir()
    (workdir / "slow" / "buildspec.yml").write_text(BAD)
    (workdir / "fast").mkdir()
    (workdir / "fast" / "buildspec.yml").write_text(BAD)
    (workdir / "pyproject.toml").write_text("[tool.pipelint]\ntime-limit = 0.5\n")
    # a rule that hangs on one file only, as cfn-lint has on hostile templates
    script = (
        "import time, sys\n"
        "import linter.rules.buildspec as pack\n"
        "original = pack.deprecated_version.check\n"
        "def slow(ctx):\n"
        "    if 'slow' in ctx.doc.path:\n"
        "        end = time.process_time() + 30\n"
        "        while time.process_time() < end:\n"
        "            pass\n"
        "    yield from original(ctx)\n"
        "object.__setattr__(pack.deprecated_version, 'check', slow)\n"
        "from linter.cli import main\n"
        "sys.exit(main(['check', '--no-cache', '-j1', '.']))\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=workdir, capture_output=True, text=True, timeout=60)
    assert "slow/buildspec.yml:1:1: PL011 warning the checks of this file ran past the time limit of 0.5 s of CPU" \
        in done.stdout
    assert "fast/buildspec.yml:3:3: BS002" in done.stdout and "Traceback" not in done.stderr


def test_time_limit_is_configurable_and_checked(workdir: Path, capsys) -> None:
    (workdir / "buildspec.yml").write_text(BAD)
    (workdir / "pyproject.toml").write_text('[tool.pipelint]\ntime-limit = "soon"\n')
    code, _, err = cli(["check", "."], capsys)
    assert code == 2 and "time-limit must be a number of seconds" in err
