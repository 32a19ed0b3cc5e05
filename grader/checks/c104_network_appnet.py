"""C4: a network called `appnet` (as its key or its `name:`) joins backend and frontend."""
from typing import Iterator

from grader.checks.context import CheckContext
from grader.results import Finding, Status

CODE = "C104"
SLUG = "compose.network-appnet"
ASK = "C4"
NEEDS = ("backend", "frontend")
NAME = "appnet"


def check(ctx: CheckContext) -> Iterator[Finding]:
    backend, front = ctx.backend, ctx.frontend
    compose = ctx.compose
    appnet_keys = [k for k in set(compose.networks) | set(backend.network_keys()) | set(front.network_keys())
                   if NAME in (k, compose.network(k).name)]
    if not appnet_keys:
        names = sorted({compose.network(k).name for k in backend.network_keys() + front.network_keys()})
        line = compose.root.line_of("networks") if "networks" in compose.root.items else backend.line
        yield ctx.at_compose(Status.FAIL, "missing", line, networks=", ".join(names))
        return
    shared = [k for k in appnet_keys if k in backend.network_keys() and k in front.network_keys()]
    if shared:
        key = shared[0]
        if key not in compose.networks:
            # Compose refuses a service network that is not declared at the top level.
            yield ctx.at_compose(Status.FAIL, "undeclared", backend.line_of("networks"), network=key)
            return
        net = compose.network(key)
        yield ctx.at_compose(Status.PASS, "pass", net.line or backend.line, network=net.key, name=net.name)
        return
    # appnet exists: the fix is to join it, not to declare it.
    off = [svc for svc in (backend, front) if not set(appnet_keys) & set(svc.network_keys())]
    first = off[0]
    line = first.line_of("networks") if first.networks is not None else first.line
    yield ctx.at_compose(Status.FAIL, "not_on", line, service=", ".join(s.name for s in off),
                         network=appnet_keys[0])
