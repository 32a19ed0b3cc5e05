"""C2: the backend publishes no host port; only the frontend reaches it, on the network."""
from typing import Iterator

from grader.checks.context import CheckContext
from grader.results import Finding, Status

CODE = "C102"
SLUG = "compose.backend-no-published-ports"
ASK = "C2"
NEEDS = ("backend",)


def check(ctx: CheckContext) -> Iterator[Finding]:
    backend = ctx.backend
    fixed = [p for p in backend.ports if p.published]
    if fixed:
        # A fixed host port can be bound by one replica only: the 2nd fails to start.
        p = fixed[0]
        yield ctx.at_compose(Status.FAIL, "fail", p.line, service=backend.name,
                             port=f"{p.published}:{p.target}")
    elif backend.ports:
        p = backend.ports[0]
        yield ctx.at_compose(Status.WARN, "ephemeral", p.line, service=backend.name, port=p.target)
    else:
        yield ctx.at_compose(Status.PASS, "pass", backend.line, service=backend.name)
