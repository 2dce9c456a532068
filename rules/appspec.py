"""AppSpec rules (AS): CodeDeploy application specifications for EC2/On-Premises, ECS and Lambda.

The platform is read from the content; each platform has its schema
(schemas/appspec-<platform>.schema.json) and the rules below say what a schema cannot.
Facts: shared/specs/appspec.md (the CodeDeploy User Guide and both agents' parsers).
The agent rejects little at parse time: a misspelt event, a `Hooks:` key or a hook under a
reserved event deploys fine and silently runs nothing. Those are errors here.
"""

from __future__ import annotations

import json
import re
from typing import Iterator

from linter.document import Document, Node
from linter.kinds import kind_by_name
from linter.rule import Context, Finding, declare, rule
from linter.schema_findings import SchemaBinding
from linter.suggest import did_you_mean

KIND = ("appspec",)
EC2, ECS, LAMBDA = "EC2/On-Premises", "ECS", "Lambda"

# Scriptable events in the order they run (in-place deployment behind a load balancer).
EC2_EVENTS = ("BeforeBlockTraffic", "AfterBlockTraffic", "ApplicationStop", "BeforeInstall", "AfterInstall",
              "ApplicationStart", "ValidateService", "BeforeAllowTraffic", "AfterAllowTraffic")
EC2_RESERVED = ("Start", "DownloadBundle", "Install", "BlockTraffic", "AllowTraffic", "End")
ECS_EVENTS = ("BeforeInstall", "AfterInstall", "AfterAllowTestTraffic", "BeforeAllowTraffic", "AfterAllowTraffic")
ECS_RESERVED = ("Start", "Install", "AllowTestTraffic", "TestTraffic", "AllowTraffic", "End")
LAMBDA_EVENTS = ("BeforeAllowTraffic", "AfterAllowTraffic")
LAMBDA_RESERVED = ("Start", "AllowTraffic", "End")
EVENTS = {EC2: EC2_EVENTS, ECS: ECS_EVENTS, LAMBDA: LAMBDA_EVENTS}
RESERVED = {EC2: EC2_RESERVED, ECS: ECS_RESERVED, LAMBDA: LAMBDA_RESERVED}
EC2_KEYS = ("version", "os", "files", "permissions", "hooks", "file_exists_behavior")
DEFAULT_VALIDATION_HOOKS = {"ec2": ["ValidateService"], "ecs": ["AfterAllowTestTraffic", "BeforeAllowTraffic"],
                            "lambda": ["BeforeAllowTraffic"]}
SCHEMA_OF = {EC2: "appspec-ec2.schema.json", ECS: "appspec-ecs.schema.json",
             LAMBDA: "appspec-lambda.schema.json"}


# -- platform ----------------------------------------------------------------------------------

def _either(node: Node | None, name: str) -> tuple[Node | None, Node | None]:
    """(key node, value node) of `Name` or `name` in a map (ECS/Lambda accept both casings)."""
    if node is None or not node.is_map:
        return None, None
    for key in (name, name.lower(), name[0].lower() + name[1:]):
        if key in node:
            return node.key_node(key), node.get(key)
    return None, None


def resources(root: Node | None) -> list[tuple[Node, Node, str | None]]:
    """(resource name key, resource body, its Type) for each item of Resources."""
    _, listed = _either(root, "Resources")
    out = []
    for item in listed.value if listed is not None and listed.is_seq else ():
        for key, body in item.items() if item.is_map else ():
            _, type_node = _either(body, "Type")
            type_ = type_node.data if type_node is not None and isinstance(type_node.data, str) else None
            out.append((key, body, type_))
    return out


_last_platform: tuple[Node | None, str | None] = (None, None)  # every rule of a file asks again


def platform(root: Node | None) -> str | None:
    global _last_platform
    if root is None or not root.is_map:
        return None
    last_root, found = _last_platform  # one read: another thread may replace it
    if last_root is root:
        return found
    found = _platform(root)
    _last_platform = (root, found)
    return found


def _platform(root: Node) -> str:
    types = {t for _, _, t in resources(root)}
    if "AWS::ECS::Service" in types:
        return ECS
    if "AWS::Lambda::Function" in types:
        return LAMBDA
    return EC2


def _schema_for(doc: Document) -> str | None:
    if {"AWS::ECS::Service", "AWS::Lambda::Function"} <= {t for _, _, t in resources(doc.root)}:
        return None  # one file, two platforms: AS006 says so; no schema fits
    found = platform(doc.root)
    return SCHEMA_OF.get(found) if found else None


SCHEMAS = [SchemaBinding(kind="appspec", schema=_schema_for, unknown="AS001", required="AS003",
                         type="AS004", value="AS005")]


def _hooks(ctx: Context) -> tuple[Node | None, Node | None]:
    root = ctx.root
    if platform(root) == EC2:
        return (root.key_node("hooks"), root.get("hooks")) if "hooks" in root else (None, None)
    return _either(root, "Hooks")


def _hook_entries(ctx: Context) -> Iterator[tuple[Node, Node]]:
    """(event key node, value node) of every hook, whatever the platform's layout."""
    _, hooks = _hooks(ctx)
    if hooks is None:
        return
    if hooks.is_map:
        yield from hooks.items()
    elif hooks.is_seq:
        for item in hooks.value:
            if item.is_map:
                yield from item.items()


def _os(ctx: Context) -> str | None:
    node = ctx.root.get("os") if ctx.root is not None and ctx.root.is_map else None
    return node.data if node is not None and isinstance(node.data, str) else None


# -- reported from the schemas ------------------------------------------------------------------

_EC2_BAD = """
    version: 0.0
    os: linux
    files:
      - source: /
        destination: /opt/app
    hooks:
      AfterInstall:
        - location: scripts/setup.sh
          timout: 300
      ValidateService:
        - location: scripts/check.sh"""
_EC2_GOOD = """
    version: 0.0
    os: linux
    files:
      - source: /
        destination: /opt/app
    hooks:
      AfterInstall:
        - location: scripts/setup.sh
          timeout: 300
      ValidateService:
        - location: scripts/check.sh"""

UNKNOWN_KEY = declare(
    id="AS001", name="appspec-unknown-key", category="schema", severity="warning", kinds=KIND,
    autofix="safe", autofix_does="renames a misspelt key to the key it resembles, when its value fits that key",
    summary="a key the AppSpec format does not have (often a misspelling)",
    rationale="""
        CodeDeploy reads a fixed set of keys and ignores the rest without a word: a misspelt
        `timout` keeps the default one-hour timeout, a misspelt `LoadBalancerInfo` key is
        missing. The message offers the nearest known key.""",
    fix="rename the key to the one suggested, or remove it", bad=_EC2_BAD, good=_EC2_GOOD)

MISSING_KEY = declare(
    id="AS003", name="appspec-missing-key", category="schema", severity="error", kinds=KIND,
    summary="a required key is missing (version, os, a script's location, TaskDefinition...)",
    rationale="""
        The agent rejects an AppSpec without `version` or `os`, a hook script without
        `location`, a `files` entry without `source` or `destination`; ECS needs
        TaskDefinition and LoadBalancerInfo, Lambda needs Name, Alias, CurrentVersion and
        TargetVersion.""",
    fix="add the missing key",
    bad="""
        version: 0.0
        hooks:
          ValidateService:
            - location: scripts/check.sh""",
    good="""
        version: 0.0
        os: linux
        hooks:
          ValidateService:
            - location: scripts/check.sh""")

