"""N4: proxying tuned for replicas that come and go: HTTP/1.1 with the Connection header
cleared (keep-alive to the backends), a connect timeout short enough to move on to another
replica, and proxy_next_upstream not switched off."""

from collections.abc import Iterator

from grader.checks.context import CheckContext
from grader.results import Finding, Status
from grader.texts import CheckTexts, Message, Text

CODE = "N104"
SLUG = "nginx.container-networking"
ASK = "N4"
NEEDS = ("api_route",)

TEXTS = CheckTexts(
    CODE,
    title=Text(
        en="Proxying is tuned for replicas that come and go",
        ko="복제본이 늘고 줄어도 잘 동작하도록 프록시가 설정되어야 합니다",
    ),
    why=Text(
        en="HTTP/1.1 without `Connection: close` keeps connections to the backends alive (nginx 1.30 does "
        "this by default; a `proxy_http_version 1.0` or a Connection header that says close undoes it); a short "
        "proxy_connect_timeout lets nginx give up on a stopped replica and try the next one instead "
        "of waiting 60 s; `proxy_next_upstream off` would forbid trying another.",
        ko="`Connection: close` 없는 HTTP/1.1은 백엔드와의 연결을 유지합니다(nginx 1.30의 기본 동작이며, "
        "`proxy_http_version 1.0`이나 close를 보내는 Connection 헤더가 이를 깹니다). 짧은 proxy_connect_timeout은 "
        "멈춘 복제본을 60초 동안 기다리지 않고 다음 복제본으로 넘어가게 합니다. "
        "`proxy_next_upstream off`는 다른 복제본 시도를 막습니다.",
    ),
    fix=Text(
        en='In the /api location: `proxy_http_version 1.1; proxy_set_header Connection ""; proxy_connect_timeout 5s;`',
        ko='/api location에: `proxy_http_version 1.1;` `proxy_set_header Connection "";` `proxy_connect_timeout 5s;`',
    ),
    example_fail="""\
location /api/ {
    proxy_pass http://backend:8080;
}
""",
    example_pass="""\
location /api/ {
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_connect_timeout 5s;
    proxy_pass http://backend:8080;
}
""",
    follows=Text(
        en="The HTTP version and the Connection header the backend receives for a plain GET, from the "
        "request model (nginx 1.30 sends HTTP/1.1 and no Connection header unless told otherwise; a "
        "`map` is evaluated for the request), then proxy_next_upstream and proxy_connect_timeout in "
        "effect at the location.",
        ko="요청 모델로 일반 GET 요청에서 백엔드가 받는 HTTP 버전과 Connection 헤더를 "
        "봅니다(nginx 1.30은 따로 설정하지 않으면 HTTP/1.1로 보내고 Connection "
        "헤더를 보내지 않으며, `map`은 그 요청으로 계산합니다). 그다음 location에 적용되는 "
        "proxy_next_upstream과 proxy_connect_timeout을 봅니다.",
    ),
    messages={
        "pass": Message(
            en="The backend gets HTTP/1.1 on a connection kept open; connect timeout {timeout}.",
            ko="백엔드가 연결이 유지되는 HTTP/1.1로 요청을 받습니다. 연결 시간 제한 {timeout}.",
            params=("timeout",),
        ),
        "http_version": Message(
            en="proxy_http_version is {value}; use 1.1 for keep-alive connections to the backends.",
            ko="proxy_http_version이 {value}입니다. 백엔드와 연결을 유지하려면 1.1을 쓰세요.",
            fix=Text(
                en="Set `proxy_http_version 1.1;` in the /api location.",
                ko="/api location에 `proxy_http_version 1.1;`을 쓰세요.",
            ),
            params=("value",),
        ),
        "connection": Message(
            en='The Connection header sent to the backends is "{value}"; clear it with proxy_set_header Connection "".',
            ko='백엔드로 보내는 Connection 헤더가 "{value}"입니다. `proxy_set_header Connection "";`으로 비우세요.',
            fix=Text(
                en='Add `proxy_set_header Connection "";` to the /api location (with its other '
                "proxy_set_header lines).",
                ko='/api location에 (다른 proxy_set_header와 함께) `proxy_set_header Connection "";`을 추가하세요.',
            ),
            params=("value",),
        ),
        "connection_map": Message(
            en="A plain request reaches the backend with `Connection: {value}`: `{header}` ({where}) takes "
            "{variable} from the map on {source}, which gives `{value}` when the request has no Upgrade "
            "header, so every /api connection to a replica is closed after one request.",
            ko="일반 요청이 `Connection: {value}`{로} 백엔드에 갑니다. `{header}`({where}){가} {source}{를} "
            "보는 map에서 {variable} 값을 가져오는데, 요청에 Upgrade 헤더가 없으면 `{value}`{이} 되므로 "
            "복제본으로 가는 /api 연결이 요청 하나마다 닫힙니다.",
            fix=Text(
                en="In the map, give '' an empty value instead (`'' '';`), so plain requests keep the "
                "connection open and WebSocket upgrades still work.",
                ko="map에서 ''의 값을 비워 두세요(`'' '';`). 그러면 일반 요청은 연결을 유지하고 WebSocket "
                "업그레이드도 그대로 동작합니다.",
            ),
            params=("header", "source", "value", "variable", "where"),
        ),
        "next_upstream_off": Message(
            en="proxy_next_upstream off: a failed replica's requests are not retried on another.",
            ko="proxy_next_upstream off: 실패한 복제본의 요청을 다른 복제본에서 다시 시도하지 않습니다.",
            fix=Text(
                en="Delete `proxy_next_upstream off;` (or write `proxy_next_upstream error timeout;`).",
                ko="`proxy_next_upstream off;`를 지우세요 (또는 `proxy_next_upstream error timeout;`).",
            ),
        ),
        "timeout_default": Message(
            en="No proxy_connect_timeout: nginx waits the default 60 s for a stopped replica (a few "
            "seconds, at most {limit} s, is enough).",
            ko="proxy_connect_timeout이 없어 멈춘 복제본을 기본값 60초 동안 기다립니다 (몇 초, 최대 "
            "{limit}초면 충분합니다).",
            fix=Text(
                en="Add `proxy_connect_timeout 2s;` to the /api location.",
                ko="/api location에 `proxy_connect_timeout 2s;`를 추가하세요.",
            ),
            params=("limit",),
        ),
        "timeout_long": Message(
            en="proxy_connect_timeout {value} is longer than {limit} s; a stopped replica holds requests that long.",
            ko="proxy_connect_timeout {value}{가} {limit}초보다 깁니다. 멈춘 복제본이 그만큼 요청을 붙잡습니다.",
            fix=Text(
                en="Lower `proxy_connect_timeout {value};` to a few seconds, e.g. `proxy_connect_timeout 2s;`.",
                ko="`proxy_connect_timeout {value};`{를} 몇 초로 줄이세요(예: `proxy_connect_timeout 2s;`).",
            ),
            params=("limit", "value"),
        ),
    },
)


