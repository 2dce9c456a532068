"""A control character YAML's reader refuses is reported where editors show it: libyaml
gives the reader error's offset in UTF-8 bytes, so any non-ASCII text before it (an LS, an
accent) used to push the finding right, or past the last line (found by the mutation test)."""

from __future__ import annotations

import pytest

from linter.engine import Linter, Settings


@pytest.mark.parametrize("text, line, column", [
    ("a\x14\n", 1, 2),
    ("é\x14\n", 1, 2),
    ("\u2028x\n\x14\n", 2, 1),
    ("{\n  \"k\": \"\u00e9\u00e9\u00e9\"\n}\n\x14\n", 4, 1),
])
def test_control_character_position(text: str, line: int, column: int) -> None:
    findings = Linter(Settings(kind="appspec")).lint_bytes("f.yaml", text.encode("utf-8"))
    assert [(f.rule, f.line, f.column) for f in findings] == [("PL001", line, column)]
