"""IAM rules: overbroad or dangerous permissions, in every policy document of a template or a
standalone policy file. Each finding points at the Action, Resource or Principal element at
fault. Facts: shared/specs/iam-and-secrets.md (Parts A and B).

Which actions can be scoped to a resource comes from cfn-lint's copy of the IAM service
reference (an action with no resource type works only with `Resource: "*"`, so it is never
flagged for it); access levels (Write, Permissions management, ...) come from
linter/data/iam_access.json, generated from the same reference by scripts/gen_iam_access.py.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import json
import os
from functools import lru_cache
from typing import Iterator

from linter.rule import Context, Finding, rule
from linter.rules.iam_model import Statement, Value, managed_policy_arns, statements

KINDS = ("cloudformation", "iam-policy")
HIGH_RISK = {"iam", "sts", "kms", "organizations"}
ESCALATION = {"iam:createpolicyversion", "iam:setdefaultpolicyversion", "iam:attachrolepolicy",
              "iam:attachuserpolicy", "iam:attachgrouppolicy", "iam:putrolepolicy", "iam:putuserpolicy",
              "iam:putgrouppolicy", "iam:updateassumerolepolicy", "iam:createaccesskey", "iam:createloginprofile",
              "iam:updateloginprofile", "iam:addusertogroup", "glue:updatedevendpoint", "lambda:updatefunctioncode"}
RESTRICTING_KEYS = {"aws:sourcearn", "aws:sourceaccount", "aws:principalorgid", "aws:principalorgpaths",
                    "aws:sourcevpce", "aws:sourcevpc", "aws:sourceowner", "aws:principalaccount",
                    "aws:principalarn", "aws:sourceorgid", "aws:sourceorgpaths", "aws:sourceip", "aws:userid",
                    "kms:callervia", "kms:viaservice", "kms:calleraccount", "sts:externalid",
                    "token.actions.githubusercontent.com:sub", "aws:principalservicename"}
ADMIN = {"AdministratorAccess": "error", "PowerUserAccess": "warning", "IAMFullAccess": "warning"}
_OWNED_ELSEWHERE = ESCALATION | {"iam:passrole"}  # IAM006 and IAM007 report these on "*", once

_TRUST_BAD = """
    Resources:
      DeployRole:
        Type: AWS::IAM::Role
        Properties:
          AssumeRolePolicyDocument:
            Statement:
              - Effect: Allow
                Principal: {Service: codebuild.amazonaws.com}
                Action: sts:AssumeRole
          Policies:
            - PolicyName: deploy
              PolicyDocument:
                Statement:
                  - Effect: Allow
                    Action: "*"
                    Resource: "*\""""


def _role(policy: str) -> str:
    return _TRUST_BAD.replace("""                  - Effect: Allow
                    Action: "*"
                    Resource: "*\"""", policy)


# -- data ------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _cfn_policies() -> dict[str, dict[str, object]]:
    """cfn-lint's Policies.json, found without importing cfn-lint (importing it costs ~1 s)."""
    spec = importlib.util.find_spec("cfnlint")
    if spec is None or not spec.submodule_search_locations:
        return {}
    path = os.path.join(list(spec.submodule_search_locations)[0], "data", "AdditionalSpecs", "Policies.json")
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


@lru_cache(maxsize=1)
def _levels() -> dict[str, dict[str, list[str]]]:
    try:
        from importlib import resources

        return json.loads(resources.files("linter.data").joinpath("iam_access.json").read_text())["levels"]
    except (OSError, ValueError, KeyError, ModuleNotFoundError):
        return {}


def star_only(action: str) -> bool:
    """The action has no resource type: only `Resource: "*"` works for it."""
    service, _, name = action.lower().partition(":")
    actions = _cfn_policies().get(service, {}).get("Actions", {})  # type: ignore[union-attr]
    return name in actions and not actions[name]  # type: ignore[operator]


def expand(pattern: str) -> list[str]:
    """The known actions an action pattern (`s3:Put*`) grants, lowercase `service:action`."""
    service, _, name = pattern.lower().partition(":")
    if not name:
        return []
    known = _cfn_policies().get(service, {}).get("Actions", {})  # type: ignore[union-attr]
    if "*" not in name and "?" not in name:
        return [f"{service}:{name}"]
    return [f"{service}:{a}" for a in known if fnmatch.fnmatchcase(a, name)]  # type: ignore[union-attr]


