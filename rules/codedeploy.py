"""CodeDeploy in templates (CD): deployment groups, deployment configurations, ECS blue/green
services, SAM `DeploymentPreference` and ECS rolling deployments.

What the rules check (each rule's rationale names the documentation pages it rests on):
- deployment groups (`AWS::CodeDeploy::DeploymentGroup`): automatic rollback, alarms,
  the deployment configuration's compute platform, what a Server group targets, the
  load balancer that traffic control needs, and the pieces an ECS blue/green group needs;
- custom `AWS::CodeDeploy::DeploymentConfig`s: the properties of their platform, and a
  minimum of zero healthy hosts;
- SAM `DeploymentPreference` (on `AWS::Serverless::Function` and in `Globals.Function`,
  merged as SAM merges them): the alias it needs, its hook functions and what they must be
  allowed and named, alarms on gradual shifts, all-at-once shifts to production;
- `AWS::ECS::Service` rolling deployments without the circuit breaker's rollback.

A value written with an intrinsic function that cannot be read here (`!Ref` to a parameter,
`!If`, `!ImportValue`, `!Sub` with variables) is unknown and never guessed: the check that
needs it is skipped. The template is read once into a small model (`template_model`) that every rule
of the pack shares.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Iterator

from linter.document import Node
from linter.rule import Context, Finding, rule
from linter.rules.iam_model import statements_of, text_of
from linter.suggest import did_you_mean

KINDS = ("cloudformation",)
GROUP = "AWS::CodeDeploy::DeploymentGroup"
APPLICATION = "AWS::CodeDeploy::Application"
CONFIG = "AWS::CodeDeploy::DeploymentConfig"
ECS_SERVICE = "AWS::ECS::Service"
SAM_FUNCTION = "AWS::Serverless::Function"
LAMBDA_FUNCTION = "AWS::Lambda::Function"
FUNCTIONS = (SAM_FUNCTION, LAMBDA_FUNCTION)
ALARMS = ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm")
PLATFORMS = ("Server", "Lambda", "ECS")
SHOWN = {"Server": "Server (EC2/On-premises)", "Lambda": "Lambda", "ECS": "ECS"}
SERVER_CONFIGS = ("CodeDeployDefault.AllAtOnce", "CodeDeployDefault.HalfAtATime", "CodeDeployDefault.OneAtATime")
SUGGESTED_CONFIG = {"Server": "CodeDeployDefault.OneAtATime",
                    "Lambda": "CodeDeployDefault.LambdaCanary10Percent5Minutes",
                    "ECS": "CodeDeployDefault.ECSCanary10Percent5Minutes"}
# the predefined names ("Working with deployment configurations in CodeDeploy") that, written
# without the CodeDeployDefault. prefix, still say their platform (AllAtOnce is every platform's)
BARE_CONFIGS = {**{f"Lambda{k}": "Lambda" for k in (
    "Canary10Percent5Minutes", "Canary10Percent10Minutes", "Canary10Percent15Minutes", "Canary10Percent30Minutes",
    "Linear10PercentEvery1Minute", "Linear10PercentEvery2Minutes", "Linear10PercentEvery3Minutes",
    "Linear10PercentEvery10Minutes", "AllAtOnce")},
    **{f"ECS{k}": "ECS" for k in ("Linear10PercentEvery1Minutes", "Linear10PercentEvery3Minutes",
                                   "Canary10Percent5Minutes", "Canary10Percent15Minutes", "AllAtOnce")},
    "HalfAtATime": "Server", "OneAtATime": "Server"}
TARGETS = ("Ec2TagFilters", "Ec2TagSet", "AutoScalingGroups", "OnPremisesInstanceTagFilters", "OnPremisesTagSet")
HOOK_PREFIX = "CodeDeployHook_"
HOOK_ACTION = "codedeploy:PutLifecycleEventHookExecutionStatus"
# AWS managed policies that grant the hook's call (codedeploy:* or *), and the everyday ones that do not
GRANTING_MANAGED = {"administratoraccess", "poweruseraccess", "awscodedeployfullaccess"}
SILENT_MANAGED = {"awslambdabasicexecutionrole", "awslambdavpcaccessexecutionrole", "awsxraydaemonwriteaccess",
                  "awslambdarole", "awslambdaexecute", "cloudwatchlambdainsightsexecutionrolepolicy",
                  "awslambda_readonlyaccess", "awsxraywriteonlyaccess"}
PRODUCTION = {"prod", "production", "prd", "live"}


# -- the template, read once -----------------------------------------------------------

@dataclass
class Resource:
    name: str
    key: Node                       # the logical id, as written
    type: str
    props: Node | None              # the Properties map, or None


@dataclass
class Preference:
    """A SAM function's DeploymentPreference, merged with Globals.Function's as SAM does."""

    function: Resource
    own: Node | None                # the function's DeploymentPreference map
    shared: Node | None             # Globals.Function.DeploymentPreference
    alias: Node | None              # AutoPublishAlias (the function's, else the Globals one)
    role: Node | None               # the function's Role (else the Globals one)

    def get(self, key: str) -> Node | None:
        for pref in (self.own, self.shared):
            if pref is not None and pref.is_map and key in pref:
                return pref.get(key)
        return None

    def key_node(self, key: str) -> Node | None:
        for pref in (self.own, self.shared):
            if pref is not None and pref.is_map and key in pref:
                return pref.key_node(key)
        return None


@dataclass
class Model:
    resources: dict[str, Resource] = field(default_factory=dict)
    parameters: dict[str, Node] = field(default_factory=dict)
    globals_function: Node | None = None
    globals_key: Node | None = None       # the DeploymentPreference key of Globals.Function

    def of_type(self, *types: str) -> Iterator[Resource]:
        return (r for r in self.resources.values() if r.type in types and r.props is not None and r.props.is_map)


def template_model(ctx: Context) -> Model:
    cached = ctx.doc.cache.get("codedeploy-model")
    if cached is not None:
        return cached
    model = Model()
    root = ctx.root
    if root is not None and root.is_map:
        resources = root.get("Resources")
        for key, node in resources.items() if resources is not None and resources.is_map else ():
            type_node = node.get("Type") if node.is_map else None
            if type_node is None or not isinstance(type_node.data, str):
                continue
            model.resources[str(key.data)] = Resource(str(key.data), key, type_node.data, node.get("Properties"))
        params = root.get("Parameters")
        model.parameters = {str(k.data): v for k, v in params.items()} if params is not None and params.is_map else {}
        globals_ = root.get("Globals")
        function = globals_.get("Function") if globals_ is not None and globals_.is_map else None
        if function is not None and function.is_map:
            model.globals_function = function
            model.globals_key = function.key_node("DeploymentPreference")
    ctx.doc.cache["codedeploy-model"] = model
    return model


# -- values --------------------------------------------------------------------------

def literal_text(node: Node | None) -> str | None:
    """The text of a plain scalar; None for an intrinsic function or anything else."""
    if node is None or not node.is_scalar or node.data is None or isinstance(node.data, bool):
        return None
    return str(node.data)


def _plain(node: Node | None) -> Node | None:
    """A mapping written out, not an intrinsic function (`!If`, `!Ref`...) standing for one."""
    if node is None or not node.is_map:
        return None
    if len(node.value) == 1 and isinstance(node.value[0][0].data, str) and \
            (node.value[0][0].data == "Ref" or node.value[0][0].data.startswith("Fn::")):
        return None
    return node


def _flag(node: Node | None) -> bool | None:
    """A boolean as CloudFormation reads it (`true`, `'false'`); None when unknown."""
    if node is None or not node.is_scalar:
        return None
    if isinstance(node.data, bool):
        return node.data
    text = str(node.data).strip().lower()
    return {"true": True, "false": False}.get(text)


def ref_target(node: Node | None) -> str | None:
    """The logical id a `Ref` or `Fn::GetAtt` names."""
    if node is None or not node.is_map or len(node.value) != 1:
        return None
    key, value = node.value[0]
    if key.data == "Ref" and value.is_scalar and isinstance(value.data, str):
        return value.data
    if key.data == "Fn::GetAtt":
        if value.is_seq and value.value and isinstance(value.value[0].data, str):
            return value.value[0].data
        if value.is_scalar:
            data = value.data
            if isinstance(data, list) and data:
                return str(data[0])
            if isinstance(data, str):
                return data.split(".", 1)[0]
    return None


def _items(node: Node | None) -> list[Node] | None:
    """The items of a literal list; None when the list is written with an intrinsic."""
    return list(node.value) if node is not None and node.is_seq else None


def _strings(node: Node | None) -> list[str] | None:
    """A literal list of literal strings; None when any part is unknown."""
    items = _items(node)
    if items is None:
        return None
    out = [literal_text(i) for i in items]
    return None if any(v is None for v in out) else out  # type: ignore[misc]


def _resolved(model: Model, node: Node | None) -> str | None:
    """A name as the template would make it with its parameters' defaults: a literal, a `!Ref`
    to a parameter (its Default), an `Fn::Sub` whose variables are parameters with defaults."""
    if node is None:
        return None
    text = literal_text(node)
    if text is not None:
        return text
    name = ref_target(node)
    if name is not None and node.value[0][0].data == "Ref":
        param = model.parameters.get(name)
        return literal_text(param.get("Default")) if param is not None and param.is_map else None
    template = text_of(node) if node.is_map and len(node.value) == 1 and node.value[0][0].data == "Fn::Sub" \
        else None
    if template is None:
        return None

    def default(m: re.Match) -> str:
        param = model.parameters.get(m.group(1))
        value = literal_text(param.get("Default")) if param is not None and param.is_map else None
        return value if value is not None else "\0"

    out = re.sub(r"\$\{([^}!.]+)\}", default, template)
    return None if "\0" in out or "${" in out else out


def _a(word: str) -> str:
    return ("an " if word[:1] in "AEIOU" else "a ") + word


def _words(text: str) -> set[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text)
    return {w.lower() for w in re.split(r"[^A-Za-z0-9]+|(?<=[A-Za-z])(?=[0-9])", spaced) if w}


# -- applications, platforms, configurations --------------------------------------------

def _app_platform(res: Resource) -> str | None:
    if res.props is None or not res.props.is_map:
        return "Server"
    node = res.props.get("ComputePlatform")
    if node is None:
        return "Server"
    text = literal_text(node)
    return text if text in PLATFORMS else None


def _application(model: Model, group: Resource) -> Resource | None:
    """The template's application a group belongs to (by Ref, or by its literal name)."""
    node = group.props.get("ApplicationName") if group.props is not None else None
    name = ref_target(node)
    if name is not None:
        found = model.resources.get(name)
        return found if found is not None and found.type == APPLICATION else None
    text = literal_text(node)
    if text is None:
        return None
    return next((a for a in model.of_type(APPLICATION) if literal_text(a.props.get("ApplicationName")) == text), None)


