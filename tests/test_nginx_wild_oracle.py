"""The real nginx is the oracle for real public configs: the grader's "nginx accepts this" against
`nginx -t` of the nginx:1.30 image, on every entry of the shared wild corpus
(shared/corpus/wild/nginx/, read in place at test time; nothing of it is copied into the repository).

Each entry's files are placed where its repository puts them (SOURCE.txt's "where the repo puts
them" lines, when they land in the nginx image's /etc/nginx), else where nginx would load them: a
main file at /etc/nginx/nginx.conf, an http-context file at /etc/nginx/conf.d/<name>.conf (a
`templates/X.template` at /etc/nginx/templates/X.template, rendered by the image's entrypoint into
conf.d/X with envsubst of the image's own environment only), an include target where an include
of the entry names it, else beside the primary file; a server-context snippet is included from a
`server` of a generated conf.d file. Both sides then see the same container: the grader through
ConfigSource (the image's default.conf kept unless a file or template replaces it), nginx in one
container that runs `nginx -t` on every entry in turn, given what a learner's stack provides and
the grader takes to exist (the stack's host names, certificates, log folders, certbot's includes).
"""

from __future__ import annotations

import fnmatch
import ipaddress
import os
import posixpath
import re
import shutil
import subprocess
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import shared_path

from grader.errors import InputError
from grader.nginx.parse import DEFAULT_CONF, MAIN, MOUNTED, ConfigSource, parse_nginx
from grader.submission.reader import SubmissionRoot

pytestmark = pytest.mark.oracle

IMAGE = "nginx:1.30"
LABEL = "org.workshop-grader.test=1"
ETC = "/etc/nginx"
CONFD = f"{ETC}/conf.d"
TEMPLATES = f"{ETC}/templates"
WRAPPER = "zz-wild-oracle-wrapper.conf"  # the generated file that includes a server-context snippet
# What the official image's /etc/nginx holds; a stand-in built from Debian's package ships more
# (snippets/, sites-*/, proxy_params, fastcgi.conf, koi-*), which the container drops first.
OFFICIAL_ETC = ("conf.d", "fastcgi_params", "mime.types", "modules", "nginx.conf", "scgi_params", "uwsgi_params")
# The official image's environment (its ENV lines and what `docker run` sets): the entrypoint's
# envsubst replaces only these names; every other $name stays for nginx.
OFFICIAL_ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "HOME": "/root",
    "HOSTNAME": "0123456789ab",
    "NGINX_VERSION": "1.30.6",
    "NJS_VERSION": "0.9.4",
    "NJS_RELEASE": "1",
    "PKG_RELEASE": "1",
    "DYNPKG_RELEASE": "1",
}
ENVSUBST_RE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
# Where other nginx builds keep what the image keeps in /etc/nginx (OpenResty, source builds).
NGINX_HOMES = ("/usr/local/openresty/nginx/conf", "/usr/local/nginx/conf", "/opt/nginx/conf")
IMAGE_DIRS = {ETC, CONFD, TEMPLATES}
MAP_RE = re.compile(r"^  (.+?) -> (.*?)  \[(.*)\]\s*$")
INCLUDE_RE = re.compile(r"(?:^|[;{}])\s*include\s+(\"[^\"]+\"|'[^']+'|[^\s;]+)\s*;", re.M)
# Features the official image has built in or ships as modules. A probe config per feature is
# run first: the stand-in must have each (scripts/setup-runtime.sh), except file AIO, which the
# official build has (--with-file-aio) and Debian's nginx does not; entries that use it are not
# compared (the grader answers as the official image does: accepted).
UNMATCHABLE = {"file AIO"}
FEATURES = {
    "stream": (re.compile(r"(?m)^\s*stream\s*\{"), "events {}\nstream {}\n"),
    "mail": (re.compile(r"(?m)^\s*mail\s*\{"), "events {}\nmail {}\n"),
    "its dynamic modules": (
        re.compile(
            r"(?m)^\s*load_module\s+[\"']?(?:modules|/etc/nginx/modules|"
            r"/usr/lib/nginx/modules)/ngx_(?:http|stream)_"
            r"(?:js|geoip|image_filter|xslt_filter)_module\.so"
        ),
        "load_module modules/ngx_http_js_module.so;\nevents {}\n",
    ),
    "file AIO": (re.compile(r"(?m)^\s*aio\s+on\s*;"), "events {}\nhttp { aio on; }\n"),
}


