"""Pipeline rules (CP): CodePipeline declarations, in JSON and in templates alike.

Every rule reads the shared model (rules/pipeline_model.py), so a pipeline written as
`get-pipeline` JSON and the same pipeline as an AWS::CodePipeline::Pipeline resource give
the same findings. JSON files are also checked against schemas/pipeline.schema.json
(generated from the botocore model); in templates cfn-lint checks the resource schema.
Facts: shared/specs/codepipeline.md.
"""

from __future__ import annotations

import difflib
import json
import re
from typing import Iterator

from linter.document import Document, Node
from linter.rule import Context, Edit, Finding, declare, rule
from linter.rules.codedeploy import GROUP as DEPLOYMENT_GROUP, is_ecs_group, literal_text, ref_target, template_model
from linter.rules.pipeline_model import Action, Pipeline, Value, declaration_of, field_of, pipelines
from linter.schema_findings import SchemaBinding
from linter.rules.secrets import no_echo, parameters, span_of
from linter.secrets import is_reference, redact, scan_value, secret_name
from linter.suggest import did_you_mean

KINDS = ("pipeline", "cloudformation")


def _schema_for(doc: Document) -> tuple[str, str] | None:
    declaration = declaration_of(doc)
    if declaration is None:
        return None
    return "pipeline.schema.json", declaration.pointer


SCHEMAS = [SchemaBinding(kind="pipeline", schema=_schema_for, unknown="CP001", required="CP002",
                         type="CP003", value="CP004")]

OWNERS = ("AWS", "ThirdParty", "Custom")

# (category, owner, provider) -> ((min inputs, max inputs), (min outputs, max outputs))
ARTIFACTS: dict[tuple[str, str, str], tuple[tuple[int, int], tuple[int, int]]] = {
    **{("Source", "AWS", p): ((0, 0), (1, 1)) for p in ("S3", "CodeCommit", "ECR", "CodeStarSourceConnection")},
    ("Source", "ThirdParty", "GitHub"): ((0, 0), (1, 1)),
    ("Build", "AWS", "CodeBuild"): ((1, 5), (0, 5)),
    ("Build", "AWS", "ECRBuildAndPublish"): ((0, 1), (0, 0)),
    ("Test", "AWS", "CodeBuild"): ((1, 5), (0, 5)),
    ("Test", "AWS", "DeviceFarm"): ((1, 1), (0, 0)),
    ("Approval", "AWS", "Manual"): ((0, 0), (0, 0)),
    ("Deploy", "AWS", "S3"): ((1, 1), (0, 0)),
    ("Deploy", "AWS", "CloudFormation"): ((0, 10), (0, 1)),
    ("Deploy", "AWS", "CloudFormationStackSet"): ((1, 3), (0, 0)),
    ("Deploy", "AWS", "CloudFormationStackInstances"): ((0, 2), (0, 0)),
    ("Deploy", "AWS", "CodeDeploy"): ((1, 1), (0, 0)),
    ("Deploy", "AWS", "CodeDeployToECS"): ((1, 5), (0, 0)),
    ("Deploy", "AWS", "ECS"): ((1, 1), (0, 0)),
    ("Deploy", "AWS", "ElasticBeanstalk"): ((1, 1), (0, 0)),
    ("Deploy", "AWS", "OpsWorks"): ((1, 1), (0, 0)),
    ("Deploy", "AWS", "ServiceCatalog"): ((1, 1), (0, 0)),
    ("Deploy", "AWS", "AppConfig"): ((1, 1), (0, 0)),
    ("Deploy", "AWS", "Lambda"): ((1, 1), (0, 0)),
    ("Deploy", "AWS", "EKS"): ((0, 1), (0, 0)),
    ("Deploy", "AWS", "EC2"): ((0, 1), (0, 0)),
    ("Deploy", "ThirdParty", "AlexaSkillsKit"): ((1, 2), (0, 0)),
    ("Invoke", "AWS", "Lambda"): ((0, 5), (0, 5)),
    ("Invoke", "AWS", "StepFunctions"): ((0, 1), (0, 1)),
    ("Invoke", "AWS", "InspectorScan"): ((0, 1), (1, 1)),
    ("Invoke", "ThirdParty", "Snyk"): ((1, 1), (1, 1)),
    ("Compute", "AWS", "Commands"): ((1, 10), (0, 1)),
}
AWS_PROVIDERS: dict[str, set[str]] = {}
for (category, owner, provider) in ARTIFACTS:
    if owner == "AWS":
        AWS_PROVIDERS.setdefault(category, set()).add(provider)
THIRD_PARTY = {("Source", "GitHub"), ("Deploy", "AlexaSkillsKit"), ("Invoke", "Snyk")}
CATEGORIES = ("Source", "Build", "Test", "Deploy", "Approval", "Invoke", "Compute")
V2_PROVIDERS = {("Compute", "Commands"), ("Build", "ECRBuildAndPublish"), ("Deploy", "EKS"), ("Deploy", "EC2"),
                ("Deploy", "Lambda")}

_BOOL = ("true", "false")
# provider -> (required keys, optional keys or None when the list is open, {key: allowed values})
CONFIG: dict[tuple[str, str], tuple[set[str], set[str] | None, dict[str, tuple[str, ...]]]] = {
    ("Source", "CodeCommit"): ({"RepositoryName", "BranchName"}, {"PollForSourceChanges", "OutputArtifactFormat"},
                               {"PollForSourceChanges": _BOOL,
                                "OutputArtifactFormat": ("CODE_ZIP", "CODEBUILD_CLONE_REF")}),
    ("Source", "CodeStarSourceConnection"): (
        {"ConnectionArn", "FullRepositoryId", "BranchName"}, {"OutputArtifactFormat", "DetectChanges"},
        {"DetectChanges": _BOOL, "OutputArtifactFormat": ("CODE_ZIP", "CODEBUILD_CLONE_REF")}),
    ("Source", "S3"): ({"S3Bucket", "S3ObjectKey"}, {"PollForSourceChanges", "AllowOverrideForS3ObjectKey"},
                       {"PollForSourceChanges": _BOOL}),
    ("Source", "ECR"): ({"RepositoryName"}, {"ImageTag"}, {}),
    ("Source", "GitHub"): ({"Owner", "Repo", "Branch", "OAuthToken"}, {"PollForSourceChanges"},
                           {"PollForSourceChanges": _BOOL}),
    ("Build", "CodeBuild"): ({"ProjectName"}, {"PrimarySource", "BatchEnabled", "CombineArtifacts",
                                               "EnvironmentVariables"},
                             {"BatchEnabled": _BOOL, "CombineArtifacts": _BOOL}),
    ("Test", "CodeBuild"): ({"ProjectName"}, {"PrimarySource", "BatchEnabled", "CombineArtifacts",
                                              "EnvironmentVariables"},
                            {"BatchEnabled": _BOOL, "CombineArtifacts": _BOOL}),
    ("Deploy", "CodeDeploy"): ({"ApplicationName", "DeploymentGroupName"}, set(), {}),
    ("Deploy", "ECS"): ({"ClusterName", "ServiceName"}, {"FileName", "DeploymentTimeout"}, {}),
    ("Deploy", "CodeDeployToECS"): (
        {"ApplicationName", "DeploymentGroupName", "TaskDefinitionTemplateArtifact", "AppSpecTemplateArtifact"},
        {"TaskDefinitionTemplatePath", "AppSpecTemplatePath"}
        | {f"Image{i}{part}" for i in range(1, 5) for part in ("ArtifactName", "ContainerName")}, {}),
    ("Deploy", "CloudFormation"): (
        {"ActionMode", "StackName"},
        {"TemplatePath", "RoleArn", "ChangeSetName", "Capabilities", "ParameterOverrides",
         "TemplateConfiguration", "OutputFileName"},
        {"ActionMode": ("CREATE_UPDATE", "DELETE_ONLY", "REPLACE_ON_FAILURE", "CHANGE_SET_REPLACE",
                        "CHANGE_SET_EXECUTE")}),
    ("Approval", "Manual"): (set(), {"NotificationArn", "ExternalEntityLink", "CustomData"}, {}),
    ("Invoke", "Lambda"): ({"FunctionName"}, {"UserParameters"}, {}),
    ("Invoke", "StepFunctions"): ({"StateMachineArn"}, {"ExecutionNamePrefix", "InputType", "Input"},
                                  {"InputType": ("Literal", "FilePath")}),
    ("Deploy", "S3"): ({"BucketName", "Extract"}, {"ObjectKey", "KMSEncryptionKeyARN", "CannedACL", "CacheControl"},
                       {"Extract": _BOOL}),
}
CAPABILITIES = ("CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND")

# -- from the schema (JSON files) ---------------------------------------------------------------

