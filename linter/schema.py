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
    from linter import package_text

    return json.loads(package_text("linter.schemas", name))


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


_TYPE_NAMES = {type(None): "null", bool: "boolean", int: "integer", float: "number", str: "string",
               list: "array", dict: "object"}
_OBJECT_KEYWORDS = ("required", "dependentRequired", "minProperties", "maxProperties", "properties",
                    "patternProperties", "propertyNames")
_ARRAY_KEYWORDS = ("minItems", "maxItems", "uniqueItems", "items")
_LIMITS = (("minimum", lambda value, lim: value < lim), ("maximum", lambda value, lim: value > lim),
           ("exclusiveMinimum", lambda value, lim: value <= lim), ("exclusiveMaximum", lambda value, lim: value >= lim))


def _fits_type(instance: Any, types: tuple[str, ...]) -> bool:
    actual = _TYPE_NAMES.get(type(instance)) or type_of(instance)
    for expected in types:
        if actual == expected or (expected == "number" and actual == "integer") or (
                expected == "integer" and actual == "number" and float(instance).is_integer()):
            return True
    return False


_UNRESOLVED = object()


class _Plan:
    """What one (sub)schema asks, worked out once: which keywords it holds, its patterns
    compiled. `leaf`: it asks only for a type (or nothing), so a value of that type needs
    no further look (no generator is started for it)."""

    __slots__ = ("schema", "ref", "types", "has_enum", "has_const", "strings", "pattern", "limits", "objects",
                 "arrays", "patterns", "additional", "names", "properties", "all_of", "combined", "leaf",
                 "only_ref", "target")

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self.ref = schema.get("$ref")
        types = schema.get("type")
        self.types = None if types is None else tuple(types) if isinstance(types, list) else (types,)
        self.has_enum = "enum" in schema
        self.has_const = "const" in schema
        self.pattern = _regex(schema["pattern"]) if "pattern" in schema else None
        self.strings = "pattern" in schema or "minLength" in schema or "maxLength" in schema
        self.limits = tuple((k, f) for k, f in _LIMITS if k in schema)
        self.additional = schema.get("additionalProperties", True)
        self.objects = any(k in schema for k in _OBJECT_KEYWORDS) or self.additional is not True
        self.arrays = any(k in schema for k in _ARRAY_KEYWORDS)
        self.properties = schema.get("properties", {})
        self.patterns = [(_regex(p), sub) for p, sub in schema.get("patternProperties", {}).items()]
        self.names = schema.get("propertyNames")
        self.all_of = schema.get("allOf", ())
        self.combined = any(k in schema for k in ("anyOf", "oneOf", "not", "if"))
        # a `$ref` and nothing else that checks: its errors are its target's (each error names
        # the subschema that holds its keyword, never this one), so it stands for its target
        self.only_ref = self.ref is not None and all(k == "$ref" or k in ANNOTATIONS or k.startswith("x-")
                                                     for k in schema)
        self.target: Any = _UNRESOLVED
        self.leaf = (self.ref is None and not self.has_enum and not self.has_const and not self.strings
                     and not self.limits and not self.objects and not self.arrays and not self.all_of
                     and not self.combined)


