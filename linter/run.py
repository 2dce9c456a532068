"""A run: settings -> discover -> lint each file -> fixes -> Report.

This is the one API the front ends call (the command line, the pre-commit hook through
it, tests; the language server next). It prints nothing and never exits: problems that
are not findings (a missing path, a file that cannot be read or written, a FIFO) are
collected in `Report.problems`, and the caller decides how to show them.
"""

from __future__ import annotations

import gc
import os
import stat
from dataclasses import dataclass, field, fields
from typing import Callable, Iterator

from linter.cache import Cache, cache_folder, cfn_lint_version, code_fingerprint, finding_from_json, finding_to_json
from linter.config import Config, ConfigError, find_config, load_config
from linter.engine import FileResult, Linter, Settings, decode
from linter.kinds import kind_by_hint
from linter.reporters import Report, display_path
from linter.rule import Finding, Rule, remember_listings, still_true


@dataclass
class Options:
    """What a front end asks of a run, beside the settings."""

    paths: list[str] = field(default_factory=lambda: ["."])
    fix: bool = False
    diff: bool = False
    unsafe_fixes: bool = False
    stdin: bytes | None = None            # the bytes '-' stands for
    stdin_filename: str | None = None


def settings_for(kind: str | None = None, select: list[str] | None = None, ignore: list[str] | None = None,
                 config_path: str | None = None, skip_unknown: bool = False,
                 cwd: str | None = None) -> tuple[Settings, Config | None]:
    """Settings from the configuration file (named, or found upward from `cwd`) and the
    command line. Raises ConfigError (and RegistryError) for a bad configuration."""
    from linter import registry

    rules = registry.load().rules
    known = {**{r.id: r.id for r in rules.values()}, **{r.name: r.id for r in rules.values()}}
    for code in (select or []) + (ignore or []):
        if code.upper().startswith("CFN"):
            continue  # cfn-lint's ids are known only once it is loaded
        if code.upper() != "ALL" and code not in known and not any(r.startswith(code.upper()) for r in rules):
            raise ConfigError(f"no rule matches '{code}'")
    config_file = config_path or find_config(cwd or os.getcwd())
    cfg = load_config(config_file, known) if config_file else None
    settings = Settings(
        kind=kind,
        select=select or (cfg.select if cfg else []),
        ignore=(cfg.ignore if cfg else []) + (ignore or []),
        per_file_ignores=cfg.per_file_ignores if cfg else {},
        severity=cfg.severity if cfg else {},
        exclude=cfg.exclude if cfg else [],
        rule_options=_rule_options(cfg),
        skip_unknown=skip_unknown,
        cfn_regions=cfg.cfn_regions if cfg else [],
        cfn_ignore=cfg.cfn_ignore if cfg else [],
        root=cfg.folder if cfg else None,
    )
    if cfg is not None and cfg.max_file_size:
        settings.max_file_size = cfg.max_file_size
    if cfg is not None and cfg.time_limit is not None:
        settings.time_limit = cfg.time_limit
    return settings, cfg


def _rule_options(cfg: Config | None) -> dict[str, dict[str, object]]:
    """`[rules.ID]` options, with each policy given to its POL rule as options (so the
    engine needs no notion of policies, and the cache key changes when a policy does)."""
    if cfg is None:
        return {}
    from linter.policy import options

    out = {rule_id: dict(values) for rule_id, values in cfg.rules.items()}
    for rule_id, values in options(cfg.policy).items():
        out.setdefault(rule_id, {}).update(values)
    return out


def cache_for(settings: Settings, linter: Linter, root: str | None = None) -> Cache:
    """The cache of a run with these settings (its folder, and the part of every key that
    the code, cfn-lint's version and the settings give). `root`: where a run without a
    configuration file starts (default: the current folder)."""
    from linter import sha256
    import json
    from dataclasses import asdict

    context = sha256("\0".join((
        code_fingerprint(linter.registry.modules), cfn_lint_version(),
        json.dumps(asdict(settings), sort_keys=True, default=str))).encode()).hexdigest()
    return Cache(cache_folder(settings.root or root), context)


