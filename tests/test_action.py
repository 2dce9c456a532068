"""action.yml, the composite GitHub Action: its shape, and its shell steps run here the way
a runner runs them (`bash --noprofile --norc -eo pipefail`), with the expressions the
runner would substitute, a fake GITHUB_OUTPUT and RUNNER_TEMP."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers import ROOT

TEXT = (ROOT / "action.yml").read_text(encoding="utf-8")
ACTION = yaml.safe_load(TEXT)
STEPS = ACTION["runs"]["steps"]
EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
BASH = shutil.which("bash")
needs_bash = pytest.mark.skipif(BASH is None, reason="bash is not installed")


def _step(step_id: str) -> dict:
    return next(s for s in STEPS if s.get("id") == step_id)


def test_the_action_is_composite_with_the_documented_inputs() -> None:
    assert ACTION["runs"]["using"] == "composite"
    inputs = ACTION["inputs"]
    assert set(inputs) == {"paths", "fail-on", "config", "version", "sarif", "category"}
    assert inputs["paths"]["default"] == "." and inputs["sarif"]["default"] == "true"
    assert all(isinstance(i.get("default"), str) and i.get("description") for i in inputs.values())
    used = set(re.findall(r"\binputs\.([A-Za-z0-9_-]+)", TEXT))
    assert used == set(inputs), "every input is used, and only inputs that exist"


def test_step_outputs_are_written_before_they_are_read() -> None:
    seen: dict[str, set[str]] = {}
    for step in STEPS:
        refs = re.findall(r"steps\.([a-z-]+)\.outputs\.([a-z-]+)", json.dumps(step))
        for step_id, name in refs:
            assert name in seen.get(step_id, set()), f"steps.{step_id}.outputs.{name} before it is written"
        if "id" in step and "run" in step:
            seen[step["id"]] = set(re.findall(r'echo "([a-z-]+)=', step["run"]))
    for name, output in ACTION["outputs"].items():
        step_id, out = re.fullmatch(r"\$\{\{ steps\.([a-z-]+)\.outputs\.([a-z-]+) \}\}", output["value"]).groups()
        assert out in seen[step_id], name


def test_inputs_reach_the_scripts_through_the_environment_only() -> None:
    """A `${{ }}` inside a script is pasted into the shell text (template injection)."""
    scripts = [s for s in STEPS if "run" in s]
    assert len(scripts) == 3
    for step in scripts:
        assert step["shell"] == "bash"
        assert "${{" not in step["run"]


def test_upload_runs_always_and_the_job_fails_after_it() -> None:
    upload = next(i for i, s in enumerate(STEPS) if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert "always()" in STEPS[upload]["if"] and "inputs.sarif == 'true'" in STEPS[upload]["if"]
    assert STEPS[upload]["with"] == {"sarif_file": "${{ steps.run.outputs.sarif-file }}",
                                     "category": "${{ inputs.category }}"}
    fail = STEPS[-1]
    assert upload < len(STEPS) - 1 and "always()" in fail["if"] and "STATUS" in fail["env"]
    assert "exit 0" in _step("run")["run"].splitlines()[-1], "the run step itself never fails the job"


@needs_bash
def test_every_script_passes_bash_n(tmp_path: Path) -> None:
    for i, step in enumerate(s for s in STEPS if "run" in s):
        script = tmp_path / f"step{i}.sh"
        script.write_text(step["run"])
        done = subprocess.run([BASH, "-n", str(script)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr


# -- running the steps --------------------------------------------------------------------

def _evaluate(value: str, inputs: dict[str, str], python: str) -> str:
    def one(m: re.Match[str]) -> str:
        expr = m.group(1)
        if expr.startswith("inputs."):
            return inputs[expr[len("inputs."):]]
        if expr == "steps.install.outputs.python":
            return python
        if expr.startswith("steps.run.outputs."):
            return inputs["_" + expr[len("steps.run.outputs."):]]
        raise AssertionError(f"an expression this test does not know: {expr}")
    return EXPR.sub(one, value)


def _run(step_id: str | None, tmp_path: Path, step: dict | None = None, path: str | None = None,
         python: str = sys.executable, **given: str) -> tuple[int, dict[str, str], str]:
    """Run one step's script as the runner would: (exit status, its outputs, its stdout+stderr)."""
    step = step or _step(step_id)
    inputs = {k: v["default"] for k, v in ACTION["inputs"].items()}
    inputs.update({k[0] + k[1:].replace("_", "-"): v for k, v in given.items()})  # _exit_code: steps.run's
    outputs = tmp_path / "github_output"
    outputs.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_", "INPUT_", "PIPELINT_"))}
    env.update({k: _evaluate(str(v), inputs, python) for k, v in step.get("env", {}).items()})
    env.update({"GITHUB_OUTPUT": str(outputs), "RUNNER_TEMP": str(tmp_path), "GITHUB_ACTION_PATH": str(ROOT),
                "GITHUB_WORKSPACE": str(ROOT), "PIPELINT_PLAIN": "1"})
    if path is not None:
        env["PATH"] = path
    script = tmp_path / "step.sh"
    script.write_text(step["run"])
    done = subprocess.run([BASH, "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    written = dict(line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line)
    return done.returncode, written, done.stdout + done.stderr


@needs_bash
def test_the_run_step_with_the_defaults_writes_sarif_and_keeps_the_status(tmp_path: Path) -> None:
    code, out, log = _run("run", tmp_path, paths="examples/")
    assert code == 0, log
    assert out["exit-code"] == "1", log                      # the examples hold errors
    report = json.loads(Path(out["sarif-file"]).read_text(encoding="utf-8"))
    (run,) = report["runs"]
    assert run["automationDetails"] == {"id": "pipelint/"}
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert uris and all(u.startswith("examples/") for u in uris), uris   # relative to the workspace


@needs_bash
def test_the_run_step_passes_every_input_to_the_command_line(tmp_path: Path) -> None:
    config = tmp_path / "pipelint.toml"
    config.write_text('ignore = ["BS107", "SEC"]\n')
    code, out, log = _run("run", tmp_path, paths="  examples/buildspec.yml\nexamples/appspec.yml\n\n",
                          fail_on="error", config=str(config), category="infra/ci")
    assert code == 0 and out["exit-code"] == "1", log
    (run,) = json.loads(Path(out["sarif-file"]).read_text(encoding="utf-8"))["runs"]
    assert run["automationDetails"] == {"id": "infra/ci/"}
    rules = {r["ruleId"] for r in run["results"]}
    files = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert files == {"examples/buildspec.yml", "examples/appspec.yml"}
    assert rules and not any(r == "BS107" or r.startswith("SEC") for r in rules)


@needs_bash
def test_without_sarif_the_findings_are_annotations(tmp_path: Path) -> None:
    code, out, log = _run("run", tmp_path, paths="examples/appspec.yml", sarif="false")
    assert code == 0 and out["exit-code"] == "1" and "sarif-file" not in out
    assert re.search(r"^::error file=examples/appspec\.yml,line=\d+,col=\d+", log, re.M), log


@needs_bash
def test_a_usage_error_is_exit_status_2_and_fails_the_last_step(tmp_path: Path) -> None:
    code, out, log = _run("run", tmp_path, paths="examples/", fail_on="bogus")
    assert code == 0 and out["exit-code"] == "2", log
    assert "--fail-on takes error, warning or info" in log
    fail = STEPS[-1]
    for status, expected in (("0", 0), ("1", 1), ("2", 2)):
        code, _, log = _run(None, tmp_path, step=fail, _exit_code=status)
        assert code == expected, log
        assert ("::error" in log) == (expected != 0)


def _stub(path: Path, log: Path, version_ok: bool) -> None:
    path.write_text(f"""#!{BASH}
echo "$(basename "$0") $*" >> "{log}"
if [ "$1" = "-c" ]; then exit {0 if version_ok else 1}; fi
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then mkdir -p "$3/bin" && cp "$0" "$3/bin/python"; fi
exit 0
""")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@needs_bash
@pytest.mark.parametrize("version, spec", [("", str(ROOT)), ("pipelint==0.4.0", "pipelint==0.4.0")])
def test_the_install_step_installs_into_a_venv_of_its_own(tmp_path: Path, version: str, spec: str) -> None:
    """With a stand-in python3 that records what it is asked (nothing is downloaded)."""
    stubs, log = tmp_path / "bin", tmp_path / "calls.log"
    stubs.mkdir()
    _stub(stubs / "python3", log, version_ok=True)
    code, out, output = _run("install", tmp_path, path=f"{stubs}{os.pathsep}/usr/bin{os.pathsep}/bin", version=version)
    assert code == 0, output
    venv = tmp_path / "pipelint-venv"
    assert out["python"] == f"{venv}/bin/python"
    calls = log.read_text().splitlines()
    assert f"python3 -m venv {venv}" in calls
    assert f"python -m pip install --quiet --disable-pip-version-check {spec}" in calls


@needs_bash
def test_the_install_step_says_when_python_is_too_old(tmp_path: Path) -> None:
    stubs, log = tmp_path / "bin", tmp_path / "calls.log"
    stubs.mkdir()
    _stub(stubs / "python3", log, version_ok=False)
    code, out, output = _run("install", tmp_path, path=f"{stubs}{os.pathsep}/usr/bin{os.pathsep}/bin")
    assert code == 2 and "actions/setup-python" in output and "python" not in out


def test_the_readme_usage_names_only_inputs_the_action_has() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    snippet = readme.split("<!-- action:start -->\n```yaml\n", 1)[1].split("```", 1)[0]
    workflow = yaml.safe_load(snippet)
    assert workflow["permissions"]["security-events"] == "write"
    (step,) = [s for s in workflow["jobs"]["pipelint"]["steps"] if "pipelint" in s.get("uses", "")]
    assert step["uses"] == "OWNER/pipelint@v0" and "`OWNER/pipelint` stands for" in readme
    shown = set(step["with"]) | set(re.findall(r"^\s+# ([a-z-]+): ", snippet, re.M))
    assert shown == set(ACTION["inputs"]), "the README shows every input, and only those"
