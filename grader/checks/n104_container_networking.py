"""N4: proxying tuned for replicas that come and go: HTTP/1.1 with the Connection header
cleared (keep-alive to the backends), a connect timeout short enough to move on to another
replica, and proxy_next_upstream not switched off."""
from typing import Iterator

from grader.checks.context import CheckContext
from grader.nginx.model import VAR_RE, parse_duration
from grader.results import Finding, Status

CODE = "N104"
SLUG = "nginx.container-networking"
ASK = "N4"
NEEDS = ("api_route",)


def check(ctx: CheckContext) -> Iterator[Finding]:
    route = ctx.api_route
    nginx, loc = ctx.nginx, route.location
    problems = 0
    version = nginx.effective_one(loc, "proxy_http_version")
    if version is None or version.args[:1] != ["1.1"]:
        problems += 1
        yield ctx.at(Status.FAIL, "http_version", version or loc, value=" ".join(version.args) if version else "1.0")
    conn = nginx.effective_headers(loc).get("connection")
    value = conn.args[1] if conn and len(conn.args) > 1 else None
    if conn is None or not (value == "" or (value and VAR_RE.fullmatch(value))):
        problems += 1
        yield ctx.at(Status.FAIL, "connection", conn or loc, value=value if conn else "close")
    nxt = nginx.effective_one(loc, "proxy_next_upstream")
    if nxt is not None and nxt.args[:1] == ["off"]:
        problems += 1
        yield ctx.at(Status.FAIL, "next_upstream_off", nxt)
    limit = float(ctx.params.get("max_connect_timeout_seconds", 10))
    timeout = nginx.effective_one(loc, "proxy_connect_timeout")
    if timeout is None:
        problems += 1
        yield ctx.at(Status.WARN, "timeout_default", loc, limit=int(limit))
    else:
        seconds = parse_duration(timeout.args[0]) if timeout.args else None
        if seconds is None or seconds > limit:
            problems += 1
            yield ctx.at(Status.WARN, "timeout_long", timeout, value=" ".join(timeout.args), limit=int(limit))
    if not problems:
        yield ctx.at(Status.PASS, "pass", version, timeout=" ".join(timeout.args) if timeout else "")