def read_regular(path: str, limit: int | None = None) -> bytes:
    """The bytes of a regular file (its first `limit` bytes, when given). Raises OSError, or
    NotRegular for a FIFO, a device or a socket (opening one for reading could block the run
    forever: it is opened non-blocking and checked before anything is read)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegular(_what(mode))
        chunks = []
        left = limit
        while left is None or left > 0:
            chunk = os.read(fd, 1 << 20 if left is None else min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            if left is not None:
                left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


class NotRegular(Exception):
    pass


def _what(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


@dataclass
class Outcome:
    """What linting (and fixing) one file gives the report: picklable, so a worker process
    can send it back."""

    display: str
    result: FileResult | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    fixed: int = 0
    applied: list[Finding] = field(default_factory=list)      # the findings whose fixes went in (or in the patch)
    patch: str = ""
    withheld: int = 0
    fixed_stdin: bytes | None = None
    cfn_rules: dict[str, Rule] = field(default_factory=dict)   # metadata of the CFN-* rules it reports


PARALLEL_FILES = 16      # a run of fewer files stays in one process (pre-commit, an editor)
PARALLEL_TEMPLATES = 2   # ... unless it holds this many templates (cfn-lint is the slow part)


def run(options: Options, settings: Settings, linter: Linter | None = None, jobs: int = 1,
        cache: Cache | None = None, on_file: Callable[[int, int, str], None] | None = None) -> Report:
    """Lint (and fix) what `options` names. `jobs` > 1 runs files in that many worker
    processes when the run is large enough to gain from it; the report is the same, in the
    same order, either way. `on_file(done, total, display)` is called in this process as
    each file's outcome arrives (from the cache, this process or a worker), in report order:
    a front end's progress display."""
    linter = linter or Linter(settings)
    remember_listings(True)  # one walk per folder a rule lists (AS501), for this run only
    report = Report(findings=[], files=0, rules=linter.rules)
    tasks: list[Task | str] = []   # a file to lint, or a problem with a path
    for path in options.paths:
        if path == "-":
            tasks.append(Task(options.stdin_filename or "-", None, True, options.stdin or b""))
        elif not os.path.lexists(path):
            tasks.append(f"{path}: no such file or folder")
        else:
            tasks += [Task(os.path.normpath(f), f, explicit) for f, explicit in linter.discover([path])]
    files = [t for t in tasks if isinstance(t, Task)]
    # what the cache holds is answered here, before any worker (or cfn-lint) is started; the
    # bytes read and the key computed for it go on with the files it does not hold
    use_cache = cache is not None and not (options.fix or options.diff)
    known = {i: o for i, o in ((i, _cached(cache, t)) for i, t in enumerate(files)) if o is not None} \
        if use_cache else {}
    todo = [t for i, t in enumerate(files) if i not in known]
    if jobs > 1 and _worth_a_pool(todo):
        fresh = iter(_pool(linter, options, cache if use_cache else None, todo, jobs))
    else:
        fresh = (process(linter, options, cache if use_cache else None, t) for t in todo)
    index = 0
    linted: list[tuple[Task, FileResult]] = []   # parsed files of ours, on disk
    for task in tasks:
        if isinstance(task, str):
            report.problems.append(task)
            continue
        outcome = known[index] if index in known else next(fresh)
        _merge(report, outcome, linter)
        if outcome.result is not None and outcome.result.exports is not None and task.target is not None:
            linted.append((task, outcome.result))
            report.exports[task.display] = outcome.result.exports
        index += 1
        if on_file is not None:
            on_file(index, len(files), task.display)
    if linted:  # the repository view: cross-file rules over what the files export
        from linter.project import project_pass

        project_pass(report, linter, settings, cache if use_cache else None,
                     [(t.display, t.target, r.exports) for t, r in linted])
    report.findings.sort(key=Finding.sort_key)
    report.applied.sort(key=Finding.sort_key)
    report.rules = linter.rules
    remember_listings(False)
    return report


def _merge(report: Report, outcome: Outcome, linter: Linter) -> None:
    report.problems += outcome.problems
    report.notes += outcome.notes
    report.fixed += outcome.fixed
    report.applied += outcome.applied
    report.withheld += outcome.withheld
    if outcome.patch:
        report.patches.append(outcome.patch)
    if outcome.fixed_stdin is not None:
        report.fixed_stdin = outcome.fixed_stdin
    for rule_id, rule in outcome.cfn_rules.items():
        linter.rules.setdefault(rule_id, rule)
    result = outcome.result
    if result is None:
        return
    report.files += 1
    masked = result.masked_text()
    if masked is not None:
        report.sources[outcome.display] = masked
    report.findings.extend(result.findings)