@dataclass
class Case:
    name: str  # the entry's folder
    kind: str  # INDEX.tsv's kind
    folder: Path  # the entry in the corpus
    placed: dict[str, str] = field(default_factory=dict)  # container path -> entry-relative path
    wrapper: str | None = None  # text of conf.d/WRAPPER, which includes a server-context primary
    rendered: dict[str, str] = field(default_factory=dict)  # conf.d path -> rendered template text
    keep_default: bool = True  # the image's conf.d/default.conf stays
    needs: set[str] = field(default_factory=set)  # FEATURES the files use

    def texts(self) -> list[str]:
        out = [read_text(self.folder / rel) for rel in self.placed.values()] + list(self.rendered.values())
        return out + ([self.wrapper] if self.wrapper else [])


def read_text(p: Path) -> str:
    return p.read_bytes().decode("utf-8", errors="replace")


def envsubst(text: str) -> str:
    return ENVSUBST_RE.sub(lambda m: OFFICIAL_ENV.get(m.group(1) or m.group(2), m.group(0)), text)


def glob_match(path: str, pattern: str) -> bool:
    return path.count("/") == pattern.count("/") and fnmatch.fnmatchcase(path, pattern)


def container_path(arg: str) -> str:
    arg = arg.strip("'\"")
    return posixpath.normpath(arg if arg.startswith("/") else posixpath.join(ETC, arg))


def rendered_path(cpath: str) -> str | None:
    if cpath.startswith(TEMPLATES + "/") and cpath.endswith(".template"):
        return f"{CONFD}/{cpath[len(TEMPLATES) + 1 : -len('.template')]}"
    return None


# -- where the repository puts the files --------------------------------------------------------
def mappings(source: str) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    inside = False
    for line in source.splitlines():
        if line.startswith("where the repo puts them"):
            inside = True
            continue
        if inside and not line.startswith("  "):
            inside = False
        if inside and (m := MAP_RE.match(line)):
            out.setdefault(m.group(1), []).append((m.group(2), m.group(3)))
    return out


def mapped_target(rel: str, dst: str, note: str) -> str | None:
    """The container path a mount or COPY gives the file in the nginx image, or None when it
    lands elsewhere (another service, a path with a build variable)."""
    if "$" in dst or not dst.startswith("/"):
        return None
    path = posixpath.normpath(dst)
    for home in NGINX_HOMES:
        if path == home or path.startswith(home + "/"):
            path = ETC + path[len(home) :]
    # COPY into a folder (`COPY nginx.conf /etc/nginx/conf.d`, a trailing slash) keeps the name;
    # a bind mount's trailing slash is dropped by Docker.
    if path in IMAGE_DIRS or (dst.endswith("/") and "bind-mounted" not in note):
        path = posixpath.join(path, posixpath.basename(rel))
    if path.startswith(ETC + "/") or path.startswith(MOUNTED):
        return path
    return None


def services(note: str) -> list[str]:
    return re.findall(r"service ([\w.-]+)", note)


def include_patterns(texts: list[str]) -> list[str]:
    return [container_path(m.group(1)) for t in texts for m in INCLUDE_RE.finditer(t) if "$" not in m.group(1)]


def include_directed(rel: str, patterns: list[str]) -> str | None:
    """The container path an include of the entry names for this file: the include whose
    pattern matches the longest tail of the file's repository path."""
    names = [rel]
    if rel.endswith(".template"):
        names.append(rel[: -len(".template")])
    best: tuple[int, str] | None = None
    for name in names:
        relc = name.split("/")
        for pat in patterns:
            pc = pat.strip("/").split("/")
            k = 0
            while k < min(len(pc), len(relc)) and fnmatch.fnmatchcase(relc[-1 - k], pc[-1 - k]):
                k += 1
            if k and (best is None or k > best[0]):
                path = "/" + "/".join(pc[: len(pc) - k] + relc[len(relc) - k :])
                if name != rel:  # the include names the rendered file: the template goes to templates/
                    if not path.startswith(CONFD + "/"):
                        continue
                    path = TEMPLATES + path[len(CONFD) :] + ".template"
                best = (k, path)
    return best[1] if best else None


