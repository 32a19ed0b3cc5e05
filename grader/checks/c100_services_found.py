"""The compose file is read and names the backend and the frontend. Every other compose
check needs them: when one is missing, this check says so once, with the fix, and the checks
that need it are blocked by it instead of failing each with advice of its own."""

from collections.abc import Iterator

from grader.checks.context import CheckContext
from grader.results import Finding, Status
from grader.texts import CheckTexts, Message, Text

CODE = "C100"
SLUG = "compose.services-found"
ASK = None
NEEDS = ()
PROVIDES = ("compose", "backend", "frontend")

TEXTS = CheckTexts(
    CODE,
    title=Text(
        en="The compose file names the backend and the frontend",
        ko="compose 파일에 백엔드와 프론트엔드 서비스가 있어야 합니다",
    ),
    why=Text(
        en="Every other compose check looks at the backend or the frontend service. The backend is the "
        "service nginx proxies /api to (else the service named `backend`); the frontend is the nginx "
        "service. When one cannot be found, this check says so once and the checks that need it are "
        "shown as blocked, instead of each failing with advice that does not fit.",
        ko="다른 compose 검사는 모두 백엔드나 프론트엔드 서비스를 봅니다. 백엔드는 nginx가 /api를 "
        "프록시하는 서비스 (없으면 `backend`라는 서비스), 프론트엔드는 nginx 서비스입니다. 하나라도 "
        "찾지 못하면 이 검사가 한 번 알려 주고, 그 서비스가 필요한 검사는 맞지 않는 조언으로 각각 "
        "실패하는 대신 막힘으로 표시됩니다.",
    ),
    fix=Text(
        en="Name the services `backend` and `frontend`, proxy /api to `backend`, or pass --service "
        "backend=NAME --service frontend=NAME.",
        ko="서비스 이름을 `backend`, `frontend`로 하고 /api를 `backend`로 프록시하거나 --service "
        "backend=NAME --service frontend=NAME을 지정하세요.",
    ),
    example_fail="""\
services:
  frontend:
    build: ./frontend        # nginx: proxy_pass http://backend:8080;
  api:
    build: ./backend
""",
    example_pass="""\
services:
  frontend:
    build: ./frontend        # nginx: proxy_pass http://backend:8080;
  backend:
    build: ./backend
""",
    messages={
        "pass": Message(
            en="The backend is service {backend}; the frontend is service {frontend}.",
            ko="백엔드는 {backend} 서비스, 프론트엔드는 {frontend} 서비스입니다.",
            params=("backend", "frontend"),
        ),
    },
)


def check(ctx: CheckContext) -> Iterator[Finding]:
    if (cause := ctx.cause("compose")) is not None:
        yield cause
        return
    causes = [c for c in (ctx.cause("backend"), ctx.cause("frontend")) if c is not None]
    if causes:
        yield causes[0]
        if len(causes) > 1 and causes[1] != causes[0]:  # one file missing is one finding, not two
            yield causes[1]
        return
    backend, front = ctx.backend, ctx.frontend
    assert backend is not None and front is not None  # ctx.cause found no reason either is missing
    yield ctx.at_compose(Status.PASS, "pass", backend.line, backend=backend.name, frontend=front.name)
