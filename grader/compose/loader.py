"""The Compose project as `docker compose config` builds it, before any check looks at it.

Compose does not read one file as written. It picks the files (`COMPOSE_FILE` in the project's
`.env`, else the first of compose.yaml, compose.yml, docker-compose.yml, docker-compose.yaml,
plus an override file next to it), merges every YAML document of every file in order, follows
top-level `include:` and `extends:` (the same file or another), interpolates `${X}` from the
project's `.env` with the defaults and errors of `${X:-d}`, `${X-d}`, `${X:?e}`, `${X:+r}`,
honours `!reset` and `!override`, and leaves out services whose profiles are not enabled.
This module does the same on located YAML, so every effective value keeps the file and line it
came from (yamlfile.Line carries the file). The installed `docker compose` (2.26.1) is the
reference: tests/test_compose_oracle.py holds the two equal on every compose file the tests use.

Interpolation never reads the grader's own environment: the same submission gets the same grade
on any machine. Every file is read through the submission's jailed reader, after the path is
checked against the submission root.
"""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass, field
from typing import overload

from grader.compose.interpolation import Env, EnvValue, interpolate_node, interpolate_text, parse_dotenv
from grader.compose.merge import enforce_unicity, is_null, merge_maps, plain, seq_items
from grader.compose.model import is_remote_context, port_spec_fault
from grader.compose.schema import validate
from grader.errors import InputError, OutsideRootError
from grader.submission.reader import SubmissionRoot
from grader.submission.yamlfile import Comment, Line, YMap, YNode, YScalar, YSeq, file_of, load_yaml_documents

DEFAULT_FILES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
OVERRIDE_FILES = (
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
)  # compose-go's order (.yml first here)
MAX_INCLUDE_DEPTH = 16

__all__ = [
    "DEFAULT_FILES",
    "OVERRIDE_FILES",
    "Env",
    "EnvValue",
    "LoadedProject",
    "compose_files",
    "interpolate_text",
    "load_project",
    "merge_maps",
    "parse_dotenv",
    "read_project_env",
]


# -- the project ----------------------------------------------------------------------------
@dataclass
class LoadedProject:
    """What loading a Compose project gives: the merged project and what was read to make it."""

    root: YMap  # the effective project, merged, located
    files: list[str]  # every compose file read, in order (included and extended ones too)
    project_dir: str  # root-relative folder the paths are relative to
    env: Env
    comments: list[Comment]
    problems: list[InputError] = field(default_factory=list)  # what could not be loaded; the rest is
    inactive: dict[str, int] = field(default_factory=dict)  # services left out by profiles -> line
    project_files: list[str] = field(default_factory=list)  # the files Compose picks (what `-f` would name)
    name: str = ""  # the project's name, as Compose derives it


