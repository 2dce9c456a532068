"""CodeDeploy in templates (rules/codedeploy.py, the CD rules): positions at the right
resource, one finding per root cause (with cfn-lint's findings merged), unknown values left
alone, correct templates quiet with cfn-lint on, and the one edit the pack offers."""

from __future__ import annotations

import pytest

from helpers import FIXTURES, lint

OK = sorted((FIXTURES / "cloudformation" / "ok").glob("codedeploy-*.yaml"))

SAM_HOOK = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: s3://artifacts-123456789012/orders.zip
      AutoPublishAlias: current
      DeploymentPreference:
        Type: Canary10Percent5Minutes
        Alarms: [!Ref OrdersErrors]
        Hooks:
          PreTraffic: !Ref PreTraficHook
  PreTrafficHook:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: hook.handler
      CodeUri: s3://artifacts-123456789012/hook.zip
      FunctionName: CodeDeployHook_OrdersPreTraffic
      Policies:
        - Statement:
            - Effect: Allow
              Action: codedeploy:PutLifecycleEventHookExecutionStatus
              Resource: "*"
  OrdersErrors:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: AWS/Lambda
      MetricName: Errors
      Statistic: Sum
      Period: 60
      EvaluationPeriods: 1
      Threshold: 0
      ComparisonOperator: GreaterThanThreshold
"""


def cd(text: str, path: str = "template.yaml", cfn: bool = False) -> list:
    findings = lint(text, path=path, kind="cloudformation", ignore=[] if cfn else ["CFN"])
    return findings if cfn else [f for f in findings if f.rule.startswith("CD")]


def at(findings: list, rule: str) -> list[tuple[int, int, str]]:
    return [(f.line, f.column, f.pointer) for f in findings if f.rule == rule]


# -- one root cause, one finding ---------------------------------------------------------

def test_misspelt_hook_ref_is_one_finding_and_cfn_lint_s_four_are_dropped() -> None:
    findings = cd(SAM_HOOK, cfn=True)
    assert [(f.rule, f.line, f.column) for f in findings] == [("CD014", 15, 28)]
    (finding,) = findings
    assert "did you mean 'PreTrafficHook'?" in finding.message
    assert finding.pointer == "/Resources/Orders/Properties/DeploymentPreference/Hooks/PreTraffic/Ref"
    assert "/Resources/Orders/Properties/DeploymentPreference/Hooks/PreTraffic" in finding.covers


def test_without_the_pack_cfn_lint_reports_the_misspelt_hook_four_times() -> None:
    rules = [f.rule for f in lint(SAM_HOOK, path="t.yaml", kind="cloudformation", ignore=["CD"])]
    assert sorted(rules) == ["CFN-E1020", "CFN-E3030", "CFN-E3031", "CFN-E3031"]


def test_misspelt_getatt_hook_is_one_finding() -> None:
    text = SAM_HOOK.replace("PreTraffic: !Ref PreTraficHook", "PreTraffic: !GetAtt PreTraficHook.Arn")
    assert [(f.rule, f.line, f.column) for f in cd(text, cfn=True)] == [("CD014", 15, 31)]


def test_misspelt_hook_in_json_long_form() -> None:
    text = """\
{
  "Transform": "AWS::Serverless-2016-10-31",
  "Resources": {
    "Api": {
      "Type": "AWS::Serverless::Function",
      "Properties": {
        "Runtime": "python3.12", "Handler": "app.handler", "CodeUri": "s3://bucket/app.zip",
        "AutoPublishAlias": "current",
        "DeploymentPreference": {"Type": "AllAtOnce", "Role": "arn:aws:iam::123456789012:role/cd",
                                 "Hooks": {"PreTraffic": {"Fn::GetAtt": ["PreTrafficHok", "Arn"]}}}
      }
    },
    "PreTrafficHook": {
      "Type": "AWS::Serverless::Function",
      "Properties": {"Runtime": "python3.12", "Handler": "hook.handler", "CodeUri": "s3://bucket/hook.zip",
                     "Policies": ["AWSCodeDeployFullAccess"]}
    }
  }
}
"""
    findings = cd(text, path="template.json", cfn=True)
    assert [(f.rule, f.line, f.column) for f in findings] == [("CD014", 10, 74)]  # at "PreTrafficHok"


def test_no_rollback_with_alarms_is_one_finding_naming_both_events() -> None:
    text = (FIXTURES / "cloudformation" / "CD001-deployment-group-without-rollback.yaml").read_text()
    findings = cd(text)
    manual = [f for f in findings if "ManualOnly" in f.message]
    assert [f.rule for f in manual] == ["CD001"]
    assert manual[0].fix == "add DEPLOYMENT_FAILURE and DEPLOYMENT_STOP_ON_ALARM to Events"


def test_default_server_canary_used_by_a_lambda_group_is_cd006_only() -> None:
    text = (FIXTURES / "cloudformation" / "CD006-deployment-config-property-of-another-platform.yaml").read_text()
    assert {f.rule for f in cd(text)} == {"CD006"}


def test_service_of_a_codedeploy_group_is_cd010_not_cd019() -> None:
    text = (FIXTURES / "cloudformation" / "CD010-ecs-service-not-deployed-by-codedeploy.yaml").read_text()
    assert {f.rule for f in cd(text)} == {"CD010"}


def test_globals_preference_without_alias_is_reported_once_at_globals() -> None:
    text = (FIXTURES / "cloudformation" / "CD013-deployment-preference-without-alias.yaml").read_text()
    assert at(cd(text), "CD013") == [(6, 5, "/Globals/Function/DeploymentPreference"),
                                     (15, 7, "/Resources/Orders/Properties/DeploymentPreference")]


# -- positions: at the resource the defect is in ---------------------------------------------

EC2 = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  App:
    Type: AWS::CodeDeploy::Application
  Group:
    Type: AWS::CodeDeploy::DeploymentGroup
    Properties:
      ApplicationName: !Ref App
      ServiceRoleArn: arn:aws:iam::123456789012:role/codedeploy
      DeploymentConfigName: CodeDeployDefault.LambdaAllAtOnce
      DeploymentStyle: {DeploymentType: IN_PLACE, DeploymentOption: WITH_TRAFFIC_CONTROL}
"""


