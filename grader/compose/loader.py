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
from typing import Callable

from grader.compose.schema import validate
from grader.errors import InputError, OutsideRootError
from grader.submission.reader import SubmissionRoot
from grader.submission.yamlfile import Comment, Line, YMap, YNode, YScalar, YSeq, load_yaml_documents

DEFAULT_FILES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
OVERRIDE_FILES = ("compose.override.yaml", "compose.override.yml", "docker-compose.override.yml",
                  "docker-compose.override.yaml")
MAX_INCLUDE_DEPTH = 16
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass
class EnvValue:
    """A variable of a dotenv file (the project's .env, an include's, an env_file)."""

    name: str
    value: str | None  # None: a bare NAME line
    file: str
    line: int


class Env(dict):
    """Variables for interpolation: name -> EnvValue. Only what the submission's files set."""

    def lookup(self, name: str) -> str | None:
        v = self.get(name)
        return v.value if v is not None else None


# -- dotenv ---------------------------------------------------------------------------------
_DOTENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.\-]*)\s*(?:(=|:)\s*(.*))?$")


def parse_dotenv(text: str, rel: str, env: Env | None = None) -> list[EnvValue]:
    """A dotenv file as Compose reads it: `export` and comments allowed, 'single' quotes literal,
    "double" quotes and bare values interpolated with what is already known; a bare NAME sets
    nothing. Earlier lines are seen by later ones."""
    known = Env(env or {})
    out: list[EnvValue] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        n, raw = i + 1, lines[i]
        i += 1
        s = raw.strip()
        if not s or s.startswith("#"):
            continue
        m = _DOTENV_LINE.match(s)
        if not m:
            raise InputError(f"line {s[:40]!r} is not NAME=value", rel, n)
        name, eq, rest = m.group(1), m.group(2), m.group(3) or ""
        if not eq:
            continue  # a bare name: taken from the shell running compose, which the grader is not
        rest = rest.strip()
        if rest[:1] in ("'", '"'):
            q = rest[0]
            body = rest[1:]
            while q not in body.replace("\\" + q, "") and i < len(lines):  # a value over several lines
                body += "\n" + lines[i]
                i += 1
            end = _closing_quote(body, q)
            if end < 0:
                raise InputError(f"value of {name} opens a {q} quote that is never closed", rel, n)
            value = body[:end]
            if q == '"':
                value = (value.replace("\\n", "\n").replace('\\"', '"').replace("\\\\", "\\"))
                value = interpolate_text(value, known, rel, Line(n, rel), name)
        else:
            value = re.split(r"\s+#", rest, maxsplit=1)[0].strip()
            value = interpolate_text(value, known, rel, Line(n, rel), name)
        ev = EnvValue(name, value, rel, Line(n, rel))
        known[name] = ev
        out.append(ev)
    return out


def _closing_quote(body: str, q: str) -> int:
    i = 0
    while i < len(body):
        if body[i] == "\\" and q == '"':
            i += 2
            continue
        if body[i] == q:
            return i
        i += 1
    return -1


# -- interpolation --------------------------------------------------------------------------
def interpolate_text(text: str, env: Env, rel: str, line: int | None, where: str,
                     used: list[EnvValue] | None = None) -> str:
    """`${X}`, `$X`, `${X:-d}`, `${X-d}`, `${X:?e}`, `${X?e}`, `${X:+r}`, `${X+r}`, `$$`, as
    compose-go's template does it; defaults may hold further references."""
    if "$" not in text:
        return text
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c != "$":
            out.append(c)
            i += 1
            continue
        nxt = text[i + 1] if i + 1 < n else ""
        if nxt == "$":
            out.append("$")
            i += 2
        elif nxt == "{":
            end = _matching_brace(text, i + 2)
            if end < 0:
                raise _bad_format(text, rel, line, where)
            out.append(_braced(text[i + 2:end], env, rel, line, where, text, used))
            i = end + 1
        else:
            m = NAME.match(text, i + 1)
            if m is None:  # a `$` before anything but a name or `{` is kept as written
                out.append("$")
                i += 1
                continue
            out.append(_value(env, m.group(), used) or "")
            i = m.end()
    return "".join(out)


