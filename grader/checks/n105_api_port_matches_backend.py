"""The port nginx proxies /api to is one the backend listens on, where the files tell it
(command, environment, healthcheck, expose, the image's EXPOSE)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from grader.checks.context import CheckContext
from grader.results import Finding, Status
from grader.texts import CheckTexts, Message, Text

if TYPE_CHECKING:
    from grader.compose.model import Service
    from grader.nginx.model import Directive, UpstreamServer

CODE = "N105"
SLUG = "nginx.api-port-matches-backend"
ASK = "N1"
NEEDS = ("api_route", "backend")

TEXTS = CheckTexts(
    CODE,
    title=Text(
        en="/api is proxied to the port the backend listens on",
        ko="/api는 백엔드가 listen하는 포트로 프록시되어야 합니다",
    ),
    why=Text(
        en="A proxy_pass to a port the backend does not listen on answers every /api request with 502 Bad Gateway.",
        ko="백엔드가 listen하지 않는 포트로 proxy_pass를 보내면 모든 /api 요청이 502 Bad Gateway가 됩니다.",
    ),
    fix=Text(
        en="Use the backend's own port in proxy_pass (see its command, environment, expose or the "
        "Dockerfile's EXPOSE).",
        ko="proxy_pass에 백엔드의 실제 포트를 쓰세요 (command, environment, expose, Dockerfile의 EXPOSE 참고).",
    ),
    example_fail="""\
proxy_pass http://backend:8000;   # uvicorn ... --port 8001
""",
    example_pass="""\
proxy_pass http://backend:8001;   # uvicorn ... --port 8001
""",
    follows=Text(
        en="The port nginx connects to for the request (the proxy_pass URL after variables, or the "
        "upstream's servers that name the backend or one of its network aliases), against the ports "
        "the backend's files say it listens on.",
        ko="요청에서 nginx가 연결하는 포트(변수를 채운 proxy_pass URL, 또는 백엔드나 그 "
        "네트워크 별칭을 가리키는 upstream server)를 백엔드 파일들이 말하는 listen 포트와 "
        "비교합니다.",
    ),
    messages={
        "pass": Message(
            en="/api goes to port {port}, which {backend} listens on.",
            ko="/api가 {backend}{가} listen하는 포트 {port}{로} 전달됩니다.",
            params=("backend", "port"),
        ),
        "mismatch": Message(
            en="/api goes to port {port}, but {backend} listens on {ports} ({source}).",
            ko="/api가 포트 {port}{로} 전달되지만 {backend}{는} {ports}{를} listen합니다({source}).",
            params=("backend", "port", "ports", "source"),
        ),
        "unknown": Message(
            en="The files do not say which port {backend} listens on; not checked.",
            ko="{backend}{가} 어느 포트를 listen하는지 파일에 나와 있지 않아 확인하지 않았습니다.",
            params=("backend",),
        ),
        "not_backend": Message(
            en="/api does not go to {backend} (see N101); port not checked.",
            ko="/api가 {backend}{로} 가지 않아 (N101 참고) 포트를 확인하지 않았습니다.",
            params=("backend",),
        ),
        "no_target": Message(
            en="The /api target is not known (see N101); port not checked.",
            ko="/api 대상을 알 수 없어 (N101 참고) 포트를 확인하지 않았습니다.",
        ),
    },
)

FLAG_PORT = re.compile(
    r"(?:--port[= ]|(?<!\S)-p\s*|--bind[= ]\S*?:|(?<!\S)-b\s*\S*?:|--listen[= ]\S*?:"
    r"|--server\.port=|--urls?[= ]\S*?:)(\d{2,5})\b"
)
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
    assert backend is not None  # NEEDS: grader.grade runs this check only with a backend
    route = ctx.api_route
    assert route is not None and route.target is not None  # NEEDS: the API's route has a target
    if route.target.url is None:  # a variable whose value the files do not give: N101 says so
        yield ctx.at(Status.SKIP, "no_target", route.location)
        return
    t = route.target
    targets: list[tuple[int, UpstreamServer | Directive]]
    if t.upstream is not None:
        targets = [(s.port or 80, s) for s in t.upstream.servers if ctx.names_backend(s.host)]
    else:
        default = 443 if t.scheme == "https" else 80
        targets = [(t.port or default, t.directive)] if ctx.names_backend(t.host or "") else []
    if not targets:
        yield ctx.at(Status.SKIP, "not_backend", t.directive, backend=backend.name)
        return
    ports, source = listening_ports(ctx, backend)
    if not ports:
        yield ctx.at(Status.SKIP, "unknown", t.directive, backend=backend.name)
        return
    for port, node in targets:
        if port not in ports:
            yield Finding(
                Status.FAIL,
                "mismatch",
                {"port": port, "backend": backend.name, "ports": ", ".join(map(str, sorted(ports))), "source": source},
                node.file,
                node.line,
            )
            return
    yield ctx.at(Status.PASS, "pass", t.directive, port=targets[0][0], backend=backend.name)
