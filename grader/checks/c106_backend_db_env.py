"""C6: the backend takes its database settings from `environment` or `env_file`, not from
values written into its command."""
import re
from typing import Iterator

from grader.checks.context import CheckContext
from grader.compose.model import EnvVar
from grader.results import Finding, Status

CODE = "C106"
SLUG = "compose.backend-db-env"
ASK = "C6"
NEEDS = ("backend",)

DB_NAME_PARTS = ("DATABASE", "DATASOURCE", "MYSQL", "POSTGRES", "MONGO", "SQLITE", "MARIADB",
                 "CONNECTIONSTRING", "JDBC")
DB_NAME_TOKENS = {"DB", "SQL", "DSN", "PG", "PGHOST", "PGDATABASE", "PGUSER", "PGPASSWORD", "PGPORT"}
DB_IMAGES = ("postgres", "mysql", "mariadb", "mongo", "mssql", "cockroach", "couchdb", "cassandra")
LOCATOR_SUFFIXES = ("_URI", "_URL", "_HOST", "_DSN", "_SERVER")
DB_VALUE = re.compile(r"(jdbc:|postgres(ql)?://|mysql(\+\w+)?://|mariadb://|mongodb(\+srv)?://|sqlite:|"
                      r"Server=.*;Database=|Data Source=|\.db\b|\.sqlite3?\b)", re.IGNORECASE)


def is_db_setting(e: EnvVar) -> bool:
    name = e.name.upper()
    tokens = set(re.split(r"[_\W]+", name))
    return (any(p in name for p in DB_NAME_PARTS) or bool(tokens & DB_NAME_TOKENS)
            or bool(e.value and DB_VALUE.search(e.value)))


def db_services(ctx: CheckContext) -> set[str]:
    out = set()
    for s in ctx.compose.services.values():
        image = str(s.image.value).lower() if s.image else ""
        if any(i in image.rsplit("/", 1)[-1] for i in DB_IMAGES) or s.name.lower() in ("db", "database"):
            out.add(s.name)
    return out


def check(ctx: CheckContext) -> Iterator[Finding]:
    backend = ctx.backend
    for key in (backend.command, backend.entrypoint):
        if key is not None and DB_VALUE.search(str(key.value)):
            yield ctx.at_compose(Status.FAIL, "hardcoded", key.line, service=backend.name,
                                 text=str(key.value)[:80])
            return
    found = [e for e in backend.all_env if is_db_setting(e)]
    dbs = db_services(ctx) & {d.service for d in backend.depends_on}
    if not found and dbs:
        # It talks to a database service: a locator (…_URI, …_HOST) or the service's name is its setting.
        found = [e for e in backend.all_env if e.name.upper().endswith(LOCATOR_SUFFIXES)
                 or (e.value and any(db in e.value for db in dbs))]
    if found:
        e = found[0]
        yield Finding(Status.PASS, "pass", {"service": backend.name, "name": e.name,
                                            "names": ", ".join(x.name for x in found[:5])}, e.file, e.line)
        return
    unread = [r for r in backend.env_files if not r.read]
    if unread:
        yield ctx.at_compose(Status.PASS, "env_file_unread", unread[0].line, service=backend.name, path=unread[0].path)
        return
    line = backend.line_of("environment") if backend.environment else backend.line
    yield ctx.at_compose(Status.FAIL, "missing", line, service=backend.name)