def level(action: str) -> str | None:
    service, _, name = action.partition(":")
    for code, names in _levels().get(service, {}).items():
        if name in names:
            return code
    return None


def arn_hint(action: str) -> str | None:
    """The ARN pattern of the first resource type an action can be scoped to."""
    service, _, name = action.lower().partition(":")
    data = _cfn_policies().get(service, {})
    types = data.get("Actions", {}).get(name, {}).get("Resources", [])  # type: ignore[union-attr]
    for rtype in sorted(types, key=len):  # the plainest type: object rather than accesspointobject
        formats = data.get("Resources", {}).get(str(rtype).lower(), {}).get("ARNFormats", [])  # type: ignore[union-attr]
        if formats:
            return str(formats[0]).replace("${Partition}", "aws").replace("${Region}", "REGION") \
                .replace("${Account}", "ACCOUNT").replace(".*", "NAME")
    return None


# -- helpers ---------------------------------------------------------------------------------------

def _stars(values: list[Value]) -> list[Value]:
    return [v for v in values if v.text is not None and v.text.strip() == "*"]


def _resource_star(s: Statement) -> Value | None:
    if s.not_resource:
        return None
    found = [v for v in s.resources if v.text is not None and v.text.strip() in ("*", "arn:aws:*:*:*:*")]
    return found[0] if found else None


def _allow_statements(ctx: Context) -> Iterator[Statement]:
    for s in statements(ctx.doc):
        if s.allows:
            yield s


def _where(s: Statement) -> str:
    return f"in {s.owner}" if s.owner else ""


# -- rules -----------------------------------------------------------------------------------------

@rule(id="IAM001", name="full-admin-policy", category="iam", severity="error", kinds=KINDS,
      summary="Allow with Action \"*\" on Resource \"*\": full administrator",
      fix="grant the actions and resources the principal needs",
      bad=_TRUST_BAD, good=_role("""                  - Effect: Allow
                    Action: [s3:GetObject]
                    Resource: arn:aws:s3:::app-artifacts/*"""))
def full_admin_policy(ctx: Context) -> Iterator[Finding]:
    """Every action on every resource is full control of the account: the role can create
    users, read every secret and delete every stack. Build and deploy roles in particular
    must not hold it; a compromised build is then a compromised account."""
    for s in _allow_statements(ctx):
        stars = _stars(s.actions)
        if stars and not s.not_action and _resource_star(s):
            yield ctx.report(stars[0].node, f"Action \"*\" on Resource \"*\" {_where(s)} grants full administrator "
                                            "access")


@rule(id="IAM002", name="wildcard-action", category="iam", severity="error", kinds=KINDS,
      summary="Allow with Action \"*\" (every action of every service) on some resources",
      fix="list the actions needed",
      bad=_role("""                  - Effect: Allow
                    Action: "*"
                    Resource: arn:aws:s3:::app-artifacts/*"""),
      good=_role("""                  - Effect: Allow
                    Action: [s3:GetObject, s3:PutObject]
                    Resource: arn:aws:s3:::app-artifacts/*"""))
def wildcard_action(ctx: Context) -> Iterator[Finding]:
    """Action "*" grants every present and future action of every service on the listed
    resources, including deleting them and changing their policies."""
    for s in _allow_statements(ctx):
        stars = _stars(s.actions)
        if stars and not s.not_action and not _resource_star(s):
            yield ctx.report(stars[0].node, f"Action \"*\" {_where(s)} grants every action of every service")


@rule(id="IAM003", name="service-wildcard", category="iam", severity="warning", kinds=KINDS,
      summary="Allow with a whole-service action (s3:*, iam:*); an error for iam, sts, kms and organizations",
      fix="list the service's actions that are needed",
      bad=_role("""                  - Effect: Allow
                    Action: s3:*
                    Resource: arn:aws:s3:::app-artifacts/*"""),
      good=_role("""                  - Effect: Allow
                    Action: [s3:GetObject, s3:PutObject]
                    Resource: arn:aws:s3:::app-artifacts/*"""))
