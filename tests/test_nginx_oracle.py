"""The real nginx is the oracle: our "nginx accepts this" against `nginx -t` of the nginx:1.30 image.

Every nginx config the tests and the shared data use, and well over 1,000 variants made from them
(a `;` dropped, a brace dropped or added, a directive moved into a block where it is not allowed,
an argument dropped or added, upstream `resolve` with and without `zone` and a resolver, template
variables left for nginx), are checked by one container running `nginx -t` on each in turn, and by
the grader's parser (parse_nginx over the same files placed as the image places them). The two
verdicts must be equal on every case. A case they once disagreed on is kept in tests/nginx_oracle/.
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import SHARED, WORKSHOP, shared_path

from grader.errors import InputError
from grader.nginx.parse import DEFAULT_CONF, MAIN, ConfigSource, image_text, parse_nginx
from grader.submission.reader import SubmissionRoot

pytestmark = pytest.mark.oracle

IMAGE = "nginx:1.30"
LABEL = "org.workshop-grader.test=1"
HERE = Path(__file__).resolve().parent
KEPT = HERE / "nginx_oracle"
MAIN_RE = re.compile(r"(?m)^\s*(?:http|events)\s*\{")


@dataclass
class Case:
    name: str
    text: str
    main: bool  # the file is /etc/nginx/nginx.conf; else conf.d/app.conf inside the image's http
    keep_default: bool = False  # the image's conf.d/default.conf stays beside it


def case_of(name: str, text: str, keep_default: bool = False) -> Case:
    return Case(name, text, bool(MAIN_RE.search(text)), keep_default)


# -- the configs the tests use ---------------------------------------------------------------
def base_configs() -> list[Case]:
    out = [case_of("workshop", (WORKSHOP / "frontend" / "nginx.conf").read_text(encoding="utf-8"))]
    shared_path()  # the shared data, or the test is skipped (failed in CI) saying so
    for root in (SHARED / "corpus" / "dev", SHARED / "reference", SHARED / "seed", HERE / "golden"):
        for p in sorted(root.rglob("*")):
            if p.is_file() and (p.suffix == ".conf" or p.name.endswith(".conf.template")):
                try:
                    text = p.read_text(encoding="utf-8-sig")
                except UnicodeDecodeError:
                    continue
                out.append(case_of(str(p.relative_to(root.parent)), text))
    from test_models import LOCS  # the unit tests' own configs
    from test_mutations import MUTATIONS  # the workshop with one learner mistake each

    out.append(case_of("test_models.LOCS", LOCS))
    original = (WORKSHOP / "frontend" / "nginx.conf").read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="grader-oracle-") as tmp:
        for k, (mutate, _) in enumerate(MUTATIONS):
            ws = Path(tmp) / str(k)
            shutil.copytree(WORKSHOP, ws)
            mutate(ws)
            for p in sorted((ws / "frontend").rglob("*.conf*")):
                text = p.read_text(encoding="utf-8-sig")
                if text != original:
                    out.append(case_of(f"test_mutations.{mutate.__name__}/{p.name}", text))
    for p in sorted(KEPT.glob("*.conf")) if KEPT.exists() else []:
        text = p.read_text(encoding="utf-8")
        out.append(case_of(f"kept/{p.name}", text, keep_default=p.name.startswith("default-kept")))
    return out


# -- variants ----------------------------------------------------------------------------------
DIRECTIVE_LINE = re.compile(r"^(\s*)([a-z_0-9]+)((?:\s+[^;{}#]+?)?);\s*(#.*)?$")
MOVABLE = [
    "proxy_pass http://backend:8080;",
    "listen 80;",
    "server_name localhost;",
    "resolver 127.0.0.11;",
    "proxy_set_header Host $host;",
    "try_files $uri /index.html;",
    "zone pool 64k;",
    "worker_connections 1024;",
    "location /x { return 204; }",
    "upstream u { server backend:8080; }",
    "server { listen 8081; }",
    "events { }",
    "root /usr/share/nginx/html;",
    "proxy_http_version 1.1;",
    "keepalive 16;",
    "set $a 1;",
    "sendfile on;",
    "gzip on;",
    "return 204;",
]


def _lines(text: str) -> list[str]:
    return text.split("\n")


def dropped_semicolons(text: str) -> list[str]:
    lines = _lines(text)
    out = []
    for i, line in enumerate(lines):
        code = line.split("#", 1)[0]
        if code.rstrip().endswith(";"):
            j = line.rindex(";", 0, len(code))
            out.append("\n".join(lines[:i] + [line[:j] + line[j + 1 :]] + lines[i + 1 :]))
    return out


def brace_changes(text: str) -> list[str]:
    lines = _lines(text)
    out = []
    for i, line in enumerate(lines):
        code = line.split("#", 1)[0]
        for ch in "{}":
            if ch in code:
                j = code.rindex(ch)
                out.append("\n".join(lines[:i] + [line[:j] + line[j + 1 :]] + lines[i + 1 :]))
        if code.strip().endswith("}"):
            out.append("\n".join(lines[: i + 1] + ["}"] + lines[i + 1 :]))
    return out


def argument_changes(text: str) -> list[str]:
    lines = _lines(text)
    out = []
    for i, line in enumerate(lines):
        m = DIRECTIVE_LINE.match(line)
        if not m:
            continue
        indent, name, args = m.group(1), m.group(2), m.group(3).split()
        for new in (args[:-1], args + ["extra"], args + args[-1:], []):
            if new != args:
                out.append(
                    "\n".join(lines[:i] + [f"{indent}{name} {' '.join(new)};".replace(" ;", ";")] + lines[i + 1 :])
                )
    return out


def context_moves(text: str, rng: random.Random, n: int) -> list[str]:
    lines = _lines(text)
    opens = [i for i, line in enumerate(lines) if line.split("#", 1)[0].rstrip().endswith("{")]
    own = [m.group(0).strip() for line in lines if (m := DIRECTIVE_LINE.match(line))]
    pool = own + MOVABLE
    out = []
    for _ in range(n):
        d = rng.choice(pool)
        at = rng.choice(opens + [-1])
        out.append("\n".join(lines[: at + 1] + ["    " + d] + lines[at + 1 :]))
    return out


UPSTREAM_SITE = """{upstream_block}
server {{
    listen 80;
{server_resolver}
    location /api/ {{
        proxy_pass http://pool;
    }}
}}
"""


def resolve_variants() -> list[str]:
    out = []
    for zone in ("", "zone pool 64k;", "zone pool;"):
        for where in ("none", "http", "upstream", "server"):
            for resolve in (True, False):
                for keepalive in ("", "keepalive 8;"):
                    body = " ".join(
                        x
                        for x in (
                            zone,
                            "resolver 127.0.0.11 valid=10s;" if where == "upstream" else "",
                            f"server backend:8080{' resolve' if resolve else ''};",
                            keepalive,
                        )
                        if x
                    )
                    block = ("resolver 127.0.0.11;\n" if where == "http" else "") + f"upstream pool {{ {body} }}"
                    out.append(
                        UPSTREAM_SITE.format(
                            upstream_block=block,
                            server_resolver=("    resolver 127.0.0.11;" if where == "server" else ""),
                        )
                    )
    # a variable proxy_pass, with and without a URI, a resolver, an unknown variable
    for value in (
        "http://backend:8080",
        "http://backend:8080/api/",
        "http://$BACKEND_HOST:8080",
        "http://${backend_host}:8080",
        "http://$host:8080",
    ):
        for resolver in ("", "resolver 127.0.0.11;"):
            out.append(
                f"server {{\n  listen 80;\n  {resolver}\n  location /api/ {{\n    set $u {value};\n"
                f"    proxy_pass $u;\n  }}\n}}\n"
            )
    return out


def variants(bases: list[Case], rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for base in bases:
        if base.name.startswith("test_mutations."):
            continue  # the workshop with one edit: its variants are the workshop's
        made = dropped_semicolons(base.text) + brace_changes(base.text) + argument_changes(base.text)
        made += context_moves(base.text, rng, 12)
        for k, text in enumerate(made):
            out.append(Case(f"{base.name}~{k}", text, base.main))
    for k, text in enumerate(resolve_variants()):
        out.append(Case(f"resolve~{k}", text, False))
        out.append(Case(f"resolve-default-kept~{k}", text, False, keep_default=True))
    return out


# -- our verdict -------------------------------------------------------------------------------
def ours(case: Case, folder: Path) -> str | None:
    """None when the grader says nginx accepts the config; else its reason."""
    folder.mkdir(parents=True)
    name = "nginx.conf" if case.main else "app.conf"
    (folder / name).write_text(case.text, encoding="utf-8")
    if case.main:
        source = ConfigSource(files={MAIN: name}, image=set())
    else:
        source = ConfigSource(
            files={"/etc/nginx/conf.d/app.conf": name}, image={MAIN, DEFAULT_CONF} if case.keep_default else {MAIN}
        )
    try:
        cfg = parse_nginx(SubmissionRoot(folder), source)
    except InputError as e:
        return str(e)
    errors = [n.message for n in cfg.notes if n.level == "error"]
    return "; ".join(errors) or None


# -- nginx's verdict ---------------------------------------------------------------------------
HOST_RE = re.compile(r"^(?:https?://)?([A-Za-z_][A-Za-z0-9_.-]*)(?::\d+)?(?:/.*)?$")


def hosts_of(cases: list[Case]) -> set[str]:
    found: set[str] = set()
    for c in cases:
        for m in re.finditer(r"(?:proxy_pass|server|set\s+\$\w+)\s+([^\s;{}]+)", c.text):
            h = HOST_RE.match(m.group(1).strip("'\""))
            if h and "$" not in m.group(1) and h.group(1) not in ("localhost",) and "." not in h.group(1):
                found.add(h.group(1))
    return found


CERT_RE = re.compile(r"ssl_(?:certificate|certificate_key|trusted_certificate|client_certificate)\s+([^\s;]+)")


def nginx_verdicts(cases: list[Case], work: Path) -> dict[str, str | None]:
    docker = shutil.which("docker")
    if docker is None or subprocess.run([docker, "image", "inspect", IMAGE], capture_output=True).returncode:
        pytest.fail(f"the oracle needs Docker and the local {IMAGE} image")
    root = work / "cases"
    root.mkdir()
    image_main = image_text(MAIN)
    for i, c in enumerate(cases):
        d = root / str(i)
        d.mkdir()
        if c.main:
            (d / "main.conf").write_text(c.text, encoding="utf-8")
        else:
            (d / "conf.d").mkdir()
            (d / "conf.d" / "app.conf").write_text(c.text, encoding="utf-8")
            if c.keep_default:
                (d / "conf.d" / "default.conf").write_text(image_text(DEFAULT_CONF), encoding="utf-8")
            (d / "main.conf").write_text(
                image_main.replace("include /etc/nginx/conf.d/*.conf;", f"include /cases/{i}/conf.d/*.conf;"),
                encoding="utf-8",
            )
    certs = sorted({m.group(1) for c in cases for m in CERT_RE.finditer(c.text) if "$" not in m.group(1)})
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=t",
            "-keyout",
            str(work / "key.pem"),
            "-out",
            str(work / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )
    # As in the official image: no conf.d/default.conf unless the case keeps it, and a user `nginx`.
    setup = [
        "rm -f /etc/nginx/conf.d/default.conf",
        "echo 'nginx:x:101:101:nginx:/nonexistent:/usr/sbin/nologin' >> /etc/passwd",
        "echo 'nginx:x:101:' >> /etc/group",
    ]
    for path in certs:
        src = "/work/key.pem" if "key" in path.rsplit("/", 1)[-1] else "/work/cert.pem"
        setup.append(f"mkdir -p '{Path(path).parent}' && cp {src} '{path}'")
    script = "; ".join(setup) + (
        '; for i in $(ls /cases | sort -n); do echo "@@@ $i"; nginx -t -q -c /cases/$i/main.conf 2>&1;'
        ' echo "@@@ rc=$?"; done'
    )
    name = f"grader-oracle-{uuid.uuid4().hex[:8]}"
    cmd = [
        docker,
        "run",
        "--rm",
        "--name",
        name,
        "--label",
        LABEL,
        "--network",
        "none",
        "-v",
        f"{root}:/cases:ro",
        "-v",
        f"{work / 'cert.pem'}:/work/cert.pem:ro",
        "-v",
        f"{work / 'key.pem'}:/work/key.pem:ro",
        "--entrypoint",
        "sh",
    ]
    for h in sorted(hosts_of(cases)):
        cmd += ["--add-host", f"{h}:127.0.0.1"]
    try:
        run = subprocess.run(cmd + [IMAGE, "-c", script], capture_output=True, text=True, timeout=900)
    finally:
        subprocess.run([docker, "rm", "-f", name], capture_output=True)
    verdicts: dict[str, str | None] = {}
    for m in re.finditer(r"@@@ (\d+)\n(.*?)@@@ rc=(\d+)", run.stdout, re.S):
        out = m.group(2)
        msg = " ".join(line.split("[emerg] ", 1)[-1] for line in out.splitlines() if "[emerg]" in line) or out.strip()
        verdicts[cases[int(m.group(1))].name] = None if m.group(3) == "0" else msg
    assert len(verdicts) == len(cases), run.stderr[-2000:]
    return verdicts


def all_cases() -> list[Case]:
    bases = base_configs()
    return bases + variants(bases, random.Random(20240601))


def test_grader_agrees_with_nginx_on_every_config(tmp_path: Path) -> None:
    cases = all_cases()
    theirs = nginx_verdicts(cases, tmp_path)
    differ = []
    for i, c in enumerate(cases):
        mine = ours(c, tmp_path / "ours" / str(i))
        if (mine is None) != (theirs[c.name] is None):
            differ.append(
                f"{c.name}: grader {'accepts' if mine is None else 'refuses (' + mine + ')'}, "
                f"nginx {'accepts' if theirs[c.name] is None else 'refuses (' + theirs[c.name] + ')'}"
            )
    refused = sum(1 for v in theirs.values() if v is not None)
    print(
        f"\nnginx oracle: {len(cases)} configs compared ({len(base_configs())} from the tests and shared data, "
        f"{len(cases) - len(base_configs())} variants; nginx refuses {refused}), {len(differ)} differ"
    )
    for d in differ:
        print("  differs:", d)
    assert len(cases) - len(base_configs()) >= 1000
    assert not differ
