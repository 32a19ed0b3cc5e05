"""Interpolation as Compose does it (compose-go's template) and dotenv files as Compose reads
them. Values come only from the submission's files, never from the grader's environment."""

from __future__ import annotations

import re
from dataclasses import dataclass

from grader.errors import InputError
from grader.submission.yamlfile import Line, YMap, YNode, YScalar, YSeq, file_of

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


def parse_dotenv(text: str, rel: str, env: Env | None = None, bare_lookup: bool = False) -> list[EnvValue]:
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
            # a bare name: taken from the shell running compose (which the grader is not) and, in
            # an env_file, from the project's .env
            if bare_lookup and known.lookup(name) is not None:
                out.append(EnvValue(name, known.lookup(name), rel, Line(n, rel)))
            continue
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
            # What follows the closing quote is read as the next name: a name is skipped, anything
            # else refused, as compose-go's dotenv does (`J='it''s'`).
            after = body[end + 1 :].strip()
            if after and not after.startswith("#"):
                bad = re.search(r"[^A-Za-z0-9_.\-\s]", after.split("#")[0])
                if bad:
                    raise InputError(f'unexpected character "{bad.group()}" in variable name "{after}"', rel, n)
            if q == '"':
                value = interpolate_text(_double_quoted(value), known, rel, Line(n, rel), name)
        else:
            value = re.split(r"\s+#", rest, maxsplit=1)[0].strip()
            value = interpolate_text(value, known, rel, Line(n, rel), name)
        ev = EnvValue(name, value, rel, Line(n, rel))
        known[name] = ev
        out.append(ev)
    return out


_ESCAPES = {
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
    "\\": "\\",
    '"': '"',
    "$": "$$",
}  # `\$` is a literal $: written $$ for the interpolation that follows


def _double_quoted(body: str) -> str:
    """The escapes compose-go's dotenv reads in a double-quoted value; any other backslash stays."""
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), body, flags=re.S)


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
def interpolate_text(
    text: str, env: Env, rel: str, line: int | None, where: str, used: list[EnvValue] | None = None
) -> str:
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
            out.append(_braced(text[i + 2 : end], env, rel, line, where, text, used))
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


def _braced(
    body: str, env: Env, rel: str, line: int | None, where: str, whole: str, used: list[EnvValue] | None = None
) -> str:
    m = NAME.match(body)
    if m is None:
        raise _bad_format(whole, rel, line, where)
    name, rest = m.group(), body[m.end() :]
    if not rest:
        return _value(env, name, used) or ""
    op = rest[:2] if rest[:2] in (":-", ":?", ":+") else rest[:1]
    if op not in (":-", ":?", ":+", "-", "?", "+"):
        raise _bad_format(whole, rel, line, where)
    arg = rest[len(op) :]
    value = env.lookup(name)
    present = value is not None and (value != "" or ":" not in op)
    if op.endswith("-"):
        if present:
            # Compose works the default out even when it is not used: `${A:-${B:?e}}` with A set
            # is still refused when B is not.
            interpolate_text(arg, env, rel, line, where)
            return _value(env, name, used) or ""  # present: never None
        return interpolate_text(arg, env, rel, line, where, used)
    if op.endswith("+"):
        return interpolate_text(arg, env, rel, line, where, used) if present else ""
    if not present:
        why = interpolate_text(arg, env, rel, line, where)
        raise InputError(
            f"required variable {name} is missing a value"
            + (f": {why}" if why else "")
            + f" ({where}); set it in .env",
            rel,
            line,
        )
    return value or ""


def _bad_format(text: str, rel: str, line: int | None, where: str) -> InputError:
    return InputError(f"invalid interpolation format for {where}: {text!r}; write $$ for a literal $", rel, line)


