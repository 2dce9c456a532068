"""Output formats. Each module has `render(report, stream)`; only `text` imports rich."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from linter.rule import SEVERITY_RANK, Finding, Rule

FORMATS = ("text", "json", "sarif", "github", "gitlab", "junit")


@dataclass
class Report:
    findings: list[Finding]
    files: int
    rules: dict[str, Rule]
    sources: dict[str, str] = field(default_factory=dict)   # path -> text with secrets masked, for snippets
    problems: list[str] = field(default_factory=list)       # paths not checked, files not written: exit 2
    notes: list[str] = field(default_factory=list)          # said on stderr; the exit status ignores them
    fixed: int = 0                                          # findings fixed in the files
    patches: list[str] = field(default_factory=list)        # --diff: one patch per file
    withheld: int = 0                                       # --diff: hunks not shown (they hold a secret)
    fixed_stdin: bytes | None = None                        # --fix on stdin: the text to write back
    quiet: bool = False                                     # --quiet: findings only, no summary
    baselined: int = 0                                      # findings a --baseline file recorded (not shown)
    applied: list[Finding] = field(default_factory=list)    # --fix / --diff: the findings whose fixes went in
    show_fixes: bool = False                                # --show-fixes: list the fixes after the findings
    exports: dict = field(default_factory=dict)             # path -> what the file exports (the project pass's view)

    def exit_code(self, fail_on: str) -> int:
        """0 nothing at or above `fail_on`; 1 findings at or above it; 2 a problem or an
        internal error (PL005)."""
        if self.problems or any(f.rule == "PL005" for f in self.findings):
            return 2
        rank = SEVERITY_RANK[fail_on]
        return 1 if any(SEVERITY_RANK[f.severity] >= rank for f in self.findings) else 0

    def counts(self) -> dict[str, int]:
        out = {"error": 0, "warning": 0, "info": 0}
        for f in self.findings:
            out[f.severity] = out.get(f.severity, 0) + 1
        return out

    def fixable(self) -> tuple[int, int]:
        """(findings with a safe fix, findings with an unsafe one) among those reported."""
        safe = sum(1 for f in self.findings if f.edits and f.applicability == "safe")
        unsafe = sum(1 for f in self.findings if f.edits and f.applicability == "unsafe")
        return safe, unsafe

    def fix_lines(self) -> list[str]:
        """`--show-fixes`: `path:line:col RULE fix [safe|unsafe]` for each fix applied (with
        --fix or --diff), else for each finding that has one. Fix texts never hold a value
        from the file that a secrets check flags: rules write them from names only."""
        shown = self.applied if self.applied else [f for f in self.findings if f.edits]
        return [f"{printable(display_path(f.path))}:{f.line}:{f.column} {f.rule} "
                f"{printable(f.fix or 'apply the edit')} [{f.applicability}]" for f in sorted(shown, key=Finding.sort_key)]

    def fix_heading(self) -> str:
        n = len(self.applied) if self.applied else sum(self.fixable())
        what = "applied" if self.applied else "available"
        return f"pipelint: {n} fix{'es' if n != 1 else ''} {what}:"

    def summary(self) -> str:
        c = self.counts()
        files = f"{self.files} file{'s' if self.files != 1 else ''}"
        unchecked = f"; {self.baselined} more in the baseline" if self.baselined else ""
        if self.problems:
            n = len(self.problems)
            unchecked += f"; {n} problem{'s' if n != 1 else ''} with the paths (above)"
        if not self.findings:
            if self.problems and not self.files:
                return f"pipelint: nothing checked{unchecked}"
            return f"pipelint: no problems in {files}{unchecked}"
        parts = [f"{n} {name}{'s' if n != 1 else ''}" for name, n in
                 (("error", c["error"]), ("warning", c["warning"]), ("info", c["info"])) if n]
        safe, unsafe = self.fixable()
        hint = ""
        if safe and unsafe:
            hint = f" ({safe} fixable with --fix, {unsafe} more with --unsafe-fixes)"
        elif safe:
            hint = f" ({safe} fixable with --fix)"
        elif unsafe:
            hint = f" ({unsafe} fixable with --fix --unsafe-fixes)"
        return f"pipelint: {', '.join(parts)} in {files}{hint}{unchecked}"


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069"
                      "\ud800-\udfff]")


def printable(text: str, newlines: bool = False) -> str:
    """Text safe to print to a terminal or a log: control characters (escape sequences,
    carriage returns, line breaks unless `newlines`), bidirectional overrides and lone
    surrogates shown as escapes, so a key or a file name can neither forge a line of
    output nor move the cursor."""
    if not newlines:
        text = text.replace("\n", "\\n").replace("\t", "\\t")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                        else f"\\u{ord(m.group()):04x}", text)


def display_path(path: str) -> str:
    """A path as text: bytes that are not UTF-8 (a file name read through surrogate escapes)
    shown as escapes, never written as invalid UTF-8."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return os.fsencode(path).decode("utf-8", "backslashreplace")


def dump_json(data: object) -> str:
    """JSON text that any UTF-8 stream takes: characters as they are, except lone
    surrogates (which no encoder takes), written as escapes."""
    import json

    text = json.dumps(data, indent=2, ensure_ascii=False)
    if _SURROGATE.search(text):
        text = json.dumps(data, indent=2, ensure_ascii=True)
    return text + "\n"


_SURROGATE = re.compile("[\ud800-\udfff]")
