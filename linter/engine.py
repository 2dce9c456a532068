"""Per file: read -> decode -> parse once -> kind -> schema -> rules -> filter -> suppress -> sort."""

from __future__ import annotations

import contextlib
import fnmatch
import os
import signal
import threading
import traceback
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from linter import registry as registry_mod
from linter.cfn import merge
from linter.document import Document, LineIndex
from linter.gitignore import GitIgnore, work_tree
from linter.json_loader import load_json, repair_json
from linter.kinds import kind_by_content, kind_by_hint, kind_by_name, might_be_ours
from linter.masking import mask_text, merge_spans, raw_masks, redact_tokens, redact_values, secret_nodes
from linter.rule import Context, Edit, Finding, Rule
from linter.schema_findings import schema_findings
from linter.suppress import apply_suppressions
from linter.syntax import ParseIssue

SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", ".venv", ".tox", ".nox", "__pycache__",
             ".mypy_cache", ".pytest_cache", ".ruff_cache", ".aws-sam", "cdk.out", ".terraform",
             ".serverless", "site-packages", ".idea", ".vscode", ".pipelint_cache"}
LINTABLE = (".yml", ".yaml", ".json", ".template")


@dataclass
class Settings:
    """What the configuration and the command line decide for a run."""

    kind: str | None = None
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    severity: dict[str, str] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)
    rule_options: dict[str, dict[str, object]] = field(default_factory=dict)
    skip_unknown: bool = False
    cfn_regions: list[str] = field(default_factory=list)     # passed to cfn-lint
    cfn_ignore: list[str] = field(default_factory=list)      # cfn-lint checks to turn off (E3012, W)
    root: str | None = None  # the folder exclude and per-file-ignores patterns are relative to
                             # (the config file's); None: the current folder
    max_file_size: int = 10 * 1024 * 1024                    # bytes; larger files are not parsed
    time_limit: float = 60.0                                 # CPU seconds for one file's checks (0: none)


@dataclass
class FileResult:
    """One file's findings, with what front ends need to show them safely."""

    path: str
    findings: list[Finding]
    text: str | None = None                                   # the decoded text (None: unreadable)
    masks: list[tuple[int, int]] = field(default_factory=list)  # character spans holding secrets
    bom: bool = False
    volatile: bool = False   # depends on time (a time limit) or failed (an internal error): never cached
    depends: dict | None = None  # the file-system questions it depended on and their answers (rule.still_true)
    exports: dict | None = None  # what the file offers other files (the packs' EXPORTS), for the project pass

    def masked_text(self) -> str | None:
        return mask_text(self.text, self.masks) if self.text is not None else None


def matches(rule: Rule, codes: Iterable[str]) -> bool:
    """A code names a rule by id, id prefix (`BS`, `BS1`) or slug; `ALL` names every rule."""
    for code in codes:
        code = code.strip()
        if not code:
            continue
        if code.upper() == "ALL" or rule.id.startswith(code.upper()) or code == rule.name:
            return True
    return False