def test_positions_of_deployment_group_findings() -> None:
    findings = cd(EC2)
    assert at(findings, "CD001") == [(5, 3, "/Resources/Group")]
    assert at(findings, "CD005") == [(10, 29, "/Resources/Group/Properties/DeploymentConfigName")]
    assert at(findings, "CD008") == [(5, 3, "/Resources/Group")]
    assert at(findings, "CD009") == [(11, 69, "/Resources/Group/Properties/DeploymentStyle/DeploymentOption")]


def test_ecs_service_finding_sits_on_the_service() -> None:
    text = (FIXTURES / "cloudformation" / "CD010-ecs-service-not-deployed-by-codedeploy.yaml").read_text()
    assert at(cd(text), "CD010") == [
        (13, 3, "/Resources/Web"),
        (30, 15, "/Resources/Admin/Properties/DeploymentController/Type"),
    ]


def test_hook_findings_sit_on_the_hook_function() -> None:
    text = (FIXTURES / "cloudformation" / "CD015-hook-cannot-report-status.yaml").read_text()
    assert at(cd(text), "CD015") == [
        (41, 3, "/Resources/NoPolicies"),
        (50, 7, "/Resources/TemplateOnly/Properties/Policies"),
        (60, 13, "/Resources/OwnRole/Properties/Role"),
    ]
    text = (FIXTURES / "cloudformation" / "CD016-hook-not-invocable-by-default-role.yaml").read_text()
    assert at(cd(text), "CD016") == [
        (34, 21, "/Resources/OrdersPreTraffic/Properties/FunctionName"),
        (37, 3, "/Resources/OrdersPostTraffic"),
    ]


def test_json_template_positions() -> None:
    text = (FIXTURES / "cloudformation" / "CD001-rollback-json.json").read_text()
    (finding,) = cd(text, path="template.json")
    assert (finding.rule, finding.line, finding.column, finding.end_column) == ("CD001", 11, 50, 55)
    assert finding.pointer == "/Resources/Group/Properties/AutoRollbackConfiguration/Enabled"


