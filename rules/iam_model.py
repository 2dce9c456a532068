"""Every IAM policy document of a file, and its statements, whatever resource holds it.

Identity policies (inline policies of roles, users and groups, AWS::IAM::Policy and
ManagedPolicy, SAM function `Policies`), trust policies (AssumeRolePolicyDocument) and
resource policies (S3, SQS, SNS, KMS, ECR, Secrets Manager) become `Statement`s whose
values keep their nodes. Every statement is read (a peer that stops at the first one
misses the rest); both branches of an `Fn::If` are read; `Fn::Sub` strings are read as
written and `Fn::Join` with its unknown parts as `?`, so `arn:${AWS::Partition}:s3:::*`
still ends in `*`; any other intrinsic is an unknown value (None) and never flagged.

A policy written as a JSON string (plain, `Fn::Sub` with or without a variable map, or
`Fn::ToJsonString` of a mapping) is parsed, `${...}` kept as opaque text, and read like any
other: its nodes all carry the position and pointer of the string (`EMBEDDED` tag).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Iterator

from linter.document import Document, Node
from linter.rules.intrinsics import branches

# resource type -> (property path to the document, kind of policy)
DOCUMENTS: dict[str, list[tuple[tuple[str, ...], str]]] = {
    "AWS::IAM::Role": [(("AssumeRolePolicyDocument",), "trust"), (("Policies", "*", "PolicyDocument"), "identity")],
    "AWS::IAM::User": [(("Policies", "*", "PolicyDocument"), "identity")],
    "AWS::IAM::Group": [(("Policies", "*", "PolicyDocument"), "identity")],
    "AWS::IAM::Policy": [(("PolicyDocument",), "identity")],
    "AWS::IAM::ManagedPolicy": [(("PolicyDocument",), "identity")],
    "AWS::IAM::RolePolicy": [(("PolicyDocument",), "identity")],
    "AWS::IAM::UserPolicy": [(("PolicyDocument",), "identity")],
    "AWS::IAM::GroupPolicy": [(("PolicyDocument",), "identity")],
    "AWS::S3::BucketPolicy": [(("PolicyDocument",), "resource")],
    "AWS::SQS::QueuePolicy": [(("PolicyDocument",), "resource")],
    "AWS::SNS::TopicPolicy": [(("PolicyDocument",), "resource")],
    "AWS::KMS::Key": [(("KeyPolicy",), "resource")],
    "AWS::ECR::Repository": [(("RepositoryPolicyText",), "resource")],
    "AWS::SecretsManager::ResourcePolicy": [(("ResourcePolicy",), "resource")],
    "AWS::IoT::Policy": [(("PolicyDocument",), "identity")],
    "AWS::Serverless::Function": [(("Policies",), "sam")],
    "AWS::Serverless::StateMachine": [(("Policies",), "sam")],
}
EMBEDDED = "pipelint:embedded-json"   # the tag of nodes parsed out of a JSON string
# condition keys that say how a request is made, not what it may reach: they narrow nothing
_NOT_NARROWING = {"aws:securetransport", "aws:multifactorauthpresent", "aws:multifactorauthage",
                  "aws:currenttime", "aws:epochtime", "aws:tokenissuetime", "aws:useragent", "aws:referer"}
MANAGED_ARNS = {"AWS::IAM::Role": "ManagedPolicyArns", "AWS::IAM::User": "ManagedPolicyArns",
                "AWS::IAM::Group": "ManagedPolicyArns", "AWS::Serverless::Function": "Policies",
                "AWS::Serverless::StateMachine": "Policies"}


@dataclass
class Value:
    text: str | None      # None: unknown (an intrinsic function)
    node: Node


@dataclass
class Statement:
    node: Node
    kind: str                       # identity, trust or resource
    effect: str | None
    actions: list[Value]
    action_key: Node | None         # the Action or NotAction key
    not_action: bool
    resources: list[Value]
    resource_key: Node | None
    not_resource: bool
    principal: Node | None
    principal_key: Node | None
    not_principal: bool
    condition: Node | None
    owner: str = ""                 # "resource BuildRole" or "the policy"
    owner_type: str = ""            # the resource type holding the policy
    condition_keys: set[str] = field(default_factory=set)
    narrowing: list[str] = field(default_factory=list)  # condition keys (as written) that narrow it

    @property
    def allows(self) -> bool:
        return self.effect == "Allow"


def text_of(node: Node | None) -> str | None:
    """The string a node stands for: plain text, an Fn::Sub template, an Fn::Join with `?`."""
    if node is None:
        return None
    if node.is_scalar:
        return None if node.data is None else str(node.data)
    if node.is_map and len(node.value) == 1:
        key, value = node.value[0]
        if key.data == "Fn::Sub":
            template = value.value[0] if value.is_seq and value.value else value
            return str(template.data) if template.is_scalar else None
        if key.data == "Fn::Join" and value.is_seq and len(value.value) == 2:
            sep, parts = value.value
            if parts.is_seq:
                return str(sep.data or "").join(text_of(p) or "?" for p in parts.value)
    return None


def values(node: Node | None) -> list[Value]:
    out = []
    for item in branches(node):
        items = item.value if item.is_seq else [item]
        for element in items:
            for leaf in branches(element):
                out.append(Value(text_of(leaf), leaf))
    return out


def _field(node: Node, name: str) -> tuple[Node | None, Node | None]:
    return (node.key_node(name), node.get(name)) if name in node else (None, None)


def statements_of(document: Node, kind: str, owner: str, owner_type: str = "") -> Iterator[Statement]:
    for doc in branches(document):
        if not doc.is_map:
            continue
        _, listed = _field(doc, "Statement")
        for statement in (s for item in branches(listed) for s in (item.value if item.is_seq else [item])):
            for node in branches(statement):
                if node.is_map:
                    statement = _statement(node, kind, owner)
                    statement.owner_type = owner_type
                    yield statement


def _statement(node: Node, kind: str, owner: str) -> Statement:
    effect = node.get("Effect")
    action_key, actions = _field(node, "Action")
    not_action = actions is None and "NotAction" in node
    if not_action:
        action_key, actions = _field(node, "NotAction")
    resource_key, resources = _field(node, "Resource")
    not_resource = resources is None and "NotResource" in node
    if not_resource:
        resource_key, resources = _field(node, "NotResource")
    principal_key, principal = _field(node, "Principal")
    not_principal = principal is None and "NotPrincipal" in node
    if not_principal:
        principal_key, principal = _field(node, "NotPrincipal")
    condition = node.get("Condition")
    keys: set[str] = set()
    narrowing: list[str] = []
    for block in branches(condition):
        for operator, operands in block.items() if block.is_map else ():
            names = [str(k.data) for k, _ in operands.items()] if operands.is_map else []
            keys |= {n.lower() for n in names}
            if narrows(str(operator.data), operands):
                narrowing += [n for n in names if n.lower() not in _NOT_NARROWING and n not in narrowing]
    return Statement(node=node, kind=kind, effect=text_of(effect), actions=values(actions), action_key=action_key,
                     not_action=not_action, resources=values(resources), resource_key=resource_key,
                     not_resource=not_resource, principal=principal, principal_key=principal_key,
                     not_principal=not_principal, condition=condition, owner=owner, condition_keys=keys,
                     narrowing=narrowing)


def narrows(operator: str, operands: Node) -> bool:
    """Does a condition operator limit the requests a statement matches, whatever the request
    carries? Not when it holds for a request that lacks the key: a negated operator
    (`StringNotEquals`, `ArnNotLike`, `NotIpAddress`), `...IfExists`, `ForAllValues:` and
    `Null: true` are all satisfied by a missing key (IAM User Guide, condition operators)."""
    op = operator.strip()
    if op.startswith("ForAllValues:") or op.endswith("IfExists"):
        return False
    op = op.split(":", 1)[-1]
    if op == "Null":
        return operands.is_map and all(str(v.data).lower() == "false" for _, v in operands.items())
    return "Not" not in op


def _walk(node: Node | None, path: tuple[str, ...]) -> Iterator[Node]:
    if node is None:
        return
    if not path:
        yield from branches(node)
        return
    head, rest = path[0], path[1:]
    for item in branches(node):
        if head == "*":
            for element in item.value if item.is_seq else ():
                yield from _walk(element, rest)
        elif item.is_map:
            yield from _walk(item.get(head), rest)


def documents(doc: Document) -> Iterator[tuple[Node, str, str, str]]:
    """(policy document node, kind, owner label, owner resource type) for every policy of the file."""
    root = doc.root
    if root is None or not root.is_map:
        return
    if doc.kind == "iam-policy":
        plain = _plain_statements(root)
        kind = "resource" if any("Principal" in s.data or "NotPrincipal" in s.data for s in plain) else "identity"
        yield root, kind, "the policy", "AWS::KMS::Key" if _key_policy(plain) else ""
        return
    resources = root.get("Resources")
    boundaries = _boundary_only(resources)
    for key, resource in resources.items() if resources is not None and resources.is_map else ():
        type_node = resource.get("Type") if resource.is_map else None
        props = resource.get("Properties") if resource.is_map else None
        if type_node is None or props is None or str(key.data) in boundaries:
            continue
        for path, kind in DOCUMENTS.get(str(type_node.data), ()):
            for node in _walk(props, path):
                if kind == "sam":
                    for item in (node.value if node.is_seq else [node]):
                        for policy in branches(item):
                            if policy.is_map and "Statement" in policy:
                                yield policy, "identity", f"resource {key.data}", str(type_node.data)
                    continue
                yield _parsed(node), kind, f"resource {key.data}", str(type_node.data)


def _refs(node: Node | None) -> Iterator[str]:
    for item in branches(node):
        for element in item.value if item.is_seq else [item]:
            for leaf in branches(element):
                if leaf.is_map and len(leaf.value) == 1 and leaf.value[0][0].data == "Ref":
                    yield str(leaf.value[0][1].data)


def _boundary_only(resources: Node | None) -> set[str]:
    """Managed policies of the template used only as a PermissionsBoundary: a boundary is
    a ceiling that grants nothing (IAM User Guide, permissions boundaries), so its broad
    Allow (often `*` beside the Deny statements that do the work) is no finding. A policy
    that is also attached (its own Roles/Users/Groups, or a ManagedPolicyArns Ref) counts."""
    if resources is None or not resources.is_map:
        return set()
    bounding: set[str] = set()
    attached: set[str] = set()
    for key, resource in resources.items():
        props = resource.get("Properties") if resource.is_map else None
        if props is None or not props.is_map:
            continue
        bounding.update(_refs(props.get("PermissionsBoundary")))
        for prop in ("ManagedPolicyArns", "Policies"):
            attached.update(_refs(props.get(prop)))
        type_node = resource.get("Type")
        if type_node is not None and type_node.data == "AWS::IAM::ManagedPolicy" and \
                any(props.get(p) is not None for p in ("Roles", "Users", "Groups")):
            attached.add(str(key.data))
    managed = {str(k.data) for k, r in resources.items() if r.is_map and r.get("Type") is not None
               and r.get("Type").data == "AWS::IAM::ManagedPolicy"}
    return (bounding & managed) - attached


def _key_policy(plain: list[Node]) -> bool:
    """A standalone policy every statement of which names a principal and only kms actions is
    a KMS key policy (kms actions grant nothing in any other resource policy): its Resource
    "*" is the key itself, as in a template's AWS::KMS::Key."""
    def kms_only(node: Node) -> bool:
        actions = node.get("Action")
        texts = [text_of(a) for a in (actions.value if actions is not None and actions.is_seq else [actions])]
        return bool(texts) and all(t is not None and t.strip().lower().startswith("kms:") for t in texts)
    return bool(plain) and all("Principal" in s.data and kms_only(s) for s in plain)


