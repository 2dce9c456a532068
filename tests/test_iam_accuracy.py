"""IAM accuracy: unknown actions (IAM010), actions that reach none of their statement's resources
(IAM011), secret and credential reads on Resource "*" (IAM012), service principals without a
source condition (IAM013), policies written as Fn::Sub JSON strings, and how a condition changes
a verdict. Positions are checked as line and column (1-based, as editors show them)."""

from __future__ import annotations

import textwrap

import pytest

from helpers import lint
from linter.rules.iam import _meet, arn_fields, unknown_action
from linter.rules.iam_model import narrows


def role(statements: str, name: str = "BuildRole") -> str:
    """A template whose role has one inline policy with these statements (YAML, indented for
    the Statement list)."""
    body = textwrap.indent(textwrap.dedent(statements).strip("\n"), " " * 14)
    return textwrap.dedent(f"""\
        AWSTemplateFormatVersion: "2010-09-09"
        Resources:
          {name}:
            Type: AWS::IAM::Role
            Properties:
              AssumeRolePolicyDocument:
                Statement:
                  - Effect: Allow
                    Principal: {{Service: codebuild.amazonaws.com}}
                    Action: sts:AssumeRole
              Policies:
                - PolicyName: p
                  PolicyDocument:
                    Statement:
        """) + body + "\n"


def run(text: str, kind: str = "cloudformation", cfn: bool = False, path: str = "template.yaml"):
    return lint(text, path=path, kind=kind, ignore=[] if cfn else ["CFN"])


def only(findings, rule_id: str):
    return [f for f in findings if f.rule == rule_id]


def at(finding) -> tuple[int, int]:
    return finding.line, finding.column


# -- IAM010 unknown actions -----------------------------------------------------------------------

def test_misspelled_action_is_reported_where_it_is_with_a_did_you_mean() -> None:
    text = role("""
        - Effect: Allow
          Action: [s3:GetObject, s3:GPutbject]
          Resource: arn:aws:s3:::app-artifacts/*
        """)
    found = only(run(text), "IAM010")
    assert len(found) == 1
    assert at(found[0]) == (16, 40)
    assert (found[0].end_line, found[0].end_column) == (16, 52)
    assert "did you mean s3:PutObject?" in found[0].message
    assert found[0].category == "schema" and found[0].severity == "warning"
    edit, = found[0].edits
    assert text[edit.start:edit.end] == "s3:GPutbject" and edit.text == "s3:PutObject"
    assert found[0].applicability == "unsafe"


@pytest.mark.parametrize("action", ["S3:GETOBJECT", "s3:getobject", "s3:Get*", "s3:*Object", "s3:Get?bject",
                                    "newservice:DoSomething", "*", "sts:GetCallerIdentity"])
def test_known_actions_any_case_and_matching_wildcards_are_quiet(action: str) -> None:
    text = role(f"""
        - Effect: Allow
          Action: "{action}"
          Resource: arn:aws:s3:::app-artifacts/*
        """)
    assert not only(run(text), "IAM010")


@pytest.mark.parametrize("action, message", [
    ("s3:Gett*", "s3:Gett* matches no s3 action"),
    ("codebuil:StartBuild", "did you mean codebuild:StartBuild?"),
    ("s3.GetObject", "did you mean s3:GetObject?"),
    ("s3:HeadBucket", "is an API operation, not an action of s3"),
    ("ec2:DescribeInstance", "did you mean ec2:DescribeInstances?"),
])
def test_actions_iam_ignores(action: str, message: str) -> None:
    text = role(f"""
        - Effect: Allow
          Action: "{action}"
          Resource: "*"
        """)
    found = only(run(text), "IAM010")
    assert len(found) == 1 and message in found[0].message, [f.message for f in found]
    assert at(found[0]) == (16, 25)


def test_unknown_action_data() -> None:
    assert unknown_action("s3:GetObject") is None
    assert unknown_action("S3:GetObject") is None
    assert unknown_action("arn:${AWS::Partition}") is None     # a variable: not judged
    assert unknown_action("brandnewservice:Anything") is None  # a service no table knows yet
    assert unknown_action("ecr:GetAuthorizationToken") is None
    assert unknown_action("sso:GetRoleCredentials") is None    # named by peers' credential lists
    why, guess = unknown_action("logs:CreateLogStrem")
    assert "not an action of logs" in why and guess == "logs:CreateLogStream"


