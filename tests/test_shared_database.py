"""C110: the backend's SQLite database kept inside each replica's container is caught from the
files (the step's pitfall that otherwise scores full marks statically and fails
runtime.shared-state), and a database the replicas do share is not."""

from __future__ import annotations

from pathlib import Path

from conftest import by_slug, grade_json, shared_path
from test_corpus import grade_case
from test_mutations import BACKEND_VOLUME, COMPOSE, edit, line_of, sqlite_per_replica

SLUG = "compose.backend-shared-database"


def c110(ws: Path) -> dict:
    return by_slug(grade_json(ws)[1])[SLUG]


def test_per_replica_file_points_at_the_setting_with_a_fix_for_its_folder(ws: Path) -> None:
    sqlite_per_replica(ws)
    code, report = grade_json(ws)
    r = by_slug(report)[SLUG]
    assert code == 1 and r["status"] == "fail" and r["points"] == 0 and r["max_points"] == 10
    assert (r["file"], r["line"]) == (COMPOSE, line_of(ws / COMPOSE, "DATABASE_PATH=/tmp/contoso.db"))
    assert "/tmp/contoso.db" in r["message"] and "DATABASE_PATH" in r["message"]
    assert "backend-data:/tmp" in r["hint"]


def test_named_volume_at_the_folder_passes_and_says_which(ws: Path) -> None:
    r = c110(ws)
    assert r["status"] == "pass" and "backend-data" in r["message"] and "/data/contoso.db" in r["message"]
    assert r["line"] == line_of(ws / COMPOSE, "- backend-data:/data")


def test_a_volume_over_a_parent_folder_counts(ws: Path) -> None:
    edit(ws / COMPOSE, "DATABASE_PATH=/data/contoso.db", "DATABASE_PATH=/data/db/contoso.db")
    assert c110(ws)["status"] == "pass"
    edit(ws / COMPOSE, "backend-data:/data\n", "backend-data:/data/other\n")
    assert c110(ws)["status"] == "fail"


def test_default_of_an_interpolated_path_is_what_runs(ws: Path) -> None:
    edit(ws / COMPOSE, "DATABASE_PATH=/data/contoso.db", "DATABASE_PATH=${DB_FILE:-/srv/contoso.db}")
    r = c110(ws)
    assert r["status"] == "fail" and "/srv/contoso.db" in r["message"]


def test_path_in_the_command(ws: Path) -> None:
    edit(ws / COMPOSE, "      - DATABASE_PATH=/data/contoso.db\n", "")
    edit(
        ws / COMPOSE,
        "    expose:\n",
        '    command: ["python", "app.py", "--db", "sqlite:////var/app/contoso.db"]\n    expose:\n',
    )
    r = c110(ws)
    assert r["status"] == "fail" and "/var/app/contoso.db" in r["message"] and "(command)" in r["message"]


def test_relative_path_is_resolved_from_the_image_workdir(ws: Path) -> None:
    edit(ws / COMPOSE, "DATABASE_PATH=/data/contoso.db", "DATABASE_PATH=./data/contoso.db")
    r = c110(ws)
    assert r["status"] == "fail" and "/app/data/contoso.db" in r["message"]  # WORKDIR /app
    edit(ws / COMPOSE, "backend-data:/data\n", "backend-data:/app/data\n")
    assert c110(ws)["status"] == "pass"


def test_image_volume_is_one_per_container(ws: Path) -> None:
    edit(ws / COMPOSE, BACKEND_VOLUME, "")
    edit(ws / "backend" / "Dockerfile", "WORKDIR /app\n", "WORKDIR /app\nVOLUME /data\n")
    r = c110(ws)
    assert r["status"] == "fail" and "VOLUME /data" in r["message"]
    assert (r["file"], r["line"]) == ("backend/Dockerfile", 3)


def test_database_server_from_the_environment_passes_without_a_volume(ws: Path) -> None:
    edit(ws / COMPOSE, "DATABASE_PATH=/data/contoso.db", "MYSQL_HOST=mysql.example.internal")
    edit(ws / COMPOSE, BACKEND_VOLUME, "")
    r = c110(ws)
    assert r["status"] == "pass" and "MYSQL_HOST" in r["message"]


def test_no_database_path_is_not_a_failure(ws: Path) -> None:
    edit(ws / COMPOSE, "      - DATABASE_PATH=/data/contoso.db\n", "")
    r = c110(ws)
    assert r["status"] == "skip" and r["max_points"] == 0


def test_corpus_never_fails_a_backend_that_uses_a_database_service() -> None:
    # Every corpus backend that names a database server or service passes; the two that fail keep
    # SQLite under /app/data with the `sqlite-data` volume declared but never mounted.
    failed = []
    for case in sorted(shared_path("corpus", "dev").iterdir()):
        if (case / "labels.yaml").exists():
            r = by_slug(grade_case(case))[SLUG]
            if r["status"] == "fail":
                failed.append(case.name)
                assert "jdbc:sqlite" in (case / "docker-compose.yml").read_text(encoding="utf-8-sig")
    assert failed == ["02-handson-step06", "03-handson-step07"]
