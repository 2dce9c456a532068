"""Cross-file rules (XF): a pipeline's files must agree with each other.

They run in the project pass (linter/project.py) on what each file exports, after every
file is linted. A finding sits in the file that names the other (the template or pipeline
declaration), with the other file as a related location. Whatever cannot be known from the
repository (an artifact from S3 or ECR, a name built with Fn::Sub from a parameter, a
buildspec kept outside the repository, files a build makes in ways not read here) is
never reported.

Examples are several files: each `# file: NAME` line starts the next one.
"""

from __future__ import annotations

import json
import posixpath
import re
from typing import Iterator

from linter.project import (ProjectContext, _written, actions, build_of, copied_from, folders_up, holds, join, made,
                            patterns_text, source_of, template_configuration, value_text)
from linter.rule import Finding, rule
from linter.suggest import did_you_mean

KINDS = ("cloudformation", "pipeline")

# the start of every example pipeline: a template resource with a CodeCommit Source stage
_PIPELINE_SOURCE = """\
      Pipeline:
        Type: AWS::CodePipeline::Pipeline
        Properties:
          RoleArn: arn:aws:iam::123456789012:role/pipeline
          ArtifactStore: {Type: S3, Location: artifacts-bucket}
          Stages:
            - Name: Source
              Actions:
                - Name: Source
                  ActionTypeId: {Category: Source, Owner: AWS, Provider: CodeCommit, Version: "1"}
                  Configuration: {RepositoryName: app, BranchName: main}
                  OutputArtifacts: [{Name: Src}]
"""

_PIPE = """
    # file: template.yaml
    Resources:
      Build:
        Type: AWS::CodeBuild::Project
        Properties:
          ServiceRole: arn:aws:iam::123456789012:role/build
          Artifacts: {Type: CODEPIPELINE}
          Environment: {Type: LINUX_CONTAINER, ComputeType: BUILD_GENERAL1_SMALL, Image: aws/codebuild/standard:7.0}
          Source: {Type: CODEPIPELINE, BuildSpec: SPEC}
""" + _PIPELINE_SOURCE + """\
            - Name: Build
              Actions:
                - Name: Build
                  ActionTypeId: {Category: Build, Owner: AWS, Provider: CodeBuild, Version: "1"}
                  Configuration: {ProjectName: !Ref Build}
                  InputArtifacts: [{Name: Src}]
                  OutputArtifacts: OUTPUTS
            - Name: Deploy
              Actions:
                - Name: Deploy
                  ActionTypeId: {Category: Deploy, Owner: AWS, Provider: ECS, Version: "1"}
                  Configuration: {ClusterName: c, ServiceName: s}
                  InputArtifacts: [{Name: Image}]
    # file: ci/buildspec.yml
    version: 0.2
    phases:
      build:
        commands:
          - printf '[{"name":"web","imageUri":"%s"}]' "$URI" > imagedefinitions.json
    artifacts:
      files: [FILES]
    """


def _example(spec: str = "ci/buildspec.yml", outputs: str = "[{Name: Image}]",
             files: str = "imagedefinitions.json") -> str:
    return _PIPE.replace("SPEC", spec).replace("OUTPUTS", outputs).replace("FILES", files)


def _hint(guess: str | None) -> str:
    return f"; did you mean '{guess}'?" if guess else ""


# -- XF001 ---------------------------------------------------------------------------------

@rule(id="XF001", name="missing-buildspec-file", category="reference", severity="error", kinds=("cloudformation",),
      project=True,
      summary="a CodeBuild project's Source.BuildSpec path (default buildspec.yml) that is not in the repository",
      fix="fix the path (relative to the repository's root), or add the buildspec",
      bad=_example(spec="ci/buildspec.yaml"), good=_example())
def missing_buildspec_file(ctx: ProjectContext) -> Iterator[Finding]:
    """A project whose source is the pipeline's source (or a repository) reads its
    buildspec from `Source.BuildSpec`, a path relative to the source's root, or
    `buildspec.yml` when it is not given. A path that is not there fails every build in
    its DOWNLOAD_SOURCE phase ("YAML_FILE_ERROR: stat ... no such file or directory"),
    minutes after the push. Checked for projects a pipeline action of the same template
    runs with the repository as its primary source (`PrimarySource` when there are several
    inputs), and for projects with a CODECOMMIT, GITHUB or BITBUCKET source. An inline
    buildspec, an S3 ARN, a value built with intrinsic functions, and a primary source
    that is another action's output are not checked."""
    for file in ctx.named("cloudformation"):
        projects = file.exports.get("projects") or {}
        reached: dict[str, list] = {}
        bases: dict[str, str] = {}
        not_repo: set[str] = set()
        for pipeline, _, action in actions(file):
            if action["provider"] != "CodeBuild":
                continue
            build = build_of(ctx, file, pipeline, action)
            if build is None:
                continue
            if build.from_repo:
                reached.setdefault(build.project_id, []).append(action)
                bases.setdefault(build.project_id, build.base)
            else:
                not_repo.add(build.project_id)
        for pid, project in sorted(projects.items()):
            if pid not in reached and (pid in not_repo or project.get("type") not in (
                    "CODECOMMIT", "GITHUB", "GITHUB_ENTERPRISE", "BITBUCKET", "CODEPIPELINE")):
                continue
            if project.get("type") == "CODEPIPELINE" and pid not in reached and any(
                    True for _ in actions(file)):
                continue  # run by a pipeline of this template from another artifact, or by one elsewhere
            spec = project.get("buildspec")
            if project.get("inline") is not None or (spec is not None and not isinstance(spec[0], str)):
                continue
            text = spec[0] if spec is not None and spec[0].strip() else "buildspec.yml"
            rel = ctx.normal(text) if not text.startswith("arn:") else None
            base = bases.get(pid, "")
            if rel is None or ctx.exists(join(base, rel)):
                continue
            if pid not in reached:  # no pipeline here says where its source's root is: maybe a sample's folder
                if any(ctx.exists(join(folder, rel)) for folder in folders_up(file.rel)):
                    continue
                base = next((folder for folder in folders_up(file.rel) if ctx.near_miss(rel, folder)), None)
                if base is None:
                    continue  # not even a near miss there: the source may be another repository, or this one's
                    # subfolder of the same name (a monorepo's service) is not what the project reads
            given = spec is not None and spec[0].strip()
            where = spec[1] if given else project["pos"]
            related = [(file, a["config"]["ProjectName"][1], f"the action {a['name']} runs this project")
                       for a in reached.get(pid, []) if "ProjectName" in a["config"]]
            guess = ctx.suggest(rel, base)
            if pid not in reached and guess is None:
                continue  # no pipeline of this template runs it: its source may be another repository
            what = f"'{rel}'" if given else f"'{rel}' (the default, as Source.BuildSpec is not given)"
            yield ctx.report(file, where, f"project {pid} reads its buildspec from {what}, which is not in the "
                                          f"repository{_hint(guess)}", related,
                             fix=f"write '{guess}'" if guess else None)


