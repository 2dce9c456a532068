"""cfn-lint, in-process: the resource schemas and CloudFormation's own rules for templates.

Importing cfn-lint and loading its rules costs close to a second, so this module is
imported only when a run meets a template, and `CfnLint` is built once per run. Its
matches become findings `CFN-<id>` (`CFN-E3012`) with a category and the positions
cfn-lint gives. cfn-lint decodes the template itself: its rules need its own node types.

pipelint owns some checks, and the same problem is never reported twice (`merge`):
- the CodePipeline rules E3700-E3703 are turned off (the pipeline rules replace them);
- a cfn-lint match on a node that a pipelint rule already reports (or explains, through
  `Finding.covers`) is dropped; so are its duplicate-key and duplicate-name findings;
- E1001 on the `Hooks` section of a template with `Transform: AWS::CodeDeployBlueGreen` is
  dropped (cfn-lint does not know that section; rule CF101 checks it).
Template `Metadata: cfn-lint: config:` suppressions keep working: cfn-lint reads them.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from linter.document import LineIndex, join_pointer
from linter.rule import Finding, Rule

OWNED = ["E3700", "E3701", "E3702", "E3703"]
SEVERITY = {"error": "error", "warning": "warning", "informational": "info"}


SECRET_RULES = {"W2501", "W2506"}  # passwords as plain parameters or properties (W1011, "prefer dynamic
                                   # references", is advice: practice)


def category_of(rule_id: str) -> str:
    """cfn-lint ids are sectioned: E0 template, E1 functions, E2 parameters, E3 resources, ...

    Its IAM rules (E3510, W3037...) check that policies are well formed, not how broad they
    are: they are schema findings; overbroad permissions are pipelint's IAM rules."""
    if rule_id.startswith("E0"):
        return "syntax"
    if rule_id in SECRET_RULES:
        return "secrets"
    if rule_id == "W1011":
        return "practice"
    return "reference" if rule_id[1:2] in ("1", "8") else "schema"


def pointer_of(path: Any) -> str:
    pointer = ""
    for token in path or ():
        pointer = join_pointer(pointer, token)
    return pointer


class CfnLint:
    """One cfn-lint runner for a whole run."""

    def __init__(self, regions: list[str] | None = None, ignore: list[str] | None = None) -> None:
        from cfnlint.config import ConfigMixIn  # noqa: PLC0415 - ~0.9 s: only when a template is linted
        from cfnlint.runner import Runner

        # merge_configs: a template's own Metadata ignore_checks add to ours instead of being overridden
        self._config = ConfigMixIn([], regions=regions or ["us-east-1"], ignore_checks=OWNED + list(ignore or []),
                                   merge_configs=True)
        self._rules = Runner(self._config).rules
        self.meta: dict[str, Rule] = {}

    def matches(self, text: str) -> list[Any]:
        from cfnlint.decode.decode import decode_str
        from cfnlint.runner.template.runner import run_template_by_data

        template, errors = decode_str(text)
        if errors:
            return list(errors)
        if template is None:
            return []
        return list(run_template_by_data(template, self._config, self._rules))

    def rule(self, match: Any) -> Rule:
        rule_id = f"CFN-{match.rule.id}"
        if rule_id not in self.meta:
            source = getattr(match.rule, "source_url", "") or "https://github.com/aws-cloudformation/cfn-lint"
            self.meta[rule_id] = Rule(
                id=rule_id, name=f"cfn-{match.rule.id.lower()}", category=category_of(match.rule.id),
                severity=SEVERITY.get(match.rule.severity, "warning"),
                summary=(match.rule.shortdesc or match.rule.id).rstrip("."),
                rationale=(match.rule.description or match.rule.shortdesc or "").strip()
                + f"\n\nReported by cfn-lint ({source}).",
                fix=f"see {source}", kinds=("cloudformation",), url=source)
        return self.meta[rule_id]

    def describe(self, rule_id: str) -> Rule | None:
        """pipelint's view of one of cfn-lint's rules (`E3006`), for `pipelint rule CFN-E3006`."""
        found = self._rules.get(rule_id.upper())
        return self.rule(type("Match", (), {"rule": found})()) if found is not None else None

    def findings(self, path: str, text: str, data: Any, fmt: str = "yaml") -> list[Finding]:
        """cfn-lint's findings; when cfn-lint itself fails, one CF001 finding saying so (the
        template's other findings, pipelint's own, are kept by the caller)."""
        blue_green = _has_blue_green_transform(data)
        try:
            matches = self.matches(text)
        except (Exception, RecursionError) as exc:  # cfn-lint's own crash: not pipelint's internal error
            detail = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
            return [Finding(path, 1, 1, 1, 1, "CF001", "cfn-lint-failed", "schema", "warning",
                            f"cfn-lint could not check this template: {detail[:300]}; its resource "
                            "checks did not run (pipelint's own rules did)",
                            "fix what the message names (often an empty section or a value of the "
                            "wrong type), or report it to cfn-lint")]
        remap = _remapper(text, fmt)
        out = []
        size = len(text.encode("utf-8"))
        limit = 1_000_000  # CloudFormation's limit for a template body, in bytes
        size_rule = self._rules.get("E1002") if size > limit else None
        if size_rule is not None and self._rules.is_rule_enabled(size_rule, self._config):
            # cfn-lint checks the size of the file it opens itself; pipelint hands it the text
            meta = self.rule(type("Match", (), {"rule": size_rule})())
            out.append(Finding(path, 1, 1, 1, 2, meta.id, meta.name, meta.category, meta.severity,
                               f"The template file size ({size} bytes) exceeds the limit ({limit} bytes)", meta.fix))
        for match in matches:
            if blue_green and match.rule.id == "E1001" and list(getattr(match, "path", None) or [])[:1] == ["Hooks"]:
                continue
            rule = self.rule(match)
            line = max(1, int(match.linenumber or 1))
            column = max(1, int(match.columnnumber or 1))
            end_line = max(line, int(match.linenumberend or line))
            end_column = int(match.columnnumberend or column + 1)
            if remap is not None:
                line, column = remap(line, column)
                end_line, end_column = remap(end_line, end_column)
            if end_line < line or (end_line == line and end_column <= column):
                end_line, end_column = line, column + 1
            out.append(Finding(path, line, column, end_line, end_column, rule.id, rule.name, rule.category,
                               rule.severity, str(match.message), rule.fix, pointer_of(getattr(match, "path", None))))
        return out


