"""CloudFormation intrinsic functions, as the rule packs read them."""

from __future__ import annotations

from typing import Iterator

from linter.document import Node


def branches(node: Node | None) -> Iterator[Node]:
    """A node, or both branches of an Fn::If (AWS::NoValue dropped): each is checked."""
    if node is None:
        return
    if node.is_map and len(node.value) == 1:
        key, value = node.value[0]
        if key.data == "Fn::If" and value.is_seq and len(value.value) == 3:
            for branch in value.value[1:]:
                yield from branches(branch)
            return
        if key.data == "Ref" and value.data == "AWS::NoValue":
            return
    yield node


def resources_of(root: Node | None, *types: str) -> Iterator[tuple[Node, Node]]:
    """(logical id key node, Properties map) of a template's resources of these types."""
    resources = root.get("Resources") if root is not None and root.is_map else None
    for key, resource in resources.items() if resources is not None and resources.is_map else ():
        type_node = resource.get("Type") if resource.is_map else None
        props = resource.get("Properties") if resource.is_map else None
        if type_node is not None and type_node.data in types and props is not None and props.is_map:
            yield key, props