class _Loader:
    def __init__(self, root: SubmissionRoot, project_dir: str, env: Env):
        self.root = root
        self.project_dir = project_dir
        self.env = env
        self.files: list[str] = []
        self.comments: list[Comment] = []
        self.problems: list[InputError] = []
        self.cache: dict[tuple[str, int], YMap] = {}
        # an included file's paths are relative to its include's project_directory, when given
        self.dirs: dict[str, str] = {}
        self.parsed: dict[str, list] = {}  # rel -> its YAML documents, parsed once
        self.included: set[str] = set()

    # reading, jailed
    def path(self, base_dir: str, written: str, what: str, rel: str, line: int | None) -> str:
        try:
            p = self.root.join(base_dir, written)
            self.root.resolve(p)
            return p
        except OutsideRootError:
            raise OutsideRootError(
                f"{what} {written!r} points outside the submission; it is not read", rel, line
            ) from None

    def documents(
        self, rel: str, env: Env, line: int | None = None, what: str = "compose file", check: bool = True
    ) -> list[YMap]:
        if not self.root.exists(rel):
            self.root.resolve(rel)
            raise InputError(f"{what} {rel} not found", None, None)
        src = self.root.read(rel)
        docs = self.parsed.get(rel) or load_yaml_documents(src.text, rel)
        self.parsed[rel] = docs
        if rel not in self.files:
            self.files.append(rel)
            self.comments.extend(docs[0].comments)
        out = []
        for d in docs:
            if d.root is None:
                continue
            if not isinstance(d.root, YMap):
                raise InputError("must be a mapping (key: value) at the top", rel, d.root.line)
            if d.bad_key is not None:
                raise d.bad_key
            # Compose interpolates (and casts), makes lists unique, then checks the document
            # against its schema with `include:` taken out.
            doc = interpolate_node(d.root, env, rel)
            assert isinstance(doc, YMap)
            if isinstance(services := doc.get("services"), YMap):
                enforce_unicity(services)
            if check:
                # `!reset` is applied before the check: what it removes is never checked
                checked = drop_resets(
                    YMap(
                        doc.line,
                        doc.col,
                        key_lines=doc.key_lines,
                        items={k: v for k, v in doc.items.items() if k != "include"},
                    )
                )
                validate(checked, rel)
            self.rebase(doc, self.dirs.get(rel, posixpath.dirname(rel)))  # paths relative to the project folder
            out.append(doc)
        return out

    def load_file(self, rel: str, env: Env, depth: int = 0) -> YMap:
        """One compose file: its documents merged, its extends and includes applied. Paths in a
        file outside the project folder are made relative to the project folder."""
        merged: YMap | None = None
        for doc in self.documents(rel, env):
            extended = self.apply_extends(doc, rel, env, depth)
            if extended is not doc:
                # and checks it again once extended, made unique again (a file read only for
                # `extends` is not checked itself: _transform_only).
                services = extended.get("services")
                assert isinstance(services, YMap)  # apply_extends makes a new document only of extended services
                enforce_unicity(services)
                validate(
                    drop_resets(
                        YMap(
                            extended.line,
                            extended.col,
                            key_lines=extended.key_lines,
                            items={k: v for k, v in extended.items.items() if k != "include"},
                        )
                    ),
                    rel,
                )
            doc = extended
            doc = self.apply_include(doc, rel, env, depth)
            merged = doc if merged is None else merge_maps(merged, doc)
        if merged is None:  # an empty file adds nothing (an empty project is refused below)
            return YMap(Line(1, rel), 1)
        return merged

    # paths written in a file in another folder, made relative to the project folder
    def rebase(self, doc: YMap, file_dir: str) -> None:
        if file_dir == self.project_dir:
            return
        services = doc.get("services")
        if not isinstance(services, YMap):
            return
        for svc in services.items.values():
            if isinstance(svc, YMap):
                self._rebase_service(svc, file_dir)
        for section in ("configs", "secrets"):
            sec = doc.get(section)
            if isinstance(sec, YMap):
                for spec in sec.items.values():
                    if isinstance(spec, YMap) and isinstance(file := spec.get("file"), YScalar):
                        spec.items["file"] = self._moved(file, file_dir)

    @overload
    def _moved(self, node: YScalar, file_dir: str, bind: bool = False) -> YScalar: ...
    @overload
    def _moved(self, node: YNode, file_dir: str, bind: bool = False) -> YNode: ...
    def _moved(self, node: YNode, file_dir: str, bind: bool = False) -> YNode:
        if not isinstance(node, YScalar) or node.value is None:
            return node
        text = str(node.raw)
        if text.startswith(("/", "~", "$")) or is_remote_context(text) or re.match(r"^[A-Za-z]:[\\/]", text):
            return node
        joined = posixpath.normpath(posixpath.join(file_dir or ".", text))
        rel = posixpath.relpath(joined, self.project_dir or ".")
        if bind or text.startswith("."):
            rel = rel if rel.startswith(".") else "./" + rel
        return YScalar(node.line, node.col, value=rel, raw=rel, quoted=True)

    def _rebase_service(self, svc: YMap, file_dir: str) -> None:
        build = svc.get("build")
        if isinstance(build, YScalar):
            svc.items["build"] = self._moved(build, file_dir)
        elif isinstance(build, YMap) and (context := build.get("context")) is not None:
            build.items["context"] = self._moved(context, file_dir)
        elif isinstance(build, YMap):
            build.items["context"] = self._moved(YScalar(build.line, build.col, value=".", raw="."), file_dir)
            build.key_lines["context"] = build.line
        env_file = svc.get("env_file")
        if env_file is not None:
            items: list[YNode] = []
            for item in seq_items(env_file):
                if isinstance(item, YMap) and (path := item.get("path")) is not None:
                    m = YMap(item.line, item.col, items=dict(item.items), key_lines=dict(item.key_lines))
                    m.items["path"] = self._moved(path, file_dir)
                    items.append(m)
                else:
                    items.append(self._moved(item, file_dir))
            svc.items["env_file"] = YSeq(env_file.line, env_file.col, items=items)
        vols = svc.get("volumes")
        if isinstance(vols, YSeq):
            items = []
            for v in vols.items:
                if isinstance(v, YScalar) and isinstance(v.value, str) and str(v.raw).startswith("."):
                    source, sep, rest = str(v.raw).partition(":")
                    moved = self._moved(YScalar(v.line, v.col, value=source, raw=source), file_dir, bind=True)
                    text = str(moved.raw) + sep + rest
                    items.append(YScalar(v.line, v.col, value=text, raw=text, quoted=True))
                elif isinstance(v, YMap) and plain(v.get("type")) == "bind" and (src := v.get("source")) is not None:
                    m = YMap(v.line, v.col, items=dict(v.items), key_lines=dict(v.key_lines))
                    m.items["source"] = self._moved(src, file_dir, bind=True)
                    items.append(m)
                else:
                    items.append(v)
            svc.items["volumes"] = YSeq(vols.line, vols.col, items=items)

    # extends
    def apply_extends(self, doc: YMap, rel: str, env: Env, depth: int) -> YMap:
        services = doc.get("services")
        if not isinstance(services, YMap) or not any(
            isinstance(s, YMap) and "extends" in s.items for s in services.items.values()
        ):
            return doc
        done: dict[str, YNode] = {}
        out = YMap(services.line, services.col, key_lines=dict(services.key_lines))
        for name in services.items:
            try:
                out.items[name] = self.extended(name, services, rel, env, depth, done, ())
            except InputError as e:
                # Kept as written (with its `extends:`, for the runtime gate to see); the rest loads.
                self.problems.append(e if e.file else InputError(e.message, rel, services.line_of(name)))
                out.items[name] = done[name] = services.items[name]
        new = YMap(doc.line, doc.col, items=dict(doc.items), key_lines=dict(doc.key_lines), tag=doc.tag)
        new.items["services"] = out
        return new

    def extended(
        self,
        name: str,
        services: YMap,
        rel: str,
        env: Env,
        depth: int,
        done: dict[str, YNode],
        chain: tuple[tuple[str, str], ...],
    ) -> YNode:
        if name in done:
            return done[name]
        svc = services.items[name]
        if not isinstance(svc, YMap) or "extends" not in svc.items:
            done[name] = svc
            return svc
        if (rel, name) in chain:
            raise InputError(
                f"service {name} extends itself through " + " -> ".join(n for _, n in chain),
                rel,
                svc.line_of("extends"),
            )
        ext = svc.items["extends"]
        line = svc.line_of("extends")
        if isinstance(ext, YScalar) and isinstance(ext.value, str):
            base_name, base_file = ext.value, None
        elif isinstance(ext, YMap) and isinstance(ext.get("service"), YScalar):
            base_name = plain(ext.get("service"))
            f = ext.get("file")
            base_file = plain(f) if isinstance(f, YScalar) and f.value is not None else None
        else:
            raise InputError(f"service {name}: extends needs `service:` (and may name a `file:`)", rel, line)
        if depth > MAX_INCLUDE_DEPTH or len(chain) > MAX_INCLUDE_DEPTH:
            raise InputError(f"service {name}: extends nested too deeply", rel, line)
        if base_file is None:
            if base_name not in services.items:
                raise InputError(f"service {name} extends {base_name!r}, which is not a service of {rel}", rel, line)
            base = self.extended(base_name, services, rel, env, depth, done, chain + ((rel, name),))
        else:
            file_line = ext.line_of("file") if isinstance(ext, YMap) else line
            other = self.path(posixpath.dirname(rel), base_file, f"service {name} extends file", rel, file_line)
            if not self.root.exists(other):
                raise InputError(
                    f"service {name} extends file {base_file!r}, which is not in the submission", rel, file_line
                )
            key = (other, depth)
            if other == rel:
                base = self.extended(base_name, services, rel, env, depth, done, chain + ((rel, name),))
            else:
                if key not in self.cache:
                    loaded = None
                    for d in self.documents(other, env, check=False):
                        d = self.apply_extends(d, other, env, depth + 1)
                        _transform_only(d, other)
                        loaded = d if loaded is None else merge_maps(loaded, d)
                    if loaded is None:
                        raise InputError(f"service {name} extends file {base_file!r}, which is empty", rel, file_line)
                    self.cache[key] = loaded
                theirs = self.cache[key].get("services")
                if not isinstance(theirs, YMap) or base_name not in theirs.items:
                    raise InputError(
                        f"service {name} extends {base_name!r}, which is not a service of {other}", rel, line
                    )
                base = theirs.items[base_name]
        if not isinstance(base, YMap):
            base = YMap(line, 1)
        own = YMap(
            svc.line,
            svc.col,
            items={k: v for k, v in svc.items.items() if k != "extends"},
            key_lines={k: v for k, v in svc.key_lines.items() if k != "extends"},
            tag=svc.tag,
        )
        wrapped = merge_maps(
            YMap(0, 0, items={"services": YMap(0, 0, items={name: base})}),
            YMap(0, 0, items={"services": YMap(0, 0, items={name: own})}),
        )
        merged_services = wrapped.items["services"]
        assert isinstance(merged_services, YMap)  # two mappings merge into a mapping
        result = merged_services.items[name]
        result.line, result.col = svc.line, svc.col
        done[name] = result
        return result

    # include
    def apply_include(self, doc: YMap, rel: str, env: Env, depth: int) -> YMap:
        inc = doc.get("include")
        if inc is None:
            return doc
        rest = YMap(
            doc.line,
            doc.col,
            items={k: v for k, v in doc.items.items() if k != "include"},
            key_lines={k: v for k, v in doc.key_lines.items() if k != "include"},
            tag=doc.tag,
        )
        failed: list[YNode] = []  # kept under `include:` for the runtime gate to see
        if depth >= MAX_INCLUDE_DEPTH:
            raise InputError("include nested too deeply (a cycle?)", rel, doc.line_of("include"))
        if not isinstance(inc, YSeq) and not is_null(inc):
            raise InputError("include must be a list of files", rel, doc.line_of("include"))
        for item in seq_items(inc):
            if is_null(item):
                continue  # Compose skips an empty entry
            paths: list[tuple[str, int]] = []
            env_files: list[tuple[str, int]] = []
            project_dir: tuple[str, int] | None = None
            if isinstance(item, YScalar) and item.value is not None:
                paths = [(plain(item), item.line)]
            elif isinstance(item, YMap):
                p = item.get("path")
                paths = [(plain(x), x.line) for x in seq_items(p) if isinstance(x, YScalar)]
                env_files = [(plain(x), x.line) for x in seq_items(item.get("env_file")) if isinstance(x, YScalar)]
                pd = item.get("project_directory")
                if isinstance(pd, YScalar) and pd.value is not None:
                    project_dir = (plain(pd), pd.line)
            if not paths:
                raise InputError("an include entry needs a path", rel, item.line)
            try:
                first = self.path(posixpath.dirname(rel), paths[0][0], "include", rel, paths[0][1])
                if first in self.included:
                    continue  # Compose reads an included file once
                self.included.add(first)
                included = self.load_include(rel, paths, env_files, env, depth, project_dir)
            except InputError as e:
                if e.file is None:
                    e = InputError(e.message, rel, paths[0][1])
                self.problems.append(e)
                failed.append(item)
                continue
            rest = self.merge_included(rest, included, rel, paths[0][1])
        if failed:
            rest.items["include"] = YSeq(inc.line, inc.col, items=failed)
            rest.key_lines["include"] = doc.line_of("include")
        return rest

    def load_include(
        self,
        rel: str,
        paths: list[tuple[str, int]],
        env_files: list[tuple[str, int]],
        env: Env,
        depth: int,
        project_dir: tuple[str, int] | None = None,
    ) -> YMap:
        base_dir = posixpath.dirname(rel)
        first = self.path(base_dir, paths[0][0], "include", rel, paths[0][1])
        # The included project's folder: project_directory, else the first file's folder.
        inc_dir = posixpath.dirname(first)
        if project_dir is not None:
            inc_dir = self.path(base_dir, project_dir[0], "include project_directory", rel, project_dir[1])
        inc_env = Env(env)
        files = env_files or []
        if not files:
            dot = posixpath.join(inc_dir, ".env") if inc_dir else ".env"
            if inc_dir != self.project_dir and self.root.exists(dot):
                files = [(posixpath.relpath(dot, base_dir or "."), paths[0][1])]
        for written, line in files:
            p = self.path(base_dir, written, "include env_file", rel, line)
            if not self.root.exists(p):
                raise InputError(f"include env_file {written!r} is not in the submission", rel, line)
            for v in parse_dotenv(self.root.read(p).text, p, inc_env):
                if v.name not in env:  # what the project already sets wins over the include's file
                    inc_env[v.name] = v
        merged: YMap | None = None
        for written, line in paths:
            p = self.path(base_dir, written, "include", rel, line)
            if not self.root.exists(p):
                self.root.resolve(p)
                raise InputError(f"include {written!r}: the file is not in the submission", rel, line)
            if project_dir is not None:
                self.dirs[p] = inc_dir
            one = self.load_file(p, inc_env, depth + 1)
            merged = one if merged is None else merge_maps(merged, one)
        assert merged is not None
        return merged

    def merge_included(self, doc: YMap, included: YMap, rel: str, line: int) -> YMap:
        out = YMap(doc.line, doc.col, items=dict(doc.items), key_lines=dict(doc.key_lines), tag=doc.tag)
        for section in ("services", "networks", "volumes", "configs", "secrets"):
            theirs = included.get(section)
            if not isinstance(theirs, YMap) or not theirs.items:
                continue
            mine = out.items.get(section)
            mine = mine if isinstance(mine, YMap) else YMap(line, 1)
            combined = YMap(mine.line, mine.col, items=dict(mine.items), key_lines=dict(mine.key_lines))
            for key, value in theirs.items.items():
                if key in combined.items:
                    if section == "services" or _plain_tree(combined.items[key]) != _plain_tree(value):
                        raise InputError(
                            f"{section}.{key} is defined here and by include; Compose refuses the conflict",
                            rel,
                            combined.line_of(key),
                        )
                    continue
                combined.items[key] = value
                combined.key_lines[key] = theirs.line_of(key)
            out.items[section] = combined
            out.key_lines.setdefault(section, Line(line, rel))
        return out


