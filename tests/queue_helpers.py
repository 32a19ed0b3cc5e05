"""A Redis server and `grader worker` processes on this machine, for tests/test_queue.py and
benchmarks/queue_workers.py: Redis on 127.0.0.1 at a free port in its own folder, each worker in
its own process group, all stopped (and waited for) when the block ends."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """A throw-away Redis: no persistence, loopback only. Yields its URL."""
    exe = shutil.which("redis-server")
    if exe is None:
        raise RuntimeError("redis-server is not installed (scripts/setup.sh installs it)")
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    with open(folder / "redis.log", "wb") as out:  # the server keeps its own copy of the descriptor
        proc = subprocess.Popen(
            [
                exe,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(folder),
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        import redis

        client = redis.Redis(host="127.0.0.1", port=port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.exceptions.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start: {(folder / 'redis.log').read_text()}") from None
                time.sleep(0.05)
        client.close()
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(proc)


class Worker:
    """`grader worker` in its own process group (its pool processes with it)."""

    def __init__(self, url: str, log: Path, stacks: int = 1, time_limit: float = 600, env: dict | None = None):
        self.log = log
        with open(log, "wb") as out:  # the worker keeps its own copy of the descriptor
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "grader",
                    "worker",
                    "--queue",
                    url,
                    "--stacks",
                    str(stacks),
                    "--time-limit",
                    f"{time_limit:g}",
                ],
                env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
                cwd=REPO,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def text(self) -> str:
        return self.log.read_text("utf-8", "replace")

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while " ready." not in self.text():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the worker did not start:\n{self.text()}")
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL to the whole group at once: the worker and its pool, as a host or OOM kill would."""
        with suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        # SIGKILL is delivered at once but a process takes a moment to exit (its memory torn down,
        # a blocking call ended): wait for the group to be gone rather than sample it once.
        deadline = time.monotonic() + 10
        while group_alive(self.proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)

    def stop(self) -> None:
        stop(self.proc)


def group_members(pgid: int) -> list[int]:
    """Processes of the group that still run (zombies left out: they are only waiting to be reaped)."""
    found = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # state ppid pgrp ...
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append(int(d.name))
    return found


def group_alive(pgid: int) -> bool:
    return bool(group_members(pgid))


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM to the process group, then SIGKILL; returns once none of the group is left."""
    for sig, wait in ((signal.SIGTERM, 20.0), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + wait
        while group_alive(proc.pid) and time.monotonic() < deadline:
            proc.poll()
            time.sleep(0.1)
        if not group_alive(proc.pid):
            break
    with suppress(subprocess.TimeoutExpired):
        proc.wait(5)
