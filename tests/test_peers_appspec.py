"""Agreement with the CodeDeploy agent's own parser tests (../shared/bench/peers/codedeploy-agent).

Every AppSpec the agent rejects at parse time must give at least one pipelint error; every
one it accepts must give none, unless pipelint knows better: such cases are listed with the
reason in tests/peers/codedeploy-agent.tsv.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from helpers import SHARED
from linter.engine import Linter, Settings

PEERS = SHARED / "bench" / "peers"
DISAGREE = Path(__file__).resolve().parent / "peers" / "codedeploy-agent.tsv"


def cases() -> list[dict]:
    labels = PEERS / "labels.jsonl"
    if not labels.exists():
        return []
    rows = [json.loads(line) for line in labels.read_text().splitlines() if line.strip()]
    return [r for r in rows if r["peer"] == "codedeploy-agent"]


def deliberate() -> dict[str, str]:
    with open(DISAGREE, encoding="utf-8", newline="") as f:
        return {r["file"]: r["reason"] for r in csv.DictReader(f, delimiter="\t")}


def errors_for(case: dict) -> list:
    path = PEERS / case["file"]
    folder = str(path.parent) if "/features/" in case["file"] else None
    findings = Linter(Settings(kind="appspec")).lint_bytes(case["file"], path.read_bytes(), folder=folder)
    return [f for f in findings or [] if f.severity == "error"]


@pytest.mark.skipif(not cases(), reason="../shared/bench/peers is not beside this checkout")
def test_agreement_with_the_codedeploy_agent() -> None:
    known = deliberate()
    missed, false_alarms, agreed = [], [], 0
    for case in cases():
        errors = errors_for(case)
        assert not [e for e in errors if e.rule == "PL005"], case["file"]
        rejected = case["expected"].get("valid") is False
        if rejected and not errors:
            missed.append(case["file"])
        elif not rejected and errors and case["file"] not in known:
            false_alarms.append(f"{case['file']}: " + "; ".join(f"{e.rule} {e.message}" for e in errors))
        else:
            agreed += 1
    assert missed == [], "the agent rejects these, pipelint says nothing"
    assert false_alarms == [], "the agent accepts these: explain each in tests/peers/codedeploy-agent.tsv"
    stale = [f for f in known if not errors_for(next(c for c in cases() if c["file"] == f))]
    assert stale == [], "listed as deliberate disagreements but pipelint agrees now"
