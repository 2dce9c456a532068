"""Output formats. Each module has `render(report, stream)`; only `text` imports rich."""

from __future__ import annotations

from dataclasses import dataclass, field

from linter.rule import Finding, Rule

FORMATS = ("text", "json", "sarif", "github")


@dataclass
class Report:
    findings: list[Finding]
    files: int
    rules: dict[str, Rule]
    sources: dict[str, str] = field(default_factory=dict)   # path -> text, for snippets and fixes

    def counts(self) -> dict[str, int]:
        out = {"error": 0, "warning": 0, "info": 0}
        for f in self.findings:
            out[f.severity] = out.get(f.severity, 0) + 1
        return out

    def summary(self) -> str:
        c = self.counts()
        files = f"{self.files} file{'s' if self.files != 1 else ''}"
        if not self.findings:
            return f"pipelint: no problems in {files}"
        parts = [f"{n} {name}{'s' if n != 1 else ''}" for name, n in
                 (("error", c["error"]), ("warning", c["warning"]), ("info", c["info"])) if n]
        return f"pipelint: {', '.join(parts)} in {files}"


def masked_line(line: str, finding: Finding, line_number: int) -> str:
    """The source line with a secret span replaced, so snippets never show a secret."""
    if not finding.secret or not (finding.line <= line_number <= finding.end_line):
        return line
    start = finding.column - 1 if line_number == finding.line else 0
    end = finding.end_column - 1 if line_number == finding.end_line else len(line)
    if end <= start:
        end = len(line)
    return line[:start] + "*" * min(8, max(3, end - start)) + line[end:]
