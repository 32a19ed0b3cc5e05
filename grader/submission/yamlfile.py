"""YAML read safely, with the line and column of every key and value, and the comments.

PyYAML's parser gives the node graph; we turn it into small located nodes ourselves so
that a check can say `docker-compose.yml:14`. Plain scalars are typed as Compose's YAML parser
(go-yaml v3) types them, not by PyYAML's YAML 1.1 rules: `no`, `on` and `yes` are strings, `0x1F`
is 31, `1.50` is 1.5 (grader.submission.goyaml). Anchors and merge keys (`<<:`) are resolved as
Compose resolves them. Hostile input is refused before it costs anything: nesting deeper
than MAX_DEPTH is caught on the event stream (no recursion), and an alias bomb is caught by
counting the size the document would have once aliases are expanded (memoised, linear).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, overload

import yaml

from grader.errors import InputError
from grader.submission.goyaml import PLAIN_TAG, STR_TAG, compose_text, resolve_plain

MAX_DEPTH = 64
MAX_EXPANDED_NODES = 50_000
MERGE_TAG = "tag:yaml.org,2002:merge"


# libyaml, when PyYAML was built with it, reads the same YAML ~10x faster with the same marks.
class LOADER(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Resolves no implicit type but the merge key: an untagged plain scalar gets PLAIN_TAG and
    is typed afterwards by goyaml.resolve_plain, as go-yaml does, never by YAML 1.1's rules."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode and implicit[0]:
            return MERGE_TAG if value == "<<" else PLAIN_TAG
        return super().resolve(kind, value, implicit)


class Line(int):
    """A 1-based line number that also names its file: a Compose project merges values from
    several files (override, include, extends), and a finding must point at the right one."""

    file: str | None

    def __new__(cls, n: int, file: str | None = None) -> Line:
        obj = super().__new__(cls, n)
        obj.file = file
        return obj

    def __reduce__(self) -> Any:
        return (Line, (int(self), self.file))


@overload
def file_of(line: int | None, default: str) -> str: ...
@overload
def file_of(line: int | None, default: str | None) -> str | None: ...
def file_of(line: int | None, default: str | None) -> str | None:
    """The file a line was read from when it is a Line that knows it, else `default`."""
    return getattr(line, "file", None) or default


@dataclass
class YNode:
    """A YAML node with the place it was written, so every finding can point at its line."""

    line: int  # 1-based; a Line (with its file) when read by load_yaml
    col: int  # 1-based
    tag: str | None = field(default=None, kw_only=True)  # a local tag such as !reset or !override

    def plain(self) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError


@dataclass
class YScalar(YNode):
    """A scalar: the value as Compose reads it, and the text as the learner wrote it."""

    value: Any = None
    raw: str = ""  # the text as written, e.g. "22:22" that YAML 1.1 would read as a number
    quoted: bool = False

    def plain(self) -> Any:
        return self.value

    @property
    def text(self) -> str:
        """The value as Compose turns it into a string: `true`, `1.5`, `31`; "" for null."""
        return compose_text(self.value)


@dataclass
class YSeq(YNode):
    """A sequence of located nodes."""

    items: list[YNode] = field(default_factory=list)

    def plain(self) -> list[Any]:
        return [i.plain() for i in self.items]


@dataclass
class YMap(YNode):
    """A mapping of string keys to located nodes, with the line of each key."""

    items: dict[str, YNode] = field(default_factory=dict)
    key_lines: dict[str, int] = field(default_factory=dict)

    def get(self, key: str) -> YNode | None:
        return self.items.get(key)

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)

    def plain(self) -> dict[str, Any]:
        return {k: v.plain() for k, v in self.items.items()}


@dataclass(frozen=True)
class Comment:
    """A comment of the YAML file; the scaling comment (C105) is looked for among them."""

    line: int  # a Line, with its file, when read by load_yaml
    text: str  # without the leading '#'


@dataclass
class YamlDocument:
    """One YAML file as read: its root node and its comments."""

    rel: str
    root: YNode | None
    comments: list[Comment]
    bad_key: InputError | None = None  # a key that is not a string (Compose refuses the file)


def _mark_line(mark: Any) -> int | None:
    return mark.line + 1 if mark is not None else None


def _yaml_error(e: yaml.YAMLError, rel: str) -> InputError:
    mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
    problem = getattr(e, "problem", None) or str(e)
    context = getattr(e, "context", None)
    msg = f"YAML syntax error: {problem}" + (f" ({context})" if context else "")
    return InputError(msg, rel, _mark_line(mark))


def _check_shape(text: str, rel: str) -> None:
    """Walk the event stream once: refuse deep nesting before anything recursive runs."""
    depth = 0
    try:
        for ev in yaml.parse(text, Loader=LOADER):
            if isinstance(ev, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise InputError(
                        f"nesting deeper than {MAX_DEPTH} levels; a compose file never needs that",
                        rel,
                        _mark_line(ev.start_mark),
                    )
            elif isinstance(ev, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError as e:
        raise _yaml_error(e, rel) from None


_TYPED_TAGS = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"}


def scalar_value(node: yaml.ScalarNode, constructor: Any) -> Any:
    """The scalar's Go value: typed by go-yaml's rules when plain and untagged; a string when
    quoted, `!!str` or of a local tag (`!reset`); an explicit `!!int` and the like by its text."""
    if node.tag == PLAIN_TAG or node.tag in _TYPED_TAGS:
        return resolve_plain(node.value)
    if node.tag == STR_TAG or (node.tag.startswith("!") and not node.tag.startswith("!!")):
        return node.value
    try:
        return constructor.construct_object(node)
    except yaml.YAMLError:
        return node.value


class _Builder:
    def __init__(self, rel: str):
        self.rel = rel
        self.constructor = yaml.SafeLoader("")
        self.bad_key: InputError | None = None  # the first non-string key, as Compose words it
        self.sizes: dict[int, int] = {}
        self.built: dict[int, YNode] = {}

    def expanded_size(self, node: yaml.Node) -> int:
        # Iterative post-order so a long chain of aliases cannot recurse deeply.
        stack: list[tuple[yaml.Node, bool]] = [(node, False)]
        while stack:
            n, done = stack.pop()
            if id(n) in self.sizes:
                continue
            children = self._children(n)
            if done:
                total = 1 + sum(self.sizes[id(c)] for c in children)
                self.sizes[id(n)] = min(total, MAX_EXPANDED_NODES + 1)
            else:
                stack.append((n, True))
                stack.extend((c, False) for c in children if id(c) not in self.sizes)
        return self.sizes[id(node)]

    @staticmethod
    def _children(n: yaml.Node) -> list[yaml.Node]:
        if isinstance(n, yaml.SequenceNode):
            return list(n.value)
        if isinstance(n, yaml.MappingNode):
            return [x for kv in n.value for x in kv]
        return []

    def build(self, node: yaml.Node, path: str = "") -> YNode:
        if id(node) in self.built:  # an alias: the same located node, shared
            return self.built[id(node)]
        line, col = Line(node.start_mark.line + 1, self.rel), node.start_mark.column + 1
        out: YNode
        if isinstance(node, yaml.ScalarNode):
            out = YScalar(
                line, col, value=scalar_value(node, self.constructor), raw=node.value, quoted=node.style in ("'", '"')
            )
        elif isinstance(node, yaml.SequenceNode):
            out = YSeq(line, col, items=[self.build(c, f"{path}[{i}]") for i, c in enumerate(node.value)])
        elif isinstance(node, yaml.MappingNode):
            out = self._build_map(node, line, col, path)
        else:  # pragma: no cover
            raise InputError("unknown YAML node", self.rel, line)
        if node.tag and node.tag.startswith("!") and not node.tag.startswith("!!"):
            out.tag = node.tag
        self.built[id(node)] = out
        return out

    def _build_map(self, node: yaml.MappingNode, line: int, col: int, path: str) -> YMap:
        m = YMap(line, col)
        merged: list[YMap] = []
        for k, v in node.value:
            if k.tag == MERGE_TAG:
                sources = v.value if isinstance(v, yaml.SequenceNode) else [v]
                for s in sources:
                    built = self.build(s, path)
                    if not isinstance(built, YMap):
                        raise InputError("a merge key (<<) must name a mapping", self.rel, k.start_mark.line + 1)
                    merged.append(built)
                continue
            if not isinstance(k, yaml.ScalarNode):
                raise InputError(
                    "a mapping key must be a plain value, not a list or mapping", self.rel, k.start_mark.line + 1
                )
            key = k.value
            typed = scalar_value(k, self.constructor)
            if not isinstance(typed, str) and self.bad_key is None:
                # Compose decodes keys as YAML values and refuses one that is not a string.
                where = f"in {path}" if path else "at top level"
                shown = compose_text(typed) if typed is not None else "<nil>"
                self.bad_key = InputError(
                    f"Non-string key {where}: {shown}; Compose reads only string keys: "
                    f'write it in quotes ("{k.value}")',
                    self.rel,
                    k.start_mark.line + 1,
                )
            if key in m.items:
                raise InputError(
                    f"key {key!r} is defined twice (first at line {m.key_lines[key]}); Compose refuses duplicate keys",
                    self.rel,
                    k.start_mark.line + 1,
                )
            m.items[key] = self.build(v, f"{path}.{key}" if path else key)
            m.key_lines[key] = Line(k.start_mark.line + 1, self.rel)
        # Explicit keys win over merged ones; earlier merge sources win over later ones.
        for src in merged:
            for key, value in src.items.items():
                if key not in m.items:
                    m.items[key] = value
                    m.key_lines[key] = src.key_lines.get(key, src.line)
        return m


def comments_of(text: str, rel: str | None = None) -> list[Comment]:
    """Comments with their lines. A '#' starts a comment only outside scalars and at the start
    of a line or after white space, exactly as YAML reads it; the scanner tells us where the
    scalars are."""
    spans: list[tuple[int, int]] = []
    try:
        for tok in yaml.scan(text, Loader=LOADER):
            if isinstance(tok, yaml.ScalarToken):
                spans.append((tok.start_mark.index, tok.end_mark.index))
    except yaml.YAMLError:
        pass  # the loader reports the syntax error with its line; comments up to it still count
    starts = [s for s, _ in spans]
    out: list[Comment] = []
    line_start = 0
    for lineno, line in enumerate(text.split("\n"), start=1):
        pos = line.find("#")
        while pos != -1:
            idx = line_start + pos
            before_ok = pos == 0 or line[pos - 1] in " \t"
            i = bisect.bisect_right(starts, idx) - 1
            inside = i >= 0 and spans[i][0] <= idx < spans[i][1]
            if before_ok and not inside:
                out.append(Comment(Line(lineno, rel), line[pos + 1 :].strip()))
                break
            pos = line.find("#", pos + 1)
        line_start += len(line) + 1
    return out


def load_yaml_documents(text: str, rel: str) -> list[YamlDocument]:
    """Every YAML document of a file (`---` separates them; Compose merges them in order).
    Comments are given with the first document."""
    _check_shape(text, rel)
    try:
        nodes: list[yaml.Node | None] = list(yaml.compose_all(text, Loader=LOADER))
    except yaml.YAMLError as e:
        raise _yaml_error(e, rel) from None
    out = []
    budget = MAX_EXPANDED_NODES
    for node in nodes or [None]:
        builder = _Builder(rel)
        if node is not None:
            size = builder.expanded_size(node)
            budget -= size
            if size > MAX_EXPANDED_NODES or budget < 0:
                raise InputError(
                    f"expands to more than {MAX_EXPANDED_NODES} values through aliases (an alias bomb?)",
                    rel,
                    node.start_mark.line + 1,
                )
        root = builder.build(node) if node is not None else None
        out.append(YamlDocument(rel=rel, root=root, comments=[], bad_key=builder.bad_key))
    out[0].comments = comments_of(text, rel)
    return out


def load_yaml(text: str, rel: str) -> YamlDocument:
    """A file of one YAML document; several documents are refused (see load_yaml_documents)."""
    docs = load_yaml_documents(text, rel)
    if len(docs) > 1:
        second = docs[1].root
        raise InputError(
            "holds several YAML documents (---); a compose file is one document",
            rel,
            second.line if second is not None else None,
        )
    return docs[0]


def walk(node: YNode) -> Iterator[YNode]:
    yield node
    if isinstance(node, YMap):
        for v in node.items.values():
            yield from walk(v)
    elif isinstance(node, YSeq):
        for v in node.items:
            yield from walk(v)
