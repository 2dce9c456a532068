"""The repository view: the project pass that runs after every file is linted.

Each parsed file exports a small JSON-able summary of what it offers other files (the rule
packs' `EXPORTS` hooks: a buildspec's artifacts and the files its commands write, a
template's projects, pipelines, deployment groups, task definitions and parameters, an
appspec's platform, scripts and ECS target), cached with its findings. The project pass
builds a `ProjectContext` over them and runs the cross-file (XF) rules, whose findings sit
in the file that names the other, with the other as a `Related` location.

The repository root is the top of the git work tree holding the run's paths, else the
configuration file's folder, else the current folder (when the paths are below it), else
the common folder of the paths. A repository source action's artifact is the folder,
from the pipeline's file up to the root, where the paths the pipeline reads from it are
(the root in a plain repository; a sample's folder in a repository of samples); when
none of them is anywhere, nor a near miss of one, the artifact is another repository's,
and its files are unknown. Files the run does not
name are read only when a rule asks for one by path (`ctx.exports_at`): their exports come
from the cache, or from parsing them (no checks run, no findings kept). Findings are
reported only for the files the run named.

An editor's workspace (the language server) runs the same pass through
`project_findings`: the root is the workspace folder, every file `pipelint check` would
find there is named, open buffers' texts stand in for the disk's, and an `ExportsMemo`
keeps exports (and near misses) between passes, so a pass after one change parses one file.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from linter.rule import Finding, Related, Rule
from linter.suggest import did_you_mean

REPO_SOURCES = ("CodeCommit", "CodeStarSourceConnection", "GitHub", "Bitbucket", "GitLab", "GitHubEnterpriseServer")


# what a rule may ask of a file the run does not name before reading its exports (read_marked)
MARKS = (b"CodeDeploy", b"Stages", b"stages", b"AWS::Lambda::Function", b"AWS::Serverless::Function",
         b"AWS::CodeDeploy::Application")
MARKED_LIMIT = 2 * 1024 * 1024


@dataclass
class ProjectFile:
    display: str            # the name findings are reported under
    rel: str                # relative to the repository root, '/'-separated
    exports: dict
    named: bool             # the run named it: its findings are reported

    @property
    def kind(self) -> str | None:
        return self.exports.get("kind")


class ProjectContext:
    """What a project rule sees of the repository, and the way it reports."""

    def __init__(self, root: str, files: list[ProjectFile], load: Callable[[str, str], dict | None],
                 walk: Callable[[str], list[str]] | None = None) -> None:
        self.root = root
        self.files = {f.rel: f for f in files}
        self._load = load           # (absolute path, display) -> exports
        self._walk = walk
        self._paths: list[str] | None = None
        self._exists: dict[str, bool] = {}
        self._below: dict[str, list[str]] = {}
        self._near: dict[tuple[str, str], str | None] = {}
        self._named: dict[tuple[tuple[str, ...], int], list[ProjectFile]] = {}
        self._marked: dict[str, frozenset[bytes]] = {}
        self.rule: Rule | None = None
        self.deferred: set[tuple[str, str]] = set()   # (display, rule id): findings the project pass replaces
        self.anchors: dict[tuple[str, str, str], str | None] = {}  # (file, pipeline, artifact): its folder here
        self.sources: dict[tuple[str, str, str], Any] = {}    # (file, pipeline, artifact): its Source, once resolved

    # -- files ---------------------------------------------------------------------------
    def named(self, *kinds: str) -> Iterator[ProjectFile]:
        """The files the run named, of these kinds (all: none given), in path order. Worked
        out once per kinds and set of files: rules ask it for every action."""
        key = (kinds, len(self.files))
        found = self._named.get(key)
        if found is None:
            found = self._named[key] = [self.files[rel] for rel in sorted(self.files)
                                        if self.files[rel].named and (not kinds or self.files[rel].kind in kinds)]
        return iter(found)

    def pipeline_files(self) -> list[ProjectFile]:
        """Every file with pipelines the pass knows: the named ones and those `discover` read."""
        return [self.files[rel] for rel in sorted(self.files) if self.files[rel].exports.get("pipelines")]

    def discover(self) -> None:
        """Read the repository's other files that may hold a pipeline with a CodeDeploy action
        (a run that names an AppSpec but not the template deploying it): their findings are
        never reported, but what they say about the named files counts (AS501 defers)."""
        self.read_marked(lambda marks: b"CodeDeploy" in marks and bool(marks & {b"Stages", b"stages"}))

    def read_marked(self, wanted: Callable[[frozenset[bytes]], bool]) -> None:
        """Read, for their exports, the repository's other files (up to 2 MiB) whose MARKS
        `wanted` accepts. Each file is read once per pass, whichever rule asks."""
        from linter.engine import LINTABLE

        for rel in self.paths():
            if rel not in self.files and rel.lower().endswith(LINTABLE) and wanted(self._marks(rel)):
                self.file(rel)

    def _marks(self, rel: str) -> frozenset[bytes]:
        """The MARKS a file of the repository holds (none when it is over 2 MiB or unreadable)."""
        found = self._marked.get(rel)
        if found is None:
            from linter.run import NotRegular, read_regular

            try:  # never open(): a FIFO in the repository would block the run
                data = read_regular(os.path.join(self.root, rel), MARKED_LIMIT + 1)
            except (NotRegular, OSError):
                data = b""
            found = self._marked[rel] = frozenset(m for m in MARKS if m in data) \
                if len(data) <= MARKED_LIMIT else frozenset()
        return found

    @staticmethod
    def normal(rel: str) -> str | None:
        """A path relative to the root, normalised; None when it leaves the root or is unknown."""
        if not isinstance(rel, str) or not rel.strip() or "$" in rel or "{" in rel:
            return None
        rel = posixpath.normpath(rel.strip().replace("\\", "/").lstrip("/"))
        return None if rel == ".." or rel.startswith("../") else rel

    def exists(self, rel: str) -> bool:
        if rel not in self._exists:
            self._exists[rel] = rel in self.files or os.path.isfile(os.path.join(self.root, rel))
        return self._exists[rel]

    def file(self, rel: str) -> ProjectFile | None:
        """The file at `rel` with its exports (read now when the run did not name it)."""
        if rel in self.files:
            return self.files[rel]
        if not self.exists(rel):
            return None
        full = os.path.join(self.root, rel)
        display = os.path.relpath(full)
        display = full if display.startswith("..") else display
        exports = self._load(full, display)
        if exports is None:
            return None
        self.files[rel] = ProjectFile(display, rel, exports, False)
        return self.files[rel]

    def paths(self) -> list[str]:
        """Every file under the root (relative), for did-you-mean."""
        if self._paths is None:
            self._paths = self._walk(self.root) if self._walk else []
        return self._paths

    def suggestions(self, base: str) -> list[str]:
        """The repository's files below `base`, relative to it."""
        if base not in self._below:
            self._below[base] = [p[len(base) + 1:] for p in self.paths() if p.startswith(base + "/")] \
                if base else self.paths()
        return self._below[base]

    def near_miss(self, rel: str, base: str = "") -> str | None:
        """A path below `base` spelt almost like `rel` (difflib over at most 20000 paths: ~35 ms)."""
        key = (rel, base)
        if key not in self._near:
            self._near[key] = did_you_mean(rel, self.suggestions(base), cutoff=0.8)
        return self._near[key]

    def suggest(self, rel: str, base: str = "") -> str | None:
        """The path `rel` (relative to `base`, a folder of the repository) most likely meant."""
        guess = self.near_miss(rel, base)
        if guess is None:  # the same name in another folder
            same = [p for p in self.suggestions(base) if posixpath.basename(p) == posixpath.basename(rel)]
            guess = same[0] if len(same) == 1 else None
        return guess

    # -- reporting -------------------------------------------------------------------------
    def report(self, file: ProjectFile, position: list[Any] | None, message: str,
               related: list[tuple[ProjectFile | str, list[Any] | None, str]] = (), *,
               fix: str | None = None, severity: str | None = None) -> Finding:
        rule = self.rule
        assert rule is not None
        line, col, end_line, end_col, pointer = position or [1, 1, 1, 1, ""]
        if end_line > line:
            end_line, end_col = line, col + 1
        rel = tuple(Related(r.display if isinstance(r, ProjectFile) else r, (p or [1, 1])[0], (p or [1, 1])[1], m)
                    for r, p, m in related)
        return Finding(file.display, line, col, end_line, end_col, rule.id, rule.name, rule.category,
                       severity or rule.severity, message, rule.fix if fix is None else fix, pointer,
                       related=rel)

    def defer(self, file: ProjectFile, rule_id: str) -> None:
        """Drop `rule_id`'s per-file findings in `file`: the project pass checks it better."""
        self.deferred.add((file.display, rule_id))


