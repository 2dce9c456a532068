"""Template secrets beyond the CodeBuild/Lambda variables: SSM String parameters (SEC008),
EC2 user data (SEC007), NoEcho parameters in API Gateway stage variables (SEC009), token
formats in any property and AWS credential variables of functions (SEC005).

Token-like values are assembled at run time from a prefix and pseudo-random filler (as in
tests/test_secrets.py), so this file holds no complete token a secret scanner would block.
Positions are 1-based (line, column) and cover the secret value only.
"""

from __future__ import annotations

import base64
import gzip
import json
import random
import string
import textwrap

import pytest

from helpers import lint

ALNUM = string.ascii_letters + string.digits
UPPER_DIGITS = string.ascii_uppercase + string.digits
B64 = ALNUM + "+/"


def rnd(n: int, alphabet: str = ALNUM, seed: int = 0) -> str:
    r = random.Random(f"tmpl-{seed}-{n}-{alphabet}")
    return "".join(r.choice(alphabet) for _ in range(n))


GH = "gh" + "p_" + rnd(36, seed=1)
GLPAT = "gl" + "pat-" + rnd(20, ALNUM + "_-", seed=2)
NPM = "np" + "m_" + rnd(36, seed=3)
SLACK = "xo" + "xb-" + rnd(12, "0123456789", 4) + "-" + rnd(13, "0123456789", 5) + "-" + rnd(24, seed=6)
AWS_ID = "AK" + "IA" + rnd(16, UPPER_DIGITS, 7)
AWS_SECRET = (lambda v: v[:10] + "/" + v[10:20] + "K7" + v[20:37])(rnd(38, B64, 8))
DOC_KEY_ID = "AKIAIOSFODNN7" + "EXAMPLE"                     # the AWS documentation's example keys
DOC_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY"
PEM = ("-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join(rnd(64, B64, s) for s in range(10, 14))
       + "\n-----END RSA PRIVATE KEY-----")
PASSWORD = "Tr0ub4dor" + "-x9Q-2024"


def source(template: str) -> str:
    return textwrap.dedent(template).lstrip("\n")


def run(template: str, rule: str | None = None, fmt: str = "yaml"):
    text = source(template) if fmt == "yaml" else template
    findings = lint(text, path="template." + ("json" if fmt == "json" else "yaml"), kind="cloudformation",
                    ignore=["CFN"])
    return [f for f in findings if rule is None or f.rule == rule]


def at(template: str, secret: str, nth: int = 1, fmt: str = "yaml") -> tuple[int, int, int, int]:
    """Where the nth occurrence of `secret` is written in the template (a one-line secret)."""
    text = source(template) if fmt == "yaml" else template
    index = -1
    for _ in range(nth):
        index = text.index(secret, index + 1)
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column, line, column + len(secret)


def pos(f) -> tuple[int, int, int, int]:
    return f.line, f.column, f.end_line, f.end_column


def assert_redacted(findings, *secrets: str) -> None:
    for f in findings:
        for s in secrets:
            assert s not in f.message and (f.fix is None or s not in f.fix)


# ------------------------------------------------------------------------ SEC008: SSM parameters

def ssm(name: str | None, value: str, type_: str | None = "String", logical: str = "Param") -> str:
    lines = ["Resources:", f"  {logical}:", "    Type: AWS::SSM::Parameter", "    Properties:"]
    if name is not None:
        lines.append(f"      Name: {name}")
    if type_ is not None:
        lines.append(f"      Type: {type_}")
    lines.append(f"      Value: {value}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("name", ["/orders/prod/db-password", "/myapp/api_key", "/myapp/secret", "MYSECRET",
                                  "/ci/dbpassword", "GithubToken", "!Sub /orders/${Env}/db-password"])
def test_ssm_secret_named_literal_fires(name: str) -> None:
    (f,) = run(ssm(name, PASSWORD), "SEC008")
    assert f.severity == "error" and f.secret
    assert pos(f) == (7, 14, 7, 14 + len(PASSWORD))
    assert "SecureString" in f.fix and "Secrets Manager" in f.fix
    assert_redacted([f], PASSWORD)


