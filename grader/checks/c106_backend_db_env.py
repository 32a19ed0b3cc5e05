"""C6: the backend takes its database settings from `environment` or `env_file`, not from
values written into its command."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from grader.checks.context import CheckContext
from grader.results import Finding, Status
from grader.texts import CheckTexts, Message, Text

if TYPE_CHECKING:
    from grader.compose.model import EnvVar

CODE = "C106"
SLUG = "compose.backend-db-env"
ASK = "C6"
NEEDS = ("backend",)

TEXTS = CheckTexts(
    CODE,
    title=Text(
        en="The backend takes its database settings from environment variables",
        ko="백엔드는 데이터베이스 설정을 환경 변수로 받아야 합니다",
    ),
    why=Text(
        en="Every replica must use the same database, configured in one place. Settings in `environment` "
        "or `env_file` can change without rebuilding the image; values written into a command or "
        "baked into the image cannot.",
        ko="모든 복제본은 한 곳에서 설정한 같은 데이터베이스를 써야 합니다. `environment`나 `env_file`의 "
        "설정은 이미지를 다시 빌드하지 않고 바꿀 수 있지만, 명령이나 이미지에 박힌 값은 그럴 수 "
        "없습니다.",
    ),
    fix=Text(
        en="Add the database setting under the backend's `environment:` (for example "
        "`DATABASE_PATH=/data/app.db` or `SPRING_DATASOURCE_URL=...`) or in an env_file, and read it "
        "in the app.",
        ko="백엔드의 `environment:` (예: `DATABASE_PATH=/data/app.db` 또는 "
        "`SPRING_DATASOURCE_URL=...`)나 env_file에 데이터베이스 설정을 넣고 앱에서 읽으세요.",
    ),
    example_fail="""\
backend:
  environment:
    - SPRING_PROFILES_ACTIVE=docker
""",
    example_pass="""\
backend:
  environment:
    - DATABASE_PATH=/data/contoso.db
