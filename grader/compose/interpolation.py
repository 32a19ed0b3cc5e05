"""Interpolation as Compose does it (compose-go's template) and dotenv files as Compose reads
them. Values come only from the submission's files, never from the grader's environment."""
from __future__ import annotations

import re
from dataclasses import dataclass

from grader.errors import InputError
from grader.submission.yamlfile import Line, YMap, YNode, YScalar, YSeq

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


def copy_maps(node: YNode) -> YNode:
    """The tree with fresh mappings and lists (scalars shared), as interpolate_node returns it:
    later steps change mappings in place, never the parsed file."""
    if isinstance(node, YSeq):
        return YSeq(node.line, node.col, items=[copy_maps(i) for i in node.items], tag=node.tag)
    if isinstance(node, YMap):
        return YMap(node.line, node.col, items={k: copy_maps(v) for k, v in node.items.items()},
                    key_lines=dict(node.key_lines), tag=node.tag)
    return node


def _typed(text: str, quoted: bool) -> object:
    if not quoted and re.fullmatch(r"-?\d+", text):
        return int(text)
    return text