def _matching_brace(text: str, start: int) -> int:
    depth = 1
    i = start
    while i < len(text):
        if text.startswith("${", i):
            depth += 1
            i += 2
            continue
        if text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _value(env: Env, name: str, used: list[EnvValue] | None) -> str | None:
    v = env.get(name)
    if v is not None and used is not None:
        used.append(v)
    return v.value if v is not None else None


def _braced(body: str, env: Env, rel: str, line: int | None, where: str, whole: str,
            used: list[EnvValue] | None = None) -> str:
    m = NAME.match(body)
    if m is None:
        raise _bad_format(whole, rel, line, where)
    name, rest = m.group(), body[m.end():]
    if not rest:
        return _value(env, name, used) or ""
    op = rest[:2] if rest[:2] in (":-", ":?", ":+") else rest[:1]
    if op not in (":-", ":?", ":+", "-", "?", "+"):
        raise _bad_format(whole, rel, line, where)
    arg = rest[len(op):]
    value = env.lookup(name)
    present = value is not None and (value != "" or ":" not in op)
    if op.endswith("-"):
        return _value(env, name, used) if present else interpolate_text(arg, env, rel, line, where, used)
    if op.endswith("+"):
        return interpolate_text(arg, env, rel, line, where, used) if present else ""
    if not present:
        why = interpolate_text(arg, env, rel, line, where)
        raise InputError(f"required variable {name} is missing a value" + (f": {why}" if why else "")
                         + f" ({where}); set it in .env", rel, line)
    return value or ""


def _bad_format(text: str, rel: str, line: int | None, where: str) -> InputError:
    return InputError(f"invalid interpolation format for {where}: {text!r}; write $$ for a literal $",
                      rel, line)


def interpolate_node(node: YNode, env: Env, rel: str, path: str = "") -> YNode:
    """A copy of the tree with every string value interpolated (keys are not)."""
    if isinstance(node, YScalar):
        if not isinstance(node.value, str) or "$" not in node.raw:
            return node
        used: list[EnvValue] = []
        text = interpolate_text(node.raw if not node.quoted else str(node.value), env, rel, node.line,
                                path or "a value", used)
        # A value that comes from one variable of a dotenv file is where that file sets it.
        line = used[0].line if len(used) == 1 and getattr(used[0].line, "file", None) and used[0].value else node.line
        return YScalar(line, node.col, value=_typed(text, node.quoted), raw=text, quoted=node.quoted, tag=node.tag)
    if isinstance(node, YSeq):
        return YSeq(node.line, node.col, items=[interpolate_node(i, env, rel, f"{path}.[]") for i in node.items],
                    tag=node.tag)
    if isinstance(node, YMap):
        m = YMap(node.line, node.col, tag=node.tag)
        m.key_lines = dict(node.key_lines)
        m.items = {k: interpolate_node(v, env, rel, f"{path}.{k}" if path else k) for k, v in node.items.items()}
        return m
    return node


def _copy_maps(node: YNode) -> YNode:
    """The tree with fresh mappings and lists (scalars shared), as interpolate_node returns it:
    later steps change mappings in place, never the parsed file."""
    if isinstance(node, YSeq):
        return YSeq(node.line, node.col, items=[_copy_maps(i) for i in node.items], tag=node.tag)
    if isinstance(node, YMap):
        return YMap(node.line, node.col, items={k: _copy_maps(v) for k, v in node.items.items()},
                    key_lines=dict(node.key_lines), tag=node.tag)
    return node


def _typed(text: str, quoted: bool) -> object:
    if not quoted and re.fullmatch(r"-?\d+", text):
        return int(text)
    return text