def test_unknown_action_in_a_standalone_policy_and_in_not_action() -> None:
    text = '{"Version": "2012-10-17", "Statement": [\n' \
           '  {"Effect": "Deny", "NotAction": ["s3:GetObjekt"], "Resource": "arn:aws:s3:::b/*"}\n]}\n'
    found = only(run(text, kind="iam-policy", path="policy.json"), "IAM010")
    assert len(found) == 1 and at(found[0]) == (2, 36)
    assert found[0].edits[0].text == '"s3:GetObject"'  # JSON keeps its quotes, the reference its case


def test_cfn_lint_finding_on_the_action_list_is_not_repeated() -> None:
    text = role("""
        - Effect: Allow
          Action: [s3:GetObject, s3:GPutbject]
          Resource: arn:aws:s3:::app-artifacts/*
        """)
    rules = [f.rule for f in run(text, cfn=True)]
    assert "IAM010" in rules and "CFN-W3037" not in rules


# -- IAM011 actions that reach none of the statement's resources ----------------------------------

def test_service_wildcard_on_bucket_arns_grants_nothing_and_is_said_once() -> None:
    text = role("""
        - Effect: Allow
          Action: [s3:GetObject, ec2:*, elasticbeanstalk:*]
          Resource:
            - !Sub arn:${AWS::Partition}:s3:::${Bucket}/*
            - arn:aws:s3:::app-artifacts
        """)
    findings = run(text)
    dead = only(findings, "IAM011")
    assert [at(f) for f in dead] == [(16, 40), (16, 47)]
    assert dead[0].message.startswith("ec2:* in resource BuildRole applies to none of the statement's resources")
    assert "the statement grants nothing" not in dead[0].message  # s3:GetObject still grants
    assert not only(findings, "IAM003"), "no 'grants every ec2 action' on a statement that grants it nothing"


def test_a_statement_that_grants_nothing_says_so() -> None:
    text = role("""
        - Effect: Allow
          Action: codebuild:StartBuild
          Resource: arn:aws:s3:::app-artifacts/*
        - Effect: Allow
          Action: iam:PassRole
          Resource: arn:aws:s3:::app-artifacts/*
        """)
    findings = run(text)
    dead = only(findings, "IAM011")
    assert [at(f) for f in dead] == [(16, 25), (19, 25)]
    assert all(f.message.endswith("the statement grants nothing") for f in dead)
    assert not only(findings, "IAM006"), "a PassRole that reaches no role is not also missing a condition"


@pytest.mark.parametrize("action, resource", [
    ("s3:GetObject", "arn:aws:s3:::app-artifacts"),                 # formats are coarse: bucket or object
    ("logs:PutLogEvents", "arn:aws:logs:*:*:*"),
    ("codebuild:StartBuild", "!Sub arn:aws:codebuild:${AWS::Region}:${AWS::AccountId}:project/app"),
    ("iam:PassRole", "!GetAtt TaskRole.Arn"),                       # cannot be read: left alone
    ("ec2:*", '"*"'),
    ("ecr:GetAuthorizationToken", "arn:aws:ecr:eu-west-1:123456789012:repository/app"),  # "*"-only, own service
    ("cloudformation:CreateChangeSet", "arn:aws:cloudformation:eu-west-1:aws:transform/Serverless-2016-10-31"),
    ("s3:GetObject", "!Join ['', ['arn:aws:s3:::', !Ref Bucket, '/*']]"),
    ("sts:AssumeRole", "arn:aws:iam::*:role/cdk-*"),
])
def test_actions_that_can_reach_their_resources_are_quiet(action: str, resource: str) -> None:
    text = role(f"""
        - Effect: Allow
          Action: {action}
          Resource: {resource}
        """)
    assert not only(run(text), "IAM011")


