"""The frontend's published container port is one that nginx listens on; otherwise the
browser's http://localhost gets "connection reset"."""

from collections.abc import Iterator

from grader.checks.context import CheckContext
from grader.results import Finding, Status
from grader.texts import CheckTexts, Message, Text

CODE = "C109"
SLUG = "compose.frontend-port-matches-listen"
ASK = None
NEEDS = ("frontend", "nginx")

TEXTS = CheckTexts(
    CODE,
    title=Text(
        en="The frontend publishes the port nginx listens on",
        ko="프론트엔드는 nginx가 listen하는 포트를 게시해야 합니다",
    ),
    why=Text(
        en="`ports: [\"80:80\"]` forwards the host's port 80 to the container's port 80. If nginx "
        'listens on 8080, nothing answers there and the browser gets "connection reset".',
        ko='`ports: ["80:80"]`은 호스트 80 포트를 컨테이너 80 포트로 전달합니다. nginx가 8080을 '
        'listen하면 아무도 응답하지 않아 브라우저에 "connection reset"이 뜹니다.',
    ),
    fix=Text(
        en="Make the container side of the frontend's port (after the colon) match nginx's `listen` port.",
        ko="프론트엔드 포트의 컨테이너 쪽(콜론 뒤)을 nginx의 `listen` 포트와 같게 하세요.",
    ),
    example_fail="""\
ports: ["80:80"]     # nginx: listen 8080;
""",
    example_pass="""\
ports: ["80:8080"]   # nginx: listen 8080;
""",
    follows=Text(
        en="Whether a listening socket of nginx accepts a connection to the published container port "
        "as it arrives from outside the container: on the container's address, so a listen bound to "
        "127.0.0.1 takes none, and [::] takes IPv4 only with ipv6only=off.",
        ko="게시된 컨테이너 포트로 컨테이너 밖에서 온 연결을 nginx의 listen 소켓이 받는지 봅니다. "
        "연결은 컨테이너 주소로 오므로 127.0.0.1에 묶인 listen은 받지 못하고, [::]는 "
        "ipv6only=off일 때만 IPv4를 받습니다.",
    ),
    messages={
        "pass": Message(
            en="Service {service} publishes container port {target}, which nginx listens on.",
            ko="{service} 서비스가 nginx가 listen하는 컨테이너 포트 {target}{를} 게시합니다.",
            params=("service", "target"),
        ),
        "mismatch": Message(
            en="Service {service} publishes container port {target} but nginx ({nginx}) listens on {listen}.",
            ko="{service} 서비스는 컨테이너 포트 {target}{를} 게시하지만 nginx는 {listen}{을} listen합니다({nginx}).",
            params=("listen", "nginx", "service", "target"),
        ),
        "loopback": Message(
            en="nginx listens on {listen}: a socket bound to {address} takes connections from inside "
            "its own container only, so nothing answers the published port {published} (the browser "
            'gets "connection reset").',
            ko="nginx가 {listen}에서 listen합니다. {address}에 묶인 소켓은 자기 컨테이너 안에서 온 "
            "연결만 받으므로, 게시한 포트 {published}에는 아무도 응답하지 않습니다(브라우저에 "
            '"connection reset"이 뜹니다).',
            fix=Text(
                en="Listen on every address of the container: `listen {port};`.",
                ko="컨테이너의 모든 주소에서 listen하세요: `listen {port};`.",
            ),
            params=("address", "listen", "port", "published"),
        ),
        "ipv6_only": Message(
            en="nginx listens on {listen}: an IPv6 socket takes no IPv4 connection (nginx sets ipv6only=on), "
            "and the published port {published} reaches the container over IPv4, so nothing answers it.",
            ko="nginx가 {listen}에서 listen합니다. IPv6 소켓은 nginx의 기본 설정에서 IPv4 연결을 "
            "받지 않는데, 게시한 포트 {published}{는} IPv4로 컨테이너에 닿으므로 아무도 응답하지 "
            "않습니다.",
            fix=Text(
                en="Listen on IPv4 too: add `listen {port};` beside it (or write `listen {port};` alone).",
                ko="IPv4에서도 listen하세요: 옆에 `listen {port};`{를} 추가하세요(또는 `listen {port};`만 쓰세요).",
            ),
            params=("listen", "port", "published"),
        ),
        "no_ports": Message(
            en="Service {service} publishes no port (see C103).",
            ko="{service} 서비스가 포트를 게시하지 않습니다 (C103 참고).",
            params=("service",),
        ),
        "no_servers": Message(
            en="The nginx config has no server block to compare with.",
            ko="nginx 설정에 비교할 server 블록이 없습니다.",
            extra=("service",),
        ),
    },
)


def check(ctx: CheckContext) -> Iterator[Finding]:
    from grader.nginx.request import closed_to_outside, listens  # here: `grader list` and `explain` load no models

    front = ctx.frontend
    assert front is not None  # NEEDS: grader.grade runs this check only with a frontend
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
    route = ctx.ws.api_route
    arrives = route.arrives if route is not None else None
    if arrives is not None and arrives.kind == "closed" and arrives.reason == "bound to another address":
        for p in front.ports:
            for s in ctx.nginx.servers():
                for ls in listens(ctx.nginx, s):
                    if ls.node is None or ls.port not in p.target_numbers():
                        continue
                    why = closed_to_outside(ls)
                    if why == "loopback":
                        yield ctx.at(
                            Status.FAIL,
                            "loopback",
                            ls.node,
                            listen=ls.node.args[0],
                            address=ls.addr,
                            port=ls.port,
                            published=p.published or p.target,
                        )
                        return
                    if why == "ipv6_only":
                        yield ctx.at(
                            Status.FAIL,
                            "ipv6_only",
                            ls.node,
                            listen=" ".join(ls.node.args),
                            port=ls.port,
                            published=p.published or p.target,
                        )
                        return
    for p in front.ports:
        if set(p.target_numbers()) & set(listen):
            yield ctx.at_compose(Status.PASS, "pass", p.line, service=front.name, target=p.target)
            return
    p = front.ports[0]
    yield ctx.at_compose(
        Status.FAIL,
        "mismatch",
        p.line,
        service=front.name,
        target=p.target,
        listen=", ".join(str(x) for x in sorted(listen)),
        nginx=ctx.ws.nginx_rel,
    )
