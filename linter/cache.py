"""A content-addressed cache of per-file results: `.pipelint_cache/` in the project.

Why there: like `.ruff_cache`, it belongs to the project (a CI cache step can keep it, two
checkouts never share stale entries), and it holds a `.gitignore` of `*` so it is never
committed. PIPELINT_CACHE_DIR names another folder.

An entry's key hashes everything a result depends on: the file's bytes and the name it is
reported under, pipelint's version and code (the stat of every module of the engine and of
every rule pack, plugins included), cfn-lint's version, and the settings. A result that
depended on other files (a rule that looked at the file system, e.g. AS501) is stored with
the questions it asked and their answers (`"fs"`: each path's existence, a digest of each
folder listing), asked again on a hit: any changed answer is a miss. A result that depended
on time or failed (a time limit, an internal error) is not stored. Entries are JSON (never pickle: a cache
folder inside a repository is not trusted code), written to a temporary file and renamed,
so two runs at once never see half an entry; an entry that does not read back is a miss.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, fields
from typing import Any

from linter import sha256
from linter.rule import Edit, Finding, Related

FOLDER = ".pipelint_cache"
FORMAT = "v1"
_FINDING_FIELDS = [f.name for f in fields(Finding)]


def cache_folder(root: str | None) -> str:
    return os.environ.get("PIPELINT_CACHE_DIR") or os.path.join(root or os.getcwd(), FOLDER)


def code_fingerprint(modules: list[Any]) -> str:
    """pipelint's version and code and every rule pack's module files, by stat (a rule
    edited in place changes the key even without a version bump)."""
    import linter

    h = sha256(linter.__version__.encode())
    package = os.path.dirname(linter.__file__)
    paths = set()
    for folder, _, names in os.walk(package):
        paths.update(os.path.join(folder, n) for n in names if n.endswith((".py", ".json")))
    for module in modules:  # a rule pack's module and the helpers beside it (iam_model.py)
        if getattr(module, "__file__", None):
            folder = os.path.dirname(os.path.realpath(module.__file__))
            paths.update(os.path.join(folder, n) for n in os.listdir(folder) if n.endswith(".py"))
    for path in sorted(paths):
        try:
            st = os.stat(path)
        except OSError:
            continue
        h.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def cfn_lint_version() -> str:
    """cfn-lint's version, read from its distribution's metadata without importing it.

    perf: importlib.metadata costs ~13 ms to import alone; the version is in the name of the
    `cfn_lint-<version>.dist-info` folder on sys.path (the first one, as for imports), so
    that is read first and the metadata API is the fallback (an egg, a zip...)."""
    import sys

    for folder in sys.path:
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        found = sorted(n for n in names if n.endswith(".dist-info") and n.lower().startswith(("cfn_lint-", "cfn-lint-")))
        if found:
            return found[0][len("cfn_lint-"):-len(".dist-info")]
    import importlib.metadata

    try:
        return importlib.metadata.version("cfn-lint")
    except importlib.metadata.PackageNotFoundError:
        return "none"


class Cache:
    def __init__(self, folder: str, context: str) -> None:
        self.folder = os.path.join(folder, FORMAT)
        self.context = context           # code, cfn-lint and settings, hashed once per run
        self.hits = self.misses = 0
        self._ready = False

    def key(self, display: str, data: bytes, explicit: bool) -> str:
        h = sha256(self.context.encode())
        h.update(display.encode("utf-8", "surrogatepass") + b"\0" + (b"1" if explicit else b"0") + b"\0")
        h.update(data)
        return h.hexdigest()

    def _path(self, key: str) -> str:
        return os.path.join(self.folder, key[:2], key[2:] + ".json")

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            with open(self._path(key), encoding="utf-8") as f:
                entry = json.load(f)
            if not isinstance(entry, dict) or entry.get("key") != key:
                raise ValueError("not this entry")
        except (OSError, ValueError):
            self.misses += 1
            return None
        self.hits += 1
        return entry

    def put(self, key: str, entry: dict[str, Any]) -> None:
        import tempfile  # written only on a miss

        try:
            self._prepare()
            path = self._path(key)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump({**entry, "key": key}, f, separators=(",", ":"), ensure_ascii=True)
            os.replace(tmp, path)
        except OSError:
            pass  # a read-only checkout or a full disk: the run goes on without the cache

    def _prepare(self) -> None:
        if self._ready:
            return
        root = os.path.dirname(self.folder)
        os.makedirs(root, exist_ok=True)
        for name, text in ((".gitignore", "# written by pipelint\n*\n"),
                           ("CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55\n"
                                            "# pipelint's cache: https://bford.info/cachedir/\n")):
            target = os.path.join(root, name)
            if not os.path.exists(target):
                with open(target, "w", encoding="utf-8") as f:
                    f.write(text)
        self._ready = True


def finding_to_json(f: Finding) -> dict[str, Any]:
    out = asdict(f)
    out["edits"] = [[e.start, e.end, e.text] for e in f.edits]
    out["covers"] = list(f.covers)
    return out


def finding_from_json(data: dict[str, Any]) -> Finding:
    values = {k: data[k] for k in _FINDING_FIELDS if k in data}
    values["edits"] = tuple(Edit(*e) for e in data.get("edits", ()))
    values["covers"] = tuple(data.get("covers", ()))
    values["related"] = tuple(Related(**r) for r in data.get("related", ()))
    return Finding(**values)
