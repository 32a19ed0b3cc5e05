"""Runtime checks on a real Docker engine: workshop/ passes every phase; each fixture fails
exactly the phase it targets; the safety gate refuses before anything starts; nothing a run
creates is left behind, even after Ctrl-C in the middle of `up`.

These tests start real containers. They need what scripts/setup-runtime.sh prepares (a
Docker engine, Compose v2, the nginx:1.30 and python:3.13-slim images) and fail, never skip,
without it."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import shared_path
from runtime_fixtures import edit, materialize

from grader.runtime.engine import labelled

pytestmark = pytest.mark.runtime

IMAGES = ("nginx:1.30", "python:3.13-slim")
RUNTIME_SLUGS = (
    "runtime.build",
    "runtime.up-scaled",
    "runtime.replicas",
    "runtime.api",
    "runtime.shared-state",
    "runtime.load-spread",
    "runtime.scale-up",
    "runtime.scale-down",
    "runtime.restart-one",
    "runtime.logs",
    "runtime.api-contract",
)


@pytest.fixture(scope="session")
def docker_client():
    try:
        import docker

        client = docker.from_env()
        client.ping()
    except Exception as e:
        pytest.fail(f"no Docker engine ({e}); runtime tests need one: run scripts/setup-runtime.sh")
    missing = [i for i in IMAGES if not client.images.list(name=i)]
    if missing:
        pytest.fail(f"images {missing} are missing: run scripts/setup-runtime.sh")
    return client


def grader(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LANG": "C.UTF-8"}
    return subprocess.run(
        [sys.executable, "-m", "grader", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        stdin=subprocess.DEVNULL,
    )


def run_json(path: Path, *extra: str) -> tuple[int, dict, str]:
    p = grader("run", str(path), "--format", "json", "--lang", "en", "--progress", "plain", *extra)
    assert p.stdout, f"no report; stderr:\n{p.stderr}"
    return p.returncode, json.loads(p.stdout), p.stderr


def statuses(report: dict) -> dict[str, str]:
    return {r["check"]: r["status"] for r in report["results"]}


def result(report: dict, slug: str) -> dict:
    return next(r for r in report["results"] if r["check"] == slug)


def failed(report: dict) -> set[str]:
    return {slug for slug, st in statuses(report).items() if st == "fail"}


def fixture(tmp_path: Path, name: str) -> Path:
    return materialize(name, tmp_path / name)


def test_workshop_passes_every_runtime_check(ws: Path) -> None:
    """Without --openapi, the contract is the workshop's own backend/openapi.yaml."""
    code, report, stderr = run_json(ws)
    assert statuses(report) == {slug: "pass" for slug in RUNTIME_SLUGS}, stderr
    assert code == 0 and report["passed"]
    results = {r["check"]: r for r in report["results"]}
    shares = [d for d in results["runtime.load-spread"]["details"] if "share" in d]
    assert len(shares) == 3 and abs(sum(d["share"] for d in shares) - 1) < 0.01
    assert all(d["share"] >= 0.5 / 3 for d in shares)
    logs = results["runtime.logs"]["details"]
    assert len(logs) == 3 and all("GET /api/posts" in d["output"] for d in logs)
    assert (
        "requests succeeded (100.0%)" in results["runtime.scale-down"]["details"][0]["message"]
        or float(re.search(r"\((\d+\.\d)%\)", results["runtime.scale-down"]["details"][0]["message"]).group(1)) >= 99
    )
    contract = results["runtime.api-contract"]
    assert "backend/openapi.yaml" in contract["message"]
    assert len([d for d in contract["details"] if d["status"] == "pass"]) == 13


