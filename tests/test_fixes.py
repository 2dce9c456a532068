"""Automatic fixes: every rule whose findings carry edits says so in its metadata, and each
fix gives exactly the text expected, lints without the finding it fixes and still parses.
Secrets never reach the output of --diff, --show-fixes or the fixed text."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

from helpers import FIXTURES, cli, lint
from linter import registry
from linter.fixes import apply_edits

RULES = registry.load().sorted()
BY_ID = {r.id: r for r in RULES}


@lru_cache(maxsize=None)
def _edits_seen() -> dict[str, frozenset[str]]:
    """rule id -> the applicabilities of the edits its findings carry, over every fixture
    and every rule example."""
    seen: dict[str, set[str]] = {}
    cases = [(p.read_bytes().decode("utf-8", "replace"), p.name, p.relative_to(FIXTURES).parts[0], str(p.parent))
             for p in sorted(FIXTURES.glob("*/**/*")) if p.is_file() and p.suffix in (".yml", ".yaml", ".json")]
    for r in RULES:
        for example in (r.bad, r.good):
            if example and r.kinds:
                cases.append((example + "\n", "buildspec.yml", r.kinds[0], str(FIXTURES / r.kinds[0])))
    for text, name, kind, folder in cases:
        for f in lint(text, path=name, kind=kind, folder=folder, ignore=["CFN"]):
            if f.edits:
                seen.setdefault(f.rule, set()).add(f.applicability)
    return {k: frozenset(v) for k, v in seen.items()}


ALLOWED = {"safe": {"safe"}, "unsafe": {"unsafe"}, "mixed": {"safe", "unsafe"}, "": set()}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_autofix_metadata_matches_the_edits(rule) -> None:
    seen = _edits_seen().get(rule.id, frozenset())
    assert seen <= ALLOWED[rule.autofix], \
        f"{rule.id}'s findings carry {sorted(seen)} edits but the rule declares autofix={rule.autofix!r}"
    if rule.autofix:
        assert seen, f"{rule.id} declares an automatic fix, but no fixture or example shows one"
        assert rule.autofix_does and not rule.autofix_does.endswith(".")


# -- helpers ---------------------------------------------------------------------------

def _fix(text: str, path: str, rule: str, kind: str | None = None, unsafe: bool = True,
         folder: str | None = None) -> str:
    """`text` with the fixes of `rule`'s findings applied (one pass); asserts there was one."""
    findings = [f for f in lint(text, path=path, kind=kind, folder=folder, ignore=["CFN"]) if f.rule == rule]
    new, applied = apply_edits(text, findings, unsafe)
    assert applied, f"{rule} offered no fix"
    return new


