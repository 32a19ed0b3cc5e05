"""Compose projects built on the workshop solution, one per Compose feature the grader follows
(override, include, extends, COMPOSE_FILE, interpolation, profiles, !reset/!override, several
documents, configs.content). Each case is the files to write over a copy of workshop/ (None
deletes a file). tests/test_compose_loading.py grades them; tests/test_compose_oracle.py holds
the grader's effective model of each equal to `docker compose config`."""
from __future__ import annotations

import shutil
from pathlib import Path

from conftest import WORKSHOP

COMPOSE = "docker-compose.yml"
BASE = (WORKSHOP / COMPOSE).read_text(encoding="utf-8")


def with_backend(extra: str) -> str:
    """The workshop compose file with `extra` (indented service keys) added to the backend."""
    return BASE.replace("    restart: unless-stopped\n\nnetworks:", extra + "    restart: unless-stopped\n\nnetworks:")


def without_backend() -> str:
    start = BASE.index("  # Backend: scalable.")
    end = BASE.index("networks:\n  appnet:")
    return BASE[:start] + BASE[end:]


BACKEND_ONLY = BASE[BASE.index("  backend:"):BASE.index("networks:\n  appnet:")]

CASES: dict[str, dict[str, str | None]] = {
    # -- files Compose picks -------------------------------------------------------------------
    "override adds container_name": {
        "docker-compose.override.yml": "services:\n  backend:\n    container_name: socialapp-backend\n"},
    "override adds backend ports": {
        "docker-compose.override.yml": "services:\n  backend:\n    ports:\n      - \"8080:8080\"\n"},
    "compose.override.yaml with a docker-compose.yml": {
        "compose.override.yaml": "services:\n  frontend:\n    ports: !override\n      - \"8080:80\"\n"},
    "COMPOSE_FILE in .env": {
        COMPOSE: None, "deploy/stack.yml": BASE.replace("./frontend", "../frontend").replace("./backend", "../backend"),
        ".env": "COMPOSE_FILE=deploy/stack.yml\n"},
    "COMPOSE_FILE with two files": {
        ".env": "# files\nCOMPOSE_FILE=docker-compose.yml:ops.yml\n",
        "ops.yml": "services:\n  backend:\n    container_name: ops-backend\n",
        "docker-compose.override.yml": "services:\n  backend:\n    ports: [\"9999:8080\"]\n"},
    "compose.yaml before docker-compose.yml": {
        "compose.yaml": BASE, COMPOSE: with_backend("    container_name: old-file\n")},
    "docker-compose.yml before docker-compose.yaml": {
        "docker-compose.yaml": with_backend("    container_name: other-file\n")},
    # -- include ---------------------------------------------------------------------------------
    "include defines the backend": {
        COMPOSE: "include:\n  - backend/compose.yml\n" + without_backend(),
        "backend/compose.yml": "services:\n" + BACKEND_ONLY.replace("./backend", ".")
        + "networks:\n  appnet:\n    driver: bridge\nvolumes:\n  backend-data:\n"},
    "include long form with its own env file": {
        COMPOSE: "include:\n  - path: parts/backend.yml\n    env_file: parts/part.env\n" + without_backend(),
        "parts/backend.yml": "services:\n" + BACKEND_ONLY.replace("./backend", "../backend").replace(
            "PORT=8080", "PORT=${BACKEND_PORT:-8000}")
        + "networks:\n  appnet:\n    driver: bridge\nvolumes:\n  backend-data:\n",
        "parts/part.env": "BACKEND_PORT=8080\n"},
    "include of a missing file": {COMPOSE: "include:\n  - backend.yml\n" + without_backend()},
    # -- extends ---------------------------------------------------------------------------------
    "extends another file brings container_name and ports": {
        COMPOSE: with_backend("    extends:\n      file: common.yml\n      service: base\n"),
        "common.yml": "services:\n  base:\n    container_name: backend-one\n    ports:\n      - \"8080:8080\"\n"},
    "extends in the same file": {
        COMPOSE: with_backend("    extends: template\n").replace(
            "networks:\n  appnet:", "  template:\n    image: python:3.13-slim\n    container_name: tmpl\n"
            "\nnetworks:\n  appnet:")},
    "extends inherits the base's profile": {
        COMPOSE: with_backend("    extends: template\n").replace(
            "networks:\n  appnet:", "  template:\n    image: python:3.13-slim\n    profiles: [template]\n"
            "\nnetworks:\n  appnet:")},
    "extends with the base in a sub-folder": {
        COMPOSE: BASE.replace("    build:\n      context: ./backend\n",
                              "    extends:\n      file: backend/base.yml\n      service: app\n"),
        "backend/base.yml": "services:\n  app:\n    build: .\n    env_file: app.env\n",
        "backend/app.env": "DATABASE_PATH=/data/contoso.db\n"},
    "extends a missing file": {
        COMPOSE: with_backend("    extends:\n      file: nowhere.yml\n      service: base\n")},
    # -- interpolation ---------------------------------------------------------------------------
    "interpolation defaults": {
        COMPOSE: BASE.replace('"80:80"', '"${FRONTEND_PORT:-80}:${NGINX_PORT:-80}"')
        .replace("    driver: bridge\n", "    name: ${APP_NETWORK:-appnet}\n    driver: bridge\n")
        .replace("      context: ./backend\n", "      context: ./backend\n    container_name: ${NAME:-}\n")},
    "interpolation from .env": {
        COMPOSE: with_backend("    container_name: ${BACKEND_NAME}\n"),
        ".env": "# names\nexport BACKEND_NAME='socialapp-backend'\n"},
    "variable unset gives empty container_name": {COMPOSE: with_backend("    container_name: ${BACKEND_NAME}\n")},
    "ephemeral backend port through an empty default": {
        COMPOSE: with_backend("    ports:\n      - \"${BACKEND_PORT:-}:8080\"\n")},
    "backend port from .env": {
        COMPOSE: with_backend("    ports:\n      - \"${BACKEND_PORT:-}:8080\"\n"), ".env": "BACKEND_PORT=8080\n"},
    "required variable missing": {COMPOSE: BASE.replace('"80:80"', '"${FRONTEND_PORT:?set FRONTEND_PORT}:80"')},
    "dollar escapes and alternatives": {
        COMPOSE: BASE.replace("      - PORT=8080\n", "      - PORT=8080\n      - PRICE=$$5\n      - MODE=${DEBUG:+debug}\n"
                              "      - LEVEL=${LEVEL-info}\n      - EMPTY=${EMPTY:-fallback}\n      - BARE\n"),
        ".env": "DEBUG=1\nEMPTY=\n"},
    "env_file interpolated from .env": {
        COMPOSE: with_backend("    env_file:\n      - backend/db.env\n      - path: backend/optional.env\n"
                              "        required: false\n"),
        "backend/db.env": "DATABASE_PATH=${DB_DIR:-/tmp}/contoso.db\nQUOTED=\"a b\" # note\nRAW='$DB_DIR'\n",
        ".env": "DB_DIR=/data\n"},
    "env_file missing": {COMPOSE: with_backend("    env_file: backend/missing.env\n")},
    # -- profiles --------------------------------------------------------------------------------
    "backend only in a profile": {COMPOSE: with_backend("    profiles: [app]\n").replace(
        "    depends_on:\n      - backend\n", "")},
    "profile enabled in .env": {
        COMPOSE: with_backend("    profiles: [app]\n"), ".env": "COMPOSE_PROFILES=app\n"},
    "debug service in a profile": {
        COMPOSE: BASE.replace("networks:\n  appnet:", "  debug:\n    image: nginx:1.30\n    container_name: dbg\n"
                              "    ports: [\"8081:80\"]\n    profiles: [debug]\n\nnetworks:\n  appnet:")},
    # -- !reset, !override, several documents --------------------------------------------------
    "!reset in an override": {
        COMPOSE: with_backend("    container_name: socialapp-backend\n    ports:\n      - \"8080:8080\"\n"),
        "docker-compose.override.yml": "services:\n  backend:\n    container_name: !reset null\n    ports: !reset []\n"},
    "override changes the backend's port": {
        "docker-compose.override.yml": "services:\n  backend:\n    environment:\n      PORT: \"9090\"\n"},
    "!override in an override": {
        "docker-compose.override.yml": "services:\n  backend:\n    environment: !override\n"
                                       "      DATABASE_PATH: /data/other.db\n      PORT: \"8080\"\n"},
    "override merges lists and maps": {
        "docker-compose.override.yml": "services:\n  backend:\n    environment:\n      PORT: \"8080\"\n"
                                       "      EXTRA: \"1\"\n    volumes:\n      - ./seed:/data\n"
                                       "  frontend:\n    ports:\n      - \"80:80\"\n      - \"8443:443\"\n"},
    "several YAML documents": {
        COMPOSE: BASE + "---\nservices:\n  backend:\n    environment:\n      - EXTRA=1\n"},
    "several documents with a reset": {
        COMPOSE: with_backend("    container_name: first\n") + "---\nservices:\n  backend:\n    container_name: !reset\n"},
    # -- configs ---------------------------------------------------------------------------------
    "configs.content": {
        COMPOSE: BASE.replace("    restart: unless-stopped\n\n  # Backend",
                              "    configs:\n      - source: extra\n        target: /etc/nginx/conf.d/extra.conf\n"
                              "    restart: unless-stopped\n\n  # Backend")
        + "\nconfigs:\n  extra:\n    content: |\n      # port ${NGINX_PORT:-80}\n      server_tokens off;\n"},
    # -- what Compose refuses --------------------------------------------------------------------
    "undefined network": {COMPOSE: BASE.replace("networks:\n  appnet:\n    driver: bridge\n", "")},
    "depends on a missing service": {COMPOSE: BASE.replace("      - backend\n    networks", "      - api\n    networks")},
}


def make(dest: Path, name: str) -> Path:
    """A copy of workshop/ with the case's files written (and None ones removed)."""
    shutil.copytree(WORKSHOP, dest, ignore=shutil.ignore_patterns("__pycache__"))
    for rel, text in CASES[name].items():
        p = dest / rel
        if text is None:
            p.unlink()
            continue
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return dest
