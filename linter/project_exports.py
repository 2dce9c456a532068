"""How rule packs write what a file exports (positions and values, JSON-able), for the
project pass in linter/project.py. Kept apart from it so a pack imports almost nothing."""

from __future__ import annotations

from typing import Any

from linter.document import Node


def pos(node: Node | None) -> list[Any] | None:
    """[line, column, end_line, end_column, pointer] of a node: where a finding would point."""
    if node is None:
        return None
    return [node.line, node.column, node.end_line, node.end_column, node.pointer]


def value(node: Node | None) -> Any:
    """A scalar as text; `{"ref": id}` for a Ref; `{"sub": text}` for a one-string Fn::Sub;
    `{"getatt": "Id.Attr"}`; None for what is unknown until deployed (other intrinsics)."""
    if node is None:
        return None
    if node.is_scalar:
        data = node.data
        if data is None:
            return None
        return str(data).lower() if isinstance(data, bool) else str(data)
    if node.is_map and len(node.value) == 1:
        key, inner = node.value[0]
        if key.data == "Ref" and inner.is_scalar and isinstance(inner.data, str):
            return {"ref": inner.data}
        if key.data == "Fn::Sub" and inner.is_scalar and isinstance(inner.data, str):
            return {"sub": inner.data}
        if key.data == "Fn::GetAtt":
            if inner.is_scalar and isinstance(inner.data, str):
                return {"getatt": inner.data}
            if inner.is_scalar and isinstance(inner.data, list):  # `!GetAtt Id.Attr`, split by the loader
                return {"getatt": ".".join(str(i) for i in inner.data)}
            if inner.is_seq and all(i.is_scalar for i in inner.value):
                return {"getatt": ".".join(str(i.data) for i in inner.value)}
    return None


def item(node: Node | None) -> list[Any] | None:
    """[value, position] of a node, or None."""
    return None if node is None else [value(node), pos(node)]


def relocate(data: Any, where: list[Any]) -> Any:
    """Exports of a document written inside a string (an inline buildspec) with every
    position moved to the string that holds it."""
    if isinstance(data, dict):
        return {k: (where if k == "pos" else relocate(v, where)) for k, v in data.items()}
    if isinstance(data, list):
        if len(data) == 2 and isinstance(data[1], list) and len(data[1]) == 5 and isinstance(data[1][0], int):
            return [data[0], where]
        return [relocate(v, where) for v in data]
    return data
