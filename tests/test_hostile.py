"""The hostile-submission suite: every case of tests/hostile_cases.py, beside a victim project
(another learner's running container, named volume with a marker, network and locally built
image) on the same engine. A case is either refused before anything is built (exit 2, the
hazard at its line, nothing new on the engine) or contained (it runs, and a probe in the run
reads what `docker inspect` shows and what the test's own listener heard). Afterwards the
victim's objects are exactly as they were and nothing of any run is left, firewall rules
included. The last test prints the count per class: refused, contained, escaped.

Payloads are harmless canaries: a marker file in the victim's volume, a listener this test runs
on this machine (on all of its addresses; the containers try the Docker bridge's gateway)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hostile_cases import (
    BACKEND_END,
    CANARY,
    CANARY_NAMED,
    CONTAINED,
    INCLUDES,
    NETWORKS,
    REFUSED,
    VOLUMES,
    Case,
    Contained,
)
from runtime_fixtures import WORKSHOP, edit

from grader.runtime.engine import RUN_LABEL, labelled

pytestmark = pytest.mark.runtime

TALLY: dict[str, Counter[str]] = {}
MARKER = "victim-marker-7d1e"


def _tally(klass: str, outcome: str) -> None:
    TALLY.setdefault(klass, Counter())[outcome] += 1


# -- the victim and the listener ------------------------------------------------------------------
class Listener:
    """A TCP listener on every address of this machine; counts who connected."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("0.0.0.0", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.peers: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, peer = self.sock.accept()
            except OSError:
                continue
            self.peers.append(peer[0])
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(2)
        self.sock.close()


def _state(client: Any, v: SimpleNamespace) -> dict[str, Any]:
    """What the victim has now: its container (id, status), volume marker, network and image ids."""
    c = client.api.inspect_container(v.container)
    marker = client.containers.get(v.container).exec_run(["cat", "/data/marker"]).output.decode().strip()
    return {
        "container": (c["Id"], c["State"]["Status"], c["State"]["StartedAt"]),
        "marker": marker,
        "volume": client.api.inspect_volume(v.volume)["CreatedAt"],
        "network": client.api.inspect_network(v.network)["Id"],
        "image": client.api.inspect_image(v.image)["Id"],
    }


@pytest.fixture(scope="module")
def docker_client():
    import docker

    client = docker.from_env()
    client.ping()
    return client


@pytest.fixture(scope="module")
def victim(docker_client):
    """Another learner's project: a running container on its network with its named volume
    (holding a marker) and a locally built image. Removed at the end, whatever happened."""
    client = docker_client
    token = secrets.token_hex(3)
    v = SimpleNamespace(
        container=f"victim{token}-app",
        volume=f"victim{token}-data",
        network=f"victim{token}-net",
        image=f"victim{token}-image:1",
    )
    try:
        client.networks.create(v.network, labels={"test.victim": token})
        client.volumes.create(v.volume, labels={"test.victim": token})
        dockerfile = f"FROM python:3.13-slim\nRUN echo {MARKER}-image > /secret\nLABEL test.victim={token}\n"
        client.images.build(fileobj=io.BytesIO(dockerfile.encode()), tag=v.image, rm=True, network_mode="none")
        client.containers.run(
            v.image,
            ["sh", "-c", f"echo {MARKER} > /data/marker; exec sleep 86400"],
            name=v.container,
            detach=True,
            network=v.network,
            labels={"test.victim": token},
            volumes={v.volume: {"bind": "/data", "mode": "rw"}},
        )
        for _ in range(50):
            if client.containers.get(v.container).exec_run(["cat", "/data/marker"]).exit_code == 0:
                break
            time.sleep(0.1)
        v.before = _state(client, v)
        import ipaddress

        ipam = client.api.inspect_network("bridge")["IPAM"]["Config"][0]
        v.gateway = ipam.get("Gateway") or str(ipaddress.ip_network(ipam["Subnet"])[1])
        v.host_ip = _host_address()
        yield v
        assert _state(client, v) == v.before, "the victim's objects changed"
    finally:
        for step in (
            lambda: client.containers.get(v.container).remove(force=True),
            lambda: client.images.remove(v.image, force=True),
            lambda: client.volumes.get(v.volume).remove(force=True),
            lambda: client.networks.get(v.network).remove(),
        ):
            with contextlib.suppress(Exception):
                step()


