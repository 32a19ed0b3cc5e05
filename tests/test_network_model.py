"""What the layers between the files and the running stack change, as the static checks read
them: the client nginx sees through a published port is the bridge gateway (never 127.0.0.1),
Docker's DNS answers with a 600 s TTL, the published port reaches the container over IPv4, and
request headers are what the backend gets (add_header is the response's). Each mistake changes
exactly its check, at the line that causes it. The runtime tests hold the same mistakes to a
real run (tests/test_runtime.py: resolver-without-valid, listen-ipv6-only)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import by_slug, grade_json
from runtime_fixtures import edit

NGINX = "frontend/nginx.conf"

CASES = {
    # name: (old, new, the check that fails, its line, words of its message)
    "allow 127.0.0.1 only": (
        "        set $backend_upstream http://backend:8080;\n",
        "        allow 127.0.0.1;\n        deny all;\n        set $backend_upstream http://backend:8080;\n",
        "nginx.api-location",
        19,
        "403",
    ),
    "resolver without valid=": (
        "resolver 127.0.0.11 valid=10s ipv6=off;",
        "resolver 127.0.0.11 ipv6=off;",
        "nginx.dynamic-backend-resolution",
        8,
        "600 s",
    ),
    "resolver valid=5m": (
        "resolver 127.0.0.11 valid=10s ipv6=off;",
        "resolver 127.0.0.11 valid=5m ipv6=off;",
        "nginx.dynamic-backend-resolution",
        8,
        "300 s",
    ),
    "listen on IPv6 only": ("    listen 80;", "    listen [::]:80;", "compose.frontend-port-matches-listen", 2, "IPv4"),
    "Host fixed to the service name": (
        "proxy_set_header Host $host;",
        "proxy_set_header Host backend;",
        "nginx.proxy-headers",
        21,
        "not the host the browser asked for",
    ),
    "add_header for a request header": (
        "        proxy_set_header X-Real-IP $remote_addr;",
        "        add_header X-Real-IP $remote_addr;",
        "nginx.proxy-headers",
        22,
        "add_header sets a header of the response",
    ),
}


def test_a_frontend_on_internal_networks_only_publishes_nothing(ws: Path) -> None:
    edit(ws / "docker-compose.yml", "    driver: bridge\n", "    driver: bridge\n    internal: true\n")
    _code, report = grade_json(ws)
    failing = {s for s, r in by_slug(report).items() if r["status"] == "fail"}
    assert failing == {"compose.frontend-single-published"}, failing
    r = by_slug(report)["compose.frontend-single-published"]
    assert (r["file"], r["line"]) == ("docker-compose.yml", 43) and "internal network appnet" in r["message"]


def test_a_frontend_published_over_udp_only_publishes_no_http(ws: Path) -> None:
    edit(ws / "docker-compose.yml", '      - "80:80"', '      - "80:80/udp"')
    _code, report = grade_json(ws)
    failing = {s for s, r in by_slug(report).items() if r["status"] == "fail"}
    assert failing == {"compose.frontend-single-published"}, failing
    r = by_slug(report)["compose.frontend-single-published"]
    assert "UDP only" in r["message"] and '"80:80"' in r["hint"]


def test_an_alias_on_a_network_the_frontend_is_not_on_is_not_the_backend(ws: Path) -> None:
    """Docker's DNS answers an alias only on its own network (a real run: nginx gets no answer
    for it and /api never answers)."""
    edit(
        ws / "docker-compose.yml",
        "    volumes:\n      - backend-data:/data\n    networks:\n      - appnet\n",
        "    volumes:\n      - backend-data:/data\n    networks:\n      appnet: {}\n      backnet:\n"
        "        aliases: [api]\n",
    )
    edit(ws / "docker-compose.yml", "    driver: bridge\n", "    driver: bridge\n  backnet: {}\n")
    edit(ws / NGINX, "http://backend:8080;", "http://api:8080;")
    _code, report = grade_json(ws)
    failing = {s for s, r in by_slug(report).items() if r["status"] == "fail"}
    assert failing == {"nginx.api-proxies-to-backend"}, failing
    r = by_slug(report)["nginx.api-proxies-to-backend"]
    assert "on backnet only" in r["message"] and "`backend:8080`" in r["hint"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_one_layer_mistake_fails_exactly_its_check_at_its_line(ws: Path, name: str) -> None:
    old, new, slug, line, words = CASES[name]
    _, before = grade_json(ws)
    edit(ws / NGINX, old, new)
    _code, after = grade_json(ws)
    changed = {s for s, r in by_slug(after).items() if r["status"] != by_slug(before)[s]["status"]}
    failing = {s for s in changed if by_slug(after)[s]["status"] == "fail"}
    assert failing == {slug}, changed
    r = by_slug(after)[slug]
    assert (r["file"], r["line"]) == (NGINX, line), r
    assert words in r["message"] and r["hint"], r


@pytest.mark.parametrize(
    "rule,inside,expected",
    [
        ("all", False, True),
        ("127.0.0.1", False, False),
        ("127.0.0.0/8", False, False),
        ("::1", False, False),
        ("0.0.0.0/0", False, True),
        ("172.16.0.0/12", False, None),
        ("10.0.0.0/8", False, False),
        ("127.0.0.1", True, True),
        ("unix:", False, False),
        ("not-an-address", False, None),
    ],
)
def test_the_client_nginx_sees_through_a_published_port(rule: str, inside: bool, expected: bool | None) -> None:
    from grader.nginx.request import client_matches

    assert client_matches(rule, inside) is expected