# -- merging (compose-go override.Merge and EnforceUnicity) ---------------------------------
def _is_null(node: YNode | None) -> bool:
    return node is None or (isinstance(node, YScalar) and node.value is None and node.tag is None)


def _seq_items(node: YNode | None) -> list[YNode]:
    if isinstance(node, YSeq):
        return list(node.items)
    if _is_null(node):
        return []
    return [node]  # type: ignore[list-item]


def _kv_map(node: YNode | None) -> YMap | None:
    """environment/labels/... in mapping form: a list of `K=V` becomes K: V, each entry keeping its line."""
    if isinstance(node, YMap):
        return node
    if isinstance(node, YSeq):
        m = YMap(node.line, node.col)
        for item in node.items:
            if not isinstance(item, YScalar):
                return None
            text = item.raw if item.value is not None else ""
            key, eq, value = text.partition("=")
            m.items[key] = YScalar(item.line, item.col, value=value if eq else None, raw=value if eq else "",
                                   quoted=True)
            m.key_lines[key] = item.line
        return m
    return None


def _name_map(node: YNode | None) -> YMap | None:
    """depends_on / networks in mapping form: a list of names becomes name: null."""
    if isinstance(node, YMap):
        return node
    if isinstance(node, YSeq):
        m = YMap(node.line, node.col)
        for item in node.items:
            if not isinstance(item, YScalar):
                return None
            key = str(item.raw)
            m.items[key] = YScalar(item.line, item.col, value=None, raw="")
            m.key_lines[key] = item.line
        return m
    return None


def _port_key(node: YNode) -> str:
    if isinstance(node, YMap):
        parts = [_plain(node.get(k)) for k in ("host_ip", "published", "target", "protocol")]
        return "%s:%s:%s/%s" % tuple(parts)
    return _plain(node)


def _volume_key(node: YNode) -> str:
    if isinstance(node, YMap):
        return _plain(node.get("target"))
    text = _plain(node)
    parts = text.split(":")
    if len(parts) >= 3 and len(parts[0]) == 1 and parts[1][:1] in ("\\", "/"):
        parts = [parts[0] + ":" + parts[1]] + parts[2:]
    return parts[1] if len(parts) > 1 else parts[0]


def _env_file_key(node: YNode) -> str:
    return _plain(node.get("path")) if isinstance(node, YMap) else _plain(node)


def _plain(node: YNode | None) -> str:
    if isinstance(node, YScalar):
        return "" if node.value is None else str(node.raw if node.raw else node.value)
    return "" if node is None else repr(node.plain())


def _kv_key(node: YNode) -> str:
    return _plain(node).partition("=")[0]


def _mount_key(node: YNode) -> str:
    if isinstance(node, YMap):
        return _plain(node.get("target")) or _plain(node.get("source"))
    return _plain(node)


# Lists Compose keeps unique (compose-go's EnforceUnicity): a later entry with the same key
# replaces the earlier one, in its place. Compose applies it before the schema's uniqueItems.
UNIQUE: dict[str, Callable[[YNode], str]] = {
    "ports": _port_key, "volumes": _volume_key, "expose": _plain, "env_file": _env_file_key,
    "profiles": _plain, "cap_add": _plain, "cap_drop": _plain, "dns": _plain, "dns_opt": _plain,
    "dns_search": _plain, "devices": _volume_key, "links": _plain, "tmpfs": _plain, "environment": _kv_key,
    "labels": _kv_key, "annotations": _kv_key, "sysctls": _kv_key, "extra_hosts": _kv_key,
    "configs": _mount_key, "secrets": _mount_key,
}
# Keys written as one value or a list: merged as lists.
LISTISH = ("env_file", "dns", "dns_search", "tmpfs")
KV = ("environment", "labels", "annotations", "sysctls", "extra_hosts")
NAMED = ("depends_on", "networks")
OVERRIDE = ("command", "entrypoint")