_BAD_JSON = '{"pipeline": {"name": "app", "roleArn": "arn:aws:iam::123456789012:role/pipeline", ' \
    '"artifactStore": {"type": "S3", "location": "app-artifacts"}, "stages": [' \
    '{"name": "Source", "actions": [{"name": "Code", "actionTypeId": {"category": "Source", "owner": "AWS", ' \
    '"provider": "CodeCommit", "version": "1"}, "configuration": {"RepositoryName": "app", ' \
    '"BranchName": "main"}, "outputArticfacts": [{"name": "Src"}]}]}, ' \
    '{"name": "Build", "actions": [{"name": "Build", "actionTypeId": {"category": "Build", "owner": "AWS", ' \
    '"provider": "CodeBuild", "version": "1"}, "configuration": {"ProjectName": "app"}, ' \
    '"inputArtifacts": [{"name": "Src"}]}]}]}}'

_GOOD_JSON = _BAD_JSON.replace("outputArticfacts", "outputArtifacts")

UNKNOWN_KEY = declare(
    id="CP001", name="pipeline-unknown-key", category="schema", severity="error", kinds=("pipeline",),
    autofix="safe", autofix_does="renames a misspelt key to the key it resembles, when its value fits that key",
    summary="a key the pipeline declaration does not have (often a misspelling)",
    rationale="""
        CodePipeline rejects a declaration with an unknown field (InvalidStructureException);
        the message offers the nearest known key.""",
    fix="rename the key to the one suggested, or remove it", bad=_BAD_JSON,
    good=_GOOD_JSON)

MISSING_KEY = declare(
    id="CP002", name="pipeline-missing-key", category="schema", severity="error", kinds=("pipeline",),
    summary="a required field is missing (name, roleArn, stages, an action's actionTypeId...)",
    rationale="""
        The declaration's required fields come from the CodePipeline API model: a pipeline
        needs a name, a role and stages, a stage a name and actions, an action a name and a
        type.""",
    fix="add the missing field")

WRONG_TYPE = declare(
    id="CP003", name="pipeline-wrong-type", category="schema", severity="error", kinds=("pipeline",),
    summary="a field of the wrong type (configuration values are strings, runOrder a number)",
    rationale="""
        The API is typed: action configuration values are strings (write "true", not true),
        runOrder is an integer, artifacts are lists of {"name": ...}.""",
    fix="write the expected type")

INVALID_VALUE = declare(
    id="CP004", name="pipeline-invalid-value", category="schema", severity="error", kinds=("pipeline",),
    summary="a value outside the API's limits (name patterns, lengths, enums, runOrder 1-999)",
    rationale="""
        Names are 1 to 100 letters, digits, '.', '@', '-' and '_'; artifact names allow no
        '.'; runOrder is 1 to 999; category, owner and pipeline type are closed lists. The
        API rejects other values.""",
    fix="use a value within the limits")


# -- helpers ----------------------------------------------------------------------------------------

def _where(ctx: Context, pipeline: Pipeline) -> Node | None:
    return pipeline.key_node or pipeline.node


def _known(value: Value | None) -> str | None:
    return value.text if value is not None else None


# -- structure --------------------------------------------------------------------------------------

_TWO_STAGES_BAD = """
    {"pipeline": {"name": "app", "roleArn": "arn:aws:iam::123456789012:role/pipeline",
      "artifactStore": {"type": "S3", "location": "app-artifacts"},
      "stages": [{"name": "Source", "actions": [{"name": "Code",
        "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "CodeCommit", "version": "1"},
        "configuration": {"RepositoryName": "app", "BranchName": "main"},
        "outputArtifacts": [{"name": "Src"}]}]}]}}"""


@rule(id="CP101", name="stage-structure", category="schema", severity="error", kinds=KINDS,
      summary="fewer than two stages, or a stage or action name used twice",
      fix="give the pipeline a source stage and at least one more, with unique names",
      bad=_TWO_STAGES_BAD,
      good=_GOOD_JSON)
def stage_structure(ctx: Context) -> Iterator[Finding]:
    """A pipeline has at least two stages (a source stage and one that acts on it); stage
    names are unique in the pipeline and action names unique in their stage. CodePipeline
    rejects the declaration otherwise."""
    for pipeline in pipelines(ctx.doc):
        if pipeline.stages_node is not None and pipeline.stages_node.is_seq and len(pipeline.stages) < 2:
            yield ctx.report(pipeline.stages_node, f"the pipeline has {len(pipeline.stages)} stage"
                                                   f"{'s' if len(pipeline.stages) != 1 else ''}; at least 2 are needed")
        seen: dict[str, Node] = {}
        for stage in pipeline.stages:
            name = _known(stage.name)
            if name is None:
                continue
            if name in seen:
                yield ctx.report(stage.name.node, f"stage name '{name}' is used twice (first on line {seen[name].line})")
            seen[name] = stage.name.node
            actions: dict[str, Node] = {}
            for action in stage.actions:
                aname = _known(action.name)
                if aname is None:
                    continue
                if aname in actions and _same_branch_free(actions[aname], action.name.node):
                    yield ctx.report(action.name.node, f"action name '{aname}' is used twice in stage {name} "
                                                       f"(first on line {actions[aname].line})")
                actions[aname] = action.name.node


@rule(id="CP102", name="invalid-run-order", category="schema", severity="error", kinds=KINDS,
      summary="a runOrder that is not a whole number from 1 to 999",
      fix="use runOrder 1 to 999: equal values run in parallel, larger ones after smaller ones",
      bad=_GOOD_JSON.replace('"name": "Build", "actionTypeId"',
                                                                          '"name": "Build", "runOrder": 0, "actionTypeId"'),
      good=_GOOD_JSON)
def invalid_run_order(ctx: Context) -> Iterator[Finding]:
    """`runOrder` orders the actions of a stage: a positive whole number, 1 to 999,
    default 1. Zero, negatives and fractions are rejected."""
    for pipeline in pipelines(ctx.doc):
        for action in pipeline.actions:
            node = action.run_order_node
            if node is None or not node.is_scalar or node.data is None:
                continue
            value = node.data
            if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and value.isdigit()
                                                                          and len(value) <= 3)) \
                    or not 1 <= int(value) <= 999:
                yield ctx.report(node, f"runOrder {value!r} of {action.label} is not a whole number from 1 to 999")


_ROLE = re.compile(r"^arn:aws[a-zA-Z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")


@rule(id="CP103", name="artifact-store", category="schema", severity="error", kinds=KINDS,
      summary="artifactStore and artifactStores both or neither, or a cross-region action without a store "
      "in its region",
      fix="give artifactStore, or artifactStores with an entry for every region actions run in",
      bad=_GOOD_JSON.replace(
          '"artifactStore": {"type": "S3", "location": "app-artifacts"}, ', ""),
      good=_GOOD_JSON)
def artifact_store(ctx: Context) -> Iterator[Finding]:
    """A pipeline has exactly one of `artifactStore` (one region) and `artifactStores` (a
    store per region). An action with a `region` runs there and needs an artifact store in
    that region, which only `artifactStores` can give."""
    for pipeline in pipelines(ctx.doc):
        single, multi = pipeline.artifact_store, pipeline.artifact_stores
        where = _where(ctx, pipeline)
        if single is not None and multi is not None:
            key, _ = pipeline.get("artifactStores")
            yield ctx.report(key, "the pipeline has both artifactStore and artifactStores; give one")
        elif single is None and multi is None:
            yield ctx.report(where, "the pipeline has no artifactStore (or artifactStores)")
        regions: set[str] = set()
        open_regions = False
        if multi is not None and multi.is_map:      # API: a map region -> store
            regions = {str(k.data) for k, _ in multi.items()}
        elif multi is not None and multi.is_seq:    # templates: a list of {Region, ArtifactStore}
            for item in multi.value:
                _, region = field_of(item, "region")
                if region is not None and region.is_scalar:
                    regions.add(str(region.data))
                else:
                    open_regions = True
        else:
            open_regions = multi is not None
        named = [a for a in pipeline.actions if _known(a.region)]
        if multi is None and single is not None and len({a.region.text for a in named}) > 1:
            # get-pipeline writes every action's region: one region is the pipeline's own
            common = max({a.region.text for a in named}, key=[a.region.text for a in named].count)
            for action in named:
                if action.region.text != common:
                    yield ctx.report(action.region.node, f"{action.label} runs in {action.region.text}, other actions "
                                     f"in {common}, but the pipeline has a single artifactStore: use artifactStores "
                                     "with one per region")
        for action in named:
            region = action.region.text
            if open_regions:
                continue
            if multi is not None and region not in regions:
                yield ctx.report(action.region.node, f"{action.label} runs in {region}, which has no entry in "
                                                     "artifactStores")
        for value in (pipeline.role_arn, *(a.role_arn for a in pipeline.actions)):
            text = _known(value)
            if text and not text.startswith(("{{", "#{", "${")) and not _ROLE.match(text):
                yield ctx.report(value.node, f"'{text}' is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)",
                                 fix="write the role's ARN")