# -- XF002 ---------------------------------------------------------------------------------

@rule(id="XF002", name="build-output-mismatch", category="reference", severity="error", kinds=KINDS, project=True,
      summary="a build action's OutputArtifacts that its buildspec's artifacts do not produce",
      fix="add an artifacts section (and a secondary-artifacts identifier per output when there are several)",
      bad=_example(outputs="[{Name: Image}, {Name: Reports}]"), good=_example())
def build_output_mismatch(ctx: ProjectContext) -> Iterator[Finding]:
    """A CodeBuild action's output artifacts are filled from its buildspec's `artifacts`:
    with one output, the top-level block; with several, each output artifact's name must
    equal a `secondary-artifacts` identifier (CodePipeline's CodeBuild action reference),
    or the build fails to upload it. A buildspec without an `artifacts` section puts
    nothing in the output, so a later action that reads it has nothing to deploy (an
    output no action reads is left alone). Only buildspecs in the repository or inline are
    read: the project's, as CodePipeline's CodeBuild action names no buildspec of its own (an
    action with a `BuildspecOverride`, a key CodeBuild never reads, is left to CP106)."""
    for file in ctx.named(*KINDS):
        for pipeline, _, action in actions(file):
            if action["provider"] != "CodeBuild" or not action["outputs"]:
                continue
            build = build_of(ctx, file, pipeline, action)
            if build is None or build.exports is None:
                continue
            spec = build.spec or file
            spec_name = f"'{build.spec_rel}'" if build.spec else "the inline buildspec"
            if build.exports.get("artifacts") is None:
                read = {i[0] for _, _, a in actions(file) if a is not action for i in a["inputs"]}
                name, where = next(((n, w) for n, w in action["outputs"] if n in read), (None, None))
                if name is None:
                    continue  # an output nothing reads: uploaded empty, harmless
                whose = f"its buildspec {spec_name}" if build.spec else "its inline buildspec"
                yield ctx.report(file, where, f"the action {action['name']} outputs '{name}', which a later action "
                                              f"reads, but {whose} has no artifacts section, so "
                                              "nothing is put in it",
                                 [(spec, None if build.spec else (build.project.get("buildspec") or [None, None])[1],
                                   "the buildspec")])
                continue
            if len(action["outputs"]) < 2:
                continue
            ids = sorted(build.exports.get("secondary") or {})
            for name, where in action["outputs"]:
                if name is None or name in ids:
                    continue
                guess = did_you_mean(name, ids)
                block = build.exports["artifacts"]["pos"]
                known = ", ".join(ids) if ids else "none"
                yield ctx.report(file, where, f"the action {action['name']} has {len(action['outputs'])} outputs, "
                                              f"so each must be a secondary-artifacts identifier of {spec_name}; "
                                              f"'{name}' is not (identifiers: {known}){_hint(guess)}",
                                 [(spec, block, "the buildspec's artifacts")],
                                 fix=f"write '{guess}'" if guess else None)


# -- XF003 ---------------------------------------------------------------------------------

@rule(id="XF003", name="missing-image-definitions", category="reference", severity="error", kinds=KINDS,
      project=True,
      summary="an ECS deploy action whose input artifact does not hold its FileName (imagedefinitions.json)",
      fix="write the file in the build's commands and list it in the buildspec's artifacts files",
      bad=_example(files="app.zip"), good=_example())
def missing_image_definitions(ctx: ProjectContext) -> Iterator[Finding]:
    """The ECS standard deploy action reads `FileName` (default `imagedefinitions.json`, a
    list of container names and image URIs) from the root of its input artifact; the
    producing build must write it and its buildspec must list it in `artifacts.files`
    (with base-directory and discard-paths applied). Otherwise the deployment fails with
    "Exception while trying to read the image artifact file". When the template declares
    task definitions, the container names the build writes into the file are checked
    against their containers. A build that writes the file in a way not read here (a
    script) is not reported; only a file its artifacts cannot hold is."""
    for file in ctx.named(*KINDS):
        containers = {c for t in (file.exports.get("task_definitions") or {}).values() for c in t["containers"]}
        for pipeline, _, action in actions(file):
            if action["category"] != "Deploy" or action["provider"] != "ECS" or not action["inputs"]:
                continue
            name_item = action["config"].get("FileName")
            target = value_text(name_item) if name_item is not None else "imagedefinitions.json"
            artifact, where = action["inputs"][0]
            source = source_of(ctx, file, pipeline, artifact)
            target = ctx.normal(target) if target else None
            if source is None or target is None:
                continue
            found, why = holds(ctx, source, target)
            if source.build is None:
                if found is False:
                    yield ctx.report(file, where, f"the action {action['name']} reads '{target}' from '{artifact}', "
                                                  f"the repository's source, which has no such file"
                                                  f"{_hint(ctx.suggest(target, source.base))}")
                continue
            spec = source.build.spec or file
            if found is False and source.block is not None:
                yield ctx.report(file, where, f"the action {action['name']} reads '{target}' from '{artifact}', but "
                                              f"build {source.action['name']} does not put it there: {why} "
                                              f"({patterns_text(source)})",
                                 [(spec, source.block["pos"], "the buildspec's artifacts")])
                continue
            writes = [w for w in source.build.exports.get("writes", ()) if w["path"].endswith(target.rsplit("/")[-1])]
            if found and containers:
                for w in writes:
                    for name in w["names"]:
                        if name not in containers:
                            guess = did_you_mean(name, containers)
                            yield ctx.report(file, where, f"build {source.action['name']} writes container '{name}' "
                                                          f"into '{target}', but no task definition of this "
                                                          f"template has such a container{_hint(guess)}",
                                             [(spec, w["pos"], "the command that writes it")])


