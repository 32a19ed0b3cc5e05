"""The port nginx proxies /api to is one the backend listens on, where the files tell it
(command, environment, healthcheck, expose, the image's EXPOSE)."""
import re
from typing import Iterator

from grader.checks.context import CheckContext
from grader.compose.model import Service
from grader.results import Finding, Status

CODE = "N105"
SLUG = "nginx.api-port-matches-backend"
ASK = "N1"
NEEDS = ("api_route", "backend")

FLAG_PORT = re.compile(r"(?:--port[= ]|(?<!\S)-p\s*|--bind[= ]\S*?:|(?<!\S)-b\s*\S*?:|--listen[= ]\S*?:"
                       r"|--server\.port=|--urls?[= ]\S*?:)(\d{2,5})\b")
ENV_PORT_NAMES = {"PORT", "SERVER_PORT", "APP_PORT", "HTTP_PORT", "ASPNETCORE_HTTP_PORTS", "LISTEN_PORT"}
URL_PORT = re.compile(r"https?://[^\s:/;]+:(\d{2,5})")
HEALTH_PORT = re.compile(r"(?:localhost|127\.0\.0\.1|0\.0\.0\.0):(\d{2,5})")


def listening_ports(ctx: CheckContext, backend: Service) -> tuple[set[int], str]:
    """Ports the backend listens on, and what says so. Explicit settings (command, environment)
    win over hints (healthcheck, expose, EXPOSE), which only say what a port may be."""
    explicit: set[int] = set()
    for key in (backend.command, backend.entrypoint):
        if key is not None:
            explicit |= {int(p) for p in FLAG_PORT.findall(str(key.value))}
    for e in backend.all_env:
        if e.value and e.name.upper() in ENV_PORT_NAMES and e.value.strip().isdigit():
            explicit.add(int(e.value.strip()))
        elif e.value and e.name.upper() == "ASPNETCORE_URLS":
            explicit |= {int(p) for p in URL_PORT.findall(e.value.replace("+", "x").replace("*", "x"))}
    if explicit:
        return explicit, "command/environment"
    hints: set[int] = set()
    if backend.healthcheck is not None:
        hints |= {int(p) for p in HEALTH_PORT.findall(str(backend.healthcheck.plain()))}
    for x in backend.expose:
        hints |= {int(p) for p in re.findall(r"\d+", str(x.value))[:1]}
    for p in backend.ports:
        hints |= set(p.target_numbers())
    df = ctx.ws.dockerfiles.get(backend.name)
    if df and df.final:
        for inst in df.final.instructions:
            if inst.keyword == "EXPOSE":
                hints |= {int(a.split("/")[0]) for a in inst.args if a.split("/")[0].isdigit()}
    return hints, "expose/healthcheck/Dockerfile"


def check(ctx: CheckContext) -> Iterator[Finding]:
    backend = ctx.backend
    route = ctx.api_route
    if route.target.url is None:  # a variable whose value the files do not give: N101 says so
        yield ctx.at(Status.SKIP, "no_target", route.location)
        return
    t = route.target
    if t.upstream is not None:
        targets = [(s.port or 80, s) for s in t.upstream.servers if s.host == backend.name]
    else:
        default = 443 if t.scheme == "https" else 80
        targets = [(t.port or default, t.directive)] if t.host == backend.name else []
    if not targets:
        yield ctx.at(Status.SKIP, "not_backend", t.directive, backend=backend.name)
        return
    ports, source = listening_ports(ctx, backend)
    if not ports:
        yield ctx.at(Status.SKIP, "unknown", t.directive, backend=backend.name)
        return
    for port, node in targets:
        if port not in ports:
            yield Finding(Status.FAIL, "mismatch", {"port": port, "backend": backend.name,
                                              "ports": ", ".join(map(str, sorted(ports))), "source": source},
                    node.file, node.line)
            return
    yield ctx.at(Status.PASS, "pass", t.directive, port=targets[0][0], backend=backend.name)
