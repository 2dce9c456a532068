"""The language server proper (pygls 2): buffers in, diagnostics, code actions and hovers out.

Thin over the run API: a buffer is linted by linter.run.lint_text with the settings
linter.run.settings_for finds from the workspace folder, fixed by linter.run.fix_text,
parsed (for hovers) by linter.run.parse_text. One Linter lives as long as the server, so
cfn-lint is loaded once. Lints run on the event loop's thread, one at a time: that is the
main thread, where the engine's CPU time limit works, and cfn-lint is never run from two
threads at once.

Cross-file findings (the XF rules of the project pass, linter/project.py): each workspace
folder is a repository to the project pass, run through linter.project.project_findings
over the folder's files with the open buffers' texts in place of the disk's (exports kept
between passes, so a pass after one change parses one file). A finding is published in
the file it sits in, open or not, with the other files as relatedInformation; each open
related file gets an information diagnostic pointing back. A pass runs after an open
buffer is linted (so debounced as typing is), after a save, and after the client reports
a watched file changed; the files whose project diagnostics changed are published again
(per-file and project diagnostics merged per URI; an empty list clears).

Sync is Full: pygls applies incremental changes through str.splitlines, which also breaks
lines at characters LSP does not (U+2028, U+0085, form feeds), and would put an edit of a
buffer holding one in the wrong place.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import traceback
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlparse

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from linter import __version__, rule_url
from linter.config import FILES as CONFIG_FILES
from linter.config import ConfigError
from linter.engine import LINTABLE, FileResult, Linter, Settings
from linter.masking import redact_tokens
from linter.registry import RegistryError
from linter.project import ExportsMemo, ProjectResult, project_findings
from linter.rule import Finding, Related
from linter.run import fix_text, lint_text, parse_text, settings_for, use_settings
from linter.server.positions import UTF16, Positions

DEBOUNCE = 0.3          # seconds: a change within this time of the last one waits for typing to pause
WATCHED_DEBOUNCE = 0.1  # seconds: files changed on disk wait this long for the rest of their burst
SOURCE = "pipelint"
FIX_ALL = "source.fixAll.pipelint"
SEVERITY = {"error": lsp.DiagnosticSeverity.Error, "warning": lsp.DiagnosticSeverity.Warning,
            "info": lsp.DiagnosticSeverity.Information}
YAML_SUFFIXES = (".yml", ".yaml", ".template")

log = logging.getLogger("pipelint.server")


@dataclass
class Linted:
    """What the last lint of one buffer gave: the text it read, and its result."""

    version: int | None
    text: str
    path: str
    result: FileResult | None
    positions: Positions
    _doc: Any = None

    def document(self):  # noqa: ANN201 - the parsed Document, or None when it does not parse
        """The buffer's parsed tree (for hovers and comments), parsed once per text."""
        if self._doc is None:
            self._doc = parse_text(self.path, self.text) or False
        return self._doc or None


@dataclass
class Project:
    """A workspace folder's project pass: what it found last, and the exports it keeps."""

    root: str
    memo: ExportsMemo
    result: ProjectResult | None = None
    pending: asyncio.Task | None = None
    said: str | None = None       # the last reason it was skipped, logged once


class PipelintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("pipelint", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Full)
        self.linter: Linter | None = None
        self.settings: dict[str, Settings] = {}     # workspace folder -> its settings
        self.linted: dict[str, Linted] = {}         # uri -> the last lint of that buffer
        self.pending: dict[str, asyncio.Task] = {}  # uri -> its debounced lint
        self.last_change: dict[str, float] = {}
        self.stale: set[str] = set()                # uris to lint again though their text is the same
        self.projects: dict[str, Project] = {}      # workspace folder -> its project pass
        self.shown: dict[str, list[lsp.Diagnostic]] = {}  # uri -> the project diagnostics last published there

    # -- messages to the client ------------------------------------------------------------
    def log(self, message: str, kind: lsp.MessageType = lsp.MessageType.Info) -> None:
        message = redact_tokens(message)  # an exception's text may quote the buffer
        try:
            self.window_log_message(lsp.LogMessageParams(kind, f"pipelint: {message}"))
        except Exception:  # no client to tell (shutting down)
            log.warning("%s", message)

    def encoding(self) -> str:
        try:
            return str(self.workspace.position_encoding or UTF16)
        except Exception:
            return UTF16

    # -- settings ------------------------------------------------------------------------------
    def folder_of(self, path: str | None) -> str | None:
        """The workspace folder holding `path` (the deepest), where configuration is
        searched from as `pipelint check` run there would; else the file's own folder."""
        folders = []
        try:
            folders = [to_fs_path(f.uri) for f in self.workspace.folders.values()]
            if self.workspace.root_path:
                folders.append(self.workspace.root_path)
        except Exception:
            pass
        if path is None:
            return folders[0] if folders else None
        inside = [f for f in folders if f and (path == f or path.startswith(f.rstrip(os.sep) + os.sep))]
        return max(inside, key=len) if inside else os.path.dirname(path)

    def roots(self) -> list[str]:
        """The workspace folders: the repositories of the project pass."""
        out: list[str] = []
        try:
            out = [to_fs_path(f.uri) for f in self.workspace.folders.values()]
            if self.workspace.root_path:
                out.append(self.workspace.root_path)
        except Exception:
            pass
        return sorted({os.path.abspath(f) for f in out if f and os.path.isdir(f)})

    def root_of(self, path: str) -> str | None:
        inside = [r for r in self.roots() if path.startswith(r.rstrip(os.sep) + os.sep)]
        return max(inside, key=len) if inside else None

    def linter_for(self, path: str | None) -> Linter:
        folder = self.folder_of(path) or os.getcwd()
        settings = self.settings.get(folder)
        if settings is None:
            try:
                settings, _ = settings_for(cwd=folder)
            except (ConfigError, RegistryError) as exc:
                self.window_show_message(lsp.ShowMessageParams(
                    lsp.MessageType.Error, f"pipelint: {exc}; linting with the default settings until it is fixed"))
                settings = Settings()
            self.settings[folder] = settings
        if self.linter is None:
            self.linter = Linter(settings)
        else:
            use_settings(self.linter, settings)
        return self.linter

    def reload(self, why: str) -> None:
        self.settings.clear()
        self.log(f"configuration reloaded ({why})")
        roots = self.roots()
        for root in list(self.projects):  # exports depend on the settings: read again; results stay until then
            if root in roots:
                self.projects[root].memo = self.memo_for(root)
                self.projects[root].said = None
            else:
                del self.projects[root]
        for uri in list(self.linted):
            self.relint(uri)
        for root in roots:
            self.schedule_project(root)
        for uri in list(self.shown):  # files of a folder no longer in the workspace
            if self.root_of(path_of(uri)[0]) is None:
                self.shown.pop(uri, None)
                self.publish(uri)

    def relint(self, uri: str) -> None:
        """Lint `uri` again now, though its text has not changed (what it depends on has)."""
        self.stale.add(uri)
        self.schedule(uri, 0)

    # -- linting -------------------------------------------------------------------------------
    def lint(self, uri: str) -> Linted | None:
        """Lint the buffer as it is now; None when the editor holds no such buffer."""
        if not self.is_open(uri):
            return None  # pygls would read a closed file from disk: its per-file findings are not shown
        try:
            doc = self.workspace.get_text_document(uri)
            text = doc.source
        except Exception:
            return None
        known = self.linted.get(uri)
        if known is not None and known.version == doc.version and known.text == text and uri not in self.stale:
            return known
        self.stale.discard(uri)
        path, folder = path_of(uri)
        try:
            linter = self.linter_for(path if folder else None)
            result = lint_text(linter, path, text, folder)
        except Exception as exc:  # the engine catches a file's errors; this is the last line
            self.log(f"internal error while linting {path}: {_error(exc)}; please report it", lsp.MessageType.Error)
            result = None
        linted = Linted(doc.version, text, path, result, Positions(text, self.encoding()))
        self.linted[uri] = linted
        return linted

    def is_open(self, uri: str) -> bool:
        try:
            return unquote(uri) in self.workspace.text_documents
        except Exception:
            return False

    def publish(self, uri: str) -> None:
        """The buffer's own diagnostics (when it is open) and the project's, in one list."""
        linted = self.lint(uri)
        findings = linted.result.findings if linted is not None and linted.result is not None else []
        deferred = self.deferred(path_of(uri)[0])
        diagnostics = [self.diagnostic(f, linted.positions) for f in findings if (f.path, f.rule) not in deferred]
        project = self.project_diagnostics(uri)
        if project:
            self.shown[uri] = project
        else:
            self.shown.pop(uri, None)
        self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
            uri, diagnostics + project, linted.version if linted is not None else None))

    def schedule(self, uri: str, delay: float) -> None:
        """Lint `uri` after `delay` seconds, in place of a lint already waiting (the stale one)."""
        waiting = self.pending.pop(uri, None)
        if waiting is not None:
            waiting.cancel()
        self.pending[uri] = asyncio.get_running_loop().create_task(self._later(uri, delay))

    async def _later(self, uri: str, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        if self.pending.get(uri) is asyncio.current_task():
            del self.pending[uri]
        root = self.root_of(path_of(uri)[0]) if uri.startswith("file:") else None
        if root is None or not path_of(uri)[0].lower().endswith(LINTABLE):
            root = None
        project = self.projects.get(root) if root is not None else None
        if project is not None and project.said:
            root = None  # too large a workspace: tried again when files are created or deleted
        elif project is not None and project.result is not None and \
                (project.pending is None or project.pending.done()):
            # the pass has run before (exports kept): run it now, and publish the buffer once, up to date
            try:
                self.run_project(project, {uri})
                return
            except Exception as exc:
                self.log(f"internal error in the cross-file checks of {root}: {_error(exc)}; please report it",
                         lsp.MessageType.Error)
        try:
            self.publish(uri)
        except Exception as exc:
            self.log(f"cannot publish the diagnostics of {uri}: {_error(exc)}", lsp.MessageType.Error)
        if root is not None:
            self.schedule_project(root)  # the first: after the buffer's own diagnostics are out

    def changed(self, uri: str) -> None:
        """A change is linted at once after a pause in typing, else when typing pauses."""
        now = time.monotonic()
        quiet = now - self.last_change.get(uri, 0.0) > DEBOUNCE and uri not in self.pending
        self.last_change[uri] = now
        self.schedule(uri, 0 if quiet else DEBOUNCE)

    def related_changed(self, paths: list[str]) -> None:
        """Files changed on disk: relint the buffers whose results depend on other files,
        and run the project pass of each workspace folder holding one of them."""
        for uri, linted in list(self.linted.items()):
            if linted.result is None or linted.result.volatile:
                self.relint(uri)
        for root in sorted({r for r in (self.root_of(os.path.abspath(p)) for p in paths) if r is not None}):
            self.schedule_project(root, WATCHED_DEBOUNCE)  # a checkout changes many files at once

    # -- the project pass ----------------------------------------------------------------------
    def schedule_project(self, root: str, delay: float = 0) -> None:
        """Run the project pass of `root` soon, in place of one already waiting."""
        project = self.projects.get(root)
        if project is None:
            project = self.projects[root] = Project(root, self.memo_for(root))
        if project.pending is not None and not project.pending.done():
            project.pending.cancel()
        project.pending = asyncio.get_running_loop().create_task(self._project_later(project, delay))

    def memo_for(self, root: str) -> ExportsMemo:
        """Where the exports of a folder's files are kept: in memory, and in the run's cache
        of the folder when it has one (a `pipelint check` made it; the server makes none)."""
        cache = None
        try:
            from linter.cache import cache_folder
            from linter.run import cache_for

            linter = self.linter_for(os.path.join(root, "x"))
            if os.path.isdir(cache_folder(linter.settings.root or root)):
                cache = cache_for(linter.settings, linter, root)
        except Exception as exc:
            self.log(f"the cache of {root} is not used: {_error(exc)}")
        return ExportsMemo(cache)

    async def _project_later(self, project: Project, delay: float) -> None:
        await asyncio.sleep(delay)  # even 0: the lints waiting (typing) go first
        if self.projects.get(project.root) is not project:
            return  # the configuration was reloaded since
        try:
            self.run_project(project)
        except Exception as exc:
            self.log(f"internal error in the cross-file checks of {project.root}: {_error(exc)}; please report it",
                     lsp.MessageType.Error)

    def run_project(self, project: Project, also: set[str] = frozenset()) -> None:
        """The pass, then every file whose project diagnostics changed (and `also`) published."""
        linter = self.linter_for(os.path.join(project.root, "x"))
        overrides = {}
        for uri in self.open_uris():
            path, folder = path_of(uri)
            if folder is not None and self.root_of(path) == project.root:
                try:
                    overrides[os.path.abspath(path)] = self.workspace.get_text_document(uri).source
                except Exception:
                    continue
        result = project_findings(linter, linter.settings, project.root, overrides, project.memo)
        if result.skipped and result.skipped != project.said:
            self.log(f"{project.root}: {result.skipped}")
        project.said = result.skipped
        before = project.result
        project.result = result
        touched = set(self.shown)
        for found in (before, result):
            for f in found.findings if found is not None else ():
                touched.add(self.uri_of(f.path))
                touched.update(self.uri_of(r.path) for r in f.related)
        deferred = {p for p, _ in (before.deferred if before is not None else set()) ^ result.deferred}
        touched.update(self.uri_of(p) for p in deferred)  # per-file findings withdrawn, or back
        for uri in sorted(touched):
            path = path_of(uri)[0]
            if self.root_of(path) != project.root:
                continue
            if self.project_diagnostics(uri) != self.shown.get(uri, []) or os.path.abspath(path) in deferred \
                    or uri in also:
                self.publish(uri)
        for uri in sorted(also - touched):
            self.publish(uri)

    def open_uris(self) -> list[str]:
        try:
            return list(self.workspace.text_documents)
        except Exception:
            return []

    def uri_of(self, path: str) -> str:
        """The URI of a file the project pass names (the open buffer's spelling, when open)."""
        full = os.path.abspath(path)
        for uri in self.open_uris():
            if uri.startswith("file:") and os.path.abspath(path_of(uri)[0]) == full:
                return uri
        return from_fs_path(full) or full

    def project_findings_in(self, path: str) -> list[Finding]:
        """The project pass's findings that sit in this file."""
        project = self.projects.get(self.root_of(path) or "")
        full = os.path.abspath(path)
        return [f for f in (project.result.findings if project is not None and project.result is not None else ())
                if os.path.abspath(f.path) == full]

    def deferred(self, path: str) -> set[tuple[str, str]]:
        project = self.projects.get(self.root_of(path) or "")
        return project.result.deferred if project is not None and project.result is not None else set()

    def project_diagnostics(self, uri: str) -> list[lsp.Diagnostic]:
        """The project findings in this file, and (when it is open) a pointer back from
        each place of it that another file's finding names."""
        path, folder = path_of(uri)
        project = self.projects.get(self.root_of(path) or "") if folder is not None else None
        if project is None or project.result is None:
            return []
        full = os.path.abspath(path)
        positions: dict[str, Positions | None] = {}

        def at(p: str) -> Positions | None:
            if p not in positions:
                positions[p] = self.positions_of(p)
            return positions[p]

        out: list[lsp.Diagnostic] = []
        for f in project.result.findings:
            if os.path.abspath(f.path) == full and at(full) is not None:
                d = self.diagnostic(f, at(full))
                if self.related_information():
                    d.related_information = [self.related(r, at(os.path.abspath(r.path))) for r in f.related] or None
                out.append(d)
        if not self.is_open(uri):
            return out
        for f in project.result.findings:
            for r in f.related:
                if os.path.abspath(r.path) != full or os.path.abspath(f.path) == full or at(full) is None:
                    continue
                p = at(full)
                start = lsp.Position(*p.to_lsp(r.line, r.column))
                line_text = p.lines.line_text(r.line) if r.line <= len(p.lines.starts) else ""
                end = lsp.Position(*p.to_lsp(r.line, max(len(line_text.rstrip()) + 1, r.column)))
                where = self.display(f.path)
                d = self.diagnostic(f, at(full))
                d.range = lsp.Range(start, end)
                d.severity = lsp.DiagnosticSeverity.Information
                d.message = f"{r.message}: {where}:{f.line} reports: {f.message}"
                if self.related_information():
                    main = at(os.path.abspath(f.path))
                    d.related_information = [lsp.DiagnosticRelatedInformation(
                        lsp.Location(self.uri_of(f.path), lsp_range(main, f.line, f.column, f.end_line, f.end_column)
                                     if main is not None else lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0))),
                        f"{f.rule}: {f.message}")]
                out.append(d)
        return out

    def display(self, path: str) -> str:
        root = self.root_of(os.path.abspath(path))
        return os.path.relpath(path, root).replace(os.sep, "/") if root else path

    def positions_of(self, path: str) -> Positions | None:
        """The positions of a file the project pass names: its open buffer's, else the disk's."""
        uri = self.uri_of(path)
        linted = self.linted.get(uri)
        if linted is not None:
            return linted.positions
        from linter.engine import decode
        from linter.run import NotRegular, read_regular

        try:
            text = decode(read_regular(path))[0]
        except (NotRegular, OSError):
            return None
        return Positions(text or "", self.encoding())

    def related_information(self) -> bool:
        try:
            return bool(self.client_capabilities.text_document.publish_diagnostics.related_information)
        except AttributeError:
            return False

    def related(self, r: Related, p: Positions | None) -> lsp.DiagnosticRelatedInformation:
        pos = lsp.Position(*p.to_lsp(r.line, r.column)) if p is not None else lsp.Position(max(r.line - 1, 0), 0)
        return lsp.DiagnosticRelatedInformation(lsp.Location(self.uri_of(r.path), lsp.Range(pos, pos)), r.message)

    # -- conversions -------------------------------------------------------------------------
    def rule_of(self, finding: Finding):  # noqa: ANN201 - a Rule or None
        return self.linter.rules.get(finding.rule) if self.linter is not None else None

    def diagnostic(self, f: Finding, positions: Positions) -> lsp.Diagnostic:
        rule = self.rule_of(f)
        url = (rule.url if rule is not None and rule.url else "") or rule_url(f.rule)
        return lsp.Diagnostic(
            range=lsp_range(positions, f.line, f.column, f.end_line, f.end_column),
            message=f.message, severity=SEVERITY.get(f.severity, lsp.DiagnosticSeverity.Warning),
            code=f.rule, code_description=lsp.CodeDescription(href=url), source=SOURCE)

    def edit(self, uri: str, linted: Linted, edits: Any) -> lsp.WorkspaceEdit:
        p = linted.positions
        text_edits = [lsp.TextEdit(range=lsp.Range(lsp.Position(*p.offset_to_lsp(e.start)),
                                                   lsp.Position(*p.offset_to_lsp(e.end))), new_text=e.text)
                      for e in sorted(edits, key=lambda e: (e.start, e.end))]
        return lsp.WorkspaceEdit(changes={uri: text_edits})

    # -- code actions ------------------------------------------------------------------------
    def code_actions(self, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        uri = params.text_document.uri
        linted = self.lint(uri)
        if linted is None or linted.result is None:
            return []
        only = list(params.context.only or [])

        def wanted(kind: str) -> bool:
            return not only or any(kind == k or kind.startswith(k + ".") for k in only)

        p = linted.positions
        lo = p.to_offset(params.range.start.line, params.range.start.character)
        hi = p.to_offset(params.range.end.line, params.range.end.character)
        here = [f for f in linted.result.findings if _touches(f, p, lo, hi)]
        actions: list[lsp.CodeAction] = []
        if wanted(lsp.CodeActionKind.QuickFix):
            for f in here:
                if f.edits and f.applicability in ("safe", "unsafe"):
                    safe = f.applicability == "safe"
                    actions.append(lsp.CodeAction(
                        title=f"Fix {f.rule}: {f.fix or f.name}" + ("" if safe else " (unsafe)"),
                        kind=lsp.CodeActionKind.QuickFix, diagnostics=[self.diagnostic(f, linted.positions)],
                        is_preferred=safe or None, edit=self.edit(uri, linted, f.edits)))
            if linted.path.lower().endswith(YAML_SUFFIXES) and not _is_json(linted.text):
                seen: set[tuple[str, int]] = set()
                for f in here:
                    if (f.rule, f.line) in seen or f.rule == "PL005":
                        continue
                    seen.add((f.rule, f.line))
                    edit = _disable_edit(linted, f)
                    if edit is not None:
                        actions.append(lsp.CodeAction(
                            title=f"Disable {f.rule} for this line", kind=lsp.CodeActionKind.QuickFix,
                            diagnostics=[self.diagnostic(f, linted.positions)], edit=self.edit(uri, linted, [edit])))
        if wanted(FIX_ALL) and any(f.edits and f.applicability == "safe" for f in linted.result.findings):
            action = lsp.CodeAction(title="Fix all safe problems in this file (pipelint)", kind=FIX_ALL,
                                    data={"uri": uri, "version": linted.version})
            # fixing lints the fixed text again (cfn-lint for a template): where the client
            # resolves actions, that waits until the action is chosen, not every cursor move
            if not self.resolves_edits() or only:
                action = self.resolve(action)
            if action is not None:
                actions.append(action)
        return actions

    def resolves_edits(self) -> bool:
        try:
            support = self.client_capabilities.text_document.code_action.resolve_support
            return support is not None and "edit" in support.properties
        except AttributeError:
            return False

    def resolve(self, action: lsp.CodeAction) -> lsp.CodeAction | None:
        """The edit of "fix all": the safe fixes that linter.fixes keeps (re-checked)."""
        data = action.data if isinstance(action.data, dict) else {}
        uri = data.get("uri")
        linted = self.lint(uri) if isinstance(uri, str) else None
        if linted is None or linted.result is None:
            return None
        path, folder = path_of(uri)
        outcome = fix_text(self.linter_for(path if folder else None), path, linted.text, folder)
        if outcome is None:
            return None
        action.edit = self.edit(uri, linted, [e for f in outcome.applied for e in f.edits])
        return action

    # -- hover -------------------------------------------------------------------------------
    def hover(self, params: lsp.HoverParams) -> lsp.Hover | None:
        linted = self.lint(params.text_document.uri)
        if linted is None or linted.result is None:
            return None
        p = linted.positions
        offset = p.to_offset(params.position.line, params.position.character)
        parts: list[str] = []
        from linter.docs import rule_markdown

        shown: set[str] = set()
        for f in linted.result.findings + self.project_findings_in(linted.path):
            if f.rule in shown or not _touches(f, p, offset, offset):
                continue
            rule = self.rule_of(f)
            if rule is not None:
                shown.add(f.rule)
                parts.append(rule_markdown(rule, "###").rstrip())
        described = self.key_description(linted, offset)
        if described:
            parts.append(described)
        if not parts:
            return None
        return lsp.Hover(contents=lsp.MarkupContent(lsp.MarkupKind.Markdown, "\n\n---\n\n".join(parts)))

    def key_description(self, linted: Linted, offset: int) -> str | None:
        """The schema's description of the key at `offset` (buildspec, appspec, pipeline)."""
        from linter.document import SEQ, join_pointer, node_at, split_pointer
        from linter.schema import describe

        doc = linted.document()
        if doc is None or doc.kind is None or self.linter is None:
            return None
        node, is_key = node_at(doc.root, *linted.positions.lines.position(offset))
        if node is None or not is_key:
            return None
        for binding in self.linter.registry.schemas:
            if binding.kind != doc.kind:
                continue
            target = binding.schema(doc) if callable(binding.schema) else binding.schema
            if target is None:
                continue
            name, base = target if isinstance(target, tuple) else (target, "")
            if not (node.pointer == base or node.pointer.startswith(base + "/")):
                continue
            path: list[Any] = []
            pointer, parent = base, doc.node(base)
            for token in split_pointer(node.pointer[len(base):]):
                path.append(int(token) if parent is not None and parent.kind == SEQ and token.isdigit() else token)
                pointer = join_pointer(pointer, token)
                parent = doc.node(pointer)
            text = describe(name, tuple(path))
            if text:
                return f"**{split_pointer(node.pointer)[-1]}**: {text}"
        return None


def _error(exc: BaseException) -> str:
    """An exception as one line, with where it was raised (never a whole traceback)."""
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    at = f" (at {os.path.basename(where.filename)}:{where.lineno})" if where else ""
    return f"{type(exc).__name__}: {exc}{at}"


def path_of(uri: str) -> tuple[str, str | None]:
    """The file path a URI names and its folder; for a buffer not on disk (untitled:), its
    name and None."""
    if uri.startswith("file:"):
        path = to_fs_path(uri)
        if path:
            return path, os.path.dirname(path)
    name = unquote(urlparse(uri).path or uri).rsplit("/", 1)[-1]
    return name or uri, None


def lsp_range(p: Positions, line: int, column: int, end_line: int, end_column: int) -> lsp.Range:
    return lsp.Range(lsp.Position(*p.to_lsp(line, column)), lsp.Position(*p.to_lsp(end_line, end_column)))


def _touches(f: Finding, p: Positions, lo: int, hi: int) -> bool:
    start = p.lines.offset(f.line, f.column)
    end = max(p.lines.offset(f.end_line, f.end_column), start)
    return start <= hi and lo <= end


def _is_json(text: str) -> bool:
    return text.lstrip().startswith(("{", "["))


def _disable_edit(linted: Linted, f: Finding):  # noqa: ANN202 - an Edit or None
    """The inline suppression of `f` on its line: appended to a `# pipelint: disable=`
    comment already there, else a new comment at the end of the line. None where a comment
    would change the file's meaning (inside a multi-line string)."""
    import re

    from linter.rule import Edit

    lines = linted.positions.lines
    line_text = lines.line_text(f.line)
    if _in_multiline_string(linted, f.line):
        return None
    start = lines.starts[f.line - 1] if f.line - 1 < len(lines.starts) else len(linted.text)
    existing = re.search(r"(?:^|\s)#\s*pipelint:\s*disable\s*=\s*([A-Za-z0-9_,\- ]*[A-Za-z0-9_-])", line_text)
    if existing:
        at = start + existing.end(1)
        return Edit(at, at, f",{f.rule}")
    end = start + len(line_text.rstrip())
    return Edit(end, start + len(line_text), f"  # pipelint: disable={f.rule}")


def _in_multiline_string(linted: Linted, line: int) -> bool:
    doc = linted.document()
    if doc is None:
        return True  # it does not parse: no way to tell where a comment is safe
    for node in doc.root.walk():
        if node.kind != "scalar" or node.end_line == node.line:
            continue
        if node.style in ("|", ">"):
            if node.line < line and (line < node.end_line or (line == node.end_line and node.end_column > 1)):
                return True
        elif node.line <= line < node.end_line:
            return True
    return False


def build() -> PipelintServer:
    server = PipelintServer()

    @server.feature(lsp.INITIALIZED)
    def initialized(ls: PipelintServer, params: lsp.InitializedParams) -> None:
        watch = None
        try:
            caps = ls.client_capabilities.workspace
            watch = caps.did_change_watched_files.dynamic_registration if caps and caps.did_change_watched_files \
                else None
        except Exception:
            pass
        if watch:
            watchers = [lsp.FileSystemWatcher(glob_pattern=f"**/{name}") for name in CONFIG_FILES]
            # files created or deleted anywhere: the scripts and files a buffer names
            watchers.append(lsp.FileSystemWatcher(glob_pattern="**/*",
                                                  kind=lsp.WatchKind.Create | lsp.WatchKind.Delete))
            # and the files the project pass reads, changed outside the editor (git checkout)
            watchers.append(lsp.FileSystemWatcher(glob_pattern="**/*.{yml,yaml,json,template}",
                                                  kind=lsp.WatchKind.Change))
            ls.client_register_capability(lsp.RegistrationParams([lsp.Registration(
                id="pipelint-watch", method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=lsp.DidChangeWatchedFilesRegistrationOptions(watchers=watchers))]))

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: PipelintServer, params: lsp.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: PipelintServer, params: lsp.DidChangeTextDocumentParams) -> None:
        ls.changed(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: PipelintServer, params: lsp.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        if os.path.basename(path_of(uri)[0]) in CONFIG_FILES:
            ls.reload(f"{os.path.basename(path_of(uri)[0])} saved")
        else:
            ls.relint(uri)  # the files it names may have changed with it

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: PipelintServer, params: lsp.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        waiting = ls.pending.pop(uri, None)
        if waiting is not None:
            waiting.cancel()
        ls.linted.pop(uri, None)
        ls.last_change.pop(uri, None)
        ls.stale.discard(uri)
        ls.publish(uri)  # closed: its project findings stay (not the pointers back), the rest goes
        root = ls.root_of(path_of(uri)[0]) if uri.startswith("file:") else None
        if root is not None:
            ls.schedule_project(root)  # the disk's text takes the buffer's place

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched(ls: PipelintServer, params: lsp.DidChangeWatchedFilesParams) -> None:
        paths = [path_of(c.uri)[0] for c in params.changes]
        configs = [p for p in paths if os.path.basename(p) in CONFIG_FILES]
        if configs:
            ls.reload(f"{os.path.basename(configs[0])} changed")
        elif paths:
            ls.related_changed(paths)

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def folders(ls: PipelintServer, params: lsp.DidChangeWorkspaceFoldersParams) -> None:
        ls.reload("workspace folders changed")

    @server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION, lsp.CodeActionOptions(
        code_action_kinds=[lsp.CodeActionKind.QuickFix, FIX_ALL], resolve_provider=True))
    def code_action(ls: PipelintServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction] | None:
        try:
            return ls.code_actions(params) or None
        except Exception as exc:
            ls.log(f"code actions failed: {_error(exc)}", lsp.MessageType.Error)
            return None

    @server.feature(lsp.CODE_ACTION_RESOLVE)
    def code_action_resolve(ls: PipelintServer, action: lsp.CodeAction) -> lsp.CodeAction:
        try:
            return ls.resolve(action) or action
        except Exception as exc:
            ls.log(f"resolving a code action failed: {_error(exc)}", lsp.MessageType.Error)
            return action

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    def hover(ls: PipelintServer, params: lsp.HoverParams) -> lsp.Hover | None:
        try:
            return ls.hover(params)
        except Exception as exc:
            ls.log(f"hover failed: {_error(exc)}", lsp.MessageType.Error)
            return None

    return server


def serve() -> int:
    """Speak LSP over stdin and stdout until the client says exit. Whatever else would
    write to stdout (a print in a plugin's rule) goes to stderr instead: stdout carries
    the protocol only."""
    import sys

    logging.basicConfig(level=logging.WARNING, format="pipelint server: %(message)s")
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr
    build().start_io(stdin, stdout)
    return 0
