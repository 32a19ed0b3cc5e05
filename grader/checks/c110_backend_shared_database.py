"""The backend replicas share one database. A SQLite file inside each replica's container
(no named volume at its folder, no database service) gives every replica its own data: a post
written through one replica is missing when another answers. The step lists this pitfall; the
files tell it before anything runs."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from grader.checks.context import CheckContext, is_database_service
from grader.results import Finding, Status
from grader.texts import CheckTexts, Message, Text

if TYPE_CHECKING:
    from grader.compose.model import EnvVar, Mount, Service

CODE = "C110"
SLUG = "compose.backend-shared-database"
ASK = None
NEEDS = ("backend",)

TEXTS = CheckTexts(
    CODE,
    title=Text(
        en="The backend replicas share one database",
        ko="백엔드 복제본들이 하나의 데이터베이스를 함께 써야 합니다",
    ),
    why=Text(
        en="A SQLite file inside the container is a different file in every replica: a post written "
        "through one replica is missing when another answers (`runtime.shared-state` fails). The "
        "database must live where every replica reaches the same data: a named volume mounted at the "
        "database's folder (one host), or a database service the backend connects to.",
        ko="컨테이너 안의 SQLite 파일은 복제본마다 다른 파일입니다. 한 복제본으로 쓴 글이 다른 복제본이 "
        "응답할 때 보이지 않습니다 (`runtime.shared-state` 실패). 데이터베이스는 모든 복제본이 같은 "
        "데이터에 닿는 곳에 있어야 합니다: 데이터베이스 폴더에 마운트한 named volume(호스트가 하나일 "
        "때)이나 백엔드가 접속하는 데이터베이스 서비스.",
    ),
    fix=Text(
        en="Mount one named volume at the database's folder (`volumes: [backend-data:/data]` on the "
        "backend, `backend-data:` under top-level `volumes:`) and point the database path into it, or "
        "use a database service.",
        ko="데이터베이스 폴더에 named volume 하나를 마운트하고 (백엔드에 "
        "`volumes: [backend-data:/data]`, 최상위 `volumes:`에 `backend-data:`) 데이터베이스 경로를 그 "
        "안으로 하거나, 데이터베이스 서비스를 쓰세요.",
    ),
    example_fail="""\
backend:
  environment:
    - DATABASE_PATH=/app/contoso.db   # inside each replica's container
""",
    example_pass="""\
backend:
  environment:
    - DATABASE_PATH=/data/contoso.db
  volumes:
    - backend-data:/data              # one volume, every replica
