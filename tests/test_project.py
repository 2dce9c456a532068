"""The repository view: exports, the project pass and the cross-file (XF) rules, on the
sample repositories of tests/repos/ (each `<base>--<RULE>-<what>` folder holds the files
that replace its base's; a `.delete` file lists the base's files it removes)."""

from __future__ import annotations

import json
import os
import re
import shutil
import textwrap
from pathlib import Path

import pytest

from helpers import ROOT, SHARED
from linter import registry
from linter.engine import Linter, Settings
from linter.run import Options, run

REPOS = Path(__file__).resolve().parent / "repos"
SAMPLES = sorted(p.name for p in REPOS.iterdir() if p.is_dir())
PROJECT_RULES = [r for r in registry.load().sorted() if r.project]


def make_repo(name: str, target: Path) -> Path:
    base = name.split("--")[0]
    shutil.copytree(REPOS / base, target, dirs_exist_ok=True)
    if base != name:
        shutil.copytree(REPOS / name, target, dirs_exist_ok=True)
        delete = target / ".delete"
        if delete.exists():
            for line in delete.read_text().split():
                (target / line).unlink()
            delete.unlink()
    (target / ".git").mkdir()
    return target


def write_example(text: str, target: Path) -> Path:
    files: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        m = re.fullmatch(r"# file: (\S+)", line)
        if m:
            current = m.group(1)
            files[current] = []
        elif current is not None:
            files[current].append(line)
    for name, lines in files.items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (target / ".git").mkdir()
    return target


def lines_of(report, root: Path) -> list[str]:
    out = []
    for f in report.findings:
        rel = os.path.relpath(f.path, root).replace(os.sep, "/")
        line = f"{rel}:{f.line}:{f.column} {f.rule} {f.severity} {f.message}"
        for r in f.related:
            line += f"\n    related {os.path.relpath(r.path, root).replace(os.sep, '/')}:{r.line}:{r.column} {r.message}"
        out.append(line)
    return out


def project_run(root: Path, paths: list[str] | None = None, select=("XF", "AS501"), cache=None):
    settings = Settings(select=list(select))
    linter = Linter(settings)
    return run(Options(paths=paths or [str(root)]), settings, linter, cache=cache)


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_repository(name, tmp_path, request) -> None:
    root = make_repo(name, tmp_path / name)
    found = "\n".join(lines_of(project_run(root), root)) + "\n"
    expected = REPOS / f"{name}.expected"
    if request.config.getoption("--update-snapshots"):
        expected.write_text(found, encoding="utf-8")
    assert found == expected.read_text(encoding="utf-8")
    if "--" not in name:
        assert found.strip() == "", "a correct sample repository stays quiet"
    else:
        rule = name.split("--")[1].split("-")[0]
        assert f" {rule} " in found, f"the broken variant fires {rule}"


@pytest.mark.parametrize("rule", PROJECT_RULES, ids=lambda r: r.id)
def test_project_rule_examples(rule, tmp_path) -> None:
    bad = write_example(rule.bad, tmp_path / "bad")
    assert rule.id in {f.rule for f in project_run(bad).findings}, "the bad example must fire"
    good = write_example(rule.good, tmp_path / "good")
    assert rule.id not in {f.rule for f in project_run(good).findings}, "the good example must stay quiet"


@pytest.mark.parametrize("rule", PROJECT_RULES, ids=lambda r: r.id)
def test_project_rule_has_a_sample(rule) -> None:
    assert any(f"--{rule.id}-" in name for name in SAMPLES), f"no sample repository tests/repos/*--{rule.id}-*"


def test_one_named_file_checks_its_links_against_the_rest(tmp_path) -> None:
    """A pre-commit run names the changed template: the buildspec it names is read anyway,
    and findings are reported for the template only."""
    root = make_repo("ecs-rolling--XF003-not-listed", tmp_path / "r")
    report = project_run(root, [str(root / "pipeline.yaml")])
    assert [f.rule for f in report.findings] == ["XF003"]
    assert report.findings[0].related[0].path.endswith("buildspec.yml")
    only_buildspec = project_run(root, [str(root / "ci" / "buildspec.yml")])
    assert only_buildspec.findings == []


