"""Secrets rules (SEC): a secret written in plain text, whatever the file kind.

Detection lives in `linter.secrets` (one detector for every kind); these rules decide
where to look. A finding never shows the secret: messages carry a redacted form and the
finding is marked `secret` so reporters mask the source line too.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Iterator

from linter.document import Node, split_pointer
from linter.rule import Context, Edit, Finding, rule
from linter.rules.buildspec import phases_of, variable_maps
from linter.rules.intrinsics import resources_of
from linter.secrets import (is_reference, literal_secret, pattern_hits, redact, scan_command, scan_value,
                            secret_name)
from linter.secrets import _identifier as identifier  # `DD_TOKEN`: the name of a value, not one


def _sm_fix(name: str) -> str:
    return (f"keep the value in AWS Secrets Manager and write under env.secrets-manager "
            f"'{name}: <secret-name>:{name}' (or under env.parameter-store "
            f"'{name}: /<path>/{name.lower()}' for a SecureString parameter)")


@rule(id="SEC001", name="plaintext-secret-variable", category="secrets", severity="error",
      autofix="unsafe", autofix_does="moves the variable from env.variables to env.parameter-store under the "
      "placeholder name /CHANGE-ME/NAME; the value is deleted, never written",
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
            finding = _check_variable(ctx, key, value, holder)
            if finding is not None:
                yield finding


def _check_variable(ctx: Context, key: Node, value: Node, holder: Node) -> Finding | None:
    name = str(key.data)
    data = value.data
    if isinstance(data, bool) or not isinstance(data, (str, int, float)) or not value.is_scalar:
        return None
    text = str(data)
    hit = scan_value(text) if isinstance(data, str) else None
    if hit is not None:
        message = f"{name} holds {hit.description} in plain text ({redact(text[hit.start:hit.end])})"
    elif secret_name(name) and text.strip() and not is_reference(text.strip()) and len(text.strip()) >= 4:
        message = f"{name} looks like a secret and its value is written in plain text ({redact(text)})"
    else:
        return None
    edits = _to_parameter_store(ctx, name, value, holder)
    return ctx.report(value, message, fix=_move_fix(name) if edits else _sm_fix(name), secret=True,
                      edits=edits, safe=False)


def placeholder_parameter(name: str) -> str:
    """The Parameter Store name a moved variable gets: a placeholder to replace."""
    return f"/CHANGE-ME/{name}"


def _move_fix(name: str) -> str:
    param = placeholder_parameter(name)
    return (f"move {name} to env.parameter-store as '{name}: {param}' (a placeholder name), store a new value "
            f"with aws ssm put-parameter --name {param} --type SecureString --value '<the secret>' (or "
            f"aws secretsmanager create-secret --name <name> --secret-string '<the secret>' and env.secrets-manager), "
            "and revoke the old one: it is in the repository's history")


def _to_parameter_store(ctx: Context, name: str, value: Node, holder: Node) -> list[Edit]:
    """Edits that move the variable `name` from env.variables to env.parameter-store under a
    placeholder parameter name; the value itself is deleted, never written anywhere. None
    when the layout is not one these edits can keep valid."""
    env = ctx.root.get("env") if ctx.root is not None and ctx.root.is_map else None
    if env is None or not env.is_map or env.get("variables") is not holder or value.line != value.end_line \
            or value.style in ("|", ">"):
        return []
    store = env.get("parameter-store")
    for other in ("parameter-store", "secrets-manager"):
        taken = env.get(other)
        if taken is not None and (not taken.is_map or name in taken):
            return []  # the name is already backed by a store (or the store is not a mapping)
    placeholder = placeholder_parameter(name)
    only = len(list(holder.items())) == 1
    key_end, value_start = ctx.offsets(holder.key_node(name))[1], ctx.offsets(value)[0]
    if "&" in ctx.doc.text[key_end:value_start] or ctx.doc.text[value_start:value_start + 1] in "&*":
        return []  # an anchored value (aliased elsewhere) or an alias
    if store is None and only:  # `variables: {NAME: secret}` becomes `parameter-store: {NAME: placeholder}`
        return [ctx.rename_key(env.key_node("variables"), "parameter-store"), ctx.replace_value(value, placeholder)]
    removal = ctx.remove_entry(env, "variables") if only else ctx.remove_entry(holder, name)
    addition = ctx.add_entry(store, name, placeholder) if store is not None else \
        ctx.add_entry(env, "parameter-store", {name: placeholder})
    if removal is None or addition is None or (removal.start <= addition.start < removal.end):
        return []
    return [removal, addition]


def _commands(ctx: Context) -> Iterator[Node]:
    for _, phase in phases_of(ctx):
        for key in ("commands", "finally"):
            items = phase.get(key)
            for item in items.value if items is not None and items.is_seq else [items] if items is not None else ():
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


def no_echo_edits(ctx: Context, param: Node) -> list[Edit]:
    """The edit that makes a parameter NoEcho: `NoEcho: true` as its first entry, or its
    NoEcho value set to true. Safe: the parameter's value is only hidden from
    DescribeStacks and the console."""
    if not param.is_map:
        return []
    current = param.get("NoEcho")
    if current is not None:
        return [ctx.replace_value(current, True)] if current.is_scalar and current.line == current.end_line else []
    edit = ctx.add_entry(param, "NoEcho", True)
    return [edit] if edit is not None else []


def secret_parameter(name: str, param: Node) -> bool:
    """A parameter SEC005 reports (and fixes) itself when it is not NoEcho."""
    return _template_secret_name(name) and param.is_map and \
        str(param.get("Type").data if param.get("Type") else "String").startswith("String")


def dynamic_reference() -> str:
    """The placeholder dynamic reference a literal password property becomes."""
    return "{{resolve:secretsmanager:CHANGE-ME:SecretString:password}}"


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
    if secret_name(name) and len(text) >= 8 and not identifier(text):
        return "a literal value", redact(text)
    return None


@rule(id="SEC005", name="template-plaintext-secret", category="secrets", severity="error",
      autofix="mixed", autofix_does="adds NoEcho: true to a secret parameter (safe); replaces a literal password "
      "property with {{resolve:secretsmanager:CHANGE-ME:SecretString:password}} (unsafe)",
      kinds=("cloudformation",),
      summary="a secret in a template: a PLAINTEXT CodeBuild variable, a Lambda environment variable, "
      "a secret parameter without NoEcho or with a Default, echoed in Outputs, or a token anywhere",
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
    Literal values of password properties are cfn-lint's W2501, not repeated here.

    Known token formats (AWS access keys, GitHub, GitLab, npm and Slack tokens, private keys,
    URLs with a password...) are reported in any literal string of the template (resource
    properties and metadata, parameter defaults, mappings, outputs), once per value. AWS credential variables (AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) of CodeBuild projects and Lambda functions are
    reported whenever they hold a literal: the service role gives the build or the function
    its credentials (and Lambda reserves these names). A value with the exact shape of an AWS
    key is reported even when it is the documentation's example key: the template wires
    static credentials into the resource, whatever key is pasted in later."""
    found = list(_template_secrets(ctx))
    yield from found
    yield from _tokens_anywhere(ctx, {f.pointer for f in found})


