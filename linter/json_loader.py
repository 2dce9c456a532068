"""JSON -> `Node` tree with exact positions, by a small descent parser.

JSON never goes through YAML: PyYAML reads `1e5` as a string and rejects tabs, both fine
in JSON. Strings are decoded by the standard library's own scanner.
"""

from __future__ import annotations

import re
from json.decoder import JSONDecodeError, scanstring
from json.scanner import NUMBER_RE
from typing import Any

from linter.document import MAP, SCALAR, SEQ, LineIndex, Node, join_pointer, line_index
from linter.syntax import ParseIssue

_WS = " \t\n\r"
_WS_RUN = re.compile(r"[ \t\n\r]*").match
_SURROGATE = re.compile("[\ud800-\udfff]")
_LITERALS = {"true": True, "false": False, "null": None}
_SLIPS = frozenset({"True", "False", "None", "TRUE", "FALSE", "NULL", "Null", "NaN", "Infinity", "undefined",
                    "yes", "no"})


class _Error(Exception):
    def __init__(self, offset: int, message: str, fix: str | None = None) -> None:
        super().__init__(message)
        self.offset = offset
        self.message = message
        self.fix = fix


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = line_index(text)
        self.issues: list[ParseIssue] = []

    def skip(self, i: int) -> int:
        text = self.text
        n = len(text)
        i = _WS_RUN(text, i).end()  # perf: the run of white space in one C call, not a loop
        if i < n and text[i] == "/" and text[i + 1:i + 2] in ("/", "*"):
            raise _Error(i, "comments are not allowed in JSON", "remove the comment")
        return i

    def node(self, kind: str, value: Any, data: Any, start: int, end: int, pointer: str,
             style: str | None = None) -> Node:
        line, col = self.lines.position(start)
        end_line, end_col = self.lines.position(end)
        return Node(kind, value, data, line, col, end_line, end_col, style=style, pointer=pointer)

    def value(self, i: int, pointer: str) -> tuple[Node, int]:
        text = self.text
        if i >= len(text):
            raise _Error(i, "unexpected end of file: a value is missing")
        c = text[i]
        if c == "{":
            return self.obj(i, pointer)
        if c == "[":
            return self.arr(i, pointer)
        if c == '"':
            s, end = self.string(i)
            return self.node(SCALAR, s, s, i, end, pointer, style='"'), end
        if c == "'":
            raise _Error(i, "JSON strings need double quotes, not single quotes",
                         "replace the single quotes with double quotes")
        m = NUMBER_RE.match(text, i)
        if m:
            integer, frac, exp = m.groups()
            number: Any = float(integer + (frac or "") + (exp or "")) if frac or exp or len(integer) > 4000 else int(integer)
            return self.node(SCALAR, number, number, i, m.end(), pointer), m.end()
        for word, data in _LITERALS.items():
            if text.startswith(word, i):
                return self.node(SCALAR, data, data, i, i + len(word), pointer), i + len(word)
        word = re.match(r"[A-Za-z]*", text[i:i + 10]).group()
        # the unexpected text itself is quoted only when it is a known slip: it may be a secret
        shown = word if word in _SLIPS else c
        raise _Error(i, f"unexpected {shown!r}: expected a JSON value (a string in double quotes, "
                        "a number, true, false, null, an object or an array)")

    def string(self, i: int) -> tuple[str, int]:
        try:
            value, end = scanstring(self.text, i + 1, True)
        except JSONDecodeError as exc:
            if "Unterminated" in exc.msg:
                raise _Error(i, "unclosed string: the quote opened here is never closed",
                             'add the closing "') from None
            raise _Error(exc.pos, f"invalid string: {exc.msg[0].lower()}{exc.msg[1:]}") from None
        if _SURROGATE.search(value):  # "\\ud800" alone: no character, and no output can encode it
            line, col = self.lines.position(i)
            end_line, end_col = self.lines.position(end)
            self.issues.append(ParseIssue(
                "PL001", "invalid string: a \\uD800-\\uDFFF escape without its other half is not a "
                "character (AWS rejects it); it is read as U+FFFD", line, col, end_line, end_col,
                fix="remove the escape, or write the whole character"))
            value = _SURROGATE.sub("\ufffd", value)
        return value, end

    def obj(self, start: int, pointer: str) -> tuple[Node, int]:
        text = self.text
        pairs: list[tuple[Node, Node]] = []
        data: dict[str, Any] = {}
        seen: dict[str, Node] = {}
        i = self.skip(start + 1)
        if text[i:i + 1] == "}":
            return self.node(MAP, pairs, data, start, i + 1, pointer), i + 1
        while True:
            if text[i:i + 1] != '"':
                if i >= len(text):
                    raise _Error(start, "unclosed object: the '{' opened here is never closed", "add '}'")
                if text[i] == "}" and pairs:
                    raise _Error(_comma_before(text, i), "trailing comma before '}'", "remove the last comma")
                raise _Error(i, "expected a property name in double quotes",
                             "quote the key with double quotes")
            key_text, end = self.string(i)
            member = join_pointer(pointer, key_text)
            key = self.node(SCALAR, key_text, key_text, i, end, member, style='"')
            i = self.skip(end)
            if text[i:i + 1] != ":":
                raise _Error(i, f"expected ':' after the key {key_text!r}", "add ':' and a value")
            value, i = self.value(self.skip(i + 1), member)
            if key_text in seen:
                first = seen[key_text]
                self.issues.append(ParseIssue(
                    "PL002", f"duplicate key {key_text!r}: it is also defined on line {first.line}, "
                    "and only the last value is kept",
                    key.line, key.column, key.end_line, key.end_column, pointer=member,
                    fix="remove one of the two keys, or rename it"))
            seen[key_text] = key
            pairs.append((key, value))
            data[key_text] = value.data
            i = self.skip(i)
            c = text[i:i + 1]
            if c == ",":
                i = self.skip(i + 1)
                continue
            if c == "}":
                return self.node(MAP, pairs, data, start, i + 1, pointer), i + 1
            if not c:
                raise _Error(start, "unclosed object: the '{' opened here is never closed", "add '}'")
            raise _Error(i, "expected ',' or '}' after a property (a missing comma?)", "add a comma")

    def arr(self, start: int, pointer: str) -> tuple[Node, int]:
        text = self.text
        items: list[Node] = []
        i = self.skip(start + 1)
        if text[i:i + 1] == "]":
            return self.node(SEQ, items, [], start, i + 1, pointer), i + 1
        while True:
            if text[i:i + 1] == "]" and items:
                raise _Error(_comma_before(text, i), "trailing comma before ']'", "remove the last comma")
            if i >= len(text):
                raise _Error(start, "unclosed array: the '[' opened here is never closed", "add ']'")
            item, i = self.value(i, join_pointer(pointer, len(items)))
            items.append(item)
            i = self.skip(i)
            c = text[i:i + 1]
            if c == ",":
                i = self.skip(i + 1)
                continue
            if c == "]":
                return self.node(SEQ, items, [n.data for n in items], start, i + 1, pointer), i + 1
            if not c:
                raise _Error(start, "unclosed array: the '[' opened here is never closed", "add ']'")
            raise _Error(i, "expected ',' or ']' after an array item (a missing comma?)", "add a comma")