def template_workshop(ws: Path) -> Path:
    """workshop/ with its nginx config as a template the image's entrypoint renders, the backend's
    address from the frontend's environment: the official image's documented way."""
    conf = ws / "frontend" / "nginx.conf"
    (ws / "frontend" / "default.conf.template").write_text(
        conf.read_text().replace("http://backend:8080;", "http://${BACKEND_HOST};")
    )
    conf.unlink()
    edit(
        ws / "frontend" / "Dockerfile",
        "RUN rm -f /etc/nginx/conf.d/default.conf\nCOPY nginx.conf /etc/nginx/conf.d/default.conf\n",
        "# rendered at start into /etc/nginx/conf.d/default.conf, replacing the image's\n"
        "COPY default.conf.template /etc/nginx/templates/default.conf.template\n",
    )
    edit(
        ws / "docker-compose.yml",
        '      - "80:80"\n',
        '      - "80:80"\n    environment:\n      - BACKEND_HOST=backend:8080\n',
    )
    return ws


def test_a_config_template_rendered_at_start_passes_every_runtime_check(ws: Path) -> None:
    code, report, stderr = run_json(template_workshop(ws))
    assert statuses(report) == {slug: "pass" for slug in RUNTIME_SLUGS}, stderr
    assert code == 0


def test_the_shared_api_document_is_met_too(ws: Path) -> None:
    """The workshop app also answers as the app's published API document says (--openapi)."""
    _code, report, _stderr = run_json(ws, "--openapi", str(shared_path("reference", "contoso-api", "openapi.yaml")))
    contract = result(report, "runtime.api-contract")
    assert contract["status"] == "pass", contract
    assert len([d for d in contract["details"] if d["status"] == "pass"]) == 12


def test_literal_proxy_pass_fails_scale_up_only(tmp_path: Path) -> None:
    """nginx resolves a literal name once: the new replicas accept no connection at all, and
    scale-down and restart-one are not judged (what they would see depends on which replicas
    Compose removes and which address Docker gives back), the same way every run."""
    code, report, _ = run_json(fixture(tmp_path, "literal-proxy-pass"))
    assert failed(report) == {"runtime.scale-up"} and code == 1
    r = result(report, "runtime.scale-up")
    assert r["file"] == "frontend/nginx.conf" and r["line"] == 19
    assert "accepted no connection" in r["message"] and "once" in r["message"] and "resolver" in r["hint"]
    new = [d for d in r["details"] if "served" in d]
    assert len(new) == 2 and all(d["connections"] == 0 for d in new), new
    for slug in ("runtime.scale-down", "runtime.restart-one"):  # they follow from the same mistake
        r = result(report, slug)
        assert r["status"] == "blocked" and r["blocked_by"] == "R107" and "R107" in r["message"], r
        assert r["points"] == 0 and r["max_points"] == 10 and r["hint"] is None
        assert (r["file"], r["line"]) == ("frontend/nginx.conf", 19)


def test_a_resolver_without_valid_fails_scale_up_at_the_resolver(tmp_path: Path) -> None:
    """Docker's DNS answers with a TTL of 600 s, and without valid= nginx keeps the answer that
    long: the new replicas get nothing (measured: no connection in every run), and the finding
    is at the resolver, as N102's is."""
    code, report, _ = run_json(fixture(tmp_path, "resolver-without-valid"))
    assert failed(report) == {"runtime.scale-up"} and code == 1
    r = result(report, "runtime.scale-up")
    assert r["file"] == "frontend/nginx.conf" and r["line"] == 8
    assert "accepted no connection" in r["message"] and "600 s" in r["message"]


def test_nginx_on_ipv6_only_fails_api_at_its_listen(tmp_path: Path) -> None:
    """`listen [::]:80;` alone: the published port reaches the container over IPv4, and nginx's
    IPv6 socket takes none of it (measured: connection reset on every request)."""
    code, report, _ = run_json(fixture(tmp_path, "listen-ipv6-only"), "--ready-timeout", "10")
    assert failed(report) == {"runtime.api"} and code == 1
    r = result(report, "runtime.api")
    assert r["file"] == "frontend/nginx.conf" and r["line"] == 2
    assert "`listen [::]:80` takes no connection" in r["message"] and "listen 80;" in r["hint"]


