"""The parsed file: a tree of nodes that keep their positions, beside the plain data.

Both loaders (YAML and JSON) build the same `Node`s, so rules never care which format a
file was written in. A node knows its JSON pointer, its span (1-based lines and columns,
the end column exclusive) and its plain Python value (`data`).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any, Iterator

MAP = "map"
SEQ = "seq"
SCALAR = "scalar"


def escape_pointer_token(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def join_pointer(base: str, token: str | int) -> str:
    return f"{base}/{escape_pointer_token(token)}"


def split_pointer(pointer: str) -> list[str]:
    if not pointer:
        return []
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.lstrip("/").split("/")]


class Node:
    """One YAML/JSON value with its position.

    `kind` is "map", "seq" or "scalar". For a map `value` is the list of (key node, value
    node) pairs in source order (duplicates kept: the loader reports them); for a sequence,
    the list of item nodes; for a scalar, the constructed Python value. `data` is the plain
    value (for a map with duplicate keys, the last one wins, as in every YAML loader).
    """

    __slots__ = ("kind", "value", "data", "line", "column", "end_line", "end_column",
                 "tag", "style", "pointer", "_index")

    def __init__(self, kind: str, value: Any, data: Any, line: int, column: int,
                 end_line: int, end_column: int, tag: str | None = None,
                 style: str | None = None, pointer: str = "") -> None:
        self.kind = kind
        self.value = value
        self.data = data
        self.line = line
        self.column = column
        self.end_line = end_line
        self.end_column = end_column
        self.tag = tag
        self.style = style
        self.pointer = pointer
        self._index: dict[Any, tuple[Node, Node]] | None = None

    def __repr__(self) -> str:
        return f"Node({self.kind}, {self.pointer or '/'}, {self.line}:{self.column})"

    @property
    def is_map(self) -> bool:
        return self.kind == MAP

    @property
    def is_seq(self) -> bool:
        return self.kind == SEQ

    @property
    def is_scalar(self) -> bool:
        return self.kind == SCALAR

    def _lookup(self) -> dict[Any, tuple[Node, Node]]:
        if self._index is None:
            index: dict[Any, tuple[Node, Node]] = {}
            if self.kind == MAP:
                for key, value in self.value:
                    try:
                        index[key.data] = (key, value)
                    except TypeError:  # an unhashable key (a mapping used as a key)
                        pass
            self._index = index
        return self._index

    def get(self, key: Any) -> Node | None:
        """The value node under `key` in a map (None when absent or not a map)."""
        pair = self._lookup().get(key)
        return pair[1] if pair else None

    def key_node(self, key: Any) -> Node | None:
        pair = self._lookup().get(key)
        return pair[0] if pair else None

    def __contains__(self, key: Any) -> bool:
        return key in self._lookup()

    def items(self) -> Iterator[tuple[Node, Node]]:
        """(key node, value node) pairs of a map, in source order, duplicates removed."""
        if self.kind != MAP:
            return iter(())
        return iter(self._lookup().values())

    def children(self) -> list[Node]:
        if self.kind == SEQ:
            return list(self.value)
        if self.kind == MAP:
            return [v for _, v in self._lookup().values()]
        return []

    def walk(self) -> Iterator[Node]:
        """This node and every node below it (values, not keys), depth first."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children()))

    @property
    def is_plain_scalar(self) -> bool:
        return self.kind == SCALAR and self.style in (None, "")


_BREAK = re.compile(r"\r\n?|\n")


