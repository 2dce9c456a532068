"""pipelint's whole run on templates against cfn-lint's own time, both in one process.

    python bench/templates.py [--repeat 3] [FOLDER]

Takes the templates of ../shared/corpus/cloudformation (or FOLDER) and times, in a fresh
process each, best of --repeat: (a) `cfn-lint` over all of them (its own CLI, one process),
(b) `pipelint check` over all of them (cfn-lint's checks included). Target: b <= 1.15 x a.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "cloudformation"


def best(cmd: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, env={**os.environ, "CI": "true"})
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", nargs="?", default=str(CORPUS))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    bindir = os.path.dirname(sys.executable)
    cfn_lint = shutil.which("cfn-lint") or os.path.join(bindir, "cfn-lint")
    pipelint = shutil.which("pipelint") or os.path.join(bindir, "pipelint")
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for i, path in enumerate(sorted(Path(args.folder).iterdir())):
            if path.suffix in (".yaml", ".yml", ".json", ".template"):
                target = Path(tmp, f"t{i:03d}{path.suffix}")
                target.write_bytes(path.read_bytes())
                files.append(str(target))
        theirs = best([cfn_lint, "--format", "parseable", *files], args.repeat)
        ours = best([pipelint, "check", "--kind", "cloudformation", "--format", "json", *files], args.repeat)
    print(f"{len(files)} templates: cfn-lint {theirs:.2f} s, pipelint (cfn-lint included) {ours:.2f} s, "
          f"ratio {ours / theirs:.2f} (target <= 1.15)")


if __name__ == "__main__":
    main()