# -- the pipeline model over exports ------------------------------------------------------------

@dataclass
class Build:
    """A CodeBuild action's project and the buildspec it runs."""

    project_id: str
    project: dict
    spec_rel: str | None        # the buildspec's path in the repository (None: inline or unknown)
    spec: ProjectFile | None     # its file, when it is in the repository
    exports: dict | None         # the buildspec's exports (inline or from the file); None: unknown
    from_repo: bool              # the primary source is the repository
    base: str = ""               # then: the repository folder that is the source's root ("" the root)


@dataclass
class Source:
    """Where an artifact comes from: the repository (`build` None), or a build's output block."""

    action: dict
    build: Build | None = None
    block: dict | None = None    # the buildspec's artifacts block for this output (None: none)
    name: str = ""
    base: str = ""               # the repository: the folder that is its root ("" the repository's root)


def join(base: str, rel: str) -> str:
    return posixpath.join(base, rel) if base else rel


def value_text(item: list[Any] | None) -> str | None:
    if item is None or not isinstance(item[0], str):
        return None
    return item[0]


def find_project(file: ProjectFile, action: dict, ctx: ProjectContext | None = None) -> tuple[str, dict] | None:
    """The CodeBuild project a build action runs: in the same template (by Ref or by its
    Name); for a pipeline JSON declaration, the one project of that Name among the
    templates the run names."""
    item = action["config"].get("ProjectName")
    projects = file.exports.get("projects") or {}
    if item is None:
        return None
    value = item[0]
    if isinstance(value, dict) and "ref" in value and value["ref"] in projects:
        return value["ref"], projects[value["ref"]]
    if isinstance(value, dict) and "sub" in value:  # !Sub "${App}-build": the project whose Name is the same !Sub
        found = [(pid, p) for pid, p in sorted(projects.items()) if (p.get("name") or [None])[0] == value]
        return found[0] if len(found) == 1 else None
    if not isinstance(value, str):
        return None
    for pid, project in sorted(projects.items()):
        if value_text(project.get("name")) == value:
            return pid, project
    if file.kind == "pipeline" and ctx is not None:
        found = [(pid, p) for t in ctx.named("cloudformation") for pid, p in sorted((t.exports.get("projects") or {})
                 .items()) if value_text(p.get("name")) == value]
        return found[0] if len(found) == 1 else None
    return None