@pytest.fixture(scope="module")
def listener():
    lst = Listener()
    yield lst
    lst.close()


def _host_address() -> str:
    """An address of this machine on an interface of its own (not a bridge of Docker's)."""
    out = subprocess.run(["ip", "-4", "-o", "addr", "show", "scope", "global"], capture_output=True, text=True)
    for line in out.stdout.splitlines():
        parts = line.split()
        if not parts[1].startswith(("docker", "br-", "gr", "veth")):
            return parts[3].split("/")[0]
    raise AssertionError(f"no address of this machine found: {out.stdout!r}")


def _fill(text: str, v: SimpleNamespace, port: int) -> str:
    for key, value in {
        "{vc}": v.container,
        "{vv}": v.volume,
        "{vn}": v.network,
        "{vi}": v.image,
        "{gw}": v.gateway,
        "{hostip}": v.host_ip,
        "{port}": str(port),
    }.items():
        text = text.replace(key, value)
    return text


def make(case: Case | Contained, dest: Path, v: SimpleNamespace, port: int) -> Path:
    """The workshop with the case's change, at `dest`."""
    shutil.copytree(WORKSHOP, dest)
    compose = dest / "docker-compose.yml"
    workshop_text = compose.read_text()
    text = INCLUDES.get(case.name, "") + workshop_text
    top = getattr(case, "top", "").replace("{canary}", json.dumps(_fill(CANARY, v, port)))
    top = top.replace("{canary_named}", json.dumps(_fill(CANARY_NAMED, v, port)))
    text = text.replace(BACKEND_END, "    restart: unless-stopped\n" + case.backend + top + "\nnetworks:")
    if getattr(case, "networks", ""):
        text = text.replace(NETWORKS, NETWORKS + case.networks)
    if getattr(case, "volumes", ""):
        text = text.replace(VOLUMES, VOLUMES + case.volumes)
    if getattr(case, "frontend", ""):
        text = text.replace("  frontend:\n", "  frontend:\n" + case.frontend)
    compose.write_text(_fill(text, v, port))
    for rel, old, new in case.edits:
        edit(dest / rel, old, _fill(new, v, port))
    for rel, content in case.files.items():
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        (dest / rel).write_text(_fill(content(workshop_text) if callable(content) else content, v, port))
    if case.dockerfile:
        edit(dest / "backend" / "Dockerfile", case.dockerfile[0], _fill(case.dockerfile[1], v, port))
    return dest


def blamed(case: Case, ws: Path, v: SimpleNamespace, port: int) -> tuple[str, int] | None:
    """The file and line the refusal must name: the `#!` line, or the line holding `at`'s text."""
    rel, needle = case.at if case.at else ("docker-compose.yml", "#!")
    needle = _fill(needle, v, port)
    for n, line in enumerate((ws / rel).read_text().splitlines(), 1):
        if needle in line:
            return rel, n
    return None


def _engine_objects(client: Any) -> set[str]:
    """Every container, image, network and volume on the engine but those of other grader runs
    (a refused run makes no project, so anything of its own would carry no run label)."""

    def other_run(attrs: dict[str, Any]) -> bool:
        labels = attrs.get("Labels") or (attrs.get("Config") or {}).get("Labels") or {}
        return RUN_LABEL in labels

    return (
        {c.id for c in client.containers.list(all=True) if not other_run(c.attrs)}
        | {i.id for i in client.images.list(all=True) if not other_run(i.attrs)}
        | {n.id for n in client.networks.list() if not other_run(n.attrs)}
        | {x.name for x in client.volumes.list() if not other_run(x.attrs)}
    )


# -- refused ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", REFUSED, ids=[c.name for c in REFUSED])
def test_a_hostile_submission_is_refused_before_anything_is_built(
    case: Case, tmp_path: Path, victim, listener, docker_client
) -> None:
    ws = make(case, tmp_path / "ws", victim, listener.port)
    before = _engine_objects(docker_client)
    p = subprocess.run(
        [sys.executable, "-m", "grader", "run", str(ws), "--progress", "plain", "--no-color"],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "LANG": "C.UTF-8"},
    )
    escaped = p.returncode != 2
    _tally(case.klass, "escaped" if escaped else "refused")
    assert p.returncode == 2, f"{case.name}: not refused (exit {p.returncode})\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}"
    assert "Traceback" not in p.stderr
    assert case.words in p.stderr, p.stderr
    where = blamed(case, ws, victim, listener.port)
    if where is not None:
        assert f"{where[0]}:{where[1]}: " in p.stderr, (where, p.stderr)
    assert _engine_objects(docker_client) == before, "something was made on the engine"
    assert listener.peers == []


