"""The nginx config is read and a location serves the API request with a proxy_pass. Every
other nginx check looks at that location: when it is missing, this check says so once, and
the checks that need it are blocked by it."""

from collections.abc import Iterator

from grader.checks.context import CheckContext
from grader.results import Finding, Status
from grader.texts import CheckTexts, Message, Text

CODE = "N100"
SLUG = "nginx.api-location"
ASK = None
NEEDS = ("frontend_image",)  # judged in an image that builds (C111)
PROVIDES = ("nginx", "api_route")

TEXTS = CheckTexts(
    CODE,
    title=Text(
        en="A location in nginx proxies the API",
        ko="nginx에 API를 프록시하는 location이 있어야 합니다",
    ),
    why=Text(
        en="Every other nginx check looks at the location that serves /api/posts. When the config cannot "
        "be read, or no location serves the API with a proxy_pass, this check says so once and the "
        "checks that need that location are shown as blocked.",
        ko="다른 nginx 검사는 모두 /api/posts를 처리하는 location을 봅니다. 설정을 읽을 수 없거나 API를 "
        "proxy_pass로 처리하는 location이 없으면 이 검사가 한 번 알려 주고, 그 location이 필요한 "
        "검사는 막힘으로 표시됩니다.",
    ),
    fix=Text(
        en="In the server the frontend publishes: `location /api/ { proxy_pass http://backend:8080; }`.",
        ko="프론트엔드가 게시하는 server에: `location /api/ { proxy_pass http://backend:8080; }`.",
    ),
    example_fail="""\
server {
    listen 80;
    location / { root /usr/share/nginx/html; }
}
""",
    example_pass="""\
server {
    listen 80;
    location / { root /usr/share/nginx/html; }
    location /api/ { proxy_pass http://backend:8080; }
}
""",
    follows=Text(
        en="A request for the API path as a browser sends it to the published port, through nginx's "
        "own steps (grader/nginx/request.py): the listening socket, the server by Host and "
        "default_server, the server's and the location's rewrite, return, set and if in order (a "
        "rewrite without flag or with last looks the location up again), access rules, try_files, "
        "and the content. It passes when the request reaches a proxy_pass; otherwise it names what "
        "answers instead.",
        ko="브라우저가 게시된 포트로 보내는 API 요청을 nginx가 처리하는 순서대로 "
        "따라갑니다(grader/nginx/request.py). listen 소켓, Host와 "
        "default_server로 고르는 server, server와 location의 rewrite, "
        "return, set, if를 순서대로(플래그가 없거나 last인 rewrite는 location을 "
        "다시 찾습니다), 접근 규칙, try_files, 그리고 응답을 만드는 지시어까지 봅니다. 요청이 "
        "proxy_pass에 닿으면 통과하고, 아니면 대신 응답하는 것을 알려 줍니다.",
    ),
    messages={
        "pass": Message(
            en="`location {location}` serves {path} with proxy_pass {raw}.",
            ko="`location {location}`{이} proxy_pass {raw}{로} {path}{를} 처리합니다.",
            params=("location", "path", "raw"),
        ),
    },
)


def check(ctx: CheckContext) -> Iterator[Finding]:
    if (cause := ctx.cause("api_route")) is not None:
        yield cause
        return
    route = ctx.api_route
    assert route is not None and route.target is not None  # the cause above says the route is there
    yield ctx.at(
        Status.PASS,
        "pass",
        route.location,
        path=ctx.api_path,
        location=" ".join(route.location.args),
        raw=route.target.raw,
    )
