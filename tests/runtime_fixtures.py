"""The runtime test fixtures: each a copy of workshop/ with one mistake, as edits (file, old,
new). tests/test_runtime.py grades them, and benchmarks/runtime_repeat.py grades them many
times to show that each gets the same verdict every time."""

from __future__ import annotations

import shutil
from pathlib import Path

WORKSHOP = Path(__file__).resolve().parent.parent / "workshop"

FIXTURES: dict[str, list[tuple[str, str, str]]] = {
    "literal-proxy-pass": [("frontend/nginx.conf", "proxy_pass $backend_upstream;", "proxy_pass http://backend:8080;")],
    "sqlite-per-replica": [("docker-compose.yml", "DATABASE_PATH=/data/contoso.db", "DATABASE_PATH=/tmp/contoso.db")],
    # Docker's DNS gives every answer a TTL of 600 s: without valid= nginx keeps it that long.
    "resolver-without-valid": [
        ("frontend/nginx.conf", "resolver 127.0.0.11 valid=10s ipv6=off;", "resolver 127.0.0.11 ipv6=off;")
    ],
    # nginx listens on IPv6 only (ipv6only=on): the published port reaches the container over IPv4.
    "listen-ipv6-only": [("frontend/nginx.conf", "    listen 80;", "    listen [::]:80;")],
    "wrong-backend-port": [("frontend/nginx.conf", "http://backend:8080;", "http://backend:8081;")],
    "container-name": [("docker-compose.yml", "  backend:\n", "  backend:\n    container_name: socialapp-backend\n")],
    "backend-exits": [
        (
            "docker-compose.yml",
            "    expose:\n",
            '    command: ["python", "-c", "raise SystemExit(\'cannot open the database\')"]\n    expose:\n',
        )
    ],
    # A backend whose app opens its port 8 s (20 s) after the container starts, as a JVM app or a
    # slow import does: every check must still pass, on a busy machine too.
    "slow-start-8": [
        (
            "docker-compose.yml",
            "    expose:\n",
            '    command: ["sh", "-c", "sleep 8; exec python -u app.py"]\n    expose:\n',
        )
    ],
    "slow-start-20": [
        (
            "docker-compose.yml",
            "    expose:\n",
            '    command: ["sh", "-c", "sleep 20; exec python -u app.py"]\n    expose:\n',
        )
    ],
    # .dockerignore leaves the config out of the build context: the build stops at its COPY.
    "dockerignore-config": [("frontend/.dockerignore", "", "# what the image does not need\nnginx.conf\n")],
    # ip_hash: every request reaches nginx from the network's gateway, so one replica gets all.
    "upstream-ip-hash": [
        (
            "frontend/nginx.conf",
            "server {\n",
            "resolver 127.0.0.11 valid=10s ipv6=off;\n\nupstream backend_pool {\n"
            "    zone backend_pool 64k;\n    ip_hash;\n    server backend:8080 resolve;\n}\n\n"
            "server {\n",
        ),
        (
            "frontend/nginx.conf",
            "        set $backend_upstream http://backend:8080;\n        proxy_pass $backend_upstream;",
            "        proxy_pass http://backend_pool;",
        ),
    ],
    # The config copied to a folder the official image's nginx.conf never includes.
    "sites-enabled": [
        (
            "frontend/Dockerfile",
            "COPY nginx.conf /etc/nginx/conf.d/default.conf",
            "COPY nginx.conf /etc/nginx/sites-enabled/default.conf",
        )
    ],
    # `${VAR?}` stops Compose only when VAR is unset: .env's `DB_PATH=` gives an empty path.
    "empty-db-variable": [
        ("docker-compose.yml", "DATABASE_PATH=/data/contoso.db", "DATABASE_PATH=${DB_PATH?set DB_PATH in .env}"),
        (".env", "", "DB_PATH=\n"),
    ],
    "fixed-backend-port": [
        ("docker-compose.yml", '    expose:\n      - "8080"\n', '    ports:\n      - "18999:8080"\n')
    ],
}


def edit(path: Path, old: str, new: str) -> None:
    """Replace `old` by `new` once; with `old` empty, a file that is not there is made."""
    if not old and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(new)
        return
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def materialize(name: str, dest: Path) -> Path:
    """A copy of workshop/ at `dest` with fixture `name`'s edits applied."""
    shutil.copytree(WORKSHOP, dest)
    for rel, old, new in FIXTURES[name]:
        edit(dest / rel, old, new)
    return dest
