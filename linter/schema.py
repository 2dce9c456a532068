"""JSON Schema validation turned into findings at the offending key or value.

Our schemas (in `schemas/`, draft 2020-12) use a small set of keywords, and a run lints
mostly small files, so they are checked by the compact validator below: importing
`jsonschema` alone costs about 100 ms, half the start-up budget. A schema that uses any
other keyword is validated by `jsonschema` itself (imported only then), and a test checks
that both validators agree on every fixture.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Iterator

ANNOTATIONS = {"$schema", "$id", "$defs", "$comment", "title", "description", "default",
               "examples", "deprecated", "markdownDescription", "readOnly", "writeOnly"}
SUPPORTED = ANNOTATIONS | {
    "$ref", "type", "enum", "const", "pattern", "minLength", "maxLength", "minimum", "maximum",
    "exclusiveMinimum", "exclusiveMaximum", "properties", "patternProperties",
    "additionalProperties", "required", "minProperties", "maxProperties", "propertyNames",
    "items", "minItems", "maxItems", "uniqueItems", "allOf", "anyOf", "oneOf", "not", "if",
    "then", "else", "dependentRequired"}


@dataclass
class SchemaError:
    keyword: str
    path: tuple[Any, ...]            # the instance location
    schema: dict[str, Any]           # the subschema that holds `keyword`
    instance: Any
    detail: Any = None               # the missing or unknown key, the failing branch errors...
    at_key: bool = False             # about the key at `path`, not its value
    context: list[SchemaError] = field(default_factory=list)


@lru_cache(maxsize=None)
def load_schema(name: str) -> dict[str, Any]:
    """A schema shipped in linter.schemas, by file name."""
    text = resources.files("linter.schemas").joinpath(name).read_text(encoding="utf-8")
    return json.loads(text)


_SUBSCHEMA = {"items", "not", "if", "then", "else", "additionalProperties", "propertyNames"}
_SUBSCHEMA_LISTS = {"allOf", "anyOf", "oneOf"}
_SUBSCHEMA_MAPS = {"properties", "patternProperties", "$defs"}


def uses_only_supported(schema: Any) -> bool:
    """True when the validator below understands every keyword of `schema`."""
    if isinstance(schema, bool):
        return True
    if not isinstance(schema, dict):
        return False
    for key, value in schema.items():
        if key.startswith("x-"):
            continue
        if key not in SUPPORTED:
            return False
        if key in _SUBSCHEMA and not uses_only_supported(value):
            return False
        if key in _SUBSCHEMA_LISTS and not all(uses_only_supported(v) for v in value):
            return False
        if key in _SUBSCHEMA_MAPS and not all(uses_only_supported(v) for v in value.values()):
            return False
    return True


def type_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return "date"
    return type(value).__name__


def _is_type(value: Any, expected: str) -> bool:
    actual = type_of(value)
    if actual == expected:
        return True
    if expected == "number":
        return actual == "integer"
    if expected == "integer":
        return actual == "number" and float(value).is_integer()
    return False


def json_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


@lru_cache(maxsize=512)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


class Validator:
    """Validates an instance against one schema (draft 2020-12, the SUPPORTED keywords)."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.root = schema

    def resolve(self, ref: str) -> Any:
        if not ref.startswith("#"):
            raise ValueError(f"only local $ref is supported, not {ref!r}")
        node: Any = self.root
        for token in ref[1:].lstrip("/").split("/") if ref != "#" else []:
            node = node[token.replace("~1", "/").replace("~0", "~")]
        return node

    def is_valid(self, instance: Any, schema: Any) -> bool:
        return next(self.errors(instance, schema, ()), None) is None

    def errors(self, instance: Any, schema: Any, path: tuple[Any, ...]) -> Iterator[SchemaError]:
        if schema is True:
            return
        if schema is False:
            yield SchemaError("false", path, {}, instance)
            return
        if "$ref" in schema:
            yield from self.errors(instance, self.resolve(schema["$ref"]), path)
        if "type" in schema:
            types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            if not any(_is_type(instance, t) for t in types):
                yield SchemaError("type", path, schema, instance)
                return  # nothing else about a value of the wrong type is worth saying
        if "enum" in schema and not any(json_equal(instance, v) for v in schema["enum"]):
            yield SchemaError("enum", path, schema, instance)
        if "const" in schema and not json_equal(instance, schema["const"]):
            yield SchemaError("const", path, schema, instance)
        if isinstance(instance, str):
            if "pattern" in schema and not _regex(schema["pattern"]).search(instance):
                yield SchemaError("pattern", path, schema, instance)
            if "minLength" in schema and len(instance) < schema["minLength"]:
                yield SchemaError("minLength", path, schema, instance)
            if "maxLength" in schema and len(instance) > schema["maxLength"]:
                yield SchemaError("maxLength", path, schema, instance)
        elif isinstance(instance, (int, float)) and not isinstance(instance, bool):
            for keyword, fails in (("minimum", lambda lim: instance < lim),
                                   ("maximum", lambda lim: instance > lim),
                                   ("exclusiveMinimum", lambda lim: instance <= lim),
                                   ("exclusiveMaximum", lambda lim: instance >= lim)):
                if keyword in schema and fails(schema[keyword]):
                    yield SchemaError(keyword, path, schema, instance)
        elif isinstance(instance, dict):
            yield from self._object(instance, schema, path)
        elif isinstance(instance, list):
            yield from self._array(instance, schema, path)
        for sub in schema.get("allOf", ()):
            yield from self.errors(instance, sub, path)
        if "anyOf" in schema:
            branches = [list(self.errors(instance, sub, path)) for sub in schema["anyOf"]]
            if all(branches):
                yield SchemaError("anyOf", path, schema, instance, context=min(branches, key=len))
        if "oneOf" in schema:
            branches = [list(self.errors(instance, sub, path)) for sub in schema["oneOf"]]
            passing = sum(1 for b in branches if not b)
            if passing == 0:
                yield SchemaError("oneOf", path, schema, instance, context=min(branches, key=len))
            elif passing > 1:
                yield SchemaError("oneOf", path, schema, instance, detail="many")
        if "not" in schema and self.is_valid(instance, schema["not"]):
            yield SchemaError("not", path, schema, instance)
        if "if" in schema:
            if self.is_valid(instance, schema["if"]):
                if "then" in schema:
                    yield from self.errors(instance, schema["then"], path)
            elif "else" in schema:
                yield from self.errors(instance, schema["else"], path)

    def _object(self, instance: dict[Any, Any], schema: dict[str, Any], path: tuple[Any, ...]) -> Iterator[SchemaError]:
        for name in schema.get("required", ()):
            if name not in instance:
                yield SchemaError("required", path, schema, instance, detail=name)
        for name, needed in schema.get("dependentRequired", {}).items():
            if name in instance:
                for other in needed:
                    if other not in instance:
                        yield SchemaError("dependentRequired", path, schema, instance, detail=(name, other))
        if "minProperties" in schema and len(instance) < schema["minProperties"]:
            yield SchemaError("minProperties", path, schema, instance)
        if "maxProperties" in schema and len(instance) > schema["maxProperties"]:
            yield SchemaError("maxProperties", path, schema, instance)
        properties = schema.get("properties", {})
        patterns = schema.get("patternProperties", {})
        additional = schema.get("additionalProperties", True)
        names = schema.get("propertyNames")
        for key, value in instance.items():
            key_path = path + (key,)
            if names is not None:
                for error in self.errors(key if isinstance(key, str) else str(key), names, key_path):
                    error.at_key = True
                    yield error
            matched = False
            if key in properties:
                matched = True
                yield from self.errors(value, properties[key], key_path)
            for pattern, sub in patterns.items():
                if isinstance(key, str) and _regex(pattern).search(key):
                    matched = True
                    yield from self.errors(value, sub, key_path)
            if not matched:
                if additional is False:
                    yield SchemaError("additionalProperties", key_path, schema, value, detail=key, at_key=True)
                elif additional is not True:
                    yield from self.errors(value, additional, key_path)

    def _array(self, instance: list[Any], schema: dict[str, Any], path: tuple[Any, ...]) -> Iterator[SchemaError]:
        if "minItems" in schema and len(instance) < schema["minItems"]:
            yield SchemaError("minItems", path, schema, instance)
        if "maxItems" in schema and len(instance) > schema["maxItems"]:
            yield SchemaError("maxItems", path, schema, instance)
        if schema.get("uniqueItems"):
            for i, item in enumerate(instance):
                if any(json_equal(item, other) for other in instance[:i]):
                    yield SchemaError("uniqueItems", path + (i,), schema, item)
        if "items" in schema:
            for i, item in enumerate(instance):
                yield from self.errors(item, schema["items"], path + (i,))