def default_place(rel: str, kind: str, patterns: list[str]) -> str:
    base = posixpath.basename(rel)
    if kind == "main":
        return MAIN
    parts = rel.split("/")
    if "templates" in parts[:-1] and base.endswith(".template"):  # a templates/ folder mounted as the image's
        place = TEMPLATES + "/" + "/".join(parts[len(parts) - parts[::-1].index("templates") :])
        return place if loaded(place, patterns) else f"{TEMPLATES}/{base}"
    base = base.removesuffix(".template")
    return f"{CONFD}/{base if base.endswith('.conf') else base + '.conf'}"


def loaded(path: str, patterns: list[str]) -> bool:
    path = rendered_path(path) or path
    return path == MAIN or glob_match(path, f"{CONFD}/*.conf") or any(glob_match(path, p) for p in patterns)


def build_case(folder: Path, primary: str, kind: str) -> Case:
    case = Case(folder.name, kind, folder)
    rels = sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p.relative_to(folder).as_posix() != "SOURCE.txt"
    )
    maps = mappings((folder / "SOURCE.txt").read_text(encoding="utf-8"))
    targets = {
        rel: [(t, services(note)) for dst, note in maps.get(rel, []) if (t := mapped_target(rel, dst, note))]
        for rel in rels
    }
    others = [rel for rel in rels if rel != primary]
    patterns = include_patterns([read_text(folder / rel) for rel in others])
    snippet = kind in ("server-context", "directives")
    # the primary file: where the repository puts it when nginx loads it there, else where it would
    place, stack = next(((t, svc) for t, svc in targets[primary] if loaded(t, patterns)), (None, []))
    if place is None and snippet:
        place, stack = next(iter(targets[primary]), (f"{ETC}/wild-snippets/{posixpath.basename(primary)}", []))
        if glob_match(place, f"{CONFD}/*.conf"):
            place = f"{ETC}/wild-snippets/{posixpath.basename(primary)}"
        inner = f"include {place};"
        if kind == "directives" and "location" in posixpath.basename(primary):
            inner = f"location / {{ {inner} }}"
        case.wrapper = f"server {{\n    listen 8080;\n    {inner}\n}}\n"
    elif place is None:
        place = default_place(primary, kind, patterns)
    case.placed[place] = primary
    stack = stack[:1]  # the first service that mounts the primary file: the others' files follow it
    all_patterns = include_patterns([read_text(folder / rel) for rel in rels])
    pdir_repo, pdir_container = posixpath.dirname(primary), posixpath.dirname(place)
    for rel in others:
        # the service the primary file was placed for first (a repository may mount one file in several)
        mine = sorted(targets[rel], key=lambda ts: (ts[0] in case.placed, not set(ts[1]) & set(stack)))
        where = (mine[0][0] if mine else None) or include_directed(rel, all_patterns)
        if where is None:
            inner = posixpath.relpath(rel, pdir_repo or ".")
            where = posixpath.join(pdir_container, inner if not inner.startswith("..") else posixpath.basename(rel))
        case.placed.setdefault(where, rel)
    for cpath, rel in case.placed.items():
        if (out := rendered_path(cpath)) is not None:
            case.rendered[out] = envsubst(read_text(folder / rel))
    case.keep_default = DEFAULT_CONF not in case.placed and DEFAULT_CONF not in case.rendered
    texts = case.texts()
    case.needs = {name for name, (rx, _) in FEATURES.items() if any(rx.search(t) for t in texts)}
    return case


