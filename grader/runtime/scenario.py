"""The runtime scenario: build the learner's stack, scale the backend, and check what step 06
promises, one phase at a time. Each phase yields findings like a static check; the rubric
turns them into results with the learner's texts.

Nothing here sleeps for a fixed time: every wait polls with backoff up to a timeout."""
from __future__ import annotations

import posixpath
import re
import secrets
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.errors import Interrupted
from grader.results import Finding, Status
from grader.runtime.compose_cli import CommandResult, ComposeProject, find_compose
from grader.runtime.engine import Engine, Replica, connect, labelled, sweep
from grader.runtime.http import Client, Response, SteadyLoad
from grader.runtime.override import Limits, render_override
from grader.runtime.phases import PHASES
from grader.runtime.progress import Progress
from grader.workspace import Workspace


@dataclass
class RuntimeOptions:
    replicas: int = 3
    scale_up: int = 5
    scale_down: int = 2
    requests: int = 90  # requests whose spread over the replicas is measured
    min_success: float = 0.99  # of requests while replicas come and go
    fair_share: float = 0.5  # each replica gets at least this fraction of an even share
    build_timeout: float = 900.0
    up_timeout: float = 180.0
    ready_timeout: float = 60.0  # replicas running, the API answering
    traffic_timeout: float = 45.0  # new or restarted replicas getting requests
    total_timeout: float = 1800.0
    log_bytes: int = 64 * 1024  # kept per replica
    list_path: str = "/api/posts"
    create_path: str = "/api/posts"
    create_body: dict[str, Any] = field(default_factory=lambda: {"username": "grader", "content": "{marker}"})
    limits: Limits = field(default_factory=Limits)
    openapi: Path | None = None
    contract_examples: int = 5


@dataclass
class PhaseOutcome:
    findings: list[Finding]
    details: list[dict[str, Any]] = field(default_factory=list)
    output: str | None = None
    seconds: float = 0.0


def backoff(timeout: float, first: float = 0.2, most: float = 2.0) -> Iterator[float]:
    """Yields the elapsed time before each attempt, sleeping between them with growing pauses."""
    start = time.monotonic()
    pause = first
    while True:
        elapsed = time.monotonic() - start
        yield elapsed
        if elapsed + pause > timeout:
            return
        time.sleep(pause)
        pause = min(pause * 1.6, most)


def tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


@contextmanager
def _signals_raise() -> Iterator[None]:
    """SIGTERM becomes an exception like Ctrl-C, so a run killed politely still cleans up."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_term(signum: int, frame: object) -> None:
        raise Interrupted("terminated")

    old = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


@contextmanager
def _signals_held() -> Iterator[None]:
    """While cleaning up, a second Ctrl-C must not leave half a stack behind."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
    old_term = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old_int)
        signal.signal(signal.SIGTERM, old_term)


