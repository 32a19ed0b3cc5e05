"""What a build can copy: the files of its context that `.dockerignore` leaves in. A `COPY` or
`ADD` whose source is not among them fails the build ("not found" / "excluded by
.dockerignore"), so the image is never made. Docker's pattern rules are docker-py's
PatternMatcher (the engine's own rules, ported), not ours."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from grader.errors import InputError, OutsideRootError
from grader.submission.dockerfile import Dockerfile, Instruction, Stage
from grader.submission.reader import SubmissionRoot

GLOB_CHARS = "*?["


@dataclass(frozen=True)
class IgnoreLine:
    rel: str  # the .dockerignore file, root-relative
    line: int
    pattern: str


@dataclass(frozen=True)
class CopyFailure:
    """A COPY/ADD the build stops at: its source is not in the context the builder gets."""

    dockerfile: str
    line: int
    instruction: str  # as written, e.g. "COPY nginx.conf /etc/nginx/conf.d/default.conf"
    source: str
    destination: str
    context: str  # root-relative build context
    excluded_by: IgnoreLine | None  # None: the file is not in the context at all


def read_dockerignore(root: SubmissionRoot, context: str, dockerfile_rel: str) -> list[IgnoreLine]:
    """The ignore file the builder reads: `<Dockerfile>.dockerignore` beside the Dockerfile when
    there is one (BuildKit), else the context's `.dockerignore`; blank and `#` lines dropped."""
    for rel in (dockerfile_rel + ".dockerignore", posixpath.join(context, ".dockerignore")):
        rel = posixpath.normpath(rel)
        if not root.exists(rel):
            continue
        out = []
        for n, text in enumerate(root.read(rel).lines, start=1):
            pattern = text.strip()
            if pattern and not pattern.startswith("#"):
                out.append(IgnoreLine(rel, n, pattern))
        return out
    return []


def excluded_by(ignore: list[IgnoreLine], path: str) -> IgnoreLine | None:
    """The line that leaves `path` (context-relative) out of the context, or None when it is in.
    The last pattern that matches decides, as in Docker; that line is the one to name."""
    if not ignore:
        return None
    from docker.utils.build import PatternMatcher  # here: a static run without .dockerignore loads no SDK

    if not PatternMatcher([i.pattern for i in ignore]).matches(path):
        return None
    for n in range(len(ignore), 0, -1):
        if not PatternMatcher([i.pattern for i in ignore[: n - 1]]).matches(path):
            return ignore[n - 1]
    return ignore[-1]


def stages_built(df: Dockerfile) -> list[Stage]:
    """The stages the builder runs for the final image: the last, and those it takes from by
    `FROM <stage>` or `COPY --from=<stage>` (BuildKit skips the rest)."""
    by_name = {s.name.lower(): s for s in df.stages if s.name}
    by_name.update({str(n): s for n, s in enumerate(df.stages)})
    wanted: set[int] = set()
    todo = [df.final] if df.final else []
    while todo:
        stage = todo.pop()
        if id(stage) in wanted:
            continue
        wanted.add(id(stage))
        refs = [stage.image.lower()] + [i.flags["from"].lower() for i in stage.instructions if "from" in i.flags]
        todo += [by_name[r] for r in refs if r in by_name]
    return [s for s in df.stages if id(s) in wanted]


def copy_failure(root: SubmissionRoot, context: str, df: Dockerfile) -> CopyFailure | None:
    """The first COPY/ADD of the context, in a stage the build runs, whose literal source is
    missing from the context or excluded by .dockerignore: the build stops there. Sources with
    wildcards and ADD of a URL are not judged."""
    try:
        ignore = read_dockerignore(root, context, df.rel)
    except InputError:
        ignore = []
    for stage in stages_built(df):
        for inst in stage.instructions:
            if inst.keyword not in ("COPY", "ADD") or "from" in inst.flags or len(inst.args) < 2:
                continue
            for source in inst.args[:-1]:
                failure = _failure(root, context, df, inst, source, ignore)
                if failure is not None:
                    return failure
    return None


def _failure(
    root: SubmissionRoot, context: str, df: Dockerfile, inst: Instruction, source: str, ignore: list[IgnoreLine]
) -> CopyFailure | None:
    if any(c in source for c in GLOB_CHARS) or "://" in source or source.startswith("git@") or "$" in source:
        return None
    # The builder reads sources relative to the context's root, `..` and a leading `/` included.
    inside = posixpath.normpath("/" + source).lstrip("/")
    if inside in ("", "."):
        return None
    try:
        rel = root.join(context, inside)
        root.resolve(rel)
    except OutsideRootError:
        return None  # refused where the path is read (the gate, the nginx config), never followed
    found = root.exists(rel) or root.is_dir(rel)
    why = excluded_by(ignore, inside) if found else None
    if found and why is None:
        return None
    return CopyFailure(df.rel, inst.line, inst.raw, source, inst.args[-1], context, why)
