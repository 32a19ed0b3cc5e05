"""N1: the location that serves /api/... proxies to the backend by its Compose service name,
which Docker's DNS answers with every replica. A container_name, an IP or localhost reach
one container or none."""

import ipaddress
import re
from collections.abc import Iterator

from grader.checks.context import CheckContext
from grader.results import Finding, Status
from grader.texts import CheckTexts, Message, Text

CODE = "N101"
SLUG = "nginx.api-proxies-to-backend"
ASK = "N1"
NEEDS = ("api_route", "backend")

TEXTS = CheckTexts(
    CODE,
    title=Text(
        en="/api is proxied to the backend's service name",
        ko="/api는 백엔드 서비스 이름으로 프록시되어야 합니다",
    ),
    why=Text(
        en="Docker's DNS answers a service name with the addresses of all its replicas. A "
        "container_name, an IP address or localhost points at one container (or at nginx itself), so "
        "the other replicas get nothing.",
        ko="Docker DNS는 서비스 이름에 대해 모든 복제본의 주소를 돌려줍니다. container_name, IP 주소, "
        "localhost는 한 컨테이너(또는 nginx 자신)만 가리켜 다른 복제본은 요청을 받지 못합니다.",
    ),
    fix=Text(
        en="In the /api location, proxy to the service name: `proxy_pass http://backend:8080;` (or "
        "through a variable or an upstream whose servers name `backend`).",
        ko="/api location에서 서비스 이름으로 프록시하세요: `proxy_pass http://backend:8080;` (또는 "
        "변수나 `backend`를 가리키는 upstream).",
    ),
    example_fail="""\
location /api/ {
    proxy_pass http://socialapp-backend:8080;
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
        en="The request nginx sends upstream, from the request model: the host it connects to (the "
        "value of a variable as `set` and `map` give it on the request's way, or an upstream's "
        "servers), judged against the Compose services, container names and network aliases; and "
        "the path the backend receives after rewrites and proxy_pass's URI rules (a URI in "
        "proxy_pass replaces the location's prefix, with a variable it replaces the whole URI, "
        "after `rewrite ... break` the changed URI is sent).",
        ko="요청 모델이 계산한, nginx가 백엔드로 보내는 요청을 봅니다. 연결할 호스트(요청이 지나가며 "
        "`set`과 `map`이 정한 변수 값, 또는 upstream의 server)를 Compose의 "
        "서비스 이름, container_name, 네트워크 별칭과 비교하고, rewrite와 "
        "proxy_pass의 URI 규칙을 거친 뒤 백엔드가 받는 경로를 봅니다(proxy_pass에 "
        "URI가 있으면 location 접두사를 바꾸고, 변수를 쓰면 URI 전체를 바꾸며, "
        "`rewrite ... break` 뒤에는 바뀐 URI를 보냅니다).",
    ),
    messages={
        "pass": Message(
            en="/api goes to {host}, the service name of the backend.",
            ko="/api가 백엔드 서비스 이름 {host}{로} 전달됩니다.",
            params=("host",),
            extra=("backend",),
        ),
        "pass_upstream": Message(
            en="/api goes to upstream {upstream}, whose servers name service {backend}.",
            ko="/api가 {backend} 서비스를 가리키는 upstream {upstream}{으로} 전달됩니다.",
            params=("backend", "upstream"),
        ),
        "container_name": Message(
            en="/api goes to {host}, the container_name of service {service}, not its service name; only "
            "one container answers to it.",
            ko="/api가 서비스 이름이 아닌 {service} 서비스의 container_name {host}{로} 전달됩니다. 이 "
            "이름에는 컨테이너 하나만 응답합니다.",
            params=("host", "service"),
            extra=("backend",),
        ),
        "replica_name": Message(
            en="/api goes to {host}, the name Compose gives one replica of {backend} (number {number}): Docker's "
            "DNS answers it with that one container only, so the other replicas get no request, and the API "
            "breaks when that replica is removed.",
            ko="/api가 {host}{로} 전달되는데, 이 이름은 Compose가 {backend}의 복제본 하나({number}번)에 "
            "붙인 이름입니다. Docker DNS는 이 이름을 그 컨테이너 하나의 주소로만 알려 주므로 다른 복제본은 "
            "요청을 받지 못하고, 그 복제본이 없어지면 API가 동작하지 않습니다.",
            fix=Text(
                en="Use the service name, which Docker's DNS answers with every replica: "
                "`set $backend http://{backend}{port};` then `proxy_pass $backend;`.",
                ko="Docker DNS가 모든 복제본의 주소를 알려 주는 서비스 이름을 쓰세요. 예: "
                "`set $backend http://{backend}{port};` 다음에 `proxy_pass $backend;`.",
            ),
            params=("backend", "host", "number", "port"),
        ),
        "ip": Message(
            en="/api goes to the fixed address {host}; replicas get new addresses, use the service name {backend}.",
            ko="/api가 고정 주소 {host}{로} 전달됩니다. 복제본 주소는 바뀌니 서비스 이름 {backend}{를} 쓰세요.",
            params=("backend", "host"),
        ),
        "localhost": Message(
            en="/api goes to {host}, which inside the nginx container is nginx itself, not the backend.",
            ko="/api가 {host}{로} 전달되는데, nginx 컨테이너 안에서 이는 백엔드가 아니라 nginx 자신입니다.",
            params=("host",),
            extra=("backend",),
        ),
        "other_service": Message(
            en="/api goes to service {service}, but the backend is {backend}.",
            ko="/api가 {service} 서비스로 전달되지만 백엔드는 {backend}입니다.",
            params=("backend", "service"),
            extra=("host",),
        ),
        "pass_alias": Message(
            en="/api goes to {host}, a network alias of service {backend} on {network} ({where}): Docker's DNS "
            "answers it with every replica, as it answers {backend}. The rubric accepts an alias "
            "(accept_network_alias); the step's own example uses the service name.",
            ko="/api가 {network} 네트워크에서 {backend} 서비스의 별칭(alias)인 {host}{로} 전달됩니다({where}). "
            "Docker DNS는 이 별칭에도 {backend}{과} 똑같이 모든 복제본의 주소를 돌려줍니다. 이 채점 기준은 "
            "별칭을 인정합니다(accept_network_alias). 단계의 예시는 서비스 이름을 씁니다.",
            params=("backend", "host", "network", "where"),
        ),
        "alias": Message(
            en="/api goes to {host}, a network alias of service {backend} on {network} ({where}). Docker's DNS "
            "answers it with every replica, so it works, but this rubric asks for the service name "
            "itself (accept_network_alias: false).",
            ko="/api가 {network} 네트워크에서 {backend} 서비스의 별칭(alias)인 {host}{로} 전달됩니다({where}). "
            "Docker DNS가 모든 복제본의 주소를 돌려주므로 동작은 하지만, 이 채점 기준은 서비스 이름 자체를 "
            "요구합니다(accept_network_alias: false).",
            fix=Text(
                en="Write the service name in proxy_pass: `{backend}` instead of `{host}`.",
                ko="proxy_pass에 `{host}` 대신 서비스 이름 `{backend}`{를} 쓰세요.",
            ),
            params=("backend", "host", "network", "where"),
        ),
        "path_changed": Message(
            en="The backend receives {target}, not {path}: {cause} ({where}) changes the path before "
            "proxy_pass sends it, and the backend's routes start with /api/.",
            ko="백엔드가 {path}{가} 아니라 {target}{을} 받습니다. proxy_pass가 보내기 전에 {cause}{이} "
            "경로를 바꾸는데({where}), 백엔드의 경로는 /api/로 시작합니다.",
            fix=Text(
                en="Pass the path on unchanged: remove `{cause}`, and write proxy_pass without a path "
                "(`proxy_pass http://backend:8080;`).",
                ko="경로를 바꾸지 말고 그대로 넘기세요. `{cause}`{를} 지우고 proxy_pass는 경로 없이 "
                "쓰세요(`proxy_pass http://backend:8080;`).",
            ),
            params=("cause", "path", "target", "where"),
        ),
        "alias_elsewhere": Message(
            en="/api goes to {host}, a network alias of service {backend} on {network} only ({where}), and "
            "{frontend} is not on {network}: an alias exists only on its own network, so Docker's DNS "
            "does not answer {host} for nginx.",
            ko="/api가 {host}{로} 전달되는데, 이는 {backend} 서비스가 {network} 네트워크에서만 쓰는 별칭입니다"
            "({where}). {frontend}{는} {network}에 없습니다. 별칭은 그 네트워크에서만 있으므로 Docker DNS가 "
            "nginx에게 {host}{를} 알려 주지 않습니다.",
            fix=Text(
                en="Use the service name: `{backend}{port}` in proxy_pass's URL (or put {frontend} on {network} too).",
                ko="proxy_pass의 URL에 서비스 이름을 쓰세요: `{backend}{port}`(또는 {frontend} 서비스도 "
                "{network}에 연결하세요).",
            ),
            params=("backend", "frontend", "host", "network", "port", "where"),
        ),
        "unknown_host": Message(
            en="/api goes to {host}, which is not a service of the compose file (the backend is {backend}).",
            ko="/api가 compose 파일에 없는 {host}{로} 전달됩니다 (백엔드는 {backend}).",
            params=("backend", "host"),
        ),
        "unknown_variable": Message(
            en="proxy_pass {raw} uses {variables}, whose value is not set in the config; nginx cannot "
            "know it reaches {backend}.",
            ko="proxy_pass {raw}{가} 설정에 값이 없는 {variables}{를} 씁니다. {backend}{로} 가는지 알 수 없습니다.",
            params=("backend", "raw", "variables"),
        ),
        "empty_upstream": Message(
            en="upstream {upstream} has no server.",
            ko="upstream {upstream}에 server가 없습니다.",
            params=("upstream",),
        ),
        "variable_uri": Message(
            en="proxy_pass {raw} is {url}: with a variable, the URI in the value ({uri}) replaces the "
            "whole request URI, so every request, {path} too, reaches the backend as {uri}. Leave the "
            "URI out of the value (`http://backend:8080`).",
            ko="proxy_pass {raw}의 값은 {url}입니다. 변수를 쓰면 값 안의 URI({uri}){가} 요청 URI 전체를 "
            "대신하므로, {path}{를} 포함한 모든 요청이 백엔드에 {uri}{로} 갑니다. 값에서 URI를 "
            "빼세요(`http://backend:8080`).",
            params=("path", "raw", "uri", "url"),
        ),
    },
)


def classify(ctx: CheckContext, host: str, backend: str, port: object = None) -> tuple[str, dict]:
    """Why `host` is or is not the backend's service name: a message key of TEXTS and params."""
    if host == backend:
        return "pass", {}
    try:
        ip = ipaddress.ip_address(host)
        return ("localhost" if ip.is_loopback else "ip"), {}
    except ValueError:
        pass
    if host.lower() == "localhost":
        return "localhost", {}
    owner = ctx.compose.by_container_name(host)
    if owner is not None and owner.name == backend:
        return "container_name", {"service": owner.name}
    aliased = ctx.compose.by_alias(host)
    if aliased is not None and aliased[0].name == backend:
        alias = aliased[1]
        from grader.submission.yamlfile import file_of

        where = f"{file_of(alias.line, ctx.compose_rel)}:{int(alias.line)}"
        front = ctx.ws.role("frontend")
        if front is not None and alias.network not in front.network_keys():
            # An alias is a name on its own network only: nginx elsewhere cannot look it up.
            return "alias_elsewhere", {
                "network": alias.network,
                "where": where,
                "frontend": front.name,
                "port": f":{port}" if port else "",
            }
        if ctx.params.get("accept_network_alias", True):
            return "pass_alias", {"network": alias.network, "where": where}
        return "alias", {"network": alias.network, "where": where}
    if host in ctx.compose.services:
        return "other_service", {"service": host}
    # Compose names replica N of a service `<project>-<service>-N` (`_` in Compose v1).
    replica = re.fullmatch(r".+[-_]" + re.escape(backend) + r"[-_](\d+)", host)
    if replica is not None:
        return "replica_name", {"number": replica.group(1), "port": f":{port}" if port else ""}
    return "unknown_host", {}


def check(ctx: CheckContext) -> Iterator[Finding]:
    from grader.nginx.model import URL_RE, VAR_RE  # here: `grader list` and `explain` load no models

    backend = ctx.backend
    assert backend is not None  # NEEDS: grader.grade runs this check only with a backend
    route = ctx.api_route
    assert route is not None and route.target is not None  # NEEDS: the API's route has a target
    t = route.target
    where = t.directive
    if t.url is None:
        yield ctx.at(
            Status.FAIL,
            "unknown_variable",
            where,
            raw=t.raw,
            variables=", ".join(t.unknown) or t.raw,
            backend=backend.name,
        )
        return
    m = URL_RE.match(t.url)
    if t.has_variables and m and m.group("rest") and not VAR_RE.search(m.group("rest")):
        # With variables, nginx sends the URI in the value instead of the request's URI.
        yield Finding(
            Status.FAIL,
            "variable_uri",
            {"raw": t.raw, "url": t.url, "uri": m.group("rest"), "path": ctx.api_path},
            t.set_file or where.file,
            t.set_line or where.line,
        )
        return
    changed = path_change(route, ctx.api_path)
    if changed is not None:
        yield changed
        return
    if t.upstream is not None:
        if not t.upstream.servers:
            yield ctx.at(Status.FAIL, "empty_upstream", t.upstream.directive, upstream=t.upstream.name)
            return
        # Hand-copied backends (app1, app2 …) in one upstream are fine as long as each is
        # reached by a service name and one of them is the backend.
        verdicts = [(s, *classify(ctx, s.host, backend.name, s.port)) for s in t.upstream.servers]
        bad = [(s, k, p) for s, k, p in verdicts if k not in ("pass", "pass_alias", "other_service")]
        if not bad and not any(k in ("pass", "pass_alias") for _, k, _ in verdicts):
            bad = verdicts[:1]
        if bad:
            s, key, params = bad[0]
            yield Finding(Status.FAIL, key, {"host": s.host, "backend": backend.name, **params}, s.file, s.line)
            return
        yield ctx.at(Status.PASS, "pass_upstream", t.upstream.directive, upstream=t.upstream.name, backend=backend.name)
        return
    key, params = classify(ctx, t.host or "", backend.name, t.port)
    status = Status.PASS if key in ("pass", "pass_alias") else Status.FAIL
    yield ctx.at(status, key, where, host=t.host, backend=backend.name, **params)


def path_change(route, api_path: str) -> Finding | None:
    """The request model's target against the API's path: a rewrite, or a path in proxy_pass,
    that makes the backend receive something else."""
    o = route.outcome
    if o is None or o.proxied is None:
        return None
    sent = o.proxied.target.split("?")[0]
    want = api_path.split("?")[0]
    if sent == want or re.sub("/{2,}", "/", sent) == want:
        return None
    rewrites = [s for s in o.steps if s.what in ("rewrite", "internal redirect") and s.node is not None]
    node = rewrites[-1].node if rewrites else o.proxied.directive
    cause = f"{node.name} {' '.join(node.args)}"
    return Finding(
        Status.FAIL,
        "path_changed",
        {"target": sent, "path": want, "cause": cause, "where": f"{node.file}:{node.line}"},
        node.file,
        node.line,
    )