def _strip(node: YNode) -> YNode:
    if node.tag in ("!override", "!reset"):
        if isinstance(node, YMap):
            m = YMap(node.line, node.col, items=dict(node.items), key_lines=dict(node.key_lines))
            return m
        if isinstance(node, YSeq):
            return YSeq(node.line, node.col, items=list(node.items))
        return YScalar(node.line, node.col, value=node.value, raw=node.raw, quoted=node.quoted)
    return node


def merge_maps(base: YMap, over: YMap, path: tuple[str, ...] = ()) -> YMap:
    """`over` merged onto `base` as Compose merges files and documents: mappings key by key,
    lists appended (ports, volumes … made unique, the later entry winning), `command` and
    scalars replaced, a null leaving the base, `!reset` removing and `!override` replacing."""
    out = YMap(base.line, base.col, items=dict(base.items), key_lines=dict(base.key_lines))
    for key, value in over.items.items():
        if value.tag == "!reset":
            out.items.pop(key, None)
            out.key_lines.pop(key, None)
            continue
        if value.tag == "!override" or key not in out.items:
            if _is_null(value) and key in out.items:
                continue
            out.items[key] = _strip(value)
            out.key_lines[key] = over.line_of(key)
            continue
        merged = merge_value(out.items[key], value, path + (key,))
        if merged is not out.items[key]:
            out.items[key] = merged
            if merged is value or isinstance(merged, YScalar):
                out.key_lines[key] = over.line_of(key)
    return out


def merge_value(base: YNode, over: YNode, path: tuple[str, ...]) -> YNode:
    if _is_null(over):
        return base
    in_service = len(path) == 3 and path[0] == "services"
    key = path[-1]
    if in_service and key in OVERRIDE:
        return over
    if in_service and key in KV:
        b, o = _kv_map(base), _kv_map(over)
        if b is not None and o is not None:
            return merge_maps(b, o, path)
    if in_service and key in NAMED:
        b, o = _name_map(base), _name_map(over)
        if b is not None and o is not None:
            return merge_maps(b, o, path)
    if in_service and key in LISTISH:
        return YSeq(base.line, base.col, items=_seq_items(base) + [_strip(i) for i in _seq_items(over)])
    if in_service and key == "build":
        b = base if isinstance(base, YMap) else _context_map(base)
        o = over if isinstance(over, YMap) else _context_map(over)
        return merge_maps(b, o, path)
    if isinstance(base, YMap) and isinstance(over, YMap):
        return merge_maps(base, over, path)
    if isinstance(base, YSeq) and isinstance(over, YSeq):
        return YSeq(base.line, base.col, items=base.items + [_strip(i) for i in over.items])
    return over


def _context_map(node: YNode) -> YMap:
    m = YMap(node.line, node.col)
    m.items["context"] = node
    m.key_lines["context"] = node.line
    return m


def enforce_unicity(services: YMap) -> None:
    for name, svc in services.items.items():
        if not isinstance(svc, YMap):
            continue
        for key, keyfn in UNIQUE.items():
            node = svc.items.get(key)
            if not isinstance(node, YSeq):
                continue
            seen: dict[str, int] = {}
            items: list[YNode] = []
            for item in node.items:
                k = keyfn(item)
                if k in seen:
                    items[seen[k]] = item
                else:
                    seen[k] = len(items)
                    items.append(item)
            if len(items) != len(node.items):
                svc.items[key] = YSeq(node.line, node.col, items=items)


# -- the project ----------------------------------------------------------------------------
@dataclass
class LoadedProject:
    root: YMap  # the effective project, merged, located
    files: list[str]  # every compose file read, in order (included and extended ones too)
    project_dir: str  # root-relative folder the paths are relative to
    env: Env
    comments: list[Comment]
    problems: list[InputError] = field(default_factory=list)  # what could not be loaded; the rest is
    inactive: dict[str, int] = field(default_factory=dict)  # services left out by profiles -> line
    project_files: list[str] = field(default_factory=list)  # the files Compose picks (what `-f` would name)