@rule(id="CP104", name="invalid-action-type", category="schema", severity="error", kinds=KINDS,
      autofix="safe", autofix_does="replaces the provider with the one it resembles",
      summary="an AWS action provider that does not exist in its category",
      fix="use a provider of that category (Source: S3, CodeCommit, ECR, CodeStarSourceConnection; "
          "Build: CodeBuild; Deploy: CloudFormation, CodeDeploy, ECS, ...)",
      bad=_GOOD_JSON.replace('"provider": "CodeBuild"',
                                                                          '"provider": "Codebuild"'),
      good=_GOOD_JSON)
def invalid_action_type(ctx: Context) -> Iterator[Finding]:
    """For owner AWS the providers of each category form a closed list (CodeBuild builds and
    tests, CodeDeploy deploys, ...). ThirdParty and Custom providers have open names
    (custom action types are registered by their owners), so an unknown one is at most an
    info (CP109). The owner itself is one of AWS, ThirdParty and Custom; in a template, where
    cfn-lint's resource schema does not say so, this rule checks it (`Owner: Jenkins`)."""
    for pipeline in pipelines(ctx.doc):
        for action in pipeline.actions:
            category, owner, provider = _known(action.category), _known(action.owner), _known(action.provider)
            if action.category is not None and category is not None and category not in CATEGORIES:
                guess = did_you_mean(category, CATEGORIES)
                yield ctx.report(action.category.node, f"unknown action category '{category}'"
                                 + (f"; did you mean '{guess}'?" if guess else f" ({', '.join(CATEGORIES)})"))
                continue
            if pipeline.source == "template" and owner is not None and owner not in OWNERS:
                # (JSON declarations: the schema's CP004; cfn-lint's resource schema leaves Owner open)
                guess = did_you_mean(owner, OWNERS)
                hint = f"; did you mean '{guess}'?" if guess else \
                    f" ({', '.join(OWNERS)}; a Jenkins or other self-registered action is Custom)"
                yield ctx.report(action.owner.node, f"unknown action owner '{owner}'{hint}",
                                 fix="write Owner: AWS, ThirdParty or Custom")
                continue
            if owner != "AWS" or category is None or provider is None:
                continue
            valid = AWS_PROVIDERS.get(category, set())
            if provider in valid:
                continue
            elsewhere = sorted(c for c, ps in AWS_PROVIDERS.items() if provider in ps)
            if elsewhere:
                yield ctx.report(action.provider.node, f"{provider} is a {' or '.join(elsewhere)} provider, not "
                                                       f"{category}")
                continue
            guess = did_you_mean(provider, valid)
            yield ctx.report(action.provider.node, f"AWS has no {category} provider '{provider}'"
                             + (f"; did you mean '{guess}'?" if guess else f" ({', '.join(sorted(valid))})"),
                             edits=[ctx.replace_value(action.provider.node, guess)] if guess else ())


@rule(id="CP105", name="artifact-count", category="schema", severity="error", kinds=KINDS,
      summary="more or fewer input or output artifacts than the provider takes",
      fix="give the action the number of input and output artifacts its provider takes",
      bad=_GOOD_JSON.replace(', "inputArtifacts": [{"name": "Src"}]', ""),
      good=_GOOD_JSON)
def artifact_count(ctx: Context) -> Iterator[Finding]:
    """Each provider takes a fixed range of input and output artifacts (a source action
    has no input and one output, CodeBuild takes 1 to 5 inputs, a manual approval none)."""
    for pipeline in pipelines(ctx.doc):
        for action in pipeline.actions:
            key = (_known(action.category), _known(action.owner), _known(action.provider))
            bounds = ARTIFACTS.get(key)  # type: ignore[arg-type]
            if bounds is None:
                continue
            for (low, high), found, word in ((bounds[0], action.inputs, "input"), (bounds[1], action.outputs, "output")):
                if any(v.text is None for v in found) or _misspelt(action.node, f"{word}Artifacts"):
                    continue  # unknown names, or a misspelt key the schema reports
                if not low <= len(found) <= high:
                    want = f"{low}" if low == high else f"{low} to {high}"
                    target, _ = field_of(action.node, f"{word}Artifacts")
                    yield ctx.report(target or (action.name.node if action.name else action.node),
                                     f"{action.label} ({key[2]}) has {len(found)} {word} artifact"
                                     f"{'s' if len(found) != 1 else ''}; it takes {want}")


@rule(id="CP106", name="action-configuration", category="schema", severity="error", kinds=KINDS,
      autofix="safe", autofix_does="renames a configuration key to the one it resembles",
      summary="an action configuration missing a required key, with an unknown key (warning) or a "
      "value outside its allowed ones",
      fix="give the provider's required configuration keys with valid values",
      bad=_GOOD_JSON.replace('"ProjectName": "app"',
                                                                          '"Project": "app"'),
      good=_GOOD_JSON)
def action_configuration(ctx: Context) -> Iterator[Finding]:
    """Each provider reads its own configuration keys (CodeBuild `ProjectName`, CodeCommit
    `RepositoryName` and `BranchName`, CloudFormation `ActionMode` and `StackName`...).
    A missing required key is rejected; an unknown key is ignored (a warning, with the
    nearest known key); enumerated values (`ActionMode`, `OutputArtifactFormat`, booleans
    written "true"/"false") must be valid. CodeBuild with several inputs needs
    `PrimarySource`, naming one of them."""
    for pipeline in pipelines(ctx.doc):
        for action in pipeline.actions:
            spec = CONFIG.get((_known(action.category), _known(action.provider)))  # type: ignore[arg-type]
            config = action.configuration
            if spec is None or (config is not None and not config.is_map):
                continue
            required, optional, values = spec
            present = {str(k.data): (k, v) for k, v in config.items()} if config is not None else {}
            where = field_of(action.node, "configuration")[0] or (action.name.node if action.name else action.node)
            for key in sorted(required - set(present)):
                if key == "OAuthToken" and pipeline.source == "json":
                    continue  # get-pipeline masks it, and it may be set out of band
                yield ctx.report(where, f"{action.label} ({_known(action.provider)}) has no {key} in its configuration",
                                 fix=f"add {key}")
            if optional is not None:
                known = required | optional
                for key, (key_node, _) in present.items():
                    if key in known:
                        continue
                    guess = did_you_mean(key, known)
                    yield ctx.report(key_node, f"{_known(action.provider)} does not read configuration key '{key}'"
                                     + (f"; did you mean '{guess}'?" if guess else ""), severity="warning",
                                     fix=f"rename to {guess}" if guess else "remove the key",
                                     edits=ctx.rename_edits(key_node, guess) if guess else ())
            for key, allowed in values.items():
                text = action.config_text(key)
                if text is None or text in allowed or text.startswith(("#{", "${", "{{")):
                    continue
                guess = did_you_mean(text, allowed)
                yield ctx.report(present[key][1], f"invalid {key} '{text}': expected one of {', '.join(allowed)}"
                                 + (f"; did you mean '{guess}'?" if guess else ""), fix=f"use {guess or allowed[0]}")
            if _known(action.provider) == "CodeBuild":
                names = [v.text for v in action.inputs if v.text]
                primary = action.config_text("PrimarySource")
                if len(action.inputs) > 1 and primary is None and all(v.text for v in action.inputs):
                    yield ctx.report(where, f"{action.label} has {len(action.inputs)} input artifacts and no "
                                            "PrimarySource", fix="set PrimarySource to the input holding the buildspec")
                elif primary is not None and names and primary not in names:
                    yield ctx.report(present["PrimarySource"][1], f"PrimarySource '{primary}' is not an input "
                                                                  f"artifact of {action.label} ({', '.join(names)})")


def _misspelt(node: Node, camel: str) -> bool:
    """Does `node` hold a misspelling of the field `camel` (then the field only looks absent)?"""
    if field_of(node, camel)[1] is not None or not node.is_map:
        return False
    names = (camel, camel[0].upper() + camel[1:])
    # a field the action has in its own right (outputArtifacts beside a missing inputArtifacts)
    # is no misspelling of another
    return any(str(k.data).lower() not in _ACTION_FIELDS and did_you_mean(str(k.data), names)
               for k, _ in node.items())


_ACTION_FIELDS = frozenset(f.lower() for f in (
    "name", "actionTypeId", "runOrder", "configuration", "commands", "outputArtifacts", "inputArtifacts",
    "outputVariables", "roleArn", "region", "namespace", "timeoutInMinutes", "environmentVariables"))


def _artifact_of(path: str) -> str:
    return path.split("::", 1)[0] if "::" in path else ""


