"""What the nginx of the official image says of a learner's config, as the grader says it: each
case is a change to workshop/'s nginx.conf (a conf.d file inside the image's http) or a main file
of its own, with the verdict nginx gives. test_the_grader_gives_nginxs_verdict holds the grader to
it; test_nginx_gives_these_verdicts (marked oracle) runs each in the local nginx:1.30, so every
expectation here is one nginx gave, not one we typed."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest
from conftest import WORKSHOP, run

NGINX_CONF = (WORKSHOP / "frontend" / "nginx.conf").read_text()
MAIN_HEAD = "events {}\n"


def conf_d(old: str, new: str, before: str = "") -> str:
    assert old in NGINX_CONF
    return before + NGINX_CONF.replace(old, new, 1)


# (name, main file or None, conf.d file or None, nginx's message or None when it starts)
CASES = [
    (
        "a misspelled directive",
        None,
        conf_d("proxy_http_version 1.1;", "proxy_http_versio 1.1;"),
        'unknown directive "proxy_http_versio"',
    ),
    (
        "a misspelled header directive",
        None,
        conf_d("proxy_set_header Host $host;", "proxy_set_heder Host $host;"),
        'unknown directive "proxy_set_heder"',
    ),
    (
        "the WebSocket map",
        None,
        conf_d(
            'proxy_set_header Connection "";',
            "proxy_set_header Connection $connection_upgrade;",
            "map $http_upgrade $connection_upgrade { default upgrade; '' close; }\n",
        ),
        None,
    ),
    ("proxy_http_version 2", None, conf_d("proxy_http_version 1.1;", "proxy_http_version 2;"), None),
    ("proxy_http_version 3", None, conf_d("proxy_http_version 1.1;", "proxy_http_version 3;"), 'invalid value "3"'),
    (
        "a unix: upstream",
        None,
        conf_d(
            "location / {",
            "location /sock/ { proxy_pass http://app; }\n    location / {",
            "upstream app { server unix:/run/app.sock; }\n",
        ),
        None,
    ),
    (
        "a unix: proxy_pass",
        None,
        conf_d("location / {", "location /sock/ { proxy_pass http://unix:/run/app.sock:/; }\n    location / {"),
        None,
    ),
    (
        "include proxy_params",
        None,
        conf_d("proxy_set_header Host $host;", "include proxy_params;"),
        'open() "/etc/nginx/proxy_params" failed (2: No such file or directory)',
    ),
    (
        "include snippets",
        None,
        conf_d("proxy_set_header Host $host;", "include snippets/proxy.conf;"),
        'open() "/etc/nginx/snippets/proxy.conf" failed (2: No such file or directory)',
    ),
    ("a listen port range", None, conf_d("listen 80;", "listen 80;\n    listen 127.0.0.1:8182-8183;"), None),
    (
        "resolver_timeout in an upstream",
        None,
        conf_d(
            "location / {",
            "location /u/ { proxy_pass http://u; }\n    location / {",
            "upstream u { zone u 64k; resolver 127.0.0.11; resolver_timeout 5s; server backend:8080 resolve; }\n",
        ),
        None,
    ),
    (
        "a // inside a path",
        None,
        conf_d("root /usr/share/nginx/html;", "alias //usr/share/nginx//./html/..//html/;"),
        None,
    ),
    ("a stream proxy", MAIN_HEAD + "stream { server { listen 9000; proxy_pass 127.0.0.1:8080; } }\n", None, None),
    (
        "stream's module loaded again",
        "load_module modules/ngx_stream_module.so;\n" + MAIN_HEAD,
        None,
        'dlopen() "/etc/nginx/modules/ngx_stream_module.so" failed (/etc/nginx/modules/ngx_stream_module.so: '
        "cannot open shared object file: No such file or directory)",
    ),
    ("js without its load_module", MAIN_HEAD + "http { js_var $x 1; }\n", None, 'unknown directive "js_var"'),
    (
        "a directive in the wrong block",
        None,
        conf_d("listen 80;", "listen 80;\n    worker_connections 10;"),
        '"worker_connections" directive is not allowed here',
    ),
]
IDS = [c[0] for c in CASES]


def submission(tmp_path: Path, main: str | None, confd: str | None) -> Path:
    import shutil

    ws = tmp_path / "ws"
    shutil.copytree(WORKSHOP, ws)
    if confd is not None:
        (ws / "frontend" / "nginx.conf").write_text(confd)
    if main is not None:
        (ws / "frontend" / "main.conf").write_text(main)
        dockerfile = ws / "frontend" / "Dockerfile"
        dockerfile.write_text(dockerfile.read_text() + "COPY main.conf /etc/nginx/nginx.conf\n")
    return ws


@pytest.mark.parametrize("name,main,confd,nginx_says", CASES, ids=IDS)
def test_the_grader_gives_nginxs_verdict(name, main, confd, nginx_says, tmp_path: Path) -> None:
    r = run("check", str(submission(tmp_path, main, confd)), "--lang", "en", "--format", "json")
    if nginx_says is None:
        assert r.exit_code != 2, f"{name}: the grader refuses what nginx starts with:\n{r.output}"
    else:
        assert r.exit_code == 2, f"{name}: the grader accepts what nginx refuses ({nginx_says}):\n{r.output}"
        assert f"nginx refuses to start: {nginx_says}" in r.output, r.output


@pytest.mark.oracle
def test_nginx_gives_these_verdicts(tmp_path: Path) -> None:
    """Every case through `nginx -t` in the local image, in one container."""
    lines = ["set -u"]
    for i, (_, main, confd, _) in enumerate(CASES):
        d = tmp_path / str(i)
        d.mkdir()
        if main is not None:
            (d / "nginx.conf").write_text(main)
        if confd is not None:
            (d / "default.conf").write_text(confd)
        lines.append(
            f"rm -rf /etc/nginx && cp -a /tmp/etc /etc/nginx && "
            f"{{ [ ! -f /c/{i}/nginx.conf ] || cp /c/{i}/nginx.conf /etc/nginx/nginx.conf; }} && "
            f"{{ [ ! -f /c/{i}/default.conf ] || cp /c/{i}/default.conf /etc/nginx/conf.d/default.conf; }}; "
            f"echo '@@@ {i}'; nginx -t -q 2>&1; echo \"@@@ rc=$?\""
        )
    script = "cp -a /etc/nginx /tmp/etc; " + "; ".join(lines)
    name = f"grader-directives-{uuid.uuid4().hex[:8]}"
    try:
        p = subprocess.run(
            [
                "docker",
                "run",
                "--rm",
                "--name",
                name,
                "--label",
                "org.workshop-grader.test=1",
                "--network",
                "none",
                "--add-host",
                "backend:127.0.0.1",
                "-v",
                f"{tmp_path}:/c:ro",
                "--entrypoint",
                "sh",
                "nginx:1.30",
                "-c",
                script,
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)
    import re

    found = {
        int(m.group(1)): (m.group(3) == "0", m.group(2))
        for m in re.finditer(r"@@@ (\d+)\n(.*?)@@@ rc=(\d+)", p.stdout, re.S)
    }
    assert len(found) == len(CASES), p.stdout + p.stderr
    for i, (case, _, _, nginx_says) in enumerate(CASES):
        started, out = found[i]
        if nginx_says is None:
            assert started, f"{case}: nginx refuses: {out}"
        else:
            assert not started and nginx_says in out, f"{case}: nginx said {out!r}, not {nginx_says!r}"
