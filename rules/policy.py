"""Policy rules (POL): an organisation's own rules, set in the configuration's `policy` table.

Each rule enforces one key of `[tool.pipelint.policy]` (linter/policy.py checks the table
and hands each value to its rule as the rule's options) and is silent while its key is not
set. Every finding names the policy and where it is written, `policy allowed-images
(pyproject.toml:14)`, so whoever meets it knows whose rule it is and where to look.

The rules read the packs' models (AppSpec hooks, the pipeline model, IAM statements, the
CodeDeploy template model) and, like them, never report a value they cannot know: a `Ref`
to a parameter or an `Fn::Sub` over one is not a violation.
"""

from __future__ import annotations

import fnmatch
import re
from functools import lru_cache
from typing import Any, Callable, Iterator

from linter.document import Node
from linter.policy import PLATFORMS, image_allowed
from linter.rule import Context, Finding, rule
from linter.rules import appspec as appspec_pack
from linter.rules import codedeploy as cd
from linter.rules.iam import _meet
from linter.rules.iam_model import managed_policy_arns, statements
from linter.rules.intrinsics import branches, resources_of
from linter.rules.pipeline_model import Pipeline, field_of, pipelines

PROJECT = "AWS::CodeBuild::Project"
PIPELINE = "AWS::CodePipeline::Pipeline"


def _policy(ctx: Context) -> tuple[Any, str]:
    """(the policy's value or None when it is not set, its label for messages)."""
    key = ctx.options.get("policy") or ctx.rule.name
    return ctx.options.get("value"), ctx.options.get("label") or f"policy {key}"


def _example(key: str, value: Any) -> dict[str, Any]:
    return {"policy": key, "value": value, "label": f"policy {key} (pyproject.toml:12)"}


def _text(node: Node | None) -> str | None:
    """A literal string (or number) as written; None for an intrinsic function or a bool."""
    if node is None or not node.is_scalar or node.data is None or isinstance(node.data, bool):
        return None
    return str(node.data)


def _flag(node: Node | None) -> bool | None:
    if node is None or not node.is_scalar:
        return None
    if isinstance(node.data, bool):
        return node.data
    return {"true": True, "false": False}.get(str(node.data).strip().lower())


# -- POL001 required-hooks ---------------------------------------------------------------

_SHORT = {long: short for short, long in PLATFORMS.items()}


@rule(id="POL001", name="policy-required-hooks", category="hooks", severity="error", kinds=("appspec",),
      summary="an AppSpec without a lifecycle hook that policy required-hooks requires on its platform",
      fix="add the hook the policy requires (a validation script, or a Lambda function for ECS and Lambda)",
      bad="""
          version: 0.0
          os: linux
          hooks:
            AfterInstall:
              - location: scripts/setup.sh""",
      good="""
          version: 0.0
          os: linux
          hooks:
            AfterInstall:
              - location: scripts/setup.sh
            ValidateService:
              - location: scripts/check.sh""",
      example_options=_example("required-hooks", {"ec2": ["ValidateService"]}))
def policy_required_hooks(ctx: Context) -> Iterator[Finding]:
    """`required-hooks = { ec2 = ["ValidateService"], ecs = ["AfterAllowTestTraffic"], lambda =
    ["BeforeAllowTraffic"] }` names, per platform, the lifecycle events every AppSpec must hook:
    typically a validation step, so no deployment shifts traffic before something checked the
    new revision. The platform is the AppSpec's own (ECS and Lambda by their Resources). An
    EC2 hook with no scripts runs nothing and counts as missing; event names are the
    platform's, checked when the configuration is read."""
    value, label = _policy(ctx)
    if not value or ctx.root is None or not ctx.root.is_map:
        return
    platform = appspec_pack.platform(ctx.root)
    wanted = value.get(_SHORT.get(platform or "", ""), [])
    if not wanted:
        return
    present = {str(key.data) for key, scripts in appspec_pack._hook_entries(ctx) if scripts.data not in (None, [])}
    hooks_key, _ = appspec_pack._hooks(ctx)
    at = hooks_key or (ctx.root.value[0][0] if ctx.root.value else None)
    for event in wanted:
        if event not in present:
            yield ctx.report(at, f"{label} requires {cd._a(event)} hook on {platform} AppSpecs; this one has none",
                             fix=f"add {cd._a(event)} hook")


# -- POL002 approval-before --------------------------------------------------------------

_PIPELINE_JSON = """
    {"pipeline": {"name": "app", "roleArn": "arn:aws:iam::123456789012:role/pipeline",
      "artifactStore": {"type": "S3", "location": "artifacts"},
      "stages": [
        {"name": "Source", "actions": [{"name": "Source", "actionTypeId": {"category": "Source", "owner": "AWS",
          "provider": "CodeStarSourceConnection", "version": "1"}, "outputArtifacts": [{"name": "src"}],
          "configuration": {"ConnectionArn": "arn:aws:codeconnections:eu-west-1:123456789012:connection/x",
                            "FullRepositoryId": "org/app", "BranchName": "main"}}]},
        APPROVAL{"name": "Production", "actions": [{"name": "Deploy", "actionTypeId": {"category": "Deploy",
          "owner": "AWS", "provider": "CodeDeploy", "version": "1"}, "inputArtifacts": [{"name": "src"}],
          "configuration": {"ApplicationName": "app", "DeploymentGroupName": "prod"}}]}]}}"""