def test_exports_are_cached_with_findings(tmp_path, monkeypatch) -> None:
    from linter.run import cache_for

    monkeypatch.setenv("PIPELINT_CACHE_DIR", str(tmp_path / "cache"))
    root = make_repo("ecs-rolling--XF003-not-listed", tmp_path / "r")
    settings = Settings(select=["XF"], root=str(tmp_path / "cache"))
    linter = Linter(settings)
    cache = cache_for(settings, linter)
    cold = run(Options(paths=[str(root)]), settings, linter, cache=cache)
    entries = [json.loads(Path(folder, n).read_text()) for folder, _, names in os.walk(tmp_path / "cache")
               for n in names if n.endswith(".json")]
    assert any(e.get("exports", {}).get("kind") == "buildspec" for e in entries)
    cache.hits = 0
    calls = []
    linter.exports = lambda doc, kind: calls.append(kind) or {}  # a warm run must not re-parse
    warm = run(Options(paths=[str(root)]), settings, linter, cache=cache)
    assert calls == [] and cache.hits == 2
    assert lines_of(warm, root) == lines_of(cold, root) != []


def test_unnamed_files_exports_come_from_the_cache(tmp_path, monkeypatch) -> None:
    from linter.run import cache_for

    monkeypatch.setenv("PIPELINT_CACHE_DIR", str(tmp_path / "cache"))
    root = make_repo("ecs-rolling--XF003-not-listed", tmp_path / "r")
    settings = Settings(select=["XF"], root=str(tmp_path / "cache"))
    linter = Linter(settings)
    cache = cache_for(settings, linter)
    first = run(Options(paths=[str(root / "pipeline.yaml")]), settings, linter, cache=cache)
    linter.exports_of = lambda *a: pytest.fail("the buildspec's exports were cached")  # type: ignore[method-assign]
    second = run(Options(paths=[str(root / "pipeline.yaml")]), settings, linter, cache=cache)
    assert lines_of(first, root) == lines_of(second, root) != []


def test_suppression_of_a_project_rule_is_honoured_and_not_unused(tmp_path) -> None:
    root = make_repo("ecs-rolling--XF001-wrong-path", tmp_path / "r")
    template = root / "pipeline.yaml"
    text = template.read_text().replace("BuildSpec: ci/buildspec.yaml",
                                        "BuildSpec: ci/buildspec.yaml  # pipelint: disable=XF001")
    template.write_text(text)
    report = project_run(root, select=("XF", "PL006"))
    assert [f.rule for f in report.findings] == []


def test_sarif_related_locations(tmp_path) -> None:
    from linter.reporters.sarif import build

    root = make_repo("ecs-rolling--XF003-not-listed", tmp_path / "r")
    report = project_run(root)
    sarif = build(report)
    result = sarif["runs"][0]["results"][0]
    assert result["ruleId"] == "XF003"
    related = result["relatedLocations"]
    assert related[0]["physicalLocation"]["region"]["startLine"] == 8
    assert related[0]["message"]["text"] == "the buildspec's artifacts"
    schema_path = SHARED / "sarif" / "sarif-schema-2.1.0.json"
    if not schema_path.exists():
        pytest.skip("no SARIF schema in ../shared/sarif")
    import jsonschema

    jsonschema.validate(sarif, json.loads(schema_path.read_text(encoding="utf-8")))


def test_exports_of_an_unparsed_or_foreign_file_are_none() -> None:
    linter = Linter()
    assert linter.exports_of("x.yaml", b"a: [") is None
    assert linter.exports_of("x.yaml", b"just: data\n") is None
    assert ROOT.is_dir()


GRAPHED = ["ecs-rolling", "ecs-bluegreen", "cfn-deploy", "ec2-codedeploy", "ec2-codedeploy--XF004-script-not-packaged"]


