""".gitignore files, honoured when a folder inside a git work tree is walked.

Read by pipelint itself, never by running git: a repository's git configuration can name
programs to run (core.fsmonitor), and nothing a linted repository holds is ever executed.
What is read: the `.gitignore` of every folder from the work tree's top down to the folder
walked, and of every folder below it, plus `.git/info/exclude`. The rules are git's: blank
lines and `#` comments are skipped, `!` re-includes, a trailing `/` matches folders only, a
pattern with a `/` (other than a trailing one) is anchored to the folder of its file, `*`
and `?` do not cross `/`, `**` does; the last matching pattern wins.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class _Pattern:
    base: str            # the folder of the .gitignore, relative to the work tree ('' for the top)
    regex: re.Pattern[str]
    negate: bool
    dir_only: bool


def work_tree(folder: str) -> str | None:
    """The top of the git work tree holding `folder`, or None."""
    current = os.path.abspath(folder)
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _translate(pattern: str) -> str:
    out, i, n = [], 0, len(pattern)
    while i < n:
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("/**", i) and i + 3 == n:
            out.append("/.*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            j = pattern.find("]", i + 1)
            if j < 0:
                out.append(re.escape(c))
                i += 1
            else:
                body = pattern[i + 1:j].replace("\\", "\\\\")
                out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
                i = j + 1
        elif c == "\\" and i + 1 < n:
            out.append(re.escape(pattern[i + 1]))
            i += 2
        else:
            out.append(re.escape(c))
            i += 1
    return "".join(out)


def _parse(text: str, base: str) -> list[_Pattern]:
    patterns = []
    for raw in text.splitlines():
        line = raw.rstrip("\r")
        if not line.strip() or line.startswith("#"):
            continue
        line = re.sub(r"(?<!\\)\s+$", "", line)
        negate = line.startswith("!")
        if negate:
            line = line[1:]
        dir_only = line.endswith("/")
        line = line.rstrip("/")
        if not line:
            continue
        anchored = "/" in line
        body = _translate(line.lstrip("/"))
        regex = re.compile(("" if anchored else "(?:.*/)?") + body + "$")
        patterns.append(_Pattern(base, regex, negate, dir_only))
    return patterns


class GitIgnore:
    """The ignore rules of one work tree, loaded folder by folder as a walk meets them."""

    def __init__(self, top: str) -> None:
        self.top = top
        self._patterns: dict[str, list[_Pattern]] = {}
        exclude = os.path.join(top, ".git", "info", "exclude")
        self._extra = _parse(_read(exclude), "") if os.path.isfile(exclude) else []

    def _for(self, rel_folder: str) -> list[_Pattern]:
        if rel_folder not in self._patterns:
            path = os.path.join(self.top, rel_folder, ".gitignore")
            self._patterns[rel_folder] = _parse(_read(path), rel_folder) if os.path.isfile(path) else []
        return self._patterns[rel_folder]

    def ignored(self, path: str, is_dir: bool) -> bool:
        """Is `path` (on disk) ignored? Patterns of every folder above it count, deepest last."""
        rel = os.path.relpath(os.path.abspath(path), self.top).replace(os.sep, "/")
        if rel.startswith("../") or rel == "..":
            return False
        parts = rel.split("/")
        folders = [""] + ["/".join(parts[:i]) for i in range(1, len(parts))]
        verdict = False
        for pattern in self._extra + [p for folder in folders for p in self._for(folder)]:
            if pattern.dir_only and not is_dir:
                continue
            sub = rel[len(pattern.base) + 1:] if pattern.base else rel
            if pattern.regex.match(sub):
                verdict = not pattern.negate
        return verdict


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read(1 << 20)
    except OSError:
        return ""