@rule(id="CP107", name="cloudformation-action", category="schema", severity="error", kinds=KINDS,
      summary="a CloudFormation or ECS blue/green action naming an artifact it does not take, or missing "
      "what its mode needs",
      fix="name input artifacts of the action (Artifact::path) and give the keys the action mode needs",
      bad="""
          {"pipeline": {"name": "app", "roleArn": "arn:aws:iam::123456789012:role/pipeline",
            "artifactStore": {"type": "S3", "location": "app-artifacts"},
            "stages": [
              {"name": "Source", "actions": [{"name": "Code",
                "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "CodeCommit", "version": "1"},
                "configuration": {"RepositoryName": "app", "BranchName": "main"},
                "outputArtifacts": [{"name": "Src"}]}]},
              {"name": "Deploy", "actions": [{"name": "Stack",
                "actionTypeId": {"category": "Deploy", "owner": "AWS", "provider": "CloudFormation", "version": "1"},
                "configuration": {"ActionMode": "CREATE_UPDATE", "StackName": "app",
                  "RoleArn": "arn:aws:iam::123456789012:role/cfn", "TemplatePath": "Build::template.yaml"},
                "inputArtifacts": [{"name": "Src"}]}]}]}}""",
      good="""
          {"pipeline": {"name": "app", "roleArn": "arn:aws:iam::123456789012:role/pipeline",
            "artifactStore": {"type": "S3", "location": "app-artifacts"},
            "stages": [
              {"name": "Source", "actions": [{"name": "Code",
                "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "CodeCommit", "version": "1"},
                "configuration": {"RepositoryName": "app", "BranchName": "main"},
                "outputArtifacts": [{"name": "Src"}]}]},
              {"name": "Deploy", "actions": [{"name": "Stack",
                "actionTypeId": {"category": "Deploy", "owner": "AWS", "provider": "CloudFormation", "version": "1"},
                "configuration": {"ActionMode": "CREATE_UPDATE", "StackName": "app",
                  "RoleArn": "arn:aws:iam::123456789012:role/cfn", "TemplatePath": "Src::template.yaml"},
                "inputArtifacts": [{"name": "Src"}]}]}]}}""")
def cloudformation_action(ctx: Context) -> Iterator[Finding]:
    """`TemplatePath` and `TemplateConfiguration` are `Artifact::path`, and the artifact
    must be one of the action's input artifacts. CREATE_UPDATE, REPLACE_ON_FAILURE and
    CHANGE_SET_REPLACE need a TemplatePath; those and DELETE_ONLY need a RoleArn; change-set
    modes need a ChangeSetName; Capabilities are CAPABILITY_IAM, CAPABILITY_NAMED_IAM and
    CAPABILITY_AUTO_EXPAND, comma-separated. REPLACE_ON_FAILURE deletes a failed stack: for
    test stacks only (a warning). CodeDeployToECS names its template and image artifacts,
    which must be inputs too."""
    for pipeline in pipelines(ctx.doc):
        for action in pipeline.actions:
            inputs = {v.text for v in action.inputs}
            if None in inputs:
                continue
            provider = _known(action.provider)
            if provider == "CloudFormation":
                for key in ("TemplatePath", "TemplateConfiguration"):
                    text = action.config_text(key)
                    if text is None or text.startswith(("#{", "${")):
                        continue
                    name = _artifact_of(text)
                    if not name:
                        yield ctx.report(action.config(key), f"{key} '{text}' does not name an artifact "
                                                             "(write InputArtifact::path/to/file)")
                    elif name not in inputs:
                        yield ctx.report(action.config(key), f"{key} names artifact '{name}', which is not an input "
                                                             f"of {action.label}" + (f" ({', '.join(sorted(inputs))})"
                                                                                     if inputs else ""))
                mode = action.config_text("ActionMode")
                where = field_of(action.node, "configuration")[0] or action.node
                needs = {"TemplatePath": ("CREATE_UPDATE", "REPLACE_ON_FAILURE", "CHANGE_SET_REPLACE"),
                         "RoleArn": ("CREATE_UPDATE", "REPLACE_ON_FAILURE", "DELETE_ONLY", "CHANGE_SET_REPLACE"),
                         "ChangeSetName": ("CHANGE_SET_REPLACE", "CHANGE_SET_EXECUTE")}
                for key, modes in needs.items():
                    if mode in modes and action.config(key) is None:
                        yield ctx.report(where, f"ActionMode {mode} needs {key} ({action.label})", fix=f"add {key}")
                if mode == "REPLACE_ON_FAILURE":
                    yield ctx.report(action.config("ActionMode"), "REPLACE_ON_FAILURE deletes and recreates a failed "
                                     "stack: use it for test stacks only", severity="warning",
                                     fix="use CREATE_UPDATE or change sets for lasting stacks")
                caps = action.config_text("Capabilities")
                if caps and not caps.startswith(("#{", "${")):
                    for cap in caps.split(","):
                        if cap not in CAPABILITIES:
                            yield ctx.report(action.config("Capabilities"),
                                             f"invalid capability '{cap}': Capabilities are {', '.join(CAPABILITIES)}, "
                                             "comma-separated without spaces")
            elif provider == "CodeDeployToECS":
                keys = ["TaskDefinitionTemplateArtifact", "AppSpecTemplateArtifact"] + \
                    [f"Image{i}ArtifactName" for i in range(1, 5)]
                for key in keys:
                    text = action.config_text(key)
                    if text and text not in inputs:
                        yield ctx.report(action.config(key), f"{key} names '{text}', which is not an input artifact "
                                                             f"of {action.label}")


V2_FEATURES = ("triggers", "variables")


@rule(id="CP108", name="v2-feature-on-v1", category="schema", severity="error", kinds=KINDS,
      summary="a V2-only feature (triggers, variables, QUEUED/PARALLEL mode, Commands...) in a pipeline "
      "declared V1",
      fix="set pipelineType V2 (or drop the feature)",
      bad=_GOOD_JSON.replace(
          '"name": "app",', '"name": "app", "pipelineType": "V1", "executionMode": "QUEUED",'),
      good=_GOOD_JSON.replace(
          '"name": "app",', '"name": "app", "pipelineType": "V2", "executionMode": "QUEUED",'))
def v2_feature_on_v1(ctx: Context) -> Iterator[Finding]:
    """Triggers, pipeline variables, the QUEUED and PARALLEL execution modes, stage
    conditions and the Commands, ECRBuildAndPublish, EKS, EC2 and Lambda deploy actions
    exist only in V2 pipelines. Pipelines created without a type are V2 today, so only an
    explicit V1 conflicts with them."""
    for pipeline in pipelines(ctx.doc):
        if _known(pipeline.pipeline_type) != "V1":
            continue
        for name in V2_FEATURES:
            key, value = pipeline.get(name)
            if key is not None and value is not None and value.data not in (None, []):
                yield ctx.report(key, f"{name} exist only in V2 pipelines; this one is V1")
        key, mode = pipeline.get("executionMode")
        if mode is not None and mode.data in ("QUEUED", "PARALLEL"):
            yield ctx.report(mode, f"execution mode {mode.data} needs a V2 pipeline; this one is V1")
        for stage in pipeline.stages:
            for cond in ("beforeEntry", "onSuccess"):
                key, _ = field_of(stage.node, cond)
                if key is not None:
                    yield ctx.report(key, f"stage conditions ({key.data}) need a V2 pipeline; this one is V1")
        for action in pipeline.actions:
            pair = (_known(action.category), _known(action.provider))
            if pair in V2_PROVIDERS:
                yield ctx.report(action.provider.node, f"the {pair[1]} {pair[0]} action needs a V2 pipeline; "
                                                       "this one is V1")


_CODEDEPLOY_TEMPLATE = """
    AWSTemplateFormatVersion: "2010-09-09"
    Resources:
      App:
        Type: AWS::CodeDeploy::Application
        Properties: {ComputePlatform: ECS}
      Group:
        Type: AWS::CodeDeploy::DeploymentGroup
        Properties:
          ApplicationName: !Ref App
          ServiceRoleArn: arn:aws:iam::123456789012:role/codedeploy
          DeploymentStyle: {DeploymentType: BLUE_GREEN, DeploymentOption: WITH_TRAFFIC_CONTROL}
          ECSServices: [{ClusterName: prod, ServiceName: web}]
      Pipeline:
        Type: AWS::CodePipeline::Pipeline
        Properties:
          RoleArn: arn:aws:iam::123456789012:role/pipeline
          ArtifactStore: {Type: S3, Location: artifacts}
          Stages:
            - Name: Source
              Actions:
                - Name: Code
                  ActionTypeId: {Category: Source, Owner: AWS, Provider: S3, Version: "1"}
                  Configuration: {S3Bucket: src, S3ObjectKey: app.zip}
                  OutputArtifacts: [{Name: Src}]
            - Name: Deploy
              Actions:
                - Name: Web
                  ActionTypeId: {Category: Deploy, Owner: AWS, Provider: CodeDeploy, Version: "1"}
                  Configuration: {ApplicationName: !Ref App, DeploymentGroupName: !Ref Group}
                  InputArtifacts: [{Name: Src}]"""