_APPROVAL = ('{"name": "Approve", "actions": [{"name": "Approve", "actionTypeId": {"category": "Approval", '
             '"owner": "AWS", "provider": "Manual", "version": "1"}}]},\n        ')


@rule(id="POL002", name="policy-approval-before", category="ordering", severity="error",
      kinds=("pipeline", "cloudformation"),
      summary="a stage that policy approval-before names, with no manual approval before it",
      fix="add a Manual approval action in an earlier stage, or first in this stage",
      bad=_PIPELINE_JSON.replace("APPROVAL", ""), good=_PIPELINE_JSON.replace("APPROVAL", _APPROVAL),
      example_options=_example("approval-before", ["(?i)prod"]))
def policy_approval_before(ctx: Context) -> Iterator[Finding]:
    """`approval-before = ["(?i)prod"]` lists regular expressions; a stage whose name one of
    them finds (`re.search`) runs only after a person approves: a Manual approval action in
    an earlier stage, or in the same stage at a lower run order than every other action of
    it. Pipelines in JSON files and AWS::CodePipeline::Pipeline resources alike; a stage name
    given by an intrinsic function is not judged, and an action of unknown category earlier
    in the pipeline may be the approval."""
    value, label = _policy(ctx)
    if not value:
        return
    patterns = [_regex(p) for p in value]
    for pipeline in pipelines(ctx.doc):
        for stage in pipeline.stages:
            name = stage.name.text if stage.name else None
            if name is None or not any(p.search(name) for p in patterns):
                continue
            earlier = [a for s in pipeline.stages[:stage.index] for a in s.actions]
            if any(a.type_is(category="Approval", provider="Manual") or a.category is None or a.category.text is None
                   for a in earlier):
                continue
            own = [a for a in stage.actions if a.type_is(category="Approval", provider="Manual")]
            others = [a for a in stage.actions if a not in own]
            if not others or (own and min(a.order for a in own) < min(a.order for a in others)):
                continue
            if any(a.category is None or a.category.text is None for a in others):
                continue
            yield ctx.report(stage.name.node, f"stage {name} has no manual approval before it; {label} requires one")


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


# -- POL003 allowed-images, POL004 privileged-mode ---------------------------------------

_PROJECT_YAML = """
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
            Image: aws/codebuild/standard:7.0
            PrivilegedMode: false
          Tags:
            - {Key: team, Value: platform}"""


def _environments(ctx: Context) -> Iterator[tuple[Node, Node]]:
    """(logical id, Environment map) of each CodeBuild project, both branches of an Fn::If."""
    for key, props in resources_of(ctx.root, PROJECT):
        for env in branches(props.get("Environment")):
            if env.is_map:
                yield key, env


def _sub_template(node: Node) -> str | None:
    if node.is_map and len(node.value) == 1 and node.value[0][0].data == "Fn::Sub":
        value = node.value[0][1]
        template = value.value[0] if value.is_seq and value.value else value
        return str(template.data) if template.is_scalar and isinstance(template.data, str) else None
    return None


@rule(id="POL003", name="policy-allowed-images", category="practice", severity="error", kinds=("cloudformation",),
      summary="a CodeBuild project on an image that policy allowed-images does not list",
      fix="build on one of the images the policy allows",
      bad=_PROJECT_YAML.replace("aws/codebuild/standard:7.0", "node:20"), good=_PROJECT_YAML,
      example_options=_example("allowed-images", ["aws/codebuild/standard:7.0", "*.dkr.ecr.*.amazonaws.com/*"]))
def policy_allowed_images(ctx: Context) -> Iterator[Finding]:
    """`allowed-images = ["aws/codebuild/standard:7.0", "*.dkr.ecr.*.amazonaws.com/*"]` lists
    the images CodeBuild projects may build on (Environment.Image): an exact name, a glob (`*`
    any run of characters, `/` and `:` included, `?` one character, matched case-sensitively
    against the whole name), or `re:` and a regular expression that must match the whole name
    (`re:aws/codebuild/standard:[67]\\.0`). An image written with `Fn::Sub` is checked with
    each `${...}` standing for any text (reported only when no value could be allowed);
    an image given by `Ref` is not judged."""
    value, label = _policy(ctx)
    if not value:
        return
    for key, env in _environments(ctx):
        for node in branches(env.get("Image")):
            image = _text(node)
            if image is None:
                template = _sub_template(node)
                if template is None or any(p.startswith("re:") for p in value) or \
                        any(_meet(re.sub(r"\$\{[^}]*\}", "*", template), p) for p in value):
                    continue
                image = template
            elif image_allowed(image, value):
                continue
            yield ctx.report(node, f"{key.data} builds on {image}, an image {label} does not allow")


@rule(id="POL004", name="policy-privileged-mode", category="practice", severity="error", kinds=("cloudformation",),
      summary="a CodeBuild project in privileged mode where policy privileged-mode forbids it",
      fix="set PrivilegedMode: false (build images with a rootless builder, or in a project the policy exempts)",
      bad=_PROJECT_YAML.replace("PrivilegedMode: false", "PrivilegedMode: true"), good=_PROJECT_YAML,
      example_options=_example("privileged-mode", False))
def policy_privileged_mode(ctx: Context) -> Iterator[Finding]:
    """`privileged-mode = false` forbids `PrivilegedMode: true` on CodeBuild projects: a
    privileged build runs the Docker daemon with the host's root privileges, so whatever the
    build runs (a dependency's install script) can escape the container. `true` (or leaving
    the key out) allows it."""
    value, label = _policy(ctx)
    if value is not False:
        return
    for key, env in _environments(ctx):
        node = env.get("PrivilegedMode")
        if _flag(node) is True:
            yield ctx.report(node, f"{key.data} runs in privileged mode, which {label} forbids")