def _plain_statements(root: Node) -> list[Node]:
    listed = root.get("Statement")
    if listed is None:
        return []
    items = listed.value if listed.is_seq else [listed]
    return [s for s in items if s.is_map]


def _parsed(node: Node) -> Node:
    """A policy written as a JSON string (plain, in an `Fn::Sub`, or `Fn::ToJsonString` of a
    mapping): its content, positioned at the string."""
    if node.is_map and len(node.value) == 1:
        key, value = node.value[0]
        if key.data == "Fn::ToJsonString" and value.is_map:
            return value
        if key.data == "Fn::Sub":
            template = value.value[0] if value.is_seq and value.value else value
            if template.is_scalar and isinstance(template.data, str):
                parsed = _parsed_json(template, sub=True)
                return parsed if parsed is not None else node
        return node
    if node.is_scalar and isinstance(node.data, str):
        parsed = _parsed_json(node, sub=False)
        return parsed if parsed is not None else node
    return node


_SUB_VAR = re.compile(r"\$\{[^}]*\}")


def _parsed_json(node: Node, sub: bool) -> Node | None:
    text = str(node.data)
    if not text.lstrip().startswith("{"):
        return None
    try:
        data = json.loads(_quote_bare_variables(text) if sub else text)
    except ValueError:
        return None
    return _synthetic(data, node) if isinstance(data, dict) else None