class RuntimeRun:
    def __init__(self, ws: Workspace, options: RuntimeOptions, progress: Progress | None = None):
        assert ws.compose is not None and ws.compose_rel is not None
        self.ws = ws
        self.opt = options
        self.progress = progress or Progress()
        self.run_id = secrets.token_hex(5)
        self.project = f"grader-{self.run_id}"
        self.model = ws.compose
        self.backend = ws.roles.get("backend")
        self.frontend = ws.roles.get("frontend")
        self.outcomes: dict[str, PhaseOutcome] = {}
        self.cleanup_problems: list[str] = []
        self.client: Client | None = None
        self.bytes_per_request = 0.0
        self.deadline = time.monotonic() + options.total_timeout
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.compose: ComposeProject | None = None
        self.engine: Engine | None = None

    # -- the run -------------------------------------------------------------------------------
    def run(self) -> dict[str, PhaseOutcome]:
        argv, _version = find_compose()
        client = connect()
        # Runs whose grader was killed (SIGKILL, a power cut) cannot clean up; the next run does.
        stale = sweep(client, stale_only=True)
        if any(stale.values()):
            self.progress.status(f"removed what earlier killed runs left: {sum(len(v) for v in stale.values())} objects")
        self.engine = Engine(client, self.project)
        self._tmp = tempfile.TemporaryDirectory(prefix="grader-run-")
        override = Path(self._tmp.name) / "grader-override.yml"
        override.write_text(render_override(self.model, self.project, self.run_id, self.frontend,
                                            self.backend, self.opt.limits), "utf-8")
        compose_path = self.ws.root.resolve(self.ws.compose_rel or "")
        self.compose = ComposeProject(argv, self.project, [compose_path, override], compose_path.parent)
        self.progress.status(f"Compose project {self.project} (compose {_version})")
        try:
            with _signals_raise():
                self._phases()
        except KeyboardInterrupt:
            raise Interrupted("interrupted") from None
        finally:
            with _signals_held():
                self._clean()
        return self.outcomes

    def _phases(self) -> None:
        steps: dict[str, Callable[[], PhaseOutcome]] = {
            "runtime.build": self.build, "runtime.up-scaled": self.up_scaled,
            "runtime.replicas": self.replicas, "runtime.api": self.api,
            "runtime.shared-state": self.shared_state, "runtime.load-spread": self.load_spread,
            "runtime.logs": self.logs, "runtime.api-contract": self.api_contract,
            "runtime.scale-up": self.scale_up, "runtime.scale-down": self.scale_down,
            "runtime.restart-one": self.restart_one,
        }
        for phase in PHASES:
            blocker = next((n for n in phase.needs if not self._passed(n)), None)
            if blocker is not None:
                self.outcomes[phase.slug] = PhaseOutcome([Finding(Status.SKIP, "skipped_after", {"phase": blocker})])
                continue
            if time.monotonic() > self.deadline:
                self.outcomes[phase.slug] = PhaseOutcome(
                    [Finding(Status.FAIL, "total_timeout", {"seconds": f"{self.opt.total_timeout:g}"})])
                continue
            self.progress.phase(phase.slug)
            start = time.monotonic()
            outcome = steps[phase.slug]()
            outcome.seconds = time.monotonic() - start
            self.outcomes[phase.slug] = outcome
            worst = max(outcome.findings, key=lambda f: f.status.severity)
            self.progress.done(phase.slug, worst.status.value, outcome.seconds, "")

    def _passed(self, slug: str) -> bool:
        o = self.outcomes.get(slug)
        return o is not None and all(f.status in (Status.PASS, Status.WARN) for f in o.findings)

    def _clean(self) -> None:
        """Down the project, then remove by label whatever `down` left. Each step guarded: a
        failing one must not keep the next from running."""
        assert self.compose is not None and self.engine is not None
        steps: list[tuple[str, Callable[[], Any]]] = [
            ("progress", lambda: self.progress.status("removing the run's containers, networks, volumes and images")),
            ("compose down", self._down),
            ("remove", lambda: sweep(self.engine.client, project=self.project, run_id=self.run_id,  # type: ignore[union-attr]
                                     problems=self.cleanup_problems)),
            ("check", self._check_left),
            ("temporary files", lambda: self._tmp.cleanup() if self._tmp else None),
            ("progress", self.progress.close),
        ]
        for what, step in steps:
            try:
                step()
            except Exception as e:  # noqa: BLE001 - report and go on to the next step
                self.cleanup_problems.append(f"{what}: {e.__class__.__name__}: {e}")

    def _down(self) -> None:
        assert self.compose is not None
        down = self.compose.run("down", "--volumes", "--remove-orphans", "--timeout", "3", timeout=180)
        if not down.ok:
            self.cleanup_problems.append(f"compose down: {tail(down.output, 3)}")

    def _check_left(self) -> None:
        assert self.engine is not None
        left = labelled(self.engine.client, project=self.project, run_id=self.run_id)
        if left:
            self.cleanup_problems.append(f"still present: {left}")

    # -- helpers --------------------------------------------------------------------------------
    def _compose(self, *args: str, timeout: float) -> CommandResult:
        assert self.compose is not None
        return self.compose.run(*args, timeout=min(timeout, max(1.0, self.deadline - time.monotonic())),
                                on_line=lambda line: self.progress.output(line[:100]))

    def _replicas(self) -> list[Replica]:
        assert self.engine is not None and self.backend is not None
        return self.engine.replicas(self.backend)

    def _running_ids(self) -> list[str]:
        return [r.id for r in self._replicas() if r.status == "running"]

    def _at_compose(self, status: Status, key: str, line: int | None = None, /, **params: Any) -> Finding:
        return Finding(status, key, params, self.ws.compose_rel, line)

    def _nginx_line(self) -> tuple[str | None, int | None]:
        """Where the API's proxy_pass is written, for failures nginx is the cause of."""
        if self.ws.nginx is None:
            return None, None
        from grader.checks.context import CheckContext

        route = CheckContext(ws=self.ws, params={}).api_route
        if route is None:
            return None, None
        d = route.target.directive if route.target else route.location
        return d.file, d.line

    def _wait_replicas(self, want: int, timeout: float) -> tuple[bool, list[Replica], str]:
        """Until `want` replicas run steadily (and are healthy when they have a healthcheck).
        Gives up early when a replica exits or keeps restarting."""
        previous: dict[str, str] = {}
        replicas: list[Replica] = []
        for _ in backoff(timeout, first=0.3, most=1.0):
            replicas = self._replicas()
            ready = [r for r in replicas if r.status == "running" and r.health in (None, "healthy")]
            self.progress.status(f"{len(ready)}/{want} replicas ready")
            broken = [r for r in replicas if r.status in ("exited", "dead") or r.restart_count >= 2
                      or r.health == "unhealthy"]
            if broken:
                return False, replicas, "broken"
            started = {r.id: r.started_at for r in ready}
            if len(ready) == want and started == previous:
                return True, replicas, "ready"
            previous = started if len(ready) == want else {}
        return False, replicas, "timeout"

    def _replica_details(self, replicas: list[Replica]) -> list[dict[str, Any]]:
        return [{"replica": r.name, "status": r.status, "health": r.health, "exit_code": r.exit_code,
                 "restarts": r.restart_count,
                 "message": f"{r.name}: {r.status}" + (f" ({r.health})" if r.health else "")
                 + (f", exit code {r.exit_code}" if r.status == "exited" else "")
                 + (f", restarted {r.restart_count}x" if r.restart_count else "")}
                for r in replicas]

    def _burst(self, requests: int) -> int:
        """Send `requests` GETs through the frontend, four at a time; returns how many succeeded."""
        assert self.client is not None
        client, path = self.client, self.opt.list_path
        with ThreadPoolExecutor(max_workers=4) as pool:
            return sum(pool.map(lambda _: client.get(path).ok, range(requests)))

    def _traffic(self, ids: list[str], requests: int) -> tuple[dict[str, int], int]:
        """Send `requests` GETs and measure the bytes each container received meanwhile (its
        network counters, read through the Docker API). Received, not sent: every replica gets
        the same request from nginx, but answers differ in size (a replica with its own empty
        database answers `[]`), so bytes sent would not count requests fairly.
        Returns (bytes per id, successes)."""
        assert self.engine is not None
        before = self.engine.counters(ids)
        ok = self._burst(requests)
        after = self.engine.counters(ids)
        return {i: after[i].rx_bytes - before[i].rx_bytes for i in ids if i in before and i in after}, ok

    def _until_served(self, ids: list[str], timeout: float, batch: int = 12) -> tuple[set[str], int]:
        """Send batches until each container in `ids` has received at least one request's worth
        of bytes, or the timeout. Returns the ids that did and how many requests were sent.
        No pause between batches: the requests themselves pace the loop."""
        assert self.engine is not None
        threshold = max(self.bytes_per_request * 0.9, 200.0)  # one request's worth, well above ARP noise
        start = self.engine.counters(ids)
        served: set[str] = set()
        sent = 0
        began = time.monotonic()
        while time.monotonic() - began < timeout:
            self._burst(batch)
            sent += batch
            now = self.engine.counters(ids)
            served = {i for i in ids if i in now and i in start
                      and now[i].rx_bytes - start[i].rx_bytes >= threshold}
            self.progress.status(f"{len(served)}/{len(ids)} got requests")
            if len(served) == len(ids):
                break
            time.sleep(0.2)  # a steady trickle, not a flood, while nginx's DNS cache runs out
        return served, sent

    # -- phases ---------------------------------------------------------------------------------
    def build(self) -> PhaseOutcome:
        if not any(s.build for s in self.model.services.values()):
            return PhaseOutcome([self._at_compose(Status.PASS, "nothing_to_build")])
        r = self._compose("build", timeout=self.opt.build_timeout)
        if r.ok:
            return PhaseOutcome([self._at_compose(Status.PASS, "pass", seconds=f"{r.seconds:.1f}")],
                                output=tail(r.output, 5))
        if r.timed_out:
            return PhaseOutcome([self._at_compose(Status.FAIL, "timeout", seconds=f"{self.opt.build_timeout:g}")],
                                output=tail(r.output, 40))
        missing = re.search(r"(?:pull access denied for|failed to resolve source metadata for|"
                            r"not found: manifest unknown|No such image:?)\s*([^\s,:]+(?::[^\s,]+)?)", r.output)
        if missing:
            image = missing.group(1).replace("docker.io/library/", "")
            return PhaseOutcome([self._at_compose(Status.FAIL, "base_image_missing", image=image)],
                                output=tail(r.output, 40))
        step, file, line = self._failed_step(r.output)
        return PhaseOutcome([Finding(Status.FAIL, "fail", {"step": step or "?"}, file or self.ws.compose_rel, line)],
                            output=tail(r.output, 40))

    def _failed_step(self, output: str) -> tuple[str | None, str | None, int | None]:
        """The build step that failed ('[backend 3/4] RUN pip install ...') and, when it can be
        found, the Dockerfile line it came from."""
        failed = re.findall(r"^#(\d+) ERROR", output, re.M)
        if not failed:
            m = re.search(r"failed to solve: .*?\[(\w[\w.-]*) [^\]]*\] (.+?):", output)
            return (m.group(0)[:160] if m else None), None, None
        num = failed[-1]
        m = re.search(rf"^#{num} \[([\w.-]+)(?: [^\]]*)?\] (.+)$", output, re.M)
        if not m:
            return None, None, None
        service, instruction = m.group(1), m.group(2).strip()
        svc = self.model.service(service)
        if svc is None or svc.build is None:
            return f"[{service}] {instruction}", None, None
        df_rel = posixpath.normpath(posixpath.join(self.ws.compose_dir or ".", svc.build.context, svc.build.dockerfile))
        try:
            text = self.ws.root.read(df_rel).text
        except Exception:
            return f"[{service}] {instruction}", None, None
        wanted = " ".join(instruction.split())
        for i, src in enumerate(text.splitlines(), 1):
            line = " ".join(src.split())
            if line and not line.startswith("#") and (line in wanted or wanted in line):
                return f"[{service}] {instruction}", df_rel, i
        return f"[{service}] {instruction}", df_rel, None

    def up_scaled(self) -> PhaseOutcome:
        svc = self.model.service(self.backend)
        assert svc is not None
        r = self._compose("up", "--detach", "--no-build", "--scale", f"{self.backend}={self.opt.replicas}",
                          timeout=self.opt.up_timeout)
        if r.ok:
            return PhaseOutcome([self._at_compose(Status.PASS, "pass", replicas=self.opt.replicas)],
                                output=tail(r.output, 10))
        out = r.output
        if r.timed_out:
            f = self._at_compose(Status.FAIL, "timeout", seconds=f"{self.opt.up_timeout:g}")
        elif svc.container_name is not None or re.search(r"custom container name|is already in use by container", out):
            name = svc.container_name.value if svc.container_name else "?"
            f = self._at_compose(Status.FAIL, "container_name", svc.container_name.line if svc.container_name else None,
                                 service=self.backend, value=name)
        elif re.search(r"port is already allocated|address already in use|Bind for", out):
            fixed = [p for p in svc.ports if p.published]
            f = self._at_compose(Status.FAIL, "port_conflict", fixed[0].line if fixed else svc.ports_line,
                                 service=self.backend)
        elif m := re.search(r"dependency failed to start: container (\S+) (is unhealthy|exited \(\d+\))", out):
            f = self._at_compose(Status.FAIL, "dependency", svc.depends_on_line, container=m.group(1),
                                 reason=m.group(2))
        else:
            last = next((ln for ln in reversed(out.strip().splitlines()) if ln.strip()), "")
            f = self._at_compose(Status.FAIL, "fail", error=last.strip()[:300])
        return PhaseOutcome([f], output=tail(out, 30))

    def replicas(self) -> PhaseOutcome:
        want = self.opt.replicas
        ok, replicas, why = self._wait_replicas(want, self.opt.ready_timeout)
        details = self._replica_details(replicas)
        if ok:
            return PhaseOutcome([self._at_compose(Status.PASS, "pass", count=want)], details)
        svc = self.model.service(self.backend)
        # The replica to show: one not running, else unhealthy, else the one restarted most.
        bad = max(replicas, key=lambda r: (r.status != "running", r.health == "unhealthy", r.restart_count),
                  default=None)
        out = None
        if bad is not None and self.engine is not None:
            out, _ = self.engine.logs(bad.id, 8 * 1024)
            out = tail(out, 20)
        key = {"broken": "broken", "timeout": "timeout"}[why]
        running = sum(1 for r in replicas if r.status == "running")
        return PhaseOutcome([self._at_compose(Status.FAIL, key, svc.line if svc else None, want=want,
                                              running=running, replica=bad.name if bad else "?",
                                              state=details[replicas.index(bad)]["message"] if bad else "",
                                              seconds=f"{self.opt.ready_timeout:g}")], details, out)

    def _frontend_port(self) -> tuple[int | None, int | None]:
        """(container port, host port) of the frontend, as Docker published it for this run."""
        assert self.engine is not None
        svc = self.model.service(self.frontend)
        if svc is None or not svc.ports:
            return None, None
        targets = [n for p in svc.ports for n in p.target_numbers()]
        if self.ws.nginx is not None:
            route = self.ws.nginx.api_route(self.opt.list_path, targets)
            if route is not None:
                listening = self.ws.nginx.listen_ports(route[0])
                targets.sort(key=lambda t: t not in listening)
        for t in targets:
            host = self.engine.published_port(self.frontend or "", t)
            if host is not None:
                return t, host
        return targets[0], None

    def api(self) -> PhaseOutcome:
        if self.frontend is None:
            return PhaseOutcome([self._at_compose(Status.FAIL, "no_frontend")])
        target, host = self._frontend_port()
        if host is None:
            svc = self.model.service(self.frontend)
            return PhaseOutcome([self._at_compose(Status.FAIL, "not_published", svc.line if svc else None,
                                                  service=self.frontend)])
        self.client = Client("127.0.0.1", host)
        last: Response | None = None
        for _ in backoff(self.opt.ready_timeout, first=0.2, most=1.5):
            last = self.client.get(self.opt.list_path)
            self.progress.status(last.describe())
            if last.ok and last.is_json():
                break
        assert last is not None
        details = [{"message": f"{last.describe()} via 127.0.0.1:{host} (container port {target})"}]
        if not (last.ok and last.is_json()):
            return PhaseOutcome([self._api_failure(last)], details, last.body[:2000].decode("utf-8", "replace"))
        created = self.client.post(self.opt.create_path, self._body("api check"))
        details.append({"message": created.describe()})
        if not (created.ok and created.is_json()):
            return PhaseOutcome([self._api_failure(created)], details,
                                created.body[:2000].decode("utf-8", "replace"))
        return PhaseOutcome([self._at_compose(Status.PASS, "pass", path=self.opt.list_path,
                                              status=last.status, port=host)], details)

    def _body(self, marker: str) -> dict[str, Any]:
        return {k: (v.format(marker=marker) if isinstance(v, str) else v) for k, v in self.opt.create_body.items()}

    def _api_failure(self, r: Response) -> Finding:
        file, line = self._nginx_line()
        params = {"request": f"{r.method} {r.path}", "status": r.status, "error": r.error or ""}
        if r.status is None:
            return Finding(Status.FAIL, "no_answer", params, self.ws.compose_rel, None)
        if r.status in (502, 503, 504):
            return Finding(Status.FAIL, "bad_gateway", params, file, line)
        if r.status == 404:
            return Finding(Status.FAIL, "not_found", params, file, line)
        if r.ok:
            return Finding(Status.FAIL, "not_json", params, file, line)
        return Finding(Status.FAIL, "status", params, file, line)

    def shared_state(self) -> PhaseOutcome:
        assert self.client is not None
        marker = f"grader-{self.run_id}-shared"
        made = []
        for i in range(2 * self.opt.replicas):
            r = self.client.post(self.opt.create_path, self._body(f"{marker}-{i}"))
            if not r.ok:
                return PhaseOutcome([self._at_compose(Status.FAIL, "create_failed", request=r.describe())])
            made.append(f"{marker}-{i}")
        reads = 3 * self.opt.replicas
        missing_reads = []
        for i in range(reads):
            r = self.client.get(self.opt.list_path)
            body = r.body.decode("utf-8", "replace")
            missing = [m for m in made if m not in body]
            if not r.ok or missing:
                missing_reads.append(len(missing) if r.ok else len(made))
        if missing_reads:
            return PhaseOutcome([self._at_compose(Status.FAIL, "fail", self._volume_line(), created=len(made),
                                                  bad_reads=len(missing_reads), reads=reads,
                                                  missing=max(missing_reads))])
        return PhaseOutcome([self._at_compose(Status.PASS, "pass", created=len(made), reads=reads)])

    def _volume_line(self) -> int | None:
        svc = self.model.service(self.backend)
        if svc is None:
            return None
        return svc.line_of("volumes") if "volumes" in svc.node.items else svc.line

    def load_spread(self) -> PhaseOutcome:
        replicas = [r for r in self._replicas() if r.status == "running"]
        ids = [r.id for r in replicas]
        sent = self.opt.requests
        delta, ok = self._traffic(ids, sent)
        total = sum(max(0, d) for d in delta.values())
        if total <= 0:
            return PhaseOutcome([self._at_compose(Status.FAIL, "no_traffic", requests=sent)])
        self.bytes_per_request = total / max(ok, 1)
        shares = [(r.name, max(0, delta.get(r.id, 0)) / total) for r in replicas]
        self.progress.shares(shares)
        details = [{"replica": n, "share": round(s, 4),
                    "message": f"{n}: {s:.0%} of {sent} requests (~{round(s * ok)})"} for n, s in shares]
        floor = self.opt.fair_share / len(replicas)
        starved = [(n, s) for n, s in shares if s < floor]
        if ok < sent * self.opt.min_success:
            return PhaseOutcome([self._at_compose(Status.FAIL, "errors", ok=ok, sent=sent)], details)
        if starved:
            file, line = self._nginx_line()
            name, share = min(starved, key=lambda x: x[1])
            return PhaseOutcome([Finding(Status.FAIL, "fail", {"replica": name, "share": f"{share:.0%}",
                                                              "floor": f"{floor:.0%}", "requests": sent},
                                         file, line)], details)
        return PhaseOutcome([self._at_compose(Status.PASS, "pass", replicas=len(replicas), requests=sent,
                                              lowest=f"{min(s for _, s in shares):.0%}")], details)

    def logs(self) -> PhaseOutcome:
        assert self.engine is not None
        details = []
        unreadable, empty = [], []
        for r in self._replicas():
            try:
                text, cut = self.engine.logs(r.id, self.opt.log_bytes)
            except Exception as e:
                unreadable.append(f"{r.name} ({e.__class__.__name__})")
                continue
            lines = text.splitlines()
            if not lines:
                empty.append(r.name)
            details.append({"replica": r.name, "lines": len(lines), "truncated": cut,
                            "message": f"{r.name}: {len(lines)} lines" + (" (cut to the last part)" if cut else ""),
                            "output": tail(text, 12)})
        if unreadable:
            return PhaseOutcome([self._at_compose(Status.FAIL, "fail", replicas=", ".join(unreadable))], details)
        if empty:
            return PhaseOutcome([self._at_compose(Status.WARN, "empty", replicas=", ".join(empty))], details)
        return PhaseOutcome([self._at_compose(Status.PASS, "pass", count=len(details))], details)

    def api_contract(self) -> PhaseOutcome:
        from grader.runtime.contract import check_contract

        if self.opt.openapi is None:
            return PhaseOutcome([Finding(Status.SKIP, "no_openapi")])
        assert self.client is not None
        return check_contract(self.client, self.opt.openapi, self.opt.contract_examples, self.progress)

    def _scale(self, count: int) -> CommandResult:
        # Only the backend service is named, so Compose leaves the frontend (nginx) running as is.
        return self._compose("up", "--detach", "--no-build", "--no-recreate", "--no-deps",
                             "--scale", f"{self.backend}={count}", self.backend or "", timeout=self.opt.up_timeout)

    def _frontend_started(self) -> dict[str, str]:
        assert self.engine is not None
        return {c.id: c.attrs.get("State", {}).get("StartedAt", "") for c in self.engine.containers(self.frontend)}

    def scale_up(self) -> PhaseOutcome:
        before_ids = set(self._running_ids())
        nginx_before = self._frontend_started()
        r = self._scale(self.opt.scale_up)
        if not r.ok:
            return PhaseOutcome([self._at_compose(Status.FAIL, "scale_failed", count=self.opt.scale_up,
                                                  error=tail(r.output, 1))], output=tail(r.output, 20))
        ok, replicas, _ = self._wait_replicas(self.opt.scale_up, self.opt.ready_timeout)
        if not ok:
            return PhaseOutcome([self._at_compose(Status.FAIL, "not_ready", count=self.opt.scale_up)],
                                self._replica_details(replicas))
        new = [r for r in replicas if r.id not in before_ids]
        began = time.monotonic()
        served, sent = self._until_served([r.id for r in new], self.opt.traffic_timeout)
        took = time.monotonic() - began
        nginx_restarted = self._frontend_started() != nginx_before
        details = [{"replica": r.name, "served": r.id in served,
                    "message": f"{r.name} (new): " + ("got requests" if r.id in served else "got no requests")}
                   for r in new]
        if len(served) < len(new):
            file, line = self._nginx_line()
            idle = ", ".join(r.name for r in new if r.id not in served)
            return PhaseOutcome([Finding(Status.FAIL, "fail", {"replicas": idle, "requests": sent,
                                                              "seconds": f"{self.opt.traffic_timeout:g}"},
                                         file, line)], details)
        if nginx_restarted:
            return PhaseOutcome([self._at_compose(Status.FAIL, "nginx_restarted")], details)
        return PhaseOutcome([self._at_compose(Status.PASS, "pass", count=self.opt.scale_up, new=len(new),
                                              requests=sent, seconds=f"{took:.1f}")], details)

    def _under_load(self, action: Callable[[], tuple[bool, str]], settle: float = 2.0,
                    min_requests: int = 50, most: float = 12.0) -> tuple[bool, str, Any]:
        """Run `action` while requests keep coming; go on a little after it (nginx and DNS catch
        up then) until at least `min_requests` were sent, so that 99% means something."""
        assert self.client is not None
        with SteadyLoad(self.client, self.opt.list_path, workers=8) as load:
            ok, info = action()
            start = time.monotonic()
            while time.monotonic() - start < most and (
                    time.monotonic() - start < settle or load.tally.sent < min_requests):
                time.sleep(0.1)
            tally = load.stop()
        return ok, info, tally

    def _load_verdict(self, tally: Any, key_params: dict[str, Any]) -> tuple[Status, list[dict[str, Any]]]:
        rate = tally.success_rate
        details = [{"message": f"{tally.succeeded}/{tally.sent} requests succeeded ({rate:.1%})"}]
        details += [{"message": f"{n}x {what}"} for what, n in tally.failures.most_common(5)]
        key_params.update(ok=tally.succeeded, sent=tally.sent, rate=f"{rate:.1%}",
                          need=f"{self.opt.min_success:.0%}")
        return (Status.PASS if tally.sent and rate >= self.opt.min_success else Status.FAIL), details

    def scale_down(self) -> PhaseOutcome:
        def action() -> tuple[bool, str]:
            r = self._scale(self.opt.scale_down)
            return r.ok, tail(r.output, 1)

        ok, info, tally = self._under_load(action)
        if not ok:
            return PhaseOutcome([self._at_compose(Status.FAIL, "scale_failed", count=self.opt.scale_down, error=info)])
        params: dict[str, Any] = {"count": self.opt.scale_down}
        status, details = self._load_verdict(tally, params)
        running = len(self._running_ids())
        if status is Status.PASS and running != self.opt.scale_down:
            return PhaseOutcome([self._at_compose(Status.FAIL, "count", want=self.opt.scale_down, running=running)],
                                details)
        key = "pass" if status is Status.PASS else "fail"
        file, line = (self.ws.compose_rel, None) if status is Status.PASS else self._nginx_line()
        return PhaseOutcome([Finding(status, key, params, file, line)], details)

    def restart_one(self) -> PhaseOutcome:
        assert self.engine is not None
        replicas = [r for r in self._replicas() if r.status == "running"]
        if not replicas:
            return PhaseOutcome([self._at_compose(Status.FAIL, "count", want=1, running=0)])
        victim = replicas[0]

        def action() -> tuple[bool, str]:
            try:
                self.engine.restart(victim.id, timeout=10)  # type: ignore[union-attr]
            except Exception as e:
                return False, str(e)
            ready, _, _ = self._wait_replicas(len(replicas), self.opt.ready_timeout)
            return ready, ""

        ok, info, tally = self._under_load(action)
        params: dict[str, Any] = {"replica": victim.name}
        status, details = self._load_verdict(tally, params)
        if not ok:
            return PhaseOutcome([self._at_compose(Status.FAIL, "not_back", replica=victim.name,
                                                  seconds=f"{self.opt.ready_timeout:g}")], details)
        if status is not Status.PASS:
            file, line = self._nginx_line()
            return PhaseOutcome([Finding(Status.FAIL, "fail", params, file, line)], details)
        served, sent = self._until_served([victim.id], self.opt.traffic_timeout)
        if not served:
            file, line = self._nginx_line()
            return PhaseOutcome([Finding(Status.FAIL, "not_serving", {"replica": victim.name, "requests": sent,
                                                                      "seconds": f"{self.opt.traffic_timeout:g}"},
                                         file, line)], details)
        details.append({"message": f"{victim.name} served again after the restart"})
        return PhaseOutcome([self._at_compose(Status.PASS, "pass", **params)], details)


def skipped(reason_key: str, **params: Any) -> dict[str, PhaseOutcome]:
    """Every phase skipped for one reason (e.g. the static errors left nothing to run)."""
    return {p.slug: PhaseOutcome([Finding(Status.SKIP, reason_key, params)]) for p in PHASES}