# -- POL005 buildspec-version, POL006 inline-buildspec -----------------------------------

@rule(id="POL005", name="policy-buildspec-version", category="practice", severity="error", kinds=("buildspec",),
      summary="a buildspec (or an inline one) whose version is not the one policy buildspec-version sets",
      fix="write the version the policy sets (0.2 runs every phase in one shell)",
      bad="""
          version: 0.1
          phases:
            build:
              commands: [make]""",
      good="""
          version: 0.2
          phases:
            build:
              commands: [make]""",
      example_options=_example("buildspec-version", ["0.2"]))
def policy_buildspec_version(ctx: Context) -> Iterator[Finding]:
    """`buildspec-version = "0.2"` (or a list) sets the versions buildspecs may declare:
    version 0.1 runs each command in its own shell, 0.2 keeps one shell and adds `env`
    sections such as `secrets-manager`. Buildspec files and the inline buildspecs of CodeBuild
    projects in templates are both checked; a missing or malformed version is the schema's
    to report."""
    value, label = _policy(ctx)
    if not value or ctx.root is None or not ctx.root.is_map:
        return
    node = ctx.root.get("version")
    text = _text(node)
    if text is None or text in value:
        return
    yield ctx.report(node, f"version {text}, where {label} requires {' or '.join(value)}",
                     fix=f"write version: {value[0]}")


def _inline(node: Node) -> bool:
    text = _text(node)
    if text is None:
        text = _sub_template(node)
        if text is None:
            return False
    text = text.strip()
    return "\n" in text or text.startswith(("version:", "version :", "{"))


@rule(id="POL006", name="policy-inline-buildspec", category="practice", severity="error", kinds=("cloudformation",),
      summary="a CodeBuild project with its buildspec inline where policy inline-buildspec forbids it",
      fix="move the buildspec into a file in the source (Source.BuildSpec: path/buildspec.yml) or into S3",
      bad=_PROJECT_YAML.replace("Source: {Type: CODEPIPELINE, BuildSpec: ci/buildspec.yml}",
                                "Source:\n            Type: CODEPIPELINE\n            BuildSpec: |\n"
                                "              version: 0.2\n              phases:\n                build:\n"
                                "                  commands: [make]"),
      good=_PROJECT_YAML, example_options=_example("inline-buildspec", False))
def policy_inline_buildspec(ctx: Context) -> Iterator[Finding]:
    """`inline-buildspec = false` requires Source.BuildSpec to name a file (a path in the
    source, or an S3 object) instead of holding the buildspec itself: an inline buildspec
    changes only with the stack, escapes the review and the linting of the repository's
    buildspec files, and is where plain-text secrets hide. Text with a line break, or that
    starts like a buildspec (`version:`, `{`), is inline; an `Fn::Sub` is judged by its template."""
    value, label = _policy(ctx)
    if value is not False:
        return
    for key, props in resources_of(ctx.root, PROJECT):
        for source in branches(props.get("Source")):
            node = source.get("BuildSpec") if source.is_map else None
            for spec in branches(node):
                if _inline(spec):
                    yield ctx.report(source.key_node("BuildSpec"),
                                     f"{key.data} writes its buildspec inline, which {label} forbids")


# -- POL007 max-hook-timeout -------------------------------------------------------------

DEFAULT_TIMEOUT = 3600


@rule(id="POL007", name="policy-max-hook-timeout", category="hooks", severity="error", kinds=("appspec",),
      summary="an AppSpec script that may run longer than policy max-hook-timeout allows (its timeout, or the "
              "default 3600 s when it sets none)",
      fix="give the script a timeout within the policy's limit",
      bad="""
          version: 0.0
          os: linux
          hooks:
            ValidateService:
              - location: scripts/check.sh
                timeout: 1800""",
      good="""
          version: 0.0
          os: linux
          hooks:
            ValidateService:
              - location: scripts/check.sh
                timeout: 300""",
      example_options=_example("max-hook-timeout", 900))
def policy_max_hook_timeout(ctx: Context) -> Iterator[Finding]:
    """`max-hook-timeout = 900` caps, in seconds, how long any one script of an EC2/On-Premises
    AppSpec may run: a hung script holds the deployment (and the instance out of service)
    until its timeout. A script without `timeout` may run for CodeDeploy's default, 3600 s,
    so under a policy below that it must set one; a timeout that is no positive whole
    number is AS106's to report. ECS and Lambda hooks are Lambda functions, whose timeout is
    the function's, not the AppSpec's."""
    value, label = _policy(ctx)
    if not value or appspec_pack.platform(ctx.root) != appspec_pack.EC2:
        return
    for event, scripts in appspec_pack._hook_entries(ctx):
        for script in scripts.value if scripts.is_seq else ():
            if not script.is_map:
                continue
            node = script.get("timeout")
            if node is None:
                if DEFAULT_TIMEOUT > value and "location" in script:
                    yield ctx.report(script.key_node("location"),
                                     f"{cd._a(str(event.data))} script without a timeout may run {DEFAULT_TIMEOUT} s, "
                                     f"CodeDeploy's default, above the {value} s {label} allows",
                                     fix=f"add timeout: {value} (or less)")
                continue
            text = _text(node)
            seconds = int(text) if text is not None and text.strip().isdigit() and len(text.strip()) <= 18 else None
            if seconds is not None and seconds > value:
                yield ctx.report(node, f"{cd._a(str(event.data))} script with a timeout of {seconds} s, above the "
                                       f"{value} s {label} allows", fix=f"lower the timeout to {value} s or less")


