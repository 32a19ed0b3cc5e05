"""`grader batch --queue` with `grader worker`s, on this machine: a Redis server of the test's own
(127.0.0.1, a free port, a temporary folder) and worker processes against the local engine.
The gradebook, reports and feedback equal a serial batch's; a worker killed (SIGKILL) while its
stack runs leaves its learner graded exactly once and nothing on the engine; no worker process,
Redis server or Redis key of the batch stays behind."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import run
from queue_helpers import REPO, Worker, free_port, group_alive, redis_server
from runtime_fixtures import materialize
from test_batch import write_submission

# (id, mistake) for the static roster: passing, failing twice, ungradable
STATIC_CLASS = [
    ("a-ok", None),
    ("b-container-name", ("docker-compose.yml", "  backend:\n", "  backend:\n    container_name: be\n")),
    ("c-literal-proxy", ("frontend/nginx.conf", "proxy_pass $backend_upstream;", "proxy_pass http://backend:8080;")),
    ("d-broken-yaml", ("docker-compose.yml", "services:\n", "services: [\n")),
    ("e-no-scaling-comment", None),
]


def static_class(root: Path) -> Path:
    subs = root / "class"
    for sid, mistake in STATIC_CLASS:
        write_submission(subs / sid, mistake)
    # A learner whose compose file has no comment at all, so none explains scaling (C105).
    compose = subs / "e-no-scaling-comment" / "docker-compose.yml"
    compose.write_text(
        "\n".join(line for line in compose.read_text().splitlines() if not line.lstrip().startswith("#")) + "\n"
    )
    return subs


def gradebook(out: Path) -> list[dict]:
    """The gradebook without the time of grading, which differs between two runs."""
    rows = json.loads((out / "gradebook.json").read_text())
    for row in rows:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", row.pop("graded_at"))
    return rows


def keys_left(url: str) -> list[str]:
    """Redis keys other than the queue's binding, which Celery keeps by design."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        return sorted(k.decode() for k in client.keys("*") if not k.startswith(b"_kombu.binding"))
    finally:
        client.close()


def batch_cli(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "grader", "batch", *args, "--lang", "en", "--progress", "plain"],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def test_two_workers_grade_a_class_as_a_serial_batch_does(tmp_path: Path) -> None:
    subs = static_class(tmp_path)
    serial = tmp_path / "serial"
    r = run("batch", str(subs), "--out", str(serial), "--progress", "none", "--lang", "en")
    assert r.exit_code == 0, r.output
    queued = tmp_path / "queued"
    with redis_server(tmp_path / "redis") as url:
        workers = [Worker(url, tmp_path / f"worker{i}.log") for i in range(2)]
        try:
            for w in workers:
                w.wait_ready()
            p = batch_cli(str(subs), "--queue", url, "--out", str(queued), timeout=120)
            assert p.returncode == 0, p.stderr
            assert "5 learners: 1 pass, 3 fail, 1 input errors, 0 not graded" in p.stdout
            assert len(re.findall(r"^\[\d/5\] ", p.stderr, re.M)) == 5  # progress as without a queue
            assert keys_left(url) == []  # no task, result or kept result of the batch
            # --resume through the queue: nothing changed, so nothing is sent.
            p = batch_cli(str(subs), "--queue", url, "--out", str(queued), "--resume", timeout=120)
            assert p.returncode == 0, p.stderr
            assert "(5 unchanged, not regraded)" in p.stdout
        finally:
            for w in workers:
                w.stop()
        assert not any(group_alive(w.pid) for w in workers)
        logs = "".join(w.text() for w in workers)
        for sid, _ in STATIC_CLASS:  # each learner graded once, on one of the workers
            assert len(re.findall(rf"graded {sid} at ", logs)) == 1, logs
    book = gradebook(queued)
    assert [row["verdict"] for row in book] == ["pass", "fail", "fail", "error", "fail"]
    assert book == gradebook(serial)
    for sid, _ in STATIC_CLASS:
        assert (queued / "feedback" / f"{sid}.md").read_text() == (serial / "feedback" / f"{sid}.md").read_text()
    reports = sorted(p.name for p in (serial / "reports").iterdir())
    assert sorted(p.name for p in (queued / "reports").iterdir()) == reports and len(reports) == 5
    for name in reports:
        assert json.loads((queued / "reports" / name).read_text()) == json.loads(
            (serial / "reports" / name).read_text()
        )
    assert (queued / "report.html").stat().st_size > 0
    # `grader aggregate` reads the queue's reports as it reads anyone's.
    agg_q, agg_s = tmp_path / "agg-q", tmp_path / "agg-s"
    assert run("aggregate", str(queued / "reports"), "--out", str(agg_q), "--lang", "en").exit_code == 0
    assert run("aggregate", str(serial / "reports"), "--out", str(agg_s), "--lang", "en").exit_code == 0
    strip = lambda rows: [{k: v for k, v in row.items() if k != "graded_at"} for row in rows]  # noqa: E731
    assert strip(json.loads((agg_q / "gradebook.json").read_text())) == strip(
        json.loads((agg_s / "gradebook.json").read_text())
    )