def test_config_left_out_by_dockerignore_fails_the_build_at_its_copy(tmp_path: Path) -> None:
    """.dockerignore leaves nginx.conf out of the build context: the build stops at the COPY
    (measured: "excluded by .dockerignore"), which C111 names too."""
    code, report, _ = run_json(fixture(tmp_path, "dockerignore-config"))
    assert failed(report) == {"runtime.build"} and code == 1
    r = result(report, "runtime.build")
    assert r["file"] == "frontend/Dockerfile" and r["line"] == 4
    assert "COPY nginx.conf /etc/nginx/conf.d/default.conf" in r["message"]
    assert {st for s, st in statuses(report).items() if s != "runtime.build"} == {"skip"}


def test_ip_hash_fails_spread_at_its_line(tmp_path: Path) -> None:
    """`ip_hash`: every request reaches nginx from the network's gateway, one address, so one
    replica gets them all (measured: the other two got 0 of 90). Whether a new replica, or the one
    restarted, is the one the address hashes to depends on the network's address, not on the
    files (measured: scale-up and restart-one failed in one run, passed in others), so those two
    phases say they follow from R106, every time."""
    code, report, _ = run_json(fixture(tmp_path, "upstream-ip-hash"))
    assert failed(report) == {"runtime.load-spread"} and code == 1
    r = result(report, "runtime.load-spread")
    assert r["file"] == "frontend/nginx.conf" and r["line"] == 5 and "got 0% of" in r["message"]
    for slug in ("runtime.scale-up", "runtime.restart-one"):
        r = result(report, slug)
        assert r["status"] == "blocked" and (r["file"], r["line"]) == ("frontend/nginx.conf", 5), r
        assert "follows from R106" in r["message"] and "`ip_hash;`" in r["message"]


def test_config_in_sites_enabled_fails_api_at_its_copy(tmp_path: Path) -> None:
    """The official image's nginx.conf includes conf.d/*.conf only: a config copied to
    sites-enabled/ is never read, and with default.conf removed nothing listens (measured:
    connection reset). The finding is at the COPY, as N100's is."""
    code, report, _ = run_json(fixture(tmp_path, "sites-enabled"), "--ready-timeout", "10")
    assert failed(report) == {"runtime.api"} and code == 1
    r = result(report, "runtime.api")
    assert r["file"] == "frontend/Dockerfile" and r["line"] == 4
    assert "got no answer from the frontend" in r["message"]


def test_empty_database_variable_fails_api_at_its_setting(tmp_path: Path) -> None:
    """`${DB_PATH?…}` with .env's `DB_PATH=`: Compose starts the backend with an empty
    DATABASE_PATH (`?` stops only an unset variable), and the API answers 500 (measured). The
    finding is at the setting, as C106's is."""
    code, report, _ = run_json(fixture(tmp_path, "empty-db-variable"))
    assert failed(report) == {"runtime.api"} and code == 1
    r = result(report, "runtime.api")
    assert r["file"] == "docker-compose.yml" and r["line"] == 32
    assert "answered 500" in r["message"] and "DATABASE_PATH with an empty value" in r["message"]


def test_one_sqlite_file_per_replica_fails_shared_state_only(tmp_path: Path) -> None:
    code, report, _ = run_json(fixture(tmp_path, "sqlite-per-replica"))
    assert failed(report) == {"runtime.shared-state"} and code == 1
    r = result(report, "runtime.shared-state")
    assert "do not share one database" in r["message"] and r["file"] == "docker-compose.yml"


def test_nginx_proxying_to_the_wrong_port_fails_api(tmp_path: Path) -> None:
    code, report, _ = run_json(fixture(tmp_path, "wrong-backend-port"), "--ready-timeout", "15")
    st = statuses(report)
    assert failed(report) == {"runtime.api"} and code == 1
    assert {st[s] for s in ("runtime.build", "runtime.up-scaled", "runtime.replicas", "runtime.logs")} == {"pass"}
    assert {st[s] for s in ("runtime.shared-state", "runtime.load-spread", "runtime.scale-up")} == {"skip"}
    r = result(report, "runtime.api")
    assert "502" in r["message"] and r["file"] == "frontend/nginx.conf" and r["line"] == 19