# -- POL008 forbidden-actions, POL009 forbidden-managed-policies --------------------------

_ROLE = """
    AWSTemplateFormatVersion: "2010-09-09"
    Resources:
      BuildRole:
        Type: AWS::IAM::Role
        Properties:
          AssumeRolePolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Principal: {Service: codebuild.amazonaws.com}
                Action: sts:AssumeRole
          ManagedPolicyArns:
            - !Sub arn:${AWS::Partition}:iam::aws:policy/AWSCodeBuildDeveloperAccess
          Policies:
            - PolicyName: build
              PolicyDocument:
                Version: "2012-10-17"
                Statement:
                  - Effect: Allow
                    Action: [s3:GetObject, s3:PutObject]
                    Resource: arn:aws:s3:::artifacts/*"""


@rule(id="POL008", name="policy-forbidden-actions", category="iam", severity="error",
      kinds=("cloudformation", "iam-policy"),
      summary="a policy statement that allows an action policy forbidden-actions forbids (wildcards included)",
      fix="remove the action, or narrow the wildcard so it no longer covers the forbidden actions",
      bad=_ROLE.replace("[s3:GetObject, s3:PutObject]", "[s3:GetObject, iam:Pass*]"), good=_ROLE,
      example_options=_example("forbidden-actions", ["iam:*", "s3:DeleteBucket"]))
def policy_forbidden_actions(ctx: Context) -> Iterator[Finding]:
    """`forbidden-actions = ["iam:*", "s3:DeleteBucket"]` lists actions no policy may allow.
    Wildcards count both ways: an Allow of `*`, `iam:*` or `iam:Pass*` grants actions that
    `iam:*` forbids, and `s3:Delete*` grants `s3:DeleteBucket` (matching is case-insensitive,
    as IAM's). `Allow` with `NotAction` grants every action it does not list, so a forbidden
    action it does not exclude is reported at `NotAction`. Every policy counts: policy files,
    inline Policies of roles, users and groups, AWS::IAM::Policy and ManagedPolicy, resource
    policies and SAM policy documents; not a role's trust policy, whose `sts:AssumeRole` says
    who may use the role, not what it may do. A Deny elsewhere is not subtracted: the policy forbids
    writing the grant. Actions written with `${...}` are not judged."""
    value, label = _policy(ctx)
    if not value:
        return
    forbidden = [f.lower() for f in value]
    for s in statements(ctx.doc):
        if not s.allows or s.kind == "trust":
            continue
        if s.not_action:
            excluded = [a.text.lower() for a in s.actions if a.text is not None]
            if len(excluded) != len(s.actions) or any("${" in e for e in excluded):
                continue
            hit = [f for f, shown in zip(forbidden, value) if not any(fnmatch.fnmatchcase(f, e) for e in excluded)]
            if hit:
                shown = ", ".join(v for v in value if v.lower() in hit)
                yield ctx.report(s.action_key, f"{s.owner} allows every action but those NotAction lists, {shown} "
                                               f"included, which {label} forbids")
            continue
        for action in s.actions:
            if action.text is None or "${" in action.text:
                continue
            text = action.text.strip().lower()
            hit = [v for f, v in zip(forbidden, value) if _meet(text, f)]
            if not hit:
                continue
            if "*" not in text and "?" not in text:
                also = "" if [h.lower() for h in hit] == [text] else f" ({', '.join(hit)})"
                yield ctx.report(action.node, f"{s.owner} allows {action.text}, which {label} forbids{also}")
            else:
                yield ctx.report(action.node, f"{s.owner} allows {action.text}, which grants actions {label} "
                                              f"forbids ({', '.join(hit)})")


_PARTITIONS = re.compile(r"^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|\$\{AWS::Partition\}):", re.IGNORECASE)


def _arn_text(node: Node) -> str | None:
    """A managed policy ARN as far as it can be known: a literal, an Fn::Sub whose only
    variable is ${AWS::Partition}, an Fn::Join whose unknown parts are only the partition."""
    text = _text(node)
    if text is not None:
        return text
    template = _sub_template(node)
    if template is not None:
        template = template.replace("${AWS::Partition}", "aws")
        return None if "${" in template else template
    if node.is_map and len(node.value) == 1 and node.value[0][0].data == "Fn::Join":
        args = node.value[0][1]
        if args.is_seq and len(args.value) == 2 and args.value[1].is_seq:
            sep, parts = _text(args.value[0]) or "", []
            for part in args.value[1].value:
                piece = _text(part)
                if piece is None and part.is_map and len(part.value) == 1 and part.value[0][0].data == "Ref" \
                        and part.value[0][1].data == "AWS::Partition":
                    piece = "aws"
                if piece is None:
                    return None
                parts.append(piece)
            return sep.join(parts)
    return None


def _policy_key(text: str) -> str:
    """An ARN with its partition as `aws` (an AWS managed policy is the same in every partition)."""
    return _PARTITIONS.sub("arn:aws:", text.strip())