def service_wildcard(ctx: Context) -> Iterator[Finding]:
    """`service:*` grants every action of the service, now and as it grows: for S3 that
    includes deleting buckets and rewriting their policies. For IAM, STS, KMS and
    Organizations it is a path to the whole account. Services none of whose actions can be
    scoped to a resource (ssmmessages, ec2messages) are left alone."""
    for s in _allow_statements(ctx):
        if s.not_action:
            continue
        for v in s.actions:
            text = (v.text or "").strip()
            if text.endswith(":*") and text.count(":") == 1:
                service = text.split(":")[0].lower()
                if service == "kms" and s.kind == "resource" and s.owner_type == "AWS::KMS::Key":
                    continue  # kms:* to the account in a key policy is AWS's default key policy
                known = _cfn_policies().get(service, {}).get("Actions", {})  # type: ignore[union-attr]
                if known and all(not scopes for scopes in known.values()):  # type: ignore[union-attr]
                    continue  # no action of the service can be scoped (ssmmessages:*): nothing tighter exists
                yield ctx.report(v.node, f"{text} {_where(s)} grants every {service} action",
                                 severity="error" if service in HIGH_RISK else "warning")


@rule(id="IAM004", name="resource-star-write", category="iam", severity="warning", kinds=KINDS,
      summary="write or permissions-management actions on Resource \"*\" that could be scoped",
      fix="scope Resource to the ARNs the actions need",
      bad=_role("""                  - Effect: Allow
                    Action: [s3:PutObject, ecr:GetAuthorizationToken]
                    Resource: "*\""""),
      good=_role("""                  - Effect: Allow
                    Action: [s3:PutObject]
                    Resource: arn:aws:s3:::app-artifacts/*
                  - Effect: Allow
                    Action: [ecr:GetAuthorizationToken]
                    Resource: "*\""""))
def resource_star_write(ctx: Context) -> Iterator[Finding]:
    """Write and permissions-management actions on every resource reach resources the role
    was never meant to touch. Actions that support no resource type (like
    `ecr:GetAuthorizationToken`) work only with `*` and are not flagged; read and list
    actions are left alone. The fix names the ARN form of the action's resource."""
    for s in _allow_statements(ctx):
        star = _resource_star(s)
        if star is None or s.not_action or _stars(s.actions) or s.owner_type == "AWS::KMS::Key":
            continue  # in a key policy, Resource "*" is the key itself
        risky: list[str] = []
        for v in s.actions:
            text = (v.text or "").strip()
            if not text or text.endswith(":*"):
                continue  # unknown, or a whole service (IAM003 says so)
            for action in expand(text):
                if level(action) in ("W", "P") and not star_only(action) and action not in _OWNED_ELSEWHERE:
                    risky.append(action)
        if risky:
            hint = arn_hint(sorted(set(risky))[0])
            shown = ", ".join(sorted(set(risky))[:3]) + (", ..." if len(set(risky)) > 3 else "")
            yield ctx.report(star.node, f"Resource \"*\" {_where(s)} with write or permissions-management actions "
                                        f"that can be scoped: {shown}",
                             fix=f"scope Resource, e.g. {hint}" if hint else None)


@rule(id="IAM005", name="not-action-allow", category="iam", severity="error", kinds=KINDS,
      summary="Allow with NotAction, NotResource (warning) or NotPrincipal",
      fix="list what is allowed (Action, Resource, Principal) instead of what is not",
      bad=_role("""                  - Effect: Allow
                    NotAction: iam:*
                    Resource: "*\""""),
      good=_role("""                  - Effect: Allow
                    Action: [s3:GetObject]
                    Resource: arn:aws:s3:::app-artifacts/*"""))
def not_action_allow(ctx: Context) -> Iterator[Finding]:
    """`Allow` with `NotAction` allows every action except those listed, including every
    action AWS adds later; `NotResource` every resource but the listed ones; `NotPrincipal`
    everyone but the listed principals. Allow-lists are what stay reviewable."""
    for s in _allow_statements(ctx):
        if s.not_action and s.action_key is not None:
            yield ctx.report(s.action_key, f"Allow with NotAction {_where(s)} allows every action except the listed ones")
        if s.not_resource and s.resource_key is not None:
            yield ctx.report(s.resource_key, f"Allow with NotResource {_where(s)} allows every resource except the "
                                             "listed ones", severity="warning")
        if s.not_principal and s.principal_key is not None:
            yield ctx.report(s.principal_key, f"Allow with NotPrincipal {_where(s)} allows everyone except the listed "
                                              "principals")