def test_container_name_fails_up_scaled_at_its_line(tmp_path: Path) -> None:
    code, report, _ = run_json(fixture(tmp_path, "container-name"))
    assert failed(report) == {"runtime.up-scaled"} and code == 1
    r = result(report, "runtime.up-scaled")
    assert (r["file"], r["line"]) == ("docker-compose.yml", 25)
    assert "socialapp-backend" in r["message"]
    assert statuses(report)["runtime.replicas"] == "skip"


def test_backend_exiting_at_start_fails_replicas_with_its_log(tmp_path: Path) -> None:
    code, report, _ = run_json(fixture(tmp_path, "backend-exits"))
    assert failed(report) == {"runtime.replicas"} and code == 1
    r = result(report, "runtime.replicas")
    assert "cannot open the database" in (r["output"] or "")
    assert statuses(report)["runtime.logs"] == "pass"


def test_a_backend_that_opens_its_port_8_s_late_passes_every_check(tmp_path: Path) -> None:
    """A replica counts as ready once its app listens, not once its process runs: without that,
    the spread and the restart were measured while two replicas could not yet be reached (it
    failed R106 and R109 here, measured with the check taken out)."""
    code, report, stderr = run_json(fixture(tmp_path, "slow-start-8"))
    assert code == 0 and not failed(report), (failed(report), stderr)
    assert {s for c, s in statuses(report).items() if c.startswith("runtime.")} == {"pass"}


def test_a_backend_that_never_listens_fails_replicas_saying_so(ws: Path) -> None:
    edit(ws / "docker-compose.yml", "    expose:\n", '    command: ["sleep", "3600"]\n    expose:\n')
    code, report, _ = run_json(ws, "--ready-timeout", "8")
    assert failed(report) == {"runtime.replicas"} and code == 1
    assert (
        "accepted no connection within 8 s: its app never opened a port"
        in result(report, "runtime.replicas")["message"]
    )


UNSAFE = {
    "privileged": ("    restart: unless-stopped\n", "    privileged: true\n", "privileged"),
    "docker socket": ("      - backend-data:/data\n", "      - /var/run/docker.sock:/var/run/docker.sock\n", "socket"),
    "host path": ("      - backend-data:/data\n", "      - /etc:/host-etc:ro\n", "outside the submission"),
    "parent path": ("      - backend-data:/data\n", "      - ../..:/up\n", "outside the submission"),
    "host network": ("    restart: unless-stopped\n", "    network_mode: host\n", "network_mode: host"),
    "host pid": ("    restart: unless-stopped\n", "    pid: host\n", "pid: host"),
    "capability": ("    restart: unless-stopped\n", "    cap_add: [SYS_ADMIN]\n", "SYS_ADMIN"),
    "unconfined": ("    restart: unless-stopped\n", '    security_opt: ["seccomp:unconfined"]\n', "security"),
    "device": ("    restart: unless-stopped\n", '    devices: ["/dev/kmsg:/dev/kmsg"]\n', "devices"),
    "build context": ("      context: ./backend\n", "      context: ../../\n", "build context"),
    "env_file": ("    restart: unless-stopped\n", "    env_file: /etc/hostname\n", "env_file"),
}


@pytest.mark.parametrize("name", sorted(UNSAFE))
def test_safety_gate_refuses_before_anything_starts(ws: Path, name: str, docker_client) -> None:
    old, new, words = UNSAFE[name]
    text = (ws / "docker-compose.yml").read_text()
    # Into the backend service: the last occurrence of `old` is the backend's.
    i = text.rindex(old) if old != "      context: ./backend\n" else text.index(old)
    added = text[:i] + (old + new if old.endswith("unless-stopped\n") else new) + text[i + len(old) :]
    (ws / "docker-compose.yml").write_text(added)
    line = added[: added.index(new)].count("\n") + 1
    images_before = {i.id for i in docker_client.images.list()}
    start = time.monotonic()
    p = grader("run", str(ws), "--progress", "plain")
    assert p.returncode == 2, p.stderr
    assert f"docker-compose.yml:{line}: refused to run" in p.stderr and words in p.stderr
    assert "Traceback" not in p.stderr and time.monotonic() - start < 15
    assert {i.id for i in docker_client.images.list()} == images_before  # nothing was built
    assert labelled(docker_client, scope="left") == {}


