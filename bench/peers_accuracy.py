"""Agreement with the peers' own labelled suites on overbroad IAM and plaintext secrets.

    python bench/peers_accuracy.py [--peers DIR] [--list] [--json] [--pipelint CMD]

Scores pipelint against the cases of ../shared/bench/peers/labels.jsonl whose `category` is
`iam-overbroad` (pipelint category `iam`) or `secret-plaintext` (pipelint category `secrets`),
for the peers cfn_nag, guard-rules-registry and parliament (the README there says what each
peer's `expected` means). pipelint runs once per file kind over all case files, copied into a
temporary folder: templates (cfn_nag, guard-rules-registry) with `--kind cloudformation`,
parliament's standalone policy documents with `--kind iam-policy`.

A unit is one verdict to compare; the peer "flags" it (a positive) or not (a negative):

* cfn_nag rule cases (`peer_check` F3, W12, ...): one unit per logical id of
  `expected.resources`, positive when "fail". pipelint flags it when a finding of the
  category has a `pointer` equal to `/Resources/<id>` or starting with `/Resources/<id>/`
  (a finding on a Parameter, e.g. a NoEcho parameter's Default, does not count for the
  resource that uses it). A "pass" only means "not flagged by this rule": when cfn_nag's
  own labels fail the same resource of the same file under another rule of the category
  (or under a rule no rule case categorises, e.g. F15 from an ALL case), the "pass" unit is
  not scored, since pipelint's verdict is per category, not per cfn_nag rule (listed
  under "label notes").
* cfn_nag `ALL` cases (full rule set, exhaustive list): one positive unit per logical id
  named by a violation whose rule id has the case's category among cfn_nag's rule cases in
  labels.jsonl (e.g. F3/W11/F38/F13 for iam-overbroad, F23 for secret-plaintext; F22, W89,
  F2000 ... are ignored). No negatives are derived from them: cfn_nag's silence on the other
  resources only covers the rules cfn_nag has. `FATAL` cases are `cfn-structure`: not scored.
* guard-rules-registry: one unit per file (guard statuses are per rule for the whole
  template), positive when `expected.rules[peer_check]` is FAIL (PASS and SKIP are negatives).
  For the password rules `peer_check` is the composite ..._NO_PLAINTEXT_PASSWORD; its status
  is used even where `polarity` says positive only because ..._USES_SECURE_PARAMETER fails
  (a `{{resolve:secretsmanager:...}}` password: no plaintext). Such polarity/verdict
  mismatches are counted under "label notes".
* parliament: one unit per file, positive when `expected.finding_ids` is non-empty (every
  iam-overbroad positive holds an overbroad id; the negatives are empty sets). pipelint
  flags it with any finding of category `iam`.

pipelint "flags" a file-level unit with any warning or error of the category in that file
(an info finding does not fail a run, so it is not a flag). A crash is
a PL005 finding in the file, or a run whose output is not JSON (then all its files crashed
and count as not flagged).

Deliberate disagreements are listed in tests/peers/iam-secrets.tsv (tab-separated columns
peer, case_id, reason; blank lines and lines starting with # are ignored): the table shows
the figures with and without those cases. Listed cases that agree by now, or that are not
in labels.jsonl, are reported on stderr. `--list` prints every disagreeing unit for review;
`--json` prints the table (and the disagreements) as one JSON object instead of text.

Exit status 0 (also when the peers folder is absent); 2 when pipelint cannot be run.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PEERS_DIR = Path(__file__).resolve().parents[2] / "shared" / "bench" / "peers"
DELIBERATE = ROOT / "tests" / "peers" / "iam-secrets.tsv"

CATEGORIES = {"iam-overbroad": "iam", "secret-plaintext": "secrets"}
PEERS = ("cfn_nag", "guard-rules-registry", "parliament")
KINDS = {"cfn_nag": "cloudformation", "guard-rules-registry": "cloudformation", "parliament": "iam-policy"}


@dataclass
class Unit:
    peer: str
    case_id: str
    file: str
    category: str  # label category (iam-overbroad / secret-plaintext)
    expected: bool  # the peer flags it
    what: str  # the label, readable
    resource: str | None = None  # logical id, or None for a file-level verdict
    said: bool = False
    crashed: bool = False
    evidence: list[str] = field(default_factory=list)

    @property
    def agrees(self) -> bool:
        return self.said == self.expected


def load_labels(peers: Path) -> list[dict]:
    text = (peers / "labels.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def cfn_nag_rule_categories(labels: list[dict]) -> dict[str, str]:
    """Rule id -> category, from cfn_nag's own rule cases."""
    return {
        d["peer_check"]: d["category"]
        for d in labels
        if d["peer"] == "cfn_nag" and d["peer_check"] not in ("ALL", "FATAL")
    }


