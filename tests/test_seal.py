"""The run's firewall, installed through the engine (grader/runtime/seal.py, seal_helper.py):
what the rules close is read from the rules the helper really installed (iptables on this
machine), never shown by sending traffic to a private or link-local address; rules of a grader
that was killed go with the next sweep and with `grader clean`; and whatever stops the runtime,
the static report is written in every format asked for."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
WORKSHOP = REPO / "workshop"


def iptables_save() -> str:
    p = subprocess.run(["iptables-save", "-t", "filter"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0 and ":DOCKER-USER" in p.stdout, p.stderr  # the listing really ran
    return p.stdout


def rules_of(run_id: str) -> list[str]:
    return [line for line in iptables_save().splitlines() if f"run={run_id} " in line]


@pytest.fixture
def client():
    from grader.runtime.engine import connect

    return connect()


@pytest.mark.runtime
def test_the_build_rules_close_the_host_and_every_private_and_link_local_range(client) -> None:
    from grader.runtime import seal_helper
    from grader.runtime.seal import CLOSED_V4, Seal, default_bridge, why_not_available

    assert why_not_available(client) is None
    seal = Seal(client, "t0seal1")
    try:
        seal.install(build=True)
        rules = rules_of("t0seal1")
        bridge = default_bridge(client)
        user = [r for r in rules if r.startswith("-A DOCKER-USER ")]
        closed = {r.split(" -d ")[1].split()[0] for r in user if " -d " in r and "-j REJECT" in r}
        assert {
            "10.0.0.0/8",
            "172.16.0.0/12",
            "192.168.0.0/16",
            "100.64.0.0/10",
            "169.254.0.0/16",
        } <= closed, closed
        assert closed == set(CLOSED_V4)
        assert all(f"-i {bridge}" in r for r in user if "part=build" in r)
        # the host itself: every new connection from the builds' bridge to any of its addresses
        assert any(r.startswith(f"-A INPUT -i {bridge} ") and "-j REJECT" in r for r in rules), rules
        # the builds' name servers, port 53 only, are the one way into a private range
        resolvers = seal_helper.bridge_resolvers(client)
        for r in (r for r in user if "--dport 53" in r):
            assert r.split(" -d ")[1].split("/")[0] in resolvers and "-j RETURN" in r
        # the grader's rules stand before Docker's own: DOCKER-USER is FORWARD's first jump, and
        # the run's rules are at its top
        chain = [line for line in iptables_save().splitlines() if line.startswith("-A DOCKER-USER ")]
        assert all("workshop-grader" in line for line in chain[: len(user)]), chain
        blocked = seal.end_build()
        assert blocked == {} and not [r for r in rules_of("t0seal1") if "part=build" in r]
        assert [r for r in rules_of("t0seal1") if "part=run" in r]
    finally:
        seal.remove()
    assert rules_of("t0seal1") == []


@pytest.mark.runtime
def test_rules_of_a_killed_grader_go_with_the_next_sweep_and_with_grader_clean(client) -> None:
    """A grader killed with SIGKILL leaves its rules: a process of this host that is gone owns
    them, so the next run's sweep (scope stale) removes them, and `grader clean` too."""
    from grader.runtime.seal import Seal, sweep_rules

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    for run_id, sweeper in (("t0dead1", "sweep"), ("t0dead2", "clean")):
        seal = Seal(client, run_id)
        seal.comment = f"workshop-grader run={run_id} owner={socket.gethostname()}:{dead.pid}"
        seal.install(build=False)
        assert rules_of(run_id)
        if sweeper == "sweep":
            assert run_id in sweep_rules(client, "stale")
        else:
            p = subprocess.run([sys.executable, "-m", "grader", "clean"], capture_output=True, text=True, timeout=120)
            assert p.returncode == 0, p.stderr
        assert rules_of(run_id) == []
    # a live grader's rules stay
    live = Seal(client, "t0live1")
    live.install(build=False)
    try:
        assert "t0live1" not in sweep_rules(client, "stale") and rules_of("t0live1")
    finally:
        live.remove()
    assert rules_of("t0live1") == []


def test_when_the_engine_is_out_of_reach_the_static_report_is_still_written(tmp_path: Path) -> None:
    """No engine (DOCKER_HOST at a socket that is not there): exit 4, and every format asked
    for holds the static findings and each runtime phase as not run, with the reason."""
    sarif, classroom, junit = tmp_path / "r.sarif", tmp_path / "classroom.json", tmp_path / "junit.xml"
    env = {**os.environ, "DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock", "LANG": "C.UTF-8"}
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader",
            "check",
            str(WORKSHOP),
            "--runtime",
            "--format",
            "json",
            "--output",
            f"sarif={sarif}",
            "--output",
            f"gh-classroom-reporter={classroom}",
            "--output",
            f"junit={junit}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert p.returncode == 4, (p.returncode, p.stderr)
    assert "Traceback" not in p.stderr and "does not answer" in p.stderr
    doc = json.loads(p.stdout)
    assert doc["exit_code"] == 4 and not doc["passed"]
    static = [r for r in doc["results"] if not r["check"].startswith("runtime.")]
    runtime = [r for r in doc["results"] if r["check"].startswith("runtime.")]
    assert sum(r["points"] for r in static) == 120 and all(r["status"] == "pass" for r in static)
    assert len(runtime) == 11 and all(r["status"] == "error" for r in runtime)
    assert all("Not run: the Docker engine does not answer" in r["message"] for r in runtime), runtime[0]
    assert doc["max_score"] == 210  # one scale: the phases not run are still out of the maximum
    assert json.loads(sarif.read_text())["runs"][0]["results"], "SARIF written"
    assert json.loads(classroom.read_text())["status"] == "error"
    assert "R101" in junit.read_text()


def test_the_text_report_says_not_run_in_korean(tmp_path: Path) -> None:
    env = {**os.environ, "DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock", "LANG": "C.UTF-8"}
    p = subprocess.run(
        [sys.executable, "-m", "grader", "check", str(WORKSHOP), "--runtime", "--lang", "ko", "--no-color"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert p.returncode == 4
    assert "실행하지 않았습니다: Docker 엔진이 응답하지 않습니다" in p.stdout
    assert "실행 못 함" in p.stdout.splitlines()[-1]
    assert "실행 검사를 하지 못했습니다. Docker 엔진이 응답하지 않습니다" in p.stderr
