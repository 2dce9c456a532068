"""`pipelint server`: the language server, started as a subprocess and spoken to over LSP."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from lsp_client import LspClient, apply_edits

pytest.importorskip("pygls.lsp.server", reason="the language server needs the server extra (pygls 2)")

TYPO = "version: 0.2\nphasez:\n  build:\n    commands:\n      - make\n"
GOOD = "version: 0.2\nphases:\n  build:\n    commands:\n      - make\n"
FAKE_KEY = "AKIA" + "QZ7XK2M4N6P8R3T5"   # an access key id shape (not a real key)
FAKE_SECRET = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYzQ9vE3kT8aLm"


@pytest.fixture
def server(tmp_path: Path):
    client = LspClient(tmp_path)
    try:
        yield client
    finally:
        client.close()


def code_actions(client: LspClient, uri: str, rng: dict, only: list[str] | None = None) -> list[dict]:
    context: dict = {"diagnostics": []}
    if only is not None:
        context["only"] = only
    return client.request("textDocument/codeAction", {"textDocument": {"uri": uri}, "range": rng,
                                                       "context": context}) or []


def hover(client: LspClient, uri: str, line: int, character: int) -> str:
    result = client.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                   "position": {"line": line, "character": character}})
    return result["contents"]["value"] if result else ""


def test_typo_quick_fix_hover_and_shutdown(server: LspClient, tmp_path: Path) -> None:
    init = server.initialize(tmp_path)
    caps = init["capabilities"]
    assert caps["hoverProvider"] and caps["codeActionProvider"]["codeActionKinds"] == ["quickfix",
                                                                                        "source.fixAll.pipelint"]
    assert caps["positionEncoding"] == "utf-16"
    uri = server.open(tmp_path / "buildspec.yml", TYPO)
    diagnostics = server.diagnostics(uri, 1)
    typo = [d for d in diagnostics if d["code"] == "BS001"]
    assert typo == [{
        "range": {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 6}},
        "message": "unknown key 'phasez' in the file; did you mean 'phases'?", "severity": 2,
        "code": "BS001", "codeDescription": {"href": "https://github.com/pipelint/pipelint/blob/main/docs/rules.md#bs001"},
        "source": "pipelint"}]
    assert {d["code"] for d in diagnostics} == {"BS001", "BS103"}  # and no phases section

    actions = code_actions(server, uri, typo[0]["range"], ["quickfix"])
    fix = next(a for a in actions if a["title"].startswith("Fix BS001"))
    assert fix["kind"] == "quickfix" and fix["isPreferred"] is True
    assert fix["diagnostics"][0]["code"] == "BS001"
    assert [a["title"] for a in actions] == ["Fix BS001: rename 'phasez' to 'phases'", "Disable BS001 for this line"]
    fixed = apply_edits(TYPO, fix["edit"]["changes"][uri])
    assert fixed == GOOD

    # hover: on the finding, the rule's documentation; on a key, the schema's description
    doc = hover(server, uri, 1, 3)
    assert doc.startswith("### BS001\n\n**buildspec-unknown-key**") and "did you mean" not in doc
    server.change(uri, fixed, 2)
    assert server.diagnostics(uri, 2) == []
    assert hover(server, uri, 1, 3).startswith("**phases**: The commands CodeBuild runs")  # no rule now
    key = hover(server, uri, 3, 6)
    assert key.startswith("**commands**: Commands run one at a time, in order")
    assert server.close() == 0


def test_fix_all(server: LspClient, tmp_path: Path) -> None:
    server.initialize(tmp_path)
    text = "version: 0.2\nphasez:\n  build:\n    commands:\n      - make\nartifact:\n  files: [a]\n"
    uri = server.open(tmp_path / "buildspec.yml", text)
    diagnostics = server.diagnostics(uri, 1)
    assert sorted(d["code"] for d in diagnostics) == ["BS001", "BS001", "BS103"]
    whole = {"start": {"line": 0, "character": 0}, "end": {"line": 7, "character": 0}}
    fix_all = code_actions(server, uri, whole, ["source.fixAll"])
    assert [a["kind"] for a in fix_all] == ["source.fixAll.pipelint"]
    fixed = apply_edits(text, fix_all[0]["edit"]["changes"][uri])
    assert fixed == text.replace("phasez", "phases").replace("artifact:", "artifacts:")
    server.change(uri, fixed, 2)
    assert [d["code"] for d in server.diagnostics(uri, 2)] == []
    # a client that resolves actions gets "fix all" without its edit until it asks for it
    server.close()
    client = LspClient(tmp_path)
    try:
        client.initialize(tmp_path, {"textDocument": {"codeAction": {"resolveSupport": {"properties": ["edit"]}}}})
        uri = client.open(tmp_path / "buildspec.yml", text)
        client.diagnostics(uri, 1)
        [lazy] = [a for a in code_actions(client, uri, whole) if a["kind"] == "source.fixAll.pipelint"]
        assert "edit" not in lazy
        resolved = client.request("codeAction/resolve", lazy)
        assert apply_edits(text, resolved["edit"]["changes"][uri]) == fixed
    finally:
        client.close()


def test_disable_for_this_line(server: LspClient, tmp_path: Path) -> None:
    server.initialize(tmp_path)
    # the missing phases section (BS103 at line 1) has no fix: it can be disabled on its line
    uri = server.open(tmp_path / "buildspec.yml", "version: 0.2\nenv:\n  shell: bash\n", version=3)
    [missing] = server.diagnostics(uri, 3)
    actions = code_actions(server, uri, missing["range"])
    [disable] = [a for a in actions if a["title"] == "Disable BS103 for this line"]
    disabled = apply_edits("version: 0.2\nenv:\n  shell: bash\n", disable["edit"]["changes"][uri])
    assert disabled == "version: 0.2  # pipelint: disable=BS103\nenv:\n  shell: bash\n"
    server.change(uri, disabled, 4)
    assert server.diagnostics(uri, 4) == []


def test_disable_is_not_offered_in_json_or_inside_a_block_string(server: LspClient, tmp_path: Path) -> None:
    server.initialize(tmp_path)
    appspec = ('{"version": 0.0, "Resources": [{"TargetService": {"Type": "AWS::ECS::Service", "Properties": '
               '{"TaskDefinition": "<TASK_ARN>", "LoadBalancerInfo": {"ContainerName": "app", "ContainerPort": 80}}}}],'
               ' "Hooks": [{"AfterAllowTestTraffic": "check"}]}')
    uri = server.open(tmp_path / "appspec.json", appspec, "json")
    [placeholder] = server.diagnostics(uri, 1)
    assert placeholder["code"] == "AS301"
    actions = code_actions(server, uri, placeholder["range"])
    [fix] = actions  # and no "Disable": JSON has no comments
    assert fix["title"].startswith("Fix AS301") and fix["title"].endswith(" (unsafe)") and "isPreferred" not in fix
    assert "<TASK_DEFINITION>" in apply_edits(appspec, actions[0]["edit"]["changes"][uri])
    # a finding inside a literal block: a `#` there would become part of the script
    text = ("version: 0.2\nphases:\n  build:\n    commands:\n      - |\n        make\n"
            f"        export AWS_SECRET_ACCESS_KEY={FAKE_SECRET}\n      - make test\n")
    uri = server.open(tmp_path / "buildspec.yml", text)
    [inside] = server.diagnostics(uri, 1)
    assert inside["code"] == "SEC002" and inside["range"]["start"]["line"] == 6
    assert not any(a["title"].startswith("Disable") for a in code_actions(server, uri, inside["range"]))
    # the same command on a line of its own can be disabled there
    text = text.replace("- |\n        make\n        export", "- make\n      - export")
    server.change(uri, text, 2)
    [plain] = server.diagnostics(uri, 2)
    assert plain["code"] == "SEC002" and plain["range"]["start"]["line"] == 5
    assert [a["title"] for a in code_actions(server, uri, plain["range"])] == ["Disable SEC002 for this line"]


def test_every_kind_and_a_template_through_cfn_lint(server: LspClient, tmp_path: Path) -> None:
    server.initialize(tmp_path)
    template = ('AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Bucket:\n    Type: AWS::S3::Bucket\n'
                '    Properties:\n      BucketNam: x\n')
    uri = server.open(tmp_path / "template.yaml", template)
    [found] = server.diagnostics(uri, 1)
    assert found["code"] == "CFN-E3002" and found["range"]["start"] == {"line": 5, "character": 6}
    assert found["codeDescription"]["href"].startswith("https://")
    assert "CFN-E3002" in hover(server, uri, 5, 8)
    uri = server.open(tmp_path / "appspec.yml", "version: 0.0\nos: linux\nhooks:\n  ValidateService:\n"
                                                  "    - locaton: a.sh\n")
    assert [d["code"] for d in server.diagnostics(uri, 1)] == ["AS001"]
    assert hover(server, uri, 3, 4).startswith("**ValidateService**: ")
    uri = server.open(tmp_path / "policy.json", '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",'
                                                  ' "Action": "*", "Resource": "*"}]}', "json")
    assert any(d["code"].startswith("IAM") for d in server.diagnostics(uri, 1))
    # a file of no kind pipelint knows: nothing, and no error
    uri = server.open(tmp_path / "values.yaml", "replicas: 3\nimage: nginx\n")
    assert server.diagnostics(uri, 1) == []
    assert code_actions(server, uri, {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 1}}) == []
    assert hover(server, uri, 0, 1) == ""


def test_columns_are_utf16_or_utf32_as_negotiated(tmp_path: Path) -> None:
    text = '{version: 0.2, "x\U0001F600": 1, phasez: {}}\n'
    start_cp = text.index("phasez")
    for offered, character in ((["utf-16"], start_cp + 1), (["utf-32", "utf-16"], start_cp)):
        client = LspClient(tmp_path)
        try:
            init = client.initialize(tmp_path, {"general": {"positionEncodings": offered}})
            assert init["capabilities"]["positionEncoding"] == offered[0]
            uri = client.open(tmp_path / "buildspec.yml", text)
            starts = {d["message"].split("'")[1]: d["range"]["start"]["character"]
                      for d in client.diagnostics(uri, 1) if d["code"] == "BS001"}
            assert starts["phasez"] == character
            assert "### BS001" in hover(client, uri, 0, character + 1)
        finally:
            client.close()


def test_a_buffer_that_keeps_its_byte_order_mark(server: LspClient, tmp_path: Path) -> None:
    server.initialize(tmp_path)
    text = "\ufeffphasez: {}\nversion: 0.2\n"
    uri = server.open(tmp_path / "buildspec.yml", text)
    [typo] = [d for d in server.diagnostics(uri, 1) if d["code"] == "BS001"]
    assert typo["range"] == {"start": {"line": 0, "character": 1}, "end": {"line": 0, "character": 7}}
    [fix] = [a for a in code_actions(server, uri, typo["range"]) if a["title"].startswith("Fix BS001")]
    assert apply_edits(text, fix["edit"]["changes"][uri]) == "\ufeffphases: {}\nversion: 0.2\n"


def test_config_is_read_and_reloaded_when_it_changes(server: LspClient, tmp_path: Path) -> None:
    config = tmp_path / ".pipelint.toml"
    config.write_text('ignore = ["BS001"]\n')
    server.initialize(tmp_path)
    registration = server.requests_from_server.get(timeout=30)
    assert registration["method"] == "client/registerCapability"
    globs = [w["globPattern"] for w in registration["params"]["registrations"][0]["registerOptions"]["watchers"]]
    assert "**/.pipelint.toml" in globs and "**/pyproject.toml" in globs
    uri = server.open(tmp_path / "buildspec.yml", TYPO)
    assert [d["code"] for d in server.diagnostics(uri, 1)] == ["BS103"]
    config.write_text('ignore = ["BS103"]\n')
    server.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": config.as_uri(), "type": 2}]})
    assert [d["code"] for d in server.diagnostics(uri, 1)] == ["BS001"]
    config.write_text('ignores = ["BS103"]\n')  # a bad configuration: said, and the defaults are used
    server.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": config.as_uri(), "type": 2}]})
    message = server.wait("window/showMessage")
    assert message["type"] == 1 and "ignores" in message["message"]
    assert sorted(d["code"] for d in server.diagnostics(uri, 1)) == ["BS001", "BS103"]
    # saved from the editor: read again too
    config.write_text('select = ["BS103"]\n')
    server.notify("textDocument/didSave", {"textDocument": {"uri": config.as_uri()}})
    assert [d["code"] for d in server.diagnostics(uri, 1)] == ["BS103"]


def test_secrets_never_reach_the_client(server: LspClient, tmp_path: Path) -> None:
    server.initialize(tmp_path)
    text = (f"version: 0.2\nenv:\n  variables:\n    AWS_ACCESS_KEY_ID: {FAKE_KEY}\n"
            f"    AWS_SECRET_ACCESS_KEY: {FAKE_SECRET}\nphases:\n  build:\n    commands:\n      - make\n")
    uri = server.open(tmp_path / "buildspec.yml", text)
    diagnostics = server.diagnostics(uri, 1)
    assert any(d["code"].startswith("SEC") for d in diagnostics)
    seen = repr(diagnostics)
    for d in diagnostics:
        seen += repr(code_actions(server, uri, d["range"]))
        seen += hover(server, uri, d["range"]["start"]["line"], d["range"]["start"]["character"])
    assert FAKE_KEY not in seen and FAKE_SECRET not in seen and FAKE_SECRET[:12] not in seen


def test_a_crash_in_one_file_leaves_the_server_up(tmp_path: Path) -> None:
    """The engine turns a rule's exception into PL005; an exception around it (here a
    sabotaged run API) is logged, and the next file is linted as ever."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(
        "import linter.run as run\n"
        "real = run.lint_text\n"
        "def lint_text(linter, path, text, folder=None):\n"
        "    if 'boom' in path:\n"
        "        raise RuntimeError('sabotaged')\n"
        "    return real(linter, path, text, folder)\n"
        "run.lint_text = lint_text\n")
    workspace = tmp_path / "ws"
    workspace.mkdir()
    client = LspClient(workspace, env={"PYTHONPATH": str(site)})
    try:
        client.initialize(workspace)
        uri = client.open(workspace / "boom" / "buildspec.yml", TYPO)
        assert client.diagnostics(uri, 1) == []
        logged = client.wait("window/logMessage", lambda p: "sabotaged" in p["message"])
        assert logged["type"] == 1 and "Traceback" not in logged["message"]
        assert "RuntimeError: sabotaged (at sitecustomize.py:5)" in logged["message"]
        uri = client.open(workspace / "buildspec.yml", TYPO)
        assert "BS001" in {d["code"] for d in client.diagnostics(uri, 1)}
    finally:
        assert client.close() == 0