class Linter:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.registry = registry_mod.load()
        self.rules = self.registry.rules
        self.active_kinds = self.registry.kinds_with_rules() | {"cloudformation"}
        self._cfn = None  # cfn-lint, loaded at the first template
        self._by_kind: dict[tuple[str, bool, int], list[Rule]] = {}

    def cfn(self):  # noqa: ANN201 - linter.cfn.CfnLint, imported lazily
        if self._cfn is None:
            from linter.cfn import CfnLint

            self._cfn = CfnLint(self.settings.cfn_regions, self.settings.cfn_ignore)
        return self._cfn

    def enabled(self, rule: Rule, path: str) -> bool:
        s = self.settings
        if s.select and not matches(rule, s.select):
            return False
        if matches(rule, s.ignore):
            return False
        if s.per_file_ignores:
            rel = self.relative(path)
            for pattern, codes in s.per_file_ignores.items():
                if rel is not None and _glob_match(rel, pattern) and matches(rule, codes):
                    return False
        return True

    def relative(self, path: str) -> str | None:
        """`path` relative to the settings' root, where config patterns apply; None outside it."""
        root = self.settings.root
        if root is None:
            return path
        try:
            rel = os.path.relpath(os.path.abspath(path), root)
        except ValueError:  # another drive (Windows)
            return None
        return None if rel == ".." or rel.startswith(".." + os.sep) else rel

    def _cfn_wanted(self, path: str) -> bool:
        """Run cfn-lint unless no CFN-* finding could be kept: `--ignore CFN`, or a selection
        without CFN (then cfn-lint is never imported). Its findings are filtered one by one."""
        s = self.settings
        wants = lambda code: code.strip().upper() in ("ALL", "CFN", "CFN-") or code.strip().upper().startswith("CFN")  # noqa: E731
        if s.select and not any(wants(c) for c in s.select):
            return False
        off = lambda codes: any(c.strip().upper() in ("CFN", "CFN-", "ALL") for c in codes)  # noqa: E731
        if off(s.ignore):
            return False
        rel = self.relative(path)
        return not any(rel is not None and _glob_match(rel, pattern) and off(codes)
                       for pattern, codes in s.per_file_ignores.items())

    def excluded(self, path: str) -> bool:
        if not self.settings.exclude:
            return False
        rel = self.relative(path)
        return rel is not None and any(_glob_match(rel, pattern) for pattern in self.settings.exclude)

    # -- one file ---------------------------------------------------------------
    def lint_bytes(self, path: str, data: bytes, explicit: bool = True,
                   folder: str | None = None) -> list[Finding] | None:
        """Findings for one file, or None when it is of no kind pipelint lints."""
        result = self.lint_file(path, data, explicit, folder)
        return result.findings if result is not None else None

    def lint_file(self, path: str, data: bytes, explicit: bool = True,
                  folder: str | None = None) -> FileResult | None:
        """One file's result, or None when it is of no kind pipelint lints.

        `folder` is where the file lies on disk, for the rules that check the files it
        names (None for stdin: those checks are skipped)."""
        try:
            with time_limit(self.settings.time_limit):
                return self._lint(path, data, explicit, folder)
        except TimeBudget:
            return self._over_time(path, data, "none of its findings are reported")
        except Exception as exc:  # never let one file stop the run, never show a traceback
            where = traceback.extract_tb(exc.__traceback__)[-1]
            rule = self.rules["PL005"]
            text, _ = decode(data)
            message = redact_tokens(f"internal error while linting this file: {type(exc).__name__}: {exc} "
                                    f"(at {os.path.basename(where.filename)}:{where.lineno}); please report it")
            return FileResult(path, [Finding(path, 1, 1, 1, 1, rule.id, rule.name, rule.category, rule.severity,
                                             message, rule.fix)], text, raw_masks(text or ""), volatile=True)

    def _over_time(self, path: str, data: bytes, what: str) -> FileResult:
        text, _ = decode(data)
        return FileResult(path, [self._time_finding(path, what)], text, raw_masks(text or ""), volatile=True)

    def _time_finding(self, path: str, what: str) -> Finding:
        rule = self.rules["PL011"]
        return Finding(path, 1, 1, 1, 1, rule.id, rule.name, rule.category, rule.severity,
                       f"the checks of this file ran past the time limit of {self.settings.time_limit:g} s of CPU and "
                       f"were stopped: {what}", rule.fix)

    def _issue(self, path: str, issue: ParseIssue) -> Finding:
        rule = self.rules[issue.rule]
        return Finding(path, issue.line, issue.column, issue.end_line, issue.end_column, rule.id,
                       rule.name, rule.category, rule.severity, issue.message,
                       issue.fix if issue.fix is not None else rule.fix, issue.pointer)

    def _lint(self, path: str, data: bytes, explicit: bool, folder: str | None) -> FileResult | None:
        text, problem = decode(data)
        kind = self.settings.kind or kind_by_name(path)
        bom = data.startswith(b"\xef\xbb\xbf")
        if text is None:
            if kind is None and not explicit:
                return None
            return self._finish(path, [self._issue(path, problem)], None, bom=bom)
        if len(data) > self.settings.max_file_size:
            if kind is None and not explicit and kind_by_hint(path, text[:65536]) is None:
                return None
            rule = self.rules["PL009"]
            limit = self.settings.max_file_size
            return self._finish(path, [Finding(
                path, 1, 1, 1, 1, rule.id, rule.name, rule.category, rule.severity,
                f"the file is {_size(len(data))}, over pipelint's limit of {_size(limit)} for one file "
                "(CloudFormation itself takes templates of at most 1 MB); it was not parsed or checked",
                rule.fix)], text, bom=bom)
        if kind is None and not explicit and not might_be_ours(path, text):
            return None  # found in a walk, and no kind could be read in it: not parsed at all
        fmt = file_format(path, text)
        root, issues = load_json(text) if fmt == "json" else _load_yaml(text)
        doc = Document(path=path, text=text, kind=kind, fmt=fmt, root=root, folder=folder)
        if kind is None and root is not None:
            kind = doc.kind = kind_by_content(path, root.data)
        if kind is None and root is None and issues:
            kind = doc.kind = kind_by_hint(path, text)  # a syntax error must not hide one of our files
            if kind is None and (not explicit or self.settings.skip_unknown):
                return None
        if kind is None or kind not in self.active_kinds:
            if explicit and not self.settings.skip_unknown and kind is None:
                if issues and issues[0].rule == "PL001":
                    return self._finish(path, [self._issue(path, i) for i in issues], text, bom=bom)
                rule = self.rules["PL004"]
                return self._finish(path, [Context(doc, rule).report(
                    None, "pipelint does not recognise this file as a buildspec, appspec, "
                    "pipeline, template, policy or task definition; nothing was checked")], text, bom=bom)
            return None
        findings = [self._issue(path, i) for i in issues]
        if root is None:
            if not issues:
                findings.append(Context(doc, self.rules["PL007"]).report(
                    None, "the file is empty (or holds only comments)"))
                return self._finish(path, findings, text, bom=bom)
            # it does not parse: the rules that read raw text (secrets) still run, and a JSON
            # file that one standard repair makes readable is linted as repaired
            findings += self._check(doc, kind, path, unparsed=True)
            repaired = repair_json(text, issues[0]) if fmt == "json" else None
            if repaired is not None:
                findings += self._repaired(path, repaired, kind, folder, findings, doc)
            return self._finish(path, findings, text, bom=bom, depends=doc.cache.get("fs"))
        if not isinstance(root.data, dict):
            what = {list: "a list", str: "a text"}.get(type(root.data), "a single value")
            findings.append(Context(doc, self.rules["PL008"]).report(
                root, f"{_NOUN.get(kind, kind)} holds a mapping at its top level; this file holds {what}"))
            return self._finish(path, findings, text, doc, bom=bom)
        findings.extend(self._check(doc, kind, path))
        findings.extend(self._embedded(doc, path))
        if kind == "cloudformation" and self._cfn_wanted(path):
            # our tree is done with before cfn-lint builds its own: what _finish needs of it
            # (the secrets' spans; merge keeps every finding of ours) is worked out now, so a
            # 6,000-resource template never holds both trees (37 MiB of ours) at once
            exports = self.exports(doc, kind)
            secrets = _secret_spans(findings, text, doc)
            state = {k: doc.cache[k] for k in ("volatile", "fs") if k in doc.cache}
            data = root.data
            del doc, root
            cfn = self.cfn()
            try:
                theirs = cfn.findings(path, text, data, fmt)
            except TimeBudget:  # keep pipelint's own findings; say what did not run
                theirs = [self._time_finding(path, "cfn-lint's checks did not finish (pipelint's own rules ran)")]
                state["volatile"] = True
            for finding in theirs:
                if finding.rule not in self.rules:
                    self.rules[finding.rule] = cfn.meta.get(finding.rule) or self.rules["CF001"]
            result = self._finish(path, merge(findings, theirs, data), text, bom=bom, secrets=secrets, state=state)
        else:
            result = self._finish(path, findings, text, doc, bom=bom)
            exports = self.exports(doc, kind)
        result.exports = exports
        return result

    def exports(self, doc: Document, kind: str) -> dict:
        """What a parsed file offers other files: the packs' EXPORTS for its kind, merged
        (small, JSON-able, with positions), for the project pass (linter/project.py)."""
        out: dict = {"kind": kind}
        for exporter in self.registry.exports.get(kind, ()):
            try:
                out.update(exporter(doc) or {})
            except Exception:  # noqa: BLE001 - a file whose exports fail is unknown to the project pass
                out["incomplete"] = True
        return out

    def exports_of(self, path: str, data: bytes, folder: str | None = None) -> dict | None:
        """A file's exports without its checks (the project pass, for a file the run does
        not name): decode, parse, kind, exports; None when it is none of ours or unreadable."""
        text, _ = decode(data)
        if text is None or len(data) > self.settings.max_file_size or not might_be_ours(path, text):
            return None
        fmt = file_format(path, text)
        try:
            with time_limit(self.settings.time_limit):
                root, _ = load_json(text) if fmt == "json" else _load_yaml(text)
                if root is None or not root.is_map:
                    return None
                kind = kind_by_name(path) or kind_by_content(path, root.data)
                if kind is None:
                    return None
                return self.exports(Document(path=path, text=text, kind=kind, fmt=fmt, root=root, folder=folder),
                                    kind)
        except (TimeBudget, Exception):  # noqa: BLE001 - unknown to the project pass, never a traceback
            return None

    def _repaired(self, path: str, repaired: tuple[str, str], kind: str, folder: str | None,
                  found: list[Finding], outer: Document) -> list[Finding]:
        """The findings of the file as one repair reads it (same length, so same positions),
        each saying so; secrets already found in the raw text are not reported twice."""
        text, how = repaired
        root, issues = load_json(text)
        if root is None or issues or not root.is_map:
            return []
        kind = self.settings.kind or kind_by_name(path) or kind_by_content(path, root.data) or kind
        if kind is None:
            return []
        doc = Document(path=path, text=text, kind=kind, fmt="json", root=root, folder=folder)
        doc.cache["fs"] = outer.cache.setdefault("fs", {})  # what its rules ask of the disk is the file's
        out = []
        secret_lines = {f.line for f in found if f.secret}
        for f in self._check(doc, kind, path):
            if f.secret and f.line in secret_lines:
                continue
            f.message += f" (read as if {how})"
            f.edits, f.applicability = (), None
            out.append(f)
        return out

    def _check(self, doc: Document, kind: str, path: str, unparsed: bool = False) -> list[Finding]:
        """The schema's and the rules' findings for a parsed document of a known kind; with
        `unparsed`, the findings of the rules that read the text of a file that does not parse."""
        findings: list[Finding] = []
        from_schema: list[Finding] = []
        for binding in self.registry.schemas if not unparsed else ():
            if binding.kind == kind:
                from_schema.extend(schema_findings(doc, binding, self.rules))
        for rule in self._checks(kind, unparsed):
            if not self.enabled(rule, path) and rule.category != "secrets":
                continue  # secrets rules always run: what they find is masked in every output
            ctx = Context(doc, rule, self.settings.rule_options.get(rule.id))
            try:
                findings.extend(rule.check(ctx) or ())
            except Exception as exc:
                where = traceback.extract_tb(exc.__traceback__)[-1]
                internal = self.rules["PL005"]
                findings.append(Context(doc, internal).report(
                    None, f"internal error in rule {rule.id} ({rule.name}): {type(exc).__name__}: {exc} "
                    f"(at {os.path.basename(where.filename)}:{where.lineno}); the other rules ran; "
                    "please report it"))
        # One root cause, one finding: where a rule already reports a key or value, the
        # schema's generic finding at the same place is dropped.
        at = {(f.line, f.column, f.pointer) for f in findings}
        findings.extend(f for f in from_schema if (f.line, f.column, f.pointer) not in at)
        return findings

    def _checks(self, kind: str, unparsed: bool) -> list[Rule]:
        """The rules with a check for this kind, in registry order (worked out once per kind;
        again if rules were added)."""
        key = (kind, unparsed, len(self.rules))
        found = self._by_kind.get(key)
        if found is None:
            found = self._by_kind[key] = [
                rule for rule in self.rules.values()
                if rule.check is not None and not rule.project and (not rule.kinds or kind in rule.kinds)
                and rule.unparsed == unparsed]
        return found

    def _embedded(self, doc: Document, path: str) -> list[Finding]:
        """The findings of the documents written inside this one's strings (the packs'
        EMBEDDED_DOCUMENTS finders name them), at the lines of the outer file."""
        out: list[Finding] = []
        for finder in self.registry.embedded:
            for found in finder(doc):
                node = found.node
                inner_root, issues = _load_yaml(node.data)
                inner = Document(path=path, text=node.data, kind=found.kind, fmt="yaml", root=inner_root)
                inner.cache.update(found.context)
                findings = [self._issue(path, i) for i in issues]
                if inner_root is not None and inner_root.is_map:
                    findings += self._check(inner, found.kind, path)
                block = node.style in ("|", ">")
                indent = 0
                if block:
                    first = doc.lines.line_text(node.line + 1)
                    indent = len(first) - len(first.lstrip(" "))
                for f in findings:
                    if block:
                        f.line, f.end_line = node.line + f.line, node.line + f.end_line
                        f.column, f.end_column = f.column + indent, f.end_column + indent
                    else:  # a quoted string: its escapes do not map, so point at the string
                        f.line, f.column, f.end_line, f.end_column = (node.line, node.column, node.end_line,
                                                                      node.end_column)
                    f.pointer = node.pointer + f.pointer
                    f.message = f"{found.label}: {f.message}"
                    f.edits, f.applicability = (), None  # offsets are the inner text's
                    out.append(f)
        return out

    def _finish(self, path: str, findings: list[Finding], text: str | None, doc: Document | None = None,
                bom: bool = False, depends: dict | None = None,
                secrets: tuple[list[tuple[int, int]], list[str]] | None = None,
                state: dict | None = None) -> FileResult:
        """`secrets` and `state` (the document's "volatile" and "fs" entries) stand for a
        document already released (a template's, before cfn-lint ran)."""
        # Secrets first, before anything is filtered or suppressed: whatever any secrets
        # rule found (selected or not) is masked in every snippet and redacted from every
        # message, whoever wrote the message (cfn-lint quotes raw values).
        masks, values = secrets if secrets is not None else _secret_spans(findings, text, doc)
        if doc is not None:
            state = doc.cache
        if text:
            masks += raw_masks(text)  # token-shaped strings anywhere, even where no rule looks
        masks = merge_spans(masks)
        for f in findings:
            f.message = redact_values(f.message, values)
            if f.fix:
                f.fix = redact_values(f.fix, values)
            if f.edits and text is not None and any(_leaks(e, text, masks, values) for e in f.edits):
                f.edits, f.applicability = (), None  # an edit that would show or move a secret
        findings = [f for f in findings if self.enabled(self.rules[f.rule], path) or f.rule == "PL005"]
        unused_rule = self.rules["PL006"]
        findings = apply_suppressions(path, text or "", findings, self.rules,
                                      unused_rule if self.enabled(unused_rule, path) else None,
                                      lambda r: self.enabled(r, path) and not r.project)
        for finding in findings:
            override = self.settings.severity.get(finding.rule) or self.settings.severity.get(finding.name)
            if override:
                finding.severity = override
        findings.sort(key=Finding.sort_key)
        volatile = state is not None and bool(state.get("volatile")) or any(f.rule == "PL005" for f in findings)
        if state is not None and depends is None:
            depends = state.get("fs")
        return FileResult(path, findings, text, masks, bom, volatile, depends or None)

    # -- many files -------------------------------------------------------------
    def discover(self, paths: Iterable[str]) -> Iterable[tuple[str, bool]]:
        """(path, named explicitly) for every file to lint, in a stable order."""
        for path in paths:
            if os.path.isdir(path):
                top = work_tree(path)
                ignore = GitIgnore(top) if top else None  # .gitignore, read by us, never by git
                for folder, dirs, files in os.walk(path):
                    dirs[:] = sorted(d for d in dirs if not skip_dir(folder, d)
                                     and not self.excluded(_rel(os.path.join(folder, d)))
                                     and not (ignore and ignore.ignored(os.path.join(folder, d), True)))
                    for name in sorted(files):
                        full = os.path.join(folder, name)
                        # a link is not followed in a walk: its target, when inside the
                        # paths given, is linted where it lies; outside them, not at all
                        if name.lower().endswith(LINTABLE) and not self.excluded(_rel(full)) \
                                and not os.path.islink(full) and not (ignore and ignore.ignored(full, False)):
                            yield full, False
            else:
                if not self.excluded(_rel(path)):
                    yield path, True