WRONG_TYPE = declare(
    id="AS004", name="appspec-wrong-type", category="schema", severity="error", kinds=KIND,
    autofix="safe", autofix_does="quotes a value YAML reads as another type (a number or a boolean where text is expected)",
    summary="a value of the wrong type (a mapping for a list, text for a number)",
    rationale="""
        CodeDeploy's parsers are typed: `files` and `permissions` are lists, ECS and Lambda
        `Hooks` are lists of one-entry mappings, `ContainerPort` is a number.""",
    fix="write the expected type",
    bad="""
        version: 0.0
        os: linux
        files:
          source: /
          destination: /opt/app
        hooks:
          ValidateService:
            - location: scripts/check.sh""",
    good="""
        version: 0.0
        os: linux
        files:
          - source: /
            destination: /opt/app
        hooks:
          ValidateService:
            - location: scripts/check.sh""")

INVALID_VALUE = declare(
    id="AS005", name="appspec-invalid-value", category="schema", severity="error", kinds=KIND,
    summary="a value outside the allowed ones (os, file_exists_behavior, ports, enums)",
    rationale="""
        `os` is `linux` or `windows` (case-sensitive), `file_exists_behavior` is DISALLOW,
        OVERWRITE or RETAIN in upper case, `AssignPublicIp` ENABLED or DISABLED, a
        container port 1 to 65535. The agent rejects anything else.""",
    fix="use one of the allowed values",
    bad="""
        version: 0.0
        os: Linux
        hooks:
          ValidateService:
            - location: scripts/check.sh""",
    good="""
        version: 0.0
        os: linux
        hooks:
          ValidateService:
            - location: scripts/check.sh""")


# -- structure ------------------------------------------------------------------------------------

@rule(id="AS002", name="wrong-case-key", category="schema", severity="error", kinds=KIND,
      autofix="safe", autofix_does="renames the key to lowercase (Hooks to hooks), or a misspelt key to the one it resembles",
      summary="an EC2/On-Premises top-level key that is not lowercase, or unknown",
      fix="write the key in lowercase (hooks, files, permissions, os, version)",
      bad="""
          version: 0.0
          os: linux
          Hooks:
            ValidateService:
              - location: scripts/check.sh""",
      good="""
          version: 0.0
          os: linux
          hooks:
            ValidateService:
              - location: scripts/check.sh""")
def wrong_case_key(ctx: Context) -> Iterator[Finding]:
    """Both generations of the CodeDeploy agent look up exactly `version`, `os`, `files`,
    `permissions`, `hooks` and `file_exists_behavior`, and ignore every other key without
    a message. An EC2 AppSpec with `Hooks:` or `Files:` deploys "successfully" and runs no
    script and copies no file. (ECS and Lambda AppSpecs accept both casings.)"""
    root = ctx.root
    if platform(root) != EC2:
        return
    # a rename goes in only when nothing else has or takes the name (Hooks and hook both
    # meaning hooks: Hooks gets it, hook keeps its name and its warning)
    taken: set[str] = set()
    for key, _ in root.items():
        name = key.data
        if not isinstance(name, str) or name in EC2_KEYS or name.lower() == "resources":
            continue  # Resources: AS006 explains it belongs to ECS and Lambda
        if name.lower() in EC2_KEYS:
            right = name.lower()
            yield ctx.report(key, f"'{name}' is never read: CodeDeploy reads only the lowercase '{right}', "
                                  "so this section is silently ignored",
                             fix=f"rename '{name}' to '{right}'",
                             edits=ctx.rename_edits(key, right) if right not in taken else ())
            taken.add(right)
    for key, _ in root.items():
        name = key.data
        if not isinstance(name, str) or name.lower() in EC2_KEYS or name.lower() == "resources":
            continue
        guess = did_you_mean(name, EC2_KEYS)
        hint = f"; did you mean '{guess}'?" if guess else f": expected one of {', '.join(EC2_KEYS)}"
        yield ctx.report(key, f"unknown key '{name}' is ignored by CodeDeploy{hint}", severity="warning",
                         fix=f"rename '{name}' to '{guess}'" if guess else "remove the key",
                         edits=ctx.rename_edits(key, guess) if guess and guess not in taken else ())
        if guess:
            taken.add(guess)


@rule(id="AS006", name="mixed-platforms", category="schema", severity="error", kinds=KIND,
      summary="keys of one compute platform in an AppSpec for another",
      fix="keep only the keys of the file's platform",
      bad="""
          version: 0.0
          os: linux
          Resources:
            - myFunction:
                Type: AWS::Lambda::Function
                Properties:
                  Name: myFunction
                  Alias: live
                  CurrentVersion: "1"
                  TargetVersion: "2"
          Hooks:
            - BeforeAllowTraffic: checkFunction""",
      good="""
          version: 0.0
          Resources:
            - myFunction:
                Type: AWS::Lambda::Function
                Properties:
                  Name: myFunction
                  Alias: live
                  CurrentVersion: "1"
                  TargetVersion: "2"
          Hooks:
            - BeforeAllowTraffic: checkFunction""")
def mixed_platforms(ctx: Context) -> Iterator[Finding]:
    """An AppSpec targets one compute platform. EC2/On-Premises files have `os`, `files`,
    `permissions` and script hooks; ECS and Lambda files have `Resources` and hooks naming
    Lambda functions. Keys of another platform are ignored, which usually means the file
    does not do what its author thinks."""
    root = ctx.root
    found = platform(root)
    if found is None:
        return
    types = {t for _, _, t in resources(root)}
    if found in (ECS, LAMBDA):
        for key, _ in root.items():
            if isinstance(key.data, str) and key.data.lower() in ("os", "files", "permissions",
                                                                 "file_exists_behavior"):
                yield ctx.report(key, f"'{key.data}' belongs to EC2/On-Premises AppSpecs; this one deploys to "
                                      f"{found} (its Resources name {'an AWS::ECS::Service' if found == ECS else 'an AWS::Lambda::Function'})",
                                 fix=f"remove '{key.data}'")
        if {"AWS::ECS::Service", "AWS::Lambda::Function"} <= types:
            for key, _, type_ in resources(root):
                if type_ == "AWS::Lambda::Function":
                    yield ctx.report(key, "an AppSpec deploys either an ECS service or Lambda functions, "
                                          "not both", fix="split the file in two")
    elif "Resources" in root or "resources" in root:
        key = root.key_node("Resources") or root.key_node("resources")
        yield ctx.report(key, "Resources belongs to ECS and Lambda AppSpecs, and names no AWS::ECS::Service "
                              "or AWS::Lambda::Function here; an EC2/On-Premises AppSpec uses files and hooks",
                         fix="remove Resources, or give each resource a Type")


_VERSION_BAD = """
    version: "0.0"
    os: linux
    hooks:
      ValidateService:
        - location: scripts/check.sh"""


@rule(id="AS007", name="invalid-version", category="schema", severity="error", kinds=KIND,
      autofix="mixed", autofix_does='writes version: 0.0 (safe for a quoted "0.0"; unsafe for another version)',
      summary="version other than 0.0, or a quoted \"0.0\" (errors for EC2/On-Premises, warnings for ECS and Lambda)",
      fix="write version: 0.0 without quotes", bad=_VERSION_BAD,
      good=_VERSION_BAD.replace('"0.0"', "0.0"))