def build_of(ctx: ProjectContext, file: ProjectFile, pipeline: dict, action: dict) -> Build | None:
    found = find_project(file, action, ctx)
    if found is None:
        return None
    pid, project = found
    primary = value_text(action["config"].get("PrimarySource"))
    inputs = [i[0] for i in action["inputs"]]
    first = primary if primary in inputs else (inputs[0] if inputs else None)
    source = source_of(ctx, file, pipeline, first) if first else None
    from_repo = source is not None and source.build is None
    base = source.base if from_repo else ""
    spec = project.get("buildspec")
    if "BuildspecOverride" in action["config"]:
        # CodePipeline's CodeBuild action has no such key (CP106 says so): the project's
        # buildspec runs, not the one the author meant; what either puts in the output is
        # left unjudged, one finding for one mistake
        return Build(pid, project, None, None, None, from_repo, base)
    if project.get("inline") is not None:
        return Build(pid, project, None, None, project["inline"], from_repo, base)
    if spec is not None and not isinstance(spec[0], str):
        return Build(pid, project, None, None, None, from_repo, base)
    text = spec[0] if spec is not None and spec[0].strip() else "buildspec.yml"
    rel = ctx.normal(text) if not text.startswith("arn:") else None
    if rel is None or not from_repo:
        return Build(pid, project, rel, None, None, from_repo, base)
    rel = join(base, rel)
    spec_file = ctx.file(rel)
    exports = spec_file.exports if spec_file is not None and spec_file.kind == "buildspec" else None
    return Build(pid, project, rel, spec_file, exports, from_repo, base)