def _transform_only(doc: YMap, rel: str) -> None:
    """A file read for `extends:` is not schema-checked by Compose 2.26.1, but every service in
    it goes through Compose's parsing of ports, depends_on and mounts, so a malformed one there
    refuses the project, even when no service extends it."""
    services = doc.get("services")
    if not isinstance(services, YMap):
        return
    for name, svc in services.items.items():
        if not isinstance(svc, YMap):
            continue
        ports, deps = svc.get("ports"), svc.get("depends_on")
        for key, node, kind in (("ports", ports, "port"), ("depends_on", deps, "depend_on")):
            if isinstance(node, YScalar) and node.value is not None:
                raise InputError(
                    f"services.{name}.{key}: invalid type {_go_type(node.value)} for {kind}",
                    file_of(node.line, rel),
                    node.line,
                )
        for item in seq_items(ports):
            fault = port_spec_fault(item.text) if isinstance(item, YScalar) else None
            if fault is not None:
                raise InputError(fault, file_of(item.line, rel), item.line)
        for item in seq_items(svc.get("volumes")):
            if isinstance(item, YMap) and plain(item.get("type")) == "bind" and is_null(item.get("source")):
                raise InputError(
                    'invalid mount config for type "bind": field Source must not be empty',
                    file_of(item.line, rel),
                    item.line,
                )


