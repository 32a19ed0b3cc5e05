"""N2: nginx keeps finding replicas as they come and go. A host written literally in
proxy_pass (or an upstream server without `resolve`) is looked up once, at start-up: replicas
added later never get traffic, and removed ones cause errors until nginx reloads."""

from collections.abc import Iterator
from typing import Any

from grader.checks.context import CheckContext
from grader.results import Finding, Status
from grader.texts import CheckTexts, Message, Text

CODE = "N102"
SLUG = "nginx.dynamic-backend-resolution"
ASK = "N2"
NEEDS = ("api_route",)
DOCKER_DNS = "127.0.0.11"

TEXTS = CheckTexts(
    CODE,
    title=Text(
        en="nginx re-resolves the backend, so new replicas get traffic",
        ko="nginx가 백엔드 주소를 다시 조회해 새 복제본도 요청을 받아야 합니다",
    ),
    why=Text(
        en="With a host written literally in proxy_pass (or an upstream server without `resolve`), nginx "
        "looks the name up once, at start-up. Replicas added later never get traffic, and removed "
        "ones cause 502 errors until nginx reloads. A `resolver` (Docker's DNS is 127.0.0.11) with a "
        "variable in proxy_pass, or `server backend:8080 resolve;` in an upstream (nginx 1.27.3+), "
        "makes nginx look again.",
        ko="proxy_pass에 호스트를 그대로 쓰면 (또는 upstream server에 `resolve`가 없으면) nginx는 시작할 "
        "때 한 번만 이름을 조회합니다. 나중에 추가된 복제본은 요청을 받지 못하고, 제거된 복제본 "
        "때문에 nginx를 다시 읽을 때까지 502 오류가 납니다. `resolver`(Docker DNS는 127.0.0.11)와 "
        "proxy_pass의 변수, 또는 upstream의 `server backend:8080 resolve;`(nginx 1.27.3 이상)를 쓰면 "
        "다시 조회합니다.",
    ),
    fix=Text(
        en="In the /api location: `resolver 127.0.0.11 valid=10s;` `set $backend http://backend:8080;` "
        "`proxy_pass $backend;`",
        ko="/api location에: `resolver 127.0.0.11 valid=10s;` `set $backend http://backend:8080;` "
        "`proxy_pass $backend;`",
    ),
    example_fail="""\
location /api/ {
    proxy_pass http://backend:8080;
}
""",
    example_pass="""\
location /api/ {
    resolver 127.0.0.11 valid=10s;
    set $backend http://backend:8080;
    proxy_pass $backend;
}
""",
    follows=Text(
        en="How nginx finds the backend's addresses for the request: a literal host, an upstream "
        "server without `resolve`, or a variable whose host and port are those of an upstream nginx "
        "already has (a configured one, or the implicit one a literal proxy_pass anywhere creates) "
        "are resolved once at start; a variable with no such upstream is resolved per request "
        "through the resolver in effect at the location; upstream servers with `resolve` are "
        "resolved again periodically. The request oracle holds this to nginx by changing the "
        "backend's address between two requests.",
        ko="nginx가 요청마다 백엔드 주소를 어떻게 찾는지 봅니다. 그대로 쓴 호스트, `resolve`가 "
        "없는 upstream server, 그리고 nginx가 이미 가진 upstream(설정한 것이나, "
        "어디엔가 그대로 쓴 proxy_pass가 만든 것)과 호스트와 포트가 같은 변수는 시작할 때 한 "
        "번만 조회합니다. 그런 upstream이 없는 변수는 location에 적용되는 resolver로 "
        "요청마다 조회하고, `resolve`가 붙은 upstream server는 주기적으로 다시 "
        "조회합니다. 요청 오라클은 두 요청 사이에 백엔드 주소를 바꿔 이를 실제 nginx와 비교합니다.",
    ),
    messages={
        "pass_variable": Message(
            en="proxy_pass {raw} is resolved per request through resolver {resolver}.",
            ko="proxy_pass {raw}{는} resolver {resolver}{로} 요청마다 조회됩니다.",
            params=("raw", "resolver"),
        ),
        "pass_upstream": Message(
            en="upstream {upstream} re-resolves its servers (resolve) with a resolver in effect.",
            ko="upstream {upstream}{이} resolver로 server 주소를 다시 조회합니다 (resolve).",
            params=("upstream",),
        ),
        "literal": Message(
            en="proxy_pass {raw} names {host} literally: nginx resolves it once at start, so replicas "
            "added later never get traffic.",
            ko="proxy_pass {raw}{가} {host}{를} 그대로 씁니다. nginx가 시작할 때 한 번만 조회하므로 "
            "나중에 추가된 복제본은 요청을 받지 못합니다.",
            params=("host", "raw"),
        ),
        "literal_with_resolver": Message(
            en="proxy_pass {raw} names {host} literally: nginx resolves it once at start, even with your "
            "`resolver {resolver}` ({where}), which nginx uses only for a variable in proxy_pass or "
            "an upstream server with `resolve`.",
            ko="proxy_pass {raw}{가} {host}{를} 그대로 씁니다. `resolver {resolver}`{가} 있어도({where}) "
            "nginx는 이를 proxy_pass의 변수나 `resolve`가 붙은 upstream server에만 쓰므로, 시작할 때 "
            "한 번만 조회합니다.",
            fix=Text(
                en="Keep your `resolver {resolver};` and put the URL in a variable: "
                "`set $backend {raw};` then `proxy_pass $backend;`.",
                ko="`resolver {resolver};`{는} 그대로 두고 URL을 변수에 넣으세요: `set $backend {raw};` "
                "다음에 `proxy_pass $backend;`.",
            ),
            params=("host", "raw", "resolver", "where"),
        ),
        "upstream_static": Message(
            en="upstream {upstream} lists server {host} without `resolve`: resolved once at start, so "
            "new replicas never get traffic.",
            ko="upstream {upstream}의 server {host}에 `resolve`가 없습니다. 시작할 때 한 번만 조회되어 "
            "새 복제본이 요청을 받지 못합니다.",
            fix=Text(
                en="In upstream {upstream}: `zone {upstream} 64k;` and `server {name}{port} resolve;`, "
                "with `resolver {resolver};` in http (nginx 1.27.3+).",
                ko="upstream {upstream}에 `zone {upstream} 64k;`{와} `server {name}{port} resolve;`{를} "
                "쓰고 http에 `resolver {resolver};`{를} 두세요 (nginx 1.27.3 이상).",
            ),
            params=("host", "name", "port", "resolver", "upstream"),
        ),
        "implicit_upstream": Message(
            en="proxy_pass {raw} uses a variable, but its value names {host}:{port}, the host and port of the "
            "literal `proxy_pass {literal}` at {where}. nginx takes a variable's host from the upstreams "
            "it already has first, and that line made one, resolved once at start: new replicas never "
            "get /api traffic.",
            ko="proxy_pass {raw}{는} 변수를 쓰지만, 그 값의 {host}:{port}{는} {where}에 그대로 쓴 "
            "`proxy_pass {literal}`{과} 호스트와 포트가 같습니다. nginx는 변수의 호스트를 먼저 이미 "
            "가진 upstream에서 찾는데, 그 줄이 시작할 때 한 번만 조회한 upstream을 만들었습니다. 그래서 "
            "새 복제본은 /api 요청을 받지 못합니다.",
            fix=Text(
                en="Write that proxy_pass with the variable too (`proxy_pass $backend_upstream;` with the same "
                "`set` and `resolver` in its location), so no upstream for {host}:{port} is made at start.",
                ko="그 proxy_pass도 변수로 쓰세요(그 location에 같은 `set`과 `resolver`를 두고 "
                "`proxy_pass $backend_upstream;`). 그러면 시작할 때 {host}:{port} upstream이 만들어지지 "
                "않습니다.",
            ),
            params=("host", "literal", "port", "raw", "where"),
        ),
        "one_client_address": Message(
            en="`{balance};` in upstream {upstream} sends every request from one client address to the same "
            "replica, and through Docker's published port every request nginx gets comes from one address "
            "(the network's gateway): one replica gets all of them, and the others, new ones included, none.",
            ko="upstream {upstream}의 `{balance};`{는} 한 클라이언트 주소에서 온 요청을 모두 같은 복제본으로 "
            "보냅니다. 그런데 Docker가 게시한 포트를 거치면 nginx가 받는 요청은 모두 한 주소(네트워크의 "
            "게이트웨이)에서 옵니다. 그래서 복제본 하나가 요청을 모두 받고, 새로 생긴 복제본을 포함한 "
            "나머지는 하나도 받지 못합니다.",
            fix=Text(
                en="Delete `{balance};` so nginx takes the replicas in turn (round robin), or use `least_conn;`.",
                ko="`{balance};`{를} 지워서 nginx가 복제본에 차례로 요청을 보내게(라운드 로빈) 하거나, "
                "`least_conn;`을 쓰세요.",
            ),
            params=("balance", "upstream"),
        ),
        "variable_no_resolver": Message(
            en='proxy_pass {raw} uses a variable but no resolver is in effect: nginx answers 502 ("no '
            'resolver defined").',
            ko='proxy_pass {raw}{가} 변수를 쓰지만 resolver가 없습니다. nginx가 502로 응답합니다("no '
            'resolver defined").',
            params=("raw",),
        ),
        "no_resolver": Message(
            en="upstream {upstream} uses `resolve` but no resolver is in effect in http or the upstream.",
            ko="upstream {upstream}{이} `resolve`를 쓰지만 http나 upstream에 resolver가 없습니다.",
            fix=Text(
                en="Add `resolver 127.0.0.11 valid=10s;` to http or to upstream {upstream}.",
                ko="http나 upstream {upstream}에 `resolver 127.0.0.11 valid=10s;`를 추가하세요.",
            ),
            params=("upstream",),
        ),
        "resolver_caches": Message(
            en="resolver {resolver} has no `valid=`: nginx keeps each answer for the TTL Docker's DNS gives, "
            "{ttl} s, so a new replica gets no traffic for up to {minutes} minutes.",
            ko="resolver {resolver}에 `valid=`가 없습니다. nginx는 Docker DNS가 주는 TTL인 {ttl}초 동안 답을 "
            "그대로 쓰므로, 새 복제본은 최대 {minutes}분 동안 요청을 받지 못합니다.",
            fix=Text(
                en="Add `valid=10s` to it: `resolver {resolver} valid=10s;`.",
                ko="`valid=10s`{를} 붙이세요: `resolver {resolver} valid=10s;`.",
            ),
            params=("minutes", "resolver", "ttl"),
        ),
        "resolver_long_valid": Message(
            en="resolver {resolver} keeps each answer for {valid} s: a new replica gets no traffic for up to "
            "{valid} s, longer than the {longest} s the step allows.",
            ko="resolver {resolver}{는} 답을 {valid}초 동안 그대로 씁니다. 새 복제본은 최대 {valid}초 동안 "
            "요청을 받지 못하는데, 이 단계가 허용하는 {longest}초보다 깁니다.",
            fix=Text(
                en="Use a shorter validity: `valid=10s`.",
                ko="더 짧은 유효 시간을 쓰세요: `valid=10s`.",
            ),
            params=("longest", "resolver", "valid"),
        ),
        "resolver_not_docker": Message(
            en="resolver {resolver} is not Docker's DNS (127.0.0.11): it cannot resolve service names.",
            ko="resolver {resolver}{는} Docker DNS(127.0.0.11)가 아니어서 서비스 이름을 조회할 수 없습니다.",
            fix=Text(
                en="Replace `resolver {resolver};` with `resolver 127.0.0.11 valid=10s;` (Docker's DNS); "
                "the rest can stay.",
                ko="`resolver {resolver};`{를} Docker DNS인 `resolver 127.0.0.11 valid=10s;`로 바꾸세요. "
                "나머지는 그대로 두면 됩니다.",
            ),
            params=("resolver",),
        ),
    },
)


