"""Korean as a Korean instructor writes it: every message of every check, rendered with
realistic values in both languages, has particles that fit the value before them, no
"이(가)" forms and no English outside code, file names and nginx/Compose words; `explain`
wraps by display width to the terminal."""

from __future__ import annotations

import re
import string

import pytest
from conftest import run
from rich.cells import cell_len

from grader.common_texts import COMMON_MESSAGES
from grader.i18n.ko import ending, fill, particle
from grader.registry import known_checks
from grader.rubric import load_rubric

RUBRIC = load_rubric(None, registry=known_checks())

# Two realistic sets of values, so that each particle is rendered after a value ending in a
# vowel and after one ending in a consonant (or ㄹ).
VALUES = [
    {
        "after": "172.18.0.7",
        "backend": "backend",
        "bad_reads": 2,
        "before": "172.18.0.5",
        "candidate": "backend",
        "code": "C100",
        "condition": "service_healthy",
        "container": "workshop-db-1",
        "count": 3,
        "created": 3,
        "document": "openapi.yaml",
        "error": "docker-compose.yml:12: mapping values are not allowed here",
        "failed": 2,
        "floor": 2,
        "folder": "/data",
        "frontend": "frontend",
        "headers": "Host, X-Real-IP",
        "host": "backend",
        "image": "python:3.13-slim",
        "kind": "volumes: [/data]",
        "limit": 10,
        "listen": 8080,
        "location": "/api/",
        "longest": 15,
        "lowest": 1,
        "missing": "X-Forwarded-Proto",
        "name": "workshop_appnet",
        "need": "90%",
        "network": "appnet",
        "networks": "default, backnet",
        "new": "backend-4, backend-5",
        "nginx": "frontend/nginx.conf:3",
        "ok": 38,
        "operations": "GET /api/posts",
        "outer_line": 7,
        "path": "/api/posts",
        "phase": "R102",
        "port": "8080:8080",
        "ports": "8080",
        "published": "8000-8001",
        "rate": "95%",
        "raw": "http://backend:8080",
        "reads": 12,
        "reason": "exited (1)",
        "replica": "workshop-backend-2",
        "replicas": "workshop-backend-4, workshop-backend-5",
        "request": "GET /api/posts",
        "requests": 60,
        "resolver": "127.0.0.11 valid=10s",
        "running": 2,
        "seconds": 60,
        "sent": 40,
        "server": "postgres",
        "service": "backend",
        "services": "api, frontend, db",
        "shadowed": "Host",
        "share": "5%",
        "source": "./data",
        "state": "exited",
        "status": 502,
        "step": "scale-down",
        "target": "8080",
        "text": "internal error",
        "timeout": "30s",
        "upstream": "backends",
        "valid": 600,
        "value": "socialapp-backend",
        "minutes": 10,
        "ttl": 600,
        "variables": "$backend_host",
        "volume": "backend-data",
        "want": 3,
        "what": "DATABASE_PATH in environment",
        "where": "frontend/nginx.conf:5",
        "origin": "/etc/nginx/conf.d/default.conf",
        "names": "localhost",
        "url": "http://backend:8080/api/",
        "uri": "/api/",
        "via": "links",
        "answer": 500,
        "cause": "rewrite ^/api/(.*)$ https://example.com/$1 permanent",
        "stop": "break",
        "stop_where": "frontend/nginx.conf:18",
        "var": "$backend_upstream",
        "literal": "http://backend:8080",
        "header": "Connection $connection_upgrade",
        "variable": "$connection_upgrade",
        "address": "127.0.0.1",
        "words": "Temporary failure resolving 'deb.debian.org'",
        "amount": "802 MiB",
        "balance": "ip_hash",
        "context": "frontend/",
        "instruction": "COPY nginx.conf /etc/nginx/conf.d/default.conf",
        "pattern": "*.conf",
        "ignore_file": "frontend/.dockerignore",
        "ignore_line": 2,
        "how": "`COPY nginx.conf /etc/nginx/sites-enabled/default.conf`",
        "file": "frontend/nginx.conf",
        "main": "/etc/nginx/nginx.conf",
        "written": "DATABASE_PATH=${DB_PATH?set DB_PATH}",
        "fallback": "/index.html",
        "number": 1,
        "named": "@api",
        "place": "location /",
        "set_where": "frontend/nginx.conf:12",
        "try_where": "frontend/nginx.conf:13",
        "said": '[emerg] "server" directive is not allowed here in /etc/nginx/nginx.conf:1',
    },
    {
        "after": "172.18.0.13",
        "backend": "api",
        "bad_reads": 1,
        "before": "172.18.0.6",
        "candidate": "app",
        "code": "N100",
        "condition": "service_completed_successfully",
        "container": "workshop-cache-1",
        "count": 5,
        "created": 5,
        "document": "docs/openapi.json",
        "error": 'frontend/nginx.conf:4: unexpected "}"',
        "failed": 1,
        "floor": 3,
        "folder": "/app/data",
        "frontend": "web",
        "headers": "Host",
        "host": "localhost",
        "limit": 5,
        "listen": 80,
        "location": "= /api/posts",
        "longest": 30,
        "lowest": 2,
        "missing": "X-Real-IP, X-Forwarded-For",
        "name": "appnet",
        "need": "80%",
        "network": "backnet",
        "networks": "appnet",
        "new": "api-3",
        "nginx": "proxy/default.conf:1",
        "ok": 17,
        "operations": "POST /api/posts",
        "outer_line": 11,
        "path": "/srv/app.db",
        "phase": "R101",
        "port": "80",
        "ports": "3000, 3001",
        "published": "9000-9002",
        "rate": "42%",
        "raw": "http://api:3000",
        "reads": 8,
        "reason": "unhealthy",
        "replica": "workshop-api-1",
        "replicas": "workshop-api-3",
        "request": "POST /api/posts",
        "requests": 30,
        "resolver": "8.8.8.8",
        "running": 1,
        "seconds": 15,
        "sent": 21,
        "server": "mysql:8",
        "service": "api",
        "services": "web, worker",
        "shadowed": "X-Real-IP, Host",
        "share": "12%",
        "source": "/home/learner/data",
        "state": "restarting",
        "status": 500,
        "step": "restart-one",
        "target": "80",
        "text": "timed out",
        "timeout": "2m",
        "upstream": "app_servers",
        "valid": 45,
        "value": "api_server",
        "minutes": 5,
        "ttl": 300,
        "variables": "$upstream",
        "volume": "db",
        "want": 5,
        "what": "command",
        "where": "nginx.conf:9",
        "image": "node:22-alpine",
        "kind": "VOLUME /data",
        "origin": "default server",
        "names": "example.com",
        "url": "http://api:3000/v1",
        "uri": "/v1",
        "via": "network_mode",
        "answer": 404,
        "cause": "return 404",
        "stop": "rewrite ^/api/(.*)$ /$1 break",
        "stop_where": "nginx.conf:7",
        "var": "$backend",
        "literal": "http://api:3000",
        "header": "Connection $connection_upgrade",
        "variable": "$connection_upgrade",
        "balance": "hash $remote_addr consistent",
        "context": "api/",
        "instruction": "ADD app.py /app/",
        "pattern": "app.py",
        "ignore_file": "api/Dockerfile.dockerignore",
        "ignore_line": 1,
        "how": "`./web/site.conf:/etc/nginx/sites-enabled/site.conf`",
        "file": "web/site.conf",
        "main": "/etc/nginx/conf.d/default.conf",
        "written": "SPRING_DATASOURCE_URL: ${JDBC_URL?}",
        "fallback": "/404.html",
        "number": 12,
        "named": "@backend",
        "place": "server",
        "set_where": "nginx.conf:3",
        "try_where": "nginx.conf:20",
        "said": "exec /docker-entrypoint.sh: no such file or directory",
        "words": "Temporary failure resolving 'deb.debian.org'",
        "amount": "802 MiB",
        "address": "127.0.0.1",
    },
]

