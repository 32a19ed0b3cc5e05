"""nginx as the image runs it: each case is a verdict the grader once got wrong (a false pass or a
false fail) and nginx in the nginx:1.30 image decides otherwise (tests/test_nginx_oracle.py holds
the parser's verdicts equal to `nginx -t`)."""

from __future__ import annotations

from pathlib import Path

from conftest import by_slug, grade_json

NGINX = "frontend/nginx.conf"
DOCKERFILE = "frontend/Dockerfile"
KEEP_DEFAULT = "FROM nginx:1.30\nCOPY nginx.conf /etc/nginx/conf.d/{name}\nCOPY html/ /usr/share/nginx/html/\n"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"anchor not found in {path}: {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def image_server_is_the_cause(report: dict) -> dict:
    """The image's own server answering is one finding, N100's (no location of the learner's
    serves /api), and the nginx checks that need that location are blocked by it."""
    r = by_slug(report)
    cause = r["nginx.api-location"]
    assert cause["status"] == "fail" and "image's own" in cause["message"], cause
    assert r["nginx.api-proxies-to-backend"]["status"] == "blocked"
    assert r["nginx.api-proxies-to-backend"]["blocked_by"] == "N100"
    return cause


def nginx_refused(report: dict) -> dict:
    """A config nginx refuses is one finding, N100's error with nginx's words; every nginx check
    that needs the config is blocked by it."""
    r = by_slug(report)
    cause = r["nginx.api-location"]
    assert cause["status"] == "error", cause
    blocked = {slug: x["status"] for slug, x in r.items() if slug.startswith("nginx.") and slug != "nginx.api-location"}
    assert set(blocked.values()) == {"blocked"}, blocked
    return cause


# -- the image's conf.d/default.conf -----------------------------------------------------------
def test_copy_beside_default_conf_gets_the_images_server(ws: Path) -> None:
    # COPY to conf.d/app.conf keeps the image's default.conf; its `server_name localhost` answers
    # http://localhost/api/... (with 404) before the learner's `server_name _`.
    (ws / DOCKERFILE).write_text(KEEP_DEFAULT.format(name="app.conf"), encoding="utf-8")
    edit(ws / NGINX, "server_name localhost;", "server_name _;")
    code, report = grade_json(ws)
    n101 = image_server_is_the_cause(report)
    assert code == 1
    assert (n101["file"], n101["line"]) == (DOCKERFILE, 2)
    assert "/etc/nginx/conf.d/default.conf" in n101["message"] and "server_name localhost" in n101["message"]


def test_default_conf_after_the_learners_localhost_server_is_not_used(ws: Path) -> None:
    # nginx reads conf.d/*.conf in name order: app.conf's `server_name localhost` comes first and
    # wins; default.conf's same name is ignored. That is a pass, as nginx serves it.
    (ws / DOCKERFILE).write_text(KEEP_DEFAULT.format(name="app.conf"), encoding="utf-8")
    code, report = grade_json(ws)
    assert code == 0, [r for r in report["results"] if r["status"] != "pass"]


def test_default_conf_first_by_name_wins_the_same_server_name(ws: Path) -> None:
    (ws / DOCKERFILE).write_text(KEEP_DEFAULT.format(name="zz-app.conf"), encoding="utf-8")
    _code, report = grade_json(ws)
    image_server_is_the_cause(report)


def test_removing_conf_d_with_a_glob_drops_default_conf(ws: Path) -> None:
    (ws / DOCKERFILE).write_text(
        "FROM nginx:1.30\nRUN rm -rf /etc/nginx/conf.d/* && true\nCOPY nginx.conf /etc/nginx/conf.d/app.conf\n",
        encoding="utf-8",
    )
    edit(ws / NGINX, "server_name localhost;", "server_name _;")
    code, _ = grade_json(ws)
    assert code == 0


def test_bind_mount_beside_default_conf_points_at_the_mount(ws: Path) -> None:
    # The stock image with the config mounted as conf.d/app.conf: default.conf is still there.
    edit(
        ws / "docker-compose.yml",
        "    build:\n      context: ./frontend\n",
        "    image: nginx:1.30\n    volumes:\n      - ./frontend/nginx.conf:/etc/nginx/conf.d/zz.conf:ro\n",
    )
    _code, report = grade_json(ws)
    n101 = image_server_is_the_cause(report)
    assert n101["file"] == "docker-compose.yml"
    assert n101["line"] == line_of(ws / "docker-compose.yml", "conf.d/zz.conf")