@pytest.mark.parametrize("name", ["/myapp/foo", "/orders/db/password-arn", "MYSECRET_TEST", "/examples/api-key",
                                  "/orders/secret-name"])
def test_ssm_names_that_are_not_secrets_or_are_tests_stay_quiet(name: str) -> None:
    assert run(ssm(name, PASSWORD), "SEC008") == []


def test_ssm_logical_id_names_the_secret_when_name_is_absent() -> None:
    (f,) = run(ssm(None, PASSWORD, logical="StripeApiKeyParameter"), "SEC008")
    assert "StripeApiKeyParameter" in f.message
    assert run(ssm(None, PASSWORD, logical="TableNameParameter"), "SEC008") == []


@pytest.mark.parametrize("type_", ["String", "StringList", None, "SecureString"])
def test_ssm_token_value_fires_whatever_the_name_and_type(type_) -> None:
    (f,) = run(ssm("/orders/ci/header", f"'token {GH}'", type_), "SEC008")
    line = 7 if type_ else 6
    assert pos(f) == (line, 21, line, 21 + len(GH))
    assert "a GitHub token" in f.message and f.secret
    assert_redacted([f], GH)


def test_ssm_value_is_reported_once_not_again_as_a_token_in_a_property() -> None:
    findings = run(ssm("/orders/ci/token", GH))
    assert [f.rule for f in findings] == ["SEC008"]


@pytest.mark.parametrize("value", ["'${aws_iam_role.lambda.arn}'", "!Ref OtherResource", "!GetAtt Db.Endpoint.Address",
                                   "changeme", "'{{resolve:ssm:/orders/api-key-name}}'", "/orders/real/secret/path",
                                   "short", "akdfaksdfjkaEXAMPLEsdfjskafjdkfajsdfk345"])
def test_ssm_references_placeholders_and_short_values_stay_quiet(value: str) -> None:
    assert run(ssm("/myapp/secret", value), "SEC008") == []


def test_ssm_copies_of_noecho_parameters_and_secrets_are_warnings() -> None:
    template = """
        Parameters:
          DbPassword: {Type: String, NoEcho: true}
          Plain: {Type: String}
        Resources:
          A:
            Type: AWS::SSM::Parameter
            Properties: {Type: String, Value: !Ref DbPassword}
          B:
            Type: AWS::SSM::Parameter
            Properties:
              Type: String
              Value: !Sub "mysql://admin:${DbPassword}@db.acme-corp.net/x"
          C:
            Type: AWS::SSM::Parameter
            Properties:
              Type: String
              Value: "{{resolve:secretsmanager:prod/db:SecretString:password}}"
          D:
            Type: AWS::SSM::Parameter
            Properties: {Type: String, Value: !Ref Plain}
          E:
            Type: AWS::SSM::Parameter
            Properties:
              Type: String
              Value: !Sub ["${DbPassword}", {DbPassword: not-the-parameter}]
        """
    findings = run(template, "SEC008")
    assert [(f.severity, pos(f)) for f in findings] == [
        ("warning", at(template, "!Ref DbPassword")),
        ("warning", at(template, "${DbPassword}")),
        ("warning", at(template, "{{resolve:secretsmanager:prod/db:SecretString:password}}")),
    ]
    assert "NoEcho parameter DbPassword" in findings[0].message
    assert "Secrets Manager" in findings[2].message


# ------------------------------------------------------------------------ SEC007: user data

def instance(user_data: str, rtype: str = "AWS::EC2::Instance") -> str:
    body = textwrap.indent(textwrap.dedent(user_data).strip("\n"), " " * 6)
    return ("Parameters:\n  DbPassword: {Type: String, NoEcho: true}\n"
            f"Resources:\n  Host:\n    Type: {rtype}\n    Properties:\n      ImageId: ami-0abcdef1234567890\n"
            f"{body}\n")