# -- unknown values are left alone ------------------------------------------------------------

UNKNOWN = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  App: {Type: String}
  Config: {Type: String}
  On: {Type: String}
  Style: {Type: String}
  Controller: {Type: String}
  HookName: {Type: String}
  Type: {Type: String}
Conditions:
  Prod: !Equals [!Ref "AWS::AccountId", "123456789012"]
Resources:
  Group:
    Type: AWS::CodeDeploy::DeploymentGroup
    Properties:
      ApplicationName: !Ref App
      ServiceRoleArn: arn:aws:iam::123456789012:role/codedeploy
      DeploymentConfigName: !Ref Config
      DeploymentStyle: {DeploymentType: !Ref Style, DeploymentOption: !Ref Style}
      AutoRollbackConfiguration:
        Enabled: !Ref On
        Events: [DEPLOYMENT_FAILURE]
      AlarmConfiguration:
        Enabled: !If [Prod, true, false]
        Alarms: !If [Prod, [{Name: prod-errors}], !Ref "AWS::NoValue"]
  Imported:
    Type: AWS::CodeDeploy::DeploymentGroup
    Properties:
      ApplicationName: !ImportValue shared-app
      ServiceRoleArn: arn:aws:iam::123456789012:role/codedeploy
      DeploymentConfigName: CodeDeployDefault.ECSAllAtOnce
      AutoRollbackConfiguration: {Enabled: true, Events: !Split [",", "DEPLOYMENT_FAILURE"]}
  Service:
    Type: AWS::ECS::Service
    Properties:
      Cluster: shop
      TaskDefinition: web
      DeploymentController: {Type: !Ref Controller}
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: s3://artifacts-123456789012/orders.zip
      AutoPublishAlias: !Ref Type
      DeploymentPreference:
        Enabled: !If [Prod, true, false]
        Type: !Ref Type
        Hooks:
          PreTraffic: !Ref HookName
  Payments:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: s3://artifacts-123456789012/payments.zip
      AutoPublishAlias: live
      DeploymentPreference:
        Type: !If [Prod, AllAtOnce, Canary10Percent5Minutes]
        Hooks:
          PreTraffic: !Ref PaymentsHook
  PaymentsHook:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: hook.handler
      CodeUri: s3://artifacts-123456789012/hook.zip
      FunctionName: !Ref HookName
      Role: !ImportValue hook-role
  EcsApp:
    Type: AWS::CodeDeploy::Application
    Properties: {ComputePlatform: ECS}
  EcsGroup:
    Type: AWS::CodeDeploy::DeploymentGroup
    Properties:
      ApplicationName: !Ref EcsApp
      ServiceRoleArn: arn:aws:iam::123456789012:role/codedeploy
      AutoRollbackConfiguration: !If [Prod, {Enabled: true, Events: [DEPLOYMENT_FAILURE]}, !Ref "AWS::NoValue"]
      DeploymentStyle: !If [Prod, {DeploymentType: BLUE_GREEN, DeploymentOption: WITH_TRAFFIC_CONTROL}, !Ref "AWS::NoValue"]
      ECSServices: [{ClusterName: shop, ServiceName: !GetAtt Web.Name}]
      LoadBalancerInfo: !If [Prod, {TargetGroupPairInfoList: []}, !Ref "AWS::NoValue"]
  Web:
    Type: AWS::ECS::Service
    Properties:
      Cluster: shop
      TaskDefinition: web
      DeploymentController: !If [Prod, {Type: CODE_DEPLOY}, !Ref "AWS::NoValue"]
  Rolling:
    Type: AWS::ECS::Service
    Properties:
      Cluster: shop
      TaskDefinition: web
      DeploymentConfiguration: !If [Prod, {DeploymentCircuitBreaker: {Enable: true, Rollback: true}}, !Ref "AWS::NoValue"]
  Config:
    Type: AWS::CodeDeploy::DeploymentConfig
    Properties:
      MinimumHealthyHosts: !If [Prod, {Type: HOST_COUNT, Value: 0}, {Type: HOST_COUNT, Value: 1}]
      TrafficRoutingConfig: !If [Prod, !Ref "AWS::NoValue", !Ref "AWS::NoValue"]
