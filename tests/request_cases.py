"""Configs and requests for the request oracle, and what the request model predicts for them.

Generated configs vary the workshop's server along the axes where nginx's handling of a request
is easy to get wrong: listen addresses and default servers, server names and the Host sent,
location kinds and competing locations, rewrites and returns (server and location level, with
and without flags), the proxy_pass URI rules (with and without a URI part, with variables, an
upstream, an implicit upstream), resolvers, maps, inherited and overridden headers, and the
HTTP version. The shared corpus adds real configs with the requests a browser would send them.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from pathlib import Path

import crossplane

from grader.nginx.lexer import parse_text
from grader.nginx.parse import DEFAULT_CONF, MAIN, ConfigSource, image_text, parse_nginx
from grader.nginx.request import Outcome, Request, follow
from grader.submission.reader import SubmissionRoot

MARK = "X-Oracle-Server"
FLIP_WAIT = 2.1  # seconds: a resolver's valid=1s answer has expired by then
WORKSHOP_SERVER = None  # set by cases(): the workshop's own config text


@dataclass
class Case:
    name: str
    text: str  # conf.d/app.conf, or nginx.conf when it has `http`/`events`
    requests: list[Request]
    keep_default: bool = False  # the image's conf.d/default.conf stays beside it
    flips: set[int] = field(default_factory=set)  # which requests are sent again after the flip

    @property
    def main(self) -> bool:
        return bool(re.search(r"(?m)^\s*(?:http|events)\s*\{", self.text))


# -- marking: each server says who it is ----------------------------------------------------------
def mark(text: str, file: str) -> str:
    """The config with `add_header X-Oracle-Server <file>:<line> always;` in each server, and in
    each block inside it that has add_header of its own (add_header is inherited only by a level
    that sets none), so every answer names its server. Nothing else changes."""
    stmts = parse_text(text, file)

    def walk(block: list[dict], server_line: int | None) -> None:
        for st in block:
            if "block" not in st:
                continue
            line = st["line"] if st["directive"] == "server" and server_line is None else server_line
            walk(st["block"], line)
            if line is not None and (
                st["directive"] == "server" or any(s["directive"] == "add_header" for s in st["block"])
            ):
                who = f"{file}:{line}" if file == "app.conf" else file
                st["block"].insert(0, {"directive": "add_header", "args": [MARK, who, "always"]})

    def clean(block: list[dict]) -> list[dict]:
        out = []
        for st in block:
            if st["directive"] == "#":
                continue
            new = {"directive": st["directive"], "args": st["args"]}
            if "block" in st:
                new["block"] = clean(st["block"])
            out.append(new)
        return out

    walk(stmts, None)
    return crossplane.build(clean(stmts))


# -- the model's side ---------------------------------------------------------------------------
def config_of(case: Case, folder: Path):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "app.conf").write_text(case.text, encoding="utf-8")
    if case.main:
        src = ConfigSource(files={MAIN: "app.conf"}, image=set())
    else:
        src = ConfigSource(
            files={"/etc/nginx/conf.d/app.conf": "app.conf"},
            image={MAIN, DEFAULT_CONF} if case.keep_default else {MAIN},
        )
    return parse_nginx(SubmissionRoot(folder), src)


def run_files(case: Case) -> dict[str, str]:
    """The files nginx starts with, marked."""
    if case.main:
        return {"nginx.conf": mark(case.text, "app.conf")}
    files = {"nginx.conf": image_text(MAIN), "conf.d/app.conf": mark(case.text, "app.conf")}
    if case.keep_default:
        files["conf.d/default.conf"] = mark(image_text(DEFAULT_CONF), "default.conf")
    return files


def predict(case: Case, cfg) -> list[Outcome]:
    return [follow(cfg, r) for r in case.requests]


def server_mark(o: Outcome) -> str | None:
    """The mark the server the model chose puts on its answers (see mark())."""
    if o.server is None:
        return None
    return "default.conf" if o.server.origin is not None else f"app.conf:{o.server.line}"


def compare(o: Outcome, got: dict, flipped: dict | None, own_ports: set[int | None] = frozenset()) -> list[str]:
    """Where the model's outcome and what nginx did differ (empty: they agree)."""
    diffs: list[str] = []
    status = got.get("status")
    headers = {k.lower(): v for k, v in got.get("headers", [])}
    echo = got.get("echo")
    if not isinstance(echo, dict) or "instance" not in echo:
        echo = None  # JSON nginx wrote itself (`return 200 '{...}'`), not the backend's echo
    if o.kind == "closed":
        if status is not None:
            diffs.append(f"model: connection not accepted ({o.reason}); nginx answered {status}")
        return diffs
    if status is None:
        diffs.append(f"model: {o.kind} {o.status or ''}; nginx: no answer ({got.get('error')})")
        return diffs
    mine = server_mark(o)
    if headers.get(MARK.lower()) != mine:
        diffs.append(f"server: model {mine}, nginx {headers.get(MARK.lower())}")
    if o.kind == "response":
        if echo is not None or status != o.status:
            diffs.append(
                f"model: nginx answers {o.status}; nginx: {status}"
                + (f" from the backend ({echo['target']})" if echo else "")
            )
        elif o.redirect is not None and o.status in (301, 302, 303, 307, 308):
            where = headers.get("location", "")
            want = o.redirect if "://" in o.redirect else None
            if (want is not None and where != want) or (want is None and not where.endswith(o.redirect)):
                diffs.append(f"redirect: model {o.redirect}, nginx {where}")
        return diffs
    p = o.proxied
    assert p is not None
    if all(h in ("localhost", "127.0.0.1") or h.startswith("127.") for h, _ in p.names):
        # nginx's own container: nothing of the oracle's listens there, though a server of nginx may
        if echo is not None and not ({port or 80 for _, port in p.names} & own_ports):
            diffs.append(f"model: proxied to {p.url} inside nginx's container; the backend answered")
        return diffs
    if any(re.fullmatch(r"[\d.]+", h) for h, _ in p.names):
        return diffs  # an address of another network: not one the oracle runs
    if p.resolution == "no_resolver":
        if status != 502 or echo is not None:
            diffs.append(f"model: 502 (no resolver); nginx: {status}")
        return diffs
    if echo is None:
        diffs.append(f"model: proxied to {p.url} as {p.target}; nginx: {status} without the backend")
        return diffs
    if echo["target"] != p.target:
        diffs.append(f"target: model {p.target}, backend got {echo['target']}")
    if echo["version"] != f"HTTP/{p.http_version}":
        diffs.append(f"version: model HTTP/{p.http_version}, backend got {echo['version']}")
    sent = {k.lower(): v for k, v in echo["headers"]}
    if set(sent) != set(p.headers):
        diffs.append(f"headers: model {sorted(p.headers)}, backend got {sorted(sent)}")
    for k, v in p.headers.items():
        if v is not None and k in sent and sent[k] != v:
            diffs.append(f"header {k}: model {v!r}, backend got {sent[k]!r}")
    ports = {port for _, port in p.names}
    if echo["port"] not in {x if x is not None else (443 if p.scheme == "https" else 80) for x in ports}:
        diffs.append(f"port: model {sorted(ports, key=str)}, backend got {echo['port']}")
    if flipped is not None:
        again = flipped.get("echo", {}).get("instance") if flipped.get("echo") else None
        # Each worker keeps its own answers: a name resolved per request with a `valid` longer
        # than the wait may or may not be asked again, so only the sure cases are compared.
        asks = p.resolution in ("request", "periodic")
        want = None if asks and (p.valid is None or p.valid > 1) else "B" if asks else "A"
        if want is not None and again != want:
            diffs.append(
                f"after the name's address changed: model {'asks again' if want == 'B' else 'keeps the address'}"
                f" ({p.resolution}); the answer came from {again or flipped.get('status')}"
            )
    return diffs


