"""`pipelint graph`: each pipeline of a run as a Mermaid flowchart or a DOT graph.

Stages are subgraphs, actions their nodes (provider below the name), artifacts are nodes
between the action that outputs them and the actions that read them, and the repository
files an action reads (its buildspec, the template a CloudFormation action deploys, the
AppSpec and task definition of a CodeDeploy action) hang off it by dotted edges. An
action or file that findings point at is marked with their rule ids. Output depends only
on the files: the same repository always gives the same text.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from linter import project as pj
from linter.reporters import Report


@dataclass
class Graph:
    title: str
    stages: list[tuple[str, list[tuple[str, str, list[str]]]]] = field(default_factory=list)  # (name, [(id, label, marks)])
    artifacts: dict[str, str] = field(default_factory=dict)          # name -> id
    files: dict[str, tuple[str, list[str]]] = field(default_factory=dict)  # path -> (id, marks)
    edges: list[tuple[str, str, str]] = field(default_factory=list)  # (from, to, style: "solid" / "dotted")


def _reads(ctx: pj.ProjectContext, file: pj.ProjectFile, pipeline: dict, action: dict) -> list[str]:
    """The repository files (or named artifact files) an action reads."""
    config, provider = action["config"], action["provider"]
    out: list[str] = []
    if provider == "CodeBuild":
        build = pj.build_of(ctx, file, pipeline, action)
        if build is not None:
            out.append(build.spec_rel if build.spec_rel else "inline buildspec" if build.exports is not None else "")
    elif provider == "ECS":
        out.append(pj.value_text(config.get("FileName")) or "imagedefinitions.json")
    elif provider == "CloudFormation":
        for key in ("TemplatePath", "TemplateConfiguration"):
            text = pj.value_text(config.get(key))
            if text:
                out.append(text.split("::", 1)[-1])
    elif provider == "CodeDeploy":
        out.append("appspec.yml")
    elif provider == "CodeDeployToECS":
        out.append(pj.value_text(config.get("TaskDefinitionTemplatePath")) or "taskdef.json")
        out.append(pj.value_text(config.get("AppSpecTemplatePath")) or "appspec.yaml")
    return [o for o in out if o]


def graphs(report: Report, root: str) -> list[Graph]:
    files = []
    for display, exports in sorted(report.exports.items()):
        rel = os.path.relpath(os.path.abspath(display), root).replace(os.sep, "/")
        files.append(pj.ProjectFile(display, rel, exports, True))
    ctx = pj.ProjectContext(root, files, lambda full, display: None)
    marks: dict[tuple[str, str], set[str]] = {}   # (path, pointer) -> rule ids
    for f in report.findings:
        marks.setdefault((f.path, f.pointer), set()).add(f.rule)
    out = []
    for file in ctx.named("cloudformation", "pipeline"):
        for i, pipeline in enumerate(file.exports.get("pipelines") or ()):
            g = Graph(f"{file.rel}: {pipeline['id']}")
            prefix = f"p{len(out)}"
            for s, stage in enumerate(pipeline["stages"]):
                nodes = []
                for a, action in enumerate(stage["actions"]):
                    node = f"{prefix}s{s}a{a}"
                    base = action["pos"][4].rsplit("/", 1)[0] if action["pos"] and action["pos"][4] else None
                    found = sorted({r for (path, pointer), rules in marks.items() if path == file.display and base
                                    and (pointer == base or pointer.startswith(base + "/")) for r in rules})
                    nodes.append((node, f"{action['name']}\n{action['provider'] or '?'}", found))
                    for name, _ in action["inputs"]:
                        if name:
                            g.edges.append((_artifact(g, prefix, name), node, "solid"))
                    for name, _ in action["outputs"]:
                        if name:
                            g.edges.append((node, _artifact(g, prefix, name), "solid"))
                    for path in _reads(ctx, file, pipeline, action):
                        if path not in g.files:
                            display = os.path.normpath(os.path.join(root, path))
                            rel_display = os.path.relpath(display)
                            fmarks = sorted({r for (p, _), rules in marks.items()
                                             if p in (display, rel_display) for r in rules})
                            g.files[path] = (f"{prefix}f{len(g.files)}", fmarks)
                        g.edges.append((g.files[path][0], node, "dotted"))
                g.stages.append((stage["name"], nodes))
            out.append(g)
    return out


def _artifact(g: Graph, prefix: str, name: str) -> str:
    if name not in g.artifacts:
        g.artifacts[name] = f"{prefix}r{len(g.artifacts)}"
    return g.artifacts[name]


def _mm(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "#quot;").replace("<", "&lt;").replace(">", "&gt;") \
        .replace("\n", "<br/>")


def mermaid(items: list[Graph]) -> str:
    lines = []
    for g in items:
        lines += ["```mermaid", "flowchart LR", f"  %% {_mm(g.title)}"]
        flagged = []
        for s, (name, nodes) in enumerate(g.stages):
            sid = nodes[0][0].rsplit("a", 1)[0] if nodes else f"stage{s}"
            lines.append(f'  subgraph {sid}["{_mm(name)}"]')
            for node, label, found in nodes:
                label += "\n⚠ " + " ".join(found) if found else ""
                lines.append(f'    {node}["{_mm(label)}"]')
                if found:
                    flagged.append(node)
            lines.append("  end")
        for name, node in g.artifacts.items():
            lines.append(f'  {node}(["{_mm(name)}"])')
        for path, (node, found) in g.files.items():
            label = path + ("\n⚠ " + " ".join(found) if found else "")
            lines.append(f'  {node}[/"{_mm(label)}"/]')
            if found:
                flagged.append(node)
        for a, b, style in g.edges:
            lines.append(f"  {a} {'-->' if style == 'solid' else '-.->'} {b}")
        if flagged:
            lines.append("  classDef finding stroke:#d00,stroke-width:2px")
            lines.append(f"  class {','.join(flagged)} finding")
        lines += ["```", ""]
    return "\n".join(lines)


def _dq(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def dot(items: list[Graph]) -> str:
    lines = []
    for n, g in enumerate(items):
        lines += [f"digraph pipeline{n} {{", f"  label={_dq(g.title)};", "  rankdir=LR;",
                  "  node [fontname=Helvetica];"]
        for s, (name, nodes) in enumerate(g.stages):
            lines += [f"  subgraph cluster_{n}_{s} {{", f"    label={_dq(name)};"]
            for node, label, found in nodes:
                extra = ', color=red, penwidth=2' if found else ""
                label += "\n⚠ " + " ".join(found) if found else ""
                lines.append(f"    {node} [shape=box, label={_dq(label)}{extra}];")
            lines.append("  }")
        for name, node in g.artifacts.items():
            lines.append(f"  {node} [shape=ellipse, label={_dq(name)}];")
        for path, (node, found) in g.files.items():
            extra = ', color=red, penwidth=2' if found else ""
            label = path + ("\n⚠ " + " ".join(found) if found else "")
            lines.append(f"  {node} [shape=note, label={_dq(label)}{extra}];")
        for a, b, style in g.edges:
            lines.append(f"  {a} -> {b}{' [style=dotted]' if style == 'dotted' else ''};")
        lines += ["}", ""]
    return "\n".join(lines)
