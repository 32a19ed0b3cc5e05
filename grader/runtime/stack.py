"""The stack under test, as the phases see it: the Compose project, the Docker engine, the HTTP
client through the frontend, the deadline, the options, and what the submission's files say
about the run (roles, the API's route through nginx and how nginx resolves the backend).

Phases read and act through this object only; they never import each other or the scenario."""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader import interrupt
from grader.errors import Interrupted
from grader.nginx.model import DOCKER_DNS_TTL, LONGEST_VALID, Directive, Resolution, by_client_address
from grader.results import Finding, Status
from grader.rubric import DEFAULT_API_PATH
from grader.runtime.budget import Budget
from grader.runtime.compose_cli import CommandResult, ComposeProject
from grader.runtime.engine import Accepted, Engine, Replica, accepted_between
from grader.runtime.freeze import Limits
from grader.runtime.http import Client, LoadTally, SteadyLoad
from grader.runtime.outcome import PhaseOutcome, backoff
from grader.runtime.progress import Progress
from grader.submission.yamlfile import file_of
from grader.workspace import Workspace

# nginx's default fail_timeout: a server that failed once is not tried again for this long.
FAIL_TIMEOUT = 10.0


@dataclass
class RuntimeOptions:
    replicas: int = 3
    scale_up: int = 5
    scale_down: int = 2
    requests: int = 90  # requests whose spread over the replicas is measured
    min_success: float = 0.99  # of requests while replicas come and go
    fair_share: float = 0.5  # each replica gets at least this fraction of an even share
    build_timeout: float = 300.0
    # `sealed`: builds reach the internet as on the learner's machine, and nothing of the grading
    # machine or its networks (grader/runtime/seal.py); `none`: builds have no network at all.
    build_network: str = "sealed"
    # The images a build or a service may use from this engine although no registry gave them
    # (grader/runtime/base_images.py): the official images, or their stand-ins here.
    base_images: list[str] = field(default_factory=lambda: ["nginx:1.30", "python:3.13-slim", "debian:bookworm-slim"])
    seal: bool = True  # the run's firewall (grader/runtime/seal.py); false only for a trusted class
    up_timeout: float = 180.0
    ready_timeout: float = 60.0  # replicas running, the API answering
    # How long the first replicas must run unchanged to count as running: a backend that exits
    # or restarts at start does so well within it.
    steady: float = 1.0
    # New or restarted replicas must get a request within the resolver's validity plus this
    # margin (nginx asks again on the first request after expiry; Docker's DNS answers at once).
    traffic_margin: float = 5.0
    # The longest validity the grader waits out; a longer one is judged by requests, not waited for.
    longest_valid: float = LONGEST_VALID
    # Requests per replica that show a replica nginx knows gets traffic: round robin reaches
    # each known address once every len(addresses) requests; six rounds leave a wide margin.
    rounds: int = 6
    total_timeout: float = 1800.0
    log_bytes: int = 64 * 1024  # kept per replica
    list_path: str = DEFAULT_API_PATH
    create_path: str = DEFAULT_API_PATH
    create_body: dict[str, Any] = field(default_factory=lambda: {"username": "grader", "content": "{marker}"})
    limits: Limits = field(default_factory=Limits)
    budget: Budget = field(default_factory=Budget)  # the whole run's share (grader/runtime/budget.py)
    openapi: Path | None = None
    contract_examples: int = 5


@dataclass(frozen=True)
class TrafficWait:
    """How long to wait for a replica nginx should reach: a time bound where nginx re-resolves
    soon enough to wait for it, else a number of requests (the outcome is already decided by
    the config, and the requests only confirm it)."""

    seconds: float | None
    requests: int | None
    reason: str  # once | long-valid | valid | unknown
    valid: float | None = None

    @property
    def describe(self) -> str:
        return f"{self.seconds:g} s" if self.seconds is not None else f"{self.requests} requests"


def _running_for(started_at: str) -> float:
    """Seconds since an engine timestamp (RFC 3339 with nanoseconds); 0 when it cannot be read."""
    import re
    from datetime import datetime

    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$", started_at or "")
    if not m:
        return 0.0
    text = m.group(1) + (m.group(2) or "")[:7] + ("+00:00" if m.group(3) == "Z" else m.group(3))
    try:
        return max(0.0, time.time() - datetime.fromisoformat(text).timestamp())
    except ValueError:
        return 0.0


