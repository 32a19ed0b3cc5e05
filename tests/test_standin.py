"""The local nginx:1.30 is held to the official image's recorded facts
(../shared/reference/nginx-official-image.md): its start-up (entrypoint, command, stop signal,
port), /etc/nginx as the official image ships it, the user, the logs, the module set (stream and
mail built in, the others only after their load_module), the entrypoint's template rendering,
and the directive table the grader ships, which must be the one this nginx's binaries give.

Where this machine cannot match the official image the test says so in its name: nginx is
Debian's build of the same version line (1.30.x), and the acme module has no Debian package."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tarfile
import uuid
from pathlib import Path

import pytest
from conftest import REPO, shared_path

pytestmark = pytest.mark.oracle

IMAGE = "nginx:1.30"
LABEL = "org.workshop-grader.test=1"
ETC = {"conf.d", "fastcgi_params", "mime.types", "modules", "nginx.conf", "scgi_params", "uwsgi_params"}
# The official image's dynamic modules (nginx-module-xslt, -geoip, -image-filter, -njs); the
# acme module (nginx-module-acme) has no Debian package and is not there.
MODULE_FILES = {
    "ngx_http_xslt_filter_module.so",
    "ngx_http_geoip_module.so",
    "ngx_stream_geoip_module.so",
    "ngx_http_image_filter_module.so",
    "ngx_http_js_module.so",
    "ngx_stream_js_module.so",
}


def docker(*args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess[str]:
    p = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)
    if check and p.returncode:
        raise AssertionError(f"docker {' '.join(args)}: {p.stderr}")
    return p


def run(
    *args: str,
    entry: str | None = "sh",
    mounts: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    command: tuple[str, ...] = (),
) -> subprocess.CompletedProcess[str]:
    # the names the test configs proxy to resolve, as a stack's service names would
    argv = [
        "run",
        "--rm",
        "--network",
        "none",
        "--label",
        LABEL,
        "--name",
        f"grader-standin-{uuid.uuid4().hex[:8]}",
        "--add-host",
        "backend:127.0.0.1",
        "--add-host",
        "b:127.0.0.1",
        "--add-host",
        "db:127.0.0.1",
    ]
    for m in mounts:
        argv += ["-v", m]
    for k, v in (env or {}).items():
        argv += ["-e", f"{k}={v}"]
    if entry:
        argv += ["--entrypoint", entry]
    return docker(*argv, IMAGE, *args, *command, check=False)


def sh(script: str, **kw) -> subprocess.CompletedProcess[str]:
    return run("-c", script, **kw)


def test_the_image_starts_as_the_official_one() -> None:
    facts = shared_path("reference", "nginx-official-image.md").read_text()
    config = json.loads(docker("image", "inspect", IMAGE).stdout)[0]["Config"]
    assert config["Entrypoint"] == ["/docker-entrypoint.sh"] and '`ENTRYPOINT ["/docker-entrypoint.sh"]`' in facts
    assert config["Cmd"] == ["nginx", "-g", "daemon off;"]
    assert config["StopSignal"] == "SIGQUIT" and "80/tcp" in config["ExposedPorts"]
    env = dict(e.split("=", 1) for e in config["Env"])
    assert env["NGINX_VERSION"].startswith("1.30.") and env["NJS_VERSION"]


def test_etc_nginx_the_user_and_the_logs_are_the_official_images() -> None:
    p = sh(
        "ls -A /etc/nginx; echo @; ls -A /etc/nginx/conf.d; echo @; readlink /etc/nginx/modules; echo @;"
        " ls /usr/lib/nginx/modules; echo @; id nginx; echo @; readlink /var/log/nginx/access.log"
        " /var/log/nginx/error.log; echo @; cat /etc/nginx/nginx.conf; echo @; command -v envsubst; command -v curl;"
        " echo @; ls -A /usr/share/nginx/html; ls -d /var/www 2>/dev/null"
    )
    etc, confd, modules_link, modules, ident, logs, main, tools, html = [
        part.split() if i != 6 else part for i, part in enumerate(p.stdout.split("@\n"))
    ]
    assert set(etc) == ETC, set(etc) ^ ETC  # no proxy_params, snippets/, sites-*, modules-enabled/, fastcgi.conf
    assert confd == ["default.conf"]
    assert modules_link == ["/usr/lib/nginx/modules"]
    assert set(modules) == MODULE_FILES  # stream and mail are not files: they are built in
    assert " ".join(ident) == "uid=101(nginx) gid=101(nginx) groups=101(nginx)"
    assert logs == ["/dev/stdout", "/dev/stderr"]
    assert main == (REPO / "grader" / "nginx" / "image" / "nginx.conf").read_text()  # the file the grader reads
    assert "modules-enabled" not in main and "user  nginx;" in main
    assert [Path(t).name for t in tools] == ["envsubst", "curl"]
    # The only files nginx can serve unless a submission adds some (no Debian /var/www/html).
    assert sorted(html) == ["50x.html", "index.html"]


MAIL = "mail { auth_http 127.0.0.1:9000/auth; server { listen 2525; protocol smtp; smtp_auth none; } }\n"
STREAM = "stream { server { listen 9000; proxy_pass 127.0.0.1:8080; } }\n"
EVENTS = "events {}\n"
HTTP_WITH = "http {{ {0} server {{ listen 8080; }} }}\n"


@pytest.mark.parametrize(
    "name,config,accepted",
    [
        ("stream without load_module", EVENTS + STREAM, True),
        ("mail without load_module", EVENTS + MAIL, True),
        ("stream's module file", "load_module modules/ngx_stream_module.so;\n" + EVENTS + STREAM, False),
        ("js without its module", EVENTS + HTTP_WITH.format("js_var $x 1;"), False),
        (
            "js after its load_module",
            "load_module modules/ngx_http_js_module.so;\n" + EVENTS + HTTP_WITH.format("js_var $x 1;"),
            True,
        ),
        ("image_filter without its module", EVENTS + HTTP_WITH.format("image_filter_buffer 2M;"), False),
        (
            "image_filter after its load_module",
            "load_module modules/ngx_http_image_filter_module.so;\n"
            + EVENTS
            + HTTP_WITH.format("image_filter_buffer 2M;"),
            True,
        ),
        (
            "xslt after its load_module",
            "load_module modules/ngx_http_xslt_filter_module.so;\n"
            + EVENTS
            + HTTP_WITH.format("xslt_last_modified on;"),
            True,
        ),
        (
            "geoip after its load_module",
            "load_module modules/ngx_http_geoip_module.so;\n" + EVENTS + HTTP_WITH.format("geoip_proxy_recursive on;"),
            True,
        ),
        ("proxy_params", EVENTS + HTTP_WITH.format("include proxy_params;"), False),
    ],
)
def test_the_module_set_and_files_are_the_official_builds(
    name: str, config: str, accepted: bool, tmp_path: Path
) -> None:
    (tmp_path / "t.conf").write_text(config)
    p = sh("nginx -t -q -c /t/t.conf", mounts=(f"{tmp_path}:/t:ro",))
    assert (p.returncode == 0) == accepted, f"{name}: {p.stdout}{p.stderr}"
    # and the grader's verdict is the same
    from grader.errors import InputError
    from grader.nginx.parse import MAIN, ConfigSource, parse_nginx
    from grader.submission.reader import SubmissionRoot

    (tmp_path / "nginx.conf").write_text(config)
    try:
        parse_nginx(SubmissionRoot(tmp_path), ConfigSource(files={MAIN: "nginx.conf"}, image=set()))
        ours = True
    except InputError as e:
        ours = False
        assert not accepted, f"{name}: the grader refuses ({e}), nginx accepts"
    assert ours == accepted, f"{name}: the grader accepts, nginx refuses: {p.stderr}"


TEMPLATE = """server {
    listen 80;
    location / { proxy_pass http://${BACKEND_HOST}; proxy_set_header Host $host; add_header X-Uri "${request_uri}"; }
}
"""


def test_the_entrypoint_renders_templates_with_the_defined_variables_only(tmp_path: Path) -> None:
    (tmp_path / "default.conf.template").write_text(TEMPLATE)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "extra.conf.template").write_text("# ${BACKEND_HOST} $uri\n")
    p = run(
        entry=None,
        command=("nginx", "-T"),
        mounts=(f"{tmp_path}:/etc/nginx/templates:ro",),
        env={"BACKEND_HOST": "backend:8080"},
    )
    assert p.returncode == 0, p.stderr
    assert "proxy_pass http://backend:8080;" in p.stdout and "proxy_set_header Host $host;" in p.stdout
    assert 'add_header X-Uri "${request_uri}";' in p.stdout  # not in the environment: left for nginx
    assert (
        "20-envsubst-on-templates.sh: Running envsubst on "
        "/etc/nginx/templates/default.conf.template to /etc/nginx/conf.d/default.conf" in p.stdout
    )
    assert "Configuration complete; ready for start up" in p.stdout
    # the filter: only names matching it are replaced
    (tmp_path / "default.conf.template").write_text(TEMPLATE.replace("${request_uri}", "${OTHER}"))
    p = sh(
        "/docker-entrypoint.sh nginx -v && cat /etc/nginx/conf.d/default.conf",
        mounts=(f"{tmp_path}:/etc/nginx/templates:ro",),
        env={
            "BACKEND_HOST": "backend:8080",
            "OTHER": "x",
            "NGINX_ENVSUBST_FILTER": "^BACK",
            "NGINX_ENTRYPOINT_QUIET_LOGS": "1",
        },
    )
    assert 'add_header X-Uri "${OTHER}";' in p.stdout and "http://backend:8080;" in p.stdout, p.stdout + p.stderr
    assert "/docker-entrypoint" not in p.stdout + p.stderr  # quiet
    # another suffix and output folder, and an output folder that cannot be written
    (tmp_path / "api.conf.tpl").write_text(TEMPLATE)
    env = {"BACKEND_HOST": "b:1", "NGINX_ENVSUBST_TEMPLATE_SUFFIX": ".tpl", "NGINX_ENVSUBST_OUTPUT_DIR": "/tmp/out"}
    p = sh(
        "mkdir -p /tmp/out && /docker-entrypoint.sh nginx -v && cat /tmp/out/api.conf",
        mounts=(f"{tmp_path}:/etc/nginx/templates:ro",),
        env=env,
    )
    assert "proxy_pass http://b:1;" in p.stdout, p.stdout + p.stderr
    (tmp_path / "ro").mkdir()
    p = sh(
        "/docker-entrypoint.sh nginx -v",
        mounts=(f"{tmp_path}:/etc/nginx/templates:ro", f"{tmp_path / 'ro'}:/out:ro"),
        env={**env, "NGINX_ENVSUBST_OUTPUT_DIR": "/out"},
    )
    assert "ERROR: /etc/nginx/templates exists, but /out is not writable" in p.stdout, p.stdout + p.stderr


def test_stream_templates_local_resolvers_and_ipv6(tmp_path: Path) -> None:
    (tmp_path / "tcp.conf.stream-template").write_text("server { listen 9000; proxy_pass ${UPSTREAM}; }\n")
    (tmp_path / "r.conf.template").write_text("resolver ${NGINX_LOCAL_RESOLVERS};\n")
    script = (
        "mkdir -p /etc/nginx/stream-conf.d && echo 'stream { include /etc/nginx/stream-conf.d/*.conf; }' "
        ">> /etc/nginx/nginx.conf && /docker-entrypoint.sh nginx -T"
    )
    p = sh(
        script,
        mounts=(f"{tmp_path}:/etc/nginx/templates:ro",),
        env={"UPSTREAM": "db:5432", "NGINX_ENTRYPOINT_LOCAL_RESOLVERS": "1"},
    )
    assert p.returncode == 0, p.stdout + p.stderr
    assert "proxy_pass db:5432;" in p.stdout
    servers = re.findall(r"^nameserver\s+(\S+)", sh("cat /etc/resolv.conf").stdout, re.M)
    want = " ".join(f"[{s}]" if ":" in s else s for s in servers)
    assert f"resolver {want};" in p.stdout
    six = sh("test -f /proc/net/if_inet6 && echo yes").stdout.strip() == "yes"
    assert ("listen  [::]:80;" in p.stdout) == six
    assert ("Enabled listen on IPv6" in p.stdout) == six


def test_the_shipped_directive_and_variable_tables_are_this_nginxs(tmp_path: Path) -> None:
    """The tables the grader ships are what make_table.py reads out of this image's binaries."""
    from grader.nginx.table import make_table

    name = f"grader-standin-{uuid.uuid4().hex[:8]}"
    docker("create", "--name", name, "--label", LABEL, IMAGE)
    try:
        export = subprocess.Popen(["docker", "export", name], stdout=subprocess.PIPE)
        with tarfile.open(fileobj=export.stdout, mode="r|") as tar:
            for member in tar:
                if member.name.startswith(("usr/lib/nginx/", "usr/sbin/nginx")) and member.isfile():
                    tar.extract(member, tmp_path, filter="data")
        export.wait(60)
    finally:
        docker("rm", "-f", name, check=False)
    table = REPO / "grader" / "nginx" / "table" / "directives.json"
    # and the variables: the same binaries' variable arrays, and the names this nginx confirms
    assert make_table.main([str(tmp_path), "--out", str(table), "--image", IMAGE, "--check"]) == 0
    assert json.loads(table.read_text())["nginx"].startswith("1.30.")
    assert shutil.which("docker")