def producers(pipeline: dict) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for stage in pipeline["stages"]:
        for action in stage["actions"]:
            for name, _ in action["outputs"]:
                if name is not None:
                    out.setdefault(name, action)
    return out


def source_of(ctx: ProjectContext, file: ProjectFile, pipeline: dict, artifact: str | None) -> Source | None:
    """What an artifact holds: the repository (a repository source action's output), a
    build's output (with the buildspec block that fills it), or None (unknown)."""
    if artifact is None:
        return None
    key = (file.rel, pipeline["id"], artifact)
    if key not in ctx.sources:
        ctx.sources[key] = None  # while it is resolved: an artifact that leads back to itself is unknown
        ctx.sources[key] = _source_of(ctx, file, pipeline, artifact)
    return ctx.sources[key]


def _source_of(ctx: ProjectContext, file: ProjectFile, pipeline: dict, artifact: str) -> Source | None:
    action = producers(pipeline).get(artifact)
    if action is None:
        return None
    if action["category"] == "Source" and action["provider"] in REPO_SOURCES:
        base = source_root(ctx, file, pipeline, artifact)
        return Source(action, name=artifact, base=base) if base is not None else None
    if action["category"] in ("Build", "Test") and action["provider"] == "CodeBuild":
        build = build_of(ctx, file, pipeline, action)
        if build is None or build.exports is None:
            return None
        outputs = [o[0] for o in action["outputs"]]
        if len(outputs) > 1:
            block = (build.exports.get("secondary") or {}).get(artifact)
        else:
            block = build.exports.get("artifacts")
        return Source(action, build, block, artifact)
    return None


def read_from(file: ProjectFile, pipeline: dict, artifact: str, ctx: ProjectContext | None = None) -> list[str]:
    """The paths the pipeline's actions read from a source artifact, from their configuration."""
    out: list[str] = []
    for stage in pipeline["stages"]:
        for action in stage["actions"]:
            config, provider = action["config"], action["provider"]
            inputs = [i[0] for i in action["inputs"]]
            first = inputs[0] if inputs else None
            if provider == "CodeBuild":
                primary = value_text(config.get("PrimarySource"))
                if (primary if primary in inputs else first) != artifact:
                    continue
                found = find_project(file, action, ctx)
                spec = found[1].get("buildspec") if found else None
                if found and found[1].get("inline") is None and (spec is None or isinstance(spec[0], str)):
                    out.append(spec[0] if spec is not None and spec[0].strip() else "buildspec.yml")
            elif provider == "CloudFormation":
                for key in ("TemplatePath", "TemplateConfiguration"):
                    text = value_text(config.get(key)) or ""
                    if text.startswith(artifact + "::"):
                        out.append(text.split("::", 1)[1])
            elif provider == "CodeDeploy" and first == artifact:
                out += ["appspec.yml", "appspec.yaml"]
            elif provider == "ECS" and first == artifact:
                out.append(value_text(config.get("FileName")) or "imagedefinitions.json")
            elif provider == "CodeDeployToECS":
                for art, path, default in (("TaskDefinitionTemplateArtifact", "TaskDefinitionTemplatePath", "taskdef.json"),
                                           ("AppSpecTemplateArtifact", "AppSpecTemplatePath", "appspec.yaml")):
                    if value_text(config.get(art)) == artifact:
                        out.append(value_text(config.get(path)) or default)
    return out


def folders_up(rel: str) -> list[str]:
    """The folders from a file's own up to the repository's root ("")."""
    folders, folder = [], posixpath.dirname(rel)
    while folder:
        folders.append(folder)
        folder = posixpath.dirname(folder)
    return folders + [""]