VARIABLE = ["으로", "이라는", "라는", "이나", "은", "는", "이", "가", "을", "를", "과", "와", "로", "이었", "였"]
# a non-Hangul word written right before a particle that varies with it
PARTICLE_AFTER = re.compile(r"([^\s가-힣]+)(" + "|".join(VARIABLE) + r")(?=[\s.,:;)!?]|$|습니다)")
EITHER_FORM = re.compile(r"이\(가\)|가\(이\)|을\(를\)|를\(을\)|은\(는\)|는\(은\)|와\(과\)|과\(와\)|\(으\)로|\(이\)")
# English a Korean text may keep: nginx and Compose words, protocol and tool names
ALLOWED = set(
    [
        "API",
        "ARP",
        "Compose",
        "Connection",
        "DATABASE_PATH",
        "DNS",
        "Docker",
        "Dockerfile",
        "EXPOSE",
        "Gateway",
        "Bad",
        "Host",
        "IP",
        "JSON",
        "OpenAPI",
        "SQLite",
        "TCP",
        "TTL",
        "URL",
        "X-Forwarded-For",
        "X-Forwarded-Proto",
        "X-Real-IP",
        "command",
        "compose",
        "container_name",
        "env_file",
        "environment",
        "expose",
        "fail_timeout",
        "healthcheck",
        "healthy",
        "hostname",
        "http",
        "ip_hash",
        "listen",
        "localhost",
        "location",
        "named",
        "volume",
        "nginx",
        "proxy_pass",
        "proxy_connect_timeout",
        "proxy_http_version",
        "proxy_next_upstream",
        "proxy_set_header",
        "resolver",
        "server",
        "upstream",
        "stdout",
        "schemathesis",
        "valid",
        "v",
        "HTTP",
        "GET",
        "POST",
        "bridge",
        "driver",
        "networks",
        "ports",
        "zone",
        "resolve",
        "cat",
        "proc",
        "FILE",
        "NAME",
        "pip",
        "install",
        "include",
        "extends",
        "build",
        "UTF",
        "YAML",
        "URI",
        "server_name",
        "WebSocket",
        "Upgrade",
        "alias",
        "accept_network_alias",
        "map",
        "rewrite",
        "set",
        "break",
        "IPv",
        "UDP",
    ]
)


