"""Agreement with cfn_nag, the guard rules registry and parliament on their own labelled IAM and
secrets cases (bench/peers_accuracy.py): 0 crashes, and at least 90 % agreement with each peer
once the deliberate disagreements of tests/peers/iam-secrets.tsv are taken out. Every listed
disagreement must still be one (a stale reason hides a regression fixed by accident)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT, SHARED


@pytest.mark.skipif(not (SHARED / "bench" / "peers" / "labels.jsonl").exists(), reason="no peers benchmark")
def test_agreement_with_peers() -> None:
    pipelint = str(Path(sys.executable).with_name("pipelint"))
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "peers_accuracy.py"), "--json",
                             "--pipelint", pipelint], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "is listed but pipelint agrees now" not in result.stderr, result.stderr
    table = json.loads(result.stdout)["peers"]
    for peer, rows in table.items():
        overall = rows["all"]
        if not overall["cases"]:
            continue
        assert overall["crashes"] == 0, peer
        assert overall["after_exclusions"]["agreement"] >= 90.0, (peer, overall)
