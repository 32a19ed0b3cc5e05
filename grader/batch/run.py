"""Grade a class: fetch each submission, grade statically on every core, then (with runtime)
run the stacks a few at a time, each with its own project, ports and time limit. One bad
submission becomes a row with its error; it never stops the batch. --resume skips learners
whose commit and rubric did not change since the last run."""

from __future__ import annotations

import hashlib
import json
import os
import traceback
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from grader import __version__
from grader.batch.roster import Submission, fetch, read_roster
from grader.rubric import Rubric

STATE_FILE = "state.json"


@dataclass
class BatchOptions:
    out: Path
    rubric: str | None = None
    lang: str = "en"
    jobs: int = 0  # 0: every core
    runtime: bool = False
    stacks: int = 1  # stacks running at once
    time_limit: float = 600.0  # per submission, runtime
    clone_timeout: float = 60.0
    resume: bool = False
    queue: str | None = None  # redis://HOST:PORT/DB: workers on other hosts grade (grader/batch/queue.py)


@dataclass
class Row:
    """One learner's line in the gradebook."""

    id: str
    verdict: str  # pass | fail | error (input could not be graded) | not-graded (could not be fetched)
    score: float
    max_score: float
    commit: str | None
    graded_at: str
    report: dict[str, Any] | None
    error: str | None = None
    reused: bool = False


def rubric_key(rubric: Rubric, runtime: bool) -> str:
    h = hashlib.sha256(rubric.path.read_bytes())
    h.update(f"{__version__}|runtime={runtime}".encode())
    return h.hexdigest()[:16]


# -- workers (module level: they run in other processes) -------------------------------------
_RUBRIC: Rubric | None = None


def _init_worker(rubric_name: str | None) -> None:
    global _RUBRIC
    from grader.registry import known_checks
    from grader.rubric import load_rubric

    _RUBRIC = load_rubric(rubric_name, known_checks())


def _grade_static(path: str, lang: str) -> dict[str, Any]:
    assert _RUBRIC is not None
    return grade_submission(path, _RUBRIC, lang, False, 0.0)


def grade_submission(path: str, rubric: Rubric, lang: str, runtime: bool, time_limit: float) -> dict[str, Any]:
    """One learner, as a batch grades it: static, then (runtime) the stack unless the files
    cannot be read. {"report": ...} or {"error": ..., "input_error": bool}. A queue worker
    grades with this too, so both give the same report."""
    from grader.errors import InputError, Interrupted, RuntimeSetupError
    from grader.grade import add_runtime, grade, not_run, runtime_options
    from grader.runtime.progress import Progress

    try:
        report, ws = grade(path, rubric, lang=lang)
        if runtime and report.exit_code != 2:  # a submission that cannot be read is not run
            options = runtime_options(rubric, total_timeout=time_limit)
            try:
                add_runtime(report, ws, rubric, options, Progress(), require_seal=True)
            except RuntimeSetupError as e:  # the machine, not the learner: the static results stay
                not_run(report, rubric, e)
        return {"report": report.to_dict()}
    except InputError as e:  # files that cannot be read, or the safety gate's refusal
        return {"error": e.describe(lang), "input_error": True}
    except Interrupted:  # a signal ends the batch, not only this learner's row
        raise
    except Exception as e:
        if runtime:  # a daemon gone, a stack that failed to start: a row, not a stop
            return {"error": str(e), "input_error": False}
        return {"error": f"internal error: {type(e).__name__}: {e}", "trace": traceback.format_exc(limit=3)}


def _row(sub: Submission, result: dict[str, Any], reused: bool = False) -> Row:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    report = result.get("report")
    if report is None:
        verdict = "error" if result.get("input_error") else "not-graded"
        return Row(sub.id, verdict, 0.0, 0.0, sub.commit, now, None, result.get("error"), reused)
    verdict = {2: "error", 4: "not-graded"}.get(report["exit_code"]) or ("pass" if report["passed"] else "fail")
    error = next((n["message"] for n in report.get("notes", []) if n["level"] == "error"), None)
    return Row(
        sub.id,
        verdict,
        report["score"],
        report["max_score"],
        sub.commit,
        result.get("graded_at", now),
        report,
        error,
        reused,
    )