# -- XF005 ---------------------------------------------------------------------------------

_CFN_MODES = ("CREATE_UPDATE", "REPLACE_ON_FAILURE", "CHANGE_SET_REPLACE")


def _artifact_path(text: str | None) -> tuple[str, str] | None:
    if not text or "::" not in text:
        return None
    artifact, _, path = text.partition("::")
    return artifact, path


def _overrides(item: list | None) -> dict | None:
    if item is None:
        return {}
    value = item[0]
    if isinstance(value, dict) and "sub" in value:
        value = re.sub(r"\$\{[^}]*\}", "x", value["sub"])
    if not isinstance(value, str):
        return None
    try:
        data = json.loads(value)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


_CFN_EXAMPLE = """
    # file: pipeline.yaml
    Resources:
""" + _PIPELINE_SOURCE + """\
            - Name: Deploy
              Actions:
                - Name: Deploy
                  ActionTypeId: {Category: Deploy, Owner: AWS, Provider: CloudFormation, Version: "1"}
                  Configuration:
                    ActionMode: CREATE_UPDATE
                    StackName: app
                    RoleArn: arn:aws:iam::123456789012:role/cfn
                    TemplatePath: Src::infra/app.yaml
                    ParameterOverrides: '{"Stage": "prod"}'
                  InputArtifacts: [{Name: Src}]
    # file: infra/app.yaml
    Parameters:
      PARAM: {Type: String}
    Resources:
      Topic: {Type: AWS::SNS::Topic}
    """


def _unmade(ctx: ProjectContext, source, path: str | None) -> str | None:  # noqa: ANN001 - a Source
    """The repository path a build output's `path` most likely meant, when a build of the
    repository takes `path` by its files patterns but neither the repository nor a command
    read here has it, and its folder is one the repository has (a folder the repository
    lacks is made by the build, in ways not read here) and the repository has a near miss
    of it. None otherwise."""
    if source.build is None or not source.build.from_repo or not path:
        return None
    if made(ctx, source, path) or copied_from(source, path) or ctx.exists(path):
        return None
    folder = posixpath.dirname(path)
    if folder and not ctx.suggestions(folder):
        return None
    return ctx.near_miss(path)  # a typo; a file of that name elsewhere may be staged by a script


def _configuration_file(ctx: ProjectContext, file, pipeline: dict, action: dict) -> Iterator[Finding]:  # noqa: ANN001
    """TemplateConfiguration (`Artifact::path`) must be in its artifact too."""
    item = action["config"].get("TemplateConfiguration")
    ref = _artifact_path(value_text(item))
    if ref is None or ref[0] not in [i[0] for i in action["inputs"]]:
        return
    rel = ctx.normal(ref[1])
    source = source_of(ctx, file, pipeline, ref[0])
    if rel is None or source is None:
        return
    found, why = holds(ctx, source, rel)
    guess = _unmade(ctx, source, why) if found else None
    if guess:
        yield ctx.report(file, item[1], f"TemplateConfiguration names '{rel}' in '{ref[0]}', which build "
                                        f"{source.action['name']} takes from '{why}': not in the repository; "
                                        f"did you mean '{guess}'?")
    if found is not False:
        return
    if source.build is None:
        guess = ctx.suggest(rel, source.base)
        yield ctx.report(file, item[1], f"TemplateConfiguration names '{rel}' in '{ref[0]}', the repository's source, "
                                        f"which has no such file{_hint(guess)}",
                         fix=f"write '{ref[0]}::{guess}'" if guess else None)
    elif source.block is not None:
        yield ctx.report(file, item[1], f"TemplateConfiguration names '{rel}' in '{ref[0]}', but build "
                                        f"{source.action['name']} does not put it there: {why} ({patterns_text(source)})",
                         [(source.build.spec or file, source.block["pos"], "the buildspec's artifacts")])


@rule(id="XF005", name="cloudformation-template-link", category="reference", severity="error", kinds=KINDS,
      project=True,
      summary="a CloudFormation deploy action's TemplatePath that is not in its artifact, or ParameterOverrides "
              "that do not fit the template's Parameters",
      fix="fix the path, or name the template's parameters (and give every one without a Default)",
      bad=_CFN_EXAMPLE.replace("PARAM", "Environment"), good=_CFN_EXAMPLE.replace("PARAM", "Stage"))