# -- contained --------------------------------------------------------------------------------------
def _containers(stack: Any) -> list[dict[str, Any]]:
    return [stack.engine.client.api.inspect_container(c.id) for c in stack.engine.containers()]


def _wait_log(client: Any, cid: str, word: str, timeout: float = 30.0) -> str:
    end = time.monotonic() + timeout
    text = ""
    while time.monotonic() < end:
        text = client.api.logs(cid).decode("utf-8", "replace")
        if word in text:
            return text
        time.sleep(0.3)
    return text


def probe_for(case: Contained, v: SimpleNamespace, listener: Listener) -> Any:
    """What the case must show while its stack runs (raises AssertionError otherwise)."""

    def caps(stack: Any) -> None:
        for c in _containers(stack):
            hc = c["HostConfig"]
            assert hc["NetworkMode"] not in ("host",) and not hc["NetworkMode"].startswith("container:")
            assert hc["PidMode"] in ("", "private") and hc["IpcMode"] in ("private", "shareable", "")
            assert not hc["Privileged"] and not hc["CapAdd"] and not hc.get("Devices")
            assert 0 < hc["Memory"] <= 512 * 1024**2 and 0 < hc["NanoCpus"] <= 0.5e9 and 0 < hc["PidsLimit"] <= 256
            for m in c["Mounts"]:
                assert m["Type"] in ("volume", "tmpfs") or str(m.get("Source", "")).startswith(str(stack.ws.root.root))
                if m["Type"] == "volume":
                    assert m["Name"] != v.volume
            for bindings in (hc.get("PortBindings") or {}).values():
                assert all(b["HostIp"] == "127.0.0.1" for b in bindings or [])
            assert v.network not in c["NetworkSettings"]["Networks"]

    def backend(stack: Any) -> list[dict[str, Any]]:
        return [c for c in _containers(stack) if c["Config"]["Labels"].get("com.docker.compose.service") == "backend"]

    def grader_env(stack: Any) -> None:
        env = dict(e.partition("=")[::2] for e in backend(stack)[0]["Config"]["Env"])
        assert "GRADER_CANARY" not in env and "DOCKER_HOST" not in env
        assert env["FROM_PATH"] == "unset" and env["FROM_HOME"] == "/nonexistent"

    def own_limits(stack: Any) -> None:
        hc = backend(stack)[0]["HostConfig"]
        assert (hc["Memory"], hc["NanoCpus"], hc["PidsLimit"]) == (256 * 1024**2, 250_000_000, 100)

    def host_reach(stack: Any) -> None:
        canary = next(
            c for c in _containers(stack) if c["Config"]["Labels"].get("com.docker.compose.service") == "canary"
        )
        log = _wait_log(stack.engine.client, canary["Id"], "CANARY-")
        assert "CANARY-BLOCKED" in log, log

    def image_name(stack: Any) -> None:
        assert all(c["Config"]["Image"].endswith("-backend:grader") for c in backend(stack))
        assert stack.engine.client.api.inspect_image(v.image)["Id"] == v.before["image"]

    def container_name(stack: Any) -> None:
        front = [c for c in _containers(stack) if c["Config"]["Labels"].get("com.docker.compose.service") == "frontend"]
        assert front[0]["Name"] == f"/{stack.compose.name}-{v.container}"
        assert all(v.container in (n.get("Aliases") or []) for n in front[0]["NetworkSettings"]["Networks"].values())

    extra = {
        "the grader's variables reach no container": grader_env,
        "the container name of another run is the run's own": container_name,
        "the learner's own limits under the caps": own_limits,
        "a container cannot reach the host": host_reach,
        "a name pointed at the host (host-gateway) is contained": host_reach,
        "the image name of another run is not taken over": image_name,
    }.get(case.name)

    def probe(stack: Any) -> None:
        caps(stack)
        if extra:
            extra(stack)

    return probe