def invalid_version(ctx: Context) -> Iterator[Finding]:
    """The only AppSpec version is 0.0. The EC2 agent compares the parsed value with the
    number 0.0, so a quoted "0.0" (a string) or any other number is rejected with "an
    invalid version value"; for ECS and Lambda the service's parser is not documented (and
    real files with `"version": 1` exist), hence warnings there."""
    root = ctx.root
    found = platform(root)
    key, node = (root.key_node("version"), root.get("version")) if found == EC2 else _either(root, "Version")
    if node is None:
        return
    value = node.data
    if isinstance(value, bool) or not (isinstance(value, (int, float, str))):
        return  # the schema reports the type
    if isinstance(value, str):
        if value.strip() in ("0.0", "0"):
            severity = "error" if found == EC2 else "warning"
            yield ctx.report(node, f"version is the text \"{value}\", not the number 0.0"
                             + (": the CodeDeploy agent rejects it" if found == EC2 else ""),
                             severity=severity, fix="write version: 0.0 without quotes",
                             edits=[ctx.replace_value(node, 0.0)])
        else:
            yield ctx.report(node, f"invalid version '{value}': the only AppSpec version is 0.0",
                             edits=[ctx.replace_value(node, 0.0)], safe=False)
    elif value != 0:
        yield ctx.report(node, f"invalid version {value}: the only AppSpec version is 0.0"
                         + (": the CodeDeploy agent rejects it" if found == EC2 else ""),
                         severity="error" if found == EC2 else "warning",
                         edits=[ctx.replace_value(node, 0.0)], safe=False)


@rule(id="AS008", name="required-resource-property", category="schema", severity="error", kinds=KIND,
      summary="an ECS or Lambda resource without a property CodeDeploy needs",
      fix="add the property",
      bad="""
          version: 0.0
          Resources:
            - myFunction:
                Type: AWS::Lambda::Function
                Properties:
                  Name: myFunction
                  Alias: live
                  TargetVersion: "2"
          Hooks:
            - BeforeAllowTraffic: checkFunction""",
      good="""
          version: 0.0
          Resources:
            - myFunction:
                Type: AWS::Lambda::Function
                Properties:
                  Name: myFunction
                  Alias: live
                  CurrentVersion: "1"
                  TargetVersion: "2"
          Hooks:
            - BeforeAllowTraffic: checkFunction""")
def required_resource_property(ctx: Context) -> Iterator[Finding]:
    """ECS resources need `TaskDefinition` and `LoadBalancerInfo` (with `ContainerName` and
    `ContainerPort`); Lambda resources need `Name`, `Alias`, `CurrentVersion` and
    `TargetVersion`. Both casings (PascalCase and lowercase) are accepted, so this is checked
    here rather than in the schema. Both spellings of one key is reported too."""
    found = platform(ctx.root)
    if found not in (ECS, LAMBDA):
        return
    for key, body, type_ in resources(ctx.root):
        props_key, props = _either(body, "Properties")
        if props is None or not props.is_map:
            if body.is_map and props is None:
                yield ctx.report(key, f"resource {key.data} has no Properties")
            continue
        needed = ("TaskDefinition", "LoadBalancerInfo") if type_ == "AWS::ECS::Service" else \
            ("Name", "Alias", "CurrentVersion", "TargetVersion") if type_ == "AWS::Lambda::Function" else ()
        for name in needed:
            if _either(props, name)[1] is None:
                yield ctx.report(props_key, f"resource {key.data} has no {name}")
        if type_ == "AWS::ECS::Service":
            lb_key, lb = _either(props, "LoadBalancerInfo")
            for name in ("ContainerName", "ContainerPort"):
                if lb is not None and lb.is_map and _either(lb, name)[1] is None:
                    yield ctx.report(lb_key, f"LoadBalancerInfo of {key.data} has no {name}")
    root = ctx.root
    for holder in [root] + [b for _, b, _ in resources(root)]:
        for node in [holder] + [v for k, v in holder.items() if v.is_map]:
            names = [k.data for k, _ in node.items() if isinstance(k.data, str)]
            lowered = [n.lower() for n in names]
            for i, name in enumerate(names):
                if lowered.count(name.lower()) > 1 and lowered.index(name.lower()) != i:
                    yield ctx.report(node.key_node(name), f"'{name}' is written twice, in two casings; "
                                                          "only one of them is read", fix="keep one spelling")


# -- hooks -----------------------------------------------------------------------------------------

def _platform_of_event(name: str) -> list[str]:
    return [p for p, events in EVENTS.items() if name in events]


@rule(id="AS101", name="invalid-lifecycle-event", category="hooks", severity="error", kinds=KIND,
      autofix="safe", autofix_does="renames a lifecycle event to its exact spelling or the event it resembles",
      summary="a hook under an event that never runs: misspelt, wrongly cased, reserved, or of another platform",
      fix="move the hook under a lifecycle event of this platform",
      bad="""
          version: 0.0
          os: linux
          hooks:
            AfterInstal:
              - location: scripts/setup.sh
            ValidateService:
              - location: scripts/check.sh""",
      good="""
          version: 0.0
          os: linux
          hooks:
            AfterInstall:
              - location: scripts/setup.sh
            ValidateService:
              - location: scripts/check.sh""")
def invalid_lifecycle_event(ctx: Context) -> Iterator[Finding]:
    """In a real deployment the agent does not reject an unknown event name: it runs the
    hooks of the lifecycle events it knows, matched exactly, and the rest never run. So a
    misspelt `AfterInstal`, a lowercase `afterInstall`, an event reserved for CodeDeploy
    itself (Start, DownloadBundle, Install, BlockTraffic, AllowTraffic, End) or an event of
    another compute platform (`AfterAllowTestTraffic` is ECS only) means a script or
    function that is silently never called."""
    found = platform(ctx.root)
    if found is None:
        return
    events, reserved = EVENTS[found], RESERVED[found]
    for key, _ in _hook_entries(ctx):
        name = key.data
        if not isinstance(name, str) or name in events:
            continue
        if name in reserved:
            near = {"Install": "BeforeInstall or AfterInstall", "DownloadBundle": "BeforeInstall",
                    "Start": events[0], "End": events[-1], "AllowTraffic": "BeforeAllowTraffic or AfterAllowTraffic",
                    "BlockTraffic": "BeforeBlockTraffic or AfterBlockTraffic",
                    "AllowTestTraffic": "AfterAllowTestTraffic", "TestTraffic": "AfterAllowTestTraffic"}.get(name, "")
            yield ctx.report(key, f"{name} is reserved for CodeDeploy itself: its hooks never run",
                             fix=f"use {near}" if near else "use a scriptable lifecycle event")
            continue
        exact = next((e for e in events if e.lower() == name.lower()), None)
        if exact:
            yield ctx.report(key, f"event names are case-sensitive: '{name}' never runs; write '{exact}'",
                             fix=f"rename to {exact}", edits=ctx.rename_edits(key, exact))
            continue
        others = [p for p in _platform_of_event(name) if p != found]
        if others:
            yield ctx.report(key, f"{name} is a lifecycle event of {' and '.join(others)} deployments, not "
                                  f"{found}: its hooks never run here",
                             fix=f"use one of {', '.join(events)}")
            continue
        guess = did_you_mean(name, events, cutoff=0.7)
        if guess:
            yield ctx.report(key, f"unknown lifecycle event '{name}' never runs; did you mean '{guess}'?",
                             fix=f"rename to {guess}", edits=ctx.rename_edits(key, guess))
        else:
            yield ctx.report(key, f"unknown lifecycle event '{name}' never runs: {found} events are "
                                  f"{', '.join(events)}", fix=f"use one of {', '.join(events)}")