class Stack:
    def __init__(
        self,
        ws: Workspace,
        options: RuntimeOptions,
        engine: Engine,
        compose: ComposeProject,
        run_id: str,
        progress: Progress | None = None,
    ):
        self.ws = ws
        self.opt = options
        self.engine = engine
        self.compose = compose
        self.run_id = run_id
        self.progress = progress or Progress()
        model = ws.compose
        assert model is not None  # the runtime runs only a project whose compose file loaded
        self.model = model
        self.backend = ws.roles.get("backend")
        self.frontend = ws.roles.get("frontend")
        self.client: Client | None = None  # set once the frontend's port is known (runtime.api)
        self.seal: Any = None  # the run's firewall (grader/runtime/seal.py), when the run is sealed
        self.outcomes: dict[str, PhaseOutcome] = {}
        self.deadline = time.monotonic() + options.total_timeout
        self.resolution = ws.nginx.resolution(ws.api_route) if ws.nginx is not None else Resolution("unknown")

    # -- what the files say ---------------------------------------------------------------------
    def at_compose(self, status: Status, key: str, line: int | None = None, /, **params: Any) -> Finding:
        # A line read from the project knows its file (the override, an included or extended file).
        return Finding(status, key, params, file_of(line, self.ws.compose_rel), int(line) if line is not None else None)

    def at_route(self, status: Status, key: str, /, **params: Any) -> Finding:
        """A finding at the API's proxy_pass: for failures nginx's config is the cause of."""
        route = self.ws.api_route
        if route is None:
            return Finding(status, key, params, self.ws.compose_rel, None)
        d = route.proxy_directive
        return Finding(status, key, params, d.file, d.line)

    def at_resolver(self, status: Status, key: str, /, **params: Any) -> Finding:
        """A finding at the resolver in effect for the API's route (at its proxy_pass when none)."""
        route, nginx = self.ws.api_route, self.ws.nginx
        resolver = nginx.resolver_at(route.location) if route is not None and nginx is not None else None
        if resolver is None:
            return self.at_route(status, key, **params)
        return Finding(status, key, params, resolver.file, resolver.line)

    def passed(self, slug: str) -> bool:
        o = self.outcomes.get(slug)
        return o is not None and all(f.status in (Status.PASS, Status.WARN) for f in o.findings)

    def balanced_by_client(self) -> Directive | None:
        """The API's upstream's `ip_hash` (or `hash $remote_addr`): nginx sees one client, the
        gateway, so one replica gets every request (R106 fails at that line), and whether a new or
        restarted replica is that one depends on the network's address, not on the files: R107 and
        R109 then say that they follow from R106 instead of judging."""
        route = self.ws.api_route
        target = route.target if route is not None else None
        if target is None or target.upstream is None:
            return None
        return by_client_address(target.upstream.directive)

    def follows_load_spread(self) -> Finding | None:
        """The not-judged finding of R107 and R109 when the API's upstream balances by the client's
        address (balanced_by_client), at that directive; None otherwise."""
        node = self.balanced_by_client()
        if node is None:
            return None
        balance = " ".join([node.name, *node.args])
        return Finding(
            Status.BLOCKED, "follows_load_spread", {"balance": balance, "blocked_by": "R106"}, node.file, node.line
        )

    def stale_addresses(self) -> bool:
        """Whether scale-up showed that nginx keeps the backend addresses it found earlier: then
        what later phases see depends on which addresses Docker and Compose hand out, not on the
        files, and they say that they follow from R107 instead of judging."""
        up = self.outcomes.get("runtime.scale-up")
        return up is not None and bool(up.facts.get("stale_addresses"))

    def traffic_wait(self, replicas: int) -> TrafficWait:
        """The bound for new or restarted replicas to get requests, from how nginx resolves."""
        res = self.resolution
        by_requests = self.opt.rounds * replicas
        if res.mode == "once":
            return TrafficWait(None, by_requests, "once")
        if res.mode == "runtime":
            valid = res.valid if res.valid is not None else DOCKER_DNS_TTL
            if valid > self.opt.longest_valid:
                return TrafficWait(None, by_requests, "long-valid", valid)
            return TrafficWait(valid + self.opt.traffic_margin, None, "valid", valid)
        return TrafficWait(self.opt.longest_valid + self.opt.traffic_margin, None, "unknown")

    def rejoin_wait(self, moved: bool) -> TrafficWait:
        """The bound for a restarted replica to get requests again. At the same address nginx
        may skip it for fail_timeout after the failures of its restart; at a new address nginx
        must ask DNS again, as for a new replica."""
        replicas = len(self.running())
        wait = self.traffic_wait(replicas)
        if wait.seconds is not None:
            return TrafficWait(max(wait.seconds, FAIL_TIMEOUT + self.opt.traffic_margin), None, wait.reason, wait.valid)
        if moved:
            return wait
        return TrafficWait(FAIL_TIMEOUT + self.opt.traffic_margin, None, "same address")

    def end_build(self) -> dict[str, int]:
        """Close the builds' way out; what the build's rules refused meanwhile, by part
        (build-host: the grading machine; build-private: a private range or another bridge)."""
        return self.seal.end_build() if self.seal is not None else {}

    # -- Compose --------------------------------------------------------------------------------
    def compose_run(self, *args: str, timeout: float) -> CommandResult:
        return self.compose.run(
            *args,
            timeout=min(timeout, max(1.0, self.deadline - time.monotonic())),
            on_line=lambda line: self.progress.output(line[:100]),
        )

    def scale(self, count: int) -> CommandResult:
        # Only the backend service is named, so Compose leaves the frontend (nginx) running as is.
        return self.compose_run(
            "up",
            "--detach",
            "--no-build",
            "--no-recreate",
            "--no-deps",
            "--scale",
            f"{self.backend}={count}",
            self.backend or "",
            timeout=self.opt.up_timeout,
        )

    # -- containers -----------------------------------------------------------------------------
    def replicas(self) -> list[Replica]:
        assert self.backend is not None
        return self.engine.replicas(self.backend)

    def running(self) -> list[Replica]:
        return [r for r in self.replicas() if r.status == "running"]

    def frontend_started(self) -> dict[str, str]:
        return {c.id: c.attrs.get("State", {}).get("StartedAt", "") for c in self.engine.containers(self.frontend)}

    def wait_replicas(self, want: int, timeout: float, steady: float = 0.3) -> tuple[bool, list[Replica], str]:
        """Until `want` replicas are running (healthy, when they have a healthcheck), each has
        run for `steady` seconds since it last started (the engine's start time, so a replica
        that restarted starts over) and each accepts connections (a socket listening): a replica
        whose app is still starting is not yet one nginx can serve from, however slow the app
        or busy the machine. Gives up at once when a replica exits or keeps restarting; at the
        timeout, "not_listening" when every replica runs but one never opened a port."""
        replicas: list[Replica] = []
        listening: dict[str, bool] = {}
        for _ in backoff(timeout, first=0.1, most=0.5):
            replicas = self.replicas()
            running = [r for r in replicas if r.status == "running" and r.health in (None, "healthy")]
            listening = self.engine.listening([r.id for r in running])
            # A replica whose sockets cannot be read counts by its state alone.
            ready = [r for r in running if listening.get(r.id, True)]
            self.progress.say("replicas_ready", ready=len(ready), want=want)
            broken = [
                r for r in replicas if r.status in ("exited", "dead") or r.restart_count >= 2 or r.health == "unhealthy"
            ]
            if broken:
                return False, replicas, "broken"
            if len(ready) == want == len(running) and all(_running_for(r.started_at) >= steady for r in ready):
                return True, replicas, "ready"
        running = [r for r in replicas if r.status == "running"]
        if len(running) == want and any(not listening.get(r.id, True) for r in running):
            return False, replicas, "not_listening"
        return False, replicas, "timeout"

    @staticmethod
    def replica_details(replicas: list[Replica]) -> list[dict[str, Any]]:
        return [
            {
                "replica": r.name,
                "status": r.status,
                "health": r.health,
                "exit_code": r.exit_code,
                "restarts": r.restart_count,
                "message": f"{r.name}: {r.status}"
                + (f" ({r.health})" if r.health else "")
                + (f", exit code {r.exit_code}" if r.status == "exited" else "")
                + (f", restarted {r.restart_count}x" if r.restart_count else ""),
            }
            for r in replicas
        ]

    # -- requests and what the replicas accepted -------------------------------------------------
    def burst(self, requests: int) -> int:
        """Send `requests` GETs through the frontend, four at a time; returns how many succeeded."""
        assert self.client is not None
        client, path = self.client, self.opt.list_path
        pool = ThreadPoolExecutor(max_workers=4)
        try:
            ok = sum(pool.map(lambda _: client.get(path).ok, range(requests)))
        except BaseException:
            # Interrupted: the requests in flight end with their timeout on their own; do not
            # wait for them, and start none of those still queued.
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
        interrupt.check()  # a thread of a batch learns of a signal here
        return ok

    def read_accepted(self, ids: list[str]) -> tuple[dict[str, Accepted], float]:
        return self.engine.accepted(ids), time.monotonic()

    def accepted_since(self, start: tuple[dict[str, Accepted], float], ids: list[str]) -> dict[str, int]:
        """Connections each container accepted since the reading `start` (None: unreadable)."""
        before, t0 = start
        now, t1 = self.read_accepted(ids)
        return {i: accepted_between(before[i], now[i], t1 - t0) for i in ids if i in before and i in now}

    def measured(self, requests: int, ids: list[str]) -> tuple[dict[str, int], int]:
        """Send `requests` GETs and count the connections each container accepted meanwhile.
        Returns (connections per id, successes)."""
        start = self.read_accepted(ids)
        ok = self.burst(requests)
        return self.accepted_since(start, ids), ok

    def until_served(self, ids: list[str], wait: TrafficWait, batch: int = 12) -> tuple[dict[str, int], int, float]:
        """Send batches of requests until every container in `ids` has accepted a connection, or
        the wait's bound (time or requests) is reached. Returns the connections per id, the
        requests sent and the seconds taken. A steady trickle, not a flood: nginx asks DNS again
        on the first request after its cached answer expires."""
        start = self.read_accepted(ids)
        began = time.monotonic()
        counts: dict[str, int] = {}
        sent = 0
        while True:
            self.burst(batch)
            sent += batch
            counts = self.accepted_since(start, ids)
            served = sum(1 for i in ids if counts.get(i, 0) > 0)
            self.progress.say("accepted", served=served, total=len(ids))
            elapsed = time.monotonic() - began
            if served == len(ids):
                break
            if wait.requests is not None and sent >= wait.requests:
                break
            if wait.seconds is not None and elapsed >= wait.seconds:
                break
            if time.monotonic() > self.deadline:
                break
            interrupt.sleep(0.05)
        return counts, sent, time.monotonic() - began

    @staticmethod
    def spread_floor(fair_share: float, replicas: int) -> float:
        return fair_share / replicas if replicas else math.inf

    # -- steady load while replicas come and go ---------------------------------------------------
    def under_load(
        self, action: Any, settle: float = 1.0, min_requests: int = 50, most: float = 12.0
    ) -> tuple[bool, str, SteadyLoad]:
        """Run `action` while requests keep coming; go on a little after it (nginx and DNS catch
        up then) until at least `min_requests` were sent, so that 99% means something. Returns
        the load halted, not stopped: the requests still in flight may take nginx's retries to
        finish, and the caller goes on with its next step meanwhile; `load.stop()` then waits
        for them and gives the tally, every request counted."""
        assert self.client is not None
        load = SteadyLoad(self.client, self.opt.list_path, workers=8)
        try:
            with load:
                ok, info = action()
                start = time.monotonic()
                while time.monotonic() - start < most and (
                    time.monotonic() - start < settle or load.tally.sent < min_requests
                ):
                    interrupt.sleep(0.1)
                load.halt()
        except Interrupted:
            load.halt()  # its threads are daemons; the stack goes away under them
            raise
        except BaseException:
            load.stop()
            raise
        return ok, info, load

    def load_verdict(self, tally: LoadTally, params: dict[str, Any]) -> tuple[Status, list[dict[str, Any]]]:
        rate = tally.success_rate
        details = [{"message": f"{tally.succeeded}/{tally.sent} requests succeeded ({rate:.1%})"}]
        details += [{"message": f"{n}x {what}"} for what, n in tally.failures.most_common(5)]
        params.update(ok=tally.succeeded, sent=tally.sent, rate=f"{rate:.1%}", need=f"{self.opt.min_success:.0%}")
        return (Status.PASS if tally.sent and rate >= self.opt.min_success else Status.FAIL), details