class Batch:
    def __init__(self, target: Path, opt: BatchOptions, rubric: Rubric, progress: Any):
        self.target = target
        self.opt = opt
        self.rubric = rubric
        self.progress = progress
        self.key = rubric_key(rubric, opt.runtime)
        self.state_path = opt.out / STATE_FILE
        self.state: dict[str, Any] = {}
        if opt.resume and self.state_path.exists():
            try:
                self.state = json.loads(self.state_path.read_text("utf-8"))
            except (OSError, ValueError):
                self.state = {}

    def run(self) -> list[Row]:
        subs = read_roster(self.target)
        (self.opt.out / "reports").mkdir(parents=True, exist_ok=True)
        self.progress.start(len(subs))
        rows: dict[str, Row] = {}
        todo: list[Submission] = []

        def fetched(sub: Submission) -> Submission:
            fetch(sub, self.opt.out, self.opt.clone_timeout)  # sets its path and commit, or error
            return sub

        # Fetch (clone) a few at a time: it waits on the network, not the CPU.
        with ThreadPoolExecutor(max_workers=4) as pool:
            for sub in pool.map(fetched, subs):
                if sub.error:
                    rows[sub.id] = _row(sub, {"error": sub.error})
                    self.progress.advance(sub.id, "not-graded")
                elif (old := self._reusable(sub)) is not None:
                    rows[sub.id] = old
                    self.progress.advance(sub.id, old.verdict, unchanged=True)
                else:
                    todo.append(sub)
        # With runtime, each submission is graded statically right before its stack runs.
        # With a queue, workers on the Docker hosts do both and send the results back.
        if self.opt.queue:
            from grader.batch.queue import grade_on_queue

            graded = grade_on_queue(todo, self.opt, self.rubric, self.key)
        else:
            graded = self._runtime(todo) if self.opt.runtime else self._static(todo)
        try:
            for sub, result in graded:
                rows[sub.id] = self._keep(sub, result)
                self.progress.advance(sub.id, rows[sub.id].verdict)
        finally:  # interrupted too: --resume then regrades only the learners not yet graded
            self.state_path.write_text(json.dumps(self.state, indent=1), "utf-8")
        self.progress.finish()
        return [rows[s.id] for s in subs]

    def _reusable(self, sub: Submission) -> Row | None:
        old = self.state.get(sub.id)
        report_file = self.opt.out / "reports" / f"{sub.id}.json"
        if not (
            self.opt.resume
            and old
            and old.get("commit") == sub.commit
            and old.get("rubric") == self.key
            and report_file.exists()
        ):
            return None
        try:
            report = json.loads(report_file.read_text("utf-8"))
        except (OSError, ValueError):
            return None
        return _row(sub, {"report": report, "graded_at": old.get("graded_at")}, reused=True)

    def _keep(self, sub: Submission, result: dict[str, Any]) -> Row:
        row = _row(sub, result)
        if row.report is not None:
            (self.opt.out / "reports" / f"{sub.id}.json").write_text(
                json.dumps(row.report, ensure_ascii=False, indent=1), "utf-8"
            )
            self.state[sub.id] = {"commit": sub.commit, "rubric": self.key, "graded_at": row.graded_at}
        return row

    def _static(self, subs: list[Submission]):
        if not subs:
            return
        jobs = self.opt.jobs or os.cpu_count() or 1
        if jobs == 1 or len(subs) == 1:
            _init_worker(self.opt.rubric)
            for sub in subs:
                yield sub, _grade_static(str(sub.path), self.opt.lang)
            return
        with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(self.opt.rubric,)) as pool:
            futures = {pool.submit(_grade_static, str(s.path), self.opt.lang): s for s in subs}
            for fut in as_completed(futures):
                sub = futures[fut]
                try:
                    yield sub, fut.result()
                except Exception as e:
                    yield sub, {"error": f"internal error: {type(e).__name__}: {e}"}

    def _runtime(self, subs: list[Submission]):
        """Static and runtime together, `stacks` submissions at a time."""

        def one(sub: Submission) -> dict[str, Any]:
            return grade_submission(str(sub.path), self.rubric, self.opt.lang, True, self.opt.time_limit)

        if self.opt.stacks <= 1:
            for sub in subs:
                yield sub, one(sub)
            return
        pool = ThreadPoolExecutor(max_workers=self.opt.stacks)
        try:
            futures = {pool.submit(one, s): s for s in subs}
            for fut in as_completed(futures):
                yield futures[fut], fut.result()
        finally:
            # Interrupted: start no other stack; the running ones see the signal at their next
            # wait and clean up, and the batch ends once they have.
            pool.shutdown(wait=True, cancel_futures=True)