@rule(id="AS102", name="missing-validation-hook", category="hooks", severity="warning", kinds=KIND,
      summary="no hook that validates the deployment (EC2 ValidateService; ECS and Lambda traffic hooks)",
      fix="add a validation hook that fails the deployment when the new version is broken",
      bad="""
          version: 0.0
          os: linux
          hooks:
            ApplicationStart:
              - location: scripts/start.sh""",
      good="""
          version: 0.0
          os: linux
          hooks:
            ApplicationStart:
              - location: scripts/start.sh
            ValidateService:
              - location: scripts/check.sh""",
      options={"ec2": DEFAULT_VALIDATION_HOOKS["ec2"], "ecs": DEFAULT_VALIDATION_HOOKS["ecs"],
               "lambda": DEFAULT_VALIDATION_HOOKS["lambda"]})
def missing_validation_hook(ctx: Context) -> Iterator[Finding]:
    """Without a validation hook CodeDeploy calls a deployment successful as soon as the
    files are copied or traffic is shifted, and never rolls back a broken release. The
    defaults ask for `ValidateService` on EC2/On-Premises, `AfterAllowTestTraffic` or
    `BeforeAllowTraffic` on ECS, and `BeforeAllowTraffic` on Lambda; a policy can change
    them: `[tool.pipelint.rules.AS102] ec2 = ["ValidateService"]`, `ecs = [...]`,
    `lambda = [...]` (any one of the listed events satisfies it; an empty list turns the
    check off for that platform)."""
    found = platform(ctx.root)
    if found is None:
        return
    if found == EC2 and "hooks" not in ctx.root and any(
            isinstance(k.data, str) and k.data.lower() == "hooks" for k, _ in ctx.root.items()):
        return  # the hooks are there under a wrong-case key: AS002 reports that
    wanted = ctx.options.get({EC2: "ec2", ECS: "ecs", LAMBDA: "lambda"}[found], [])
    if not wanted:
        return
    present = {k.data for k, v in _hook_entries(ctx) if v.data not in (None, [])}
    if present & set(wanted):
        return
    key, hooks = _hooks(ctx)
    where = key if key is not None else ctx.root
    yield ctx.report(where, f"no {' or '.join(wanted)} hook: nothing checks the new version before the "
                            "deployment is marked successful")


@rule(id="AS103", name="hooks-out-of-order", category="hooks", severity="info", kinds=KIND,
      summary="hooks written in another order than the one they run in",
      fix="list the hooks in lifecycle order, so the file reads as it runs",
      bad="""
          version: 0.0
          os: linux
          hooks:
            ValidateService:
              - location: scripts/check.sh
            BeforeInstall:
              - location: scripts/prepare.sh""",
      good="""
          version: 0.0
          os: linux
          hooks:
            BeforeInstall:
              - location: scripts/prepare.sh
            ValidateService:
              - location: scripts/check.sh""")
def hooks_out_of_order(ctx: Context) -> Iterator[Finding]:
    """Hooks run in lifecycle order whatever their order in the file. A file that lists
    them otherwise suggests an order that does not happen (a "cleanup" hook written last
    that in fact runs first)."""
    found = platform(ctx.root)
    if found is None:
        return
    order = EVENTS[found]
    last = -1
    last_name = ""
    for key, _ in _hook_entries(ctx):
        if key.data not in order:
            continue
        index = order.index(key.data)
        if index < last:
            yield ctx.report(key, f"{key.data} runs before {last_name}, but is written after it")
        else:
            last, last_name = index, key.data


@rule(id="AS104", name="hook-not-a-list", category="hooks", severity="error", kinds=KIND,
      summary="an EC2/On-Premises event whose value is not a list of scripts",
      fix="write the script as a list item: '- location: ...'",
      bad="""
          version: 0.0
          os: linux
          hooks:
            ValidateService:
              location: scripts/check.sh""",
      good="""
          version: 0.0
          os: linux
          hooks:
            ValidateService:
              - location: scripts/check.sh""")
def hook_not_a_list(ctx: Context) -> Iterator[Finding]:
    """Each event holds a list of `- location:` entries. A single mapping crashes the 1.x
    agent with a Ruby NoMethodError instead of a validation message, and fails parsing in
    the 2.x agent."""
    if platform(ctx.root) != EC2:
        return
    for key, value in _hook_entries(ctx):
        if value.is_map:
            yield ctx.report(key, f"{key.data} holds a single mapping; the agent expects a list of scripts "
                                  "(it crashes on this)")
        elif value.is_scalar and value.data is not None:
            yield ctx.report(value, f"{key.data} holds a plain value; the agent expects a list of "
                                    "'- location:' entries")


@rule(id="AS105", name="empty-hook", category="hooks", severity="error", kinds=KIND,
      summary="an event with an empty script list",
      fix="add the scripts, or remove the event",
      bad="""
          version: 0.0
          os: linux
          hooks:
            BeforeInstall:
            ValidateService:
              - location: scripts/check.sh""",
      good="""
          version: 0.0
          os: linux
          hooks:
            ValidateService:
              - location: scripts/check.sh""")
def empty_hook(ctx: Context) -> Iterator[Finding]:
    """An event with no scripts is skipped by the agent: it is usually a script that was
    meant to be there, or commented out by mistake."""
    if platform(ctx.root) != EC2:
        return
    for key, value in _hook_entries(ctx):
        if value.data in (None, []):
            yield ctx.report(key, f"{key.data} has no scripts: nothing runs at this event")


@rule(id="AS106", name="hook-timeout", category="hooks", severity="warning", kinds=KIND,
      autofix="safe", autofix_does="writes a quoted timeout as a number",
      summary="a script timeout that is not a positive whole number (error), or above 3600 s alone or "
      "summed over an event (warning)",
      fix="keep the scripts of one event within 3600 seconds in all",
      bad="""
          version: 0.0
          os: linux
          hooks:
            ValidateService:
              - location: scripts/check.sh
                timeout: 4000""",
      good="""
          version: 0.0
          os: linux
          hooks:
            ValidateService:
              - location: scripts/check.sh
                timeout: 900""")
def hook_timeout(ctx: Context) -> Iterator[Finding]:
    """The documentation sets 3600 seconds as the most script time per lifecycle event;
    scripts running past it fail the deployment. A timeout of zero, a negative or a
    non-numeric one is rejected by the agent ("an invalid timeout value")."""
    if platform(ctx.root) != EC2:
        return
    for key, scripts in _hook_entries(ctx):
        total = 0
        reported = False
        for script in scripts.value if scripts.is_seq else ():
            node = script.get("timeout") if script.is_map else None
            if node is None:
                continue
            value = node.data
            if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 18 and int(value) > 0:
                yield ctx.report(node, f"timeout is the text '{value}': the 1.x agent reads it, the 2.x agent "
                                       "rejects a quoted timeout", severity="warning",
                                 fix=f"write timeout: {int(value)}", edits=[ctx.replace_value(node, int(value))])
                value = int(value)
            elif isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                shown = repr(value) if isinstance(value, str) else json.dumps(value)
                yield ctx.report(node, f"timeout {shown} is not a positive whole number of seconds",
                                 severity="error", fix="write the timeout in whole seconds, e.g. 300")
                continue
            total += value
            if value > 3600:
                reported = True
                yield ctx.report(node, f"timeout {value} s is above the 3600 s a lifecycle event may take")
        if total > 3600 and not reported:
            yield ctx.report(key, f"the scripts of {key.data} may take {total} s in all, above the 3600 s a "
                                  "lifecycle event may take")


