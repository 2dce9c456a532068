"""XF008 lambda-appspec-function beyond the sample repositories: which template a Lambda
AppSpec is checked against, a run that names the AppSpec alone, and the unknowns that are
never reported."""

from __future__ import annotations

import shutil
from pathlib import Path

from test_project import REPOS, lines_of, make_repo, project_run


def _xf008(root: Path, paths: list[str] | None = None) -> list[str]:
    return [line for line in lines_of(project_run(root, paths), root) if " XF008 " in line]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_an_appspec_named_alone_is_checked_against_the_template(tmp_path) -> None:
    root = make_repo("lambda-deploy--XF008-unknown-function", tmp_path / "r")
    found = _xf008(root, [str(root / "appspec.yml")])
    assert len(found) == 1 and found[0].startswith("appspec.yml:6:15 XF008 error the AppSpec deploys function "
                                                   "'order-api'")
    assert _xf008(root, [str(root / "template.yaml")]) == [], "findings sit in the AppSpec, which was not named"


def test_function_names_that_cannot_be_read_silence_the_name_check(tmp_path) -> None:
    root = make_repo("lambda-deploy--XF008-unknown-function", tmp_path / "r")
    _edit(root / "template.yaml", "      FunctionName: payments-api\n",
          "      FunctionName: !Sub \"${AWS::StackName}-payments\"\n")
    assert _xf008(root) == []


def test_a_function_of_another_template_is_checked_there(tmp_path) -> None:
    root = make_repo("lambda-deploy--XF008-unknown-alias", tmp_path / "r")
    (root / "other").mkdir()
    (root / "other" / "template.yaml").write_text(
        "Resources:\n  Order:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      FunctionName: order-api\n      AutoPublishAlias: lve\n      CodeUri: s3://b/k.zip\n"
        "      Runtime: python3.12\n      Handler: app.handler\n", encoding="utf-8")
    _edit(root / "appspec.yml", "Name: orders-api", "Name: order-api")
    assert _xf008(root) == []
    _edit(root / "appspec.yml", "Alias: lve", "Alias: live")
    found = _xf008(root)
    assert len(found) == 1 and "'other/template.yaml' gives Order only the alias lve" in found[0]


def test_the_nearest_lambda_application_template_is_the_one(tmp_path) -> None:
    root = make_repo("lambda-deploy", tmp_path / "r")
    (root / "svc").mkdir()
    shutil.copy(REPOS / "lambda-deploy" / "template.yaml", root / "svc" / "template.yaml")
    _edit(root / "svc" / "template.yaml", "FunctionName: orders-api", "FunctionName: svc-orders")
    (root / "svc" / "appspec.yml").write_text((root / "appspec.yml").read_text().replace("orders-api", "svc-order"),
                                              encoding="utf-8")
    found = _xf008(root)
    assert len(found) == 1 and found[0].startswith("svc/appspec.yml:6:15 ")
    assert "'svc/template.yaml'" in found[0] and "did you mean 'svc-orders'?" in found[0]
    shutil.move(str(root / "svc" / "template.yaml"), root / "svc2.yaml")
    assert _xf008(root) == [], "two templates with a Lambda application at the same level: which one is unknown"


def test_aliases_that_cannot_be_read_or_are_not_declared_are_not_judged(tmp_path) -> None:
    root = make_repo("lambda-deploy--XF008-unknown-alias", tmp_path / "r")
    _edit(root / "template.yaml", "      Name: canary\n", "      Name: !Ref AWS::StackName\n")
    assert _xf008(root) == []
    root = make_repo("lambda-deploy--XF008-unknown-alias", tmp_path / "p")
    _edit(root / "template.yaml", "      FunctionName: !GetAtt Orders.Arn\n", "      FunctionName: !Ref Target\n")
    assert _xf008(root) == [], "an alias of a function named by a parameter may be one of orders-api"
    root = make_repo("lambda-deploy--XF008-sam-alias", tmp_path / "s")
    _edit(root / "template.yaml", "    AutoPublishAlias: current\n", "")
    assert _xf008(root) == [], "a function the template gives no alias: the alias may be made outside the stack"
    root = make_repo("lambda-deploy--XF008-sam-alias", tmp_path / "t")
    _edit(root / "template.yaml", "    AutoPublishAlias: current\n", "    AutoPublishAlias: !Ref AliasName\n")
    assert _xf008(root) == []


def test_no_template_with_a_lambda_application_and_several_with_functions(tmp_path) -> None:
    root = make_repo("lambda-deploy--XF008-one-template", tmp_path / "r")
    (root / "more.yaml").write_text("Resources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties:\n"
                                    "      FunctionName: f\n", encoding="utf-8")
    assert _xf008(root) == [], "which template deploys the AppSpec is unknown"
