"""SIGINT and SIGTERM at any moment of a runtime run: before anything starts, while a build or
`up` runs, inside each phase, during clean-up. Each ends the run within a bound with exit 130
(SIGINT) or 143 (SIGTERM), says "interrupted", and leaves nothing of the run on the engine.

The moments are not fixed: each is a progress line of the run (the grader prints one as each
phase starts) plus an offset drawn from a seeded generator, and the signal of each is drawn
too. The seed is printed with the moments; GRADER_SIGNAL_SEED=N runs the same moments again.
`grader batch --runtime` (two stacks at once) and `grader worker` are held to the same."""

from __future__ import annotations

import os
import queue
import random
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from runtime_fixtures import edit

from grader.batch.run import STATE_FILE
from grader.runtime.engine import OWNER_LABEL, RUN_LABEL, labelled, list_containers

pytestmark = pytest.mark.runtime

REPO = Path(__file__).resolve().parent.parent
SEED = int(os.environ.get("GRADER_SIGNAL_SEED") or random.SystemRandom().randrange(2**31))
# From the signal to the exit: the Compose command stops (3 s before it is killed), then
# clean-up downs the stack (containers get 3 s to stop) and removes what is left. Well within
# this on a busy machine; a run that goes on with its phases would take far longer.
STOP_BOUND = 40.0
REMOVED = "grader: interrupted; the run's containers, networks, volumes and images were removed"


@dataclass
class Moment:
    anchor: str  # a progress line (a regular expression); "": the command's handlers are in place
    most: float  # the offset is drawn from [0, most) seconds after the anchor
    what: str


# Spread over a whole run of workshop/, in the order the run reaches them.
MOMENTS = [
    Moment("", 0.6, "as the command loads and grades the files, before the engine is asked anything"),
    Moment(r"  Compose project grader-", 0.3, "before the build"),
    Moment(r"runtime\.up-scaled …", 1.5, "while `up --scale` starts the stack"),
    Moment(r"runtime\.replicas …", 0.5, "while the replicas are waited for"),
    Moment(r"runtime\.api …", 0.2, "in the API phase"),
    Moment(r"runtime\.shared-state …", 0.2, "in the shared-state phase"),
    Moment(r"runtime\.load-spread …", 0.4, "while the load is measured"),
    Moment(r"runtime\.api-contract …", 6.0, "while schemathesis exercises the API"),
    Moment(r"runtime\.scale-up …", 1.5, "while the backend scales up"),
    Moment(r"runtime\.scale-down …", 3.0, "while the backend scales down under load"),
    Moment(r"runtime\.restart-one …", 6.0, "while one replica restarts"),
    Moment(r"  removing the run's", 0.5, "during clean-up"),
]