def source_root(ctx: ProjectContext, file: ProjectFile, pipeline: dict, artifact: str) -> str | None:
    """Which folder of this repository a repository source action's artifact is: "" (the
    root) or a folder between the pipeline's file and the root (a repository of samples),
    the nearest where a path the pipeline reads from it is, else the nearest with a near
    miss of one. None when there is none: a template often deploys another repository (an
    infrastructure repository's pipeline for an application's), whose files are unknown
    here, not missing."""
    key = (file.rel, pipeline["id"], artifact)
    if key not in ctx.anchors:
        paths = [p for p in (ctx.normal(t) for t in read_from(file, pipeline, artifact, ctx)) if p]
        folders = folders_up(file.rel)
        found = None if paths else ""
        for folder in folders if paths else ():
            if any(ctx.exists(join(folder, p)) for p in paths):
                found = folder
                break
        for folder in folders if paths and found is None else ():
            # a typo of a path read, not the same path inside a subfolder (`api/buildspec.yml` for
            # `buildspec.yml`: the artifact is that subfolder's repository, whose files are unknown)
            guesses = [(p, ctx.near_miss(p, folder)) for p in paths]
            if any(g is not None and not g.endswith("/" + p) for p, g in guesses):
                found = folder
                break
        ctx.anchors[key] = found
    return ctx.anchors[key]


def actions(file: ProjectFile) -> Iterator[tuple[dict, dict, dict]]:
    """(pipeline, stage, action) of every pipeline of a file."""
    for pipeline in file.exports.get("pipelines") or ():
        for stage in pipeline["stages"]:
            for action in stage["actions"]:
                yield pipeline, stage, action


# -- which files an artifact holds --------------------------------------------------------------

def clean(path: str) -> str:
    """A path or pattern as the build reads it: `./` and leading slashes dropped, normalised."""
    path = path.strip().replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    path = posixpath.normpath(path.lstrip("/")) if path.strip("./") else "*"
    return path


def glob_regex(pattern: str) -> re.Pattern[str]:
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def holds(ctx: ProjectContext, source: Source, target: str) -> tuple[bool | None, str | None]:
    """Does the artifact hold `target` at its root-relative path? (True, the repository
    path it comes from) / (False, why) / (None, None) when that cannot be known."""
    if source.build is None:  # the repository itself
        full = join(source.base, target)
        return ctx.exists(full), full
    block = source.block
    if block is None:
        return False, "the buildspec has no artifacts for it"
    patterns = [f[0] for f in block.get("files") or ()]
    if not patterns or any(not isinstance(p, str) or "$" in p for p in patterns):
        return None, None
    base = block.get("base")
    if base is not None and not isinstance(base[0], str):
        return None, None
    base_dir = ctx.normal(base[0]) if base is not None else None
    if base is not None and base_dir is None:
        return None, None
    regexes = [glob_regex(clean(p)) for p in patterns]
    top = join(source.build.base, base_dir if base_dir not in (None, ".") else "")
    top = top.rstrip("/")
    if block.get("discard"):
        if "/" in target:
            return False, "discard-paths flattens every file to the artifact's root"
        candidates = [p for p in _written(source) + (ctx.paths() if source.build.from_repo else [])
                      if posixpath.basename(p) == target]
        for c in candidates:
            inner = c if not top else (c[len(top) + 1:] if c.startswith(top + "/") else None)
            if inner is not None and any(r.match(inner) for r in regexes):
                return True, c
        if not candidates or any(glob_regex(posixpath.basename(clean(p))).match(target) for p in patterns):
            return None, None  # a pattern can take a file of that name the build makes in ways not read here
        return False, "no files pattern takes it"
    if not any(r.match(target) for r in regexes):
        return False, "no files pattern takes it"
    return True, join(top, target)


def _written(source: Source) -> list[str]:
    exports = source.build.exports if source.build else None
    base = source.build.base if source.build else ""
    return [join(base, clean(w["path"])) for w in (exports or {}).get("writes", ()) if not w.get("dir")]


def copied_from(source: Source, rel: str) -> str | None:
    """The repository file a build's command copies to `rel` (`cp a b`), or None."""
    base = source.build.base if source.build else ""
    for w in ((source.build.exports if source.build else None) or {}).get("writes", ()):
        target = join(base, clean(w["path"]))
        if w.get("from") and target == rel:
            return join(base, clean(w["from"]))
        if w.get("from") and rel.startswith(target + "/"):  # `cp -r src dst`: dst/x comes from src/x
            return join(base, clean(w["from"] + "/" + rel[len(target) + 1:]))
    return None