def cfn_nag_failures(labels: list[dict]) -> dict[tuple[str, str], set[str]]:
    """(file, logical id) -> the cfn_nag rule ids that fail it, from rule and ALL cases."""
    fails: dict[tuple[str, str], set[str]] = {}
    for d in labels:
        if d["peer"] != "cfn_nag" or d["peer_check"] == "FATAL":
            continue
        if d["peer_check"] == "ALL":
            pairs = [(lid, v["rule_id"]) for v in d["expected"]["violations"] for lid in v["logical_ids"]]
        else:
            pairs = [(lid, d["peer_check"]) for lid, v in d["expected"]["resources"].items() if v == "fail"]
        for lid, rule in pairs:
            fails.setdefault((d["file"], lid), set()).add(rule)
    return fails


def build_units(labels: list[dict]) -> tuple[list[Unit], list[str]]:
    """The units to score, and notes on what the labels leave ambiguous."""
    rule_category = cfn_nag_rule_categories(labels)
    fails = cfn_nag_failures(labels)
    units: list[Unit] = []
    mismatched: dict[str, list[str]] = {}
    dropped: list[str] = []
    for d in labels:
        peer, category, expected = d["peer"], d["category"], d["expected"]
        if peer not in PEERS or category not in CATEGORIES:
            continue
        new: list[Unit] = []
        base = dict(peer=peer, case_id=d["case_id"], file=d["file"], category=category)
        if peer == "cfn_nag" and d["peer_check"] == "ALL":
            ids: dict[str, list[str]] = {}
            for v in expected["violations"]:
                if rule_category.get(v["rule_id"]) == category:
                    for lid in v["logical_ids"]:
                        ids.setdefault(lid, []).append(v["rule_id"])
            for lid, rules in ids.items():
                new.append(Unit(**base, expected=True, resource=lid, what=f"ALL {','.join(rules)}: {lid} fail"))
        elif peer == "cfn_nag" and d["peer_check"] != "FATAL":
            for lid, verdict in expected["resources"].items():
                others = {r for r in fails.get((d["file"], lid), ()) if r != d["peer_check"]
                          and rule_category.get(r, category) == category}
                if verdict == "pass" and others:
                    dropped.append(f"{d['case_id']} {lid} ({','.join(sorted(others))})")
                    continue
                new.append(Unit(**base, expected=verdict == "fail", resource=lid,
                                what=f"{expected['rule_id']}: {lid} {verdict}"))
        elif peer == "guard-rules-registry":
            status = expected["rules"].get(d["peer_check"], "SKIP")
            new.append(Unit(**base, expected=status == "FAIL", what=f"{d['peer_check']}={status}"))
        elif peer == "parliament":
            ids_found = expected["finding_ids"]
            new.append(Unit(**base, expected=bool(ids_found), what="[" + ",".join(ids_found) + "]"))
        if new and any(u.expected for u in new) != (d.get("polarity") == "positive"):
            mismatched.setdefault(peer, []).append(d["case_id"])
        units.extend(new)
    notes = [
        f"{peer}: {len(ids)} case(s) with polarity other than the verdict of `expected` "
        f"(scored by `expected`), e.g. {', '.join(ids[:3])}"
        for peer, ids in mismatched.items()
    ]
    if dropped:
        notes.append(f"cfn_nag: {len(dropped)} 'pass' resource(s) not scored because another cfn_nag rule of "
                     f"the category fails them: {'; '.join(dropped)}")
    return units, notes


def pipelint_command(arg: str | None) -> list[str]:
    if arg:
        return arg.split()
    local = ROOT / ".venv" / "bin" / "pipelint"
    if local.exists():
        return [str(local)]
    found = shutil.which("pipelint")
    return [found] if found else [sys.executable, "-m", "linter"]


