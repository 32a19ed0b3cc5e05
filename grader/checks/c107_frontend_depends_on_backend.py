"""C7: the frontend depends on the backend without a health condition, so it starts as soon
as the backend replicas do."""
from typing import Iterator

from grader.checks.context import CheckContext
from grader.results import Finding, Status

CODE = "C107"
SLUG = "compose.frontend-depends-on-backend"
ASK = "C7"
NEEDS = ("backend", "frontend")


def check(ctx: CheckContext) -> Iterator[Finding]:
    backend, front = ctx.backend, ctx.frontend
    dep = next((d for d in front.depends_on if d.service == backend.name), None)
    if dep is None:
        line = front.depends_on_line or front.line
        yield ctx.at_compose(Status.FAIL, "missing", line, service=front.name, backend=backend.name)
    elif dep.condition not in (None, "service_started"):
        yield ctx.at_compose(Status.FAIL, "condition", dep.line, service=front.name, backend=backend.name,
                             condition=dep.condition)
    else:
        yield ctx.at_compose(Status.PASS, "pass", dep.line, service=front.name, backend=backend.name)
