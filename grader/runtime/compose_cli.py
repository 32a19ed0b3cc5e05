"""The Compose v2 command line: build, up, scale and down of one project.

Compose has no Python API, so these run `docker compose` (or a `docker-compose` v2 binary).
Each command runs in its own process group, so a Ctrl-C at the terminal reaches the grader
alone, which passes it on to the command (grader/interrupt.py) and then tears the
project down."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from grader import interrupt
from grader.errors import RuntimeSetupError

MAX_OUTPUT_BYTES = 256 * 1024  # the tail of a command's output that is kept for the report
# The grader's variables a run's Compose commands get: the few that find the Docker client's
# plugins and configuration (PATH, HOME, DOCKER_CONFIG) and reach the engine (DOCKER_HOST,
# DOCKER_CONTEXT and its TLS settings). They reach neither interpolation nor containers: the
# run's document was resolved without them (grader/runtime/resolve.py), every `$` in it is
# escaped, and a variable named without a value has been dropped from it (freeze.py).
ENGINE_VARIABLES = (
    "PATH",
    "HOME",
    "DOCKER_CONFIG",
    "DOCKER_HOST",
    "DOCKER_CONTEXT",
    "DOCKER_CERT_PATH",
    "DOCKER_TLS_VERIFY",
)


@dataclass
class CommandResult:
    argv: list[str]
    returncode: int
    output: str
    seconds: float
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out


def _version_of(argv: list[str]) -> str | None:
    try:
        out = subprocess.run(argv + ["version", "--short"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else None


def find_compose() -> tuple[list[str], str]:
    """The Compose v2 command and its version; RuntimeSetupError for v1 or none."""
    found_v1 = None
    candidates = []
    if shutil.which("docker"):
        candidates.append(["docker", "compose"])
    if shutil.which("docker-compose"):
        candidates.append(["docker-compose"])
    for argv in candidates:
        version = _version_of(argv)
        if version is None:
            continue
        v = version.lstrip("v")
        if v.split(".")[0].isdigit() and int(v.split(".")[0]) >= 2:
            return argv, v
        found_v1 = f"{' '.join(argv)} {version}"
    if found_v1:
        raise RuntimeSetupError(
            f"only Compose v1 was found ({found_v1}); runtime grading needs Compose v2 (`docker compose`). "
            "Run scripts/setup-runtime.sh or install the docker-compose-plugin package."
        )
    raise RuntimeSetupError(
        "Compose was not found; runtime grading needs Compose v2 (`docker compose`). "
        "Run scripts/setup-runtime.sh or install the docker-compose-plugin package."
    )


class ComposeProject:
    """One Compose project: the learner's compose file plus the grader's override file."""

    def __init__(self, argv: list[str], name: str, files: list[Path], workdir: Path, env: dict[str, str] | None = None):
        self.argv = argv
        self.name = name
        self.files = files
        self.workdir = workdir
        self.env = {k: os.environ[k] for k in ENGINE_VARIABLES if k in os.environ}
        self.env.update(env or {})
        # Plain progress lines, no colours or cursor movement: the output is kept for the report.
        self.env.update(
            {
                "COMPOSE_PROGRESS": "plain",
                "BUILDKIT_PROGRESS": "plain",
                "NO_COLOR": "1",
                "COMPOSE_ANSI": "never",
                "COMPOSE_PROJECT_NAME": name,
            }
        )

    def command(self, *args: str) -> list[str]:
        files = [a for f in self.files for a in ("-f", str(f))]
        return [*self.argv, "--project-name", self.name, "--project-directory", str(self.workdir), *files, *args]

    def run(
        self, *args: str, timeout: float, on_line: Callable[[str], None] | None = None, interruptible: bool = True
    ) -> CommandResult:
        """Run one Compose command to its end or `timeout`. A signal stops an interruptible
        command (it is passed on to its process group) and raises Interrupted once the command
        has ended; clean-up's commands (interruptible=False) always run to their end."""
        if interruptible:
            interrupt.check()
        argv = self.command(*args)
        start = time.monotonic()
        # The handler must not raise between starting the command and keeping its handle, nor
        # while its output is read: the command would run on alone. It stops the command instead.
        with interrupt.deferred():
            proc = subprocess.Popen(
                argv,
                cwd=self.workdir,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            chunks: list[bytes] = []
            kept = 0
            timer = threading.Timer(timeout, self._expire, args=(proc,))
            try:
                with interrupt.command(proc, interruptible):
                    timer.start()
                    assert proc.stdout is not None
                    for line in proc.stdout:
                        chunks.append(line)
                        kept += len(line)
                        while kept > MAX_OUTPUT_BYTES and len(chunks) > 1:
                            kept -= len(chunks.pop(0))
                        if on_line is not None:
                            on_line(line.decode("utf-8", "replace").rstrip())
                    proc.wait()
            finally:
                timer.cancel()
                if proc.poll() is None:
                    self._stop(proc)
                if proc.stdout is not None:
                    proc.stdout.close()
        if interruptible:
            interrupt.check()
        timed_out = getattr(proc, "_grader_expired", False)
        output = b"".join(chunks).decode("utf-8", "replace")
        return CommandResult(
            argv, proc.returncode if proc.returncode is not None else -1, output, time.monotonic() - start, timed_out
        )

    def _expire(self, proc: subprocess.Popen[bytes]) -> None:
        proc._grader_expired = True  # type: ignore[attr-defined]
        self._stop(proc)

    @staticmethod
    def _stop(proc: subprocess.Popen[bytes]) -> None:
        """Stop a Compose command and its children (buildx, plugins): TERM, then KILL."""
        for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(proc.pid, sig)
            except (ProcessLookupError, PermissionError):
                return
            try:
                proc.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue
