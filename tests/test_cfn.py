"""cfn-lint inside pipelint: findings as CFN-<id> with positions, loaded once per run, never
imported without a template, and never reporting what pipelint reports itself."""

from __future__ import annotations

import os
import subprocess
import sys

from helpers import lint
from linter.engine import Linter, Settings

BAD_TYPE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: [not, a, string]
"""


def test_cfn_lint_findings_keep_their_id_and_position() -> None:
    findings = lint(BAD_TYPE, path="template.yaml", kind="cloudformation")
    (finding,) = [f for f in findings if f.rule.startswith("CFN-")]
    assert finding.rule == "CFN-E3012" and finding.name == "cfn-e3012"
    assert finding.category == "schema" and finding.severity == "error"
    assert (finding.line, finding.column) == (6, 7)  # cfn-lint reports at the key
    assert finding.pointer == "/Resources/Bucket/Properties/BucketName"


def test_our_tree_is_released_before_cfn_lint_runs(monkeypatch) -> None:
    """cfn-lint builds its own tree of the template: ours (37 MiB for 6,000 resources) is gone
    by then, so the two never add up (the big template's peak went from 311 to 269 MiB)."""
    import gc

    from linter.cfn import CfnLint
    from linter.document import Document

    alive: list[int] = []
    real = CfnLint.findings

    def findings(self, path, text, data, fmt="yaml"):  # noqa: ANN001, ANN202
        gc.collect()
        alive.append(sum(1 for o in gc.get_objects() if isinstance(o, Document) and o.path == path))
        return real(self, path, text, data, fmt)

    monkeypatch.setattr(CfnLint, "findings", findings)
    secret = BAD_TYPE + "  Db:\n    Type: AWS::RDS::DBInstance\n    Properties:\n      MasterUserPassword: hunter2-Xk9\n"
    result = Linter(Settings(kind="cloudformation")).lint_file("released.yaml", secret.encode())
    assert alive == [0]
    assert [f.rule for f in result.findings] == ["CFN-E3012", "SEC005"]
    # the masks come from the tree, worked out before it went
    assert [result.text[a:b] for a, b in result.masks] == ["hunter2-Xk9"]


def test_template_metadata_suppressions_keep_working() -> None:
    text = BAD_TYPE.replace("Resources:", "Metadata:\n  cfn-lint:\n    config:\n      ignore_checks: [E3012]\nResources:")
    assert not [f for f in lint(text, path="t.yaml", kind="cloudformation") if f.rule.startswith("CFN-")]


def test_pipeline_checks_are_pipelint_s_own() -> None:
    text = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Pipeline:
    Type: AWS::CodePipeline::Pipeline
    Properties:
      RoleArn: arn:aws:iam:::role/pipeline
      ArtifactStore: {Type: S3, Location: artifacts}
      Stages:
        - Name: Source
          Actions:
            - Name: Code
              ActionTypeId: {Category: Source, Owner: AWS, Provider: S3, Version: "1"}
              Configuration: {S3Bucket: src, S3ObjectKey: src.zip, PollForSourceChanges: "false"}
              OutputArtifacts: [{Name: Src}]
        - Name: Build
          Actions:
            - Name: Other
              ActionTypeId: {Category: Source, Owner: AWS, Provider: S3, Version: "1"}
              Configuration: {S3Bucket: src, S3ObjectKey: other.zip, PollForSourceChanges: "false"}
              OutputArtifacts: [{Name: Other}]
            - Name: Build
              ActionTypeId: {Category: Build, Owner: AWS, Provider: CodeBuild, Version: "1"}
              Configuration: {ProjectName: app}
              InputArtifacts: [{Name: Src}, {Name: Other}]
              RunOrder: 2
              Configuration: {ProjectName: app, PrimarySource: Src}
"""
    rules = [f.rule for f in lint(text, path="t.yaml", kind="cloudformation")]
    assert "CP201" in rules and "CP103" in rules
    assert not {r for r in rules if r.startswith("CFN-E370")}, "E3700-E3703 are replaced by the CP rules"
    assert "CFN-E3031" not in rules and "CFN-E1156" not in rules, "the role ARN is reported once, by CP103"


def test_blue_green_hooks_section_gets_no_false_e1001() -> None:
    text = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: [AWS::CodeDeployBlueGreen]
Hooks:
  CodeDeployBlueGreenHook:
    Type: AWS::CodeDeploy::BlueGreen
    Properties:
      ServiceRole: CodeDeployRole
      Applications: []
Resources:
  Bucket:
    Type: AWS::S3::Bucket
"""
    assert "CFN-E1001" not in [f.rule for f in lint(text, path="t.yaml", kind="cloudformation")]


def test_cfn_lint_is_loaded_once_per_run() -> None:
    linter = Linter(Settings())
    linter.lint_bytes("a.yaml", BAD_TYPE.encode())
    first = linter._cfn
    linter.lint_bytes("b.yaml", BAD_TYPE.encode())
    assert first is not None and linter._cfn is first


def test_cfn_lint_is_not_imported_when_ignored_or_without_templates(tmp_path) -> None:
    (tmp_path / "template.yaml").write_text(BAD_TYPE)
    (tmp_path / "buildspec.yml").write_text("version: 0.2\nphases:\n  build:\n    commands: [make]\n")
    probe = ("import sys, runpy; sys.argv=['pipelint','check'] + sys.argv[1:]\n"
             "try:\n  runpy.run_module('linter', run_name='__main__')\n"
             "except SystemExit: pass\n"
             "print('cfnlint' in sys.modules, file=sys.stderr)")
    env = {**os.environ, "CI": "true"}
    run = lambda *args: subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True,  # noqa: E731
                                       cwd=tmp_path, env=env).stderr.strip().splitlines()[-1]
    assert run("buildspec.yml") == "False"
    assert run("--ignore", "CFN", "template.yaml") == "False"
    assert run("template.yaml") == "True"