def _go_type(value: object) -> str:
    return {bool: "bool", int: "int", float: "float64"}.get(type(value), "string")


@overload
def drop_resets(node: YMap) -> YMap: ...
@overload
def drop_resets(node: YNode) -> YNode: ...
def drop_resets(node: YNode) -> YNode:
    """The tree without what `!reset` removes. Merging removes a reset key from what came before;
    a reset with nothing before it (the first file, a new key) removes the key all the same."""
    if isinstance(node, YMap):
        if not any(v.tag == "!reset" or isinstance(v, (YMap, YSeq)) for v in node.items.values()):
            return node
        m = YMap(node.line, node.col, key_lines=dict(node.key_lines), tag=node.tag)
        for k, v in node.items.items():
            if v.tag == "!reset":
                m.key_lines.pop(k, None)
            else:
                m.items[k] = drop_resets(v)
        return m
    if isinstance(node, YSeq):
        if not any(i.tag == "!reset" or isinstance(i, (YMap, YSeq)) for i in node.items):
            return node
        return YSeq(node.line, node.col, items=[drop_resets(i) for i in node.items if i.tag != "!reset"], tag=node.tag)
    return node


def _plain_tree(node: YNode) -> object:
    return node.plain()


def read_project_env(root: SubmissionRoot, project_dir: str) -> Env:
    env = Env()
    rel = posixpath.join(project_dir, ".env") if project_dir else ".env"
    # A .env that links out of the submission is refused, not ignored.
    if _present(root, rel, _listing(root, project_dir)):
        for v in parse_dotenv(root.read(rel).text, rel, env):
            env[v.name] = v
    return env