@rule(id="AS107", name="runas-on-windows", category="hooks", severity="warning", kinds=KIND,
      summary="runas on a Windows AppSpec, where the agent ignores it",
      fix="remove runas: Windows scripts run as the agent's user",
      bad="""
          version: 0.0
          os: windows
          hooks:
            ValidateService:
              - location: scripts\\check.ps1
                runas: Administrator""",
      good="""
          version: 0.0
          os: windows
          hooks:
            ValidateService:
              - location: scripts\\check.ps1""")
def runas_on_windows(ctx: Context) -> Iterator[Finding]:
    """`runas` is supported on Linux only; the Windows agent ignores it silently, so the
    script runs as a user the author did not intend."""
    if platform(ctx.root) != EC2 or _os(ctx) != "windows":
        return
    for _, scripts in _hook_entries(ctx):
        for script in scripts.value if scripts.is_seq else ():
            if script.is_map and "runas" in script:
                yield ctx.report(script.key_node("runas"), "runas is ignored on Windows instances")


_FUNCTION = re.compile(r"^[A-Za-z0-9_-]{1,64}(:(\$LATEST|[A-Za-z0-9_-]+))?$")
_FUNCTION_ARN = re.compile(r"^(arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:|\d{12}:function:)"
                           r"[A-Za-z0-9_-]{1,64}(:(\$LATEST|[A-Za-z0-9_-]+))?$")


@rule(id="AS108", name="invalid-hook-function", category="hooks", severity="error", kinds=KIND,
      summary="an ECS or Lambda hook target that is not a Lambda function name or ARN",
      fix="name the Lambda function (name, name:alias or its ARN)",
      bad="""
          version: 0.0
          Resources:
            - myFunction:
                Type: AWS::Lambda::Function
                Properties:
                  Name: myFunction
                  Alias: live
                  CurrentVersion: "1"
                  TargetVersion: "2"
          Hooks:
            - BeforeAllowTraffic: <PreTrafficHookFunction>""",
      good="""
          version: 0.0
          Resources:
            - myFunction:
                Type: AWS::Lambda::Function
                Properties:
                  Name: myFunction
                  Alias: live
                  CurrentVersion: "1"
                  TargetVersion: "2"
          Hooks:
            - BeforeAllowTraffic: PreTrafficHookFunction""")
def invalid_hook_function(ctx: Context) -> Iterator[Finding]:
    """ECS and Lambda hooks name the Lambda function CodeDeploy invokes: a function name
    (1 to 64 letters, digits, '-' or '_', optionally with a version or alias), or its ARN.
    An unreplaced `<...>` placeholder from a template means CodeDeploy cannot find the
    function and the deployment fails at that event. Values built by a template engine
    (`${...}`, `{{...}}`) are left alone."""
    found = platform(ctx.root)
    if found not in (ECS, LAMBDA):
        return
    for key, value in _hook_entries(ctx):
        target = value.data
        if not isinstance(target, str):
            continue
        text = target.strip()
        if "${" in text or "{{" in text or "#{" in text:
            continue
        if text.startswith("<") and text.endswith(">"):
            yield ctx.report(value, f"the {key.data} hook names the placeholder {text}, never replaced by "
                                    "a function name")
        elif not (_FUNCTION.match(text) or _FUNCTION_ARN.match(text)):
            yield ctx.report(value, f"the {key.data} hook target '{text}' is not a Lambda function name or ARN")


# -- files and permissions -------------------------------------------------------------------------

_WINDOWS_ABS = re.compile(r"^([A-Za-z]:[\\/]|\\\\)")


def _files(ctx: Context) -> list[Node]:
    node = ctx.root.get("files") if ctx.root is not None and ctx.root.is_map else None
    return [n for n in node.value if n.is_map] if node is not None and node.is_seq else []


def _permissions(ctx: Context) -> list[Node]:
    node = ctx.root.get("permissions") if ctx.root is not None and ctx.root.is_map else None
    return [n for n in node.value if n.is_map] if node is not None and node.is_seq else []


@rule(id="AS201", name="invalid-destination", category="schema", severity="error", kinds=KIND,
      summary="a files destination that is not an absolute path, or two entries copying to one place",
      fix="write the destination as an absolute path on the instance (/opt/app, C:\\app)",
      bad="""
          version: 0.0
          os: linux
          files:
            - source: app
              destination: opt/app
          hooks:
            ValidateService:
              - location: scripts/check.sh""",
      good="""
          version: 0.0
          os: linux
          files:
            - source: app
              destination: /opt/app
          hooks:
            ValidateService:
              - location: scripts/check.sh""")
def invalid_destination(ctx: Context) -> Iterator[Finding]:
    """`destination` is a fully-qualified path on the instance. The agent refuses two
    entries that copy the same source into the same destination ("two source files ... for
    the same destination"); several sources into one directory are fine."""
    if platform(ctx.root) != EC2:
        return
    windows = _os(ctx) == "windows"
    seen: dict[tuple[str, str], Node] = {}
    for entry in _files(ctx):
        dest = entry.get("destination")
        source = entry.get("source")
        if dest is None or not isinstance(dest.data, str) or not dest.data.strip():
            continue
        path = dest.data.strip()
        absolute = _WINDOWS_ABS.match(path) if windows else path.startswith("/")
        if not absolute and not path.startswith(("$", "{{", "%")):
            yield ctx.report(dest, f"destination '{path}' is not an absolute path"
                                   + (" (C:\\...)" if windows else " (it must start with /)"))
        if source is not None and isinstance(source.data, str):
            pair = (source.data.strip().rstrip("/\\"), path.rstrip("/\\"))
            if pair in seen:
                yield ctx.report(source, f"'{source.data}' is copied to '{path}' twice (first on line "
                                         f"{seen[pair].line}): the agent rejects the deployment")
            else:
                seen[pair] = source


_MODE = re.compile(r"^[0-7]{1,4}$")


@rule(id="AS202", name="invalid-mode", category="schema", severity="error", kinds=KIND,
      autofix="safe", autofix_does="quotes an octal mode so it keeps its digits",
      summary="a permissions mode that is not 1 to 4 octal digits, or an unquoted one with a leading zero",
      fix="write the mode as octal digits, quoted when it starts with 0 (mode: \"0644\" or mode: 644)",
      bad="""
          version: 0.0
          os: linux
          permissions:
            - object: /opt/app/bin
              mode: 0755
          hooks:
            ValidateService:
              - location: scripts/check.sh""",
      good="""
          version: 0.0
          os: linux
          permissions:
            - object: /opt/app/bin
              mode: "0755"
          hooks:
            ValidateService:
              - location: scripts/check.sh""")
def invalid_mode(ctx: Context) -> Iterator[Finding]:
    """`mode` is chmod's octal form only: one to four digits 0 to 7 (symbolic `u+x` is not
    supported). An unquoted leading zero is a trap: YAML 1.1 reads `0644` as the octal
    number 420, which the 1.x agent then applies as mode 420 (r---w----), and `0755`
    becomes 493, which it rejects for the digit 9. Quote it or drop the zero."""
    if platform(ctx.root) != EC2:
        return
    for entry in _permissions(ctx):
        node = entry.get("mode")
        if node is None or not node.is_scalar or node.data is None:
            continue
        raw = ctx.source(node).strip()
        text = raw.strip("'\"")
        if node.is_plain_scalar and isinstance(node.data, int) and raw.startswith("0") and len(raw) > 1 \
                and str(node.data) != (raw.lstrip("0") or "0"):
            yield ctx.report(node, f"unquoted mode {raw} is read by YAML as the octal number {node.data}: "
                                   f"the 1.x agent applies mode {node.data}",
                             fix=f'quote it: "{raw}"', edits=[ctx.replace_value(node, raw)])
            continue
        if not _MODE.match(text):
            why = "symbolic modes are not supported" if re.search(r"[ugoa][+=-]", text) else \
                "it must be 1 to 4 octal digits (0-7)"
            yield ctx.report(node, f"invalid mode '{text}': {why}")


