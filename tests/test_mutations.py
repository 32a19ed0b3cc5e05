"""Start from workshop/ (which passes everything), apply one learner mistake at a time, and
assert exactly which checks change, with their status, file and line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import by_slug, grade_json

COMPOSE = "docker-compose.yml"
NGINX = "frontend/nginx.conf"


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"mutation anchor not found in {path}: {old!r}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return n
    raise AssertionError(f"{needle!r} not in {path}")


BACKEND_HEAD = "  backend:\n    build:\n      context: ./backend\n"


def container_name(ws: Path) -> None:
    edit(ws / COMPOSE, BACKEND_HEAD, BACKEND_HEAD + "    container_name: socialapp-backend\n")


def container_name_via_merge_key(ws: Path) -> None:
    edit(ws / COMPOSE, "services:\n", "x-common: &common\n  container_name: shared-name\n\nservices:\n")
    edit(ws / COMPOSE, BACKEND_HEAD, "  backend:\n    <<: *common\n    build:\n      context: ./backend\n")


def published_port_long_syntax(ws: Path) -> None:
    edit(
        ws / COMPOSE,
        '    expose:\n      - "8080"\n',
        "    ports:\n      - target: 8080\n        published: 8080\n        host_ip: 127.0.0.1\n",
    )


def ephemeral_port(ws: Path) -> None:
    edit(ws / COMPOSE, '    expose:\n      - "8080"\n', '    ports:\n      - "8080"\n')


def network_keyed_differently_named_appnet(ws: Path) -> None:
    edit(ws / COMPOSE, "      - appnet\n", "      - web\n", count=2)
    edit(ws / COMPOSE, "networks:\n  appnet:\n    driver: bridge\n", "networks:\n  web:\n    name: appnet\n")


def other_network(ws: Path) -> None:
    edit(ws / COMPOSE, "      - appnet\n", "      - socialapp-network\n", count=2)
    edit(ws / COMPOSE, "networks:\n  appnet:\n", "networks:\n  socialapp-network:\n")


def frontend_off_appnet(ws: Path) -> None:
    edit(ws / COMPOSE, "      - backend\n    networks:\n      - appnet\n", "      - backend\n")


def no_scaling_comment(ws: Path) -> None:
    p = ws / COMPOSE
    kept = [ln for ln in p.read_text(encoding="utf-8").splitlines() if not ln.lstrip().startswith("#")]
    p.write_text("\n".join(kept) + "\n", encoding="utf-8")


def db_in_command(ws: Path) -> None:
    edit(
        ws / COMPOSE,
        "    environment:\n",
        '    command: ["python", "app.py", "--db", "sqlite:///data/contoso.db"]\n    environment:\n',
    )


def no_db_env(ws: Path) -> None:
    edit(ws / COMPOSE, "      - DATABASE_PATH=/data/contoso.db\n", "")


def db_env_from_env_file(ws: Path) -> None:
    edit(ws / COMPOSE, "      - DATABASE_PATH=/data/contoso.db\n", "")
    edit(
        ws / COMPOSE,
        "    environment:\n",
        "    env_file:\n      - path: ./backend/db.env\n        required: true\n    environment:\n",
    )
    (ws / "backend" / "db.env").write_text("# database\nDATABASE_PATH=/data/contoso.db\n", encoding="utf-8")


BACKEND_VOLUME = "    volumes:\n      - backend-data:/data\n"


def sqlite_per_replica(ws: Path) -> None:
    # The file moves off the shared volume: each replica writes its own /tmp/contoso.db.
    edit(ws / COMPOSE, "DATABASE_PATH=/data/contoso.db", "DATABASE_PATH=/tmp/contoso.db")


def sqlite_volume_dropped(ws: Path) -> None:
    edit(ws / COMPOSE, BACKEND_VOLUME, "")


def sqlite_anonymous_volume(ws: Path) -> None:
    edit(ws / COMPOSE, "      - backend-data:/data\n", "      - /data\n")


def sqlite_bind_mount(ws: Path) -> None:
    edit(ws / COMPOSE, "      - backend-data:/data\n", "      - ./data:/data\n")


def sqlite_url_on_the_volume(ws: Path) -> None:
    edit(ws / COMPOSE, "DATABASE_PATH=/data/contoso.db", "DATABASE_URL=sqlite:////data/contoso.db")


def sqlite_path_in_the_image(ws: Path) -> None:
    edit(ws / COMPOSE, "      - DATABASE_PATH=/data/contoso.db\n", "")
    edit(ws / "backend" / "Dockerfile", "WORKDIR /app\n", "WORKDIR /app\nENV DATABASE_PATH=contoso.db\n")


def database_service(ws: Path) -> None:
    edit(
        ws / COMPOSE, "      - DATABASE_PATH=/data/contoso.db\n", "      - DATABASE_URL=postgresql://app@db:5432/app\n"
    )
    edit(ws / COMPOSE, BACKEND_VOLUME, "")
    edit(
        ws / COMPOSE,
        "\nnetworks:\n",
        "\n  db:\n    image: postgres:16\n    volumes:\n      - backend-data:/var/lib/postgresql/data\n"
        "    networks:\n      - appnet\n\nnetworks:\n",
    )


def backend_renamed(ws: Path) -> None:
    # nginx still proxies to `backend`: nothing says which service is the backend.
    edit(ws / COMPOSE, "  backend:\n", "  api:\n")
    edit(ws / COMPOSE, "      - backend\n", "      - api\n")


def no_api_location(ws: Path) -> None:
    edit(ws / NGINX, "    location /api/ {\n", "    location /other/ {\n")


def service_healthy(ws: Path) -> None:
    edit(
        ws / COMPOSE,
        "    depends_on:\n      - backend\n",
        "    depends_on:\n      backend:\n        condition: service_healthy\n",
    )


def no_depends_on(ws: Path) -> None:
    edit(ws / COMPOSE, "    depends_on:\n      - backend\n", "")


def frontend_scaled(ws: Path) -> None:
    edit(ws / COMPOSE, '      - "80:80"\n', '      - "80:80"\n    deploy:\n      replicas: 2\n')


def frontend_no_ports(ws: Path) -> None:
    edit(ws / COMPOSE, '    ports:\n      - "80:80"\n', "")


def frontend_port_mismatch(ws: Path) -> None:
    edit(ws / COMPOSE, '      - "80:80"\n', '      - "80:8080"\n')


def obsolete_version(ws: Path) -> None:
    p = ws / COMPOSE
    p.write_text('version: "3.8"\n' + p.read_text(encoding="utf-8"), encoding="utf-8")


def literal_proxy_pass(ws: Path) -> None:
    edit(
        ws / NGINX,
        "        set $backend_upstream http://backend:8080;\n        proxy_pass $backend_upstream;\n",
        "        proxy_pass http://backend:8080;\n",
    )


def resolver_with_literal_host(ws: Path) -> None:
    # The resolver is still there, but a literal host is resolved once at start anyway.
    literal_proxy_pass(ws)


def container_name_in_proxy(ws: Path) -> None:
    container_name(ws)
    edit(ws / NGINX, "http://backend:8080;", "http://socialapp-backend:8080;")


def proxy_to_localhost(ws: Path) -> None:
    edit(ws / NGINX, "http://backend:8080;", "http://localhost:8080;")


def proxy_to_wrong_port(ws: Path) -> None:
    edit(ws / NGINX, "http://backend:8080;", "http://backend:8000;")


def variable_without_resolver(ws: Path) -> None:
    edit(ws / NGINX, "    resolver 127.0.0.11 valid=10s ipv6=off;\n", "")


def upstream_static(ws: Path) -> None:
    edit(ws / NGINX, "server {\n", "upstream backend_pool {\n    server backend:8080;\n}\n\nserver {\n")
    edit(
        ws / NGINX,
        "        set $backend_upstream http://backend:8080;\n        proxy_pass $backend_upstream;\n",
        "        proxy_pass http://backend_pool;\n",
    )


def upstream_resolve(ws: Path) -> None:
    edit(
        ws / NGINX,
        "server {\n",
        "resolver 127.0.0.11 valid=10s;\n\nupstream backend_pool {\n"
        "    zone backend_pool 64k;\n    server backend:8080 resolve;\n}\n\nserver {\n",
    )
    edit(
        ws / NGINX,
        "        set $backend_upstream http://backend:8080;\n        proxy_pass $backend_upstream;\n",
        "        proxy_pass http://backend_pool;\n",
    )


def headers_shadowed(ws: Path) -> None:
    # Server-level headers, and a location-level one that hides them all.
    edit(
        ws / NGINX,
        "    location / {\n",
        "    proxy_set_header X-Real-IP $remote_addr;\n"
        "    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
        "    proxy_set_header X-Forwarded-Proto $scheme;\n\n    location / {\n",
    )
    for h in ("X-Real-IP $remote_addr", "X-Forwarded-For $proxy_add_x_forwarded_for", "X-Forwarded-Proto $scheme"):
        edit(ws / NGINX, f"        proxy_set_header {h};\n", "")


def headers_at_server_only(ws: Path) -> None:
    # All headers at server level and none in the location: inherited, so still fine...
    # except Connection "" which N4 wants; move that too so only the place changes.
    block = (
        "        proxy_set_header Host $host;\n        proxy_set_header X-Real-IP $remote_addr;\n"
        "        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
        "        proxy_set_header X-Forwarded-Proto $scheme;\n"
    )
    edit(ws / NGINX, block, "")
    edit(ws / NGINX, '        proxy_set_header Connection "";\n', "")
    edit(
        ws / NGINX,
        "    location / {\n",
        block.replace("        ", "    ") + '    proxy_set_header Connection "";\n\n    location / {\n',
    )


def missing_forwarded_proto(ws: Path) -> None:
    edit(ws / NGINX, "        proxy_set_header X-Forwarded-Proto $scheme;\n", "")


def no_keepalive_tuning(ws: Path) -> None:
    # nginx 1.30 talks HTTP/1.1 by default; HTTP/1.0 closes the connection after each request.
    edit(ws / NGINX, "        proxy_http_version 1.1;\n", "        proxy_http_version 1.0;\n")


def default_connect_timeout(ws: Path) -> None:
    edit(ws / NGINX, "        proxy_connect_timeout 1s;\n", "")


def regex_location_wins(ws: Path) -> None:
    # A regex location for /api is checked after the prefix and wins: it proxies literally.
    edit(
        ws / NGINX,
        "    location /api/ {\n",
        "    location ~ ^/api/posts {\n        proxy_pass http://backend:8080;\n"
        "        proxy_set_header Host $host;\n        proxy_set_header X-Real-IP $remote_addr;\n"
        "        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
        "        proxy_set_header X-Forwarded-Proto $scheme;\n        proxy_http_version 1.1;\n"
        '        proxy_set_header Connection "";\n        proxy_connect_timeout 1s;\n    }\n\n'
        "    location /api/ {\n",
    )


def caret_tilde_prefix_beats_regex(ws: Path) -> None:
    regex_location_wins(ws)
    edit(ws / NGINX, "    location /api/ {\n", "    location ^~ /api/ {\n")


def crlf_and_bom(ws: Path) -> None:
    for rel in (COMPOSE, NGINX):
        p = ws / rel
        p.write_bytes(b"\xef\xbb\xbf" + p.read_text(encoding="utf-8").replace("\n", "\r\n").encode())


def compose_yaml_name(ws: Path) -> None:
    (ws / COMPOSE).rename(ws / "compose.yaml")


def nginx_bind_mounted(ws: Path) -> None:
    # The config comes from a bind mount, not the Dockerfile; the Dockerfile's copy is stale.
    good = (ws / NGINX).read_text(encoding="utf-8")
    literal_proxy_pass(ws)
    (ws / "frontend" / "proxy.conf").write_text((ws / NGINX).read_text(encoding="utf-8"), encoding="utf-8")
    (ws / NGINX).write_text(good, encoding="utf-8")
    edit(
        ws / COMPOSE,
        "    restart: unless-stopped\n",
        "    volumes:\n      - ./frontend/proxy.conf:/etc/nginx/conf.d/default.conf:ro\n    restart: unless-stopped\n",
    )


MUTATIONS: list[tuple[Callable[[Path], None], dict[str, str]]] = [
    (container_name, {"compose.backend-no-container-name": "fail"}),
    (container_name_via_merge_key, {"compose.backend-no-container-name": "fail"}),
    (published_port_long_syntax, {"compose.backend-no-published-ports": "fail"}),
    (ephemeral_port, {"compose.backend-no-published-ports": "warn"}),
    (network_keyed_differently_named_appnet, {}),
    (other_network, {"compose.network-appnet": "fail"}),
    (frontend_off_appnet, {"compose.network-appnet": "fail"}),
    (no_scaling_comment, {"compose.scaling-comment": "fail"}),
    (db_in_command, {"compose.backend-db-env": "fail"}),
    (no_db_env, {"compose.backend-db-env": "fail", "compose.backend-shared-database": "skip"}),
    (db_env_from_env_file, {}),
    (sqlite_per_replica, {"compose.backend-shared-database": "fail"}),
    (sqlite_volume_dropped, {"compose.backend-shared-database": "fail"}),
    (sqlite_anonymous_volume, {"compose.backend-shared-database": "fail"}),
    (sqlite_bind_mount, {}),
    (sqlite_url_on_the_volume, {}),
    (sqlite_path_in_the_image, {"compose.backend-db-env": "fail", "compose.backend-shared-database": "fail"}),
    (database_service, {}),
    (
        backend_renamed,
        {
            "compose.services-found": "fail",
            **{
                slug: "blocked"
                for slug in (
                    "compose.backend-no-container-name",
                    "compose.backend-no-published-ports",
                    "compose.network-appnet",
                    "compose.backend-db-env",
                    "compose.frontend-depends-on-backend",
                    "compose.backend-shared-database",
                    "nginx.api-proxies-to-backend",
                    "nginx.api-port-matches-backend",
                )
            },
        },
    ),
    (
        no_api_location,
        {
            "nginx.api-location": "fail",
            **{
                slug: "blocked"
                for slug in (
                    "nginx.api-proxies-to-backend",
                    "nginx.dynamic-backend-resolution",
                    "nginx.proxy-headers",
                    "nginx.container-networking",
                    "nginx.api-port-matches-backend",
                )
            },
        },
    ),
    (service_healthy, {"compose.frontend-depends-on-backend": "fail"}),
    (no_depends_on, {"compose.frontend-depends-on-backend": "fail"}),
    (frontend_scaled, {"compose.frontend-single-published": "fail"}),
    (frontend_no_ports, {"compose.frontend-single-published": "fail", "compose.frontend-port-matches-listen": "skip"}),
    (frontend_port_mismatch, {"compose.frontend-port-matches-listen": "fail"}),
    (obsolete_version, {"compose.no-obsolete-version": "warn"}),
    (literal_proxy_pass, {"nginx.dynamic-backend-resolution": "fail"}),
    (resolver_with_literal_host, {"nginx.dynamic-backend-resolution": "fail"}),
    (
        container_name_in_proxy,
        {
            "compose.backend-no-container-name": "fail",
            "nginx.api-proxies-to-backend": "fail",
            "nginx.api-port-matches-backend": "skip",
        },
    ),
    (proxy_to_localhost, {"nginx.api-proxies-to-backend": "fail", "nginx.api-port-matches-backend": "skip"}),
    (proxy_to_wrong_port, {"nginx.api-port-matches-backend": "fail"}),
    (variable_without_resolver, {"nginx.dynamic-backend-resolution": "fail"}),
    (upstream_static, {"nginx.dynamic-backend-resolution": "fail"}),
    (upstream_resolve, {}),
    (headers_shadowed, {"nginx.proxy-headers": "fail"}),
    (headers_at_server_only, {}),
    (missing_forwarded_proto, {"nginx.proxy-headers": "fail"}),
    (no_keepalive_tuning, {"nginx.container-networking": "warn"}),  # advisory: a fail shows as warn
    (default_connect_timeout, {"nginx.container-networking": "warn"}),
    (regex_location_wins, {"nginx.dynamic-backend-resolution": "fail"}),
    # /api/ wins now, but the regex location's literal proxy_pass made an implicit upstream
    # backend:8080, which the variable's value matches: resolved once at start (request oracle).
    (caret_tilde_prefix_beats_regex, {"nginx.dynamic-backend-resolution": "fail"}),
    (crlf_and_bom, {}),
    (compose_yaml_name, {}),
    (nginx_bind_mounted, {"nginx.dynamic-backend-resolution": "fail"}),
]


def test_workshop_passes_everything(ws: Path) -> None:
    code, report = grade_json(ws)
    assert code == 0, report
    assert report["passed"] is True
    assert {r["status"] for r in report["results"]} == {"pass"}
    assert report["score"] == report["max_score"] > 0


@pytest.mark.parametrize("mutate,expected", MUTATIONS, ids=[m.__name__ for m, _ in MUTATIONS])
def test_one_mistake_changes_exactly_its_checks(ws: Path, mutate, expected: dict[str, str]) -> None:
    mutate(ws)
    code, report = grade_json(ws)
    changed = {slug: r["status"] for slug, r in by_slug(report).items() if r["status"] != "pass"}
    assert changed == expected
    required_failed = any(by_slug(report)[s]["required"] and st in ("fail", "blocked") for s, st in expected.items())
    assert code == (1 if required_failed else 0)
    for slug, status in expected.items():
        r = by_slug(report)[slug]
        if status in ("fail", "warn"):
            assert r["file"] and r["line"], r
            assert r["hint"], r
        if status == "blocked":  # no fix of its own: the one finding that blocks it has the fix
            assert (
                r["hint"] is None
                and r["points"] == 0
                and r["blocked_by"] in {by_slug(report)[s]["code"] for s, st in expected.items() if st == "fail"}
            ), r


def test_failures_point_at_the_exact_line(ws: Path) -> None:
    container_name(ws)
    literal_proxy_pass(ws)
    missing_forwarded_proto(ws)
    _, report = grade_json(ws)
    results = by_slug(report)
    r = results["compose.backend-no-container-name"]
    assert (r["file"], r["line"]) == ("docker-compose.yml", line_of(ws / COMPOSE, "container_name: socialapp-backend"))
    r = results["nginx.dynamic-backend-resolution"]
    assert (r["file"], r["line"]) == ("frontend/nginx.conf", line_of(ws / NGINX, "proxy_pass http://backend:8080;"))
    r = results["nginx.proxy-headers"]
    assert (r["file"], r["line"]) == ("frontend/nginx.conf", line_of(ws / NGINX, "location /api/ {"))
    assert "X-Forwarded-Proto" in r["message"]


def test_merge_key_points_at_the_anchor(ws: Path) -> None:
    container_name_via_merge_key(ws)
    _, report = grade_json(ws)
    r = by_slug(report)["compose.backend-no-container-name"]
    assert r["line"] == line_of(ws / COMPOSE, "container_name: shared-name")


def test_shadowed_headers_say_why(ws: Path) -> None:
    headers_shadowed(ws)
    _, report = grade_json(ws)
    r = by_slug(report)["nginx.proxy-headers"]
    assert "X-Real-IP" in r["message"] and "hidden" in r["message"]
    assert r["line"] == line_of(ws / NGINX, "proxy_set_header Host $host;")


def test_crlf_bom_lines_still_exact(ws: Path) -> None:
    container_name(ws)
    expected = line_of(ws / COMPOSE, "container_name:")
    crlf_and_bom(ws)
    _, report = grade_json(ws)
    assert by_slug(report)["compose.backend-no-container-name"]["line"] == expected


def test_korean_report(ws: Path) -> None:
    container_name(ws)
    from conftest import run

    r = run("check", str(ws), "--lang", "ko", "--no-color")
    assert r.exit_code == 1
    assert "container_name: socialapp-backend" in r.output
    assert "고치는 법" in r.output and "실패" in r.output


def test_bind_mount_wins_over_the_dockerfile_copy(ws: Path) -> None:
    nginx_bind_mounted(ws)
    _, report = grade_json(ws)
    assert by_slug(report)["nginx.dynamic-backend-resolution"]["file"] == "frontend/proxy.conf"