def test_user_data_base64_sub_points_at_each_secret() -> None:
    template = instance(f"""
        UserData:
          Fn::Base64: !Sub |
            #!/bin/bash
            echo "hello from ${{AWS::StackName}}"
            export DB_PASSWORD={PASSWORD}
            docker login -u ci -p {PASSWORD}x registry.acme-corp.net
            mysql -u root --password=${{DbPassword}} < /opt/init.sql
        """)
    findings = run(template, "SEC007")
    assert [pos(f) for f in findings] == [at(template, PASSWORD), at(template, PASSWORD + "x")]
    assert pos(findings[0]) == (12, 30, 12, 30 + len(PASSWORD))   # 10 spaces, `export DB_PASSWORD=`
    assert all(f.secret and f.pointer == "/Resources/Host/Properties/UserData/Fn::Base64/Fn::Sub" for f in findings)
    assert "docker login" in findings[1].message
    assert_redacted(findings, PASSWORD)


def test_user_data_plain_literal_and_base64_of_literal() -> None:
    template = instance(f"UserData: 'export API_TOKEN={PASSWORD}'")
    assert [pos(f) for f in run(template, "SEC007")] == [at(template, PASSWORD)] == [(8, 35, 8, 35 + len(PASSWORD))]
    template = instance(f"UserData: !Base64 'export API_TOKEN={PASSWORD}'")
    assert [pos(f) for f in run(template, "SEC007")] == [at(template, PASSWORD)]


def test_user_data_base64_text_is_decoded_and_the_whole_string_reported() -> None:
    encoded = base64.b64encode(f"#!/bin/bash\nexport GITHUB_TOKEN={GH}\n".encode()).decode()
    (f,) = run(instance(f"UserData: {encoded}"), "SEC007")
    assert pos(f) == (8, 17, 8, 17 + len(encoded))
    assert "base64" in f.message and "GitHub token" in f.message and f.secret
    assert_redacted([f], GH, encoded)


@pytest.mark.parametrize("data", [
    base64.b64encode(gzip.compress(f"export TOKEN={GH}\n".encode(), mtime=0)).decode(),  # binary: not read
    base64.b64encode(b"\xff\xfe\xfd\xfc" * 6).decode(),                                 # not UTF-8
    base64.b64encode(b"#!/bin/bash\necho 'booting'\n").decode(),                         # text, no secret
])
def test_user_data_base64_that_is_not_text_or_holds_nothing_stays_quiet(data: str) -> None:
    assert run(instance(f"UserData: {data}"), "SEC007") == []


def test_user_data_join_reports_the_literal_part_and_ignores_refs() -> None:
    template = instance(f"""
        UserData:
          Fn::Base64:
            Fn::Join:
              - ""
              - - "#!/bin/bash\\n"
                - "export SERVICE_TOKEN="
                - "{PASSWORD}"
                - "\\n"
                - "sshpass -p "
                - !Ref DbPassword
                - " scp a b:/srv\\n"
        """)
    (f,) = run(template, "SEC007")
    assert pos(f) == at(template, PASSWORD)
    assert f.pointer.endswith("/Fn::Join/1/2")


def test_user_data_if_branches_are_scripts_of_their_own() -> None:
    template = instance(f"""
        UserData:
          Fn::Base64: !If [Prod, "echo prod", "export DEBUG_SECRET={PASSWORD}"]
        """)
    assert [pos(f) for f in run(template, "SEC007")] == [at(template, PASSWORD)]


