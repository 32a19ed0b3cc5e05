"""N3: Host, X-Real-IP, X-Forwarded-For and X-Forwarded-Proto are in effect for the /api
location after nginx's inheritance: a location that sets any proxy_set_header of its own
inherits none from the server or http level."""
from typing import Iterator

from grader.checks.context import CheckContext
from grader.results import Finding, Status

CODE = "N103"
SLUG = "nginx.proxy-headers"
ASK = "N3"
NEEDS = ("api_route",)
DEFAULT_HEADERS = ["Host", "X-Real-IP", "X-Forwarded-For", "X-Forwarded-Proto"]


def check(ctx: CheckContext) -> Iterator[Finding]:
    route = ctx.api_route
    wanted = list(ctx.params.get("proxy_headers", DEFAULT_HEADERS))
    loc = route.location
    effective = ctx.nginx.effective_headers(loc)
    missing = [h for h in wanted if h.lower() not in effective]
    if not missing:
        first = min((effective[h.lower()] for h in wanted), key=lambda d: d.line)
        yield ctx.at(Status.PASS, "pass", first, headers=", ".join(wanted))
        return
    # Were the missing ones set at an outer level and shadowed by the location's own?
    own = loc.children("proxy_set_header")
    if own:
        for level in ctx.nginx.chain(loc)[1:]:
            outer = {d.args[0].lower(): d for d in level.children("proxy_set_header") if d.args}
            shadowed = [h for h in missing if h.lower() in outer]
            if shadowed:
                yield ctx.at(Status.FAIL, "shadowed", own[0], missing=", ".join(missing),
                             shadowed=", ".join(shadowed), outer_line=outer[shadowed[0].lower()].line)
                return
    yield ctx.at(Status.FAIL, "missing", loc, missing=", ".join(missing), location=" ".join(loc.args))
