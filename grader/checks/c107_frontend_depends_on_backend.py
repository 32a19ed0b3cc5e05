"""C7: the frontend depends on the backend without a health condition, so it starts as soon
as the backend replicas do."""

from collections.abc import Iterator

from grader.checks.context import CheckContext
from grader.results import Finding, Status
from grader.texts import CheckTexts, Message, Text

CODE = "C107"
SLUG = "compose.frontend-depends-on-backend"
ASK = "C7"
NEEDS = ("backend", "frontend")

TEXTS = CheckTexts(
    CODE,
    title=Text(
        en="The frontend depends on the backend, without a health condition",
        ko="프론트엔드는 상태 확인 조건 없이 백엔드에 의존해야 합니다",
    ),
    why=Text(
        en="`condition: service_healthy` waits for every backend replica to report healthy, and blocks "
        "the frontend when the backend has no healthcheck; the step asks for a plain dependency.",
        ko="`condition: service_healthy`는 모든 백엔드 복제본이 healthy가 될 때까지 기다리며, 백엔드에 "
        "healthcheck가 없으면 프론트엔드가 시작되지 않습니다. 이 단계는 단순한 의존성을 요구합니다.",
    ),
    fix=Text(
        en="Write `depends_on: [backend]` (the short form) on the frontend.",
        ko="프론트엔드에 짧은 형식인 `depends_on: [backend]`를 쓰세요.",
    ),
    example_fail="""\
frontend:
  depends_on:
    backend:
      condition: service_healthy
""",
    example_pass="""\
frontend:
  depends_on:
    - backend
""",
    messages={
        "pass": Message(
            en="Service {service} depends on {backend} without a health condition.",
            ko="{service} 서비스가 상태 조건 없이 {backend}에 의존합니다.",
            params=("backend", "service"),
        ),
        "pass_implicit": Message(
            en="Service {service} depends on {backend} through `{via}`: Compose adds the dependency and starts "
            "{backend} first, as `depends_on: [{backend}]` would.",
            ko="{service} 서비스는 `{via}` 설정 때문에 {backend}에 의존합니다. Compose가 이 의존성을 더해 "
            "`depends_on: [{backend}]`처럼 {backend}{를} 먼저 시작합니다.",
            params=("backend", "service", "via"),
        ),
        "missing": Message(
            en="Service {service} does not depend on {backend}.",
            ko="{service} 서비스가 {backend}에 의존하지 않습니다.",
            params=("backend", "service"),
        ),
        "condition": Message(
            en="Service {service} waits for {backend} with condition {condition}; depend on it without a condition.",
            ko="{service} 서비스가 {condition} 조건으로 {backend}{를} 기다립니다. 조건 없이 의존하세요.",
            params=("backend", "condition", "service"),
        ),
    },
)


def check(ctx: CheckContext) -> Iterator[Finding]:
    backend, front = ctx.backend, ctx.frontend
    assert backend is not None and front is not None  # NEEDS: both are there
    dep = next((d for d in front.depends_on if d.service == backend.name), None)
    if dep is None:
        line = front.depends_on_line or front.line
        yield ctx.at_compose(Status.FAIL, "missing", line, service=front.name, backend=backend.name)
    elif dep.condition not in (None, "service_started"):
        yield ctx.at_compose(
            Status.FAIL, "condition", dep.line, service=front.name, backend=backend.name, condition=dep.condition
        )
    elif dep.via is not None:
        yield ctx.at_compose(
            Status.PASS, "pass_implicit", dep.line, service=front.name, backend=backend.name, via=dep.via
        )
    else:
        yield ctx.at_compose(Status.PASS, "pass", dep.line, service=front.name, backend=backend.name)
