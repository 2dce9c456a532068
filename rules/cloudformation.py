"""CloudFormation rules (CF): what cfn-lint does not check.

CF101 validates the `Hooks` section of templates with `Transform: AWS::CodeDeployBlueGreen`
(ECS blue/green deployments run by CloudFormation), which cfn-lint does not know at all.
"""

from __future__ import annotations

import re
from typing import Iterator

from linter.rule import Context, Edit, Finding, declare, rule
from linter.rules.appspec import ECS_EVENTS
from linter.suggest import did_you_mean

ROUTING = ("AllAtOnce", "TimeBasedCanary", "TimeBasedLinear")

_BAD = """
    Transform: [AWS::CodeDeployBlueGreen]
    Hooks:
      BlueGreen:
        Type: AWS::CodeDeploy::BlueGreen
        Properties:
          ServiceRole: CodeDeployRole
          TrafficRoutingConfig:
            Type: AllAtOnce
          LifecycleEventHooks:
            AfterAllowTestTrafic: CheckFunction
          Applications:
            - Target: {Type: AWS::ECS::Service, LogicalID: Service}
              ECSAttributes:
                TaskDefinitions: [BlueTask, GreenTask]
                TaskSets: [BlueTaskSet, GreenTaskSet]
                TrafficRouting:
                  ProdTrafficRoute: {Type: AWS::ElasticLoadBalancingV2::Listener, LogicalID: Listener}
                  TargetGroups: [BlueGroup, GreenGroup]
    Resources:
      Service: {Type: AWS::ECS::Service}
      BlueTask: {Type: AWS::ECS::TaskDefinition}
      GreenTask: {Type: AWS::ECS::TaskDefinition}
      BlueTaskSet: {Type: AWS::ECS::TaskSet}
      GreenTaskSet: {Type: AWS::ECS::TaskSet}
      Listener: {Type: AWS::ElasticLoadBalancingV2::Listener}
      BlueGroup: {Type: AWS::ElasticLoadBalancingV2::TargetGroup}
      GreenGroup: {Type: AWS::ElasticLoadBalancingV2::TargetGroup}"""


CFN_LINT_FAILED = declare(
    id="CF001", name="cfn-lint-failed", category="schema", severity="warning", kinds=("cloudformation",),
    summary="cfn-lint failed on this template, so its resource checks did not run",
    rationale="""
        pipelint runs cfn-lint in-process for the resource schemas. Some malformed templates
        (an empty `Metadata:` section, SAM `Parameters` written as a string) make cfn-lint
        itself raise an error instead of reporting a finding. pipelint reports that here, with
        cfn-lint's message, and keeps its own findings for the template: the exit status
        follows the findings, as for any other rule.""",
    fix="fix what the message names, or report the template to cfn-lint")


@rule(id="CF101", name="blue-green-hooks", category="hooks", severity="error", kinds=("cloudformation",),
      summary="a CodeDeploy blue/green Hooks section with a wrong type, lifecycle event, routing or reference",
      fix="follow the AWS::CodeDeploy::BlueGreen hook's structure: ECS lifecycle events, AllAtOnce/TimeBased* "
          "routing, logical ids of the template's resources",
      bad=_BAD, good=_BAD.replace("AfterAllowTestTrafic", "AfterAllowTestTraffic"))
def blue_green_hooks(ctx: Context) -> Iterator[Finding]:
    """With `Transform: AWS::CodeDeployBlueGreen`, CloudFormation runs an ECS blue/green
    deployment described in the template's `Hooks` section. cfn-lint does not know that
    section, so pipelint checks it: the hook Type is AWS::CodeDeploy::BlueGreen; lifecycle
    hooks use the ECS events (a misspelt one never runs); the traffic routing type is
    AllAtOnce, TimeBasedCanary or TimeBasedLinear; the service, two task definitions, two
    task sets, the listener and two target groups name resources of the right type."""
    root = ctx.root
    hooks = root.get("Hooks") if root is not None and root.is_map else None
    if hooks is None or not hooks.is_map:
        return
    resources = root.get("Resources")
    types = {str(k.data): str(v.get("Type").data) for k, v in resources.items()
             if v.is_map and v.get("Type") is not None} if resources is not None and resources.is_map else {}
    for name, hook in hooks.items():
        if not hook.is_map:
            continue
        type_node = hook.get("Type")
        if type_node is not None and type_node.data != "AWS::CodeDeploy::BlueGreen":
            yield ctx.report(type_node, f"hook {name.data} has Type {type_node.data}; the blue/green transform reads "
                                        "AWS::CodeDeploy::BlueGreen")
        props = hook.get("Properties")
        if props is None or not props.is_map:
            continue
        for key in ("ServiceRole", "Applications"):
            if key not in props:
                yield ctx.report(hook.key_node("Properties"), f"hook {name.data} has no {key}", fix=f"add {key}")
        events = props.get("LifecycleEventHooks")
        for event, _ in events.items() if events is not None and events.is_map else ():
            if event.data not in ECS_EVENTS:
                guess = did_you_mean(str(event.data), ECS_EVENTS)
                yield ctx.report(event, f"'{event.data}' is not an ECS lifecycle event: its function never runs"
                                 + (f"; did you mean '{guess}'?" if guess else ""),
                                 fix=f"use {guess}" if guess else f"use one of {', '.join(ECS_EVENTS)}")
        routing = props.get("TrafficRoutingConfig")
        routing_type = routing.get("Type") if routing is not None and routing.is_map else None
        if routing_type is not None and routing_type.is_scalar and routing_type.data not in ROUTING:
            yield ctx.report(routing_type, f"traffic routing type '{routing_type.data}' is not one of {', '.join(ROUTING)}")
        apps = props.get("Applications")
        for app in apps.value if apps is not None and apps.is_seq else ():
            yield from _application(ctx, app, types)


