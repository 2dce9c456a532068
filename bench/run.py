"""pipelint against the parse floor and its peers, side by side in one run.

    python bench/run.py [--rounds 3] [--sets plain,templates,big,warm,startup] [--output FILE]

Builds its sets from ../shared/corpus in a temporary folder:
- plain: the corpus's buildspecs, appspecs and pipeline JSON, replicated to 1,000+ files;
- templates: the corpus's CloudFormation templates;
- big: one generated template of 6,000 resources (about 1.3 MB);
- warm: the plain set and the templates linted a second time with the cache kept;
- startup: `pipelint check buildspec.yml` and `pipelint --version` against `cfn-lint --version`
  and `python -c pass`.
Each measure runs the commands alternately, `--rounds` times, each in a fresh process, and
keeps the median wall time, CPU time (user + system of the child) and peak memory (the
child's maxrss). The parse floor is libyaml's compose / json.loads over the same files in one
process. cfn-lint alone runs on the templates; checkov (its CloudFormation framework, network
off) when `checkov` is on PATH or CHECKOV names it. Prints a table with ratios and writes
the figures as JSON (default bench/results.json).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
BIN = Path(sys.executable).parent
ENV = {**os.environ, "CI": "true", "NO_COLOR": "1", "CKV_SKIP_PACKAGE_UPDATE_CHECK": "TRUE", "BC_SKIP_MAPPING": "TRUE",
       "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false", "LOG_LEVEL": "ERROR"}
# every tool runs from byte code, as an installed one does: an environment that forbids writing
# it (PYTHONDONTWRITEBYTECODE) would make each run recompile what changed since the last
ENV.pop("PYTHONDONTWRITEBYTECODE", None)

FLOOR = """
import json, sys, yaml
loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
for path in sys.argv[1:]:
    text = open(path, encoding="utf-8", errors="replace").read()
    try:
        json.loads(text) if path.endswith(".json") else yaml.compose(text, Loader=loader)
    except Exception:
        pass
"""


def measure(cmd: list[str], cwd: str, env: dict[str, str] | None = None) -> dict[str, float]:
    """Wall, CPU and peak memory of one run of `cmd` in a fresh process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env or ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mib": usage.ru_maxrss / 1024,
            "status": os.waitstatus_to_exitcode(status)}


def alternate(commands: dict[str, tuple[list[str], str]], rounds: int,
              before: dict[str, callable] | None = None) -> dict[str, dict[str, float]]:
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, (cmd, cwd) in commands.items():
            if before and name in before:
                before[name]()
            runs[name].append(measure(cmd, cwd))
    return {name: {key: statistics.median(r[key] for r in rs) for key in ("wall", "cpu", "rss_mib")}
            | {"status": rs[-1]["status"]} for name, rs in runs.items()}


def build_plain(folder: Path, target: int = 1000) -> list[str]:
    sources = [p for kind in ("buildspec", "appspec", "pipeline") for p in sorted((CORPUS / kind).iterdir())]
    files = []
    copy = 0
    while len(files) < target:
        for path in sources:
            sub = folder / f"copy{copy}" / path.parent.name
            sub.mkdir(parents=True, exist_ok=True)
            (sub / path.name).write_bytes(path.read_bytes())
            files.append(str(sub / path.name))
        copy += 1
    return files


def build_templates(folder: Path) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for i, path in enumerate(sorted((CORPUS / "cloudformation").iterdir())):
        target = folder / f"t{i:03d}{path.suffix}"
        target.write_bytes(path.read_bytes())
        files.append(str(target))
    return files