def wild_cases() -> list[Case]:
    root = shared_path("corpus", "wild", "nginx")
    cases = []
    for line in (root.parent / "INDEX.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        cols = line.split("\t")
        if len(cols) < 4 or not cols[0].startswith("nginx/"):
            continue
        cases.append(build_case(root / cols[0].split("/", 1)[1], cols[2], cols[3]))
    return cases


# -- our verdict -------------------------------------------------------------------------------
def ours(case: Case, tmp: Path) -> tuple[str, str | None]:
    """("ok", None) when the grader says nginx accepts the config, ("refuses", why), or
    ("crash", what) when the grader itself failed."""
    files = dict(case.placed)
    root = case.folder
    if case.wrapper:
        root = tmp / case.name
        shutil.copytree(case.folder, root)
        (root / WRAPPER).write_text(case.wrapper, encoding="utf-8")
        files[f"{CONFD}/{WRAPPER}"] = WRAPPER
    image = ({MAIN} if MAIN not in files else set()) | ({DEFAULT_CONF} if case.keep_default else set())
    try:
        cfg = parse_nginx(SubmissionRoot(root), ConfigSource(files=files, image=image, env={}))
    except InputError as e:
        return "refuses", str(e)
    except Exception as e:
        return "crash", f"{type(e).__name__}: {e}"
    errors = [n.message for n in cfg.notes if n.level == "error"]
    return ("refuses", "; ".join(errors)) if errors else ("ok", None)


# -- what the learner's stack provides ----------------------------------------------------------
HOST_RE = re.compile(r"^(?:[a-z0-9+]+://)?([A-Za-z0-9_][A-Za-z0-9_.-]*)(?::\d+)?(?:/.*)?$")
VALID_HOST = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$")
PASS_RE = re.compile(r"(?:\b(?:proxy|fastcgi|uwsgi|scgi|grpc|memcached)_pass|\bserver|\bset\s+\$\w+)\s+([^\s;{}]+)")
FILE_RE = re.compile(
    r"\b((?:proxy_|grpc_|uwsgi_)?ssl_(?:certificate|certificate_key|trusted_certificate|"
    r"client_certificate|dhparam|session_ticket_key|password_file))\s+([^\s;{}]+)"
)
RESOLVER_RE = re.compile(r"\bresolver\s+([^;{}]+);")
LOG_RE = re.compile(r"\b(?:access_log|error_log)\s+([^\s;{}]+)")
TEMP_RE = re.compile(
    r"\b(?:(?:proxy|fastcgi|uwsgi|scgi)_cache_path|(?:client_body|proxy|fastcgi|uwsgi|scgi)_temp_path)"
    r"\s+([^\s;{}]+)"
)


def code(text: str) -> str:
    """The text without its comments (near enough for finding names and paths)."""
    return re.sub(r"(?m)(^|[\s;{}])#.*$", r"\1", text)


def hosts_of(texts: list[str]) -> set[str]:
    found: set[str] = set()
    for t in map(code, texts):
        for m in PASS_RE.finditer(t):
            value = m.group(1).strip("'\"")
            h = HOST_RE.match(value)
            if not h or "$" in value or h.group(1) == "localhost" or not VALID_HOST.match(h.group(1)):
                continue
            try:
                ipaddress.ip_address(h.group(1))
            except ValueError:
                found.add(h.group(1))
        for m in RESOLVER_RE.finditer(t):  # a resolver named by its host name
            for arg in m.group(1).split():
                name = arg.rsplit(":", 1)[0] if arg.count(":") == 1 else arg
                if "=" in arg or "$" in arg or not VALID_HOST.match(name) or name == "localhost":
                    continue
                try:
                    ipaddress.ip_address(name)
                except ValueError:
                    found.add(name)
    return found


def provide(case: Case, d: Path, pem: bytes, dh: bytes) -> None:
    """Write the case's container files under d/root (absolute container paths), and d/dirs."""
    root = d / "root"
    files: dict[str, bytes] = {cpath: (case.folder / rel).read_bytes() for cpath, rel in case.placed.items()}
    files.update({cpath: text.encode("utf-8") for cpath, text in case.rendered.items()})
    if case.wrapper:
        files[f"{CONFD}/{WRAPPER}"] = case.wrapper.encode("utf-8")
    texts = [code(t) for t in case.texts()]
    extra: dict[str, bytes] = {}
    for t in texts:
        for m in FILE_RE.finditer(t):
            arg = m.group(2).strip("'\"")
            if arg.startswith(("data:", "engine:", "store:")):
                continue
            name = m.group(1)
            if "$" in arg and name.endswith(("ssl_certificate", "ssl_certificate_key")):
                continue  # loaded per connection, not by nginx -t
            body = (
                dh
                if name.endswith("dhparam")
                else os.urandom(80)
                if name.endswith("ticket_key")
                else b"password\n"
                if name.endswith("password_file")
                else pem
            )
            extra.setdefault(container_path(arg), body)
        for pat in include_patterns([t]):  # certbot's and other mounted includes the repo does not hold
            if pat.startswith(MOUNTED) and not any(c in pat for c in "*?[") and pat not in files:
                extra.setdefault(pat, b"")
    for cpath, body in extra.items():
        if cpath not in files and not any(p.startswith(cpath + "/") for p in files):
            files[cpath] = body
    dirs = set()
    for t in texts:
        for m in LOG_RE.finditer(t):
            arg = m.group(1).strip("'\"")
            if arg.startswith("/") and "$" not in arg and not arg.startswith("/dev/"):
                dirs.add(posixpath.dirname(posixpath.normpath(arg)))
        for m in TEMP_RE.finditer(t):
            arg = m.group(1).strip("'\"")
            if arg.startswith("/") and "$" not in arg:
                dirs.add(posixpath.dirname(posixpath.normpath(arg)))
    for cpath, body in files.items():
        p = root / cpath.lstrip("/")
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(body)
    (d / "dirs").write_text("".join(f"{x}\n" for x in sorted(dirs) if x not in ("/", "")), encoding="utf-8")
    if not case.keep_default:
        (d / "rmdefault").write_text("", encoding="utf-8")


SCRIPT = r"""
for f in /etc/nginx/* /etc/nginx/.[!.]*; do
  [ -e "$f" ] || [ -L "$f" ] || continue
  case "${f##*/}" in %(keep)s) ;; *) rm -rf "$f" ;; esac
done
[ -e /etc/nginx/modules ] || [ -L /etc/nginx/modules ] || ln -s /usr/lib/nginx/modules /etc/nginx/modules
grep -q '^nginx:' /etc/passwd || echo 'nginx:x:101:101:nginx:/nonexistent:/usr/sbin/nologin' >> /etc/passwd
grep -q '^nginx:' /etc/group || echo 'nginx:x:101:' >> /etc/group
cp -a /etc/nginx /tmp/pristine-etc-nginx
for i in $(ls /cases | sort -n); do
  c=/cases/$i
  echo "@@@ $i"
  rm -rf /etc/nginx && cp -a /tmp/pristine-etc-nginx /etc/nginx
  [ -e "$c/rmdefault" ] && rm -f /etc/nginx/conf.d/default.conf
  : > /tmp/created
  while IFS= read -r p; do
    [ -e "$p" ] || { mkdir -p "$p" && echo "$p" >> /tmp/created; }
  done < "$c/dirs"
  if [ -d "$c/root" ]; then
    (cd "$c/root" && find . -type f) > /tmp/files
    while IFS= read -r f; do
      t="${f#.}"
      if [ -e "$t" ]; then case "$t" in /etc/nginx/*) ;; *) continue ;; esac; fi  # the image's own stays
      [ -e "$t" ] || echo "$t" >> /tmp/created
      mkdir -p "$(dirname "$t")" && cp "$c/root/$f" "$t"
    done < /tmp/files
  fi
  nginx -t -q 2>&1
  echo "@@@ rc=$?"
  while IFS= read -r p; do case "$p" in /etc/nginx/*) ;; *) rm -rf "$p" ;; esac; done < /tmp/created
done
"""


def nginx_verdicts(cases: list[Case], work: Path) -> tuple[dict[str, str | None], set[str]]:
    """nginx's verdict per case (None: accepted, else its [emerg] message), and the FEATURES the
    image lacks."""
    docker = shutil.which("docker")
    if docker is None or subprocess.run([docker, "image", "inspect", IMAGE], capture_output=True).returncode:
        pytest.fail(f"the oracle needs Docker and the local {IMAGE} image")
    work.mkdir(parents=True, exist_ok=True)
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
    subprocess.run(
        ["openssl", "dhparam", "-dsaparam", "-out", str(work / "dh.pem"), "2048"], check=True, capture_output=True
    )
    pem = (work / "key.pem").read_bytes() + (work / "cert.pem").read_bytes()
    dh = (work / "dh.pem").read_bytes()
    root = work / "cases"
    names: list[str] = []
    for feature, (_, text) in FEATURES.items():
        d = root / str(len(names))
        (d / "root" / "etc" / "nginx").mkdir(parents=True)
        (d / "root" / "etc" / "nginx" / "nginx.conf").write_text(text, encoding="utf-8")
        (d / "dirs").write_text("", encoding="utf-8")
        names.append(f"probe:{feature}")
    for c in cases:
        d = root / str(len(names))
        d.mkdir(parents=True)
        provide(c, d, pem, dh)
        names.append(c.name)
    name = f"grader-wild-oracle-{uuid.uuid4().hex[:8]}"
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
        "--entrypoint",
        "sh",
    ]
    for h in sorted(hosts_of([t for c in cases for t in c.texts()])):
        cmd += ["--add-host", f"{h}:127.0.0.1"]
    try:
        run = subprocess.run(
            cmd + [IMAGE, "-c", SCRIPT % {"keep": "|".join(OFFICIAL_ETC)}],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=600,
        )
    finally:
        subprocess.run([docker, "rm", "-f", name], capture_output=True)
    verdicts: dict[str, str | None] = {}
    for m in re.finditer(r"@@@ (\d+)\n(.*?)@@@ rc=(\d+)", run.stdout, re.S):
        out = m.group(2)
        msg = (
            " ".join(
                re.sub(r"^\d+#\d+: ", "", line.split("[emerg] ", 1)[-1])
                for line in out.splitlines()
                if "[emerg]" in line
            )
            or out.strip()
        )
        verdicts[names[int(m.group(1))]] = None if m.group(3) == "0" else msg
    assert len(verdicts) == len(names), run.stderr[-2000:]
    missing = {f for f in FEATURES if verdicts[f"probe:{f}"] is not None}
    return verdicts, missing