""",
    messages={
        "volume": Message(
            en="The database {path} ({what}) is on named volume {volume}, mounted at {target} by every replica.",
            ko="데이터베이스 {path}({what}){가} 모든 복제본이 {target}에 마운트하는 named volume {volume}에 있습니다.",
            params=("path", "target", "volume", "what"),
            extra=("folder", "service"),
        ),
        "bind": Message(
            en="The database {path} ({what}) is in host folder {source}, mounted at {target} by every replica.",
            ko="데이터베이스 {path}({what}){가} 모든 복제본이 {target}에 마운트하는 호스트 폴더 {source}에 있습니다.",
            params=("path", "source", "target", "what"),
            extra=("folder", "service"),
        ),
        "server": Message(
            en="Service {service} uses a database server ({server}) that every replica shares.",
            ko="{service} 서비스가 모든 복제본이 함께 쓰는 데이터베이스 서버({server}){를} 씁니다.",
            params=("server", "service"),
        ),
        "unknown": Message(
            en="Service {service}: the files do not say where its database is (no database path in its "
            "environment, command or image, no database service).",
            ko="{service} 서비스: 데이터베이스 위치가 파일에 나오지 않습니다 (environment, 명령, "
            "이미지에 데이터베이스 경로가 없고 데이터베이스 서비스도 없습니다).",
            params=("service",),
        ),
        "relative": Message(
            en="Service {service} keeps its database at the relative path {path}, and its image's "
            "working directory is not in the files.",
            ko="{service} 서비스가 데이터베이스를 상대 경로 {path}에 두는데, 이미지의 작업 디렉터리가 "
            "파일에 나오지 않습니다.",
            params=("path", "service"),
        ),
        "inside": Message(
            en="Service {service} keeps its SQLite database {path} ({what}) inside each replica's "
            "container: no volume is mounted at {folder} and no database service is used, so every "
            "replica has its own data.",
            ko="{service} 서비스가 SQLite 데이터베이스 {path}({what}){를} 복제본마다 컨테이너 안에 "
            "둡니다. {folder}에 마운트한 볼륨도 데이터베이스 서비스도 없어 복제본마다 데이터가 따로 "
            "있습니다.",
            fix=Text(
                en="Mount a named volume at {folder} (`volumes: [backend-data:{folder}]` on {service}, "
                "`backend-data:` under top-level `volumes:`), or move the database path onto the "
                "volume {service} already mounts.",
                ko="{folder}에 named volume을 마운트하거나 ({service}에 "
                "`volumes: [backend-data:{folder}]`, 최상위 `volumes:`에 `backend-data:`), "
                "데이터베이스 경로를 {service}{가} 이미 마운트한 볼륨 안으로 옮기세요.",
            ),
            params=("folder", "path", "service", "what"),
        ),
        "own_volume": Message(
            en="The database {path} ({what}) is on {target}, a volume without a name ({kind}): Compose "
            "gives each replica its own, so every replica has its own data.",
            ko="데이터베이스 {path}({what}){가} 익명 볼륨 {target}({kind})에 있습니다. Compose가 "
            "복제본마다 따로 만들어 데이터가 복제본마다 따로 있습니다.",
            fix=Text(
                en="Name the volume: `backend-data:{target}` on {service} and `backend-data:` under "
                "top-level `volumes:`.",
                ko="볼륨에 이름을 붙이세요: {service}에 `backend-data:{target}`, 최상위 `volumes:`에 `backend-data:`.",
            ),
            params=("kind", "path", "service", "target", "what"),
            extra=("folder",),
        ),
        "tmpfs": Message(
            en="The database {path} ({what}) is on {target}, a tmpfs: memory of each container's own, so "
            "every replica has its own data, and loses it when it restarts.",
            ko="데이터베이스 {path}({what}){가} `tmpfs`인 {target}에 있습니다. `tmpfs`는 컨테이너마다 따로 "
            "있는 메모리라서 복제본마다 데이터가 따로 생기고, 컨테이너가 다시 시작하면 데이터가 사라집니다.",
            fix=Text(
                en="Mount a named volume at {target} instead of the tmpfs: `volumes: [backend-data:{target}]` on "
                "{service}, `backend-data:` under top-level `volumes:`.",
                ko="`tmpfs` 대신 {target}에 named volume을 마운트하세요. {service} 서비스에 "
                "`volumes: [backend-data:{target}]`{를}, 최상위 `volumes:`에 `backend-data:`{를} 추가합니다.",
            ),
            params=("path", "service", "target", "what"),
            extra=("folder",),
        ),
        "image_volume": Message(
            en="The database {path} ({what}) is under the image's `VOLUME {target}`, an anonymous volume "
            "per container: every replica has its own data.",
            ko="데이터베이스 {path}({what}){가} 이미지의 `VOLUME {target}` 아래에 있습니다. 컨테이너마다 "
            "따로 생기는 익명 볼륨이라 복제본마다 데이터가 따로 있습니다.",
            fix=Text(
                en="Mount a named volume over it in the compose file: `volumes: [backend-data:{target}]` "
                "on {service}, `backend-data:` under top-level `volumes:`.",
                ko="compose 파일에서 그 위에 named volume을 마운트하세요: {service}에 "
                "`volumes: [backend-data:{target}]`, 최상위 `volumes:`에 `backend-data:`.",
            ),
            params=("path", "service", "target", "what"),
            extra=("folder",),
        ),
    },
)

SQLITE_URL = re.compile(r"(?:jdbc:)?sqlite(?:\+\w+)?:(?P<rest>[^\s\"';]*)", re.IGNORECASE)
SQLITE_FILE = re.compile(r"(?:^|[\s=\"'])(?P<path>[\w./~-]*[\w-]\.(?:db|sqlite3?|db3))(?:$|[\s\"'?])", re.IGNORECASE)
SERVER_URL = re.compile(
    r"(jdbc:(?!sqlite)\w+:|postgres(ql)?(\+\w+)?://|mysql(\+\w+)?://|mariadb://|mongodb(\+srv)?://"
    r"|redis://|Host=[^;]+;.*Database=|Server=[^;]+;.*Database=)",
    re.IGNORECASE,
)
# MYSQL_HOST, DB_HOST, PGHOST, POSTGRES_SERVER, SPRING_DATA_MONGODB_HOST: where a database server is.
SERVER_NAME = re.compile(
    r"(MYSQL|POSTGRES(QL)?|PG|MONGO(DB)?|MARIADB|DB|DATABASE)_?(HOST|SERVER|HOSTNAME)$", re.IGNORECASE
)
DEFAULT = re.compile(r"\$\{\w+:?-(?P<default>[^}]*)\}")


@dataclass
class DbPath:
    """A database file path the backend is given, and where."""

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
        if key is not None and (
            path := sqlite_path(" ".join(map(str, key.value)) if isinstance(key.value, list) else str(key.value))
        ):
            return DbPath(path, False, what, ctx.compose_rel, key.line)
    df = ctx.ws.dockerfiles.get(backend.name)
    if df and df.final:
        from grader.compose.model import EnvVar  # the image's ENV, read as the compose file's would be

        env: list[EnvVar] = []
        for inst in df.final.instructions:
            if inst.keyword != "ENV" or not inst.args:
                continue
            if "=" in inst.args[0]:
                env += [
                    EnvVar(name, value, inst.line, df.rel)
                    for name, _, value in (a.partition("=") for a in inst.args if "=" in a)
                ]
            elif len(inst.args) >= 2:
                env.append(EnvVar(inst.args[0], " ".join(inst.args[1:]), inst.line, df.rel))
        return _from_env(env)
    return None


def workdir(ctx: CheckContext, backend: Service) -> str | None:
    df = ctx.ws.dockerfiles.get(backend.name)
    wd = None
    for inst in df.final.instructions if df and df.final else []:
        if inst.keyword == "WORKDIR" and inst.args:
            wd = posixpath.join(wd or "/", inst.args[0])
    return wd


def _covers(target: str, folder: str) -> bool:
    target = posixpath.normpath(target)
    return folder == target or folder.startswith(target.rstrip("/") + "/")


def uses_database_server(ctx: CheckContext, backend: Service) -> str | None:
    """The database service or server the backend is configured to use, if any."""
    dbs = [
        s.name
        for s in ctx.compose.services.values()
        if s.name != backend.name and is_database_service(s) and "redis" not in str(s.image.value if s.image else "")
    ]
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
    assert backend is not None  # NEEDS: grader.grade runs this check only with a backend
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
    elif mount is not None and mount.kind == "tmpfs":
        yield ctx.at_compose(Status.FAIL, "tmpfs", mount.line, target=mount.target, **params)
    elif mount is not None:
        yield ctx.at_compose(Status.FAIL, "own_volume", mount.line, target=mount.target, kind=mount.kind, **params)
    elif (tmpfs := _tmpfs(backend, folder)) is not None:
        yield ctx.at_compose(Status.FAIL, "tmpfs", tmpfs[1], target=tmpfs[0], **params)
    else:
        image_volume = _image_volume(ctx, backend, folder)
        if image_volume is not None:
            yield Finding(
                Status.FAIL, "image_volume", {**params, "target": image_volume[0]}, image_volume[1], image_volume[2]
            )
        else:
            yield Finding(Status.FAIL, "inside", params, db.file, db.line)


def _tmpfs(backend: Service, folder: str) -> tuple[str, int] | None:
    """The service's `tmpfs:` entry (a path, or a list of them, each maybe with `:options`) over
    the folder, and its line."""
    from grader.submission.yamlfile import YScalar, YSeq

    node = backend.node.items.get("tmpfs")
    items = node.items if isinstance(node, YSeq) else [node] if node is not None else []
    for item in items:
        if isinstance(item, YScalar) and isinstance(item.value, str):
            target = item.value.split(":", 1)[0]
            if target.startswith("/") and _covers(target, folder):
                return target, item.line
    return None


def _image_volume(ctx: CheckContext, backend: Service, folder: str) -> tuple[str, str, int] | None:
    """A Dockerfile VOLUME over the folder: an anonymous volume, one per container."""
    df = ctx.ws.dockerfiles.get(backend.name)
    if df is None or df.final is None:
        return None
    for inst in df.final.instructions:
        if inst.keyword == "VOLUME":
            for target in inst.args:
                if target.startswith("/") and _covers(target, folder):
                    return target, df.rel, inst.line
    return None
