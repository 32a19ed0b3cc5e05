"""The nginx config is read and a location serves the API request with a proxy_pass. Every
other nginx check looks at that location: when it is missing, this check says so once, and
the checks that need it are blocked by it."""
from typing import Iterator

from grader.checks.context import CheckContext
from grader.results import Finding, Status

CODE = "N100"
SLUG = "nginx.api-location"
ASK = None
NEEDS = ()
PROVIDES = ("nginx", "api_route")


def check(ctx: CheckContext) -> Iterator[Finding]:
    if (cause := ctx.cause("api_route")) is not None:
        yield cause
        return
    route = ctx.api_route
    yield ctx.at(Status.PASS, "pass", route.location, path=ctx.api_path, location=" ".join(route.location.args),
                 raw=route.target.raw)