# -- generated configs ---------------------------------------------------------------------------
LISTENS = [
    "80",
    "80",
    "80 default_server",
    "0.0.0.0:80",
    "*:80",
    "127.0.0.1:80",
    "[::]:80",
    "[::]:80 ipv6only=off",
    "8080",
    None,
]
HOSTS = ["localhost", "localhost:80", "example.com", "api.example.com", "www.example.org", "other.test", "LocalHost."]
SERVER_NAMES = ["localhost", "example.com", "*.example.com", ".example.com", "www.example.*", "~^api\\.", "_", None]
TARGETS = ["/api/posts", "/api/posts?page=2&x=y", "/api", "/api//posts", "/", "/API/posts", "/api/./posts"]
API_LOCATIONS = ["/api/", "/api/", "/api", "^~ /api/", "~ ^/api/", "~* ^/api/", "= /api/posts"]
OTHERS = [
    "",
    "location / { return 404; }",
    "location ~ /posts { return 418; }",
    "location ~ \\.php$ { return 403; }",
    "location /api/posts { return 200 'exact-ish'; }",
    "location /v1/ { proxy_pass http://backend:8080/v1/; }",
    "location /health { proxy_pass http://backend:8080; }",
    "location /metrics { proxy_pass http://backend:9000; }",
]
REWRITES = [
    "",
    "",
    "rewrite ^/api/(.*)$ /$1 break;",
    "rewrite ^/api/(.*)$ /v1/$1 last;",
    "rewrite ^/api/(.*)$ /api/v2/$1;",
    "rewrite ^/api/posts$ /api/items?from=posts break;",
    "rewrite ^ /fixed? break;",
    "return 200 'api';",
    "if ($request_method = POST) { return 405; }",
    "if ($http_x_test) { return 418; }",
    "if ($arg_page) { rewrite ^ /paged break; }",
    "rewrite ^/api/(.*)$ http://$host/new/$1 permanent;",
    "set $x 1; if ($x) { set $y 2; }",
]
SERVER_LEVEL = [
    "",
    "",
    "",
    "rewrite ^/old/(.*)$ /api/$1 last;",
    "return 301 https://$host$request_uri;",
    "if ($host = other.test) { return 421; }",
    "set $backend_port 8080;",
]
RESOLVERS = [None, "resolver 127.0.0.11 valid=1s;", "resolver 127.0.0.11 valid=1s ipv6=off;", "resolver 127.0.0.11;"]
HEADER_SETS = [
    [],
    [
        "proxy_set_header Host $host;",
        "proxy_set_header X-Real-IP $remote_addr;",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
    ],
    ["proxy_set_header Host $http_host;"],
    ['proxy_set_header Connection "";'],
    ["proxy_set_header Connection $connection_upgrade;", "proxy_set_header Upgrade $http_upgrade;"],
    ['proxy_set_header X-Empty "";', "proxy_set_header X-Uri $uri;", "proxy_set_header X-Req $request_uri;"],
    ["proxy_set_header Host $proxy_host;", "proxy_set_header X-Port $server_port;"],
]
MAPS = [
    "map $http_upgrade $connection_upgrade { default upgrade; '' close; }",
    "map $http_upgrade $connection_upgrade { default upgrade; '' \"\"; }",
]


