"""Real files nobody here wrote (../shared/corpus): no crash, and every error is a judged true problem.

tests/corpus/<kind>.tsv lists each error finding pipelint gives on the corpus with the
verdict of a human review (why it is a real problem). A new error, or one that went away,
fails the test until the list is reviewed again.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from helpers import CORPUS
from linter.engine import Linter, Settings

HERE = Path(__file__).resolve().parent / "corpus"
KINDS = ["buildspec", "appspec", "pipeline", "cloudformation"]


def lint_corpus(kind: str) -> dict[str, list]:
    linter = Linter(Settings(kind=kind, ignore=["CFN"] if kind != "cloudformation" else []))
    out = {}
    for path in sorted((CORPUS / kind).iterdir()):
        findings = linter.lint_bytes(f"{kind}/{path.name}", path.read_bytes(), explicit=False)
        out[path.name] = findings or []
    return out


def expectations(kind: str) -> dict[tuple[str, int, str], str]:
    with open(HERE / f"{kind}.tsv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return {(r["file"], int(r["line"]), r["rule"]): r["verdict"] for r in rows}


@pytest.mark.parametrize("kind", KINDS)
def test_corpus_no_crash_and_errors_reviewed(kind: str) -> None:
    if not (CORPUS / kind).is_dir():
        pytest.skip("../shared/corpus is not beside this checkout")
    results = lint_corpus(kind)
    assert not [f for fs in results.values() for f in fs if f.rule == "PL005"], "internal errors on real files"
    # cfn-lint's own findings are its maintainers' to review; IAM and secrets findings of any
    # severity are reviewed, as they are pipelint's policy
    errors = {(name, f.line, f.rule) for name, fs in results.items() for f in fs
              if not f.rule.startswith("CFN-") and (f.severity == "error" or f.category in ("iam", "secrets"))}
    expected = expectations(kind)
    assert all(verdict.strip() for verdict in expected.values()), "every listed error has a verdict"
    assert sorted(errors - set(expected)) == [], "new errors on real files: review them"
    assert sorted(set(expected) - errors) == [], "errors that went away: update the list"