def messages():
    """(check code, key, kind) for every message and fix of every check, and the common ones."""
    out = []
    for spec in RUBRIC.checks:
        for key, texts in spec.texts.messages.items():
            out.append((spec, key, "message"))
            if texts.fix:
                out.append((spec, key, "fix"))
    spec = RUBRIC.checks[0]
    for key, texts in COMMON_MESSAGES.items():
        out.append((spec, key, "message"))
        if texts.fix:
            out.append((spec, key, "fix"))
    return out


def render(spec, key, kind, lang, values):
    texts = RUBRIC._texts(spec, key)
    template = (texts.fix if kind == "fix" else texts.text).get(lang)
    fields = {f for _, f, _, _ in string.Formatter().parse(template) if f}
    params = {f: values[f] for f in fields if f in values}
    if kind == "fix":
        return template, params, RUBRIC.fix(spec, key, lang, params)
    return template, params, RUBRIC.message(spec, key, lang, params)


def english_words(text: str, params: dict) -> list[str]:
    """Words of English in a Korean text outside code spans, quoted tool output, options,
    file names and paths, and the inserted values (the learner's own names)."""
    for v in sorted((str(v) for v in params.values()), key=len, reverse=True):
        text = text.replace(v, " ")
    text = re.sub(r"`[^`]*`|\"[^\"]*\"|'[^']*'|--\S+|\S*[./=:\[]\S*", " ", text)
    return [
        w
        for w in re.findall(r"[A-Za-z][A-Za-z_\-]*[A-Za-z]|[A-Za-z]", text)
        if w not in ALLOWED and not re.fullmatch(r"[A-Z]\d*|[a-z]", w)
    ]


CASES = [(spec.code, key, kind) for spec, key, kind in messages()]