# -- templates ---------------------------------------------------------------------------------
def test_templates_folder_is_rendered_into_conf_d(ws: Path) -> None:
    (ws / DOCKERFILE).write_text(
        "FROM nginx:1.30\nRUN rm /etc/nginx/conf.d/default.conf\nCOPY templates/ /etc/nginx/templates/\n",
        encoding="utf-8",
    )
    (ws / "frontend" / "templates").mkdir()
    conf = (
        (ws / NGINX)
        .read_text(encoding="utf-8")
        .replace("set $backend_upstream http://backend:8080;", "set $backend_upstream http://${API_HOST}:8080;")
    )
    (ws / "frontend" / "templates" / "default.conf.template").write_text(conf, encoding="utf-8")
    (ws / NGINX).unlink()
    edit(
        ws / "docker-compose.yml",
        '    ports:\n      - "80:80"\n',
        '    ports:\n      - "80:80"\n    environment:\n      API_HOST: backend\n',
    )
    code, report = grade_json(ws)
    assert code == 0, [r for r in report["results"] if r["status"] != "pass"]
    assert by_slug(report)["nginx.api-proxies-to-backend"]["file"] == "frontend/templates/default.conf.template"


def test_template_variables_from_the_environment_are_substituted(ws: Path) -> None:
    # The image renders templates/*.template into conf.d with the variables set in the service's
    # environment; ${BACKEND_HOST} is then the literal `backend` nginx resolves once at start-up:
    # N101 passes (it is the service name) and N102 fails (a literal name).
    (ws / DOCKERFILE).write_text(
        "FROM nginx:1.30\nRUN rm /etc/nginx/conf.d/default.conf\nCOPY default.conf.template /etc/nginx/templates/\n",
        encoding="utf-8",
    )
    conf = (ws / NGINX).read_text(encoding="utf-8")
    conf = conf.replace(
        "        set $backend_upstream http://backend:8080;\n        proxy_pass $backend_upstream;",
        "        proxy_pass http://${BACKEND_HOST}:${BACKEND_PORT};",
    )
    (ws / "frontend" / "default.conf.template").write_text(conf, encoding="utf-8")
    (ws / NGINX).unlink()
    edit(
        ws / "docker-compose.yml",
        '    ports:\n      - "80:80"\n',
        '    ports:\n      - "80:80"\n    environment:\n      - BACKEND_HOST=backend\n      - BACKEND_PORT=8080\n',
    )
    _code, report = grade_json(ws)
    results = by_slug(report)
    assert results["nginx.api-proxies-to-backend"]["status"] == "pass", results["nginx.api-proxies-to-backend"]
    n102 = results["nginx.dynamic-backend-resolution"]
    assert n102["status"] == "fail" and n102["file"] == "frontend/default.conf.template"
    assert results["nginx.api-port-matches-backend"]["status"] == "pass"


def test_template_variable_not_in_the_environment_is_left_for_nginx(ws: Path) -> None:
    # BACKEND_HOST is not set: envsubst leaves ${BACKEND_HOST}, nginx knows no such variable.
    (ws / DOCKERFILE).write_text(
        "FROM nginx:1.30\nCOPY nginx.conf /etc/nginx/templates/default.conf.template\n", encoding="utf-8"
    )
    edit(ws / NGINX, "http://backend:8080", "http://${BACKEND_HOST}:8080")
    code, report = grade_json(ws)
    assert code == 2
    assert 'unknown "backend_host" variable' in nginx_refused(report)["message"]


# -- what nginx refuses --------------------------------------------------------------------------
def test_missing_semicolon_is_refused_as_nginx_refuses_it(ws: Path) -> None:
    edit(ws / NGINX, "proxy_set_header X-Forwarded-Proto $scheme;", "proxy_set_header X-Forwarded-Proto $scheme")
    code, report = grade_json(ws)
    assert code == 2
    n103 = nginx_refused(report)
    assert n103["file"] == NGINX
    assert n103["line"] == line_of(ws / NGINX, "X-Forwarded-Proto")
    assert 'invalid number of arguments in "proxy_set_header" directive' in n103["message"]
    assert f'is a ";" missing at the end of line {n103["line"]}?' in n103["message"]