def run_pipelint(command: list[str], peers: Path, units: list[Unit]) -> list[dict]:
    """One pipelint run per kind; sets said/crashed/evidence on every unit. Returns run stats."""
    runs = []
    by_kind: dict[str, list[str]] = {}
    for u in units:
        files = by_kind.setdefault(KINDS[u.peer], [])
        if u.file not in files:
            files.append(u.file)
    findings_of: dict[str, list[dict]] = {}
    crashed: set[str] = set()
    for kind, files in by_kind.items():
        with tempfile.TemporaryDirectory(prefix="peers_accuracy_") as tmp:
            names = {}
            for i, rel in enumerate(files):
                name = f"case{i:04d}{Path(rel).suffix}"
                shutil.copyfile(peers / rel, Path(tmp, name))
                names[name] = rel
            start = time.perf_counter()
            try:
                out = subprocess.run(command + ["check", "--format", "json", "--kind", kind, *names],
                                     cwd=tmp, capture_output=True, text=True)
            except OSError as e:
                sys.exit(f"cannot run {' '.join(command)}: {e}")
            elapsed = time.perf_counter() - start
            try:
                report = json.loads(out.stdout)
                findings = report["findings"]
                ok = True
            except (ValueError, KeyError, TypeError):
                findings, ok = [], False
                crashed.update(files)
                print(f"pipelint --kind {kind}: output is not JSON (exit {out.returncode}): "
                      f"{(out.stderr or out.stdout).strip()[:300]}", file=sys.stderr)
            for f in findings:
                rel = names.get(os.path.normpath(os.path.relpath(Path(tmp, f.get("path", "")), tmp)))
                if rel is None:
                    continue
                findings_of.setdefault(rel, []).append(f)
                if f.get("rule") == "PL005":
                    crashed.add(rel)
            runs.append({"kind": kind, "files": len(files), "seconds": round(elapsed, 2),
                         "exit": out.returncode, "json": ok, "findings": len(findings)})
    for u in units:
        wanted = CATEGORIES[u.category]
        # info findings do not fail a run (--fail-on warning): they are not a "flag"
        relevant = [f for f in findings_of.get(u.file, []) if f.get("category") == wanted
                    and f.get("severity") != "info"]
        if u.resource is not None:
            prefix = "/Resources/" + u.resource.replace("~", "~0").replace("/", "~1")
            hits = [f for f in relevant
                    if (f.get("pointer") or "") == prefix or (f.get("pointer") or "").startswith(prefix + "/")]
        else:
            hits = relevant
        u.said = bool(hits)
        u.crashed = u.file in crashed
        u.evidence = [f"{f.get('rule')}@{f.get('pointer') or ''}" for f in relevant]
    return runs


def load_deliberate(path: Path) -> dict[tuple[str, str], str]:
    if not path.exists():
        return {}
    with open(path, encoding="utf-8", newline="") as f:
        lines = [line for line in f if line.strip() and not line.startswith("#")]
    return {(r["peer"], r["case_id"]): r.get("reason") or "" for r in csv.DictReader(lines, delimiter="\t")}


def score(units: list[Unit]) -> dict:
    pos = [u for u in units if u.expected]
    neg = [u for u in units if not u.expected]
    agreed = sum(u.agrees for u in units)
    return {
        "positives": {"agreed": sum(u.agrees for u in pos), "total": len(pos)},
        "negatives": {"agreed": sum(u.agrees for u in neg), "total": len(neg)},
        "agreement": round(100.0 * agreed / len(units), 1) if units else None,
        "cases": len({u.case_id for u in units}),
        "crashes": len({u.case_id for u in units if u.crashed}),
    }


def table(units: list[Unit], deliberate: dict[tuple[str, str], str]) -> dict:
    result = {}
    for peer in PEERS:
        rows = {}
        mine = [u for u in units if u.peer == peer]
        for category in (*CATEGORIES, "all"):
            chosen = [u for u in mine if category in ("all", u.category)]
            kept = [u for u in chosen if (u.peer, u.case_id) not in deliberate]
            row = score(chosen)
            row["excluded_cases"] = row["cases"] - len({u.case_id for u in kept})
            row["after_exclusions"] = score(kept)
            rows[category] = row
        result[peer] = rows
    return result