def test_kms_actions_on_an_alias_arn_and_connections_of_the_other_prefix_grant_nothing() -> None:
    text = role("""
        - Effect: Allow
          Action: kms:Decrypt
          Resource: arn:aws:kms:eu-west-1:123456789012:alias/app
        - Effect: Allow
          Action: codestar-connections:UseConnection
          Resource: arn:aws:codeconnections:eu-west-1:123456789012:connection/0a1b
        """)
    assert [at(f) for f in only(run(text), "IAM011")] == [(16, 25), (19, 25)]


def test_a_deny_is_not_judged() -> None:
    text = role("""
        - Effect: Deny
          Action: ec2:*
          Resource: arn:aws:s3:::app-artifacts/*
        """)
    assert not only(run(text), "IAM011")


def test_arn_matching() -> None:
    assert _meet("s3", "s3") and _meet("*", "codebuild") and not _meet("s3", "codebuild")
    assert _meet("project/app", "project/*") and not _meet("bucket/*", "project/*")
    assert _meet("a?c", "abc") and _meet("log-group:x:*", "log-group:*")
    assert arn_fields("arn:aws:s3:::b/k:1") == ("arn", "aws", "s3", "", "", "b/k:1")
    assert arn_fields("arn:aws:*") == ("arn", "aws", "*", "*", "*", "*")
    assert arn_fields("my-bucket") is None


# -- IAM012 secret and credential reads on "*" ----------------------------------------------------

def test_secret_reads_on_star() -> None:
    text = role("""
        - Effect: Allow
          Action:
            - ssm:GetParameters
            - secretsmanager:GetSecretValue
            - kms:Decrypt
            - ecr:GetAuthorizationToken
            - ssm:Get*
            - s3:GetObject
          Resource: "*"
        """)
    findings = run(text)
    found = only(findings, "IAM012")
    assert [(at(f), f.severity) for f in found] == [((17, 21), "warning"), ((18, 21), "warning"),
                                                    ((19, 21), "warning"), ((21, 21), "warning"),
                                                    ((22, 21), "info")]
    assert "ssm:getparameter, ssm:getparameterhistory, ssm:getparameters" in found[3].message
    assert "arn:aws:ssm:REGION:ACCOUNT:parameter/NAME" in (found[0].fix or "")
    # kms:Decrypt is a Write-level action: IAM004 leaves it to IAM012
    assert not any("kms:decrypt" in f.message for f in only(findings, "IAM004"))


@pytest.mark.parametrize("action", ["sts:GetFederationToken", "ec2:GetPasswordData",
                                    "codeartifact:GetAuthorizationToken", "sso:GetRoleCredentials",
                                    "ssm:GetParametersByPath", "ssm:GetParameter*"])
def test_more_credential_reads(action: str) -> None:
    text = role(f"""
        - Effect: Allow
          Action: {action}
          Resource: "*"
        """)
    found = only(run(text), "IAM012")
    assert len(found) == 1 and found[0].severity == "warning" and at(found[0]) == (16, 25)


def test_secret_reads_scoped_or_in_a_key_policy_are_quiet() -> None:
    text = role("""
        - Effect: Allow
          Action: [ssm:GetParameters, secretsmanager:GetSecretValue]
          Resource:
            - arn:aws:ssm:eu-west-1:123456789012:parameter/app/*
            - arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/*
        """)
    assert not only(run(text), "IAM012")
    key = textwrap.dedent("""\
        Resources:
          Key:
            Type: AWS::KMS::Key
            Properties:
              KeyPolicy:
                Statement:
                  - Effect: Allow
                    Principal: {AWS: arn:aws:iam::123456789012:root}
                    Action: kms:Decrypt
                    Resource: "*"
        """)
    assert not only(run(key), "IAM012")


# -- policies written as Fn::Sub JSON strings -----------------------------------------------------

def test_full_admin_in_a_sub_json_string_is_found_at_the_string() -> None:
    text = textwrap.dedent("""\
        Resources:
          AdminPolicy:
            Type: AWS::IAM::ManagedPolicy
            Properties:
              PolicyDocument: !Sub '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'
        """)
    found = only(run(text), "IAM001")
    assert len(found) == 1 and at(found[0]) == (5, 28)
    assert found[0].pointer == "/Resources/AdminPolicy/Properties/PolicyDocument/Fn::Sub"


