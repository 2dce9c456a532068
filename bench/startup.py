"""Wall-clock time of `pipelint check buildspec.yml`, Python start-up included.

    python bench/startup.py [--runs 21] [FILE]

Prints the median and the spread of the runs, and which heavy modules the run imported
(cfn-lint and ruamel.yaml must not be among them for a buildspec). Target: median <= 0.2 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

SAMPLE = """\
version: 0.2
env:
  variables:
    STAGE: prod
  parameter-store:
    DB_PASSWORD: /prod/db/password
phases:
  install:
    runtime-versions:
      python: "3.12"
    commands:
      - pip install -r requirements.txt
  build:
    commands:
      - pytest
      - docker build -t app .
artifacts:
  files: ['**/*']
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("file", nargs="?")
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    pipelint = shutil.which("pipelint") or os.path.join(os.path.dirname(sys.executable), "pipelint")
    with tempfile.TemporaryDirectory() as tmp:
        path = args.file or os.path.join(tmp, "buildspec.yml")
        if not args.file:
            with open(path, "w") as f:
                f.write(SAMPLE)
        subprocess.run([pipelint, "check", path], capture_output=True)  # warm the OS file cache
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            subprocess.run([pipelint, "check", path], capture_output=True)
            times.append(time.perf_counter() - start)
        probe = ("import sys, runpy; sys.argv=['pipelint','check',%r]\n"
                 "try:\n runpy.run_module('linter', run_name='__main__')\nexcept SystemExit: pass\n"
                 "print([m for m in ('cfnlint','ruamel','jsonschema','rich') if m in sys.modules], file=sys.stderr)"
                 % path)
        heavy = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stderr.strip()
    print(f"pipelint check buildspec.yml: median {statistics.median(times) * 1000:.0f} ms, "
          f"min {min(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms over {args.runs} runs; "
          f"heavy modules imported: {heavy}")


if __name__ == "__main__":
    main()
