"""CodeBuild images and runtimes: retired curated images in projects (CF103), and buildspec
runtime versions that no current image offers (BS120).

The facts are package data, `linter/data/codebuild_images.json`, taken from the CodeBuild
User Guide ("Docker images provided by CodeBuild", "Available runtimes", "Deprecated
CodeBuild images") and the aws/aws-codebuild-docker-images repository; its `source`,
`retrieved` and `notes` say where each fact comes from, and scripts/gen_codebuild_images.md
how to refresh it.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any, Iterator

from linter.rule import Context, Finding, rule
from linter.rules.intrinsics import resources_of


@functools.lru_cache(maxsize=1)
def images() -> dict[str, dict[str, Any]]:
    from linter import package_text

    return json.loads(package_text("linter.data", "codebuild_images.json"))["images"]


def image(name: str) -> dict[str, Any] | None:
    """The table's entry for an image name (aliases resolved), or None."""
    found = images().get(name.strip())
    while found is not None and found.get("alias_of") and not found.get("runtimes"):
        found = images().get(found["alias_of"])
    return found


def _maintained(entry: dict[str, Any]) -> bool:
    return entry.get("status") == "current" and entry.get("repo_maintained") is not False


@functools.lru_cache(maxsize=None)
def offered(family: str) -> tuple[str, ...]:
    """The versions of a runtime family that CodeBuild's maintained images offer."""
    out: set[str] = set()
    for entry in images().values():
        if _maintained(entry):
            out.update((entry.get("runtimes") or {}).get(family, ()))
    return tuple(sorted(out, key=_key))


def _key(version: str) -> tuple[int, ...]:
    digits = re.findall(r"\d+", version)
    return tuple(int(d) for d in digits[:3]) if digits else (0,)


# -- CF103 ---------------------------------------------------------------------------

_PROJECT = """
          AWSTemplateFormatVersion: "2010-09-09"
          Resources:
            Build:
              Type: AWS::CodeBuild::Project
              Properties:
                ServiceRole: arn:aws:iam::123456789012:role/build
                Artifacts: {Type: NO_ARTIFACTS}
                Source: {Type: NO_SOURCE, BuildSpec: buildspec.yml}
                Environment:
                  Type: LINUX_CONTAINER
                  ComputeType: BUILD_GENERAL1_SMALL
                  Image: IMAGE"""


@rule(id="CF103", name="retired-codebuild-image", category="practice", severity="warning",
      kinds=("cloudformation",),
      summary="a CodeBuild project on a curated image that is deprecated (warning) or no longer supported (error)",
      fix="use a current image, such as aws/codebuild/standard:7.0 or aws/codebuild/amazonlinux-x86_64-standard:5.0",
      bad=_PROJECT.replace("IMAGE", "aws/codebuild/standard:4.0"),
      good=_PROJECT.replace("IMAGE", "aws/codebuild/standard:7.0"))
def retired_codebuild_image(ctx: Context) -> Iterator[Finding]:
    """CodeBuild's "Deprecated CodeBuild images" page lists images that still run but are
    no longer patched and no longer cached, so every build pulls them (standard:3.0 and 4.0,
    amazonlinux2-x86_64-standard:2.0 and 3.0, amazonlinux2-aarch64-standard:1.0). The older
    generation of single-runtime images on Ubuntu 14.04 (python:2.7.12, nodejs:8.11.0,
    docker:17.09.0, java:openjdk-8, ubuntu-base:14.04, the eb-* images) and standard:1.0
    and 2.0 are no longer supported at all: their definitions sit in the image repository's
    unsupported_images folder. The finding names the current image to move to."""
    for key, props in resources_of(ctx.root, "AWS::CodeBuild::Project"):
        env = props.get("Environment")
        node = env.get("Image") if env is not None and env.is_map else None
        if node is None or not node.is_scalar or not isinstance(node.data, str):
            continue
        entry = image(node.data)
        if entry is None or entry.get("status") not in ("deprecated", "unsupported"):
            continue
        use = entry.get("replacement") or "aws/codebuild/standard:7.0"
        if entry["status"] == "deprecated":
            since = f" since {entry['deprecation_date']}" if entry.get("deprecation_date") else ""
            yield ctx.report(node, f"{key.data} builds on {node.data}, deprecated{since}: it still runs but is no "
                                   f"longer patched or cached; use {use}", fix=f"use {use}")
        else:
            yield ctx.report(node, f"{key.data} builds on {node.data}, an image CodeBuild no longer supports; "
                                   f"use {use}", fix=f"use {use}", severity="error")


# -- BS120 ---------------------------------------------------------------------------

@rule(id="BS120", name="unavailable-runtime-version", category="practice", severity="warning",
      kinds=("buildspec",),
      summary="a runtime-versions entry older than every version CodeBuild's maintained images offer",
      fix="use a version the image offers (or `latest`), and a current image",
      bad="""
          version: 0.2
          phases:
            install:
              runtime-versions:
                nodejs: 10
            build:
              commands: [npm test]""",
      good="""
          version: 0.2
          phases:
            install:
              runtime-versions:
                nodejs: 20
            build:
              commands: [npm test]""")