def proxy_forms(rng: random.Random, res: str | None) -> tuple[list[str], list[str], str]:
    """(http-level lines, location lines, a name) for one way of writing the proxy_pass."""
    form = rng.choice(
        [
            "literal",
            "literal/",
            "literal/api/",
            "literal/v2",
            "var",
            "var/",
            "var_uri",
            "var_host",
            "upstream",
            "upstream_resolve",
            "var_upstream",
            "var_upstream_port",
            "ip_var",
        ]
    )
    http: list[str] = []
    loc: list[str] = []
    if form == "literal":
        loc.append("proxy_pass http://backend:8080;")
    elif form == "literal/":
        loc.append("proxy_pass http://backend:8080/;")
    elif form == "literal/api/":
        loc.append("proxy_pass http://backend:8080/api/;")
    elif form == "literal/v2":
        loc.append("proxy_pass http://backend:8080/v2;")
    elif form == "var":
        loc += ["set $backend_upstream http://backend:8080;", "proxy_pass $backend_upstream;"]
    elif form == "var/":
        loc += ["set $backend_upstream http://backend:8080/;", "proxy_pass $backend_upstream;"]
    elif form == "var_uri":
        loc += ["set $backend_upstream http://backend:8080;", "proxy_pass $backend_upstream$request_uri;"]
    elif form == "var_host":
        loc += ["set $backend_host backend;", "proxy_pass http://$backend_host:8080;"]
    elif form in ("upstream", "upstream_resolve"):
        r = " resolve" if form == "upstream_resolve" else ""
        http.append(f"upstream backend_up {{ zone backend_up 64k; server backend:8080{r}; }}")
        loc.append("proxy_pass http://backend_up;")
    elif form == "var_upstream":
        http.append("upstream backend_up { server backend:8080; }")
        loc += ["set $up backend_up;", "proxy_pass http://$up;"]
    elif form == "var_upstream_port":
        http.append("upstream backend_up { server backend:8080; }")
        loc += ["set $up backend_up;", "proxy_pass http://$up:8080;"]
    else:
        loc += ["set $b http://127.0.0.1:9;", "proxy_pass $b;"]
    return http, loc, form


