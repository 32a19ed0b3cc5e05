"""Grade a class on several Docker hosts: `grader batch --queue redis://...` puts one task per
learner on a Celery queue (Redis as broker and result store); `grader worker` runs next to each
Docker engine and grades each task with the batch's own code path (static, then the stack)
against that engine. The batch fetches the submissions as it does without a queue and sends
each one's files with its task, so a worker needs no access to the learners' repositories.

A lost worker is safe: a task is acknowledged only once graded (late acks), a worker that dies
leaves it unacknowledged, and Redis hands it to another worker once the visibility timeout,
longer than the task's hard time limit, has passed. A worker keeps each result for a while under
the batch, the learner's id, commit and rubric key (what --resume compares), so a task delivered
again after its result was made returns that result instead of grading the learner a second
time; the batch deletes these once it has every result (they expire anyway). The
stack of a worker killed mid-run is swept by the next worker (or run) that starts on its host."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import secrets
import shutil
import signal
import socket
import tarfile
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from grader import interrupt
from grader.errors import InputError, Interrupted, RuntimeSetupError

QUEUE = "workshop-grader"
TASK = "workshop-grader.grade"
KEY_PREFIX = "workshop-grader:graded:"
# Beyond the stack's own limit: unpacking, static grading and the stack's clean-up.
CLEANUP_MARGIN = 30.0
# The visibility timeout exceeds the hard limit by this much, so a task still running is never
# handed to a second worker.
VISIBILITY_MARGIN = 30.0
MAX_ARCHIVE = 20 * 1024 * 1024  # a submission's files, compressed: a step-06 workspace is a few KiB
POLL = 0.5
TASK_DIR = "grader-task-"  # + the worker process's pid + a random part, in the temporary folder


def hard_limit(time_limit: float) -> float:
    """The task's hard time limit: the worker kills a task running longer."""
    return time_limit + CLEANUP_MARGIN


def visibility_timeout(time_limit: float) -> float:
    """How long a task taken by a worker stays invisible to the others before Redis hands it out
    again (the worker died): above the hard limit."""
    return hard_limit(time_limit) + VISIBILITY_MARGIN


def check_url(url: str) -> str:
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise InputError(f"--queue {url!r}: give a Redis URL, e.g. redis://HOST:6379/0")
    return url


def make_app(url: str, time_limit: float) -> Any:
    """The Celery app of both sides, with the settings that make a lost worker safe."""
    from celery import Celery

    app = Celery("workshop-grader", broker=check_url(url), backend=url, set_as_current=False)
    transport = {
        "visibility_timeout": visibility_timeout(time_limit),
        # Look for tasks of dead workers every 5 s (kombu's default scans every 100 s).
        "unacked_restore_interval": 5,
        "unacked_restore_throttle": 1,
    }
    app.conf.update(
        task_acks_late=True,  # acknowledged once graded, not once received
        task_reject_on_worker_lost=True,  # a worker process that dies puts its task back
        worker_prefetch_multiplier=1,  # a worker holds no more tasks than it has stacks
        task_time_limit=hard_limit(time_limit),
        broker_transport_options=transport,
        result_backend_transport_options=transport,
        task_default_queue=QUEUE,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_expires=24 * 3600,
        broker_connection_retry_on_startup=True,
        worker_enable_remote_control=False,  # no broadcast queues: workers share nothing but the task queue
        worker_send_task_events=False,
    )
    app.task(name=TASK, bind=True)(grade_task)
    return app


def check_broker(app: Any, url: str) -> None:
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=5)
    except Exception as e:
        raise RuntimeSetupError(f"the queue at {url} does not answer ({type(e).__name__}: {e})") from None