class TimeBudget(BaseException):
    """Raised in the middle of a file's checks when its time limit is up (a BaseException,
    so that no rule's `except Exception` swallows it)."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise TimeBudget after `seconds` of CPU time (0: no limit). CPU time, not wall time,
    so a busy machine or a run with several workers does not stop a file early (the largest
    template CloudFormation takes, 1 MB, needs under 50 s). Works where SIGPROF does (POSIX,
    the main thread: the command line and its worker processes); elsewhere there is no limit."""
    usable = seconds and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise TimeBudget

    previous = signal.signal(signal.SIGPROF, expire)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def _size(n: int) -> str:
    return f"{n / 1048576:.1f} MB" if n >= 1048576 else f"{n / 1024:.0f} KB"


def _unquoted(text: str, start: int, end: int) -> tuple[int, int]:
    """A span without the quotes around it: the mask covers the value, not its syntax."""
    if end - start >= 2 and text[start] in "'\"" and text[end - 1] == text[start]:
        return start + 1, end - 1
    return start, end


def _leaks(edit: Edit, text: str, masks: list[tuple[int, int]], values: list[str]) -> bool:
    """Would `edit` show or move a secret? It may replace a whole secret (deleting it, or
    writing a placeholder in its place), never cut into one or write one anywhere."""
    for start, end in masks:
        if edit.start < end and start < max(edit.end, edit.start + 1):
            if not edit.start <= start < end <= edit.end:
                return True
            secret = text[start:end].strip().strip("\"'").strip()
            if len(secret) >= 4 and secret in edit.text:
                return True
    return any(v in edit.text for v in values)


