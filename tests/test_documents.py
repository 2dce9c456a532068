"""The node tree: positions of keys and values in YAML and JSON, tags, duplicates, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import linter
import linter.yaml_loader
from linter.engine import decode
from linter.json_loader import load_json
from linter.yaml_loader import load_yaml

@pytest.fixture(autouse=True, params=["c", "pure"])
def yaml_loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs with libyaml's loader and with the pure-Python one: their marks and
    error texts differ, and pipelint must give the same answer with either."""
    if request.param == "c" and not hasattr(yaml, "CSafeLoader"):
        pytest.skip("libyaml is not installed")
    monkeypatch.setattr(linter.yaml_loader, "Loader",
                        yaml.CSafeLoader if request.param == "c" else yaml.SafeLoader)


YAML = """\
version: 0.2
phases:
  build:
    commands:
      - make
      - "quoted: yes"
ref: !Ref Bucket
att: !GetAtt Role.Arn
sub: !Sub
  - ${A}
  - A: b
"""


def span(node):
    return (node.line, node.column, node.end_line, node.end_column)


def test_yaml_positions_of_keys_and_values() -> None:
    root, issues = load_yaml(YAML)
    assert issues == []
    phases = root.get("phases")
    assert span(root.key_node("phases")) == (2, 1, 2, 7)
    commands = phases.get("build").get("commands")
    assert span(commands.value[0]) == (5, 9, 5, 13)
    assert span(commands.value[1]) == (6, 9, 6, 22)
    assert commands.value[1].data == "quoted: yes"
    assert commands.value[1].pointer == "/phases/build/commands/1"
    assert root.get("version").data == 0.2


def test_yaml_cloudformation_short_tags() -> None:
    root, issues = load_yaml(YAML)
    assert root.data["ref"] == {"Ref": "Bucket"}
    assert root.data["att"] == {"Fn::GetAtt": ["Role", "Arn"]}
    assert root.data["sub"] == {"Fn::Sub": ["${A}", {"A": "b"}]}
    assert root.get("ref").get("Ref").pointer == "/ref/Ref"
    assert span(root.get("ref").get("Ref")) == (7, 11, 7, 17)


def test_yaml_unknown_tags_are_never_constructed() -> None:
    root, issues = load_yaml("a: !!python/object:os.system echo\nb: !Custom {x: 1}\n")
    assert issues == []
    assert root.data == {"a": "echo", "b": {"x": 1}}


def test_yaml_duplicate_keys() -> None:
    root, issues = load_yaml("a: 1\nb:\n  c: 2\na: 3\n")
    assert [(i.rule, i.line, i.column) for i in issues] == [("PL002", 4, 1)]
    assert "line 1" in issues[0].message
    assert root.data["a"] == 3


def test_yaml_merge_keys_and_aliases() -> None:
    root, issues = load_yaml("base: &b\n  x: 1\n  y: 2\nchild:\n  <<: *b\n  y: 3\n")
    assert issues == []
    assert root.data["child"] == {"y": 3, "x": 1}


@pytest.mark.parametrize("text, line, column, words", [
    ("a:\n\tb: 1\n", 2, 1, "tab character"),
    ("a: \"open\nb: 2\n", 1, 4, 'unclosed " string'),
    ("a: 'open\n", 1, 4, "unclosed ' string"),
    ("a:\n  b: 1\n c: 2\n", 3, 2, "bad indentation"),
    ("a: b: c\n", 1, 5, "unexpected ':'"),
    ("a: \u201cx: y\u201d\n", 1, 6, "typographic quotes"),
    ("a: 1\n---\nb: 2\n", 2, 1, "more than one YAML document"),
    ("a: *nope\n", 1, 4, "alias"),
])
def test_yaml_syntax_errors_are_explained(text: str, line: int, column: int, words: str) -> None:
    root, issues = load_yaml(text)
    assert root is None
    (issue,) = issues
    assert issue.rule == "PL001"
    assert (issue.line, issue.column) == (line, column)
    assert words in issue.message


def test_yaml_crlf_and_bom() -> None:
    text, problem = decode(b"\xef\xbb\xbfa: 1\r\nb:\r\n  - x\r\n")
    assert problem is None
    root, issues = load_yaml(text)
    assert issues == []
    assert root.data == {"a": 1, "b": ["x"]}
    assert span(root.get("b").value[0]) == (3, 5, 3, 6)


JSON = '{\n  "pipeline": {\n    "name": "p",\n    "n": 1e5,\n    "stages": [\n\t{"name": "Source"}\n    ]\n  }\n}\n'


def test_json_positions() -> None:
    root, issues = load_json(JSON)
    assert issues == []
    pipeline = root.get("pipeline")
    assert span(root.key_node("pipeline")) == (2, 3, 2, 13)
    assert span(pipeline.get("name")) == (3, 13, 3, 16)
    assert pipeline.get("n").data == 100000.0
    stage = pipeline.get("stages").value[0]
    assert span(stage) == (6, 2, 6, 20)
    assert span(stage.get("name")) == (6, 11, 6, 19)
    assert stage.get("name").pointer == "/pipeline/stages/0/name"


