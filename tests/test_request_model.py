"""The request model on the cases that once passed the static checks and failed when the stack
ran (or the reverse). Each is the workshop with one change; the grader's verdict is checked
here, and `test_each_case_does_in_nginx_what_the_grader_says` runs the same config in the
nginx:1.30 image beside an echoing backend, so the expectation is what nginx does, not our
reading. A disagreement the request oracle found is kept here too, as a unit case."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import WORKSHOP, by_slug, grade_json
from request_cases import Case, config_of
from request_harness import Request as RunRequest
from request_harness import RunCase, run_in_nginx

from grader.nginx.parse import MAIN, image_text
from grader.nginx.request import Request, follow

NGINX = "frontend/nginx.conf"
COMPOSE = "docker-compose.yml"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


# -- the cases: each a change to the workshop, and what the grader must say ---------------------
def rewrite_break(ws: Path) -> None:
    edit(
        ws / NGINX,
        "        proxy_pass $backend_upstream;\n",
        "        rewrite ^/api/(.*)$ /$1 break;\n        proxy_pass $backend_upstream;\n",
    )


def literal_health(ws: Path) -> None:
    edit(
        ws / NGINX,
        "    location /api/ {\n",
        "    location /health {\n        proxy_pass http://backend:8080;\n    }\n\n    location /api/ {\n",
    )


def loopback_listen(ws: Path) -> None:
    edit(ws / NGINX, "    listen 80;\n", "    listen 127.0.0.1:80;\n")


def inline_config(ws: Path) -> None:
    conf = (ws / NGINX).read_text(encoding="utf-8").replace("$", "$$")
    (ws / NGINX).unlink()
    edit(ws / "frontend" / "Dockerfile", "COPY nginx.conf /etc/nginx/conf.d/default.conf\n", "")
    edit(
        ws / COMPOSE,
        "    restart: unless-stopped\n",
        "    restart: unless-stopped\n    configs:\n"
        "      - source: nginx_conf\n"
        "        target: /etc/nginx/conf.d/default.conf\n",
    )
    body = "".join(f"      {line}\n" if line else "\n" for line in conf.splitlines())
    with (ws / COMPOSE).open("a", encoding="utf-8") as f:
        f.write("\nconfigs:\n  nginx_conf:\n    content: |\n" + body)


def upgrade_map(ws: Path) -> None:
    text = (ws / NGINX).read_text(encoding="utf-8")
    text = "map $http_upgrade $connection_upgrade {\n    default upgrade;\n    ''      close;\n}\n\n" + text
    (ws / NGINX).write_text(
        text.replace(
            '        proxy_set_header Connection "";\n',
            "        proxy_set_header Upgrade $http_upgrade;\n"
            "        proxy_set_header Connection $connection_upgrade;\n",
        ),
        encoding="utf-8",
    )


def network_alias(ws: Path) -> None:
    edit(
        ws / COMPOSE,
        "    volumes:\n      - backend-data:/data\n    networks:\n      - appnet\n",
        "    volumes:\n      - backend-data:/data\n    networks:\n      appnet:\n        aliases:\n          - api\n",
    )
    edit(ws / NGINX, "http://backend:8080", "http://api:8080")


@dataclass
class IssueCase:
    change: Callable[[Path], None]
    verdicts: dict[str, str]  # check slug -> status, for the checks that differ from the workshop's
    slug: str | None
    words: tuple[str, ...]  # what the message says, in its own words
    probe: Callable[[dict], bool]  # what nginx did with GET /api/posts (the harness's result)
    request: RunRequest = field(default_factory=RunRequest)


CASES = {
    # nginx sent the backend /posts (the echo's request line), not /api/posts.
    "rewrite-break": IssueCase(
        rewrite_break,
        {"nginx.api-proxies-to-backend": "fail"},
        "nginx.api-proxies-to-backend",
        ("receives /posts, not /api/posts", "rewrite ^/api/(.*)$ /$1 break"),
        lambda r: r["echo"]["target"] == "/posts",
    ),
    # After the backend's address changed, nginx still went to the first one: the variable's
    # host:port is the /health location's implicit upstream, resolved once at start.
    "implicit-upstream": IssueCase(
        literal_health,
        {"nginx.dynamic-backend-resolution": "fail"},
        "nginx.dynamic-backend-resolution",
        ("backend:8080", "literal `proxy_pass http://backend:8080`"),
        lambda r: r["echo"]["instance"] == "A" and r["after_flip"]["echo"]["instance"] == "A",
        RunRequest(flip=2.1),
    ),
    # Nothing accepted a connection on nginx's network address.
    "loopback-listen": IssueCase(
        loopback_listen,
        {"compose.frontend-port-matches-listen": "fail"},
        "compose.frontend-port-matches-listen",
        ("127.0.0.1:80", "from inside"),
        lambda r: r["status"] is None,
    ),
    # The inline config is nginx's default.conf: /api/posts reached the backend unchanged.
    "inline-config": IssueCase(inline_config, {}, None, (), lambda r: r["echo"]["target"] == "/api/posts"),
    # The backend received `Connection: close` on a plain GET.
    "upgrade-map": IssueCase(
        upgrade_map,
        {"nginx.container-networking": "warn"},
        "nginx.container-networking",
        ("Connection: close", "$http_upgrade"),
        lambda r: dict((k.lower(), v) for k, v in r["echo"]["headers"]).get("connection") == "close",
    ),
    # Docker's DNS answered the alias: the backend got the request.
    "network-alias": IssueCase(
        network_alias,
        {},
        "nginx.api-proxies-to-backend",
        ("network alias of service backend",),
        lambda r: r["echo"]["target"] == "/api/posts",
    ),
}


def submission(tmp_path: Path, name: str) -> Path:
    ws = tmp_path / name
    shutil.copytree(WORKSHOP, ws)
    CASES[name].change(ws)
    return ws


@pytest.mark.parametrize("name", list(CASES))
def test_the_grader_says_what_nginx_does(tmp_path: Path, name: str) -> None:
    case = CASES[name]
    _code, report = grade_json(submission(tmp_path, name))
    _, base = grade_json(WORKSHOP)
    got, want = by_slug(report), by_slug(base)
    changed = {slug: r["status"] for slug, r in got.items() if r["status"] != want[slug]["status"]}
    assert changed == case.verdicts, [got[s]["message"] for s in changed]
    if case.slug is not None:
        finding = got[case.slug]
        for words in case.words:
            assert words in finding["message"], finding["message"]


def nginx_files(ws: Path) -> dict[str, str]:
    """The files the frontend's nginx starts with, as the image lays them out."""
    from grader.workspace import load_workspace

    w = load_workspace(ws)
    src = w.nginx_source
    files = {"nginx.conf": image_text(MAIN)}
    for cpath, rel in src.files.items():
        files[cpath.removeprefix("/etc/nginx/")] = (ws / rel).read_text(encoding="utf-8")
    for cpath, (text, _, _) in src.inline.items():
        files[cpath.removeprefix("/etc/nginx/")] = text
    return files