def cloudformation_template_link(ctx: ProjectContext) -> Iterator[Finding]:
    """A CloudFormation deploy action reads `TemplatePath` (`Artifact::path`) and
    `TemplateConfiguration` from its input artifacts. A path the artifact does not hold
    fails the action ("File not found in artifact"); a `ParameterOverrides` key the template
    does not declare fails the stack update ("Parameters: [...] do not exist in the
    template"), and so does a parameter without a Default that neither the overrides nor
    the configuration file give. Checked when the artifact is the repository (or a build
    output whose files come from it) and the path resolves to a template in the
    repository; overrides built with Fn::Sub are read with their substitutions left out;
    anything else is left alone."""
    for file in ctx.named(*KINDS):
        for pipeline, _, action in actions(file):
            if action["category"] != "Deploy" or action["provider"] != "CloudFormation":
                continue
            config = action["config"]
            mode = value_text(config.get("ActionMode"))
            if mode not in _CFN_MODES:
                continue
            yield from _configuration_file(ctx, file, pipeline, action)
            path_item = config.get("TemplatePath")
            ref = _artifact_path(value_text(path_item))
            if ref is None:
                continue
            artifact, path = ref
            rel = ctx.normal(path)
            source = source_of(ctx, file, pipeline, artifact)
            if rel is None or source is None or artifact not in [i[0] for i in action["inputs"]]:
                continue
            found, why = holds(ctx, source, rel)
            origin = why if found else None
            if found is False:
                if source.build is None:
                    guess = ctx.suggest(rel, source.base)
                    yield ctx.report(file, path_item[1], f"TemplatePath names '{rel}' in '{artifact}', the "
                                                         f"repository's source, which has no such file{_hint(guess)}",
                                     fix=f"write '{artifact}::{guess}'" if guess else None)
                elif source.block is not None:
                    yield ctx.report(file, path_item[1], f"TemplatePath names '{rel}' in '{artifact}', but build "
                                                         f"{source.action['name']} does not put it there: {why} "
                                                         f"({patterns_text(source)})",
                                     [(source.build.spec or file, source.block["pos"], "the buildspec's artifacts")])
                continue
            if not found or origin is None:
                continue
            if source.build is not None:
                guess = _unmade(ctx, source, origin)
                if guess:
                    yield ctx.report(file, path_item[1], f"TemplatePath names '{rel}' in '{artifact}', which build "
                                                         f"{source.action['name']} takes from '{origin}': not in the "
                                                         f"repository; did you mean '{guess}'?")
                origin = copied_from(source, origin) or (origin if made(ctx, source, origin) else None)
                if origin is None or not source.build.from_repo:
                    continue
            template = ctx.file(origin)
            if template is None or template.kind != "cloudformation":
                continue
            declared = template.exports.get("parameters") or {}
            given = _overrides(config.get("ParameterOverrides"))
            if given is None:
                continue
            over = config.get("ParameterOverrides")
            for key in sorted(given):
                if key not in declared:
                    guess = did_you_mean(key, declared)
                    yield ctx.report(file, over[1], f"ParameterOverrides sets '{key}', which '{origin}' does not "
                                                    f"declare{_hint(guess)}",
                                     [(template, None, "the template")], fix=f"write '{guess}'" if guess else None)
            conf = _artifact_path(value_text(config.get("TemplateConfiguration")))
            if config.get("TemplateConfiguration") is not None:
                conf_source = source_of(ctx, file, pipeline, conf[0]) if conf is not None else None
                conf_rel = ctx.normal(conf[1]) if conf is not None else None
                if conf_source is None or conf_rel is None:
                    continue  # a configuration file that cannot be read here may give them
                conf_path = join(conf_source.base, conf_rel)
                if conf_source.build is not None:  # a build's output: the repository's file it passes on, if any
                    held, where = holds(ctx, conf_source, conf_rel)
                    conf_path = None
                    if held and conf_source.build.from_repo:
                        conf_path = copied_from(conf_source, where) or \
                            (where if ctx.exists(where) and where not in _written(conf_source) else None)
                params = template_configuration(ctx, conf_path) if conf_path else None
                if params is None:
                    continue
                given = {**params, **given}
            meant = {did_you_mean(key, declared) for key in given if key not in declared}
            for name, param in sorted(declared.items()):
                if not param["default"] and name not in given and name not in meant:
                    yield ctx.report(file, (over or path_item)[1],
                                     f"'{origin}' requires parameter '{name}' (it has no Default), and this action "
                                     "does not give it", [(template, param["pos"], "the parameter")],
                                     fix=f"add \"{name}\" to ParameterOverrides")


# -- XF004 ---------------------------------------------------------------------------------

_APPSPEC_NAMES = ("appspec.yml", "appspec.yaml")


def revision(ctx: ProjectContext, file, pipeline: dict, action: dict):  # noqa: ANN001, ANN201
    """(source, the held AppSpec's repository path or None, its file or None) of a CodeDeploy
    (EC2/On-Premises) action's revision; None when its input cannot be known."""
    if not action["inputs"]:
        return None
    source = source_of(ctx, file, pipeline, action["inputs"][0][0])
    if source is None:
        return None
    unknown = False
    for name in _APPSPEC_NAMES:  # a pattern may take both names: the one the revision really has counts
        found, where = holds(ctx, source, name)
        if found and source.build is not None:
            where = copied_from(source, where) or (where if made(ctx, source, where) else None)
            found = None if where is None or not source.build.from_repo else found
        if found is None:
            unknown = True
        elif found:
            spec = ctx.file(where)
            return source, where, spec if spec is not None and spec.kind == "appspec" else None
    return source, None if unknown else False, None


_EC2_EXAMPLE = """
    # file: template.yaml
    Resources:
      Package:
        Type: AWS::CodeBuild::Project
        Properties:
          ServiceRole: arn:aws:iam::123456789012:role/build
          Artifacts: {Type: CODEPIPELINE}
          Environment: {Type: LINUX_CONTAINER, ComputeType: BUILD_GENERAL1_SMALL, Image: aws/codebuild/standard:7.0}
          Source: {Type: CODEPIPELINE}
""" + _PIPELINE_SOURCE + """\
            - Name: Build
              Actions:
                - Name: Package
                  ActionTypeId: {Category: Build, Owner: AWS, Provider: CodeBuild, Version: "1"}
                  Configuration: {ProjectName: !Ref Package}
                  InputArtifacts: [{Name: Src}]
                  OutputArtifacts: [{Name: Bundle}]
            - Name: Deploy
              Actions:
                - Name: Deploy
                  ActionTypeId: {Category: Deploy, Owner: AWS, Provider: CodeDeploy, Version: "1"}
                  Configuration: {ApplicationName: web, DeploymentGroupName: prod}
                  InputArtifacts: [{Name: Bundle}]
    # file: buildspec.yml
    version: 0.2
    phases:
      build:
        commands: [make]
    artifacts:
      files: [appspec.yml, FILES]
    # file: appspec.yml
    version: 0.0
    os: linux
    hooks:
      ApplicationStart:
        - location: scripts/start.sh
    # file: scripts/start.sh
    #!/bin/sh
    """


@rule(id="XF004", name="revision-missing-file", category="reference", severity="error", kinds=KINDS, project=True,
      summary="a CodeDeploy (EC2/On-Premises) action whose revision lacks appspec.yml at its root, or a hook "
              "script the AppSpec names",
      fix="list the AppSpec and its scripts in the packaging buildspec's artifacts (mind base-directory)",
      bad=_EC2_EXAMPLE.replace("FILES", "bin/**/*"), good=_EC2_EXAMPLE.replace("FILES", "scripts/**/*"))