@rule(id="IAM006", name="passrole-star", category="iam", severity="error", kinds=KINDS,
      summary="iam:PassRole on Resource \"*\" (error; warning with an iam:PassedToService condition), or "
      "scoped but without that condition (info)",
      fix="scope PassRole to the role ARNs the service needs, with an iam:PassedToService condition",
      bad=_role("""                  - Effect: Allow
                    Action: iam:PassRole
                    Resource: "*\""""),
      good=_role("""                  - Effect: Allow
                    Action: iam:PassRole
                    Resource: arn:aws:iam::123456789012:role/app-task
                    Condition:
                      StringEquals:
                        iam:PassedToService: ecs-tasks.amazonaws.com"""))
def passrole_star(ctx: Context) -> Iterator[Finding]:
    """Passing any role to any service is privilege escalation: create an EC2 instance or a
    Lambda function with an administrator role and act as it. PassRole on `*` is an error;
    a scoped PassRole without `iam:PassedToService` still lets the role be handed to
    services it was not made for (info)."""
    for s in _allow_statements(ctx):
        if s.not_action:
            continue
        for v in s.actions:
            text = (v.text or "").strip().lower()
            if not text or text in ("*", "iam:*") or not any(a == "iam:passrole" for a in expand(text)):
                continue
            if _resource_star(s):
                if "iam:passedtoservice" in s.condition_keys:
                    yield ctx.report(v.node, f"iam:PassRole on Resource \"*\" {_where(s)} can hand any role of the "
                                             "account to the service its condition names", severity="warning")
                else:
                    yield ctx.report(v.node, f"iam:PassRole on Resource \"*\" {_where(s)} can hand any role to any "
                                             "service", fix="scope Resource to the roles, e.g. "
                                             f"{arn_hint('iam:passrole') or 'arn:aws:iam::ACCOUNT:role/NAME'}, and add "
                                             "an iam:PassedToService condition")
            elif "iam:passedtoservice" not in s.condition_keys:
                yield ctx.report(v.node, f"iam:PassRole {_where(s)} has no iam:PassedToService condition",
                                 severity="info", fix="add Condition: StringEquals: iam:PassedToService: <service>")


@rule(id="IAM007", name="privilege-escalation", category="iam", severity="error", kinds=KINDS,
      summary="actions that let a principal raise its own permissions, on Resource \"*\"",
      fix="scope the actions to the specific policies, roles or users, or remove them",
      bad=_role("""                  - Effect: Allow
                    Action: [iam:CreatePolicyVersion, iam:AttachRolePolicy]
                    Resource: "*\""""),
      good=_role("""                  - Effect: Allow
                    Action: [iam:GetRole]
                    Resource: arn:aws:iam::123456789012:role/app"""))
def privilege_escalation(ctx: Context) -> Iterator[Finding]:
    """iam:CreatePolicyVersion, SetDefaultPolicyVersion, Attach/Put*Policy,
    UpdateAssumeRolePolicy, CreateAccessKey, CreateLoginProfile, AddUserToGroup,
    lambda:UpdateFunctionCode and glue:UpdateDevEndpoint on every resource let the holder
    grant itself (or take over a principal that has) any permission."""
    for s in _allow_statements(ctx):
        if s.not_action or not _resource_star(s):
            continue
        for v in s.actions:
            text = (v.text or "").strip().lower()
            if not text or text in ("*", "iam:*"):
                continue
            found = sorted(a for a in expand(text) if a in ESCALATION)
            if found:
                hint = arn_hint(found[0])
                yield ctx.report(v.node, f"{v.text} on Resource \"*\" {_where(s)} allows privilege escalation "
                                         f"({', '.join(found[:3])}{', ...' if len(found) > 3 else ''})",
                                 fix=f"scope Resource to the specific ones, e.g. {hint}" if hint else None)


def _lambda_permissions(ctx: Context) -> Iterator[tuple[object, object]]:
    resources = ctx.root.get("Resources") if ctx.root is not None and ctx.root.is_map else None
    for key, resource in resources.items() if resources is not None and resources.is_map else ():
        type_node = resource.get("Type") if resource.is_map else None
        props = resource.get("Properties") if resource.is_map else None
        if type_node is not None and type_node.data == "AWS::Lambda::Permission" and props is not None and props.is_map:
            yield key, props