def test_allow_unsafe_lets_a_trusted_file_past_the_gate(ws: Path) -> None:
    edit(
        ws / "docker-compose.yml",
        "    restart: unless-stopped\n\nnetworks:",
        "    restart: unless-stopped\n    cap_add: [SYS_PTRACE]\n\nnetworks:",
    )
    _code, report, _ = run_json(ws, "--allow-unsafe", "--ready-timeout", "30")
    assert statuses(report)["runtime.api"] == "pass"


def _start_run(ws: Path, docker_client, containers: int) -> tuple[subprocess.Popen[str], str]:
    """Start `grader run` and wait until its project has `containers` containers (so it is in
    the middle of `up` or past it). Returns the process and the Compose project name; the
    process is killed if it never gets there, so no run outlives its test."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "grader", "run", str(ws), "--progress", "plain"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "LANG": "C.UTF-8"},
    )
    try:
        assert proc.stderr is not None
        project = None
        for line in proc.stderr:
            if m := re.search(r"Compose project (grader-[0-9a-f]+)", line):
                project = m.group(1)
                break
        assert project
        deadline = time.monotonic() + 60
        label = {"label": f"com.docker.compose.project={project}"}
        while len(docker_client.api.containers(all=True, filters=label)) < containers:
            assert time.monotonic() < deadline, "the stack never came up"
            time.sleep(0.1)
    except BaseException:
        proc.send_signal(signal.SIGINT)  # it cleans up after itself
        proc.wait(120)
        raise
    return proc, project


def test_ctrl_c_during_up_removes_everything(ws: Path, docker_client) -> None:
    # A backend whose healthcheck never passes in time keeps `up` waiting: the frontend
    # depends on it being healthy. Ctrl-C lands in the middle of `up`.
    edit(
        ws / "docker-compose.yml",
        "    depends_on:\n      - backend\n",
        "    depends_on:\n      backend:\n        condition: service_healthy\n",
    )
    edit(
        ws / "docker-compose.yml",
        "    restart: unless-stopped\n\nnetworks:",
        '    restart: unless-stopped\n    healthcheck:\n      test: ["CMD", "sleep", "30"]\n'
        "      interval: 60s\n      start_period: 60s\n\nnetworks:",
    )
    proc, project = _start_run(ws, docker_client, containers=1)
    proc.send_signal(signal.SIGINT)
    rest = proc.stderr.read()
    assert proc.wait(120) == 130, rest
    assert "interrupted" in rest
    assert labelled(docker_client, scope="left") == {}
    assert docker_client.api.containers(all=True, filters={"label": f"com.docker.compose.project={project}"}) == []


def _start_and_kill_during_up(ws: Path, docker_client) -> str:
    """Start `grader run`, wait until its stack has its containers, SIGKILL it. Returns the project."""
    proc, project = _start_run(ws, docker_client, containers=4)
    proc.kill()
    proc.wait(10)
    assert labelled(docker_client, scope="left")["containers"]  # SIGKILL: nothing could clean up
    return project


def test_sigkill_mid_run_then_grader_clean_leaves_nothing(ws: Path, docker_client) -> None:
    _start_and_kill_during_up(ws, docker_client)
    p = grader("clean")
    assert p.returncode == 0 and "left-over object(s) removed" in p.stdout
    assert labelled(docker_client, scope="left") == {}
    assert grader("clean").stdout.strip() == "nothing to clean"


def test_a_new_run_sweeps_what_a_killed_run_left(ws: Path, docker_client, tmp_path: Path) -> None:
    stale = _start_and_kill_during_up(ws, docker_client)
    other = tmp_path / "other"
    shutil.copytree(ws, other)
    edit(other / "docker-compose.yml", "  backend:\n", "  backend:\n    container_name: socialapp-backend\n")
    _code, _report, stderr = run_json(other)  # fails fast at up-scaled, after the start-up sweep
    assert "removed what earlier killed runs left" in stderr
    assert docker_client.api.containers(all=True, filters={"label": f"com.docker.compose.project={stale}"}) == []
    assert labelled(docker_client, scope="left") == {}


@pytest.mark.parametrize(
    "name,command",
    [
        ("fork bomb", "bomb() { bomb | bomb & }; bomb"),
        ("log flood", "yes 'flooding the log'"),
    ],
)
def test_a_hostile_backend_ends_as_a_failed_check(ws: Path, name: str, command: str) -> None:
    edit(ws / "docker-compose.yml", "    expose:\n", f'    command: ["sh", "-c", "{command}"]\n    expose:\n')
    start = time.monotonic()
    code, report, _stderr = run_json(ws, "--ready-timeout", "10")
    assert code == 1 and report["passed"] is False
    assert failed(report) & {"runtime.replicas", "runtime.api"}, statuses(report)
    assert time.monotonic() - start < 120
    logs = result(report, "runtime.logs")
    assert all(len(d.get("output", "")) <= 64 * 1024 for d in logs["details"])


def test_a_fixed_backend_host_port_fails_up_scaled_at_its_line(tmp_path: Path) -> None:
    code, report, _ = run_json(fixture(tmp_path, "fixed-backend-port"))
    assert failed(report) == {"runtime.up-scaled"} and code == 1
    r = result(report, "runtime.up-scaled")
    assert (r["file"], r["line"]) == ("docker-compose.yml", 28)
    assert "fixed host port" in r["message"] and "port is already allocated" in r["message"]


def test_an_idle_replica_counts_zero_whatever_else_reaches_it(docker_client) -> None:
    """The measure behind load-spread, scale-up and restart-one: a container that no request
    reaches counts zero connections over the whole wait, although DNS look-ups of its name, UDP
    packets to it, refused TCP connections to a closed port, and the grader's own exec and
    inspect calls reach it meanwhile; three real connections count exactly three."""
    from grader.runtime.engine import OWNER_LABEL, RUN_LABEL, Engine, accepted_between, owner

    labels = {RUN_LABEL: "measure-test", OWNER_LABEL: owner(), "com.docker.compose.project": "grader-measure-test"}
    net = docker_client.networks.create("grader-measure-test", labels=labels)
    made = []
    try:
        idle = docker_client.containers.run(
            "python:3.13-slim",
            ["python", "-m", "http.server", "8080"],
            name="grader-measure-idle",
            network=net.name,
            labels=labels,
            detach=True,
        )
        made.append(idle)
        noise = (
            "import socket, time\n"
            "end = time.time() + 6\n"
            "while time.time() < end:\n"
            "    socket.getaddrinfo('grader-measure-idle', 8080)\n"
            "    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
            "u.sendto(b'x', ('grader-measure-idle', 9)); u.close()\n"
            "    t = socket.socket(); t.settimeout(1)\n"
            "    try: t.connect(('grader-measure-idle', 9))\n"
            "    except OSError: pass\n"
            "    t.close(); time.sleep(0.05)\n"
        )
        engine = Engine(docker_client, "grader-measure-test")
        deadline = time.monotonic() + 30
        while engine.accepted([idle.id]).get(idle.id) is None:
            assert time.monotonic() < deadline, "the idle container never became readable"
            time.sleep(0.2)
        before, t0 = engine.accepted([idle.id])[idle.id], time.monotonic()
        client = docker_client.containers.run(
            "python:3.13-slim",
            ["python", "-c", noise],
            name="grader-measure-noise",
            network=net.name,
            labels=labels,
            detach=True,
        )
        made.append(client)
        while client.reload() or client.status != "exited":
            engine.accepted([idle.id])  # the grader's own exec and inspect calls, many times
            engine.addresses(idle.id)
            assert time.monotonic() < deadline + 30, "the noise container did not finish"
        assert client.wait()["StatusCode"] == 0, client.logs()
        after = engine.accepted([idle.id])[idle.id]
        assert accepted_between(before, after, time.monotonic() - t0) == 0
        asker = docker_client.containers.run(
            "python:3.13-slim",
            [
                "python",
                "-c",
                "import urllib.request as u\nfor _ in range(3): u.urlopen('http://grader-measure-idle:8080/').read()",
            ],
            name="grader-measure-asker",
            network=net.name,
            labels=labels,
            detach=True,
        )
        made.append(asker)
        assert asker.wait(timeout=60)["StatusCode"] == 0
        final = engine.accepted([idle.id])[idle.id]
        assert accepted_between(after, final, 1.0) == 3
        # Both ways of reading agree: the host's /proc of the container's process, and an exec.
        from grader.runtime.engine import _passive_opens

        assert _passive_opens(engine._exec_cat(idle.id, "/proc/net/snmp") or "") == final.connections
    finally:
        for c in made:
            c.remove(force=True)
        net.remove()


def test_two_runs_at_once_get_the_same_verdicts() -> None:
    """benchmarks/runtime_repeat.py on the fixture that used to differ between runs: two
    gradings at once (as `grader batch --runtime --stacks 2`) agree on every check."""
    repo = Path(__file__).resolve().parent.parent
    p = subprocess.run(
        [
            sys.executable,
            str(repo / "benchmarks" / "runtime_repeat.py"),
            "--fixture",
            "literal-proxy-pass",
            "--runs",
            "2",
            "--parallel",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    assert p.returncode == 0, p.stdout + p.stderr
    assert "AGREE  runtime.scale-up       fail fail" in p.stdout and "[[0, 0], [0, 0]]" in p.stdout
    assert "every check agreed in every run" in p.stdout


def test_the_run_is_the_project_compose_loads_and_not_the_graders_environment(ws: Path, monkeypatch) -> None:
    """The override Compose merges on its own is part of the run (a container_name there stops
    `up --scale` at its line), and a variable in the grader's own environment does not reach
    the learner's file: the port comes from the submission's .env, as on any machine."""
    (ws / "docker-compose.override.yml").write_text("services:\n  backend:\n    container_name: from-override\n")
    edit(ws / "docker-compose.yml", "      - PORT=8080\n", "      - PORT=${BACKEND_PORT:-8080}\n")
    monkeypatch.setenv("BACKEND_PORT", "9999")
    _code, report, _ = run_json(ws)
    r = result(report, "runtime.up-scaled")
    assert r["status"] == "fail" and "from-override" in r["message"]
    assert (r["file"], r["line"]) == ("docker-compose.override.yml", 3)
    (ws / "docker-compose.override.yml").unlink()
    _code, report, stderr = run_json(ws)
    assert statuses(report)["runtime.api"] == "pass", stderr  # 9999 would leave nginx's 8080 unanswered


def test_grader_clean_leaves_a_run_going_alone_unless_all(ws: Path, docker_client) -> None:
    """Another grader's run on the same machine is not a leftover: `grader clean` keeps it
    (its owner is alive); `grader clean --all` removes it too."""
    proc, project = _start_run(ws, docker_client, containers=4)
    try:
        label = {"label": f"com.docker.compose.project={project}"}
        assert grader("clean").stdout.strip() == "nothing to clean"
        assert len(docker_client.api.containers(all=True, filters=label)) >= 4
        p = grader("clean", "--all")
        assert p.returncode == 0 and "left-over object(s) removed" in p.stdout
        assert docker_client.api.containers(all=True, filters=label) == []
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(120)
    assert labelled(docker_client, scope="left") == {}