@pytest.mark.parametrize("values", range(len(VALUES)))
@pytest.mark.parametrize(("code", "key", "kind"), CASES, ids=[f"{c}-{k}-{t}" for c, k, t in CASES])
def test_every_message_reads_right(code: str, key: str, kind: str, values: int) -> None:
    spec = RUBRIC.find(code)
    for lang in ("en", "ko"):
        template, params, text = render(spec, key, kind, lang, VALUES[values])
        fields = {f for _, f, _, _ in string.Formatter().parse(template) if f}
        assert fields <= set(VALUES[0]) | set(VARIABLE) | {"을/를"} or " " in "".join(fields), fields
        assert not re.search(r"\{(" + "|".join(VARIABLE) + r")\}", text), text  # every particle field filled
        if lang == "en":
            assert not re.search("[가-힣]", text), text
            continue
        assert not EITHER_FORM.search(text), text
        for m in PARTICLE_AFTER.finditer(text):
            before, form = text[: m.start(2)], m.group(2)
            assert particle(before, form) == form, f"{m.group(0)} in: {text}"
        assert not english_words(text, params), (english_words(text, params), text)


@pytest.mark.parametrize(
    ("value", "rendered"),
    [
        (
            "{v}{를}",
            {
                "8080": "8080을",
                "8080:8080": "8080:8080을",
                "80": "80을",
                "3000": "3000을",
                "8081": "8081을",
                "backend": "backend를",
                "api": "api를",
                "appnet": "appnet을",
                "volume": "volume을",
                "HTML": "HTML을",
                "DNS": "DNS를",
                "app": "app을",
                "host": "host를",
            },
        ),
        (
            "{v}{로}",
            {
                "80": "80으로",
                "8081": "8081로",
                "8087": "8087로",
                "8088": "8088로",
                "8083": "8083으로",
                "docker-compose.yml": "docker-compose.yml로",
                "backend": "backend로",
                "upstream": "upstream으로",
                "127.0.0.11": "127.0.0.11로",
                "web": "web으로",
                "502": "502로",
                "500": "500으로",
            },
        ),
        (
            "{v}{는}",
            {
                "backend": "backend는",
                "nginx": "nginx는",
                "location": "location은",
                "file": "file은",
                "proxy_connect_timeout": "proxy_connect_timeout은",
                "healthcheck": "healthcheck는",
                "서비스": "서비스는",
                "파일": "파일은",
                "8086": "8086은",
                "8082": "8082는",
            },
        ),
        ("{v}{와}", {"Host": "Host와", "X-Real-IP": "X-Real-IP와", "string": "string과", "8080": "8080과"}),
        (
            "`{v}`{가}",
            {
                "location /api/": "`location /api/`가",
                "location /api": "`location /api`가",
                "set $backend": "`set $backend`가",
            },
        ),
    ],
)
def test_particle_is_read_as_koreans_read_the_value(value: str, rendered: dict[str, str]) -> None:
    for v, want in rendered.items():
        assert fill(value, {"v": v}) == want


def test_parenthesis_after_a_word_is_skipped_and_pairs_are_named_either_way() -> None:
    assert fill('`ports: ["80:80"]` (호스트:컨테이너){를}', {}).endswith(")을")
    assert fill("{p}{을/를} {p}{을} {p}{를}", {"p": "backend"}) == "backend를 backend를 backend를"
    assert ending("") == "vowel" and fill("{{x}} {n:>3}", {"n": 5}) == "{x}   5"


def test_no_space_before_a_particle_after_code_or_a_value() -> None:
    """Korean attaches particles: "`backend`로", never "`backend` 로"."""
    bad = re.compile(r"(`|\})\s(" + "|".join(VARIABLE) + r")[\s.,]")
    for spec, key, kind in messages():
        texts = RUBRIC._texts(spec, key)
        ko = (texts.fix if kind == "fix" else texts).ko
        assert not bad.search(ko), ko


@pytest.mark.parametrize("code", [c.code for c in RUBRIC.checks])
@pytest.mark.parametrize("columns", [60, 88])
def test_explain_wraps_by_display_width(code: str, columns: int) -> None:
    for lang in ("ko", "en"):
        r = run("explain", code, "--lang", lang, env={"COLUMNS": str(columns)})
        assert r.exit_code == 0, r.output
        prose = r.output.split("\n## ")
        for section in prose:
            for line in section.splitlines():
                if line.startswith("    ") or re.fullmatch(r"[^`]*: https://\S+", line):
                    continue  # a code example is shown as written, the page's address whole
                spans = re.findall(r"`[^`]*`", line)
                if cell_len(line) > columns:  # only a code span wider than the line may be
                    assert len(spans) == 1 and cell_len(spans[0]) > columns - 20, line
                assert line.count("`") % 2 == 0, f"a code span broken across lines: {line}"