def generated(rng: random.Random, n: int) -> list[Case]:
    out = []
    for i in range(n):
        listen = rng.choice(LISTENS)
        res = rng.choice(RESOLVERS)
        http, loc_lines, form = proxy_forms(rng, res)
        if form == "upstream_resolve" and res is None:
            res = "resolver 127.0.0.11 valid=1s;"
        http.append(rng.choice(MAPS))
        headers_server = rng.choice(HEADER_SETS) if rng.random() < 0.3 else []
        headers_loc = rng.choice(HEADER_SETS)
        version = rng.choice([None, None, "1.1", "1.0"])
        rewrite = rng.choice(REWRITES)
        api = rng.choice(API_LOCATIONS)
        if form in ("literal/", "literal/api/", "literal/v2") and api.startswith(("~", "=")) is False:
            pass
        if form.startswith("literal/") and api.startswith("~"):
            api = "/api/"  # nginx refuses a URI part in proxy_pass in a regex location
        others = rng.sample(OTHERS, k=rng.randint(0, 3))
        if rewrite == "rewrite ^/api/(.*)$ /v1/$1 last;" and OTHERS[5] not in others:
            others.append(OTHERS[5])
        name = rng.choice(SERVER_NAMES)
        body = [f"listen {listen};" if listen else "", f"server_name {name};" if name else ""]
        if res and rng.random() < 0.5:
            http.append(res)
            res_loc = None
        else:
            res_loc = res
        body += [rng.choice(SERVER_LEVEL)] + headers_server + ([res_loc] if res_loc and rng.random() < 0.5 else [])
        if res_loc and res_loc not in body:
            loc_lines = [res_loc] + loc_lines
        loc_body = [rewrite] + loc_lines + headers_loc + ([f"proxy_http_version {version};"] if version else [])
        body.append(f"location {api} {{ " + " ".join(x for x in loc_body if x) + " }")
        body += others
        servers = ["server { " + " ".join(x for x in body if x) + " }"]
        if rng.random() < 0.4:  # a second server on the same port, default or named
            other_name = rng.choice(["example.com", "*.example.com", "localhost", "www.example.*", "~^api\\."])
            d = (
                " default_server"
                if rng.random() < 0.4
                and (listen or "80").split()[0] in ("80", "*:80", "0.0.0.0:80")
                and "default_server" not in (listen or "")
                else ""
            )
            servers.append(
                f"server {{ listen 80{d}; server_name {other_name}; location / {{ return 200 'second'; }} "
                f"location /api/ {{ proxy_pass http://backend:8080/second/; }} }}"
            )
            if rng.random() < 0.5:
                servers.reverse()
        text = "\n".join(http + servers) + "\n"
        reqs = []
        for _ in range(rng.randint(2, 4)):
            headers: list[tuple[str, str]] = []
            if rng.random() < 0.25:
                headers.append(("Upgrade", "websocket"))
                headers.append(("Connection", "Upgrade"))
            if rng.random() < 0.2:
                headers.append(("X-Test", "1"))
            if rng.random() < 0.15:
                headers.append(("X-Forwarded-For", "10.1.2.3"))
            port = 8080 if (listen or "").startswith("8080") and rng.random() < 0.7 else 80
            reqs.append(
                Request(
                    rng.choice(TARGETS),
                    rng.choice(HOSTS),
                    port,
                    "POST" if rng.random() < 0.1 else "GET",
                    tuple(headers),
                )
            )
        c = Case(f"gen-{i:03d}", text, reqs, keep_default=rng.random() < 0.15)
        if form in ("var", "var/", "var_uri", "var_host", "upstream_resolve", "var_upstream_port") or (
            "proxy_pass http://backend:8080;" in text and form.startswith("var")
        ):
            c.flips = {0}
        out.append(c)
    return out