def _platform(model: Model, group: Resource) -> str | None:
    app = _application(model, group)
    return _app_platform(app) if app is not None else None


def is_ecs_group(model: Model, group: Resource) -> bool:
    platform = _platform(model, group)
    return platform == "ECS" or (platform is None and "ECSServices" in group.props)


def _predefined_platform(name: str) -> str | None:
    """The platform of a predefined configuration name; also of one written without its
    `CodeDeployDefault.` prefix (`LambdaCanary10Percent5Minutes`), which names none."""
    low = name.lower()
    if low.startswith("codedeploydefault.lambda"):
        return "Lambda"
    if low.startswith("codedeploydefault.ecs"):
        return "ECS"
    if low in {c.lower() for c in SERVER_CONFIGS}:
        return "Server"
    if name in BARE_CONFIGS:
        return BARE_CONFIGS[name]
    return None


def _custom_config(model: Model, node: Node | None) -> Resource | None:
    name = ref_target(node)
    if name is not None:
        found = model.resources.get(name)  # one without a Properties map is none to judge
        return found if found is not None and found.type == CONFIG and found.props is not None and \
            found.props.is_map else None
    text = literal_text(node)
    if text is None:
        return None
    return next((c for c in model.of_type(CONFIG) if literal_text(c.props.get("DeploymentConfigName")) == text), None)


def _config_platform(config: Resource) -> str | None:
    node = config.props.get("ComputePlatform")
    if node is None:
        return "Server"
    text = literal_text(node)
    return text if text in PLATFORMS else None


def _config_misfit(config: Resource) -> tuple[Node, str] | None:
    """The property of a custom configuration its platform does not take (CD006)."""
    platform = _config_platform(config)
    if platform == "Server" and _plain(config.props.get("TrafficRoutingConfig")) is not None:
        return config.props.key_node("TrafficRoutingConfig"), platform
    if platform in ("Lambda", "ECS") and _plain(config.props.get("MinimumHealthyHosts")) is not None:
        return config.props.key_node("MinimumHealthyHosts"), platform
    return None


# -- deployment groups -----------------------------------------------------------------

def _groups(ctx: Context) -> Iterator[Resource]:
    return template_model(ctx).of_type(GROUP)


def _ecs_groups(ctx: Context) -> Iterator[Resource]:
    """The template's deployment groups that deploy to ECS."""
    model = template_model(ctx)
    return (group for group in _groups(ctx) if is_ecs_group(model, group))


@dataclass
class Rollback:
    state: str                      # absent, disabled, unset, no-events, events, unknown
    node: Node | None               # where to report
    events: list[str] | None = None


def _rollback(group: Resource) -> Rollback:
    config = group.props.get("AutoRollbackConfiguration")
    if config is None:
        return Rollback("absent", group.key)
    if _plain(config) is None:
        return Rollback("unknown", None)
    enabled = config.get("Enabled")
    if enabled is None:
        return Rollback("unset", group.props.key_node("AutoRollbackConfiguration"))
    flag = _flag(enabled)
    if flag is None:
        return Rollback("unknown", None)
    if not flag:
        return Rollback("disabled", enabled, _strings(config.get("Events")))
    events_node = config.get("Events")
    events = _strings(events_node) if events_node is not None else []
    if events is None:
        return Rollback("unknown", None)
    if not events:
        return Rollback("no-events", events_node if events_node is not None else
                        group.props.key_node("AutoRollbackConfiguration"), events)
    return Rollback("events", events_node, events)


def _alarms(group: Resource) -> tuple[str, Node | None, list[Node]]:
    """(state, node, alarm items): state none, off, unknown, empty or on."""
    config = group.props.get("AlarmConfiguration")
    if config is None:
        return "none", None, []
    if _plain(config) is None:
        return "unknown", None, []
    flag = _flag(config.get("Enabled"))
    if flag is None:
        return ("off" if config.get("Enabled") is None else "unknown"), None, []
    if not flag:
        return "off", None, []
    listed = config.get("Alarms")
    items = _items(listed) if listed is not None else []
    if items is None:
        return "unknown", None, []
    if not items:
        return "empty", listed if listed is not None else group.props.key_node("AlarmConfiguration"), []
    return "on", listed, items


_EC2 = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  App:
    Type: AWS::CodeDeploy::Application
    Properties:
      ComputePlatform: Server
  Errors:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmName: web-5xx
      Namespace: AWS/ApplicationELB
      MetricName: HTTPCode_Target_5XX_Count
      Statistic: Sum
      Period: 60
      EvaluationPeriods: 1
      Threshold: 5
      ComparisonOperator: GreaterThanThreshold
  Group:
    Type: AWS::CodeDeploy::DeploymentGroup
    Properties:
      ApplicationName: !Ref App
      ServiceRoleArn: arn:aws:iam::123456789012:role/codedeploy
      DeploymentConfigName: CodeDeployDefault.HalfAtATime
      Ec2TagFilters:
        - {Key: app, Value: web, Type: KEY_AND_VALUE}
      AlarmConfiguration:
        Enabled: true
        Alarms:
          - Name: web-5xx
      AutoRollbackConfiguration:
        Enabled: true
        Events: [DEPLOYMENT_FAILURE, DEPLOYMENT_STOP_ON_ALARM]
