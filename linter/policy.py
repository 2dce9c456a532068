"""Organisation policies: the `policy` table of the configuration.

```toml
[tool.pipelint.policy]          # or [policy] in a .pipelint.toml
required-hooks = { ec2 = ["ValidateService"], ecs = ["AfterAllowTestTraffic"], lambda = ["BeforeAllowTraffic"] }
approval-before = ["(?i)prod"]
allowed-images = ["aws/codebuild/standard:7.0", "*.dkr.ecr.*.amazonaws.com/*"]
...
```

Each key is one policy, checked by one POL rule (rules/policy.py) that stays silent unless
its key is set. This module checks the table (each value's type, the patterns compile, the
lifecycle events exist on their platform; an unknown key is an error with a did-you-mean)
and finds the line of each key in the file's text (tomllib gives no positions), so a
finding can say where the policy it enforces is written: `policy allowed-images
(pyproject.toml:14)`. `options()` turns the policies into the rules' options: the engine
passes them on without knowing what they mean, and the cache key (which hashes the
settings) changes with them.
"""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass
from typing import Any, Callable

from linter.suggest import did_you_mean


class PolicyError(Exception):
    """A policy value that is wrong; the caller adds the file and the key."""


PLATFORMS = {"ec2": "EC2/On-Premises", "ecs": "ECS", "lambda": "Lambda"}


def _events() -> dict[str, tuple[str, ...]]:
    from linter.rules.appspec import EVENTS  # the AppSpec pack's lists: one truth

    return {short: EVENTS[long] for short, long in PLATFORMS.items()}


def _strings(value: Any, what: str = "a list of strings") -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise PolicyError(f"must be {what}")
    return [v.strip() for v in value]


def _regexes(value: Any) -> list[str]:
    out = _strings(value, "a list of regular expressions (strings)")
    for pattern in out:
        _compile(pattern)
    return out