def _template_secrets(ctx: Context) -> Iterator[Finding]:
    for key, props in resources_of(ctx.root, "AWS::CodeBuild::Project"):
        env = props.get("Environment")
        variables = env.get("EnvironmentVariables") if env is not None and env.is_map else None
        for item in variables.value if variables is not None and variables.is_seq else ():
            if not item.is_map or str((item.get("Type").data if item.get("Type") else "PLAINTEXT")) != "PLAINTEXT":
                continue
            name, value = item.get("Name"), item.get("Value")
            if name is None or value is None:
                continue
            if _aws_credential_literal(str(name.data), value):
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
    functions = list(resources_of(ctx.root, "AWS::Lambda::Function", "AWS::Serverless::Function"))
    globals_ = ctx.root.get("Globals") if ctx.root is not None and ctx.root.is_map else None
    function_globals = globals_.get("Function") if globals_ is not None and globals_.is_map else None
    if function_globals is not None and function_globals.is_map:  # SAM: every function inherits these
        functions.append((ctx.root.key_node("Globals"), function_globals))
    for key, props in functions:
        env = props.get("Environment")
        variables = env.get("Variables") if env is not None and env.is_map else None
        for name, value in variables.items() if variables is not None and variables.is_map else ():
            if _aws_credential_literal(str(name.data), value):
                yield ctx.report(value, f"environment variable {name.data} of {key.data} sets AWS credentials in "
                                        f"plain text ({redact(str(value.data))})", secret=True,
                                 fix="remove it: the function's execution role gives it credentials "
                                     "(and Lambda reserves this name)")
                continue
            found = _literal_secret(ctx, str(name.data), value)
            if found:
                what, shown = found
                yield ctx.report(value, f"environment variable {name.data} of {key.data} holds {what}"
                                 + (f" ({shown})" if shown else ""), secret=bool(shown),
                                 fix="read the secret at run time from Secrets Manager or Parameter Store")
    yield from _secret_properties(ctx)
    params = parameters(ctx)
    secret_params = {n for n, p in params.items() if _template_secret_name(n) and p.is_map
                     and str(p.get("Type").data if p.get("Type") else "String").startswith("String")}
    for name in sorted(secret_params):
        param = params[name]
        key = ctx.root.get("Parameters").key_node(name)
        if not no_echo(param):
            yield ctx.report(key, f"parameter {name} looks like a secret but is not NoEcho: DescribeStacks shows "
                                  "its value", severity="warning", fix="add NoEcho: true (and no Default)",
                             edits=no_echo_edits(ctx, param))
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


def _template_secret_name(name: str) -> bool:
    """A secret-named parameter or property of a template; not a custom resource's
    ServiceToken (the ARN of its Lambda function or SNS topic) nor the name of a stack
    (`ParentSecretStack`: the stack that exports the secret's ARN)."""
    return secret_name(name) and name != "ServiceToken" and not name.lower().endswith("stack")


_B64_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
_KEY_ID_SHAPE = re.compile(r"(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}", re.A)


def _aws_key_shaped(name: str, value: str) -> bool:
    """`value` has the exact shape of the AWS credential `name` stands for: an access key id
    (AKIA/ASIA... and 16 capitals or digits), a 40-character secret access key or a long
    session token. The documentation's example keys have that shape too; AKIAAAAA... and
    FOO do not."""
    n, v = name.upper(), value.strip().strip("'\"")
    if n.endswith("AWS_ACCESS_KEY_ID"):
        return bool(_KEY_ID_SHAPE.fullmatch(v)) and len(set(v[4:])) >= 6
    if n.endswith("AWS_SECRET_ACCESS_KEY"):
        return (len(v) == 40 and _B64_CHARS.issuperset(v) and v.lower() != v and v.upper() != v
                and len(set(v)) >= 12)
    if n.endswith("AWS_SESSION_TOKEN"):
        return len(v) >= 100 and _B64_CHARS.union("=").issuperset(v) and len(set(v)) >= 20
    return False