def revision_missing_file(ctx: ProjectContext) -> Iterator[Finding]:
    """A CodeDeploy deployment to EC2 or on-premises instances unpacks its input artifact
    and looks for `appspec.yml` (or `appspec.yaml`) at its root; every hook `location` is
    relative to that root. The artifact is the repository (a source action's output) or
    what the packaging build's `artifacts` take (files patterns, base-directory,
    discard-paths). A missing AppSpec fails the deployment at once; a missing script at its
    lifecycle event ("Script does not exist at specified location"). Where this rule finds
    the revision root, it checks the AppSpec's scripts there instead of AS501 (which can
    only look beside the AppSpec): AS501's findings for that AppSpec are dropped. Files a
    build makes in ways not read here are not reported; only files the artifact rules
    cannot take, or repository files that are not there, are."""
    for file in ctx.pipeline_files():  # the others too: an AppSpec named alone still defers AS501
        for pipeline, _, action in actions(file):
            if action["category"] != "Deploy" or action["provider"] != "CodeDeploy":
                continue
            found = revision(ctx, file, pipeline, action)
            if found is None:
                continue
            source, where, appspec = found
            artifact, at = action["inputs"][0]
            related = [(source.build.spec or file, source.block["pos"], "the buildspec's artifacts")] \
                if source.build is not None and source.block is not None else []
            if where is False:
                what = "the repository's source" if source.build is None else f"the output of build {source.action['name']}"
                why = " (" + patterns_text(source) + ")" if source.build is not None else ""
                yield ctx.report(file, at, f"the action {action['name']} deploys '{artifact}', {what}, which holds no "
                                           f"appspec.yml at its root{why}", related)
                continue
            if where is None and source.build is not None:
                for name in _APPSPEC_NAMES:
                    held, path = holds(ctx, source, name)
                    guess = _unmade(ctx, source, path) if held else None
                    if guess:
                        yield ctx.report(file, at, f"the action {action['name']} deploys '{artifact}', whose "
                                                   f"appspec build {source.action['name']} takes from '{path}': not "
                                                   f"in the repository; did you mean '{guess}'?", related)
                        break
            if appspec is None or appspec.exports.get("platform") != "EC2/On-Premises":
                continue
            ctx.defer(appspec, "AS501")
            for script, pos in appspec.exports.get("scripts") or ():
                rel = ctx.normal(script) if isinstance(script, str) else None
                if rel is None:
                    continue
                held, why = holds(ctx, source, rel)
                if held is False and source.build is None:
                    guess = ctx.suggest(rel, source.base)
                    yield ctx.report(file, at, f"the AppSpec of '{artifact}' runs '{rel}', which is not in the "
                                               f"repository{_hint(guess)}", [(appspec, pos, "the hook script")])
                elif held is False:
                    yield ctx.report(file, at, f"the AppSpec of '{artifact}' runs '{rel}', but build "
                                               f"{source.action['name']} does not put it in the revision: {why} "
                                               f"({patterns_text(source)})",
                                     [(appspec, pos, "the hook script")] + related)
                elif held and source.build is not None and source.build.from_repo and copied_from(source, why) and \
                        not made(ctx, source, copied_from(source, why)) and ctx.suggest(copied_from(source, why)):
                    origin = copied_from(source, why)
                    yield ctx.report(file, at, f"the AppSpec of '{artifact}' runs '{rel}', which build "
                                               f"{source.action['name']} copies from '{origin}': not in the repository; "
                                               f"did you mean '{ctx.suggest(origin)}'?", [(appspec, pos, "the hook script")])
                elif held and _unmade(ctx, source, why):
                    yield ctx.report(file, at, f"the AppSpec of '{artifact}' runs '{rel}', which build "
                                               f"{source.action['name']} takes from '{why}': not in the repository; "
                                               f"did you mean '{_unmade(ctx, source, why)}'?",
                                     [(appspec, pos, "the hook script")])


# -- XF007 ---------------------------------------------------------------------------------

_PLATFORM = {"Server": "EC2/On-Premises", "ECS": "ECS", "Lambda": "Lambda"}


def _application(file, action: dict) -> tuple[str, dict] | None:  # noqa: ANN001
    apps = file.exports.get("applications") or {}
    item = action["config"].get("ApplicationName")
    value = item[0] if item is not None else None
    if isinstance(value, dict) and value.get("ref") in apps:
        return value["ref"], apps[value["ref"]]
    if isinstance(value, str):
        for aid, app in sorted(apps.items()):
            if value_text(app.get("name")) == value:
                return aid, app
    group_item = action["config"].get("DeploymentGroupName")
    groups = file.exports.get("deployment_groups") or {}
    for gid, group in sorted(groups.items()):
        name = group_item[0] if group_item is not None else None
        if name == {"ref": gid} or (isinstance(name, str) and value_text(group.get("name")) == name):
            ref = (group.get("application") or [None])[0]
            if isinstance(ref, dict) and ref.get("ref") in apps:
                return ref["ref"], apps[ref["ref"]]
    return None


def ecs_appspec(ctx: ProjectContext, file, pipeline: dict, action: dict):  # noqa: ANN001, ANN201
    """(source, path, file or None) of a CodeDeployToECS action's AppSpec; None: unknown."""
    return _template_file(ctx, file, pipeline, action, "AppSpecTemplateArtifact", "AppSpecTemplatePath", "appspec.yaml")


def _template_file(ctx: ProjectContext, file, pipeline: dict, action: dict, art_key: str, path_key: str,  # noqa: ANN001
                   default: str):  # noqa: ANN202
    artifact = value_text(action["config"].get(art_key))
    path_item = action["config"].get(path_key)
    path = value_text(path_item) if path_item is not None else default
    rel = ctx.normal(path) if path else None
    if artifact is None or rel is None:
        return None
    source = source_of(ctx, file, pipeline, artifact)
    if source is None:
        return None
    held, where = holds(ctx, source, rel)
    if held is None:
        return None
    if held and source.build is not None:
        where = copied_from(source, where) or (where if made(ctx, source, where) else None)
        if where is None or not source.build.from_repo:
            return None
    return source, artifact, rel, (where if held else False), (ctx.file(where) if held else None)


@rule(id="XF007", name="compute-platform-mismatch", category="reference", severity="error", kinds=KINDS,
      project=True,
      summary="a CodeDeploy application's ComputePlatform that does not fit the AppSpec its pipeline deploys",
      fix="deploy an AppSpec of the application's platform, or use an application of the AppSpec's",
      bad=_EC2_EXAMPLE.replace("FILES", "scripts/**/*").replace(
          "      Pipeline:\n", "      App:\n        Type: AWS::CodeDeploy::Application\n"
          "        Properties: {ApplicationName: web, ComputePlatform: Lambda}\n      Pipeline:\n"),
      good=_EC2_EXAMPLE.replace("FILES", "scripts/**/*").replace(
          "      Pipeline:\n", "      App:\n        Type: AWS::CodeDeploy::Application\n"
          "        Properties: {ApplicationName: web, ComputePlatform: Server}\n      Pipeline:\n"))