def unavailable_runtime_version(ctx: Context) -> Iterator[Finding]:
    """`runtime-versions` picks one of the versions the build image has installed ("Available
    runtimes" in the CodeBuild User Guide): an exact version (`python: 3.12`, `nodejs: 20`,
    `java: corretto21`), a major with its latest minor (`3.x`), or `latest`. A version
    older than any that CodeBuild's maintained images offer (`nodejs: 10`, `python: 3.7`;
    the images on the "Available runtimes" page) comes from a buildspec written for a retired
    image: current images do not carry it, and the older images that still do are no longer
    updated. Versions inside or above the offered range
    are left alone: current images can install versions they do not carry. For an inline
    buildspec whose project names its image, that image's own runtimes are used."""
    phases = ctx.root.get("phases") if ctx.root is not None and ctx.root.is_map else None
    install = phases.get("install") if phases is not None and phases.is_map else None
    versions = install.get("runtime-versions") if install is not None and install.is_map else None
    if versions is None or not versions.is_map:
        return
    project_image = ctx.doc.cache.get("codebuild-image")
    entry = image(project_image) if isinstance(project_image, str) else None
    own = entry.get("runtimes") if entry is not None else None
    for key, value in versions.items():
        family = str(key.data)
        if family in _UNJUDGED or not value.is_scalar or value.data is None or isinstance(value.data, bool):
            continue
        text = ctx.source(value).strip().strip("'\"") if value.is_plain_scalar else str(value.data).strip()
        choices = tuple((own or {}).get(family, ())) or offered(family)
        where = f"{project_image} offers" if own and own.get(family) else "CodeBuild's maintained images offer"
        if not choices or _accepted(family, text, choices):
            continue
        shown = ", ".join(choices)
        yield ctx.report(value, f"{where} no {family} {text}: the versions on offer are {shown}",
                         fix=f"use one of {shown} (or latest)")


# docker: the image repository lists a docker "runtime", the User Guide documents none
_UNJUDGED = frozenset({"docker"})


def _accepted(family: str, text: str, choices: tuple[str, ...]) -> bool:
    low = text.lower()
    if low == "latest" or text in choices or "$" in text or "{" in text:
        return True
    if family == "java":
        return not re.fullmatch(r"(openjdk|corretto)?\d+(\.x)?", low) or \
            low.startswith("corretto") and _key(low) >= _key(choices[0])
    if not re.fullmatch(r"\d+(\.\d+)?(\.x)?", low):
        return True  # a full patch version or another form: a custom install, not judged here
    return _key(low.removesuffix(".x")) >= _key(choices[0])[:len(_key(low.removesuffix(".x")))]


# -- exports: a template's CodeBuild projects, for the project pass (linter/project.py) ----------

def project_exports(doc) -> dict:  # noqa: ANN001 - a Document
    """Each AWS::CodeBuild::Project: its name, source type, buildspec (a path, an inline
    buildspec's own exports, or absent: `buildspec.yml`) and secondary sources."""
    from linter.project_exports import item, pos, relocate, value

    projects = {}
    for key, props in resources_of(doc.root, "AWS::CodeBuild::Project"):
        source = props.get("Source")

        def spec(src) -> dict:  # noqa: ANN001
            node = src.get("BuildSpec") if src is not None and src.is_map else None
            type_node = src.get("Type") if src is not None and src.is_map else None
            out = {"type": value(type_node), "pos": pos(src) if src is not None else pos(key),
                   "buildspec": item(node)}
            text = node.data if node is not None and node.is_scalar else None
            if node is not None and node.is_map and len(node.value) == 1 and node.value[0][0].data == "Fn::Sub":
                sub = node.value[0][1]  # an inline buildspec written with !Sub: its ${...} stay unknown values
                first = sub.value[0] if sub.is_seq and sub.value else sub
                text = first.data if first.is_scalar else None
            if isinstance(text, str) and "\n" in text.strip():
                from linter.rules.buildspec import buildspec_exports
                from linter.yaml_loader import load_yaml
                from linter.document import Document

                inner, _ = load_yaml(text)
                out["inline"] = relocate(buildspec_exports(Document(
                    path=doc.path, text=text, kind="buildspec", fmt="yaml", root=inner)), pos(node)) \
                    if inner is not None and inner.is_map else {}
            return out

        entry = {"pos": pos(key), "name": item(props.get("Name")), **spec(source), "secondary": {}}
        secondary = props.get("SecondarySources")
        for src in secondary.value if secondary is not None and secondary.is_seq else ():
            ident = src.get("SourceIdentifier") if src.is_map else None
            if ident is not None and ident.is_scalar:
                entry["secondary"][str(ident.data)] = spec(src)
        projects[str(key.data)] = entry
    return {"projects": projects}


EXPORTS = {"cloudformation": project_exports}