@rule(id="CP111", name="codedeploy-action-for-ecs", category="schema", severity="error", kinds=("cloudformation",),
      summary="a CodeDeploy action whose deployment group in the template is an ECS (blue/green) group",
      fix="use the CodeDeployToECS provider, with TaskDefinitionTemplateArtifact and AppSpecTemplateArtifact",
      bad=_CODEDEPLOY_TEMPLATE,
      good=_CODEDEPLOY_TEMPLATE.replace(
          "Provider: CodeDeploy, Version: \"1\"}\n                  Configuration: {ApplicationName: !Ref App, "
          "DeploymentGroupName: !Ref Group}",
          "Provider: CodeDeployToECS, Version: \"1\"}\n                  Configuration: {ApplicationName: !Ref App, "
          "DeploymentGroupName: !Ref Group, TaskDefinitionTemplateArtifact: Src, AppSpecTemplateArtifact: Src}"))
def codedeploy_action_for_ecs(ctx: Context) -> Iterator[Finding]:
    """CodePipeline's `CodeDeploy` provider deploys EC2/On-Premises and Lambda revisions. An
    ECS deployment group (an application with ComputePlatform ECS, or a group with
    ECSServices, always blue/green) is deployed by the `CodeDeployToECS` provider, which
    reads the task definition and AppSpec templates from artifacts; a `CodeDeploy` action
    on it fails when it runs."""
    model = template_model(ctx)
    groups = {g.name: g for g in model.of_type(DEPLOYMENT_GROUP)}
    named = {literal_text(g.props.get("DeploymentGroupName")): g for g in groups.values()}
    for pipeline in pipelines(ctx.doc) if groups else ():
        for action in pipeline.actions:
            if not action.type_is(category="Deploy", provider="CodeDeploy"):
                continue
            node = action.config("DeploymentGroupName")
            group = groups.get(ref_target(node)) or named.get(literal_text(node)) if node is not None else None
            if group is None or not is_ecs_group(model, group):
                continue
            yield ctx.report(action.provider.node, f"{action.label} deploys with the CodeDeploy provider to "
                                                   f"{group.name}, an ECS deployment group: ECS blue/green "
                                                   "deployments need the CodeDeployToECS provider")


@rule(id="CP109", name="unknown-provider", category="schema", severity="info", kinds=KINDS,
      summary="a ThirdParty or Custom provider pipelint does not know",
      fix="nothing to do if the custom action type is registered in the account",
      bad=_GOOD_JSON.replace(
          '"owner": "AWS", "provider": "CodeBuild"', '"owner": "ThirdParty", "provider": "Runscope"'),
      good=_GOOD_JSON)
def unknown_provider(ctx: Context) -> Iterator[Finding]:
    """Custom action types are registered under names their owners choose and partner
    providers change over time, so an unknown ThirdParty provider is only noted, and a
    Custom one not at all. A ThirdParty Jenkins action is a warning: Jenkins actions are
    registered as Custom, and CodePipeline finds no ThirdParty type of that name."""
    for pipeline in pipelines(ctx.doc):
        for action in pipeline.actions:
            if _known(action.owner) == "ThirdParty" and action.provider and action.provider.text and \
                    (_known(action.category), action.provider.text) not in THIRD_PARTY:
                if action.provider.text.lower() in _CUSTOM_PROVIDERS:
                    # CodePipeline's action table lists Jenkins under owner Custom: as ThirdParty
                    # the action type is not found (InvalidActionDeclarationException)
                    yield ctx.report(action.provider.node, f"'{action.provider.text}' is a Custom action type, not a "
                                                           "ThirdParty one: with owner ThirdParty CodePipeline does "
                                                           "not find it", fix="write owner Custom", severity="warning")
                    continue
                yield ctx.report(action.provider.node, f"ThirdParty provider '{action.provider.text}' is not one "
                                                       "pipelint knows; its configuration is not checked")


_CUSTOM_PROVIDERS = frozenset({"jenkins"})


@rule(id="CP110", name="get-pipeline-metadata", category="practice", severity="info", kinds=("pipeline",),
      summary="a get-pipeline output with its metadata block",
      fix="remove metadata before passing the file to update-pipeline",
      bad=_GOOD_JSON[:-1] + ', "metadata": {"pipelineArn": "arn:aws:codepipeline:eu-west-1:123456789012:app"}}',
      good=_GOOD_JSON)
def get_pipeline_metadata(ctx: Context) -> Iterator[Finding]:
    """`get-pipeline` returns `metadata` beside the declaration; `update-pipeline` does not
    accept it, so a file kept in the repository for updates should not carry it."""
    root = ctx.root
    if root is not None and root.is_map and "metadata" in root and "pipeline" in root:
        yield ctx.report(root.key_node("metadata"), "metadata comes from get-pipeline; update-pipeline rejects it")


# -- ordering ---------------------------------------------------------------------------------------

@rule(id="CP201", name="source-not-first", category="ordering", severity="error", kinds=KINDS,
      autofix="unsafe", autofix_does="moves the one stage of source actions first",
      summary="a first stage with other than source actions, or a source action in a later stage",
      fix="put every source action in the first stage, and only them",
      bad=_GOOD_JSON.replace('"category": "Source"', '"category": "Build"')
      .replace('"provider": "CodeCommit"', '"provider": "CodeBuild"'),
      good=_GOOD_JSON)
def source_not_first(ctx: Context) -> Iterator[Finding]:
    """The first stage holds only source actions (at least one), and source actions appear
    only there. CodePipeline rejects any other layout."""
    for pipeline in pipelines(ctx.doc):
        move = _source_first(ctx, pipeline)
        for stage in pipeline.stages:
            for action in stage.actions:
                category = _known(action.category)
                if category is None:
                    continue
                if stage.index == 0 and category != "Source":
                    article = "an" if category[0] in "AEIOU" else "a"
                    yield ctx.report(action.category.node, f"{action.label} is {article} {category} action in the "
                                                           "first stage, which holds only source actions")
                elif stage.index > 0 and category == "Source":
                    edits, move = (move, []) if move and stage.actions[0] is action else ([], move)
                    yield ctx.report(action.category.node, f"source action {action.label} is in stage "
                                                           f"{stage.label}; source actions belong in the first stage",
                                     fix=f"move stage {stage.label} first" if edits else None,
                                     edits=edits, safe=False)


def _source_first(ctx: Context, pipeline: Pipeline) -> list[Edit]:
    """The edit that moves the one stage of source actions first: the stages' text rebuilt
    with that stage's element first and the separators (commas, `- ` and line breaks)
    where they were. None unless exactly one stage holds source actions, it holds only
    them, the first stage holds none, and every stage is a plain mapping (no Fn::If)."""
    stages_node = pipeline.stages_node
    if stages_node is None or not stages_node.is_seq or len(stages_node.value) != len(pipeline.stages) or \
            any(stage.node is not item or not item.is_map for stage, item in zip(pipeline.stages, stages_node.value)):
        return []
    kinds = [{_known(a.category) for a in stage.actions} for stage in pipeline.stages]
    holding = [i for i, found in enumerate(kinds) if "Source" in found]
    if len(holding) != 1 or holding[0] == 0 or kinds[holding[0]] != {"Source"}:
        return []
    text = ctx.doc.text
    spans = []
    for item in stages_node.value:
        start, end = ctx.offsets(item)
        end = start + len(text[start:end].rstrip())
        spans.append((start, end))
    flow = text[ctx.offsets(stages_node)[0]:][:1] == "["
    for start, _ in spans:
        line, _ = ctx.doc.lines.position(start)
        before = text[ctx.doc.lines.offset(line, 1):start]
        if not flow and not re.fullmatch(r"\s*-\s+", before):
            return []  # a block item that does not start on its `- ` line
    k = holding[0]
    order = [k] + [i for i in range(len(spans)) if i != k]
    out = text[spans[order[0]][0]:spans[order[0]][1]]
    for n in range(1, len(order)):
        out += text[spans[n - 1][1]:spans[n][0]] + text[spans[order[n]][0]:spans[order[n]][1]]
    return [Edit(spans[0][0], spans[-1][1], out)]


def _runs_before(producer: Action, consumer: Action) -> bool:
    if producer.stage.index != consumer.stage.index:
        return producer.stage.index < consumer.stage.index
    return producer.order < consumer.order


def _producers(pipeline: Pipeline) -> dict[str, list[tuple[Action, Value]]]:
    out: dict[str, list[tuple[Action, Value]]] = {}
    for action in pipeline.actions:
        for value in action.outputs:
            if value.text:
                out.setdefault(value.text, []).append((action, value))
    return out