def task_payload(sub: Path, rubric, key: str) -> dict:
    """One learner's task as `grader batch --queue` sends it (static, batch b1)."""
    from grader.batch.queue import pack

    return {
        "batch": "b1",
        "id": "learner",
        "commit": "c1",
        "submission": str(sub),
        "archive": pack(sub),
        "rubric": {"name": rubric.path.name, "text": rubric.path.read_text(), "key": key},
        "lang": "en",
        "runtime": False,
        "time_limit": 60,
    }


def test_a_task_delivered_again_returns_the_kept_result_instead_of_grading_twice(tmp_path: Path) -> None:
    """A worker that dies after grading but before acknowledging leaves its task to be delivered
    again: the next delivery returns the result already made."""
    from grader.batch.queue import TASK, done_key, make_app, pack
    from grader.batch.run import rubric_key

    sub = tmp_path / "learner"
    write_submission(sub, None)
    with redis_server(tmp_path / "redis") as url:
        app = make_app(url, 60)
        rubric = load_default_rubric()
        payload = task_payload(sub, rubric, rubric_key(rubric, False))
        first = app.tasks[TASK].apply(args=[payload]).get()
        assert first["report"]["passed"] is True and first["report"]["submission"] == str(sub)
        # The same task again, with files that would now fail: the kept result comes back.
        (sub / "docker-compose.yml").write_text("services: [\n")
        again = app.tasks[TASK].apply(args=[{**payload, "archive": pack(sub)}]).get()
        assert again == first
        # Another batch grades afresh.
        other = app.tasks[TASK].apply(args=[{**payload, "batch": "b2", "archive": pack(sub)}]).get()
        assert other["report"]["exit_code"] == 2
        app.backend.client.delete(done_key(payload), done_key({**payload, "batch": "b2"}))
        assert keys_left(url) == []
        app.close()


def test_a_worker_of_another_version_answers_with_an_error_not_a_grade(tmp_path: Path) -> None:
    from grader.batch.queue import TASK, make_app

    sub = tmp_path / "learner"
    write_submission(sub, None)
    with redis_server(tmp_path / "redis") as url:
        app = make_app(url, 60)
        rubric = load_default_rubric()
        payload = task_payload(sub, rubric, "0" * 16)
        result = app.tasks[TASK].apply(args=[payload]).get()
        assert "report" not in result and "grade with one version on every host" in result["error"]
        app.close()


def load_default_rubric():
    from grader.registry import known_checks
    from grader.rubric import load_rubric

    return load_rubric(None, known_checks())