@pytest.mark.parametrize("case", CONTAINED, ids=[c.name for c in CONTAINED])
def test_a_hostile_submission_that_runs_is_contained(
    case: Contained, tmp_path: Path, victim, listener, docker_client, monkeypatch
) -> None:
    from grader.grade import runtime_options
    from grader.results import Finding, Status
    from grader.rubric import load_rubric
    from grader.runtime import scenario
    from grader.runtime.outcome import PhaseOutcome
    from grader.runtime.phases import r101_build, r102_up_scaled
    from grader.workspace import load_workspace

    ws_path = make(case, tmp_path / "ws", victim, listener.port)
    for key, value in case.env.items():
        monkeypatch.setenv(key, value)
    probe = probe_for(case, victim, listener)
    probed: list[bool] = []

    def run_probe(stack: Any) -> PhaseOutcome:
        probe(stack)
        probed.append(True)
        return PhaseOutcome([Finding(Status.PASS, "pass", {})])

    phase = SimpleNamespace(CODE="T900", SLUG="test.probe", NEEDS=("runtime.up-scaled",), run=run_probe)
    monkeypatch.setattr(scenario, "PHASES", [r101_build, r102_up_scaled, phase])
    rubric = load_rubric(None)
    ws = load_workspace(ws_path, api_path=rubric.api_path)
    run = scenario.RuntimeRun(ws, runtime_options(rubric))
    run.prepare()
    outcomes = run.run()
    up = outcomes["runtime.up-scaled"].findings[0].status
    try:
        assert outcomes["runtime.build"].findings[0].status is Status.PASS, outcomes["runtime.build"]
        # R101 says a step tried a closed address exactly when one did (the build rules' counters)
        said = any(f.key == "closed_attempt" for f in outcomes["runtime.build"].findings)
        assert said == case.build_refused, outcomes["runtime.build"]
        if case.expect_up:
            assert up is Status.PASS and probed == [True], outcomes
        else:
            assert up is Status.FAIL and probed == [], outcomes
        assert listener.peers == [], f"the listener was reached from {listener.peers}"
        assert _state(docker_client, victim) == victim.before
        assert labelled(docker_client, project=run.project, run_id=run.run_id) == {}
        rules = subprocess.run(["iptables", "-S"], capture_output=True, text=True)
        assert rules.returncode == 0 and "-N DOCKER-USER" in rules.stdout, rules.stderr  # the listing really ran
        assert f"run={run.run_id}" not in rules.stdout
    except AssertionError:
        _tally(case.klass, "escaped")
        raise
    _tally(case.klass, "contained")


# -- what grows at run time: stopped by the run's budget ---------------------------------------------
# Each writes 500 MB (zeros, on this machine's engine only) where the run's disk is measured; the
# run's budget is cut to 700 MB for them (the workshop's two images take about 320 MB).
GROWS = {
    "a container fills its writable layer": {
        "top": "  writer:\n    image: python:3.13-slim\n"
        "    command: [sh, -c, 'dd if=/dev/zero of=/big bs=1M count=500; sleep 3600']\n",
    },
    "a container fills a named volume": {
        "top": '  writer:\n    image: python:3.13-slim\n    volumes: ["scratch:/scratch"]\n'
        "    command: [sh, -c, 'dd if=/dev/zero of=/scratch/big bs=1M count=500; sleep 3600']\n",
        "volumes": "  scratch:\n",
    },
    "a container fills an anonymous volume": {
        "top": "  writer:\n    image: python:3.13-slim\n    volumes: [/scratch]\n"
        "    command: [sh, -c, 'dd if=/dev/zero of=/scratch/big bs=1M count=500; sleep 3600']\n",
    },
    "a build step writes a large layer": {
        "dockerfile": ("COPY app.py .", "RUN dd if=/dev/zero of=/big bs=1M count=500\nCOPY app.py ."),
    },
}


