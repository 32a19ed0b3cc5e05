"""C1: the backend has no container_name, so Compose can run several replicas of it."""
from typing import Iterator

from grader.checks.context import CheckContext
from grader.results import Finding, Status

CODE = "C101"
SLUG = "compose.backend-no-container-name"
ASK = "C1"
NEEDS = ("backend",)


def check(ctx: CheckContext) -> Iterator[Finding]:
    backend = ctx.backend
    if backend.container_name is not None:
        yield ctx.at_compose(Status.FAIL, "fail", backend.container_name.line,
                             service=backend.name, value=backend.container_name.value)
    else:
        yield ctx.at_compose(Status.PASS, "pass", backend.line, service=backend.name)