""",
    messages={
        "pass": Message(
            en="Service {service} gets its database settings from the environment ({names}).",
            ko="{service} 서비스가 데이터베이스 설정을 환경 변수로 받습니다 ({names}).",
            params=("names", "service"),
            extra=("name",),
        ),
        "missing": Message(
            en="Service {service} has no database setting in environment or env_file.",
            ko="{service} 서비스의 environment나 env_file에 데이터베이스 설정이 없습니다.",
            params=("service",),
        ),
        "empty": Message(
            en="Service {service} gets {name} with an empty value ({written}): the app has no database "
            "to open, and every request that needs one fails.",
            ko="{service} 서비스가 {name}{을} 빈 값으로 받습니다({written}). 앱이 열 데이터베이스가 없으므로 "
            "데이터베이스가 필요한 요청은 모두 실패합니다.",
            fix=Text(
                en="Give {name} a value, e.g. `{name}=/data/contoso.db`.",
                ko="{name}에 값을 주세요. 예: `{name}=/data/contoso.db`.",
            ),
            params=("name", "service", "written"),
        ),
        "empty_variable": Message(
            en="Service {service} gets {name} with an empty value: `{written}` takes {variable} from {where}, "
            "where it is set to nothing, and `${{{variable}?…}}` stops Compose only when {variable} is unset, "
            "not when it is empty. The app has no database to open, and every request that needs one fails.",
            ko="{service} 서비스가 {name}{을} 빈 값으로 받습니다. `{written}`{은} {variable}{을} {where}에서 "
            "가져오는데, 거기에는 빈 값으로 설정되어 있습니다. `${{{variable}?…}}`{은} {variable}{이} 설정되지 "
            "않았을 때만 Compose를 멈추고, 빈 값일 때는 멈추지 않습니다. 앱이 열 데이터베이스가 없으므로 "
            "데이터베이스가 필요한 요청은 모두 실패합니다.",
            fix=Text(
                en="Give {variable} a value at {where} (`{variable}=/data/contoso.db`); with `:?` instead of "
                "`?` (`${{{variable}:?…}}`) Compose also refuses an empty value.",
                ko="{where}에서 {variable}에 값을 주세요(`{variable}=/data/contoso.db`). "
                "`${{{variable}:?…}}`처럼 `?` 자리에 `:?`{를} 쓰면 Compose가 빈 값도 거부합니다.",
            ),
            params=("name", "service", "variable", "where", "written"),
        ),
        "env_file_unread": Message(
            en="Service {service} takes settings from env_file {path}, which is not in the submission; "
            "the database settings are assumed to be there.",
            ko="{service} 서비스가 env_file {path}에서 설정을 받습니다. 이 파일은 제출물에 없어 "
            "데이터베이스 설정이 그 안에 있다고 봅니다.",
            params=("path", "service"),
        ),
        "hardcoded": Message(
            en="Service {service} writes a database location into its command ({text}); move it to an "
            "environment variable.",
            ko="{service} 서비스가 명령에 데이터베이스 위치를 직접 씁니다 ({text}). 환경 변수로 옮기세요.",
            params=("service", "text"),
        ),
    },
)

DB_NAME_PARTS = (
    "DATABASE",
    "DATASOURCE",
    "MYSQL",
    "POSTGRES",
    "MONGO",
    "SQLITE",
    "MARIADB",
    "CONNECTIONSTRING",
    "JDBC",
)
DB_NAME_TOKENS = {"DB", "SQL", "DSN", "PG", "PGHOST", "PGDATABASE", "PGUSER", "PGPASSWORD", "PGPORT"}
DB_IMAGES = ("postgres", "mysql", "mariadb", "mongo", "mssql", "cockroach", "couchdb", "cassandra")
LOCATOR_SUFFIXES = ("_URI", "_URL", "_HOST", "_DSN", "_SERVER")
DB_VALUE = re.compile(
    r"(jdbc:|postgres(ql)?://|mysql(\+\w+)?://|mariadb://|mongodb(\+srv)?://|sqlite:|"
    r"Server=.*;Database=|Data Source=|\.db\b|\.sqlite3?\b)",
    re.IGNORECASE,
)


def is_db_setting(e: EnvVar) -> bool:
    name = e.name.upper()
    tokens = set(re.split(r"[_\W]+", name))
    return (
        any(p in name for p in DB_NAME_PARTS)
        or bool(tokens & DB_NAME_TOKENS)
        or bool(e.value and DB_VALUE.search(e.value))
    )


def db_services(ctx: CheckContext) -> set[str]:
    out = set()
    for s in ctx.compose.services.values():
        image = str(s.image.value).lower() if s.image else ""
        if any(i in image.rsplit("/", 1)[-1] for i in DB_IMAGES) or s.name.lower() in ("db", "database"):
            out.add(s.name)
    return out


def check(ctx: CheckContext) -> Iterator[Finding]:
    backend = ctx.backend
    assert backend is not None  # NEEDS: grader.grade runs this check only with a backend
    for key in (backend.command, backend.entrypoint):
        if key is not None and DB_VALUE.search(str(key.value)):
            yield ctx.at_compose(Status.FAIL, "hardcoded", key.line, service=backend.name, text=str(key.value)[:80])
            return
    found = [e for e in backend.all_env if is_db_setting(e)]
    dbs = db_services(ctx) & {d.service for d in backend.depends_on}
    if not found and dbs:
        # It talks to a database service: a locator (…_URI, …_HOST) or the service's name is its setting.
        found = [
            e
            for e in backend.all_env
            if e.name.upper().endswith(LOCATOR_SUFFIXES) or (e.value and any(db in e.value for db in dbs))
        ]
    empty = empty_setting(ctx) if found else None
    if empty is not None:
        yield _empty(backend.name, empty)
        return
    if found:
        e = found[0]
        yield Finding(
            Status.PASS,
            "pass",
            {"service": backend.name, "name": e.name, "names": ", ".join(x.name for x in found[:5])},
            e.file,
            e.line,
        )
        return
    unread = [r for r in backend.env_files if not r.read]
    if unread:
        yield ctx.at_compose(Status.PASS, "env_file_unread", unread[0].line, service=backend.name, path=unread[0].path)
        return
    line = backend.line_of("environment") if backend.environment else backend.line
    yield ctx.at_compose(Status.FAIL, "missing", line, service=backend.name)


def empty_setting(ctx: CheckContext) -> tuple[EnvVar, str, tuple[str, str] | None] | None:
    """The backend's database setting when its files make it empty for sure: written empty
    (`DATABASE_PATH=`), or taken from a variable the project's .env sets to nothing (`${VAR?…}`
    lets that through). Returns (setting, as written, (variable, where it is set) or None). A
    variable that is not set anywhere is not judged: a learner's shell may set it."""
    backend = ctx.backend
    if backend is None:
        return None
    for e in backend.all_env:
        if e.value != "" or not is_db_setting(e):
            continue
        written = ctx.ws.written(e.file, e.line).removeprefix("- ")
        if "$" not in written:
            return e, written or f"{e.name}=", None
        for name, v in ctx.ws.compose_env.items():
            if v.value == "" and re.search(r"\$\{?" + re.escape(name) + r"\b", written):
                return e, written, (name, f"{v.file}:{v.line}" if v.line else v.file)
    return None


def _empty(service: str, found: tuple[EnvVar, str, tuple[str, str] | None]) -> Finding:
    e, written, variable = found
    if variable is None:
        return Finding(Status.FAIL, "empty", {"service": service, "name": e.name, "written": written}, e.file, e.line)
    return Finding(
        Status.FAIL,
        "empty_variable",
        {"service": service, "name": e.name, "written": written, "variable": variable[0], "where": variable[1]},
        e.file,
        e.line,
    )