def test_sub_with_a_variable_map_and_a_bare_variable() -> None:
    text = textwrap.dedent("""\
        Resources:
          DeployPolicy:
            Type: AWS::IAM::ManagedPolicy
            Properties:
              PolicyDocument:
                Fn::Sub:
                  - '{"Statement": [{"Effect": "Allow", "Action": ["iam:PassRole"], "Resource": ${Roles}},
                      {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                      {"Effect": "Allow", "Action": "s3:GPutbject", "Resource": "arn:aws:s3:::${Bucket}/*"}]}'
                  - {Roles: !GetAtt DeployRole.Arn, Bucket: !Ref ArtifactBucket}
        """)
    findings = run(text)
    assert {f.rule for f in findings} >= {"IAM003", "IAM006", "IAM010"}
    assert all(at(f) == (7, 13) for f in findings if f.rule.startswith("IAM"))
    assert all(f.pointer.endswith("/PolicyDocument/Fn::Sub/0") for f in findings if f.rule.startswith("IAM"))
    assert not [f for f in findings if f.rule.startswith("IAM") and f.edits], "no edits inside a JSON string"


def test_sub_that_is_not_json_and_to_json_string() -> None:
    broken = textwrap.dedent("""\
        Resources:
          P:
            Type: AWS::IAM::ManagedPolicy
            Properties:
              PolicyDocument: !Sub '{"Statement": [{"Effect": "Allow", "Action": "*", '
        """)
    assert not [f for f in run(broken) if f.rule.startswith(("IAM", "PL005"))]
    to_json = textwrap.dedent("""\
        Transform: AWS::LanguageExtensions
        Resources:
          P:
            Type: AWS::IAM::ManagedPolicy
            Properties:
              PolicyDocument:
                Fn::ToJsonString:
                  Statement:
                    - {Effect: Allow, Action: "*", Resource: "*"}
        """)
    assert at(only(run(to_json), "IAM001")[0]) == (9, 39)


# -- IAM013 service principals without a source condition ----------------------------------------

def permission(principal: str, extra: str = "") -> str:
    return textwrap.dedent(f"""\
        Resources:
          Invoke:
            Type: AWS::Lambda::Permission
            Properties:
              Action: lambda:InvokeFunction
              FunctionName: app
              Principal: {principal}
        """) + textwrap.indent(textwrap.dedent(extra), " " * 6)


@pytest.mark.parametrize("principal", ["s3.amazonaws.com", "sns.amazonaws.com", "events.amazonaws.com",
                                       "!Sub logs.${AWS::Region}.amazonaws.com"])
def test_lambda_permission_for_a_service_needs_a_source(principal: str) -> None:
    found = only(run(permission(principal)), "IAM013")
    assert len(found) == 1 and at(found[0]) == (7, 18) and found[0].severity == "warning"


@pytest.mark.parametrize("principal, extra", [
    ("s3.amazonaws.com", "SourceArn: arn:aws:s3:::uploads\n"),
    ("s3.amazonaws.com", "SourceAccount: !Ref AWS::AccountId\n"),
    ("'123456789012'", ""),
    ("arn:aws:iam::123456789012:role/caller", ""),
])
def test_lambda_permission_with_a_source_or_an_account_is_quiet(principal: str, extra: str) -> None:
    assert not only(run(permission(principal, extra)), "IAM013")


def test_star_principal_is_iam008_not_iam013() -> None:
    findings = run(permission('"*"'))
    assert only(findings, "IAM008") and not only(findings, "IAM013")