def test_user_data_continuation_lines_heredocs_and_cloud_config() -> None:
    template = instance(f"""
        UserData:
          Fn::Base64: |
            #!/bin/bash
            docker login -u ci \\
              -p {PASSWORD} registry.acme-corp.net
            cat > /etc/app.json <<EOF
            {{"db_password": "{PASSWORD}"}}
            EOF
            cat > /root/.aws/credentials <<EOF
            [default]
            aws_access_key_id = {AWS_ID}
            aws_secret_access_key = {AWS_SECRET}
            EOF
        """)
    findings = run(template, "SEC007")
    assert [pos(f) for f in findings] == [at(template, PASSWORD), at(template, PASSWORD, 2), at(template, AWS_ID),
                                          at(template, AWS_SECRET)]
    assert "docker login" in findings[0].message and "db_password" in findings[1].message
    template = instance(f"""
        UserData:
          Fn::Base64: |
            #cloud-config
            password: {PASSWORD}
        """)
    cloud = run(template, "SEC007")
    assert [pos(f) for f in cloud] == [at(template, PASSWORD)]
    assert_redacted(findings + cloud, PASSWORD, AWS_ID, AWS_SECRET)


def test_user_data_aws_credentials_fire_even_with_the_documentation_keys() -> None:
    template = instance(f"""
        UserData:
          Fn::Base64: !Sub |
            export AWS_ACCESS_KEY_ID={DOC_KEY_ID}
            export AWS_SECRET_ACCESS_KEY={DOC_SECRET}
            aws configure set aws_secret_access_key {DOC_SECRET}
        """)
    findings = run(template, "SEC007")
    assert [pos(f) for f in findings] == [at(template, DOC_KEY_ID), at(template, DOC_SECRET),
                                          at(template, DOC_SECRET, 2)]
    assert all("AWS credential" in f.message for f in findings)


@pytest.mark.parametrize("script", [
    "echo 'booting'",
    "export AWS_ACCESS_KEY_ID=FOO\nexport AWS_SECRET_ACCESS_KEY=bar",
    "export AWS_ACCESS_KEY_ID=${AccessKeyId}",
    "export AWS_SECRET_ACCESS_KEY=\"$(cat /run/secrets/aws_key)\"",
    'export DB_PASSWORD="$(aws secretsmanager get-secret-value --secret-id prod/db --query SecretString)"',
    "export DB_PASSWORD=${DbPassword}",
    "mysql -u root -p${DbPassword} < /opt/x.sql",
    "export DB_PASSWORD=$DB_PASSWORD_FROM_SSM",
    "echo '{{resolve:secretsmanager:prod/db:SecretString:password}}' > /dev/null",
    "echo \"$TOKEN\" | docker login -u ci --password-stdin registry.acme-corp.net",
    "export PASSWORD=changeme",
])
def test_user_data_references_and_placeholders_stay_quiet(script: str) -> None:
    body = "UserData:\n  Fn::Base64: !Sub |\n" + textwrap.indent(script, "    ")
    assert run(instance(body), "SEC007") == []


@pytest.mark.parametrize("rtype,path", [
    ("AWS::EC2::LaunchTemplate", "LaunchTemplateData:\n  UserData: !Base64 'export API_TOKEN={pw}'"),
    ("AWS::AutoScaling::LaunchConfiguration", "UserData: !Base64 'export API_TOKEN={pw}'"),
    ("AWS::EC2::SpotFleet", "SpotFleetRequestConfigData:\n  LaunchSpecifications:\n"
                            "    - UserData: !Base64 'export API_TOKEN={pw}'"),
])
def test_user_data_of_launch_templates_configurations_and_spot_fleets(rtype: str, path: str) -> None:
    (f,) = run(instance(path.format(pw=PASSWORD), rtype), "SEC007")
    assert f.column + len(PASSWORD) == f.end_column and f.secret


def test_user_data_sub_variable_map_literal_token() -> None:
    template = instance(f"""
        UserData:
          Fn::Base64: !Sub
            - "curl -H 'X-Token: ${{Token}}' https://x.acme-corp.net"
            - Token: {NPM}
        """)
    (f,) = run(template, "SEC007")
    assert pos(f) == at(template, NPM) and "npm" in f.message


def test_user_data_in_json_with_escapes() -> None:
    template = json.dumps({"Resources": {"Host": {"Type": "AWS::EC2::Instance", "Properties": {
        "ImageId": "ami-0abcdef1234567890",
        "UserData": {"Fn::Base64": {"Fn::Join": ["", ["#!/bin/bash\n", f"export API_TOKEN={PASSWORD}\n"]]}}}}}},
        indent=2)
    (f,) = run(template, "SEC007", fmt="json")
    line = next(i for i, l in enumerate(template.splitlines(), 1) if PASSWORD in l)
    column = template.splitlines()[line - 1].index(PASSWORD) + 1
    assert pos(f) == (line, column, line, column + len(PASSWORD))