def compose_files(root: SubmissionRoot, project_dir: str, env: Env) -> list[tuple[str, int | None]]:
    """The files Compose picks: COMPOSE_FILE from .env, else the first default name plus the
    first override name. Each with the .env line that named it (None when found by name)."""
    cf = env.get("COMPOSE_FILE")
    if cf is not None and cf.value:
        sep = env.lookup("COMPOSE_PATH_SEPARATOR") or ":"
        out = []
        for part in cf.value.split(sep):
            if part:
                try:
                    out.append((root.join(project_dir, part), cf.line))
                except OutsideRootError:
                    raise OutsideRootError(
                        f"COMPOSE_FILE names {part!r}, which points outside the submission; it is not read",
                        cf.file,
                        cf.line,
                    ) from None
        return out
    names = _listing(root, project_dir)
    base = next((n for n in DEFAULT_FILES if _present(root, posixpath.join(project_dir, n), names)), None)
    if base is None:
        raise InputError(
            "no compose file found: looked for " + ", ".join(DEFAULT_FILES), project_dir or root.rel(root.root)
        )
    out = [(posixpath.join(project_dir, base), None)]
    over = next((n for n in OVERRIDE_FILES if _present(root, posixpath.join(project_dir, n), names)), None)
    if over is not None:
        out.append((posixpath.join(project_dir, over), None))
    return out


