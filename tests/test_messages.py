"""Every message and fix is true for the input in front of it: a declared appnet is not told
"declare appnet", a resolver the learner has is named, a range or an ephemeral host port is not
"the same host port", and a fix does not ask for what is already there."""

from __future__ import annotations

from pathlib import Path

from conftest import by_slug, grade_json
from test_mutations import COMPOSE, NGINX, edit, frontend_off_appnet, line_of, literal_proxy_pass, upstream_static

EXPOSE = '    expose:\n      - "8080"\n'


def result(ws: Path, slug: str) -> dict:
    return by_slug(grade_json(ws)[1])[slug]


def test_declared_appnet_is_joined_not_declared_again(ws: Path) -> None:
    frontend_off_appnet(ws)
    r = result(ws, "compose.network-appnet")
    assert r["status"] == "fail" and r["message"].endswith("not joined by: frontend.")
    assert "Declare" not in r["hint"] and "frontend" in r["hint"] and "`appnet`" in r["hint"]


def test_both_services_off_a_declared_appnet_is_one_finding(ws: Path) -> None:
    edit(ws / COMPOSE, "    networks:\n      - appnet\n", "", count=2)
    r = result(ws, "compose.network-appnet")
    assert r["status"] == "fail" and "backend, frontend" in r["message"] and not r.get("details")
    assert "Declare" not in r["hint"]


def test_undeclared_appnet_fails_as_compose_refuses_it(ws: Path) -> None:
    edit(ws / COMPOSE, "networks:\n  appnet:\n    driver: bridge\n", "")
    r = result(ws, "compose.network-appnet")
    assert r["status"] == "fail" and "undefined network appnet" in r["message"]
    assert "networks: {appnet: {driver: bridge}}" in r["hint"]


def test_literal_proxy_pass_names_the_resolver_the_learner_has(ws: Path) -> None:
    literal_proxy_pass(ws)
    r = result(ws, "nginx.dynamic-backend-resolution")
    where = f"{NGINX}:{line_of(ws / NGINX, 'resolver 127.0.0.11')}"
    assert "resolver 127.0.0.11 valid=10s ipv6=off" in r["message"] and where in r["message"]
    assert r["hint"].startswith("Keep your `resolver 127.0.0.11 valid=10s ipv6=off;`")
    assert "set $backend http://backend:8080;" in r["hint"]


def test_literal_proxy_pass_without_resolver_is_told_to_add_one(ws: Path) -> None:
    literal_proxy_pass(ws)
    edit(ws / NGINX, "    resolver 127.0.0.11 valid=10s ipv6=off;\n", "")
    r = result(ws, "nginx.dynamic-backend-resolution")
    assert "your" not in r["message"] and "resolver 127.0.0.11" in r["hint"]


def test_resolver_not_docker_fix_names_it(ws: Path) -> None:
    edit(ws / NGINX, "resolver 127.0.0.11 valid=10s ipv6=off;", "resolver 8.8.8.8;")
    r = result(ws, "nginx.dynamic-backend-resolution")
    assert r["status"] == "fail" and "`resolver 8.8.8.8;`" in r["hint"] and "set $backend" not in r["hint"]


def test_static_upstream_fix_is_about_the_upstream(ws: Path) -> None:
    upstream_static(ws)
    r = result(ws, "nginx.dynamic-backend-resolution")
    assert "zone backend_pool 64k;" in r["hint"] and "server backend:8080 resolve;" in r["hint"]
    # The server's resolver does not serve an upstream: nginx wants one in http or the upstream.
    assert "`resolver 127.0.0.11 valid=10s;` in http" in r["hint"]


def test_static_upstream_fix_names_the_http_resolver_the_learner_has(ws: Path) -> None:
    upstream_static(ws)
    edit(ws / NGINX, "    resolver 127.0.0.11 valid=10s ipv6=off;\n", "")
    edit(ws / NGINX, "upstream backend_pool {", "resolver 127.0.0.11 ipv6=off;\n\nupstream backend_pool {")
    r = result(ws, "nginx.dynamic-backend-resolution")
    assert "`resolver 127.0.0.11 ipv6=off;` in http" in r["hint"]


def test_host_port_range_is_not_the_same_host_port(ws: Path) -> None:
    edit(ws / COMPOSE, EXPOSE, '    ports:\n      - "8080-8082:8080"\n')
    r = result(ws, "compose.backend-no-published-ports")
    assert r["status"] == "fail" and "same host port" not in r["message"]
    assert "8080-8082" in r["message"] and "no more than 3 replicas" in r["message"]


def test_empty_by_default_host_port_is_ephemeral(ws: Path) -> None:
    edit(ws / COMPOSE, EXPOSE, '    ports:\n      - target: 8080\n        published: "${BACKEND_PORT:-}"\n')
    r = result(ws, "compose.backend-no-published-ports")
    assert r["status"] == "warn" and "random host port" in r["message"] and "same host port" not in r["message"]


def test_fixed_host_port_is_still_the_same_host_port(ws: Path) -> None:
    edit(ws / COMPOSE, EXPOSE, '    ports:\n      - "127.0.0.1:8080:8080"\n')
    r = result(ws, "compose.backend-no-published-ports")
    assert r["status"] == "fail" and "same host port" in r["message"]


def test_next_upstream_off_fix_says_to_delete_it(ws: Path) -> None:
    edit(
        ws / NGINX,
        "        proxy_next_upstream error timeout http_502 http_503;\n",
        "        proxy_next_upstream off;\n",
    )
    r = result(ws, "nginx.container-networking")
    assert r["status"] == "warn" and "off" in r["message"] and r["hint"].startswith("Delete `proxy_next_upstream off;`")


def test_long_connect_timeout_fix_names_the_value(ws: Path) -> None:
    edit(ws / NGINX, "proxy_connect_timeout 1s;", "proxy_connect_timeout 60s;")
    r = result(ws, "nginx.container-networking")
    assert r["status"] == "warn" and "`proxy_connect_timeout 60s;`" in r["hint"]