def merge(ours: list[Finding], theirs: list[Finding], data: Any) -> list[Finding]:
    """pipelint's findings and cfn-lint's, one finding per root cause:
    - cfn-lint's finding on a node that a pipelint finding reports (or `covers`) is dropped;
    - duplicate stage and action names are CP101's, at the name;
    - a duplicate key is PL002's (cfn-lint reports E0000 at both keys)."""
    claimed = {f.pointer for f in ours if f.pointer} | {p for f in ours for p in f.covers}
    duplicates = {f.line for f in ours if f.rule == "PL002"}
    resources = data.get("Resources") if isinstance(data, dict) else None
    pipelines = {f"/Resources/{k}/Properties/Stages" for k, v in resources.items()
                 if isinstance(v, dict) and v.get("Type") == "AWS::CodePipeline::Pipeline"} \
        if isinstance(resources, dict) else set()
    out = list(ours)
    for finding in theirs:
        if finding.pointer and finding.pointer in claimed:
            continue
        if "not unique" in finding.message and any(finding.pointer.startswith(p) for p in pipelines):
            continue
        if finding.rule == "CFN-E0000" and duplicates and finding.message.startswith("Duplicate found"):
            continue
        out.append(finding)
    return out


_YAML_BREAKS = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def _remapper(text: str, fmt: str) -> Callable[[int, int], tuple[int, int]] | None:
    """cfn-lint counts lines as its parser does (YAML also breaks at NEL, LS and PS; its JSON
    decoder only at \\n); pipelint's positions are the lines editors show. None when both agree."""
    if fmt == "yaml":
        if not any(c in text for c in "\x85\u2028\u2029"):
            return None
        theirs = [0] + [m.end() for m in _YAML_BREAKS.finditer(text)]
    else:
        if "\r" not in text.replace("\r\n", ""):
            return None
        theirs = [0] + [m.end() for m in re.finditer("\n", text)]
    ours = LineIndex(text)

    def remap(line: int, column: int) -> tuple[int, int]:
        start = theirs[min(line, len(theirs)) - 1]
        return ours.position(min(start + column - 1, len(text)))

    return remap


def _has_blue_green_transform(data: Any) -> bool:
    transform = data.get("Transform") if isinstance(data, dict) else None
    names = transform if isinstance(transform, list) else [transform]
    return "AWS::CodeDeployBlueGreen" in names
