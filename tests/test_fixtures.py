"""Every fixture file is linted and its full findings compared with its `.expected` snapshot.

tests/fixtures/<kind>/<RULE>-<what>.<ext> must fire the rule it is named after;
tests/fixtures/<kind>/ok/* must give no finding at all. Files a fixture names (hook scripts)
are looked up beside it; a `<fixture>.toml` beside a fixture is its configuration (the
POL rules' policies). Run pytest with
--update-snapshots to rewrite the snapshots, then review the diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import FIXTURES
from helpers import lint, snapshot_line

CASES = sorted(p for p in FIXTURES.glob("*/**/*") if p.is_file() and p.suffix in (".yml", ".yaml", ".json"))


def _options(path: Path) -> dict:
    """The rule options of a fixture's configuration, `<fixture>.toml` beside it (a
    .pipelint.toml: the policy fixtures' `[policy]` tables), read as a run reads one."""
    config = path.with_name(path.name + ".toml")
    if not config.exists():
        return {}
    from linter.config import load_config
    from linter.run import _rule_options

    return _rule_options(load_config(str(config)))


def _kind(path: Path) -> str:
    return path.relative_to(FIXTURES).parts[0]


@pytest.mark.parametrize("path", CASES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_snapshot(path: Path, update_snapshots: bool) -> None:
    # cfn-lint's own findings are left to tests/test_cfn.py: its messages change between
    # releases, and these snapshots are about pipelint's rules
    # (CF001 is about cfn-lint failing: its fixtures run it)
    findings = lint(path.read_bytes().decode("utf-8", "replace"), path=path.name, kind=_kind(path),
                    folder=str(path.parent), ignore=[] if path.name.startswith("CF001-") else ["CFN"],
                    rule_options=_options(path))
    actual = "".join(snapshot_line(f) + "\n" for f in findings)
    if path.parent.name == "ok":
        assert actual == "", f"{path.name} must stay quiet"
        return
    rule_id = path.name.split("-")[0]
    assert rule_id in {f.rule for f in findings}, f"{path.name} must fire {rule_id}"
    expected = path.with_name(path.name + ".expected")
    if update_snapshots:
        expected.write_text(actual, encoding="utf-8")
    assert expected.exists(), f"no snapshot for {path.name}: run pytest --update-snapshots and review it"
    assert actual == expected.read_text(encoding="utf-8")


def test_no_orphan_snapshots() -> None:
    for snap in FIXTURES.glob("**/*.expected"):
        assert snap.with_suffix("").exists(), f"{snap} has no fixture"
