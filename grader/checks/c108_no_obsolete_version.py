"""A top-level `version:` is obsolete in Compose v2: it is ignored, with a warning."""
from typing import Iterator

from grader.checks.context import CheckContext
from grader.results import Finding, Status

CODE = "C108"
SLUG = "compose.no-obsolete-version"
ASK = None
NEEDS = ("compose",)


def check(ctx: CheckContext) -> Iterator[Finding]:
    line = ctx.compose.version_line
    if line is not None:
        yield ctx.at_compose(Status.WARN, "obsolete", line)
    else:
        yield ctx.at_compose(Status.PASS, "pass", None)