def test_bucket_topic_and_queue_policies() -> None:
    text = textwrap.dedent("""\
        Resources:
          BucketPolicy:
            Type: AWS::S3::BucketPolicy
            Properties:
              Bucket: logs
              PolicyDocument:
                Statement:
                  - Effect: Allow
                    Principal: {Service: delivery.logs.amazonaws.com}
                    Action: s3:PutObject
                    Resource: arn:aws:s3:::logs/*
                  - Effect: Allow
                    Principal: {Service: delivery.logs.amazonaws.com}
                    Action: s3:GetBucketAcl
                    Resource: arn:aws:s3:::logs
                    Condition:
                      StringEquals: {aws:SourceOrgID: o-a1b2c3d4e5}
          QueuePolicy:
            Type: AWS::SQS::QueuePolicy
            Properties:
              Queues: [q]
              PolicyDocument:
                Statement:
                  - Effect: Allow
                    Principal: {Service: [sns.amazonaws.com]}
                    Action: sqs:SendMessage
                    Resource: arn:aws:sqs:eu-west-1:123456789012:q
          KeyPolicy:
            Type: AWS::KMS::Key
            Properties:
              KeyPolicy:
                Statement:
                  - Effect: Allow
                    Principal: {Service: logs.amazonaws.com}
                    Action: kms:Encrypt
                    Resource: "*"
        """)
    found = only(run(text), "IAM013")
    assert [at(f) for f in found] == [(9, 34), (25, 35)]
    assert "can use the bucket" in found[0].message and "can use the queue" in found[1].message


def test_standalone_queue_policy() -> None:
    text = '{"Statement": [{"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},\n' \
           '  "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:eu-west-1:123456789012:q"}]}\n'
    found = only(run(text, kind="iam-policy", path="policy.json"), "IAM013")
    assert len(found) == 1 and at(found[0]) == (1, 61)


# -- conditions -----------------------------------------------------------------------------------

def test_which_conditions_narrow() -> None:
    from linter.document import Node

    def operands(value: str) -> Node:
        return Node("map", [(Node("scalar", "k", "k", 1, 1, 1, 2), Node("scalar", value, value, 1, 1, 1, 2))],
                    {"k": value}, 1, 1, 1, 2)

    assert narrows("StringEquals", operands("x")) and narrows("ArnLike", operands("x"))
    assert narrows("ForAnyValue:StringLike", operands("x")) and narrows("Bool", operands("true"))
    assert not narrows("StringNotEquals", operands("x")) and not narrows("ArnNotLike", operands("x"))
    assert not narrows("StringEqualsIfExists", operands("x"))
    assert not narrows("ForAllValues:StringEquals", operands("x"))
    assert narrows("Null", operands("false")) and not narrows("Null", operands("true"))


@pytest.mark.parametrize("condition, severity", [
    ("StringEquals: {aws:ResourceTag/team: build}", "info"),
    ("StringEquals: {aws:RequestedRegion: eu-west-1}", "info"),
    ("StringEquals: {aws:PrincipalTag/team: build}", "info"),
    ("StringNotEquals: {aws:ResourceTag/team: prod}", "warning"),
    ("StringEqualsIfExists: {aws:ResourceTag/team: build}", "warning"),
    ("Bool: {aws:SecureTransport: 'true'}", "warning"),
])
def test_a_narrowing_condition_lowers_resource_star_findings_one_step(condition: str, severity: str) -> None:
    text = role(f"""
        - Effect: Allow
          Action: ec2:TerminateInstances
          Resource: "*"
          Condition:
            {condition}
        """)
    found = only(run(text), "IAM004")
    assert len(found) == 1 and found[0].severity == severity
    assert ("narrowed by a condition" in found[0].message) == (severity == "info")


def test_a_condition_lowers_escalation_and_passrole_but_never_action_star() -> None:
    text = role("""
        - Effect: Allow
          Action: [iam:AttachRolePolicy, iam:PassRole]
          Resource: "*"
          Condition:
            ArnEquals: {iam:PolicyARN: arn:aws:iam::aws:policy/ReadOnlyAccess}
        - Effect: Allow
          Action: ["*", "s3:*"]
          Resource: "*"
          Condition:
            StringEquals: {aws:RequestedRegion: eu-west-1}
        """)
    findings = run(text)
    assert [f.severity for f in only(findings, "IAM007")] == ["warning"]
    assert [f.severity for f in only(findings, "IAM006")] == ["warning"]
    assert [f.severity for f in only(findings, "IAM001")] == ["error"]
    assert [f.severity for f in only(findings, "IAM003")] == ["warning"]  # s3:* keeps its verdict
