"""Fixes: apply edits, prove the result still parses, write atomically, show as a patch.

Nothing here decides what to fix (rules do, through `Finding.edits`) or which files to
touch (the run does). The guarantees live here:
- a fixed text is parsed again before it is written; when it no longer parses, or has
  more syntax findings than before, nothing is written (`FixOutcome.refused` says why);
- a file is replaced by renaming a temporary file of the same folder over it, with the
  original's mode, byte order mark and line breaks (edits never touch line breaks they
  do not replace);
- a patch is one that `git apply` and `patch -p1` accept, and it never shows a secret:
  context lines that hold one are cut, and when a hunk's changed lines hold one the
  file's whole patch is withheld (and its hunks counted): its other hunks may be parts
  of the same fix.
"""

from __future__ import annotations

import bisect
import difflib
import os
import re
import stat
import tempfile
from dataclasses import dataclass, field
from typing import Callable

from linter.rule import Edit, Finding

BOM = b"\xef\xbb\xbf"
SYNTAX_RULES = ("PL001", "PL002", "PL003", "CFN-E0000")


def apply_edits(text: str, findings: list[Finding], unsafe: bool = False) -> tuple[str, list[Finding]]:
    """Apply the findings' edits (safe ones; unsafe ones too with `unsafe`), last first.
    A finding's edits go in together or not at all: one that overlaps an edit already
    applied is skipped. Returns the new text and the findings whose edits went in."""
    wanted = [f for f in findings if f.edits and (f.applicability == "safe" or unsafe and f.applicability == "unsafe")]
    wanted.sort(key=lambda f: (min(e.start for e in f.edits), max(e.end for e in f.edits)), reverse=True)
    applied: list[Finding] = []
    taken: list[tuple[int, int]] = []
    edits: list[Edit] = []
    for finding in wanted:
        spans = [(e.start, e.end) for e in finding.edits]
        if any(e.end > len(text) or e.start > e.end for e in finding.edits):
            continue
        if any(_overlap(a, b, c, d) for a, b in spans for c, d in taken):
            continue
        taken += spans
        edits += finding.edits
        applied.append(finding)
    for edit in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        text = text[:edit.start] + edit.text + text[edit.end:]
    return text, applied


def _overlap(a: int, b: int, c: int, d: int) -> bool:
    """Do [a, b) and [c, d) overlap? Two insertions at one place, or an insertion where a
    replacement starts, count as overlapping: their order would be a guess."""
    return (a < d and c < b) or (a == c and (a == b or c == d))


def syntax_count(findings: list[Finding]) -> int:
    return sum(1 for f in findings if f.rule in SYNTAX_RULES)


@dataclass
class FixOutcome:
    text: str                                   # the new text (the old one when refused)
    applied: list[Finding] = field(default_factory=list)
    refused: str | None = None                  # why nothing was written
    findings: list[Finding] | None = None       # the findings of the new text


PASSES = 10   # fixes that overlap go in on later passes, over the text the earlier ones left


def fix(text: str, findings: list[Finding], relint: Callable[[str], list[Finding] | None],
        unsafe: bool = False) -> FixOutcome:
    """Apply the fixes and lint the result again, pass after pass while fixes remain that
    overlapped one already applied; refuse (write nothing) when any pass gives a result that
    is no longer the same kind, or parses worse than the original."""
    before = syntax_count(findings)
    current, current_findings = text, findings
    applied: list[Finding] = []
    after: list[Finding] | None = None
    for _ in range(PASSES):
        new_text, done = apply_edits(current, current_findings, unsafe)
        if not done or new_text == current:
            break
        after = relint(new_text)
        if after is None:
            return FixOutcome(text, refused="after the fixes the file is no longer recognised as the same kind")
        if syntax_count(after) > before:
            first = next(f for f in after if f.rule in SYNTAX_RULES)
            return FixOutcome(text, refused=f"the fixed file would not parse ({first.rule} at line {first.line}: "
                                            f"{first.message})")
        applied += done
        current, current_findings = new_text, after
    if not applied:
        return FixOutcome(text)
    return FixOutcome(current, applied, None, after)


def encode(text: str, bom: bool) -> bytes:
    return (BOM if bom else b"") + text.encode("utf-8")


def write_atomic(path: str, data: bytes) -> None:
    """Replace the file at `path` with `data`: a temporary file in the same folder, with the
    original's permissions (and owner, where allowed), renamed over it. Raises OSError."""
    st = os.stat(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".pipelint")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, stat.S_IMODE(st.st_mode))
        if hasattr(os, "chown"):
            try:
                os.chown(tmp, st.st_uid, st.st_gid)
            except OSError:
                pass  # not ours to give away: the file keeps our ownership
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