def _resolver_ok(ctx: CheckContext, resolver) -> bool:
    from grader.nginx.model import VAR_RE  # here: `grader list` and `explain` load no models

    addrs = [a for a in resolver.args if "=" not in a]
    # A variable (filled from the environment by the image's template step) cannot be judged.
    return any(a.split(":")[0] == DOCKER_DNS or VAR_RE.search(a) for a in addrs)


def valid_seconds(args: list[str]) -> float | None:
    """The resolver's `valid=` in seconds (nginx's time syntax: 10s, 1m, 1m30s, a bare number is
    seconds), or None when it has none."""
    import re

    for a in args:
        if a.startswith("valid="):
            total, units = 0.0, {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "": 1}
            for n, unit in re.findall(r"(\d+)(ms|s|m|h|d|)", a[len("valid=") :]):
                total += int(n) * units[unit]
            return total
    return None


def _through_resolver(ctx: CheckContext, scope: Any, missing: Finding, passed: Finding) -> Finding:
    """Names resolved at run time need a resolver in effect at `scope`, it must be Docker's, and
    it must ask again soon: without `valid=` nginx keeps an answer for its TTL, and Docker's DNS
    gives every answer 600 s (what the runtime's scale-up phase waits out or judges by requests)."""
    from grader.nginx.model import DOCKER_DNS_TTL, LONGEST_VALID

    resolver = ctx.nginx.resolver_at(scope)
    if resolver is None:
        return missing
    if not _resolver_ok(ctx, resolver):
        return ctx.at(Status.FAIL, "resolver_not_docker", resolver, resolver=" ".join(resolver.args))
    valid = valid_seconds(resolver.args)
    shown = " ".join(a for a in resolver.args if not a.startswith("valid="))
    if valid is None:
        return ctx.at(
            Status.FAIL,
            "resolver_caches",
            resolver,
            resolver=shown,
            ttl=f"{DOCKER_DNS_TTL:g}",
            minutes=f"{DOCKER_DNS_TTL / 60:g}",
        )
    most = LONGEST_VALID
    if valid > most:
        return ctx.at(
            Status.FAIL,
            "resolver_long_valid",
            resolver,
            resolver=" ".join(resolver.args),
            valid=f"{valid:g}",
            longest=f"{most:g}",
        )
    return passed