def _secret_spans(findings: list[Finding], text: str | None,
                  doc: Document | None) -> tuple[list[tuple[int, int]], list[str]]:
    """(character spans, secret values) of every secret finding."""
    if text is None:
        return [], []
    spans: list[tuple[int, int]] = []
    values: set[str] = set()
    lines = doc.lines if doc is not None else LineIndex(text)
    for f in findings:
        if not f.secret:
            continue
        start, end = _unquoted(text, lines.offset(f.line, f.column), lines.offset(f.end_line, f.end_column))
        if end <= start:
            continue
        spans.append((start, end))
        values.add(text[start:end].strip().strip("\"'").strip())
        node = doc.node(f.pointer) if doc is not None and f.pointer else None
        if node is not None and node.is_scalar and isinstance(node.data, str) and \
                (node.line, node.column) == (f.line, f.column):
            values.add(node.data.strip())
    if doc is not None:
        for node in secret_nodes(doc.root):
            start, end = _unquoted(text, lines.offset(node.line, node.column),
                                   lines.offset(node.end_line, node.end_column))
            if end > start:
                spans.append((start, end))
                values.add(str(node.data).strip())
    return spans, sorted((v for v in values if len(v) >= 4), key=len, reverse=True)


_NOUN = {"buildspec": "a buildspec", "appspec": "an appspec", "pipeline": "a pipeline declaration",
         "cloudformation": "a template", "iam-policy": "a policy document",
         "task-definition": "a task definition"}