def _present(root: SubmissionRoot, rel: str, listing: set[str] | None = None) -> bool:
    """Whether Compose would find the file; a link to a place outside the submission is refused
    (OutsideRootError), never skipped as if it were not there. `listing` (the folder's names,
    read once) spares a system call per name that is not there."""
    if listing is not None and posixpath.basename(rel) not in listing:
        return False
    p = root.root / rel
    if p.is_symlink() or p.exists():
        root.resolve(rel)
        return p.is_file()
    return False


def _listing(root: SubmissionRoot, folder: str) -> set[str] | None:
    try:
        return set(os.listdir(root.root / folder))
    except OSError:
        return None


def normalize_project_name(text: str) -> str:
    """compose-go's NormalizeProjectName: lower case, only [a-z0-9_-], no leading _ or -."""
    return "".join(re.findall(r"[a-z0-9_-]", text.lower())).lstrip("_-")


def project_name(
    root: SubmissionRoot, files: list[str], project_dir: str, env: Env, parsed: dict[str, list] | None = None
) -> str:
    """The name Compose gives the project when run in the submission (no -p): COMPOSE_PROJECT_NAME
    from .env; else the last `name:` of the files, interpolated; else the project folder's name.
    A name Compose would refuse is refused here, in its words."""
    given = env.get("COMPOSE_PROJECT_NAME")
    if given is not None and given.value:
        if normalize_project_name(given.value) != given.value:
            raise InputError(
                f'invalid project name "{given.value}": must consist only of lowercase alphanumeric '
                "characters, hyphens, and underscores as well as start with a letter or number",
                given.file,
                given.line,
            )
        return given.value
    written, where = "", None
    for rel in files:
        try:
            docs = load_yaml_documents(root.read(rel).text, rel)
            if parsed is not None:
                parsed[rel] = docs
        except InputError:
            break  # reported with its line when the file is loaded
        for d in docs:
            node = d.root.get("name") if isinstance(d.root, YMap) else None
            if isinstance(node, YScalar) and isinstance(node.value, str) and node.value:
                written, where = node.value, node
    if where is not None:
        written = normalize_project_name(
            interpolate_text(written, env, file_of(where.line, None) or "", where.line, "name")
        )
        if written:
            return written
    folder = posixpath.basename(project_dir) if project_dir else root.root.resolve().name
    name = normalize_project_name(folder)
    if not name:
        raise InputError(
            "project name must not be empty: the folder's name has no letter or digit; give the project a `name:`",
            files[0] if files else None,
        )
    return name


