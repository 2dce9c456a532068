"""No input makes pipelint fail: mutated real files (bytes flipped, cut, spliced with YAML
syntax) and structurally mutated documents (values replaced by other types, intrinsics,
placeholders) never give an internal error (PL005). Seeded, so a failure is reproducible;
bounded, so it stays quick. A longer run of the same idea found two crashes, now fixed."""

from __future__ import annotations

import copy
import json
import random

import pytest
import yaml

from helpers import CORPUS, FIXTURES
from linter.document import LineIndex
from linter.engine import Linter, Settings, decode

KINDS = ("buildspec", "appspec", "pipeline", "cloudformation", "iam-policy")
VALUES = [None, 0, -1, 1.5, True, "", "*", [], {}, [None], {"Ref": "X"}, ["*"], {"AWS": "*"}, "<PLACEHOLDER>",
          "a\ud800b", "x\u2028y", "p\x85q", "r\rs",
          {"Fn::If": ["c", {"a": 1}, {"Ref": "AWS::NoValue"}]}, {"Fn::Sub": "arn:${AWS::Partition}:s3:::*"}]
SPLICES = [b": ", b"- ", b"\t", b"!Ref ", b"&a ", b"*a", b"{", b"[", b'"', b"\n  ", b"0644", b"!If [a, b, c]",
           # the five line breaks besides \n (CR, CRLF, NEL, LS, PS), a lone surrogate escape, a huge integer
           b"\r", b"\r\n", "\x85".encode(), "\u2028".encode(), "\u2029".encode(), b'"\\ud800"', b"\\udfff",
           b"1" * 5000]


def sources() -> list[tuple[str, bytes]]:
    out = []
    for kind in KINDS:
        folders = [FIXTURES / kind, CORPUS / kind]
        for folder in folders:
            if folder.is_dir():
                out += [(kind, p.read_bytes()) for p in sorted(folder.rglob("*"))
                        if p.suffix in (".yml", ".yaml", ".json")]
    return out


@pytest.fixture(scope="module")
def linters() -> dict[str, Linter]:
    return {kind: Linter(Settings(kind=kind, ignore=["CFN"])) for kind in KINDS}


def test_mutated_bytes_never_crash(linters: dict[str, Linter]) -> None:
    rng = random.Random(20261122)
    files = sources()
    for _ in range(3000):
        kind, data = rng.choice(files)
        data = bytearray(data)
        for _ in range(rng.randint(1, 6)):
            if not data:
                break
            i = rng.randrange(len(data))
            op = rng.random()
            if op < 0.3:
                data[i] = rng.randrange(256)
            elif op < 0.5:
                del data[i:i + rng.randint(1, 40)]
            elif op < 0.8:
                data[i:i] = rng.choice(SPLICES)
            else:
                del data[i:]
        findings = linters[kind].lint_bytes("f.yaml", bytes(data)) or []
        assert not [f for f in findings if f.rule == "PL005"], bytes(data)[:2000]
        text, _ = decode(bytes(data))
        index = LineIndex(text if text is not None else bytes(data).decode("utf-8", "replace"))
        for f in findings:  # every position lies inside the file, as editors count its lines
            assert 1 <= f.line <= max(1, index.count) and f.column <= len(index.line_text(f.line)) + 1, \
                (f.rule, f.line, f.column, bytes(data)[:2000])


def _mutate(rng: random.Random, node, depth: int = 0) -> None:  # noqa: ANN001
    if isinstance(node, dict) and node:
        key = rng.choice(list(node))
        if rng.random() < 0.4 or depth > 8:
            node[key] = copy.deepcopy(rng.choice(VALUES))
        else:
            _mutate(rng, node[key], depth + 1)
    elif isinstance(node, list) and node:
        i = rng.randrange(len(node))
        if rng.random() < 0.4 or depth > 8:
            node[i] = copy.deepcopy(rng.choice(VALUES))
        else:
            _mutate(rng, node[i], depth + 1)


def test_mutated_documents_never_crash(linters: dict[str, Linter]) -> None:
    rng = random.Random(11222026)
    docs = []
    for kind, data in sources():
        try:
            loaded = yaml.safe_load(data.decode("utf-8", "replace"))
        except yaml.YAMLError:
            continue
        if isinstance(loaded, dict):
            docs.append((kind, loaded))
    for _ in range(1500):
        kind, doc = rng.choice(docs)
        doc = copy.deepcopy(doc)
        for _ in range(rng.randint(1, 5)):
            _mutate(rng, doc)
        try:
            text = json.dumps(doc, default=str) if kind in ("pipeline", "iam-policy") else yaml.safe_dump(doc)
        except (TypeError, ValueError):
            continue
        findings = linters[kind].lint_bytes("f.json" if kind in ("pipeline", "iam-policy") else "f.yaml",
                                            text.encode()) or []
        assert not [f for f in findings if f.rule == "PL005"], text[:2000]
