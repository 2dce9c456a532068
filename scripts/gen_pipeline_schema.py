"""Generate schemas/pipeline.schema.json from the botocore CodePipeline service model.

    python scripts/gen_pipeline_schema.py           write the schema
    python scripts/gen_pipeline_schema.py --check   exit 1 when the committed file is stale

The schema describes a CodePipeline PipelineDeclaration: the value of `pipeline` in
`get-pipeline` output and in `create-pipeline`/`update-pipeline` input. The engine strips
the `pipeline` wrapper and `metadata` before validating, so neither is described here.

botocore is a development-only dependency: the linter reads the committed JSON file.
Every shape reachable from PipelineDeclaration becomes a `$defs` entry named after the
shape and is used through `$ref`. Only keywords the engine's compact validator supports
are emitted (see linter/schema.py), and no anyOf/oneOf/not: structural rules such as
"artifactStore xor artifactStores" or "at least two stages" are code rules, with their
own messages, not schema constraints.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "schemas" / "pipeline.schema.json"

SERVICE = "codepipeline"
ROOT_SHAPE = "PipelineDeclaration"
SCHEMA_ID = "https://pipelint.dev/schemas/pipeline.schema.json"
MAX_DESCRIPTION = 300

# --- special cases ----------------------------------------------------------------------

# Model documentation that is wrong or unhelpful for a linter user, by (shape, member).
DESCRIPTION_OVERRIDES = {
    # The model says "The stage in which to perform the action.", which describes a
    # single stage of an action, not this list.
    ("PipelineDeclaration", "stages"): (
        "The stages of the pipeline, run in order. The first stage holds the source actions; "
        "a pipeline needs at least two stages."),
    # Reserved-for-future-use fields: say what they are, not only that they are reserved.
    # The model's second sentence says variable values must match [A-Za-z0-9@\-_]+,
    # which is the pattern of variable names; values are free text.
    ("PipelineDeclaration", "variables"): (
        "A list that defines the pipeline variables for a pipeline resource. "
        "Actions reference a variable as #{variables.<name>}."),
    # The model's first sentence is about pricing; say what the field selects.
    ("PipelineDeclaration", "pipelineType"): (
        "The pipeline type, V1 or V2, which differ in features and price. Including V2 "
        "parameters, such as triggers on Git tags, makes the pipeline a V2 pipeline."),
    # The model's example name "My App" is not a valid artifact name (no spaces allowed).
    ("InputArtifact", "name"): (
        "The name of the artifact the action consumes. It must exactly match the output "
        "artifact of an action that runs earlier in the pipeline."),
    ("OutputArtifact", "name"): (
        "The name of the artifact the action produces, such as a build output. Output "
        "artifact names must be unique within a pipeline."),
    ("StageDeclaration", "blockers"): "Reserved for future use: blockers of the stage.",
    ("BlockerDeclaration", "name"): "Reserved for future use: the name of the blocker.",
    ("BlockerDeclaration", "type"): "Reserved for future use: the type of the blocker (Schedule).",
}

# Sentences appended to the model documentation of a member, by (shape, member).
DESCRIPTION_NOTES = {
    # Action configuration is a map of string to string in the model and stays so here:
    # provider-specific keys (ProjectName, TemplatePath, ...) are checked by code rules.
    ("ActionDeclaration", "configuration"): (
        "Values are strings, even for booleans and JSON; which keys apply depends on the provider."),
    ("ActionDeclaration", "runOrder"): "Actions with the same number run in parallel. Default 1.",
}

# Defaults stated by the CodePipeline documentation (the model has none), by (shape, member).
DEFAULTS = {
    ("ActionDeclaration", "runOrder"): 1,          # pipeline structure reference: default 1
    ("PipelineDeclaration", "executionMode"): "SUPERSEDED",  # model doc: default SUPERSEDED
}

# Values the linter relies on: the generator stops if the model ever disagrees, so that a
# person looks at the change instead of shipping a silently different schema.
EXPECTED = {
    # runOrder: integer 1..999 (model ActionRunOrder min 1, max 999).
    "ActionRunOrder": {"type": "integer", "minimum": 1, "maximum": 999},
    "PipelineType": {"type": "string", "enum": ["V1", "V2"]},
    "ExecutionMode": {"type": "string", "enum": ["QUEUED", "SUPERSEDED", "PARALLEL"]},
    # configuration: a map of string to string, kept as such.
    "ActionConfigurationMap": {"type": "object"},
    "ActionConfigurationValue": {"type": "string"},
}

# Human wording of the model's patterns, used in findings (`x-pattern-description`).
PATTERN_DESCRIPTIONS = {
    r"[A-Za-z0-9.@\-_]+": "letters, digits, '.', '@', '-' and '_'",
    r"[A-Za-z0-9@\-_]+": "letters, digits, '@', '-' and '_'",
    r"[a-zA-Z0-9_\-]+": "letters, digits, '_' and '-'",
    r"[0-9A-Za-z_-]+": "letters, digits, '_' and '-'",
    r"[A-Za-z0-9_]+": "letters, digits and '_'",
    r"[a-zA-Z0-9\-\.]+": "letters, digits, '-' and '.'",
    r"arn:aws(-[\w]+)*:iam::[0-9]{12}:role/.*":
        "an IAM role ARN, arn:aws:iam::<12-digit account id>:role/<name>",
}

# --- patterns ---------------------------------------------------------------------------

# Java regex syntax that Python `re` or ECMA-262 lack or read differently: possessive
# quantifiers, inline flags, \A \Z \z \G \h \R, Unicode classes \p{..}, class intersection,
# POSIX classes, Python/Java-only named groups and atomic groups.
_UNPORTABLE = re.compile(r"""[*+?}]\+|\(\?[a-zA-Z<P>]|\\[AZzGhHRpPQE]|&&|\[:""")


def convert_pattern(pattern: str) -> str | None:
    """The model's Java regex as an anchored pattern valid in Python and ECMA-262, or None.

    botocore patterns are applied by the service to the whole value (Java `matches`), while
    a JSON Schema `pattern` matches anywhere, so the result is anchored. `.*` alone says
    nothing but "no line terminator", and those differ between Java, Python and ECMA-262,
    so it is dropped; so is anything that is not portable or does not compile.
    """
    if pattern in (".*", "^.*$"):
        return None
    if _UNPORTABLE.search(pattern):
        return None
    body = pattern[1:] if pattern.startswith("^") else pattern
    body = body[:-1] if body.endswith("$") and not body.endswith("\\$") else body
    if _has_top_level_alternation(body):
        body = f"(?:{body})"
    anchored = f"^{body}$"
    try:
        re.compile(anchored)
    except re.error:
        return None
    return anchored


def _has_top_level_alternation(pattern: str) -> bool:
    depth, in_class, escaped = 0, False, False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return True
    return False


# --- descriptions -----------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


def clean_documentation(doc: str | None) -> str:
    """The model's HTML documentation as plain text on one line."""
    if not doc:
        return ""
    text = re.sub(r"<[^>]+>", " ", doc)
    text = html.unescape(text)
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([.,;:!?)])", r"\1", text)   # "pipeline ." -> "pipeline."
    text = re.sub(r"([(])\s+", r"\1", text)
    text = re.sub(r"([?!])\.+", r"\1", text)          # "work?.." -> "work?"
    text = re.sub(r"\.{2,}", ".", text)
    return text


def summarize(doc: str | None) -> str:
    """The first one or two sentences of the documentation, at most MAX_DESCRIPTION chars."""
    text = clean_documentation(doc)
    if not text:
        return ""
    sentences = _SENTENCE_END.split(text)
    summary = sentences[0]
    if len(sentences) > 1:
        second = sentences[1]
        # A sentence that introduces a list ("one of the following values.") is useless
        # without the list, and links ("For more information, see ...") are left out.
        introduces = second.endswith(":") or re.search(r"\bthe following\b", second, re.I)
        reference = second.startswith(("For more information", "For information", "For a list", "See "))
        if not introduces and not reference and len(summary) + 1 + len(second) <= MAX_DESCRIPTION:
            summary = f"{summary} {second}"
    if len(summary) > MAX_DESCRIPTION:
        summary = summary[:MAX_DESCRIPTION - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    if summary[-1] not in ".!?…":
        summary += "."
    return summary


_ACRONYMS = {"arn": "ARN", "id": "ID", "kms": "KMS", "aws": "AWS"}


def _words(name: str) -> str:
    """PipelineVariableName -> 'Pipeline variable name'; AWSRegionName -> 'AWS region name'."""
    parts = re.findall(r"[A-Z]+(?=[A-Z][a-z]|\d|$)|[A-Z]?[a-z]+|\d+", name)
    words = [_ACRONYMS.get(p.lower(), p if p.isupper() and len(p) > 1 else p.lower()) for p in parts]
    text = " ".join(words)
    return text[0].upper() + text[1:]


def _range(low: int | None, high: int | None, unit: str) -> str:
    if low is not None and low == high:
        return f"exactly {low} {unit[:-1] if low == 1 else unit}"
    if low is not None and high is not None:
        return f"{low} to {high} {unit}"
    if low is not None:
        return f"at least {low} {unit}"
    if high is not None:
        return f"at most {high} {unit}"
    return ""


def synthesize_description(name: str, shape: dict[str, Any]) -> str:
    """A short factual description for a shape the model does not document."""
    kind = shape["type"]
    low, high = shape.get("min"), shape.get("max")
    low = None if low == 0 and kind != "integer" else low
    if kind == "string":
        if "enum" in shape:
            if len(shape["enum"]) == 1:
                return f"{_words(name)}: the only valid value is {shape['enum'][0]}."
            return f"{_words(name)}: one of {', '.join(shape['enum'])}."
        facts = [_range(low, high, "characters")]
        described = PATTERN_DESCRIPTIONS.get(shape.get("pattern", ""))
        if described:
            facts.append(described if described.startswith(("an ", "a ")) else f"made of {described}")
        facts = [f for f in facts if f]
        return f"{_words(name)}: a string" + (f" of {', '.join(facts)}" if facts else "") + "."
    if kind in ("integer", "long"):
        span = _range(low, high, "").strip()
        return f"{_words(name)}: an integer" + (f" from {span}" if low is not None and high is not None
                                                 else f", {span}" if span else "") + "."
    if kind == "list":
        span = _range(low, high, "items")
        return f"{_words(name)}: a list of {shape['member']['shape']}" + (f", {span}" if span else "") + "."
    if kind == "map":
        span = _range(low, high, "entries")
        return (f"{_words(name)}: an object mapping {shape['key']['shape']} to {shape['value']['shape']}"
                + (f", {span}" if span else "") + ".")
    if kind == "structure":
        return f"{_words(name)}."
    if kind == "timestamp":
        return f"{_words(name)}: a date and time."
    return f"{_words(name)}: a {kind}."


# --- conversion -------------------------------------------------------------------------

def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/$defs/{name}"}


def convert_shape(name: str, shape: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The `$defs` entry for one shape and the shapes it refers to."""
    kind = shape["type"]
    out: dict[str, Any] = {}
    refs: list[str] = []
    description = summarize(shape.get("documentation")) or synthesize_description(name, shape)
    low, high = shape.get("min"), shape.get("max")
    if kind == "structure":
        out["type"] = "object"
        props: dict[str, Any] = {}
        for member, spec in shape.get("members", {}).items():
            target = spec["shape"]
            refs.append(target)
            prop = _ref(target)
            text = DESCRIPTION_OVERRIDES.get((name, member)) or summarize(spec.get("documentation"))
            note = DESCRIPTION_NOTES.get((name, member))
            if note:
                text = f"{text} {note}" if text else note
            # Members without documentation get their shape's in the $defs entry via $ref,
            # but every property carries its own description for editors and findings.
            prop["description"] = text or _member_fallback(member, target)
            if (name, member) in DEFAULTS:
                prop["default"] = DEFAULTS[(name, member)]
            props[member] = prop
        out["properties"] = props
        if shape.get("required"):
            out["required"] = list(shape["required"])
        out["additionalProperties"] = False
    elif kind == "list":
        out["type"] = "array"
        out["items"] = _ref(shape["member"]["shape"])
        refs.append(shape["member"]["shape"])
        if low:
            out["minItems"] = low
        if high is not None:
            out["maxItems"] = high
    elif kind == "map":
        out["type"] = "object"
        key, value = shape["key"]["shape"], shape["value"]["shape"]
        refs += [key, value]
        out["additionalProperties"] = _ref(value)
        # The key shape's length/pattern apply to the property names.
        out["propertyNames"] = _ref(key)
        if low:
            out["minProperties"] = low
        if high is not None:
            out["maxProperties"] = high
    elif kind == "string":
        out["type"] = "string"
        if "enum" in shape:
            out["enum"] = list(shape["enum"])
        if low:
            out["minLength"] = low
        if high is not None:
            out["maxLength"] = high
        if "pattern" in shape:
            converted = convert_pattern(shape["pattern"])
            if converted:
                out["pattern"] = converted
                if shape["pattern"] in PATTERN_DESCRIPTIONS:
                    out["x-pattern-description"] = PATTERN_DESCRIPTIONS[shape["pattern"]]
    elif kind in ("integer", "long"):
        out["type"] = "integer"
        if low is not None:
            out["minimum"] = low
        if high is not None:
            out["maximum"] = high
    elif kind in ("float", "double"):
        out["type"] = "number"
        if low is not None:
            out["minimum"] = low
        if high is not None:
            out["maximum"] = high
    elif kind == "boolean":
        out["type"] = "boolean"
    elif kind in ("timestamp", "blob"):
        out["type"] = "string"  # JSON carries timestamps as ISO 8601 text, blobs as base64
    else:
        raise ValueError(f"shape {name}: unsupported type {kind!r}")
    out["description"] = description
    return out, refs


def _member_fallback(member: str, target: str) -> str:
    return f"The {_words(member).lower()} ({_words(target).lower()})."


def build_schema(model: dict[str, Any]) -> dict[str, Any]:
    shapes = model["shapes"]
    defs: dict[str, Any] = {}
    todo = [ROOT_SHAPE]
    while todo:
        name = todo.pop()
        if name in defs:
            continue
        defs[name], refs = convert_shape(name, shapes[name])
        todo.extend(r for r in refs if r not in defs)
    for name, expected in EXPECTED.items():
        actual = {k: defs[name].get(k) for k in expected}
        if actual != expected:
            raise SystemExit(f"model changed: {name} is {actual}, the linter expects {expected}")
    api = model.get("metadata", {}).get("apiVersion", "")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "AWS CodePipeline pipeline declaration",
        "description": (
            "An AWS CodePipeline pipeline declaration: the value of 'pipeline' in get-pipeline "
            "output and in create-pipeline/update-pipeline input (without 'metadata')."),
        "x-generated-by": "scripts/gen_pipeline_schema.py from the botocore codepipeline "
                          f"{api} service model; do not edit by hand",
        "$ref": f"#/$defs/{ROOT_SHAPE}",
        "$defs": defs,
    }


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def load_model() -> dict[str, Any]:
    from botocore.loaders import Loader  # development-only dependency

    return Loader().load_service_model(SERVICE, "service-2")


def generate() -> str:
    """The schema file's text, from the installed botocore."""
    return render(build_schema(load_model()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when the committed schema differs from the generated one")
    args = parser.parse_args(argv)
    text = generate()
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else None
        if current != text:
            print(f"{OUTPUT.relative_to(ROOT)} is out of date: run python scripts/gen_pipeline_schema.py",
                  file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8", newline="\n")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
