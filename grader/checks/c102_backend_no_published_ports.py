"""C2: the backend publishes no host port; only the frontend reaches it, on the network."""

import re
from collections.abc import Iterator

from grader.checks.context import CheckContext
from grader.results import Finding, Status
from grader.texts import CheckTexts, Message, Text

CODE = "C102"
SLUG = "compose.backend-no-published-ports"
ASK = "C2"
NEEDS = ("backend",)
# `${BACKEND_PORT:-}` / `${BACKEND_PORT-}`: empty unless set, and an empty host port is a random one.
EMPTY_BY_DEFAULT = re.compile(r"\$\{\w+:?-\}")

TEXTS = CheckTexts(
    CODE,
    title=Text(
        en="The backend publishes no host port",
        ko="백엔드는 호스트 포트를 게시하지 않아야 합니다",
    ),
    why=Text(
        en="A host port can be bound by one container only: the second replica of a backend with "
        '`ports: ["8080:8080"]` fails with "port is already allocated". The backend only needs to '
        "be reached by nginx, inside the Compose network (`expose` documents that).",
        ko='호스트 포트는 한 컨테이너만 사용할 수 있어서 `ports: ["8080:8080"]`이 있는 백엔드의 두 '
        '번째 복제본은 "port is already allocated"로 실패합니다. 백엔드는 Compose 네트워크 안에서 '
        "nginx만 접근하면 됩니다 (`expose`로 표시할 수 있습니다).",
    ),
    fix=Text(
        en='Remove `ports:` from the backend (use `expose: ["8080"]` if you want to document the port).',
        ko='백엔드에서 `ports:`를 지우세요 (포트를 표시하려면 `expose: ["8080"]`을 쓰세요).',
    ),
    example_fail="""\
backend:
  ports:
    - "8080:8080"
""",
    example_pass="""\
backend:
  expose:
    - "8080"
""",
    messages={
        "pass": Message(
            en="Service {service} publishes no host port; only the frontend reaches it.",
            ko="{service} 서비스는 호스트 포트를 게시하지 않아 프론트엔드만 접근합니다.",
            params=("service",),
        ),
        "fail": Message(
            en="Service {service} publishes {port}; the second replica cannot bind the same host port.",
            ko="{service} 서비스가 {port}{를} 게시합니다. 두 번째 복제본은 같은 호스트 포트를 사용할 수 없습니다.",
            params=("port", "service"),
        ),
        "range": Message(
            en="Service {service} publishes host ports {published} for container port {target}: each "
            "replica takes one free port of the range, so no more than {count} replicas start, and "
            "each is reachable without nginx.",
            ko="{service} 서비스가 컨테이너 포트 {target}{를} 호스트 포트 범위 {published}{로} "
            "게시합니다. 복제본마다 범위의 빈 포트 하나를 쓰므로 {count}개까지만 시작되고, 각 "
            "복제본에 nginx를 거치지 않고 접근할 수 있습니다.",
            params=("count", "published", "service", "target"),
        ),
        "ephemeral": Message(
            en="Service {service} publishes container port {port} on a random host port; scaling works, "
            "but the backend is still reachable from outside nginx.",
            ko="{service} 서비스가 컨테이너 포트 {port}{를} 임의의 호스트 포트로 게시합니다. 스케일은 "
            "되지만 nginx를 거치지 않고 백엔드에 접근할 수 있습니다.",
            params=("port", "service"),
        ),
    },
)


def check(ctx: CheckContext) -> Iterator[Finding]:
    backend = ctx.backend
    assert backend is not None  # NEEDS: grader.grade runs this check only with a backend
    published = [p for p in backend.ports if p.published and not EMPTY_BY_DEFAULT.fullmatch(p.published.strip())]
    fixed = [p for p in published if len(p.published_numbers()) <= 1]
    ranges = [p for p in published if len(p.published_numbers()) > 1]
    if fixed:
        # A fixed host port can be bound by one replica only: the 2nd fails to start.
        p = fixed[0]
        yield ctx.at_compose(Status.FAIL, "fail", p.line, service=backend.name, port=f"{p.published}:{p.target}")
    elif ranges:
        # Each replica takes one free port of the range: scaling stops when the range runs out.
        p = ranges[0]
        yield ctx.at_compose(
            Status.FAIL,
            "range",
            p.line,
            service=backend.name,
            published=p.published,
            target=p.target,
            count=len(p.published_numbers()),
        )
    elif backend.ports:
        p = backend.ports[0]
        yield ctx.at_compose(Status.WARN, "ephemeral", p.line, service=backend.name, port=p.target)
    else:
        yield ctx.at_compose(Status.PASS, "pass", backend.line, service=backend.name)