def print_table(result: dict) -> None:
    def frac(x: dict) -> str:
        return f"{x['agreed']}/{x['total']}"

    def pct(x: float | None) -> str:
        return "-" if x is None else f"{x:.1f}%"

    head = (f"{'category':<17}{'cases':>6}{'positives':>11}{'negatives':>11}{'agree':>8}{'crash':>6}"
            f"  |{'excl':>5}{'positives':>11}{'negatives':>11}{'agree':>8}")
    for peer, rows in result.items():
        unit = {"cfn_nag": "units: resources (ALL cases add positives only)"}.get(peer, "units: files")
        print(f"\n{peer}  ({unit})")
        print(head)
        print("-" * len(head))
        for category, r in rows.items():
            a = r["after_exclusions"]
            print(f"{category:<17}{r['cases']:>6}{frac(r['positives']):>11}{frac(r['negatives']):>11}"
                  f"{pct(r['agreement']):>8}{r['crashes']:>6}  |{r['excluded_cases']:>5}"
                  f"{frac(a['positives']):>11}{frac(a['negatives']):>11}{pct(a['agreement']):>8}")


def disagreements(units: list[Unit], deliberate: dict[tuple[str, str], str]) -> list[dict]:
    out = []
    for u in units:
        if u.agrees:
            continue
        said = "flagged" if u.said else "not flagged"
        if u.crashed:
            said += " (CRASH)"
        out.append({
            "peer": u.peer, "case_id": u.case_id, "file": u.file, "category": u.category,
            "expected": u.what, "peer_flags": u.expected, "pipelint": said,
            "findings": u.evidence, "deliberate": deliberate.get((u.peer, u.case_id)),
        })
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--peers", type=Path, default=PEERS_DIR, help="the peers folder (with labels.jsonl)")
    parser.add_argument("--list", action="store_true", help="print every disagreeing unit")
    parser.add_argument("--json", action="store_true", help="print the table as JSON instead of text")
    parser.add_argument("--deliberate", type=Path, default=DELIBERATE, help="TSV of deliberate disagreements")
    parser.add_argument("--pipelint", help="command that runs pipelint (default: .venv/bin/pipelint)")
    args = parser.parse_args()

    if not (args.peers / "labels.jsonl").exists():
        print(f"no peers benchmark at {args.peers}: nothing to score")
        return 0
    labels = load_labels(args.peers)
    units, notes = build_units(labels)
    deliberate = load_deliberate(args.deliberate)
    start = time.perf_counter()
    runs = run_pipelint(pipelint_command(args.pipelint), args.peers, units)
    elapsed = time.perf_counter() - start

    known = {(d["peer"], d["case_id"]) for d in labels}
    for key in deliberate:
        if key not in known:
            print(f"{args.deliberate.name}: {key[0]} {key[1]} is not in labels.jsonl", file=sys.stderr)
        elif all(u.agrees for u in units if (u.peer, u.case_id) == key):
            print(f"{args.deliberate.name}: {key[0]} {key[1]} is listed but pipelint agrees now (or it is "
                  f"not scored)", file=sys.stderr)

    result = table(units, deliberate)
    diffs = disagreements(units, deliberate)
    if args.json:
        print(json.dumps({"peers": result, "runs": runs, "seconds": round(elapsed, 2), "label_notes": notes,
                          "disagreements": diffs}, indent=2))
        return 0
    print_table(result)
    print("\npipelint runs: " + "; ".join(
        f"--kind {r['kind']}: {r['files']} files, {r['findings']} findings, {r['seconds']} s, exit {r['exit']}"
        + ("" if r["json"] else ", NOT JSON") for r in runs))
    for note in notes:
        print(f"label note: {note}")
    if args.list:
        print(f"\n{len(diffs)} disagreeing units (peer, case_id, file, expected, pipelint):")
        for d in diffs:
            extra = f"  [deliberate: {d['deliberate']}]" if d["deliberate"] is not None else ""
            found = f"  {d['category']} findings: {', '.join(d['findings'])}" if d["findings"] else ""
            print(f"{d['peer']}\t{d['case_id']}\t{d['file']}\t{d['expected']}\t{d['pipelint']}{found}{extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