class Lines:
    """A process's stderr, line by line as it comes, each with the moment it came."""

    def __init__(self, proc: subprocess.Popen[str]):
        self.proc = proc
        self.seen: list[str] = []
        self._q: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self._q.put(line)
        self._q.put(None)

    def wait_for(self, pattern: str, timeout: float) -> str | None:
        """The first line from now on matching `pattern` (in the line), None at the end or the timeout."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._q.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                return None
            if line is None:
                self._q.put(None)
                return None
            self.seen.append(line)
            if re.search(pattern, line):
                return line
            if time.monotonic() > deadline:
                return None

    def rest(self, timeout: float) -> str:
        self.wait_for(r"(?!)", timeout)
        return "".join(self.seen)


def start(*args: str) -> tuple[subprocess.Popen[str], Lines]:
    """The command as a shell's background job starts it: with SIGINT ignored, which a program
    inherits and must override to answer Ctrl-C at all."""
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "grader", *args, "--progress", "plain", "--lang", "en"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env={**os.environ, "LANG": "C.UTF-8", "PYTHONPATH": str(REPO)},
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    finally:
        signal.signal(signal.SIGINT, old)
    return proc, Lines(proc)


def wait_for_handlers(proc: subprocess.Popen[str], timeout: float = 60) -> None:
    """Until the process catches SIGINT and SIGTERM (the kernel's SigCgt mask): the first thing
    the command does. Before it, the interpreter itself is starting, which no program can answer."""
    want = (1 << (signal.SIGINT - 1)) | (1 << (signal.SIGTERM - 1))
    deadline = time.monotonic() + timeout
    while True:
        status = Path(f"/proc/{proc.pid}/status").read_text()
        caught = int(re.search(r"^SigCgt:\s*([0-9a-f]+)", status, re.M).group(1), 16)
        if caught & want == want:
            return
        assert time.monotonic() < deadline and proc.poll() is None, "the command never installed its handlers"
        time.sleep(0.005)


def project_of(text: str) -> str | None:
    m = re.search(r"Compose project (grader-[0-9a-f]+)", text)
    return m.group(1) if m else None


def left_of_run(client, project: str | None, pid: int) -> dict:
    """What one run left: its project's objects and images, and anything its grader process owns."""
    left: dict = {}
    if project:
        left.update(labelled(client, project=project, run_id=project.removeprefix("grader-")))
    owned = [
        c.name
        for c in list_containers(client, {"label": RUN_LABEL})
        if c.labels.get(OWNER_LABEL, "").endswith(f":{pid}")
    ]
    if owned:
        left["owned containers"] = owned
    return left


def signal_and_wait(proc: subprocess.Popen[str], lines: Lines, sig: signal.Signals) -> tuple[int, float, str]:
    """Send `sig`, wait for the exit; (exit code, seconds from the signal to the exit, stderr).
    A process that outlives the bound by far is killed, so no run outlives its test."""
    try:
        assert proc.poll() is None, f"the run ended before the signal:\n{lines.rest(1)}"
        sent = time.monotonic()
        proc.send_signal(sig)
        code = proc.wait(STOP_BOUND * 3)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
    return code, took, lines.rest(5)


def interrupt_at(ws: Path, moment: Moment, rng: random.Random, docker_client) -> dict:
    """Start `grader check --runtime` on ws, send a drawn signal at the moment, and measure."""
    sig = rng.choice((signal.SIGINT, signal.SIGTERM))
    offset = rng.uniform(0, moment.most)
    proc, lines = start("check", str(ws), "--runtime")
    try:
        if moment.anchor:
            assert lines.wait_for(moment.anchor, 240) is not None, (
                f"the run never printed {moment.anchor!r}:\n{lines.rest(1)}"
            )
        else:
            wait_for_handlers(proc)
        time.sleep(offset)
    finally:
        code, took, text = signal_and_wait(proc, lines, sig)
    return {
        "what": moment.what,
        "signal": sig.name,
        "offset": offset,
        "code": code,
        "took": took,
        "text": text,
        "left": left_of_run(docker_client, project_of(text), proc.pid),
    }


@pytest.fixture(scope="module")
def docker_client():
    from grader.runtime.engine import connect

    return connect()


def test_a_signal_at_any_moment_of_a_run_ends_it_cleanly(ws: Path, docker_client) -> None:
    rng = random.Random(SEED)
    print(f"\nsignal moments (GRADER_SIGNAL_SEED={SEED}):")
    results = []
    for moment in MOMENTS:
        r = interrupt_at(ws, moment, rng, docker_client)
        results.append(r)
        print(
            f"  {r['signal']:7} {r['offset']:4.2f} s after {moment.anchor.strip() or 'the start'!r:28} "
            f"({r['what']}): exit {r['code']} after {r['took']:.1f} s"
        )
    for r in results:
        want = 128 + signal.Signals[r["signal"]].value
        assert r["code"] == want, f"{r['what']} ({r['signal']}): exit {r['code']}, not {want}\n{r['text']}"
        assert "grader: interrupted" in r["text"], r["text"]
        # It says the run's things were removed when the run had made its project, and only then.
        made = project_of(r["text"]) is not None
        assert (REMOVED in r["text"]) == made, f"{r['what']}: project made: {made}\n{r['text']}"
        assert r["took"] < STOP_BOUND, f"{r['what']}: {r['took']:.1f} s to stop\n{r['text']}"
        assert r["left"] == {}, f"{r['what']}: left {r['left']}\n{r['text']}"
        assert "Traceback" not in r["text"], r["text"]


def test_a_signal_while_an_image_builds_stops_the_build(ws: Path, docker_client) -> None:
    """A build that takes long (a slow RUN step): the signal stops Compose's build, and no image
    of the run stays tagged."""
    dockerfile = ws / "backend" / "Dockerfile"
    edit(dockerfile, "COPY app.py .\n", f"COPY app.py .\nRUN echo {SEED} > /tmp/seed && sleep 60\n")
    for sig in (signal.SIGINT, signal.SIGTERM):
        proc, lines = start("check", str(ws), "--runtime")
        try:
            assert lines.wait_for(r"runtime\.build …", 120) is not None, lines.rest(1)
            time.sleep(random.Random(SEED + sig.value).uniform(1, 8))  # inside the 60 s step
        finally:
            code, took, text = signal_and_wait(proc, lines, sig)
        print(f"\n{sig.name} during a build: exit {code} after {took:.1f} s")
        assert code == 128 + sig.value, text
        assert "grader: interrupted" in text and took < STOP_BOUND, text
        assert REMOVED in text, text
        assert left_of_run(docker_client, project_of(text), proc.pid) == {}, text


def test_a_signal_to_a_batch_running_two_stacks_ends_both(tmp_path: Path, docker_client) -> None:
    import shutil

    subs = tmp_path / "class"
    for sid in ("s1", "s2", "s3"):
        shutil.copytree(REPO / "workshop", subs / sid)
    rng = random.Random(SEED + 1)
    for sig in (signal.SIGINT, signal.SIGTERM):
        out = tmp_path / f"grades-{sig.name}"
        proc, lines = start("batch", str(subs), "--runtime", "--stacks", "2", "--out", str(out))
        try:
            # Both stacks running: two projects with containers owned by the batch.
            deadline = time.monotonic() + 240
            while (
                len(
                    {
                        c.labels.get("com.docker.compose.project")
                        for c in list_containers(docker_client, {"label": RUN_LABEL})
                        if c.labels.get(OWNER_LABEL, "").endswith(f":{proc.pid}")
                    }
                )
                < 2
            ):
                assert time.monotonic() < deadline and proc.poll() is None, lines.rest(1)
                time.sleep(0.2)
            time.sleep(rng.uniform(0, 3))
        finally:
            code, took, text = signal_and_wait(proc, lines, sig)
        print(f"\n{sig.name} to a batch with two stacks: exit {code} after {took:.1f} s")
        assert code == 128 + sig.value, text
        assert "grader: interrupted" in text and took < STOP_BOUND, text
        assert REMOVED in text, text
        assert left_of_run(docker_client, None, proc.pid) == {}, text
        assert (out / STATE_FILE).exists(), "an interrupted batch keeps what it graded, for --resume"


def test_a_signal_to_a_worker_stops_its_stack_and_puts_the_task_back(tmp_path: Path, docker_client) -> None:
    from queue_helpers import Worker, redis_server
    from test_batch import write_submission

    subs = tmp_path / "class"
    write_submission(subs / "s1", None)
    for sig in (signal.SIGTERM, signal.SIGINT):
        with redis_server(tmp_path / f"redis-{sig.name}") as url:
            worker = Worker(url, tmp_path / f"worker-{sig.name}.log")
            batch = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "grader",
                    "batch",
                    str(subs),
                    "--runtime",
                    "--queue",
                    url,
                    "--out",
                    str(tmp_path / f"grades-{sig.name}"),
                    "--lang",
                    "en",
                    "--progress",
                    "plain",
                ],
                env={**os.environ, "PYTHONPATH": str(REPO)},
                cwd=REPO,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
            try:
                worker.wait_ready()
                deadline = time.monotonic() + 240
                # The worker's stack runs: a running container owned by one of its pool processes.
                mine: list = []
                while not mine:
                    assert time.monotonic() < deadline and worker.proc.poll() is None, worker.text()
                    time.sleep(0.2)
                    mine = [
                        c
                        for c in list_containers(docker_client, {"label": RUN_LABEL, "status": "running"})
                        if _in_group(c.labels.get(OWNER_LABEL, ""), worker.pid)
                    ]
                project = mine[0].labels["com.docker.compose.project"]
                time.sleep(random.Random(SEED + sig.value).uniform(0, 3))
                sent = time.monotonic()
                os.kill(worker.pid, sig)
                code = worker.proc.wait(STOP_BOUND * 3)
                took = time.monotonic() - sent
            finally:
                for p in (batch, worker.proc):
                    if p.poll() is None:
                        os.killpg(p.pid, signal.SIGKILL)
                        p.wait(10)
            text = worker.text()
            print(f"\n{sig.name} to a worker grading a stack: exit {code} after {took:.1f} s")
            assert code == 128 + sig.value, text
            assert took < STOP_BOUND, text
            assert "interrupted while grading s1" in text and "task put back" in text, text
            assert "grader: interrupted" in text, text
            assert labelled(docker_client, project=project, run_id=project.removeprefix("grader-")) == {}, text


def _in_group(owner: str, pgid: int) -> bool:
    """Whether the owner label's process is in process group `pgid` (a worker and its pool)."""
    pid = int(owner.rpartition(":")[2] or 0)
    try:
        return os.getpgid(pid) == pgid
    except ProcessLookupError:
        return False
