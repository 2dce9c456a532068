"""Secrets rules (SEC): a secret written in plain text, whatever the file kind.

Detection lives in `linter.secrets` (one detector for every kind); these rules decide
where to look. A finding never shows the secret: messages carry a redacted form and the
finding is marked `secret` so reporters mask the source line too.
"""

from __future__ import annotations

import re
from typing import Iterator

from linter.document import Node
from linter.rule import Context, Finding, rule
from linter.rules.buildspec import phases_of, variable_maps
from linter.secrets import (is_reference, literal_secret, pattern_hits, redact, scan_command, scan_value,
                            secret_name)


def _sm_fix(name: str) -> str:
    return (f"keep the value in AWS Secrets Manager and write under env.secrets-manager "
            f"'{name}: <secret-name>:{name}' (or under env.parameter-store "
            f"'{name}: /<path>/{name.lower()}' for a SecureString parameter)")


@rule(id="SEC001", name="plaintext-secret-variable", category="secrets", severity="error",
      kinds=("buildspec",),
      summary="a secret written as the plain value of an environment variable",
      fix="move the value to Secrets Manager or Parameter Store and reference it",
      bad="""
          version: 0.2
          env:
            variables:
              DB_PASSWORD: hunter2-prod-2024
          phases:
            build:
              commands: [make]""",
      good="""
          version: 0.2
          env:
            secrets-manager:
              DB_PASSWORD: prod/db:password
          phases:
            build:
              commands: [make]""")
def plaintext_secret_variable(ctx: Context) -> Iterator[Finding]:
    """Plain environment variables are stored with the build configuration and shown in
    the console, the API (`batch-get-builds`) and the repository's history. A variable
    whose name says it is a secret (PASSWORD, TOKEN, SECRET, API_KEY, ...) or whose value
    looks like a credential (an AWS access key, a GitHub token, a private key, a URL with a
    password) must come from Secrets Manager or Parameter Store instead, which CodeBuild
    also masks in logs. References (`$VAR`, `{{resolve:...}}`, parameter names) and
    placeholders are not flagged."""
    for holder in variable_maps(ctx):
        for key, value in holder.items():
            finding = _check_variable(ctx, key, value)
            if finding is not None:
                yield finding


def _check_variable(ctx: Context, key: Node, value: Node) -> Finding | None:
    name = str(key.data)
    data = value.data
    if isinstance(data, bool) or not isinstance(data, (str, int, float)) or not value.is_scalar:
        return None
    text = str(data)
    hit = scan_value(text) if isinstance(data, str) else None
    if hit is not None:
        return ctx.report(value, f"{name} holds {hit.description} in plain text "
                                 f"({redact(text[hit.start:hit.end])})", fix=_sm_fix(name), secret=True)
    if secret_name(name) and text.strip() and not is_reference(text.strip()) and len(text.strip()) >= 4:
        return ctx.report(value, f"{name} looks like a secret and its value is written in plain text "
                                 f"({redact(text)})", fix=_sm_fix(name), secret=True)
    return None


def _commands(ctx: Context) -> Iterator[Node]:
    for _, phase in phases_of(ctx):
        for key in ("commands", "finally"):
            items = phase.get(key)
            for item in items.value if items is not None and items.is_seq else ():
                if item.is_scalar and isinstance(item.data, str):
                    yield item


@rule(id="SEC002", name="secret-on-command-line", category="secrets", severity="error",
      kinds=("buildspec",),
      summary="a password, token or key written literally in a command",
      fix="pass the secret through a variable from Secrets Manager or Parameter Store, "
          "or on stdin (docker login --password-stdin)",
      bad="""
          version: 0.2
          phases:
            pre_build:
              commands:
                - docker login -u deploy -p Sup3rS3cretPassw0rd registry.example.com""",
      good="""
          version: 0.2
          env:
            secrets-manager:
              REGISTRY_PASSWORD: ci/registry:password
          phases:
            pre_build:
              commands:
                - echo "$REGISTRY_PASSWORD" | docker login -u deploy --password-stdin registry.example.com""")
def secret_on_command_line(ctx: Context) -> Iterator[Finding]:
    """A literal on a command line is kept in the repository, printed in the build log
    (CodeBuild echoes each command) and visible in the process list. `--password-stdin`,
    `$VAR` and `${VAR}` references and placeholders are fine."""
    for item in _commands(ctx):
        command = item.data
        for hit in scan_command(command):
            secret = command[hit.start:hit.end]
            span = span_of(ctx, item, secret)
            yield ctx.report(item, f"{hit.description} is written literally in this command "
                                   f"({redact(secret)})", secret=True, span=span)