_FLOW_BAD = _GOOD_JSON.replace(
    '"inputArtifacts": [{"name": "Src"}]', '"inputArtifacts": [{"name": "Source"}]')


@rule(id="CP202", name="artifact-flow", category="ordering", severity="error", kinds=KINDS,
      summary="an input artifact produced later, or in parallel (same runOrder)",
      fix="consume an artifact only in a later stage, or with a higher runOrder than its producer",
      bad=_GOOD_JSON.replace(
          '{"name": "Source", "actions": [{"name": "Code"',
          '{"name": "Source", "actions": [{"name": "Code2", "actionTypeId": {"category": "Source", "owner": "AWS", '
          '"provider": "S3", "version": "1"}, "configuration": {"S3Bucket": "b", "S3ObjectKey": "k"}, '
          '"inputArtifacts": [], "outputArtifacts": [{"name": "Other"}]}, {"name": "Code"').replace(
          '"configuration": {"ProjectName": "app"}, "inputArtifacts": [{"name": "Src"}]',
          '"configuration": {"ProjectName": "app"}, "inputArtifacts": [{"name": "Src"}], '
          '"outputArtifacts": [{"name": "Out"}]}, {"name": "Test", "actionTypeId": {"category": "Test", '
          '"owner": "AWS", "provider": "CodeBuild", "version": "1"}, "configuration": {"ProjectName": "t"}, '
          '"inputArtifacts": [{"name": "Out"}]'),
      good=_GOOD_JSON)
def artifact_flow(ctx: Context) -> Iterator[Finding]:
    """An action can read an artifact only after its producer has finished: in a later
    stage, or in the same stage with a higher runOrder. Actions with the same runOrder run
    in parallel, so one cannot read the other's output. (cfn-lint's check looks only at the
    order in the file and misses this.)"""
    for pipeline in pipelines(ctx.doc):
        producers = _producers(pipeline)
        for action in pipeline.actions:
            for value in action.inputs:
                found = producers.get(value.text or "")
                if not found:
                    continue
                if any(_runs_before(p, action) for p, _ in found):
                    continue
                producer, _ = found[0]
                if producer is action:
                    why = "it is its own output"
                elif producer.stage.index == action.stage.index and producer.order == action.order:
                    why = f"{producer.label} produces it in parallel (same runOrder {action.order})"
                elif producer.stage.index == action.stage.index:
                    why = f"{producer.label} produces it later in the stage (runOrder {producer.order})"
                else:
                    why = f"{producer.label} produces it in a later stage ({producer.stage.label})"
                yield ctx.report(value.node, f"{action.label} reads '{value.text}' before it exists: {why}")


@rule(id="CP203", name="undefined-artifact", category="reference", severity="error", kinds=KINDS,
      autofix="unsafe", autofix_does="renames the input artifact to the one output artifact name close to it",
      summary="an input artifact that no action produces",
      fix="name an output artifact of an earlier action",
      bad=_FLOW_BAD, good=_GOOD_JSON)
def undefined_artifact(ctx: Context) -> Iterator[Finding]:
    """Input artifacts are matched to output artifacts by exact name. A name nobody produces
    fails the pipeline's creation; the message offers the nearest output name."""
    for pipeline in pipelines(ctx.doc):
        producers = _producers(pipeline)
        if any(v.text is None for a in pipeline.actions for v in a.outputs):
            continue  # an output named by an intrinsic function: unknown names
        for action in pipeline.actions:
            for value in action.inputs:
                if value.text and value.text not in producers:
                    guess = did_you_mean(value.text, list(producers))
                    # a rename is offered only when one output name is close: with two, it is a guess
                    only = guess is not None and value.node.is_scalar and value.node.line == value.node.end_line \
                        and difflib.get_close_matches(value.text, list(producers), n=2, cutoff=0.6) in ([guess], [])
                    yield ctx.report(value.node, f"no action produces the artifact '{value.text}' that "
                                                 f"{action.label} reads" + (f"; did you mean '{guess}'?" if guess else ""),
                                     fix=f"write '{guess}'" if guess else None,
                                     edits=[ctx.replace_value(value.node, guess)] if only else [], safe=False)


@rule(id="CP204", name="duplicate-output-artifact", category="reference", severity="error", kinds=KINDS,
      summary="two actions producing an output artifact of the same name",
      fix="give every output artifact a name unique in the pipeline",
      bad=_GOOD_JSON.replace(
          '"configuration": {"ProjectName": "app"}, "inputArtifacts": [{"name": "Src"}]',
          '"configuration": {"ProjectName": "app"}, "inputArtifacts": [{"name": "Src"}], '
          '"outputArtifacts": [{"name": "Src"}]'),
      good=_GOOD_JSON)
def duplicate_output_artifact(ctx: Context) -> Iterator[Finding]:
    """Output artifact names are unique across the whole pipeline: inputs find their
    producer by name."""
    for pipeline in pipelines(ctx.doc):
        for name, found in _producers(pipeline).items():
            for action, value in found[1:]:
                first = found[0][1]
                if _same_branch_free(first.node, value.node):
                    yield ctx.report(value.node, f"output artifact '{name}' is already produced by "
                                                 f"{found[0][0].label} (line {first.node.line})")


def _same_branch_free(a: Node, b: Node) -> bool:
    """False when two nodes sit in different branches of one Fn::If (only one exists)."""
    pa, pb = a.pointer.split("/"), b.pointer.split("/")
    for i, (x, y) in enumerate(zip(pa, pb)):
        if x != y:
            return not (i > 0 and pa[i - 1] == "Fn::If")
    return True


@rule(id="CP205", name="unused-artifact", category="reference", severity="info", kinds=KINDS,
      summary="an output artifact no later action reads",
      fix="remove the output, or read it where it is needed",
      bad=_GOOD_JSON.replace(
          '"configuration": {"ProjectName": "app"}, "inputArtifacts": [{"name": "Src"}]',
          '"configuration": {"ProjectName": "app"}, "inputArtifacts": [{"name": "Src"}], '
          '"outputArtifacts": [{"name": "BuildOut"}]'),
      good=_GOOD_JSON)
def unused_artifact(ctx: Context) -> Iterator[Finding]:
    """An artifact nobody reads is stored for nothing, and often means a later action reads
    the wrong one (the source instead of the build output)."""
    for pipeline in pipelines(ctx.doc):
        read = {v.text for a in pipeline.actions for v in a.inputs}
        if None in read:
            continue
        read |= {_artifact_of(a.config_text(k) or "") for a in pipeline.actions
                 for k in ("TemplatePath", "TemplateConfiguration")}
        producers = _producers(pipeline)
        meant = {did_you_mean(n, list(producers)) for n in read if n and n not in producers}
        for name, found in producers.items():
            if name not in read and name not in meant:  # a misspelt reader is reported by CP203
                action, value = found[0]
                yield ctx.report(value.node, f"no action reads the artifact '{name}' of {action.label}")


_PROD = re.compile(r"(^|[^a-z])(prod|production|live)([^a-z]|$)")


@rule(id="CP206", name="production-without-approval", category="ordering", severity="warning", kinds=KINDS,
      summary="a deployment to production not preceded by a manual approval",
      fix="add a Manual approval action before the production deployment",
      bad=_GOOD_JSON.replace(
          '{"name": "Build", "actions": [{"name": "Build", "actionTypeId": {"category": "Build", "owner": "AWS", '
          '"provider": "CodeBuild", "version": "1"}, "configuration": {"ProjectName": "app"}',
          '{"name": "DeployProd", "actions": [{"name": "Deploy", "actionTypeId": {"category": "Deploy", '
          '"owner": "AWS", "provider": "CodeDeploy", "version": "1"}, "configuration": {"ApplicationName": "app", '
          '"DeploymentGroupName": "prod"}'),
      good=_GOOD_JSON,
      options={"patterns": ["prod", "production", "live"]})
def production_without_approval(ctx: Context) -> Iterator[Finding]:
    """A stage or deploy action whose name says production (by default containing `prod`,
    `production` or `live` as a word, but not `pre-prod` or `non-prod`; configurable with
    `[tool.pipelint.rules.CP206] patterns = [...]`) should run only after a person approves:
    a Manual approval action in an earlier stage, or earlier in the same stage. Deploy
    actions count, and so do CodeBuild and Lambda invoke actions where the stage (or the
    action) is named for deploying or releasing to production (`Deploy-Prod` running
    `cdk deploy` in CodeBuild)."""
    words = [str(p).lower() for p in ctx.options.get("patterns", [])]
    pattern = re.compile(r"(^|[^a-z])(" + "|".join(map(re.escape, words)) + r")([^a-z]|$)") if words else None
    if pattern is None:
        return
    for pipeline in pipelines(ctx.doc):
        approvals = [a for a in pipeline.actions if a.type_is(category="Approval")]
        for stage in pipeline.stages:
            stage_prod = bool(stage.name and stage.name.text and pattern.search(_words(stage.name.text)))
            for action in stage.actions:
                named = bool(action.name and action.name.text and pattern.search(_words(action.name.text)))
                if action.type_is(category="Deploy"):
                    prod = stage_prod or named
                elif action.type_is(category="Build", provider="CodeBuild") or \
                        action.type_is(category="Invoke", provider="Lambda"):
                    # a CodeBuild project or a Lambda function that deploys: a production stage,
                    # or an action named for deploying to production
                    prod = stage_prod and _DEPLOY_WORDS.search(_words(stage.name.text or "")) is not None or \
                        named and _DEPLOY_WORDS.search(_words(action.name.text)) is not None
                else:
                    continue
                if not prod or any(_runs_before(a, action) for a in approvals):
                    continue
                where = stage.name.node if stage_prod and stage.name else (action.name.node if action.name else action.node)
                yield ctx.report(where, f"{action.label} deploys to production ({stage.label}) with no manual "
                                        "approval before it")
                break


