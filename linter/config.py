"""Configuration: `[tool.pipelint]` in pyproject.toml, or a `.pipelint.toml`, searched upward.

```toml
[tool.pipelint]
select = ["BS", "SEC"]                 # ids, id prefixes or slugs (default: all)
ignore = ["BS107"]
exclude = ["vendor/", "*.generated.yml"]
fail-on = "error"
[tool.pipelint.per-file-ignores]
"legacy/*.yml" = ["BS102"]
[tool.pipelint.severity]
BS001 = "error"
[tool.pipelint.cfn-lint]
regions = ["eu-west-1"]
ignore = ["W3005"]
[tool.pipelint.policy]                 # organisation policies: linter/policy.py
allowed-images = ["aws/codebuild/standard:7.0"]
```
Unknown keys are errors with a did-you-mean: a misspelt `ignores` must not silently
ignore nothing.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any

from linter.rule import SEVERITIES
from linter.suggest import did_you_mean

KEYS = ("select", "ignore", "exclude", "per-file-ignores", "severity", "fail-on", "rules", "cfn-lint",
        "max-file-size", "time-limit", "policy")
CFN_KEYS = ("regions", "ignore")
FILES = (".pipelint.toml", "pyproject.toml")


class ConfigError(Exception):
    pass


@dataclass
class Config:
    path: str | None = None
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    severity: dict[str, str] = field(default_factory=dict)
    fail_on: str | None = None
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    cfn_regions: list[str] = field(default_factory=list)
    cfn_ignore: list[str] = field(default_factory=list)
    max_file_size: int | None = None
    time_limit: float | None = None
    policy: dict[str, Any] = field(default_factory=dict)   # key -> linter.policy.Policy

    @property
    def folder(self) -> str | None:
        """Where the file's patterns (exclude, per-file-ignores) are rooted."""
        return os.path.dirname(os.path.abspath(self.path)) if self.path else None


def find_config(start: str) -> str | None:
    """The nearest .pipelint.toml, or pyproject.toml holding [tool.pipelint], from `start` up."""
    folder = os.path.abspath(start)
    while True:
        for name in FILES:
            candidate = os.path.join(folder, name)
            if os.path.isfile(candidate):
                if name == "pyproject.toml":
                    try:
                        with open(candidate, "rb") as f:
                            if b"[tool.pipelint" not in f.read():
                                continue
                    except OSError:
                        continue
                return candidate
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def _codes(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        return [c.strip() for c in value.split(",") if c.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value]
    raise ConfigError(f"{where} must be a list of rule ids, prefixes or slugs")


def load_config(path: str, known_rules: dict[str, str] | None = None) -> Config:
    """Read and check one config file. `known_rules` maps ids and slugs to ids."""
    if sys.version_info >= (3, 11):  # imported here: most runs have no config file
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        with open(path, "rb") as f:
            raw = f.read()
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the configuration: {exc}") from exc
    section = "[tool.pipelint]"
    table = ["tool", "pipelint"]
    if os.path.basename(path) == "pyproject.toml" or "tool" in data:
        data = data.get("tool", {}).get("pipelint", {})
    else:
        section = os.path.basename(path)
        table = []
    config = Config(path=path)
    for key, value in data.items():
        where = f"{path}: {section} {key}"
        if key not in KEYS:
            guess = did_you_mean(key, KEYS)
            raise ConfigError(f"{path}: unknown key '{key}' in {section}"
                              + (f"; did you mean '{guess}'?" if guess else f" (known keys: {', '.join(KEYS)})"))
        if key == "select":
            config.select = _codes(value, where)
        elif key == "ignore":
            config.ignore = _codes(value, where)
        elif key == "exclude":
            config.exclude = _codes(value, where)
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                raise ConfigError(f"{where} must be a table of glob = [codes]")
            config.per_file_ignores = {str(k): _codes(v, f"{where}.{k}") for k, v in value.items()}
        elif key == "severity":
            if not isinstance(value, dict):
                raise ConfigError(f"{where} must be a table of rule = severity")
            for rule_code, severity in value.items():
                if severity not in SEVERITIES:
                    raise ConfigError(f"{where}.{rule_code}: severity must be one of {', '.join(SEVERITIES)}")
                rule_id = _rule(rule_code, known_rules, where)
                config.severity[rule_id] = severity
        elif key == "fail-on":
            if value not in SEVERITIES:
                raise ConfigError(f"{where} must be one of {', '.join(SEVERITIES)}")
            config.fail_on = value
        elif key == "max-file-size":
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"{where} must be a number of bytes (e.g. 10485760 for 10 MB)")
            config.max_file_size = value
        elif key == "time-limit":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ConfigError(f"{where} must be a number of seconds (0: no limit)")
            config.time_limit = float(value)
        elif key == "cfn-lint":
            if not isinstance(value, dict):
                raise ConfigError(f"{where} must be a table: regions = [...], ignore = [...]")
            for sub, item in value.items():
                if sub not in CFN_KEYS:
                    guess = did_you_mean(sub, CFN_KEYS)
                    raise ConfigError(f"{where}: unknown key '{sub}'" + (f"; did you mean '{guess}'?" if guess else ""))
            config.cfn_regions = _codes(value.get("regions", []), f"{where}.regions")
            config.cfn_ignore = _codes(value.get("ignore", []), f"{where}.ignore")
        elif key == "policy":
            from linter.policy import load_policies

            config.policy = load_policies(value, path, table, text)
        elif key == "rules":
            if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
                raise ConfigError(f"{where} must be a table of rule = {{option = value}}")
            config.rules = {_rule(k, known_rules, where): v for k, v in value.items()}
    for code in config.select + config.ignore + [c for v in config.per_file_ignores.values() for c in v]:
        _check_code(code, known_rules, path, section)
    return config


def _rule(code: str, known: dict[str, str] | None, where: str) -> str:
    if known is None:
        return code
    if code in known:
        return known[code]
    guess = did_you_mean(code, list(known))
    raise ConfigError(f"{where}: no rule '{code}'" + (f"; did you mean '{guess}'?" if guess else ""))


def _check_code(code: str, known: dict[str, str] | None, path: str, section: str) -> None:
    if known is None or code.upper() == "ALL" or code.upper().startswith("CFN"):
        return
    if code in known or any(rule_id.startswith(code.upper()) for rule_id in known.values()):
        return
    guess = did_you_mean(code, list(known))
    raise ConfigError(f"{path}: {section} names '{code}', which is no rule id, prefix or slug"
                      + (f"; did you mean '{guess}'?" if guess else ""))