def made(ctx: ProjectContext, source: Source, rel: str) -> bool | None:
    """Is the repository path `rel` in the build's output: a file of the repository (when the
    build's source is the repository) or one a command writes? None: cannot tell (a build
    makes files in ways not read here)."""
    if rel in _written(source) or source.build is not None and source.build.from_repo and ctx.exists(rel):
        return True
    base = source.build.base if source.build else ""
    for w in ((source.build.exports if source.build else None) or {}).get("writes", ()):
        if w.get("dir") and rel.startswith(join(base, clean(w["path"])) + "/"):
            return True  # below a folder the build makes (`mkdir -p`): filled in ways not read here
    return None


def patterns_text(source: Source) -> str:
    block = source.block or {}
    files = ", ".join(repr(f[0]) for f in block.get("files") or ())
    base = block.get("base")
    return f"files {files}" + (f" under base-directory {base[0]!r}" if base else "")


# -- the pass ----------------------------------------------------------------------------------

def repository_root(paths: list[str], config_folder: str | None) -> str:
    from linter.gitignore import work_tree

    folders = [os.path.abspath(p if os.path.isdir(p) else os.path.dirname(p) or ".") for p in paths if p != "-"]
    try:
        common = os.path.commonpath(folders) if folders else os.getcwd()
    except ValueError:  # paths on several drives
        common = folders[0]
    top = work_tree(common) or config_folder
    if top:
        return top
    cwd = os.getcwd()  # no work tree and no configuration: where the run starts, when the paths are below it
    return cwd if all(f == cwd or f.startswith(cwd.rstrip(os.sep) + os.sep) for f in folders) else common


def walk_files(root: str, limit: int = 20000) -> list[str]:
    from linter.engine import skip_dir
    from linter.gitignore import GitIgnore

    ignore = GitIgnore(root) if os.path.exists(os.path.join(root, ".git")) else None
    found: list[str] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not skip_dir(folder, d)
                         and not (ignore and ignore.ignored(os.path.join(folder, d), True)))
        rel = os.path.relpath(folder, root).replace(os.sep, "/")
        for name in sorted(names):
            if ignore and ignore.ignored(os.path.join(folder, name), False):
                continue
            found.append(name if rel == "." else f"{rel}/{name}")
        if len(found) >= limit:
            break
    return found


def project_pass(report: Any, linter: Any, settings: Any, cache: Any,
                 named: list[tuple[str, str, dict]]) -> None:
    """Run the cross-file rules after the per-file pass of `linter.run.run`: `named` holds
    (display name, path on disk, exports) of each parsed file the run named. Their
    findings join `report` (suppressions and severity overrides applied); the per-file
    findings they replace (ctx.defer) leave it."""
    root = repository_root([target for _, target, _ in named], settings.root)
    files = []
    for display, target, exports in named:
        rel = os.path.relpath(os.path.abspath(target), root).replace(os.sep, "/")
        if not rel.startswith("../"):
            files.append(ProjectFile(display, rel, exports, True))
    result = _project(linter, settings, root, files, lambda full, display: load_exports(linter, cache, full, display),
                      lambda path: report.sources.get(path, ""))
    if result.deferred:
        report.findings = [f for f in report.findings if (f.path, f.rule) not in result.deferred]
    report.findings += result.findings


@dataclass
class ProjectResult:
    """What a project pass found: its findings (suppressions and severity overrides
    applied), the per-file findings they replace ((file, rule id): drop them), the number
    of files it read, and why it did not run, when it did not."""

    findings: list[Finding] = field(default_factory=list)
    deferred: set[tuple[str, str]] = field(default_factory=set)
    files: int = 0
    skipped: str | None = None


PROJECT_FILES = 5000   # a workspace with more files of known suffixes gets no project pass in an editor