# -- patches -------------------------------------------------------------------

_LINE = re.compile(r"[^\n]*\n|[^\n]+")
NO_NEWLINE = "\\ No newline at end of file\n"


def _lines(text: str) -> list[str]:
    """Lines as patch and git split them: at `\n` only."""
    return _LINE.findall(text)


def patch_path(display: str) -> str:
    """The path in a patch header: relative to the current folder when inside it, else the
    absolute path without its leading slash (`patch -p1 -d /` applies it)."""
    path = display.replace(os.sep, "/")
    if os.path.isabs(display):
        rel = os.path.relpath(display)
        path = rel.replace(os.sep, "/") if not rel.startswith("..") else path.lstrip("/")
    while path.startswith("./"):
        path = path[2:]
    return path


def _secret_lines(text: str, masks: list[tuple[int, int]]) -> set[int]:
    """0-based indexes of the patch lines that hold part of a secret."""
    if not masks:
        return set()
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    out: set[int] = set()
    for start, end in masks:
        first = bisect.bisect_right(starts, start) - 1
        last = bisect.bisect_right(starts, max(start, end - 1)) - 1
        out.update(range(first, last + 1))
    return out


def unified_diff(old: str, new: str, path: str, masks: list[tuple[int, int]] = (),
                 context: int = 3) -> tuple[str, int]:
    """(patch for one file, hunks withheld because they would show a secret)."""
    a, b = _lines(old), _lines(new)
    secret = _secret_lines(old, list(masks))
    hunks: list[str] = []
    withheld = 0
    for group in difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(context):
        for part in _split(group, secret):
            hunk = _hunk(part, a, b, secret)
            if hunk is None:
                withheld += 1
            else:
                hunks.append(hunk)
    if withheld:
        # the hunks left may be halves of a withheld fix (a secret moved to parameter-store:
        # the new entry shown, the plaintext line it replaces not): show none of the file
        return "", withheld + len(hunks)
    if not hunks:
        return "", withheld
    name = patch_path(path)
    return f"--- a/{name}\n+++ b/{name}\n" + "".join(hunks), withheld


def _split(group: list[tuple[str, int, int, int, int]], secret: set[int]) -> list[list[tuple[str, int, int, int, int]]]:
    """Split a group of changes where the context between two of them holds a secret: each
    part then ends or starts with that context, which `_hunk` cuts."""
    parts = [[]]
    for k, op in enumerate(group):
        parts[-1].append(op)
        if op[0] == "equal" and 0 < k < len(group) - 1 and secret.intersection(range(op[1], op[2])):
            parts.append([op])
    return parts


def _hunk(group: list[tuple[str, int, int, int, int]], a: list[str], b: list[str], secret: set[int]) -> str | None:
    """One hunk, with context cut short of any line holding a secret; None when it cannot
    be shown (its changed lines, or the context between its changes, hold a secret; or cutting
    left no trailing context in the middle of the file, which git reads as the file's end)."""
    ops = [list(op) for op in group]
    for k, (tag, i1, i2, j1, j2) in enumerate(ops):
        lines = set(range(i1, i2)) & secret
        if not lines:
            continue
        if tag != "equal" or 0 < k < len(ops) - 1:
            return None
        if k == 0:  # leading context: keep what follows the last secret line
            cut = max(lines) + 1
            ops[k] = [tag, cut, i2, j1 + (cut - i1), j2]
        else:       # trailing context: keep what precedes the first secret line
            cut = min(lines)
            if cut == i1 and i1 < len(a):
                return None
            ops[k] = [tag, i1, cut, j1, j1 + (cut - i1)]
    old_lo, old_hi = ops[0][1], ops[-1][2]
    new_lo, new_hi = ops[0][3], ops[-1][4]
    body: list[str] = []

    def add(prefix: str, line: str, last: bool) -> None:
        body.append(prefix + line)
        if last and not line.endswith("\n"):
            body.append("\n" + NO_NEWLINE)

    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            for i in range(i1, i2):
                add(" ", a[i], i == len(a) - 1)
            continue
        for i in range(i1, i2):
            add("-", a[i], i == len(a) - 1)
        for j in range(j1, j2):
            add("+", b[j], j == len(b) - 1)
    old_len, new_len = old_hi - old_lo, new_hi - new_lo
    old_start = old_lo + 1 if old_len else old_lo
    new_start = new_lo + 1 if new_len else new_lo
    return f"@@ -{old_start},{old_len} +{new_start},{new_len} @@\n" + "".join(body)
