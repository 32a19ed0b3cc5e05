"""Every finding names its cause: the kept cases where a real run showed what a mistake does (the
stack oracle's variants, tests/test_stack_oracle.py, and the runtime fixtures), each graded
statically. The one check that fails, the line it blames (the line that causes the outcome, not
where it shows) and the words of that cause and of a fix that works for this input."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import by_slug, grade_json
from runtime_fixtures import WORKSHOP, edit
from test_stack_oracle import LAYERS

NGINX, COMPOSE, FRONT_DF = "frontend/nginx.conf", "docker-compose.yml", "frontend/Dockerfile"
PROXY = "        set $backend_upstream http://backend:8080;\n        proxy_pass $backend_upstream;"

# name: (edits, the failing check and its status, (file, line), words of the message, words of the fix)
CASES: dict[str, tuple[list[tuple[str, str, str]], tuple[str, str], tuple[str, int], list[str], list[str]]] = {
    "dockerignore excludes the config": (
        LAYERS["dockerignore-config"],
        ("compose.images-build", "fail"),
        (FRONT_DF, 4),
        ["frontend/.dockerignore:2 (`nginx.conf`)", "leaves nginx.conf out of the build context"],
        ["Take `nginx.conf` out of frontend/.dockerignore", "`!nginx.conf`"],
    ),
    "a negated pattern lets the config back in": (
        [("frontend/.dockerignore", "", "*.conf\n!nginx.conf\n")],
        None,
        None,
        [],
        [],
    ),
    "a Dockerfile-specific ignore file wins": (
        [("frontend/.dockerignore", "", "*.md\n"), ("frontend/Dockerfile.dockerignore", "", "nginx.conf\n")],
        ("compose.images-build", "fail"),
        (FRONT_DF, 4),
        ["frontend/Dockerfile.dockerignore:1"],
        [],
    ),
    "the config copied from a misspelt path": (
        [(FRONT_DF, "COPY nginx.conf", "COPY ngnix.conf")],
        ("compose.images-build", "error"),
        (FRONT_DF, 4),
        ["ngnix.conf is not in its build context frontend/"],
        ["Put ngnix.conf in frontend/, or correct the path"],
    ),
    "nginx -c a file of server blocks": (
        LAYERS["nginx -c the server file"],
        ("nginx.api-location", "error"),
        (FRONT_DF, 7),
        ["(nginx -c /etc/nginx/conf.d/default.conf) makes frontend/nginx.conf nginx's main config", "not allowed here"],
        [],
    ),
    "a bind mount over nginx.conf": (
        LAYERS["bind mount over nginx.conf"],
        ("nginx.api-location", "error"),
        (COMPOSE, 17),
        ["`./frontend/nginx.conf:/etc/nginx/nginx.conf` makes frontend/nginx.conf nginx's main config"],
        [],
    ),
    "the config copied over nginx.conf": (
        [(FRONT_DF, "COPY nginx.conf /etc/nginx/conf.d/default.conf", "COPY nginx.conf /etc/nginx/nginx.conf")],
        ("nginx.api-location", "error"),
        (FRONT_DF, 4),
        ["`COPY nginx.conf /etc/nginx/nginx.conf` makes frontend/nginx.conf nginx's main config"],
        [],
    ),
    "the config copied to sites-enabled": (
        LAYERS["sites-enabled"],
        ("nginx.api-location", "fail"),
        (FRONT_DF, 4),
        ["/etc/nginx/sites-enabled/default.conf, a file nginx never reads"],
        ["Put frontend/nginx.conf at /etc/nginx/conf.d/default.conf"],
    ),
    "ip_hash behind Docker's gateway": (
        LAYERS["upstream-ip-hash"],
        ("nginx.dynamic-backend-resolution", "fail"),
        (NGINX, 5),
        ["`ip_hash;` in upstream backend_pool", "one address (the network's gateway)"],
        ["Delete `ip_hash;`"],
    ),
    "hash of the client address": (
        [
            (
                NGINX,
                "server {\n",
                "resolver 127.0.0.11 valid=10s;\nupstream pool {\n    zone pool 64k;\n"
                "    hash $remote_addr consistent;\n"
                "    server backend:8080 resolve;\n}\nserver {\n",
            ),
            (NGINX, PROXY, "        proxy_pass http://pool;"),
        ],
        ("nginx.dynamic-backend-resolution", "fail"),
        (NGINX, 4),
        ["`hash $remote_addr consistent;`"],
        [],
    ),
    "the set in a sibling location": (
        LAYERS["set in a sibling location"],
        ("nginx.api-location", "fail"),
        (NGINX, 18),
        ["`set $backend_upstream` is in `location /` (frontend/nginx.conf:12)"],
        ["Move the `set $backend_upstream ...;` line into the location that serves /api/posts"],
    ),
    "error_page to @api behind a try_files that never 404s": (
        LAYERS["error_page to @api behind try_files"],
        ("nginx.api-location", "fail"),
        (NGINX, 14),
        ["`try_files` (frontend/nginx.conf:13) ends in /index.html", "never sends the request to `@api`"],
        ["location /api/"],
    ),
    "an include of a file the Dockerfile never copies": (
        LAYERS["include of a file never copied"],
        ("nginx.api-location", "error"),
        (NGINX, 10),
        ['open() "/etc/nginx/snippets/extra.conf" failed'],
        [],
    ),
    "a glob include that matches nothing in the image": (
        [
            (NGINX, "    location / {", "    include /etc/nginx/snippets/*.conf;\n\n    location / {"),
            ("frontend/snippets/extra.conf", "", "add_header X-Extra 1;\n"),
        ],
        None,
        None,
        [],
        [],
    ),
    "error_page for other codes than 404 is not that cause": (
        [
            (
                NGINX,
                "        try_files $uri $uri/ /index.html;\n",
                "        try_files $uri $uri/ /index.html;\n        error_page 502 = @api;\n",
            ),
            (NGINX, "    location /api/ {\n", "    location @api {\n"),
        ],
        ("nginx.api-location", "fail"),
        (NGINX, 10),
        ["`location /` serves /api/posts but has no proxy_pass"],
        [],
    ),
    "a tmpfs at the database's folder": (
        LAYERS["tmpfs at the database's folder"],
        ("compose.backend-shared-database", "fail"),
        (COMPOSE, 35),
        ["is on /data, a tmpfs"],
        ["instead of the tmpfs"],
    ),
    "an empty .env value behind ${VAR?}": (
        LAYERS["empty-db-variable"],
        ("compose.backend-db-env", "fail"),
        (COMPOSE, 32),
        ["takes DB_PATH from .env:1, where it is set to nothing", "only when DB_PATH is unset"],
        ["Give DB_PATH a value at .env:1", "`${DB_PATH:?…}`"],
    ),
    "a variable set nowhere is not judged": (
        [(COMPOSE, "DATABASE_PATH=/data/contoso.db", "DATABASE_PATH=${DB_PATH}")],
        None,
        None,
        [],
        [],
    ),
    "a replica's own name": (
        [(NGINX, "http://backend:8080;", "http://workshop-backend-1:8080;")],
        ("nginx.api-proxies-to-backend", "fail"),
        (NGINX, 19),
        ["workshop-backend-1, the name Compose gives one replica of backend (number 1)"],
        ["`set $backend http://backend:8080;`"],
    ),
}


def graded(tmp_path: Path, edits: list[tuple[str, str, str]]) -> dict[str, dict]:
    """The static grade of a copy of workshop/ with `edits`, by check."""
    dest = tmp_path / "ws"
    shutil.copytree(WORKSHOP, dest)
    for rel, old, new in edits:
        edit(dest / rel, old, new)
    _code, report = grade_json(dest)
    return by_slug(report)


@pytest.mark.parametrize("name", CASES)
def test_the_finding_names_the_cause(tmp_path: Path, name: str) -> None:
    edits, failing, where, said, fix = CASES[name]
    results = graded(tmp_path, edits)
    wrong = {s: r["status"] for s, r in results.items() if r["status"] in ("fail", "error")}
    if failing is None:
        assert wrong == {}, [results[s]["message"] for s in wrong]
        return
    assert wrong == {failing[0]: failing[1]}, [results[s]["message"] for s in wrong]
    r = results[failing[0]]
    assert (r["file"], r["line"]) == where, r
    for words in said:
        assert words in r["message"], r["message"]
    for words in fix:
        assert words in (r["hint"] or ""), r["hint"]


def test_the_fix_for_a_pinned_upstream_names_the_service(tmp_path: Path) -> None:
    """An upstream pinned to one replica's name: N102's fix writes the service's name."""
    pinned = "upstream pool {\n    server workshop-backend-1:8080;\n}\nserver {\n"
    results = graded(tmp_path, [(NGINX, "server {\n", pinned), (NGINX, PROXY, "        proxy_pass http://pool;")])
    r = results["nginx.dynamic-backend-resolution"]
    assert r["status"] == "fail" and "server backend:8080 resolve;" in r["hint"], r