def _comma_before(text: str, i: int) -> int:
    """The offset of the comma that precedes `i` across white space (where the error is)."""
    j = i - 1
    while j > 0 and text[j] in _WS:
        j -= 1
    return j if text[j:j + 1] == "," else i - 1


def load_json(text: str) -> tuple[Node | None, list[ParseIssue]]:
    parser = _Parser(text)
    try:
        i = parser.skip(0)
        if i >= len(text):
            return None, []
        root, end = parser.value(i, "")
        end = parser.skip(end)
        if end < len(text):
            raise _Error(end, "unexpected text after the end of the JSON document",
                         "remove it, or wrap both values in an array")
    except _Error as exc:
        line, col = parser.lines.last_position(min(exc.offset, len(text)))
        return None, [ParseIssue("PL001", exc.message, line, col, line, col + 1, fix=exc.fix)]
    except RecursionError:
        return None, [ParseIssue("PL001", "the JSON nesting is too deep to read", 1, 1, 1, 1)]
    return root, parser.issues


def repair_json(text: str, issue: ParseIssue) -> tuple[str, str] | None:
    """One standard repair of a JSON syntax error, keeping every other character where it is
    (so positions hold): a trailing comma becomes a space, and a missing comma takes the
    place of a space or tab before the next member. (repaired text, what was done) or None."""
    index = LineIndex(text)
    offset = index.offset(issue.line, issue.column)
    if issue.message.startswith("trailing comma"):
        i = offset
        if text[i:i + 1] != ",":
            return None
        line, _ = index.position(i)
        return text[:i] + " " + text[i + 1:], f"the trailing comma on line {line} were not there"
    if "(a missing comma?)" in issue.message:
        i = offset - 1
        while i >= 0 and text[i] in _WS:
            if text[i] in " \t":
                line, _ = index.position(offset)
                return text[:i] + "," + text[i + 1:], f"a comma were written before line {line}, column {issue.column}"
            i -= 1
    return None
