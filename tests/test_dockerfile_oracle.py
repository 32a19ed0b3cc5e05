"""The grader's Dockerfile reader (grader/submission/dockerfile.py) against BuildKit's own parser,
which the `dockerfile` package wraps (Go, compiled in its wheel): every instruction's first
line, keyword and flags, FROM's image and COPY/ADD's sources, over every Dockerfile of the
project (the workshop, the fixtures, the legitimate suite) and variants made to differ where a
reader could: parser directives (escape in any case, one after a comment, an unknown one),
continuations with either escape character, comments and blank lines inside them, heredocs,
flags in upper case, several mounts, ONBUILD, JSON form. The gate reads images from this model,
so "run what was checked" rests on it."""

from __future__ import annotations

from pathlib import Path

import pytest

dockerfile = pytest.importorskip("dockerfile", reason="BuildKit's parser (pip install dockerfile) is in the test extra")

from grader.submission.dockerfile import Instruction, parse_dockerfile  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SKIP_DIRS = {".git", "node_modules", "site", "build"}

VARIANTS = {
    "escape backtick": "# escape=`\nFROM python:3.13-slim\nRUN echo a `\n  && echo b\nCOPY --from=victim:1 /s /d\n",
    "escape in upper case": "# ESCAPE=`\nFROM python:3.13-slim AS a\nRUN echo `\n x\nCOPY --from=a /x /y\n",
    "directive after a comment is a comment": "# hello\n# escape=`\nFROM python:3.13-slim\nRUN echo \\\n x\n",
    "directive after a blank line": "\n# escape=`\nFROM python:3.13-slim\nRUN echo \\\n x\n",
    "unknown directive then escape": "# foo=bar\n# escape=`\nFROM python:3.13-slim\nRUN echo `\n x\n",
    "syntax and check": "# syntax=docker/dockerfile:1\n# check=skip=all\nFROM python:3.13-slim\nRUN true\n",
    "comment inside a continuation": "FROM python:3.13-slim\nRUN echo a \\\n# COPY --from=victim /a /b\n  && echo b\n",
    "blank line inside a continuation": "FROM python:3.13-slim\nRUN echo a \\\n\n  && echo b\nCOPY a b\n",
    "heredoc": "FROM python:3.13-slim\nRUN <<EOF\nCOPY --from=hidden /a /b\nEOF\nCOPY a b\n",
    "heredoc with dash and tabs": "FROM python:3.13-slim\nRUN <<-EOT\n\techo hi\n\tEOT\nCOPY a b\n",
    "quoted heredoc": "FROM python:3.13-slim\nCOPY <<'EOF' /app/x.txt\nFROM victim\nEOF\nRUN true\n",
    "two heredocs": "FROM python:3.13-slim\nRUN <<A cat - && cat <<B\n1\nA\n2\nB\nRUN true\n",
    "flags in upper case": "FROM python:3.13-slim AS a\nFROM python:3.13-slim\nCOPY --FROM=a /x /y\n"
    "ADD --CHOWN=1:1 a b\n",
    "several mounts": "FROM python:3.13-slim\nRUN --mount=type=bind,FROM=v:1,target=/v "
    "--mount=type=cache,target=/c true\n",
    "onbuild": "FROM python:3.13-slim\nONBUILD COPY --from=victim /a /b\nonbuild run echo hi\n",
    "json form": 'FROM python:3.13-slim\nCMD ["python", "-u", "app.py"]\nENTRYPOINT ["/x"]\n',
    "lower-case keywords": "from python:3.13-slim as base\ncopy --from=base /a /b\nrun true\n",
    "platform flag": "FROM --platform=linux/amd64 python:3.13-slim AS b\nRUN true\n",
    "tabs and trailing spaces": "FROM\tpython:3.13-slim   \nRUN echo a \\   \n  b\nEXPOSE 8080\n",
    "crlf": "FROM python:3.13-slim\r\nRUN echo a \\\r\n  b\r\nCOPY a b\r\n",
    "global args": "ARG BASE=python:3.13-slim\nFROM ${BASE}\nARG X\nRUN echo $X\n",
}


