"""R5: the API answers through the frontend's published port: GET and POST of the list path
return JSON. A failure says what nginx answered (502: it could not reach the backend)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from grader.results import Finding, Status
from grader.runtime.outcome import PhaseOutcome, backoff
from grader.texts import CheckTexts, Message, Text

if TYPE_CHECKING:  # the static path imports the phases for their codes: no HTTP client there
    from grader.runtime.http import Response
    from grader.runtime.stack import Stack

CODE = "R104"
SLUG = "runtime.api"
NEEDS = ("runtime.replicas",)

TEXTS = CheckTexts(
    CODE,
    title=Text(
        en="The API answers through the frontend",
        ko="프론트엔드를 거쳐 API가 응답합니다",
    ),
    why=Text(
        en="Learners use the app at http://localhost through nginx. `GET` and `POST /api/posts` must "
        "answer with JSON through the frontend's published port, not only from the backend.",
        ko="학습자는 nginx를 거쳐 http://localhost로 앱을 씁니다. `GET`, `POST /api/posts`가 "
        "백엔드에서만이 아니라 프론트엔드의 게시 포트를 거쳐 JSON으로 응답해야 합니다.",
    ),
    fix=Text(
        en="Open http://localhost/api/posts; for 502, make proxy_pass name the backend service and the "
        "port it listens on.",
        ko="http://localhost/api/posts를 열어 보세요. 502라면 proxy_pass가 백엔드 서비스 이름과 그 "
        "서비스가 듣는 포트를 가리키게 하세요.",
    ),
    messages={
        "pass": Message(
            en="{path} answered {status} with JSON through the frontend (port {port} for this run).",
            ko="{path}{가} 프론트엔드를 거쳐 JSON으로 응답했습니다(상태 {status}, 이번 실행의 포트 {port}).",
            params=("path", "port", "status"),
        ),
        "not_published": Message(
            en="Service {service} publishes no port, so the app cannot be reached from the host.",
            ko="{service} 서비스가 포트를 게시하지 않아 호스트에서 앱에 접속할 수 없습니다.",
            params=("service",),
        ),
        "frontend_down": Message(
            en="The frontend's container is {state}, so Docker publishes no port for it: nginx exits at "
            "start. Its log says: {said}",
            ko="프론트엔드 컨테이너가 {state} 상태라서 Docker가 포트를 게시하지 않습니다. nginx가 시작하자마자 "
            "종료하기 때문입니다. 로그에는 이렇게 나옵니다: {said}",
            fix=Text(
                en="Run `docker compose logs frontend` and correct what nginx names; `nginx -t` in the "
                "image checks the config before you start it.",
                ko="`docker compose logs frontend`{로} 로그를 보고 nginx가 알려 주는 문제를 고치세요. 이미지 "
                "안에서 `nginx -t`{를} 실행하면 시작하기 전에 설정을 확인할 수 있습니다.",
            ),
            params=("said", "state"),
        ),
        "empty_setting": Message(
            en="{request} answered {status}: the backend gets {name} with an empty value, so the app has no "
            "database to open.",
            ko="{request} 요청이 {status}{로} 응답했습니다. 백엔드가 {name}{을} 빈 값으로 받아서 앱이 열 "
            "데이터베이스가 없습니다.",
            fix=Text(
                en="Give {name} a value (see C106), e.g. `{name}=/data/contoso.db`.",
                ko="{name}에 값을 주세요(C106 참고). 예: `{name}=/data/contoso.db`.",
            ),
            params=("name", "request", "status"),
            extra=("error",),
        ),
        "no_answer": Message(
            en="{request} got no answer from the frontend ({error}); is nginx running?",
            ko="{request} 요청에 프론트엔드가 응답하지 않았습니다 ({error}). nginx가 실행 중인가요?",
            params=("error", "request"),
            extra=("status",),
        ),
        "not_accepted": Message(
            en="{request} got no answer from the frontend ({error}): `listen {listen}` takes no connection that "
            "comes to the container's IPv4 address, where the published port leads.",
            ko="{request} 요청에 프론트엔드가 응답하지 않았습니다 ({error}). `listen {listen}`{은} 게시한 포트가 "
            "이어지는 컨테이너의 IPv4 주소로 오는 연결을 받지 않습니다.",
            fix=Text(
                en="Listen on every IPv4 address of the container: `listen {port};`.",
                ko="컨테이너의 모든 IPv4 주소에서 listen하세요: `listen {port};`.",
            ),
            params=("error", "listen", "port", "request"),
            extra=("status",),
        ),
        "bad_gateway": Message(
            en="{request} answered {status}: nginx could not reach the backend. Check the host and port in proxy_pass.",
            ko="{request}{가} {status}{로} 응답했습니다: nginx가 백엔드에 닿지 못했습니다. proxy_pass의 "
            "호스트와 포트를 확인하세요.",
            params=("request", "status"),
            extra=("error",),
        ),
        "not_found": Message(
            en="{request} answered 404: no location sends it to the backend, or the path is rewritten on the way.",
            ko="{request}{가} 404로 응답했습니다: 이 요청을 백엔드로 보내는 location이 없거나 경로가 "
            "바뀌어 전달됩니다.",
            params=("request",),
            extra=("error", "status"),
        ),
        "not_json": Message(
            en="{request} answered {status}, but not with JSON (is nginx serving a page instead of proxying?).",
            ko="{request}{가} {status}{로} 응답했지만 JSON이 아닙니다 (nginx가 프록시 대신 페이지를 보내고 있나요?).",
            params=("request", "status"),
            extra=("error",),
        ),
        "status": Message(
            en="{request} answered {status}.",
            ko="{request}{가} {status}{로} 응답했습니다.",
            params=("request", "status"),
            extra=("error",),
        ),
    },
)


def frontend_port(stack: Stack) -> tuple[int | None, int | None]:
    """(container port, host port) of the frontend, as Docker published it for this run; the
    ports the API's nginx server listens on first."""
    svc = stack.model.service(stack.frontend)
    if svc is None or not svc.ports:
        return None, None
    targets = [n for p in svc.ports for n in p.target_numbers()]
    route = stack.ws.api_route
    if route is not None and stack.ws.nginx is not None:
        listening = stack.ws.nginx.listen_ports(route.server)
        targets.sort(key=lambda t: t not in listening)
    for t in targets:
        host = stack.engine.published_port(stack.frontend or "", t)
        if host is not None:
            return t, host
    return targets[0], None


