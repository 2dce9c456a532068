"""Organisation policies: the `policy` table (validation, positions), the POL rules as a run
gives them their policy, the cache key, and `pipelint policy`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import cli, lint, snapshot_line
from linter.config import ConfigError, load_config
from linter.engine import Linter
from linter.policy import SPECS, image_allowed, key_lines
from linter.run import Options, cache_for, run, settings_for

PYPROJECT = """\
[project]
name = "app"

[tool.pipelint]
select = ["ALL"]

[tool.pipelint.policy]
required-hooks = { ec2 = ["ValidateService"], ecs = ["AfterAllowTestTraffic"], lambda = ["BeforeAllowTraffic"] }
approval-before = ["(?i)prod"]               # stage name patterns
allowed-images = ["aws/codebuild/standard:7.0", "*.dkr.ecr.*.amazonaws.com/*"]
privileged-mode = false
"buildspec-version" = "0.2"
max-hook-timeout = 900

[tool.pipelint.severity]
BS001 = "error"
"""


def _write(tmp_path: Path, text: str, name: str = "pyproject.toml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _error(tmp_path: Path, text: str, name: str = ".pipelint.toml") -> str:
    with pytest.raises(ConfigError) as info:
        load_config(_write(tmp_path, text, name))
    return str(info.value).replace(str(tmp_path) + "/", "")


# -- the table -------------------------------------------------------------------------

def test_policies_are_read_with_their_lines(tmp_path: Path) -> None:
    cfg = load_config(_write(tmp_path, PYPROJECT))
    assert {k: (p.rule, p.line, p.where) for k, p in cfg.policy.items()} == {
        "required-hooks": ("POL001", 8, "pyproject.toml:8"),
        "approval-before": ("POL002", 9, "pyproject.toml:9"),
        "allowed-images": ("POL003", 10, "pyproject.toml:10"),
        "privileged-mode": ("POL004", 11, "pyproject.toml:11"),
        "buildspec-version": ("POL005", 12, "pyproject.toml:12"),
        "max-hook-timeout": ("POL007", 13, "pyproject.toml:13"),
    }
    assert cfg.policy["buildspec-version"].value == ["0.2"]
    assert cfg.policy["allowed-images"].label == "policy allowed-images (pyproject.toml:10)"


def test_key_lines_in_every_toml_form() -> None:
    text = """\
[tool.pipelint]
policy.required-tags = ["team"]
policy = { max-hook-timeout = 600,
  inline-buildspec = false }

[tool.pipelint.policy.required-hooks]
ec2 = ["ValidateService"]

