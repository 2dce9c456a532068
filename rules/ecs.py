"""ECS task definition rules (TD): the `taskdef.json` a CodeDeployToECS action registers,
linted lightly (the project pass checks it against the AppSpec and the action: XF006).

Facts: the ECS RegisterTaskDefinition API (containerDefinitions, each with a unique name
and an image) and the CodePipeline "Amazon ECS blue/green deploy action reference"
(`<IMAGE1_NAME>` placeholders)."""

from __future__ import annotations

from typing import Iterator

from linter.rule import Context, Finding, rule

KIND = ("task-definition",)


@rule(id="TD001", name="invalid-container-definitions", category="schema", severity="error", kinds=KIND,
      summary="a task definition whose containerDefinitions is empty, or holds a container without name or image",
      fix="give each container definition a name and an image",
      bad="""
          {"family": "web", "containerDefinitions": [{"name": "web"}]}""",
      good="""
          {"family": "web", "containerDefinitions": [{"name": "web", "image": "<IMAGE1_NAME>"}]}""")
def invalid_container_definitions(ctx: Context) -> Iterator[Finding]:
    """RegisterTaskDefinition needs at least one container definition, and each needs a
    `name` (the AppSpec's ContainerName and the load balancer refer to it) and an `image`
    (in a CodeDeployToECS task definition template, usually `<IMAGE1_NAME>`, which the
    action replaces with the image it deploys). A task definition without them fails to
    register when the deployment starts."""
    node = ctx.root.get("containerDefinitions")
    if node is None or not node.is_seq:
        return
    if not node.value:
        yield ctx.report(node, "containerDefinitions is empty: a task definition needs a container")
    for item in node.value:
        if not item.is_map:
            yield ctx.report(item, "a container definition is a mapping")
            continue
        for key in ("name", "image"):
            if key not in item:
                yield ctx.report(item, f"this container definition has no {key}", fix=f"add \"{key}\"")


@rule(id="TD002", name="duplicate-container-name", category="reference", severity="error", kinds=KIND,
      summary="two container definitions with the same name",
      fix="give every container of the task definition its own name",
      bad="""
          {"family": "web", "containerDefinitions": [{"name": "web", "image": "a"}, {"name": "web", "image": "b"}]}""",
      good="""
          {"family": "web", "containerDefinitions": [{"name": "web", "image": "a"}, {"name": "log", "image": "b"}]}""")
def duplicate_container_name(ctx: Context) -> Iterator[Finding]:
    """Container names are unique within a task definition: links, dependencies, the
    AppSpec's ContainerName and the image placeholders are resolved by name, and ECS
    rejects a task definition that repeats one."""
    node = ctx.root.get("containerDefinitions")
    seen: set[str] = set()
    for item in node.value if node is not None and node.is_seq else ():
        name = item.get("name") if item.is_map else None
        if name is None or not isinstance(name.data, str):
            continue
        if name.data in seen:
            yield ctx.report(name, f"container '{name.data}' is defined twice")
        seen.add(name.data)


def taskdef_exports(doc) -> dict:  # noqa: ANN001 - a Document
    """Its containers (names, container ports, images) for the project pass."""
    from linter.rules.cloudformation import containers_of

    return {"containers": containers_of(doc.root.get("containerDefinitions"), "name", "portMappings",
                                        "containerPort")}


EXPORTS = {"task-definition": taskdef_exports}