@pytest.mark.parametrize("name", GRAPHED)
def test_graph_snapshots(name, tmp_path, request) -> None:
    from linter import graph

    root = make_repo(name, tmp_path / name)
    items = graph.graphs(project_run(root), str(root))
    for fmt, text in (("mmd", graph.mermaid(items)), ("dot", graph.dot(items))):
        expected = Path(__file__).resolve().parent / "graphs" / f"{name}.{fmt}"
        if request.config.getoption("--update-snapshots"):
            expected.write_text(text, encoding="utf-8")
        assert text == expected.read_text(encoding="utf-8")
    again = graph.graphs(project_run(root), str(root))
    assert graph.mermaid(again) == graph.mermaid(items), "deterministic"


def test_graph_command(tmp_path, capsys, monkeypatch) -> None:
    from helpers import cli

    root = make_repo("ecs-rolling--XF003-not-listed", tmp_path / "r")
    (root / ".pipelint.toml").write_text('select = ["XF"]\n')
    monkeypatch.chdir(root)
    code, out, err = cli(["graph", "."], capsys)
    assert code == 0 and out.startswith("```mermaid\nflowchart LR\n") and "⚠ XF003" in out
    code, out, _ = cli(["graph", "--format", "dot", "."], capsys)
    assert code == 0 and out.startswith("digraph pipeline0 {")
    code, _, err = cli(["graph", "--format", "svg", "."], capsys)
    assert code == 2 and "unknown format" in err
    (tmp_path / "empty").mkdir()
    code, out, err = cli(["graph", str(tmp_path / "empty")], capsys)
    assert code == 0 and out == "" and "no pipeline" in err


@pytest.mark.skipif(not (SHARED / "corpus").is_dir(), reason="no shared corpus")
def test_the_corpus_out_of_its_repositories_gives_no_cross_file_finding() -> None:
    """334 real files, each far from the repository it came from: what they link to is
    unknown, never missing (pipelines of other repositories are recognised as such)."""
    report = project_run(SHARED / "corpus", select=("XF", "PL005"))
    assert report.files == 334 and report.findings == []


def test_a_pipeline_of_another_repository_is_not_checked_against_this_one(tmp_path) -> None:
    root = make_repo("ecs-rolling--XF001-wrong-path", tmp_path / "r")
    (root / "ci" / "buildspec.yml").unlink()   # nothing the pipeline reads is here, nor a near miss
    (root / "ci").rmdir()
    assert project_run(root).findings == []


def test_root_without_a_work_tree_is_the_current_folder(tmp_path, monkeypatch) -> None:
    from linter.project import repository_root

    (tmp_path / "infra").mkdir()
    monkeypatch.chdir(tmp_path)
    assert repository_root(["infra/pipeline.yaml"], None) == str(tmp_path)
    assert repository_root(["infra/pipeline.yaml"], "/config/folder") == "/config/folder"
    assert repository_root([str(tmp_path / "infra" / "x.yaml")], None) == str(tmp_path)


def test_related_locations_in_json_and_text(tmp_path, capsys, monkeypatch) -> None:
    from helpers import cli

    root = make_repo("ecs-rolling--XF003-not-listed", tmp_path / "r")
    monkeypatch.chdir(root)
    code, out, _ = cli(["check", "--select", "XF", "--format", "json", "--no-cache", "."], capsys)
    found = json.loads(out)
    findings = found if isinstance(found, list) else found["findings"]
    assert findings[0]["related"] == [{"path": "ci/buildspec.yml", "line": 8, "column": 1,
                                       "message": "the buildspec's artifacts"}]
    code, out, _ = cli(["check", "--select", "XF", "--color", "always", "--no-cache", "."], capsys)
    assert "see:" in out and "ci/buildspec.yml:8:1: the buildspec's artifacts" in out


def test_an_appspec_named_alone_finds_the_pipeline_that_packages_it(tmp_path) -> None:
    """Pre-commit on a changed AppSpec kept in codedeploy/: AS501 alone would look beside it;
    the template that packages it says the revision root is the repository's, so AS501
    defers, and XF004's findings (in the template, not named) are not reported."""
    root = make_repo("ec2-codedeploy--XF004-script-missing", tmp_path / "r")
    appspec = str(root / "codedeploy" / "appspec.yml")
    assert [f.rule for f in project_run(root, [appspec], select=("AS501",)).findings] == ["AS501"]
    assert project_run(root, [appspec]).findings == []