class ExportsMemo:
    """The exports of a workspace's files, kept between project passes (the language
    server's): a file on disk is parsed again only when its mtime or size changes, an
    open buffer only when its text does. With `cache` (the run's cache of the workspace),
    a file on disk is looked up there before it is parsed, and stored there after."""

    def __init__(self, cache: Any = None) -> None:
        self.cache = cache
        self.disk: dict[str, tuple[int, int, dict | None]] = {}
        self.texts: dict[str, tuple[str, dict | None]] = {}
        self.paths: list[str] | None = None          # the last pass's walk of the workspace
        self.near: dict[tuple[str, str], str | None] = {}  # its near misses (difflib: the slow part)

    def walk(self, root: str) -> list[str]:
        """The workspace's files; the near misses found over them stay while they are the same."""
        paths = walk_files(root)
        if paths != self.paths:
            self.paths = paths
            self.near.clear()
        return paths

    def of_file(self, linter: Any, full: str, display: str) -> dict | None:
        try:
            st = os.stat(full)
        except OSError:
            return None
        known = self.disk.get(full)
        if known is not None and known[:2] == (st.st_mtime_ns, st.st_size):
            return known[2]
        exports = load_exports(linter, self.cache, full, display)
        self.disk[full] = (st.st_mtime_ns, st.st_size, exports)
        return exports

    def of_text(self, linter: Any, full: str, text: str) -> dict | None:
        known = self.texts.get(full)
        if known is not None and known[0] == text:
            return known[1]
        exports = linter.exports_of(full, text.encode("utf-8"), os.path.dirname(full))
        self.texts[full] = (text, exports)
        return exports

    def forget(self, keep: set[str]) -> None:
        """Drop what is kept of files no longer in the workspace or no longer open."""
        self.disk = {k: v for k, v in self.disk.items() if k in keep}
        self.texts = {k: v for k, v in self.texts.items() if k in keep}


def project_findings(linter: Any, settings: Any, root: str, overrides: dict[str, str] | None = None,
                     memo: ExportsMemo | None = None, limit: int = PROJECT_FILES) -> ProjectResult:
    """The project pass over a workspace (an editor's): every file under `root` that
    `pipelint check` run there would lint (Linter.discover: known suffixes, excludes,
    .gitignore), with the texts of `overrides` (absolute path -> an open buffer's text) in
    place of what the disk holds. Findings are reported under absolute paths. `memo`
    keeps exports between calls, so a pass after one change parses one file."""
    from linter.engine import LINTABLE

    root = os.path.abspath(root)
    memo = memo if memo is not None else ExportsMemo()
    overrides = {os.path.abspath(p): t for p, t in (overrides or {}).items()}
    paths: list[str] = []
    for full, _ in linter.discover([root]):
        paths.append(os.path.abspath(full))
        if len(paths) > limit:
            return ProjectResult(skipped=f"the workspace has over {limit} files to check; "
                                         "cross-file checks are left to `pipelint check`")
    known = set(paths)
    for full in sorted(overrides):  # a buffer not saved yet (one on disk that discovery skips stays out)
        if full not in known and full.startswith(root.rstrip(os.sep) + os.sep) and not os.path.exists(full) and \
                full.lower().endswith(LINTABLE) and not linter.excluded(full):
            paths.append(full)
    files = []
    for full in paths:
        rel = os.path.relpath(full, root)  # the name `pipelint check` run at the root gives it (its cache key)
        exports = memo.of_text(linter, full, overrides[full]) if full in overrides \
            else memo.of_file(linter, full, rel)
        rel = rel.replace(os.sep, "/")
        if exports is not None:
            files.append(ProjectFile(full, rel, exports, True))
    memo.forget(set(paths))

    def text_of(path: str) -> str:
        if path in overrides:
            return overrides[path]
        from linter.engine import decode
        from linter.run import NotRegular, read_regular

        try:
            return decode(read_regular(path))[0] or ""
        except (NotRegular, OSError):
            return ""

    def load(full: str, display: str) -> dict | None:  # a file the workspace's discovery skips
        full = os.path.abspath(full)
        if full in overrides:
            return memo.of_text(linter, full, overrides[full])
        return load_exports(linter, memo.cache, full, display)

    result = _project(linter, settings, root, files, load, text_of, memo)
    result.files = len(files)
    return result


def load_exports(linter: Any, cache: Any, full: str, display: str) -> dict | None:
    """A file's exports: from the cache (a full entry, or one of exports alone), else
    parsed now (no checks run) and cached."""
    from linter.run import NotRegular, read_regular

    try:
        data = read_regular(full)
    except (NotRegular, OSError):
        return None
    key = None
    if cache is not None:
        key = cache.key(display, data, False)
        for k in (key, exports_key(key)):
            entry = cache.get(k)
            if entry is not None and isinstance(entry.get("exports"), dict):
                return entry["exports"]
    exports = linter.exports_of(display, data, os.path.dirname(full))
    if cache is not None and key is not None and exports is not None:
        cache.put(exports_key(key), {"exports": exports})
    return exports