@rule(id="AS203", name="world-writable-mode", category="iam", severity="warning", kinds=KIND,
      summary="a permissions mode that lets every user write (777, 666, o+w)",
      fix="drop the write bit for others (755, 644)",
      bad="""
          version: 0.0
          os: linux
          permissions:
            - object: /opt/app
              mode: 777
          hooks:
            ValidateService:
              - location: scripts/check.sh""",
      good="""
          version: 0.0
          os: linux
          permissions:
            - object: /opt/app
              mode: 755
          hooks:
            ValidateService:
              - location: scripts/check.sh""")
def world_writable_mode(ctx: Context) -> Iterator[Finding]:
    """A deployed file or folder that any local user can write lets any process on the
    instance change the application's code or configuration."""
    if platform(ctx.root) != EC2:
        return
    for entry in _permissions(ctx):
        node = entry.get("mode")
        if node is None or node.data is None:
            continue
        text = ctx.source(node).strip().strip("'\"")
        if _MODE.match(text) and int(text[-1]) & 2:
            yield ctx.report(node, f"mode {text} makes the files writable by every user on the instance")


_ACL_TYPES = {"u": "user", "user": "user", "g": "group", "group": "group", "m": "mask", "mask": "mask",
              "o": "other", "other": "other"}


def acl_problem(entry: str) -> tuple[str, str] | None:
    """(severity, message) for an ACL entry the agents reject or read differently; None if fine."""
    parts = entry.split(":")
    default = parts[0] in ("d", "default")
    rest = parts[1:] if default else parts
    if len(rest) == 2 and _ACL_TYPES.get(rest[0]) in ("mask", "other"):
        rest = [rest[0], "", rest[1]]  # `m:7`, `d:o:3`: the unnamed forms of mask and other
    if len(rest) == 2 and rest[0] not in _ACL_TYPES:
        return "warning", (f"ACL entry '{entry}' has no type: the 1.x agent reads it as a named user, the 2.x "
                           f"agent rejects it; write '{'d:' if default else ''}u:{rest[0]}:{rest[1]}'")
    if len(rest) != 3:
        return "error", f"ACL entry '{entry}' must be [d:]type:name:permissions"
    kind, name, perms = rest
    if kind not in _ACL_TYPES:
        return "error", f"ACL entry '{entry}' has an unknown type '{kind}' (u, g, m or o)"
    if _ACL_TYPES[kind] in ("mask", "other") and name:
        return "error", f"ACL entry '{entry}': a {_ACL_TYPES[kind]} entry takes no name"
    if _ACL_TYPES[kind] in ("user", "group") and not name and not default:
        return "error", f"ACL entry '{entry}' sets the base entry: use mode for that, ACLs need a name"
    if _ACL_TYPES[kind] == "other" and not default:
        return "warning", f"ACL entry '{entry}': the 1.x agent rejects a base 'other' entry; use mode"
    if not (re.fullmatch(r"[rwx-]{0,3}", perms) or re.fullmatch(r"[0-7]", perms)):
        return "error", f"ACL entry '{entry}' has invalid permissions '{perms}' (r, w, x, - or one octal digit)"
    return None


def _categories_ok(text: str) -> bool:
    """Categories up to c1023, each range increasing, none named twice (c0.c2,c1 names c1 twice)."""
    seen: set[int] = set()
    for part in text.split(":", 1)[1].split(",") if ":" in text else ():
        bounds = [int(c) for c in re.findall(r"c(\d+)", part)]
        if not bounds or any(c > 1023 for c in bounds) or (len(bounds) == 2 and bounds[1] < bounds[0]):
            return False
        covered = set(range(bounds[0], bounds[-1] + 1))
        if covered & seen:
            return False
        seen |= covered
    return True


_RANGE = re.compile(r"^s(\d+)(-s(\d+))?(:(c\d+(\.c\d+)?)(,c\d+(\.c\d+)?)*)?$")


@rule(id="AS204", name="invalid-acl-or-context", category="schema", severity="error", kinds=KIND,
      autofix="safe", autofix_does="renames the SELinux context's user to name",
      summary="an ACL entry or SELinux context the agent rejects or misreads",
      fix="write ACLs as [d:]u|g|m|o:name:perms and give a context a type",
      bad="""
          version: 0.0
          os: linux
          permissions:
            - object: /opt/app
              acls:
                - u::rw
              context:
                user: system_u
          hooks:
            ValidateService:
              - location: scripts/check.sh""",
      good="""
          version: 0.0
          os: linux
          permissions:
            - object: /opt/app
              acls:
                - u:deploy:rw
              context:
                name: system_u
                type: httpd_sys_content_t
          hooks:
            ValidateService:
              - location: scripts/check.sh""")
def invalid_acl_or_context(ctx: Context) -> Iterator[Finding]:
    """ACL entries are `[d:]type:name:perms` with a type u, g, m or o; a user or group
    entry without a name is the base entry, which only `mode` sets. An SELinux `context`
    needs a `type` (both agents reject it otherwise), its `range` is `sN[-sM][:cX[.cY],...]`
    with categories up to 1023, and the agents read the SELinux user from `name`: a
    documented `user:` is ignored."""
    if platform(ctx.root) != EC2:
        return
    for entry in _permissions(ctx):
        acls = entry.get("acls")
        for item in acls.value if acls is not None and acls.is_seq else ():
            if isinstance(item.data, str):
                problem = acl_problem(item.data.strip())
                if problem:
                    yield ctx.report(item, problem[1], severity=problem[0])
        context = entry.get("context")
        if context is None or not context.is_map:
            continue
        if "type" not in context:
            yield ctx.report(entry.key_node("context"), "an SELinux context needs a type: the agent rejects it")
        if "user" in context:
            yield ctx.report(context.key_node("user"), "the agents read the SELinux user from 'name'; 'user' is "
                                                       "ignored", severity="warning", fix="rename user to name",
                             edits=ctx.rename_edits(context.key_node("user"), "name"))
        rng = context.get("range")
        if rng is not None and isinstance(rng.data, str):
            m = _RANGE.match(rng.data.strip())
            if not m or (m.group(3) and len(m.group(3) + m.group(1)) <= 36 and int(m.group(3)) < int(m.group(1))) \
                    or not _categories_ok(rng.data):
                yield ctx.report(rng, f"invalid SELinux range '{rng.data}': expected sN[-sM][:cX[.cY],...] with "
                                      "the high level not below the low one, categories up to c1023, "
                                      "ranges in increasing order and no category twice")


@rule(id="AS205", name="permissions-on-windows", category="schema", severity="error", kinds=KIND,
      summary="a permissions section in a Windows AppSpec",
      fix="remove permissions: set Windows ACLs from a hook script",
      bad="""
          version: 0.0
          os: windows
          permissions:
            - object: C:\\app
              mode: 755
          hooks:
            ValidateService:
              - location: scripts\\check.ps1""",
      good="""
          version: 0.0
          os: windows
          hooks:
            ValidateService:
              - location: scripts\\check.ps1""")
