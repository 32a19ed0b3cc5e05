"""The runtime scenario: set up an isolated Compose project for the learner's stack, run the
phases in order (grader/runtime/phases/, one module each), and clean up whatever happens.
A phase whose prerequisite did not pass is skipped with the reason, not failed a second time.

Nothing here sleeps for a fixed time: every wait polls with backoff up to a timeout."""

from __future__ import annotations

import secrets
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from grader import interrupt
from grader.results import Finding, Status
from grader.runtime.compose_cli import ComposeProject, find_compose
from grader.runtime.engine import RUN_LABEL, Engine, connect, labelled, sweep
from grader.runtime.freeze import run_document
from grader.runtime.outcome import PhaseOutcome, backoff, tail
from grader.runtime.phases import PHASES
from grader.runtime.progress import Progress
from grader.runtime.stack import RuntimeOptions, Stack
from grader.texts import Text
from grader.workspace import Workspace

__all__ = ["PhaseOutcome", "RuntimeOptions", "RuntimeRun", "skipped"]

# What a budget the watch stopped a run for is, as its finding names it.
BUDGET_KINDS = {
    "containers": Text(en="the number of its containers", ko="컨테이너 수"),
    "disk": Text(en="the disk its images, containers and volumes hold", ko="이미지, 컨테이너, 볼륨이 차지한 디스크"),
}

CACHE_TEXT = {
    "en": {
        "cache_mount": "a `RUN --mount=type=cache` written so that the grader cannot give it the run's own cache "
        "id (write it as one `--mount=type=cache,target=...` word, unquoted); a graded build shares no cache with "
        "another learner's",
    },
    "ko": {
        "cache_mount": "`RUN --mount=type=cache`가 채점기가 이 실행만의 캐시 id를 붙일 수 없는 형태로 쓰여 있습니다"
        "(따옴표 없이 `--mount=type=cache,target=...` 한 단어로 쓰세요). 채점하는 빌드는 다른 학습자와 캐시를 함께 "
        "쓰지 않습니다.",
    },
}

# How long clean-up keeps removing what a stopped run left before it says what is still there.
LEFT_BOUND = 15.0