def _managed_match(arn: str, patterns: list[str]) -> str | None:
    key = _policy_key(arn)
    name = key.rsplit("/", 1)[-1]
    for pattern in patterns:
        if pattern.startswith("arn:"):
            if fnmatch.fnmatchcase(key, _policy_key(pattern)):
                return pattern
        elif fnmatch.fnmatchcase(name, pattern):  # a bare name matches the policy of that name
            return pattern
    return None


@rule(id="POL009", name="policy-forbidden-managed-policies", category="iam", severity="error",
      kinds=("cloudformation",),
      summary="a role, user or group that attaches a managed policy policy forbidden-managed-policies forbids",
      fix="attach a narrower policy that grants only what the role needs",
      bad=_ROLE.replace("AWSCodeBuildDeveloperAccess", "AdministratorAccess"), good=_ROLE,
      example_options=_example("forbidden-managed-policies", ["arn:aws:iam::aws:policy/AdministratorAccess"]))
def policy_forbidden_managed_policies(ctx: Context) -> Iterator[Finding]:
    """`forbidden-managed-policies = ["arn:aws:iam::aws:policy/AdministratorAccess"]` lists
    managed policies no role, user or group may attach (ManagedPolicyArns; SAM functions'
    Policies). An entry is an ARN (globs allowed: `arn:aws:iam::aws:policy/*FullAccess`) or a
    bare policy name; the partition does not matter (`arn:aws-cn:` and
    `!Sub arn:${AWS::Partition}:...` are the same policy), and an `Fn::Join` with
    `!Ref AWS::Partition` is read too. An ARN built from parameters is not judged."""
    value, label = _policy(ctx)
    if not value:
        return
    for arn, owner in managed_policy_arns(ctx.doc):
        text = _arn_text(arn.node)
        if text is None:
            continue
        hit = _managed_match(text, value)
        if hit:
            yield ctx.report(arn.node, f"{owner} attaches {text}, which {label} forbids")


# -- POL010 allowed-source-providers, POL011 artifact-store-encryption ---------------------

@rule(id="POL010", name="policy-allowed-source-providers", category="practice", severity="error",
      kinds=("pipeline", "cloudformation"),
      summary="a pipeline Source action whose provider policy allowed-source-providers does not list",
      fix="read the source through an allowed provider (CodeStarSourceConnection for GitHub, Bitbucket, GitLab)",
      bad=_PIPELINE_JSON.replace("APPROVAL", _APPROVAL).replace(
          '"owner": "AWS",\n          "provider": "CodeStarSourceConnection"', '"owner": "ThirdParty",\n'
          '          "provider": "GitHub"').replace(
          '"ConnectionArn": "arn:aws:codeconnections:eu-west-1:123456789012:connection/x",\n'
          '                            "FullRepositoryId": "org/app", "BranchName": "main"',
          '"Owner": "org", "Repo": "app", "Branch": "main", "OAuthToken": "{{resolve:secretsmanager:gh}}"'),
      good=_PIPELINE_JSON.replace("APPROVAL", _APPROVAL),
      example_options=_example("allowed-source-providers", ["CodeStarSourceConnection", "CodeCommit", "S3", "ECR"]))
def policy_allowed_source_providers(ctx: Context) -> Iterator[Finding]:
    """`allowed-source-providers = ["CodeStarSourceConnection", "CodeCommit", "S3", "ECR"]`
    lists where pipelines may read their sources from. An entry is a provider (`GitHub`), or
    an owner and a provider (`ThirdParty/GitHub`, the GitHub version 1 action that reads
    through an OAuth token; `Custom/MyProvider`). Each Source action of pipeline JSON files and
    AWS::CodePipeline::Pipeline resources is checked; a provider given by an intrinsic
    function is not judged."""
    value, label = _policy(ctx)
    if not value:
        return
    for pipeline in pipelines(ctx.doc):
        for action in pipeline.actions:
            if not action.type_is(category="Source") or action.provider is None or action.provider.text is None:
                continue
            provider = action.provider.text
            owner = action.owner.text if action.owner and action.owner.text else None
            if provider in value or (owner and f"{owner}/{provider}" in value):
                continue
            what = f"{owner}/{provider}" if owner else provider
            if (owner, provider) == ("ThirdParty", "GitHub"):
                what += " (GitHub version 1, with an OAuth token)"
            yield ctx.report(action.provider.node, f"{action.label} reads its source from {what}, a provider {label} "
                                                   "does not allow")


def _stores(pipeline: Pipeline) -> Iterator[tuple[Node, Node]]:
    """(where to report, artifact store map) of each artifact store of a pipeline."""
    key, store = field_of(pipeline.node, "artifactStore")
    for item in branches(store):
        if item.is_map:
            yield key, item
    key, stores = field_of(pipeline.node, "artifactStores")
    for item in branches(stores):
        if item.is_map:  # JSON: region -> store
            for region, value in item.items():
                for store_item in branches(value):
                    if store_item.is_map:
                        yield region, store_item
        elif item.is_seq:  # templates: [{Region, ArtifactStore}]
            for entry in item.value:
                for e in branches(entry):
                    _, inner = field_of(e, "artifactStore")
                    for store_item in branches(inner):
                        if store_item.is_map:
                            yield field_of(e, "artifactStore")[0] or key, store_item


def _intrinsic(node: Node) -> bool:
    return node.is_map and len(node.value) == 1 and isinstance(node.value[0][0].data, str) and \
        (node.value[0][0].data == "Ref" or node.value[0][0].data.startswith("Fn::"))