def span_of(ctx: Context, node: Node, secret: str) -> tuple[int, int, int, int] | None:
    """The source position of `secret` inside a scalar node, when it is written as-is."""
    lines = ctx.doc.lines
    start = lines.offset(node.line, node.column)
    source = ctx.source(node)
    index = source.find(secret)
    if index < 0 or not secret:
        return None
    line, col = lines.position(start + index)
    end_line, end_col = lines.position(start + index + len(secret))
    return line, col, end_line, end_col


@rule(id="SEC003", name="exported-secret", category="secrets", severity="warning",
      kinds=("buildspec",),
      summary="a secret variable listed in env.exported-variables",
      fix="do not export secrets; export only what later actions need to read",
      bad="""
          version: 0.2
          env:
            secrets-manager:
              API_TOKEN: ci/api:token
            exported-variables: [API_TOKEN]
          phases:
            build:
              commands: [make]""",
      good="""
          version: 0.2
          env:
            secrets-manager:
              API_TOKEN: ci/api:token
            exported-variables: [BUILD_ID]
          phases:
            build:
              commands: [export BUILD_ID=$CODEBUILD_BUILD_NUMBER]""")
def exported_secret(ctx: Context) -> Iterator[Finding]:
    """Exported variables become CodePipeline output variables, visible in the pipeline's
    execution history to anyone who can read the pipeline. A variable filled from Secrets
    Manager or Parameter Store must not be exported."""
    root = ctx.root
    env = root.get("env") if root is not None and root.is_map else None
    if env is None or not env.is_map:
        return
    backed = {}
    for store in ("secrets-manager", "parameter-store"):
        holder = env.get(store)
        if holder is not None and holder.is_map:
            backed.update({str(k.data): store for k, _ in holder.items()})
    exported = env.get("exported-variables")
    for item in exported.value if exported is not None and exported.is_seq else ():
        name = str(item.data)
        if name in backed:
            yield ctx.report(item, f"{name} comes from {backed[name]} and is exported to CodePipeline, "
                                   "where its value is visible in the execution history")


# -- templates ----------------------------------------------------------------------------------

def parameters(ctx: Context) -> dict[str, Node]:
    """The template's parameters by name."""
    params = ctx.root.get("Parameters") if ctx.root is not None and ctx.root.is_map else None
    return {str(k.data): v for k, v in params.items()} if params is not None and params.is_map else {}


def no_echo(param: Node) -> bool:
    value = param.get("NoEcho") if param.is_map else None
    return value is not None and str(value.data).lower() == "true"


def _resources(ctx: Context, *types: str) -> Iterator[tuple[Node, Node]]:
    resources = ctx.root.get("Resources") if ctx.root is not None and ctx.root.is_map else None
    for key, resource in resources.items() if resources is not None and resources.is_map else ():
        type_node = resource.get("Type") if resource.is_map else None
        props = resource.get("Properties") if resource.is_map else None
        if type_node is not None and type_node.data in types and props is not None and props.is_map:
            yield key, props


def _literal_secret(ctx: Context, name: str, value: Node) -> tuple[str, str] | None:
    """(what, redacted) when `value` holds a secret in plain text: a literal that looks like a
    credential or sits under a secret name, or a Ref to a parameter that is not NoEcho."""
    if value.is_map and "Ref" in value:
        param = parameters(ctx).get(str(value.get("Ref").data))
        if param is not None and secret_name(name) and not no_echo(param):
            return f"a Ref to parameter {value.get('Ref').data}, which is not NoEcho", ""
        return None
    if not value.is_scalar or not isinstance(value.data, (str, int)) or isinstance(value.data, bool):
        return None
    text = str(value.data).strip()
    if not text or is_reference(text) or text.startswith(("{{resolve:", "${")):
        return None
    hit = scan_value(text)
    if hit is not None:
        return hit.description, redact(text[hit.start:hit.end])
    if secret_name(name) and len(text) >= 8:
        return "a literal value", redact(text)
    return None