def test_json_duplicate_keys() -> None:
    root, issues = load_json('{"a": 1,\n "a": 2}')
    assert [(i.rule, i.line, i.column) for i in issues] == [("PL002", 2, 2)]
    assert root.data == {"a": 2}


@pytest.mark.parametrize("text, line, column, words", [
    ('{"a": 1,}', 1, 8, "trailing comma"),
    ('{"a": 1\n "b": 2}', 2, 2, "expected ',' or '}'"),
    ("{'a': 1}", 1, 2, "expected a property name in double quotes"),
    ('{"a": \'x\'}', 1, 7, "double quotes"),
    ('{"a": [1, 2}', 1, 12, "expected ',' or ']'"),
    ('{"a": "open}', 1, 7, "unclosed string"),
    ('{"a": 1', 1, 1, "unclosed object"),
    ('{"a": 1} // c', 1, 10, "comments are not allowed"),
    ('{"a": tru}', 1, 7, "expected a JSON value"),
    ('{"a": 1}\n{"b": 2}', 2, 1, "after the end"),
])
def test_json_syntax_errors(text: str, line: int, column: int, words: str) -> None:
    root, issues = load_json(text)
    assert root is None
    (issue,) = issues
    assert (issue.line, issue.column) == (line, column), issue.message
    assert words in issue.message


@pytest.mark.parametrize("data, words", [
    (b"\x00\x01\x02binary", "binary file"),
    (b"a: \xff\xfe\n", "not valid UTF-8"),
    (b"\xff\xfea\x00:\x00", "UTF-16"),
])
def test_undecodable_input(data: bytes, words: str) -> None:
    text, problem = decode(data)
    assert text is None and words in problem.message


SCHEMA_FILES = sorted(p.name for p in (Path(linter.__file__).parent.parent / "schemas").glob("*.schema.json"))


def _undescribed(schema, where: str) -> list[str]:
    """Properties without a description, visiting only the places that hold schemas."""
    if not isinstance(schema, dict):
        return []
    missing = [f"{where}/properties/{k}" for k, sub in schema.get("properties", {}).items()
               if isinstance(sub, dict) and "description" not in sub]
    for key in ("properties", "patternProperties", "$defs"):
        for name, sub in schema.get(key, {}).items():
            missing += _undescribed(sub, f"{where}/{key}/{name}")
    for key in ("items", "additionalProperties", "propertyNames", "not", "if", "then", "else"):
        missing += _undescribed(schema.get(key), f"{where}/{key}")
    for key in ("allOf", "anyOf", "oneOf"):
        for i, sub in enumerate(schema.get(key, [])):
            missing += _undescribed(sub, f"{where}/{key}/{i}")
    return missing


@pytest.mark.parametrize("name", SCHEMA_FILES)
def test_schemas_are_valid_described_and_use_the_fast_validator(name: str) -> None:
    import jsonschema

    from linter.schema import load_schema, uses_only_supported

    schema = load_schema(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert uses_only_supported(schema), "keep to the keywords linter.schema validates itself"
    assert _undescribed(schema, name) == [], "every property has a description (editors show it)"


@pytest.mark.parametrize("kind, names", [
    ("buildspec", ["buildspec.schema.json"]),
    ("appspec", ["appspec-ec2.schema.json", "appspec-ecs.schema.json", "appspec-lambda.schema.json"]),
])
def test_fast_validator_agrees_with_jsonschema(kind: str, names: list[str]) -> None:
    from helpers import CORPUS, FIXTURES
    from linter.schema import Validator, _JsonschemaAdapter, load_schema

    files = [p for p in FIXTURES.glob(f"{kind}/**/*") if p.suffix in (".yml", ".yaml", ".json")]
    if (CORPUS / kind).is_dir():
        files += sorted((CORPUS / kind).iterdir())
    compared = 0
    for name in names:
        schema = load_schema(name)
        ours, theirs = Validator(schema), _JsonschemaAdapter(schema)
        for path in files:
            root, _ = load_yaml(path.read_text(encoding="utf-8", errors="replace"))
            if root is None:
                continue
            key = lambda e: (tuple(map(str, e.path)), e.keyword, str(e.detail))  # noqa: E731
            expected = list(theirs.errors(root.data, schema, ()))
            # by design ours says nothing more about a value of the wrong type (its key still counts)
            wrong_type = {tuple(e.path) for e in expected if e.keyword == "type"}
            expected = [e for e in expected if e.keyword == "type" or e.at_key or tuple(e.path) not in wrong_type]
            assert sorted(map(key, ours.errors(root.data, schema, ()))) == sorted(map(key, expected)), \
                f"{name} on {path.name}"
            compared += 1
    assert compared > 20


def test_yaml_alias_bomb_is_refused_quickly() -> None:
    text = 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    previous = "a"
    for name in "bcdefghi":
        text += f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]\n"
        previous = name
    root, issues = load_yaml(text)
    assert root is None
    assert issues[0].rule == "PL001" and "aliases" in issues[0].message