@rule(id="POL011", name="policy-artifact-store-encryption", category="practice", severity="error",
      kinds=("pipeline", "cloudformation"),
      summary="a pipeline artifact store without a KMS key where policy artifact-store-encryption requires one",
      fix="add encryptionKey: {id: <KMS key ARN>, type: KMS} to the artifact store",
      bad=_PIPELINE_JSON.replace("APPROVAL", _APPROVAL),
      good=_PIPELINE_JSON.replace("APPROVAL", _APPROVAL).replace(
          '"location": "artifacts"}', '"location": "artifacts",\n      "encryptionKey": {"id": '
          '"arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", "type": "KMS"}}'),
      example_options=_example("artifact-store-encryption", True))
def policy_artifact_store_encryption(ctx: Context) -> Iterator[Finding]:
    """`artifact-store-encryption = true` requires every artifact store of a pipeline
    (artifactStore, and each region's in artifactStores) to name a customer managed KMS key
    (`encryptionKey`). Without one, CodePipeline encrypts artifacts with the account's AWS
    managed `aws/s3` key, which any principal of the account with S3 access can decrypt and
    which cannot be shared with the accounts a cross-account pipeline deploys to."""
    value, label = _policy(ctx)
    if value is not True:
        return
    for pipeline in pipelines(ctx.doc):
        name = pipeline.logical_id or "the pipeline"
        for at, store in _stores(pipeline):
            if _intrinsic(store):
                continue
            _, key = field_of(store, "encryptionKey")
            if key is None:
                yield ctx.report(at or store, f"an artifact store of {name} has no encryptionKey, which {label} "
                                              "requires")


# -- POL012 required-tags ------------------------------------------------------------------

@rule(id="POL012", name="policy-required-tags", category="practice", severity="error", kinds=("cloudformation",),
      summary="a CodeBuild project or pipeline without a tag policy required-tags requires",
      fix="add the missing tags to the resource's Tags",
      bad=_PROJECT_YAML.replace("            - {Key: team, Value: platform}", "            - {Key: owner, Value: me}"),
      good=_PROJECT_YAML, example_options=_example("required-tags", ["team"]))
def policy_required_tags(ctx: Context) -> Iterator[Finding]:
    """`required-tags = ["team", "cost-center"]` lists tag keys (case-sensitive, as AWS tags
    are) every AWS::CodeBuild::Project and AWS::CodePipeline::Pipeline must carry in its
    `Tags`, for cost allocation and ownership. Tags given by an intrinsic function, or with a
    key that is, are not judged; tags a deployment adds to the whole stack cannot be seen."""
    value, label = _policy(ctx)
    if not value:
        return
    for key, props in resources_of(ctx.root, PROJECT, PIPELINE):
        tags = props.get("Tags")
        keys: set[str] = set()
        unknown = False
        for item in branches(tags):
            if not item.is_seq:
                unknown = True
                continue
            for tag in item.value:
                for t in branches(tag):
                    name = _text(t.get("Key")) if t.is_map else None
                    if name is None:
                        unknown = True
                    else:
                        keys.add(name)
        missing = [t for t in value if t not in keys]
        if unknown or not missing:
            continue
        plural = "s" if len(missing) > 1 else ""
        yield ctx.report(props.key_node("Tags") or key, f"{key.data} has no {', '.join(missing)} tag{plural}, which "
                                                        f"{label} requires", fix=f"add Tags: {', '.join(missing)}")


# -- POL013 required-rollback, POL014 required-alarms, POL015 allowed-deployment-configs ---

# SAM turns a DeploymentPreference into a deployment group of its own ("Internals", SAM's
# safe_lambda_deployments documentation); these are the Types it maps to
# CodeDeployDefault.Lambda<Type>. Any other Type is passed on as the group's
# DeploymentConfigName unchanged: a full CodeDeployDefault name, or a custom configuration's.
SAM_TYPES = ("Canary10Percent5Minutes", "Canary10Percent10Minutes", "Canary10Percent15Minutes",
             "Canary10Percent30Minutes", "Linear10PercentEvery1Minute", "Linear10PercentEvery2Minutes",
             "Linear10PercentEvery3Minutes", "Linear10PercentEvery10Minutes", "AllAtOnce")


def _sam_enabled(ctx: Context) -> Iterator[cd.Preference]:
    """The SAM functions whose (merged) DeploymentPreference is known to be enabled: SAM
    creates a deployment group for each. `Enabled` from a parameter is unknown: skipped."""
    for pref in cd._preferences(ctx):
        if cd._enabled(pref) is True:
            yield pref


def _pref_key(model: cd.Model, pref: cd.Preference, key: str) -> Node | None:
    """Where a preference's `key` is written, else its DeploymentPreference key (the
    function's own, or Globals.Function's when only Globals gives one)."""
    return pref.key_node(key) or (pref.function.props.key_node("DeploymentPreference") if pref.own is not None
                                  else model.globals_key)


def _sam_report(ctx: Context, found: list[tuple[Node, str]], message: Callable[[str, Node], str],
                fix: str | None = None) -> Iterator[Finding]:
    """One finding per node (a Globals value shared by several functions is reported once)."""
    for node, names in cd._grouped(found):
        plural = "s" if len(names) > 1 else ""
        yield ctx.report(node, message(f"function{plural} {', '.join(names)}", node), fix=fix)


def _no_value(node: Node) -> bool:
    return node.is_map and len(node.value) == 1 and node.value[0][0].data == "Ref" and \
        node.value[0][1].data == "AWS::NoValue"