def _refs(node, want: str, count: int | None, where: str, ctx: Context, types: dict[str, str]) -> Iterator[Finding]:  # noqa: ANN001
    items = node.value if node is not None and node.is_seq else ([node] if node is not None else [])
    if count is not None and node is not None and node.is_seq and len(items) != count:
        yield ctx.report(node, f"{where} lists {len(items)} logical ids; it takes {count} (blue and green)")
    for item in items:
        if not item.is_scalar or not isinstance(item.data, str):
            continue
        found = types.get(item.data)
        if found is None:
            guess = did_you_mean(item.data, [k for k, t in types.items() if t == want])
            yield ctx.report(item, f"{where} names '{item.data}', which is no resource of this template"
                             + (f"; did you mean '{guess}'?" if guess else ""))
        elif found != want:
            yield ctx.report(item, f"{where} names '{item.data}', a {found}, not a {want}")


def _application(ctx: Context, app, types: dict[str, str]) -> Iterator[Finding]:  # noqa: ANN001
    if not app.is_map:
        return
    target = app.get("Target")
    if target is not None and target.is_map:
        yield from _refs(target.get("LogicalID"), "AWS::ECS::Service", None, "Target.LogicalID", ctx, types)
    attrs = app.get("ECSAttributes")
    if attrs is None or not attrs.is_map:
        return
    yield from _refs(attrs.get("TaskDefinitions"), "AWS::ECS::TaskDefinition", 2, "TaskDefinitions", ctx, types)
    yield from _refs(attrs.get("TaskSets"), "AWS::ECS::TaskSet", 2, "TaskSets", ctx, types)
    routing = attrs.get("TrafficRouting")
    if routing is None or not routing.is_map:
        return
    for route in ("ProdTrafficRoute", "TestTrafficRoute"):
        node = routing.get(route)
        if node is not None and node.is_map:
            yield from _refs(node.get("LogicalID"), "AWS::ElasticLoadBalancingV2::Listener", None,
                             f"{route}.LogicalID", ctx, types)
    yield from _refs(routing.get("TargetGroups"), "AWS::ElasticLoadBalancingV2::TargetGroup", 2, "TargetGroups",
                     ctx, types)


# An intrinsic function written as plain text: the `!` of the short form is missing. Each
# pattern asks for what the function's argument looks like, so prose ("Join the cluster")
# does not match.
_BANGLESS = re.compile(
    r"(?P<fn>Sub)\s+\S*\$\{[^}]+\}.*"
    r"|(?P<fn2>Ref)\s+(?:AWS::)?[A-Za-z][A-Za-z0-9]*"
    r"|(?P<fn3>GetAtt)\s+[A-Za-z][A-Za-z0-9]*\.[A-Za-z][\w.]*"
    r"|(?P<fn4>Join|Select|Split|If|Equals|FindInMap|Cidr|And|Or|Not)\s+\[.*\]"
    r"|(?P<fn5>ImportValue|Base64|GetAZs)\s+!\w+.*", re.S)
_PROSE_KEYS = frozenset({"Description", "AlarmDescription", "ConstraintDescription", "Metadata", "Comment"})


@rule(id="CF102", name="intrinsic-without-bang", category="reference", severity="error",
      autofix="unsafe", autofix_does="adds the missing '!' of the short form",
      kinds=("cloudformation",),
      summary="an intrinsic function written as plain text, without the `!` of its short form",
      fix="write the short form with its `!` (`!Sub '...'`), or the long form (`Fn::Sub: '...'`)",
      bad="""
          AWSTemplateFormatVersion: "2010-09-09"
          Resources:
            Topic:
              Type: AWS::SNS::Topic
              Properties:
                TopicName: Sub '${AWS::StackName}-alerts'""",
      good="""
          AWSTemplateFormatVersion: "2010-09-09"
          Resources:
            Topic:
              Type: AWS::SNS::Topic
              Properties:
                TopicName: !Sub '${AWS::StackName}-alerts'""")
