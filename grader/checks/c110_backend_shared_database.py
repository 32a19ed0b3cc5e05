"""The backend replicas share one database. A SQLite file inside each replica's container
(no named volume at its folder, no database service) gives every replica its own data: a post
written through one replica is missing when another answers. The step lists this pitfall; the
files tell it before anything runs."""
import posixpath
import re
from dataclasses import dataclass
from typing import Iterator

from grader.checks.context import CheckContext, is_database_service
from grader.compose.model import EnvVar, Mount, Service
from grader.results import Finding, Status

CODE = "C110"
SLUG = "compose.backend-shared-database"
ASK = None
NEEDS = ("backend",)

SQLITE_URL = re.compile(r"(?:jdbc:)?sqlite(?:\+\w+)?:(?P<rest>[^\s\"';]*)", re.IGNORECASE)
SQLITE_FILE = re.compile(r"(?:^|[\s=\"'])(?P<path>[\w./~-]*[\w-]\.(?:db|sqlite3?|db3))(?:$|[\s\"'?])", re.IGNORECASE)
SERVER_URL = re.compile(r"(jdbc:(?!sqlite)\w+:|postgres(ql)?(\+\w+)?://|mysql(\+\w+)?://|mariadb://|mongodb(\+srv)?://"
                        r"|redis://|Host=[^;]+;.*Database=|Server=[^;]+;.*Database=)", re.IGNORECASE)
# MYSQL_HOST, DB_HOST, PGHOST, POSTGRES_SERVER, SPRING_DATA_MONGODB_HOST: where a database server is.
SERVER_NAME = re.compile(r"(MYSQL|POSTGRES(QL)?|PG|MONGO(DB)?|MARIADB|DB|DATABASE)_?(HOST|SERVER|HOSTNAME)$", re.IGNORECASE)
DEFAULT = re.compile(r"\$\{\w+:?-(?P<default>[^}]*)\}")


@dataclass
class DbPath:
    path: str  # as written
    folder: bool  # the setting names the folder, not the file
    what: str  # the setting: a variable name, "command", "entrypoint"
    file: str
    line: int


def _value(text: str) -> str:
    # `${DATABASE_PATH:-/data/app.db}`: the default is what runs when nothing sets it.
    return DEFAULT.sub(lambda m: m.group("default"), text).strip().strip("'\"")


def sqlite_path(text: str) -> str | None:
    m = SQLITE_URL.search(text)
    if m:
        rest = m.group("rest").split("?")[0]
        if rest.startswith("////"):  # SQLAlchemy: four slashes, an absolute path
            return "/" + rest[4:]
        if rest.startswith("///"):
            return rest[3:]
        if rest.startswith("//"):
            return rest[2:]
        return rest or None
    m = SQLITE_FILE.search(text)
    return m.group("path") if m and "://" not in text else None


def _from_env(env: list[EnvVar]) -> DbPath | None:
    for e in env:
        if not e.value:
            continue
        value, name = _value(e.value), e.name.upper()
        if ":memory:" in value:
            continue
        path = sqlite_path(value)
        if path:
            return DbPath(path, False, e.name, e.file, e.line)
        db_named = "SQLITE" in name or bool({"DB", "DATABASE"} & set(re.split(r"[_\W]+", name)))
        if db_named and value.startswith(("/", "./", "~/")) and "://" not in value:
            folder = name.endswith(("_DIR", "_DIRECTORY", "_FOLDER")) or value.endswith("/")
            if folder or name.endswith(("_PATH", "_FILE")) or "SQLITE" in name:
                return DbPath(value, folder, e.name, e.file, e.line)
    return None


def database_path(ctx: CheckContext, backend: Service) -> DbPath | None:
    """Where the backend's SQLite database is, and what says so: its environment (the compose
    file or an env_file), its command, or the image's ENV (the compose file's values win)."""
    found = _from_env(backend.all_env)
    if found:
        return found
    for what, key in (("command", backend.command), ("entrypoint", backend.entrypoint)):
        if key is not None and (path := sqlite_path(" ".join(map(str, key.value)) if isinstance(key.value, list)
                                                  else str(key.value))):
            return DbPath(path, False, what, ctx.compose_rel, key.line)
    df = ctx.ws.dockerfiles.get(backend.name)
    if df and df.final:
        env: list[EnvVar] = []
        for inst in df.final.instructions:
            if inst.keyword != "ENV" or not inst.args:
                continue
            if "=" in inst.args[0]:
                env += [EnvVar(*a.split("=", 1), inst.line, df.rel) for a in inst.args if "=" in a]
            elif len(inst.args) >= 2:
                env.append(EnvVar(inst.args[0], " ".join(inst.args[1:]), inst.line, df.rel))
        return _from_env(env)
    return None