def _hook_names(ctx: Context) -> set[str]:
    """The functions some DeploymentPreference names as a hook, and those named CodeDeployHook_*."""
    names = {cd.ref_target(node) for pref in cd._preferences(ctx) for _, node in cd._hooks(pref)}
    for fn in cd.template_model(ctx).of_type(cd.SAM_FUNCTION):
        if (cd.literal_text(fn.props.get("FunctionName")) or "").startswith(cd.HOOK_PREFIX):
            names.add(fn.name)
    return {n for n in names if n}


_GROUP = cd._EC2


@rule(id="POL013", name="policy-required-rollback", category="practice", severity="error", kinds=("cloudformation",),
      summary="a deployment group (or SAM DeploymentPreference) that does not roll back on a failed deployment "
              "where policy required-rollback requires it",
      fix="add AutoRollbackConfiguration: {Enabled: true, Events: [DEPLOYMENT_FAILURE]}",
      bad=_GROUP.replace("[DEPLOYMENT_FAILURE, DEPLOYMENT_STOP_ON_ALARM]", "[DEPLOYMENT_STOP_ON_ALARM]"),
      good=_GROUP, example_options=_example("required-rollback", True))
def policy_required_rollback(ctx: Context) -> Iterator[Finding]:
    """`required-rollback = true` requires every AWS::CodeDeploy::DeploymentGroup to enable
    automatic rollback with DEPLOYMENT_FAILURE among its events, so a failed deployment puts
    the last good revision back without anyone acting. (CD001 warns of the same in general;
    this makes it the organisation's rule, an error.) A configuration written with intrinsic
    functions is not judged.

    SAM functions: the deployment group SAM creates for an enabled `DeploymentPreference`
    always rolls back on DEPLOYMENT_FAILURE, DEPLOYMENT_STOP_ON_ALARM and
    DEPLOYMENT_STOP_ON_REQUEST (the template cannot change that), so such a function
    complies. `Enabled: false` (the function's, or Globals.Function's; `"false"` too) makes SAM
    create no deployment group: the AutoPublishAlias moves to each new version at once and
    nothing rolls it back, which is what this policy forbids; it is reported at the Enabled
    value, except on hook functions (named in a preference's Hooks, or CodeDeployHook_*), which
    SAM's documentation tells to turn traffic shifting off. A function with no
    DeploymentPreference at all, or none with an alias, is not deployed by CodeDeploy and not
    judged (the policy is about deployment groups); `Enabled` from a parameter is unknown."""
    value, label = _policy(ctx)
    if value is not True:
        return
    for group in cd._groups(ctx):
        rb = cd._rollback(group)
        if rb.state == "unknown" or (rb.state == "events" and "DEPLOYMENT_FAILURE" in (rb.events or [])):
            continue
        why = {"absent": "has no AutoRollbackConfiguration", "disabled": "disables automatic rollback",
               "unset": "does not enable automatic rollback (no Enabled: false by default)",
               "no-events": "enables automatic rollback for no event",
               "events": "does not roll back on DEPLOYMENT_FAILURE"}[rb.state]
        yield ctx.report(rb.node, f"deployment group {group.name} {why}; {label} requires rollback on a failed "
                                  "deployment")
    hooks = _hook_names(ctx)
    found: list[tuple[Node, str]] = []
    for pref in cd._preferences(ctx):
        enabled = pref.get("Enabled")
        if enabled is None or cd._flag(enabled) is not False or pref.alias is None or pref.function.name in hooks:
            continue
        found.append((enabled, pref.function.name))
    yield from _sam_report(ctx, found, lambda who, _: (
        f"DeploymentPreference Enabled: false leaves {who} without a deployment group: the alias moves to each new "
        f"version at once and nothing rolls a failed one back; {label} requires rollback on a failed deployment"),
        fix="remove Enabled: false (SAM's deployment group rolls back on DEPLOYMENT_FAILURE)")


@rule(id="POL014", name="policy-required-alarms", category="practice", severity="error", kinds=("cloudformation",),
      summary="a deployment group or SAM DeploymentPreference that watches no alarm where policy required-alarms "
              "requires one",
      fix="add AlarmConfiguration: {Enabled: true, Alarms: [{Name: <alarm>}]}",
      bad=_GROUP.replace("AlarmConfiguration:\n        Enabled: true", "AlarmConfiguration:\n        Enabled: false"),
      good=_GROUP, example_options=_example("required-alarms", True))