def _public(principal) -> bool:  # noqa: ANN001 - a Node
    data = principal.data if principal is not None else None
    if data == "*":
        return True
    if isinstance(data, dict):
        aws = data.get("AWS")
        return aws == "*" or (isinstance(aws, list) and "*" in aws)
    return False


@rule(id="IAM008", name="public-principal", category="iam", severity="error", kinds=KINDS,
      summary="a trust or resource policy that allows Principal \"*\" without a restricting condition",
      fix="name the principals, or add a condition on aws:SourceArn, aws:SourceAccount or aws:PrincipalOrgID",
      bad="""
          Resources:
            ArtifactsPolicy:
              Type: AWS::S3::BucketPolicy
              Properties:
                Bucket: app-artifacts
                PolicyDocument:
                  Statement:
                    - Effect: Allow
                      Principal: "*"
                      Action: s3:GetObject
                      Resource: arn:aws:s3:::app-artifacts/*""",
      good="""
          Resources:
            ArtifactsPolicy:
              Type: AWS::S3::BucketPolicy
              Properties:
                Bucket: app-artifacts
                PolicyDocument:
                  Statement:
                    - Effect: Allow
                      Principal: "*"
                      Action: s3:GetObject
                      Resource: arn:aws:s3:::app-artifacts/*
                      Condition:
                        StringEquals:
                          aws:PrincipalOrgID: o-a1b2c3d4e5""")
def public_principal(ctx: Context) -> Iterator[Finding]:
    """`Principal: "*"` (or `{"AWS": "*"}`) is every AWS account and, for S3, SNS and SQS,
    anonymous callers too. Without a condition that narrows it (aws:SourceArn,
    aws:SourceAccount, aws:PrincipalOrgID, aws:SourceVpce, ...) the resource is public, and a
    trust policy lets anyone assume the role."""
    for key, props in _lambda_permissions(ctx):
        principal = props.get("Principal")
        if principal is not None and principal.data == "*" and "SourceArn" not in props \
                and "SourceAccount" not in props and "PrincipalOrgID" not in props:
            yield ctx.report(principal, f"Lambda permission {key.data} lets any principal invoke the function",
                             fix="name the service or account, with SourceArn or SourceAccount")
    for s in _allow_statements(ctx):
        if s.not_principal or not _public(s.principal):
            continue
        if s.condition_keys & RESTRICTING_KEYS:
            continue
        what = "any AWS account can assume this role" if s.kind == "trust" else "the resource is open to everyone"
        yield ctx.report(s.principal, f"Principal \"*\" {_where(s)} with no restricting condition: {what}")


@rule(id="IAM009", name="admin-managed-policy", category="iam", severity="error", kinds=("cloudformation",),
      summary="AWS managed AdministratorAccess attached (error); PowerUserAccess or IAMFullAccess (warning)",
      fix="attach a policy that grants what the principal needs",
      bad="""
          Resources:
            BuildRole:
              Type: AWS::IAM::Role
              Properties:
                AssumeRolePolicyDocument:
                  Statement:
                    - Effect: Allow
                      Principal: {Service: codebuild.amazonaws.com}
                      Action: sts:AssumeRole
                ManagedPolicyArns:
                  - !Sub arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess""",
      good="""
          Resources:
            BuildRole:
              Type: AWS::IAM::Role
              Properties:
                AssumeRolePolicyDocument:
                  Statement:
                    - Effect: Allow
                      Principal: {Service: codebuild.amazonaws.com}
                      Action: sts:AssumeRole
                ManagedPolicyArns:
                  - !Sub arn:${AWS::Partition}:iam::aws:policy/AWSCodeBuildDeveloperAccess""")
def admin_managed_policy(ctx: Context) -> Iterator[Finding]:
    """AdministratorAccess is every action on every resource; PowerUserAccess everything but
    IAM (which still reaches every secret and stack); IAMFullAccess is a path to
    administrator. Roles, users, groups and SAM functions are checked, in every partition."""
    for value, owner in managed_policy_arns(ctx.doc):
        text = value.text.strip()
        name = text.rsplit("/", 1)[-1] if text.startswith("arn:") else text
        is_aws = not text.startswith("arn:") or ":iam::aws:policy/" in text
        if is_aws and name in ADMIN:
            yield ctx.report(value.node, f"AWS managed policy {name} is attached to {owner.replace('resource ', '')}",
                             severity=ADMIN[name])
