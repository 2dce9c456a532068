"""The language server's latency against a cold `pipelint check`, per kind.

    python bench/server_latency.py [--rounds 7] [--output FILE]

For each kind (buildspec, appspec, pipeline JSON, template) it takes the corpus file of
median size (../shared/corpus), copies it into a temporary folder, and measures, alternating
one with the other `--rounds` times:
- cold: the wall time of `pipelint check --no-cache FILE` in a fresh process;
- server: the time from a `textDocument/didChange` (the text with a line break added or
  removed) to the `publishDiagnostics` of that version, from one server kept running and
  warmed up (the file opened and changed twice first), each change after a pause longer than
  the server's debounce (a change in the middle of a burst of typing waits for the pause).
Prints the medians and their ratio, and writes them as JSON.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from helpers import CORPUS  # noqa: E402
from lsp_client import LspClient  # noqa: E402

KINDS = {"buildspec": "buildspec", "appspec": "appspec", "pipeline": "pipeline", "cloudformation": "template"}
PAUSE = 0.5  # seconds between changes: past the server's debounce (0.3 s)


def median_file(kind: str) -> Path:
    with open(CORPUS / "MANIFEST.tsv", encoding="utf-8") as f:
        files = [CORPUS / row["file"] for row in csv.DictReader(f, delimiter="\t") if row["kind"] == kind]
    files = sorted((p for p in files if p.is_file()), key=lambda p: (p.stat().st_size, p.name))
    return files[len(files) // 2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--output", default=None)
    args = parser.parse_args()
    pipelint = shutil.which("pipelint") or "pipelint"
    results = {}
    with tempfile.TemporaryDirectory(prefix="pipelint-latency-") as tmp:
        work = Path(tmp)
        files = {}
        for kind, label in KINDS.items():
            source = median_file(kind)
            target = work / label / source.name.split("__")[-1]
            target.parent.mkdir()
            shutil.copyfile(source, target)
            files[label] = (source, target)
        client = LspClient(work)
        try:
            client.initialize(work)
            for label, (source, target) in files.items():
                text = target.read_text(encoding="utf-8")
                language = "json" if target.suffix == ".json" else "yaml"
                uri = client.open(target, text, language)
                client.diagnostics(uri, 1, timeout=120)
                version = 1
                cold, warm = [], []
                for i in range(args.rounds + 2):
                    start = time.perf_counter()
                    subprocess.run([pipelint, "check", "--no-cache", "-q", "--exit-zero", str(target)],
                                   cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
                    elapsed = time.perf_counter() - start
                    time.sleep(PAUSE)
                    version += 1
                    changed = text + "\n" if version % 2 == 0 else text
                    start = time.perf_counter()
                    client.change(uri, changed, version)
                    client.diagnostics(uri, version, timeout=120)
                    round_trip = time.perf_counter() - start
                    if i >= 2:  # the first two are the warm-up
                        cold.append(elapsed)
                        warm.append(round_trip)
                    time.sleep(PAUSE)
                results[label] = {
                    "file": str(source.relative_to(CORPUS)), "bytes": target.stat().st_size,
                    "cold_check_s": round(statistics.median(cold), 4),
                    "server_round_trip_s": round(statistics.median(warm), 4),
                    "ratio": round(statistics.median(warm) / statistics.median(cold), 3),
                    "rounds": args.rounds}
        finally:
            client.close()
    print(f"{'kind':<10} {'bytes':>7} {'cold check':>11} {'server':>9} {'ratio':>6}  file")
    for label, r in results.items():
        print(f"{label:<10} {r['bytes']:>7} {r['cold_check_s'] * 1000:>9.0f}ms {r['server_round_trip_s'] * 1000:>7.1f}ms "
              f"{r['ratio']:>6.3f}  {r['file']}")
    out = args.output or str(ROOT / "bench" / "server_latency.json")
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"cpus": os.cpu_count(), "python": sys.version.split()[0], "results": results}, f, indent=2)
        f.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
