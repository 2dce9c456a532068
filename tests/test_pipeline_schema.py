"""schemas/pipeline.schema.json: well formed, in sync with its generator, and true to real pipelines."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any, Iterator

import jsonschema
import pytest

HERE = Path(__file__).resolve()
ROOT = HERE.parents[1]
SCHEMA_PATH = ROOT / "schemas" / "pipeline.schema.json"
GENERATOR = ROOT / "scripts" / "gen_pipeline_schema.py"
CORPUS = HERE.parents[2] / "shared" / "corpus" / "pipeline"

# What the engine's compact validator understands (linter/schema.py), minus what this
# schema must not use (anyOf/oneOf/not); `x-` keywords are free.
ALLOWED = {
    "$schema", "$id", "$ref", "$defs", "title", "description", "default", "examples", "deprecated",
    "type", "enum", "const", "pattern", "minLength", "maxLength", "minimum", "maximum",
    "exclusiveMinimum", "exclusiveMaximum", "properties", "patternProperties",
    "additionalProperties", "required", "minProperties", "maxProperties", "propertyNames",
    "items", "minItems", "maxItems", "uniqueItems", "allOf", "if", "then", "else",
    "dependentRequired",
}
_ONE = {"items", "additionalProperties", "propertyNames", "if", "then", "else", "not"}
_LISTS = {"allOf", "anyOf", "oneOf"}
_MAPS = {"properties", "patternProperties", "$defs"}

# Corpus files that do not validate, each with the JSON pointers of the values at fault
# (None: the file is not JSON) and why. Each is a problem in the file, not in the schema.
CORPUS_EXCEPTIONS: dict[str, tuple[set[str] | None, str]] = {
    "Emilis01__aws-elastic-beanstalk-express-js-sample__pipeline.json": (
        None, "not JSON: the opening '{' of the document is missing"),
    "AbhishekSharmaIE__DevopsEcommerceapp__pipeline.json": (
        {"/artifactStores"},
        "artifactStores written as a list of {region, type, location}; the API takes a map "
        "from region name to {type, location}"),
    "NicoStrauss__BeanstalkDemo__aws__pipeline.json": (
        {"/roleArn"}, "placeholder account id '1234567890' in roleArn has 10 digits, not 12"),
    "d3rIngo__auto-pipe-terraform__codepipeline.json": (
        {"/roleArn"}, "literal placeholder '<ARN Ihrer erstellten CodePipeline-Service-Rolle>' as roleArn"),
    "dopc02devops__flask-memcached-codecommit__codepipeline__pipeline.json": (
        {"/stages/0/actions/0/configuration/OAuthToken"},
        "empty OAuthToken left to fill in; configuration values must have at least 1 character"),
    "sarvaratchaganr__Secure-CICD-Pipeline-with-IAM-CloudWatch__pipeline-definition.json": (
        {"/artifactStore/location", "/roleArn"},
        "literal placeholders '<S3_BUCKET_FOR_ARTIFACTS>' and '<CODEPIPELINE_ROLE_ARN>'"),
    "seroche__payment-gateway-api__codepipeline.json": (
        {"/name"}, "template placeholder '%ServiceName%' as pipeline name ('%' is not allowed)"),
    "sharanyach12__cicd-pipeline-aws__codepipeline__pipeline.json": (
        {"/roleArn"}, "placeholder 'YOUR_ACCOUNT_ID' instead of a 12-digit account id in roleArn"),
}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_pipeline_schema", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


HTML_TAG = re.compile(r"</?(?:p|code|a|i|b|ul|li|note|important|br)\b[^>]*>")


def subschemas(node: Any, where: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema object in the document, with its location."""
    if not isinstance(node, dict):
        return
    yield where, node
    for key, value in node.items():
        if key in _ONE:
            yield from subschemas(value, f"{where}/{key}")
        elif key in _LISTS:
            for i, sub in enumerate(value):
                yield from subschemas(sub, f"{where}/{key}/{i}")
        elif key in _MAPS:
            for name, sub in value.items():
                yield from subschemas(sub, f"{where}/{key}/{name}")


