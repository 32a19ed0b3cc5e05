"""Just enough of a Dockerfile to locate files and roles: FROM per stage, COPY/ADD with their
source and destination, EXPOSE, ENV, CMD and ENTRYPOINT, each with its line."""

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
    flags: dict[str, str] = field(default_factory=dict)
    raw: str = ""


@dataclass
class Stage:
    """One build stage: from its FROM to the next."""

    image: str
    name: str | None
    line: int
    instructions: list[Instruction] = field(default_factory=list)


@dataclass
class Dockerfile:
    """A parsed Dockerfile and its build stages."""

    rel: str
    stages: list[Stage]
    global_args: list[Instruction] = field(default_factory=list)  # ARG before the first FROM
    syntax: tuple[str, int] | None = None  # a `# syntax=IMAGE` directive: the frontend BuildKit runs

    @property
    def final(self) -> Stage | None:
        return self.stages[-1] if self.stages else None

    def final_copies(self) -> list[Instruction]:
        """COPY/ADD of the build context into the final image (not `--from=` another stage)."""
        st = self.final
        if st is None:
            return []
        return [i for i in st.instructions if i.keyword in ("COPY", "ADD") and "from" not in i.flags]


def _logical_lines(text: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    buf, start = "", 0
    for n, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if not buf and (not stripped or stripped.startswith("#")):
            continue
        if buf and stripped.startswith("#"):
            continue  # comment lines inside a continuation are dropped by Docker too
        if not buf:
            start = n
        if stripped.endswith("\\"):
            buf += stripped[:-1] + " "
            continue
        buf += stripped
        out.append((start, buf))
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


def _syntax_directive(text: str) -> tuple[str, int] | None:
    """`# syntax=IMAGE` among the parser directives at the top (before any other line)."""
    for n, line in enumerate(text.split("\n"), start=1):
        m = re.match(r"\s*#\s*(\w+)\s*=\s*(\S+)\s*$", line)
        if not m:
            return None
        if m.group(1).lower() == "syntax":
            return m.group(2), n
    return None


def parse_dockerfile(text: str, rel: str) -> Dockerfile:
    stages: list[Stage] = []
    global_args: list[Instruction] = []
    for line, logical in _logical_lines(text):
        m = re.match(r"(\w+)\s*(.*)$", logical)
        if not m:
            continue
        keyword, rest = m.group(1).upper(), m.group(2)
        args = _split_args(rest)
        flags: dict[str, str] = {}
        while args and args[0].startswith("--"):
            k, _, v = args.pop(0)[2:].partition("=")
            flags[k] = v
        inst = Instruction(line, keyword, args, flags, logical)
        if keyword == "FROM":
            image = args[0] if args else ""
            name = args[2] if len(args) >= 3 and args[1].upper() == "AS" else None
            stages.append(Stage(image=image, name=name, line=line))
        elif stages:
            stages[-1].instructions.append(inst)
        elif keyword == "ARG":
            global_args.append(inst)
    return Dockerfile(rel=rel, stages=stages, global_args=global_args, syntax=_syntax_directive(text))