def policy_required_alarms(ctx: Context) -> Iterator[Finding]:
    """`required-alarms = true` requires every AWS::CodeDeploy::DeploymentGroup to enable an
    AlarmConfiguration with at least one CloudWatch alarm, so a deployment that raises
    errors is stopped (and, with DEPLOYMENT_STOP_ON_ALARM, rolled back) instead of carrying
    on. A configuration written with intrinsic functions is not judged.

    SAM functions: an enabled `DeploymentPreference` (merged with Globals.Function's, as SAM
    merges them) needs `Alarms` with at least one alarm: without it SAM's deployment group gets
    an AlarmConfiguration that is off. Reported at the Alarms list when it is empty (or holds
    only `!Ref AWS::NoValue`), else at the DeploymentPreference key (Globals' once for every
    function it covers). Alarms chosen by `Fn::If`, and preferences whose Enabled comes from a
    parameter, are not judged; a disabled preference creates no deployment group (POL013)."""
    value, label = _policy(ctx)
    if value is not True:
        return
    for group in cd._groups(ctx):
        state, node, _ = cd._alarms(group)
        if state in ("on", "unknown"):
            continue
        why = {"none": "has no AlarmConfiguration", "off": "does not enable its AlarmConfiguration",
               "empty": "enables an AlarmConfiguration with no alarm"}[state]
        at = node if state == "empty" else (group.props.key_node("AlarmConfiguration") or group.key)
        yield ctx.report(at, f"deployment group {group.name} {why}; {label} requires at least one alarm")
    model = cd.template_model(ctx)
    found: list[tuple[Node, str]] = []
    for pref in _sam_enabled(ctx):
        alarms = pref.get("Alarms")
        items = cd._items(alarms) if alarms is not None else []
        if items is None or any(not _no_value(i) for i in items):
            continue  # alarms written with an intrinsic function (unknown), or at least one alarm
        found.append((alarms if alarms is not None else _pref_key(model, pref, "Alarms"), pref.function.name))
    yield from _sam_report(ctx, found, lambda who, node: (
        f"DeploymentPreference of {who} {'lists no alarm' if node.is_seq else 'has no Alarms'}: the deployment "
        f"group SAM creates watches none; {label} requires at least one alarm"),
        fix="add Alarms: [!Ref <alarm>] to the DeploymentPreference")


SERVER_DEFAULT = "CodeDeployDefault.OneAtATime"


@rule(id="POL015", name="policy-allowed-deployment-configs", category="practice", severity="error",
      kinds=("cloudformation",),
      summary="a deployment group or SAM DeploymentPreference on a deployment configuration policy "
              "allowed-deployment-configs does not list",
      fix="use one of the deployment configurations the policy allows",
      bad=_GROUP.replace("CodeDeployDefault.HalfAtATime", "CodeDeployDefault.AllAtOnce"), good=_GROUP,
      example_options=_example("allowed-deployment-configs", ["CodeDeployDefault.HalfAtATime"]))
def policy_allowed_deployment_configs(ctx: Context) -> Iterator[Finding]:
    """`allowed-deployment-configs = ["CodeDeployDefault.HalfAtATime", "Canary*"]` lists the
    deployment configurations (names or globs) AWS::CodeDeploy::DeploymentGroup may use.
    A `Ref` to an AWS::CodeDeploy::DeploymentConfig of the template counts as that
    configuration's DeploymentConfigName (unknown when it has none). A group that names no
    configuration deploys EC2/On-Premises instances with CodeDeployDefault.OneAtATime, so that
    must be allowed; for ECS and Lambda groups without one, and for names built from
    parameters, nothing is judged.

    SAM functions: the `Type` of an enabled `DeploymentPreference` (the function's, else
    Globals.Function's) is the configuration of the deployment group SAM creates. SAM maps
    its predefined Types (Canary10Percent5Minutes/10/15/30Minutes,
    Linear10PercentEvery1Minute/2/3/10Minutes, AllAtOnce) to CodeDeployDefault.Lambda<Type>
    and passes any other value on unchanged, so a full CodeDeployDefault name or a custom
    configuration's name works too (a `Ref` to a DeploymentConfig of the template is read for
    its DeploymentConfigName). A Type is allowed when the policy matches either the name SAM
    deploys with or the Type as written (`CodeDeployDefault.LambdaCanary*` and `Canary*` both
    allow Canary10Percent5Minutes). A Type from a parameter, `Fn::If` or `Fn::Sub` is unknown
    and not judged."""
    value, label = _policy(ctx)
    if not value:
        return
    model = cd.template_model(ctx)
    for group in cd._groups(ctx):
        node = group.props.get("DeploymentConfigName")
        if node is None:
            platform = cd._platform(model, group)
            if platform == "Server" or (platform is None and any(t in group.props for t in cd.TARGETS)):
                if not any(fnmatch.fnmatchcase(SERVER_DEFAULT, p) for p in value):
                    yield ctx.report(group.key, f"deployment group {group.name} names no DeploymentConfigName, so it "
                                                f"deploys with {SERVER_DEFAULT}, which {label} does not allow",
                                     fix=f"set DeploymentConfigName to one of {', '.join(value)}")
            continue
        for item in branches(node):
            name = _text(item)
            if name is None:
                config = cd._custom_config(model, item)
                name = _text(config.props.get("DeploymentConfigName")) if config is not None else None
            if name is None or any(fnmatch.fnmatchcase(name, p) for p in value):
                continue
            yield ctx.report(item, f"deployment group {group.name} deploys with {name}, which {label} does not allow")
    found: list[tuple[Node, str]] = []
    shown: dict[int, str] = {}
    for pref in _sam_enabled(ctx):
        node = pref.get("Type")
        name = _text(node)
        if name is None and cd.ref_target(node) is not None:
            config = cd._custom_config(model, node)
            name = _text(config.props.get("DeploymentConfigName")) if config is not None else None
        if name is None:
            continue  # no Type (SAM rejects the template), or one from a parameter, Fn::If, Fn::Sub: unknown
        full = f"CodeDeployDefault.Lambda{name}" if name in SAM_TYPES else name
        if any(fnmatch.fnmatchcase(full, p) or fnmatch.fnmatchcase(name, p) for p in value):
            continue
        found.append((node, pref.function.name))
        shown[id(node)] = f"Type {name} ({full})" if full != name else f"Type {name}"
    yield from _sam_report(ctx, found, lambda who, node: (
        f"DeploymentPreference {shown[id(node)]} deploys {who}, a deployment configuration {label} does not allow"))
