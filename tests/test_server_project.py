"""`pipelint server` and the project pass: cross-file (XF) findings on a sample repository
of tests/repos/, published where they sit with relatedInformation, pointed back to from
the open files they name, and cleared when the other file is fixed (in the editor, or on
disk with didChangeWatchedFiles)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsp_client import LspClient
from test_project import make_repo

pytest.importorskip("pygls.lsp.server", reason="the language server needs the server extra (pygls 2)")

CAPABILITIES = {"general": {"positionEncodings": ["utf-16"]},
                "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": True}},
                "textDocument": {"publishDiagnostics": {"versionSupport": True, "relatedInformation": True}}}


def has(code: str):  # noqa: ANN201
    return lambda p: any(d["code"] == code for d in p["diagnostics"])


@pytest.fixture
def client(tmp_path: Path):
    c = LspClient(tmp_path)
    try:
        yield c
    finally:
        c.close()


def test_a_buildspec_fixed_in_the_editor_clears_the_pipelines_finding(client: LspClient, tmp_path: Path) -> None:
    root = make_repo("ecs-rolling--XF003-not-listed", tmp_path / "repo")
    client.initialize(root, CAPABILITIES)
    buildspec = root / "ci" / "buildspec.yml"
    bad = buildspec.read_text()
    uri = client.open(buildspec, bad)
    pipeline = (root / "pipeline.yaml").resolve().as_uri()
    # the finding sits in the pipeline (not open): published there, naming the buildspec
    published = client.wait("textDocument/publishDiagnostics", lambda p: p["uri"] == pipeline and has("XF003")(p))
    [xf] = [d for d in published["diagnostics"] if d["code"] == "XF003"]
    assert xf["range"]["start"] == {"line": 45, "character": 38} and xf["severity"] == 1
    assert xf["message"].startswith("the action Web reads 'imagedefinitions.json' from 'ImageDefs'")
    assert xf["relatedInformation"] == [{
        "location": {"uri": uri, "range": {"start": {"line": 7, "character": 0}, "end": {"line": 7, "character": 0}}},
        "message": "the buildspec's artifacts"}]
    assert "version" not in published or published["version"] is None
    # the buildspec (open) points back at it, as information, with the pipeline's place
    mine = client.wait("textDocument/publishDiagnostics", lambda p: p["uri"] == uri and has("XF003")(p))
    [back] = [d for d in mine["diagnostics"] if d["code"] == "XF003"]
    assert back["severity"] == 3 and back["range"]["start"] == {"line": 7, "character": 0}
    assert back["message"].startswith("the buildspec's artifacts: pipeline.yaml:46 reports: the action Web reads")
    assert back["relatedInformation"][0]["location"]["uri"] == pipeline
    assert back["relatedInformation"][0]["location"]["range"] == xf["range"]
    # fixed in the editor (not saved): both go
    client.change(uri, bad.replace("- build/**/*", "- imagedefinitions.json"), 2)
    cleared = client.wait("textDocument/publishDiagnostics", lambda p: p["uri"] == pipeline)
    assert cleared["diagnostics"] == []
    assert not any(d["code"] == "XF003" for d in
                   client.wait("textDocument/publishDiagnostics",
                               lambda p: p["uri"] == uri and p.get("version") == 2)["diagnostics"])
    # and back again: broken in the buffer, the pipeline's finding returns
    client.change(uri, bad, 3)
    client.wait("textDocument/publishDiagnostics", lambda p: p["uri"] == pipeline and has("XF003")(p))
    # closing the buffer: its text on disk (still broken) counts; the pointer back goes
    client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    closed = client.wait("textDocument/publishDiagnostics", lambda p: p["uri"] == uri)
    assert closed["diagnostics"] == []
    # the pipeline opened: its own diagnostics and the project's in one list; hover has the rule's page
    opened = client.open(root / "pipeline.yaml", (root / "pipeline.yaml").read_text())
    assert opened == pipeline
    mine = client.wait("textDocument/publishDiagnostics", lambda p: p["uri"] == pipeline and p.get("version") == 1
                       and has("XF003")(p))
    assert [d for d in mine["diagnostics"] if d["code"] == "XF003"] == [xf]
    shown = client.request("textDocument/hover", {"textDocument": {"uri": pipeline}, "position": xf["range"]["start"]})
    assert shown["contents"]["value"].startswith("### XF003")


def test_an_appspec_fixed_on_disk_clears_the_finding_and_task_definitions_are_linted(
        client: LspClient, tmp_path: Path) -> None:
    root = make_repo("ecs-bluegreen--XF006-wrong-port", tmp_path / "repo")
    client.initialize(root, CAPABILITIES)
    registration = client.requests_from_server.get(timeout=30)
    globs = [w["globPattern"] for w in registration["params"]["registrations"][0]["registerOptions"]["watchers"]]
    assert "**/*.{yml,yaml,json,template}" in globs
    taskdef = root / "deploy" / "taskdef.json"
    text = taskdef.read_text()
    uri = client.open(taskdef, text, "json")
    assert client.diagnostics(uri, 1) == []  # a task definition of its own: nothing wrong
    pipeline = (root / "pipeline.yaml").resolve().as_uri()
    appspec = root / "deploy" / "appspec.yaml"
    published = client.wait("textDocument/publishDiagnostics", lambda p: p["uri"] == pipeline and has("XF006")(p))
    [xf] = published["diagnostics"]
    assert "routes traffic to port 80 of 'web', which maps only 8080" in xf["message"]
    assert [(r["location"]["uri"], r["location"]["range"]["start"], r["message"]) for r in xf["relatedInformation"]] \
        == [(appspec.resolve().as_uri(), {"line": 8, "character": 25}, "ContainerPort"),
            (uri, {"line": 8, "character": 13}, "the container")]
    mine = client.wait("textDocument/publishDiagnostics", lambda p: p["uri"] == uri and has("XF006")(p))
    [back] = mine["diagnostics"]
    assert back["severity"] == 3 and back["message"].startswith("the container: pipeline.yaml:33 reports:")
    # the appspec (not open) fixed on disk, and the client says so
    appspec.write_text(appspec.read_text().replace("ContainerPort: 80", "ContainerPort: 8080"))
    client.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": appspec.resolve().as_uri(), "type": 2}]})
    assert client.wait("textDocument/publishDiagnostics", lambda p: p["uri"] == pipeline)["diagnostics"] == []
    assert client.wait("textDocument/publishDiagnostics", lambda p: p["uri"] == uri)["diagnostics"] == []
    # a task definition's own rule (TD001) in the buffer, and, at once, what it does to the pipeline:
    # the image placeholder gone, the image the action deploys goes nowhere
    client.change(uri, text.replace('"image": "<IMAGE1_NAME>", ', ""), 2)
    assert [(d["code"], d["severity"]) for d in client.diagnostics(uri, 2)] == [("TD001", 1), ("XF006", 3)]
    [image] = client.wait("textDocument/publishDiagnostics", lambda p: p["uri"] == pipeline)["diagnostics"]
    assert image["code"] == "XF006" and image["message"].startswith("Image1ContainerName is IMAGE1_NAME")


def test_without_related_information_support_the_pointers_back_still_come(client: LspClient, tmp_path: Path) -> None:
    root = make_repo("ecs-rolling--XF002-no-artifacts", tmp_path / "repo")
    client.initialize(root)  # the default capabilities: no relatedInformation
    uri = client.open(root / "ci" / "buildspec.yml", (root / "ci" / "buildspec.yml").read_text())
    pipeline = (root / "pipeline.yaml").resolve().as_uri()
    published = client.wait("textDocument/publishDiagnostics", lambda p: p["uri"] == pipeline and has("XF002")(p))
    assert all("relatedInformation" not in d for d in published["diagnostics"])
    mine = client.wait("textDocument/publishDiagnostics", lambda p: p["uri"] == uri and has("XF002")(p))
    [back] = [d for d in mine["diagnostics"] if d["code"] == "XF002"]
    assert back["severity"] == 3 and "relatedInformation" not in back
    assert back["range"]["start"] == {"line": 0, "character": 0}


def test_a_policy_file_is_linted(client: LspClient, tmp_path: Path) -> None:
    client.initialize(tmp_path)
    uri = client.open(tmp_path / "deploy-policy.json", '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",'
                                                         ' "Action": "iam:*", "Resource": "*"}]}', "json")
    assert any(d["code"].startswith("IAM") for d in client.diagnostics(uri, 1))


def test_a_per_file_finding_the_project_pass_checks_better_goes(client: LspClient, tmp_path: Path) -> None:
    """AS501 (a hook script not beside the AppSpec) is deferred to the project pass when a
    pipeline of the workspace packages the revision: the scripts are where its build takes
    them from, so the buffer's AS501 is withdrawn once the pass has run."""
    root = make_repo("ec2-codedeploy", tmp_path / "repo")
    client.initialize(root, CAPABILITIES)
    appspec = root / "codedeploy" / "appspec.yml"
    uri = client.open(appspec, appspec.read_text())
    first = client.wait("textDocument/publishDiagnostics", lambda p: p["uri"] == uri)
    if any(d["code"] == "AS501" for d in first["diagnostics"]):  # the pass had not run yet: it comes next
        first = client.wait("textDocument/publishDiagnostics", lambda p: p["uri"] == uri)
    assert [d["code"] for d in first["diagnostics"]] == ["AS102"]
    # a change keeps it withdrawn (the pass runs with the lint, one publication)
    client.change(uri, appspec.read_text() + "\n", 2)
    assert [d["code"] for d in client.diagnostics(uri, 2)] == ["AS102"]
