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


@dataclass(frozen=True)
class Edit:
    """Replace the characters [start, end) of the file's text with `text`."""

    start: int
    end: int
    text: str


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
    url: str = ""                           # documentation elsewhere (cfn-lint's rules); else docs/rules.md
    unparsed: bool = False                  # runs only on a file that does not parse (ctx.root is None)

    def __post_init__(self) -> None:
        if not ID_RE.match(self.id):
            raise ValueError(f"rule id {self.id!r} is not two or three capitals and three digits")  # noqa: E501
        if not SLUG_RE.match(self.name):
            raise ValueError(f"rule {self.id}: slug {self.name!r} is not kebab-case")
        if self.category not in CATEGORIES:
            raise ValueError(f"rule {self.id}: unknown category {self.category!r}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"rule {self.id}: unknown severity {self.severity!r}")


def rule(*, id: str, name: str, category: str, severity: str, summary: str, fix: str,
         kinds: tuple[str, ...] = (), bad: str = "", good: str = "",
         options: dict[str, Any] | None = None, unparsed: bool = False) -> Callable[[Callable[..., Any]], Rule]:
    """Declare a rule; the decorated function's docstring is its rationale."""

    def wrap(func: Callable[..., Any]) -> Rule:
        return Rule(id=id, name=name, category=category, severity=severity, summary=summary,
                    rationale=inspect.cleandoc(func.__doc__ or ""), fix=fix, kinds=kinds,
                    bad=inspect.cleandoc(bad), good=inspect.cleandoc(good), check=func,
                    options=options or {}, unparsed=unparsed)

    return wrap


def declare(*, id: str, name: str, category: str, severity: str, summary: str, rationale: str,
            fix: str, kinds: tuple[str, ...] = (), bad: str = "", good: str = "") -> Rule:
    """A rule whose findings the engine itself makes (syntax, schema): metadata only."""
    return Rule(id=id, name=name, category=category, severity=severity, summary=summary,
                rationale=inspect.cleandoc(rationale), fix=fix, kinds=kinds,
                bad=inspect.cleandoc(bad), good=inspect.cleandoc(good))


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

    def replace_value(self, node: Node, value: Any) -> Edit:
        """Replace a scalar with `value` (a str, number or bool), written in the file's own
        syntax: a string keeps its quoting where it can, and is quoted where YAML would read
        the plain text as something else (`3.10`, `0644`, `yes`)."""
        return self.node_edit(node, render_scalar(value, self.doc.fmt, node.style))

    def source(self, node: Node) -> str:
        """The source text of a node, as written."""
        lines = self.doc.lines
        return self.doc.text[lines.offset(node.line, node.column):lines.offset(node.end_line, node.end_column)]


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
    import hashlib

    found: list[str] = []
    for current, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in (".git", "node_modules", ".venv", "__pycache__"))
        rel = os.path.relpath(current, folder).replace(os.sep, "/")
        prefix = "" if rel == "." else rel + "/"
        found.extend(prefix + name for name in sorted(dirs) + sorted(files))
        if len(found) >= limit:
            break
    found = found[:limit]
    out = (found, hashlib.sha256("\0".join(found).encode("utf-8", "surrogatepass")).hexdigest())
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


def render_scalar(value: Any, fmt: str, style: str | None = None) -> str:
    """`value` as a scalar of a JSON or YAML file."""
    import json

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