def interpolate_node(node: YNode, env: Env, rel: str, path: str = "") -> YNode:
    """A copy of the tree with every string value interpolated (keys are not), and the strings
    at the paths Compose casts (`scale`, `privileged`, ...) turned into their type."""
    if isinstance(node, YScalar):
        if not isinstance(node.value, str):
            return node
        cast = cast_for(path)
        if "$" not in node.raw and cast is None:
            return node
        used: list[EnvValue] = []
        text = node.value
        if "$" in node.raw:
            text = interpolate_text(
                node.raw if not node.quoted else str(node.value), env, rel, node.line, path or "a value", used
            )
        # A value that comes from one variable of a dotenv file is where that file sets it.
        line = used[0].line if len(used) == 1 and getattr(used[0].line, "file", None) and used[0].value else node.line
        value: object = text
        if cast is not None:
            try:
                value = cast(text)
            except ValueError as e:
                raise InputError(
                    f"error while interpolating {path}: failed to cast to expected type: {e}; "
                    f"{path} takes {_KINDS[cast]}",
                    file_of(node.line, rel),
                    node.line,
                ) from None
        return YScalar(line, node.col, value=value, raw=text, quoted=node.quoted, tag=node.tag)
    if isinstance(node, YSeq):
        return YSeq(
            node.line, node.col, items=[interpolate_node(i, env, rel, f"{path}.[]") for i in node.items], tag=node.tag
        )
    if isinstance(node, YMap):
        m = YMap(node.line, node.col, tag=node.tag)
        m.key_lines = dict(node.key_lines)
        m.items = {k: interpolate_node(v, env, rel, f"{path}.{k}" if path else k) for k, v in node.items.items()}
        return m
    return node


# -- the casts after interpolation (compose-go's interpolateTypeCastMapping) ----------------
def _to_int(text: str) -> int:
    if not re.fullmatch(r"[-+]?[0-9]+", text):
        raise ValueError(f'strconv.Atoi: parsing "{text}": invalid syntax')
    return int(text)


def _to_float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError(f'strconv.ParseFloat: parsing "{text}": invalid syntax') from None


def _to_bool(text: str) -> bool:
    low = text.lower()
    if low in ("true", "y", "yes", "on"):
        return True
    if low in ("false", "n", "no", "off"):
        return False
    raise ValueError(f"invalid boolean: {text}")


_KINDS = {_to_int: "a whole number", _to_float: "a number", _to_bool: "true or false"}
_SERVICE_CASTS = {
    "configs.[].mode": _to_int,
    "cpu_count": _to_int,
    "cpu_percent": _to_float,
    "cpu_period": _to_int,
    "cpu_quota": _to_int,
    "cpu_rt_period": _to_int,
    "cpu_rt_runtime": _to_int,
    "cpus": _to_float,
    "cpu_shares": _to_int,
    "init": _to_bool,
    "deploy.replicas": _to_int,
    "deploy.update_config.parallelism": _to_int,
    "deploy.update_config.max_failure_ratio": _to_float,
    "deploy.rollback_config.parallelism": _to_int,
    "deploy.rollback_config.max_failure_ratio": _to_float,
    "deploy.restart_policy.max_attempts": _to_int,
    "deploy.placement.max_replicas_per_node": _to_int,
    "healthcheck.retries": _to_int,
    "healthcheck.disable": _to_bool,
    "oom_kill_disable": _to_bool,
    "oom_score_adj": _to_int,
    "pids_limit": _to_int,
    "ports.[].target": _to_int,
    "privileged": _to_bool,
    "read_only": _to_bool,
    "scale": _to_int,
    "secrets.[].mode": _to_int,
    "stdin_open": _to_bool,
    "tty": _to_bool,
    "ulimits.*": _to_int,
    "ulimits.*.hard": _to_int,
    "ulimits.*.soft": _to_int,
    "volumes.[].read_only": _to_bool,
    "volumes.[].volume.nocopy": _to_bool,
}
_TOP_CASTS = {
    "networks.*.external": _to_bool,
    "networks.*.internal": _to_bool,
    "networks.*.attachable": _to_bool,
    "networks.*.enable_ipv6": _to_bool,
    "volumes.*.external": _to_bool,
    "secrets.*.external": _to_bool,
    "configs.*.external": _to_bool,
}


def cast_for(path: str):
    """The cast Compose applies to a string at `path` (a.b.[].c), or None."""
    parts = path.split(".")
    if len(parts) > 2 and parts[0] == "services":
        return _match(_SERVICE_CASTS, parts[2:])
    return _match(_TOP_CASTS, parts)


def _match(table: dict, parts: list[str]):
    for pattern, cast in table.items():
        want = pattern.split(".")
        if len(want) == len(parts) and all(
            w == p or (w == "*" and p != "[]") for w, p in zip(want, parts, strict=True)
        ):
            return cast
    return None