@rule(id="SEC005", name="template-plaintext-secret", category="secrets", severity="error",
      kinds=("cloudformation",),
      summary="a secret in a template: a PLAINTEXT CodeBuild variable, a Lambda environment variable, "
      "a secret parameter without NoEcho or with a Default, or echoed in Outputs",
      fix="use {{resolve:secretsmanager:...}}, a NoEcho parameter without Default, or a "
          "SECRETS_MANAGER / PARAMETER_STORE variable",
      bad="""
          Resources:
            Build:
              Type: AWS::CodeBuild::Project
              Properties:
                ServiceRole: arn:aws:iam::123456789012:role/build
                Artifacts: {Type: NO_ARTIFACTS}
                Source: {Type: NO_SOURCE, BuildSpec: buildspec.yml}
                Environment:
                  Type: LINUX_CONTAINER
                  ComputeType: BUILD_GENERAL1_SMALL
                  Image: aws/codebuild/standard:7.0
                  EnvironmentVariables:
                    - Name: NPM_TOKEN
                      Value: s3cr3t-npm-t0ken-2024""",
      good="""
          Resources:
            Build:
              Type: AWS::CodeBuild::Project
              Properties:
                ServiceRole: arn:aws:iam::123456789012:role/build
                Artifacts: {Type: NO_ARTIFACTS}
                Source: {Type: NO_SOURCE, BuildSpec: buildspec.yml}
                Environment:
                  Type: LINUX_CONTAINER
                  ComputeType: BUILD_GENERAL1_SMALL
                  Image: aws/codebuild/standard:7.0
                  EnvironmentVariables:
                    - Name: NPM_TOKEN
                      Type: SECRETS_MANAGER
                      Value: ci/npm:token""")
def template_plaintext_secret(ctx: Context) -> Iterator[Finding]:
    """CodeBuild environment variables of Type PLAINTEXT (the default) are shown in the
    console and returned by the API; Lambda environment variables are readable by anyone
    with `lambda:GetFunctionConfiguration`; a parameter without NoEcho shows its value in
    DescribeStacks, and a Default writes the secret into the template itself; an Output
    prints it for everyone. Dynamic references (`{{resolve:secretsmanager:...}}`,
    `{{resolve:ssm-secure:...}}`), Refs to NoEcho parameters, ARNs and placeholders are fine.
    Literal values of password properties are cfn-lint's W2501, not repeated here."""
    for key, props in _resources(ctx, "AWS::CodeBuild::Project"):
        env = props.get("Environment")
        variables = env.get("EnvironmentVariables") if env is not None and env.is_map else None
        for item in variables.value if variables is not None and variables.is_seq else ():
            if not item.is_map or str((item.get("Type").data if item.get("Type") else "PLAINTEXT")) != "PLAINTEXT":
                continue
            name, value = item.get("Name"), item.get("Value")
            if name is None or value is None:
                continue
            if str(name.data).upper() in _AWS_CREDENTIALS and value.is_scalar and value.data is not None \
                    and not is_reference(str(value.data)):
                yield ctx.report(value, f"CodeBuild variable {name.data} of {key.data} sets AWS credentials in plain "
                                        f"text ({redact(str(value.data))})", secret=True,
                                 fix="remove it: the project's service role gives the build its credentials")
                continue
            found = _literal_secret(ctx, str(name.data), value)
            if found:
                what, shown = found
                yield ctx.report(value, f"CodeBuild variable {name.data} of {key.data} is PLAINTEXT and holds {what}"
                                 + (f" ({shown})" if shown else ""), secret=bool(shown),
                                 fix="set Type: SECRETS_MANAGER (or PARAMETER_STORE) and give the secret's name as Value")
        sources = [props.get("Source")] + (props.get("SecondarySources").value
                                            if props.get("SecondarySources") is not None
                                            and props.get("SecondarySources").is_seq else [])
        for source in sources:
            location = source.get("Location") if source is not None and source.is_map else None
            text = str(location.data) if location is not None and location.is_scalar else ""
            m = _URL_USERINFO.match(text)
            if m and not is_reference(m.group(1)) and "$" not in m.group(1):
                yield ctx.report(location, f"the source location of {key.data} holds credentials "
                                           f"({redact(m.group(1))})", secret=True,
                                 fix="connect the repository with a CodeStar connection or source credentials, "
                                     "and keep the URL without user or token")
    for key, resource in (ctx.root.get("Resources").items() if ctx.root is not None and ctx.root.is_map
                          and ctx.root.get("Resources") is not None and ctx.root.get("Resources").is_map else ()):
        meta = resource.get("Metadata") if resource.is_map else None
        auth = meta.get("AWS::CloudFormation::Authentication") if meta is not None and meta.is_map else None
        for _, entry in auth.items() if auth is not None and auth.is_map else ():
            for field in ("accessKeyId", "secretKey", "password"):
                value = entry.get(field) if entry.is_map else None
                if value is not None:
                    yield ctx.report(entry.key_node(field), f"AWS::CloudFormation::Authentication of {key.data} "
                                     f"carries {field}: credentials in the template", severity="warning",
                                     fix="authenticate with roleName (an instance role) instead")
    functions = list(_resources(ctx, "AWS::Lambda::Function", "AWS::Serverless::Function"))
    globals_ = ctx.root.get("Globals") if ctx.root is not None and ctx.root.is_map else None
    function_globals = globals_.get("Function") if globals_ is not None and globals_.is_map else None
    if function_globals is not None and function_globals.is_map:  # SAM: every function inherits these
        functions.append((ctx.root.key_node("Globals"), function_globals))
    for key, props in functions:
        env = props.get("Environment")
        variables = env.get("Variables") if env is not None and env.is_map else None
        for name, value in variables.items() if variables is not None and variables.is_map else ():
            found = _literal_secret(ctx, str(name.data), value)
            if found:
                what, shown = found
                yield ctx.report(value, f"environment variable {name.data} of {key.data} holds {what}"
                                 + (f" ({shown})" if shown else ""), secret=bool(shown),
                                 fix="read the secret at run time from Secrets Manager or Parameter Store")
    yield from _secret_properties(ctx)
    params = parameters(ctx)
    secret_params = {n for n, p in params.items() if secret_name(n) and p.is_map
                     and str(p.get("Type").data if p.get("Type") else "String").startswith("String")}
    for name in sorted(secret_params):
        param = params[name]
        key = ctx.root.get("Parameters").key_node(name)
        if not no_echo(param):
            yield ctx.report(key, f"parameter {name} looks like a secret but is not NoEcho: DescribeStacks shows "
                                  "its value", severity="warning", fix="add NoEcho: true (and no Default)")
        default = param.get("Default")
        if default is not None and default.is_scalar and str(default.data or "").strip() and \
                not is_reference(str(default.data).strip()):
            yield ctx.report(default, f"parameter {name} has a Default: the secret is written in the template "
                                      f"({redact(str(default.data))})", secret=True,
                             fix="remove the Default and pass the value at deploy time, or use a dynamic reference")
    outputs = ctx.root.get("Outputs") if ctx.root is not None and ctx.root.is_map else None
    for key, output in outputs.items() if outputs is not None and outputs.is_map else ():
        value = output.get("Value") if output.is_map else None
        for node in value.walk() if value is not None else ():
            if node.is_map and "Ref" in node and str(node.get("Ref").data) in secret_params:
                yield ctx.report(node, f"output {key.data} prints the secret parameter {node.get('Ref').data}",
                                 fix="do not output secrets")


