"""C3: the frontend stays one instance with its port published."""
from typing import Iterator

from grader.checks.context import CheckContext
from grader.results import Finding, Status

CODE = "C103"
SLUG = "compose.frontend-single-published"
ASK = "C3"
NEEDS = ("frontend",)


def check(ctx: CheckContext) -> Iterator[Finding]:
    front = ctx.frontend
    count = front.replica_count()
    if count is not None and count > 1:
        line = (front.replicas or front.scale).line  # type: ignore[union-attr]
        yield ctx.at_compose(Status.FAIL, "scaled", line, service=front.name, count=count)
    elif not front.ports:
        yield ctx.at_compose(Status.FAIL, "no_ports", front.line, service=front.name)
    else:
        p = front.ports[0]
        yield ctx.at_compose(Status.PASS, "pass", p.line, service=front.name,
                             port=f"{p.published}:{p.target}" if p.published else p.target)