"""
_ROLLBACK_ON = "AutoRollbackConfiguration:\n        Enabled: true"


@rule(id="CD001", name="deployment-group-without-rollback", category="practice", severity="warning", kinds=KINDS,
      autofix="unsafe", autofix_does="sets AutoRollbackConfiguration Enabled to true",
      summary="a deployment group whose failed deployments are not rolled back automatically",
      fix="add AutoRollbackConfiguration: {Enabled: true, Events: [DEPLOYMENT_FAILURE]} "
          "(and DEPLOYMENT_STOP_ON_ALARM with alarms)",
      bad=_EC2.replace(_ROLLBACK_ON, "AutoRollbackConfiguration:\n        Enabled: false"), good=_EC2)
def deployment_group_without_rollback(ctx: Context) -> Iterator[Finding]:
    """CodeDeploy rolls a deployment back, by redeploying the last known good revision, only
    when the group's automatic rollback is enabled for the event ("Redeploy and roll back a
    deployment with CodeDeploy", "Configure advanced options for a deployment group" in the
    CodeDeploy User Guide; `AutoRollbackConfiguration` in the CloudFormation reference: events
    DEPLOYMENT_FAILURE, DEPLOYMENT_STOP_ON_ALARM, DEPLOYMENT_STOP_ON_REQUEST). Without it, or
    with `Enabled: false` (or no `Enabled`, false by default), or with events that leave out
    DEPLOYMENT_FAILURE, a failed deployment stays failed: instances, task sets or the alias are
    left half on the new revision until someone redeploys by hand. Enabled with no events at
    all is an error: CodeDeploy rejects it (InvalidAutoRollbackConfigException, "automatic
    rollback is enabled, but ... no event types were listed"). With `Enabled: false` and the
    events listed, the edit turns it on (unsafe: it changes what a failure does)."""
    for group in _groups(ctx):
        rb = _rollback(group)
        alarms = _alarms(group)[0] == "on"
        events = "[DEPLOYMENT_FAILURE, DEPLOYMENT_STOP_ON_ALARM]" if alarms else "[DEPLOYMENT_FAILURE]"
        fix = f"add AutoRollbackConfiguration: {{Enabled: true, Events: {events}}}"
        if rb.state == "absent":
            yield ctx.report(rb.node, f"deployment group {group.name} has no AutoRollbackConfiguration: a failed "
                                      "deployment stays failed, half on the new revision", fix=fix)
        elif rb.state in ("disabled", "unset"):
            why = "Enabled: false" if rb.state == "disabled" else "no Enabled (false by default)"
            edits = [ctx.replace_value(rb.node, True)] if rb.state == "disabled" and rb.events else []
            yield ctx.report(rb.node, f"deployment group {group.name} has automatic rollback with {why}: a failed "
                                      "deployment stays failed", fix=f"set Enabled: true with Events: {events}",
                             edits=edits, safe=False)
        elif rb.state == "no-events":
            yield ctx.report(rb.node, f"deployment group {group.name} enables automatic rollback for no event: "
                                      "CodeDeploy rejects the group (InvalidAutoRollbackConfigException)",
                             fix=f"list the events: {events}", severity="error")
        elif rb.state == "events" and "DEPLOYMENT_FAILURE" not in rb.events:
            missing = [e for e in ("DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM") if e not in rb.events
                       and (alarms or e == "DEPLOYMENT_FAILURE")]
            stopped = " (nor one an alarm stops)" if len(missing) == 2 else ""
            yield ctx.report(rb.node, f"deployment group {group.name} rolls back only on "
                                      f"{', '.join(rb.events)}: a failed deployment stays failed{stopped}",
                             fix=f"add {' and '.join(missing)} to Events")


@rule(id="CD002", name="alarms-without-alarm-rollback", category="practice", severity="warning", kinds=KINDS,
      summary="a deployment group with alarms whose rollback events leave out DEPLOYMENT_STOP_ON_ALARM",
      fix="add DEPLOYMENT_STOP_ON_ALARM to AutoRollbackConfiguration.Events",
      bad=_EC2.replace("[DEPLOYMENT_FAILURE, DEPLOYMENT_STOP_ON_ALARM]", "[DEPLOYMENT_FAILURE]"), good=_EC2)
def alarms_without_alarm_rollback(ctx: Context) -> Iterator[Finding]:
    """An alarm of the group's AlarmConfiguration that goes off stops the deployment; it is
    rolled back only when the rollback events include DEPLOYMENT_STOP_ON_ALARM ("Configure
    advanced options for a deployment group", CodeDeploy User Guide: "Roll back when alarm
    thresholds are met"; `AutoRollbackConfiguration` in the CloudFormation reference).
    Without it the stopped deployment is left where it stopped, which is what the alarm was
    there to prevent. A group without any rollback, or whose events leave out
    DEPLOYMENT_FAILURE too, is CD001's: one finding names both events."""
    for group in _groups(ctx):
        rb = _rollback(group)
        if rb.state != "events" or "DEPLOYMENT_FAILURE" not in rb.events or "DEPLOYMENT_STOP_ON_ALARM" in rb.events:
            continue
        if _alarms(group)[0] == "on":
            yield ctx.report(rb.node, f"deployment group {group.name} has alarms but does not roll back when one "
                                      "goes off: the stopped deployment is left half done")


@rule(id="CD003", name="alarm-configuration-without-alarms", category="schema", severity="error", kinds=KINDS,
      summary="an enabled AlarmConfiguration that lists no alarm",
      fix="list the alarms (Alarms: [{Name: ...}]) or remove AlarmConfiguration",
      bad=_EC2.replace("Alarms:\n          - Name: web-5xx", "Alarms: []"), good=_EC2)
def alarm_configuration_without_alarms(ctx: Context) -> Iterator[Finding]:
    """CodeDeploy rejects an alarm configuration that is enabled with an empty alarm list
    (InvalidAlarmConfigException in the CodeDeploy API Reference: "The alarm configuration is
    enabled, but the alarm list is empty"), so the stack fails to create or update the group."""
    for group in _groups(ctx):
        state, node, _ = _alarms(group)
        if state == "empty":
            yield ctx.report(node, f"deployment group {group.name} enables alarm monitoring with no alarm: "
                                   "CodeDeploy rejects the group")


@rule(id="CD004", name="unknown-alarm-name", category="reference", severity="warning", kinds=KINDS,
      summary="a deployment group alarm name that names no alarm of the template",
      fix="name an alarm of the template (its AlarmName, or !Ref its logical id)",
      bad=_EC2.replace("- Name: web-5xx", "- Name: web-5xxx"), good=_EC2)
def unknown_alarm_name(ctx: Context) -> Iterator[Finding]:
    """CodeDeploy watches the alarms named in AlarmConfiguration by their CloudWatch names,
    "exactly as it was created in CloudWatch" ("Configure advanced options for a deployment
    group", CodeDeploy User Guide). When the template defines its alarms with literal
    `AlarmName`s, a literal name that matches none of them (a typo, or the logical id of an
    alarm whose name CloudFormation generates) watches nothing: the deployment is never
    stopped by the alarm it was meant to watch. Alarms whose names the template computes
    (`!Sub`) could match anything, so then nothing is reported; `!Ref Alarm` is always right."""
    model = template_model(ctx)
    alarms = list(model.of_type(*ALARMS))
    if not alarms:
        return
    names: dict[str, str] = {}
    for alarm in alarms:
        node = alarm.props.get("AlarmName")
        if node is None:
            continue
        text = literal_text(node)
        if text is None:
            return  # a computed name: any literal could be it
        names[text] = alarm.name
    logical = {a.name: a for a in alarms}
    for group in _groups(ctx):
        state, _, items = _alarms(group)
        for item in items if state == "on" else ():
            name_node = item.get("Name") if item.is_map else None
            text = literal_text(name_node)
            if text is None or text in names:
                continue
            if text in logical:
                alarm = logical[text]
                shown = literal_text(alarm.props.get("AlarmName"))
                what = f"named {shown}" if shown else "whose name CloudFormation generates"
                yield ctx.report(name_node, f"alarm name '{text}' is the logical id of alarm {text}, {what}: "
                                            "CodeDeploy watches no alarm by that name",
                                 fix=f"write Name: !Ref {text}")
                continue
            guess = did_you_mean(text, list(names) + list(logical))
            yield ctx.report(name_node, f"alarm name '{text}' names no alarm of this template: CodeDeploy watches "
                                        "nothing by that name" + (f"; did you mean '{guess}'?" if guess else ""),
                             fix=f"write Name: {guess}" if guess and guess in names else
                             f"write Name: !Ref {guess}" if guess else None)


@rule(id="CD005", name="deployment-config-of-another-platform", category="schema", severity="error", kinds=KINDS,
      summary="a deployment group whose DeploymentConfigName is a configuration of another compute platform",
      fix="use a configuration of the application's platform (CodeDeployDefault.OneAtATime, "
          "CodeDeployDefault.LambdaCanary10Percent5Minutes, CodeDeployDefault.ECSCanary10Percent5Minutes, ...)",
      bad=_EC2.replace("CodeDeployDefault.HalfAtATime", "CodeDeployDefault.ECSAllAtOnce"), good=_EC2)
def deployment_config_of_another_platform(ctx: Context) -> Iterator[Finding]:
    """Each deployment configuration belongs to one compute platform ("Working with deployment
    configurations in CodeDeploy", CodeDeploy User Guide): CodeDeployDefault.AllAtOnce,
    HalfAtATime and OneAtATime are EC2/On-premises (Server) configurations,
    CodeDeployDefault.Lambda* are Lambda's and CodeDeployDefault.ECS* are ECS's; a custom
    `AWS::CodeDeploy::DeploymentConfig` has its `ComputePlatform` (Server by default). The
    application's `ComputePlatform` (Server by default) decides the group's platform; a group
    given a configuration of another platform is rejected by CodeDeploy. A predefined name
    written without its `CodeDeployDefault.` prefix (`LambdaCanary10Percent5Minutes`) still says
    its platform and is judged the same way. A custom configuration whose own properties do not
    fit its platform is CD006's; names and applications the template does not define are left
    alone."""
    model = template_model(ctx)
    for group in _groups(ctx):
        platform = _platform(model, group)
        node = group.props.get("DeploymentConfigName")
        if platform is None or node is None:
            continue
        config = _custom_config(model, node)
        if config is not None:
            theirs = _config_platform(config)
            if theirs is None or (config.props.get("ComputePlatform") is None and _config_misfit(config)):
                continue
            what = f"custom configuration {config.name}, {_a(SHOWN[theirs])} configuration"
        else:
            text = literal_text(node)
            theirs = _predefined_platform(text) if text is not None else None
            if theirs is None:
                continue
            bare = "" if text.lower().startswith("codedeploydefault.") or text in SERVER_CONFIGS else \
                " (without its CodeDeployDefault. prefix)"
            what = f"{text}{bare}, {_a(SHOWN[theirs])} configuration"
        if theirs != platform:
            yield ctx.report(node, f"deployment group {group.name} uses {what}, but its application is "
                                   f"{SHOWN[platform]}: CodeDeploy rejects the group",
                             fix=f"use {_a(SHOWN[platform])} configuration, such as {SUGGESTED_CONFIG[platform]}")


_CONFIG = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Canary:
    Type: AWS::CodeDeploy::DeploymentConfig
    Properties:
      ComputePlatform: Lambda
      TrafficRoutingConfig:
        Type: TimeBasedCanary
        TimeBasedCanary: {CanaryPercentage: 10, CanaryInterval: 5}
  Rolling:
    Type: AWS::CodeDeploy::DeploymentConfig
    Properties:
      ComputePlatform: Server
      MinimumHealthyHosts: {Type: FLEET_PERCENT, Value: 75}
"""


@rule(id="CD006", name="deployment-config-property-of-another-platform", category="schema", severity="error",
      kinds=KINDS,
      summary="a custom deployment configuration with a property its compute platform does not take",
      fix="MinimumHealthyHosts for ComputePlatform Server; TrafficRoutingConfig for Lambda or ECS",
      bad=_CONFIG.replace("      ComputePlatform: Lambda\n", ""), good=_CONFIG)
def deployment_config_property_of_another_platform(ctx: Context) -> Iterator[Finding]:
    """A deployment configuration for EC2/On-premises says how many instances stay healthy
    (`MinimumHealthyHosts`); one for Lambda or ECS says how traffic shifts
    (`TrafficRoutingConfig`: "how traffic is shifted from one version of a Lambda function to
    another ... or from one Amazon ECS task set to another", CloudFormation reference for
    AWS::CodeDeploy::DeploymentConfig and its TrafficRoutingConfig and MinimumHealthyHosts;
    "Create a deployment configuration with CodeDeploy", CodeDeploy User Guide).
    `ComputePlatform` defaults to Server, so a canary configuration without it is a Server
    configuration that CodeDeploy rejects."""
    for config in template_model(ctx).of_type(CONFIG):
        misfit = _config_misfit(config)
        if misfit is None:
            continue
        key, platform = misfit
        default = " (ComputePlatform defaults to Server)" if config.props.get("ComputePlatform") is None else ""
        if platform == "Server":
            yield ctx.report(key, f"deployment configuration {config.name} shifts traffic (TrafficRoutingConfig) "
                                  f"but is a Server configuration{default}: CodeDeploy rejects it",
                             fix="set ComputePlatform: Lambda or ECS, or use MinimumHealthyHosts for Server")
        else:
            yield ctx.report(key, f"deployment configuration {config.name} is {_a(platform)} configuration: "
                                  "MinimumHealthyHosts applies to Server (EC2/On-premises) instances only",
                             fix="use TrafficRoutingConfig, or set ComputePlatform: Server")


@rule(id="CD007", name="deployment-config-all-hosts-at-once", category="practice", severity="warning", kinds=KINDS,
      summary="a Server deployment configuration that lets every instance go out of service at once",
      fix="keep some instances healthy: MinimumHealthyHosts {Type: FLEET_PERCENT, Value: 50} or more",
      bad=_CONFIG.replace("Value: 75", "Value: 0"), good=_CONFIG)
def deployment_config_all_hosts_at_once(ctx: Context) -> Iterator[Finding]:
    """`MinimumHealthyHosts` is the number (HOST_COUNT) or percentage (FLEET_PERCENT) of
    instances that must stay healthy during a deployment; CodeDeploy deploys to the rest at
    the same time ("AWS::CodeDeploy::DeploymentConfig MinimumHealthyHosts", CloudFormation
    reference: with nine instances and a HOST_COUNT of six, it deploys to three at a time).
    A value of 0 lets every instance go out of service at once, so a bad revision takes the
    whole fleet down before any health check can stop it."""
    for config in template_model(ctx).of_type(CONFIG):
        hosts = config.props.get("MinimumHealthyHosts")
        if _config_platform(config) != "Server" or hosts is None or not hosts.is_map:
            continue
        kind, value = literal_text(hosts.get("Type")), hosts.get("Value")
        if kind in ("HOST_COUNT", "FLEET_PERCENT") and literal_text(value) is not None and \
                str(literal_text(value)).strip() in ("0", "0.0"):
            yield ctx.report(value, f"deployment configuration {config.name} keeps {kind} 0 instances healthy: "
                                    "every instance is deployed to at once")


@rule(id="CD008", name="server-group-without-targets", category="schema", severity="warning", kinds=KINDS,
      summary="an EC2/On-premises deployment group that selects no instance",
      fix="select instances with Ec2TagFilters, Ec2TagSet, AutoScalingGroups, OnPremisesInstanceTagFilters "
          "or OnPremisesTagSet",
      bad=_EC2.replace("      Ec2TagFilters:\n        - {Key: app, Value: web, Type: KEY_AND_VALUE}\n", ""), good=_EC2)
def server_group_without_targets(ctx: Context) -> Iterator[Finding]:
    """An EC2/On-premises deployment group deploys to the instances it selects: by EC2 tags
    (`Ec2TagFilters` or `Ec2TagSet`), Auto Scaling groups (`AutoScalingGroups`) or on-premises
    tags (`OnPremisesInstanceTagFilters` or `OnPremisesTagSet`) (AWS::CodeDeploy::DeploymentGroup
    in the CloudFormation reference; "Create a deployment group for an in-place deployment
    (EC2/On-Premises)", CodeDeploy User Guide). A Server group with none of them has no
    instance to deploy to, and every deployment to it fails."""
    model = template_model(ctx)
    for group in _groups(ctx):
        if _platform(model, group) == "Server" and not any(t in group.props for t in TARGETS):
            yield ctx.report(group.key, f"deployment group {group.name} is an EC2/On-premises group that selects "
                                        "no instance (no tags, Auto Scaling groups or on-premises tags)")


_TRAFFIC = "DeploymentConfigName: CodeDeployDefault.HalfAtATime\n"
_STYLE = "      DeploymentStyle: {DeploymentType: IN_PLACE, DeploymentOption: WITH_TRAFFIC_CONTROL}\n"
_LB = "      LoadBalancerInfo:\n        TargetGroupInfoList: [{Name: web}]\n"


@rule(id="CD009", name="traffic-control-without-load-balancer", category="schema", severity="warning", kinds=KINDS,
      summary="an EC2/On-premises deployment group with traffic control but no load balancer",
      fix="name the load balancer's target group (LoadBalancerInfo.TargetGroupInfoList) or use "
          "WITHOUT_TRAFFIC_CONTROL",
      bad=_EC2.replace(_TRAFFIC, _TRAFFIC + _STYLE), good=_EC2.replace(_TRAFFIC, _TRAFFIC + _STYLE + _LB))
def traffic_control_without_load_balancer(ctx: Context) -> Iterator[Finding]:
    """`DeploymentStyle.DeploymentOption: WITH_TRAFFIC_CONTROL` routes deployment traffic
    through a load balancer, and `LoadBalancerInfo` names it (AWS::CodeDeploy::DeploymentGroup
    DeploymentStyle and LoadBalancerInfo in the CloudFormation reference; "Integrating
    CodeDeploy with Elastic Load Balancing", CodeDeploy User Guide). An EC2/On-premises group
    with traffic control and no LoadBalancerInfo has nothing to take instances out of: traffic
    keeps reaching instances while they are being replaced (CodeDeploy reports an invalid load
    balancer when it cannot find one). ECS groups are CD011's; Lambda groups use traffic
    control without a load balancer."""
    model = template_model(ctx)
    for group in _groups(ctx):
        style = group.props.get("DeploymentStyle")
        option = style.get("DeploymentOption") if style is not None and style.is_map else None
        if _platform(model, group) == "Server" and literal_text(option) == "WITH_TRAFFIC_CONTROL" and \
                "LoadBalancerInfo" not in group.props:
            yield ctx.report(option, f"deployment group {group.name} deploys WITH_TRAFFIC_CONTROL but names no "
                                     "load balancer (LoadBalancerInfo)")


# -- ECS blue/green --------------------------------------------------------------------

def _ecs_services(model: Model, group: Resource) -> Iterator[tuple[Node, Resource]]:
    """(ServiceName node, the template's service) for each ECSServices entry it can place."""
    for entry in _items(group.props.get("ECSServices")) or ():
        node = entry.get("ServiceName") if entry.is_map else None
        name = ref_target(node)
        found = model.resources.get(name) if name is not None else None
        if found is None and literal_text(node) is not None:
            found = next((s for s in model.of_type(ECS_SERVICE)
                          if literal_text(s.props.get("ServiceName")) == literal_text(node)), None)
        if found is not None and found.type == ECS_SERVICE and found.props is not None and found.props.is_map:
            yield node, found


def _codedeploy_services(ctx: Context) -> dict[str, Resource]:
    """The template's ECS services that a CodeDeploy deployment group deploys, by logical id."""
    model = template_model(ctx)
    return {svc.name: svc for group in _ecs_groups(ctx) for _, svc in _ecs_services(model, group)}


_ECS = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Subnets: {Type: "List<AWS::EC2::Subnet::Id>"}
  Vpc: {Type: "AWS::EC2::VPC::Id"}
Resources:
  App:
    Type: AWS::CodeDeploy::Application
    Properties: {ComputePlatform: ECS}
  Blue:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties: {Port: 80, Protocol: HTTP, TargetType: ip, VpcId: !Ref Vpc}
  Green:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties: {Port: 80, Protocol: HTTP, TargetType: ip, VpcId: !Ref Vpc}
  Balancer:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties: {Subnets: !Ref Subnets}
  Listener:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: !Ref Balancer
      Port: 80
      Protocol: HTTP
      DefaultActions: [{Type: forward, TargetGroupArn: !Ref Blue}]
  Cluster:
    Type: AWS::ECS::Cluster
  Task:
    Type: AWS::ECS::TaskDefinition
    Properties:
      RequiresCompatibilities: [FARGATE]
      NetworkMode: awsvpc
      Cpu: "256"
      Memory: "512"
      ContainerDefinitions:
        - {Name: web, Image: "public.ecr.aws/nginx/nginx:1.27", PortMappings: [{ContainerPort: 80}]}
  Service:
    Type: AWS::ECS::Service
    DependsOn: Listener
    Properties:
      Cluster: !Ref Cluster
      TaskDefinition: !Ref Task
      LaunchType: FARGATE
      DesiredCount: 2
      DeploymentController: {Type: CODE_DEPLOY}
      NetworkConfiguration:
        AwsvpcConfiguration: {Subnets: !Ref Subnets}
      LoadBalancers: [{ContainerName: web, ContainerPort: 80, TargetGroupArn: !Ref Blue}]
  Group:
    Type: AWS::CodeDeploy::DeploymentGroup
    Properties:
      ApplicationName: !Ref App
      ServiceRoleArn: arn:aws:iam::123456789012:role/codedeploy-ecs
      DeploymentConfigName: CodeDeployDefault.ECSCanary10Percent5Minutes
      DeploymentStyle: {DeploymentType: BLUE_GREEN, DeploymentOption: WITH_TRAFFIC_CONTROL}
      AutoRollbackConfiguration: {Enabled: true, Events: [DEPLOYMENT_FAILURE]}
      ECSServices:
        - {ClusterName: !Ref Cluster, ServiceName: !GetAtt Service.Name}
      LoadBalancerInfo:
        TargetGroupPairInfoList:
          - TargetGroups: [{Name: !GetAtt Blue.TargetGroupName}, {Name: !GetAtt Green.TargetGroupName}]
            ProdTrafficRoute: {ListenerArns: [!Ref Listener]}
"""


@rule(id="CD010", name="ecs-service-not-deployed-by-codedeploy", category="reference", severity="error",
      kinds=KINDS,
      summary="an ECS service that a CodeDeploy deployment group deploys, without the CODE_DEPLOY deployment "
              "controller",
      fix="set DeploymentController: {Type: CODE_DEPLOY} on the service (a replacement of the service)",
      bad=_ECS.replace("{Type: CODE_DEPLOY}", "{Type: ECS}"), good=_ECS)
def ecs_service_not_deployed_by_codedeploy(ctx: Context) -> Iterator[Finding]:
    """CodeDeploy deploys an ECS service blue/green only when the service's deployment
    controller is CodeDeploy: "The Amazon ECS service's deployment controller must be set to
    CodeDeploy" ("Deployments on an Amazon ECS compute platform", CodeDeploy User Guide;
    `DeploymentController` in the AWS::ECS::Service CloudFormation reference: CODE_DEPLOY,
    ECS (the default, rolling update) or EXTERNAL). A service named by a deployment group's
    `ECSServices` (by `!GetAtt Service.Name`, `!Ref` or its literal ServiceName) without it
    cannot be deployed by the group. The finding sits on the service, where the fix goes."""
    model = template_model(ctx)
    seen: set[str] = set()
    for group in _ecs_groups(ctx):
        for _, svc in _ecs_services(model, group):
            if svc.name in seen:
                continue
            seen.add(svc.name)
            controller = svc.props.get("DeploymentController")
            if controller is not None and _plain(controller) is None:
                continue
            kind = controller.get("Type") if controller is not None else None
            if controller is None or kind is None:
                yield ctx.report(svc.key, f"ECS service {svc.name} is deployed by CodeDeploy group {group.name}, "
                                          "but has no DeploymentController: it uses the ECS rolling controller, "
                                          "which CodeDeploy cannot deploy")
            elif literal_text(kind) is not None and literal_text(kind) != "CODE_DEPLOY":
                yield ctx.report(kind, f"ECS service {svc.name} is deployed by CodeDeploy group {group.name}, "
                                       f"but its deployment controller is {literal_text(kind)}, not CODE_DEPLOY")


@rule(id="CD011", name="ecs-group-without-target-group-pair", category="schema", severity="error", kinds=KINDS,
      summary="an ECS deployment group without two target groups and a production listener",
      fix="add LoadBalancerInfo.TargetGroupPairInfoList: [{TargetGroups: [{Name: blue}, {Name: green}], "
          "ProdTrafficRoute: {ListenerArns: [...]}}]",
      bad=_ECS.replace(", {Name: !GetAtt Green.TargetGroupName}", ""), good=_ECS)
def ecs_group_without_target_group_pair(ctx: Context) -> Iterator[Finding]:
    """An ECS blue/green deployment needs a load balancer, a production listener and two
    target groups, one for the original task set and one for the replacement ("Before you
    begin an Amazon ECS deployment" in "Deployments on an Amazon ECS compute platform",
    CodeDeploy User Guide; `TargetGroupPairInfo` in the CloudFormation reference: "One pair
    of target groups" and `ProdTrafficRoute`). The group names them in
    `LoadBalancerInfo.TargetGroupPairInfoList`; without them, or with another number of
    target groups, or with no production listener, CodeDeploy rejects the group or fails
    the deployment (InvalidTargetGroupPairException)."""
    for group in _ecs_groups(ctx):
        info = group.props.get("LoadBalancerInfo")
        if info is None:
            yield ctx.report(group.key, f"ECS deployment group {group.name} has no LoadBalancerInfo: an ECS "
                                        "deployment needs two target groups and a production listener")
            continue
        if _plain(info) is None:
            continue
        pairs = info.get("TargetGroupPairInfoList")
        if pairs is None:
            yield ctx.report(group.props.key_node("LoadBalancerInfo"), f"ECS deployment group {group.name} has no "
                             "TargetGroupPairInfoList: an ECS deployment needs two target groups and a production "
                             "listener")
            continue
        items = _items(pairs)
        if items is not None and not items:
            yield ctx.report(pairs, f"ECS deployment group {group.name} lists no target group pair")
        for pair in items or ():
            if _plain(pair) is None:
                continue
            groups = pair.get("TargetGroups")
            listed = _items(groups)
            if groups is None or (listed is not None and len(listed) != 2):
                count = 0 if groups is None else len(listed or ())
                yield ctx.report(groups if groups is not None else pair,
                                 f"ECS deployment group {group.name} names {count} target group"
                                 f"{'' if count == 1 else 's'}; a blue/green deployment takes two "
                                 "(original and replacement)",
                                 fix="list two target groups: TargetGroups: [{Name: blue}, {Name: green}]")
            route = pair.get("ProdTrafficRoute")
            arns = route.get("ListenerArns") if _plain(route) is not None else None
            if route is None or (_plain(route) is not None and (arns is None or _items(arns) == [])):
                yield ctx.report(pair.key_node("ProdTrafficRoute") if route is not None else pair,
                                 f"ECS deployment group {group.name} names no production listener "
                                 "(ProdTrafficRoute.ListenerArns)",
                                 fix="add ProdTrafficRoute: {ListenerArns: [!Ref ProductionListener]}")


@rule(id="CD012", name="ecs-group-not-blue-green", category="schema", severity="error", kinds=KINDS,
      summary="an ECS deployment group whose DeploymentStyle is not BLUE_GREEN with WITH_TRAFFIC_CONTROL",
      fix="set DeploymentStyle: {DeploymentType: BLUE_GREEN, DeploymentOption: WITH_TRAFFIC_CONTROL}",
      bad=_ECS.replace("DeploymentType: BLUE_GREEN", "DeploymentType: IN_PLACE"), good=_ECS)
def ecs_group_not_blue_green(ctx: Context) -> Iterator[Finding]:
    """CodeDeploy deploys to ECS blue/green only, shifting traffic through a load balancer:
    "An Amazon EC2 Application Load Balancer or Network Load Balancer is required for an
    Amazon ECS deployment" (AWS::CodeDeploy::DeploymentGroup DeploymentStyle, CloudFormation
    reference; "Deployments on an Amazon ECS compute platform", CodeDeploy User Guide). The
    default style is IN_PLACE without traffic control, so an ECS group needs
    `DeploymentStyle: {DeploymentType: BLUE_GREEN, DeploymentOption: WITH_TRAFFIC_CONTROL}`
    written out; CodeDeploy rejects any other."""
    for group in _ecs_groups(ctx):
        style = group.props.get("DeploymentStyle")
        if style is None:
            yield ctx.report(group.key, f"ECS deployment group {group.name} has no DeploymentStyle: the default "
                                        "(IN_PLACE, WITHOUT_TRAFFIC_CONTROL) is not an ECS deployment")
            continue
        if _plain(style) is None:
            continue
        wrong = []
        for key, want in (("DeploymentType", "BLUE_GREEN"), ("DeploymentOption", "WITH_TRAFFIC_CONTROL")):
            node = style.get(key)
            if node is None:
                wrong.append((group.props.key_node("DeploymentStyle"), f"no {key}"))
            elif literal_text(node) is not None and literal_text(node) != want:
                wrong.append((node, f"{key} {literal_text(node)}"))
        if wrong:
            yield ctx.report(wrong[0][0], f"ECS deployment group {group.name} has {' and '.join(w for _, w in wrong)}"
                                          ": an ECS deployment is BLUE_GREEN WITH_TRAFFIC_CONTROL")


# -- SAM DeploymentPreference ----------------------------------------------------------

def _preferences(ctx: Context) -> list[Preference]:
    """Every SAM function with a DeploymentPreference (its own or Globals'), merged."""
    cached = ctx.doc.cache.get("codedeploy-preferences")
    if cached is not None:
        return cached
    model = template_model(ctx)
    shared = model.globals_function
    shared_pref = shared.get("DeploymentPreference") if shared is not None else None
    out = []
    for fn in model.of_type(SAM_FUNCTION):
        own = fn.props.get("DeploymentPreference")
        if (own is None and shared_pref is None) or (own is not None and _plain(own) is None) or \
                (shared_pref is not None and _plain(shared_pref) is None):
            continue  # none, or written with an intrinsic function: unknown
        alias = fn.props.get("AutoPublishAlias") if "AutoPublishAlias" in fn.props else \
            shared.get("AutoPublishAlias") if shared is not None else None
        role = fn.props.get("Role") if "Role" in fn.props else shared.get("Role") if shared is not None else None
        out.append(Preference(fn, own if own is not None and own.is_map else None,
                              shared_pref if shared_pref is not None and shared_pref.is_map else None, alias, role))
    ctx.doc.cache["codedeploy-preferences"] = out
    return out


def _owner(pref: Preference, key: str) -> str:
    """Whose `key` it is: the function's, or Globals.Function's."""
    return pref.function.name if pref.own is not None and key in pref.own else "Globals.Function"


def _enabled(pref: Preference) -> bool | None:
    node = pref.get("Enabled")
    return True if node is None else _flag(node)


def _hooks(pref: Preference) -> Iterator[tuple[str, Node]]:
    hooks = pref.get("Hooks")
    for event in ("PreTraffic", "PostTraffic"):
        node = hooks.get(event) if hooks is not None and hooks.is_map else None
        if node is not None:
            yield event, node


def _hook_functions(ctx: Context) -> Iterator[tuple[Preference, str, Node, Resource]]:
    """(preference, event, hook value, the template's hook function) of enabled preferences."""
    model = template_model(ctx)
    for pref in _preferences(ctx):
        if _enabled(pref) is False:
            continue
        for event, node in _hooks(pref):
            found = model.resources.get(ref_target(node) or "")
            if found is not None and found.type in FUNCTIONS and found.props is not None and found.props.is_map:
                yield pref, event, node, found


_SAM = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: s3://artifacts-123456789012/orders.zip
      AutoPublishAlias: current
      DeploymentPreference:
        Type: Canary10Percent5Minutes
        Alarms:
          - !Ref OrdersErrors
        Hooks:
          PreTraffic: !Ref PreTrafficHook
  PreTrafficHook:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: hook.handler
      CodeUri: s3://artifacts-123456789012/hook.zip
      FunctionName: CodeDeployHook_OrdersPreTraffic
      Policies:
        - Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Action: codedeploy:PutLifecycleEventHookExecutionStatus
              Resource: !Sub "arn:${AWS::Partition}:codedeploy:${AWS::Region}:${AWS::AccountId}:deploymentgroup:${ServerlessDeploymentApplication}/*"
  OrdersErrors:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: AWS/Lambda
      MetricName: Errors
      Dimensions: [{Name: FunctionName, Value: !Ref Orders}]
      Statistic: Sum
      Period: 60
      EvaluationPeriods: 1
      Threshold: 0
      ComparisonOperator: GreaterThanThreshold
"""


@rule(id="CD013", name="deployment-preference-without-alias", category="schema", severity="error", kinds=KINDS,
      summary="a SAM DeploymentPreference on a function without AutoPublishAlias",
      fix="add AutoPublishAlias (on the function or in Globals.Function)",
      bad=_SAM.replace("      AutoPublishAlias: current\n", ""), good=_SAM)
def deployment_preference_without_alias(ctx: Context) -> Iterator[Finding]:
    """"You must specify an AutoPublishAlias in your AWS::Serverless::Function to use a
    DeploymentPreference object, otherwise an error will result" (DeploymentPreference, AWS
    SAM Developer Guide): CodeDeploy shifts traffic between versions behind the alias SAM
    publishes, and the SAM transform rejects an enabled preference without it ("'DeploymentPreference'
    requires AutoPublishAlias property to be specified"). Both may come from Globals.Function;
    a preference with `Enabled: false` needs no alias. A preference that only Globals gives is
    reported once, at Globals."""
    model = template_model(ctx)
    from_globals: list[str] = []
    for pref in _preferences(ctx):
        if _enabled(pref) is not True or (pref.alias is not None and literal_text(pref.alias) != ""):
            continue
        if pref.own is not None:
            yield ctx.report(pref.function.props.key_node("DeploymentPreference"),
                             f"function {pref.function.name} has a DeploymentPreference but no AutoPublishAlias: "
                             "the SAM transform rejects the template")
        else:
            from_globals.append(pref.function.name)
    if from_globals and model.globals_key is not None:
        yield ctx.report(model.globals_key, "Globals.Function gives a DeploymentPreference to "
                         f"{', '.join(from_globals)}, which have no AutoPublishAlias: the SAM transform rejects the "
                         "template", fix="add AutoPublishAlias to Globals.Function (or to each function)")


def _hook_covers(node: Node) -> tuple[str, ...]:
    """The pointers cfn-lint reports a bad hook reference at (E1020, E3030, E3031 twice)."""
    inner = node.value[0][1]
    out = (node.pointer, inner.pointer)
    if inner.is_seq:
        out += tuple(i.pointer for i in inner.value)
    elif node.value[0][0].data == "Fn::GetAtt":  # `!GetAtt Hook.Arn`: cfn-lint points at its parts
        out += (f"{inner.pointer}/0", f"{inner.pointer}/1")
    return out


@rule(id="CD014", name="unknown-hook-function", category="reference", severity="error", kinds=KINDS,
      summary="a DeploymentPreference hook that names no function of the template",
      fix="!Ref the logical id of the hook's AWS::Serverless::Function or AWS::Lambda::Function",
      bad=_SAM.replace("PreTraffic: !Ref PreTrafficHook", "PreTraffic: !Ref PreTraficHook"), good=_SAM)
def unknown_hook_function(ctx: Context) -> Iterator[Finding]:
    """`Hooks.PreTraffic` and `PostTraffic` name the Lambda functions CodeDeploy runs before and
    after shifting traffic (Hooks, AWS SAM Developer Guide: `PreTraffic: !Ref
    PreTrafficLambdaFunction`). A `!Ref` (or `!GetAtt`) to a logical id that is no resource of
    the template fails the transform; cfn-lint reports the same value four times (E1020,
    E3030 and E3031 twice, one per resource SAM generates): this rule names the cause once,
    with a did-you-mean, and those findings are dropped. A logical id of another resource type
    is no function either. A literal string that is the logical id of a function of the
    template, not its name, names no function CodeDeploy can find (warning)."""
    model = template_model(ctx)
    functions = [r.name for r in model.resources.values() if r.type in FUNCTIONS]
    seen: set[int] = set()
    for pref in _preferences(ctx):
        if _enabled(pref) is False:
            continue
        for event, node in _hooks(pref):
            if id(node) in seen:
                continue
            seen.add(id(node))
            name = ref_target(node)
            if name is None:
                text = literal_text(node)
                fn = model.resources.get(text or "")
                if fn is not None and fn.type in FUNCTIONS and fn.props is not None and fn.props.is_map and \
                        literal_text(fn.props.get("FunctionName")) != text:
                    yield ctx.report(node, f"hook {event} of {_owner(pref, 'Hooks')} is the text '{text}', the "
                                           f"logical id of function {text}, not its name: CodeDeploy finds no "
                                           "function by that name",
                                     fix=f"write {event}: !Ref {text}", severity="warning")
                continue
            if name in model.parameters or name.startswith("AWS::"):
                continue
            found = model.resources.get(name)
            inner = node.value[0][1]
            at = inner.value[0] if inner.is_seq and inner.value else inner
            if found is None:
                guess = did_you_mean(name, functions)
                finding = ctx.report(at, f"hook {event} of {_owner(pref, 'Hooks')} names '{name}', which is no "
                                         "resource of this template" + (f"; did you mean '{guess}'?" if guess else ""),
                                     fix=f"write {event}: !Ref {guess}" if guess else None)
                finding.covers = _hook_covers(node)
                yield finding
            elif found.type not in FUNCTIONS:
                finding = ctx.report(at, f"hook {event} of {_owner(pref, 'Hooks')} names {name}, "
                                         f"{_a(found.type)}, not a Lambda function")
                finding.covers = _hook_covers(node)
                yield finding


def _managed_name(text: str) -> str:
    return text.rsplit("/", 1)[-1].lower()


def _grants(statements: list, action: str = HOOK_ACTION) -> bool | None:
    """Does any Allow statement grant `action`? None when a statement cannot be read."""
    unknown = False
    for s in statements:
        if s.effect is None:
            unknown = True
            continue
        if not s.allows:
            continue
        texts = [v.text for v in s.actions]
        if any(t is None for t in texts):
            unknown = True
            continue
        hit = any(fnmatch.fnmatchcase(action.lower(), str(t).lower()) for t in texts)
        if hit != s.not_action:
            return True
    return None if unknown else False


def _policy_grant(model: Model, item: Node) -> bool | None:
    """What one SAM `Policies` item or role policy document grants the hook: True, False, None."""
    if item.is_map and "Statement" in item:
        return _grants(list(statements_of(item, "identity", "")))
    text = literal_text(item)
    if text is None and item.is_map and len(item.value) == 1 and item.value[0][0].data in ("Fn::Sub", "Fn::Join"):
        text = text_of(item)  # arn:${AWS::Partition}:iam::aws:policy/...
    if text is not None:  # a managed policy name or ARN
        name = _managed_name(text)
        return True if name in GRANTING_MANAGED else False if name in SILENT_MANAGED else None
    name = ref_target(item)
    found = model.resources.get(name or "")
    if found is not None and found.type == "AWS::IAM::ManagedPolicy" and found.props is not None:
        doc = found.props.get("PolicyDocument")
        return _grants(list(statements_of(doc, "identity", ""))) if doc is not None and doc.is_map else None
    if item.is_map and len(item.value) == 1 and isinstance(item.value[0][0].data, str) and \
            not item.value[0][0].data.startswith("Fn::") and item.value[0][0].data != "Ref":
        return False  # a SAM policy template: none of them grants the CodeDeploy call
    return None


def _combine(verdicts: list[bool | None]) -> bool | None:
    if any(v is True for v in verdicts):
        return True
    return None if any(v is None for v in verdicts) else False


def _attached(model: Model, role: str) -> list[bool | None]:
    """What the template's AWS::IAM::Policy resources attached to `role` grant the hook."""
    out = []
    for policy in model.of_type("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        roles = _items(policy.props.get("Roles")) or []
        if any(ref_target(r) == role or literal_text(r) == role for r in roles):
            doc = policy.props.get("PolicyDocument")
            out.append(_grants(list(statements_of(doc, "identity", ""))) if doc is not None and doc.is_map else None)
    return out


def _hook_permission(model: Model, fn: Resource, role: Node | None) -> tuple[bool | None, Node]:
    """(does the hook function's role allow the hook's call?, where to report)."""
    if role is not None:
        found = model.resources.get(ref_target(role) or "")
        if found is None or found.type != "AWS::IAM::Role" or found.props is None or not found.props.is_map:
            return None, role  # a role this template does not define: it cannot be read
        verdicts = [_policy_grant(model, item) for item in _items(found.props.get("ManagedPolicyArns")) or []]
        if found.props.get("ManagedPolicyArns") is not None and _items(found.props.get("ManagedPolicyArns")) is None:
            verdicts.append(None)
        for policy in _items(found.props.get("Policies")) or []:
            doc = policy.get("PolicyDocument") if policy.is_map else None
            verdicts.append(_grants(list(statements_of(doc, "identity", ""))) if doc is not None and doc.is_map
                            else None)
        if found.props.get("Policies") is not None and _items(found.props.get("Policies")) is None:
            verdicts.append(None)
        return _combine(verdicts + _attached(model, found.name)), role
    policies = fn.props.get("Policies")
    if fn.type == LAMBDA_FUNCTION:
        return None, fn.key
    if policies is None:
        verdicts: list[bool | None] = []
    elif literal_text(policies) is not None or policies.is_map:
        verdicts = [_policy_grant(model, policies)]
    else:
        listed = _items(policies)
        verdicts = [None] if listed is None else [_policy_grant(model, item) for item in listed]
    at = fn.props.key_node("Policies") or fn.key
    return _combine(verdicts + _attached(model, f"{fn.name}Role")), at


@rule(id="CD015", name="hook-cannot-report-status", category="hooks", severity="warning", kinds=KINDS,
      summary="a hook function that is not allowed codedeploy:PutLifecycleEventHookExecutionStatus",
      fix="allow codedeploy:PutLifecycleEventHookExecutionStatus in the hook function's Policies (or role)",
      bad=_SAM.replace("Action: codedeploy:PutLifecycleEventHookExecutionStatus", "Action: lambda:InvokeFunction"),
      good=_SAM)
def hook_cannot_report_status(ctx: Context) -> Iterator[Finding]:
    """A pre- or post-traffic hook "must call back to CodeDeploy and indicate success or
    failure" ("Deploying serverless applications gradually with AWS SAM", AWS SAM Developer
    Guide), with PutLifecycleEventHookExecutionStatus; a hook that never reports fails the
    deployment only when the hook times out, an hour later (CodeDeploy User Guide, AppSpec
    'hooks' section). "The Role SAM generates for a Lambda Execution Role does not include
    all permissions needed for Pre and Post hook functions ... use the Policies attribute"
    (SAM's safe_lambda_deployments documentation). So the hook function's `Policies`
    statements (SAM policy templates do not grant it), or the template role named by its
    `Role` with its inline and attached policies, must allow
    codedeploy:PutLifecycleEventHookExecutionStatus. A role or managed policy this template
    does not define cannot be read and is left alone."""
    model = template_model(ctx)
    seen: set[str] = set()
    for pref, event, _, fn in _hook_functions(ctx):
        if fn.name in seen:
            continue
        seen.add(fn.name)
        role = fn.props.get("Role") if fn.type == LAMBDA_FUNCTION or "Role" in fn.props else \
            (model.globals_function.get("Role") if model.globals_function is not None else None)
        verdict, at = _hook_permission(model, fn, role)
        if verdict is False:
            where = "its role" if role is not None else "its Policies"
            yield ctx.report(at, f"hook function {fn.name} ({event} of {_owner(pref, 'Hooks')}) is not allowed "
                                 f"{HOOK_ACTION} by {where}: it cannot report its result, and the deployment waits "
                                 "for it until the hook times out")


@rule(id="CD016", name="hook-not-invocable-by-default-role", category="hooks", severity="warning", kinds=KINDS,
      summary="a hook function whose name does not start with CodeDeployHook_ while SAM creates the CodeDeploy role",
      fix="name the hook function CodeDeployHook_... (FunctionName), or give DeploymentPreference a Role that may "
          "invoke it",
      bad=_SAM.replace("FunctionName: CodeDeployHook_OrdersPreTraffic", "FunctionName: orders-pre-traffic"),
      good=_SAM)
def hook_not_invocable_by_default_role(ctx: Context) -> Iterator[Finding]:
    """Without a `Role` in the DeploymentPreference, SAM creates the CodeDeploy service role
    with the AWS managed policy AWSCodeDeployRoleForLambda ("Deploying serverless applications
    gradually with AWS SAM", AWS SAM Developer Guide: the CodeDeploy resources SAM creates;
    AWSCodeDeployRoleForLambda in the AWS Managed Policy Reference), which allows
    lambda:InvokeFunction only on `arn:aws:lambda:*:*:function:CodeDeployHook_*`. A hook function
    whose FunctionName does not start with CodeDeployHook_ (or that has no FunctionName, so
    CloudFormation names it after the stack) cannot be invoked by CodeDeploy, and the
    deployment fails at the hook. SAM's own example names its hook `CodeDeployHook_preTrafficHook`.
    A name computed from unknown parts is left alone."""
    seen: set[str] = set()
    for pref, event, _, fn in _hook_functions(ctx):
        role = pref.get("Role")
        if fn.name in seen or (role is not None and literal_text(role) != ""):
            continue
        seen.add(fn.name)
        node = fn.props.get("FunctionName")
        text = text_of(node) if node is not None else None
        if node is not None and (text is None or text.startswith(HOOK_PREFIX) or
                                 ("${" in text and HOOK_PREFIX.startswith(text.split("${", 1)[0]))):
            continue  # the name is right, or its start is computed
        where = f"is named {text}" if node is not None else "has no FunctionName (CloudFormation names it)"
        yield ctx.report(node if node is not None else fn.key,
                         f"hook function {fn.name} ({event} of {_owner(pref, 'Hooks')}) {where}: the CodeDeploy role "
                         f"SAM creates may invoke only functions named {HOOK_PREFIX}*, so the hook cannot run")


def _shift(model: Model, pref: Preference) -> tuple[str | None, str, Node | None]:
    """How an enabled preference shifts traffic: ("gradual" or "all", what it is called, its
    Type node); a custom DeploymentConfig of the template is read for its routing type."""
    node = pref.get("Type")
    if node is None or _enabled(pref) is not True:
        return None, "", node
    text = literal_text(node)
    if text is not None and re.search(r"(?i)canary|linear", text):
        return "gradual", text, node
    if text in ("AllAtOnce", "CodeDeployDefault.LambdaAllAtOnce"):
        return "all", text, node
    config = _custom_config(model, node)
    routing = config.props.get("TrafficRoutingConfig") if config is not None else None
    kind = literal_text(routing.get("Type")) if routing is not None and routing.is_map else None
    label = f"custom configuration {config.name} ({kind})" if config is not None else ""
    if kind in ("TimeBasedCanary", "TimeBasedLinear"):
        return "gradual", label, node
    return ("all", label, node) if kind == "AllAtOnce" else (None, "", node)


def _grouped(items: list[tuple[Node, str]]) -> Iterator[tuple[Node, list[str]]]:
    """(node, function names) with each node once, in the order met."""
    order: dict[int, tuple[Node, list[str]]] = {}
    for node, name in items:
        order.setdefault(id(node), (node, []))[1].append(name)
    return iter(order.values())


@rule(id="CD017", name="gradual-deployment-without-alarms", category="practice", severity="info", kinds=KINDS,
      summary="a canary or linear DeploymentPreference with no alarms to stop it",
      fix="add Alarms: the CloudWatch alarms (errors, latency) that roll the deployment back",
      bad=_SAM.replace("        Alarms:\n          - !Ref OrdersErrors\n", ""), good=_SAM)
def gradual_deployment_without_alarms(ctx: Context) -> Iterator[Finding]:
    """A canary or linear shift exists to watch the new version on part of the traffic and roll
    it back when it misbehaves; CodeDeploy rolls back automatically "if CloudWatch alarms are
    triggered" ("Deploying serverless applications gradually with AWS SAM", AWS SAM Developer
    Guide; `Alarms` in DeploymentPreference). Without Alarms the deployment only waits: every
    step is taken whatever the errors, unless a hook fails it."""
    model = template_model(ctx)
    found: list[tuple[Node, str]] = []
    labels: dict[int, str] = {}
    for pref in _preferences(ctx):
        shift, label, node = _shift(model, pref)
        alarms = pref.get("Alarms")
        if shift == "gradual" and (alarms is None or _items(alarms) == []):
            found.append((node, pref.function.name))
            labels[id(node)] = label
    for node, names in _grouped(found):
        yield ctx.report(node, f"{labels[id(node)]} shifts traffic to {', '.join(names)} gradually with no Alarms: "
                               "nothing rolls it back when the new version fails")


def _production(model: Model, pref: Preference) -> str | None:
    """The name or alias that says this function serves production, if one does."""
    fn = pref.function
    for what, node in (("alias", pref.alias), ("name", fn.props.get("FunctionName"))):
        text = _resolved(model, node)
        if text and _words(text) & PRODUCTION:
            return f"{what} {text}"
    if _words(fn.name) & PRODUCTION:
        return f"logical id {fn.name}"
    return None


@rule(id="CD018", name="all-at-once-to-production", category="practice", severity="info", kinds=KINDS,
      summary="an AllAtOnce DeploymentPreference on a function that looks like production",
      fix="shift production traffic gradually (Canary10Percent5Minutes, Linear10PercentEvery1Minute) with alarms",
      bad=_SAM.replace("Type: Canary10Percent5Minutes", "Type: AllAtOnce").replace("current", "live"),
      good=_SAM.replace("current", "live"))
def all_at_once_to_production(ctx: Context) -> Iterator[Finding]:
    """AllAtOnce "is an instant shifting of 100% of traffic to new version", useful "to deploy
    instantly" to Beta/Gamma stages where "the speed of deployments matter more than safety"
    (SAM's safe_lambda_deployments documentation; the traffic-shifting types in "Deploying
    serverless applications gradually with AWS SAM", AWS SAM Developer Guide). On a function
    whose alias, name or logical id says production (prod, production, live; a `!Ref`
    parameter is read at its Default) every user meets a bad version at once, and alarms can
    only roll it back after the fact."""
    model = template_model(ctx)
    found: list[tuple[Node, str]] = []
    labels: dict[int, str] = {}
    for pref in _preferences(ctx):
        shift, label, node = _shift(model, pref)
        why = _production(model, pref) if shift == "all" else None
        if why:
            found.append((node, f"{pref.function.name} ({why})"))
            labels[id(node)] = label
    for node, names in _grouped(found):
        yield ctx.report(node, f"{labels[id(node)]} shifts all traffic at once to {', '.join(names)}, which looks "
                               "like production")


# -- ECS rolling deployments -------------------------------------------------------------

_ROLLING = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Cluster: {Type: String}
  Task: {Type: String}
  Subnets: {Type: "List<AWS::EC2::Subnet::Id>"}
Resources:
  Service:
    Type: AWS::ECS::Service
    Properties:
      Cluster: !Ref Cluster
      TaskDefinition: !Ref Task
      LaunchType: FARGATE
      DesiredCount: 2
      NetworkConfiguration:
        AwsvpcConfiguration: {Subnets: !Ref Subnets}
      DeploymentConfiguration:
        DeploymentCircuitBreaker: {Enable: true, Rollback: true}
"""


@rule(id="CD019", name="ecs-rolling-without-circuit-breaker", category="practice", severity="info", kinds=KINDS,
      summary="an ECS rolling-update service without the deployment circuit breaker's rollback",
      fix="add DeploymentConfiguration.DeploymentCircuitBreaker: {Enable: true, Rollback: true}",
      bad=_ROLLING.replace("{Enable: true, Rollback: true}", "{Enable: true, Rollback: false}"), good=_ROLLING)
def ecs_rolling_without_circuit_breaker(ctx: Context) -> Iterator[Finding]:
    """A service on the rolling-update (ECS) deployment controller keeps launching tasks of a
    deployment that cannot reach a steady state unless the deployment circuit breaker is on;
    with `Rollback` it also returns the service "to the last deployment that completed
    successfully" (DeploymentCircuitBreaker, Amazon ECS API Reference: "can only be used for
    services using the rolling update (ECS) deployment type"; AWS::ECS::Service
    DeploymentCircuitBreaker in the CloudFormation reference). Services on the CODE_DEPLOY or
    EXTERNAL controller, with another deployment strategy, or deployed by a CodeDeploy group of
    the template (CD010 reports those) are left alone."""
    deployed = _codedeploy_services(ctx)
    for svc in template_model(ctx).of_type(ECS_SERVICE):
        if svc.name in deployed:
            continue
        controller = svc.props.get("DeploymentController")
        kind = controller.get("Type") if _plain(controller) is not None else None
        if controller is not None and (_plain(controller) is None or (kind is not None and literal_text(kind) != "ECS")):
            continue
        config = svc.props.get("DeploymentConfiguration")
        if config is not None and _plain(config) is None:
            continue
        strategy = config.get("Strategy") if config is not None else None
        if strategy is not None and literal_text(strategy) != "ROLLING":
            continue
        breaker = config.get("DeploymentCircuitBreaker") if config is not None else None
        if breaker is not None and _plain(breaker) is None:
            continue
        flags = [(_flag(breaker.get(k)) if k in breaker else False) if breaker is not None else False
                 for k in ("Enable", "Rollback")]
        if None in flags or all(flags):
            continue
        at = (config.key_node("DeploymentCircuitBreaker") if breaker is not None else
              svc.props.key_node("DeploymentConfiguration") if config is not None else svc.key)
        what = "no deployment circuit breaker" if breaker is None else \
            "a circuit breaker that is off" if not flags[0] else "a circuit breaker that does not roll back"
        yield ctx.report(at, f"ECS service {svc.name} deploys by rolling update with {what}: a failing deployment "
                             "is not rolled back to the last one that worked")


# -- exports: CodeDeploy applications and deployment groups, for the project pass ----------------

def codedeploy_exports(doc) -> dict:  # noqa: ANN001 - a Document
    from linter.project_exports import item, pos
    from linter.rules.intrinsics import resources_of

    apps = {str(k.data): {"pos": pos(k), "name": item(p.get("ApplicationName")),
                          "platform": item(p.get("ComputePlatform"))}
            for k, p in resources_of(doc.root, "AWS::CodeDeploy::Application")}
    groups = {str(k.data): {"pos": pos(k), "name": item(p.get("DeploymentGroupName")),
                            "application": item(p.get("ApplicationName")),
                            "ecs": p.get("ECSServices") is not None}
              for k, p in resources_of(doc.root, "AWS::CodeDeploy::DeploymentGroup")}
    return {"applications": apps, "deployment_groups": groups}


EXPORTS = {"cloudformation": codedeploy_exports}
