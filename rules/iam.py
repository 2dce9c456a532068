"""IAM rules: overbroad or dangerous permissions, in every policy document of a template or a
standalone policy file. Each finding points at the Action, Resource or Principal element at
fault. Facts: shared/specs/iam-and-secrets.md (Parts A and B).

Which actions can be scoped to a resource comes from cfn-lint's copy of the IAM service
reference (an action with no resource type works only with `Resource: "*"`, so it is never
flagged for it), and so do the ARN formats of each action's resource types (read lazily, at
the first template that needs them); access levels (Write, Permissions management, ...) come
from linter/data/iam_access.json, generated from the same reference by
scripts/gen_iam_access.py. An action is known when either table has it.

Conditions: a condition can stand in for a Resource (`aws:ResourceTag/...`,
`aws:RequestedRegion`, `aws:PrincipalTag/...`, `iam:PassedToService`, `iam:PolicyARN`), so on
the rules about Resource "*" (IAM004, IAM006, IAM007, IAM012) a condition that narrows the
statement lowers the finding one step (error to warning, warning to info) and the message
names its keys. It never makes the set of actions smaller, so the rules about Action "*" and
`service:*` (IAM001, IAM002, IAM003) keep their verdict. A condition narrows when it holds
only for requests that carry its key: negated operators (`StringNotEquals`, ...), `...IfExists`,
`ForAllValues:` and `Null: true` are satisfied by a request without the key, and keys about
how a request is made (`aws:SecureTransport`, `aws:MultiFactorAuthPresent`, times, user
agent) say nothing about what it reaches; none of those narrow.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import importlib.util
import json
import os
import re
from functools import lru_cache
from typing import Iterator

from linter.document import Node
from linter.rule import Context, Edit, Finding, rule
from linter.rules.intrinsics import branches
from linter.rules.iam_model import EMBEDDED, Statement, Value, managed_policy_arns, statements, text_of, values
from linter.suggest import did_you_mean

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
# actions that return secrets or credentials (cloudsplaining's ACTIONS_THAT_RETURN_CREDENTIALS, which
# checkov CKV_AWS_107 uses, and its data-exfiltration reads of secrets, CKV_AWS_108; less those IAM007
# owns and the web-identity and SAML calls, which need no permission); those that work only with
# Resource "*" (ecr:GetAuthorizationToken, sts:GetSessionToken) are dropped where the data says so
SECRET_READS = {
    "ssm:getparameter", "ssm:getparameters", "ssm:getparametersbypath", "ssm:getparameterhistory",
    "secretsmanager:getsecretvalue", "secretsmanager:batchgetsecretvalue", "kms:decrypt",
    "sts:assumerole", "sts:getfederationtoken", "sts:getsessiontoken", "ec2:getpassworddata",
    "codeartifact:getauthorizationtoken", "sso:getrolecredentials", "ecr:getauthorizationtoken",
    "ecr-public:getauthorizationtoken", "codepipeline:pollforjobs", "redshift:getclustercredentials",
    "redshift:getclustercredentialswithiam", "redshift-serverless:getcredentials", "rds-db:connect",
    "iam:createservicespecificcredential", "iam:resetservicespecificcredential", "iam:updateaccesskey",
    "airflow:createclitoken", "airflow:createweblogintoken", "appsync:createapikey", "chime:createapikey",
    "cloud9:createenvironmenttoken", "cognito-identity:getopenidtoken",
    "cognito-identity:getopenidtokenfordeveloperidentity", "cognito-identity:getcredentialsforidentity",
    "cognito-idp:getsigningcertificate", "connect:getfederationtoken", "connect:getfederationtokens",
    "emr-containers:getmanagedendpointsessioncredentials", "finspace-api:getprogrammaticaccesscredentials",
    "gamelift:requestuploadcredentials", "gamelift:getinstanceaccess", "gamelift:getcomputeaccess",
    "gamelift:getcomputeauthtoken", "grafana:createworkspaceapikey", "license-manager:getaccesstoken",
    "lightsail:getinstanceaccessdetails", "lightsail:downloaddefaultkeypair", "lightsail:createbucketaccesskey",
    "lightsail:getrelationaldatabasemasteruserpassword", "mediapackage:rotatechannelcredentials",
    "mediapackage:rotateingestendpointcredentials", "glue:getconnection", "glue:getconnections",
}
# reads of stored data (not of configuration): on every resource, every object, item, message or log
DATA_READS = {
    "s3:getobject", "s3:getobjectversion", "dynamodb:getitem", "dynamodb:batchgetitem", "dynamodb:query",
    "dynamodb:scan", "dynamodb:getrecords", "dynamodb:partiqlselect", "sqs:receivemessage", "kinesis:getrecords",
    "logs:getlogevents", "logs:filterlogevents", "logs:getqueryresults", "athena:getqueryresults",
    "codecommit:gitpull", "codecommit:getfile", "codecommit:getblob",
    "lambda:getfunction", "rds:downloaddblogfileportion", "es:eshttpget", "es:eshttppost",
}
# named by the credential-exposure lists of parliament and cloudsplaining though the service reference
# lists no such action (the portal API authorizes it with a token): IAM012 reports it, IAM010 does not
EXTRA_ACTIONS = {"sso": {"getrolecredentials"}}
# S3 API operations whose permission has another name (the did-you-mean cannot guess these)
API_NAMES = {"s3": {"headbucket": "ListBucket", "headobject": "GetObject", "copyobject": "GetObject and s3:PutObject",
                    "listobjects": "ListBucket", "listobjectsv2": "ListBucket",
                    "listobjectversions": "ListBucketVersions", "deleteobjects": "DeleteObject",
                    "uploadpart": "PutObject", "createmultipartupload": "PutObject",
                    "completemultipartupload": "PutObject", "listparts": "ListMultipartUploadParts",
                    "putbucketencryption": "PutEncryptionConfiguration",
                    "getbucketencryption": "GetEncryptionConfiguration",
                    "deletebucketencryption": "PutEncryptionConfiguration",
                    "putbucketlifecycleconfiguration": "PutLifecycleConfiguration",
                    "getbucketlifecycleconfiguration": "GetLifecycleConfiguration",
                    "putbucketreplication": "PutReplicationConfiguration",
                    "getbucketreplication": "GetReplicationConfiguration",
                    "putpublicaccessblock": "PutBucketPublicAccessBlock",
                    "getpublicaccessblock": "GetBucketPublicAccessBlock", "listbuckets": "ListAllMyBuckets"}}
# resources the reference gives no type for: a transform (AWS::Serverless-2016-10-31) is reached by
# cloudformation:CreateChangeSet on arn:aws:cloudformation:REGION:aws:transform/NAME
EXTRA_FORMATS = {"cloudformation": [("arn", "*", "cloudformation", "*", "aws", "transform/*")]}
SOURCE_KEYS = {"aws:sourcearn", "aws:sourceaccount", "aws:sourceorgid", "aws:sourceorgpaths", "aws:sourceowner"}
SOURCE_POLICIES = {"AWS::S3::BucketPolicy": "s3", "AWS::SNS::TopicPolicy": "sns", "AWS::SQS::QueuePolicy": "sqs"}
_NOUN = {"s3": "bucket", "sns": "topic", "sqs": "queue"}
_OWNED_ELSEWHERE = ESCALATION | {"iam:passrole"} | SECRET_READS  # IAM006, IAM007, IAM012 report these on "*"

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
        from linter import package_text

        levels = json.loads(package_text("linter.data", "iam_access.json"))["levels"]
    except (OSError, ValueError, KeyError, ModuleNotFoundError):
        return {}
    _CASED.update({p: {a.lower(): a for names in codes.values() for a in names} for p, codes in levels.items()})
    return {p: {c: [a.lower() for a in names] for c, names in codes.items()} for p, codes in levels.items()}


_CASED: dict[str, dict[str, str]] = {}  # prefix -> lowercase action -> as the reference writes it


def cased(service: str, name: str) -> str:
    """An action name as the service authorization reference writes it (`runinstances` ->
    `RunInstances`), or `name` when the table does not have it."""
    _levels()
    return _CASED.get(service.lower(), {}).get(name.lower(), name)


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


@lru_cache(maxsize=1)
def _access_names() -> dict[str, frozenset[str]]:
    return {service: frozenset(n for names in codes.values() for n in names) for service, codes in _levels().items()}


@lru_cache(maxsize=None)
def known_actions(service: str) -> frozenset[str]:
    """Every action name (lowercase) of a service prefix that either table knows; empty for an
    unknown prefix."""
    cfn = _cfn_policies().get(service, {}).get("Actions", {})  # type: ignore[union-attr]
    return frozenset(cfn) | _access_names().get(service, frozenset()) | frozenset(EXTRA_ACTIONS.get(service, ()))


@lru_cache(maxsize=1)
def _services() -> tuple[str, ...]:
    return tuple(sorted(set(_cfn_policies()) | set(_levels())))


def unknown_action(text: str) -> tuple[str, str | None] | None:
    """(why `text` names no IAM action, the action probably meant or None); None when the action
    is known, or cannot be judged (`*`, a `${...}` variable, a wildcard in the prefix, a prefix
    that no table knows and that is no misspelling of one that has this action)."""
    t = text.strip()
    if not t or t == "*" or "${" in t:
        return None
    service, sep, name = t.partition(":")
    if not sep or not name:
        if "?" in t or "*" in t:
            return None
        head, dot, tail = t.partition(".")
        meant = f"{head}:{tail}" if dot and tail.lower() in known_actions(head.lower()) else None
        return f"{t} is not of the form service:action", meant
    svc, nm = service.lower(), name.lower()
    if any(c in svc for c in "*?"):
        return None
    known = known_actions(svc)
    wild = "*" in nm or "?" in nm
    if not known:
        if wild:
            return None
        other = did_you_mean(svc, [p for p in _services() if nm in known_actions(p)], cutoff=0.7)
        return (f"{service} is not an IAM service prefix", f"{other}:{name}") if other else None
    if wild:
        return None if any(fnmatch.fnmatchcase(a, nm) for a in known) else (f"{t} matches no {svc} action", None)
    if nm in known:
        return None
    if nm in API_NAMES.get(svc, {}):
        return f"{t} is an API operation, not an action of {svc}", f"{service}:{API_NAMES[svc][nm]}"
    names = _access_names().get(svc) or known
    guess = did_you_mean(nm, sorted(names)) or did_you_mean(nm, sorted(known))
    return f"{t} is not an action of {svc}", f"{service}:{cased(svc, guess)}" if guess else None


# -- resource types: which ARNs an action can act on ------------------------------------------------

_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")


@lru_cache(maxsize=4096)
def action_scopes(pattern: str) -> tuple[tuple[tuple[str, ...], ...], bool] | None:
    """The ARN formats (split into their six fields, wildcards as `*`) of the resource types of
    the actions `pattern` matches, and whether one of them works only on `*`. None when the
    data cannot tell: `*`, an unknown service or action, a `${...}` variable."""
    service, _, name = pattern.strip().lower().partition(":")
    data = _cfn_policies().get(service)
    if not name or not data or "${" in name or "${" in service:
        return None
    actions, types = data.get("Actions", {}), data.get("Resources", {})  # type: ignore[union-attr]
    wild = "*" in name or "?" in name
    matched = [a for a in actions if fnmatch.fnmatchcase(a, name)] if wild else [name] * (name in actions)
    if not matched:
        return None
    formats: set[tuple[str, ...]] = set()
    star = False
    for action in matched:
        listed = actions[action].get("Resources") or []  # type: ignore[union-attr]
        star = star or not listed
        for rtype in listed:
            arns = types.get(str(rtype).lower(), {}).get("ARNFormats")  # type: ignore[union-attr]
            for arn in arns or ["*"]:
                fields = arn_fields(_PLACEHOLDER.sub("*", str(arn)).replace(".*", "*"))
                formats.add(fields or ("*",) * 6)
    formats.update(EXTRA_FORMATS.get(service, ()))
    return tuple(sorted(formats)), star


def arn_fields(text: str) -> tuple[str, ...] | None:
    """An ARN pattern's six fields (the last keeps its colons; a short one ending in `*` is
    padded with `*`), or None for text that is no ARN."""
    if text == "*":
        return ("*",) * 6
    parts = text.split(":", 5)
    if parts[0].lower() != "arn" and parts[0] != "*":
        return None
    if len(parts) < 6:
        if not parts[-1].endswith("*"):
            return None
        parts += ["*"] * (6 - len(parts))
    return tuple(p.lower() for p in parts)


@lru_cache(maxsize=65536)
def _meet(a: str, b: str) -> bool:
    """Can one string match both glob patterns (`*` any run, `?` one character)?"""
    if len(a) + len(b) > 600:
        return True  # not worth the recursion: say it may

    @lru_cache(maxsize=None)
    def go(i: int, j: int) -> bool:
        if i == len(a) and j == len(b):
            return True
        if i < len(a) and a[i] == "*":
            return go(i + 1, j) or (j < len(b) and go(i, j + 1))
        if j < len(b) and b[j] == "*":
            return go(i, j + 1) or (i < len(a) and go(i + 1, j))
        if i == len(a) or j == len(b):
            return False
        return (a[i] == b[j] or "?" in (a[i], b[j])) and go(i + 1, j + 1)
    return go(0, 0)


def resource_fields(v: Value) -> tuple[str, ...] | None:
    """A Resource value as ARN fields, variables (`${...}`, a Join's `?`) as `*`; None when it
    cannot be judged (an intrinsic, no ARN)."""
    if v.text is None:
        return None
    text = _PLACEHOLDER.sub("*", v.text.strip())
    if v.node.is_map:  # Fn::Join: its unknown parts are `?`
        text = text.replace("?", "*")
    return arn_fields(text)


def reaches(pattern: str, resource: tuple[str, ...]) -> bool:
    """May an action pattern act on a resource ARN pattern? True when the data cannot tell, and
    for an action that works only on "*" when the ARN is of its own service (the data may lag)."""
    scopes = action_scopes(pattern)
    if scopes is None:
        return True
    formats, star = scopes
    if any(all(_meet(r, f) for r, f in zip(resource, fmt)) for fmt in formats):
        return True
    return star and _meet(resource[2], pattern.strip().lower().partition(":")[0])


def dead_actions(s: Statement) -> list[Value]:
    """The actions of a statement that reach none of its resources: they grant nothing there.
    Only judged when every resource is an ARN pattern pipelint can read."""
    if s.not_action or s.not_resource or not s.resources:
        return []
    fields = [resource_fields(v) for v in s.resources]
    if any(f is None for f in fields):
        return []
    dead = []
    for v in s.actions:
        text = (v.text or "").strip()
        if not text or text == "*" or (v.node.is_map and "?" in text):
            continue
        if not any(reaches(text, f) for f in fields):  # type: ignore[arg-type]
            dead.append(v)
    return dead


def _is_dead(s: Statement, v: Value) -> bool:
    return any(d is v for d in dead_actions(s))


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
            yield _key_policy_actions(s) if s.owner_type == "AWS::KMS::Key" else s


def _key_policy_actions(s: Statement) -> Statement:
    """A key policy governs its KMS key and nothing else: an `iam:PassRole` or
    `codepipeline:*` written in it grants nothing, so only the kms actions (and `*`, and
    those an intrinsic function hides) are the statement's."""
    if s.not_action:
        return s
    kept = [v for v in s.actions if v.text is None or v.text.strip() == "*"
            or v.text.strip().lower().startswith("kms:")]
    return s if len(kept) == len(s.actions) else dataclasses.replace(s, actions=kept)


def _where(s: Statement) -> str:
    return f"in {s.owner}" if s.owner else ""


_LOWER = {"error": "warning", "warning": "info", "info": "info"}


def _narrowed(s: Statement, severity: str) -> tuple[str, str]:
    """A Resource "*" finding's severity, one step lower when a condition narrows the
    statement, and the words that say so (empty when none does)."""
    if not s.narrowing:
        return severity, ""
    keys = ", ".join(s.narrowing[:2]) + (", ..." if len(s.narrowing) > 2 else "")
    return _LOWER[severity], f" (narrowed by a condition on {keys})"


def _scoped_hint(actions: list[str]) -> str | None:
    hint = arn_hint(sorted(actions)[0]) if actions else None
    return f"scope Resource, e.g. {hint}" if hint else None


def _shown(actions: list[str], limit: int = 3) -> str:
    names = sorted(set(actions))
    return ", ".join(names[:limit]) + (", ..." if len(names) > limit else "")


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
    must not hold it; a compromised build is then a compromised account. A condition does
    not make it safe (administrator in one region, or from one network, is still
    administrator), so the verdict stays an error whatever the Condition says. A managed
    policy the template uses only as a PermissionsBoundary is not checked by the IAM rules:
    a boundary caps what the role's own policies grant and grants nothing itself."""
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
    resources, including deleting them and changing their policies. A condition does not
    lower the verdict: it narrows where and when, never which actions."""
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
    scoped to a resource (ssmmessages, ec2messages) are left alone, and so is a `service:*`
    whose service has no resource among the statement's (`ec2:*` on S3 buckets grants
    nothing: IAM011 reports that). A condition does not lower the verdict: it cannot make the
    set of actions smaller."""
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
                if _is_dead(s, v):
                    continue  # it reaches none of the statement's resources: IAM011 says it grants nothing
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
    actions are left alone, and so are those that return secrets or credentials (IAM012
    reports them). A condition that narrows the statement (`aws:ResourceTag/...`,
    `aws:RequestedRegion`) makes it info; `iam:CreateServiceLinkedRole` under an
    `iam:AWSServiceName` condition (AWS's own policies write it so) creates only the role
    AWS defines for that service and is left alone. The fix names the ARN form of the
    action's resource."""
    for s in _allow_statements(ctx):
        star = _resource_star(s)
        if star is None or s.not_action or _stars(s.actions) or s.owner_type == "AWS::KMS::Key":
            continue  # in a key policy, Resource "*" is the key itself
        risky: list[str] = []
        service_named = any(k.lower() == "iam:awsservicename" for k in s.narrowing)
        for v in s.actions:
            text = (v.text or "").strip()
            if not text or text.endswith(":*"):
                continue  # unknown, or a whole service (IAM003 says so)
            for action in expand(text):
                if action == "iam:createservicelinkedrole" and service_named:
                    continue  # the role AWS makes for the named service, as AWS's own policies write it
                if level(action) in ("W", "P") and not star_only(action) and action not in _OWNED_ELSEWHERE:
                    risky.append(action)
        if risky:
            severity, note = _narrowed(s, "warning")
            yield ctx.report(star.node, f"Resource \"*\" {_where(s)} with write or permissions-management actions "
                                        f"that can be scoped: {_shown(risky)}{note}",
                             fix=_scoped_hint(risky), severity=severity)


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
    services it was not made for (info). On `*`, an `iam:PassedToService` condition (under any
    operator: AWS's managed policies write it with `StringEqualsIfExists`) or another condition
    that narrows the statement (`aws:ResourceTag/...`) makes it a warning: any role of the
    account can still be handed over. A PassRole whose resources are no roles grants nothing
    (IAM011 says so, and this rule does not)."""
    for s in _allow_statements(ctx):
        if s.not_action:
            continue
        # iam:PassedToService counts under any operator: AWS's own managed policies write it with
        # StringEqualsIfExists, as some services pass a role without setting the key
        passed_to = "iam:passedtoservice" in s.condition_keys
        for v in s.actions:
            text = (v.text or "").strip().lower()
            if not text or text in ("*", "iam:*") or not any(a == "iam:passrole" for a in expand(text)):
                continue
            if _resource_star(s):
                if passed_to:
                    yield ctx.report(v.node, f"iam:PassRole on Resource \"*\" {_where(s)} can hand any role of the "
                                             "account to the service its condition names", severity="warning")
                elif s.narrowing:
                    severity, note = _narrowed(s, "error")
                    yield ctx.report(v.node, f"iam:PassRole on Resource \"*\" {_where(s)} can hand any role to any "
                                             f"service{note}", severity=severity,
                                     fix="scope Resource to the roles and add an iam:PassedToService condition")
                else:
                    yield ctx.report(v.node, f"iam:PassRole on Resource \"*\" {_where(s)} can hand any role to any "
                                             "service", fix="scope Resource to the roles, e.g. "
                                             f"{arn_hint('iam:passrole') or 'arn:aws:iam::ACCOUNT:role/NAME'}, and add "
                                             "an iam:PassedToService condition")
            elif not passed_to and not _is_dead(s, v):
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
    grant itself (or take over a principal that has) any permission. A condition that
    narrows the statement (`iam:PolicyARN`, `iam:PermissionsBoundary`, `aws:ResourceTag/...`)
    makes it a warning: it may close the path, which a reviewer has to confirm."""
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
                severity, note = _narrowed(s, "error")
                yield ctx.report(v.node, f"{v.text} on Resource \"*\" {_where(s)} allows privilege escalation "
                                         f"({_shown(found)}){note}", severity=severity,
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


@rule(id="IAM010", name="unknown-action", category="schema", severity="warning", kinds=KINDS,
      autofix="unsafe", autofix_does="replaces the action with the one it resembles",
      summary="an action that no AWS service has (a misspelling), or a wildcard that matches none",
      fix="spell the action as the service authorization reference does",
      bad=_role("""                  - Effect: Allow
                    Action: [s3:GPutbject]
                    Resource: arn:aws:s3:::app-artifacts/*"""),
      good=_role("""                  - Effect: Allow
                    Action: [s3:PutObject]
                    Resource: arn:aws:s3:::app-artifacts/*"""))
def unknown_action_rule(ctx: Context) -> Iterator[Finding]:
    """IAM ignores an action it does not know: `s3:GPutbject` grants (or denies, or excludes
    from a NotAction) nothing, and the build that needed `s3:PutObject` fails with
    AccessDenied far from the typo. Actions compare case-insensitively, as IAM does; a
    wildcard (`s3:Get*`) is fine when it matches some action. The category is schema, not
    iam: an unknown action is an invalid value that grants nothing, not an overbroad grant.
    Known means listed in pipelint's access table or in cfn-lint's copy of the service
    reference; an unknown service prefix is reported only when it is a misspelling of one
    that has the action (`codebuil:StartBuild`), since a new service may be missing from
    both. The did-you-mean comes from the access table, written as the reference writes it."""
    for s in statements(ctx.doc):
        for v in s.actions:
            if v.text is None or (v.node.is_map and "?" in v.text):
                continue  # an intrinsic, or a Join whose unknown parts read as `?`
            found = unknown_action(v.text)
            if found is None:
                continue
            why, guess = found
            edits = [] if guess is None or " " in guess or v.node.tag == EMBEDDED or not v.node.is_scalar else \
                [_action_edit(ctx, v.node, guess)]
            meant = f"; did you mean {guess}?" if guess else ""
            finding = ctx.report(v.node, f"{why} {_where(s)}: IAM ignores it{meant}",
                                 fix=f"write {guess}" if guess else None, edits=edits, safe=False)
            parent, _, last = finding.pointer.rpartition("/")
            if last.isdigit():
                finding.covers = (parent,)  # cfn-lint's W3037 points at the whole Action list
            yield finding


_PLAIN_ACTION = re.compile(r"[A-Za-z0-9-]+:[A-Za-z0-9*?]+")


def _action_edit(ctx: Context, node: Node, action: str) -> Edit:
    """Replace an action, keeping a plain YAML scalar plain (`s3:GetObject` reads back as itself
    wherever `s3:GPutbject` did)."""
    if ctx.doc.fmt == "yaml" and not node.style and _PLAIN_ACTION.fullmatch(action) \
            and re.fullmatch(r"[A-Za-z0-9.:*?-]+", ctx.source(node)):
        return ctx.node_edit(node, action)
    return ctx.replace_value(node, action)


@rule(id="IAM011", name="no-matching-resource", category="schema", severity="warning", kinds=KINDS,
      summary="an action none of whose resource types is among the statement's resources: it grants nothing",
      fix="give the action a Resource of its own type, in a statement of its own, or remove it",
      bad=_role("""                  - Effect: Allow
                    Action: [s3:GetObject, codebuild:StartBuild]
                    Resource: arn:aws:s3:::app-artifacts/*"""),
      good=_role("""                  - Effect: Allow
                    Action: [s3:GetObject]
                    Resource: arn:aws:s3:::app-artifacts/*
                  - Effect: Allow
                    Action: [codebuild:StartBuild]
                    Resource: arn:aws:codebuild:eu-west-1:123456789012:project/app"""))
def no_matching_resource(ctx: Context) -> Iterator[Finding]:
    """An action applies to the resource types the service authorization reference lists for
    it; on any other ARN it is never allowed. `codebuild:StartBuild` or `ec2:*` on S3 bucket
    ARNs grants nothing, and usually means a statement was copied without its Resource: the
    build then fails with AccessDenied, and a reader thinks the role holds what it does not.
    Each action is compared with every Resource, field by field (wildcards and `${...}`
    variables match anything); a Resource pipelint cannot read (`!GetAtt`, `!Ref`) or a
    Resource "*" leaves the statement alone, and an action that works only on "*" is taken to
    reach the ARNs of its own service (the data may lag). Where this rule finds an action
    dead, IAM003 and IAM006 say nothing about it. Category schema, as for IAM010: the
    statement grants less than it says, not more."""
    for s in _allow_statements(ctx):
        dead = dead_actions(s)
        if not dead:
            continue
        every = len(dead) == len([v for v in s.actions if (v.text or "").strip()])
        shown = ", ".join(v.text.strip() for v in s.resources[:2] if v.text) + (", ..." if len(s.resources) > 2 else "")
        for v in dead:
            whole = "; the statement grants nothing" if every else ""
            yield ctx.report(v.node, f"{(v.text or '').strip()} {_where(s)} applies to none of the statement's "
                                     f"resources ({shown}): it grants nothing there{whole}")


@rule(id="IAM012", name="secret-read-star", category="iam", severity="warning", kinds=KINDS,
      summary="actions that read secrets or return credentials on Resource \"*\" (warning); data reads such as "
              "s3:GetObject on \"*\" (info)",
      fix="scope Resource to the parameters, secrets or keys the principal needs",
      bad=_role("""                  - Effect: Allow
                    Action: [ssm:GetParameters, secretsmanager:GetSecretValue]
                    Resource: "*\""""),
      good=_role("""                  - Effect: Allow
                    Action: [ssm:GetParameters]
                    Resource: arn:aws:ssm:eu-west-1:123456789012:parameter/app/*
                  - Effect: Allow
                    Action: [secretsmanager:GetSecretValue]
                    Resource: arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/db-*"""))
def secret_read_star(ctx: Context) -> Iterator[Finding]:
    """`ssm:GetParameter*`, `secretsmanager:GetSecretValue`, `kms:Decrypt`,
    `sts:GetFederationToken`, `sts:AssumeRole`, `ec2:GetPasswordData`,
    `codeartifact:GetAuthorizationToken` and the other actions that return secrets or
    credentials (checkov CKV_AWS_107 and CKV_AWS_108) on Resource "*" read every secret of the
    account: a build that needs one database password can read them all. Wildcards that cover
    them (`ssm:Get*`) count; `service:*` and `*` are left to IAM003 and IAM001; actions that
    work only on "*" (`ecr:GetAuthorizationToken`) are not flagged. Reads of stored data on
    "*" (`s3:GetObject`, `dynamodb:GetItem`, `sqs:ReceiveMessage`, ...) are info. Only
    identity policies are checked: in a resource policy "*" is the resource itself. A
    condition that narrows the statement lowers the finding one step."""
    for s in _allow_statements(ctx):
        if s.not_action or s.kind != "identity" or not _resource_star(s):
            continue
        for v in s.actions:
            text = (v.text or "").strip().lower()
            if not text or text == "*" or text.endswith(":*"):
                continue
            matched = [a for a in expand(text) if not star_only(a)]
            secrets = [a for a in matched if a in SECRET_READS]
            data = [a for a in matched if a in DATA_READS and level(a) not in ("W", "P")]
            if not secrets and not data:
                continue
            what = "any secret or credential" if secrets else "any stored data"
            severity, note = _narrowed(s, "warning" if secrets else "info")
            yield ctx.report(v.node, f"{(v.text or '').strip()} on Resource \"*\" {_where(s)} can read {what}: "
                                     f"{_shown(secrets or data)}{note}",
                             fix=_scoped_hint(secrets or data), severity=severity)


def _service_principals(principal: Node | None) -> list[Value]:
    found: list[Value] = []
    for item in branches(principal):
        if item.is_map:
            for key, value in item.items():
                if key.data == "Service":
                    found += [v for v in values(value) if v.text and _is_service(v.text)]
    return found


def _is_service(text: str) -> bool:
    t = text.strip().lower()
    return t.endswith((".amazonaws.com", ".amazonaws.com.cn", ".${aws::urlsuffix}"))


def _source_policy(s: Statement) -> str | None:
    """The service whose resource an S3, SNS or SQS resource policy guards (a standalone policy
    file: the service of its Resource ARNs), or None."""
    if s.kind != "resource":
        return None
    if s.owner_type:
        return SOURCE_POLICIES.get(s.owner_type)
    services = {f[2] for f in (resource_fields(v) for v in s.resources) if f is not None}
    return next(iter(services & set(SOURCE_POLICIES.values())), None)


_IAM013_EXAMPLE = """
          Resources:
            InvokeFromBucket:
              Type: AWS::Lambda::Permission
              Properties:
                Action: lambda:InvokeFunction
                FunctionName: !Ref Function
                Principal: s3.amazonaws.com"""


@rule(id="IAM013", name="service-principal-without-source", category="iam", severity="warning", kinds=KINDS,
      summary="a Lambda permission, bucket, topic or queue policy granting an AWS service with no "
              "SourceArn or SourceAccount condition",
      fix="add SourceArn or SourceAccount (a Lambda permission), or an aws:SourceArn or aws:SourceAccount "
          "condition (a policy)",
      bad=_IAM013_EXAMPLE,
      good=_IAM013_EXAMPLE + "\n                SourceAccount: !Ref AWS::AccountId"
                             "\n                SourceArn: arn:aws:s3:::app-uploads")
def service_principal_without_source(ctx: Context) -> Iterator[Finding]:
    """A grant to a service principal (`s3.amazonaws.com`, `sns.amazonaws.com`,
    `events.amazonaws.com`) lets that service act for any AWS account: someone else's bucket
    or rule can invoke the function, or deliver to the queue (the confused deputy). A Lambda
    permission needs `SourceArn` or `SourceAccount` (checkov CKV_AWS_364); a bucket, topic or
    queue policy statement an `aws:SourceArn`, `aws:SourceAccount` or `aws:SourceOrgID`
    condition. `Principal: "*"` is IAM008's."""
    for key, props in _lambda_permissions(ctx):
        principal = props.get("Principal")
        text = text_of(principal)
        if principal is None or text is None or not _is_service(text):
            continue
        if any(name in props for name in ("SourceArn", "SourceAccount", "PrincipalOrgID", "EventSourceToken")):
            continue
        yield ctx.report(principal, f"Lambda permission {key.data} lets {text.strip()} invoke the function on behalf "
                                    "of any AWS account", fix="add SourceArn (and, for S3, SourceAccount)")
    for s in _allow_statements(ctx):
        service = _source_policy(s)
        if service is None or s.not_principal or s.condition_keys & SOURCE_KEYS:
            continue
        for v in _service_principals(s.principal):
            yield ctx.report(v.node, f"service principal {(v.text or '').strip()} {_where(s)} has no aws:SourceArn "
                                     f"or aws:SourceAccount condition: the service can use the {_NOUN[service]} "
                                     "on behalf of any AWS account")
