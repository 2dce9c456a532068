"""No secret is ever printed: every output of every fixture and of examples/ (text, terminal,
JSON, SARIF, GitHub, the --diff patch) and every rule's documentation is searched for every
secret value those files hold. Masks come from every secrets rule, selected or not, and
from token formats in the raw text, so a finding of another rule (a duplicate key, a
syntax error, cfn-lint quoting a value) never shows one either."""

from __future__ import annotations

import importlib
import io
from pathlib import Path

import pytest

from helpers import FIXTURES, ROOT, lint
from linter import registry
from linter.docs import rule_doc, rules_page
from linter.engine import Linter, Settings
from linter.reporters import Report
from linter.run import Options, run

EXAMPLES = ROOT / "examples"
FORMATS = ("text", "json", "sarif", "github", "gitlab", "junit")


def _secret_values(paths: list[Path]) -> set[str]:
    """The text under every mask the engine sets, per file: what must never be printed."""
    values: set[str] = set()
    linter = Linter(Settings(ignore=["CFN"]))
    for path in paths:
        kind = path.relative_to(FIXTURES).parts[0] if FIXTURES in path.parents else None
        linter.settings.kind = kind
        result = linter.lint_file(path.name, path.read_bytes(), folder=str(path.parent))
        if result is None or result.text is None:
            continue
        values |= {result.text[a:b].strip() for a, b in result.masks if b - a >= 6}
    return values


def _outputs(paths: list[str], **settings: object) -> str:
    report = run(Options(paths=paths), Settings(**settings))  # type: ignore[arg-type]
    diff = run(Options(paths=paths, diff=True), Settings(**settings))  # type: ignore[arg-type]
    out = ["".join(diff.patches)]
    for fmt in FORMATS:
        stream = io.StringIO()
        importlib.import_module(f"linter.reporters.{fmt}").render(report, stream)
        out.append(stream.getvalue())
    stream = io.StringIO()
    importlib.import_module("linter.reporters.text").render(report, stream, color="always")  # the terminal view
    out.append(stream.getvalue())
    return "\n".join(out)


FIXTURE_FILES = sorted(p for p in FIXTURES.glob("*/**/*") if p.suffix in (".yml", ".yaml", ".json"))


@pytest.mark.parametrize("kind", sorted({p.relative_to(FIXTURES).parts[0] for p in FIXTURE_FILES}))
def test_no_output_of_any_fixture_prints_a_secret(kind: str) -> None:
    files = [p for p in FIXTURE_FILES if p.relative_to(FIXTURES).parts[0] == kind]
    values = _secret_values(files)
    if kind in ("buildspec", "pipeline", "cloudformation"):
        assert values, "the fixtures hold secrets: the masks must find them"
    text = _outputs([str(p) for p in files], kind=kind, ignore=["CFN"])
    leaked = sorted(v for v in values if v in text)
    assert not leaked, leaked


def test_no_output_of_the_examples_prints_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXAMPLES)
    files = [p for p in EXAMPLES.rglob("*") if p.suffix in (".yml", ".yaml", ".json")]
    values = _secret_values(files)
    assert values
    text = _outputs(["."])  # with cfn-lint: its messages quote values
    assert not sorted(v for v in values if v in text)


def test_rule_documentation_prints_no_secret() -> None:
    rules = registry.load().sorted()
    from linter.reporters import sarif

    text = "\n".join(rule_doc(r) for r in rules) + rules_page(rules) + sarif.dump_json([sarif._rule(r) for r in rules])
    values = set()
    for r in rules:
        if r.category == "secrets" and r.bad:
            kind = r.kinds[0] if r.kinds else "buildspec"
            name = {"buildspec": "buildspec.yml", "appspec": "appspec.yml"}.get(kind, "example.yaml")
            result = Linter(Settings(kind=kind, ignore=["CFN"])).lint_file(name, (r.bad + "\n").encode())
            values |= {result.text[a:b] for a, b in result.masks if b - a >= 6}
    assert len(values) >= 5
    assert not sorted(v for v in values if v in text)
    assert "ghp_Qx7Lm2Rt9Vb4Nc8Kd1Wz6Hs3Fj5Gp0Ya2Ue" not in text  # SEC004's example token


# -- the repros: findings of other rules on a line that holds a secret -------------

def _terminal(report: Report) -> str:
    stream = io.StringIO()
    importlib.import_module("linter.reporters.text").render(report, stream, color="always")
    return stream.getvalue()


def test_duplicate_key_snippet_is_masked(tmp_path: Path) -> None:
    secret = "Zq9-unique-pw-77-dup"
    (tmp_path / "buildspec.yml").write_text(
        f"version: 0.2\nenv:\n  variables:\n    DB_PASSWORD: {secret}\n    DB_PASSWORD: {secret}\n"
        "phases:\n  build:\n    commands: [make]\n")
    report = run(Options(paths=[str(tmp_path)]), Settings(select=["PL"]))  # secrets rules not even selected
    assert [f.rule for f in report.findings] == ["PL002"]
    assert secret not in _terminal(report)


def test_unquoted_json_token_is_not_quoted_in_the_message() -> None:
    token = "ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5"
    (finding,) = lint('{"pipeline": {"stages": [], "token": ' + token + "}}", path="p.json")
    assert finding.rule == "PL001" and token[:5] not in finding.message


def test_cfn_lint_message_is_redacted() -> None:
    text = ('{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"Db": {"Type": "AWS::RDS::DBInstance",'
            ' "Properties": {"Engine": "mysql", "DBInstanceClass": "db.t3.micro", "MasterUsername": "admin",'
            ' "MasterUserPassword": ["Leak-Prod-Passw0rd"], "AllocatedStorage": "20"}}}}')
    findings = lint(text, path="t.json")
    assert any(f.rule == "CFN-E3012" for f in findings)
    assert not [f for f in findings if "Leak-Prod" in f.message]


def test_a_syntax_error_snippet_masks_a_token(tmp_path: Path) -> None:
    token = "ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5"
    (tmp_path / "buildspec.yml").write_text(f"version: 0.2\nphases:\n  build:\n    commands: [echo {token}\n")
    report = run(Options(paths=[str(tmp_path)]), Settings(select=["PL"]))  # SEC006 not selected
    assert [f.rule for f in report.findings] == ["PL001"]
    assert token not in _terminal(report)


def test_an_unparsed_file_reads_a_flow_mapping_as_no_literal() -> None:
    # a Jinja-wrapped template: the secret-named key holds an intrinsic function, not a value
    text = ('{"Resources": {"Creds": {"Type": "AWS::CodeBuild::SourceCredential", "Properties": {\n'
            '  "Token": { "Fn::Join" :\n'
            '    {% raw %} ["", ["{{resolve:secretsmanager:", {"Ref": "GithubToken"}, ":SecretString:token}}"]]\n'
            '  }}}}}\n')
    assert [f.rule for f in lint(text, path="cicdIam.json")] == ["PL001"]