def _aws_credential_literal(name: str, value: Node) -> bool:
    """An AWS credential variable (AWS_ACCESS_KEY_ID...) set to a literal: anything but a
    reference or a placeholder, and anything that has the shape of an AWS key."""
    if name.upper() not in _AWS_CREDENTIALS or not value.is_scalar or value.data is None \
            or isinstance(value.data, bool):
        return False
    text = str(value.data).strip()
    return bool(text) and (not is_reference(text) or _aws_key_shaped(name, text))


def _value_span(ctx: Context, node: Node, start: int, end: int) -> tuple[int, int, int, int] | None:
    """The source position of `node.data[start:end]` (a scalar string), when that text is
    written as-is in the file: the same occurrence of it (the third `x` of the value is the
    third `x` of its source). None when escapes or folding change it: report the node."""
    data = node.data if isinstance(node.data, str) else str(node.data)
    secret = data[start:end]
    if not secret:
        return None
    nth, i = 0, data.find(secret)
    while 0 <= i < start:
        nth, i = nth + 1, data.find(secret, i + 1)
    # a secret of several lines (a PEM key) is found by its first and last line: a block
    # scalar indents every line, a quoted string writes the line breaks as escapes
    head, tail = secret.split("\n")[0], secret.split("\n")[-1]
    source, index = ctx.source(node), -1
    for _ in range(nth + 1):
        index = source.find(head, index + 1)
        if index < 0 or not head:
            return None
    end = index + len(secret)
    if "\n" in secret:
        last = source.find(tail, index + len(head))
        if last < 0 or not tail:
            return None
        end = last + len(tail)
    lines = ctx.doc.lines
    offset = lines.offset(node.line, node.column)
    return (*lines.position(offset + index), *lines.position(offset + end))


def _where(pointer: str) -> str:
    """`/Resources/Fn/Properties/Code/ZipFile` -> `Code.ZipFile of Fn`; elsewhere the dotted
    path (`Parameters.Hook.Default`, `Metadata.AWS::CloudFormation::Init... of Fn`); list
    items as `[0]`."""
    tokens = split_pointer(pointer)
    owner = ""
    if len(tokens) > 2 and tokens[0] == "Resources":
        owner, tokens = tokens[1], tokens[3:] if tokens[2] == "Properties" else tokens[2:]
    out = ""
    for token in tokens:
        out += f"[{token}]" if token.isdigit() else (f".{token}" if out else token)
    out = out or "Properties"
    return f"{out} of {owner}" if owner else out


def _covered_elsewhere(rtype: str, props: Node) -> set[str]:
    """Pointers of the parts of a resource's Properties that another rule scans for secrets:
    user data (SEC007), an SSM parameter's Value (SEC008), a pipeline's stages (SEC004) and
    an inline buildspec (linted with the buildspec rules)."""
    out = {node.pointer for node in _user_data_nodes(rtype, props)}
    if rtype == "AWS::SSM::Parameter" and props.get("Value") is not None:
        out.add(props.get("Value").pointer)
    if rtype == "AWS::CodePipeline::Pipeline" and props.get("Stages") is not None:
        out.add(props.get("Stages").pointer)
    source = props.get("Source") if rtype == "AWS::CodeBuild::Project" else None
    spec = source.get("BuildSpec") if source is not None and source.is_map else None
    if spec is not None and spec.is_scalar and isinstance(spec.data, str) and "\n" in spec.data:
        out.add(spec.pointer)
    return out


def _tokens_anywhere(ctx: Context, seen: set[str]) -> Iterator[Finding]:
    """A known token format in any literal string of the template (resource properties and
    metadata, parameter defaults, mappings, outputs, SAM globals; keys are names, not
    values), once per value: not where SEC005 reported the node already, nor in the parts
    other rules scan."""
    root = ctx.root
    if root is None or not root.is_map:
        return
    skip = set(seen)
    resources = root.get("Resources")
    for _, resource in resources.items() if resources is not None and resources.is_map else ():
        props = resource.get("Properties") if resource.is_map else None
        type_node = resource.get("Type") if resource.is_map else None
        if props is not None and props.is_map and type_node is not None:
            skip |= _covered_elsewhere(str(type_node.data), props)
    stack = [root]
    while stack:
        node = stack.pop()
        if node.pointer in skip:
            continue
        if not node.is_scalar:
            stack.extend(reversed(node.children()))
            continue
        if not isinstance(node.data, str):
            continue
        hit = scan_value(node.data)
        if hit is None:
            continue
        secret = node.data[hit.start:hit.end]
        yield ctx.report(node, f"{_where(node.pointer)} holds {hit.description} in plain text ({redact(secret)})",
                         secret=True, span=_value_span(ctx, node, hit.start, hit.end),
                         fix="revoke the credential (it is in the repository's history), keep the new one in "
                             "Secrets Manager and use {{resolve:secretsmanager:...}} or a NoEcho parameter")


_URL_USERINFO = re.compile(r"^[a-z+]+://([^/@\s]+)@", re.IGNORECASE)

# a setting about secrets, not a secret (PasswordReusePrevention, MinimumPasswordLength); and
# EncryptionKey, which in a template names a KMS key (CodeBuild's alias/aws/s3, a key ARN)
_SETTING = re.compile(r"(?i)policy|reuse|prevention|length|required|reset|age$|expir|complex|symbol|number|case|"
                      r"rotation|type$|enabled$|arn$|name$|^encryptionkey$")

_HANDLED = ("Environment", "EnvironmentVariables", "Tags", "PolicyDocument",
            "Policies", "AssumeRolePolicyDocument", "KeyPolicy")