class _Loader:
    def __init__(self, root: SubmissionRoot, project_dir: str, env: Env):
        self.root = root
        self.project_dir = project_dir
        self.env = env
        self.files: list[str] = []
        self.comments: list[Comment] = []
        self.problems: list[InputError] = []
        self.cache: dict[tuple[str, int], YMap] = {}

    # reading, jailed
    def path(self, base_dir: str, written: str, what: str, rel: str, line: int | None) -> str:
        try:
            p = self.root.join(base_dir, written)
            self.root.resolve(p)
            return p
        except OutsideRootError:
            raise OutsideRootError(f"{what} {written!r} points outside the submission; it is not read",
                                   rel, line) from None

    def documents(self, rel: str, env: Env, line: int | None = None, what: str = "compose file") -> list[YMap]:
        if not self.root.exists(rel):
            self.root.resolve(rel)
            raise InputError(f"{what} {rel} not found", None, None)
        src = self.root.read(rel)
        docs = load_yaml_documents(src.text, rel)
        if rel not in self.files:
            self.files.append(rel)
            self.comments.extend(docs[0].comments)
        out = []
        for d in docs:
            if d.root is None:
                continue
            if not isinstance(d.root, YMap):
                raise InputError("must be a mapping (key: value) at the top", rel, d.root.line)
            # Compose takes `include:` out and makes lists unique first, then checks the
            # document against its schema.
            if isinstance(d.root.get("services"), YMap):
                enforce_unicity(d.root.get("services"))  # type: ignore[arg-type]
            validate(YMap(d.root.line, d.root.col, items={k: v for k, v in d.root.items.items() if k != "include"},
                          key_lines=d.root.key_lines), rel)
            doc = interpolate_node(d.root, env, rel) if "$" in src.text else _copy_maps(d.root)
            self.rebase(doc, posixpath.dirname(rel))  # paths made relative to the project folder
            out.append(doc)
        return out

    def load_file(self, rel: str, env: Env, depth: int = 0) -> YMap:
        """One compose file: its documents merged, its extends and includes applied. Paths in a
        file outside the project folder are made relative to the project folder."""
        merged: YMap | None = None
        for doc in self.documents(rel, env):
            doc = self.apply_extends(doc, rel, env, depth)
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
                    if isinstance(spec, YMap) and isinstance(spec.get("file"), YScalar):
                        spec.items["file"] = self._moved(spec.get("file"), file_dir)

    def _moved(self, node: YNode, file_dir: str, bind: bool = False) -> YNode:
        if not isinstance(node, YScalar) or node.value is None:
            return node
        text = str(node.raw)
        if text.startswith(("/", "~", "$")) or "://" in text or re.match(r"^[A-Za-z]:[\\/]", text):
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
        elif isinstance(build, YMap) and build.get("context") is not None:
            build.items["context"] = self._moved(build.get("context"), file_dir)
        elif isinstance(build, YMap):
            build.items["context"] = self._moved(YScalar(build.line, build.col, value=".", raw="."), file_dir)
            build.key_lines["context"] = build.line
        env_file = svc.get("env_file")
        if env_file is not None:
            items = []
            for item in _seq_items(env_file):
                if isinstance(item, YMap) and item.get("path") is not None:
                    m = YMap(item.line, item.col, items=dict(item.items), key_lines=dict(item.key_lines))
                    m.items["path"] = self._moved(item.get("path"), file_dir)
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
                elif isinstance(v, YMap) and _plain(v.get("type")) == "bind" and v.get("source") is not None:
                    m = YMap(v.line, v.col, items=dict(v.items), key_lines=dict(v.key_lines))
                    m.items["source"] = self._moved(v.get("source"), file_dir, bind=True)
                    items.append(m)
                else:
                    items.append(v)
            svc.items["volumes"] = YSeq(vols.line, vols.col, items=items)

    # extends
    def apply_extends(self, doc: YMap, rel: str, env: Env, depth: int) -> YMap:
        services = doc.get("services")
        if not isinstance(services, YMap) or not any(
                isinstance(s, YMap) and "extends" in s.items for s in services.items.values()):
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

    def extended(self, name: str, services: YMap, rel: str, env: Env, depth: int, done: dict[str, YNode],
                 chain: tuple[tuple[str, str], ...]) -> YNode:
        if name in done:
            return done[name]
        svc = services.items[name]
        if not isinstance(svc, YMap) or "extends" not in svc.items:
            done[name] = svc
            return svc
        if (rel, name) in chain:
            raise InputError(f"service {name} extends itself through "
                             + " -> ".join(n for _, n in chain), rel, svc.line_of("extends"))
        ext = svc.items["extends"]
        line = svc.line_of("extends")
        if isinstance(ext, YScalar) and isinstance(ext.value, str):
            base_name, base_file = ext.value, None
        elif isinstance(ext, YMap) and isinstance(ext.get("service"), YScalar):
            base_name = _plain(ext.get("service"))
            f = ext.get("file")
            base_file = _plain(f) if isinstance(f, YScalar) and f.value is not None else None
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
                raise InputError(f"service {name} extends file {base_file!r}, which is not in the submission",
                                 rel, file_line)
            key = (other, depth)
            if other == rel:
                base = self.extended(base_name, services, rel, env, depth, done, chain + ((rel, name),))
            else:
                if key not in self.cache:
                    loaded = None
                    for d in self.documents(other, env):
                        d = self.apply_extends(d, other, env, depth + 1)
                        loaded = d if loaded is None else merge_maps(loaded, d)
                    if loaded is None:
                        raise InputError(f"service {name} extends file {base_file!r}, which is empty", rel, file_line)
                    self.cache[key] = loaded
                theirs = self.cache[key].get("services")
                if not isinstance(theirs, YMap) or base_name not in theirs.items:
                    raise InputError(f"service {name} extends {base_name!r}, which is not a service of {other}",
                                     rel, line)
                base = theirs.items[base_name]
        if not isinstance(base, YMap):
            base = YMap(line, 1)
        own = YMap(svc.line, svc.col, items={k: v for k, v in svc.items.items() if k != "extends"},
                   key_lines={k: v for k, v in svc.key_lines.items() if k != "extends"}, tag=svc.tag)
        wrapped = merge_maps(YMap(0, 0, items={"services": YMap(0, 0, items={name: base})}),
                             YMap(0, 0, items={"services": YMap(0, 0, items={name: own})}))
        result = wrapped.items["services"].items[name]  # type: ignore[union-attr]
        result.line, result.col = svc.line, svc.col
        done[name] = result
        return result

    # include
    def apply_include(self, doc: YMap, rel: str, env: Env, depth: int) -> YMap:
        inc = doc.get("include")
        if inc is None:
            return doc
        rest = YMap(doc.line, doc.col, items={k: v for k, v in doc.items.items() if k != "include"},
                    key_lines={k: v for k, v in doc.key_lines.items() if k != "include"}, tag=doc.tag)
        failed: list[YNode] = []  # kept under `include:` for the runtime gate to see
        if depth >= MAX_INCLUDE_DEPTH:
            raise InputError("include nested too deeply (a cycle?)", rel, doc.line_of("include"))
        if not isinstance(inc, YSeq) and not _is_null(inc):
            raise InputError("include must be a list of files", rel, doc.line_of("include"))
        for item in _seq_items(inc):
            if _is_null(item):
                continue  # Compose skips an empty entry
            paths: list[tuple[str, int]] = []
            env_files: list[tuple[str, int]] = []
            if isinstance(item, YScalar) and item.value is not None:
                paths = [(_plain(item), item.line)]
            elif isinstance(item, YMap):
                p = item.get("path")
                paths = [(_plain(x), x.line) for x in _seq_items(p) if isinstance(x, YScalar)]
                env_files = [(_plain(x), x.line) for x in _seq_items(item.get("env_file")) if isinstance(x, YScalar)]
            if not paths:
                raise InputError("an include entry needs a path", rel, item.line)
            try:
                included = self.load_include(rel, paths, env_files, env, depth)
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

    def load_include(self, rel: str, paths: list[tuple[str, int]], env_files: list[tuple[str, int]],
                     env: Env, depth: int) -> YMap:
        base_dir = posixpath.dirname(rel)
        first = self.path(base_dir, paths[0][0], "include", rel, paths[0][1])
        inc_env = Env(env)
        files = env_files or []
        if not files:
            dot = posixpath.join(posixpath.dirname(first), ".env")
            if posixpath.dirname(first) != self.project_dir and self.root.exists(dot):
                files = [(posixpath.relpath(dot, base_dir or "."), paths[0][1])]
        for written, line in files:
            p = self.path(base_dir, written, "include env_file", rel, line)
            if not self.root.exists(p):
                raise InputError(f"include env_file {written!r} is not in the submission", rel, line)
            for v in parse_dotenv(self.root.read(p).text, p, inc_env):
                inc_env[v.name] = v
        merged: YMap | None = None
        for written, line in paths:
            p = self.path(base_dir, written, "include", rel, line)
            if not self.root.exists(p):
                self.root.resolve(p)
                raise InputError(f"include {written!r}: the file is not in the submission", rel, line)
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
                        raise InputError(f"{section}.{key} is defined here and by include; Compose refuses "
                                         "the conflict", rel, combined.line_of(key))
                    continue
                combined.items[key] = value
                combined.key_lines[key] = theirs.line_of(key)
            out.items[section] = combined
            out.key_lines.setdefault(section, Line(line, rel))
        return out


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
                    raise OutsideRootError(f"COMPOSE_FILE names {part!r}, which points outside the submission; "
                                           "it is not read", cf.file, cf.line) from None
        return out
    names = _listing(root, project_dir)
    base = next((n for n in DEFAULT_FILES if _present(root, posixpath.join(project_dir, n), names)), None)
    if base is None:
        raise InputError("no compose file found: looked for " + ", ".join(DEFAULT_FILES),
                         project_dir or root.rel(root.root))
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


