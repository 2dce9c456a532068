"""Schema errors -> findings: at the offending key or value, one per root cause, in words.

A kind's rule pack binds its schema with a `SchemaBinding` naming the rule ids its
errors are reported under; a subschema may name another rule for its own errors with
`"x-rule": "BS002"`, or per keyword with `"x-rule": {"required": "BS106"}`; a keyword
mapped to null is left to a code rule that says it better.
Type errors explain YAML 1.1 surprises (`3.10` read as 3.1, `yes` as true, a command
with `: ` read as a mapping), since that is what most of them are in practice.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import re
from dataclasses import dataclass
from typing import Any, Callable

from linter.document import Document, Node, join_pointer, split_pointer
from linter.rule import Context, Finding, Rule
from linter.schema import SchemaError, load_schema, type_of, validate, value_fits
from linter.suggest import did_you_mean

_TYPE_WORDS = {"object": "a mapping", "array": "a list", "string": "a string", "boolean": "a boolean",
               "integer": "a whole number", "number": "a number", "null": "an empty value",
               "date": "a date"}
_BOOL_WORDS = {"yes", "no", "on", "off", "y", "n", "true", "false"}


@dataclass(frozen=True)
class SchemaBinding:
    kind: str
    # a file in linter.schemas, or a chooser giving one (or (file, JSON pointer of the part it describes))
    schema: str | Callable[[Document], str | tuple[str, str] | None]
    unknown: str         # rule id for unknown keys
    required: str        # ... missing required keys
    type: str            # ... values of the wrong type
    value: str           # ... invalid values (enum, pattern, range, size)


def _pointer(path: tuple[Any, ...]) -> str:
    pointer = ""
    for token in path:
        pointer = join_pointer(pointer, token)
    return pointer


def _name(path: tuple[Any, ...]) -> str:
    if not path:
        return "the file"
    if isinstance(path[-1], int):
        owner = next((t for t in reversed(path) if not isinstance(t, int)), None)
        return f"item {path[-1] + 1} of '{owner}'" if owner is not None else f"item {path[-1] + 1}"
    return f"'{path[-1]}'"


def _expected(schema: dict[str, Any]) -> str:
    types = schema.get("type")
    types = types if isinstance(types, list) else [types] if types else []
    if len(types) > 1 and "null" in types:  # "or nothing" is allowed but never what was meant
        types = [t for t in types if t != "null"]
    words = []
    for t in types:
        if t == "array" and isinstance(schema.get("items"), dict) and schema["items"].get("type") == "string":
            words.append("a list of strings")
        else:
            words.append(_TYPE_WORDS.get(t, t))
    return " or ".join(dict.fromkeys(words)) or "another type"


def _yaml_explanation(ctx: Context, node: Node | None, instance: Any) -> str:
    """Why YAML gave this type, when it is a YAML 1.1 surprise; else ''."""
    if node is None or ctx.doc.fmt != "yaml":
        return ""
    raw = ctx.source(node).strip() if node.is_scalar else ""
    if node.is_scalar and node.style in (None, ""):
        if isinstance(instance, bool) and raw.lower() in _BOOL_WORDS:
            return f"; YAML reads the unquoted {raw} as the boolean {str(instance).lower()}: quote it (\"{raw}\")"
        if isinstance(instance, float) and raw and raw != repr(instance):
            return f"; YAML reads the unquoted {raw} as the number {instance!r}: quote it (\"{raw}\")"
        if isinstance(instance, (int, float)):
            return f"; YAML reads the unquoted {raw} as a number: quote it (\"{raw}\")"
        if isinstance(instance, (datetime.date, datetime.datetime)):
            return f"; YAML reads the unquoted {raw} as a date: quote it (\"{raw}\")"
    if node.is_map and len(node.value) == 1 and not node.style:
        key, value = node.value[0]
        if key.is_plain_scalar and value.is_scalar and key.line == value.line:
            return ("; the text holds ': ' so YAML read it as a mapping: "
                    "put the whole text in quotes")
        if key.is_plain_scalar and value.is_scalar and value.data is not None and value.line > key.line:
            # `- tox -e py36 --tag:` broken before its last word: the next line became a value
            return (f"; the text ends with ':' on line {key.line}, so YAML read line {value.line} as its value: "
                    "join the lines and put the whole text in quotes")
    return ""


def _locate(doc: Document, error: SchemaError) -> tuple[Node | None, Node | None]:
    """(node to report at, the value node) for an error."""
    pointer = _pointer(error.path)
    value = doc.node(pointer)
    if error.at_key and error.path:
        parent = doc.node(_pointer(error.path[:-1]))
        key = parent.key_node(error.path[-1]) if parent is not None else None
        return key or value, value
    if error.keyword in ("required", "dependentRequired", "minProperties") and error.path:
        parent = doc.node(_pointer(error.path[:-1]))
        key = parent.key_node(error.path[-1]) if parent is not None and parent.is_map else None
        return key or value, value
    return value, value


def _top_level_keys(schema_name: str) -> set[str]:
    try:
        root = load_schema(schema_name)
    except Exception:  # a schema given by a plugin without a file: no top level to name
        return set()
    props = root.get("properties") if isinstance(root, dict) else None
    return set(props) if isinstance(props, dict) else set()


def _message(ctx: Context, error: SchemaError, node: Node | None, value_node: Node | None,
             binding: SchemaBinding, schema_name: str) -> tuple[str, str | None, list[Any]]:
    """(message, fix, edits) for one error."""
    keyword, schema, instance, where = error.keyword, error.schema, error.instance, _name(error.path)
    parent_name = _name(error.path[:-1]) if error.path else "the file"
    if keyword == "additionalProperties":
        known = list(schema.get("properties", {}))
        if not isinstance(error.detail, str) and node is not None and node.is_scalar:
            # YAML 1.1 reads the key `on:` (a GitHub workflow named buildspec.yml) as True:
            # name it as written
            error = dataclasses.replace(error, detail=ctx.source(node).strip().strip("'\"") or error.detail)
        guess = did_you_mean(str(error.detail), known)
        if guess:
            edits = []
            # the rename is a safe fix only when the value is one the suggested key takes
            # (`run: docker stop app` is no `runas` user: then the author meant another key)
            value = error.instance  # the unknown key's value
            if node is not None and node.is_scalar and node.line == node.end_line and \
                    value_fits(schema_name, value, schema["properties"][guess]):
                edits = ctx.rename_edits(node, guess)
            return (f"unknown key '{error.detail}' in {parent_name}; did you mean '{guess}'?",
                    f"rename '{error.detail}' to '{guess}'", edits)
        if len(error.path) > 1 and str(error.detail) in _top_level_keys(schema_name):
            # a top-level key written inside another section (file_exists_behavior in a files
            # entry, artifacts indented under phases): it is read nowhere there
            return (f"unknown key '{error.detail}' in {parent_name}: '{error.detail}' belongs at the top level "
                    "of the file", f"move '{error.detail}' to the top level (no indentation)", [])
        shown = list({k.lower(): k for k in reversed(known)}.values())[::-1]  # one casing of each
        listed = ", ".join(shown[:12]) + (", ..." if len(shown) > 12 else "")
        return (f"unknown key '{error.detail}' in {parent_name}: expected one of {listed}",
                "remove the key, or fix its spelling", [])
    if keyword == "required":
        return (f"missing required key '{error.detail}' in {where if error.path else 'the file'}",
                f"add '{error.detail}'", [])
    if keyword == "dependentRequired":
        first, other = error.detail
        return (f"'{first}' needs '{other}' beside it in {where}", f"add '{other}'", [])
    if keyword == "type":
        found = _TYPE_WORDS.get(type_of(instance), type_of(instance))
        if value_node is not None and value_node.is_scalar and instance is None and \
                ctx.source(value_node).strip() == "" and error.path and isinstance(error.path[-1], int):
            return (f"{where} is empty: expected {_expected(schema)} (a comment after '- ' "
                    "does not make a list item a comment)", "remove the empty item", [])
        elif value_node is not None and value_node.is_scalar and instance is None and \
                ctx.source(value_node).strip() == "" and error.path:
            message = f"{where} has no value: expected {_expected(schema)}"
        elif not error.path and instance is None:
            return ("the file is empty", "write the file's content", [])
        else:
            message = f"{where} must be {_expected(schema)}, not {found}"
        explanation = _yaml_explanation(ctx, value_node, instance)
        edits = []
        if explanation.startswith("; YAML reads the unquoted") and value_node is not None \
                and "string" in str(schema.get("type")):
            raw = ctx.source(value_node).strip()
            edits = [ctx.replace_value(value_node, raw)]
        fix = "quote the value" if "quote it" in explanation else f"write {_expected(schema)}"
        if "put the whole text in quotes" in explanation:
            fix = "put the whole text in quotes"
        return message + explanation, fix, edits
    if keyword in ("enum", "const"):
        allowed = schema.get("enum", [schema.get("const")])
        shown = ", ".join(str(v) if not isinstance(v, str) else v for v in dict.fromkeys(
            json.dumps(a) if not isinstance(a, str) else a for a in allowed))
        guess = did_you_mean(str(instance), [a for a in allowed if isinstance(a, str)])
        hint = f"; did you mean '{guess}'?" if guess and guess != instance else ""
        return (f"invalid value {_show(instance)} for {where}: expected one of {shown}{hint}",
                f"use '{guess}'" if hint else f"use one of {shown}", [])
    if keyword == "pattern":
        described = schema.get("x-pattern-description")
        expected = f": expected {described}" if described else f" /{schema['pattern']}/"
        return (f"{where} value {_show(instance)} does not have the expected form{expected}",
                f"write {described}" if described else "fix the value", [])
    if keyword in ("minItems", "maxItems", "minProperties", "maxProperties", "minLength", "maxLength"):
        limit = schema[keyword]
        count = len(instance)
        unit, units = {"Items": ("item", "items"), "Properties": ("entry", "entries"),
                       "Length": ("character", "characters")}[re.sub(r"^m..", "", keyword)]
        if keyword.startswith("min"):
            if count == 0:
                return (f"{where} is empty", f"add at least {limit} {unit if limit == 1 else units}, "
                        "or remove the key", [])
            return (f"{where} has {count} {unit if count == 1 else units}; at least {limit} needed",
                    f"add {units}", [])
        return (f"{where} has {count} {units}; at most {limit} allowed", f"keep at most {limit}", [])
    if keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        limit = schema[keyword]
        word = {"minimum": f"at least {limit}", "maximum": f"at most {limit}",
                "exclusiveMinimum": f"greater than {limit}", "exclusiveMaximum": f"less than {limit}"}[keyword]
        return f"{where} is {_show(instance)}; it must be {word}", f"use a value {word}", []
    if keyword == "uniqueItems":
        return f"{_show(instance)} is listed twice", "remove the repeated item", []
    return f"{where} is not valid here ({keyword})", "fix the value", []


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _rule_id(error: SchemaError, binding: SchemaBinding) -> str | None:
    override = error.schema.get("x-rule") if isinstance(error.schema, dict) else None
    if isinstance(override, dict):  # {"required": "BS106"}: a rule per keyword
        if error.keyword in override and override[error.keyword] is None:
            return None  # a code rule reports these itself, better
        override = override.get(error.keyword)
    if override:
        return override
    if error.keyword == "additionalProperties":
        return binding.unknown
    if error.keyword in ("required", "dependentRequired"):
        return binding.required
    if error.keyword == "type":
        return binding.type
    return binding.value


def schema_findings(doc: Document, binding: SchemaBinding, rules: dict[str, Rule]) -> list[Finding]:
    target = binding.schema(doc) if callable(binding.schema) else binding.schema
    if target is None:
        return []
    name, base = target if isinstance(target, tuple) else (target, "")
    instance = doc.node(base)
    if instance is None:
        return []
    prefix = tuple(int(t) if t.isdigit() else t for t in split_pointer(base))
    errors = validate(name, instance.data)
    for error in errors:  # the schema may describe a part of the file (a pipeline's declaration)
        error.path = prefix + error.path
    misspelt: set[tuple[tuple[Any, ...], str]] = set()
    for error in errors:
        if error.keyword == "additionalProperties":
            guess = did_you_mean(str(error.detail), list(error.schema.get("properties", {})))
            if guess:
                misspelt.add((error.path[:-1], guess))
    errors = [e for e in errors if not (e.keyword == "required" and (e.path, e.detail) in misspelt)]
    findings: list[Finding] = []
    reported: set[tuple[str, str]] = set()
    broken: list[str] = []        # pointers whose value is already wrong: nothing below them is news
    for error in errors:
        pointer = _pointer(error.path)
        if any(pointer.startswith(b + "/") for b in broken):
            continue
        key = (pointer, error.keyword if error.keyword != "required" else f"required:{error.detail}")
        if key in reported:
            continue
        reported.add(key)
        if error.keyword == "type":
            broken.append(pointer)
        rule_id = _rule_id(error, binding)
        rule = rules.get(rule_id) if rule_id else None
        if rule is None:
            continue
        ctx = Context(doc, rule)
        node, value_node = _locate(doc, error)
        message, fix, edits = _message(ctx, error, node, value_node, binding, name)
        finding = ctx.report(node, message, fix=fix, edits=edits)
        if error.keyword == "required" and node is not None:
            finding.pointer = join_pointer(pointer, error.detail)
        findings.append(finding)
    return findings
