"""The language server's cross-file (project pass) latency against a cold `pipelint check`.

    python bench/server_project_latency.py [--rounds 7] [--output FILE]

Two workspaces, each copied into a temporary folder: the sample repository
tests/repos/ecs-bluegreen--XF006-wrong-port (3 files: an XF006 finding in pipeline.yaml
naming deploy/appspec.yaml), and the corpus (../shared/corpus, ~330 files). For each it
measures, alternating `--rounds` times:
- cold: the wall time of `pipelint check --no-cache .` in the folder, in a fresh process;
- change: from a `textDocument/didChange` of an open file (a line break added or removed)
  to the `publishDiagnostics` of that version, which the server sends after the buffer's
  own lint and the workspace's project pass (one server kept running, warmed up);
- for the sample repository, also: xf-buffer, from a didChange of the open appspec that
  fixes or breaks the port to the publishDiagnostics of pipeline.yaml (not open) that
  clears or shows XF006; and xf-disk, the same with the appspec written on disk and a
  `workspace/didChangeWatchedFiles` (the server waits 0.1 s for the rest of a burst).
Prints the medians and writes them as JSON.
"""

from __future__ import annotations

import argparse
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

PAUSE = 0.5  # seconds between changes: past the server's debounce (0.3 s)
CAPS = {"general": {"positionEncodings": ["utf-16"]},
        "textDocument": {"publishDiagnostics": {"versionSupport": True, "relatedInformation": True}}}


def cold(pipelint: str, root: Path) -> float:
    start = time.perf_counter()
    subprocess.run([pipelint, "check", "--no-cache", "-q", "--exit-zero", "."], cwd=root,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def sample(work: Path) -> Path:
    root = work / "ecs-bluegreen"
    shutil.copytree(ROOT / "tests" / "repos" / "ecs-bluegreen", root)
    shutil.copytree(ROOT / "tests" / "repos" / "ecs-bluegreen--XF006-wrong-port", root, dirs_exist_ok=True)
    (root / ".git").mkdir()
    return root


def measure(pipelint: str, root: Path, edited: Path, rounds: int, xf: bool) -> dict:
    out: dict[str, list[float]] = {"cold_check_s": [], "change_s": []}
    if xf:
        out["xf_buffer_s"], out["xf_disk_s"] = [], []
    files = sum(1 for _ in root.rglob("*") if _.is_file())
    client = LspClient(root)
    try:
        client.initialize(root, CAPS)
        text = edited.read_text(encoding="utf-8")
        uri = client.open(edited, text, "json" if edited.suffix == ".json" else "yaml")
        client.diagnostics(uri, 1, timeout=120)
        pipeline = (root / "pipeline.yaml").resolve().as_uri()
        if xf:
            client.wait("textDocument/publishDiagnostics", lambda p: p["uri"] == pipeline, timeout=120)
        time.sleep(2 * PAUSE)
        version = 1
        for i in range(rounds + 2):
            elapsed = cold(pipelint, root)
            time.sleep(PAUSE)
            version += 1
            start = time.perf_counter()
            client.change(uri, text + "\n" if version % 2 == 0 else text, version)
            client.diagnostics(uri, version, timeout=120)
            change = time.perf_counter() - start
            time.sleep(PAUSE)
            if xf:  # fix the port in the buffer, then break it again, timing the pipeline's publication
                times = []
                for new in (text.replace("ContainerPort: 80", "ContainerPort: 8080"), text):
                    version += 1
                    start = time.perf_counter()
                    client.change(uri, new, version)
                    client.wait("textDocument/publishDiagnostics", lambda p: p["uri"] == pipeline, timeout=120)
                    times.append(time.perf_counter() - start)
                    time.sleep(PAUSE)
                client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
                client.wait("textDocument/publishDiagnostics", lambda p: p["uri"] == uri, timeout=120)
                time.sleep(PAUSE)
                client.notifications.clear()
                disk = []
                for new in (text.replace("ContainerPort: 80", "ContainerPort: 8080"), text):
                    start = time.perf_counter()
                    edited.write_text(new, encoding="utf-8")
                    client.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": uri, "type": 2}]})
                    client.wait("textDocument/publishDiagnostics", lambda p: p["uri"] == pipeline, timeout=120)
                    disk.append(time.perf_counter() - start)
                    time.sleep(PAUSE)
                version += 1
                client.notify("textDocument/didOpen", {"textDocument": {
                    "uri": uri, "languageId": "yaml", "version": version, "text": text}})
                client.diagnostics(uri, version, timeout=120)
                time.sleep(PAUSE)
            if i >= 2:  # the first two are the warm-up
                out["cold_check_s"].append(elapsed)
                out["change_s"].append(change)
                if xf:
                    out["xf_buffer_s"] += times
                    out["xf_disk_s"] += disk
    finally:
        client.close()
    result = {k: round(statistics.median(v), 4) for k, v in out.items()}
    result["files"] = files
    result["rounds"] = rounds
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--output", default=None)
    args = parser.parse_args()
    pipelint = shutil.which("pipelint") or "pipelint"
    results = {}
    with tempfile.TemporaryDirectory(prefix="pipelint-project-latency-") as tmp:
        work = Path(tmp)
        root = sample(work)
        results["ecs-bluegreen"] = measure(pipelint, root, root / "deploy" / "appspec.yaml", args.rounds, True)
        corpus = work / "corpus"
        shutil.copytree(CORPUS, corpus)
        edited = sorted((corpus / "buildspec").glob("*.yml"))[0]
        results["corpus"] = measure(pipelint, corpus, edited, args.rounds, False)
    for name, r in results.items():
        extra = "".join(f"  {k[:-2]} {r[k] * 1000:.0f}ms" for k in ("xf_buffer_s", "xf_disk_s") if k in r)
        print(f"{name:<14} {r['files']:>4} files  cold check {r['cold_check_s'] * 1000:.0f}ms  "
              f"change {r['change_s'] * 1000:.0f}ms{extra}")
    out = args.output or str(ROOT / "bench" / "server_project_latency.json")
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"cpus": os.cpu_count(), "python": sys.version.split()[0], "results": results}, f, indent=2)
        f.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
