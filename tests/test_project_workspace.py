"""linter.project.project_findings: the project pass over a workspace as an editor sees it
(open buffers in place of the disk), and the exports it keeps between passes."""

from __future__ import annotations

import os
from pathlib import Path

from test_project import lines_of, make_repo, project_run

from linter.engine import Linter, Settings
from linter.project import ExportsMemo, project_findings


class Report:  # what lines_of reads
    def __init__(self, findings):  # noqa: ANN001
        self.findings = findings


def workspace(root: Path, overrides=None, memo=None, settings=None):  # noqa: ANN001, ANN201
    settings = settings or Settings(select=["XF", "AS501"])
    return project_findings(Linter(settings), settings, str(root), overrides or {}, memo)


def test_the_same_findings_as_a_check_of_the_folder(tmp_path: Path) -> None:
    root = make_repo("ecs-bluegreen--XF006-wrong-port", tmp_path / "repo")
    result = workspace(root)
    assert result.files == 3 and result.skipped is None
    assert all(os.path.isabs(f.path) for f in result.findings)
    assert lines_of(Report(result.findings), root) == lines_of(project_run(root), root) != []


def test_an_open_buffer_takes_the_place_of_the_disk(tmp_path: Path) -> None:
    root = make_repo("ecs-rolling--XF003-not-listed", tmp_path / "repo")
    buildspec = root / "ci" / "buildspec.yml"
    fixed = buildspec.read_text().replace("- build/**/*", "- imagedefinitions.json")
    memo = ExportsMemo()
    assert [f.rule for f in workspace(root, memo=memo).findings] == ["XF003"]
    assert workspace(root, {str(buildspec): fixed}, memo).findings == []
    assert [f.rule for f in workspace(root, memo=memo).findings] == ["XF003"]  # closed again: the disk counts
    # an unsaved new file of the workspace counts too (without it, the pipeline's source is
    # another repository's: nothing it reads is here)
    bad = buildspec.read_text()
    buildspec.unlink()
    assert workspace(root, memo=memo).findings == []
    assert [f.rule for f in workspace(root, {str(buildspec): bad}, memo).findings] == ["XF003"]


def test_exports_are_parsed_again_only_when_the_file_changes(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    root = make_repo("ecs-rolling--XF003-not-listed", tmp_path / "repo")
    memo = ExportsMemo()
    workspace(root, memo=memo)
    parsed: list[str] = []
    real = Linter.exports_of
    monkeypatch.setattr(Linter, "exports_of", lambda self, path, data, folder=None:
                        parsed.append(os.path.basename(path)) or real(self, path, data, folder))
    workspace(root, memo=memo)
    assert parsed == []
    buildspec = root / "ci" / "buildspec.yml"
    buildspec.write_text(buildspec.read_text().replace("- build/**/*", "- imagedefinitions.json") + "\n")
    assert workspace(root, memo=memo).findings == []
    assert parsed == ["buildspec.yml"]
    text = buildspec.read_text()
    workspace(root, {str(buildspec): text + "# 1\n"}, memo)
    workspace(root, {str(buildspec): text + "# 1\n"}, memo)  # the same buffer: parsed once
    assert parsed == ["buildspec.yml", "buildspec.yml"]


def test_excludes_gitignore_and_suppressions_are_respected(tmp_path: Path) -> None:
    root = make_repo("ecs-rolling--XF003-not-listed", tmp_path / "repo")
    (root / ".gitignore").write_text("ci/\n")
    result = workspace(root)
    assert result.files == 1  # the buildspec is ignored: read only because the pipeline names it
    assert [f.rule for f in result.findings] == ["XF003"]
    (root / ".gitignore").unlink()
    pipeline = root / "pipeline.yaml"
    lines = pipeline.read_text().splitlines(keepends=True)
    line = result.findings[0].line
    lines[line - 1] = lines[line - 1].rstrip("\n") + "  # pipelint: disable=XF003\n"
    assert workspace(root, {str(pipeline): "".join(lines)}).findings == []
    settings = Settings(select=["XF"], exclude=["pipeline.yaml"], root=str(root))
    assert workspace(root, settings=settings).findings == []


def test_a_workspace_over_the_limit_is_skipped(tmp_path: Path) -> None:
    root = make_repo("ecs-rolling--XF003-not-listed", tmp_path / "repo")
    settings = Settings(select=["XF"])
    result = project_findings(Linter(settings), settings, str(root), {}, None, limit=1)
    assert result.findings == [] and "over 1 files" in result.skipped


def test_the_cache_folder_is_not_part_of_the_workspace(tmp_path: Path) -> None:
    """Outside a git work tree nothing ignores .pipelint_cache/: its JSON entries were
    discovered (and parsed) as files of the folder, by `pipelint check` too."""
    root = make_repo("ecs-rolling--XF003-not-listed", tmp_path / "repo")
    (root / ".git").rmdir()
    entry = root / ".pipelint_cache" / "v1" / "ab" / "cdef.json"
    entry.parent.mkdir(parents=True)
    entry.write_text('{"findings": [], "exports": {"kind": "buildspec"}}')
    found = Linter(Settings()).discover([str(root)])
    assert sorted(os.path.basename(p) for p, _ in found) == ["buildspec.yml", "pipeline.yaml"]
    assert workspace(root).files == 2


def test_exports_come_from_the_cache_a_check_of_the_folder_wrote(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    from linter.run import Options, cache_for, run

    root = make_repo("ecs-rolling--XF003-not-listed", tmp_path / "repo")
    settings = Settings(select=["XF"])
    linter = Linter(settings)
    monkeypatch.chdir(root)  # `pipelint check` in the folder: files named relative to it
    run(Options(paths=["."]), settings, linter, cache=cache_for(settings, linter))
    monkeypatch.chdir(tmp_path)
    parsed: list[str] = []
    real = Linter.exports_of
    monkeypatch.setattr(Linter, "exports_of", lambda self, path, data, folder=None:
                        parsed.append(path) or real(self, path, data, folder))
    cache = cache_for(settings, linter, str(root))
    result = project_findings(linter, settings, str(root), {}, ExportsMemo(cache))
    assert [f.rule for f in result.findings] == ["XF003"]
    assert parsed == [] and cache.hits == 2
