"""Locate a submission's files and roles and build the models: the first half of the flow
submission -> models -> findings -> report.

A file that cannot be read or parsed does not stop the other: its error is kept, the checks
that need it become `error` results, and the rest is graded.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from grader.compose.loader import Env, EnvValue, compose_files, load_project, parse_dotenv, read_project_env
from grader.compose.model import (
    COMPOSE_FILE_NAMES,
    ComposeModel,
    EnvVar,
    Service,
    is_remote_context,
    load_compose_project,
)
from grader.errors import InputError, OutsideRootError
from grader.nginx.layout import placed_alone, run_removes
from grader.nginx.model import ApiRoute, NginxConfig
from grader.nginx.parse import DEFAULT_CONF, NGINX_PREFIX, ConfigSource, parse_nginx
from grader.nginx.parse import MAIN as NGINX_MAIN
from grader.nginx.request import Request, follow, listens, start_failure
from grader.nginx.verify import REFUSES
from grader.results import Note
from grader.rubric import DEFAULT_API_PATH
from grader.submission.build_context import CopyFailure, copy_failure
from grader.submission.dockerfile import Dockerfile, parse_dockerfile
from grader.submission.reader import SubmissionRoot

ROLES = ("backend", "frontend")


@dataclass
class Workspace:
    """A submission read once, for every check: the Compose project, the nginx config as the image
    loads it, the Dockerfiles, and what could not be read.
    """

    root: SubmissionRoot
    compose: ComposeModel | None = None
    compose_rel: str | None = None
    compose_error: InputError | None = None
    # What of the project could not be read (an include, an env file, a Dockerfile): noted for the
    # report, and a runtime run refuses to start what the grader has not read.
    compose_problems: list[InputError] = field(default_factory=list)
    compose_given: bool = False  # `--compose FILE`: Compose reads that file alone, as with -f
    compose_env: Env = field(default_factory=Env)  # the project's .env, for interpolation
    nginx: NginxConfig | None = None
    nginx_source: ConfigSource = field(default_factory=ConfigSource)
    nginx_error: InputError | None = None
    dockerfiles: dict[str, Dockerfile] = field(default_factory=dict)
    # service -> the COPY/ADD its build stops at (a source missing from the context or excluded
    # by .dockerignore): the image is never made.
    build_failures: dict[str, CopyFailure] = field(default_factory=dict)
    # The frontend's failure when it is the COPY that would put nginx's config in the image: the
    # nginx checks then have no image to judge (C111 says why).
    config_not_built: CopyFailure | None = None
    roles: dict[str, str | None] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    api_path: str = DEFAULT_API_PATH
    # The server/location serving api_path and its proxy target: worked out once, here, for
    # the checks, the role inference and the runtime alike.
    api_route: ApiRoute | None = None

    @property
    def compose_dir(self) -> str:
        return posixpath.dirname(self.compose_rel or "")

    def written(self, rel: str, line: int) -> str:
        """The text of a line of the submission as written (before Compose's interpolation), for
        a finding that must say where a value came from; "" when it cannot be read."""
        try:
            lines = self.root.read(rel).lines
        except InputError:
            return ""
        return lines[line - 1].strip() if 0 < line <= len(lines) else ""

    def role(self, name: str) -> Service | None:
        return self.compose.service(self.roles.get(name)) if self.compose else None

    @property
    def nginx_rel(self) -> str | None:
        return (
            self.nginx.files[0]
            if self.nginx and self.nginx.files
            else (next(iter(self.nginx_source.files.values()), None))
        )


def _note_error(ws: Workspace, e: InputError, unread: bool = True) -> None:
    """An error note; `unread`: a part of the project the grader could not read (not one that
    Compose itself refuses, which Compose says again when the runtime asks it)."""
    ws.notes.append(Note("error", e.message, e.file, e.line))
    if unread:
        ws.compose_problems.append(e)


def find_compose(root: SubmissionRoot) -> str:
    for name in COMPOSE_FILE_NAMES:
        if root.exists(name):
            return name
    raise InputError("no compose file found: looked for " + ", ".join(COMPOSE_FILE_NAMES), root.rel(root.root))


def read_env_file(text: str, rel: str, env: Env | None = None) -> list[EnvVar]:
    """An env_file as Compose reads it, interpolated with the project's .env; a bare NAME takes
    its value from there (and is left out when it has none)."""
    return [EnvVar(v.name, v.value, v.line, v.file) for v in parse_dotenv(text, rel, env, bare_lookup=True)]


def load_compose_files(ws: Workspace, compose: str | None) -> ComposeModel:
    """The effective project as Compose loads it (grader.compose.loader): `--compose FILE` is
    `-f FILE` (no override, no COMPOSE_FILE); else the files Compose picks in the submission.
    What Compose would refuse, and an include or extends that cannot be read, are error notes
    (exit 2); the rest is graded."""
    root = ws.root
    if compose:
        ws.compose_given = True
        ws.compose_rel = _inside(root, compose, "--compose")
        project_dir = posixpath.dirname(ws.compose_rel)
        ws.compose_env = read_project_env(root, project_dir)
        files: list[tuple[str, int | None]] = [(ws.compose_rel, None)]
    else:
        project_dir = ""
        ws.compose_env = read_project_env(root, project_dir)
        files = compose_files(root, project_dir, ws.compose_env)
        ws.compose_rel = files[0][0]
        project_dir = posixpath.dirname(ws.compose_rel)  # Compose's project folder: the first file's
        if project_dir:
            # COMPOSE_FILE led into a sub-folder: its .env is read too; the working folder's wins.
            env = read_project_env(root, project_dir)
            env.update(ws.compose_env)
            ws.compose_env = env
    project = load_project(root, files, project_dir, ws.compose_env)
    model = load_compose_project(project)
    for e in project.problems:
        _note_error(ws, e)
    for e in model.refusals:
        _note_error(ws, e, unread=False)
    return model


def _image_name(image: str) -> str:
    name = image.split("@")[0]
    last = name.rsplit("/", 1)[-1]
    return last.split(":")[0]


def is_nginx_service(ws: Workspace, s: Service) -> bool:
    if s.image is not None and "nginx" in _image_name(str(s.image.value)):
        return True
    df = ws.dockerfiles.get(s.name)
    if df and df.final and "nginx" in _image_name(df.final.image):
        return True
    return any(m.kind == "bind" and m.target.startswith(NGINX_PREFIX) for m in s.volumes)


def infer_frontend(ws: Workspace) -> str | None:
    assert ws.compose is not None
    services = list(ws.compose.services.values())
    nginx = [s for s in services if is_nginx_service(ws, s)]
    if nginx:
        nginx.sort(key=lambda s: (not s.ports, s.name != "frontend"))
        return nginx[0].name
    return "frontend" if "frontend" in ws.compose.services else None


def _load_dockerfiles(ws: Workspace) -> None:
    assert ws.compose is not None
    for s in ws.compose.services.values():
        if s.build is None or is_remote_context(s.build.context):
            continue
        try:
            ctx = ws.root.join(ws.compose_dir, s.build.context)
            rel = ws.root.join(ctx, s.build.dockerfile)
            if ws.root.exists(rel):
                df = ws.dockerfiles[s.name] = parse_dockerfile(ws.root.read(rel).text, rel)
                failure = copy_failure(ws.root, ctx, df)
                if failure is not None:
                    ws.build_failures[s.name] = failure
        except OutsideRootError as e:
            _note_error(ws, OutsideRootError(f"service {s.name}: build {e.message}", ws.compose_rel, s.build.line))
        except InputError as e:
            _note_error(ws, e)


def _load_env_files(ws: Workspace) -> None:
    assert ws.compose is not None
    for s in ws.compose.services.values():
        # A later env file sees the values of the earlier ones first, then the project's .env.
        seen = Env(ws.compose_env)
        for ref in s.env_files:
            where = getattr(ref.line, "file", None) or ws.compose_rel
            try:
                rel = ws.root.join(ws.compose_dir, ref.path)
                if not ws.root.exists(rel):
                    ws.root.resolve(rel)  # a link out of the root is refused, not "missing"
                    if ref.required:  # Compose refuses to start without it
                        _note_error(
                            ws,
                            InputError(
                                f"env_file {ref.path} of service {s.name} is not in the "
                                "submission; Compose refuses to start without it",
                                where,
                                ref.line,
                            ),
                        )
                    else:
                        ref.read = True  # `required: false`: Compose goes on without it, so do we
                    continue
                values = read_env_file(ws.root.read(rel).text, rel, seen)
                for v in values:
                    seen[v.name] = EnvValue(v.name, v.value, v.file, v.line)
                s.env_from_files.extend(values)
                ref.read = True
            except OutsideRootError:
                _note_error(
                    ws,
                    OutsideRootError(
                        f"env_file {ref.path!r} of service {s.name} points outside the submission; it is not read",
                        where,
                        ref.line,
                    ),
                )
            except InputError as e:
                _note_error(ws, e)


def nginx_source_for(ws: Workspace) -> ConfigSource:
    """Where the frontend's nginx config comes from: the image's own files (nginx.conf including
    conf.d/*.conf, and conf.d/default.conf), then the Dockerfile's COPY/ADD into /etc/nginx and
    its `RUN rm` in order, then bind mounts into /etc/nginx (they win, as they cover the image's
    files); without any of these, frontend/nginx.conf."""
    src = ConfigSource()
    front = ws.role("frontend")
    if front is not None:
        src.env = {e.name: e.value for e in front.all_env if e.value is not None}
        # The image's last stage, when the frontend is built from a Dockerfile the grader read.
        df = ws.dockerfiles.get(front.name) if front.build is not None else None
        final = df.final if df is not None else None
        if df is not None and final is not None and "nginx" in _image_name(final.image):
            src.image = {NGINX_MAIN, DEFAULT_CONF}
            src.blame = {p: (df.rel, final.line) for p in src.image}
        elif final is None and front.image is not None and "nginx" in _image_name(str(front.image.value)):
            src.image = {NGINX_MAIN, DEFAULT_CONF}
            src.blame = {p: (ws.compose_rel or "", front.image.line) for p in src.image}
        if df is not None and final is not None and front.build is not None:
            ctx = ws.root.join(ws.compose_dir, front.build.context)
            earlier = _stage_copies(df)  # what each earlier stage copied from the context, by path
            workdir = "/"
            for inst in final.instructions:
                if inst.keyword == "WORKDIR" and inst.args:
                    workdir = posixpath.join(workdir, inst.args[0])
                if inst.keyword == "RUN":
                    run_removes(src, inst.raw)
                if inst.keyword not in ("COPY", "ADD") or len(inst.args) < 2:
                    continue
                # A relative destination is under the WORKDIR the build has reached (the image's /).
                dest = inst.args[-1]
                if not dest.startswith("/"):
                    dest = posixpath.join(workdir, dest) + ("/" if dest.endswith("/") or dest == "." else "")
                multiple = len(inst.args) > 2
                if "from" in inst.flags:
                    # From an earlier stage: the files that stage copied from the context.
                    stage = earlier.get(inst.flags["from"].lower(), {})
                    for s in inst.args[:-1]:
                        for ctx_path, target in _from_stage(stage, s, dest, multiple):
                            if target.startswith(NGINX_PREFIX):
                                _map(ws, src, ctx, ctx_path, target, multiple=False)
                    continue
                for s in inst.args[:-1]:
                    _map(
                        ws,
                        src,
                        ctx,
                        s,
                        dest,
                        multiple=multiple,
                        by=(df.rel, inst.line, f"`{' '.join(inst.raw.split())}`"),
                    )
                if posixpath.normpath(dest).startswith(f"{NGINX_PREFIX}/conf.d") and DEFAULT_CONF in src.blame:
                    src.blame[DEFAULT_CONF] = (df.rel, inst.line)  # the line that left default.conf beside it
        for c in front.configs:  # Compose `configs:`, mounted like a file
            spec = ws.compose.configs.get(c.source) if ws.compose is not None else None
            target = posixpath.normpath(c.target)
            if spec is None or not target.startswith(NGINX_PREFIX + "/"):
                continue
            if spec.content is not None:
                src.inline[target] = (spec.content, ws.compose_rel or "", _content_first_line(ws, spec))
                src.files.pop(target, None)
            elif spec.file is not None:
                _map(
                    ws,
                    src,
                    ws.compose_dir,
                    spec.file,
                    target,
                    multiple=False,
                    mount=True,
                    by=(ws.compose_rel or "", c.line, f"`configs: {c.source}`"),
                )
            if target.startswith(f"{NGINX_PREFIX}/conf.d") and DEFAULT_CONF in src.blame:
                src.blame[DEFAULT_CONF] = (ws.compose_rel or "", c.line)
        for m in front.volumes:
            if m.kind == "bind" and m.source and m.target.startswith(NGINX_PREFIX):
                _map(
                    ws,
                    src,
                    ws.compose_dir,
                    m.source,
                    m.target,
                    multiple=False,
                    mount=True,
                    by=(ws.compose_rel or "", m.line, f"`{m.source}:{m.target}`"),
                )
                if m.target.startswith(f"{NGINX_PREFIX}/conf.d") and DEFAULT_CONF in src.blame:
                    src.blame[DEFAULT_CONF] = (ws.compose_rel or "", m.line)
        _nginx_command(ws, src, front, df)
        failure = ws.build_failures.get(front.name)
        if failure is not None and failure.destination.startswith(NGINX_PREFIX):
            ws.config_not_built = failure
    if not src.files and not src.dirs and not src.inline:
        rel = posixpath.join(ws.compose_dir, "frontend/nginx.conf") if ws.compose_dir else "frontend/nginx.conf"
        return placed_alone(ws.root, rel)
    src.entry = [NGINX_MAIN]
    return src


def _stage_copies(df: Dockerfile) -> dict[str, dict[str, str]]:
    """For each stage but the last (by name and by number): the image paths its COPY/ADD of the
    build context put a file at, and the file's path in the context (as written)."""
    out: dict[str, dict[str, str]] = {}
    for number, stage in enumerate(df.stages[:-1]):
        files: dict[str, str] = {}
        workdir = "/"
        for inst in stage.instructions:
            if inst.keyword == "WORKDIR" and inst.args:
                workdir = posixpath.join(workdir, inst.args[0])
            if inst.keyword not in ("COPY", "ADD") or "from" in inst.flags or len(inst.args) < 2:
                continue
            dest = inst.args[-1] if inst.args[-1].startswith("/") else posixpath.join(workdir, inst.args[-1])
            for s in inst.args[:-1]:
                into_folder = inst.args[-1].endswith("/") or len(inst.args) > 2 or inst.args[-1] == "."
                files[posixpath.normpath(posixpath.join(dest, posixpath.basename(s)) if into_folder else dest)] = s
        out[str(number)] = files
        if stage.name:
            out[stage.name.lower()] = files
    return out


def _from_stage(files: dict[str, str], source: str, dest: str, multiple: bool) -> list[tuple[str, str]]:
    """(context path, image path) for `COPY --from=stage source dest`: a file the stage holds at
    `source`, or every file under it when it is a folder."""
    source = posixpath.normpath(source)
    out = []
    for path, ctx_path in files.items():
        if path == source:
            target = posixpath.join(dest, posixpath.basename(path)) if dest.endswith("/") or multiple else dest
            out.append((ctx_path, posixpath.normpath(target)))
        elif path.startswith(source.rstrip("/") + "/"):
            out.append((ctx_path, posixpath.normpath(posixpath.join(dest, path[len(source.rstrip("/")) + 1 :]))))
    return out


def _content_first_line(ws: Workspace, spec) -> int:
    """The compose file's line that holds the first line of a config's inline `content`: the
    next one after `content: |` (a block), else the key's own."""
    line = spec.content_line or spec.line
    return line + 1 if re.search(r"[|>][-+0-9]*\s*(#.*)?$", ws.written(ws.compose_rel or "", line)) else line


def _nginx_command(ws: Workspace, src: ConfigSource, front: Service, df: Dockerfile | None) -> None:
    """`nginx -c FILE` in what the container runs (the service's `command:`/`entrypoint:`, else the
    final stage's CMD/ENTRYPOINT): nginx starts from FILE, not nginx.conf."""
    words: list[str] = []
    where: tuple[str, int | None] | None = None
    said = ""
    for scalar in (front.entrypoint, front.command):
        if scalar is not None and scalar.value:
            value = scalar.value
            words += value if isinstance(value, list) else shlex.split(str(value))
            where, said = (ws.compose_rel or "", scalar.line), f"`{' '.join(words)}`"
    if where is None and df is not None and df.final is not None:
        for inst in df.final.instructions:
            if inst.keyword in ("CMD", "ENTRYPOINT"):
                words += inst.args
                where, said = (df.rel, inst.line), f"`{' '.join(inst.raw.split())}`"
    runs_nginx = any(posixpath.basename(w) == "nginx" for w in words)
    for i, w in enumerate(words[:-1]):
        if runs_nginx and w == "-c" and where is not None:
            main = words[i + 1] if words[i + 1].startswith("/") else posixpath.join(NGINX_PREFIX, words[i + 1])
            src.main = posixpath.normpath(main)
            src.placed[src.main] = (where[0], where[1], f"{said} (nginx -c {words[i + 1]})")


def _map(
    ws: Workspace,
    src: ConfigSource,
    base: str,
    source: str,
    dest: str,
    multiple: bool,
    mount: bool = False,
    by: tuple[str, int | None, str] | None = None,
) -> None:
    if not dest.startswith("/"):
        return  # relative to WORKDIR: not an nginx path we can place
    if any(c in source for c in "*?["):
        return
    try:
        rel = ws.root.join(base, source)
    except OutsideRootError:
        return  # reported by the build context / mount checks, never read
    if ws.root.is_dir(rel):
        target = posixpath.normpath(dest)
        src.dirs[target] = rel
        if mount:  # a bind mount covers what the image had in that folder
            src.image = {c for c in src.image if not c.startswith(target.rstrip("/") + "/")}
        return
    if not dest.startswith(NGINX_PREFIX):
        return
    if (
        dest.endswith("/")
        or multiple
        or dest.rstrip("/") in (NGINX_PREFIX + "/conf.d", NGINX_PREFIX, NGINX_PREFIX + "/templates")
    ):
        dest = posixpath.join(dest, posixpath.basename(source))
    src.files[posixpath.normpath(dest)] = rel
    if by is not None:
        src.placed[posixpath.normpath(dest)] = by


def infer_backend(ws: Workspace) -> str | None:
    assert ws.compose is not None
    services = ws.compose.services
    target = ws.api_route.target if ws.api_route else None
    hosts = []
    if target is not None and target.upstream is not None:
        hosts = [s.host for s in target.upstream.servers]
    elif target is not None and target.host:
        hosts = [target.host]
    for h in hosts:
        if h in services and h != ws.roles.get("frontend"):
            return h
        by_cn = ws.compose.by_container_name(h)
        if by_cn is not None and by_cn.name != ws.roles.get("frontend"):
            return by_cn.name
    return "backend" if "backend" in services else None


def api_route_of(nginx: NginxConfig, path: str, published: list[int]) -> ApiRoute | None:
    """The way GET `path` goes through nginx (grader.nginx.request), sent to the first published
    container port as a browser sends it. When nothing accepts it there (a listen on 127.0.0.1,
    another port), the N checks still judge the way it would take once it arrives, from inside
    the container or on a port nginx listens on; C109 reads why it did not arrive. Where the
    model cannot follow the config, the location is found from the text alone."""
    listening = [ls.port for s in nginx.servers() for ls in listens(nginx, s)]
    ports = [p for p in published if p in listening] or published[:1] or [80]
    arrives = follow(nginx, Request(path, "localhost", ports[0]))
    outcome = arrives
    for _ in range(3):  # a redirect to https (or another port) of this host is followed, as a browser does
        where = _redirected(outcome)
        if where is None:
            break
        outcome = follow(nginx, Request(where[2], "localhost", where[1], tls=where[0] == "https"))
    starts = start_failure(nginx) is None
    for port, inside in ((ports[0], True), *((p, False) for p in listening)):
        if outcome.kind != "closed" or not starts:
            break
        outcome = follow(nginx, Request(path, "localhost", port, from_inside=inside))
    if outcome.kind in ("proxy", "response") and outcome.server is not None:
        pp = outcome.proxied.directive if outcome.proxied is not None else None
        holder = pp.parent if pp is not None and pp.parent is not None else outcome.location
        location = holder
        while location is not None and location.name == "if":
            location = location.parent
        if location is None or location.name != "location":
            location = (
                outcome.location if outcome.location is not None and outcome.location.name == "location" else None
            )
        if location is not None:
            target = nginx.proxy_target(holder) if pp is not None and holder is not None else None
            if target is not None and outcome.proxied is not None:
                target.upstream = outcome.proxied.group  # a variable's host is an upstream only without a port
            return ApiRoute(outcome.server, location, target, outcome, arrives)
        if outcome.kind == "response":
            return ApiRoute(outcome.server, outcome.location or outcome.server, None, outcome, arrives)
    found = nginx.api_route(path, published)
    if found is None:
        return None
    return ApiRoute(found[0], found[1], nginx.proxy_target(found[1]), None, arrives)


def _redirected(o) -> tuple[str, int, str] | None:
    """(scheme, port, target) of a redirect to the same host, or None."""
    if o.kind != "response" or o.redirect is None or o.status not in (301, 302, 303, 307, 308):
        return None
    m = re.match(r"(?i)(https?)://(localhost|127\.0\.0\.1)(?::(\d+))?(/[^#]*)?$", o.redirect)
    if m is None:
        return None
    scheme = m.group(1).lower()
    return scheme, int(m.group(3) or (443 if scheme == "https" else 80)), m.group(4) or "/"


def _published_targets(ws: Workspace) -> list[int]:
    front = ws.role("frontend")
    return [n for p in front.ports for n in p.target_numbers()] if front else []


def load_workspace(
    path: str | Path,
    compose: str | None = None,
    nginx: str | None = None,
    services: dict[str, str] | None = None,
    api_path: str = DEFAULT_API_PATH,
) -> Workspace:
    root_path = Path(path)
    if not root_path.exists():
        raise InputError("submission folder not found", str(path))
    if not root_path.is_dir():
        raise InputError("is not a folder; give the submission's folder", str(path))
    root = SubmissionRoot(root_path)
    ws = Workspace(root=root, api_path=api_path)
    services = services or {}
    try:
        ws.compose = load_compose_files(ws, compose)
    except InputError as e:
        ws.compose_error = e
    if ws.compose is not None:
        for role, name in services.items():
            if name not in ws.compose.services:
                raise InputError(
                    f"--service {role}={name}: no service {name!r} in {ws.compose_rel} "
                    f"(services: {', '.join(ws.compose.services)})"
                )
        _load_dockerfiles(ws)
        _load_env_files(ws)
        ws.roles["frontend"] = services.get("frontend") or infer_frontend(ws)
    try:
        if nginx:
            ws.nginx_source = placed_alone(root, _inside(root, nginx, "--nginx"))
        elif ws.compose is not None:
            ws.nginx_source = nginx_source_for(ws)
        else:
            ws.nginx_source = placed_alone(root, "frontend/nginx.conf")
        ws.nginx = parse_nginx(root, ws.nginx_source)
        ws.notes.extend(ws.nginx.notes)
    except InputError as e:
        ws.nginx_error = _blame_placement(ws.nginx_source, e)
    if ws.nginx is not None:
        ws.api_route = api_route_of(ws.nginx, ws.api_path, _published_targets(ws))
    if ws.compose is not None:
        ws.roles["backend"] = services.get("backend") or infer_backend(ws)
    return ws


def _blame_placement(src: ConfigSource, e: InputError) -> InputError:
    """A directive nginx refuses at the top of its main config, in a file of the submission that a
    COPY, a mount or `nginx -c` made the main config: the cause is that line, not the file's."""
    rel = src.files.get(src.main)
    by = src.placed.get(src.main)
    if rel is None or by is None or e.file != rel or not e.message.endswith("is not allowed here"):
        return e
    reason = e.message[len(REFUSES) :] if e.message.startswith(REFUSES) else e.message
    return InputError(
        f"{by[2]} makes {rel} nginx's main config ({src.main}), where {reason} ({rel}:{e.line}): "
        f"nginx refuses to start. Server blocks belong in {NGINX_PREFIX}/conf.d/, which the main "
        "config includes inside `http`.",
        by[0],
        by[1],
    )


def _inside(root: SubmissionRoot, given: str, option: str) -> str:
    p = Path(given)
    if not p.is_absolute() and not p.exists() and (root.root / p).exists():
        p = root.root / p
    if not root.contains(p.parent) or not root.contains(p.absolute().parent):
        raise InputError(f"{option} {given}: the file must be inside the submission folder {root.root}")
    return root.rel(p)