def _parses(text: str, path: str) -> None:
    if path.endswith(".json"):
        json.loads(text)
    else:
        yaml.load(text, Loader=_CfnLoader)


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags (!Ref ...) read as plain values."""


_CfnLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def _quiet(text: str, path: str, rule: str, words: str = "", kind: str | None = None,
           folder: str | None = None) -> None:
    """The fixed text parses and `rule` no longer reports what was fixed."""
    _parses(text, path)
    left = [f for f in lint(text, path=path, kind=kind, folder=folder, ignore=["CFN"])
            if f.rule == rule and words in f.message]
    assert not left, [f.message for f in left]
    assert not [f for f in lint(text, path=path, kind=kind, folder=folder, ignore=["CFN"])
                if f.rule in ("PL001", "PL002", "PL003")]


# -- NoEcho: true on a secret parameter (SEC005, safe) --------------------------------------

TEMPLATE_TAIL = "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n"


@pytest.mark.parametrize("before, after", [
    ("Parameters:\n  DbPassword:\n    Type: String\n    MinLength: 8\n" + TEMPLATE_TAIL,
     "Parameters:\n  DbPassword:\n    NoEcho: true\n    Type: String\n    MinLength: 8\n" + TEMPLATE_TAIL),
    ("Parameters:\n    DbPassword:\n        Type: String\n" + TEMPLATE_TAIL,
     "Parameters:\n    DbPassword:\n        NoEcho: true\n        Type: String\n" + TEMPLATE_TAIL),
    ("Parameters:\n  DbPassword: {Type: String, MinLength: 8}\n" + TEMPLATE_TAIL,
     "Parameters:\n  DbPassword: {NoEcho: true, Type: String, MinLength: 8}\n" + TEMPLATE_TAIL),
    ("Parameters:\n  DbPassword:\n    Type: String\n    NoEcho: false\n" + TEMPLATE_TAIL,
     "Parameters:\n  DbPassword:\n    Type: String\n    NoEcho: true\n" + TEMPLATE_TAIL),
    ("Parameters:\r\n  DbPassword:\r\n    Type: String\r\n" + TEMPLATE_TAIL.replace("\n", "\r\n"),
     "Parameters:\r\n  DbPassword:\r\n    NoEcho: true\r\n    Type: String\r\n" + TEMPLATE_TAIL.replace("\n", "\r\n")),
], ids=["block", "four-spaces", "flow", "false", "crlf"])
def test_no_echo_yaml(before: str, after: str) -> None:
    assert _fix(before, "template.yaml", "SEC005") == after
    _quiet(after, "template.yaml", "SEC005", "not NoEcho")


JSON_TEMPLATE = """{
  "Parameters": {
    "GitHubToken": {
      "Type": "String",
      "Description": "token"
    },
    "Stage": {"Type": "String"}
  },
  "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}
}
"""


def test_no_echo_json_multiline() -> None:
    after = _fix(JSON_TEMPLATE, "template.json", "SEC005")
    assert after == JSON_TEMPLATE.replace('"GitHubToken": {\n', '"GitHubToken": {\n      "NoEcho": true,\n')
    assert json.loads(after)["Parameters"]["GitHubToken"]["NoEcho"] is True
    _quiet(after, "template.json", "SEC005", "not NoEcho")


def test_no_echo_json_one_line() -> None:
    text = JSON_TEMPLATE.replace('{\n      "Type": "String",\n      "Description": "token"\n    }', '{"Type": "String"}')
    after = _fix(text, "template.json", "SEC005")
    assert '"GitHubToken": {"NoEcho": true, "Type": "String"}' in after
    _quiet(after, "template.json", "SEC005", "not NoEcho")


def test_no_echo_through_a_ref_to_a_parameter_of_another_name() -> None:
    text = ("Parameters:\n  Credential:\n    Type: String\nResources:\n  Db:\n    Type: AWS::RDS::DBInstance\n"
            "    Properties:\n      Engine: mysql\n      MasterUsername: admin\n      MasterUserPassword: !Ref Credential\n")
    after = _fix(text, "template.yaml", "SEC005")
    assert after == text.replace("  Credential:\n", "  Credential:\n    NoEcho: true\n")
    _quiet(after, "template.yaml", "SEC005")


def test_no_echo_is_a_safe_fix_and_applied_with_plain_fix(workdir: Path, capsys) -> None:
    (workdir / "template.yaml").write_text("Parameters:\n  ApiToken:\n    Type: String\n" + TEMPLATE_TAIL)
    code, out, err = cli(["check", "--fix", "--ignore", "CFN", "template.yaml"], capsys)
    assert (workdir / "template.yaml").read_text() == \
        "Parameters:\n  ApiToken:\n    NoEcho: true\n    Type: String\n" + TEMPLATE_TAIL
    assert "fixed 1 problem" in err


# -- a literal password property to a dynamic reference (SEC005, unsafe) -----------------

PASSWORD_YAML = """Resources:
  Db:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: mysql
      MasterUsername: admin
      MasterUserPassword: 'Zq9-unique-pw-77'