# -- the batch's side ------------------------------------------------------------------------
def pack(folder: Path) -> str:
    """The submission's files (not .git) as a base64 tar.gz. Symbolic links stay links, so a link
    out of the submission is reported by the worker as it is here."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(folder, arcname=".", filter=lambda m: None if PurePosixPath(m.name).parts[:1] == (".git",) else m)
    data = buf.getvalue()
    if len(data) > MAX_ARCHIVE:
        raise InputError(
            f"the submission's files take {len(data) // 1024} KiB compressed, more than a queue "
            f"task carries ({MAX_ARCHIVE // 1024 // 1024} MiB)",
            str(folder),
        )
    return base64.b64encode(data).decode("ascii")


def grade_on_queue(subs: list[Any], opt: Any, rubric: Any, key: str) -> Iterator[tuple[Any, dict[str, Any]]]:
    """Send one task per submission, then yield (submission, result) as results come back, in
    the order they finish (like the batch's own pool)."""
    if not subs:
        return
    app = make_app(opt.queue, opt.time_limit)
    check_broker(app, opt.queue)
    rubric_text = rubric.path.read_text("utf-8-sig")
    batch_id = secrets.token_hex(6)  # a new batch grades again; only a delivery of this batch's task reuses
    pending: dict[str, tuple[Any, Any]] = {}
    keys: list[str] = []
    for sub in subs:
        try:
            archive = pack(Path(sub.path))
        except (InputError, OSError) as e:
            yield sub, {"error": str(e), "input_error": isinstance(e, InputError)}
            continue
        payload = {
            "batch": batch_id,
            "id": sub.id,
            "commit": sub.commit,
            "submission": str(sub.path),
            "archive": archive,
            "rubric": {"name": rubric.path.name, "text": rubric_text, "key": key},
            "lang": opt.lang,
            "runtime": opt.runtime,
            "time_limit": opt.time_limit,
        }
        # The hard limit is the worker's (from its own --time-limit), as is the visibility timeout.
        result = app.send_task(TASK, args=[payload], queue=QUEUE)
        pending[result.id] = (sub, result)
        keys.append(done_key(payload))
    try:
        while pending:
            for task_id in _finished(app, list(pending)):
                sub, result = pending.pop(task_id)
                if result.successful():
                    value = result.result
                else:  # the hard time limit, or an error outside the grading itself
                    value = {"error": f"the worker could not grade it: {type(result.result).__name__}: {result.result}"}
                result.forget()
                yield sub, value
            if pending:
                time.sleep(POLL)
    finally:
        for _, result in pending.values():  # interrupted: the tasks stay queued, their results are not kept
            with contextlib.suppress(Exception):
                result.forget()
        try:  # the results kept against a second delivery: the batch has them now
            if keys:
                app.backend.client.delete(*keys)
        except Exception:
            pass
        app.close()


def _finished(app: Any, task_ids: list[str]) -> list[str]:
    """The tasks whose result is in, asked of Redis in a few round trips however many wait."""
    backend = app.backend
    done = []
    for i in range(0, len(task_ids), 500):
        chunk = task_ids[i : i + 500]
        metas = backend.client.mget([backend.get_key_for_task(t) for t in chunk])
        done += [t for t, meta in zip(chunk, metas, strict=True) if meta is not None]
    return done


# -- the worker's side -----------------------------------------------------------------------
WORKER_TIME_LIMIT = 600.0  # set by `grader worker --time-limit`: the longest stack time it allows


def done_key(payload: dict[str, Any]) -> str:
    return f"{KEY_PREFIX}{payload['batch']}:{payload['rubric']['key']}:{payload['id']}:{payload['commit']}"


def grade_task(self: Any, payload: dict[str, Any]) -> dict[str, Any]:
    """Grade one learner on this host's engine. A task delivered again whose result was already
    made (its worker died before acknowledging it) returns that result."""
    from celery.utils.log import get_task_logger

    log = get_task_logger("grader.worker")
    store = self.app.backend.client
    key = done_key(payload)
    kept = store.get(key)
    if kept is not None:
        log.warning("already graded %s at %s: result kept, not graded again", payload["id"], payload["commit"])
        return json.loads(kept)
    started = time.monotonic()
    log.info("grading %s at %s", payload["id"], payload["commit"])
    try:
        # The pool process runs the task in its main thread: SIGTERM from the worker shutting
        # down (or Ctrl-C at its terminal) stops the stack and cleans it up.
        with interrupt.handled():
            result = _grade_payload(payload)
    except Interrupted as e:
        from celery.exceptions import Reject

        log.warning(
            "interrupted while grading %s at %s (signal %d): stack removed, task put back",
            payload["id"],
            payload["commit"],
            e.signum,
        )
        raise Reject(f"interrupted by signal {e.signum}", requeue=True) from None
    result["graded_at"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    result["worker"] = f"{socket.gethostname()}:{os.getpid()}"
    # Kept past the visibility timeout: a delivery after this one can only come within it.
    store.set(key, json.dumps(result), ex=int(visibility_timeout(WORKER_TIME_LIMIT) * 2))
    report = result.get("report")
    if report is None or report["exit_code"] == 2:
        verdict = "error"
    else:
        verdict = "not-graded" if report["exit_code"] == 4 else ("pass" if report["passed"] else "fail")
    log.info("graded %s at %s: %s in %.1f s", payload["id"], payload["commit"], verdict, time.monotonic() - started)
    return result


def _grade_payload(payload: dict[str, Any]) -> dict[str, Any]:
    from grader import __version__
    from grader.batch.run import grade_submission, rubric_key
    from grader.registry import known_checks
    from grader.rubric import load_rubric

    # The task's files, and the runtime's own temporary files inside them: a worker killed
    # mid-task leaves one folder, named by its pid, for the next worker start to remove.
    work = Path(tempfile.mkdtemp(prefix=f"{TASK_DIR}{os.getpid()}-"))
    saved_tempdir, tempfile.tempdir = tempfile.tempdir, str(work)
    try:
        rubric_file = work / "rubric" / Path(payload["rubric"]["name"]).name
        rubric_file.parent.mkdir()
        rubric_file.write_text(payload["rubric"]["text"], "utf-8")
        rubric = load_rubric(str(rubric_file), known_checks())
        if rubric_key(rubric, payload["runtime"]) != payload["rubric"]["key"]:
            return {
                "error": f"the worker on {socket.gethostname()} runs grader {__version__}, not the batch's "
                "version: grade with one version on every host"
            }
        root = work / "submission"
        root.mkdir()
        with tarfile.open(fileobj=io.BytesIO(base64.b64decode(payload["archive"])), mode="r:gz") as tar:
            tar.extractall(root, filter="tar")  # names and modes checked; links kept as the learner made them
        # The worker's limit caps the batch's, so the task ends well within the visibility timeout.
        limit = min(float(payload["time_limit"]), WORKER_TIME_LIMIT)
        result = grade_submission(str(root), rubric, payload["lang"], payload["runtime"], limit)
        if result.get("report") is not None:
            result["report"]["submission"] = payload["submission"]  # where the batch has it, as without a queue
        return result
    finally:
        tempfile.tempdir = saved_tempdir
        shutil.rmtree(work, ignore_errors=True)


def sweep_task_dirs() -> int:
    """Remove the task folders of worker processes on this host that are gone; how many."""
    from grader.runtime.engine import _owner_alive

    removed = 0
    for folder in Path(tempfile.gettempdir()).glob(f"{TASK_DIR}*-*"):
        pid = folder.name[len(TASK_DIR) :].partition("-")[0]
        if pid.isdigit() and folder.is_dir() and not _owner_alive(f"{socket.gethostname()}:{pid}"):
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


# what `grader worker` says before Celery's own log takes over
WORKER_TEXT = {
    "en": {
        "swept": "grader worker: removed {total} left-over object(s) of stopped runs on this engine",
        "nothing": "grader worker: nothing left over on this engine",
        "folders": "grader worker: removed {folders} task folder(s) of stopped workers",
        "ready": "grader worker: {stacks} stack(s) at a time, time limit {time_limit:g} s, queue {queue} at {url}",
    },
    "ko": {
        "swept": "grader worker: 이 엔진에서 멈춘 실행이 남긴 {total}개를 지웠습니다.",
        "nothing": "grader worker: 이 엔진에 남은 것이 없습니다.",
        "folders": "grader worker: 멈춘 `grader worker` 프로세스가 남긴 작업 폴더 {folders}개를 지웠습니다.",
        "ready": "grader worker: 스택을 한 번에 {stacks}개씩, 하나에 {time_limit:g}초까지 실행합니다. "
        "큐: {url}의 {queue}",
    },
}


def run_worker(url: str, stacks: int, time_limit: float, loglevel: str, echo: Any, lang: str = "en") -> None:
    """Sweep what dead workers left on this host's engine, then take tasks, `stacks` at a time
    (one process each)."""
    global WORKER_TIME_LIMIT
    from grader.i18n.ko import localized
    from grader.runtime.engine import connect, sweep

    def say(key: str, **params: Any) -> None:
        echo(localized(WORKER_TEXT, lang, key, **params))

    WORKER_TIME_LIMIT = time_limit
    client = connect()
    removed = sweep(client, stale_only=True)
    client.close()
    total = sum(len(v) for v in removed.values())
    folders = sweep_task_dirs()
    if total:
        say("swept", total=total)
    else:
        say("nothing")
    if folders:
        say("folders", folders=folders)
    app = make_app(url, time_limit)
    check_broker(app, url)
    say("ready", stacks=stacks, time_limit=time_limit, queue=QUEUE, url=url)
    stopped_by = _on_shutdown()
    app.worker_main(
        argv=[
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            str(stacks),
            "--queues",
            QUEUE,
            "--hostname",
            f"grader-{os.getpid()}@{socket.gethostname()}",
            "--loglevel",
            loglevel,
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
        ]
    )
    if stopped_by:
        raise Interrupted(stopped_by[0])


def _on_shutdown() -> list[int]:
    """Celery answers SIGINT and SIGTERM with a warm shutdown, which waits for the tasks running
    (a whole stack each). So pass the signal on to the pool processes as SIGTERM: each stops its
    stack, cleans up and puts its task back for another worker, and the shutdown is over in
    seconds. Returns the list the signal's number is put in, for the exit code."""
    from billiard.process import active_children
    from celery.signals import worker_shutting_down

    stopped_by: list[int] = []

    def shutting_down(sig: str = "", **_: Any) -> None:
        signum = getattr(signal, str(sig), None)
        if signum is None or stopped_by:
            return
        stopped_by.append(int(signum))
        for child in active_children():
            try:
                os.kill(child.pid, signal.SIGTERM)
            except (ProcessLookupError, TypeError):
                continue

    worker_shutting_down.connect(shutting_down, weak=False)
    return stopped_by
