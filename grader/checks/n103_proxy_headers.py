"""N3: Host, X-Real-IP, X-Forwarded-For and X-Forwarded-Proto are in effect for the /api
location after nginx's inheritance: a location that sets any proxy_set_header of its own
inherits none from the server or http level."""

from collections.abc import Iterator

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
        "`proxy_set_header Host $host; proxy_set_header X-Real-IP $remote_addr; "
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; "
        "proxy_set_header X-Forwarded-Proto $scheme;`",
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
        "response_header": Message(
            en="{missing} is written with add_header ({where}): add_header sets a header of the response the "
            "browser gets, not of the request the backend gets.",
            ko="{missing}{이} `add_header`로 쓰여 있습니다({where}). `add_header`는 브라우저가 받는 응답의 "
            "헤더를 정하지, 백엔드가 받는 요청의 헤더를 정하지 않습니다.",
            fix=Text(
                en="Write it with proxy_set_header: `proxy_set_header {missing} {value};`.",
                ko="proxy_set_header로 쓰세요: `proxy_set_header {missing} {value};`.",
            ),
            params=("missing", "value", "where"),
        ),
        "host_fixed": Message(
            en="`proxy_set_header Host {value};` sends the backend the name {value}, not the host the browser "
            "asked for ({host}): the backend cannot tell which site was asked for.",
            ko="`proxy_set_header Host {value};`{는} 브라우저가 요청한 호스트({host})가 아니라 이름 {value}{를} "
            "백엔드에 보냅니다. 백엔드는 어느 사이트로 온 요청인지 알 수 없습니다.",
            fix=Text(
                en="Send the browser's host: `proxy_set_header Host $host;`.",
                ko="브라우저의 호스트를 보내세요: `proxy_set_header Host $host;`.",
            ),
            params=("host", "value"),
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


# What each header carries when it is right, for a fix that writes it.
DEFAULT_VALUES = {
    "host": "$host",
    "x-real-ip": "$remote_addr",
    "x-forwarded-for": "$proxy_add_x_forwarded_for",
    "x-forwarded-proto": "$scheme",
}


def host_name_of(value: str) -> str:
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def check(ctx: CheckContext) -> Iterator[Finding]:
    route = ctx.api_route
    assert route is not None and route.target is not None  # NEEDS: the API's route has a target
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
    host_line = effective.get("host")
    if (
        p is not None
        and "host" not in [m.lower() for m in missing]
        and host_line is not None
        and len(host_line.args) >= 2
        and "$" not in host_line.args[1]
    ):
        # A fixed Host: the backend gets a name of the config's, never the browser's host.
        sent = p.headers.get("host")
        if sent is not None and host_name_of(sent) != "localhost":
            yield ctx.at(Status.FAIL, "host_fixed", host_line, value=host_line.args[1], host="localhost")
            return
    if not missing:
        first = min((effective[h.lower()] for h in wanted), key=lambda d: d.line or 0)
        yield ctx.at(Status.PASS, "pass", first, headers=", ".join(wanted))
        return
    # Written with add_header, the header of the response, instead?
    for level in ctx.nginx.chain(loc):
        added = {d.args[0].lower(): d for d in level.children("add_header") if d.args}
        wrong = [h for h in missing if h.lower() in added]
        if wrong:
            d = added[wrong[0].lower()]
            yield ctx.at(
                Status.FAIL,
                "response_header",
                d,
                missing=wrong[0],
                where=f"{d.file}:{d.line}",
                value=d.args[1] if len(d.args) > 1 else DEFAULT_VALUES.get(wrong[0].lower(), "..."),
            )
            return
    # Were the missing ones set at an outer level and shadowed by the location's own?
    own = loc.children("proxy_set_header")
    if own:
        for level in ctx.nginx.chain(loc)[1:]:
            outer = {d.args[0].lower(): d for d in level.children("proxy_set_header") if d.args}
            shadowed = [h for h in missing if h.lower() in outer]
            if shadowed:
                yield ctx.at(
                    Status.FAIL,
                    "shadowed",
                    own[0],
                    missing=", ".join(missing),
                    shadowed=", ".join(shadowed),
                    outer_line=outer[shadowed[0].lower()].line,
                )
                return
    yield ctx.at(Status.FAIL, "missing", loc, missing=", ".join(missing), location=" ".join(loc.args))