def _frontend_down(stack: Stack) -> tuple[str, str] | None:
    """(state, the last line of its log) when no frontend container is running: a container that
    exits or restarts has no published port."""
    replicas = stack.engine.replicas(stack.frontend or "")
    if not replicas or any(r.status == "running" for r in replicas):  # a restarting one says "restarting"
        return None
    c = replicas[0]
    text, _ = stack.engine.logs(c.id, 64 * 1024)
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    said = next((ln for ln in reversed(lines) if "[emerg]" in ln), lines[-1] if lines else "(nothing)")
    # nginx's own words, without the time and process that differ on every run
    said = re.sub(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d (\[\w+\]) \d+#\d+: ", r"\1 ", said)
    return c.status, said[-300:]


def body(stack: Stack, marker: str) -> dict[str, Any]:
    return {k: (v.format(marker=marker) if isinstance(v, str) else v) for k, v in stack.opt.create_body.items()}


def _unaccepting_listen(stack: Stack) -> tuple[Any, int] | None:
    """The listen directive that takes no connection arriving from outside the container (bound
    to a loopback address, or IPv6 only); None when the files do not tell."""
    from grader.nginx.request import closed_to_outside, listens

    route, nginx = stack.ws.api_route, stack.ws.nginx
    arrives = route.arrives if route is not None else None
    if nginx is None or arrives is None or arrives.kind != "closed":
        return None
    return next(
        (
            (ls.node, ls.port)
            for s in nginx.servers()
            for ls in listens(nginx, s)
            if ls.node is not None and closed_to_outside(ls)
        ),
        None,
    )


def failure(stack: Stack, r: Response) -> Finding:
    params = {"request": f"{r.method} {r.path}", "status": r.status, "error": r.error or ""}
    if r.status is None:
        # When the files already say why no socket takes the published port (a listen on
        # 127.0.0.1 or on IPv6 only), the finding is at that listen.
        listen = _unaccepting_listen(stack)
        if listen is not None:
            node, port = listen
            return Finding(
                Status.FAIL,
                "not_accepted",
                {**params, "listen": " ".join(node.args), "port": port},
                node.file,
                node.line,
            )
        # No server nginx loads takes the API (the static grade's N100 finding says which line
        # made it so): that line is the cause.
        from grader.checks.context import CheckContext

        cause = CheckContext(ws=stack.ws).cause("api_route") if stack.ws.nginx is not None else None
        if cause is not None and cause.file:
            return Finding(Status.FAIL, "no_answer", params, cause.file, cause.line)
        return stack.at_compose(Status.FAIL, "no_answer", None, **params)
    if r.status in (502, 503, 504):
        return stack.at_route(Status.FAIL, "bad_gateway", **params)
    if r.status == 404:
        return stack.at_route(Status.FAIL, "not_found", **params)
    if r.ok:
        return stack.at_route(Status.FAIL, "not_json", **params)
    if r.status >= 500:
        # The backend's database setting is empty (C106 says so from the files): that is why it fails.
        from grader.checks.c106_backend_db_env import empty_setting
        from grader.checks.context import CheckContext

        empty = empty_setting(CheckContext(ws=stack.ws)) if stack.ws.compose is not None else None
        if empty is not None:
            e = empty[0]
            return Finding(Status.FAIL, "empty_setting", {**params, "name": e.name}, e.file, e.line)
    return stack.at_route(Status.FAIL, "status", **params)


def run(stack: Stack) -> PhaseOutcome:
    if stack.frontend is None:
        return PhaseOutcome(
            [stack.at_compose(Status.FAIL, "no_frontend", None, services=", ".join(stack.model.services))]
        )
    target, host = frontend_port(stack)
    if host is None:
        svc = stack.model.service(stack.frontend)
        down = _frontend_down(stack)
        if down is not None:
            # Where the files say why nginx cannot start (the static grade's error), that line.
            err = stack.ws.nginx_error
            if err is not None and err.file:
                return PhaseOutcome(
                    [Finding(Status.FAIL, "frontend_down", {"state": down[0], "said": down[1]}, err.file, err.line)]
                )
            return PhaseOutcome(
                [stack.at_compose(Status.FAIL, "frontend_down", svc.line if svc else None, state=down[0], said=down[1])]
            )
        return PhaseOutcome(
            [stack.at_compose(Status.FAIL, "not_published", svc.line if svc else None, service=stack.frontend)]
        )
    from grader.runtime.http import Client

    stack.client = Client("127.0.0.1", host)
    last: Response | None = None
    for _ in backoff(stack.opt.ready_timeout, first=0.2, most=1.5):
        last = stack.client.get(stack.opt.list_path)
        if last.status is None:
            stack.progress.say("no_answer", request=f"{last.method} {last.path}", error=last.error)
        else:
            stack.progress.status(last.describe())
        if last.ok and last.is_json():
            break
    assert last is not None
    details = [{"message": f"{last.describe()} via 127.0.0.1:{host} (container port {target})"}]
    if not (last.ok and last.is_json()):
        return PhaseOutcome([failure(stack, last)], details, last.body[:2000].decode("utf-8", "replace"))
    created = stack.client.post(stack.opt.create_path, body(stack, "api check"))
    details.append({"message": created.describe()})
    if not (created.ok and created.is_json()):
        return PhaseOutcome([failure(stack, created)], details, created.body[:2000].decode("utf-8", "replace"))
    return PhaseOutcome(
        [stack.at_compose(Status.PASS, "pass", path=stack.opt.list_path, status=last.status, port=host)], details
    )