"""
REFERENCE = "{{resolve:secretsmanager:CHANGE-ME:SecretString:password}}"


def test_password_property_yaml() -> None:
    after = _fix(PASSWORD_YAML, "template.yaml", "SEC005")
    assert after == PASSWORD_YAML.replace("'Zq9-unique-pw-77'", f"'{REFERENCE}'")
    assert "Zq9" not in after
    _quiet(after, "template.yaml", "SEC005")


def test_password_property_json_and_plain_fix_leaves_it() -> None:
    text = ('{"Resources": {"Db": {"Type": "AWS::RDS::DBInstance", "Properties": {"Engine": "mysql",\n'
            '  "MasterUsername": "admin", "MasterUserPassword": "Zq9-unique-pw-77"}}}}\n')
    after = _fix(text, "template.json", "SEC005")
    assert after == text.replace('"Zq9-unique-pw-77"', json.dumps(REFERENCE))
    _quiet(after, "template.json", "SEC005")
    findings = [f for f in lint(text, path="template.json", ignore=["CFN"]) if f.rule == "SEC005"]
    assert apply_edits(text, findings, unsafe=False) == (text, []), "unsafe: not applied by a plain --fix"
    assert "Zq9" not in findings[0].fix


def test_a_secrets_own_value_is_not_replaced() -> None:
    text = ("Resources:\n  S:\n    Type: AWS::SecretsManager::Secret\n    Properties:\n"
            "      SecretString: Zq9-unique-pw-77-long\n      Password: Zq9-unique-pw-77\n")
    assert not [f.edits for f in lint(text, path="template.yaml", ignore=["CFN"]) if f.edits]


# -- a plaintext buildspec secret to env.parameter-store (SEC001, unsafe) ---------------------

SECRET = "Zq9-unique-pw-77"
PHASES = "phases:\n  build:\n    commands: [make]\n"


@pytest.mark.parametrize("before, after", [
    (f"version: 0.2\nenv:\n  variables:\n    DB_PASSWORD: {SECRET}\n" + PHASES,
     "version: 0.2\nenv:\n  parameter-store:\n    DB_PASSWORD: /CHANGE-ME/DB_PASSWORD\n" + PHASES),
    (f"version: 0.2\nenv:\n  variables:\n    STAGE: prod\n    DB_PASSWORD: {SECRET}  # prod\n" + PHASES,
     "version: 0.2\nenv:\n  parameter-store:\n    DB_PASSWORD: /CHANGE-ME/DB_PASSWORD\n  variables:\n"
     "    STAGE: prod\n" + PHASES),
    (f"version: 0.2\nenv:\n  variables:\n    DB_PASSWORD: \"{SECRET}\"\n    STAGE: prod\n"
     "  parameter-store:\n    OTHER: /app/other\n" + PHASES,
     "version: 0.2\nenv:\n  variables:\n    STAGE: prod\n  parameter-store:\n"
     "    DB_PASSWORD: /CHANGE-ME/DB_PASSWORD\n    OTHER: /app/other\n" + PHASES),
    (f"version: 0.2\nenv:\n  variables:\n    DB_PASSWORD: {SECRET}\n  parameter-store:\n    OTHER: /app/other\n"
     + PHASES,
     "version: 0.2\nenv:\n  parameter-store:\n    DB_PASSWORD: /CHANGE-ME/DB_PASSWORD\n    OTHER: /app/other\n"
     + PHASES),
    (f"version: 0.2\nenv: {{variables: {{STAGE: prod, DB_PASSWORD: '{SECRET}'}}}}\n" + PHASES,
     "version: 0.2\nenv: {parameter-store: {DB_PASSWORD: /CHANGE-ME/DB_PASSWORD}, variables: {STAGE: prod}}\n"
     + PHASES),
    (f"version: 0.2\nenv:\n  variables: {{DB_PASSWORD: '{SECRET}'}}\n" + PHASES,
     "version: 0.2\nenv:\n  parameter-store: {DB_PASSWORD: '/CHANGE-ME/DB_PASSWORD'}\n" + PHASES),
], ids=["only", "with-others", "into-store", "only-into-store", "flow", "flow-only"])
def test_buildspec_secret_moves_to_parameter_store(before: str, after: str) -> None:
    fixed = _fix(before, "buildspec.yml", "SEC001")
    assert fixed == after
    assert SECRET not in fixed
    _quiet(fixed, "buildspec.yml", "SEC001")
    assert yaml.safe_load(fixed)["env"]["parameter-store"]["DB_PASSWORD"] == "/CHANGE-ME/DB_PASSWORD"


def test_a_name_already_in_a_store_is_not_moved() -> None:
    text = f"version: 0.2\nenv:\n  variables:\n    DB_PASSWORD: {SECRET}\n  secrets-manager:\n    DB_PASSWORD: db:pw\n"
    assert not [f for f in lint(text + PHASES) if f.edits]


def test_secret_fix_text_never_holds_the_value() -> None:
    (finding,) = [f for f in lint(f"version: 0.2\nenv:\n  variables:\n    DB_PASSWORD: {SECRET}\n" + PHASES)
                  if f.rule == "SEC001"]
    assert SECRET not in finding.fix and all(SECRET not in e.text for e in finding.edits)
    assert "aws ssm put-parameter --name /CHANGE-ME/DB_PASSWORD --type SecureString --value '<the secret>'" \
        in finding.fix
    assert "aws secretsmanager create-secret" in finding.fix


TWO_SECRETS = (f"version: 0.2\nenv:\n  variables:\n    STAGE: prod\n    DB_PASSWORD: {SECRET}\n"
               "    GITHUB_TOKEN: ghp_Qx7Lm2Rt9Vb4Nc8Kd1Wz6Hs3Fj5Gp0Ya2Ue\n" + PHASES)


@pytest.mark.parametrize("args", [["--diff", "--unsafe-fixes", "--show-fixes"], ["--show-fixes"],
                                  ["--fix", "--unsafe-fixes", "--show-fixes"],
                                  ["--diff", "--unsafe-fixes", "--format", "json", "-o", "r.json"],
                                  ["--fix", "--unsafe-fixes", "--format", "sarif"]])
def test_no_secret_reaches_the_output(workdir: Path, capsys, args: list[str]) -> None:
    (workdir / "buildspec.yml").write_text(TWO_SECRETS)
    code, out, err = cli(["check", *args, "buildspec.yml"], capsys)
    report = (workdir / "r.json").read_text() if (workdir / "r.json").exists() else ""
    for leaked in (SECRET, "ghp_Qx7L"):
        assert leaked not in out and leaked not in err and leaked not in report
    if "--fix" in args:  # both moved (the second on a later pass), the values gone
        text = (workdir / "buildspec.yml").read_text()
        assert SECRET not in text and "ghp_" not in text
        assert yaml.safe_load(text)["env"] == {
            "parameter-store": {"DB_PASSWORD": "/CHANGE-ME/DB_PASSWORD", "GITHUB_TOKEN": "/CHANGE-ME/GITHUB_TOKEN"},
            "variables": {"STAGE": "prod"}}
    if args[0] == "--diff":
        assert "not shown" in err and (workdir / "buildspec.yml").read_text() == TWO_SECRETS


# -- the source stage first (CP201, unsafe) ----------------------------------------------------

@pytest.mark.parametrize("name, kind", [("pipeline/CP201-source-stage-second.json", "pipeline"),
                                        ("cloudformation/CP201-source-stage-second.yaml", None)])
def test_source_stage_moves_first(name: str, kind: str | None) -> None:
    path = FIXTURES / name
    text = path.read_text()
    after = _fix(text, path.name, "CP201", kind=kind)
    _quiet(after, path.name, "CP201", kind=kind)
    _quiet(after, path.name, "CP202", kind=kind)  # the build now reads the source after it exists
    if kind == "pipeline":
        stages = json.loads(after)["pipeline"]["stages"]
        assert [s["name"] for s in stages] == ["Source", "Build"]
        assert stages == list(reversed(json.loads(text)["pipeline"]["stages"]))
        assert after.startswith(text[:text.index('{"name": "Build"')] + '{"name": "Source"')
        assert after.endswith('"inputArtifacts": [{"name": "Src"}]}]}\n  ]}}\n')
    else:
        stages = yaml.load(after, Loader=_CfnLoader)["Resources"]["Pipeline"]["Properties"]["Stages"]
        assert [s["Name"] for s in stages] == ["Source", "Build"]
        start = text.index("        - Name: Build")
        source = text[text.index("        - Name: Source"):text.index("Outputs:")]
        build = text[start:text.index("        # the source")]
        assert after == text[:start] + source + build + "        # the source\n" + text[text.index("Outputs:"):]


def test_source_stage_is_not_moved_when_source_actions_are_in_two_stages() -> None:
    text = (FIXTURES / "pipeline" / "CP201-source-stage-second.json").read_text()
    two = text.replace('"category": "Build"', '"category": "Source"')
    assert not [f for f in lint(two, path="pipeline.json", kind="pipeline") if f.rule == "CP201" and f.edits]


def test_source_stage_move_needs_unsafe_fixes(workdir: Path, capsys) -> None:
    text = (FIXTURES / "pipeline" / "CP201-source-stage-second.json").read_text()
    (workdir / "pipeline.json").write_text(text)
    code, patch, err = cli(["check", "--diff", "pipeline.json"], capsys)
    assert patch == ""
    code, patch, err = cli(["check", "--diff", "--unsafe-fixes", "pipeline.json"], capsys)
    assert patch.startswith("--- a/pipeline.json\n+++ b/pipeline.json\n") and '+    {"name": "Build"' in patch
    cli(["check", "--fix", "pipeline.json"], capsys)
    assert (workdir / "pipeline.json").read_text() == text
    code, out, err = cli(["check", "--fix", "--unsafe-fixes", "pipeline.json"], capsys)
    assert json.loads((workdir / "pipeline.json").read_text())["pipeline"]["stages"][0]["name"] == "Source"
    assert "CP201" not in out and "fixed 1 problem" in err


# -- an input artifact misspelt (CP203, unsafe) ------------------------------------------------

def test_misspelt_input_artifact_is_renamed() -> None:
    path = FIXTURES / "pipeline" / "CP203-undefined-artifact.json"
    text = path.read_text()
    after = _fix(text, "pipeline.json", "CP203", kind="pipeline")
    assert after == text.replace('"name": "Bundel"', '"name": "Bundle"')
    _quiet(after, "pipeline.json", "CP203", "Bundel", kind="pipeline")


def test_input_artifact_close_to_two_outputs_is_not_renamed() -> None:
    text = (FIXTURES / "pipeline" / "CP203-undefined-artifact.json").read_text()
    two = text.replace('{\n                "name": "Bundle"\n              }', '{"name": "Bundle"}, {"name": "Bundles"}')
    assert two != text
    (finding,) = [f for f in lint(two, path="pipeline.json", kind="pipeline") if f.rule == "CP203"]
    assert "Bundel" in finding.message and not finding.edits, "two close names: a rename would be a guess"


# -- safe fixes that were there already: Hooks -> hooks, quoted runtime versions -------------

def test_ec2_hooks_key_is_lowercased() -> None:
    text = "version: 0.0\nos: linux\nHooks:\n  ValidateService:\n    - location: scripts/check.sh\n"
    after = _fix(text, "appspec.yml", "AS002", unsafe=False, folder=str(FIXTURES / "appspec"))
    assert after == text.replace("Hooks:", "hooks:")
    _quiet(after, "appspec.yml", "AS002", folder=str(FIXTURES / "appspec"))
    json_text = '{"version": 0.0, "os": "linux", "Hooks": {"ValidateService": [{"location": "scripts/check.sh"}]}}\n'
    after = _fix(json_text, "appspec.json", "AS002", unsafe=False, folder=str(FIXTURES / "appspec"))
    assert after == json_text.replace('"Hooks"', '"hooks"')
    _quiet(after, "appspec.json", "AS002", folder=str(FIXTURES / "appspec"))


@pytest.mark.parametrize("before, after", [
    ("python: 3.10", 'python: "3.10"'), ("golang: 1.20", 'golang: "1.20"'),
    ("nodejs: 18\n      python: 3.10", 'nodejs: 18\n      python: "3.10"'),
])
def test_numeric_runtime_version_is_quoted(before: str, after: str) -> None:
    head = "version: 0.2\nphases:\n  install:\n    runtime-versions:\n      "
    fixed = _fix(head + before + "\n", "buildspec.yml", "BS107", unsafe=False)
    assert fixed == head + after + "\n"
    _quiet(fixed, "buildspec.yml", "BS107")
    assert not [f for f in lint(head + 'python: "3.10"\n') if f.rule == "BS107"], "already quoted: nothing to fix"


# -- the command line: --unsafe-fixes, --show-fixes, the summary ------------------------------

MIXED = "version: 0.2\nphases:\n  prebuild:\n    commands: [make]\n"
MIXED_TEMPLATE = "Parameters:\n  ApiToken:\n    Type: String\n" + PASSWORD_YAML


def test_summary_counts_safe_and_unsafe_fixes(workdir: Path, capsys) -> None:
    (workdir / "template.yaml").write_text(MIXED_TEMPLATE)
    code, out, _ = cli(["check", "--ignore", "CFN", "template.yaml"], capsys)
    assert out.rstrip().endswith("(1 fixable with --fix, 1 more with --unsafe-fixes)")
    (workdir / "template.yaml").write_text(PASSWORD_YAML)
    code, out, _ = cli(["check", "--ignore", "CFN", "template.yaml"], capsys)
    assert out.rstrip().endswith("(1 fixable with --fix --unsafe-fixes)")
    (workdir / "buildspec.yml").write_text(MIXED)
    code, out, _ = cli(["check", "buildspec.yml"], capsys)
    assert out.rstrip().endswith("(1 fixable with --fix)")


def test_show_fixes_lists_fixable_findings(workdir: Path, capsys) -> None:
    (workdir / "template.yaml").write_text(MIXED_TEMPLATE)
    code, out, _ = cli(["check", "--show-fixes", "--ignore", "CFN", "template.yaml"], capsys)
    lines = out.splitlines()
    at = lines.index("pipelint: 2 fixes available:")
    assert lines[at + 1:at + 3] == [
        "  template.yaml:2:3 SEC005 add NoEcho: true (and no Default) [safe]",
        "  template.yaml:10:27 SEC005 revoke the password (it is in the repository's history), store a new one in "
        "Secrets Manager (aws secretsmanager create-secret --name <name> --secret-string "
        "'{\"password\": \"<the secret>\"}') and write {{resolve:secretsmanager:CHANGE-ME:SecretString:password}} "
        "with CHANGE-ME replaced by the secret's name [unsafe]"]
    assert lines[-1].startswith("pipelint: 1 error, 1 warning in 1 file"), "the fixes come before the summary"
    assert SECRET not in out
    code, out, _ = cli(["check", "--ignore", "CFN", "template.yaml"], capsys)
    assert "fixes available" not in out, "only with --show-fixes"


def test_show_fixes_with_fix_lists_what_was_applied(workdir: Path, capsys) -> None:
    (workdir / "template.yaml").write_text(MIXED_TEMPLATE)
    code, out, err = cli(["check", "--fix", "--show-fixes", "--ignore", "CFN", "template.yaml"], capsys)
    assert "pipelint: 1 fix applied:\n  template.yaml:2:3 SEC005 add NoEcho: true (and no Default) [safe]\n" in out
    assert "(1 fixable with --fix --unsafe-fixes)" in out, "the unsafe one is left, and said so"
    code, out, err = cli(["check", "--fix", "--unsafe-fixes", "--show-fixes", "--ignore", "CFN", "template.yaml"],
                         capsys)
    assert "pipelint: 1 fix applied:\n  template.yaml:11:27 SEC005 revoke" in out and "[unsafe]" in out
    assert (workdir / "template.yaml").read_text() == \
        MIXED_TEMPLATE.replace("Type: String\n", "NoEcho: true\n    Type: String\n", 1) \
        .replace("'Zq9-unique-pw-77'", f"'{REFERENCE}'")


def test_show_fixes_with_another_format_goes_to_stderr(workdir: Path, capsys) -> None:
    (workdir / "buildspec.yml").write_text(MIXED)
    code, out, err = cli(["check", "--show-fixes", "--format", "json", "buildspec.yml"], capsys)
    json.loads(out)  # the report stays JSON
    assert "buildspec.yml:3:3 BS002 rename 'prebuild' to 'pre_build' [safe]" in err


def test_unsafe_fixes_without_fix_changes_nothing(workdir: Path, capsys) -> None:
    (workdir / "template.yaml").write_text(MIXED_TEMPLATE)
    cli(["check", "--unsafe-fixes", "--ignore", "CFN", "template.yaml"], capsys)
    assert (workdir / "template.yaml").read_text() == MIXED_TEMPLATE


# -- SARIF carries the fixes, the unsafe ones marked ------------------------------------------

def test_sarif_fixes_carry_their_applicability(workdir: Path, capsys) -> None:
    from helpers import SHARED

    (workdir / "template.yaml").write_text(MIXED_TEMPLATE)
    code, out, _ = cli(["check", "--format", "sarif", "--ignore", "CFN", "template.yaml"], capsys)
    sarif = json.loads(out)
    schema = SHARED / "sarif" / "sarif-schema-2.1.0.json"
    if schema.exists():
        import jsonschema

        jsonschema.Draft4Validator(json.loads(schema.read_text())).validate(sarif)
    fixes = {r["message"]["text"].split(" ")[0]: r["fixes"][0] for r in sarif["runs"][0]["results"] if "fixes" in r}
    assert fixes["parameter"]["properties"] == {"applicability": "safe"}
    assert fixes["MasterUserPassword"]["properties"] == {"applicability": "unsafe"}
    assert fixes["MasterUserPassword"]["description"]["text"].startswith("(unsafe: review it) revoke the password")
    (change,) = fixes["MasterUserPassword"]["artifactChanges"]
    assert change["replacements"] == [{
        "deletedRegion": {"startLine": 10, "startColumn": 27, "endLine": 10, "endColumn": 45},
        "insertedContent": {"text": f"'{REFERENCE}'"}}]
    assert SECRET not in out


# -- every fixture, fixed with every fix, still parses -----------------------------------------

def test_every_fixture_fixes_without_a_refusal(tmp_path: Path, monkeypatch, capsys) -> None:
    import shutil

    shutil.copytree(FIXTURES, tmp_path / "fixtures")
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(["check", "--fix", "--unsafe-fixes", "--no-cache", "--jobs", "1", "--ignore", "CFN",
                          "fixtures"], capsys)
    assert "PL010" not in out and "PL005" not in out and "Traceback" not in err
    assert "fixed" in err
    for path in (tmp_path / "fixtures").glob("**/*"):
        if path.suffix in (".yml", ".yaml", ".json") and path.read_bytes() != (FIXTURES / path.relative_to(
                tmp_path / "fixtures")).read_bytes():
            findings = lint(path.read_text(encoding="utf-8", errors="replace"), path=path.name,
                            kind=path.relative_to(tmp_path / "fixtures").parts[0], folder=str(path.parent),
                            ignore=["CFN"])
            assert not [f for f in findings if f.rule in ("PL001", "PL002", "PL003")], path.name


def test_anchored_secret_is_not_moved() -> None:
    text = (f"version: 0.2\nenv:\n  variables:\n    STAGE: prod\n    DB_PASSWORD: &pw {SECRET}\n"
            "    OTHER_PASSWORD: *pw\n" + PHASES)
    assert not [f for f in lint(text) if f.edits], "cutting the anchor would break the alias"


def test_buildspec_secret_move_keeps_crlf() -> None:
    before = f"version: 0.2\r\nenv:\r\n  variables:\r\n    STAGE: prod\r\n    DB_PASSWORD: {SECRET}\r\n" + \
        PHASES.replace("\n", "\r\n")
    after = _fix(before, "buildspec.yml", "SEC001")
    assert after == ("version: 0.2\r\nenv:\r\n  parameter-store:\r\n    DB_PASSWORD: /CHANGE-ME/DB_PASSWORD\r\n"
                     "  variables:\r\n    STAGE: prod\r\n" + PHASES.replace("\n", "\r\n"))
    _quiet(after, "buildspec.yml", "SEC001")


def test_a_moved_stage_never_carries_a_token() -> None:
    """Moving a stage that holds a token would write the token into the edit, which JSON
    output shows: such a move is no fix."""
    text = (FIXTURES / "pipeline" / "CP201-source-stage-second.json").read_text().replace(  # where no rule looks
        '{"name": "Source", "actions"', '{"name": "Source", "x-note": "ghp_Qx7Lm2Rt9Vb4Nc8Kd1Wz6Hs3Fj5Gp0Ya2Uea", "actions"')
    findings = lint(text, path="pipeline.json", kind="pipeline")
    assert "CP201" in {f.rule for f in findings}
    assert not [f for f in findings if f.rule == "CP201" and f.edits]


def test_source_stage_moves_first_in_a_json_template() -> None:
    data = yaml.load((FIXTURES / "cloudformation" / "CP201-source-stage-second.yaml").read_text(), Loader=_CfnLoader)
    del data["Outputs"]
    text = json.dumps(data, indent=2) + "\n"
    after = _fix(text, "template.json", "CP201")
    stages = data["Resources"]["Pipeline"]["Properties"]["Stages"]
    data["Resources"]["Pipeline"]["Properties"]["Stages"] = [stages[1], stages[0]]
    assert after == json.dumps(data, indent=2) + "\n", "the same text as if written in that order"
    _quiet(after, "template.json", "CP201")


def test_buildspec_secret_move_follows_the_files_indentation() -> None:
    before = f"version: 0.2\nenv:\n    variables:\n        STAGE: prod\n        DB_PASSWORD: {SECRET}\n" + PHASES
    after = _fix(before, "buildspec.yml", "SEC001")
    assert after == ("version: 0.2\nenv:\n    parameter-store:\n        DB_PASSWORD: /CHANGE-ME/DB_PASSWORD\n"
                     "    variables:\n        STAGE: prod\n" + PHASES)
    _quiet(after, "buildspec.yml", "SEC001")


def test_buildspec_secret_last_in_a_file_without_a_final_line_break() -> None:
    before = f"version: 0.2\nphases:\n  build:\n    commands: [make]\nenv:\n  variables:\n    STAGE: prod\n" \
             f"    DB_PASSWORD: {SECRET}"
    after = _fix(before, "buildspec.yml", "SEC001")
    assert after == ("version: 0.2\nphases:\n  build:\n    commands: [make]\nenv:\n  parameter-store:\n"
                     "    DB_PASSWORD: /CHANGE-ME/DB_PASSWORD\n  variables:\n    STAGE: prod\n")
    _quiet(after, "buildspec.yml", "SEC001")