def test_without_pygls_the_command_says_what_to_install(tmp_path: Path) -> None:
    hide = tmp_path / "pygls"
    hide.mkdir()
    (hide / "__init__.py").write_text("raise ImportError('hidden by the test')\n")
    done = subprocess.run([sys.executable, "-m", "linter", "server"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, env={**__import__("os").environ, "PYTHONPATH": str(tmp_path)},
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    assert "pip install 'pipelint[server]'" in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""


def test_a_burst_of_changes_ends_with_the_last_text_and_close_clears(server: LspClient, tmp_path: Path) -> None:
    server.initialize(tmp_path)
    uri = server.open(tmp_path / "buildspec.yml", GOOD)
    assert server.diagnostics(uri, 1) == []
    for version in range(2, 8):  # typing: only the last text must be what the editor is left with
        server.change(uri, TYPO if version % 2 else GOOD, version)
    last = server.diagnostics(uri, 7)
    assert {d["code"] for d in last} == {"BS001", "BS103"}
    published = [n["params"]["version"] for n in server.notifications
                 if n.get("method") == "textDocument/publishDiagnostics"]
    assert all(v < 7 for v in published)  # nothing after the last: no stale result overwrote it
    server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    assert server.wait("textDocument/publishDiagnostics", lambda p: p["uri"] == uri)["diagnostics"] == []