def _project(linter: Any, settings: Any, root: str, files: list[ProjectFile],
             load: Callable[[str, str], dict | None], text_of: Callable[[str], str],
             memo: ExportsMemo | None = None) -> ProjectResult:
    """The cross-file rules over `files` (the named ones report), suppressions (read in
    `text_of(display)`) and severity overrides applied."""
    from linter.masking import redact_tokens
    from linter.suppress import apply_suppressions

    rules = [r for r in linter.rules.values() if r.project and r.check is not None]
    if not any(linter.enabled(r, f.display) for r in rules for f in files if f.named):
        return ProjectResult()
    ctx = ProjectContext(root, files, load, memo.walk if memo is not None else walk_files)
    if memo is not None:
        if memo.near:
            ctx.paths()  # walked now: the near misses kept are reused only over the same files
        ctx._near = memo.near
    if not any(f.exports.get("pipelines") for f in files) and any(
            f.exports.get("platform") == "EC2/On-Premises" for f in files if f.kind == "appspec"):
        ctx.discover()  # an AppSpec named alone (pre-commit): the pipeline that packages it says where its root is

    def internal(rule: Rule, exc: Exception) -> Finding | None:
        pl005 = linter.rules["PL005"]
        first = next(iter(ctx.named()), None)
        if first is None:
            return None
        return Finding(first.display, 1, 1, 1, 1, pl005.id, pl005.name, pl005.category, pl005.severity,
                       redact_tokens(f"internal error in rule {rule.id} ({rule.name}): {type(exc).__name__}: {exc}; "
                                     "the other rules ran; please report it"), pl005.fix)

    found = run_project(rules, ctx, linter.enabled, internal)
    by_file: dict[str, list[Finding]] = {}
    for f in found:
        f.message = redact_tokens(f.message)  # values quoted from other files: never a secret
        by_file.setdefault(f.path, []).append(f)
    out = ProjectResult(deferred=set(ctx.deferred))
    for path, findings in sorted(by_file.items()):
        kept = apply_suppressions(path, text_of(path), findings, linter.rules, None,
                                  lambda r: linter.enabled(r, path))
        for f in kept:
            override = settings.severity.get(f.rule) or settings.severity.get(f.name)
            if override:
                f.severity = override
        out.findings += kept
    return out


def exports_key(key: str) -> str:
    """The cache key of a file's exports alone (read for the project pass, never linted)."""
    from linter import sha256

    return sha256(f"{key}\0exports".encode()).hexdigest()


def run_project(rules: list[Rule], ctx: ProjectContext, enabled: Callable[[Rule, str], bool],
                internal: Callable[[Rule, Exception], Finding | None]) -> list[Finding]:
    out: list[Finding] = []
    named = {f.display for f in ctx.files.values() if f.named}
    for rule in rules:
        if not any(enabled(rule, d) for d in named):
            continue  # off: it neither reports nor defers another rule's findings
        ctx.rule = rule
        try:
            found = list(rule.check(ctx) or ())
        except Exception as exc:  # noqa: BLE001 - one rule's bug never stops the run
            problem = internal(rule, exc)
            found = [problem] if problem is not None else []
        out += [f for f in found if f.path in named and (f.rule == "PL005" or enabled(rule, f.path))]
    return out


def template_configuration(ctx: ProjectContext, rel: str) -> dict | None:
    """The Parameters of a CloudFormation template configuration file, or None."""
    from linter.run import NotRegular, read_regular

    try:
        data = json.loads(read_regular(os.path.join(ctx.root, rel)))
    except (NotRegular, OSError, ValueError):
        return None
    params = data.get("Parameters") if isinstance(data, dict) else None
    return params if isinstance(params, dict) else {}


__all__ = ["ProjectContext", "ProjectFile", "ProjectResult", "ExportsMemo", "project_findings", "Build", "Source",
           "actions", "build_of", "source_of", "holds", "made", "repository_root", "run_project"]