def test_grader_agrees_with_nginx_on_wild_configs(tmp_path: Path) -> None:
    cases = wild_cases()
    assert len(cases) >= 400
    theirs, missing = nginx_verdicts(cases, tmp_path / "nginx")
    assert not missing - UNMATCHABLE, f"{IMAGE} lacks {sorted(missing - UNMATCHABLE)}: run scripts/setup-runtime.sh"
    compared = [c for c in cases if not (c.needs & missing)]
    differ = []
    for c in compared:
        verdict, why = ours(c, tmp_path / "ours")
        if verdict == "crash" or (verdict == "ok") != (theirs[c.name] is None):
            mine = "accepts" if verdict == "ok" else f"{'crashes' if verdict == 'crash' else 'refuses'} ({why})"
            nginx = "accepts" if theirs[c.name] is None else f"refuses ({theirs[c.name]})"
            differ.append(f"{c.name} [{c.kind}]: grader {mine}, nginx {nginx}")
    kinds = Counter(c.kind for c in compared)
    refused = sum(1 for c in compared if theirs[c.name] is not None)
    skipped = len(cases) - len(compared)
    print(
        f"\nnginx wild oracle: {len(compared)} configs compared ("
        + ", ".join(f"{n} {k}" for k, n in kinds.most_common())
        + f"; nginx refuses {refused}), {len(differ)} differ"
        + (f"; {skipped} not compared: {IMAGE} lacks {', '.join(sorted(missing))}" if skipped else "")
    )
    for d in differ:
        print("  differs:", d)
    assert not differ