[tool.other]
allowed-images = ["not ours"]
"""
    found = key_lines(text, ["tool", "pipelint", "policy"],
                      ["required-tags", "max-hook-timeout", "inline-buildspec", "required-hooks", "allowed-images"])
    assert found == {"required-tags": 2, "max-hook-timeout": 3, "inline-buildspec": 4, "required-hooks": 6}


def test_top_level_policy_table_of_pipelint_toml(tmp_path: Path) -> None:
    cfg = load_config(_write(tmp_path, 'fail-on = "error"\n\n[policy]\nrequired-tags = ["team"]\n', ".pipelint.toml"))
    assert cfg.policy["required-tags"].where == ".pipelint.toml:4"


@pytest.mark.parametrize(("text", "message"), [
    ('[policy]\nallowed-image = ["x"]\n',
     ".pipelint.toml:2: unknown policy 'allowed-image' in [policy]; did you mean 'allowed-images'?"),
    ('[policy]\nrequired-hooks = { ec2 = ["ValidateServices"] }\n',
     ".pipelint.toml:2: policy required-hooks ec2: 'ValidateServices' is no lifecycle event EC2/On-Premises "
     "AppSpecs can hook; did you mean 'ValidateService'?"),
    ('[policy]\nrequired-hooks = { ecs = ["ValidateService"] }\n',
     ".pipelint.toml:2: policy required-hooks ecs: 'ValidateService' is no lifecycle event ECS AppSpecs can hook "
     "(events: BeforeInstall, AfterInstall, AfterAllowTestTraffic, BeforeAllowTraffic, AfterAllowTraffic)"),
    ('[policy]\nrequired-hooks = { lamda = ["BeforeAllowTraffic"] }\n',
     ".pipelint.toml:2: policy required-hooks names the platform 'lamda'; did you mean 'lambda'?"),
    ('[policy]\nrequired-hooks = ["ValidateService"]\n',
     '.pipelint.toml:2: policy required-hooks must be a table of platform = [events], e.g. '
     '{ ec2 = ["ValidateService"] }'),
    ('[policy]\napproval-before = ["(prod"]\n',
     ".pipelint.toml:2: policy approval-before the regular expression '(prod' does not compile: missing ), "
     "unterminated subpattern at position 0"),
    ('[policy]\nallowed-images = ["re:standard:[7"]\n',
     ".pipelint.toml:2: policy allowed-images the regular expression 'standard:[7' does not compile: unterminated "
     "character set at position 9"),
    ('[policy]\nprivileged-mode = "false"\n', ".pipelint.toml:2: policy privileged-mode must be true or false"),
    ('[policy]\nmax-hook-timeout = 0\n',
     ".pipelint.toml:2: policy max-hook-timeout must be a whole number of seconds, at least 1 (e.g. 900)"),
    ('[policy]\nmax-hook-timeout = true\n',
     ".pipelint.toml:2: policy max-hook-timeout must be a whole number of seconds, at least 1 (e.g. 900)"),
    ('[policy]\nbuildspec-version = "0.3"\n',
     ".pipelint.toml:2: policy buildspec-version names version '0.3'; buildspecs have version \"0.1\" or \"0.2\""),
    ('[policy]\nforbidden-actions = ["iam"]\n',
     ".pipelint.toml:2: policy forbidden-actions names 'iam', which is not of the form service:action (e.g. iam:*)"),
    ('[policy]\nrequired-tags = [1, 2]\n', ".pipelint.toml:2: policy required-tags must be a list of tag keys"),
    ('policy = "strict"\n', ".pipelint.toml: [policy] must be a table of policy = value"),
])
def test_invalid_policies_name_the_file_the_line_and_the_key(tmp_path: Path, text: str, message: str) -> None:
    assert _error(tmp_path, text) == message


def test_pyproject_error_names_the_section(tmp_path: Path) -> None:
    message = _error(tmp_path, '[tool.pipelint.policy]\nrequired-tag = ["team"]\n', "pyproject.toml")
    assert message == ("pyproject.toml:2: unknown policy 'required-tag' in [tool.pipelint.policy]; "
                       "did you mean 'required-tags'?")


def test_a_number_version_is_read_as_its_text(tmp_path: Path) -> None:
    cfg = load_config(_write(tmp_path, "[policy]\nbuildspec-version = 0.2\n", ".pipelint.toml"))
    assert cfg.policy["buildspec-version"].value == ["0.2"]


def test_every_policy_has_its_own_rule() -> None:
    from linter import registry

    rules = registry.load().rules
    assert len({s.rule for s in SPECS.values()}) == len(SPECS)
    for key, spec in SPECS.items():
        assert spec.rule in rules and rules[spec.rule].example_options["policy"] == key


def test_image_patterns() -> None:
    allowed = ["aws/codebuild/standard:7.0", "*.dkr.ecr.*.amazonaws.com/*", "re:aws/codebuild/amazonlinux-.*:5\\.0"]
    assert image_allowed("aws/codebuild/standard:7.0", allowed)
    assert image_allowed("123456789012.dkr.ecr.eu-west-1.amazonaws.com/builder:1", allowed)
    assert image_allowed("aws/codebuild/amazonlinux-x86_64-standard:5.0", allowed)
    assert not image_allowed("aws/codebuild/amazonlinux-x86_64-standard:5.0.1", allowed)  # re: matches the whole name
    assert not image_allowed("aws/codebuild/standard:6.0", allowed)
    assert not image_allowed("AWS/codebuild/standard:7.0", allowed)  # case-sensitive


# -- the rules, as a run gives them their policies ---------------------------------------

def _lint_with(tmp_path: Path, policy: str, text: str, name: str, kind: str | None = None) -> list[str]:
    config = _write(tmp_path, "[policy]\n" + policy + "\n", ".pipelint.toml")
    settings, _ = settings_for(config_path=config, kind=kind)
    settings.ignore = ["CFN"]
    findings = Linter(settings).lint_bytes(name, text.encode()) or []
    return [snapshot_line(f) for f in findings if f.rule.startswith("POL")]


TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Build:
    Type: AWS::CodeBuild::Project
    Properties:
      ServiceRole: arn:aws:iam::123456789012:role/build
      Artifacts: {Type: NO_ARTIFACTS}
      Source: {Type: CODEPIPELINE, BuildSpec: ci/buildspec.yml}
      Environment:
        Type: LINUX_CONTAINER
        ComputeType: BUILD_GENERAL1_SMALL
        Image: IMAGE
"""