class _JsonschemaAdapter:
    """For schemas with keywords our validator does not know: jsonschema, imported lazily."""

    def __init__(self, schema: dict[str, Any]) -> None:
        import jsonschema  # noqa: PLC0415 - costly import, only for such schemas

        self._validator = jsonschema.Draft202012Validator(schema)

    def errors(self, instance: Any, schema: Any, path: tuple[Any, ...]) -> Iterator[SchemaError]:
        for error in self._validator.iter_errors(instance):
            keyword = str(error.validator)
            detail = None
            at_key = False
            epath = tuple(error.absolute_path)
            if "propertyNames" in error.absolute_schema_path:  # about a key: jsonschema gives the object's path
                epath, at_key = epath + (error.instance,), True
            if keyword == "required":
                detail = str(error.message).split("'")[1] if "'" in error.message else None
            elif keyword == "additionalProperties":
                props = error.schema.get("properties", {})
                pats = error.schema.get("patternProperties", {})
                for key in error.instance:
                    if key not in props and not any(re.search(p, key) for p in pats):
                        yield SchemaError(keyword, epath + (key,), error.schema,
                                          error.instance[key], detail=key, at_key=True)
                continue
            yield SchemaError(keyword, epath, error.schema, error.instance, detail=detail, at_key=at_key)