def active_profiles(env: Env) -> set[str]:
    value = env.lookup("COMPOSE_PROFILES") or ""
    return {p.strip() for p in value.split(",") if p.strip()}


def load_project(root: SubmissionRoot, files: list[tuple[str, int | None]], project_dir: str,
                 env: Env) -> LoadedProject:
    """Merge `files` in order into the effective project. A missing include (or its env file)
    is a problem kept on the project and the rest is loaded; anything else Compose refuses
    raises InputError with file:line."""
    loader = _Loader(root, project_dir, env)
    merged: YMap | None = None
    for rel, line in files:
        if not root.exists(rel):
            root.resolve(rel)
            if line is not None:
                raise InputError(f"COMPOSE_FILE names {rel}, which is not in the submission",
                                 env["COMPOSE_FILE"].file, line)
            raise InputError("file not found", rel)
        one = loader.load_file(rel, env)
        merged = one if merged is None else merge_maps(merged, one)
    if merged is None or not merged.items:
        raise InputError("is empty: a compose file needs `services:`", files[0][0] if files else None)
    services = merged.get("services")
    if isinstance(services, YMap):
        enforce_unicity(services)
    project = LoadedProject(merged, loader.files, project_dir, env, loader.comments, loader.problems,
                            project_files=[rel for rel, _ in files])
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
        names = {_plain(p) for p in _seq_items(profiles)} if profiles is not None else set()
        if names and not (names & enabled or "*" in enabled):
            project.inactive[name] = services.line_of(name)
            keep.key_lines.pop(name, None)
            continue
        keep.items[name] = svc
    project.root.items["services"] = keep