def workdir(ctx: CheckContext, backend: Service) -> str | None:
    df = ctx.ws.dockerfiles.get(backend.name)
    wd = None
    for inst in (df.final.instructions if df and df.final else []):
        if inst.keyword == "WORKDIR" and inst.args:
            wd = posixpath.join(wd or "/", inst.args[0])
    return wd


def _covers(target: str, folder: str) -> bool:
    target = posixpath.normpath(target)
    return folder == target or folder.startswith(target.rstrip("/") + "/")


def uses_database_server(ctx: CheckContext, backend: Service) -> str | None:
    """The database service or server the backend is configured to use, if any."""
    dbs = [s.name for s in ctx.compose.services.values()
           if s.name != backend.name and is_database_service(s) and "redis" not in str(s.image.value if s.image else "")]
    for e in backend.all_env:
        value = e.value or ""
        for db in dbs:
            if re.search(rf"(?<![\w.-]){re.escape(db)}(?![\w-])", value):
                return db
        if SERVER_URL.search(value):
            return value.split("://")[-1].split("/")[0].split(";")[0][:60] or e.name
        if SERVER_NAME.search(e.name) and value.strip() and not sqlite_path(value):
            return f"{e.name}={value.strip()[:60]}"
    for d in backend.depends_on:
        if d.service in dbs:
            return d.service
    return None


def check(ctx: CheckContext) -> Iterator[Finding]:
    backend = ctx.backend
    server = uses_database_server(ctx, backend)
    if server is not None:
        yield ctx.at_compose(Status.PASS, "server", backend.line, service=backend.name, server=server)
        return
    db = database_path(ctx, backend)
    if db is None:
        yield ctx.at_compose(Status.SKIP, "unknown", backend.line, service=backend.name)
        return
    path = db.path
    if not path.startswith("/"):
        wd = workdir(ctx, backend)
        if wd is None:
            yield Finding(Status.SKIP, "relative", {"service": backend.name, "path": path}, db.file, db.line)
            return
        path = posixpath.join(wd, path)
    path = posixpath.normpath(path)
    folder = path if db.folder else posixpath.dirname(path)
    mounts = [m for m in backend.volumes if m.target.startswith("/") and _covers(m.target, folder)]
    mount: Mount | None = max(mounts, key=lambda m: len(m.target), default=None)
    params = {"service": backend.name, "path": path, "folder": folder, "what": db.what}
    if mount is not None and mount.kind == "volume" and mount.source:
        yield ctx.at_compose(Status.PASS, "volume", mount.line, volume=mount.source, target=mount.target, **params)
    elif mount is not None and mount.kind == "bind":
        yield ctx.at_compose(Status.PASS, "bind", mount.line, source=mount.source, target=mount.target, **params)
    elif mount is not None:
        yield ctx.at_compose(Status.FAIL, "own_volume", mount.line, target=mount.target, kind=mount.kind, **params)
    else:
        image_volume = _image_volume(ctx, backend, folder)
        if image_volume is not None:
            yield Finding(Status.FAIL, "image_volume", {**params, "target": image_volume[0]}, image_volume[1],
                          image_volume[2])
        else:
            yield Finding(Status.FAIL, "inside", params, db.file, db.line)


def _image_volume(ctx: CheckContext, backend: Service, folder: str) -> tuple[str, str, int] | None:
    """A Dockerfile VOLUME over the folder: an anonymous volume, one per container."""
    df = ctx.ws.dockerfiles.get(backend.name)
    for inst in (df.final.instructions if df and df.final else []):
        if inst.keyword == "VOLUME":
            for target in inst.args:
                if target.startswith("/") and _covers(target, folder):
                    return target, df.rel, inst.line
    return None