@lru_cache(maxsize=None)
def validator_for(name: str) -> Validator | _JsonschemaAdapter:
    schema = load_schema(name)
    if uses_only_supported(schema):
        return Validator(schema)
    return _JsonschemaAdapter(schema)


def validate(name: str, instance: Any) -> list[SchemaError]:
    validator = validator_for(name)
    root = validator.root if isinstance(validator, Validator) else None
    return list(validator.errors(instance, root if root is not None else True, ()))


def value_fits(name: str, instance: Any, schema: Any) -> bool:
    """Does `instance` validate against `schema`, a part of the schema file `name`?"""
    try:
        return next(iter(validator_for(name).errors(instance, schema, ())), None) is None
    except Exception:  # a subschema the adapter cannot take alone: no verdict, no safe fix
        return False


def describe(name: str, path: tuple[Any, ...]) -> str | None:
    """The description schema `name` gives the value at `path` (keys, and ints for list
    items), for editors' hovers; None when the schema does not describe it."""
    root = load_schema(name)
    validator = Validator(root)

    def parts(schema: Any) -> list[dict[str, Any]]:
        """`schema` and the subschemas that apply to the same value ($ref, allOf, ...)."""
        out: list[dict[str, Any]] = []
        todo = [schema]
        while todo and len(out) < 64:
            s = todo.pop(0)
            if not isinstance(s, dict) or any(s is seen for seen in out):
                continue
            out.append(s)
            if isinstance(s.get("$ref"), str):
                try:
                    todo.append(validator.resolve(s["$ref"]))
                except (KeyError, TypeError, ValueError):
                    pass
            for keyword in ("allOf", "anyOf", "oneOf"):
                todo.extend(s.get(keyword) or ())
            todo.extend(s[k] for k in ("then", "else") if k in s)
        return out

    level: list[Any] = [root]
    for token in path:
        below: list[Any] = []
        for part in (p for s in level for p in parts(s)):
            if isinstance(token, int):
                if isinstance(part.get("items"), dict):
                    below.append(part["items"])
                continue
            props = part.get("properties") or {}
            if token in props:
                below.append(props[token])
                continue
            matched = [sub for pattern, sub in (part.get("patternProperties") or {}).items()
                       if _regex(pattern).search(str(token))]
            below += matched
            if not matched and isinstance(part.get("additionalProperties"), dict):
                below.append(part["additionalProperties"])
        if not below:
            return None
        level = below
    for part in (p for s in level for p in parts(s)):
        text = part.get("markdownDescription") or part.get("description")
        if isinstance(text, str) and text:
            return text
    return None
