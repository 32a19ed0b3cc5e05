"""C1: the backend has no container_name, so Compose can run several replicas of it."""

from collections.abc import Iterator

from grader.checks.context import CheckContext
from grader.results import Finding, Status
from grader.texts import CheckTexts, Message, Text

CODE = "C101"
SLUG = "compose.backend-no-container-name"
ASK = "C1"
NEEDS = ("backend",)

TEXTS = CheckTexts(
    CODE,
    title=Text(
        en="The backend has no container_name",
        ko="백엔드에 container_name이 없어야 합니다",
    ),
    why=Text(
        en="A container name is unique on a Docker host. With `container_name` set, Compose can create "
        'only one backend container: `docker compose up --scale backend=3` stops with "container '
        'name already in use".',
        ko="컨테이너 이름은 Docker 호스트에서 유일해야 합니다. `container_name`이 있으면 Compose는 "
        '백엔드 컨테이너를 하나만 만들 수 있어 `docker compose up --scale backend=3`이 "container '
        'name already in use" 오류로 멈춥니다.',
    ),
    fix=Text(
        en="Delete the `container_name:` line from the backend service; Compose names replicas "
        "workshop-backend-1, -2, -3.",
        ko="백엔드 서비스에서 `container_name:` 줄을 지우세요. Compose가 복제본마다 "
        "`workshop-backend-1`, `-2`, `-3`처럼 이름을 붙여 줍니다.",
    ),
    example_fail="""\
backend:
  build: ./backend
  container_name: socialapp-backend
""",
    example_pass="""\
backend:
  build: ./backend
""",
    messages={
        "pass": Message(
            en="Service {service} has no container_name, so it can run as several replicas.",
            ko="{service} 서비스에 container_name이 없어 여러 복제본으로 실행할 수 있습니다.",
            params=("service",),
        ),
        "fail": Message(
            en="Service {service} sets container_name: {value}; only one container can have that name, "
            "so scaling to 3 fails.",
            ko="{service} 서비스에 container_name: {value}{이} 있습니다. 이 이름의 컨테이너는 하나뿐이라 "
            "3개로 스케일하면 실패합니다.",
            params=("service", "value"),
        ),
    },
)


def check(ctx: CheckContext) -> Iterator[Finding]:
    backend = ctx.backend
    assert backend is not None  # NEEDS: grader.grade runs this check only with a backend
    if backend.container_name is not None:
        yield ctx.at_compose(
            Status.FAIL, "fail", backend.container_name.line, service=backend.name, value=backend.container_name.value
        )
    else:
        yield ctx.at_compose(Status.PASS, "pass", backend.line, service=backend.name)