def _worth_a_pool(files: list[Task]) -> bool:
    if any(t.target is None for t in files):
        return False  # stdin: one file
    return len(files) >= PARALLEL_FILES or sum(1 for t in files if _hint(t) == "cloudformation") >= PARALLEL_TEMPLATES


def _hint(task: Task) -> str | None:
    """The kind a cheap look at a file's start gives (kind_by_hint's), to decide on workers,
    on loading cfn-lint early and on what to warm up before forking. AppSpecs for ECS name
    AWS:: types too: their names keep them out of the templates. Worked out once per file."""
    if task.hint == "":
        name = os.path.basename(task.display).lower()
        if "appspec" in name or "buildspec" in name:
            task.hint = "appspec" if "appspec" in name else "buildspec"
            return task.hint
        head = task.data[:65536] if task.data is not None else None
        if head is None:
            try:
                head = read_regular(task.target, 65536)  # never open(): a FIFO would block the run
            except (NotRegular, OSError):
                head = b""
        task.hint = kind_by_hint(task.display, head.decode("utf-8", "replace"))
    return task.hint


# -- worker processes ----------------------------------------------------------------

_WORKER: tuple[Linter, Options, Cache | None] | None = None
# a sample of each kind, linted before forking so that every worker starts with what its
# files need imported and compiled (the IAM tables, 40 ms, only when policies or templates come)
_WARM_UP = (("buildspec", "buildspec.yml",
             b"version: 0.2\nenv: {variables: {A: b}}\nphases: {build: {commands: [make]}}\n"),
            ("appspec", "appspec.yml", b"version: 0.0\nos: linux\nhooks: {ValidateService: [{location: a.sh}]}\n"),
            ("pipeline", "pipeline.json", b'{"pipeline": {"name": "p", "roleArn": "r", "stages": []}}'),
            ("iam-policy", "policy.json",
             b'{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}'))