def test_a_queue_that_is_not_redis_or_does_not_answer_is_a_clear_error(tmp_path: Path) -> None:
    subs = tmp_path / "class"
    write_submission(subs / "a", None)
    r = run("batch", str(subs), "--out", str(tmp_path / "g"), "--queue", "amqp://127.0.0.1/", "--progress", "none")
    assert r.exit_code == 2
    assert "give a Redis URL" in r.output
    port = free_port()  # nothing listens there
    r = run(
        "batch", str(subs), "--out", str(tmp_path / "g"), "--queue", f"redis://127.0.0.1:{port}/0", "--progress", "none"
    )
    assert r.exit_code == 4, r.output
    assert f"the queue at redis://127.0.0.1:{port}/0 does not answer" in r.output
    assert "Traceback" not in r.output


# -- with real stacks -----------------------------------------------------------------------
def runtime_class(root: Path) -> Path:
    """Passing, failing a static check, ungradable, and failing only at runtime (the backend exits)."""
    subs = root / "class"
    write_submission(subs / "a-ok", None)
    write_submission(
        subs / "b-healthy",
        (
            "docker-compose.yml",
            "    depends_on:\n      - backend\n",
            "    depends_on:\n      backend:\n        condition: service_healthy\n",
        ),
    )
    write_submission(subs / "c-broken-yaml", ("docker-compose.yml", "services:\n", "services: [\n"))
    materialize("backend-exits", subs / "d-backend-exits")
    return subs


@pytest.mark.runtime
def test_two_workers_grade_stacks_as_a_serial_batch_does(tmp_path: Path) -> None:
    subs = runtime_class(tmp_path)
    serial, queued = tmp_path / "serial", tmp_path / "queued"
    p = batch_cli(str(subs), "--runtime", "--stacks", "2", "--time-limit", "120", "--out", str(serial))
    assert p.returncode == 0, p.stderr
    with redis_server(tmp_path / "redis") as url:
        workers = [Worker(url, tmp_path / f"worker{i}.log", stacks=1, time_limit=120) for i in range(2)]
        try:
            for w in workers:
                w.wait_ready()
            p = batch_cli(str(subs), "--runtime", "--queue", url, "--time-limit", "120", "--out", str(queued))
            assert p.returncode == 0, p.stderr
            assert keys_left(url) == []
        finally:
            for w in workers:
                w.stop()
    book = gradebook(queued)
    assert {row["id"]: row["verdict"] for row in book} == {
        "a-ok": "pass",
        "b-healthy": "fail",
        "c-broken-yaml": "error",
        "d-backend-exits": "fail",
    }
    exits = json.loads((queued / "reports" / "d-backend-exits.json").read_text())
    assert any(r["check"].startswith("runtime.") and r["status"] == "fail" for r in exits["results"])
    assert all(r["status"] != "fail" for r in exits["results"] if not r["check"].startswith("runtime."))
    assert book == gradebook(serial)


def _compose_processes(project: str) -> list[int]:
    """`docker compose` commands of a project still running (the killed worker's, orphaned)."""
    found = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if project.encode() in (d / "cmdline").read_bytes():
                    found.append(int(d.name))
            except OSError:
                continue
    return found


