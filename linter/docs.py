"""Rule documentation from the rules' own metadata: `pipelint rule ID`, the README's table,
docs/rules.md and the SARIF help text all come from here.

Examples are shown through the engine's masks: an example that fires a secrets rule holds
a secret-looking value, and no output, documentation included, prints one.
"""

from __future__ import annotations

import functools

from linter import rule_url
from linter.rule import Rule


@functools.lru_cache(maxsize=None)
def masked_example(text: str, kind: str) -> str:
    """`text` with whatever pipelint's secrets checks flag in it masked."""
    if not text:
        return text
    from linter.masking import mask_text, raw_masks

    name = "example.json" if text.lstrip().startswith("{") else \
        {"buildspec": "buildspec.yml", "appspec": "appspec.yml"}.get(kind, "example.yaml")
    result = _linter(kind).lint_file(name, (text + "\n").encode("utf-8"))
    masks = result.masks if result is not None else raw_masks(text)
    return mask_text(text, [(start, min(end, len(text))) for start, end in masks if start < len(text)])


@functools.lru_cache(maxsize=None)
def _linter(kind: str):  # noqa: ANN202 - a Linter, imported lazily
    from linter.engine import Linter, Settings

    return Linter(Settings(kind=kind, ignore=["CFN"]))


def examples(rule: Rule) -> tuple[str, str]:
    kind = rule.kinds[0] if rule.kinds else "buildspec"
    return masked_example(rule.bad, kind), masked_example(rule.good, kind)


def rule_doc(rule: Rule) -> str:
    """The text `pipelint rule ID` prints."""
    bad, good = examples(rule)
    lines = [f"{rule.id} {rule.name}", "",
             f"category: {rule.category}    severity: {rule.severity}    kinds: {', '.join(rule.kinds) or 'all'}",
             "", rule.summary[0].upper() + rule.summary[1:] + ".", "", "Why:", _indent(rule.rationale), "",
             "Fix:", _indent(rule.fix)]
    if rule.autofix:
        lines += ["", "Automatic fix:", _indent(autofix_line(rule))]
    if bad:
        lines += ["", "Example that fires:", _indent(bad)]
    if good:
        lines += ["", "Instead:", _indent(good)]
    return "\n".join(lines)


SAFETY = {"safe": "safe: `--fix` applies it",
          "unsafe": "unsafe: only with `--fix --unsafe-fixes`",
          "mixed": "safe or unsafe, by finding: `--fix` applies the safe ones, `--unsafe-fixes` adds the others"}


def autofix_line(rule: Rule) -> str:
    """What a rule's automatic fix does, and when it is applied."""
    return f"{rule.autofix_does[0].upper() + rule.autofix_does[1:]} ({SAFETY[rule.autofix].replace('`', '')})."


def fixes_table(rules: list[Rule]) -> str:
    """docs/rules.md's Fixes section: every rule with an automatic fix."""
    lines = ["| rule | the fix | safety |", "|---|---|---|"]
    for r in rules:
        if r.autofix:
            lines.append(f"| [{r.id}](#{r.id.lower()}) {r.name} | {_md(r.autofix_does)} | {r.autofix} |")
    return "\n".join(lines) + "\n"


def rules_table(rules: list[Rule]) -> str:
    lines = ["| id | name | category | severity | summary |", "|---|---|---|---|---|"]
    for r in rules:
        lines.append(f"| {r.id} | {r.name} | {r.category} | {r.severity} | {r.summary.replace('|', '/')} |")
    return "\n".join(lines) + "\n"


def rules_page(rules: list[Rule]) -> str:
    """docs/rules.md: every rule, one section each (the anchors SARIF's helpUri points at)."""
    out = ["# pipelint rules", "",
           "Generated from the rules' metadata by `python scripts/update_readme.py`; do not edit by hand.",
           "`pipelint rule ID` prints the same text. Findings of cfn-lint (`CFN-*`) are documented by cfn-lint.",
           "", "## Fixes", "",
           "`pipelint check --fix` applies the safe fixes of these rules; `--unsafe-fixes` adds the unsafe ones",
           "(they change what the file does, or leave a placeholder such as `CHANGE-ME` to fill in), `--diff`",
           "shows them as a patch instead, and `--show-fixes` lists them. Every fixed file is parsed again",
           "before it is written.", "", fixes_table(rules)]
    for r in rules:
        out.append(rule_markdown(r))
    return "\n".join(out)


def rule_markdown(r: Rule, heading: str = "##") -> str:
    """One rule's section of docs/rules.md (also the language server's hover), ending with
    an empty line."""
    bad, good = examples(r)
    out = [f"{heading} {r.id}", "", f"**{r.name}** · {r.category} · {r.severity}"
           + (f" · {', '.join(r.kinds)}" if r.kinds else ""), "",
           r.summary[0].upper() + r.summary[1:] + ".", "", r.rationale, "", f"**Fix:** {r.fix}", ""]
    if r.autofix:
        out += [f"**Automatic fix:** {_md(autofix_line(r))} See [Fixes]({'#fixes' if heading == '##' else rule_url('fixes')}).", ""]
    lang = "json" if bad.lstrip().startswith("{") else "yaml"
    if bad:
        out += ["Fires on:", "", f"```{lang}", bad, "```", ""]
    if good:
        out += ["Instead:", "", f"```{lang}", good, "```", ""]
    return "\n".join(out)


def _md(text: str) -> str:
    """Text for a markdown table cell or paragraph: no tag-like `<...>`, no cell breaks."""
    return text.replace("<", "&lt;").replace("|", "/")


def _indent(text: str) -> str:
    return "\n".join("    " + line if line else "" for line in text.splitlines())