def _service_name(ctx: CheckContext, host: str) -> str:
    """The name a fix should write: the host when it names the backend's service, else the
    backend's service name (a replica's own name, `workshop-backend-1`, reaches one replica)."""
    backend = ctx.backend
    if backend is None or (host and ctx.names_backend(host)):
        return host
    return backend.name


def check(ctx: CheckContext) -> Iterator[Finding]:
    route = ctx.api_route
    assert route is not None and route.target is not None  # NEEDS: the API's route has a target
    t = route.target
    if t.upstream is not None:
        up = t.upstream
        static = [s for s in up.servers if not s.resolve]
        if static or not up.servers:
            s = static[0] if static else None
            resolver = ctx.nginx.resolver_at(up.directive)
            yield Finding(
                Status.FAIL,
                "upstream_static",
                {
                    "upstream": up.name,
                    "host": s.host if s else "",
                    # The fix names the backend's service (every replica), not a pinned replica's name.
                    "name": _service_name(ctx, s.host if s else ""),
                    "port": f":{s.port}" if s and s.port else "",
                    "resolver": " ".join(resolver.args) if resolver else "127.0.0.11 valid=10s",
                },
                s.file if s else up.directive.file,
                s.line if s else up.directive.line,
            )
            return
        from grader.nginx.model import by_client_address  # here: `grader list` and `explain` load no models

        by_client = by_client_address(up.directive)
        if by_client is not None:
            yield ctx.at(
                Status.FAIL,
                "one_client_address",
                by_client,
                upstream=up.name,
                balance=" ".join([by_client.name, *by_client.args]),
            )
            return
        yield _through_resolver(
            ctx,
            up.directive,
            missing=ctx.at(Status.FAIL, "no_resolver", up.directive, upstream=up.name),
            passed=ctx.at(Status.PASS, "pass_upstream", up.directive, upstream=up.name),
        )
        return
    p = route.outcome.proxied if route.outcome is not None else None
    if t.has_variables and p is not None and p.implicit is not None:
        lit = p.implicit
        yield ctx.at(
            Status.FAIL,
            "implicit_upstream",
            t.directive,
            raw=t.raw,
            host=p.host,
            port=p.port or (443 if p.scheme == "https" else 80),
            literal=" ".join(lit.args),
            where=f"{lit.file}:{lit.line}",
        )
        return
    if t.has_variables:
        resolver = ctx.nginx.resolver_at(route.location)
        yield _through_resolver(
            ctx,
            route.location,
            missing=ctx.at(Status.FAIL, "variable_no_resolver", t.directive, raw=t.raw),
            passed=ctx.at(
                Status.PASS,
                "pass_variable",
                t.directive,
                raw=t.raw,
                resolver=" ".join(resolver.args) if resolver else "",
            ),
        )
        return
    resolver = ctx.nginx.resolver_at(route.location)
    if resolver is not None:
        # The learner has a resolver already: say so, and that a literal host does not use it.
        yield ctx.at(
            Status.FAIL,
            "literal_with_resolver",
            t.directive,
            raw=t.raw,
            host=t.host or t.raw,
            resolver=" ".join(resolver.args),
            where=f"{resolver.file}:{resolver.line}",
        )
        return
    yield ctx.at(Status.FAIL, "literal", t.directive, raw=t.raw, host=t.host or t.raw)