class Validator:
    """Validates an instance against one schema (draft 2020-12, the SUPPORTED keywords).

    perf: each subschema's keywords are looked up once (`_Plan`, kept by the subschema's
    id: the schemas are loaded once and never change), and a value that a type-only
    subschema accepts is passed over without starting a generator; the errors, and their
    order, are those of checking every keyword in turn."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.root = schema
        self._plans: dict[int, _Plan] = {}

    def resolve(self, ref: str) -> Any:
        if not ref.startswith("#"):
            raise ValueError(f"only local $ref is supported, not {ref!r}")
        node: Any = self.root
        for token in ref[1:].lstrip("/").split("/") if ref != "#" else []:
            node = node[token.replace("~1", "/").replace("~0", "~")]
        return node

    def _plan(self, schema: dict[str, Any]) -> _Plan:
        plan = self._plans.get(id(schema))
        if plan is None or plan.schema is not schema:
            plan = self._plans[id(schema)] = _Plan(schema)
        return plan

    def _target(self, plan: _Plan) -> Any:
        """What the plan's `$ref` points at (resolved once)."""
        if plan.target is _UNRESOLVED:
            plan.target = self.resolve(plan.ref)
        return plan.target

    def _passes(self, instance: Any, schema: Any) -> bool:
        """True when `schema` surely has nothing to say about `instance` (a type-only leaf
        it fits); False means: ask errors()."""
        while True:
            if schema is True:
                return True
            if schema is False:
                return False
            plan = self._plan(schema)
            if not plan.only_ref:
                return plan.leaf and (plan.types is None or _fits_type(instance, plan.types))
            schema = self._target(plan)

    def is_valid(self, instance: Any, schema: Any) -> bool:
        return next(self.errors(instance, schema, ()), None) is None

    def errors(self, instance: Any, schema: Any, path: tuple[Any, ...]) -> Iterator[SchemaError]:
        while True:  # a subschema that is only a $ref: follow it to what checks
            if schema is True:
                return
            if schema is False:
                yield SchemaError("false", path, {}, instance)
                return
            plan = self._plan(schema)
            if not plan.only_ref:
                break
            schema = self._target(plan)
        if plan.ref is not None:
            yield from self.errors(instance, self._target(plan), path)
        if plan.types is not None and not _fits_type(instance, plan.types):
            yield SchemaError("type", path, schema, instance)
            return  # nothing else about a value of the wrong type is worth saying
        if plan.has_enum and not any(json_equal(instance, v) for v in schema["enum"]):
            yield SchemaError("enum", path, schema, instance)
        if plan.has_const and not json_equal(instance, schema["const"]):
            yield SchemaError("const", path, schema, instance)
        if isinstance(instance, str):
            if plan.strings:
                if plan.pattern is not None and not plan.pattern.search(instance):
                    yield SchemaError("pattern", path, schema, instance)
                if "minLength" in schema and len(instance) < schema["minLength"]:
                    yield SchemaError("minLength", path, schema, instance)
                if "maxLength" in schema and len(instance) > schema["maxLength"]:
                    yield SchemaError("maxLength", path, schema, instance)
        elif isinstance(instance, (int, float)) and not isinstance(instance, bool):
            for keyword, fails in plan.limits:
                if fails(instance, schema[keyword]):
                    yield SchemaError(keyword, path, schema, instance)
        elif isinstance(instance, dict):
            if plan.objects:
                yield from self._object(instance, schema, plan, path)
        elif isinstance(instance, list):
            if plan.arrays:
                yield from self._array(instance, schema, path)
        for sub in plan.all_of:
            if not self._passes(instance, sub):
                yield from self.errors(instance, sub, path)
        if not plan.combined:
            return
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

    def _object(self, instance: dict[Any, Any], schema: dict[str, Any], plan: _Plan,
                path: tuple[Any, ...]) -> Iterator[SchemaError]:
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
        properties, patterns, additional, names = plan.properties, plan.patterns, plan.additional, plan.names
        for key, value in instance.items():
            if names is not None:
                key_path = path + (key,)
                for error in self.errors(key if isinstance(key, str) else str(key), names, key_path):
                    error.at_key = True
                    yield error
            matched = False
            if key in properties:
                matched = True
                sub = properties[key]
                if not self._passes(value, sub):
                    yield from self.errors(value, sub, path + (key,))
            if patterns and isinstance(key, str):
                for regex, sub in patterns:
                    if regex.search(key):
                        matched = True
                        if not self._passes(value, sub):
                            yield from self.errors(value, sub, path + (key,))
            if not matched:
                if additional is False:
                    yield SchemaError("additionalProperties", path + (key,), schema, value, detail=key, at_key=True)
                elif additional is not True and not self._passes(value, additional):
                    yield from self.errors(value, additional, path + (key,))

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
            items = schema["items"]
            for i, item in enumerate(instance):
                if not self._passes(item, items):
                    yield from self.errors(item, items, path + (i,))


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
