"""The compose file is read and names the backend and the frontend. Every other compose
check needs them: when one is missing, this check says so once, with the fix, and the checks
that need it are blocked by it instead of failing each with advice of its own."""
from typing import Iterator

from grader.checks.context import CheckContext
from grader.results import Finding, Status

CODE = "C100"
SLUG = "compose.services-found"
ASK = None
NEEDS = ()
PROVIDES = ("compose", "backend", "frontend")


def check(ctx: CheckContext) -> Iterator[Finding]:
    if (cause := ctx.cause("compose")) is not None:
        yield cause
        return
    causes = [c for c in (ctx.cause("backend"), ctx.cause("frontend")) if c is not None]
    if causes:
        yield causes[0]
        if len(causes) > 1 and causes[1] != causes[0]:  # one file missing is one finding, not two
            yield causes[1]
        return
    backend, front = ctx.backend, ctx.frontend
    yield ctx.at_compose(Status.PASS, "pass", backend.line, backend=backend.name, frontend=front.name)