def active_profiles(env: Env) -> set[str]:
    value = env.lookup("COMPOSE_PROFILES") or ""
    return {p.strip() for p in value.split(",") if p.strip()}


def load_project(
    root: SubmissionRoot, files: list[tuple[str, int | None]], project_dir: str, env: Env
) -> LoadedProject:
    """Merge `files` in order into the effective project. A missing include (or its env file)
    is a problem kept on the project and the rest is loaded; anything else Compose refuses
    raises InputError with file:line."""
    for rel, line in files:
        if not root.exists(rel):
            root.resolve(rel)
            if line is not None:
                raise InputError(
                    f"COMPOSE_FILE names {rel}, which is not in the submission", env["COMPOSE_FILE"].file, line
                )
            raise InputError("file not found", rel)
    parsed: dict[str, list] = {}
    name = project_name(root, [rel for rel, _ in files], project_dir, env, parsed)
    values = Env(env)  # what ${...} sees: the project's .env and the project's name
    values.setdefault("COMPOSE_PROJECT_NAME", EnvValue("COMPOSE_PROJECT_NAME", name, "", 0))
    # $HOME is the home folder of whoever runs Compose: `~`, as Compose expands it in a bind
    # source, never this machine's (the same grade everywhere).
    values.setdefault("HOME", EnvValue("HOME", "~", "", 0))
    loader = _Loader(root, project_dir, values)
    loader.parsed = parsed
    merged: YMap | None = None
    for rel, _line in files:
        one = loader.load_file(rel, values)
        merged = one if merged is None else merge_maps(merged, one)
    if merged is not None:
        merged = drop_resets(merged)
    if merged is None or not merged.items:
        raise InputError("is empty: a compose file needs `services:`", files[0][0] if files else None)
    services = merged.get("services")
    if isinstance(services, YMap):
        enforce_unicity(services)
    project = LoadedProject(
        merged,
        loader.files,
        project_dir,
        env,
        loader.comments,
        loader.problems,
        project_files=[rel for rel, _ in files],
        name=name,
    )
    _apply_profiles(project)
    return project


def _apply_profiles(project: LoadedProject) -> None:
    services = project.root.get("services")
    if not isinstance(services, YMap):
        return
    enabled = active_profiles(project.env)
    keep = YMap(services.line, services.col, key_lines=dict(services.key_lines), tag=services.tag)
    for name, svc in services.items.items():
        profiles = svc.get("profiles") if isinstance(svc, YMap) else None
        names = {plain(p) for p in seq_items(profiles)} if profiles is not None else set()
        if names and not (names & enabled or "*" in enabled):
            project.inactive[name] = services.line_of(name)
            keep.key_lines.pop(name, None)
            continue
        keep.items[name] = svc
    project.root.items["services"] = keep