def test_user_data_is_not_reported_again_as_a_token_in_a_property() -> None:
    findings = run(instance(f"UserData: !Base64 'export GITHUB_TOKEN={GH}'"))
    assert [f.rule for f in findings] == ["SEC007"]


# ------------------------------------------------------------------------ SEC005: tokens anywhere

@pytest.mark.parametrize("token,what", [(GH, "GitHub token"), (GLPAT, "GitLab"), (NPM, "npm"), (SLACK, "Slack"),
                                        (AWS_ID, "AWS access key id")])
def test_token_in_any_property_is_reported_once_at_the_token(token: str, what: str) -> None:
    template = f"""
        Resources:
          Topic:
            Type: AWS::SNS::Topic
            Properties:
              TopicName: orders
              Tags:
                - Key: note
                  Value: "deploy with {token} please"
        """
    findings = run(template)
    (f,) = findings
    assert f.rule == "SEC005" and f.secret and what in f.message
    assert pos(f) == at(template, token) == (8, 31, 8, 31 + len(token))
    assert "Tags[0].Value of Topic" in f.message
    assert_redacted(findings, token)


def test_private_key_in_a_block_scalar() -> None:
    body = textwrap.indent(PEM, " " * 12)
    findings = run("Resources:\n  Cert:\n    Type: AWS::IoT::Certificate\n    Properties:\n"
                   "      Status: ACTIVE\n      CertificateSigningRequest: |\n" + body + "\n")
    (f,) = findings
    assert f.rule == "SEC005" and "private key" in f.message
    assert pos(f) == (7, 13, 12, 42)        # from BEGIN to the end of the END line, not the indentation


def test_token_is_not_reported_twice_where_sec005_already_looks() -> None:
    findings = run(f"""
        Resources:
          Build:
            Type: AWS::CodeBuild::Project
            Properties:
              Environment:
                EnvironmentVariables:
                  - Name: GH
                    Value: {GH}
          Secret:
            Type: AWS::SecretsManager::Secret
            Properties:
              SecretString: {GLPAT}
        """)
    assert [(f.rule, f.line) for f in findings] == [("SEC005", 8), ("SEC005", 12)]


def test_tokens_left_to_other_rules_are_not_reported_by_sec005() -> None:
    findings = run(f"""
        Resources:
          Build:
            Type: AWS::CodeBuild::Project
            Properties:
              Source:
                Type: NO_SOURCE
                BuildSpec: |
                  version: 0.2
                  phases:
                    build:
                      commands:
                        - echo {GH}
        """)
    assert "SEC005" not in {f.rule for f in findings}


@pytest.mark.parametrize("value", ["'{{resolve:secretsmanager:ci/github:SecretString:token}}'", "!Ref GithubToken",
                                   "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", DOC_KEY_ID,
                                   "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ci-AbCdEf"])
def test_references_and_placeholders_in_properties_stay_quiet(value: str) -> None:
    findings = run(f"""
        Parameters:
          GithubToken: {{Type: String, NoEcho: true}}
        Resources:
          Topic:
            Type: AWS::SNS::Topic
            Properties:
              Tags: [{{Key: note, Value: {value}}}]
        """)
    assert findings == []


# ------------------------------------------------------------------------ SEC005: AWS credentials of functions