def _quote_bare_variables(text: str) -> str:
    """An `Fn::Sub` template as JSON: a `${...}` outside a JSON string (a list or a number
    the variable stands for) becomes a string holding it, so it stays opaque text."""
    out: list[str] = []
    i, in_string = 0, False
    while i < len(text):
        ch = text[i]
        if in_string:
            out.append(ch)
            if ch == "\\" and i + 1 < len(text):
                out.append(text[i + 1])
                i += 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
            out.append(ch)
        elif text.startswith("${", i):
            match = _SUB_VAR.match(text, i)
            if match is None:
                out.append(ch)
            else:
                out.append(json.dumps(match.group(0)))
                i = match.end()
                continue
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def _synthetic(data: object, at: Node, pointer: str | None = None) -> Node:
    pointer = at.pointer if pointer is None else pointer
    span = (at.line, at.column, at.end_line, at.end_column)
    if isinstance(data, dict):
        pairs = [(_synthetic(k, at, pointer), _synthetic(v, at, pointer)) for k, v in data.items()]
        return Node("map", pairs, data, *span, tag=EMBEDDED, pointer=pointer)
    if isinstance(data, list):
        return Node("seq", [_synthetic(v, at, pointer) for v in data], data, *span, tag=EMBEDDED, pointer=pointer)
    return Node("scalar", data, data, *span, tag=EMBEDDED, pointer=pointer)


def statements(doc: Document) -> list[Statement]:
    if "iam-statements" not in doc.cache:
        doc.cache["iam-statements"] = [s for node, kind, owner, owner_type in documents(doc)
                                       for s in statements_of(node, kind, owner, owner_type)]
    return doc.cache["iam-statements"]


def managed_policy_arns(doc: Document) -> Iterator[tuple[Value, str]]:
    """(managed policy ARN or SAM policy name, owner label) for every attachment."""
    root = doc.root
    resources = root.get("Resources") if root is not None and root.is_map else None
    for key, resource in resources.items() if resources is not None and resources.is_map else ():
        type_node = resource.get("Type") if resource.is_map else None
        props = resource.get("Properties") if resource.is_map else None
        prop = MANAGED_ARNS.get(str(type_node.data)) if type_node is not None else None
        if prop is None or props is None or not props.is_map:
            continue
        for value in values(props.get(prop)):
            if value.text is not None:
                yield value, f"resource {key.data}"
