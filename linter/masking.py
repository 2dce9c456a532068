"""Secrets never reach an output: masks for source text, redaction for messages.

The engine collects the spans that any secrets rule flags (selected or not, suppressed or
not) and the values they hold. Front ends show source text only through `mask_text`, and
every message, whoever wrote it, goes through `redact_values`; `redact_tokens` is the last
line for text no rule saw (a file that does not parse, an exception's message).
"""

from __future__ import annotations

from typing import Iterator

from linter.document import MAP, SCALAR, SEQ, Node
from linter.secrets import literal_secret, pattern_hits, redact

Span = tuple[int, int]


def merge_spans(spans: list[Span]) -> list[Span]:
    out: list[Span] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def mask_text(text: str, spans: list[Span]) -> str:
    """`text` with every character of the spans but line breaks replaced by `*` (same
    length, so positions still hold)."""
    if not spans:
        return text
    parts = []
    last = 0
    for start, end in spans:
        parts.append(text[last:start])
        parts.append("".join(c if c in "\r\n" else "*" for c in text[start:end]))
        last = end
    parts.append(text[last:])
    return "".join(parts)


def raw_masks(text: str) -> list[Span]:
    """Spans of token-shaped secrets (AWS keys, GitHub and GitLab tokens, private keys...)
    anywhere in a text, read without parsing it."""
    if len(text) > 4 * 1024 * 1024:
        text = text[:4 * 1024 * 1024]
    return [(h.start, h.end) for h in pattern_hits(text)]


def redact_values(message: str, values: list[str]) -> str:
    """`message` with each secret value (longest first) and each token-shaped string in it
    replaced by its redacted form."""
    for value in values:
        if value in message:
            message = message.replace(value, redact(value))
    return redact_tokens(message)


def redact_tokens(message: str) -> str:
    hits = pattern_hits(message)
    for hit in sorted(hits, key=lambda h: h.start, reverse=True):
        message = message[:hit.start] + redact(message[hit.start:hit.end]) + message[hit.end:]
    return message


def secret_nodes(root: Node | None) -> Iterator[Node]:
    """Scalars holding a literal under a secret-named key, anywhere in the tree (also as
    list items: `MasterUserPassword: [hunter2...]`), whether or not a rule reports them."""
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if node.kind == MAP:
            for key, value in node.value:
                if value.kind != MAP and isinstance(key.data, str):
                    items = [value] if value.kind == SCALAR else value.value
                    for item in items:
                        if item.kind == SCALAR and literal_secret(key.data, item.data):
                            yield item
                stack.append(value)
        elif node.kind == SEQ:
            stack.extend(node.value)