_AWS_CREDENTIALS = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}
_URL_USERINFO = re.compile(r"^[a-z+]+://([^/@\s]+)@", re.IGNORECASE)

# a setting about secrets, not a secret (PasswordReusePrevention, MinimumPasswordLength)
_SETTING = re.compile(r"(?i)policy|reuse|prevention|length|required|reset|age$|expir|complex|symbol|number|case|"
                      r"rotation|type$|enabled$|arn$|name$")

_HANDLED = ("Environment", "EnvironmentVariables", "Tags", "PolicyDocument",
            "Policies", "AssumeRolePolicyDocument", "KeyPolicy")


def _secret_properties(ctx: Context) -> Iterator[Finding]:
    """Password and token properties of any resource (MasterUserPassword, AuthToken,
    ClientSecret...): a literal, or a Ref to a parameter that is not NoEcho or has a Default."""
    params = parameters(ctx)
    resources = ctx.root.get("Resources") if ctx.root is not None and ctx.root.is_map else None
    for rkey, resource in resources.items() if resources is not None and resources.is_map else ():
        props = resource.get("Properties") if resource.is_map else None
        type_node = resource.get("Type") if resource.is_map else None
        if type_node is not None and type_node.data == "AWS::CodePipeline::Pipeline":
            continue  # a pipeline's configuration is SEC004's
        stack = [props] if props is not None and props.is_map else []
        while stack:
            node = stack.pop()
            for key, value in node.items():
                name = str(key.data)
                if name in _HANDLED:
                    continue
                if value.is_map and not (len(value.value) == 1 and str(value.value[0][0].data).startswith(("Ref", "Fn::"))):
                    stack.append(value)  # a nested block (ServiceAccountCredentials), not an intrinsic function
                    continue
                if value.is_seq:
                    stack.extend(v for v in value.value if v.is_map)
                    continue
                if not secret_name(name) or _SETTING.search(name):
                    continue
                if value.is_map and "Ref" in value:
                    param = params.get(str(value.get("Ref").data))
                    if param is None:
                        continue
                    default = param.get("Default") if param.is_map else None
                    if not no_echo(param):
                        yield ctx.report(value, f"{name} of {rkey.data} is a Ref to parameter {value.get('Ref').data}, "
                                                "which is not NoEcho: its value shows in DescribeStacks",
                                         fix="make the parameter NoEcho without Default, or use {{resolve:secretsmanager:...}}")
                    elif default is not None and str(default.data or "").strip():
                        yield ctx.report(value, f"{name} of {rkey.data} is a Ref to parameter {value.get('Ref').data}, "
                                                "whose Default writes the secret in the template",
                                         fix="remove the parameter's Default, or use {{resolve:secretsmanager:...}}")
                    continue
                if value.is_scalar and isinstance(value.data, str):
                    text = value.data.strip()
                    if text and not is_reference(text) and not text.startswith("{{resolve:"):
                        yield ctx.report(value, f"{name} of {rkey.data} is written in plain text ({redact(text)})",
                                         secret=True)


