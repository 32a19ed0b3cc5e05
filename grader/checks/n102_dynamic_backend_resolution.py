"""N2: nginx keeps finding replicas as they come and go. A host written literally in
proxy_pass (or an upstream server without `resolve`) is looked up once, at start-up: replicas
added later never get traffic, and removed ones cause errors until nginx reloads."""
from typing import Any, Iterator

from grader.checks.context import CheckContext
from grader.nginx.model import VAR_RE
from grader.results import Finding, Status

CODE = "N102"
SLUG = "nginx.dynamic-backend-resolution"
ASK = "N2"
NEEDS = ("api_route",)
DOCKER_DNS = "127.0.0.11"


def _resolver_ok(ctx: CheckContext, resolver) -> bool:
    addrs = [a for a in resolver.args if "=" not in a]
    # A variable (filled from the environment by the image's template step) cannot be judged.
    return any(a.split(":")[0] == DOCKER_DNS or VAR_RE.search(a) for a in addrs)


def _through_resolver(ctx: CheckContext, scope: Any, missing: Finding, passed: Finding) -> Finding:
    """Names resolved at run time need a resolver in effect at `scope`, and it must be Docker's."""
    resolver = ctx.nginx.resolver_at(scope)
    if resolver is None:
        return missing
    if not _resolver_ok(ctx, resolver):
        return ctx.at(Status.FAIL, "resolver_not_docker", resolver, resolver=" ".join(resolver.args))
    return passed


def check(ctx: CheckContext) -> Iterator[Finding]:
    route = ctx.api_route
    t = route.target
    if t.upstream is not None:
        up = t.upstream
        static = [s for s in up.servers if not s.resolve]
        if static or not up.servers:
            s = static[0] if static else None
            resolver = ctx.nginx.resolver_at(up.directive)
            yield Finding(Status.FAIL, "upstream_static",
                          {"upstream": up.name, "host": s.host if s else "", "port": f":{s.port}" if s and s.port else "",
                           "resolver": " ".join(resolver.args) if resolver else "127.0.0.11 valid=10s"},
                          s.file if s else up.directive.file, s.line if s else up.directive.line)
            return
        yield _through_resolver(ctx, up.directive,
                                missing=ctx.at(Status.FAIL, "no_resolver", up.directive, upstream=up.name),
                                passed=ctx.at(Status.PASS, "pass_upstream", up.directive, upstream=up.name))
        return
    if t.has_variables:
        resolver = ctx.nginx.resolver_at(route.location)
        yield _through_resolver(ctx, route.location,
                                missing=ctx.at(Status.FAIL, "variable_no_resolver", t.directive, raw=t.raw),
                                passed=ctx.at(Status.PASS, "pass_variable", t.directive, raw=t.raw,
                                              resolver=" ".join(resolver.args) if resolver else ""))
        return
    resolver = ctx.nginx.resolver_at(route.location)
    if resolver is not None:
        # The learner has a resolver already: say so, and that a literal host does not use it.
        yield ctx.at(Status.FAIL, "literal_with_resolver", t.directive, raw=t.raw, host=t.host or t.raw,
                     resolver=" ".join(resolver.args), where=f"{resolver.file}:{resolver.line}")
        return
    yield ctx.at(Status.FAIL, "literal", t.directive, raw=t.raw, host=t.host or t.raw)
