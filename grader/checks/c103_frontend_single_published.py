"""C3: the frontend stays one instance with its port published."""

from collections.abc import Iterator

from grader.checks.context import CheckContext
from grader.results import Finding, Status
from grader.texts import CheckTexts, Message, Text

CODE = "C103"
SLUG = "compose.frontend-single-published"
ASK = "C3"
NEEDS = ("frontend",)

TEXTS = CheckTexts(
    CODE,
    title=Text(
        en="The frontend is one instance with its port published",
        ko="프론트엔드는 포트가 게시된 단일 인스턴스여야 합니다",
    ),
    why=Text(
        en="The frontend (nginx) is the single entry point: it must publish a host port for the browser, "
        "and only one container can own that port.",
        ko="프론트엔드(nginx)는 하나의 진입점입니다. 브라우저가 접속할 호스트 포트를 게시해야 하고, 그 "
        "포트는 한 컨테이너만 가질 수 있습니다.",
    ),
    fix=Text(
        en='Give the frontend `ports: ["80:80"]` (host:container) and no `deploy.replicas`/`scale` above 1.',
        ko='프론트엔드에 `ports: ["80:80"]`(호스트:컨테이너)을 두고 `deploy.replicas`/`scale`을 1보다 '
        "크게 하지 마세요.",
    ),
    example_fail="""\
frontend:
  build: ./frontend
  deploy:
    replicas: 2
""",
    example_pass="""\
frontend:
  build: ./frontend
  ports:
    - "80:80"
""",
    messages={
        "pass": Message(
            en="Service {service} is a single instance publishing {port}.",
            ko="{service} 서비스는 {port}{를} 게시하는 단일 인스턴스입니다.",
            params=("port", "service"),
        ),
        "no_ports": Message(
            en="Service {service} publishes no port, so the browser cannot reach the app.",
            ko="{service} 서비스가 포트를 게시하지 않아 브라우저에서 앱에 접속할 수 없습니다.",
            params=("service",),
        ),
        "udp_only": Message(
            en="Service {service} publishes {port} over UDP only: HTTP comes over TCP, so the browser reaches "
            "nothing there.",
            ko="{service} 서비스가 {port}{를} UDP로만 게시합니다. HTTP는 TCP로 오므로 브라우저가 그곳에서 "
            "아무것에도 닿지 못합니다.",
            fix=Text(
                en='Drop `/udp` (TCP is the default): `"{published}:{target}"`.',
                ko='`/udp`{를} 지우세요(기본값이 TCP입니다): `"{published}:{target}"`.',
            ),
            params=("port", "published", "service", "target"),
        ),
        "internal_only": Message(
            en="Service {service} publishes {port}, but it is only on internal network {network}: Docker "
            "publishes no port of a container that has no network to the outside, so the browser "
            "reaches nothing.",
            ko="{service} 서비스가 {port}{를} 게시하지만 `internal: true`인 네트워크 {network}에만 있습니다. "
            "Docker는 바깥으로 나가는 네트워크가 없는 컨테이너의 포트를 게시하지 않으므로 브라우저가 "
            "아무것에도 닿지 못합니다.",
            fix=Text(
                en="Keep `internal: true` for networks of the backend alone, and put the frontend on a "
                "network without it too (e.g. `default`).",
                ko="`internal: true`{는} 백엔드만 쓰는 네트워크에만 두고, 프론트엔드는 그것이 없는 "
                "네트워크(예: `default`)에도 연결하세요.",
            ),
            params=("network", "port", "service"),
        ),
        "scaled": Message(
            en="Service {service} asks for {count} instances; the frontend must stay one, the single "
            "entry point on its published port.",
            ko="{service} 서비스가 {count}개 인스턴스를 요청합니다. 프론트엔드는 게시된 포트의 유일한 "
            "진입점이므로 하나여야 합니다.",
            params=("count", "service"),
        ),
    },
)


def check(ctx: CheckContext) -> Iterator[Finding]:
    front = ctx.frontend
    assert front is not None  # NEEDS: grader.grade runs this check only with a frontend
    count = front.replica_count()
    if count is not None and count > 1:
        where = front.replicas or front.scale
        assert where is not None  # the count is one of them
        line = where.line
        yield ctx.at_compose(Status.FAIL, "scaled", line, service=front.name, count=count)
    elif not front.ports:
        yield ctx.at_compose(Status.FAIL, "no_ports", front.line, service=front.name)
    elif all(x.protocol == "udp" for x in front.ports):
        p = front.ports[0]
        yield ctx.at_compose(
            Status.FAIL,
            "udp_only",
            p.line,
            service=front.name,
            port=f"{p.published}:{p.target}" if p.published else p.target,
            published=p.published or p.target,
            target=p.target,
        )
    else:
        p = next(x for x in front.ports if x.protocol != "udp")
        port = f"{p.published}:{p.target}" if p.published else p.target
        nets = [ctx.ws.compose.network(k) for k in front.network_keys()] if ctx.ws.compose is not None else []
        if nets and all(n.internal is not None for n in nets):
            # Every network of the frontend is internal: Docker publishes no port then.
            yield ctx.at_compose(
                Status.FAIL,
                "internal_only",
                nets[0].internal,
                service=front.name,
                port=port,
                network=", ".join(n.key for n in nets),
            )
            return
        yield ctx.at_compose(Status.PASS, "pass", p.line, service=front.name, port=port)