def test_artifacts_that_lead_back_to_themselves_are_unknown(tmp_path) -> None:
    root = tmp_path / "r"
    write_example("""
# file: template.yaml
Resources:
  B:
    Type: AWS::CodeBuild::Project
    Properties: {Source: {Type: CODEPIPELINE}}
  P:
    Type: AWS::CodePipeline::Pipeline
    Properties:
      Stages:
        - Name: S
          Actions:
            - Name: A
              ActionTypeId: {Category: Build, Owner: AWS, Provider: CodeBuild, Version: "1"}
              Configuration: {ProjectName: !Ref B}
              InputArtifacts: [{Name: Y}]
              OutputArtifacts: [{Name: X}]
            - Name: C
              ActionTypeId: {Category: Build, Owner: AWS, Provider: CodeBuild, Version: "1"}
              Configuration: {ProjectName: !Ref B}
              InputArtifacts: [{Name: X}]
              OutputArtifacts: [{Name: Y}]
            - Name: D
              ActionTypeId: {Category: Deploy, Owner: AWS, Provider: ECS, Version: "1"}
              InputArtifacts: [{Name: X}]
""", root)
    assert project_run(root, select=("XF", "PL005")).findings == []


def test_hostile_shapes_give_no_internal_error(tmp_path) -> None:
    """Stages, actions, configuration and artifacts of every wrong shape."""
    root = tmp_path / "r"
    write_example("""
# file: template.yaml
Resources:
  B: {Type: AWS::CodeBuild::Project, Properties: {Source: {Type: CODEPIPELINE, BuildSpec: [a]}, Name: [x]}}
  P:
    Type: AWS::CodePipeline::Pipeline
    Properties:
      Stages:
        - Name: [1]
          Actions:
            - {Name: A, ActionTypeId: {Category: Build, Provider: CodeBuild}, Configuration: [1],
               InputArtifacts: {Name: Y}, OutputArtifacts: [[1], {Name: {Ref: X}}]}
            - {Name: B, ActionTypeId: {Category: Deploy, Provider: ECS}, Configuration: {FileName: {"Fn::Sub": "${A}"}},
               InputArtifacts: [{Name: Y}]}
            - {Name: C, ActionTypeId: {Category: Deploy, Provider: CloudFormation},
               Configuration: {ActionMode: CREATE_UPDATE, TemplatePath: "::", ParameterOverrides: "{bad"},
               InputArtifacts: [{Name: Y}]}
            - {Name: D, ActionTypeId: {Category: Deploy, Provider: CodeDeployToECS},
               Configuration: {TaskDefinitionTemplateArtifact: Y, AppSpecTemplatePath: ../../etc/passwd}}
        - "not a stage"
# file: appspec.yml
version: 0.0
os: linux
hooks: [1, 2]
# file: buildspec.yml
version: 0.2
artifacts: {files: {a: b}, base-directory: [x], secondary-artifacts: [1]}
phases: {build: {commands: [{a: b}, "echo > ", "cp", "tee"]}}
""", root)
    report = project_run(root, select=("XF", "PL005"))
    assert [f for f in report.findings if f.rule == "PL005"] == []


def test_graph_labels_are_escaped() -> None:
    from linter.graph import Graph, dot, mermaid

    g = Graph('t "x"', stages=[('Say "hi" <b>', [("p0s0a0", 'A "b"\nCodeBuild', ["XF001"])])],
              artifacts={'Out"put': "p0r0"}, files={'a"b.yml': ("p0f0", [])},
              edges=[("p0s0a0", "p0r0", "solid"), ("p0f0", "p0s0a0", "dotted")])
    text = mermaid([g])
    assert 'subgraph p0s0["Say #quot;hi#quot; &lt;b&gt;"]' in text
    assert 'p0s0a0["A #quot;b#quot;<br/>CodeBuild<br/>⚠ XF001"]' in text and 'p0r0(["Out#quot;put"])' in text
    assert "p0f0 -.-> p0s0a0" in text and "class p0s0a0 finding" in text
    text = dot([g])
    assert 'label="Say \\"hi\\" <b>";' in text and 'p0s0a0 [shape=box, label="A \\"b\\"\\nCodeBuild\\n⚠ XF001", color=red' in text
    assert "p0f0 -> p0s0a0 [style=dotted];" in text


def test_a_sample_in_a_folder_of_a_larger_repository_is_its_own_source_root(tmp_path) -> None:
    """A repository of samples: each pipeline's source is the folder where the paths it
    reads are, not the git root."""
    root = make_repo("ecs-rolling--XF001-wrong-path", tmp_path / "top" / "samples" / "web")
    (root / ".git").rmdir()
    (tmp_path / "top" / ".git").mkdir()
    (tmp_path / "top" / "buildspec.yml").write_text("version: 0.2\nphases: {build: {commands: [make]}}\n")
    lines = lines_of(project_run(tmp_path / "top"), tmp_path / "top")
    assert lines[0].startswith("samples/web/pipeline.yaml:14:20 XF001 error project Build reads its buildspec from "
                               "'ci/buildspec.yaml', which is not in the repository; did you mean 'ci/buildspec.yml'?")
    correct = make_repo("ecs-rolling", tmp_path / "top2" / "samples" / "web")
    (correct / ".git").rmdir()
    (tmp_path / "top2" / ".git").mkdir()
    assert project_run(tmp_path / "top2").findings == []


def test_an_action_buildspec_override_is_not_what_the_build_runs(tmp_path) -> None:
    """CodePipeline's CodeBuild action has no BuildspecOverride (CP106 reports the key): the
    project's buildspec runs (satoshi256kbyte/github-gitlab-codepipeline wrote one per action,
    over a placeholder inline buildspec). XF001 judges the project's path, not the key's."""
    text = """
    # file: pipeline.yaml
    Resources:
      Build:
        Type: AWS::CodeBuild::Project
        Properties:
          Artifacts: {Type: CODEPIPELINE}
          Environment: {Type: LINUX_CONTAINER, ComputeType: BUILD_GENERAL1_SMALL, Image: aws/codebuild/standard:7.0}
          ServiceRole: arn:aws:iam::123456789012:role/build
          Source: {Type: CODEPIPELINE, BuildSpec: SPEC}
      Pipeline:
        Type: AWS::CodePipeline::Pipeline
        Properties:
          RoleArn: arn:aws:iam::123456789012:role/pipeline
          ArtifactStore: {Type: S3, Location: artifacts-bucket}
          Stages:
            - Name: Source
              Actions:
                - Name: Source
                  ActionTypeId: {Category: Source, Owner: AWS, Provider: CodeCommit, Version: "1"}
                  Configuration: {RepositoryName: app, BranchName: main}
                  OutputArtifacts: [{Name: Src}]
            - Name: Build
              Actions:
                - Name: Lint
                  ActionTypeId: {Category: Build, Owner: AWS, Provider: CodeBuild, Version: "1"}
                  Configuration: {ProjectName: !Ref Build, BuildspecOverride: OVERRIDE}
                  InputArtifacts: [{Name: Src}]
    # file: ci/buildspec.yml
    version: 0.2
    phases:
      build:
        commands: [make lint]
    """
    text = textwrap.dedent(text)
    quiet = write_example(text.replace("SPEC", "ci/buildspec.yml").replace("OVERRIDE", "ci/buildspec-lint.yml"),
                          tmp_path / "quiet")
    assert lines_of(project_run(quiet), quiet) == []
    loud = write_example(text.replace("SPEC", "ci/buildspec-build.yml").replace("OVERRIDE", "ci/buildspec.yml"),
                         tmp_path / "loud")
    found = lines_of(project_run(loud), loud)
    assert len(found) == 1 and " XF001 " in found[0] and "'ci/buildspec-build.yml'" in found[0], found
