"""The compose and nginx models understand the formats, not their text."""

from __future__ import annotations

import pytest

from grader.compose.model import load_compose
from grader.nginx.model import NginxConfig, parse_duration
from grader.nginx.parse import ConfigSource, parse_nginx
from grader.submission.reader import SubmissionRoot
from grader.submission.yamlfile import load_yaml


def compose(text: str):
    return load_compose(load_yaml(text, "c.yml"))


@pytest.mark.parametrize(
    "spec,target,published,ip",
    [
        ("8080", "8080", None, None),
        ("80:8080", "8080", "80", None),
        ("127.0.0.1:80:8080", "8080", "80", "127.0.0.1"),
        ("127.0.0.1::8080", "8080", None, "127.0.0.1"),
        ("[::1]:80:8080", "8080", "80", "::1"),
        ("9090-9091:8080-8081", "8080-8081", "9090-9091", None),
        ("6060:6060/udp", "6060", "6060", None),
    ],
)
def test_short_port_syntax(spec: str, target: str, published: str | None, ip: str | None) -> None:
    m = compose(f'services:\n  s:\n    ports: ["{spec}"]\n')
    p = m.services["s"].ports[0]
    assert (p.target, p.published, p.host_ip) == (target, published, ip)


def test_unquoted_sexagesimal_port_is_read_as_written() -> None:
    # YAML 1.1 reads 22:22 as the number 1342; Compose reads the text.
    p = compose("services:\n  s:\n    ports:\n      - 22:22\n").services["s"].ports[0]
    assert (p.published, p.target, p.line) == ("22", "22", 4)


def test_long_port_syntax_and_empty_list() -> None:
    m = compose("services:\n  a:\n    ports:\n      - target: 80\n        published: 8080\n  b:\n    ports: []\n")
    assert m.services["a"].ports[0].published == "8080"
    assert m.services["b"].ports == []


def test_environment_list_and_map_and_env_file_forms() -> None:
    m = compose(
        "services:\n  a:\n    environment:\n      - A=1\n      - B\n    env_file: x.env\n"
        "  b:\n    environment:\n      A: 1\n      B: null\n"
        "    env_file:\n      - path: y.env\n        required: false\n"
    )
    a, b = m.services["a"], m.services["b"]
    assert [(e.name, e.value, e.line) for e in a.environment] == [("A", "1", 4), ("B", None, 5)]
    assert [(e.name, e.value) for e in b.environment] == [("A", "1"), ("B", None)]
    assert a.env_files[0].path == "x.env" and a.env_files[0].required
    assert b.env_files[0].path == "y.env" and not b.env_files[0].required


def test_networks_and_depends_on_forms() -> None:
    m = compose(
        "services:\n  f:\n    networks: [web]\n    depends_on: [b]\n  b:\n    networks:\n      web:\n"
        "        aliases: [api]\n    depends_on:\n      db:\n        condition: service_healthy\n"
        "networks:\n  web:\n    name: appnet\n"
    )
    assert m.services["f"].network_keys() == ["web"] and m.services["b"].network_keys() == ["web"]
    assert m.network("web").name == "appnet"
    assert m.services["f"].depends_on[0].condition is None
    assert m.services["b"].depends_on[0].condition == "service_healthy"
    assert compose("services:\n  x: {}\n").services["x"].network_keys() == ["default"]


def test_replicas_and_scale() -> None:
    m = compose("services:\n  a:\n    deploy:\n      replicas: 3\n  b:\n    scale: 2\n  c: {}\n")
    assert [m.services[s].replica_count() for s in "abc"] == [3, 2, None]


def test_comments_only_outside_scalars() -> None:
    doc = load_yaml('a: "x # not a comment"  # yes\nb: x#no\n# top\n', "c.yml")
    assert [(c.line, c.text) for c in doc.comments] == [(1, "yes"), (3, "top")]


def nginx(tmp_path, text: str) -> NginxConfig:
    (tmp_path / "n.conf").write_text(text)
    return parse_nginx(
        SubmissionRoot(tmp_path),
        ConfigSource(files={"/etc/nginx/conf.d/n.conf": "n.conf"}, entry=["/etc/nginx/conf.d/n.conf"]),
    )


LOCS = """server {
  location = /api/posts { return 200 exact; }
  location /api/ { return 200 prefix; location ~ /api/nested { return 200 nested; } }
  location ^~ /static/ { return 200 caret; }
  location ~ \\.png$ { return 200 png; }
  location ~* ^/API/UPPER { return 200 ci; }
  location / { return 200 root; }
}"""


@pytest.mark.parametrize(
    "uri,expected",
    [
        ("/api/posts", "exact"),
        ("/api/posts/1", "prefix"),
        ("/api/nested/x", "nested"),
        ("/static/a.png", "caret"),
        ("/img/a.png", "png"),
        ("/api/upper", "ci"),
        ("/other", "root"),
    ],
)
def test_location_matching_as_nginx_does(tmp_path, uri: str, expected: str) -> None:
    cfg = nginx(tmp_path, LOCS)
    loc = cfg.match_location(cfg.servers()[0], uri)
    assert loc.children("return")[0].args[1] == expected


def test_array_directives_inherit_only_when_inner_sets_none(tmp_path) -> None:
    cfg = nginx(
        tmp_path,
        "proxy_set_header A 1;\nserver {\n  proxy_set_header B 2;\n"
        "  location /x { proxy_pass http://b; }\n  location /y { proxy_set_header C 3; proxy_pass http://b; }\n}",
    )
    s = cfg.servers()[0]
    assert set(cfg.effective_headers(cfg.match_location(s, "/x"))) == {"b"}
    assert set(cfg.effective_headers(cfg.match_location(s, "/y"))) == {"c"}


def test_variables_from_set_and_map(tmp_path) -> None:
    cfg = nginx(
        tmp_path,
        "map $host $up { default http://backend:8080; }\nserver {\n  set $a http://srv:1;\n"
        "  location /s { proxy_pass $a; }\n  location /m { proxy_pass $up; }\n"
        "  location /u { proxy_pass http://pool; }\n}\nresolver 127.0.0.11;\n"
        "upstream pool { zone pool 64k; server backend:8080 resolve; }",
    )
    s = cfg.servers()[0]
    t = cfg.proxy_target(cfg.match_location(s, "/s"))
    assert (t.host, t.port, t.has_variables) == ("srv", 1, True)
    assert cfg.proxy_target(cfg.match_location(s, "/m")).host == "backend"
    u = cfg.proxy_target(cfg.match_location(s, "/u"))
    assert u.upstream is not None and u.upstream.servers[0].resolve


@pytest.mark.parametrize("text,seconds", [("5", 5), ("5s", 5), ("500ms", 0.5), ("1m30s", 90), ("x", None)])
def test_durations(text: str, seconds) -> None:
    assert parse_duration(text) == seconds


def test_listen_forms(tmp_path) -> None:
    cfg = nginx(
        tmp_path,
        "server { listen 8080 default_server; listen [::]:8443 ssl; listen 127.0.0.1;\n"
        "  ssl_certificate c.pem; ssl_certificate_key k.pem; }\nserver { }",
    )
    a, b = cfg.servers()
    assert cfg.listen_ports(a) == [8080, 8443, 80] and cfg.listen_ports(b) == [80]