_DEPLOY_WORDS = re.compile(r"(^|[^a-z])(deploy|deployment|release|promote|rollout|publish|apply|cdk|sam|terraform)")


def _words(name: str) -> str:
    """'DeployProd' -> 'deploy prod': camelCase parts count as words. 'pre-prod', 'PreProd'
    and 'non-prod' name the stages before or beside production, so they drop out."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).lower()
    return re.sub(r"(^|[^a-z])(pre|non)[ _.-]?prod[a-z]*", r"\1", words)


_VARIABLE = re.compile(r"#\{([A-Za-z0-9@_-]+)\.([^}]+)\}")
_BUILTIN_NAMESPACES = {"codepipeline", "variables"}


@rule(id="CP208", name="undefined-namespace", category="reference", severity="error", kinds=KINDS,
      summary="a #{namespace.variable} reference to a namespace no earlier action declares, or a namespace "
      "used twice",
      fix="declare the namespace on an action that runs before (earlier stage or lower runOrder)",
      bad=_GOOD_JSON.replace('"configuration": {"ProjectName": "app"}',
                             '"configuration": {"ProjectName": "app", "EnvironmentVariables": '
                             '"[{\\"name\\": \\"COMMIT\\", \\"value\\": \\"#{SourceVars.CommitId}\\"}]"}'),
      good=_GOOD_JSON.replace('"configuration": {"ProjectName": "app"}',
                              '"configuration": {"ProjectName": "app", "EnvironmentVariables": '
                              '"[{\\"name\\": \\"COMMIT\\", \\"value\\": \\"#{SourceVars.CommitId}\\"}]"}')
      .replace('"outputArtifacts": [{"name": "Src"}]', '"outputArtifacts": [{"name": "Src"}], "namespace": "SourceVars"'))
def undefined_namespace(ctx: Context) -> Iterator[Finding]:
    """Actions publish output variables under their `namespace`; others read them as
    `#{Namespace.Variable}`, and only when the producer runs first (an earlier stage, or a
    lower runOrder). A reference to an unknown or later namespace fails the execution when
    it resolves. Namespaces are unique in a pipeline; `codepipeline` and `variables`
    (pipeline variables) are built in."""
    for pipeline in pipelines(ctx.doc):
        declared: dict[str, Action] = {}
        for action in pipeline.actions:
            name = _known(action.namespace)
            if not name:
                continue
            if name in declared or name in _BUILTIN_NAMESPACES:
                why = "is reserved" if name in _BUILTIN_NAMESPACES else f"is also declared by {declared[name].label}"
                yield ctx.report(action.namespace.node, f"namespace '{name}' {why}", fix="use a unique namespace")
            declared.setdefault(name, action)
        if any(a.namespace is not None and a.namespace.text is None for a in pipeline.actions):
            continue  # a namespace given by an intrinsic function: names unknown
        for action in pipeline.actions:
            config = action.configuration
            for _, value in config.items() if config is not None and config.is_map else ():
                if not value.is_scalar or not isinstance(value.data, str) or "#{" not in value.data:
                    continue
                for m in _VARIABLE.finditer(value.data):
                    ns = m.group(1)
                    if ns in _BUILTIN_NAMESPACES:
                        continue
                    producer = declared.get(ns)
                    if producer is None:
                        guess = did_you_mean(ns, list(declared))
                        yield ctx.report(value, f"{action.label} reads #{{{ns}.{m.group(2)}}}, but no action declares "
                                                f"the namespace '{ns}'" + (f"; did you mean '{guess}'?" if guess else ""),
                                         span=span_of(ctx, value, m.group(0)))
                    elif producer is action or not _runs_before(producer, action):
                        yield ctx.report(value, f"{action.label} reads #{{{ns}.{m.group(2)}}} before {producer.label} "
                                                "has run and set it", span=span_of(ctx, value, m.group(0)),
                                         fix="move the reading action after the producing one")


_NOT_APP_DEPLOYS = ("CloudFormation", "CloudFormationStackSet", "CloudFormationStackInstances")


@rule(id="CP207", name="deploy-before-build", category="ordering", severity="warning", kinds=KINDS,
      summary="an artifact deployed in a stage before the stage that builds it",
      fix="order the stages build, then test, then deploy",
      bad=_GOOD_JSON.replace(
          '{"name": "Build", "actions": [{"name": "Build"',
          '{"name": "Deploy", "actions": [{"name": "Deploy", "actionTypeId": {"category": "Deploy", '
          '"owner": "AWS", "provider": "S3", "version": "1"}, "configuration": {"BucketName": "b", "Extract": "true"}, '
          '"inputArtifacts": [{"name": "Src"}]}]}, {"name": "Build", "actions": [{"name": "Build"'),
      good=_GOOD_JSON)
def deploy_before_build(ctx: Context) -> Iterator[Finding]:
    """When a deploy action ships an artifact that a Build action reads only in a later
    stage, the stages are reversed: the unbuilt sources go out before the build runs.
    CloudFormation deployments are left out: a pipeline that first updates its own stack
    (or other infrastructure) from the sources is a common, deliberate pattern."""
    for pipeline in pipelines(ctx.doc):
        for deploy in pipeline.actions:
            if not deploy.type_is(category="Deploy") or _known(deploy.provider) in _NOT_APP_DEPLOYS:
                continue
            for later in pipeline.actions:
                if later.stage.index <= deploy.stage.index or not later.type_is(category="Build"):
                    continue
                shared = {v.text for v in deploy.inputs} & {v.text for v in later.inputs} - {None}
                if shared:
                    yield ctx.report(deploy.name.node if deploy.name else deploy.node,
                                     f"{deploy.label} deploys '{sorted(shared)[0]}' in {deploy.stage.label}, before "
                                     f"{later.label} builds it in {later.stage.label}")
                    break


# -- secrets and practice -------------------------------------------------------------------------

@rule(id="SEC004", name="pipeline-plaintext-secret", category="secrets", severity="error", kinds=KINDS,
      summary="a literal OAuth token, webhook secret or secret-looking value in a pipeline's configuration",
      fix="use a CodeStar connection (no token), or {{resolve:secretsmanager:...}} / a Ref to a NoEcho parameter "
          "in templates",
      bad="""
          {"pipeline": {"name": "app", "roleArn": "arn:aws:iam::123456789012:role/pipeline",
            "artifactStore": {"type": "S3", "location": "app-artifacts"},
            "stages": [
              {"name": "Source", "actions": [{"name": "Code",
                "actionTypeId": {"category": "Source", "owner": "ThirdParty", "provider": "GitHub", "version": "1"},
                "configuration": {"Owner": "acme", "Repo": "app", "Branch": "main",
                                  "OAuthToken": "ghp_Qx7Lm2Rt9Vb4Nc8Kd1Wz6Hs3Fj5Gp0Ya2Ue"},
                "outputArtifacts": [{"name": "Src"}]}]},
              {"name": "Build", "actions": [{"name": "Build",
                "actionTypeId": {"category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"},
                "configuration": {"ProjectName": "app"}, "inputArtifacts": [{"name": "Src"}]}]}]}}""",
      good="""
          {"pipeline": {"name": "app", "roleArn": "arn:aws:iam::123456789012:role/pipeline",
            "artifactStore": {"type": "S3", "location": "app-artifacts"},
            "stages": [
              {"name": "Source", "actions": [{"name": "Code",
                "actionTypeId": {"category": "Source", "owner": "ThirdParty", "provider": "GitHub", "version": "1"},
                "configuration": {"Owner": "acme", "Repo": "app", "Branch": "main", "OAuthToken": "****"},
                "outputArtifacts": [{"name": "Src"}]}]},
              {"name": "Build", "actions": [{"name": "Build",
                "actionTypeId": {"category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"},
                "configuration": {"ProjectName": "app"}, "inputArtifacts": [{"name": "Src"}]}]}]}}""")
def pipeline_plaintext_secret(ctx: Context) -> Iterator[Finding]:
    """A pipeline definition is stored in the repository and readable by anyone with
    `codepipeline:GetPipeline`. A literal GitHub `OAuthToken` (get-pipeline shows `****`;
    a file in git shows the real token), a value that looks like a credential, or a
    CodeBuild action's PLAINTEXT environment variable with a secret-looking name or value
    must come from Secrets Manager instead. In templates a `Ref` to a parameter is fine
    only when the parameter is NoEcho, and only in a field CodePipeline masks (OAuthToken):
    a NoEcho parameter written into another field (`ParameterOverrides: !Sub
    '{"Token": "${GitHubToken}"}'`) shows in get-pipeline and the console (warning)."""
    for pipeline in pipelines(ctx.doc):
        for action in pipeline.actions:
            config = action.configuration
            if config is None or not config.is_map:
                continue
            for key, value in config.items():
                name = str(key.data)
                if pipeline.source == "template" and name not in _MASKED and value.is_map and "Ref" not in value:
                    for param in _no_echo_parameters(ctx, value):
                        yield ctx.report(value, f"{name} of {action.label} writes the NoEcho parameter {param} into "
                                                "the action's configuration, which get-pipeline and the console show "
                                                "in plain text", severity="warning",
                                         fix="let the deployed template read the secret itself "
                                             "({{resolve:secretsmanager:...}}), instead of passing it through the "
                                             "pipeline")
                if value.is_map and "Ref" in value and pipeline.source == "template" and secret_name(name):
                    param = parameters(ctx).get(str(value.get("Ref").data))
                    if param is not None and not no_echo(param):
                        yield ctx.report(value, f"{name} is a Ref to parameter {value.get('Ref').data}, which is not "
                                                "NoEcho: its value shows in the console and API",
                                         fix="set NoEcho: true on the parameter, or use {{resolve:secretsmanager:...}}")
                    continue
                if not value.is_scalar or not isinstance(value.data, str):
                    continue
                text = value.data.strip()
                if name == "EnvironmentVariables":
                    yield from _environment_variables(ctx, value, text)
                    continue
                if not text or set(text) <= {"*"} or is_reference(text) or _PLACEHOLDER.search(text) \
                        or text in parameters(ctx):
                    continue  # masked, a reference, a placeholder, or a parameter's name (a missing !Ref)
                hit = scan_value(text)
                if hit is not None:
                    yield ctx.report(value, f"{name} of {action.label} holds {hit.description} in plain text "
                                            f"({redact(text[hit.start:hit.end])})", secret=True)
                elif len(text) >= 8 and (name in ("OAuthToken", "SecretToken", "WebhookSecret") or secret_name(name)):
                    yield ctx.report(value, f"{name} of {action.label} is written in plain text ({redact(text)})",
                                     secret=True)


# configuration fields an action type declares secret: CodePipeline shows them as ****
_MASKED = ("OAuthToken", "SecretToken", "WebhookSecret")
_SUB_NAME = re.compile(r"\$\{(?!!)\s*([A-Za-z0-9_:.]+?)\s*\}")


def _no_echo_parameters(ctx: Context, value: Node) -> list[str]:
    """The NoEcho parameters an intrinsic function (Fn::Sub, Fn::Join) writes into a value."""
    params = parameters(ctx)
    names: list[str] = []
    stack = [value]
    while stack:
        node = stack.pop()
        if node.is_map:
            for k, v in node.items():
                if k.data == "Ref" and v.is_scalar:
                    names.append(str(v.data))
                elif k.data == "Fn::Sub":
                    template = v.value[0] if v.is_seq and v.value else v
                    if template.is_scalar:
                        names += _SUB_NAME.findall(str(template.data or ""))
                stack.append(v)
        elif node.is_seq:
            stack.extend(node.value)
    found = [n for n in dict.fromkeys(names) if n in params and no_echo(params[n])]
    return found


def _environment_variables(ctx: Context, node: Node, text: str) -> Iterator[Finding]:
    try:
        items = json.loads(text)
    except ValueError:
        return
    for item in items if isinstance(items, list) else ():
        if not isinstance(item, dict) or str(item.get("type", "PLAINTEXT")).upper() != "PLAINTEXT":
            continue
        name, value = str(item.get("name", "")), item.get("value")
        if not isinstance(value, str) or not value.strip() or is_reference(value.strip()) or value.startswith("#{"):
            continue
        hit = scan_value(value)
        if hit is not None or (secret_name(name) and len(value) >= 4):
            what = hit.description if hit else "a secret-looking value"
            yield ctx.report(node, f"CodeBuild environment variable {name} is PLAINTEXT and holds {what} "
                                   f"({redact(value)})", secret=True, span=span_of(ctx, node, value),
                             fix='use "type": "SECRETS_MANAGER" (or PARAMETER_STORE) with the secret\'s name as value')


_PLACEHOLDER = re.compile(r"(?i)replace|your[_-]|change[_-]?me|dummy|placeholder|example|<[^>]+>")


@rule(id="CP301", name="github-v1-source", category="practice", severity="warning", kinds=KINDS,
      summary="a GitHub version 1 source action (OAuth app), deprecated",
      fix="use a CodeStarSourceConnection source action (a connection to GitHub, no token)",
      bad=pipeline_plaintext_secret.good, good=_GOOD_JSON)
def github_v1_source(ctx: Context) -> Iterator[Finding]:
    """The ThirdParty GitHub provider authenticates with a personal OAuth token and is no
    longer recommended by AWS; a CodeStar connection (CodeStarSourceConnection) uses the
    GitHub app, with no token to leak or rotate."""
    for pipeline in pipelines(ctx.doc):
        for action in pipeline.actions:
            if action.type_is(category="Source", owner="ThirdParty", provider="GitHub"):
                yield ctx.report(action.provider.node, f"{action.label} uses GitHub version 1 (OAuth token), "
                                                       "which AWS no longer recommends")


@rule(id="CP302", name="polling-source", category="practice", severity="info", kinds=KINDS,
      summary="a source action with PollForSourceChanges true",
      fix="set PollForSourceChanges to false and start the pipeline from change events (EventBridge or webhooks)",
      bad=_GOOD_JSON.replace(
          '"BranchName": "main"}', '"BranchName": "main", "PollForSourceChanges": "true"}'),
      good=_GOOD_JSON.replace(
          '"BranchName": "main"}', '"BranchName": "main", "PollForSourceChanges": "false"}'))
def polling_source(ctx: Context) -> Iterator[Finding]:
    """Polling starts pipelines later than change events do and counts against the
    account's limit of polling pipelines; AWS recommends event-based change detection."""
    for pipeline in pipelines(ctx.doc):
        for action in pipeline.actions:
            if action.config_text("PollForSourceChanges") == "true":
                yield ctx.report(action.config("PollForSourceChanges"),
                                 f"{action.label} polls for changes; change events start pipelines sooner")