def _load_yaml(text: str):  # noqa: ANN202 - the import is deferred until a YAML file needs it
    from linter.yaml_loader import load_yaml

    return load_yaml(text)


def skip_dir(folder: str, name: str) -> bool:
    if name in SKIP_DIRS or name.endswith(".egg-info"):
        return True
    if "{{" in name and "}}" in name:
        # a project generator's template (cookiecutter's `{{cookiecutter.project_name}}`,
        # copier's): its files are Jinja until rendered, not the configuration they become
        return True
    inside = os.path.join(folder, name)
    # a virtualenv, or a cache folder (ours under PIPELINT_CACHE_DIR, any tool's), whatever its name
    return os.path.exists(os.path.join(inside, "pyvenv.cfg")) or os.path.exists(os.path.join(inside, "CACHEDIR.TAG"))


def _rel(path: str) -> str:
    return os.path.normpath(path).replace(os.sep, "/")


def _glob_match(path: str, pattern: str) -> bool:
    """.gitignore-like: `name` matches at any depth, `/name` and `dir/name` from the top."""
    path = _rel(path)
    pattern = pattern.rstrip("/")
    if pattern.startswith("/"):
        pattern = pattern.lstrip("/")
        return fnmatch.fnmatch(path, pattern) or fnmatch.fnmatch(path, pattern + "/*")
    if fnmatch.fnmatch(path, pattern) or fnmatch.fnmatch(path, pattern + "/*"):
        return True
    # a pattern without a slash matches a name at any depth, as in .gitignore
    if "/" not in pattern:
        return any(fnmatch.fnmatch(part, pattern) for part in path.split("/"))
    return fnmatch.fnmatch(path, "*/" + pattern) or fnmatch.fnmatch(path, "*/" + pattern + "/*")


def decode(data: bytes) -> tuple[str | None, ParseIssue | None]:
    """Bytes -> text (UTF-8, with or without BOM); or None and the problem."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, ParseIssue("PL003", "the file is UTF-16 encoded; pipelint reads UTF-8", 1, 1, 1, 1,
                                fix="save the file as UTF-8")
    if b"\x00" in data[:8192]:
        return None, ParseIssue("PL003", "binary file: it holds NUL bytes, so it is not YAML or JSON text",
                                1, 1, 1, 1, fix="lint only text files")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        before = data[:exc.start].decode("utf-8", "replace")
        line, column = LineIndex(before).position(len(before))
        return None, ParseIssue(
            "PL003", f"the file is not valid UTF-8: byte {data[exc.start]:#04x} cannot be decoded",
            line, column, line, column + 1, fix="save the file as UTF-8")


def file_format(path: str, text: str) -> str:
    ext = os.path.splitext(path)[1].lower()
    if ext == ".json":
        return "json"
    if ext in (".yml", ".yaml"):
        return "yaml"
    return "json" if text.lstrip()[:1] in ("{", "[") else "yaml"
