"""C2: the backend publishes no host port; only the frontend reaches it, on the network."""
import re
from typing import Iterator

from grader.checks.context import CheckContext
from grader.results import Finding, Status

CODE = "C102"
SLUG = "compose.backend-no-published-ports"
ASK = "C2"
NEEDS = ("backend",)
# `${BACKEND_PORT:-}` / `${BACKEND_PORT-}`: empty unless set, and an empty host port is a random one.
EMPTY_BY_DEFAULT = re.compile(r"\$\{\w+:?-\}")


def check(ctx: CheckContext) -> Iterator[Finding]:
    backend = ctx.backend
    published = [p for p in backend.ports if p.published and not EMPTY_BY_DEFAULT.fullmatch(p.published.strip())]
    fixed = [p for p in published if len(p.published_numbers()) <= 1]
    ranges = [p for p in published if len(p.published_numbers()) > 1]
    if fixed:
        # A fixed host port can be bound by one replica only: the 2nd fails to start.
        p = fixed[0]
        yield ctx.at_compose(Status.FAIL, "fail", p.line, service=backend.name,
                             port=f"{p.published}:{p.target}")
    elif ranges:
        # Each replica takes one free port of the range: scaling stops when the range runs out.
        p = ranges[0]
        yield ctx.at_compose(Status.FAIL, "range", p.line, service=backend.name, published=p.published,
                             target=p.target, count=len(p.published_numbers()))
    elif backend.ports:
        p = backend.ports[0]
        yield ctx.at_compose(Status.WARN, "ephemeral", p.line, service=backend.name, port=p.target)
    else:
        yield ctx.at_compose(Status.PASS, "pass", backend.line, service=backend.name)