_YAML_PAIR = re.compile(r"^[ \t]*(?:-[ \t]+)?[\"']?(?P<key>[A-Za-z_][\w.-]*)[\"']?[ \t]*:[ \t]+"
                        r"(?P<value>[^\s#][^\r\n]*?)[ \t]*(?:[ \t]#[^\r\n]*)?$", re.M)
_JSON_PAIR = re.compile(r'"(?P<key>[A-Za-z_][\w.-]*)"\s*:\s*"(?P<value>(?:[^"\\\r\n]|\\.)*)"')


@rule(id="SEC006", name="secret-in-unparsed-file", category="secrets", severity="error", unparsed=True,
      summary="a secret in the text of a file that does not parse",
      fix="fix the syntax error, then move the secret to Secrets Manager or Parameter Store",
      bad="""
          {"pipeline": {"name": "app",
            "stages": [{"name": "Source", "actions": [{"name": "Code",
              "configuration": {"OAuthToken": "9f2c4e7a1b3d5f60718293a4b5c6d7e8f9a0b1c2"}}]}],
          }}""",
      good="""
          {"pipeline": {"name": "app",
            "stages": [{"name": "Source", "actions": [{"name": "Code",
              "configuration": {"OAuthToken": "{{resolve:secretsmanager:github:SecretString:token}}"}}]}],
          }}""")
def secret_in_unparsed_file(ctx: Context) -> Iterator[Finding]:
    """A syntax error stops every other check, but not the secret from being committed: a
    pipeline JSON with a trailing comma on line 67 still holds the GitHub token on line 24.
    When a file does not parse, its text is read line by line for token formats (AWS keys,
    GitHub and GitLab tokens, private keys...) and for literal values of secret-named keys
    (`"DbPassword": "..."`, `API_TOKEN: ...`), with the same reference and placeholder
    exceptions as everywhere else."""
    text = ctx.doc.text
    lines = ctx.doc.lines
    taken: list[tuple[int, int]] = []

    def report(start: int, end: int, what: str) -> Finding | None:
        if end <= start or any(a < end and start < b for a, b in taken):
            return None
        taken.append((start, end))
        span = (*lines.position(start), *lines.position(end))
        return ctx.report(None, f"{what} in plain text ({redact(text[start:end])}); the file does not parse, "
                                "so this was found in its text", secret=True, span=span)

    for hit in pattern_hits(text):
        found = report(hit.start, hit.end, hit.description[0].upper() + hit.description[1:])
        if found:
            yield found
    for pattern in (_JSON_PAIR, _YAML_PAIR):
        for m in pattern.finditer(text):
            key, value = m.group("key"), m.group("value")
            start, end = m.span("value")
            if pattern is _YAML_PAIR and len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                start, end, value = start + 1, end - 1, value[1:-1]
            if literal_secret(key, value):
                found = report(start, end, f"a literal value under the secret-named key {key}")
                if found:
                    yield found