def test_allowed_images_finding_names_the_policy_and_its_line(tmp_path: Path) -> None:
    lines = _lint_with(tmp_path, 'allowed-images = ["aws/codebuild/standard:7.0"]',
                       TEMPLATE.replace("IMAGE", "node:20"), "template.yaml")
    assert lines == ["12:16-12:23 POL003 error Build builds on node:20, an image policy allowed-images "
                     "(.pipelint.toml:2) does not allow | fix: build on one of the images the policy allows"]
    assert _lint_with(tmp_path, 'allowed-images = ["aws/codebuild/standard:7.0"]',
                      TEMPLATE.replace("IMAGE", "aws/codebuild/standard:7.0"), "template.yaml") == []


def test_an_image_from_a_parameter_is_never_a_violation(tmp_path: Path) -> None:
    text = TEMPLATE.replace("IMAGE", "!Ref Image").replace("Resources:", "Parameters:\n  Image: {Type: String, "
                                                                           "Default: node:20}\nResources:")
    assert _lint_with(tmp_path, 'allowed-images = ["aws/codebuild/standard:7.0"]', text, "template.yaml") == []
    sub = TEMPLATE.replace("IMAGE", '!Sub "docker.io/${Name}"')
    assert _lint_with(tmp_path, 'allowed-images = ["docker.io/library/*"]', sub, "template.yaml") == []
    assert len(_lint_with(tmp_path, 'allowed-images = ["aws/codebuild/*"]', sub, "template.yaml")) == 1


def test_no_policy_no_finding(tmp_path: Path) -> None:
    text = TEMPLATE.replace("IMAGE", "node:20")
    assert [f for f in lint(text, path="template.yaml", ignore=["CFN"]) if f.rule.startswith("POL")] == []


def test_max_hook_timeout_at_or_above_the_default_leaves_untimed_scripts_alone(tmp_path: Path) -> None:
    appspec = "version: 0.0\nos: linux\nhooks:\n  ValidateService:\n    - location: check.sh\n"
    assert _lint_with(tmp_path, "max-hook-timeout = 3600", appspec, "appspec.yml") == []
    assert _lint_with(tmp_path, "max-hook-timeout = 900", appspec, "appspec.yml") == [
        "5:7-5:15 POL007 error a ValidateService script without a timeout may run 3600 s, CodeDeploy's default, "
        "above the 900 s policy max-hook-timeout (.pipelint.toml:2) allows | fix: add timeout: 900 (or less)"]


def test_required_hooks_on_lambda(tmp_path: Path) -> None:
    appspec = ("version: 0.0\nResources:\n  - Fn:\n      Type: AWS::Lambda::Function\n      Properties:\n"
               "        Name: fn\n        Alias: live\n        CurrentVersion: 1\n        TargetVersion: 2\n"
               "Hooks:\n  - AfterAllowTraffic: check\n")
    assert _lint_with(tmp_path, 'required-hooks = { lambda = ["BeforeAllowTraffic"] }', appspec, "appspec.yml") == [
        "10:1-10:6 POL001 error policy required-hooks (.pipelint.toml:2) requires a BeforeAllowTraffic hook on "
        "Lambda AppSpecs; this one has none | fix: add a BeforeAllowTraffic hook"]
    assert _lint_with(tmp_path, 'required-hooks = { ec2 = ["ValidateService"] }', appspec, "appspec.yml") == []


def test_forbidden_actions_match_wildcards_both_ways(tmp_path: Path) -> None:
    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["iam:Get*", "s3:Get*", "sts:AssumeRole"], "Resource": "*"}]})
    assert [line.split(" POL008 ")[1].split(" | ")[0] for line in
            _lint_with(tmp_path, 'forbidden-actions = ["iam:GetRole", "s3:Put*"]', policy, "policy.json")] == [
        "error the policy allows iam:Get*, which grants actions policy forbidden-actions (.pipelint.toml:2) forbids "
        "(iam:GetRole)"]


def test_forbidden_managed_policy_by_name_and_partition(tmp_path: Path) -> None:
    template = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {Version: "2012-10-17", Statement: []}
      ManagedPolicyArns:
        - arn:aws-us-gov:iam::aws:policy/AdministratorAccess
        - !Join [":", [arn, !Ref "AWS::Partition", "iam::aws:policy/ReadOnlyAccess"]]
        - !Join ["", [!Ref Prefix, "AdministratorAccess"]]