class RuntimeRun:
    def __init__(self, ws: Workspace, options: RuntimeOptions, progress: Progress | None = None):
        assert ws.compose is not None and ws.compose_rel is not None
        self.ws = ws
        self.opt = options
        self.progress = progress or Progress()
        self.run_id = secrets.token_hex(5)
        self.project = f"grader-{self.run_id}"
        self.outcomes: dict[str, PhaseOutcome] = {}
        self.cleanup_problems: list[str] = []
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.compose: ComposeProject | None = None
        self.engine: Engine | None = None
        self.resolved: dict[str, Any] | None = None  # the project as Compose resolved it (prepare)
        self.sealed = False
        self.unsealed: str | None = None  # why the run is not sealed, when it is not
        self.watch: Any = None  # the budget's watch (grader/runtime/budget.py), while the phases run
        self.dockerfiles: dict[str, str] = {}  # service -> its Dockerfile with the run's own cache ids
        self.seal: Any = None  # the run's firewall rules, once installed
        self.argv: list[str] = []
        self.version = ""

    def prepare(self, allow_unsafe: bool = False, require_seal: bool = False) -> None:
        """Resolve the project by Compose and gate what it resolved, before anything is made on
        the engine: UnsafeSubmissionError (exit 2) lists every refusal with its file and line.
        Where the engine cannot be sealed (grader/runtime/seal.py says why), the run goes on
        unsealed and says so (`unsealed` holds the reason), unless `require_seal` (a batch or a
        worker, grading other people's files): then RuntimeSetupError (exit 4). A rubric's
        `runtime: {seal: false}` marks a class as trusted. `allow_unsafe` (trusted input) skips
        the gate."""
        from grader.runtime.gate import checked_project
        from grader.runtime.seal import why_not_available

        self.argv, self.version = find_compose()
        client = connect()
        self.resolved = checked_project(
            self.ws, self.argv, self.project, list(self.opt.base_images), lambda: client, allow_unsafe
        )
        if not allow_unsafe:
            self._check_budget()
        self._own_cache_mounts()
        why = why_not_available(client) if self.opt.seal else "the rubric marks this class as trusted (seal: false)"
        if why is not None and self.opt.seal and require_seal and not allow_unsafe:
            from grader.errors import RuntimeSetupError

            raise RuntimeSetupError(
                f"cannot seal the run's network: {why}. A batch or a worker runs other people's files only "
                "sealed; for a class you trust, set `runtime: {seal: false}` in the rubric"
            )
        self.sealed = why is None
        self.unsealed = why

    def cache_namespace(self) -> str:
        return f"grader-{self.run_id}-"

    def _own_cache_mounts(self) -> None:
        """Every `RUN --mount=type=cache` gets an id of the run's own (the Dockerfile is passed
        inline, that change alone), so no build reads a cache another run filled, nor fills one
        another reads; a mount the grader cannot rewrite exactly is refused at its line."""
        from grader.runtime.base_images import dockerfile_of
        from grader.runtime.safety import Hazard, UnsafeSubmissionError
        from grader.submission.dockerfile import namespaced_cache_mounts

        assert self.resolved is not None
        hazards = []
        for name, s in (self.resolved.get("services") or {}).items():
            build = s.get("build")
            if not build:
                continue
            read = dockerfile_of(self.ws.root, build)
            if read is None:
                continue  # the build fails on its own (the gate refused a path outside)
            rel, text = read
            if "cache" not in text.lower():
                continue
            rewritten, unsure = namespaced_cache_mounts(text, self.cache_namespace())
            hazards += [Hazard("cache_mount", rel, line, {}, CACHE_TEXT) for line in unsure]
            if rewritten != text:
                self.dockerfiles[name] = rewritten
        if hazards:
            raise UnsafeSubmissionError(hazards)

    def _check_budget(self) -> None:
        """A project over the run's budget is refused before anything is built, at its line."""
        from grader.runtime.budget import check_static
        from grader.runtime.freeze import to_bytes
        from grader.runtime.safety import UnsafeSubmissionError

        assert self.resolved is not None and self.ws.compose is not None and self.ws.compose_rel is not None
        hazards = check_static(
            self.resolved,
            self.ws.compose.root,
            self.ws.compose_rel,
            self.opt.budget,
            self.ws.roles.get("backend"),
            max(self.opt.replicas, self.opt.scale_up),
            to_bytes(self.opt.limits.memory) or 512 * 1024**2,
            self.opt.limits.cpus,
        )
        if hazards:
            raise UnsafeSubmissionError(hazards)

    def run(self) -> dict[str, PhaseOutcome]:
        """Run every phase, then clean up however the run ended. A signal at any moment ends it
        with Interrupted once clean-up is done (grader/interrupt.py)."""
        if self.resolved is None:
            self.prepare()
        with interrupt.handled():
            try:
                self._start()
            finally:
                with interrupt.held():
                    self._clean()
                    if self.compose is not None:  # the project was made: it may have had things on the engine
                        interrupt.run_cleaned(not self.cleanup_problems)
            interrupt.check()  # a signal during clean-up still ends the command as interrupted
        return self.outcomes

    def _start(self) -> None:
        import json

        from grader.runtime.seal import Seal

        assert self.resolved is not None
        client = connect()
        # Runs whose grader was killed (SIGKILL, a power cut) cannot clean up; the next run does.
        stale = sweep(client, stale_only=True)
        if any(stale.values()):
            self.progress.say("stale_removed", count=sum(len(v) for v in stale.values()))
        interrupt.check()
        self.engine = Engine(client, self.project)
        self._tmp = tempfile.TemporaryDirectory(prefix="grader-run-")
        # The run's folder holds the document and nothing else: no .env of the learner's is read
        # again, and nothing in it is interpolated again.
        document = Path(self._tmp.name) / "compose.run.json"
        document.write_text(
            json.dumps(
                run_document(
                    self.resolved,
                    self.project,
                    self.run_id,
                    self.ws.roles.get("backend"),
                    self.opt.limits,
                    self.opt.build_network,
                    self.sealed,
                    self.dockerfiles,
                ),
                indent=1,
            ),
            "utf-8",
        )
        with interrupt.deferred():  # the project made and said together: what is cleaned up is what was said
            self.compose = ComposeProject(self.argv, self.project, [document], Path(self._tmp.name))
            self.progress.say("project", project=self.project, version=self.version)
            if self.sealed:
                self.seal = Seal(client, self.run_id)
                builds = any(s.get("build") for s in (self.resolved.get("services") or {}).values())
                self.seal.install(build=builds and self.opt.build_network != "none")
        interrupt.check()
        stack = Stack(self.ws, self.opt, self.engine, self.compose, self.run_id, self.progress)
        stack.outcomes = self.outcomes
        stack.seal = self.seal
        from grader.runtime.budget import Watch

        with Watch(client, f"{RUN_LABEL}={self.run_id}", self.opt.budget, self._stop_containers) as watch:
            self.watch = watch
            self._phases(stack)
        if (over := self._over_budget()) is not None:
            # every phase says it, not only those after the moment the watch saw it
            for phase in PHASES:
                before = self.outcomes.get(phase.SLUG)
                self.outcomes[phase.SLUG] = PhaseOutcome([over], output=before.output if before else "")

    def _stop_containers(self) -> None:
        """Over budget: the run's containers are killed, so the phase running ends at once."""
        assert self.engine is not None
        client = self.engine.client
        for c in client.api.containers(filters={"label": f"{RUN_LABEL}={self.run_id}"}):
            try:
                client.api.kill(c["Id"])
            except Exception:
                continue  # gone meanwhile

    def _over_budget(self) -> Finding | None:
        """The finding of a run the budget watch stopped, or None."""
        hit = self.watch.hit if self.watch is not None else None
        if hit is None:
            return None
        kind, amount, limit = hit
        return Finding(Status.FAIL, "budget_stopped", {"what": BUDGET_KINDS[kind], "amount": amount, "limit": limit})

    def _phases(self, stack: Stack) -> None:
        for phase in PHASES:
            interrupt.check()
            stopped = self._over_budget()
            if stopped is not None:
                self.outcomes[phase.SLUG] = PhaseOutcome([stopped])
                continue
            blocker = next((n for n in phase.NEEDS if not stack.passed(n)), None)
            if blocker is not None:
                self.outcomes[phase.SLUG] = PhaseOutcome([Finding(Status.SKIP, "skipped_after", {"phase": blocker})])
                continue
            if time.monotonic() > stack.deadline:
                self.outcomes[phase.SLUG] = PhaseOutcome(
                    [Finding(Status.FAIL, "total_timeout", {"seconds": f"{self.opt.total_timeout:g}"})]
                )
                continue
            self.progress.phase(phase.SLUG)
            start = time.monotonic()
            outcome = phase.run(stack)
            if (stopped := self._over_budget()) is not None:  # the watch stopped the run meanwhile
                outcome = PhaseOutcome([stopped], output=outcome.output)
            outcome.seconds = time.monotonic() - start
            self.outcomes[phase.SLUG] = outcome
            worst = max(outcome.findings, key=lambda f: f.status.severity)
            self.progress.done(phase.SLUG, worst.status.value, outcome.seconds, "")

    def _clean(self) -> None:
        """Down the project, then remove by label whatever `down` left. Each step guarded: a
        failing one must not keep the next from running. Nothing here can be interrupted: a
        signal now is answered once everything is gone."""
        steps: list[tuple[str, Callable[[], Any]]] = [
            ("progress", lambda: self.progress.say("removing")),
            ("compose down", self._down),
            ("remove", self._remove_left),
            ("firewall", self._unseal),
            ("build cache", self._prune_cache_mounts),
            ("temporary files", lambda: self._tmp.cleanup() if self._tmp else None),
            ("progress", self.progress.close),
        ]
        for what, step in steps:
            try:
                step()
            except Exception as e:
                self.cleanup_problems.append(f"{what}: {e.__class__.__name__}: {e}")

    def _prune_cache_mounts(self) -> None:
        """The cache mounts the run's builds filled, found by the run's own id prefix."""
        if self.engine is None or not self.dockerfiles:
            return
        from grader.runtime.engine import disk_usage

        client = self.engine.client
        for entry in disk_usage(client).get("BuildCache") or []:
            if self.cache_namespace() in (entry.get("Description") or ""):
                client.api.prune_builds(filters={"id": [entry["ID"]]})

    def _unseal(self) -> None:
        if self.seal is not None:
            self.cleanup_problems += self.seal.remove()

    def _down(self) -> None:
        if self.compose is None:  # stopped before the project was made: nothing of it to down
            return
        down = self.compose.run(
            "down", "--volumes", "--remove-orphans", "--timeout", "3", timeout=180, interruptible=False
        )
        if not down.ok:
            self.cleanup_problems.append(f"compose down: {tail(down.output, 3)}")

    def _remove_left(self) -> None:
        """Remove by label what `down` left, until nothing is left or LEFT_BOUND passes. A Compose
        command stopped by a signal may have asked the engine for a container that the engine
        makes after `down` listed the project's: so look again, not once."""
        if self.engine is None:
            return
        client = self.engine.client
        problems: list[str] = []
        left: dict[str, list[str]] = {}
        for _ in backoff(LEFT_BOUND, first=0.2, most=1.0):
            problems = []
            sweep(client, project=self.project, run_id=self.run_id, problems=problems)
            left = labelled(client, project=self.project, run_id=self.run_id)
            if not left:
                return
        self.cleanup_problems += problems
        self.cleanup_problems.append(f"still present after {LEFT_BOUND:g} s: {left}")


def skipped(reason_key: str, **params: Any) -> dict[str, PhaseOutcome]:
    """Every phase skipped for one reason (e.g. the static errors left nothing to run)."""
    return {p.SLUG: PhaseOutcome([Finding(Status.SKIP, reason_key, params)]) for p in PHASES}