@pytest.mark.parametrize("where", ["lambda", "sam", "globals"])
def test_aws_credentials_in_function_environments(where: str) -> None:
    env = f"Environment:\n  Variables:\n    AWS_SECRET_ACCESS_KEY: {AWS_SECRET}\n    AWS_ACCESS_KEY_ID: {DOC_KEY_ID}\n"
    fn = {"lambda": "AWS::Lambda::Function", "sam": "AWS::Serverless::Function", "globals": "AWS::Serverless::Function"}
    props = "Handler: index.handler\nRuntime: python3.12\n" + (env if where != "globals" else "")
    text = ("Transform: AWS::Serverless-2016-10-31\n"
            + ("Globals:\n  Function:\n" + textwrap.indent(env, "    ") if where == "globals" else "")
            + f"Resources:\n  Fn:\n    Type: {fn[where]}\n    Properties:\n" + textwrap.indent(props, "      "))
    findings = [f for f in run(text, "SEC005")]
    assert len(findings) == 2 and all("sets AWS credentials" in f.message and f.secret for f in findings)
    assert all(f.end_column - f.column in (40, 20) for f in findings)
    assert_redacted(findings, AWS_SECRET)


@pytest.mark.parametrize("value", ["FOO", "!Ref AccessKey", "changeme", "${CI_KEY}", "''"])
def test_aws_credential_placeholders_and_references_in_functions_stay_quiet(value: str) -> None:
    findings = run(f"""
        Parameters:
          AccessKey: {{Type: String, NoEcho: true}}
        Resources:
          Fn:
            Type: AWS::Lambda::Function
            Properties:
              Handler: index.handler
              Environment:
                Variables:
                  AWS_ACCESS_KEY_ID: {value}
        """, "SEC005")
    assert findings == []


def test_codebuild_aws_credentials_with_the_documentation_key_fire() -> None:
    (f,) = run(f"""
        Resources:
          Build:
            Type: AWS::CodeBuild::Project
            Properties:
              Environment:
                EnvironmentVariables:
                  - Name: AWS_ACCESS_KEY_ID
                    Value: {DOC_KEY_ID}
        """, "SEC005")
    assert pos(f) == (8, 20, 8, 40) and "sets AWS credentials" in f.message


# ------------------------------------------------------------------------ SEC009: stage variables

STAGE_PARAMS = """
Parameters:
  ApiKey: {Type: String, NoEcho: true}
  Host: {Type: String, Default: backend.acme-corp.net}
"""


@pytest.mark.parametrize("rtype,holder,value,where", [
    ("AWS::ApiGateway::Stage", "Variables", "!Ref ApiKey", "!Ref ApiKey"),
    ("AWS::ApiGateway::Stage", "Variables", '!Sub "k=${ApiKey},h=${Host}"', "${ApiKey}"),
    ("AWS::Serverless::Api", "Variables", "!Join ['', ['k-', !Ref ApiKey]]", "!Ref ApiKey"),
    ("AWS::ApiGatewayV2::Stage", "StageVariables", "!Ref ApiKey", "!Ref ApiKey"),
    ("AWS::Serverless::HttpApi", "StageVariables", "!Ref ApiKey", "!Ref ApiKey"),
    ("AWS::ApiGateway::Stage", "Variables", "'{{resolve:secretsmanager:prod/k:SecretString:k}}'",
     "{{resolve:secretsmanager:prod/k:SecretString:k}}"),
])
def test_noecho_parameter_in_stage_variables(rtype: str, holder: str, value: str, where: str) -> None:
    template = (STAGE_PARAMS + f"Resources:\n  S:\n    Type: {rtype}\n    Properties:\n"
                f"      {holder}:\n        k: {value}\n")
    (f,) = run(template, "SEC009")
    assert pos(f) == at(template, where) and f.severity == "warning" and "apigateway:GET" in f.message


def test_deployment_stage_description_and_globals() -> None:
    findings = run(STAGE_PARAMS + """
Globals:
  Api:
    Variables:
      key: !Ref ApiKey
Resources:
  D:
    Type: AWS::ApiGateway::Deployment
    Properties:
      RestApiId: abc
      StageDescription:
        Variables:
          key: !Ref ApiKey
""", "SEC009")
    assert [(f.line, f.column) for f in findings] == [(8, 12), (16, 16)]
    assert "Globals.Api" in findings[0].message and "of D " in findings[1].message


