"""The legitimate suite: projects shaped like real learners' step-05/06 work (tests/legit/, one
shape each: a multi-stage build that downloads Debian's packages, a non-root USER, a curl
HEALTHCHECK, deploy.replicas with limits, env files, a read-only bind-mounted nginx.conf, nginx
on 8080, a two-stage frontend, a backend that takes 45 s to listen, ...). A learner's own
`docker compose up --build --scale backend=3` runs each of them, so each must PASS: statically,
and at runtime sealed, run by root and by an ordinary `docker`-group user (tests/learner_user.py)
with the same verdicts. The seal must cost a legitimate learner nothing.

CI runs the static half of all of them and the runtime of a few (RUNTIME_IN_CI); the whole suite
runs on demand: GRADER_LEGIT=all pytest tests/test_legit.py -s (or GRADER_LEGIT="name,name")."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from learner_user import LearnerUser, run_grade_step
from legit_projects import LEGIT, PROJECTS, WORKSHOP, materialize

# (project, who): root, or the ordinary user; both means the same verdicts are compared.
RUNTIME_IN_CI = {"kitchen-sink": ("root", "user")}  # slow-start-backend (2.5 min) runs on demand


def runtime_cases() -> list[Any]:
    wanted = os.environ.get("GRADER_LEGIT", "")
    names = PROJECTS if wanted == "all" else [n for n in wanted.split(",") if n] or list(RUNTIME_IN_CI)
    unknown = sorted(set(names) - set(PROJECTS))
    assert not unknown, f"GRADER_LEGIT names no project {unknown}; the projects: {PROJECTS}"
    return [
        pytest.param(n, RUNTIME_IN_CI.get(n, ("root", "user")) if not wanted else ("root", "user"), id=n) for n in names
    ]


def statuses(report: dict[str, Any]) -> dict[str, str]:
    return {r["check"]: r["status"] for r in report["results"]}


def failing(report: dict[str, Any]) -> list[str]:
    return [
        f"{r['code']} {r['status']}: {r.get('message')} {r.get('details', [])[:3]}"
        for r in report["results"]
        if r["status"] not in ("pass",)
    ]


def test_the_suite_has_every_shape() -> None:
    """At least ten projects, and the shapes the step's real learners use are all there."""
    assert len(PROJECTS) >= 10, PROJECTS
    text = {n: "".join(p.read_text() for p in (LEGIT / n).rglob("*") if p.is_file()) for n in PROJECTS}
    every = "\n".join(text.values())
    for shape in (
        "apt-get install",
        "USER ",
        "HEALTHCHECK",
        "unless-stopped",
        "replicas: 3",
        "env_file",
        ":/etc/nginx/conf.d/default.conf:ro",
        '"80:8080"',
        "AS build",
        "STARTUP_DELAY:-45",
    ):
        assert shape in every, f"no project shows {shape!r}"


@pytest.mark.parametrize("name", PROJECTS)
def test_a_legitimate_project_passes_every_static_check(name: str, tmp_path: Path) -> None:
    from grader.grade import grade
    from grader.rubric import load_rubric

    report, _ = grade(str(materialize(name, tmp_path / name)), load_rubric(None))
    doc = report.to_dict()
    assert doc["passed"] and doc["score"] == doc["max_score"] == 120, failing(doc)


def _grade_as_root(ws: Path) -> tuple[int, dict[str, Any], str]:
    p = subprocess.run(
        [sys.executable, "-m", "grader", "check", str(ws), "--runtime", "--format", "json", "--progress", "plain"],
        capture_output=True,
        text=True,
        timeout=1200,
        stdin=subprocess.DEVNULL,
    )
    return p.returncode, json.loads(p.stdout or "{}"), p.stderr


def _grade_as_user(user: LearnerUser, ws: Path) -> tuple[int, dict[str, Any], str]:
    p = user.run(["grader", "check", str(ws), "--runtime", "--format", "json", "--progress", "plain"], ws, timeout=1200)
    return p.returncode, json.loads(p.stdout or "{}"), p.stderr


def _assert_passes(code: int, report: dict[str, Any], stderr: str, who: str) -> None:
    assert code == 0, f"{who}: exit {code}\n{failing(report)}\n{stderr[-3000:]}"
    assert report["passed"] and report["score"] == report["max_score"] == 210, (who, failing(report))
    assert not [n for n in report["notes"] if "not sealed" in n["message"]], (who, report["notes"])


@pytest.mark.runtime
@pytest.mark.parametrize(("name", "who"), runtime_cases())
def test_a_legitimate_project_passes_at_runtime_sealed_for_root_and_a_docker_group_user(
    name: str, who: tuple[str, ...], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    verdicts = {}
    if "root" in who:
        ws = materialize(name, tmp_path / name)
        code, report, stderr = _grade_as_root(ws)
        _assert_passes(code, report, stderr, "root")
        verdicts["root"] = statuses(report)
    if "user" in who:
        user: LearnerUser = request.getfixturevalue("docker_user")
        ws = user.copy(materialize(name, tmp_path / "user" / name))
        code, report, stderr = _grade_as_user(user, ws)
        _assert_passes(code, report, stderr, user.name)
        verdicts["user"] = statuses(report)
    if len(verdicts) == 2:
        assert verdicts["root"] == verdicts["user"]


@pytest.mark.runtime
def test_the_workshop_graded_by_a_docker_group_user_gives_what_root_gets(docker_user: LearnerUser) -> None:
    """The learner's own `grader check workshop --runtime`: 210/210, sealed, no root."""
    ws = docker_user.copy(WORKSHOP)
    code, report, stderr = _grade_as_user(docker_user, ws)
    _assert_passes(code, report, stderr, docker_user.name)
    assert "cannot seal" not in stderr and "not sealed" not in stderr


@pytest.mark.runtime
def test_the_actions_grade_step_as_the_runner_user_runs_the_stack(docker_user: LearnerUser) -> None:
    """GitHub's runners grade as the `runner` user: the grade step with `runtime: "true"` writes
    the annotations of the static and the runtime findings and the Classroom result, and exits
    with the grade, not "could not run" (exit 4)."""
    repo = docker_user.mkdir("repo")
    shutil.copytree(WORKSHOP, repo / "workshop")
    compose = repo / "workshop" / "docker-compose.yml"
    compose.write_text(
        compose.read_text().replace("  backend:\n", "  backend:\n    container_name: socialapp-backend\n")
    )
    docker_user.own(repo)
    step = run_grade_step(docker_user, repo, path="workshop", runtime="true")
    assert step.outputs.get("exit-code") == "1", (step.outputs, step.stderr[-3000:])
    annotations = [line for line in step.stdout.splitlines() if line.startswith("::error")]
    assert any("C101" in line for line in annotations), step.stdout[-3000:]
    assert any("R102" in line for line in annotations), step.stdout[-3000:]  # scaling fails: the fixed name
    result = json.loads(base64.b64decode(step.outputs["result"]))
    codes = {t["name"].split()[0] for t in result["tests"]}
    assert {"C101", "R101", "R102"} <= codes, codes
    r101 = next(t for t in result["tests"] if t["name"].startswith("R101"))
    assert r101["status"] == "pass", r101
