"""The frontend's published container port is one that nginx listens on; otherwise the
browser's http://localhost gets "connection reset"."""
from typing import Iterator

from grader.checks.context import CheckContext
from grader.results import Finding, Status

CODE = "C109"
SLUG = "compose.frontend-port-matches-listen"
ASK = None
NEEDS = ("frontend", "nginx")


def check(ctx: CheckContext) -> Iterator[Finding]:
    front = ctx.frontend
    if not front.ports:
        yield ctx.at_compose(Status.SKIP, "no_ports", front.line, service=front.name)
        return
    listen: dict[int, object] = {}
    for s in ctx.nginx.servers():
        for port in ctx.nginx.listen_ports(s):
            listen.setdefault(port, s)
    if not listen:
        yield ctx.at_compose(Status.SKIP, "no_servers", front.line, service=front.name)
        return
    for p in front.ports:
        if set(p.target_numbers()) & set(listen):
            yield ctx.at_compose(Status.PASS, "pass", p.line, service=front.name, target=p.target)
            return
    p = front.ports[0]
    yield ctx.at_compose(Status.FAIL, "mismatch", p.line, service=front.name, target=p.target,
                         listen=", ".join(str(x) for x in sorted(listen)), nginx=ctx.ws.nginx_rel)