_STORES = ("AWS::SecretsManager::Secret", "AWS::SSM::Parameter")


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
                if not _template_secret_name(name) or _SETTING.search(name):
                    continue
                if value.is_map and "Ref" in value:
                    param = params.get(str(value.get("Ref").data))
                    if param is None:
                        continue
                    default = param.get("Default") if param.is_map else None
                    if not no_echo(param):
                        pname = str(value.get("Ref").data)  # a secret-named parameter is fixed where it is declared
                        yield ctx.report(value, f"{name} of {rkey.data} is a Ref to parameter {pname}, "
                                                "which is not NoEcho: its value shows in DescribeStacks",
                                         fix="make the parameter NoEcho without Default, or use {{resolve:secretsmanager:...}}",
                                         edits=[] if secret_parameter(pname, param) else no_echo_edits(ctx, param))
                    elif default is not None and str(default.data or "").strip():
                        yield ctx.report(value, f"{name} of {rkey.data} is a Ref to parameter {value.get('Ref').data}, "
                                                "whose Default writes the secret in the template",
                                         fix="remove the parameter's Default, or use {{resolve:secretsmanager:...}}")
                    continue
                if value.is_scalar and isinstance(value.data, str):
                    text = value.data.strip()
                    if not text or is_reference(text) or text.startswith("{{resolve:"):
                        continue
                    document = _json_object(text)
                    if document is not None:   # a SecretString of JSON: only its literal secrets count
                        for secret in _json_secrets(document):
                            start = value.data.find(secret)
                            yield ctx.report(value, f"{name} of {rkey.data} holds a secret in plain text "
                                                    f"({redact(secret)})", secret=True,
                                             span=_value_span(ctx, value, start, start + len(secret)))
                        continue
                    reference = dynamic_reference()
                    # a password property becomes a dynamic reference; a secret's own value
                    # (SecretString of AWS::SecretsManager::Secret) has nowhere else to come from
                    movable = "password" in name.lower() and value.style not in ("|", ">") and \
                        value.line == value.end_line and str(type_node.data if type_node else "") not in _STORES
                    yield ctx.report(value, f"{name} of {rkey.data} is written in plain text ({redact(text)})",
                                     secret=True, edits=[ctx.replace_value(value, reference)] if movable else [],
                                     safe=False, fix=None if not movable else
                                     "revoke the password (it is in the repository's history), store a new one in "
                                     "Secrets Manager (aws secretsmanager create-secret --name <name> "
                                     "--secret-string '{\"password\": \"<the secret>\"}') and write "
                                     f"{reference} with CHANGE-ME replaced by the secret's name")


def _json_object(text: str) -> dict | None:
    if not text.startswith("{"):
        return None
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return document if isinstance(document, dict) else None


def _json_secrets(document: object) -> Iterator[str]:
    """The literal secrets of a JSON document: token formats anywhere, and values of
    secret-named keys (`{"username": "admin", "password": "{{resolve:...}}"}` has none)."""
    stack: list[tuple[str, object]] = [("", document)]
    while stack:
        name, item = stack.pop()
        if isinstance(item, dict):
            stack.extend((str(k), v) for k, v in reversed(list(item.items())))
        elif isinstance(item, list):
            stack.extend((name, v) for v in reversed(item))
        elif isinstance(item, str) and item.strip():
            hit = scan_value(item)
            if hit is not None:
                yield item[hit.start:hit.end]
            elif literal_secret(name, item):
                yield item


_YAML_PAIR = re.compile(r"^[ \t]*(?:-[ \t]+)?[\"']?(?P<key>[A-Za-z_][\w.-]*)[\"']?[ \t]*:[ \t]+"
                        r"(?P<value>[^\s#][^\r\n]*?)[ \t]*(?:[ \t]#[^\r\n]*)?$", re.M)
_JSON_PAIR = re.compile(r'"(?P<key>[A-Za-z_][\w.-]*)"\s*:\s*"(?P<value>(?:[^"\\\r\n]|\\.)*)"')
# a buildspec's env blocks whose values name a secret or a parameter (`DB_PASS: prod/db:password`)
_REFERENCE_BLOCK = re.compile(r"^[ \t]*[\"']?(?:secrets-manager|parameter-store)[\"']?[ \t]*:[ \t]*(?:#.*)?$")


def _under_reference_block(text: str, pos: int) -> bool:
    """Whether the YAML line at `pos` sits directly in a `secrets-manager:` or
    `parameter-store:` block: its values are references, as the parsed checks read them."""
    start = text.rfind("\n", 0, pos) + 1
    stop = text.find("\n", start)
    line = text[start:stop if stop >= 0 else len(text)]
    indent = len(line) - len(line.lstrip(" \t"))
    while start > 0 and indent > 0:  # stops at the first line less indented: no walk to the top
        end = start - 1
        start = text.rfind("\n", 0, end) + 1
        above = text[start:end].rstrip("\r")
        stripped = above.lstrip(" \t")
        if not stripped or stripped.startswith("#"):
            continue
        if len(above) - len(stripped) < indent:
            return bool(_REFERENCE_BLOCK.match(above))
    return False


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
            if pattern is _YAML_PAIR and value[0] in "{[":
                continue  # a flow mapping or list (`"Token": { "Fn::Join": ...`), not a scalar
            if pattern is _YAML_PAIR and len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                start, end, value = start + 1, end - 1, value[1:-1]
            if pattern is _YAML_PAIR and _under_reference_block(text, m.start()):
                continue
            if literal_secret(key, value):
                found = report(start, end, f"a literal value under the secret-named key {key}")
                if found:
                    yield found