def compute_platform_mismatch(ctx: ProjectContext) -> Iterator[Finding]:
    """A CodeDeploy application has one compute platform (`ComputePlatform`: Server, the
    default, ECS or Lambda) and its deployments take AppSpecs of that platform only: an
    EC2 AppSpec (`os`, `files`, script hooks) sent to a Lambda or ECS application, or an
    ECS AppSpec (`TargetService`) sent to a Server one, fails the deployment ("The AppSpec
    file is not valid for the compute platform"). Checked when the action's application
    (or deployment group) is a resource of the same template and the AppSpec is found in
    the action's artifact."""
    for file in ctx.named(*KINDS):
        for pipeline, _, action in actions(file):
            if action["category"] != "Deploy" or action["provider"] not in ("CodeDeploy", "CodeDeployToECS"):
                continue
            app = _application(file, action)
            if app is None:
                continue
            aid, entry = app
            platform_item = entry.get("platform")
            text = value_text(platform_item) if platform_item is not None else "Server"
            wanted = _PLATFORM.get(text or "")
            if wanted is None:
                continue
            if action["provider"] == "CodeDeploy":
                found = revision(ctx, file, pipeline, action)
                appspec = found[2] if found else None
            else:
                found = ecs_appspec(ctx, file, pipeline, action)
                appspec = found[4] if found else None
            if appspec is None or appspec.kind != "appspec":
                continue
            has = appspec.exports.get("platform")
            if has and has != wanted:
                where = (platform_item or [None, entry["pos"]])[1]
                yield ctx.report(file, where, f"application {aid} has compute platform {text or 'Server'}, but the "
                                              f"action {action['name']} deploys '{appspec.rel}', an AppSpec for {has}",
                                 [(appspec, appspec.exports.get("pos"), "the AppSpec")])


# -- XF006 ---------------------------------------------------------------------------------

_BG_EXAMPLE = """
    # file: pipeline.yaml
    Resources:
""" + _PIPELINE_SOURCE + """\
            - Name: Deploy
              Actions:
                - Name: BlueGreen
                  ActionTypeId: {Category: Deploy, Owner: AWS, Provider: CodeDeployToECS, Version: "1"}
                  Configuration:
                    ApplicationName: web
                    DeploymentGroupName: web-bg
                    TaskDefinitionTemplateArtifact: Src
                    AppSpecTemplateArtifact: Src
                  InputArtifacts: [{Name: Src}]
    # file: appspec.yaml
    version: 0.0
    Resources:
      - TargetService:
          Type: AWS::ECS::Service
          Properties:
            TaskDefinition: <TASK_DEFINITION>
            LoadBalancerInfo: {ContainerName: NAME, ContainerPort: 8080}
    # file: taskdef.json
    {"family": "web", "containerDefinitions": [{"name": "web", "image": "nginx",
     "portMappings": [{"containerPort": 8080}]}]}
    """


@rule(id="XF006", name="ecs-blue-green-files", category="reference", severity="error", kinds=KINDS, project=True,
      summary="a CodeDeployToECS action whose appspec.yaml or taskdef.json is missing, or does not fit the other",
      fix="add the files to the named artifacts; use <TASK_DEFINITION>, and a ContainerName and ContainerPort "
          "of the task definition",
      bad=_BG_EXAMPLE.replace("NAME", "api"), good=_BG_EXAMPLE.replace("NAME", "web"))
def ecs_blue_green_files(ctx: ProjectContext) -> Iterator[Finding]:
    """The ECS blue/green action (CodeDeployToECS) reads `TaskDefinitionTemplatePath`
    (default `taskdef.json`) from `TaskDefinitionTemplateArtifact` and
    `AppSpecTemplatePath` (default `appspec.yaml`) from `AppSpecTemplateArtifact`. It
    registers the task definition, writes its ARN where the AppSpec says
    `TaskDefinition: <TASK_DEFINITION>` (any other value is sent as written), and puts the
    image of `Image1ArtifactName` where the task definition says `<IMAGE1_NAME>` (the
    placeholder `Image1ContainerName` names). The AppSpec's `ContainerName` and
    `ContainerPort` must be a container of that task definition and one of its container
    ports, or the deployment fails when it shifts traffic. Files in an S3 or ECR artifact,
    or made by a build in ways not read here, are not checked."""
    for file in ctx.named(*KINDS):
        for pipeline, _, action in actions(file):
            if action["category"] != "Deploy" or action["provider"] != "CodeDeployToECS":
                continue
            config = action["config"]
            found = {}
            for what, art_key, path_key, default in (
                    ("task definition", "TaskDefinitionTemplateArtifact", "TaskDefinitionTemplatePath", "taskdef.json"),
                    ("AppSpec", "AppSpecTemplateArtifact", "AppSpecTemplatePath", "appspec.yaml")):
                got = _template_file(ctx, file, pipeline, action, art_key, path_key, default)
                if got is None:
                    continue
                source, artifact, rel, where, spec = got
                at = (config.get(path_key) or config.get(art_key))[1]
                if where is False:
                    guess = ctx.suggest(rel, source.base) if source.build is None else None
                    why = "the repository's source" if source.build is None else \
                        f"the output of build {source.action['name']} ({patterns_text(source)})"
                    yield ctx.report(file, at, f"the action {action['name']} reads its {what} '{rel}' from "
                                               f"'{artifact}', {why}, which does not hold it{_hint(guess)}")
                    continue
                found[what] = (spec, at)
            appspec, at = found.get("AppSpec", (None, None))
            taskdef, tat = found.get("task definition", (None, None))
            ecs = appspec.exports.get("ecs") if appspec is not None and appspec.kind == "appspec" else None
            if ecs:
                task = ecs.get("task_definition")
                if task is not None and isinstance(task[0], str) and task[0].strip() != "<TASK_DEFINITION>":
                    yield ctx.report(file, at, f"the AppSpec '{appspec.rel}' sets TaskDefinition to '{task[0]}'; "
                                               "CodeDeployToECS puts the task definition it registers only where "
                                               "it says <TASK_DEFINITION>", [(appspec, task[1], "TaskDefinition")])
            containers = taskdef.exports.get("containers") if taskdef is not None and \
                taskdef.kind == "task-definition" else None
            if containers is None:
                continue
            if ecs:
                name, port = ecs.get("container_name"), ecs.get("container_port")
                cname = name[0] if name is not None and isinstance(name[0], str) else None
                if cname is not None and cname not in containers:
                    guess = did_you_mean(cname, containers)
                    yield ctx.report(file, at, f"the AppSpec '{appspec.rel}' routes traffic to container '{cname}', "
                                               f"which '{taskdef.rel}' does not define{_hint(guess)}",
                                     [(appspec, name[1], "ContainerName"), (taskdef, None, "the task definition")])
                elif cname is not None and port is not None and str(port[0]).isdigit() and \
                        containers[cname]["ports"] and int(port[0]) not in containers[cname]["ports"]:
                    ports = ", ".join(str(p) for p in containers[cname]["ports"])
                    yield ctx.report(file, at, f"the AppSpec '{appspec.rel}' routes traffic to port {port[0]} of "
                                               f"'{cname}', which maps only {ports} in '{taskdef.rel}'",
                                     [(appspec, port[1], "ContainerPort"),
                                      (taskdef, containers[cname]["pos"], "the container")])
            placeholder = value_text(config.get("Image1ContainerName"))
            if placeholder and not any((c.get("image") or "").strip() == f"<{placeholder}>"
                                       for c in containers.values()):
                yield ctx.report(file, config["Image1ContainerName"][1],
                                 f"Image1ContainerName is {placeholder}, but no container of '{taskdef.rel}' has the "
                                 f"image <{placeholder}>, so the image the action deploys is put nowhere",
                                 [(taskdef, None, "the task definition")], fix=f"write \"image\": \"<{placeholder}>\"")