# --- (1) the committed schema -----------------------------------------------------------

def test_schema_is_valid_draft_2020_12(schema: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "https://pipelint.dev/schemas/pipeline.schema.json"
    assert schema["$ref"] == "#/$defs/PipelineDeclaration"
    assert schema["description"]
    assert "Metadata" not in schema["$defs"] and "PipelineMetadata" not in schema["$defs"]


def test_schema_uses_only_allowed_keywords(schema: dict[str, Any]) -> None:
    for where, node in subschemas(schema):
        unknown = {k for k in node if k not in ALLOWED and not k.startswith("x-")}
        assert not unknown, f"{where}: {sorted(unknown)}"
        if "$ref" in node:
            ref = node["$ref"]
            assert ref.startswith("#/$defs/"), f"{where}: non-local $ref {ref}"
            assert ref.removeprefix("#/$defs/") in schema["$defs"], f"{where}: dangling $ref {ref}"


def test_every_property_and_definition_has_a_description(schema: dict[str, Any]) -> None:
    for where, node in subschemas(schema):
        for name, prop in node.get("properties", {}).items():
            text = prop.get("description")
            assert isinstance(text, str) and text.strip(), f"{where}/properties/{name}"
            assert len(text) <= 300 and not HTML_TAG.search(text), f"{where}/properties/{name}: {text!r}"
    for name, definition in schema["$defs"].items():
        assert definition.get("description", "").strip(), f"#/$defs/{name}"


def test_patterns_are_anchored_and_portable(schema: dict[str, Any]) -> None:
    # Valid in Python re and in ECMA-262 (with and without the u flag): none of the
    # Java/Python-only syntax, and every pattern compiles.
    unportable = re.compile(r"[*+?}]\+|\(\?[a-zA-Z<P>=!]|\\[AZzGhHRpPQE]|&&|\[:")
    patterns = [(where, node["pattern"]) for where, node in subschemas(schema) if "pattern" in node]
    assert patterns
    for where, pattern in patterns:
        re.compile(pattern)
        assert not unportable.search(pattern), f"{where}: {pattern}"
        assert pattern.startswith("^") and pattern.endswith("$"), f"{where}: {pattern}"


def test_special_cases(schema: dict[str, Any]) -> None:
    defs = schema["$defs"]
    action = defs["ActionDeclaration"]["properties"]
    run_order = defs["ActionRunOrder"]
    assert (run_order["type"], run_order["minimum"], run_order["maximum"]) == ("integer", 1, 999)
    assert action["runOrder"]["default"] == 1
    configuration = defs[action["configuration"]["$ref"].removeprefix("#/$defs/")]
    assert configuration["type"] == "object"
    value = defs[configuration["additionalProperties"]["$ref"].removeprefix("#/$defs/")]
    assert value["type"] == "string"
    assert defs["PipelineType"]["enum"] == ["V1", "V2"]
    assert defs["ExecutionMode"]["enum"] == ["QUEUED", "SUPERSEDED", "PARALLEL"]
    assert defs["PipelineDeclaration"]["required"] == ["name", "roleArn", "stages"]
    assert defs["PipelineDeclaration"]["additionalProperties"] is False


def test_schema_accepts_a_minimal_pipeline_and_rejects_typos(schema: dict[str, Any]) -> None:
    validator = jsonschema.Draft202012Validator(schema)
    action = {"name": "Source", "actionTypeId": {"category": "Source", "owner": "AWS",
                                                 "provider": "CodeCommit", "version": "1"},
              "configuration": {"RepositoryName": "app", "BranchName": "main"},
              "outputArtifacts": [{"name": "SourceOutput"}], "runOrder": 1}
    pipeline = {"name": "app", "roleArn": "arn:aws:iam::123456789012:role/pipeline",
                "artifactStore": {"type": "S3", "location": "my-bucket"},
                "stages": [{"name": "Source", "actions": [action]}], "pipelineType": "V2"}
    assert not list(validator.iter_errors(pipeline))
    bad = json.loads(json.dumps(pipeline))
    bad["stages"][0]["actions"][0]["runOrder"] = 0
    bad["stages"][0]["actions"][0]["configuration"]["PollForSourceChanges"] = False
    bad["stages"][0]["actions"][0]["inputArtifact"] = []
    bad["name"] = "my app"
    found = {"/" + "/".join(map(str, e.absolute_path)) for e in validator.iter_errors(bad)}
    assert found == {"/stages/0/actions/0/runOrder", "/stages/0/actions/0/configuration/PollForSourceChanges",
                     "/stages/0/actions/0", "/name"}


# --- (2) generated from botocore --------------------------------------------------------

def test_convert_pattern() -> None:
    gen = load_generator()
    assert gen.convert_pattern(r"[A-Za-z0-9.@\-_]+") == r"^[A-Za-z0-9.@\-_]+$"
    assert gen.convert_pattern("a|b") == "^(?:a|b)$"
    assert gen.convert_pattern("(a|b)c") == "^(a|b)c$"
    assert gen.convert_pattern(".*") is None
    assert gen.convert_pattern("[a-z]++") is None      # possessive
    assert gen.convert_pattern("(?i)abc") is None      # inline flag
    assert gen.convert_pattern(r"\p{Alpha}+") is None  # Unicode class
    assert gen.convert_pattern("[a-z") is None         # does not compile


def test_summarize() -> None:
    gen = load_generator()
    assert gen.summarize("<p>The name of the <code>pipeline</code>.</p>") == "The name of the pipeline."
    text = gen.summarize("<p>One. Two. Three.</p>")
    assert text == "One. Two."
    assert len(gen.summarize("<p>" + "word " * 200 + "</p>")) <= 300


def test_generator_reproduces_the_committed_schema(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pytest.importorskip("botocore")
    gen = load_generator()
    text = gen.generate()
    assert text == SCHEMA_PATH.read_text(encoding="utf-8"), \
        "schemas/pipeline.schema.json is stale: run python scripts/gen_pipeline_schema.py"
    assert gen.main(["--check"]) == 0
    stale = tmp_path / "pipeline.schema.json"
    stale.write_text(text.replace("CodePipeline", "CodePipe", 1), encoding="utf-8")
    monkeypatch.setattr(gen, "OUTPUT", stale)
    monkeypatch.setattr(gen, "ROOT", tmp_path)
    assert gen.main(["--check"]) == 1


# --- (3) real pipelines -----------------------------------------------------------------

CORPUS_FILES = sorted(CORPUS.glob("*.json")) if CORPUS.is_dir() else []


def _errors(schema: dict[str, Any], path: Path) -> set[str] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return None
    declaration = data.get("pipeline", data)
    declaration = {k: v for k, v in declaration.items() if k != "metadata"}
    validator = jsonschema.Draft202012Validator(schema)
    return {"/" + "/".join(map(str, e.absolute_path)) for e in validator.iter_errors(declaration)}


@pytest.mark.parametrize("path", CORPUS_FILES or [pytest.param(None, marks=pytest.mark.skip(
    reason=f"corpus folder {CORPUS} absent"))], ids=lambda p: p.name if p else "no-corpus")
def test_corpus_pipeline(schema: dict[str, Any], path: Path) -> None:
    errors = _errors(schema, path)
    if path.name in CORPUS_EXCEPTIONS:
        expected, reason = CORPUS_EXCEPTIONS[path.name]
        assert errors == expected, f"documented exception changed ({reason})"
    else:
        assert errors == set(), f"{path.name}: {sorted(errors) if errors is not None else 'not JSON'}"


@pytest.mark.skipif(not CORPUS_FILES, reason="corpus folder absent")
def test_corpus_exceptions_name_existing_files() -> None:
    names = {p.name for p in CORPUS_FILES}
    assert set(CORPUS_EXCEPTIONS) <= names
    assert len(CORPUS_EXCEPTIONS) * 2 < len(names), "real pipelines should mostly be valid"