class LineIndex:
    """Maps character offsets to 1-based (line, column) and back.

    Lines are the ones editors, GitHub and LSP clients show: `\n`, `\r\n` and a lone `\r`
    end a line. NEL (U+0085), LS (U+2028) and PS (U+2029) never do, whatever YAML 1.1 says:
    the YAML loader maps its marks through character offsets, not its own line numbers."""

    def __init__(self, text: str) -> None:
        starts = [0]
        ends = []
        if "\r" in text:
            for m in _BREAK.finditer(text):
                ends.append(m.start())
                starts.append(m.end())
        else:
            find = text.find
            pos = find("\n")
            while pos != -1:
                ends.append(pos)
                starts.append(pos + 1)
                pos = find("\n", pos + 1)
        ends.append(len(text))
        self.starts = starts
        self.ends = ends
        self.text = text

    @property
    def count(self) -> int:
        """The number of lines (a final line break does not start another one)."""
        n = len(self.starts)
        return n - 1 if n > 1 and self.starts[-1] == len(self.text) else n

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1

    def last_position(self, offset: int) -> tuple[int, int]:
        """Like `position`, but an offset past the final line break (the end of the file)
        is the end of the last line: editors and GitHub show no line after it."""
        line, column = self.position(offset)
        if line > self.count:
            line = self.count
            column = self.ends[line - 1] - self.starts[line - 1] + 1
        return line, column

    def offset(self, line: int, column: int) -> int:
        if line > len(self.starts):
            return len(self.text)
        return min(self.starts[line - 1] + column - 1, len(self.text))

    def line_text(self, line: int) -> str:
        if not 1 <= line <= len(self.starts):
            return ""
        return self.text[self.starts[line - 1]:self.ends[line - 1]]


_last: LineIndex | None = None


def line_index(text: str) -> LineIndex:
    """The LineIndex of `text`, shared by the loader and the Document of one file (the last
    one made is kept, for the same string object: it never changes)."""
    global _last
    last = _last  # read once: another thread may replace it
    if last is not None and last.text is text:
        return last
    index = _last = LineIndex(text)
    return index


def split_lines(text: str) -> list[str]:
    """The lines as LineIndex counts them, without their line breaks."""
    return _BREAK.split(text) if "\r" in text else text.split("\n")


@dataclass
class Document:
    """A file as the rules see it."""

    path: str
    text: str
    kind: str | None
    fmt: str                      # "yaml" or "json"
    root: Node | None
    folder: str | None = None     # the file's folder on disk; None for stdin
    cache: dict[str, Any] = field(default_factory=dict, repr=False)  # models rules share, built once
    _lines: LineIndex | None = field(default=None, repr=False)

    @property
    def data(self) -> Any:
        return self.root.data if self.root is not None else None

    @property
    def lines(self) -> LineIndex:
        if self._lines is None:
            self._lines = line_index(self.text)
        return self._lines

    def node(self, pointer: str) -> Node | None:
        """The node at a JSON pointer, or None."""
        node = self.root
        for token in split_pointer(pointer):
            if node is None:
                return None
            if node.kind == MAP:
                found = node.get(token)
                if found is None:  # a non-string key (`200:`), addressed by its text
                    found = next((v for k, v in node.items() if str(k.data) == token), None)
                if found is None:
                    return None
                node = found
            elif node.kind == SEQ:
                if not token.isdigit() or int(token) >= len(node.value):
                    return None
                node = node.value[int(token)]
            else:
                return None
        return node


def node_at(root: Node | None, line: int, column: int) -> tuple[Node | None, bool]:
    """The innermost node at a 1-based position, and whether it is a mapping's key (a key
    node carries its value's pointer). (None, False) outside every node."""
    def inside(n: Node) -> bool:
        return (n.line, n.column) <= (line, column) < (n.end_line, n.end_column) or \
            (n.line, n.column) == (line, column)

    found: Node | None = None
    is_key = False
    node = root if root is not None and inside(root) else None
    while node is not None:
        found, is_key = node, False
        nxt = None
        if node.kind == MAP:
            for key, value in node.value:
                if inside(key):
                    found, is_key = key, True
                    break
                if inside(value):
                    nxt = value
                    break
        elif node.kind == SEQ:
            nxt = next((item for item in node.value if inside(item)), None)
        if is_key:
            break
        node = nxt
    return found, is_key