# -- XF008 ---------------------------------------------------------------------------------

_LAMBDA_EXAMPLE = """
    # file: template.yaml
    Resources:
      App:
        Type: AWS::CodeDeploy::Application
        Properties: {ApplicationName: orders, ComputePlatform: Lambda}
      Group:
        Type: AWS::CodeDeploy::DeploymentGroup
        Properties:
          ApplicationName: !Ref App
          ServiceRoleArn: arn:aws:iam::123456789012:role/codedeploy
          DeploymentConfigName: CodeDeployDefault.LambdaCanary10Percent5Minutes
          DeploymentStyle: {DeploymentType: BLUE_GREEN, DeploymentOption: WITH_TRAFFIC_CONTROL}
          AutoRollbackConfiguration: {Enabled: true, Events: [DEPLOYMENT_FAILURE]}
      Orders:
        Type: AWS::Lambda::Function
        Properties:
          FunctionName: orders-api
          Runtime: python3.12
          Handler: app.handler
          Role: arn:aws:iam::123456789012:role/orders
          Code: {S3Bucket: artifacts-bucket, S3Key: orders.zip}
      Version:
        Type: AWS::Lambda::Version
        Properties: {FunctionName: !Ref Orders}
      Live:
        Type: AWS::Lambda::Alias
        Properties: {Name: live, FunctionName: !Ref Orders, FunctionVersion: !GetAtt Version.Version}
    # file: appspec.yml
    version: 0.0
    Resources:
      - Orders:
          Type: AWS::Lambda::Function
          Properties:
            Name: NAME
            Alias: live
            CurrentVersion: "1"
            TargetVersion: "2"
    """

_NAMEABLE = re.compile(r"[A-Za-z0-9_-]+")
_GENERATED = re.compile(r".+-.+-[A-Za-z0-9]{8,}")   # CloudFormation's <stack>-<LogicalId>-<SUFFIX>


def _lambda_templates(ctx: ProjectContext) -> list:
    """The repository's templates that declare Lambda functions or CodeDeploy applications:
    those the run names, and the others, read for their exports (a pre-commit run names the
    AppSpec alone)."""
    needles = {b"AWS::Lambda::Function", b"AWS::Serverless::Function", b"AWS::CodeDeploy::Application"}
    ctx.read_marked(lambda marks: bool(marks & needles))
    return [f for _, f in sorted(ctx.files.items()) if f.kind == "cloudformation" and
            (f.exports.get("functions") or f.exports.get("applications"))]


def _deploying(templates: list, appspec) -> tuple | None:  # noqa: ANN001
    """The template whose CodeDeploy Lambda application the AppSpec is deployed to: the one
    that declares one (the nearest above the AppSpec when several do), else the one
    template of the repository that declares functions; None when that cannot be told.
    (template, how it was chosen, where to point at, what that is)"""
    import posixpath

    linked = [t for t in templates if any(value_text(a.get("platform")) == "Lambda"
                                          for a in (t.exports.get("applications") or {}).values())]
    with_functions = [t for t in templates if t.exports.get("functions")]
    if len(linked) > 1:
        folder = posixpath.dirname(appspec.rel)

        def holds_it(t) -> bool:  # noqa: ANN001
            base = posixpath.dirname(t.rel)
            return not base or folder == base or folder.startswith(base + "/")

        above = sorted((posixpath.dirname(t.rel).count("/") + bool(posixpath.dirname(t.rel)), t.rel, t)
                       for t in linked if holds_it(t))
        if not above or (len(above) > 1 and above[-1][0] == above[-2][0]):
            return None
        linked = [above[-1][2]]
    if linked and linked[0].exports.get("functions"):
        aid, app = next((k, a) for k, a in sorted(linked[0].exports["applications"].items())
                        if value_text(a.get("platform")) == "Lambda")
        how = f"the template of the CodeDeploy Lambda application {aid}"
        return linked[0], how, app["pos"], "the Lambda application"
    if len(with_functions) == 1:
        return with_functions[0], "the repository's one template with functions", None, "the template"
    return None


def _function_name(text: str) -> str | None:
    """The function an AppSpec's Name names (a name, or a function ARN); None: a placeholder."""
    text = text.strip()
    if text.startswith("arn:"):
        parts = text.split(":")
        text = parts[6] if len(parts) >= 7 and parts[5] == "function" else ""
    return text if _NAMEABLE.fullmatch(text) else None


