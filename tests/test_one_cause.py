"""One cause, one finding: when a role, a file or nginx's /api location is missing, one check
says so with the fix that fits, and every check that needs it is `blocked` by that check (no
points, no fix of its own), in every format and in the summary line."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import REPO, by_slug, grade_json, run
from test_mutations import COMPOSE, NGINX, edit

BACKEND_CHECKS = {
    "compose.backend-no-container-name",
    "compose.backend-no-published-ports",
    "compose.network-appnet",
    "compose.backend-db-env",
    "compose.frontend-depends-on-backend",
    "nginx.api-proxies-to-backend",
    "nginx.api-port-matches-backend",
    "compose.backend-shared-database",
}
ROUTE_CHECKS = {
    "nginx.api-proxies-to-backend",
    "nginx.dynamic-backend-resolution",
    "nginx.proxy-headers",
    "nginx.container-networking",
    "nginx.api-port-matches-backend",
}


def rename_backend(ws: Path) -> None:
    text = (ws / COMPOSE).read_text(encoding="utf-8")
    (ws / COMPOSE).write_text(
        text.replace("  backend:\n", "  api:\n", 1).replace("      - backend\n", "      - api\n"), encoding="utf-8"
    )


def not_passing(report: dict) -> dict[str, dict]:
    return {slug: r for slug, r in by_slug(report).items() if r["status"] != "pass"}


def test_renamed_backend_is_one_finding_and_the_rest_are_blocked_by_it(ws: Path) -> None:
    rename_backend(ws)
    code, report = grade_json(ws)
    results = not_passing(report)
    assert code == 1 and report["passed"] is False
    assert {s: r["status"] for s, r in results.items()} == {
        "compose.services-found": "fail",
        **{s: "blocked" for s in BACKEND_CHECKS if s in by_slug(report)},
    }
    cause = results.pop("compose.services-found")
    # The finding names what nginx proxies to, the services there are, and a fix that fits.
    assert "`backend`" in cause["message"] and "frontend/nginx.conf:19" in cause["message"]
    assert "frontend, api" in cause["message"]
    assert "`backend`" in cause["hint"] and "(api)" in cause["hint"] and "container_name" not in cause["hint"]
    assert (cause["file"], cause["line"]) == ("docker-compose.yml", 24)  # the `api:` service
    for r in results.values():
        assert r["blocked_by"] == "C100" and r["hint"] is None and r["points"] == 0, r
        assert "C100" in r["message"]
    # Exactly one fix is given for the one mistake.
    assert sum(1 for r in report["results"] if r["hint"]) == 1


def test_summary_line_counts_blocked_checks(ws: Path) -> None:
    rename_backend(ws)
    r = run("check", str(ws), "--lang", "en", "--no-color")
    last = r.stdout.strip().splitlines()[-1]
    blocked = sum(1 for s in BACKEND_CHECKS if s in by_slug(grade_json(ws)[1]))
    assert ", 1 failed, " in last and f", {blocked} blocked" in last, last
    assert r.stdout.count("fix:") == 1
    ko = run("check", str(ws), "--lang", "ko", "--no-color").stdout
    assert f"{blocked} 막힘" in ko and "C100" in ko


def test_renamed_backend_graded_with_service_option_passes(ws: Path) -> None:
    rename_backend(ws)
    edit(ws / NGINX, "http://backend:8080;", "http://api:8080;")
    code, report = grade_json(ws)
    assert code == 0 and {r["status"] for r in report["results"]} == {"pass"}


def test_no_service_named_by_nginx_or_backend_suggests_the_option(ws: Path) -> None:
    rename_backend(ws)
    edit(ws / NGINX, "http://backend:8080;", "http://$host:8080;")  # says nothing about the backend
    _, report = grade_json(ws)
    cause = by_slug(report)["compose.services-found"]
    assert cause["status"] == "fail" and "--service backend=api" in cause["hint"]


def test_missing_api_location_is_one_finding(ws: Path) -> None:
    edit(ws / NGINX, "    location /api/ {\n", "    location /other/ {\n")
    code, report = grade_json(ws)
    results = not_passing(report)
    assert code == 1
    assert {s: r["status"] for s, r in results.items()} == {
        "nginx.api-location": "fail",
        **{s: "blocked" for s in ROUTE_CHECKS},
    }
    cause = results["nginx.api-location"]
    assert "no proxy_pass" in cause["message"] and "proxy_pass http://backend:8080;" in cause["hint"]
    assert cause["file"] == NGINX and cause["line"]
    assert all(results[s]["blocked_by"] == "N100" for s in ROUTE_CHECKS)


def test_missing_nginx_file_is_one_error(ws: Path) -> None:
    # The Dockerfile copies the file: the build stops there, and that line is the one error.
    (ws / NGINX).unlink()
    code, report = grade_json(ws)
    results = not_passing(report)
    assert code == 2
    assert [s for s, r in results.items() if r["status"] == "error"] == ["compose.images-build"]
    error = results["compose.images-build"]
    assert (error["file"], error["line"]) == ("frontend/Dockerfile", 4)
    assert "nginx.conf is not in its build context frontend/" in error["message"]
    blocked = {s for s, r in results.items() if r["status"] == "blocked"}
    assert blocked == ROUTE_CHECKS | {"compose.frontend-port-matches-listen", "nginx.api-location"}
    assert all("image does not build" in results[s]["message"] for s in blocked)


def test_missing_compose_file_is_one_error(ws: Path) -> None:
    (ws / COMPOSE).unlink()
    code, report = grade_json(ws)
    results = not_passing(report)
    assert code == 2
    assert [s for s, r in results.items() if r["status"] == "error"] == ["compose.services-found"]
    assert all(
        r["status"] == "blocked" and "compose file could not be read" in r["message"]
        for s, r in results.items()
        if s != "compose.services-found"
    )


def test_without_the_provider_the_cause_is_the_checks_own_finding(ws: Path, tmp_path: Path) -> None:
    # An instructor who leaves C100 out still gets the cause, on each check that needs it.
    text = (REPO / "rubrics" / "step-06-horizontal-scaling.yaml").read_text(encoding="utf-8")
    anchor = "    slug: compose.services-found\n"
    assert anchor in text
    rubric = tmp_path / "r.yaml"
    rubric.write_text(text.replace(anchor, anchor + "    enabled: false\n", 1), encoding="utf-8")
    rename_backend(ws)
    _code, report = grade_json(ws, "--rubric", str(rubric))
    results = not_passing(report)
    assert "compose.services-found" not in by_slug(report)
    assert {r["status"] for r in results.values()} == {"fail"}
    r = results["compose.backend-no-container-name"]
    assert "no service has that name" in r["message"] and "container_name" not in r["hint"]


def test_blocked_is_not_an_annotation_or_a_sarif_result(ws: Path) -> None:
    rename_backend(ws)
    sarif = json.loads(run("check", str(ws), "--format", "sarif").stdout)
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["C100"]
    github = run("check", str(ws), "--format", "github", "--lang", "en").stdout
    assert [ln.split(" ", 1)[0] for ln in github.splitlines() if ln.startswith("::error")] == ["::error"]


def test_a_project_loaded_in_part_names_the_file_not_the_backend(ws: Path) -> None:
    # A loader that keeps what it could read and the error of what it could not (an included
    # file that is missing) gets that error as the one cause of the missing backend.
    from grader.checks.context import CheckContext
    from grader.errors import InputError
    from grader.workspace import load_workspace

    rename_backend(ws)
    workspace = load_workspace(ws)
    workspace.compose_error = InputError("include: backend.yml: file not found", "docker-compose.yml", 3)
    cause = CheckContext(workspace).cause("backend")
    assert cause is not None and cause.key == "input_error"
    assert "backend.yml" in cause.params["error"] and (cause.file, cause.line) == ("docker-compose.yml", 3)