def permissions_on_windows(ctx: Context) -> Iterator[Finding]:
    """Permissions are supported only on Linux instances; with `os: windows` the deployment
    fails."""
    if platform(ctx.root) == EC2 and _os(ctx) == "windows" and "permissions" in ctx.root:
        yield ctx.report(ctx.root.key_node("permissions"), "permissions are not supported on Windows "
                                                           "instances: the deployment fails")


# -- ECS and Lambda resources -----------------------------------------------------------------------

# TASK_DEFINITION, TASK_DEF_ARN: a token that a tool writes the ARN over (the GitHub action
# amazon-ecs-deploy-task-definition sets TaskDefinition whatever it holds; sed in a build)
_TOKEN = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z]{3,}")
_TASK_ARN = re.compile(r"^arn:aws[a-zA-Z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition/[A-Za-z0-9_-]{1,255}(:\d+)?$")


@rule(id="AS301", name="invalid-ecs-service", category="schema", severity="error", kinds=KIND,
      autofix="mixed", autofix_does="writes a quoted ContainerPort as a number (safe); replaces another placeholder with <TASK_DEFINITION> (unsafe)",
      summary="an ECS resource with a bad TaskDefinition, network configuration or capacity provider strategy",
      fix="use a task definition ARN (or <TASK_DEFINITION> in CodePipeline), subnet-/sg- ids and one base",
      bad="""
          version: 0.0
          Resources:
            - TargetService:
                Type: AWS::ECS::Service
                Properties:
                  TaskDefinition: <TASK_DEF_ARN>
                  LoadBalancerInfo:
                    ContainerName: web
                    ContainerPort: 80
          Hooks:
            - AfterAllowTestTraffic: checkFunction""",
      good="""
          version: 0.0
          Resources:
            - TargetService:
                Type: AWS::ECS::Service
                Properties:
                  TaskDefinition: <TASK_DEFINITION>
                  LoadBalancerInfo:
                    ContainerName: web
                    ContainerPort: 80
          Hooks:
            - AfterAllowTestTraffic: checkFunction""")
def invalid_ecs_service(ctx: Context) -> Iterator[Finding]:
    """`TaskDefinition` is a task definition ARN, or exactly `<TASK_DEFINITION>`, the
    placeholder CodePipeline's CodeDeployToECS action replaces; any other `<...>` stays
    as it is and the deployment fails. A bare upper-case token (`TASK_DEFINITION_ARN`) is
    left alone: the GitHub action amazon-ecs-deploy-task-definition writes the ARN it
    registers over TaskDefinition whatever it holds, and builds replace such tokens with sed. `AwsvpcConfiguration` gives subnets (subnet-...),
    security groups (sg-...) and AssignPublicIp together or not at all. In a capacity
    provider strategy only one provider may have a base."""
    if platform(ctx.root) != ECS:
        return
    for key, body, type_ in resources(ctx.root):
        if type_ != "AWS::ECS::Service":
            continue
        _, props = _either(body, "Properties")
        if props is None or not props.is_map:
            continue
        _, task = _either(props, "TaskDefinition")
        if task is not None and isinstance(task.data, str):
            text = task.data.strip()
            if text.startswith("<") and text != "<TASK_DEFINITION>":
                yield ctx.report(task, f"TaskDefinition is the placeholder {text}; CodePipeline replaces only "
                                       "<TASK_DEFINITION>", fix="write <TASK_DEFINITION>",
                                 edits=[ctx.replace_value(task, "<TASK_DEFINITION>")], safe=False)
            elif not text.startswith("<") and not _TASK_ARN.match(text) and "${" not in text and "{{" not in text \
                    and not _TOKEN.fullmatch(text):
                yield ctx.report(task, f"TaskDefinition '{text}' is not a task definition ARN "
                                       "(arn:aws:ecs:REGION:ACCOUNT:task-definition/FAMILY:REVISION)")
        net_key, net = _either(props, "NetworkConfiguration")
        vpc_key, vpc = _either(net, "AwsvpcConfiguration")
        if vpc is not None and vpc.is_map:
            parts = {name: _either(vpc, name)[1] for name in ("Subnets", "SecurityGroups", "AssignPublicIp")}
            missing = [n for n, v in parts.items() if v is None]
            if missing and len(missing) < 3:
                yield ctx.report(vpc_key, f"AwsvpcConfiguration has no {', '.join(missing)}: give all three or none")
            for name, prefix in (("Subnets", "subnet-"), ("SecurityGroups", "sg-")):
                items = parts[name]
                for item in items.value if items is not None and items.is_seq else ():
                    if isinstance(item.data, str) and not re.fullmatch(prefix + r"[0-9a-f]{8,17}", item.data) \
                            and "${" not in item.data and not item.data.startswith("<"):
                        yield ctx.report(item, f"'{item.data}' is not a {prefix}... id")
        _, lb = _either(props, "LoadBalancerInfo")
        _, port = _either(lb, "ContainerPort")
        if port is not None and isinstance(port.data, str):
            if port.data.strip().isdigit() and len(port.data.strip()) <= 5 and 1 <= int(port.data) <= 65535:
                yield ctx.report(port, f"ContainerPort is the text \"{port.data}\"; CodeDeploy documents a number",
                                 severity="warning", fix=f"write ContainerPort: {int(port.data)}",
                                 edits=[ctx.replace_value(port, int(port.data))])
            elif "${" not in port.data and "{{" not in port.data:
                yield ctx.report(port, f"ContainerPort '{port.data}' is not a port number (1-65535)")
        strat_key, strategy = _either(props, "CapacityProviderStrategy")
        if strategy is not None and strategy.is_seq:
            bases = [(_either(p, "Base")[1]) for p in strategy.value if p.is_map]
            nonzero = [b for b in bases if b is not None and isinstance(b.data, int) and b.data > 0]
            for extra in nonzero[1:]:
                yield ctx.report(extra, "only one capacity provider of a strategy may have a base")
            weights = [(_either(p, "Weight")[1]) for p in strategy.value if p.is_map]
            if len(weights) > 1 and all(w is None or w.data == 0 for w in weights):
                yield ctx.report(strat_key, "every capacity provider has weight 0: give at least one a weight")


@rule(id="AS401", name="invalid-lambda-versions", category="schema", severity="error", kinds=KIND,
      summary="Lambda CurrentVersion or TargetVersion that is not a version number, or both the same",
      fix="write published version numbers (\"3\"), different from each other",
      bad="""
          version: 0.0
          Resources:
            - myFunction:
                Type: AWS::Lambda::Function
                Properties:
                  Name: myFunction
                  Alias: live
                  CurrentVersion: $LATEST
                  TargetVersion: "2"
          Hooks:
            - BeforeAllowTraffic: checkFunction""",
      good="""
          version: 0.0
          Resources:
            - myFunction:
                Type: AWS::Lambda::Function
                Properties:
                  Name: myFunction
                  Alias: live
                  CurrentVersion: "1"
                  TargetVersion: "2"
          Hooks:
            - BeforeAllowTraffic: checkFunction""")
