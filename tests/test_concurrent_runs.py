"""Two learners graded at once, as `grader batch --stacks 2` grades them (two runs in threads of
one process, each sealed): while both stacks run, a container of each tries the other's
containers, by address, and the other's published port through its own gateway, and reaches
neither; the grader itself reaches both frontends, so the targets were there."""

from __future__ import annotations

import shutil
import socket
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
WORKSHOP = REPO / "workshop"

CONNECT = (
    "import socket,sys\n"
    "for a in sys.argv[1:]:\n"
    " h,p=a.rsplit(':',1)\n"
    " try: socket.create_connection((h,int(p)),timeout=3); print('REACHED',a)\n"
    " except OSError as e: print('REFUSED',a,e)\n"
)


def _gateway(attrs: dict[str, Any]) -> str:
    nets = attrs["NetworkSettings"]["Networks"]
    return next(iter(nets.values()))["Gateway"]


def _addresses(attrs: dict[str, Any]) -> list[str]:
    return [n["IPAddress"] for n in attrs["NetworkSettings"]["Networks"].values() if n.get("IPAddress")]


@pytest.mark.runtime
@pytest.mark.parametrize("sealed", [True, False], ids=["sealed", "unsealed-mutant"])
def test_two_runs_at_once_reach_neither_each_others_containers_nor_published_ports(
    sealed: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unsealed (a trusted class's `seal: false`), the same probes reach the test's listener on
    the host: the probes can tell an open way from a closed one."""
    from dataclasses import replace

    from grader.grade import runtime_options
    from grader.results import Finding, Status
    from grader.rubric import load_rubric
    from grader.runtime import scenario
    from grader.runtime.outcome import PhaseOutcome
    from grader.runtime.phases import r101_build, r102_up_scaled, r103_replicas, r104_api
    from grader.workspace import load_workspace

    rubric = load_rubric(None)
    barrier = threading.Barrier(2, timeout=300)
    # Docker keeps networks apart and the run binds published ports to 127.0.0.1, so the other
    # run is closed even unsealed; this listener on every address of the host is what an
    # unsealed run reaches, the control that shows the probes can see a way that is open.
    listener = socket.socket()
    listener.bind(("0.0.0.0", 0))
    listener.listen(8)
    seen: dict[str, SimpleNamespace] = {}
    results: dict[str, list[str]] = {}
    errors: list[BaseException] = []

    def probe_for(me: str, other: str) -> Any:
        def run(stack: Any) -> PhaseOutcome:
            client = stack.engine.client
            mine = [client.api.inspect_container(c.id) for c in stack.engine.containers()]
            front = next(c for c in mine if c["Config"]["Labels"]["com.docker.compose.service"] == "frontend")
            seen[me] = SimpleNamespace(
                addresses=[a for c in mine for a in _addresses(c)],
                port=stack.engine.published_port("frontend", 80),
                gateway=_gateway(front),
            )
            barrier.wait()  # both stacks up
            theirs = seen[other]
            targets = [f"{a}:{p}" for a in theirs.addresses for p in (80, 8080)]
            targets.append(f"{seen[me].gateway}:{theirs.port}")  # their published port, via the host
            targets.append(f"{seen[me].gateway}:{listener.getsockname()[1]}")  # a listener of this test's
            backend = next(c for c in mine if c["Config"]["Labels"]["com.docker.compose.service"] == "backend")
            out = client.containers.get(backend["Id"]).exec_run(["python3", "-c", CONNECT, *targets])
            results[me] = out.output.decode().splitlines()
            with socket.create_connection(("127.0.0.1", theirs.port), timeout=5):
                pass  # the grader, on the host, reaches their frontend: the target was there
            barrier.wait()  # neither stack goes before both have probed
            return PhaseOutcome([Finding(Status.PASS, "pass", {})])

        return SimpleNamespace(CODE="T901", SLUG="test.probe", NEEDS=("runtime.api",), run=run)

    runs: dict[str, Any] = {}
    for me, other in (("a", "b"), ("b", "a")):
        ws = tmp_path / me
        shutil.copytree(WORKSHOP, ws)
        options = replace(runtime_options(rubric), seal=sealed)
        run = scenario.RuntimeRun(load_workspace(ws, api_path=rubric.api_path), options)
        run.prepare(require_seal=sealed)
        runs[me] = (run, probe_for(me, other))

    phases = {me: [r101_build, r102_up_scaled, r103_replicas, r104_api, probe] for me, (_run, probe) in runs.items()}

    def own_phases(self: Any, stack: Any) -> None:
        me = next(k for k, (r, _p) in runs.items() if r is self)
        for phase in phases[me]:
            blocker = next((n for n in phase.NEEDS if not stack.passed(n)), None)
            if blocker is not None:
                barrier.abort()
                self.outcomes[phase.SLUG] = PhaseOutcome([Finding(Status.SKIP, "skipped_after", {"phase": blocker})])
                continue
            self.outcomes[phase.SLUG] = phase.run(stack)

    monkeypatch.setattr(scenario.RuntimeRun, "_phases", own_phases)

    def go(me: str) -> None:
        try:
            runs[me][0].run()
        except BaseException as e:
            errors.append(e)
            barrier.abort()

    threads = [threading.Thread(target=go, args=(me,)) for me in runs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(900)
    listener.close()
    assert not errors, errors
    for me, (run, _probe) in runs.items():
        assert run.outcomes["test.probe"].findings[0].status is Status.PASS, run.outcomes
        assert len(results[me]) >= 5  # their containers' addresses, two ports each, and their port
        if sealed:
            assert all(line.startswith("REFUSED") for line in results[me]), results[me]
        else:
            assert any(line.startswith("REACHED") for line in results[me]), results[me]
