"""N1: the location that serves /api/... proxies to the backend by its Compose service name,
which Docker's DNS answers with every replica. A container_name, an IP or localhost reach
one container or none."""
import ipaddress
from typing import Iterator

from grader.checks.context import CheckContext
from grader.nginx.model import URL_RE, VAR_RE
from grader.results import Finding, Status

CODE = "N101"
SLUG = "nginx.api-proxies-to-backend"
ASK = "N1"
NEEDS = ("api_route", "backend")


def classify(ctx: CheckContext, host: str, backend: str) -> tuple[str, dict]:
    """Why `host` is or is not the backend's service name: a rubric message key and params."""
    if host == backend:
        return "pass", {}
    try:
        ip = ipaddress.ip_address(host)
        return ("localhost" if ip.is_loopback else "ip"), {}
    except ValueError:
        pass
    if host.lower() == "localhost":
        return "localhost", {}
    owner = ctx.compose.by_container_name(host)
    if owner is not None and owner.name == backend:
        return "container_name", {"service": owner.name}
    if host in ctx.compose.services:
        return "other_service", {"service": host}
    return "unknown_host", {}


def check(ctx: CheckContext) -> Iterator[Finding]:
    backend = ctx.backend
    route = ctx.api_route
    t = route.target
    where = t.directive
    if t.url is None:
        yield ctx.at(Status.FAIL, "unknown_variable", where, raw=t.raw, variables=", ".join(t.unknown) or t.raw,
                     backend=backend.name)
        return
    m = URL_RE.match(t.url)
    if t.has_variables and m and m.group("rest") and not VAR_RE.search(m.group("rest")):
        # With variables, nginx sends the URI in the value instead of the request's URI.
        yield Finding(Status.FAIL, "variable_uri", {"raw": t.raw, "url": t.url, "uri": m.group("rest"),
                                                    "path": ctx.api_path},
                      t.set_file or where.file, t.set_line or where.line)
        return
    if t.upstream is not None:
        if not t.upstream.servers:
            yield ctx.at(Status.FAIL, "empty_upstream", t.upstream.directive, upstream=t.upstream.name)
            return
        # Hand-copied backends (app1, app2 …) in one upstream are fine as long as each is
        # reached by a service name and one of them is the backend.
        verdicts = [(s, *classify(ctx, s.host, backend.name)) for s in t.upstream.servers]
        bad = [(s, k, p) for s, k, p in verdicts if k not in ("pass", "other_service")]
        if not bad and not any(k == "pass" for _, k, _ in verdicts):
            bad = verdicts[:1]
        if bad:
            s, key, params = bad[0]
            yield Finding(Status.FAIL, key, {"host": s.host, "backend": backend.name, **params}, s.file, s.line)
            return
        yield ctx.at(Status.PASS, "pass_upstream", t.upstream.directive, upstream=t.upstream.name,
                     backend=backend.name)
        return
    key, params = classify(ctx, t.host or "", backend.name)
    status = Status.PASS if key == "pass" else Status.FAIL
    yield ctx.at(status, key, where, host=t.host, backend=backend.name, **params)