def intrinsic_without_bang(ctx: Context) -> Iterator[Finding]:
    """`TopicName: Sub '${AWS::StackName}-alerts'` is the text "Sub '${AWS::StackName}-alerts'",
    not a substitution: CloudFormation passes it on as it is, and cfn-lint reports what
    follows from it (a `${}` outside Fn::Sub, a value of the wrong type or pattern), two or
    three findings for one missing character. This rule names the cause once, and those
    findings on the same value are dropped."""
    resources = ctx.root.get("Resources") if ctx.root is not None and ctx.root.is_map else None
    for _, resource in resources.items() if resources is not None and resources.is_map else ():
        props = resource.get("Properties") if resource.is_map else None
        if props is None:
            continue
        stack = [(props, None)]
        while stack:
            node, parent = stack.pop()
            if node.is_map:
                stack.extend((v, node) for k, v in node.items() if str(k.data) not in _PROSE_KEYS)
            elif node.is_seq:
                stack.extend((v, node) for v in node.value)
            elif node.is_plain_scalar and isinstance(node.data, str):
                m = _BANGLESS.fullmatch(node.data.strip())
                if m:
                    fn = next(g for g in m.groups() if g and g[0].isupper() and " " not in g)
                    long = fn if fn == "Ref" else f"Fn::{fn}"
                    finding = ctx.report(node, f"'{fn} ...' is plain text, not the function {long}: the '!' of "
                                               f"!{fn} is missing", fix=f"write !{fn} ...",
                                         edits=[Edit(*_offsets(ctx, node), "!")], safe=False)
                    finding.covers = (node.pointer,) + ((parent.pointer,) if parent is not None else ())
                    yield finding


def _offsets(ctx: Context, node) -> tuple[int, int]:  # noqa: ANN001
    start = ctx.doc.lines.offset(node.line, node.column)
    return start, start


# -- exports: parameters, task definitions and functions, for the project pass -----------------

def template_exports(doc) -> dict:  # noqa: ANN001 - a Document
    from linter.project_exports import item, pos
    from linter.rules.intrinsics import resources_of

    root = doc.root
    params = root.get("Parameters")
    parameters = {str(k.data): {"pos": pos(k), "default": v.is_map and "Default" in v}
                  for k, v in params.items()} if params is not None and params.is_map else {}
    tasks = {}
    for key, props in resources_of(root, "AWS::ECS::TaskDefinition"):
        tasks[str(key.data)] = {"pos": pos(key), "containers": containers_of(props.get("ContainerDefinitions"),
                                                                             "Name", "PortMappings", "ContainerPort")}
    globals_ = root.get("Globals")
    shared = globals_.get("Function") if globals_ is not None and globals_.is_map else None
    shared_alias = item(shared.get("AutoPublishAlias")) if shared is not None and shared.is_map else None
    functions = {str(k.data): {"pos": pos(k), "name": item(p.get("FunctionName")),
                               "alias": (item(p.get("AutoPublishAlias")) if "AutoPublishAlias" in p else shared_alias)
                               if sam else None}  # SAM's AutoPublishAlias, its own or Globals.Function's
                 for sam, types in ((False, ("AWS::Lambda::Function",)), (True, ("AWS::Serverless::Function",)))
                 for k, p in resources_of(root, *types)}
    aliases = {str(k.data): {"pos": pos(k), "name": item(p.get("Name")), "function": item(p.get("FunctionName"))}
               for k, p in resources_of(root, "AWS::Lambda::Alias")}
    return {"parameters": parameters, "task_definitions": tasks, "functions": functions, "aliases": aliases}


def containers_of(node, name_key: str, ports_key: str, port_key: str) -> dict:  # noqa: ANN001 - a Node
    """{container name: {"pos", "ports": [container port, ...]}} of a list of container definitions."""
    from linter.project_exports import pos

    out = {}
    for c in node.value if node is not None and node.is_seq else ():
        name = c.get(name_key) if c.is_map else None
        if name is None or not name.is_scalar or name.data is None:
            continue
        ports = c.get(ports_key)
        numbers = []
        for m in ports.value if ports is not None and ports.is_seq else ():
            port = m.get(port_key) if m.is_map else None
            if port is not None and port.is_scalar and str(port.data).isdigit():
                numbers.append(int(str(port.data)))
        image = c.get("Image") if c.get("Image") is not None else c.get("image")
        out.setdefault(str(name.data), {"pos": pos(name), "ports": numbers,
                                        "image": str(image.data) if image is not None and image.is_scalar else None})
    return out


EXPORTS = {"cloudformation": template_exports}