def test_explain_n102_in_korean_fits_60_columns() -> None:
    r = run("explain", "N102", "--lang", "ko", env={"COLUMNS": "60"})
    assert r.exit_code == 0 and "왜 중요한가요" in r.output
    assert max(cell_len(line) for line in r.output.splitlines() if "https://" not in line) <= 60
    assert r.output.rstrip().endswith("자세히 보기: https://workshop-grader.github.io/workshop-grader/ko/checks/n102/")
    assert "15점" in r.output


# --- what the command prints, in Korean -------------------------------------------------


def korean_line_english(line: str) -> list[str]:
    """English words left in a Korean stderr line, outside file names, quoted values and the
    allowed words; the line's own `grader:` prefix and the place are not prose."""
    text = re.sub(r"^grader: (\S+:\d+: |\S+: )?", "", line)
    return english_words(text, {"service": "backend"})  # the learner's service name is a value


BAD_INPUTS = {
    "broken YAML": ("docker-compose.yml", "services:\n  backend:\n    image: [x\n"),
    "duplicate key": ("docker-compose.yml", "services:\n  backend:\n    image: a\n    image: b\n"),
    "not UTF-8": ("docker-compose.yml", b"services:\n  backend:\n    image: caf\xe9\n"),
    "empty": ("docker-compose.yml", ""),
    "include loop": ("frontend/nginx.conf", "include nginx.conf;\n"),
    "env_file outside": ("docker-compose.yml", "services:\n  backend:\n    image: a\n    env_file: ../../secret.env\n"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_input_errors_on_stderr_are_korean(ws, case: str) -> None:
    name, content = BAD_INPUTS[case]
    f = ws / name
    f.write_bytes(content) if isinstance(content, bytes) else f.write_text(content)
    r = run("check", str(ws), "--lang", "ko")
    lines = [line for line in r.stderr.splitlines() if line.startswith("grader:")]
    assert lines, r.output
    for line in lines:
        assert re.search("[가-힣]", line), line
        assert not korean_line_english(line), (korean_line_english(line), line)
    en = run("check", str(ws), "--lang", "en")
    assert not re.search("[가-힣]", en.stderr), en.stderr


def test_missing_folder_and_unknown_check_are_korean(tmp_path) -> None:
    r = run("check", str(tmp_path / "nope"), "--lang", "ko")
    assert r.exit_code == 2 and "제출물 폴더가 없습니다." in r.stderr
    r = run("explain", "X999", env={"LANG": "ko_KR.UTF-8"})
    assert r.exit_code == 2 and "'X999' 검사가 없습니다" in r.stderr and "no check" not in r.stderr


def test_error_inside_a_korean_report_is_korean(ws) -> None:
    (ws / "docker-compose.yml").write_text("services:\n  backend:\n    image: [x\n")
    r = run(
        "check",
        str(ws),
        "--lang",
        "ko",
        "--format",
        "classroom50",
        env={
            "CLASSROOM": "c",
            "ASSIGNMENT": "a",
            "SUBMISSION_TAG": "submit/1",
            "COMMIT_URL": "u",
            "RELEASE_URL": "u",
            "REVIEW_URL": "u",
            "OWNER": "o",
        },
    )
    import json

    # the very regression this test is for: a Korean result that is not JSON fails, never skips
    assert r.exit_code == 0 and r.stdout.strip().startswith("{"), (r.exit_code, r.output[-2000:])
    doc = json.loads(r.stdout)
    messages = [t.get("message", "") for t in doc.get("tests", [])]
    assert any("YAML 문법 오류" in m for m in messages), messages


def test_list_says_required_and_advisory_in_korean_aligned() -> None:
    r = run("list", "--lang", "ko")
    lines = r.output.splitlines()
    assert all("required" not in line and "advisory" not in line for line in lines)
    assert any("  필수  " in line for line in lines) and any("  권장  " in line for line in lines)
    # the titles start at the same column on every line
    starts = {cell_len(line[: line.index("  ", 60) + 2]) for line in lines if line.strip()}
    assert len(starts) == 1, starts


@pytest.mark.parametrize("env,args", [({"LANG": "ko_KR.UTF-8"}, []), ({"LANG": "C.UTF-8"}, ["--lang", "ko"])])
def test_help_in_korean(env, args) -> None:
    import subprocess
    import sys

    from conftest import REPO as ROOT

    if not args:  # the group has no --lang: its own help follows LANG
        out = subprocess.run(
            [sys.executable, "-m", "grader", "--help"],
            capture_output=True,
            text=True,
            env={**env, "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
            timeout=60,
        )
        assert "학습자의 Docker 워크숍 단계를 채점합니다" in out.stdout and "Grade a learner" not in out.stdout
    check = subprocess.run(
        [sys.executable, "-m", "grader", "check", *args, "--help"],
        capture_output=True,
        text=True,
        env={**env, "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    assert "제출물을 채점합니다" in check.stdout and "보고서 언어" in check.stdout


def test_no_either_form_or_advisory_word_mix_in_the_code() -> None:
    """One word for advisory (권장, docs/glossary.ko.md) and no 이(가) forms anywhere."""
    from conftest import REPO as ROOT

    for path in [*(ROOT / "grader").rglob("*.py"), *(ROOT / "rubrics").glob("*.yaml")]:
        text = path.read_text("utf-8")
        assert "권고" not in text, path
        assert not EITHER_FORM.search(text), path


def test_korean_texts_follow_the_glossary() -> None:
    """docs/glossary.ko.md names one word per idea and the words not to use; no Korean text of
    the checks or the grader uses one of those."""
    from conftest import REPO

    avoid = set()
    for row in (REPO / "docs" / "glossary.ko.md").read_text("utf-8").splitlines():
        cells = [c.strip() for c in row.strip("|").split("|")]
        if len(cells) == 4 and re.search("[가-힣]", cells[2]):
            avoid |= {w.strip() for w in re.split(r"[,/]", cells[2]) if re.search("[가-힣]", w)}
    assert {"권고", "레플리카", "런타임 검사"} <= avoid
    texts = []
    for spec, key, kind in messages():
        t = RUBRIC._texts(spec, key)
        texts.append((t.fix if kind == "fix" else t).ko)
    for spec in RUBRIC.checks:
        texts += [spec.text(f, "ko") for f in ("title", "why", "fix")]
    # grader/i18n/ko.py is left out: it spells words as they are read (healthcheck 헬스체크)
    for path in [
        REPO / "grader" / "i18n" / "cli_text.py",
        *(REPO / "grader" / "report").glob("*.py"),
        REPO / "grader" / "cli.py",
    ]:
        texts.append(path.read_text("utf-8"))
    for text in texts:
        used = [w for w in avoid if w in text]
        assert not used, (used, text[:200])


@pytest.mark.parametrize("fmt", ["text", "markdown", "github"])
def test_korean_reports_have_no_english_prose(tmp_path, monkeypatch, fmt: str) -> None:
    """The formats a learner reads, in Korean, for a failing and a blocked submission: labels,
    messages and fixes are Korean; what is left in English is code, file names and the
    nginx/Compose words of the allow-list."""
    from test_formats import make_cases

    make_cases(tmp_path)
    monkeypatch.chdir(tmp_path)
    for case in ("bad", "blocked"):
        r = run("check", case, "--format", fmt, "--lang", "ko", "--no-color", env={"LANG": "C.UTF-8"})
        assert r.exit_code == 1, r.output
        text = r.stdout
        if fmt == "github":  # workflow commands: keep the message part of each
            text = "\n".join(
                re.sub(r"^::\w+[^:]*::", "", line)
                for line in text.splitlines()
                if not re.match(r"^::(stop-commands|[0-9a-f]{32})", line)
            )
        assert not EITHER_FORM.search(text), text
        left = english_words(
            text,
            {
                "submission": case,
                "service": "backend",
                "other": "socialapp-backend",
                "frontend": "frontend",
                "api": "api",
            },
        )  # the learner's names are values
        assert not left, (left, text)


def test_check_texts_are_plain_text() -> None:
    """Titles, why and the check's fix are shown as written (no values go into them), so a
    particle field there would reach the learner as "{를}"; and no space comes before a
    particle after code there either."""
    bad_space = re.compile(r"`\s(" + "|".join(VARIABLE) + r")[\s.,]")
    for spec in RUBRIC.checks:
        for field in ("title", "why", "fix"):
            for lang in ("en", "ko"):
                text = spec.text(field, lang)
                assert not re.search(r"\{(" + "|".join(VARIABLE) + r")\}", text), (spec.code, field, text)
                assert not EITHER_FORM.search(text), text
            ko = " ".join(spec.text(field, "ko").split())
            assert not bad_space.search(ko), (spec.code, field, ko)
            for m in PARTICLE_AFTER.finditer(ko):
                assert particle(ko[: m.start(2)], m.group(2)) == m.group(2), (m.group(0), ko)


def _error_samples():
    """Every input error the grader raises, and every error or warning note (both are lines on
    stderr), with a literal message, as (file, line, message) with each value a sample."""
    import ast

    from conftest import REPO

    def sample(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.JoinedStr):
            return "".join(
                v.value if isinstance(v, ast.Constant) else ("'x1'" if v.conversion == ord("r") else "x1")
                for v in node.values
            )
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            a, b = sample(node.left), sample(node.right)
            return None if a is None or b is None else a + b
        return sample(node.orelse) if isinstance(node, ast.IfExp) else None

    names = {"InputError", "OutsideRootError", "RubricError", "RuntimeSetupError"}
    out = []
    for path in sorted((REPO / "grader").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            message = None
            if name in names:
                message = sample(node.args[0])
            elif name == "Note" and len(node.args) > 1 and getattr(node.args[0], "value", None) in ("error", "warning"):
                message = sample(node.args[1])  # a note of these levels is a line on stderr
            elif name == "refuse_project":  # what Compose refuses in a merged project
                message = sample(node.args[0])
            elif name == "refuse":
                message = "nginx refuses to start: " + (sample(node.args[0]) or "x1")
            if message:
                out.append((path.relative_to(REPO).as_posix(), node.lineno, message))
    return out


def test_every_input_error_has_a_korean_text() -> None:
    """A new error raised in English without a Korean text fails here, naming it."""
    from grader.i18n.cli_text import localize_error

    samples = _error_samples()
    assert len(samples) > 60
    missing = [(f, n, m) for f, n, m in samples if localize_error(m, "ko") == m]
    # two whose sample value cannot fit the pattern (an option name, a quote character)
    assert {m for _, _, m in missing} <= {
        "x1 x1: the file must be inside the submission folder x1",
        "value of x1 opens a x1 quote that is never closed",
    }, missing
    assert (
        localize_error("--nginx ../x.conf: the file must be inside the submission folder /w", "ko")
        == "--nginx ../x.conf: 파일이 제출물 폴더(/w) 안에 있어야 합니다."
    )
    assert (
        localize_error('value of DB opens a " quote that is never closed', "ko")
        == 'DB의 값에서 연 " 따옴표가 닫히지 않았습니다.'
    )
    for _, _, message in samples:
        ko = localize_error(message, "ko")
        assert not EITHER_FORM.search(ko), ko
        if ko != message:
            assert re.search("[가-힣]", ko), ko


def test_clean_speaks_korean(monkeypatch) -> None:
    import grader.runtime.engine as engine

    monkeypatch.setattr(engine, "connect", lambda: None)
    monkeypatch.setattr(
        engine,
        "sweep",
        lambda client, **kw: {"containers": ["gr-backend-1"], "networks": ["gr_appnet"], "volumes": [], "images": []},
    )
    r = run("clean", env={"LANG": "ko_KR.UTF-8"})
    assert r.output.splitlines() == [
        "컨테이너 gr-backend-1을 지웠습니다.",
        "네트워크 gr_appnet을 지웠습니다.",
        "남아 있던 2개를 지웠습니다.",
    ], r.output
    r = run("clean", env={"LANG": "C.UTF-8"})
    assert r.output.splitlines() == [
        "removed container gr-backend-1",
        "removed network gr_appnet",
        "2 left-over object(s) removed",
    ], r.output
