"""The runtime scenario: set up an isolated Compose project for the learner's stack, run the
phases in order (grader/runtime/phases/, one module each), and clean up whatever happens.
A phase whose prerequisite did not pass is skipped with the reason, not failed a second time.

Nothing here sleeps for a fixed time: every wait polls with backoff up to a timeout."""
from __future__ import annotations

import secrets
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from grader.errors import Interrupted
from grader.results import Finding, Status
from grader.runtime.compose_cli import ComposeProject, find_compose
from grader.runtime.engine import Engine, connect, labelled, sweep
from grader.runtime.outcome import PhaseOutcome, tail
from grader.runtime.override import render_override
from grader.runtime.phases import PHASES
from grader.runtime.progress import Progress
from grader.runtime.stack import RuntimeOptions, Stack
from grader.workspace import Workspace

__all__ = ["PhaseOutcome", "RuntimeOptions", "RuntimeRun", "skipped"]


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
        self.outcomes: dict[str, PhaseOutcome] = {}
        self.cleanup_problems: list[str] = []
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.compose: ComposeProject | None = None
        self.engine: Engine | None = None

    def run(self) -> dict[str, PhaseOutcome]:
        argv, version = find_compose()
        client = connect()
        # Runs whose grader was killed (SIGKILL, a power cut) cannot clean up; the next run does.
        stale = sweep(client, stale_only=True)
        if any(stale.values()):
            self.progress.say("stale_removed", count=sum(len(v) for v in stale.values()))
        self.engine = Engine(client, self.project)
        self._tmp = tempfile.TemporaryDirectory(prefix="grader-run-")
        override = Path(self._tmp.name) / "grader-override.yml"
        override.write_text(render_override(self.ws.compose, self.project, self.run_id,  # type: ignore[arg-type]
                                            self.ws.roles.get("frontend"), self.ws.roles.get("backend"),
                                            self.opt.limits), "utf-8")
        # The files Compose itself picks (the compose file, its override, COMPOSE_FILE's list):
        # with -f, Compose no longer adds the override on its own.
        files = [self.ws.root.resolve(rel) for rel in self.ws.compose.project_files or [self.ws.compose_rel]]  # type: ignore[union-attr]
        self.compose = ComposeProject(argv, self.project, [*files, override], files[0].parent)
        self.progress.say("project", project=self.project, version=version)
        stack = Stack(self.ws, self.opt, self.engine, self.compose, self.run_id, self.progress)
        stack.outcomes = self.outcomes
        try:
            with _signals_raise():
                self._phases(stack)
        except KeyboardInterrupt:
            raise Interrupted("interrupted") from None
        finally:
            with _signals_held():
                self._clean()
        return self.outcomes

    def _phases(self, stack: Stack) -> None:
        for phase in PHASES:
            blocker = next((n for n in phase.NEEDS if not stack.passed(n)), None)
            if blocker is not None:
                self.outcomes[phase.SLUG] = PhaseOutcome([Finding(Status.SKIP, "skipped_after", {"phase": blocker})])
                continue
            if time.monotonic() > stack.deadline:
                self.outcomes[phase.SLUG] = PhaseOutcome(
                    [Finding(Status.FAIL, "total_timeout", {"seconds": f"{self.opt.total_timeout:g}"})])
                continue
            self.progress.phase(phase.SLUG)
            start = time.monotonic()
            outcome = phase.run(stack)
            outcome.seconds = time.monotonic() - start
            self.outcomes[phase.SLUG] = outcome
            worst = max(outcome.findings, key=lambda f: f.status.severity)
            self.progress.done(phase.SLUG, worst.status.value, outcome.seconds, "")

    def _clean(self) -> None:
        """Down the project, then remove by label whatever `down` left. Each step guarded: a
        failing one must not keep the next from running."""
        assert self.compose is not None and self.engine is not None
        steps: list[tuple[str, Callable[[], Any]]] = [
            ("progress", lambda: self.progress.say("removing")),
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


def skipped(reason_key: str, **params: Any) -> dict[str, PhaseOutcome]:
    """Every phase skipped for one reason (e.g. the static errors left nothing to run)."""
    return {p.SLUG: PhaseOutcome([Finding(Status.SKIP, reason_key, params)]) for p in PHASES}