"""
    lines = _lint_with(tmp_path, 'forbidden-managed-policies = ["AdministratorAccess", "ReadOnlyAccess"]', template,
                       "template.yaml")
    assert [line.split(" | ")[0] for line in lines] == [
        "8:11-8:61 POL009 error resource Role attaches arn:aws-us-gov:iam::aws:policy/AdministratorAccess, which "
        "policy forbidden-managed-policies (.pipelint.toml:2) forbids",
        "9:11-9:86 POL009 error resource Role attaches arn:aws:iam::aws:policy/ReadOnlyAccess, which policy "
        "forbidden-managed-policies (.pipelint.toml:2) forbids"]


# -- runs: the cache key, the command ----------------------------------------------------

def test_the_cache_key_changes_with_a_policy(tmp_path: Path) -> None:
    config = _write(tmp_path, '[policy]\nallowed-images = ["aws/codebuild/standard:7.0"]\n', ".pipelint.toml")
    first, _ = settings_for(config_path=config)
    same, _ = settings_for(config_path=config)
    _write(tmp_path, '[policy]\nallowed-images = ["aws/codebuild/standard:6.0"]\n', ".pipelint.toml")
    changed, _ = settings_for(config_path=config)
    context = lambda s: cache_for(s, Linter(s)).context  # noqa: E731
    assert context(first) == context(same) != context(changed)


def test_a_cached_run_sees_a_changed_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "template.yaml").write_text(TEMPLATE.replace("IMAGE", "aws/codebuild/standard:6.0"))
    config = _write(tmp_path, '[policy]\nallowed-images = ["aws/codebuild/standard:7.0"]\n', ".pipelint.toml")

    def findings() -> list[str]:
        settings, _ = settings_for(config_path=config, select=["POL"])
        linter = Linter(settings)
        report = run(Options(paths=["template.yaml"]), settings, linter, cache=cache_for(settings, linter))
        return [f.rule for f in report.findings]

    assert findings() == ["POL003"]
    assert findings() == ["POL003"]  # from the cache
    _write(tmp_path, '[policy]\nallowed-images = ["aws/codebuild/standard:*"]\n', ".pipelint.toml")
    assert findings() == []


def test_policy_command_lists_the_active_policies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    _write(tmp_path, PYPROJECT)
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")  # found upward from the current folder
    code, out, _ = cli(["policy"], capsys)
    assert code == 0
    assert out.splitlines() == [
        f"6 policies in {tmp_path / 'pyproject.toml'}:",
        'POL001  required-hooks     { ec2 = ["ValidateService"], ecs = ["AfterAllowTestTraffic"], lambda = '
        '["BeforeAllowTraffic"] }  (pyproject.toml:8)',
        'POL002  approval-before    ["(?i)prod"]  (pyproject.toml:9)',
        'POL003  allowed-images     ["aws/codebuild/standard:7.0", "*.dkr.ecr.*.amazonaws.com/*"]  '
        '(pyproject.toml:10)',
        "POL004  privileged-mode    false  (pyproject.toml:11)",
        'POL005  buildspec-version  ["0.2"]  (pyproject.toml:12)',
        "POL007  max-hook-timeout   900  (pyproject.toml:13)",
    ]
    code, out, _ = cli(["policy", "--format", "json"], capsys)
    data = json.loads(out)
    assert code == 0 and data["policies"][6 - 1] == {"policy": "max-hook-timeout", "rule": "POL007", "value": 900,
                                                      "line": 13}


def test_policy_command_without_policies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    config = _write(tmp_path, 'fail-on = "error"\n', ".pipelint.toml")
    code, out, _ = cli(["policy", "--config", config], capsys)
    assert (code, out) == (0, f"pipelint: {config} sets no policy ([tool.pipelint.policy], or [policy] in "
                              ".pipelint.toml)\n")


def test_policy_command_reports_a_bad_policy(tmp_path: Path, capsys) -> None:
    config = _write(tmp_path, "[policy]\nmax-hook-timeout = -1\n", ".pipelint.toml")
    code, out, err = cli(["policy", "--config", config], capsys)
    assert code == 2 and out == ""
    assert err == (f"pipelint: error: {config}:2: policy max-hook-timeout must be a whole number of seconds, "
                   "at least 1 (e.g. 900)\n")


def test_check_fails_on_a_policy_violation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "buildspec.yml").write_text("version: 0.1\nphases:\n  build:\n    commands: [make]\n")
    _write(tmp_path, '[tool.pipelint]\nignore = ["BS102"]\n\n[tool.pipelint.policy]\nbuildspec-version = "0.2"\n')
    code, out, _ = cli(["check", "--no-cache", "buildspec.yml"], capsys)
    assert code == 1
    assert out.splitlines()[0] == ("buildspec.yml:1:10: POL005 error version 0.1, where policy buildspec-version "
                                   "(pyproject.toml:5) requires 0.2")


def test_the_readme_policy_table_is_valid_and_complete(tmp_path: Path) -> None:
    from helpers import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Policies\n", 1)[1]
    table = section.split("```toml\n", 1)[1].split("```", 1)[0]
    cfg = load_config(_write(tmp_path, table))
    assert sorted(cfg.policy) == sorted(SPECS)


STRICT = """\
[policy]
required-hooks = { ec2 = ["ValidateService"], ecs = ["AfterAllowTestTraffic"], lambda = ["BeforeAllowTraffic"] }
approval-before = ["(?i)prod"]
allowed-images = ["aws/codebuild/standard:7.0", "re:[0-9]+\\\\.dkr\\\\.ecr\\\\..*"]
privileged-mode = false
buildspec-version = "0.2"
inline-buildspec = false
max-hook-timeout = 60
forbidden-actions = ["*"]
forbidden-managed-policies = ["*"]
allowed-source-providers = ["CodeCommit"]
artifact-store-encryption = true
required-tags = ["team"]
required-rollback = true
required-alarms = true
allowed-deployment-configs = ["none"]
"""
ODD = [
    ("appspec.yml", "{}\n"),
    ("appspec.yml", "version: 0.0\nhooks: 3\n"),
    ("appspec.yml", "Resources: 3\nHooks: [1, [2]]\n"),
    ("appspec.yml", "version: 0.0\nhooks:\n  ValidateService: [3, {timeout: x}, "
                    "{location: a, timeout: 99999999999999999999}]\n"),
    ("buildspec.yml", "version: [1]\nphases: {}\n"),
    ("pipeline.json", '{"pipeline": {"roleArn": "r", "stages": [{"name": 3, "actions": [{"actionTypeId": 5}]}], '
                      '"artifactStore": 1, "artifactStores": [1, {"a": 2}]}}'),
    ("template.yaml", "Resources:\n  P:\n    Type: AWS::CodeBuild::Project\n    Properties:\n      Tags: {a: b}\n"
                      "      Environment: [1]\n      Source: {BuildSpec: !Sub [x, {}]}\n"
                      "  G:\n    Type: AWS::CodeDeploy::DeploymentGroup\n    Properties:\n"
                      "      DeploymentConfigName: !Ref Nowhere\n      AutoRollbackConfiguration: 3\n"
                      "  R:\n    Type: AWS::IAM::Role\n    Properties:\n"
                      "      ManagedPolicyArns: [!Join [1, 2], !Sub []]\n"
                      "      Policies: [{PolicyDocument: {Statement: [{Effect: Allow, NotAction: [!Ref A]}]}}]\n"),
]


def test_every_fixture_and_odd_shapes_under_every_policy_give_no_internal_error(tmp_path: Path) -> None:
    from helpers import FIXTURES

    settings, _ = settings_for(config_path=_write(tmp_path, STRICT, ".pipelint.toml"))
    settings.ignore = ["CFN"]
    linter = Linter(settings)
    files = [(p.name, p.read_text(encoding="utf-8", errors="replace"), p.relative_to(FIXTURES).parts[0])
             for p in sorted(FIXTURES.glob("*/**/*")) if p.is_file() and p.suffix in (".yml", ".yaml", ".json")]
    fired = set()
    for name, text, kind in files + [(n, t, None) for n, t in ODD]:
        linter.settings.kind = kind
        findings = linter.lint_bytes(name, text.encode()) or []
        assert not [f.message for f in findings if f.rule == "PL005"], name
        fired |= {f.rule for f in findings if f.rule.startswith("POL")}
    assert fired == {s.rule for s in SPECS.values()}


def test_forbidden_actions_leave_trust_policies_alone(tmp_path: Path) -> None:
    template = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Principal: {Service: codebuild.amazonaws.com}, Action: sts:AssumeRole}
      Policies:
        - PolicyName: hop
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - {Effect: Allow, Action: sts:AssumeRole, Resource: arn:aws:iam::123456789012:role/other}
"""
    lines = _lint_with(tmp_path, 'forbidden-actions = ["sts:AssumeRole"]', template, "template.yaml")
    assert [line.split(" | ")[0] for line in lines] == [
        "15:41-15:55 POL008 error resource Role allows sts:AssumeRole, which policy forbidden-actions "
        "(.pipelint.toml:2) forbids"]


def test_each_rule_slug_is_its_policy_key() -> None:
    from linter import registry

    rules = registry.load().rules
    assert {key: rules[spec.rule].name for key, spec in SPECS.items()} == {key: f"policy-{key}" for key in SPECS}
