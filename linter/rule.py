"""What a rule is, what it reports, and the context it runs in.

A rule is a function decorated with `@rule(...)`: the decorator turns it into a frozen
`Rule` that carries its metadata (id, slug, category, severity, kinds, summary, the
rationale from the docstring, the fix text and two examples). Rules never read files and
never parse: they get a `Context` holding the parsed `Document` and yield `Finding`s made
with `ctx.report(node, message)`.
"""

from __future__ import annotations

import inspect
import os
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from linter.document import Document, Node

SEVERITIES = ("error", "warning", "info")
SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}
CATEGORIES = ("syntax", "schema", "reference", "hooks", "iam", "secrets", "ordering", "practice")
ID_RE = re.compile(r"^([A-Z]{2,3}[0-9]{3}|CFN-[EWI][0-9]{4})$")  # ours, or cfn-lint's kept behind CFN-
SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
# what a rule's automatic fix is: none; safe (--fix applies it); unsafe (only with
# --unsafe-fixes: it changes meaning, or leaves a placeholder to fill in); mixed (some
# findings get a safe fix, others an unsafe one)
AUTOFIX = ("", "safe", "unsafe", "mixed")


@dataclass(frozen=True)
class Edit:
    """Replace the characters [start, end) of the file's text with `text`."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Related:
    """Another place a finding concerns (the file a cross-file rule's finding names):
    SARIF `relatedLocations`."""

    path: str
    line: int
    column: int
    message: str


@dataclass
class Finding:
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    rule: str
    name: str
    category: str
    severity: str
    message: str
    fix: str | None = None
    pointer: str = ""
    edits: tuple[Edit, ...] = ()
    applicability: str | None = None   # "safe" or "unsafe" when there are edits
    secret: bool = False               # the span holds a secret: reporters mask it
    covers: tuple[str, ...] = ()       # more pointers whose cfn-lint findings this one explains
    related: tuple[Related, ...] = ()  # other files' places it concerns (cross-file rules)

    def sort_key(self) -> tuple[Any, ...]:
        return (self.path, self.line, self.column, self.rule, self.message)

    def as_dict(self) -> dict[str, Any]:
        from linter.reporters import display_path

        out: dict[str, Any] = {
            "path": display_path(self.path), "line": self.line, "column": self.column,
            "end_line": self.end_line, "end_column": self.end_column,
            "rule": self.rule, "name": self.name, "category": self.category,
            "severity": self.severity, "message": self.message, "fix": self.fix,
            "pointer": self.pointer,
        }
        if self.related:
            out["related"] = [{"path": display_path(r.path), "line": r.line, "column": r.column,
                               "message": r.message} for r in self.related]
        if self.edits:
            out["edits"] = [{"start": e.start, "end": e.end, "text": e.text,
                             "applicability": self.applicability} for e in self.edits]
        return out


@dataclass
class Embedded:
    """A document written inside a string of another (a CodeBuild project's inline
    buildspec in a template): a rule pack's `EMBEDDED_DOCUMENTS` finders name them, the
    engine lints each with its kind's rules and maps the positions back into the outer file."""

    node: Node                      # the scalar that holds the document's text
    kind: str
    label: str                      # put before each message: "inline buildspec"
    context: dict[str, Any] = field(default_factory=dict)   # seeded into the inner document's cache


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    category: str
    severity: str
    summary: str
    rationale: str
    fix: str
    kinds: tuple[str, ...] = ()            # empty: every kind
    bad: str = ""                           # an example that fires
    good: str = ""                          # the same example, fixed: stays quiet
    check: Callable[[Context], Iterable[Finding]] | None = field(default=None, compare=False)
    options: dict[str, Any] = field(default_factory=dict, compare=False)
    example_options: dict[str, Any] = field(default_factory=dict, compare=False)  # the options the examples
                                            # are linted with (a policy rule's policy); never used in a run
    url: str = ""                           # documentation elsewhere (cfn-lint's rules); else docs/rules.md
    unparsed: bool = False                  # runs only on a file that does not parse (ctx.root is None)
    autofix: str = ""                       # "", "safe", "unsafe" or "mixed": see AUTOFIX
    autofix_does: str = ""                  # what the automatic fix does, for the docs' Fixes table
    project: bool = False                   # a cross-file rule: its check gets a linter.project.ProjectContext

    def __post_init__(self) -> None:
        if not ID_RE.match(self.id):
            raise ValueError(f"rule id {self.id!r} is not two or three capitals and three digits")  # noqa: E501
        if not SLUG_RE.match(self.name):
            raise ValueError(f"rule {self.id}: slug {self.name!r} is not kebab-case")
        if self.category not in CATEGORIES:
            raise ValueError(f"rule {self.id}: unknown category {self.category!r}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"rule {self.id}: unknown severity {self.severity!r}")
        if self.autofix not in AUTOFIX:
            raise ValueError(f"rule {self.id}: autofix {self.autofix!r} is not one of {AUTOFIX}")
        if bool(self.autofix) != bool(self.autofix_does):
            raise ValueError(f"rule {self.id}: autofix and autofix_does go together")


def rule(*, id: str, name: str, category: str, severity: str, summary: str, fix: str,
         kinds: tuple[str, ...] = (), bad: str = "", good: str = "",
         options: dict[str, Any] | None = None, unparsed: bool = False,
         example_options: dict[str, Any] | None = None, autofix: str = "",
         autofix_does: str = "", project: bool = False) -> Callable[[Callable[..., Any]], Rule]:
    """Declare a rule; the decorated function's docstring is its rationale. A rule whose
    findings carry edits says so with `autofix` (their safety) and `autofix_does`. A `project`
    rule runs once per run, after every file, on what the files export (linter/project.py)."""

    def wrap(func: Callable[..., Any]) -> Rule:
        return Rule(id=id, name=name, category=category, severity=severity, summary=summary,
                    rationale=inspect.cleandoc(func.__doc__ or ""), fix=fix, kinds=kinds,
                    bad=inspect.cleandoc(bad), good=inspect.cleandoc(good), check=func,
                    options=options or {}, unparsed=unparsed, example_options=example_options or {},
                    autofix=autofix, autofix_does=autofix_does, project=project)

    return wrap


def declare(*, id: str, name: str, category: str, severity: str, summary: str, rationale: str,
            fix: str, kinds: tuple[str, ...] = (), bad: str = "", good: str = "", autofix: str = "",
            autofix_does: str = "") -> Rule:
    """A rule whose findings the engine itself makes (syntax, schema): metadata only."""
    return Rule(id=id, name=name, category=category, severity=severity, summary=summary,
                rationale=inspect.cleandoc(rationale), fix=fix, kinds=kinds,
                bad=inspect.cleandoc(bad), good=inspect.cleandoc(good), autofix=autofix,
                autofix_does=autofix_does)


class Context:
    """What a rule sees of one file, and the way it reports."""

    def __init__(self, doc: Document, rule: Rule, options: dict[str, Any] | None = None) -> None:
        self.doc = doc
        self.rule = rule
        self.options = {**rule.options, **(options or {})}

    @property
    def root(self) -> Node | None:
        return self.doc.root

    def report(self, node: Node | None, message: str, *, fix: str | None = None,
               edits: Iterable[Edit] = (), safe: bool = True, secret: bool = False,
               span: tuple[int, int, int, int] | None = None,
               severity: str | None = None) -> Finding:
        """A finding at `node` (a key node to point at the key); `fix` defaults to the rule's."""
        if span is None:
            span = (node.line, node.column, node.end_line, node.end_column) if node else (1, 1, 1, 1)
        line, col, end_line, end_col = span
        if end_line > line and node is not None and node.kind != "scalar":
            # a block collection ends where the next token starts: underline its first line only
            end_line, end_col = line, len(self.doc.lines.line_text(line)) + 1
        edits = tuple(edits)
        return Finding(
            path=self.doc.path, line=line, column=col, end_line=end_line, end_column=end_col,
            rule=self.rule.id, name=self.rule.name, category=self.rule.category,
            severity=severity or self.rule.severity, message=message,
            fix=self.rule.fix if fix is None else fix, pointer=node.pointer if node else "",
            edits=edits, applicability=("safe" if safe else "unsafe") if edits else None,
            secret=secret)

    def file_exists(self, relative: str) -> bool | None:
        """Does `relative` (to the linted file's folder) exist? None when the file has no
        folder (stdin): callers then skip the check. The question and its answer are kept
        with the result (`doc.cache["fs"]`): a cached result is reused only while every
        answer is still the same."""
        folder = self.doc.folder
        if folder is None:
            return None
        answer = os.path.exists(os.path.join(folder, relative))
        self.doc.cache.setdefault("fs", {}).setdefault("exists", {})[relative] = answer
        return answer

    def nearby_paths(self, limit: int = 5000) -> list[str]:
        """Files and folders below the linted file's folder, relative, '/'-separated. The
        listing's digest is kept with the result, as `file_exists` keeps its answers."""
        folder = self.doc.folder
        if folder is None:
            return []
        found, digest = listing(folder, limit)
        self.doc.cache.setdefault("fs", {}).setdefault("listings", {})[str(limit)] = digest
        return found

    def node_edit(self, node: Node, text: str) -> Edit:
        """Replace the source text of `node` (a scalar or a key) with `text`."""
        lines = self.doc.lines
        return Edit(lines.offset(node.line, node.column), lines.offset(node.end_line, node.end_column), text)

    def rename_key(self, key: Node, name: str) -> Edit:
        """Rename a mapping key, written in the file's own syntax (quoted in JSON; in YAML
        with the key's quoting, or plain where plain reads back the same)."""
        return self.node_edit(key, render_scalar(name, self.doc.fmt, key.style))

    def rename_edits(self, key: Node, name: str) -> list[Edit]:
        """The rename of `key` to `name`, or none when its mapping has a `name` already (the
        result would hold the key twice, and the file would parse worse)."""
        parent = self.doc.node(key.pointer.rsplit("/", 1)[0]) if key.pointer else self.doc.root
        if parent is not None and parent.is_map and any(str(k.data) == name for k, _ in parent.value):
            return []
        return [self.rename_key(key, name)]

    def replace_value(self, node: Node, value: Any) -> Edit:
        """Replace a scalar with `value` (a str, number or bool), written in the file's own
        syntax: a string keeps its quoting where it can, and is quoted where YAML would read
        the plain text as something else (`3.10`, `0644`, `yes`)."""
        return self.node_edit(node, render_scalar(value, self.doc.fmt, node.style))

    def source(self, node: Node) -> str:
        """The source text of a node, as written."""
        lines = self.doc.lines
        return self.doc.text[lines.offset(node.line, node.column):lines.offset(node.end_line, node.end_column)]

    # -- edits that add or remove a mapping entry, in the file's own syntax --------------------

    def offsets(self, node: Node) -> tuple[int, int]:
        """The character offsets [start, end) of a node's source text."""
        lines = self.doc.lines
        return lines.offset(node.line, node.column), lines.offset(node.end_line, node.end_column)

    def newline(self) -> str:
        """The file's line break (`\r\n`, `\r` or `\n`): inserted lines use it."""
        text = self.doc.text
        return "\r\n" if "\r\n" in text else "\r" if "\r" in text and "\n" not in text else "\n"

    def is_flow(self, mapping: Node) -> bool:
        """A `{...}` mapping: JSON, or YAML's flow style."""
        start, _ = self.offsets(mapping)
        return self.doc.text[start:start + 1] == "{"

    def _block_indent(self, key: Node) -> str | None:
        """The indentation before a block mapping's key, when nothing else precedes it on its line."""
        start, _ = self.offsets(key)
        line_start = self.doc.lines.offset(key.line, 1)
        indent = self.doc.text[line_start:start]
        return indent if indent.strip(" ") == "" else None

    def render_entry(self, key: str, value: Any, indent: str = "", step: str = "  ") -> str:
        """`key: value` in the file's syntax; `value` a scalar or a mapping of scalars (block
        style in YAML, below `key` at `indent` + `step`)."""
        fmt = self.doc.fmt
        k = render_scalar(key, fmt)
        if not isinstance(value, dict) or isinstance(value, _FlowMap):
            return f"{k}: {render_scalar(value, fmt)}"
        if fmt == "json":
            return f"{k}: {{" + ", ".join(f"{render_scalar(a, fmt)}: {render_scalar(b, fmt)}"
                                         for a, b in value.items()) + "}"
        nl = self.newline()
        return f"{k}:" + "".join(f"{nl}{indent}{step}{render_scalar(a, fmt)}: {render_scalar(b, fmt)}"
                                 for a, b in value.items())

    def add_entry(self, mapping: Node, key: str, value: Any) -> Edit | None:
        """Insert `key: value` as the first entry of `mapping` (a JSON object, a YAML flow or
        block mapping); None where the layout is not one this can write safely."""
        if not mapping.is_map:
            return None
        text = self.doc.text
        start, end = self.offsets(mapping)
        entries = list(mapping.value)
        if self.is_flow(mapping):
            if not entries:
                inner = text[start + 1:end - 1]
                if inner.strip() or not text[start:end].endswith("}"):
                    return None
                return Edit(start + 1, start + 1, self.render_entry(key, self._flow_value(value)))
            first, _ = self.offsets(entries[0][0])
            gap = text[start + 1:first]
            if gap.strip():
                return None  # a comment between the brace and the first key
            return Edit(first, first, self.render_entry(key, self._flow_value(value)) + "," + (gap or " "))
        if not entries:
            return None
        first, _ = self.offsets(entries[0][0])
        indent = self._block_indent(entries[0][0])
        if indent is None:
            return None
        step = self._step(mapping, indent)
        return Edit(first, first, self.render_entry(key, value, indent, step) + self.newline() + indent)

    def _flow_value(self, value: Any) -> Any:
        if isinstance(value, dict) and self.doc.fmt != "json":
            return _FlowMap(value, self.doc.fmt)
        return value

    def _step(self, mapping: Node, indent: str) -> str:
        """The indentation step of a block mapping: how much deeper its first nested block
        mapping's keys sit (two spaces when it has none)."""
        for _, value in mapping.value:
            if value.is_map and value.value and not self.is_flow(value):
                inner = self._block_indent(value.value[0][0])
                if inner is not None and len(inner) > len(indent):
                    return " " * (len(inner) - len(indent))
        return "  "

    def remove_entry(self, mapping: Node, key: Any) -> Edit | None:
        """Delete the entry `key` of `mapping` with its separator: its whole line(s) in a
        block mapping, the entry and one comma in a flow mapping or JSON object. None when
        the entry's layout is not one this can cut safely (a block value followed by more
        text on its last line, a key after other text on its line)."""
        entries = [(k, v) for k, v in mapping.value] if mapping.is_map else []
        index = next((i for i, (k, _) in enumerate(entries) if k.data == key), None)
        if index is None:
            return None
        text = self.doc.text
        k, v = entries[index]
        key_start, key_end = self.offsets(k)
        value_start, value_end = self.offsets(v)
        if self.doc.fmt != "json" and ("&" in text[key_end:value_start] or text[value_start:value_start + 1] in "&*"):
            return None  # an anchor (others may alias it) or an alias: cutting it could break the file
        if self.is_flow(mapping):
            start, end = self.offsets(mapping)
            if len(entries) == 1:
                return Edit(start + 1, end - 1, "")
            if index < len(entries) - 1:
                return Edit(key_start, self.offsets(entries[index + 1][0])[0], "")
            return Edit(self.offsets(entries[index - 1][1])[1], value_end, "")
        if self._block_indent(k) is None:
            return None
        line_start = self.doc.lines.offset(k.line, 1)
        back = value_end
        while back > 0 and text[back - 1] in " \t":
            back -= 1
        if back > 0 and text[back - 1] in "\r\n" and v.end_line > v.line:
            end = back  # a block collection or block scalar ends where the next token starts
        else:
            rest = text[value_end:]
            breaks = [i for i in (rest.find("\n"), rest.find("\r")) if i >= 0]
            tail = rest[:min(breaks)] if breaks else rest
            if tail.strip() and not tail.strip().startswith("#"):
                return None
            end = value_end + len(tail)
            end += 2 if text[end:end + 2] == "\r\n" else 1 if text[end:end + 1] in ("\n", "\r") and end < len(text) else 0
        return Edit(line_start, end, "")


# Folder listings read during one run (run() turns the memo on, then off): many files of a
# folder (a monorepo's appspecs) ask for the same listing; outside a run nothing is kept.
_LISTINGS: dict[tuple[str, int], tuple[list[str], str]] | None = None


def remember_listings(on: bool) -> None:
    global _LISTINGS
    _LISTINGS = {} if on else None


def listing(folder: str, limit: int = 5000) -> tuple[list[str], str]:
    """(files and folders below `folder`, relative and '/'-separated, at most `limit`;
    a digest of that list)."""
    memo = _LISTINGS
    if memo is not None and (folder, limit) in memo:
        return memo[(folder, limit)]
    from linter import sha256

    found: list[str] = []
    for current, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in (".git", "node_modules", ".venv", "__pycache__"))
        rel = os.path.relpath(current, folder).replace(os.sep, "/")
        prefix = "" if rel == "." else rel + "/"
        found.extend(prefix + name for name in sorted(dirs) + sorted(files))
        if len(found) >= limit:
            break
    found = found[:limit]
    out = (found, sha256("\0".join(found).encode("utf-8", "surrogatepass")).hexdigest())
    if memo is not None:
        memo[(folder, limit)] = out
    return out


def still_true(folder: str, answers: dict[str, Any]) -> bool:
    """Do the file-system questions a result depended on (`doc.cache["fs"]`, asked from
    `folder`) still get the same answers? A stat per path, a listing per limit."""
    for relative, answer in answers.get("exists", {}).items():
        if os.path.exists(os.path.join(folder, relative)) != answer:
            return False
    for limit, digest in answers.get("listings", {}).items():
        if listing(folder, int(limit))[1] != digest:
            return False
    return True


_PLAIN_SAFE = re.compile(r"[A-Za-z0-9_./<>@$~+=()][A-Za-z0-9_ ./<>@$~+=(),-]*(?<! )|-[A-Za-z0-9_./]"
                         r"[A-Za-z0-9_ ./<>@$~+=(),-]*(?<! )")


class _FlowMap(dict):
    """A mapping of scalars to write in YAML's flow style: `{a: b}`."""

    def __init__(self, value: dict, fmt: str) -> None:
        super().__init__(value)
        self.fmt = fmt


def render_scalar(value: Any, fmt: str, style: str | None = None) -> str:
    """`value` as a scalar of a JSON or YAML file (a `_FlowMap` as a flow mapping)."""
    import json

    if isinstance(value, _FlowMap):
        return "{" + ", ".join(f"{render_scalar(a, fmt)}: {render_scalar(b, fmt)}" for a, b in value.items()) + "}"

    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    text = str(value)
    if fmt == "json" or style == '"':
        return json.dumps(text, ensure_ascii=False)
    if style == "'":
        return "'" + text.replace("'", "''") + "'"
    return text if _plain_reads_as_string(text) else json.dumps(text, ensure_ascii=False)


def _plain_reads_as_string(text: str) -> bool:
    if not _PLAIN_SAFE.fullmatch(text):
        return False
    import yaml

    return yaml.resolver.Resolver().resolve(yaml.ScalarNode, text, (True, False)) == "tag:yaml.org,2002:str"