def _functions_named(template) -> tuple[dict[str, str], list[str], bool]:  # noqa: ANN001
    """({physical name: logical id} of functions with a literal FunctionName, logical ids of
    those without one (CloudFormation generates their names), whether any name is unknown)."""
    named, generated, unknown = {}, [], False
    for fid, fn in sorted((template.exports.get("functions") or {}).items()):
        item = fn.get("name")
        if item is None:
            generated.append(fid)
        elif isinstance(item[0], str):
            named[item[0]] = fid
        else:
            unknown = True
    return named, generated, unknown


def _aliases_of(template, fid: str, physical: str | None) -> tuple[dict[str, list], bool]:  # noqa: ANN001
    """({alias name: position} the template gives function `fid`, whether some alias of the
    template may be one of it that cannot be read)."""
    out: dict[str, list] = {}
    unknown = False
    functions = template.exports.get("functions") or {}
    for _, alias in sorted((template.exports.get("aliases") or {}).items()):
        target = (alias.get("function") or [None])[0]
        if isinstance(target, dict) and ("ref" in target or "getatt" in target):
            resource = target.get("ref") or str(target.get("getatt", "")).split(".")[0]
            if resource != fid and resource in functions:
                continue  # another function's alias
            mine = True if resource == fid else None  # a parameter's value may name it
        elif isinstance(target, str):
            mine = physical is not None and (target == physical or target.endswith(f":function:{physical}"))
            if not mine and _function_name(target) is not None:
                continue
        else:
            mine = None
        name = (alias.get("name") or [None])[0]
        if mine is None or not isinstance(name, str):
            unknown = True
            continue
        if mine:
            out[name] = alias["pos"]
    fn = (template.exports.get("functions") or {}).get(fid) or {}
    auto = fn.get("alias")
    if auto is not None:
        if isinstance(auto[0], str):
            out.setdefault(auto[0], auto[1])
        else:
            unknown = True
    return out, unknown


@rule(id="XF008", name="lambda-appspec-function", category="reference", severity="error", kinds=("appspec",),
      project=True,
      summary="a Lambda AppSpec whose function Name or Alias the template it is deployed with does not declare",
      fix="name a function the template declares (its FunctionName) and one of that function's aliases",
      bad=_LAMBDA_EXAMPLE.replace("NAME", "order-api"), good=_LAMBDA_EXAMPLE.replace("NAME", "orders-api"))
def lambda_appspec_function(ctx: ProjectContext) -> Iterator[Finding]:
    """A Lambda AppSpec names the function CodeDeploy deploys (`Name`) and the alias whose
    traffic it shifts from `CurrentVersion` to `TargetVersion` (`Alias`); a function or alias
    that does not exist fails the deployment at once. The AppSpec is checked against the
    template that declares the CodeDeploy application with `ComputePlatform: Lambda` (the
    nearest above the AppSpec when several do), or, when no template declares one, the only
    template of the repository that declares functions: `Name` must be the `FunctionName` of
    one of them (a function ARN is read for its name), and `Alias` an AWS::Lambda::Alias of
    that function (by `Ref`, `Fn::GetAtt` or its name) or its SAM `AutoPublishAlias` (its
    own, or Globals.Function's).

    The link is the deployment group's application, not a pipeline action: CodePipeline's
    CodeDeploy action deploys to EC2/On-Premises instances (its action reference says so), so
    a Lambda AppSpec is sent by `aws deploy create-deployment` from a build or a script, which
    no action names; what ties it to a template is the Lambda application it is deployed to.

    Never reported: names with placeholders (`${...}`, `<...>`, `{{...}}`) a build fills in; a
    template whose function names come from parameters or `Fn::Sub` (then any name may be
    one); a Name shaped like the name CloudFormation generates for a function without
    FunctionName (`stack-Orders-1A2B3C4D5E6F`); a name another template of the repository
    declares (its alias is then checked there); an alias of a function the template gives no
    alias at all (it may be made outside the stack), or gives one whose name is unknown."""
    appspecs = [a for a in ctx.named("appspec") if a.exports.get("platform") == "Lambda" and
                a.exports.get("functions")]
    if not appspecs:
        return
    templates = _lambda_templates(ctx)
    for appspec in appspecs:
        chosen = _deploying(templates, appspec)
        if chosen is None:
            continue
        template, how, at, what = chosen
        named, generated, unknown = _functions_named(template)
        others = {n: (t, fid) for t in templates if t is not template for n, fid in _functions_named(t)[0].items()}
        for entry in appspec.exports["functions"]:
            name_item, alias_item = entry.get("name"), entry.get("alias")
            name = _function_name(name_item[0]) if name_item and isinstance(name_item[0], str) else None
            if name is None:
                continue
            owner, fid = template, named.get(name)
            if fid is None and name in others:
                owner, fid = others[name]
            if fid is None:
                fid = next((g for g in generated if g in name), None)
                if fid is not None or unknown or (generated and _GENERATED.fullmatch(name)):
                    continue  # a generated name, or one of a name that cannot be read: unknown
                choices = sorted(named)
                guess = did_you_mean(name, choices)
                listed = f" (functions: {', '.join(choices)})" if choices else ""
                yield ctx.report(appspec, name_item[1], f"the AppSpec deploys function '{name}', but "
                                                        f"'{template.rel}' ({how}) declares no such function"
                                                        f"{listed}{_hint(guess)}",
                                 [(template, at, what)], fix=f"write '{guess}'" if guess else None)
                continue
            alias = alias_item[0].strip() if alias_item and isinstance(alias_item[0], str) else None
            if alias is None or not _NAMEABLE.fullmatch(alias):
                continue
            given, unsure = _aliases_of(owner, fid, name)
            if unsure or not given or alias in given:
                continue
            guess = did_you_mean(alias, sorted(given))
            yield ctx.report(appspec, alias_item[1], f"the AppSpec shifts alias '{alias}' of function '{name}', but "
                                                     f"'{owner.rel}' gives {fid} only the alias"
                                                     f"{'es' if len(given) > 1 else ''} {', '.join(sorted(given))}"
                                                     f"{_hint(guess)}",
                             [(owner, (owner.exports["functions"][fid] or {}).get("pos"), "the function")],
                             fix=f"write '{guess}'" if guess else None)
