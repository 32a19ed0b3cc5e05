"""Contoso social API (posts, comments, likes under /api), Python standard library only.

Every replica opens the same SQLite file, given by DATABASE_PATH, on a volume they share;
WAL mode and a busy timeout let several replicas write to it safely on one host.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import sqlite3
import sys
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DATABASE_PATH = os.environ.get("DATABASE_PATH", "/data/contoso.db")
PORT = int(os.environ.get("PORT", "8080"))
HOSTNAME = socket.gethostname()
UUID = r"([0-9a-fA-F-]{36})"
SCHEMA = """
CREATE TABLE IF NOT EXISTS posts (id TEXT PRIMARY KEY, username TEXT NOT NULL, content TEXT NOT NULL,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS comments (id TEXT PRIMARY KEY, post_id TEXT NOT NULL, username TEXT NOT NULL,
  content TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS likes (post_id TEXT NOT NULL, username TEXT NOT NULL, liked_at TEXT NOT NULL,
  PRIMARY KEY (post_id, username));
"""


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def connect() -> sqlite3.Connection:
    db = sqlite3.connect(DATABASE_PATH, timeout=10, isolation_level=None)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA busy_timeout = 10000")
    return db


def init_db() -> None:
    os.makedirs(os.path.dirname(DATABASE_PATH) or ".", exist_ok=True)
    db = connect()
    db.execute("PRAGMA journal_mode = WAL")
    db.executescript(SCHEMA)
    db.close()


class ApiError(Exception):
    def __init__(
        self, status: int, error: str, message: str, details: list[str] | None = None, allow: tuple[str, ...] = ()
    ):
        super().__init__(message)
        self.status, self.error, self.message, self.details = status, error, message, details
        self.allow = allow


def post_json(db: sqlite3.Connection, row: sqlite3.Row) -> dict:
    likes = db.execute("SELECT COUNT(*) FROM likes WHERE post_id = ?", (row["id"],)).fetchone()[0]
    comments = db.execute("SELECT COUNT(*) FROM comments WHERE post_id = ?", (row["id"],)).fetchone()[0]
    return {
        "id": row["id"],
        "username": row["username"],
        "content": row["content"],
        "createdAt": row["created_at"],
        "updatedAt": row["updated_at"],
        "likesCount": likes,
        "commentsCount": comments,
    }


def comment_json(row: sqlite3.Row) -> dict:
    return {
        "id": row["id"],
        "postId": row["post_id"],
        "username": row["username"],
        "content": row["content"],
        "createdAt": row["created_at"],
        "updatedAt": row["updated_at"],
    }


def validate(body: object, fields: dict[str, int]) -> dict:
    if not isinstance(body, dict):
        raise ApiError(400, "VALIDATION_ERROR", "The request body is invalid", ["body must be a JSON object"])
    problems = []
    for name, max_len in fields.items():
        value = body.get(name)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{name} is required")
        elif len(value) > max_len:
            problems.append(f"{name} must be at most {max_len} characters")
    if problems:
        raise ApiError(400, "VALIDATION_ERROR", "The request body is invalid", problems)
    return body


def get_post(db: sqlite3.Connection, post_id: str) -> sqlite3.Row:
    row = db.execute("SELECT * FROM posts WHERE id = ?", (post_id,)).fetchone()
    if row is None:
        raise ApiError(404, "NOT_FOUND", "The requested resource was not found")
    return row


def get_comment(db: sqlite3.Connection, post_id: str, comment_id: str) -> sqlite3.Row:
    row = db.execute("SELECT * FROM comments WHERE id = ? AND post_id = ?", (comment_id, post_id)).fetchone()
    if row is None:
        raise ApiError(404, "NOT_FOUND", "The requested resource was not found")
    return row


POST_FIELDS = {"username": 50, "content": 2000}
COMMENT_FIELDS = {"username": 50, "content": 1000}


def route(method: str, path: str, body: object, db: sqlite3.Connection) -> tuple[int, object]:
    if path == "/api/health":
        return 200, {"status": "ok", "instance": HOSTNAME}
    if path == "/api/posts":
        if method == "GET":
            rows = db.execute("SELECT * FROM posts ORDER BY created_at DESC").fetchall()
            return 200, [post_json(db, r) for r in rows]
        if method == "POST":
            b = validate(body, POST_FIELDS)
            t, pid = now(), str(uuid.uuid4())
            db.execute("INSERT INTO posts VALUES (?, ?, ?, ?, ?)", (pid, b["username"], b["content"], t, t))
            return 201, post_json(db, get_post(db, pid))
    if m := re.fullmatch(rf"/api/posts/{UUID}", path):
        pid = m.group(1)
        if method == "GET":
            return 200, post_json(db, get_post(db, pid))
        if method == "PATCH":
            b = validate(body, POST_FIELDS)
            get_post(db, pid)
            db.execute(
                "UPDATE posts SET username = ?, content = ?, updated_at = ? WHERE id = ?",
                (b["username"], b["content"], now(), pid),
            )
            return 200, post_json(db, get_post(db, pid))
        if method == "DELETE":
            get_post(db, pid)
            db.execute("DELETE FROM comments WHERE post_id = ?", (pid,))
            db.execute("DELETE FROM likes WHERE post_id = ?", (pid,))
            db.execute("DELETE FROM posts WHERE id = ?", (pid,))
            return 204, None
    if m := re.fullmatch(rf"/api/posts/{UUID}/comments", path):
        pid = m.group(1)
        get_post(db, pid)
        if method == "GET":
            rows = db.execute("SELECT * FROM comments WHERE post_id = ? ORDER BY created_at", (pid,)).fetchall()
            return 200, [comment_json(r) for r in rows]
        if method == "POST":
            b = validate(body, COMMENT_FIELDS)
            t, cid = now(), str(uuid.uuid4())
            db.execute("INSERT INTO comments VALUES (?, ?, ?, ?, ?, ?)", (cid, pid, b["username"], b["content"], t, t))
            return 201, comment_json(get_comment(db, pid, cid))
    if m := re.fullmatch(rf"/api/posts/{UUID}/comments/{UUID}", path):
        pid, cid = m.group(1), m.group(2)
        get_post(db, pid)
        if method == "GET":
            return 200, comment_json(get_comment(db, pid, cid))
        if method == "PATCH":
            b = validate(body, COMMENT_FIELDS)
            get_comment(db, pid, cid)
            db.execute(
                "UPDATE comments SET username = ?, content = ?, updated_at = ? WHERE id = ?",
                (b["username"], b["content"], now(), cid),
            )
            return 200, comment_json(get_comment(db, pid, cid))
        if method == "DELETE":
            get_comment(db, pid, cid)
            db.execute("DELETE FROM comments WHERE id = ?", (cid,))
            return 204, None
    if m := re.fullmatch(rf"/api/posts/{UUID}/likes", path):
        pid = m.group(1)
        get_post(db, pid)
        if method == "POST":
            b = validate(body, {"username": 50})
            t = now()
            db.execute("INSERT OR REPLACE INTO likes VALUES (?, ?, ?)", (pid, b["username"], t))
            return 201, {"postId": pid, "username": b["username"], "likedAt": t}
        if method == "DELETE":
            db.execute("DELETE FROM likes WHERE post_id = ?", (pid,))
            return 204, None
    allowed = allowed_methods(path)
    if allowed:
        raise ApiError(405, "METHOD_NOT_ALLOWED", f"{method} is not allowed on {path}", allow=allowed)
    raise ApiError(404, "NOT_FOUND", "The requested resource was not found")


# The resources and the methods each answers; a path that names none of them (an id that is not
# a UUID included) is 404, a known path with another method 405 with its Allow header.
RESOURCES = (
    (r"/api/posts", ("GET", "POST")),
    (rf"/api/posts/{UUID}", ("GET", "PATCH", "DELETE")),
    (rf"/api/posts/{UUID}/comments", ("GET", "POST")),
    (rf"/api/posts/{UUID}/comments/{UUID}", ("GET", "PATCH", "DELETE")),
    (rf"/api/posts/{UUID}/likes", ("POST", "DELETE")),
    (r"/api/health", ("GET",)),
)


def allowed_methods(path: str) -> tuple[str, ...]:
    return next((methods for pattern, methods in RESOURCES if re.fullmatch(pattern, path)), ())


class Handler(BaseHTTPRequestHandler):
    server_version = "contoso-api"
    protocol_version = "HTTP/1.1"

    def _handle(self, method: str) -> None:
        path = self.path.split("?", 1)[0].rstrip("/") or "/"
        headers: dict[str, str] = {}
        try:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                raise ApiError(400, "VALIDATION_ERROR", "The request body is invalid", ["body is not JSON"])
            db = connect()
            try:
                status, payload = route(method, path, body, db)
            finally:
                db.close()
        except ApiError as e:
            status, payload = e.status, {"error": e.error, "message": e.message}
            if e.details:
                payload["details"] = e.details
            if e.allow:
                headers["Allow"] = ", ".join(e.allow)
        except Exception as e:  # noqa: BLE001 - the contract's 500
            print(f"error: {e!r}", file=sys.stderr, flush=True)
            status, payload = 500, {"error": "INTERNAL_ERROR", "message": "An unexpected error occurred"}
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        if payload is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Served-By", HOSTNAME)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    # Methods no resource answers: 405 with the path's Allow header (404 for an unknown path),
    # not the standard library's 501.
    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_OPTIONS(self) -> None:
        self._handle("OPTIONS")

    def do_TRACE(self) -> None:
        self._handle("TRACE")

    def log_message(self, fmt: str, *args: object) -> None:
        # One line per request on stdout, with this replica's name: `docker compose logs backend`
        # shows which replica served what. One write per line: requests are served on several
        # threads, and print() writes the text and the newline separately.
        sys.stdout.write(f"{HOSTNAME} {self.address_string()} {fmt % args}\n")
        sys.stdout.flush()


def stop(signum: int, frame: object) -> None:
    # As PID 1 in a container, Python ignores SIGTERM unless it handles it: without this,
    # `docker compose stop` and scaling down would wait 10 s and then kill the replica.
    raise SystemExit(0)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, stop)
    init_db()
    print(f"{HOSTNAME} listening on :{PORT}, database {DATABASE_PATH}", flush=True)
    ThreadingHTTPServer(("0.0.0.0", PORT), Handler).serve_forever()
