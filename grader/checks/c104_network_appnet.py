"""C4: a network called `appnet` (as its key or its `name:`) joins backend and frontend."""

from collections.abc import Iterator

from grader.checks.context import CheckContext
from grader.results import Finding, Status
from grader.texts import CheckTexts, Message, Text

CODE = "C104"
SLUG = "compose.network-appnet"
ASK = "C4"
NEEDS = ("backend", "frontend")
NAME = "appnet"

TEXTS = CheckTexts(
    CODE,
    title=Text(
        en="Backend and frontend share the network `appnet`",
        ko="백엔드와 프론트엔드가 `appnet` 네트워크를 함께 사용해야 합니다",
    ),
    why=Text(
        en="The step asks for a network called `appnet`. nginx finds the backend replicas through "
        "Docker's DNS on a network both services are attached to.",
        ko="이 단계는 `appnet`이라는 네트워크를 요구합니다. nginx는 두 서비스가 함께 연결된 네트워크에서 "
        "Docker DNS로 백엔드 복제본을 찾습니다.",
    ),
    fix=Text(
        en="Declare `networks: {appnet: {driver: bridge}}` at the top level and list `appnet` under both "
        "services' `networks:`.",
        ko="최상위에 `networks: {appnet: {driver: bridge}}`를 선언하고 두 서비스의 `networks:`에 `appnet`을 넣으세요.",
    ),
    example_fail="""\
services:
  backend:
    networks: [socialapp-network]
networks:
  socialapp-network: {}
""",
    example_pass="""\
services:
  backend:
    networks: [appnet]
  frontend:
    networks: [appnet]
networks:
  appnet:
    driver: bridge
""",
    messages={
        "pass": Message(
            en="Backend and frontend share network {network} (name: {name}).",
            ko="백엔드와 프론트엔드가 {network} 네트워크(이름: {name})를 함께 사용합니다.",
            params=("name", "network"),
        ),
        "missing": Message(
            en="No network is keyed or named appnet (the services use: {networks}).",
            ko="키나 이름이 `appnet`인 네트워크가 없습니다 (서비스가 쓰는 네트워크: {networks}).",
            params=("networks",),
        ),
        "not_on": Message(
            en="Network {network} is declared, but not joined by: {service}.",
            ko="{network} 네트워크는 선언되어 있지만 다음 서비스가 연결되어 있지 않습니다: {service}.",
            fix=Text(
                en="List `{network}` under `networks:` of service {service}; the network itself is already declared.",
                ko="{service} 서비스의 `networks:`에 `{network}`{를} 넣으세요. 네트워크는 이미 선언되어 있습니다.",
            ),
            params=("network", "service"),
        ),
        "undeclared": Message(
            en="Both services are on network {network}, but it is not declared under the top-level "
            '`networks:`; Compose refuses the file ("refers to undefined network {network}").',
            ko="두 서비스가 {network} 네트워크를 쓰지만 최상위 `networks:`에 선언되어 있지 않아 "
            'Compose가 파일을 거부합니다 ("refers to undefined network {network}").',
            fix=Text(
                en="Declare it at the top level: `networks: {{{network}: {{driver: bridge}}}}`.",
                ko="최상위에 선언하세요: `networks: {{{network}: {{driver: bridge}}}}`.",
            ),
            params=("network",),
        ),
    },
)


def check(ctx: CheckContext) -> Iterator[Finding]:
    backend, front = ctx.backend, ctx.frontend
    assert backend is not None and front is not None  # NEEDS: both are there
    compose = ctx.compose
    appnet_keys = [
        k
        for k in set(compose.networks) | set(backend.network_keys()) | set(front.network_keys())
        if NAME in (k, compose.network(k).name)
    ]
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
    yield ctx.at_compose(Status.FAIL, "not_on", line, service=", ".join(s.name for s in off), network=appnet_keys[0])