# -- templates: user data, SSM parameters, stage variables ---------------------------------------

_USER_DATA_PATHS = {  # where each resource type keeps its user data, below Properties
    "AWS::EC2::Instance": ("UserData",),
    "AWS::EC2::LaunchTemplate": ("LaunchTemplateData", "UserData"),
    "AWS::AutoScaling::LaunchConfiguration": ("UserData",),
    "AWS::EC2::SpotFleet": ("SpotFleetRequestConfigData", "LaunchSpecifications", "*", "UserData"),
}


def _user_data_nodes(rtype: str, props: Node) -> list[Node]:
    nodes = [props]
    for step in _USER_DATA_PATHS.get(rtype, ()):
        if step == "*":
            nodes = [item for n in nodes if n.is_seq for item in n.value]
        else:
            nodes = [n.get(step) for n in nodes if n.is_map and n.get(step) is not None]
    return nodes if rtype in _USER_DATA_PATHS else []


_FILLED_IN = "${CloudFormation}"   # stands for a value CloudFormation fills in: a reference to the scanner
_SCRIPT_PARTS = list[tuple["Node | None", str]]


def _script_parts(node: Node, parts: _SCRIPT_PARTS, branches: list[_SCRIPT_PARTS],
                  extra: list[Node], depth: int = 0) -> None:
    """The text of a user data script as parts (the literal node a part comes from, or None
    for a Join delimiter and for what CloudFormation fills in). Fn::Base64, Fn::Sub and
    Fn::Join are followed (20 levels deep at most); each branch of an Fn::If becomes a
    script of its own (`branches`); literal values of an Fn::Sub variable map go to `extra`."""
    if depth > 20:
        parts.append((None, _FILLED_IN))
        return
    depth += 1
    if node.is_scalar:
        if isinstance(node.data, str):
            parts.append((node, node.data))
        elif node.data is not None:
            parts.append((None, str(node.data)))
        return
    if node.is_map and len(node.value) == 1:
        fn, arg = str(node.value[0][0].data), node.value[0][1]
        if fn == "Fn::Base64":
            _script_parts(arg, parts, branches, extra, depth)
            return
        if fn == "Fn::Sub":
            template = arg.value[0] if arg.is_seq and arg.value else arg
            if arg.is_seq and len(arg.value) > 1 and arg.value[1].is_map:
                extra.extend(v for _, v in arg.value[1].items() if v.is_scalar and isinstance(v.data, str))
            if template.is_scalar and isinstance(template.data, str):
                parts.append((template, template.data))
                return
        elif fn == "Fn::Join" and arg.is_seq and len(arg.value) == 2 and arg.value[0].is_scalar \
                and arg.value[1].is_seq:
            delimiter = "" if arg.value[0].data is None else str(arg.value[0].data)
            for i, item in enumerate(arg.value[1].value):
                if i and delimiter:
                    parts.append((None, delimiter))
                _script_parts(item, parts, branches, extra, depth)
            return
        elif fn == "Fn::If" and arg.is_seq and len(arg.value) == 3:
            for branch in arg.value[1:]:
                inner: _SCRIPT_PARTS = []
                _script_parts(branch, inner, branches, extra, depth)
                branches.append(inner)
    parts.append((None, _FILLED_IN))


