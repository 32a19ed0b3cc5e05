"""A Dockerfile as BuildKit's parser reads it, enough to locate files, roles and the images a
build reads: parser directives (syntax, escape, check), line continuations with the escape
character, heredoc bodies, flags in any case, FROM per stage, COPY/ADD with their source and
destination, RUN's mounts, ONBUILD's trigger, each with its line. tests/test_dockerfile_oracle.py
holds it to BuildKit's own parser (the `dockerfile` package wraps it)."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field


@dataclass
class Instruction:
    """One Dockerfile instruction, continuation lines joined."""

    line: int
    keyword: str  # upper case
    args: list[str]
    flags: dict[str, str] = field(default_factory=dict)  # name (lower case) -> the last value given
    raw: str = ""
    flag_list: list[tuple[str, str]] = field(default_factory=list)  # every flag, in order (--mount twice)
    trigger: Instruction | None = None  # ONBUILD's instruction


@dataclass
class Stage:
    """One build stage: from its FROM to the next."""

    image: str
    name: str | None
    line: int
    instructions: list[Instruction] = field(default_factory=list)
    platform: str | None = None


@dataclass
class Dockerfile:
    """A parsed Dockerfile and its build stages."""

    rel: str
    stages: list[Stage]
    global_args: list[Instruction] = field(default_factory=list)  # ARG before the first FROM
    syntax: tuple[str, int] | None = None  # a `# syntax=IMAGE` directive: the frontend BuildKit runs
    directives: Directives | None = None

    @property
    def final(self) -> Stage | None:
        return self.stages[-1] if self.stages else None

    def final_copies(self) -> list[Instruction]:
        """COPY/ADD of the build context into the final image (not `--from=` another stage)."""
        st = self.final
        if st is None:
            return []
        return [i for i in st.instructions if i.keyword in ("COPY", "ADD") and "from" not in i.flags]


# BuildKit's parser directives: `# key=value` lines before anything else, keys in any case.
_DIRECTIVE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$")
KNOWN_DIRECTIVES = ("syntax", "escape", "check")
# A heredoc's start in RUN, COPY or ADD (Dockerfile syntax 1.4): <<WORD, <<-WORD, <<"WORD".
_HEREDOC = re.compile(r"<<(-?)([\"']?)([A-Za-z_][A-Za-z0-9_]*)\2")


@dataclass
class Directives:
    """The parser directives at the top of a Dockerfile, as BuildKit reads them."""

    values: dict[str, tuple[str, int]] = field(default_factory=dict)  # key (lower case) -> (value, line)
    lines: int = 0  # how many lines at the top they take
    repeated: list[tuple[str, int]] = field(default_factory=list)  # a directive given twice: BuildKit refuses

    @property
    def escape(self) -> str:
        value = self.values.get("escape", ("\\", 0))[0]
        return value if value in ("\\", "`") else "\\"


def read_directives(text: str) -> Directives:
    """BuildKit looks for directives only until the first line that is not one (a comment, a
    blank line or an instruction); an unknown key is a comment, so it ends them too."""
    found = Directives()
    for n, line in enumerate(text.split("\n"), start=1):
        m = _DIRECTIVE.match(line.strip())
        if not m:
            break
        key = m.group(1).lower()
        if key not in KNOWN_DIRECTIVES:
            break  # a comment, which ends the directives
        if key in found.values:
            found.repeated.append((key, n))
        found.values[key] = (m.group(2), n)
        found.lines = n
    return found


def _logical_lines(text: str, escape: str = "\\", heredocs: bool = True) -> list[tuple[int, str]]:
    """Instructions with their first line: lines ending in the escape character continue on the
    next; comment and empty lines inside a continuation are dropped, as BuildKit drops them;
    with `heredocs`, the body of a RUN, COPY or ADD heredoc is not read as instructions."""
    out: list[tuple[int, str]] = []
    buf, start = "", 0
    lines = text.split("\n")
    n = 0
    while n < len(lines):
        line = lines[n]
        n += 1
        stripped = line.strip()
        if not buf and (not stripped or stripped.startswith("#")):
            continue
        if buf and (not stripped or stripped.startswith("#")):
            continue
        if not buf:
            start = n
        if stripped.endswith(escape):
            buf += stripped[: -len(escape)] + " "
            continue
        buf += stripped
        out.append((start, buf))
        if heredocs and re.match(r"(?i)(RUN|COPY|ADD)\b", buf):
            for m in _HEREDOC.finditer(buf):
                strip_tabs, word = m.group(1) == "-", m.group(3)
                while n < len(lines):
                    body = lines[n].lstrip("\t") if strip_tabs else lines[n]
                    n += 1
                    if body.rstrip("\r") == word:
                        break
        buf = ""
    if buf:
        out.append((start, buf))
    return out


def _split_args(rest: str) -> list[str]:
    rest = rest.strip()
    if rest.startswith("["):
        try:
            value = json.loads(rest)
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                return value
        except ValueError:
            pass
    try:
        return shlex.split(rest, posix=True)
    except ValueError:
        return rest.split()


def mount_options(value: str) -> dict[str, str]:
    """A `RUN --mount=` value's options, keys in lower case as BuildKit reads them
    (`type=bind,FROM=img,target=/x`); a bare key (`readonly`) maps to ""."""
    import csv

    options: dict[str, str] = {}
    for field_ in next(csv.reader([value]), []):
        key, _, v = field_.partition("=")
        options[key.strip().lower()] = v.strip()
    return options


def _instruction(line: int, logical: str) -> Instruction | None:
    m = re.match(r"(\w+)\s*(.*)$", logical, re.S)
    if not m:
        return None
    keyword, rest = m.group(1).upper(), m.group(2)
    args = _split_args(rest)
    flags: dict[str, str] = {}
    flag_list: list[tuple[str, str]] = []
    while args and args[0].startswith("--"):
        # BuildKit's flags are --name=value; the grader reads a name in any case as its lower
        # case, so `--FROM=img` is checked as the `--from` it may be taken for.
        k, _, v = args.pop(0)[2:].partition("=")
        flags[k.lower()] = v
        flag_list.append((k.lower(), v))
    inst = Instruction(line, keyword, args, flags, logical, flag_list)
    if keyword == "ONBUILD" and rest.strip():
        inst.trigger = _instruction(line, rest.strip())
    return inst


def parse_dockerfile(text: str, rel: str, heredocs: bool = True) -> Dockerfile:
    """The Dockerfile as BuildKit reads it: its parser directives (escape sets the continuation
    character), instructions with their first line, flags, and (`heredocs`) heredoc bodies
    left out, as Dockerfile syntax 1.4 and later reads them; heredocs=False reads them as an
    older frontend does, each body line an instruction."""
    directives = read_directives(text)
    stages: list[Stage] = []
    global_args: list[Instruction] = []
    body = "\n".join([""] * directives.lines + text.split("\n")[directives.lines :])
    for line, logical in _logical_lines(body, directives.escape, heredocs):
        inst = _instruction(line, logical)
        if inst is None:
            continue
        if inst.keyword == "FROM":
            args = inst.args
            image = args[0] if args else ""
            name = args[2] if len(args) >= 3 and args[1].upper() == "AS" else None
            stages.append(Stage(image=image, name=name, line=line, platform=inst.flags.get("platform")))
        elif stages:
            stages[-1].instructions.append(inst)
        elif inst.keyword == "ARG":
            global_args.append(inst)
    syntax = directives.values.get("syntax")
    return Dockerfile(rel=rel, stages=stages, global_args=global_args, syntax=syntax, directives=directives)


def namespaced_cache_mounts(text: str, namespace: str) -> tuple[str, list[int]]:
    """`text` with every `RUN --mount=type=cache` given an id of `namespace`'s own (its id, or its
    target, which BuildKit takes for the id, prefixed): a cache one build fills is then not read
    by another build on the engine. Returns the new text and the lines of mounts that could not be
    rewritten exactly (written other than as one `--mount=VALUE` word: the caller refuses them)."""
    lines = text.split("\n")
    unsure: list[int] = []
    for reading in (True, False):  # heredoc bodies read as instructions by an older frontend too
        for stage in parse_dockerfile("\n".join(lines), "Dockerfile", heredocs=reading).stages:
            for inst in stage.instructions:
                for one in (inst, inst.trigger):
                    if one is None or one.keyword != "RUN":
                        continue
                    for key, value in one.flag_list:
                        options = mount_options(value)
                        if key != "mount" or options.get("type", "").lower() != "cache":
                            continue
                        if options.get("id", "").startswith(namespace):
                            continue
                        old_id = options.get("id") or options.get("target") or options.get("dst")
                        old_id = old_id or options.get("destination") or ""
                        fields = [f for f in value.split(",") if f.split("=", 1)[0].strip().lower() != "id"]
                        new = ",".join([*fields, f"id={namespace}{old_id}"])
                        if not _replace_once(lines, inst.line - 1, f"--mount={value}", f"--mount={new}"):
                            unsure.append(inst.line)
    return "\n".join(lines), sorted(set(unsure))


def _replace_once(lines: list[str], start: int, old: str, new: str) -> bool:
    """Replace the first `old` in lines[start:] (an instruction and its continuation lines)."""
    for i in range(start, min(len(lines), start + 200)):
        if old in lines[i]:
            lines[i] = lines[i].replace(old, new, 1)
            return True
    return False
