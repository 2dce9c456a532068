"""YAML -> `Node` tree, with libyaml's C parser when it is installed.

`yaml.compose` gives nodes with marks and resolved tags but constructs nothing, so a
linted file is never turned into objects: scalars are built by the safe constructor one
by one, unknown tags keep their plain value, and CloudFormation short forms (`!Ref x`,
`!GetAtt a.b`, `!Sub ...`) become their long forms (`{"Ref": "x"}`), as CloudFormation
reads them.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from linter.document import MAP, SCALAR, SEQ, Node, join_pointer, line_index
from linter.syntax import ParseIssue, yaml_error_issue

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_ScalarNode, _SequenceNode, _MappingNode = yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode
_RESOLVED: dict[tuple[str, tuple[bool, bool]], str] = {}


class Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """The safe loader, whose implicit tags are looked up once per scalar text.

    perf: the resolver (which regex of the YAML 1.1 types a plain scalar matches) is a pure
    function of the text and its style for the safe loader (no path resolvers); the same
    keys and values come back in file after file, so each answer is kept (bounded)."""

    def resolve(self, kind, value, implicit):  # noqa: ANN001, ANN201
        if kind is _ScalarNode:
            key = (value, implicit)
            tag = _RESOLVED.get(key)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(_RESOLVED) < 65536 and len(value) < 256:
                    _RESOLVED[key] = tag
            return tag
        return super().resolve(kind, value, implicit)


_MERGE = "tag:yaml.org,2002:merge"
_STR = "tag:yaml.org,2002:str"
_constructor = SafeConstructor()
_CONSTRUCTORS = SafeConstructor.yaml_constructors

# CloudFormation's short-form intrinsic functions and conditions.
_CFN_SHORT = {
    "!Ref": "Ref",
    "!Condition": "Condition",
    **{f"!{name}": f"Fn::{name}" for name in (
        "And", "Base64", "Cidr", "Contains", "EachMemberEquals", "EachMemberIn", "Equals",
        "FindInMap", "ForEach", "GetAtt", "GetAZs", "If", "ImportValue", "Join", "Length",
        "Not", "Or", "RefAll", "Select", "Split", "Sub", "ToJsonString", "Transform",
        "ValueOf", "ValueOfAll")},
}


def _scalar_data(node: yaml.ScalarNode) -> Any:
    tag = node.tag
    if tag == _STR:
        return node.value
    construct = _CONSTRUCTORS.get(tag)
    if construct is None:  # an unknown or application tag: its plain text, never an object
        return node.value
    try:
        return construct(_constructor, node)
    except Exception:  # e.g. a timestamp-looking 2023-13-45: keep the text
        return node.value


MAX_ALIASED = 200_000  # values reached again through aliases; "billion laughs" reaches billions


class _TooLarge(Exception):
    pass


_EXOTIC_BREAKS = ("\x85", "\u2028", "\u2029")


class _Builder:
    def __init__(self, text: str) -> None:
        self.issues: list[ParseIssue] = []
        self._active: set[int] = set()
        self._built: set[int] = set()
        self._aliased = 0
        self._text = text
        self._end = len(text.rstrip("\r\n"))  # marks at or past it may count a line break libyaml adds
        # YAML 1.1 also breaks lines at NEL, LS and PS; editors do not. Where the text holds
        # one, marks are mapped through their character offset (slower, so only then).
        self._exotic = any(b in text for b in _EXOTIC_BREAKS)
        self._index = line_index(text) if self._exotic else None
        # an alias is written `*name`: without a `*` every node is met once, so the alias
        # bookkeeping (repeats, recursion) is skipped
        self._aliases = "*" in text

    def _span(self, ynode: yaml.Node) -> tuple[int, int, int, int]:
        start, end = ynode.start_mark, ynode.end_mark
        if not self._exotic and end.index < self._end:
            return start.line + 1, start.column + 1, end.line + 1, end.column + 1
        if self._index is None:  # a node that ends the file: no line after the last one
            self._index = line_index(self._text)
        return (*self._index.last_position(start.index), *self._index.last_position(end.index))

    def _after_tag(self, ynode: yaml.Node, tag: str) -> tuple[int, int]:
        """1-based (line, column) where a tagged node's value starts, after `!Tag `."""
        text = self._text
        i = ynode.start_mark.index + len(tag)
        while i < len(text) and text[i] in " \t":
            i += 1
        if i >= len(text) or text[i] in "\r\n#\x85\u2028\u2029":
            children = ynode.value if isinstance(ynode.value, list) else []
            first = children[0] if children else None
            if isinstance(first, tuple):
                first = first[0]
            if first is not None:
                return self._span(first)[:2]
        if self._index is not None:
            return self._index.position(i)
        return ynode.start_mark.line + 1, ynode.start_mark.column + 1 + (i - ynode.start_mark.index)

    def build(self, ynode: yaml.Node, pointer: str) -> Node:
        if self._aliases:
            ident = id(ynode)
            if ident in self._built:  # an alias: the same node built again
                self._aliased += 1
                if self._aliased > MAX_ALIASED:
                    raise _TooLarge
            else:
                self._built.add(ident)
        end = ynode.end_mark
        if not self._exotic and end.index < self._end:
            start = ynode.start_mark
            pos = (start.line + 1, start.column + 1, end.line + 1, end.column + 1)
        else:
            pos = self._span(ynode)
        tag = ynode.tag
        short = _CFN_SHORT.get(tag) if tag and tag.startswith("!") else None
        if short is not None:
            inner_pointer = join_pointer(pointer, short)
            inner = self._build_plain(ynode, inner_pointer, (*self._after_tag(ynode, tag), pos[2], pos[3]))
            if short == "Fn::GetAtt" and inner.kind == SCALAR and isinstance(inner.data, str):
                parts = inner.data.split(".", 1)
                inner.data = inner.value = parts
            key = Node(SCALAR, short, short, pos[0], pos[1], pos[0], pos[1] + len(tag),
                       tag=None, pointer=inner_pointer)
            return Node(MAP, [(key, inner)], {short: inner.data}, *pos, tag=tag, pointer=pointer)
        return self._build_plain(ynode, pointer, pos)

    def _build_plain(self, ynode: yaml.Node, pointer: str, pos: tuple[int, int, int, int]) -> Node:
        if isinstance(ynode, _ScalarNode):
            tag = ynode.tag
            data = ynode.value if tag == _STR else _scalar_data(ynode)
            return Node(SCALAR, data, data, pos[0], pos[1], pos[2], pos[3], tag, ynode.style, pointer)
        if not self._aliases:  # every node once: no alias can loop
            if isinstance(ynode, _SequenceNode):
                items = [self.build(item, f"{pointer}/{i}") for i, item in enumerate(ynode.value)]
                return Node(SEQ, items, [n.data for n in items], *pos, tag=ynode.tag,
                            style="flow" if ynode.flow_style else None, pointer=pointer)
            return self._build_map(ynode, pointer, pos)
        ident = id(ynode)
        if ident in self._active:  # a recursive alias: stop here rather than loop forever
            self.issues.append(ParseIssue("PL001", "recursive YAML alias", *pos, pointer=pointer))
            return Node(SCALAR, None, None, *pos, pointer=pointer)
        self._active.add(ident)
        try:
            if isinstance(ynode, _SequenceNode):
                items = [self.build(item, join_pointer(pointer, i)) for i, item in enumerate(ynode.value)]
                return Node(SEQ, items, [n.data for n in items], *pos, tag=ynode.tag,
                            style="flow" if ynode.flow_style else None, pointer=pointer)
            return self._build_map(ynode, pointer, pos)
        finally:
            self._active.discard(ident)

    def _build_map(self, ynode: yaml.MappingNode, pointer: str, pos: tuple[int, int, int, int]) -> Node:
        pairs: list[tuple[Node, Node]] = []
        data: dict[Any, Any] = {}
        seen: dict[Any, Node] = {}
        merged: list[tuple[yaml.Node, yaml.Node]] = []
        for ykey, yvalue in ynode.value:
            if ykey.tag == _MERGE:
                sources = yvalue.value if isinstance(yvalue, yaml.SequenceNode) else [yvalue]
                for source in sources:
                    if isinstance(source, yaml.MappingNode):
                        merged.extend(source.value)
                continue
            key = self.build(ykey, pointer)
            key_data = key.data
            try:
                hash(key_data)
            except TypeError:
                key_data = repr(key_data)
            if type(key_data) is str and "~" not in key_data and "/" not in key_data:
                value = self.build(yvalue, f"{pointer}/{key_data}")  # join_pointer, without escapes to do
            else:
                value = self.build(yvalue, join_pointer(pointer, key_data))
            key.pointer = value.pointer
            if key_data in seen:
                first = seen[key_data]
                self.issues.append(ParseIssue(
                    "PL002",
                    f"duplicate key {key_data!r}: it is also defined on line {first.line}, "
                    "and only the last value is kept",
                    key.line, key.column, key.end_line, key.end_column, pointer=key.pointer,
                    fix="remove one of the two keys, or rename it"))
            seen[key_data] = key
            pairs.append((key, value))
            data[key_data] = value.data
        for ykey, yvalue in merged:  # `<<: *defaults` fills only the keys not written here
            key = self.build(ykey, pointer)
            key_data = key.data
            try:
                hash(key_data)
            except TypeError:
                continue
            if key_data in data:
                continue
            value = self.build(yvalue, join_pointer(pointer, key_data))
            key.pointer = value.pointer
            pairs.append((key, value))
            data[key_data] = value.data
        return Node(MAP, pairs, data, *pos, tag=ynode.tag,
                    style="flow" if ynode.flow_style else None, pointer=pointer)


def load_yaml(text: str) -> tuple[Node | None, list[ParseIssue]]:
    """Parse `text`; return the root node (None for an empty file) and the problems found."""
    try:
        root = yaml.compose(text, Loader=Loader)
    except yaml.MarkedYAMLError as exc:
        return None, [yaml_error_issue(exc, text)]
    except yaml.YAMLError as exc:  # e.g. a reader error on a control character
        return None, [yaml_error_issue(exc, text, in_bytes=Loader is not yaml.SafeLoader)]
    except RecursionError:
        return None, [ParseIssue("PL001", "the YAML nesting is too deep to read", 1, 1, 1, 1)]
    if root is None:
        return None, []
    builder = _Builder(text)
    try:
        node = builder.build(root, "")
    except RecursionError:
        return None, [ParseIssue("PL001", "the YAML nesting is too deep to read", 1, 1, 1, 1)]
    except _TooLarge:  # e.g. "billion laughs": aliases of aliases that expand exponentially
        return None, [ParseIssue("PL001", f"the YAML's aliases repeat more than {MAX_ALIASED:,} values "
                                          "(aliases of aliases); it is not read", 1, 1, 1, 1,
                                 fix="write the values out, or use fewer nested aliases")]
    return node, builder.issues