# -- exports: pipelines, for the project pass (linter/project.py) -------------------------------

def _artifact_name(v) -> str | None:  # noqa: ANN001 - a pipeline_model Value
    """An artifact's name; one written with a one-string Fn::Sub is its template text (the
    same text names the same artifact within a pipeline)."""
    from linter.project_exports import value

    if v.text is not None:
        return v.text
    got = value(v.node)
    return got["sub"] if isinstance(got, dict) and "sub" in got else None


def pipeline_exports(doc: Document) -> dict:
    """Each pipeline (a JSON declaration or a template's AWS::CodePipeline::Pipeline): its
    stages and actions with their type, configuration and artifacts, and where each is."""
    from linter.project_exports import item, pos

    out = []
    for p in pipelines(doc):
        name_node = field_of(p.node, "name")[1]
        stages = []
        for stage in p.stages:
            actions = []
            for a in stage.actions:
                config = {str(k.data): item(v) for k, v in a.configuration.items()} \
                    if a.configuration is not None and a.configuration.is_map else {}
                actions.append({
                    "name": a.label, "pos": pos(a.name.node if a.name else a.node),
                    "category": a.category.text if a.category else None,
                    "owner": a.owner.text if a.owner else None,
                    "provider": a.provider.text if a.provider else None,
                    "run_order": a.order, "config": config,
                    "inputs": [[_artifact_name(v), pos(v.node)] for v in a.inputs],
                    "outputs": [[_artifact_name(v), pos(v.node)] for v in a.outputs]})
            stages.append({"name": stage.label, "pos": pos(stage.name.node if stage.name else stage.node),
                           "actions": actions})
        label = p.logical_id or (str(name_node.data) if name_node is not None and name_node.is_scalar else "pipeline")
        out.append({"id": label, "pos": pos(p.key_node or p.node), "stages": stages})
    return {"pipelines": out}


EXPORTS = {"pipeline": pipeline_exports, "cloudformation": pipeline_exports}