@pytest.mark.parametrize("name", sorted(GROWS))
def test_what_grows_at_run_time_is_stopped_by_the_runs_budget(name: str, tmp_path: Path, victim, listener) -> None:
    from dataclasses import replace

    from grader.grade import runtime_options
    from grader.rubric import load_rubric
    from grader.runtime.budget import Budget
    from grader.runtime.scenario import RuntimeRun
    from grader.workspace import load_workspace

    spec = GROWS[name]
    case = Contained(name, "budget", top=spec.get("top", ""), dockerfile=spec.get("dockerfile"))
    ws_path = make(case, tmp_path / "ws", victim, listener.port)
    if spec.get("volumes"):
        compose = ws_path / "docker-compose.yml"
        compose.write_text(compose.read_text().replace(VOLUMES, VOLUMES + spec["volumes"]))
    rubric = load_rubric(None)
    options = replace(runtime_options(rubric), budget=Budget(disk="700m", watch_seconds=1.0))
    run = RuntimeRun(load_workspace(ws_path, api_path=rubric.api_path), options)
    run.prepare()
    outcomes = run.run()
    stopped = [f for o in outcomes.values() for f in o.findings if f.key == "budget_stopped"]
    try:
        assert stopped, {k: [f.key for f in o.findings] for k, o in outcomes.items()}
        assert "disk" in stopped[0].params["what"].en and stopped[0].params["limit"] == "700m"
        # every phase says it, however early the watch saw it: the same verdict on a busy machine
        assert all([f.key for f in o.findings] == ["budget_stopped"] for o in outcomes.values()), outcomes
        assert labelled(docker_client_of(run), project=run.project, run_id=run.run_id) == {}
        assert _state(docker_client_of(run), victim) == victim.before
    except AssertionError:
        _tally("budget", "escaped")
        raise
    _tally("budget", "contained")


def docker_client_of(run: Any) -> Any:
    from grader.runtime.engine import connect

    return run.engine.client if run.engine is not None else connect()


def test_zz_the_suite_counts_per_class(capsys) -> None:
    """Printed at the end of the suite (pytest -s shows it; the CI log keeps it)."""
    total = Counter()
    lines = []
    for klass, counts in sorted(TALLY.items()):
        total.update(counts)
        lines.append(
            f"  {klass:12} refused {counts['refused']:3}  contained {counts['contained']:3}  "
            f"escaped {counts['escaped']:3}"
        )
    with capsys.disabled():
        print(
            "\nhostile submissions, per class:\n"
            + "\n".join(lines)
            + f"\n  {'all':12} refused {total['refused']:3}  contained {total['contained']:3}  "
            f"escaped {total['escaped']:3}"
        )
    assert sum(total.values()) >= 60 and total["escaped"] == 0


def test_the_graders_environment_changes_nothing_a_submission_gets(tmp_path: Path, monkeypatch) -> None:
    """PATH, HOME, DOCKER_HOST and any other variable of the grader's: the project Compose
    resolves for the run is the same, byte for byte, whatever they are; `${VAR}` of them reads
    what a machine without them gives, and a bare name stays unset."""
    from grader.grade import runtime_options
    from grader.rubric import load_rubric
    from grader.runtime.scenario import RuntimeRun
    from grader.workspace import load_workspace

    ws_path = tmp_path / "ws"
    shutil.copytree(WORKSHOP, ws_path)
    edit(
        ws_path / "docker-compose.yml",
        "      - PORT=8080\n",
        "      - PORT=8080\n      - FROM_PATH=${PATH:-unset}\n      - FROM_HOME=${HOME}\n"
        "      - FROM_DOCKER=${DOCKER_HOST:-unset}\n      - GRADER_CANARY\n      - DOCKER_CONFIG\n",
    )
    rubric = load_rubric(None)

    def resolved() -> str:
        run = RuntimeRun(load_workspace(ws_path, api_path=rubric.api_path), runtime_options(rubric))
        run.prepare()
        assert run.resolved is not None
        return json.dumps(run.resolved, sort_keys=True).replace(run.project, "PROJECT")

    plain = resolved()
    monkeypatch.setenv("PATH", f"/tmp/elsewhere:{os.environ['PATH']}")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DOCKER_HOST", "unix:///var/run/docker.sock")
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker-config"))
    monkeypatch.setenv("GRADER_CANARY", "leaked-3f9c")
    assert resolved() == plain
    env = json.loads(plain)["services"]["backend"]["environment"]
    assert (env["FROM_PATH"], env["FROM_HOME"], env["FROM_DOCKER"]) == ("unset", "/nonexistent", "unset")
    assert env["GRADER_CANARY"] is None and env["DOCKER_CONFIG"] is None  # dropped from the run (freeze.py)