def check(ctx: CheckContext) -> Iterator[Finding]:
    from grader.nginx.model import VAR_RE, parse_duration  # here: `grader list` and `explain` load no models

    route = ctx.api_route
    assert route is not None and route.target is not None  # NEEDS: the API's route has a target
    nginx, loc = ctx.nginx, route.location
    problems = 0
    version = nginx.effective_one(loc, "proxy_http_version")
    p = route.outcome.proxied if route.outcome is not None else None
    # What the backend receives, as the request model has it: nginx 1.30 talks HTTP/1.1 and sends
    # no Connection header unless told to (earlier versions sent HTTP/1.0 and `Connection: close`).
    sent_version = p.http_version if p is not None else (version.args[0] if version and version.args else "1.0")
    if sent_version != "1.1":
        problems += 1
        yield ctx.at(Status.FAIL, "http_version", version or loc, value=sent_version)
    conn = nginx.effective_headers(loc).get("connection")
    if p is not None:
        value = p.headers.get("connection", "")
        node = p.header_nodes.get("connection") or conn
        if value is not None and value.lower() not in ("", "keep-alive"):
            problems += 1
            maps = [
                m
                for m in nginx.http.children("map")
                if conn is not None and len(conn.args) > 1 and len(m.args) > 1 and m.args[1] == conn.args[1]
            ]
            if maps:
                assert conn is not None  # maps are only looked for with a Connection header
                yield ctx.at(
                    Status.FAIL,
                    "connection_map",
                    maps[0],
                    value=value,
                    header=" ".join(conn.args),
                    where=f"{conn.file}:{conn.line}",
                    variable=maps[0].args[1],
                    source=maps[0].args[0],
                )
            else:
                yield ctx.at(Status.FAIL, "connection", node or loc, value=value)
    else:
        value = conn.args[1] if conn and len(conn.args) > 1 else None
        if conn is None or not (value == "" or (value and VAR_RE.fullmatch(value))):
            problems += 1
            yield ctx.at(Status.FAIL, "connection", conn or loc, value=value if conn else "close")
    nxt = nginx.effective_one(loc, "proxy_next_upstream")
    if nxt is not None and nxt.args[:1] == ["off"]:
        problems += 1
        yield ctx.at(Status.FAIL, "next_upstream_off", nxt)
    limit = float(ctx.params.get("max_connect_timeout_seconds", 10))
    timeout = nginx.effective_one(loc, "proxy_connect_timeout")
    if timeout is None:
        problems += 1
        yield ctx.at(Status.WARN, "timeout_default", loc, limit=int(limit))
    else:
        seconds = parse_duration(timeout.args[0]) if timeout.args else None
        if seconds is None or seconds > limit:
            problems += 1
            yield ctx.at(Status.WARN, "timeout_long", timeout, value=" ".join(timeout.args), limit=int(limit))
    if not problems:
        yield ctx.at(Status.PASS, "pass", version or timeout or loc, timeout=" ".join(timeout.args) if timeout else "")