def project_dockerfiles() -> dict[str, str]:
    found = {}
    for path in sorted(REPO.rglob("*")):
        if any(part in SKIP_DIRS for part in path.relative_to(REPO).parts):
            continue
        name = path.name.lower()
        named = name == "dockerfile" or name.endswith(".dockerfile") or name.startswith("dockerfile.")
        if path.is_file() and named and path.suffix not in (".py", ".md"):
            found[str(path.relative_to(REPO))] = path.read_text(encoding="utf-8", errors="replace")
    return found


def flag_pairs(flags: tuple[str, ...]) -> list[tuple[str, str]]:
    out = []
    for f in flags:
        key, _, value = f[2:].partition("=")
        out.append((key.lower(), value))
    return out


def ours(inst: Instruction) -> tuple[int, str, list[tuple[str, str]]]:
    return inst.line, inst.keyword, inst.flag_list


def compare(text: str) -> list[str]:
    """What differs between the two readings of `text`; counts each instruction compared."""
    theirs = list(dockerfile.parse_string(text.replace("\r\n", "\n")))
    df = parse_dockerfile(text.replace("\r\n", "\n"), "Dockerfile")
    mine: list[Instruction] = []
    for arg in df.global_args:
        mine.append(arg)
    for stage in df.stages:
        mine.append(Instruction(stage.line, "FROM", [stage.image], {}, "", []))
        mine += stage.instructions
    mine.sort(key=lambda i: i.line)
    problems = []
    if len(theirs) != len(mine):
        return [f"{len(theirs)} instructions for BuildKit, {len(mine)} for the grader"]
    for t, m in zip(theirs, mine, strict=True):
        key = t.cmd.upper()
        if (t.start_line, key) != (m.line, m.keyword):
            problems.append(f"line {t.start_line} {key} read as line {m.line} {m.keyword}")
            continue
        if key == "FROM":
            image = next(v for v in t.value if not v.startswith("--"))
            if image != m.args[0]:
                problems.append(f"line {t.start_line}: FROM {image!r} read as {m.args[0]!r}")
            continue
        if flag_pairs(t.flags) != m.flag_list:
            problems.append(f"line {t.start_line} {key}: flags {t.flags} read as {m.flag_list}")
        if key == "RUN" and not t.heredocs and " ".join(t.original.split()) != " ".join(m.raw.split()):
            problems.append(f"line {t.start_line} RUN: {t.original!r} read as {m.raw!r}")
        if key in ("COPY", "ADD") and not t.heredocs and list(t.value) != m.args:
            problems.append(f"line {t.start_line} {key}: {t.value} read as {m.args}")
        if key == "ONBUILD" and (m.trigger is None or m.trigger.keyword != (t.sub_cmd or "").upper()):
            problems.append(f"line {t.start_line}: ONBUILD {t.sub_cmd} read as {m.trigger}")
    return problems


CASES = {**project_dockerfiles(), **{f"variant: {k}": v for k, v in VARIANTS.items()}}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_graders_dockerfile_reader_reads_what_buildkit_reads(name: str) -> None:
    assert compare(CASES[name]) == []


def test_the_oracle_compares_enough() -> None:
    """A floor on what is compared: the project's Dockerfiles and every variant, each with
    instructions; and a mutant reader (escape ignored) is caught."""
    compared = sum(len(list(dockerfile.parse_string(t.replace("\r\n", "\n")))) for t in CASES.values())
    assert len(project_dockerfiles()) >= 10 and compared >= 120, (len(project_dockerfiles()), compared)
    import grader.submission.dockerfile as reader

    real = reader.read_directives
    try:
        reader.read_directives = lambda text: reader.Directives()  # a reader blind to `# escape=`
        assert compare(VARIANTS["escape backtick"]) != []
    finally:
        reader.read_directives = real