def build_big(folder: Path, resources: int = 6000) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["AWSTemplateFormatVersion: '2010-09-09'", "Parameters:", "  Stage:", "    Type: String",
             "    Default: dev", "Resources:"]
    for i in range(resources):
        kind = i % 3
        if kind == 0:
            lines += [f"  Bucket{i}:", "    Type: AWS::S3::Bucket", "    Properties:",
                      f"      BucketName: !Sub 'bench-${{Stage}}-{i}'",
                      "      VersioningConfiguration: {Status: Enabled}"]
        elif kind == 1:
            lines += [f"  Queue{i}:", "    Type: AWS::SQS::Queue", "    Properties:",
                      f"      QueueName: !Sub 'bench-${{Stage}}-{i}'", "      VisibilityTimeout: 60"]
        else:
            lines += [f"  Role{i}:", "    Type: AWS::IAM::Role", "    Properties:",
                      "      AssumeRolePolicyDocument:", "        Version: '2012-10-17'", "        Statement:",
                      "          - Effect: Allow", "            Principal: {Service: lambda.amazonaws.com}",
                      "            Action: sts:AssumeRole"]
    path = folder / "big.yaml"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def tool(name: str) -> str | None:
    """The command to run: $NAME, else the one beside this Python (the venv's: PATH may hold
    another install, or a version manager's shim that costs 80 ms a start), else PATH's."""
    return os.environ.get(name.upper()) or (str(BIN / name) if (BIN / name).exists() else None) or shutil.which(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sets", default="startup,plain,warm,templates,big")
    parser.add_argument("--output", default=str(ROOT / "bench" / "results.json"))
    args = parser.parse_args()
    sets = args.sets.split(",")
    import compileall

    for package in ("linter", "rules", "schemas"):
        compileall.compile_dir(str(ROOT / package), quiet=1)
    pipelint, cfn_lint, checkov = tool("pipelint"), tool("cfn-lint"), tool("checkov")
    results: dict[str, object] = {"date": time.strftime("%Y-%m-%d %H:%M"), "cores": os.cpu_count(),
                                  "python": platform.python_version(), "rounds": args.rounds, "sets": {}}
    table: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        py = sys.executable
        if "startup" in sets:
            (work / "buildspec.yml").write_text("version: 0.2\nphases:\n  build:\n    commands: [make]\n")
            r = alternate({"pipelint check buildspec.yml": ([pipelint, "check", "--no-cache", "buildspec.yml"], tmp),
                           "pipelint --version": ([pipelint, "--version"], tmp),
                           "cfn-lint --version": ([cfn_lint, "--version"], tmp),
                           "python -c pass": ([py, "-c", "pass"], tmp)}, max(args.rounds, 5))
            results["sets"]["startup"] = r
            table.append(("check buildspec.yml / cfn-lint --version (CPU)",
                          f"{r['pipelint check buildspec.yml']['cpu']:.3f} s / {r['cfn-lint --version']['cpu']:.3f} s",
                          f"{r['pipelint check buildspec.yml']['cpu'] / r['cfn-lint --version']['cpu']:.2f}x"))
            table.append(("--version / python -c pass (wall)",
                          f"{r['pipelint --version']['wall']:.3f} s / {r['python -c pass']['wall']:.3f} s",
                          f"{r['pipelint --version']['wall'] / r['python -c pass']['wall']:.2f}x"))
        if "plain" in sets or "warm" in sets:
            plain = build_plain(work / "plain")
            floor_script = work / "floor.py"
            floor_script.write_text(FLOOR)
            cache = work / "cache-plain"
            env = {**ENV, "PIPELINT_CACHE_DIR": str(cache)}
            cmds = {"pipelint": ([pipelint, "check", "--no-cache", "--format", "json", "plain"], tmp),
                    "pipelint -j1": ([pipelint, "check", "--no-cache", "-j1", "--format", "json", "plain"], tmp),
                    "parse floor": ([py, str(floor_script), *plain], tmp)}
            r = alternate(cmds, args.rounds)
            r["files"] = len(plain)
            results["sets"]["plain"] = r
            table.append((f"{len(plain)} plain files, wall (files/s)",
                          f"{r['pipelint']['wall']:.2f} s ({len(plain) / r['pipelint']['wall']:.0f}/s); "
                          f"-j1 {r['pipelint -j1']['wall']:.2f} s; floor {r['parse floor']['wall']:.2f} s",
                          f"{r['pipelint']['wall'] / r['parse floor']['wall']:.2f}x the floor"))
            # CPU time does not depend on what else the machine runs (wall time does, a lot)
            table.append((f"{len(plain)} plain files, CPU of one process (-j1)",
                          f"{r['pipelint -j1']['cpu']:.2f} s; floor {r['parse floor']['cpu']:.2f} s",
                          f"{r['pipelint -j1']['cpu'] / r['parse floor']['cpu']:.2f}x the floor"))
            if "warm" in sets:
                first = measure([pipelint, "check", "--format", "json", "plain"], tmp, env)
                warm = [measure([pipelint, "check", "--format", "json", "plain"], tmp, env) for _ in range(args.rounds)]
                w = statistics.median(m["wall"] for m in warm)
                wc = statistics.median(m["cpu"] for m in warm)
                results["sets"]["warm-plain"] = {"first": first["wall"], "warm": w, "first_cpu": first["cpu"],
                                                 "warm_cpu": wc}
                table.append(("plain files, unchanged tree, second run", f"{w:.2f} s after {first['wall']:.2f} s",
                              f"1/{first['wall'] / w:.0f}"))
                table.append(("plain files, second run, CPU", f"{wc:.2f} s after {first['cpu']:.2f} s",
                              f"1/{first['cpu'] / wc:.1f}"))
        if "templates" in sets or "warm" in sets:
            templates = build_templates(work / "templates")
            cmds = {"pipelint": ([pipelint, "check", "--no-cache", "--kind", "cloudformation", "--format", "json",
                                  "templates"], tmp),
                    "cfn-lint": ([cfn_lint, "--format", "parseable", *templates], tmp)}
            if checkov:
                cmds["checkov"] = ([checkov, "--framework", "cloudformation", "--skip-download", "--quiet",
                                    "--compact", "-o", "json", "-d", "templates"], tmp)
            if "templates" in sets:
                r = alternate(cmds, args.rounds)
                r["files"] = len(templates)
                results["sets"]["templates"] = r
                line = f"pipelint {r['pipelint']['wall']:.1f} s, cfn-lint {r['cfn-lint']['wall']:.1f} s"
                ratio = f"{r['pipelint']['wall'] / r['cfn-lint']['wall']:.2f}x cfn-lint"
                if "checkov" in r:
                    line += f", checkov {r['checkov']['wall']:.1f} s"
                    ratio += f", {r['checkov']['wall'] / r['pipelint']['wall']:.2f}x faster than checkov"
                table.append((f"{len(templates)} templates, wall", line, ratio))
            if "warm" in sets:
                env = {**ENV, "PIPELINT_CACHE_DIR": str(work / "cache-templates")}
                cmd = [pipelint, "check", "--kind", "cloudformation", "--format", "json", "templates"]
                first = measure(cmd, tmp, env)
                w = statistics.median(measure(cmd, tmp, env)["wall"] for _ in range(args.rounds))
                results["sets"]["warm-templates"] = {"first": first["wall"], "warm": w}
                table.append(("templates, unchanged tree, second run", f"{w:.2f} s after {first['wall']:.1f} s",
                              f"1/{first['wall'] / w:.0f}"))
        if "big" in sets:
            big = build_big(work / "big")
            r = alternate({"pipelint": ([pipelint, "check", "--no-cache", "--format", "json", big], tmp),
                           "cfn-lint": ([cfn_lint, "--format", "parseable", big], tmp)}, max(1, args.rounds // 2))
            results["sets"]["big"] = r
            table.append((f"big template ({os.path.getsize(big) / 1e6:.1f} MB)",
                          f"pipelint {r['pipelint']['wall']:.1f} s {r['pipelint']['rss_mib']:.0f} MiB, "
                          f"cfn-lint {r['cfn-lint']['wall']:.1f} s {r['cfn-lint']['rss_mib']:.0f} MiB",
                          f"{r['pipelint']['wall'] / r['cfn-lint']['wall']:.2f}x cfn-lint"))
    width = max(len(t[0]) for t in table) if table else 0
    for what, figures, ratio in table:
        print(f"{what:<{width}}  {figures}  [{ratio}]")
    results["table"] = table
    Path(args.output).write_text(json.dumps(results, indent=1) + "\n")
    print(f"written: {args.output}")


if __name__ == "__main__":
    main()