def _compile(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise PolicyError(f"the regular expression {pattern!r} does not compile: {exc}") from None


def _images(value: Any) -> list[str]:
    out = _strings(value, "a list of image names, globs (`*`, `?`) or `re:` regular expressions")
    for pattern in out:
        if pattern.startswith("re:"):
            _compile(pattern[3:])
    return out


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise PolicyError("must be true or false")
    return value


def _seconds(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise PolicyError("must be a whole number of seconds, at least 1 (e.g. 900)")
    return value


def _versions(value: Any) -> list[str]:
    if isinstance(value, float):  # `buildspec-version = 0.2` written as a number
        value = str(value)
    out = _strings(value, 'a buildspec version, "0.2" (or a list of them)')
    for version in out:
        if version not in ("0.1", "0.2"):
            raise PolicyError(f'names version {version!r}; buildspecs have version "0.1" or "0.2"')
    return out


def _actions(value: Any) -> list[str]:
    out = _strings(value, 'a list of IAM actions ("service:action", wildcards allowed)')
    for action in out:
        if action != "*" and not re.fullmatch(r"[A-Za-z0-9*?-]+:[A-Za-z0-9*?]+", action):
            raise PolicyError(f"names {action!r}, which is not of the form service:action (e.g. iam:*)")
    return out


def _hooks(value: Any) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        raise PolicyError('must be a table of platform = [events], e.g. { ec2 = ["ValidateService"] }')
    events = _events()
    out: dict[str, list[str]] = {}
    for platform, listed in value.items():
        if platform not in PLATFORMS:
            guess = did_you_mean(platform, list(PLATFORMS), cutoff=0.6)
            raise PolicyError(f"names the platform {platform!r}"
                              + (f"; did you mean {guess!r}?" if guess else "; use ec2, ecs or lambda"))
        names = _strings(listed, f"a list of lifecycle event names for {platform}")
        for name in names:
            if name not in events[platform]:
                guess = did_you_mean(name, events[platform])
                raise PolicyError(f"{platform}: {name!r} is no lifecycle event {PLATFORMS[platform]} AppSpecs can "
                                  "hook" + (f"; did you mean {guess!r}?" if guess else
                                            f" (events: {', '.join(events[platform])})"))
        out[platform] = names
    return out


@dataclass(frozen=True)
class Spec:
    rule: str                       # the POL rule that enforces it
    check: Callable[[Any], Any]     # validates and normalises the value; raises PolicyError
    what: str                       # one line for `pipelint policy`


SPECS: dict[str, Spec] = {
    "required-hooks": Spec("POL001", _hooks, "AppSpecs hook these lifecycle events, per platform"),
    "approval-before": Spec("POL002", _regexes, "stages whose names match need a manual approval before them"),
    "allowed-images": Spec("POL003", _images, "CodeBuild projects build only on these images"),
    "privileged-mode": Spec("POL004", _bool, "false: CodeBuild projects may not run privileged"),
    "buildspec-version": Spec("POL005", _versions, "buildspecs declare this version"),
    "inline-buildspec": Spec("POL006", _bool, "false: a project's Source.BuildSpec names a file, never inline YAML"),
    "max-hook-timeout": Spec("POL007", _seconds, "no AppSpec script may run longer (seconds)"),
    "forbidden-actions": Spec("POL008", _actions, "no policy allows these IAM actions"),
    "forbidden-managed-policies": Spec("POL009", lambda v: _strings(v, "a list of managed policy ARNs or names"),
                                       "no role, user or group attaches these managed policies"),
    "allowed-source-providers": Spec("POL010", lambda v: _strings(v, "a list of source action providers"),
                                     "pipelines read sources only from these providers"),
    "artifact-store-encryption": Spec("POL011", _bool, "true: every artifact store names a KMS key"),
    "required-tags": Spec("POL012", lambda v: _strings(v, "a list of tag keys"),
                          "CodeBuild projects and pipelines carry these tags"),
    "required-rollback": Spec("POL013", _bool, "true: deployment groups and SAM preferences roll back on failure"),
    "required-alarms": Spec("POL014", _bool, "true: deployment groups and SAM preferences watch at least one alarm"),
    "allowed-deployment-configs": Spec("POL015", lambda v: _strings(v, "a list of deployment configuration names"),
                                       "deployment groups and SAM preference Types use only these configurations"),
}
RULE_OF = {key: spec.rule for key, spec in SPECS.items()}


@dataclass
class Policy:
    key: str
    rule: str
    value: Any
    line: int | None          # the line of the key in the configuration file
    where: str                # "pyproject.toml:14", as findings show it

    @property
    def label(self) -> str:
        return f"policy {self.key} ({self.where})"


def load_policies(table: Any, path: str, section: str, text: str) -> dict[str, Policy]:
    """The policies of a `policy` table; ConfigError naming the file, line and key when one is wrong.
    `section` is the table the `policy` key sits in: ["tool", "pipelint"], or [] at the top."""
    from linter.config import ConfigError

    shown = "[" + ".".join(section + ["policy"]) + "]"
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {shown} must be a table of policy = value")
    lines = key_lines(text, section + ["policy"], list(table))
    out: dict[str, Policy] = {}
    for key, value in table.items():
        line = lines.get(key)
        at = f"{path}:{line}" if line else path
        spec = SPECS.get(key)
        if spec is None:
            guess = did_you_mean(key, list(SPECS))
            raise ConfigError(f"{at}: unknown policy '{key}' in {shown}"
                              + (f"; did you mean '{guess}'?" if guess else f" (policies: {', '.join(SPECS)})"))
        try:
            normalised = spec.check(value)
        except PolicyError as exc:
            raise ConfigError(f"{at}: policy {key} {exc}") from None
        where = f"{os.path.basename(path)}:{line}" if line else os.path.basename(path)
        out[key] = Policy(key, spec.rule, normalised, line, where)
    return out


def options(policies: dict[str, Policy]) -> dict[str, dict[str, Any]]:
    """Each policy as its rule's options: what the rule reads, and how its findings name it."""
    return {p.rule: {"policy": p.key, "value": p.value, "label": p.label} for p in policies.values()}


# -- where each key is written ------------------------------------------------------------

_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*((?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+)(?:\s*\.\s*(?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+))*)\s*=""")


def _dotted(text: str) -> list[str]:
    parts = re.findall(r"""\s*("[^"]*"|'[^']*'|[A-Za-z0-9_-]+)\s*(?:\.|$)""", text)
    return [p[1:-1] if p[:1] in "\"'" else p for p in parts]


def key_lines(text: str, table: list[str], keys: list[str]) -> dict[str, int]:
    """The line (1-based) where each key of the TOML table `table` is written: `key = ...`
    under the table's header, a dotted `policy.key = ...` under its parent, a
    `[table.key]` header of its own, or inside an inline `policy = { key = ... }`."""
    found: dict[str, int] = {}
    current: list[str] = []
    inline_from: int | None = None    # inside an inline table `policy = { ... }` started at this line
    depth = 0
    for number, line in enumerate(text.splitlines(), 1):
        if inline_from is not None:
            for key in keys:
                if key not in found and re.search(r"""(^|[{,\s])["']?""" + re.escape(key) + r"""["']?\s*=""", line):
                    found[key] = number
            depth += line.count("{") - line.count("}")
            if depth <= 0:
                inline_from = None
            continue
        header = _HEADER.match(line)
        if header:
            current = _dotted(header.group(1))
            if len(current) == len(table) + 1 and current[:-1] == table and current[-1] in keys:
                found.setdefault(current[-1], number)
            continue
        match = _KEY.match(line)
        if not match:
            continue
        path = current + _dotted(match.group(1))
        if len(path) >= len(table) + 1 and path[:len(table)] == table and path[len(table)] in keys:
            found.setdefault(path[len(table)], number)
        elif path == table:  # policy = { ... }
            rest = line[match.end():]
            for key in keys:
                if key not in found and re.search(r"""(^|[{,\s])["']?""" + re.escape(key) + r"""["']?\s*=""", rest):
                    found[key] = number
            depth = rest.count("{") - rest.count("}")
            if depth > 0:
                inline_from = number
    return found


# -- matching, shared by the rules ------------------------------------------------------------

def image_allowed(image: str, patterns: list[str]) -> bool:
    """An image name against the allowed list: exact, a glob (`*` any run of characters,
    `/` and `:` included; `?` one), or `re:` and a regular expression matching the whole name."""
    for pattern in patterns:
        if pattern.startswith("re:"):
            if re.fullmatch(pattern[3:], image):
                return True
        elif fnmatch.fnmatchcase(image, pattern):
            return True
    return False
