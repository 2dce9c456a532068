"""Files per second for one run over many buildspecs.

    python bench/throughput.py [--files 1000]

Copies the buildspecs of ../shared/corpus/buildspec (or a built-in sample when absent)
round-robin into a temporary folder as buildspec-N.yml and times one
`pipelint check --format json FOLDER`, process start included. Target: >= 500 files/s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from startup import SAMPLE

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "buildspec"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=1000)
    args = parser.parse_args()
    sources = [p.read_bytes() for p in sorted(CORPUS.iterdir())] if CORPUS.is_dir() else [SAMPLE.encode()]
    pipelint = shutil.which("pipelint") or os.path.join(os.path.dirname(sys.executable), "pipelint")
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.files):
            Path(tmp, f"buildspec-{i}.yml").write_bytes(sources[i % len(sources)])
        subprocess.run([pipelint, "check", "--format", "json", tmp], capture_output=True)  # warm
        start = time.perf_counter()
        out = subprocess.run([pipelint, "check", "--format", "json", tmp], capture_output=True, text=True)
        elapsed = time.perf_counter() - start
    findings = len(json.loads(out.stdout)["findings"])
    print(f"{args.files} buildspecs ({'corpus' if CORPUS.is_dir() else 'sample'}) in {elapsed:.2f} s: "
          f"{args.files / elapsed:.0f} files/s, {findings} findings")


if __name__ == "__main__":
    main()
