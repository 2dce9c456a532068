"""Parse problems, with messages a person understands.

libyaml and PyYAML describe an error in parser terms ("expected <block end>, but found
'<block mapping start>'"); we look at the text around the mark and say what the author
most likely did (a tab, an unclosed quote, a typographic quote, a bad indentation).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from linter.document import LineIndex, split_lines

_TYPOGRAPHIC = "\u201c\u201d\u2018\u2019\u201e\u00ab\u00bb"
_CONFLICT = re.compile(r"(<{7}|>{7})( |$)")


@dataclass
class ParseIssue:
    rule: str          # PL001 syntax error, PL002 duplicate key, PL003 unreadable file
    message: str
    line: int
    column: int
    end_line: int
    end_column: int
    pointer: str = ""
    fix: str | None = None


def _mark(index: LineIndex, mark) -> tuple[int, int]:  # noqa: ANN001 - a yaml Mark
    """0-based (line, column) of a YAML mark in the lines editors show (through its offset:
    YAML's own line numbers also count NEL, LS and PS as line breaks)."""
    line, column = index.last_position(min(max(mark.index, 0), len(index.text)))
    return line - 1, column - 1


def _reader_offset(text: str, position: int, in_bytes: bool) -> int:
    """The character offset of a reader error. libyaml (CSafeLoader) reports a UTF-8 byte
    offset, the pure-Python reader a character one: read as characters, a byte offset after
    text that is not ASCII (an LS, an accent) moves the finding past the character, even
    past the last line."""
    position = max(position, 0)
    if in_bytes:
        position = len(text.encode("utf-8", "surrogatepass")[:position].decode("utf-8", "ignore"))
    return min(position, len(text))


_INDICATOR_START = re.compile(r"^\s*(?:-\s+|[^\s#'\"-][^:#]*:\s+)([\[{&*@`%])")


def yaml_error_issue(exc: Exception, text: str, in_bytes: bool = False) -> ParseIssue:
    """`in_bytes`: the parser was libyaml, whose reader errors give byte offsets."""
    problem = str(getattr(exc, "problem", "") or exc).strip()
    context = str(getattr(exc, "context", "") or "").strip()
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    context_mark = getattr(exc, "context_mark", None)
    index = LineIndex(text)
    line0, col0 = _mark(index, mark) if mark else (0, 0)
    source = index.line_text(line0 + 1)
    fix: str | None = None
    at = source[col0:col0 + 1]

    if hasattr(exc, "character") and hasattr(exc, "position"):  # yaml.reader.ReaderError
        message = f"the file holds a control character (code {exc.character:#x}) that YAML does not allow"
        fix = "remove the character, or write it as an escape inside a double-quoted string"
        line, column = index.position(_reader_offset(text, int(exc.position), in_bytes))
        return ParseIssue("PL001", message, line, column, line, column + 1, fix=fix)

    conflict = next((i for i, line in enumerate(split_lines(text)) if _CONFLICT.match(line)), None)
    if conflict is not None and conflict <= line0:
        # a merge left its markers in: the parser trips somewhere after the first one
        return ParseIssue("PL001", "unresolved merge conflict: the file still holds the '<<<<<<<', '=======' and "
                          "'>>>>>>>' markers", conflict + 1, 1, conflict + 1, len(index.line_text(conflict + 1)) + 1,
                          fix="resolve the conflict: keep one side, and remove the marker lines")
    if at == "\t" or ("\t" in source[: col0 + 1] and "token" in problem):
        tab_col = source.find("\t")
        col0 = tab_col if tab_col >= 0 else col0
        message = "tab character: YAML allows only spaces for indentation"
        fix = "replace the tab with spaces"
    elif "quoted scalar" in context and "end of stream" in problem:
        if context_mark is not None:
            line0, col0 = _mark(index, context_mark)
        quote = index.line_text(line0 + 1)[col0:col0 + 1] or "quote"
        message = f"unclosed {quote} string: the quote opened here is never closed"
        fix = f"add the closing {quote}"
    elif "escape character" in problem:
        message = "unknown escape sequence in a double-quoted string (a backslash in a path?)"
        fix = "use single quotes, or double the backslash"
    elif "expected a single document" in problem + context:
        message = "the file holds more than one YAML document ('---'); only one is read"
        fix = "remove the second document, or split it into its own file"
    elif "undefined alias" in problem:
        message = f"alias used before its anchor is defined: {problem.split('alias', 1)[-1].strip()}"
        fix = "define the anchor (&name) before the alias (*name)"
    elif "while parsing a flow" in context or "flow sequence" in problem or "flow mapping" in problem:
        opener = "[" if "sequence" in context + problem else "{"
        closer = "]" if opener == "[" else "}"
        if context_mark is not None:
            message = (f"unclosed '{opener}': the flow {'list' if opener == '[' else 'mapping'} opened on "
                       f"line {_mark(index, context_mark)[0] + 1} is not closed, or an item in it holds a stray "
                       "character (quote items holding ': ' or '#')")
        else:
            message = f"unclosed '{opener}'"
        fix = f"close it with '{closer}' and separate items with ','"
    elif "could not find expected ':'" in problem:
        message = ("this line reads as a key but has no ':' after it: stray text, or a value "
                   "from the line above that needs indenting")
        fix = "indent the text under its key, quote it, or add ': ' after the key"
    elif "mapping values are not allowed" in problem:
        message = ("unexpected ':' here: a value that holds ': ' must be quoted, "
                   "or this line is indented wrongly")
        fix = "put the whole value in quotes, or fix the indentation"
    elif ("did not find expected key" in problem or "expected <block end>" in problem
          or "did not find expected '-'" in problem or "expected <document start>" in problem):
        message = "bad indentation: this line does not line up with the lines around it"
        fix = "indent the line with spaces to the same column as its siblings"
        if context_mark is not None and mark is not None and "block" in context:
            message += f" (the block started on line {_mark(index, context_mark)[0] + 1})"
    else:
        message = f"YAML syntax error: {problem}" + (f" ({context})" if context else "")
    indicator = _INDICATOR_START.match(source)
    if indicator and (message.startswith("YAML syntax error") or message.startswith("unclosed '")):
        # `- [ -n "$X" ] && make`: a shell test read as a flow list; `- @echo`: a reserved character
        char = indicator.group(1)
        meaning = {"[": "a flow list", "{": "a flow mapping", "&": "an anchor", "*": "an alias"}.get(
            char, "a reserved character")
        message += (f"; the value on line {line0 + 1} starts with '{char}', which YAML reads as {meaning}, "
                    "not as text")
        fix = "put the whole value in quotes"
    slashes = next((i for i, text in enumerate(split_lines(text)[:line0 + 1]) if text.lstrip().startswith("//")), None)
    if slashes is not None:
        message += f"; line {slashes + 1} starts with '//': YAML comments start with '#'"
        fix = "write comments with '#'"
    if any(q in source for q in _TYPOGRAPHIC):
        message += "; the line holds typographic quotes, which YAML does not read as quotes"
        fix = "replace the typographic quotes with straight quotes (\" or ')"
    line_text = index.line_text(line0 + 1)
    end = col0 + 2 if col0 < len(line_text) else col0 + 1
    return ParseIssue("PL001", message, line0 + 1, col0 + 1, line0 + 1, end, fix=fix)
