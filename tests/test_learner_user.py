"""The learner user of tests/learner_user.py: an ordinary user in the docker group, neither
root nor with sudo, that grades with its own installed grader and reaches the Docker engine
through the group alone. Static grading only here; runtime tests use the same fixture."""

from __future__ import annotations

import base64
import grp
import json
import os
import pwd
import subprocess
from pathlib import Path

import pytest
from conftest import WORKSHOP, failing_copy, full_score
from learner_user import LearnerUser, run_grade_step

SOCKET = Path("/var/run/docker.sock")


def test_the_learner_is_an_ordinary_user_in_the_docker_group(docker_user: LearnerUser) -> None:
    entry = pwd.getpwnam(docker_user.name)
    assert entry.pw_uid == docker_user.uid != 0 and entry.pw_dir == str(docker_user.home)
    assert docker_user.name in grp.getgrnam("docker").gr_mem
    p = docker_user.run(["id", "-u"], cwd=docker_user.home)
    assert p.returncode == 0 and p.stdout.strip() == str(docker_user.uid) != "0", p.stderr
    p = docker_user.run(["id", "-Gn"], cwd=docker_user.home)
    assert p.returncode == 0 and "docker" in p.stdout.split() and "root" not in p.stdout.split(), p.stdout
    p = docker_user.run(["sh", "-c", "command -v grader"], cwd=docker_user.home)
    assert p.stdout.strip() == str(docker_user.grader), p.stdout + p.stderr  # its own grader, not root's


def test_the_learner_grades_its_copy_of_the_workshop(docker_user: LearnerUser) -> None:
    ws = docker_user.copy(WORKSHOP)
    assert all(f.stat().st_uid == docker_user.uid for f in [ws, *ws.rglob("*")])
    p = docker_user.run(["grader", "check", str(ws)], cwd=ws)
    assert p.returncode == 0, p.stdout + p.stderr
    full = full_score(runtime=False)
    assert f"Score {full}/{full}" in p.stdout, p.stdout


def test_the_docker_group_grants_the_engine(docker_user: LearnerUser) -> None:
    if not SOCKET.exists():
        reason = f"no Docker engine here: {SOCKET} is missing"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(reason)
        pytest.skip(reason)
    st = SOCKET.stat()
    assert st.st_gid == grp.getgrnam("docker").gr_gid and st.st_mode & 0o777 == 0o660  # the group, nothing else
    fmt = "{{.ServerVersion}}"
    p = docker_user.run(["docker", "info", "--format", fmt], cwd=docker_user.home, timeout=60)
    assert p.returncode == 0 and p.stdout.strip(), p.stdout + p.stderr
    as_root = subprocess.run(["docker", "info", "--format", fmt], capture_output=True, text=True, timeout=60)
    assert p.stdout.strip() == as_root.stdout.strip()


def test_the_learner_cannot_read_root_s_files(docker_user: LearnerUser) -> None:
    p = docker_user.run(["ls", "/root"], cwd=docker_user.home)
    assert p.returncode != 0 and "Permission denied" in p.stderr, p.stdout + p.stderr
    p = docker_user.run(["cat", "/etc/shadow"], cwd=docker_user.home)
    assert p.returncode != 0 and "Permission denied" in p.stderr


def test_the_actions_grade_step_as_the_learner(docker_user: LearnerUser) -> None:
    passing = run_grade_step(docker_user, docker_user.copy(WORKSHOP), runtime="false")
    assert passing.code == 0, passing.stdout + passing.stderr
    assert passing.outputs["exit-code"] == "0" and "::error" not in passing.stdout
    result = json.loads(base64.b64decode(passing.outputs["result"]))
    assert result["version"] == 1 and result["status"] == "pass" and result["max_score"] == full_score(runtime=False)

    broken = docker_user.own(failing_copy(docker_user.mkdir("failing")))  # C101 fails, N104 warns
    failing = run_grade_step(docker_user, broken, runtime="false", fail_on_error="false")
    assert failing.code == 0, failing.stdout + failing.stderr  # the step records the grade and succeeds
    assert failing.outputs["exit-code"] == "1"
    assert "::error file=docker-compose.yml,line=25,title=C101 The backend has no container_name::" in failing.stdout
    assert "::warning file=frontend/nginx.conf," in failing.stdout and "title=N104" in failing.stdout
    result = json.loads(base64.b64decode(failing.outputs["result"]))
    assert result["status"] == "fail" and result["max_score"] == full_score(runtime=False)