def _decoded_user_data(text: str) -> str | None:
    """The text a plain base64 string stands for; None when it is not base64 or does not
    decode to UTF-8 text (a gzip archive, a MIME multipart written as binary...)."""
    compact = "".join(text.split())
    if len(compact) < 8 or len(compact) % 4 or not _B64_CHARS.union("=").issuperset(compact):
        return None
    try:
        decoded = base64.b64decode(compact, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    if any(ord(c) < 32 and c not in "\t\r\n" for c in decoded):
        return None
    return decoded


_INI_PAIR = re.compile(r"^[ \t]*(?P<key>[A-Za-z_][\w.-]*)[ \t]*=[ \t]*(?P<q>[\"']?)(?P<value>[^\s\"'#;]+)(?P=q)"
                       r"[ \t]*$", re.M)
# AWS credentials as a variable (`export AWS_SECRET_ACCESS_KEY=...`, `$env:AWS_...=`, YAML or
# JSON) or in a credentials file (`aws_secret_access_key = ...`), and `aws configure set`.
# perf: compiled at the first user data script (about 4 ms, paid by every start otherwise)
_AWS_CREDENTIAL_SET_PATTERN = (
    r"(?i)(?<![\w$])(?P<name>aws_access_key_id|aws_secret_access_key|aws_session_token)[\"']?[ \t]*[=:][ \t]*"
    r"[\"']?(?P<value>[A-Za-z0-9/+=]{16,})(?=$|[\s\"';&|),}#])"
    r"|\baws[ \t]+configure[ \t]+set[ \t]+(?:[\w.-]+\.)?(?P<cname>aws_access_key_id|aws_secret_access_key|"
    r"aws_session_token)[ \t]+[\"']?(?P<cvalue>[A-Za-z0-9/+=]{16,})(?=$|[\s\"';&|)#])")


def _logical_lines(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each line of a script, a line ending in a backslash joined with the next."""
    start = i = 0
    while i <= len(text):
        j = text.find("\n", i)
        end = len(text) if j < 0 else j
        if text[i:end].rstrip("\r").endswith("\\") and j >= 0:
            i = j + 1
            continue
        yield start, end
        if j < 0:
            return
        start = i = j + 1


def _script_hits(text: str) -> list[tuple[int, int, str]]:
    """(start, end, what) of the secrets written literally in a user data script: the command
    scanner line by line, `key: value` / `"key": "value"` / `key=value` lines of the config
    files a script writes (heredocs, cloud-config) under secret names, and AWS credentials."""
    hits: list[tuple[int, int, str]] = []
    for start, end in _logical_lines(text):
        line = text[start:end].removesuffix("\r")
        hits += [(start + h.start, start + h.end, h.description) for h in scan_command(line)]
        for pattern in (_JSON_PAIR, _YAML_PAIR, _INI_PAIR):
            for m in pattern.finditer(line):
                a, b = m.span("value")
                value = m.group("value")
                if pattern is _YAML_PAIR and len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                    a, b, value = a + 1, b - 1, value[1:-1]
                if literal_secret(m.group("key"), value):
                    hits.append((start + a, start + b, f"a literal value under the secret-named key {m.group('key')}"))
        for m in re.compile(_AWS_CREDENTIAL_SET_PATTERN, re.A).finditer(line):  # re's own cache keeps it
            group = "value" if m.group("value") else "cvalue"
            name = m.group("name") or m.group("cname")
            value = m.group(group)
            if _aws_key_shaped(name, value) or not is_reference(value):
                hits.append((start + m.start(group), start + m.end(group), f"the AWS credential {name.upper()}"))
    kept: list[tuple[int, int, str]] = []     # the first (most specific) hit wins an overlap
    for hit in hits:
        if all(hit[1] <= k[0] or hit[0] >= k[1] for k in kept):
            kept.append(hit)
    return sorted(kept)


@rule(id="SEC007", name="secret-in-user-data", category="secrets", severity="error",
      kinds=("cloudformation",),
      summary="a password, token or key written literally in EC2 user data",
      fix="give the instance a role (instance profile) and have the script read the secret at boot from "
          "Secrets Manager or Parameter Store (aws secretsmanager get-secret-value)",
      bad="""
          Resources:
            Web:
              Type: AWS::EC2::Instance
              Properties:
                ImageId: ami-0abcdef1234567890
                InstanceType: t3.micro
                UserData:
                  Fn::Base64: !Sub |
                    #!/bin/bash
                    export DB_PASSWORD=Wq7-deploy-Pw-2024x
                    /opt/app/start --region ${AWS::Region}""",
      good="""
          Resources:
            Web:
              Type: AWS::EC2::Instance
              Properties:
                ImageId: ami-0abcdef1234567890
                InstanceType: t3.micro
                IamInstanceProfile: web-instance
                UserData:
                  Fn::Base64: !Sub |
                    #!/bin/bash
                    export DB_PASSWORD="$(aws secretsmanager get-secret-value --secret-id prod/db \\
                      --query SecretString --output text)"
                    /opt/app/start --region ${AWS::Region}""")
def secret_in_user_data(ctx: Context) -> Iterator[Finding]:
    """User data is not protected: any process on the instance reads it from the instance
    metadata service, anyone allowed `ec2:DescribeInstanceAttribute` (or
    `ec2:DescribeLaunchTemplateVersions` for a launch template) reads it through the API, and
    the template keeps it in the repository. AWS says not to put passwords or long-lived keys
    there. The user data of `AWS::EC2::Instance`, `AWS::EC2::LaunchTemplate`
    (`LaunchTemplateData.UserData`), `AWS::AutoScaling::LaunchConfiguration` and
    `AWS::EC2::SpotFleet` is read as a shell script, line by line: a literal, `Fn::Base64` of a
    literal, of `Fn::Sub` or of `Fn::Join` (the literal parts; what CloudFormation fills in is
    a reference) and a plain base64 string, decoded when it is UTF-8 text. Passwords on
    command lines (`mysql -p...`, `docker login -p`, `--password`), `NAME=value` for secret
    names, secret-named keys of the config files the script writes, token formats and AWS
    credentials (`export AWS_SECRET_ACCESS_KEY=...`, an `~/.aws/credentials` file) are
    reported; `$VAR`, `${Param}`, `$(aws secretsmanager ...)` and placeholders are not."""
    resources = ctx.root.get("Resources") if ctx.root is not None and ctx.root.is_map else None
    for rkey, resource in resources.items() if resources is not None and resources.is_map else ():
        type_node = resource.get("Type") if resource.is_map else None
        props = resource.get("Properties") if resource.is_map else None
        if type_node is None or props is None or not props.is_map:
            continue
        for user_data in _user_data_nodes(str(type_node.data), props):
            yield from _user_data_findings(ctx, str(rkey.data), user_data)


def _user_data_findings(ctx: Context, owner: str, user_data: Node) -> Iterator[Finding]:
    where = f"the user data of {owner}"
    if user_data.is_scalar and isinstance(user_data.data, str):
        decoded = _decoded_user_data(user_data.data)
        if decoded is not None:   # positions inside base64 do not map: point at the string
            for start, end, what in _script_hits(decoded):
                yield ctx.report(user_data, f"{what} is written in {where}, base64-encoded "
                                            f"({redact(decoded[start:end])})", secret=True)
            return
    parts: _SCRIPT_PARTS = []
    branches: list[_SCRIPT_PARTS] = []
    extra: list[Node] = []
    _script_parts(user_data, parts, branches, extra)
    reported: set[tuple[str, object]] = set()
    for script in [parts] + branches:
        text = "".join(t for _, t in script)
        bounds, offset = [], 0
        for node, part in script:
            bounds.append((offset, offset + len(part), node))
            offset += len(part)
        for start, end, what in _script_hits(text):
            inside = [(a, b, n) for a, b, n in bounds if n is not None and a < end and start < b]
            if not inside:
                continue
            a, b, node = inside[0]
            span = _value_span(ctx, node, start - a, end - a) if a <= start and end <= b else None
            if (node.pointer, span) in reported:
                continue
            reported.add((node.pointer, span))
            yield ctx.report(node, f"{what} is written in {where} ({redact(text[start:end])})",
                             secret=True, span=span)
    for node in extra:
        hit = scan_value(node.data)
        if hit is not None:
            yield ctx.report(node, f"{hit.description} is written in {where} ({redact(node.data[hit.start:hit.end])})",
                             secret=True, span=_value_span(ctx, node, hit.start, hit.end))


_NAME_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+", re.A)
_NOT_REAL = frozenset({"test", "tests", "testing", "example", "examples", "sample", "dummy", "fake", "mock"})
# `/myapp/dbpassword`, `MYSECRET`: a secret word glued to the end of a one-case word
_GLUED = re.compile(r"(?i)(?<=[a-z0-9])(password|passwd|secrets?|token|apikey|privatekey|credentials?)"
                    r"(?=$|[^a-z0-9])", re.A)
_PARAMETER_SUFFIX = re.compile(r"(?i)(?:ssm)?(?:parameter|param)s?$")


def _ssm_secret_name(name: str) -> bool:
    """An SSM parameter name (or logical id) that says it holds a secret, and not a test's."""
    if not name or _NOT_REAL.intersection(w.lower() for w in _NAME_WORDS.findall(name)):
        return False
    return secret_name(_GLUED.sub(r"_\1", name))


def _literal_text(node: Node | None) -> str:
    """The literal text of a name: a string, or the literal parts of Fn::Sub / Fn::Join."""
    if node is None:
        return ""
    if node.is_scalar:
        return "" if node.data is None else str(node.data)
    if node.is_map and len(node.value) == 1:
        fn, arg = str(node.value[0][0].data), node.value[0][1]
        if fn == "Fn::Sub":
            return _literal_text(arg.value[0] if arg.is_seq and arg.value else arg)
        if fn == "Fn::Join" and arg.is_seq and len(arg.value) == 2 and arg.value[1].is_seq:
            return str(arg.value[0].data or "").join(_literal_text(item) for item in arg.value[1].value)
    return ""


_SUB_VARIABLE = re.compile(r"\$\{(?!!)\s*([^}]+?)\s*\}")
_SECURE_REFERENCE = re.compile(r"\{\{resolve:(secretsmanager|ssm-secure):")


def _copied_secrets(ctx: Context, value: Node) -> Iterator[tuple[Node, str, tuple[int, int, int, int] | None]]:
    """(node, what, span) for each secret `value` copies in: a Ref or an Fn::Sub `${...}` of
    a NoEcho parameter, or a secure dynamic reference."""
    params = parameters(ctx)
    for node in value.walk():
        if node.is_map and len(node.value) == 1 and str(node.value[0][0].data) == "Ref":
            name = str(node.value[0][1].data)
            if name in params and no_echo(params[name]):
                yield node, f"the NoEcho parameter {name}", None
        elif node.is_map and len(node.value) == 1 and str(node.value[0][0].data) == "Fn::Sub":
            arg = node.value[0][1]
            template = arg.value[0] if arg.is_seq and arg.value else arg
            local = {str(k.data) for k, _ in arg.value[1].items()} if arg.is_seq and len(arg.value) > 1 \
                and arg.value[1].is_map else set()
            if not (template.is_scalar and isinstance(template.data, str)):
                continue
            for m in _SUB_VARIABLE.finditer(template.data):
                name = m.group(1)
                if name not in local and name in params and no_echo(params[name]):
                    yield template, f"the NoEcho parameter {name}", _value_span(ctx, template, m.start(), m.end())
        elif node.is_scalar and isinstance(node.data, str):
            for m in _SECURE_REFERENCE.finditer(node.data):
                close = node.data.find("}}", m.end())
                end = len(node.data) if close < 0 else close + 2
                store = "Secrets Manager" if m.group(1) == "secretsmanager" else "a SecureString parameter"
                yield node, f"a secret from {store}", _value_span(ctx, node, m.start(), end)


@rule(id="SEC008", name="ssm-parameter-plaintext-secret", category="secrets", severity="error",
      kinds=("cloudformation",),
      summary="an AWS::SSM::Parameter of Type String or StringList whose value is a secret",
      fix="CloudFormation cannot create a SecureString: create it outside the template (aws ssm put-parameter "
          "--type SecureString) and read it with {{resolve:ssm-secure:...}}, or keep the secret in Secrets Manager "
          "(AWS::SecretsManager::Secret with GenerateSecretString)",
      bad="""
          Resources:
            DbPassword:
              Type: AWS::SSM::Parameter
              Properties:
                Name: /orders/prod/db-password
                Type: String
                Value: Wq7-deploy-Pw-2024x""",
      good="""
          Resources:
            DbPassword:
              Type: AWS::SecretsManager::Secret
              Properties:
                Name: /orders/prod/db-password
                GenerateSecretString:
                  PasswordLength: 32
                  ExcludePunctuation: true""")
def ssm_parameter_plaintext_secret(ctx: Context) -> Iterator[Finding]:
    """A String or StringList parameter is stored unencrypted and returned in clear text to
    anyone allowed `ssm:GetParameter` (and shown in the console and its history); a
    literal value is also in the template and the repository. CloudFormation can only
    create String and StringList parameters (SecureString is not supported), so a secret
    belongs in a SecureString created outside the template or in Secrets Manager. Reported:
    a value holding a known token format, a literal value (8 characters or more) when the
    parameter's Name or logical id says it is a secret (`/app/db-password`, `MYSECRET`,
    `ApiKeyParameter`; not names of tests or examples), and, as a warning, a NoEcho
    parameter or a `{{resolve:secretsmanager:...}}` copied into it, which undoes the
    protection. References and placeholders are fine."""
    for rkey, props in resources_of(ctx.root, "AWS::SSM::Parameter"):
        value = props.get("Value")
        if value is None:
            continue
        type_node = props.get("Type")
        kind = str(type_node.data) if type_node is not None and type_node.is_scalar else "String"
        name = _literal_text(props.get("Name"))
        what = f"SSM parameter {rkey.data} ({kind})"
        if value.is_scalar and isinstance(value.data, (str, int)) and not isinstance(value.data, bool):
            text = str(value.data)
            hit = scan_value(text) if isinstance(value.data, str) else None
            if hit is not None:
                yield ctx.report(value, f"{what} stores {hit.description} in plain text "
                                        f"({redact(text[hit.start:hit.end])})", secret=True,
                                 span=_value_span(ctx, value, hit.start, hit.end))
                continue
            named = _ssm_secret_name(name) or _ssm_secret_name(_PARAMETER_SUFFIX.sub("", str(rkey.data)))
            stripped = text.strip()
            # the name was judged above; literal_secret judges the value (no reference, no placeholder)
            if named and len(stripped) >= 8 and literal_secret("secret", stripped):
                start = text.index(stripped)
                yield ctx.report(value, f"{what} is named as a secret and stores a literal value "
                                        f"({redact(stripped)})", secret=True,
                                 span=_value_span(ctx, value, start, start + len(stripped)))
                continue
        for node, copied, span in _copied_secrets(ctx, value):
            yield ctx.report(node, f"{what} copies {copied} into a parameter that is stored and returned "
                                   "in clear text", severity="warning", span=span)


_STAGE_VARIABLE_PATHS = {
    "AWS::ApiGateway::Stage": ("Variables",),
    "AWS::ApiGateway::Deployment": ("StageDescription", "Variables"),
    "AWS::Serverless::Api": ("Variables",),
    "AWS::ApiGatewayV2::Stage": ("StageVariables",),
    "AWS::Serverless::HttpApi": ("StageVariables",),
}


def _stage_variable_maps(ctx: Context) -> Iterator[tuple[str, Node]]:
    resources = ctx.root.get("Resources") if ctx.root is not None and ctx.root.is_map else None
    for rkey, resource in resources.items() if resources is not None and resources.is_map else ():
        type_node = resource.get("Type") if resource.is_map else None
        node = resource.get("Properties") if resource.is_map else None
        for step in _STAGE_VARIABLE_PATHS.get(str(type_node.data) if type_node is not None else "", ("-",)):
            node = node.get(step) if node is not None and node.is_map else None
        if node is not None and node.is_map:
            yield str(rkey.data), node
    globals_ = ctx.root.get("Globals") if ctx.root is not None and ctx.root.is_map else None
    for section, key in (("Api", "Variables"), ("HttpApi", "StageVariables")):
        holder = globals_.get(section) if globals_ is not None and globals_.is_map else None
        node = holder.get(key) if holder is not None and holder.is_map else None
        if node is not None and node.is_map:
            yield f"Globals.{section}", node


_SEC009_EXAMPLE = """
          Parameters:
            BackendApiKey:
              Type: String
              NoEcho: true
          Resources:
            Prod:
              Type: AWS::ApiGateway::Stage
              Properties:
                RestApiId: a1b2c3d4e5
                DeploymentId: x9y8z7
                StageName: prod
                Variables:
                  backendKey: !Ref BackendApiKey"""


@rule(id="SEC009", name="secret-in-stage-variable", category="secrets", severity="warning",
      kinds=("cloudformation",),
      summary="a NoEcho parameter or a Secrets Manager secret copied into an API Gateway stage variable",
      fix="keep secrets out of stage variables: let the integration read the secret from Secrets Manager at run "
          "time, and use stage variables for names and endpoints only",
      bad=_SEC009_EXAMPLE,
      good=_SEC009_EXAMPLE.replace("backendKey: !Ref BackendApiKey", "backendKeySecret: prod/backend/api-key"))
def secret_in_stage_variable(ctx: Context) -> Iterator[Finding]:
    """NoEcho hides a parameter's value in DescribeStacks and the console, but a stage
    variable is plain configuration: the value is returned by the API Gateway API to
    anyone allowed `apigateway:GET` on the stage and shown in the console, and it travels in
    every request context. A `Ref` or `Fn::Sub` `${...}` of a NoEcho parameter, or a
    `{{resolve:secretsmanager:...}}` / `{{resolve:ssm-secure:...}}` reference, in the
    `Variables` of an `AWS::ApiGateway::Stage`, an `AWS::ApiGateway::Deployment`'s
    `StageDescription`, a SAM `AWS::Serverless::Api` (or `Globals.Api`), or the
    `StageVariables` of an `AWS::ApiGatewayV2::Stage` / `AWS::Serverless::HttpApi`, copies
    the secret there. Literal secrets in stage variables are SEC005's."""
    for owner, variables in _stage_variable_maps(ctx):
        for key, value in variables.items():
            for node, copied, span in _copied_secrets(ctx, value):
                yield ctx.report(node, f"stage variable {key.data} of {owner} holds {copied}: stage variables are "
                                       "returned in clear text to anyone allowed apigateway:GET", span=span)