@pytest.mark.runtime
def test_a_worker_killed_mid_stack_leaves_its_learner_graded_once_and_nothing_behind(tmp_path: Path) -> None:
    from grader.runtime.engine import OWNER_LABEL, PROJECT_LABEL, RUN_LABEL, _owner_alive, connect, list_containers

    subs = tmp_path / "class"
    write_submission(subs / "s1", None)
    out = tmp_path / "grades"
    client = connect()
    limit = 45  # the stack's limit; the task comes back 105 s after the kill (visibility timeout)
    with redis_server(tmp_path / "redis") as url:
        first = Worker(url, tmp_path / "first.log", time_limit=limit)
        second = None
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
                "--time-limit",
                str(limit),
                "--out",
                str(out),
                "--lang",
                "en",
                "--progress",
                "plain",
            ],
            env={**os.environ, "PYTHONPATH": str(REPO)},
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            first.wait_ready()
            # Wait until the first worker's stack runs: a container owned by one of its processes.
            deadline, project, owner = time.monotonic() + 120, None, 0
            while project is None:
                assert time.monotonic() < deadline, first.text()
                for c in list_containers(client, {"label": RUN_LABEL, "status": "running"}):
                    pid = int(c.labels.get(OWNER_LABEL, ":0").rpartition(":")[2])
                    try:
                        if os.getpgid(pid) == first.pid:
                            project, owner = c.labels[PROJECT_LABEL], pid
                    except ProcessLookupError:
                        continue
                time.sleep(0.2)
            task_dirs = lambda: list(Path(tempfile.gettempdir()).glob(f"grader-task-{owner}-*"))  # noqa: E731
            assert task_dirs(), "the worker process grades in a folder named by its pid"
            first.kill()
            assert not group_alive(first.pid)
            # The compose command running at the kill finishes on its own; then the stack stays as it is.
            deadline = time.monotonic() + 60
            while _compose_processes(project) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert project_left(client, project).get("containers"), "the killed worker's stack is gone already"
            # The next worker on this host sweeps it at start.
            second = Worker(url, tmp_path / "second.log", time_limit=limit)
            second.wait_ready()
            assert re.search(r"removed [1-9]\d* left-over object\(s\) of stopped runs", second.text()), second.text()
            assert project_left(client, project) == {}
            assert task_dirs() == []
            assert re.search(r"removed [1-9]\d* task folder\(s\) of stopped workers", second.text()), second.text()
            # ...and grades the learner once Redis hands the task out again.
            stdout, stderr = batch.communicate(timeout=limit + 30 + 30 + 60 + 60)
            assert batch.returncode == 0, stderr
        finally:
            if batch.poll() is None:
                os.killpg(batch.pid, 9)
                batch.wait(10)
            first.stop()
            if second is not None:
                second.stop()
        assert keys_left(url) == []
    assert "1 learners: 1 pass" in stdout, stdout + stderr
    assert "grading s1 at " in first.text() and "graded s1 at " not in first.text()
    assert len(re.findall(r"graded s1 at ", second.text())) == 1, second.text()
    with open(out / "gradebook.csv") as f:
        book = list(csv.DictReader(f))
    assert [(row["id"], row["verdict"]) for row in book] == [("s1", "pass")]
    assert json.loads((out / "reports" / "s1.json").read_text())["passed"] is True
    # Nothing of a dead grader process (both workers are stopped now) is on the engine; the
    # fixture in conftest.py then checks that no run's objects at all are.
    assert project_left(client, project) == {}
    assert [
        c.name for c in list_containers(client, {"label": RUN_LABEL}) if not _owner_alive(c.labels.get(OWNER_LABEL))
    ] == []
    assert [
        i.id for i in client.images.list(filters={"label": RUN_LABEL}) if not _owner_alive(i.labels.get(OWNER_LABEL))
    ] == []


def project_left(client, project: str) -> dict:
    """The containers, networks and volumes of one Compose project (labelled() given a project
    lists every run's images, so other runs going on meanwhile are not counted here)."""
    from grader.runtime.engine import labelled

    return {kind: names for kind, names in labelled(client, project=project).items() if kind != "images"}


def test_a_killed_process_not_yet_reaped_owns_no_run() -> None:
    """A worker's pool process outlives its kill as a zombie until someone reaps it; its stack is
    a dead run's all the same, so the next worker sweeps it."""
    import socket

    from grader.runtime.engine import _owner_alive

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 10
    while Path(f"/proc/{child.pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    try:
        assert _owner_alive(f"{socket.gethostname()}:{child.pid}") is False
        assert _owner_alive(f"{socket.gethostname()}:{os.getpid()}") is True
        assert _owner_alive(f"another-host:{child.pid}") is True  # not ours to judge
    finally:
        child.wait()
    assert _owner_alive(f"{socket.gethostname()}:{child.pid}") is False