def workshop_cases(workshop: Path) -> list[Case]:
    text = (workshop / "frontend" / "nginx.conf").read_text(encoding="utf-8")
    reqs = [
        Request(),
        Request("/api/posts?limit=5"),
        Request("/"),
        Request("/api"),
        Request("/index.html"),
        Request("/api/posts", "example.com"),
        Request("/nothing/here"),
    ]
    return [Case("workshop", text, reqs, flips={0}), Case("workshop+default.conf", text, reqs[:3], keep_default=True)]


# -- the corpus ----------------------------------------------------------------------------------
def corpus_cases(roots: list[Path]) -> list[Case]:
    """Real configs that proxy, with the requests a browser sends them: for every server, each of
    its names (and localhost) on each port it listens on, for `/`, the API path and every prefix
    location."""
    out = []
    for root in roots:
        for p in sorted(root.rglob("*.conf")):
            try:
                text = p.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            # An address of another network (proxy_pass http://192.168.1.5) would only time out here.
            if re.search(r"(?:proxy_pass\s+https?://|server\s+)(?!127\.)\d+\.\d+\.\d+\.\d+", text):
                continue
            if (
                "proxy_pass" not in text
                or "ssl" in text
                or "include" in text.replace("include /etc/nginx/mime.types", "").replace("include mime.types", "")
            ):
                continue
            out.append(Case(f"corpus:{p.relative_to(root.parent)}", text, []))
    return out


def requests_for(cfg) -> list[Request]:
    reqs: list[Request] = []
    from grader.nginx.request import listens

    for s in cfg.servers():
        names = [
            n
            for d in s.children("server_name")
            for n in d.args
            if not n.startswith(("~", "*", ".")) and not n.endswith("*") and n not in ("_", '""', "") and "$" not in n
        ] or []
        ports = sorted({ls.port for ls in listens(cfg, s)})[:2]
        paths = ["/", "/api/posts"] + [
            loc.args[-1].lstrip("=^~").rstrip("/") + "/x"
            for loc in s.children("location")
            if loc.args and loc.args[0] not in ("~", "~*", "@") and not loc.args[0].startswith(("@", "~"))
        ][:4]
        for port in ports:
            for host in names[:1] + ["localhost"]:
                for path in paths:
                    reqs.append(Request(path, host, port))
    seen = []
    for r in reqs:
        if r not in seen:
            seen.append(r)
    return seen[:16]
