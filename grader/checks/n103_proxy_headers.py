"""N3: Host, X-Real-IP, X-Forwarded-For and X-Forwarded-Proto are in effect for the /api
location after nginx's inheritance: a location that sets any proxy_set_header of its own
inherits none from the server or http level."""
from typing import Iterator

from grader.checks.context import CheckContext
from grader.results import Finding, Status
from grader.texts import CheckTexts, Message, Text

CODE = "N103"
SLUG = "nginx.proxy-headers"
ASK = "N3"
NEEDS = ("api_route",)
DEFAULT_HEADERS = ["Host", "X-Real-IP", "X-Forwarded-For", "X-Forwarded-Proto"]

TEXTS = CheckTexts(
    CODE,
    title=Text(
        en="Proxy headers for load balancing are in effect for /api",
        ko="/api에 부하 분산용 프록시 헤더가 적용되어야 합니다",
    ),
    why=Text(
        en="Behind nginx, every replica sees nginx as the client. Host, X-Real-IP, X-Forwarded-For and "
           "X-Forwarded-Proto tell it the real host, client and scheme. nginx inherits proxy_set_header "
           "from the server level only when the location sets none of its own.",
        ko="nginx 뒤의 복제본에게는 nginx가 클라이언트로 보입니다. Host, X-Real-IP, X-Forwarded-For, "
           "X-Forwarded-Proto가 실제 호스트, 클라이언트, 스킴을 알려 줍니다. location에 "
           "proxy_set_header가 하나라도 있으면 server 수준의 proxy_set_header는 상속되지 않습니다.",
    ),
    fix=Text(
        en="In the /api location set all four: "
           "`proxy_set_header Host $host; proxy_set_header X-Real-IP $remote_addr; proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; proxy_set_header X-Forwarded-Proto $scheme;`",
        ko="/api location에 네 개 모두 설정하세요: `proxy_set_header Host $host;` "
           "`proxy_set_header X-Real-IP $remote_addr;` "
           "`proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;` "
           "`proxy_set_header X-Forwarded-Proto $scheme;`",
    ),
    example_fail="""\
server {
    proxy_set_header X-Real-IP $remote_addr;
    location /api/ {
        proxy_set_header Host $host;   # hides the server-level header
        proxy_pass http://backend:8080;
    }
}
""",
    example_pass="""\
location /api/ {
    proxy_set_header Host $host;
    proxy_set_header X-Real-IP $remote_addr;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_pass http://backend:8080;
}
""",
    follows=Text(
        en="The headers the backend receives, from the request model: proxy_set_header of the level "
           "nginx uses (a level that sets any inherits none), values worked out on the request's way "
           "(a header whose value comes out empty is not sent), and Host as nginx sends it without a "
           "line of its own ($proxy_host, the proxy_pass host).",
        ko="요청 모델이 계산한, 백엔드가 받는 헤더를 봅니다. nginx가 쓰는 수준의 "
           "proxy_set_header(하나라도 설정한 수준은 위에서 상속하지 않습니다), 요청이 지나가며 "
           "정해진 값(값이 비면 그 헤더는 보내지 않습니다), 그리고 따로 설정하지 않았을 때 nginx가 "
           "보내는 Host($proxy_host, proxy_pass의 호스트)를 봅니다.",
    ),
    messages={
        "pass": Message(
            en="{headers} are in effect for /api.",
            ko="/api에 {headers}{가} 적용됩니다.",
            params=("headers",),
        ),
        "missing": Message(
            en="location {location} does not set {missing}.",
            ko="location {location}에 {missing}{가} 설정되어 있지 않습니다.",
            params=("location", "missing"),
        ),
        "shadowed": Message(
            en="{missing} not in effect: {shadowed} set at line {outer_line} is hidden because this "
               "location sets proxy_set_header of its own.",
            ko="{missing}{가} 적용되지 않습니다: 이 location에 proxy_set_header가 있어서 {outer_line}번 "
               "줄의 {shadowed}{가} 상속되지 않습니다.",
            params=("missing", "outer_line", "shadowed"),
        ),
    },
)


def check(ctx: CheckContext) -> Iterator[Finding]:
    route = ctx.api_route
    wanted = list(ctx.params.get("proxy_headers", DEFAULT_HEADERS))
    loc = route.location
    effective = ctx.nginx.effective_headers(loc)
    p = route.outcome.proxied if route.outcome is not None else None
    if p is not None:
        # What the backend receives: a header whose value comes out empty is not sent at all, and
        # without its own line Host is nginx's default ($proxy_host), not the browser's host.
        missing = [h for h in wanted if h.lower() not in p.headers or h.lower() not in p.header_nodes]
        effective = {k: v for k, v in effective.items() if k not in [m.lower() for m in missing]}
    else:
        missing = [h for h in wanted if h.lower() not in effective]
    if not missing:
        first = min((effective[h.lower()] for h in wanted), key=lambda d: d.line)
        yield ctx.at(Status.PASS, "pass", first, headers=", ".join(wanted))
        return
    # Were the missing ones set at an outer level and shadowed by the location's own?
    own = loc.children("proxy_set_header")
    if own:
        for level in ctx.nginx.chain(loc)[1:]:
            outer = {d.args[0].lower(): d for d in level.children("proxy_set_header") if d.args}
            shadowed = [h for h in missing if h.lower() in outer]
            if shadowed:
                yield ctx.at(Status.FAIL, "shadowed", own[0], missing=", ".join(missing),
                             shadowed=", ".join(shadowed), outer_line=outer[shadowed[0].lower()].line)
                return
    yield ctx.at(Status.FAIL, "missing", loc, missing=", ".join(missing), location=" ".join(loc.args))