"""


def test_unknown_values_are_never_guessed() -> None:
    assert cd(UNKNOWN) == []


# -- correct templates stay quiet, cfn-lint included ------------------------------------------

@pytest.mark.parametrize("path", OK, ids=lambda p: p.name)
def test_correct_templates_are_quiet_with_cfn_lint(path) -> None:  # noqa: ANN001
    assert [(f.rule, f.line, f.message) for f in cd(path.read_text(), path=path.name, cfn=True)] == []


def test_all_three_ok_templates_exist() -> None:
    assert [p.name for p in OK] == ["codedeploy-ec2-in-place.yaml", "codedeploy-ecs-blue-green.yaml",
                                    "codedeploy-sam-canary.yaml"]


# -- the edit ---------------------------------------------------------------------------------

def test_enabling_rollback_edit_applies_and_the_finding_goes() -> None:
    text = (FIXTURES / "cloudformation" / "CD001-deployment-group-without-rollback.yaml").read_text()
    (finding,) = [f for f in cd(text) if f.edits]
    assert finding.applicability == "unsafe"
    (edit,) = finding.edits
    fixed = text[:edit.start] + edit.text + text[edit.end:]
    assert "Disabled" not in " ".join(f.message for f in cd(fixed))
    assert not [f for f in lint(fixed, path="t.yaml", kind="cloudformation", ignore=["CFN"]) if f.rule.startswith("PL")]


# -- reading: Globals, custom configurations, parameter defaults -----------------------------

def test_globals_gradual_type_without_alarms_is_reported_once_naming_the_functions() -> None:
    text = (FIXTURES / "cloudformation" / "CD017-gradual-deployment-without-alarms.yaml").read_text()
    findings = [f for f in cd(text) if f.rule == "CD017"]
    assert [(f.line, f.column) for f in findings] == [(9, 13), (16, 15)]
    assert "Payments, Refunds" in findings[0].message and "Invoices" not in findings[0].message


def test_preference_type_naming_a_custom_config_is_read() -> None:
    text = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Shift:
    Type: AWS::CodeDeploy::DeploymentConfig
    Properties:
      ComputePlatform: Lambda
      TrafficRoutingConfig: {Type: AllAtOnce}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: s3://bucket/app.zip
      AutoPublishAlias: prod
      DeploymentPreference:
        Type: !Ref Shift
"""
    (finding,) = cd(text)
    assert (finding.rule, finding.line, finding.column) == ("CD018", 16, 15)
    assert "custom configuration Shift (AllAtOnce)" in finding.message


@pytest.mark.parametrize("name, fires", [("ProdApi", True), ("orders-live", True), ("ProductCatalog", False),
                                         ("deliveries", False), ("checkout-prd", True)])
def test_production_names(name: str, fires: bool) -> None:
    text = f"""\
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: s3://bucket/app.zip
      FunctionName: {name}
      AutoPublishAlias: current
      DeploymentPreference:
        Type: AllAtOnce
"""
    assert ("CD018" in {f.rule for f in cd(text)}) is fires


def test_a_referenced_deployment_config_without_properties_is_no_crash() -> None:
    """A misspelt Properties (the fuzzer's `Propertles`) leaves the config nothing to judge."""
    text = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  App:
    Type: AWS::CodeDeploy::Application
    Properties: {ComputePlatform: Server}
  Rolling:
    Type: AWS::CodeDeploy::DeploymentConfig
    Propertles:
      MinimumHealthyHosts: {Type: FLEET_PERCENT, Value: 75}
  Group:
    Type: AWS::CodeDeploy::DeploymentGroup
    Properties:
      ApplicationName: !Ref App
      ServiceRoleArn: arn:aws:iam::123456789012:role/codedeploy
      DeploymentConfigName: !Ref Rolling
      Ec2TagFilters: [{Key: app, Value: web, Type: KEY_AND_VALUE}]
"""
    found = lint(text, path="template.yaml", kind="cloudformation", ignore=["CFN"])
    assert "PL005" not in {f.rule for f in found}
