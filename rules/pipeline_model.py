"""One pipeline model for both sources: CodePipeline JSON and AWS::CodePipeline::Pipeline resources.

A JSON declaration (`get-pipeline` output, `create-pipeline` input, or a bare declaration)
writes keys in camelCase; a template resource writes them in PascalCase and may use
intrinsic functions. Both become the same `Pipeline` of `Stage`s of `Action`s whose parts
keep their nodes, so every rule runs on both and reports at the right line of either file.

A value given by an intrinsic function (`Ref` to a parameter, `Fn::Sub`, ...) is unknown:
`Value.text` is None and rules skip it rather than guess. Both branches of an `Fn::If` in a
list of stages, actions or artifacts are taken, so each is checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

from linter.document import Document, Node
from linter.rules.intrinsics import branches

PIPELINE_TYPE = "AWS::CodePipeline::Pipeline"


@dataclass
class Value:
    """A scalar of the declaration: its text (None when unknown) and where it is written."""

    text: str | None
    node: Node


@dataclass
class Action:
    node: Node
    name: Value | None
    category: Value | None
    owner: Value | None
    provider: Value | None
    version: Value | None
    type_node: Node | None
    run_order: int | None
    run_order_node: Node | None
    configuration: Node | None
    inputs: list[Value]
    outputs: list[Value]
    region: Value | None
    role_arn: Value | None
    namespace: Value | None
    stage: Stage = field(repr=False, default=None)  # type: ignore[assignment]
    index: int = 0

    @property
    def order(self) -> int:
        return self.run_order if self.run_order is not None else 1

    @property
    def label(self) -> str:
        return self.name.text if self.name and self.name.text else f"action {self.index + 1}"

    def config(self, key: str) -> Node | None:
        if self.configuration is None or not self.configuration.is_map:
            return None
        return self.configuration.get(key)

    def config_text(self, key: str) -> str | None:
        node = self.config(key)
        if node is None or not node.is_scalar or node.data is None or isinstance(node.data, (dict, list)):
            return None
        return str(node.data).lower() if isinstance(node.data, bool) else str(node.data)

    def type_is(self, category: str | None = None, provider: str | None = None, owner: str | None = None) -> bool:
        return ((category is None or (self.category is not None and self.category.text == category))
                and (provider is None or (self.provider is not None and self.provider.text == provider))
                and (owner is None or (self.owner is not None and self.owner.text == owner)))


@dataclass
class Stage:
    node: Node
    name: Value | None
    actions: list[Action]
    index: int

    @property
    def label(self) -> str:
        return self.name.text if self.name and self.name.text else f"stage {self.index + 1}"


@dataclass
class Pipeline:
    node: Node                       # the declaration (JSON `pipeline`, or the resource's Properties)
    source: str                      # "json" or "template"
    key_node: Node | None            # where to report about the whole pipeline
    stages: list[Stage]
    stages_node: Node | None
    pipeline_type: Value | None
    role_arn: Value | None
    artifact_store: Node | None
    artifact_stores: Node | None
    logical_id: str | None = None

    @property
    def actions(self) -> Iterator[Action]:
        for stage in self.stages:
            yield from stage.actions

    def get(self, key: str) -> tuple[Node | None, Node | None]:
        return field_of(self.node, key)


def field_of(node: Node | None, camel: str) -> tuple[Node | None, Node | None]:
    """(key node, value node) of a field written camelCase (JSON) or PascalCase (templates)."""
    if node is None or not node.is_map:
        return None, None
    for key in (camel, camel[0].upper() + camel[1:]):
        if key in node:
            return node.key_node(key), node.get(key)
    return None, None


def _value(node: Node | None) -> Value | None:
    if node is None:
        return None
    if node.is_scalar:
        return Value(None if node.data is None else str(node.data), node)
    return Value(None, node)  # an intrinsic function: unknown until deployed


def _items(node: Node | None) -> Iterator[Node]:
    """Items of a list, with both branches of an Fn::If taken and AWS::NoValue dropped."""
    if node is None or not node.is_seq:
        return
    for item in node.value:
        yield from branches(item)


def _artifacts(node: Node | None) -> list[Value]:
    out = []
    for item in _items(node):
        _, name = field_of(item, "name")
        value = _value(name)
        if value is not None:
            out.append(value)
    return out


def _action(node: Node, stage: Stage, index: int) -> Action:
    f = lambda key: field_of(node, key)[1]  # noqa: E731
    type_node = f("actionTypeId")
    t = lambda key: _value(field_of(type_node, key)[1])  # noqa: E731
    run_order_node = f("runOrder")
    run_order = None
    if run_order_node is not None and run_order_node.is_scalar:
        try:
            text = str(run_order_node.data)
            run_order = int(text) if len(text) <= 18 else None
        except ValueError:
            run_order = None
    return Action(node=node, name=_value(f("name")), category=t("category"), owner=t("owner"),
                  provider=t("provider"), version=t("version"), type_node=type_node, run_order=run_order,
                  run_order_node=run_order_node, configuration=f("configuration"),
                  inputs=_artifacts(f("inputArtifacts")), outputs=_artifacts(f("outputArtifacts")),
                  region=_value(f("region")), role_arn=_value(f("roleArn")), namespace=_value(f("namespace")),
                  stage=stage, index=index)


def build(declaration: Node, source: str, key_node: Node | None, logical_id: str | None = None) -> Pipeline:
    _, stages_node = field_of(declaration, "stages")
    stages = []
    for i, stage_node in enumerate(_items(stages_node)):
        stage = Stage(node=stage_node, name=_value(field_of(stage_node, "name")[1]), actions=[], index=i)
        stage.actions = [_action(a, stage, j) for j, a in enumerate(_items(field_of(stage_node, "actions")[1]))
                         if a.is_map]
        stages.append(stage)
    return Pipeline(node=declaration, source=source, key_node=key_node, stages=stages, stages_node=stages_node,
                    pipeline_type=_value(field_of(declaration, "pipelineType")[1]),
                    role_arn=_value(field_of(declaration, "roleArn")[1]),
                    artifact_store=field_of(declaration, "artifactStore")[1],
                    artifact_stores=field_of(declaration, "artifactStores")[1], logical_id=logical_id)


def declaration_of(doc: Document) -> Node | None:
    """The PipelineDeclaration of a pipeline JSON file (under `pipeline`, or the root itself)."""
    root = doc.root
    if root is None or not root.is_map:
        return None
    inner = root.get("pipeline")
    return inner if inner is not None and inner.is_map else root


def pipelines(doc: Document) -> list[Pipeline]:
    """Every pipeline of a file: the declaration of a pipeline JSON file, or each
    AWS::CodePipeline::Pipeline resource of a template."""
    if "pipelines" not in doc.cache:
        doc.cache["pipelines"] = _pipelines(doc)
    return doc.cache["pipelines"]


def _pipelines(doc: Document) -> list[Pipeline]:
    root = doc.root
    if root is None or not root.is_map:
        return []
    if doc.kind == "pipeline":
        declaration = declaration_of(doc)
        key = root.key_node("pipeline") if declaration is not root else None
        return [build(declaration, "json", key)] if declaration is not None else []
    resources = root.get("Resources")
    out = []
    for key, resource in resources.items() if resources is not None and resources.is_map else ():
        type_node = resource.get("Type") if resource.is_map else None
        if type_node is None or type_node.data != PIPELINE_TYPE:
            continue
        props = resource.get("Properties")
        if props is not None and props.is_map:
            out.append(build(props, "template", key, str(key.data)))
    return out