@pytest.mark.oracle
def test_each_case_does_in_nginx_what_the_grader_says(tmp_path: Path) -> None:
    names = list(CASES)
    runs = [RunCase(n, nginx_files(submission(tmp_path, n)), [CASES[n].request]) for n in names]
    got = run_in_nginx(runs, tmp_path / "run", {"backend", "api"}, {8080}, lanes=2)
    wrong = []
    for n, result in zip(names, got, strict=False):
        assert result["started"] == "ok", (n, result["error"][-500:])
        r = result["results"][0]
        try:
            ok = CASES[n].probe(r)
        except (KeyError, TypeError):
            ok = False
        if not ok:
            wrong.append(f"{n}: {r}")
    assert not wrong, "\n".join(wrong)


# -- disagreements the request oracle found, kept -----------------------------------------------
KEPT = [
    # `.example.com` is also the exact name example.com, and the first server with it wins.
    (
        "server { listen 80; server_name .example.com; location / { return 200; } }\n"
        "server { listen 80; server_name example.com; location / { return 201; } }\n",
        Request("/", "example.com"),
        ("response", 200),
    ),
    # Host: localhost:80 is compared without its port.
    (
        "server { listen 80; server_name other; return 404; }\n"
        "server { listen 80; server_name localhost; return 301 https://$host$request_uri; }\n",
        Request("/api", "localhost:80"),
        ("response", 301),
    ),
    # An `if` in a location takes the location's proxy_pass; the path after `rewrite ... break`.
    (
        "server { location = /api/posts { if ($arg_page) { rewrite ^ /paged break; } "
        "proxy_pass http://backend:8080; } }\n",
        Request("/api/posts?page=2"),
        ("proxy", "/paged?page=2"),
    ),
    # `set` after a `break` never runs: the variable is empty and proxy_pass answers 500.
    (
        "server { location /api/ { if ($arg_page) { rewrite ^ /paged break; } set $b http://backend:8080; "
        "proxy_pass $b; } }\n",
        Request("/api/posts?page=2"),
        ("response", 500),
    ),
    # A redirect by rewrite keeps the request's arguments.
    (
        "server { location /api/ { rewrite ^/api/(.*)$ http://$host/new/$1 permanent; } }\n",
        Request("/api/posts?x=y", "example.com"),
        ("response", 301, "http://example.com/new/posts?x=y"),
    ),
    # [::]:80 ipv6only=off takes IPv4's port 80 too: with `listen 80` beside it nginx cannot start.
    ("server { listen [::]:80 ipv6only=off; }\nserver { listen 80; }\n", Request("/"), ("closed",)),
    # An invalid Host is answered 400.
    ("server { location / { proxy_pass http://backend:8080; } }\n", Request("/", "${SERVER_NAME}"), ("response", 400)),
    # A literal `//` in the target is sent as it came when the URI is not changed.
    (
        "server { location /api/ { proxy_pass http://backend:8080; } }\n",
        Request("/api//posts"),
        ("proxy", "/api//posts"),
    ),
    # With a URI part, the location's prefix is replaced in the normalised URI.
    ("server { location /static1 { proxy_pass http://backend:8080/; } }\n", Request("/static1/x"), ("proxy", "//x")),
]


@pytest.mark.parametrize(("text", "request_", "want"), KEPT)
def test_kept_request_cases(tmp_path: Path, text: str, request_: Request, want: tuple) -> None:
    o = follow(config_of(Case("kept", text, []), tmp_path), request_)
    assert o.kind == want[0], (o.kind, o.reason, o.status)
    if want[0] == "response":
        assert o.status == want[1]
        if len(want) > 2:
            assert o.redirect == want[2]
    if want[0] == "proxy":
        assert o.proxied is not None and o.proxied.target == want[1]


@pytest.mark.parametrize("code", ["N100", "N101", "N102", "N103", "N104", "N105", "C109"])
def test_explain_says_what_the_check_follows(code: str) -> None:
    from conftest import run

    for lang, head in (("en", "## What the grader follows"), ("ko", "## 채점기가 따라가는 것")):
        out = run("explain", code, "--lang", lang).stdout
        assert head in out
        assert len(out.split(head, 1)[1].strip()) > 100  # a paragraph, not a heading alone