def invalid_lambda_versions(ctx: Context) -> Iterator[Finding]:
    """CodeDeploy shifts an alias from one published version to another: both are version
    numbers (`$LATEST` cannot be the target of an alias shift). When they are equal no
    traffic moves, which is a warning. Templated values (`${V}`, `{{ v }}`, `<V>`, an
    upper-case token such as `TARGET_VERSION_PLACEHOLDER` that the build replaces with sed)
    are left alone."""
    if platform(ctx.root) != LAMBDA:
        return
    for key, body, type_ in resources(ctx.root):
        if type_ != "AWS::Lambda::Function":
            continue
        _, props = _either(body, "Properties")
        versions = {}
        for name in ("CurrentVersion", "TargetVersion"):
            _, node = _either(props, name)
            if node is None or node.data is None:
                continue
            text = str(node.data).strip()
            if isinstance(node.data, dict) and len(node.data) == 1:     # !Ref X: read as {'Ref': 'X'}
                (fn, arg), = node.data.items()
                text = f"!{str(fn).replace('Fn::', '')} {arg}"
            if "${" in text or "{{" in text or text.startswith("<") or _TOKEN.fullmatch(text):
                continue
            if not re.fullmatch(r"[1-9]\d{0,17}", text):
                yield ctx.report(node, f"{name} '{text}' is not a published version number")
            else:
                versions[name] = (int(text), node)
        if len(versions) == 2 and versions["CurrentVersion"][0] == versions["TargetVersion"][0]:
            yield ctx.report(versions["TargetVersion"][1], "TargetVersion equals CurrentVersion: no traffic "
                                                          "will shift", severity="warning")


# -- files that exist -----------------------------------------------------------------------------

# target/__ARTIFACT__-all.tar.gz: a token the build replaces with sed before packaging
_SED_TOKEN = re.compile(r"__[A-Z][A-Z0-9_]*__")
_TEMPLATE_EXTS = (".template", ".tpl", ".tmpl", ".in", ".j2")


@rule(id="AS501", name="missing-revision-file", category="reference", severity="warning", kinds=KIND,
      summary="a hook script or files source that does not exist beside the AppSpec",
      fix="fix the path (relative to the folder of the AppSpec), or add the file",
      bad="""
          version: 0.0
          os: linux
          hooks:
            ValidateService:
              - location: scripts/chek.sh""",
      good="""
          version: 0.0
          os: linux
          hooks:
            ValidateService:
              - location: scripts/check.sh""")
def missing_revision_file(ctx: Context) -> Iterator[Finding]:
    """Hook `location`s and `files` `source`s are relative to the revision root, the folder
    that holds the AppSpec. A path that does not exist fails the deployment at that point
    ("Script does not exist at specified location"). Checked only for a file on disk, not
    for standard input; templated paths (`${VERSION}`, `__ARTIFACT__`) are skipped. When none of the files it names is
    there (and none is a near miss of a file that is), the revision is assembled elsewhere,
    by a build step or from an AppSpec kept in a subfolder: that is said once, at info, and
    nothing is checked. A `files` source is not reported either when a buildspec sits beside
    the AppSpec or in the folder above it: it is what the build produces there (`dotnet publish -o build_output`,
    `cp target/*.jar codedeploy/app.jar`); nor is a path with a template beside it (`start.sh.template`,
    which the build renders into `start.sh`). Where the project pass finds the revision root (a pipeline that
    packages this AppSpec through a buildspec's artifacts: XF004), XF004 checks the scripts
    there and this rule's findings for the AppSpec are dropped."""
    if platform(ctx.root) != EC2 or ctx.doc.folder is None:
        return
    paths: list[Node] = []
    for _, scripts in _hook_entries(ctx):
        for script in scripts.value if scripts.is_seq else ():
            node = script.get("location") if script.is_map else None
            if node is not None:
                paths.append(node)
    sources = [e.get("source") for e in _files(ctx) if e.get("source") is not None]
    paths += sources
    named: list[tuple[Node, str]] = []
    for node in paths:
        if not isinstance(node.data, str):
            continue
        rel = node.data.strip().replace("\\", "/").lstrip("/")
        if rel and rel != "." and not any(t in rel for t in ("$", "{{", "%", "*")) and not _SED_TOKEN.search(rel):
            named.append((node, rel))
    # a script made from a template beside it (`envsubst < start.sh.template > start.sh`)
    missing = [(node, rel) for node, rel in named if not ctx.file_exists(rel)
               and not any(ctx.file_exists(rel + ext) for ext in _TEMPLATE_EXTS)]
    if not missing:
        return
    nearby = ctx.nearby_paths()
    guesses = {rel: did_you_mean(rel, nearby, cutoff=0.8) if nearby else None for _, rel in missing}
    if len(missing) == len(named) and not any(guesses.values()):
        # nothing it names is here: the revision is put together elsewhere (a build step, or
        # an AppSpec kept in a subfolder and copied to the root), so nothing can be checked
        node, rel = missing[0]
        yield ctx.report(node, f"none of the {len(named)} files this AppSpec names is beside it (first: '{rel}'): "
                               "the revision is assembled elsewhere, so they were not checked",
                         severity="info", fix="nothing to do if a build step assembles the revision; else fix the paths")
        return
    # a buildspec beside the AppSpec builds the revision here: a files source that is not
    # there yet (dotnet publish -o build_output, target/app.jar) is its output, not a typo
    # (or in the folder above, which zips this one as the revision: `cp target/*.jar codedeploy/app.jar`)
    built = any("/" not in p and kind_by_name(p) == "buildspec" for p in nearby) or \
        any(ctx.file_exists(f"../buildspec.{ext}") for ext in ("yml", "yaml"))
    for node, rel in missing:
        guess = guesses[rel]
        source = any(node is s for s in sources)
        if built and not guess and source:
            continue
        hint = f"; did you mean '{guess}'?" if guess else ""
        if node.data.strip().startswith("/") and not source:
            # the agent joins a script's location to the revision root: an absolute path
            # to a script already on the instance is not found (ScriptMissing)
            yield ctx.report(node, f"'{node.data.strip()}' is read inside the revision, as '{rel}', which does not "
                                   f"exist beside the AppSpec{hint}: a hook location is relative to the revision's "
                                   "root, never a path on the instance",
                             fix=f"write '{guess}'" if guess else "ship the script in the revision and name it "
                                 "relative to the AppSpec")
            continue
        yield ctx.report(node, f"'{rel}' does not exist beside the AppSpec{hint}",
                         fix=f"write '{guess}'" if guess else None)


# -- exports: platform, hook scripts and the ECS target, for the project pass ------------------

def appspec_exports(doc: Document) -> dict:
    from linter.project_exports import item, pos

    root = doc.root
    found = platform(root)
    ctx = Context(doc, missing_revision_file)
    out: dict = {"platform": found, "pos": pos(root.key_node("version") or root)}
    if found == EC2:
        scripts = []
        for _, entries in _hook_entries(ctx):
            for script in entries.value if entries.is_seq else ():
                node = script.get("location") if script.is_map else None
                if node is not None and isinstance(node.data, str):
                    scripts.append(item(node))
        out["scripts"] = scripts
        out["files"] = [item(e.get("source")) for e in _files(ctx) if e.get("source") is not None]
    elif found == ECS:
        for _, body, type_ in resources(root):
            if type_ != "AWS::ECS::Service":
                continue
            _, props = _either(body, "Properties")
            _, task = _either(props, "TaskDefinition")
            _, lb = _either(props, "LoadBalancerInfo")
            _, cname = _either(lb, "ContainerName")
            _, cport = _either(lb, "ContainerPort")
            out["ecs"] = {"task_definition": item(task), "container_name": item(cname), "container_port": item(cport)}
            break
    elif found == LAMBDA:
        functions = []
        for _, body, type_ in resources(root):
            _, props = _either(body, "Properties")
            if type_ == "AWS::Lambda::Function":
                functions.append({"name": item(_either(props, "Name")[1]), "alias": item(_either(props, "Alias")[1])})
        out["functions"] = functions
    return out


EXPORTS = {"appspec": appspec_exports}