def _pool(linter: Linter, options: Options, cache: Cache | None, files: list[Task], jobs: int) -> Iterator[Outcome]:
    """Outcomes in the order of `files`, from `jobs` forked workers. The parent loads
    cfn-lint first when the run has templates, so every worker starts with it loaded."""
    import concurrent.futures
    import multiprocessing

    global _WORKER
    try:
        context = multiprocessing.get_context("fork")
    except ValueError:  # no fork (Windows): one process
        yield from (process(linter, options, cache, t) for t in files)
        return
    kinds = {_hint(t) for t in files}
    if "cloudformation" in kinds and linter._cfn_wanted("template.yaml"):
        linter.cfn()
    if "cloudformation" in kinds or None in kinds:  # a template, or a file of a kind unknown yet
        kinds |= {"iam-policy", "buildspec"}       # (inline policies and buildspecs)
    for kind, name, sample in _WARM_UP:  # import and compile what the files need once, before forking
        if kind in kinds:
            linter.lint_file(name, sample)
    _WORKER = (linter, options, cache)
    gc.freeze()  # forked workers share the parent's objects instead of copying them at their first GC
    done = 0
    try:
        with concurrent.futures.ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            chunk = max(1, min(16, len(files) // (jobs * 8)))
            for outcome in pool.map(_work, files, chunksize=chunk):
                done += 1
                yield outcome
    except concurrent.futures.process.BrokenProcessPool:  # a worker died (memory?): finish here
        yield from (process(linter, options, cache, t) for t in files[done:])
    finally:
        _WORKER = None
        gc.unfreeze()


def _work(task: Task) -> Outcome:
    assert _WORKER is not None, "a worker forked from run()"
    linter, options, cache = _WORKER
    return process(linter, options, cache, task)


# -- one file --------------------------------------------------------------------------

@dataclass
class Task:
    """One file of a run: its name in the report, where it is on disk (None: stdin), and,
    once read, its bytes and cache key."""

    display: str
    target: str | None
    explicit: bool
    data: bytes | None = None
    key: str | None = None
    hint: str | None = ""    # the kind its start suggests (_hint; "": not looked at yet)


def _cached(cache: Cache, task: Task) -> Outcome | None:
    """The outcome the cache holds for a file, or None (then the file is linted, with the
    bytes and the key read here)."""
    if task.target is None:
        return None
    try:
        task.data = read_regular(task.target)
    except (NotRegular, OSError):
        return None  # process() says what is wrong with it
    task.key = cache.key(task.display, task.data, task.explicit)
    entry = cache.get(task.key)
    if entry is None:
        return None
    if entry.get("fs") and not still_true(os.path.dirname(os.path.abspath(task.target)), entry["fs"]):
        cache.hits, cache.misses = cache.hits - 1, cache.misses + 1  # a file it looked at changed
        return None
    outcome = Outcome(task.display)
    outcome.result = _from_entry(task.display, task.data, entry, outcome)
    return outcome


def process(linter: Linter, options: Options, cache: Cache | None, task: Task) -> Outcome:
    """Read (unless run() has), lint and fix one file, and store its result in `cache`."""
    display, target, explicit = task.display, task.target, task.explicit
    outcome = Outcome(display)
    data = task.data
    if data is None:
        try:
            data = read_regular(target)
        except NotRegular as exc:  # named: the user asked for it; found in a folder: a note
            (outcome.problems if explicit else outcome.notes).append(
                f"{display_path(target)}: skipped: it is {exc}, not a regular file")
            return outcome
        except OSError as exc:
            outcome.problems.append(f"{display_path(target)}: cannot read: {exc.strerror or exc}")
            return outcome
    folder = os.path.dirname(os.path.abspath(target)) if target else None
    result = linter.lint_file(display, data, explicit, folder)
    if cache is not None and target is not None and (result is None or not result.volatile):
        cache.put(task.key or cache.key(display, data, explicit), _to_entry(result, linter))
    if options.fix and target is None:
        outcome.fixed_stdin = data  # stdin with --fix: the text goes back out, fixed or not
    if result is not None and result.text is not None and (options.fix or options.diff):
        result = _fix(linter, options, outcome, result, display, explicit, folder, target)
    outcome.result = result
    for f in result.findings if result is not None else ():
        if f.rule.startswith("CFN-") and f.rule not in outcome.cfn_rules and f.rule in linter.rules:
            outcome.cfn_rules[f.rule] = linter.rules[f.rule]
    return outcome


def _to_entry(result: FileResult | None, linter: Linter) -> dict:
    if result is None:
        return {"skip": True}
    rules = {f.rule for f in result.findings if f.rule.startswith("CFN-")}
    entry = {"findings": [finding_to_json(f) for f in result.findings], "masks": result.masks, "bom": result.bom,
             "rules": {r: _rule_json(linter.rules[r]) for r in sorted(rules)}, "exports": result.exports}
    if result.depends:
        entry["fs"] = result.depends  # re-asked on a hit (rule.still_true): a changed answer is a miss
    return entry


def _from_entry(display: str, data: bytes, entry: dict, outcome: Outcome) -> FileResult | None:
    if entry.get("skip"):
        return None
    text, _ = decode(data)
    for rule_id, meta in entry.get("rules", {}).items():
        outcome.cfn_rules[rule_id] = Rule(**{**meta, "kinds": tuple(meta.get("kinds", ()))})
    return FileResult(display, [finding_from_json(f) for f in entry["findings"]], text,
                      [tuple(m) for m in entry.get("masks", [])], bool(entry.get("bom")),
                      exports=entry.get("exports"))


def _rule_json(rule: Rule) -> dict:
    """A cfn-lint rule's metadata as JSON (it has no check or options of its own)."""
    return {f.name: getattr(rule, f.name) for f in fields(Rule)
            if f.name not in ("check", "options", "example_options", "project")}


def _fix(linter: Linter, options: Options, outcome: Outcome, result: FileResult, display: str, explicit: bool,
         folder: str | None, target: str | None) -> FileResult:
    from linter.fixes import encode, fix, unified_diff, write_atomic  # only --fix and --diff need them

    text = result.text or ""
    relinted: dict[str, FileResult | None] = {}

    def relint(new_text: str) -> list[Finding] | None:
        relinted[new_text] = linter.lint_file(display, encode(new_text, result.bom), explicit, folder)
        found = relinted[new_text]
        return found.findings if found is not None else None

    fixed = fix(text, result.findings, relint, options.unsafe_fixes)
    if fixed.refused:
        rule = linter.rules["PL010"]
        result.findings.append(Finding(display, 1, 1, 1, 1, rule.id, rule.name, rule.category, rule.severity,
                                       f"{'--diff' if options.diff else '--fix'} left the file unchanged: "
                                       f"{fixed.refused}", rule.fix))
        return result
    if not fixed.applied:
        return result
    if options.diff:
        outcome.patch, outcome.withheld = unified_diff(text, fixed.text, display, result.masks)
        outcome.applied = fixed.applied
        return result
    if target is None:  # stdin: the fixed text goes to stdout
        outcome.fixed_stdin = encode(fixed.text, result.bom)
    elif os.path.islink(target):
        outcome.notes.append(f"{display}: not fixed: it is a symbolic link; run --fix on the file it points to")
        return result
    else:
        try:
            write_atomic(target, encode(fixed.text, result.bom))
        except OSError as exc:
            outcome.problems.append(f"{display}: cannot write the fixes: {exc.strerror or exc}; "
                                    "the file is unchanged")
            return result
    outcome.fixed += len(fixed.applied)
    outcome.applied = fixed.applied
    return relinted.get(fixed.text) or result


# -- in-memory buffers (the language server) ---------------------------------------------

def use_settings(linter: Linter, settings: Settings) -> None:
    """Give a long-lived linter new settings (a configuration file changed, or a file of
    another workspace folder). cfn-lint stays loaded unless its own settings changed."""
    old, linter.settings = linter.settings, settings
    if (old.cfn_regions, old.cfn_ignore) != (settings.cfn_regions, settings.cfn_ignore):
        linter._cfn = None


def lint_text(linter: Linter, path: str, text: str, folder: str | None = None) -> FileResult | None:
    """An editor's buffer: the file at `path` as `text` holds it, not as the disk does.
    `folder` is where the file lies (None: an unsaved buffer; the checks of the files it
    names are skipped). None for a file of no known kind or one the configuration
    excludes: an editor shows nothing for those."""
    if linter.excluded(path):
        return None
    result = linter.lint_file(path, text.encode("utf-8"), False, folder)
    if result is not None and text.startswith("\ufeff"):  # a BOM the editor kept: linted without it
        _shift_past_bom(result, text)
    return result


def _shift_past_bom(result: FileResult, text: str) -> None:
    """Positions and offsets of a buffer read without its leading U+FEFF, moved back onto
    the buffer (one character further on the first line, one offset further everywhere)."""
    from dataclasses import replace

    for f in result.findings:
        f.column += f.line == 1
        f.end_column += f.end_line == 1
        f.edits = tuple(replace(e, start=e.start + 1, end=e.end + 1) for e in f.edits)
    result.masks = [(start + 1, end + 1) for start, end in result.masks]
    result.text = text


def fix_text(linter: Linter, path: str, text: str, folder: str | None = None,
             unsafe: bool = False):  # noqa: ANN201 - linter.fixes.FixOutcome, imported lazily
    """The buffer's safe fixes (and unsafe ones with `unsafe`) through linter.fixes, so the
    result is linted again and refused when it parses worse; None when nothing applies."""
    from linter.fixes import fix

    result = lint_text(linter, path, text, folder)
    if result is None or result.text is None:
        return None

    def relint(new_text: str) -> list[Finding] | None:
        again = lint_text(linter, path, new_text, folder)
        return again.findings if again is not None else None

    outcome = fix(text, result.findings, relint, unsafe)
    return outcome if outcome.applied and outcome.refused is None else None


def parse_text(path: str, text: str, kind: str | None = None):  # noqa: ANN201 - a Document
    """The parsed Document of a buffer (for a position's node and pointer), or None when it
    does not parse to a tree."""
    from linter.document import Document
    from linter.engine import _load_yaml, file_format
    from linter.json_loader import load_json
    from linter.kinds import kind_by_content, kind_by_name

    fmt = file_format(path, text)
    root, _ = load_json(text) if fmt == "json" else _load_yaml(text)
    if root is None:
        return None
    kind = kind or kind_by_name(path) or kind_by_content(path, root.data)
    return Document(path=path, text=text, kind=kind, fmt=fmt, root=root)