def test_directive_in_the_wrong_context_is_refused(ws: Path) -> None:
    edit(ws / NGINX, "    resolver 127.0.0.11 valid=10s ipv6=off;\n", "")
    edit(ws / NGINX, "server {\n", "resolver 127.0.0.11;\nworker_connections 512;\nserver {\n")
    code, report = grade_json(ws)
    assert code == 2
    assert '"worker_connections" directive is not allowed here' in nginx_refused(report)["message"]


UPSTREAM = "upstream backend_pool {{\n    {zone}server backend:8080 resolve;\n}}\n"


def use_upstream(ws: Path, zone: str, resolver: bool = True) -> None:
    conf = (ws / NGINX).read_text(encoding="utf-8")
    conf = conf.replace(
        "        set $backend_upstream http://backend:8080;\n        proxy_pass $backend_upstream;",
        "        proxy_pass http://backend_pool;",
    )
    if not resolver:
        conf = conf.replace("    resolver 127.0.0.11 valid=10s ipv6=off;\n", "")
    (ws / NGINX).write_text(
        ("resolver 127.0.0.11 valid=10s;\n" if resolver else "") + UPSTREAM.format(zone=zone) + conf, encoding="utf-8"
    )


def test_upstream_resolve_without_zone_is_refused(ws: Path) -> None:
    use_upstream(ws, zone="")
    code, report = grade_json(ws)
    assert code == 2
    n102 = nginx_refused(report)
    assert (n102["file"], n102["line"]) == (NGINX, 2)
    assert 'resolving names at run time requires upstream "backend_pool"' in n102["message"]
    assert "to be in shared memory" in n102["message"]


def test_upstream_resolve_without_resolver_is_refused(ws: Path) -> None:
    use_upstream(ws, zone="zone backend_pool 64k;\n    ", resolver=False)
    code, report = grade_json(ws)
    assert code == 2
    assert "no resolver defined to resolve names at run time" in nginx_refused(report)["message"]


def test_upstream_resolve_with_zone_and_resolver_passes(ws: Path) -> None:
    use_upstream(ws, zone="zone backend_pool 64k;\n    ")
    code, report = grade_json(ws)
    assert by_slug(report)["nginx.dynamic-backend-resolution"]["status"] == "pass"
    assert code == 0


def test_variable_proxy_pass_with_a_uri_replaces_the_request_uri(ws: Path) -> None:
    edit(ws / NGINX, "set $backend_upstream http://backend:8080;", "set $backend_upstream http://backend:8080/api/;")
    code, report = grade_json(ws)
    n101 = by_slug(report)["nginx.api-proxies-to-backend"]
    assert code == 1 and n101["status"] == "fail"
    assert n101["line"] == line_of(ws / NGINX, "set $backend_upstream")
    assert "replaces the whole request URI" in n101["message"] and "/api/" in n101["message"]


def test_variable_proxy_pass_keeping_the_request_uri_passes(ws: Path) -> None:
    edit(
        ws / NGINX,
        "set $backend_upstream http://backend:8080;",
        "set $backend_upstream http://backend:8080$request_uri;",
    )
    _code, report = grade_json(ws)
    assert by_slug(report)["nginx.api-proxies-to-backend"]["status"] == "pass"


def test_redirect_to_https_is_followed_to_the_server_that_proxies(ws: Path) -> None:
    # http://localhost/api/posts gets a 301 to https://localhost/api/posts, which the 443 server proxies.
    edit(
        ws / NGINX,
        "server {\n    listen 80;\n",
        "server {\n    listen 80;\n    return 301 https://$host$request_uri;\n}\n\nserver {\n    listen 443 ssl;\n"
        "    ssl_certificate /etc/nginx/certs/cert.pem;\n    ssl_certificate_key /etc/nginx/certs/key.pem;\n",
    )
    edit(ws / "docker-compose.yml", '      - "80:80"\n', '      - "80:80"\n      - "443:443"\n')
    _code, report = grade_json(ws)
    n101 = by_slug(report)["nginx.api-proxies-to-backend"]
    assert n101["status"] == "pass" and n101["line"] == line_of(ws / NGINX, "proxy_pass $backend_upstream")
