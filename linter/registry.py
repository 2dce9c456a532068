"""Rule packs, found through the `pipelint.rules` entry-point group.

A pack is a module: every `Rule` among its globals is a rule, and a `SCHEMAS` global
lists its `SchemaBinding`s. Packs load in a fixed order (sorted by entry-point name) so
output never depends on install order; ids are checked for form and uniqueness.
"""

from __future__ import annotations

import importlib
import os
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from types import ModuleType

from linter.rule import Rule
from linter.schema_findings import SchemaBinding

GROUP = "pipelint.rules"
BUILTIN = {"core": "linter.rules.core", "appspec": "linter.rules.appspec",
           "buildspec": "linter.rules.buildspec", "codebuild": "linter.rules.codebuild",
           "codedeploy": "linter.rules.codedeploy", "crossfile": "linter.rules.crossfile",
           "ecs": "linter.rules.ecs",
           "cloudformation": "linter.rules.cloudformation", "iam": "linter.rules.iam", "pipeline": "linter.rules.pipeline",
           "policy": "linter.rules.policy", "secrets": "linter.rules.secrets"}


class RegistryError(Exception):
    pass


@dataclass
class Registry:
    rules: dict[str, Rule] = field(default_factory=dict)
    schemas: list[SchemaBinding] = field(default_factory=list)
    origin: dict[str, str] = field(default_factory=dict)
    modules: list[ModuleType] = field(default_factory=list)
    embedded: list = field(default_factory=list)   # finders: Document -> Iterable[Embedded]
    exports: dict = field(default_factory=dict)    # kind -> [Document -> dict]: what a file offers others

    def add_pack(self, label: str, module: ModuleType) -> None:
        self.modules.append(module)
        for value in vars(module).values():
            if isinstance(value, Rule):
                if value.id in self.rules and self.rules[value.id] is not value:
                    raise RegistryError(f"rule {value.id} of {label} is already defined by {self.origin[value.id]}")
                self.rules[value.id] = value
                self.origin[value.id] = label
        self.schemas.extend(getattr(module, "SCHEMAS", ()))
        self.embedded.extend(getattr(module, "EMBEDDED_DOCUMENTS", ()))
        for kind, exporter in getattr(module, "EXPORTS", {}).items():
            self.exports.setdefault(kind, []).append(exporter)

    def by_name(self) -> dict[str, Rule]:
        return {r.name: r for r in self.rules.values()}

    def kinds_with_rules(self) -> set[str]:
        kinds = {k for r in self.rules.values() for k in r.kinds}
        return kinds | {b.kind for b in self.schemas}

    def sorted(self) -> list[Rule]:
        """pipelint's own rules; cfn-lint's (CFN-*, added as a run meets them) are its documentation's."""
        return sorted((r for r in self.rules.values() if not r.id.startswith("CFN-")), key=lambda r: (r.id[:-3], r.id))


def _entry_points() -> dict[str, str]:
    """The `pipelint.rules` entry points of every installed distribution.

    perf: `importlib.metadata.entry_points()` costs about 50 ms (a quarter of the start-up
    budget) because it parses every distribution's metadata; reading only the
    `entry_points.txt` files that mention our group takes a millisecond or two.
    """
    found: dict[str, str] = {}
    seen: set[str] = set()
    for folder in sys.path:
        try:
            entries = list(os.scandir(folder or "."))
        except OSError:
            continue
        for entry in sorted(entries, key=lambda e: e.name):
            if not entry.name.endswith((".dist-info", ".egg-info")):
                continue
            dist = entry.name.split("-")[0].lower()
            if dist in seen:  # the first distribution on sys.path wins, as for imports
                continue
            try:
                with open(os.path.join(entry.path, "entry_points.txt"), encoding="utf-8") as f:
                    text = f.read()
            except OSError:
                continue
            seen.add(dist)
            if f"[{GROUP}]" in text:
                found.update(_group(text))
    return found


def _group(text: str) -> dict[str, str]:
    section = None
    out: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]").strip()
        elif section == GROUP and "=" in line:
            name, value = line.split("=", 1)
            out[name.strip()] = value.strip()
    return out


@lru_cache(maxsize=1)
def load() -> Registry:
    registry = Registry()
    packs = {**BUILTIN, **_entry_points()}
    for name in sorted(packs):
        target = packs[name]
        try:
            module = importlib.import_module(target.split(":")[0])
        except Exception as exc:  # a broken third-party pack must not take the run down
            raise RegistryError(f"cannot load rule pack {name} ({target}): {exc}") from exc
        registry.add_pack(f"{GROUP}[{name}] {target}", module)
    return registry
