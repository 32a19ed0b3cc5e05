"""The learner's loop in the editor: findings as problems at their lines (VS Code's task and
problem matcher in workshop/.vscode/tasks.json) and the grade on every save (`--watch`)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from conftest import REPO, WORKSHOP, failing_copy, run

from grader.report.links import check_url

SEVERITY = {"fail": "error", "error": "error", "warn": "warning"}


def test_the_tasks_problem_matcher_reads_every_finding(tmp_path: Path) -> None:
    ws = failing_copy(tmp_path)
    task = json.loads((WORKSHOP / ".vscode" / "tasks.json").read_text())["tasks"][0]
    assert "--format problems" in task["command"]
    matcher = task["problemMatcher"]
    pattern = matcher["pattern"]
    regexp = re.compile(pattern["regexp"])  # VS Code's JavaScript regex; this one reads the same in Python
    os.chdir(ws)  # the task runs in the workspace folder, and the matcher's paths are relative to it
    try:
        lines = run("check", ".", "--format", "problems", "--lang", "en").stdout.splitlines()
        doc = json.loads(run("check", ".", "--format", "json", "--lang", "en").stdout)
    finally:
        os.chdir(REPO)
    want = []
    for r in doc["results"]:
        if r["status"] not in SEVERITY:
            continue
        message = r["message"] + (f" Fix: {r['hint']}" if r.get("hint") else "") + f" More: {check_url(r['code'])}"
        want.append((r["file"], r["line"], SEVERITY[r["status"]], r["code"], " ".join(message.split())))
        for d in r.get("details") or []:
            if d.get("status") not in (None, "pass"):
                want.append((d["file"], d["line"], SEVERITY[r["status"]], r["code"], " ".join(d["message"].split())))
    got = []
    for line in lines:
        m = regexp.match(line)
        assert m, line  # every line is a problem
        got.append(
            (
                m.group(pattern["file"]),
                int(m.group(pattern["line"])),
                m.group(pattern["severity"]),
                m.group(pattern["code"]),
                m.group(pattern["message"]),
            )
        )
    assert got == want
    assert {code for *_, code, _ in got} >= {"C101", "N104"}
    assert all((ws / file).is_file() for file, *_ in got)


class Watcher:
    """`grader check --watch` in a process of its own, its output read line by line."""

    def __init__(self, ws: Path):
        import queue
        import threading

        env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1", "LANG": "C.UTF-8"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "grader", "check", str(ws), "--watch", "--lang", "en"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            start_new_session=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def until(self, needle: str, seconds: float) -> list[str]:
        """The lines up to the first that has `needle`, within `seconds`."""
        import queue

        seen, deadline = [], time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            try:
                line = self.lines.get(timeout=max(left, 0.01))
            except queue.Empty:
                raise AssertionError(f"no {needle!r} within {seconds} s; got {seen[-15:]}") from None
            seen.append(line)
            if needle in line:
                return seen

    def stop(self) -> int:
        import signal

        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
        try:
            return self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            return self.proc.wait()


def test_watch_shows_a_new_failure_and_its_fix_within_2_s(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    shutil.copytree(WORKSHOP, ws)
    compose = ws / "docker-compose.yml"
    good = compose.read_text()
    w = Watcher(ws)
    try:
        first = w.until("watching", 30)  # the first grade, with its imports, may take longer
        assert any("Score 120/120" in line for line in first)
        time.sleep(0.3)  # the watcher's own start
        compose.write_text(good.replace("  backend:\n", "  backend:\n    container_name: socialapp-backend\n", 1))
        started = time.monotonic()
        lines = w.until("newly failing: C101", 2)
        assert time.monotonic() - started <= 2
        assert any("Score 110/120 (was 120/120)" in line for line in lines), lines
        rest = w.until("watching", 5)
        assert not any("newly failing" in line for line in rest)  # one mistake, one change
        compose.write_text(good)
        started = time.monotonic()
        lines = w.until("newly passing: C101", 2)
        assert time.monotonic() - started <= 2
        assert any("Score 120/120 (was 110/120)" in line for line in lines), lines
        w.until("watching", 5)
    finally:
        code = w.stop()
    assert code == 0
    assert "stopped watching" in w.until("stopped watching", 5)[-1]


def test_watch_with_runtime_is_refused() -> None:
    r = run("check", str(WORKSHOP), "--watch", "--runtime", "--lang", "en")
    assert r.exit_code == 2
    assert "grader run" in r.output