def test_selecting_one_cfn_lint_check() -> None:
    only = lint(BAD_TYPE, path="t.yaml", kind="cloudformation", select=["CFN-E3012"])
    assert [f.rule for f in only] == ["CFN-E3012"]
    assert lint(BAD_TYPE, path="t.yaml", kind="cloudformation", select=["IAM"]) == []


def test_one_root_cause_one_finding() -> None:
    duplicate = BAD_TYPE.replace("BucketName: [not, a, string]", "BucketName: a\n      BucketName: b")
    assert [f.rule for f in lint(duplicate, path="t.yaml")] == ["PL002"], "not also CFN-E0000 at both keys"
    missing_bang = BAD_TYPE.replace("BucketName: [not, a, string]", "BucketName:\n        - Sub '${AWS::StackName}-b'")
    assert [f.rule for f in lint(missing_bang, path="t.yaml")] == ["CF102"], "not also CFN-E1029 and CFN-E3012"


def test_template_size_limit_is_kept() -> None:
    """cfn-lint's E1002 reads the size of a file it opens itself; pipelint hands it text."""
    small = BAD_TYPE.replace("[not, a, string]", "release-artifacts-bucket")
    text = small + "# " + "x" * 1_000_100 + "\n"
    assert [f.rule for f in lint(text, path="t.yaml")] == ["CFN-E1002"]
    assert [f.rule for f in lint(text, path="t.yaml", cfn_ignore=["E1002"])] == []
    assert [f.rule for f in lint(small, path="t.yaml")] == []


def test_rule_command_describes_cfn_lint_rules(capsys) -> None:
    from helpers import cli

    code, out, _ = cli(["rule", "CFN-E3006"], capsys)
    assert code == 0 and out.startswith("CFN-E3006 cfn-e3006") and "Reported by cfn-lint" in out
    assert cli(["rule", "CFN-E9999"], capsys)[0] == 2