@pytest.mark.parametrize("value", ["!Ref Host", '!Sub "${!ApiKey}"', "!Sub ['${ApiKey}', {ApiKey: x}]",
                                   "'{{resolve:ssm:/orders/host}}'", "prod/backend/api-key"])
def test_stage_variables_without_secrets_stay_quiet(value: str) -> None:
    assert run(STAGE_PARAMS + f"Resources:\n  S:\n    Type: AWS::ApiGateway::Stage\n    Properties:\n"
               f"      Variables:\n        k: {value}\n", "SEC009") == []


def test_tokens_outside_resource_properties() -> None:
    template = f"""
        Parameters:
          Hook:
            Type: String
            Default: "{SLACK}"
        Mappings:
          Env:
            prod: {{Token: "{GH}"}}
        Resources:
          Web:
            Type: AWS::EC2::Instance
            Metadata:
              AWS::CloudFormation::Authentication:
                S3Creds: {{type: S3, accessKeyId: {AWS_ID}}}
              AWS::CloudFormation::Init:
                config:
                  files:
                    /etc/npmrc:
                      content: "//registry.npmjs.org/:_authToken={NPM}"
            Properties:
              ImageId: ami-0abcdef1234567890
        Outputs:
          Clone:
            Value: "https://deploy:{PASSWORD}@git.acme-corp.net/app.git"
        """
    findings = run(template, "SEC005")
    assert [(pos(f), f.severity) for f in findings] == [
        (at(template, SLACK), "error"),
        (at(template, GH), "error"),
        (at(template, "accessKeyId"), "warning"),  # the Authentication block's own finding, on its key: once
        (at(template, NPM), "error"),
        (at(template, PASSWORD), "error"),
    ]
    assert "Parameters.Hook.Default holds a Slack token" in findings[0].message
    assert "files./etc/npmrc.content of Web" in findings[3].message
    assert_redacted(findings, SLACK, GH, AWS_ID, NPM, PASSWORD)


@pytest.mark.parametrize("template", [
    "Resources:\n  H:\n    Type: AWS::EC2::Instance\n    Properties:\n      UserData: [a, b]\n",
    "Resources:\n  H:\n    Type: AWS::EC2::Instance\n    Properties:\n      UserData: {Fn::Sub: []}\n",
    "Resources:\n  H:\n    Type: AWS::EC2::Instance\n    Properties:\n      UserData: {Fn::Join: x, Ref: y}\n",
    "Resources:\n  H:\n    Type: AWS::EC2::Instance\n    Properties:\n      UserData: !Base64 {Fn::If: [a]}\n",
    "Resources:\n  H:\n    Type: AWS::EC2::SpotFleet\n    Properties:\n      SpotFleetRequestConfigData: {LaunchSpecifications: x}\n",
    "Resources:\n  P:\n    Type: AWS::SSM::Parameter\n    Properties: {Name: [x], Value: [a, b], Type: {Ref: T}}\n",
    "Resources:\n  P:\n    Type: AWS::SSM::Parameter\n    Properties: {Name: /a/secret, Value: 123456789}\n",
    "Parameters: [x]\nResources:\n  S:\n    Type: AWS::ApiGateway::Stage\n    Properties: {Variables: [a]}\n",
    "Parameters: {K: [x]}\nResources:\n  S:\n    Type: AWS::ApiGateway::Stage\n    Properties: {Variables: {a: !Ref K}}\n",
    "Resources:\n  S:\n    Type: AWS::SecretsManager::Secret\n    Properties:\n      SecretString: '"
    + '{"a": ' * 5000 + "1" + "}" * 5000 + "'\n",
    "Resources:\n  H:\n    Type: AWS::EC2::Instance\n    Properties:\n      UserData: "
    + "{Fn::Join: ['', [" * 60 + "x" + "]]}" * 60 + "\n",
])
def test_odd_shapes_do_not_crash(template: str) -> None:
    findings = run(template)
    assert not [f for f in findings if f.rule == "PL005"], [f.message for f in findings]
